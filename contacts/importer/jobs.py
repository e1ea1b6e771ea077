"""Import jobs: creating them, saving the mapping, previewing and queueing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from contacts.importer.mapping import CUSTOM_PREFIX, guess_mapping, mapping_problems
from contacts.importer.reading import CsvFile, Record, data_records
from contacts.importer.rows import RowChecker, RowOutcome
from contacts.models import Contact, ImportJob

PREVIEW_ROWS = 10

SAMPLE_ROWS = 5


def create_job(csv_file: CsvFile, file_name: str, user: Any) -> ImportJob:
    return ImportJob.objects.create(
        created_by=user if getattr(user, "pk", None) else None,
        file_name=file_name[:255],
        encoding=csv_file.encoding,
        delimiter=csv_file.delimiter,
        content=csv_file.text,
        headers=csv_file.headers,
        mapping=guess_mapping(csv_file.headers),
        total_rows=csv_file.row_count,
    )


def save_mapping(job: ImportJob, mapping: Mapping[str, str]) -> bool:
    """Store the mapping while the job waits for it; False once the import has started."""
    saved = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.MAPPING).update(
        mapping=dict(mapping)
    )
    job.mapping = dict(mapping)
    return bool(saved)


def start_import(job: ImportJob) -> bool:
    """Queue the import once; False (and nothing done) if it was already started."""
    # Imported here: the task module imports this one.
    from contacts.tasks import run_import

    if mapping_problems(job.mapping, job.headers):
        return False
    with transaction.atomic():
        started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.MAPPING).update(
            status=ImportJob.Status.QUEUED, progress_at=timezone.now()
        )
        if started:
            transaction.on_commit(partial(run_import.delay, job.pk))
    return bool(started)


def sample_records(job: ImportJob, limit: int = SAMPLE_ROWS) -> list[Record]:
    """The first rows as they are in the file, padded to the header's width."""
    width = len(job.headers)
    records = islice(data_records(job.content, job.delimiter), limit)
    return [Record(r.line, r.cells + [""] * (width - len(r.cells))) for r in records]


@dataclass(frozen=True)
class PreviewRow:
    outcome: RowOutcome
    status: str  # "new", "update", "repeat" or "invalid"
    repeats_line: int | None = None

    def value(self, target: str) -> str:
        if target.startswith(CUSTOM_PREFIX):
            custom = self.outcome.values.get("custom_fields", {})
            return str(custom.get(target.removeprefix(CUSTOM_PREFIX), ""))
        return str(self.outcome.values.get(target, ""))


def preview_targets(mapping: Mapping[str, str]) -> list[str]:
    """The mapped targets other than email, in column order."""
    columns = sorted((int(key), target) for key, target in mapping.items() if target)
    return [target for _, target in columns if target != "email"]


def preview(job: ImportJob, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first rows as they will be imported, each with what will happen to it."""
    checker = RowChecker(job.headers, job.mapping)
    outcomes = [checker.check(r) for r in islice(data_records(job.content, job.delimiter), limit)]
    emails = {outcome.email for outcome in outcomes if outcome.email}
    existing = set(Contact.objects.filter(email__in=emails).values_list("email", flat=True))
    first_line: dict[str, int] = {}
    rows = []
    for outcome in outcomes:
        if outcome.error:
            rows.append(PreviewRow(outcome, "invalid"))
        elif outcome.email in first_line:
            rows.append(PreviewRow(outcome, "repeat", first_line[outcome.email]))
        else:
            first_line[outcome.email] = outcome.line
            rows.append(PreviewRow(outcome, "update" if outcome.email in existing else "new"))
    return rows
