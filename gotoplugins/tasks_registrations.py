"""Celery tasks of the registration queue (gotoplugins/registrations.py).

Beat should run `gotoplugins.retry_registrations` every few minutes: it sends due retries
and requests whose sending or worker was lost.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from gotoplugins import registrations

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="gotoplugins.process_registration", ignore_result=True)
def process_registration(self: Any, request_id: int) -> None:
    """Register one request at GoTo. A retryable failure is retried after the backoff the
    queue chose (Retry-After honoured); inline (no broker) it waits for the periodic task or
    the Retry button instead, as an inline retry would run at once, in the same process."""
    wait = registrations.process(request_id)
    if wait is None or self.request.is_eager:
        return
    raise self.retry(countdown=wait, max_retries=registrations.MAX_ATTEMPTS)


@shared_task(name="gotoplugins.retry_registrations", ignore_result=True)
def retry_registrations() -> None:
    sent = registrations.dispatch_due()
    if sent:
        logger.info("Sent %d due GoTo registration(s)", sent)
