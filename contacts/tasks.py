"""Celery tasks of the contacts app: thin wrappers over the import engine."""

from __future__ import annotations

from celery import shared_task

from contacts import importer


@shared_task(name="contacts.run_import")
def run_import(job_id: int) -> None:
    """Import a queued CSV job. Failures end as a FAILED job with a message, never raise:
    with eager tasks an exception here would surface as a 500 on the page that started it."""
    importer.run_job(job_id)


@shared_task(name="contacts.recover_imports", ignore_result=True)
def recover_imports() -> int:
    """Beat: queue again the imports whose task or worker was lost; they resume."""
    return importer.recover_stalled()
