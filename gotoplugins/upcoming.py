"""The upcoming events that forms offer, read from the local catalogue and kept briefly.

Every public form page and every submission with an event field needs this list. Each process
keeps what it read for REUSE_SECONDS instead of asking the database on every request: a
change made in this process (a sync, a connection switched) is seen at once through
forget(), one made in another process (the Celery worker's sync) within REUSE_SECONDS.
A webinar cancelled meanwhile may so be chosen for that long; GoTo then refuses the
registration and it shows under Registration problems.
"""

from __future__ import annotations

import time
from datetime import datetime

from gotoplugins.models import Event, ProductConnection

MAX_EVENTS = 200
REUSE_SECONDS = 30.0
# Events that start while a list is reused drop off its head: reading a few more than shown
# keeps MAX_EVENTS on offer.
READ_AHEAD = 20

_read: dict[str, tuple[float, datetime, list[Event]]] = {}


def upcoming_events(product: str, now: datetime) -> list[Event]:
    """Scheduled events of the product's connected account that have not started by now."""
    kept = _read.get(product)
    fresh = kept is not None and time.monotonic() - kept[0] < REUSE_SECONDS
    if kept is None or not fresh or now < kept[1]:
        kept = (time.monotonic(), now, _query(product, now))
        _read[product] = kept
    return [event for event in kept[2] if event.starts_at and event.starts_at > now][:MAX_EVENTS]


def forget(*_args: object, **_kwargs: object) -> None:
    """Drop what this process kept (also a signal receiver, hence the arguments)."""
    _read.clear()


def _query(product: str, now: datetime) -> list[Event]:
    accounts = ProductConnection.objects.filter(product=product).values("account_id")
    events = Event.objects.filter(
        product=product,
        account_id__in=accounts,
        status=Event.Status.SCHEDULED,
        starts_at__gt=now,
    ).order_by("starts_at", "id")
    return list(events[: MAX_EVENTS + READ_AHEAD])
