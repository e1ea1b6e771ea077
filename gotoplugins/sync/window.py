"""Which part of GoTo a run reads: the catalogue window and the events to read again.

GoTo lists events by *schedule* time, not by change time, so "what changed since the last
run" cannot be asked for. What can change is an event that has not ended yet (rescheduled,
renamed, cancelled, new registrants) or one that ended recently (attendance reports arrive
after the event). So:

- first run (no full, successful or partial, run of this product yet, or no event of the
  product's account in the catalogue — e.g. the account was switched) and ``--full``: the
  whole range, now − GOTO_SYNC_PAST_DAYS to now + GOTO_SYNC_FUTURE_DAYS, and every event's
  participants;
- later runs: from (the start of the last successful or partial run − GOTO_SYNC_OVERLAP_MINUTES
  − GOTO_SYNC_RECENT_DAYS) to now + GOTO_SYNC_FUTURE_DAYS. Participants are read for events
  that have not ended or ended after that start. If runs fail for days, the window grows back
  to the last good run by itself;
- ``--since DATE`` replaces the start (participants: events ended after DATE);
- events that failed in the runs since the last good one are read again whatever their date,
  so a failure is retried until it succeeds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from gotoplugins.models import Event, GoToAccount, SyncRun
from gotoplugins.sync.types import Window

GOOD = (SyncRun.Status.SUCCESS, SyncRun.Status.PARTIAL)


def plan(
    product: str,
    account: GoToAccount,
    *,
    now: datetime,
    since: datetime | None = None,
    full: bool = False,
) -> tuple[Window, frozenset[str]]:
    """(the window to read, keys of events to read again after earlier failures)."""
    end = now + timedelta(days=settings.GOTO_SYNC_FUTURE_DAYS)
    widest = now - timedelta(days=settings.GOTO_SYNC_PAST_DAYS)
    cursor = None if full else _cursor(product, account)
    retry = _failed_since(product, cursor) if cursor is not None else frozenset[str]()
    if since is not None:
        return Window(start=since, end=end, full=full), retry
    if cursor is None:
        return Window(start=widest, end=end, full=True), frozenset()
    return Window(
        start=max(widest, _incremental_start(cursor.started_at)), end=end, full=False
    ), retry


def _incremental_start(previous_start: datetime) -> datetime:
    overlap = timedelta(minutes=settings.GOTO_SYNC_OVERLAP_MINUTES)
    return previous_start - overlap - timedelta(days=settings.GOTO_SYNC_RECENT_DAYS)


def _cursor(product: str, account: GoToAccount) -> SyncRun | None:
    """The last good run that covered at least what an incremental run covers, if any."""
    runs = SyncRun.objects.filter(product=product, status__in=GOOD)
    if not runs.filter(full=True).exists():
        return None
    if not Event.objects.filter(product=product, account=account).exists():
        return None
    for run in runs.filter(window_start__isnull=False).order_by("-started_at", "-id")[:20]:
        # A --since run that started later than the usual window is no cursor: it skipped
        # events an incremental run would have read.
        if run.window_start is not None and run.window_start <= _incremental_start(run.started_at):
            return run
    return None


def _failed_since(product: str, cursor: SyncRun) -> frozenset[str]:
    runs = SyncRun.objects.filter(
        product=product,
        started_at__gte=cursor.started_at,
        status__in=(SyncRun.Status.PARTIAL, SyncRun.Status.FAILED),
    )
    keys: set[str] = set()
    for errors in runs.values_list("errors", flat=True):
        keys.update(str(item.get("event") or "") for item in errors if isinstance(item, dict))
    keys.discard("")
    return frozenset(keys)
