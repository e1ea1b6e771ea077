"""manage.py run_schedule: beat's schedule run inline in the embedded mode (no broker)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from config.celery import app
from forms_builder.models import Submission
from tests.forms_builder.helpers import answers, make_form, person_fields

pytestmark = pytest.mark.django_db


def test_once_runs_every_periodic_task_inline(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    form = person_fields(make_form())
    lost = Submission.objects.create(
        form=form, data=answers(email="lost@example.com"), dedupe_key="lost"
    )
    Submission.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    ran: list[str] = []
    for name in ("segments.rebuild_all", "gotoplugins.retry_registrations"):
        monkeypatch.setattr(app.tasks[name], "run", lambda *a, name=name, **k: ran.append(name))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_schedule", "--once")

    lost.refresh_from_db()
    assert lost.processed_at is not None and lost.contact.email == "lost@example.com"  # type: ignore[union-attr]
    assert sorted(ran) == ["gotoplugins.retry_registrations", "segments.rebuild_all"]


def test_a_failing_task_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app.autodiscover_tasks(force=True)  # as the command does, to patch the tasks first
    schedule = app.conf.beat_schedule
    first, *others = sorted(schedule)
    ran: list[tuple[str, tuple[Any, ...]]] = []

    def recorded(task_name: str) -> Any:
        def run(*args: Any) -> None:
            if (schedule[first]["task"], schedule[first].get("args", ())) == (task_name, args):
                raise RuntimeError("database is locked")
            ran.append((task_name, args))

        return run

    for entry in schedule.values():
        monkeypatch.setattr(app.tasks[entry["task"]], "run", recorded(entry["task"]))
    call_command("run_schedule", "--once")
    assert ran == [(schedule[name]["task"], schedule[name].get("args", ())) for name in others]
    assert len(ran) == len(schedule) - 1 == 7  # sync x4, segments, retries, sweep, imports: 8
    assert f"Periodic task {first} failed" in caplog.text


def test_with_a_broker_it_refuses_to_start(settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with pytest.raises(CommandError, match="run `celery -A config beat`"):
        call_command("run_schedule", "--once")


def test_each_entry_runs_one_interval_after_the_start_then_every_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from config.management.commands import run_schedule

    app.autodiscover_tasks(force=True)
    schedule = app.conf.beat_schedule
    clock = [0.0]
    ran: list[tuple[float, str]] = []

    def sleep(seconds: float) -> None:
        if clock[0] + seconds > 11 * 60:
            raise KeyboardInterrupt  # enough: stop the endless loop here
        clock[0] += seconds

    monkeypatch.setattr(run_schedule.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(run_schedule.time, "sleep", sleep)
    monkeypatch.setattr(
        run_schedule.Command, "_run", lambda self, name, entry: ran.append((clock[0], name))
    )
    call_command("run_schedule")  # until the interrupt, which ends it quietly
    minutes = [(round(at / 60), name) for at, name in ran]
    sweep = "forms-process-stalled-submissions"
    assert [at for at, name in minutes if name == sweep] == [2, 4, 6, 8, 10]
    assert [at for at, name in minutes if name == "goto-retry-registrations"] == [5, 10]
    assert not [name for _, name in minutes if name.startswith("goto-sync-")]  # every 15 min
    assert {name for _, name in minutes} <= set(schedule)
