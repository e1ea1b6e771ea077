"""The per-product sync lock: one conditional UPDATE claims it, and it expires on its own.

Claiming is atomic on every database (the UPDATE matches only a free or expired lock), so two
workers, a cron job and a "Sync now" click can race safely. A run renews its claim after each
event, so a long run keeps it and a killed one frees the product after LOCK_SECONDS.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from gotoplugins.models import ProductConnection

LOCK_SECONDS = 15 * 60


class LockLost(Exception):
    """The claim expired and another run took the product: this run must stop writing."""


def claim(product: str, now: datetime | None = None) -> str | None:
    """A token proving the claim, or None when another run holds an unexpired lock."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    free = Q(sync_lock_token="") | Q(sync_locked_until__isnull=True) | Q(sync_locked_until__lt=now)
    claimed = (
        ProductConnection.objects.filter(product=product)
        .filter(free)
        .update(sync_lock_token=token, sync_locked_until=_until(now))
    )
    return token if claimed else None


def renew(product: str, token: str) -> None:
    """Extend our claim; raises LockLost when it is no longer ours."""
    renewed = ProductConnection.objects.filter(product=product, sync_lock_token=token).update(
        sync_locked_until=_until(timezone.now())
    )
    if not renewed:
        raise LockLost(f"The {product} sync lock expired and was taken by another run.")


def release(product: str, token: str) -> None:
    ProductConnection.objects.filter(product=product, sync_lock_token=token).update(
        sync_lock_token="", sync_locked_until=None
    )


def held_until(product: str) -> datetime | None:
    return (
        ProductConnection.objects.filter(product=product)
        .values_list("sync_locked_until", flat=True)
        .first()
    )


def _until(now: datetime) -> datetime:
    return now + timedelta(seconds=LOCK_SECONDS)
