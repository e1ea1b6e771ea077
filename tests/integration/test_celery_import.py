"""A CSV import queued through Redis and run by the worker process, rows read back from PostgreSQL.

This proves the harness without the GoTo sync: the real `contacts.run_import` task, enqueued by
`importer.start_import` on commit, executed by `celery -A config worker` in another process.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection

from contacts import importer
from contacts.models import Activity, Contact, ImportJob
from contacts.timeline import CONTACT_IMPORTED
from tests.integration.conftest import wait_for
from tests.services import CeleryWorker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CSV = (
    b"Email;First name;Company\n"
    b"ada@example.com;Ada;Analytical Engines\n"
    b"  GRACE@Example.COM ;Grace;Navy\n"
    b"not-an-email;Nobody;Nowhere\n"
    b"ada@example.com;;Difference Engines\n"
)


def test_the_worker_runs_a_queued_import_against_postgresql(celery_worker: CeleryWorker) -> None:
    assert connection.vendor == "postgresql"
    assert not settings.CELERY_TASK_ALWAYS_EAGER  # .delay() goes through Redis

    log_start = len(celery_worker.log())
    job = importer.create_job(importer.read_csv(CSV), "people.csv", user=None)
    assert importer.start_import(job)  # commits, then publishes the task

    def finished() -> ImportJob | None:
        current = ImportJob.objects.get(pk=job.pk)
        done = (ImportJob.Status.DONE, ImportJob.Status.FAILED)
        return current if current.status in done else None

    job = wait_for(finished, "the import to finish", celery_worker)
    assert job.status == ImportJob.Status.DONE, job.failure
    assert (job.processed_rows, job.created_count, job.updated_count) == (4, 2, 0)
    assert [error["line"] for error in job.errors] == [4]

    contacts = {c.email: (c.first_name, c.company) for c in Contact.objects.all()}
    assert contacts == {
        "ada@example.com": ("Ada", "Difference Engines"),
        "grace@example.com": ("Grace", "Navy"),
    }
    assert Activity.objects.filter(kind=CONTACT_IMPORTED).count() == 2

    # It ran in the worker process, not inline here.
    log = celery_worker.log()[log_start:]
    assert re.search(r"Task contacts\.run_import\[[0-9a-f-]+\] received", log), log
    assert re.search(r"Task contacts\.run_import\[[0-9a-f-]+\] succeeded", log), log
