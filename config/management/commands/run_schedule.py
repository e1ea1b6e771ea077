"""Run Celery beat's schedule in this process, for the embedded mode (no broker).

Without a broker there is no beat and no worker, so nothing would run on its own: the GoTo
sync, the segment rebuilds, the retries of form registrations, the sweep of unprocessed
submissions, the recovery of stopped imports. `make run` starts this beside the server so
they do, each entry one interval after the start and then every interval, inline. With a
broker, run `celery -A config beat` and workers instead: this refuses to start.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from config.celery import app

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic tasks inline on their schedule (embedded mode, no broker)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run every entry once now, then stop"
        )

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError(
                "CELERY_BROKER_URL is set: run `celery -A config beat` and a worker instead."
            )
        # Each app's tasks.py now (not import_default_modules(): it would set Django up again).
        app.autodiscover_tasks(force=True)
        schedule: dict[str, dict[str, Any]] = app.conf.beat_schedule
        if once:
            for name in sorted(schedule):
                self._run(name, schedule[name])
            return
        started = time.monotonic()
        due = {name: started + _seconds(entry) for name, entry in schedule.items()}
        self.stdout.write(f"Running {len(schedule)} periodic tasks inline: {', '.join(due)}.")
        try:
            while True:
                name = min(due, key=due.__getitem__)
                time.sleep(max(0.0, due[name] - time.monotonic()))
                self._run(name, schedule[name])
                due[name] = time.monotonic() + _seconds(schedule[name])
        except KeyboardInterrupt:  # Ctrl-C on make run stops the server and this together
            self.stdout.write("Periodic tasks stopped.")

    def _run(self, name: str, entry: dict[str, Any]) -> None:
        try:
            app.tasks[entry["task"]].apply(args=entry.get("args", ()))
        except Exception:
            # One failing run must not stop the schedule; the next interval tries again.
            logger.exception("Periodic task %s failed", name)
        finally:
            _close_finished_connections()


def _close_finished_connections() -> None:
    """What a worker does after each task: drop connections that broke or got too old (not
    one inside a transaction: a caller's, a test's)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def _seconds(entry: dict[str, Any]) -> float:
    return float(entry["schedule"].total_seconds())
