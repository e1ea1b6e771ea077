"""Queueing work so that a visitor never waits for it.

`enqueue(task, *args)` sends a Celery task once the current transaction commits. With a broker
the task goes to the queue at once. Without one (the embedded mode, where Celery runs tasks
inline), the task runs inline *after the response has been sent*, when the public view
collected the work (`collect()` and `run_after()`); anywhere else it runs at commit, inline.

`drain_soon(task, job)` is for a table that a task drains (unprocessed form submissions):
without a broker `job` does the new row after the response; with one, the draining task is
sent at most once per `delay` seconds per process, which spares a hot request path a trip to
the broker on every row.

A task whose sending fails (broker down) is logged and not retried here: every queue that uses
this (submissions, form actions, GoTo registrations) keeps its own rows, which a periodic
task picks up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import Task as CeleryTask
from django.conf import settings
from django.db import connections, transaction
from django.http import HttpResponseBase

logger = logging.getLogger(__name__)

Job = Callable[[], object]
_collected: ContextVar[list[Job] | None] = ContextVar("forms_builder_deferred", default=None)
Task = CeleryTask[Any, Any]
# Sending gives up quickly when the broker is down: the rows wait for the periodic retry
# instead of the visitor waiting for the broker.
SEND_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Task name -> when the drain this process sent last will run (time.monotonic()).
_drains_due: dict[str, float] = {}
_drains_lock = threading.Lock()


def enqueue(task: Task, *args: Any) -> None:
    transaction.on_commit(lambda: _send(task, args))


def drain_soon(task: Task, job: Job, *, delay: float) -> None:
    """A row was added to what `task` drains: have it done soon, without waiting for it.

    Without a broker `job` (this row's work) runs in this process after the response, on
    this connection, so it needs no commit to see the row, even inside a caller's (a test's)
    transaction. With a broker, `task` is sent to run `delay` seconds from now, unless this
    process has sent it for a moment still to come: that run starts after this row was
    committed and drains it too. Trailing, so the last row of a burst waits `delay` at most.
    (Celery turns the countdown into a time: web and worker clocks must agree, as NTP keeps
    them; a row a skewed clock leaves behind waits for its table's periodic sweep.)
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        after_response(job)
    else:
        transaction.on_commit(lambda: _send_drain(task, delay))


def _send_drain(task: Task, delay: float) -> None:
    # Checked once the row is committed: a drain due later than now starts after the commit.
    now = time.monotonic()
    with _drains_lock:
        if _drains_due.get(task.name, 0.0) > now:
            return
        _drains_due[task.name] = now + delay
    _send(task, (), countdown=delay)


def forget_drains() -> None:
    """Forget which drains this process has sent (tests start each with none pending)."""
    with _drains_lock:
        _drains_due.clear()


def _send(task: Task, args: tuple[Any, ...], countdown: float = 0) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        after_response(lambda: task.delay(*args))
        return
    try:
        task.apply_async(args, countdown=countdown, retry=True, retry_policy=SEND_RETRY)
    except Exception:
        logger.exception(
            "Could not queue %s%r; the periodic retry will pick it up", task.name, args
        )


def after_response(job: Job) -> None:
    jobs = _collected.get()
    if jobs is None:
        _run([job])
    else:
        jobs.append(job)


@contextmanager
def collect() -> Iterator[list[Job]]:
    """Hold jobs queued inside the block; hand them to run_after() with the response."""
    jobs: list[Job] = []
    token = _collected.set(jobs)
    try:
        yield jobs
    finally:
        _collected.reset(token)


def run_after(response: HttpResponseBase, jobs: list[Job]) -> HttpResponseBase:
    """Run jobs when the server closes the response, i.e. once the visitor has it.

    WSGI servers (and Django's test client) call response.close() after sending the body.
    """
    if not jobs:
        return response
    close = response.close

    def close_then_run() -> None:
        try:
            close()
        finally:
            _run(jobs, after_request=True)

    response.close = close_then_run  # type: ignore[method-assign]
    return response


def _run(jobs: list[Job], *, after_request: bool = False) -> None:
    for job in jobs:
        try:
            job()
        except Exception:
            # Each queue records its own failure; this keeps one job from stopping the rest.
            logger.exception("Deferred job failed")
    if after_request:
        _close_finished_connections()


def _close_finished_connections() -> None:
    """What request_finished does, for connections the jobs opened after it was sent.

    Connections inside a transaction (a test's, or a caller's) are left alone.
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
