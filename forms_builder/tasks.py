"""Celery tasks of forms_builder: processing submissions, deferred form actions (thin wrappers
over services)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from forms_builder import deferred, services

MAX_RETRIES = 5


@shared_task(name="forms_builder.process_pending_submissions", ignore_result=True)
def process_pending_submissions() -> int:
    """Process every stored submission not processed yet (sent by submit(), see deferred)."""
    processed = services.process_pending(limit=services.DRAIN_LIMIT)
    if processed >= services.DRAIN_LIMIT:  # a longer backlog: go on in a task of its own
        deferred.enqueue(process_pending_submissions)
    return processed


@shared_task(name="forms_builder.process_stalled_submissions", ignore_result=True)
def process_stalled_submissions() -> int:
    """Beat: process submissions whose drain never ran (the broker was down, say)."""
    return services.process_stalled()


@shared_task(bind=True, name="forms_builder.run_action", ignore_result=True)
def run_action(self: Any, result_id: int) -> None:
    """Run one queued action. Inline (no broker) a failure is recorded, not retried: a retry
    there would run at once, in the same process, with no wait."""
    countdown = services.run_deferred_action(result_id)
    if countdown is None:
        return
    if self.request.is_eager or self.request.retries >= MAX_RETRIES:
        services.give_up_deferred_action(result_id)
        return
    raise self.retry(countdown=countdown)
