"""Reading submissions: the filtered list, one submission, the CSV export (streamed)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from forms_builder.models import ActionResult, Field, Form, Submission

Status = ActionResult.Status
# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def submissions(form: Form, filters: Mapping[str, Any]) -> QuerySet[Submission]:
    """The form's submissions, newest first, with has_failed/has_pending and the contact.

    A submission not processed yet (processed_at empty: its contact and actions are queued)
    has neither; "processing" finds those, and "ok" leaves them out.
    """
    rows = Submission.objects.filter(form=form).select_related("contact")
    results = ActionResult.objects.filter(submission=OuterRef("pk"))
    rows = rows.annotate(
        has_failed=Exists(results.filter(status=Status.FAILED)),
        has_pending=Exists(results.filter(status=Status.PENDING)),
    )
    query = (filters.get("q") or "").strip()
    if query:
        rows = rows.filter(contact__email__icontains=query)
    status = filters.get("status")
    if status == "problems":
        rows = rows.filter(has_failed=True)
    elif status == "pending":
        rows = rows.filter(has_pending=True)
    elif status == "processing":
        rows = rows.filter(processed_at__isnull=True)
    elif status == "ok":
        rows = rows.filter(has_failed=False, has_pending=False, processed_at__isnull=False)
    since = _start_of(filters["since"]) if filters.get("since") else None
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    until = _start_of(filters["until"], days=1) if filters.get("until") else None
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows.order_by("-created_at", "-id")


def _start_of(day: date, days: int = 0) -> datetime | None:
    """Midnight of `day` (+days) in the viewer's time zone, in UTC.

    None when that moment lies outside what a datetime can hold (the day after 9999-12-31;
    0001-01-01 in a zone east of UTC): such a bound leaves nothing out, so no bound at all.
    A "since" midnight can only overflow at the low end and an "until" (the next midnight)
    only at the high end, so "no bound" is right for both.
    """
    try:
        start = datetime.combine(day + timedelta(days=days), time.min)
        return timezone.make_aware(start, timezone.get_current_timezone()).astimezone(UTC)
    except OverflowError:
        return None


def columns(fields: Sequence[Field], rows: Iterable[Submission] = ()) -> list[tuple[str, str]]:
    """(key, header) for every field, then keys only older submissions have (removed fields)."""
    found = [(field.key, field.label) for field in fields]
    known = {key for key, _ in found}
    for row in rows:
        for key in row.display:
            if key not in known:
                known.add(key)
                found.append((key, f"{key} (removed field)"))
    return found


def status_word(row: Submission) -> str:
    if row.processed_at is None:
        return "Being processed"
    if getattr(row, "has_failed", False):
        return "Problem"
    if getattr(row, "has_pending", False):
        return "Waiting"
    return "OK"


def safe_cell(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula; numbers like -5 stay as they are."""
    if value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(form: Form, rows: QuerySet[Submission]) -> Iterator[str]:
    """The CSV text, line by line: a BOM (spreadsheets then read UTF-8), a header, the rows.

    Every cell that comes from what someone typed (labels, answers, the contact's email, the
    visitor's browser headers) goes through safe_cell().
    """
    writer = csv.writer(_Echo())
    fields = list(form.fields.all())
    keys = columns(fields)
    yield "\ufeff"
    header = ["Submitted at (UTC)", "Submission", "Contact email"]
    extra = ["IP address", "User agent", "Referrer", "Embedded", "Status"]
    yield writer.writerow(
        [safe_cell(text) for text in header + [label for _, label in keys] + extra]
    )
    for row in rows.order_by("created_at", "id").iterator(chunk_size=1000):
        values = [row.display.get(key, "") for key, _ in keys]
        yield writer.writerow(
            [
                row.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                row.pk,
                safe_cell(row.contact.email) if row.contact else "",
                *[safe_cell(str(value)) for value in values],
                safe_cell(row.ip_address or ""),
                safe_cell(row.user_agent),
                safe_cell(row.referrer),
                "yes" if row.embedded else "no",
                status_word(row),
            ]
        )
