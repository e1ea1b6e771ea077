"""Days as the instance's time zone sees them, turned into UTC bounds for the database.

"Today" in Berlin starts at 23:00 UTC the day before (22:00 in summer): comparing stored UTC
times with UTC midnights would put a contact who registered at 00:30 Berlin time on the wrong
day. Every relative or absolute date filter goes through here.
"""

from __future__ import annotations

import datetime as dt

from segments.filters import FilterContext

Bounds = tuple[dt.datetime, dt.datetime]


def local_today(context: FilterContext) -> dt.date:
    return context.now.astimezone(context.zone).date()


def day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The first instant of `day` in `zone`, in UTC (zoneinfo resolves a DST gap forward)."""
    local = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return local.astimezone(dt.UTC)


def day_bounds(day: dt.date, zone: dt.tzinfo) -> Bounds:
    """[start, end) of one local day; 23 or 25 hours long on DST changes."""
    return day_start(day, zone), day_start(day + dt.timedelta(days=1), zone)


def last_days(days: int, context: FilterContext) -> Bounds:
    """Today and the days-1 days before it: "in the last 1 day" is today."""
    today = local_today(context)
    first = today - dt.timedelta(days=days - 1)
    return day_start(first, context.zone), day_start(today + dt.timedelta(days=1), context.zone)


def relative_day(name: str, context: FilterContext) -> Bounds:
    today = local_today(context)
    day = today - dt.timedelta(days=1) if name == "yesterday" else today
    return day_bounds(day, context.zone)
