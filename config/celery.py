"""The Celery application. Without CELERY_BROKER_URL, settings make tasks run inline."""

from __future__ import annotations

import os
from datetime import timedelta

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("convene")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def every(minutes: int, task: str, *args: object) -> dict[str, object]:
    """A beat entry. A run not started before the next one is due expires, so a backlog
    after an outage collapses into one run instead of a queue of them."""
    interval = timedelta(minutes=minutes)
    entry: dict[str, object] = {
        "task": task,
        "schedule": interval,
        "options": {"expires": interval.total_seconds()},
    }
    if args:
        entry["args"] = args
    return entry


def goto_sync_schedule(interval_minutes: int, products: tuple[str, ...]) -> dict[str, dict]:
    """One beat entry per GoTo product."""
    return {
        f"goto-sync-{product}": every(interval_minutes, "gotoplugins.sync_product", product)
        for product in products
    }


def segments_schedule(interval_minutes: int) -> dict[str, dict]:
    """Rebuild every published segment: relative dates ("in the last 7 days") move on their
    own, even when no data changed."""
    return {"segments-rebuild-all": every(interval_minutes, "segments.rebuild_all")}


def registration_retry_schedule(interval_minutes: int = 5) -> dict[str, dict]:
    """Form registrations GoTo refused for a while (429, 5xx) are sent again when due."""
    return {"goto-retry-registrations": every(interval_minutes, "gotoplugins.retry_registrations")}


def stalled_submissions_schedule(interval_minutes: int = 2) -> dict[str, dict]:
    """Form submissions whose processing task was lost (broker down) are processed then."""
    task = "forms_builder.process_stalled_submissions"
    return {"forms-process-stalled-submissions": every(interval_minutes, task)}


def import_recovery_schedule(interval_minutes: int = 5) -> dict[str, dict]:
    """Contact imports that stopped showing progress are queued again and resume."""
    return {"contacts-recover-imports": every(interval_minutes, "contacts.recover_imports")}


@app.on_after_configure.connect
def _schedule(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    from gotoplugins.products import PRODUCTS

    sender.conf.beat_schedule = {
        **goto_sync_schedule(settings.GOTO_SYNC_INTERVAL_MINUTES, tuple(PRODUCTS)),
        **segments_schedule(settings.SEGMENTS_REBUILD_INTERVAL_MINUTES),
        **registration_retry_schedule(),
        **stalled_submissions_schedule(),
        **import_recovery_schedule(),
    }
