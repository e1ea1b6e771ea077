"""The local event catalogue: upserted by (product, account, key), never deleted.

A renamed or rescheduled event keeps its row (and so its participations and history); only
its subject, times and the like are refreshed. An event GoTo no longer knows is marked
cancelled (it had not ended) or missing (it had), never removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from gotoplugins import upcoming
from gotoplugins.models import Event, GoToAccount
from gotoplugins.sync.types import Entry, Occurrence, Window

CHUNK = 1000
UPDATED_FIELDS = [
    "subject",
    "description",
    "times",
    "starts_at",
    "ends_at",
    "time_zone",
    "registration_url",
    "status",
    "last_synced_at",
    "updated_at",
]


def save(
    product: str, account: GoToAccount, entries: list[Entry], now: datetime
) -> dict[str, Event]:
    """Insert or refresh these events; returns them by key (a few queries per 1,000)."""
    saved: dict[str, Event] = {}
    for chunk in _chunks(entries):
        with transaction.atomic():
            saved.update(_save_chunk(product, account, chunk, now))
    upcoming.forget()  # bulk writes send no signals
    return saved


def _save_chunk(
    product: str, account: GoToAccount, entries: list[Entry], now: datetime
) -> dict[str, Event]:
    keep_times = [e.key for e in entries if not e.times_complete]
    stored: dict[str, list[Any]] = {}
    if keep_times:
        rows = Event.objects.filter(product=product, account=account, key__in=keep_times)
        stored = dict(rows.values_list("key", "times"))
    events = [_event(product, account, entry, stored.get(entry.key), now) for entry in entries]
    Event.objects.bulk_create(
        events,
        update_conflicts=True,
        unique_fields=["product", "account", "key"],
        update_fields=UPDATED_FIELDS,
        batch_size=CHUNK,
    )
    if any(event.pk is None for event in events):  # a backend that returns no ids on upsert
        keys = [event.key for event in events]
        found = Event.objects.filter(product=product, account=account, key__in=keys)
        return {event.key: event for event in found}
    return {event.key: event for event in events}


def _event(
    product: str, account: GoToAccount, entry: Entry, stored_times: list[Any] | None, now: datetime
) -> Event:
    times = list(entry.times)
    if stored_times:
        times = _merged(times, stored_times)
    starts = min((t.start for t in times), default=None)
    ends = max((t.end or t.start for t in times), default=None)
    return Event(
        product=product,
        account=account,
        key=entry.key,
        subject=entry.subject[:500],
        description=entry.description,
        times=[_time_json(t) for t in times],
        starts_at=starts,
        ends_at=ends,
        time_zone=entry.time_zone[:64],
        registration_url=entry.registration_url[:1000],
        status=Event.Status.SCHEDULED,
        last_synced_at=now,
        updated_at=now,
    )


def _merged(listed: list[Occurrence], stored: list[Any]) -> list[Occurrence]:
    """Listed sessions plus the held ones stored earlier that GoTo no longer lists.

    Stored sessions without a key were scheduled, not held: the current listing replaces them.
    """
    listed_keys = {t.key for t in listed if t.key}
    kept = [
        occurrence
        for occurrence in (_occurrence(item) for item in stored)
        if occurrence is not None and occurrence.key and occurrence.key not in listed_keys
    ]
    return sorted([*listed, *kept], key=lambda t: (t.start, t.key))


def _time_json(occurrence: Occurrence) -> dict[str, str | None]:
    return {
        "start": occurrence.start.isoformat(),
        "end": occurrence.end.isoformat() if occurrence.end else None,
        "key": occurrence.key,
    }


def _occurrence(item: Any) -> Occurrence | None:
    if not isinstance(item, dict):
        return None
    start = _instant(item.get("start"))
    if start is None:
        return None
    return Occurrence(start=start, end=_instant(item.get("end")), key=str(item.get("key") or ""))


def _instant(value: Any) -> datetime | None:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def known_to_check(
    product: str, account: GoToAccount, window: Window, listed: set[str], retry: Iterable[str]
) -> list[str]:
    """Keys of known events GoTo should have listed (still relevant) but did not."""
    relevant = Q(ends_at__isnull=True) | Q(ends_at__gte=window.start)
    retry_keys = list(retry)
    if retry_keys:
        relevant |= Q(key__in=retry_keys)
    keys = (
        Event.objects.filter(product=product, account=account, starts_at__lte=window.end)
        .filter(relevant)
        .exclude(status=Event.Status.CANCELLED)
        .values_list("key", flat=True)
    )
    return sorted(set(keys) - listed)


def mark_gone(product: str, account: GoToAccount, keys: list[str], now: datetime) -> int:
    """GoTo answered 404 for these known keys: cancelled if not over yet, else missing."""
    if not keys:
        return 0
    events = Event.objects.filter(product=product, account=account, key__in=keys)
    with transaction.atomic():
        cancelled = (
            events.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .exclude(status=Event.Status.CANCELLED)
            .update(status=Event.Status.CANCELLED, last_synced_at=now, updated_at=now)
        )
        missing = (
            events.filter(ends_at__lte=now)
            .exclude(status__in=[Event.Status.CANCELLED, Event.Status.MISSING])
            .update(status=Event.Status.MISSING, last_synced_at=now, updated_at=now)
        )
    upcoming.forget()
    return cancelled + missing


def _chunks(entries: list[Entry]) -> Iterator[list[Entry]]:
    iterator = iter(entries)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk
