"""Queueing work so that a visitor never waits for it.

`enqueue(task, *args)` sends a Celery task once the current transaction commits. With a broker
the task goes to the queue at once. Without one (the embedded mode, where Celery runs tasks
inline), the task runs inline *after the response has been sent*, when the public view
collected the work (`collect()` and `run_after()`); anywhere else it runs at commit, inline.
`enqueue_soon()` is the same for rows written outside any transaction (see its docstring).

A task whose sending fails (broker down) is logged and not retried here: every queue that uses
this (submissions, form actions, GoTo registrations) keeps its own rows, which a periodic
task picks up.
"""

from __future__ import annotations

import logging
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


def enqueue(task: Task, *args: Any) -> None:
    transaction.on_commit(lambda: _send(task, args))


def enqueue_soon(task: Task, *args: Any) -> None:
    """enqueue(), for work on rows written outside any transaction (a public view's).

    Without a broker the task runs in this process on this connection, so it needs no commit
    to see the rows: it runs after the response even inside a caller's (a test's) transaction.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        after_response(lambda: task.delay(*args))
    else:
        transaction.on_commit(lambda: _send(task, args))


def _send(task: Task, args: tuple[Any, ...]) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        after_response(lambda: task.delay(*args))
        return
    try:
        task.apply_async(args, retry=True, retry_policy=SEND_RETRY)
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
