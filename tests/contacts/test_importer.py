"""The CSV import engine: reading files, guessing the mapping, checking rows, writing in chunks."""

from __future__ import annotations

import codecs
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import importer, services, tasks
from contacts.models import Activity, Contact, ImportJob
from contacts.timeline import CONTACT_IMPORTED

pytestmark = pytest.mark.django_db


def make_job(data: bytes | str, mapping: dict[str, str] | None = None) -> ImportJob:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    job = importer.create_job(importer.read_csv(raw), "people.csv", None)
    if mapping is not None:
        job.mapping = mapping
    job.status = ImportJob.Status.QUEUED
    job.save()
    return job


def run(data: bytes | str, mapping: dict[str, str] | None = None) -> ImportJob:
    job = make_job(data, mapping)
    importer.run_job(job.pk)
    job.refresh_from_db()
    return job


def contact(email: str) -> Contact:
    return Contact.objects.get(email=email)


# --- Reading files ---------------------------------------------------------------------------


def test_utf8_with_bom_is_read_without_the_bom_in_the_first_header() -> None:
    data = codecs.BOM_UTF8 + "email,first name\nzoe@example.com,Zoë\n".encode()
    csv_file = importer.read_csv(data)
    assert (csv_file.encoding, csv_file.headers) == ("utf-8-sig", ["email", "first name"])

    job = run(data)

    assert job.status == ImportJob.Status.DONE
    assert contact("zoe@example.com").first_name == "Zoë"


def test_utf8_without_bom() -> None:
    job = run("Email,Last name\nmia@example.com,Łukasiewicz\n")
    assert job.encoding == "utf-8"
    assert contact("mia@example.com").last_name == "Łukasiewicz"


def test_latin1_file_is_decoded_as_latin1() -> None:
    data = "E-Mail;Nachname;Firma\nmm@example.com;Müller;Bäckerei Größe\n".encode("latin-1")
    job = run(data)
    assert (job.encoding, job.delimiter) == ("latin-1", ";")
    stored = contact("mm@example.com")
    assert (stored.last_name, stored.company) == ("Müller", "Bäckerei Größe")


def test_windows_1252_file_keeps_euro_signs_and_curly_quotes() -> None:
    data = "Email,Company\nce@example.com,“Café” €uro Ltd\n".encode("cp1252")
    job = run(data)
    assert job.encoding == "cp1252"
    assert contact("ce@example.com").company == "“Café” €uro Ltd"


def test_utf16_tab_separated_file_as_excel_saves_unicode_text() -> None:
    data = "email\tfirst name\nkenji@example.com\t健二\n".encode("utf-16")
    job = run(data)
    assert (job.encoding, job.delimiter) == ("utf-16", "\t")
    assert contact("kenji@example.com").first_name == "健二"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_separator_is_detected(delimiter: str) -> None:
    text = delimiter.join(["email", "first name", "company"]) + "\n"
    text += delimiter.join(["ann@example.com", "Ann", "Globex"]) + "\n"
    text += delimiter.join(["bo@example.com", "Bo", "Initech"]) + "\n"
    job = run(text)
    assert job.delimiter == delimiter
    assert contact("bo@example.com").company == "Initech"


def test_semicolon_file_with_commas_in_values_is_not_taken_for_comma_separated() -> None:
    text = "email;name;company\na@example.com;Smith, John;ACME, Inc.\nb@example.com;Doe, J;X, Y\n"
    assert importer.read_csv(text.encode()).delimiter == ";"


def test_separator_chosen_on_the_upload_form_wins_over_detection() -> None:
    text = "email;company\na@example.com;X\n"
    assert importer.read_csv(text.encode(), ",").headers == ["email;company"]


def test_quoted_values_keep_separators_quotes_and_line_breaks() -> None:
    text = (
        "email,company,job title\n"
        'a@example.com,"Smith, Jones & Co","Head of\nSales"\n'
        'b@example.com,"The ""Best"" Ltd",CTO\n'
        "not-an-email,Acme,CTO\n"
    )
    job = run(text)
    assert contact("a@example.com").company == "Smith, Jones & Co"
    assert contact("a@example.com").job_title == "Head of\nSales"
    assert contact("b@example.com").company == 'The "Best" Ltd'
    # The quoted line break makes the row of b@ start on line 4 and the bad row on line 5.
    assert job.errors == [
        {"line": 5, "reason": "Email “not-an-email”: Enter a valid email address."}
    ]


def test_emoji_and_apostrophes_are_kept_exactly() -> None:
    run(
        "email,first name,last name,company\n"
        "sean@example.com,Seán 🎉,O'Brien,Rock 'n' Roll \u2018Ltd\u2019\n"
    )
    stored = contact("sean@example.com")
    assert (stored.first_name, stored.last_name, stored.company) == (
        "Seán 🎉",
        "O'Brien",
        "Rock 'n' Roll \u2018Ltd\u2019",
    )


def test_blank_lines_are_ignored_and_not_counted() -> None:
    job = run("\nemail\n\na@example.com\n,\n\nb@example.com\n\n")
    assert (job.total_rows, job.processed_rows, job.created_count) == (2, 2, 2)
    assert job.errors == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n \n", "The file is empty."),
        (b"email,first name\n", "The file has a header row but no rows of contacts under it."),
        (b"email,first name\n\n,\n", "The file has a header row but no rows of contacts under it."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "it contains binary data"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (
            b"ann@example.com,Ann\nbo@example.com,Bo\n",
            "contains the email address “ann@example.com”",
        ),
        (b'email,company\na@example.com,"Open\nb@example.com,X\n', "Line 2: a quoted value starts"),
        (b'email,company\na@example.com,"Ab" cd\n', "Line 2: a closing quote is followed"),
        (b"email" + b",x" * 200 + b"\na@example.com\n", "The file has 201 columns; up to 200"),
        (b"email\n" + b"a" * 140_000 + b"\n", "Line 2: a value is longer than 131,072 characters"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(importer.ImportFileError, match=message):
        importer.read_csv(data)


# --- Mapping ---------------------------------------------------------------------------------


def test_mapping_is_guessed_from_common_header_names() -> None:
    headers = [
        "E-mail",
        "Email Address",
        "First name",
        "Vorname",
        "Nachname",
        "Company",
        "Firma",
        "Zeitzone",
        "Prénom",
        "Lead source",
        "",
    ]
    assert importer.guess_mapping(headers) == {
        "0": "email",
        "1": "",
        "2": "first_name",
        "3": "",
        "4": "last_name",
        "5": "company",
        "6": "",
        "7": "time_zone",
        "8": "",
        "9": "",
        "10": "",
    }


def test_mapping_guess_reads_french_and_spanish_spellings() -> None:
    mapping = importer.guess_mapping(["Courriel", "Prénom", "Nom", "Société", "Teléfono", "País"])
    assert list(mapping.values()) == [
        "email",
        "first_name",
        "last_name",
        "company",
        "phone",
        "country",
    ]


@pytest.mark.parametrize(
    ("mapping", "problem"),
    [
        ({"0": "", "1": "first_name", "2": ""}, "Choose the column that holds the email address."),
        (
            {"0": "email", "1": "email", "2": ""},
            "Email is chosen for more than one column (“Email”, “Vorname”)",
        ),
        (
            {"0": "email", "1": "first_name", "2": "first_name"},
            "First name is chosen for more than one column (“Vorname”, “Column 3”)",
        ),
        ({"0": "email", "1": "custom:Email", "2": ""}, "is not a choice for the column Vorname"),
        ({"0": "email", "1": "", "9": "phone"}, "is not a choice for the column Column 10"),
    ],
)
def test_mapping_problems(mapping: dict[str, str], problem: str) -> None:
    problems = importer.mapping_problems(mapping, ["Email", "Vorname", ""])
    assert len(problems) == 1
    assert problem in problems[0]


def test_a_valid_mapping_has_no_problems() -> None:
    mapping = {"0": "email", "1": "first_name", "2": "custom:Source"}
    assert importer.mapping_problems(mapping, ["Email", "Vorname", "Source"]) == []


# --- Rows ------------------------------------------------------------------------------------


def test_existing_email_in_another_case_updates_the_contact_and_keeps_values_of_empty_cells() -> (
    None
):
    existing = Contact.objects.create(
        email="anna@example.com",
        first_name="Anna",
        company="Old Co",
        phone="+49 1",
        custom_fields={"Source": "fair", "Tier": "gold"},
    )
    job = run(
        "Email,First name,Company,Phone,Source\n  ANNA@Example.COM ,,New Co,,web\n",
        {"0": "email", "1": "first_name", "2": "company", "3": "phone", "4": "custom:Source"},
    )
    assert Contact.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.first_name, existing.company, existing.phone) == ("Anna", "New Co", "+49 1")
    assert existing.custom_fields == {"Source": "web", "Tier": "gold"}
    assert "new co" in existing.search_text
    assert (job.created_count, job.updated_count, job.errors) == (0, 1, [])


def test_invalid_rows_are_listed_with_their_line_and_the_rest_is_imported() -> None:
    text = (
        "email,first name,time zone\n"
        "ok1@example.com,Ann,Europe/Berlin\n"
        ",Nobody,\n"
        "not an email,Bad,\n"
        f"long@example.com,{'x' * 151},\n"
        "zone@example.com,Zed,Mars/Olympus\n"
        'ok2@example.com,"Multi\nline",UTC\n'
        "wide@example.com,Wide,UTC,extra\n"
        "ok3@example.com,Cy,\n"
    )
    job = run(text)
    assert job.errors == [
        {"line": 3, "reason": "The email is missing."},
        {"line": 4, "reason": "Email “not an email”: Enter a valid email address."},
        {
            "line": 5,
            "reason": "first name: Ensure this value has at most 150 characters (it has 151).",
        },
        {"line": 6, "reason": "time zone: Value 'Mars/Olympus' is not a valid choice."},
        {
            "line": 9,
            "reason": "The row has 4 values but the header has 3 columns "
            "(is a value containing the separator missing its quotes?).",
        },
    ]
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "ok1@example.com",
        "ok2@example.com",
        "ok3@example.com",
    ]
    assert contact("ok1@example.com").time_zone == "Europe/Berlin"
    assert (job.total_rows, job.processed_rows, job.created_count) == (8, 8, 3)


def test_repeated_emails_in_the_file_are_merged_later_non_empty_values_winning() -> None:
    text = (
        "email,first name,company,phone\n"
        "dup@example.com,Dana,First Co,111\n"
        "other@example.com,Otto,,\n"
        "DUP@example.com,,Second Co,\n"
    )
    job = run(text)
    stored = contact("dup@example.com")
    assert (stored.first_name, stored.company, stored.phone) == ("Dana", "Second Co", "111")
    assert Contact.objects.count() == 2
    assert (job.created_count, job.updated_count, job.processed_rows) == (2, 0, 3)
    assert Activity.objects.filter(contact=stored).count() == 1


def test_repeated_emails_across_chunks_give_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importer.engine, "CHUNK_SIZE", 2)
    text = (
        "email,first name,company,phone\n"
        "dup@example.com,Dana,First Co,111\n"
        "other@example.com,Otto,,\n"
        "DUP@example.com,,Second Co,\n"
    )
    job = run(text)
    stored = contact("dup@example.com")
    assert (stored.first_name, stored.company, stored.phone) == ("Dana", "Second Co", "111")
    assert (job.created_count, job.updated_count, job.processed_rows) == (2, 0, 3)
    assert Activity.objects.filter(contact=stored).count() == 1


def test_each_imported_contact_gets_one_timeline_entry_naming_the_file() -> None:
    Contact.objects.create(email="old@example.com")
    job = run("email\nnew@example.com\nold@example.com\n")
    entries = Activity.objects.filter(kind=CONTACT_IMPORTED).order_by("contact__email")
    assert [(a.contact.email, a.title, a.details) for a in entries] == [
        (
            "new@example.com",
            "Created by the import of people.csv",
            {"file_name": "people.csv", "import_job": job.pk, "created": True},
        ),
        (
            "old@example.com",
            "Updated by the import of people.csv",
            {"file_name": "people.csv", "import_job": job.pk, "created": False},
        ),
    ]
    assert contact("new@example.com").last_activity_at is not None


def test_new_contacts_are_searchable() -> None:
    run("email,first name,last name,company\nmm@example.com,Max,MÜLLER,Globex\n")
    assert contact("mm@example.com").search_text == "max muller mm@example.com globex"


def test_custom_field_columns_are_stored_by_header_name() -> None:
    run(
        "email,Lead source,Score\na@example.com,Webinar,\n",
        {"0": "email", "1": "custom:Lead source", "2": "custom:Score"},
    )
    assert contact("a@example.com").custom_fields == {"Lead source": "Webinar"}


def test_a_finished_job_reports_full_progress() -> None:
    job = run("email\na@example.com\nb@example.com\n")
    assert (job.status, job.percent_done, job.failure) == (ImportJob.Status.DONE, 100, "")
    assert job.started_at is not None
    assert job.finished_at is not None


# --- Failures --------------------------------------------------------------------------------


def test_a_failing_task_marks_the_job_failed_with_a_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(drafts: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "record_activities", explode)
    job = make_job("email\na@example.com\n")

    tasks.run_import.delay(job.pk)  # eager in tests; must not raise

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.failure == (
        "The import stopped after 0 of 1 rows. "
        "An unexpected error stopped it (RuntimeError: disk on fire)."
    )
    assert job.finished_at is not None
    assert not Contact.objects.exists()  # the chunk's transaction was rolled back


def test_a_failure_after_some_chunks_says_what_was_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"count": 0}
    real = services.record_activities

    def fail_second_time(drafts: Any) -> Any:
        calls["count"] += 1
        if calls["count"] == 2:
            raise RuntimeError("lost the database")
        return real(drafts)

    monkeypatch.setattr(services, "record_activities", fail_second_time)
    monkeypatch.setattr(importer.engine, "CHUNK_SIZE", 2)
    job = run("email\na@example.com\n,\nbad\nc@example.com\nd@example.com\n")
    assert job.status == ImportJob.Status.FAILED
    assert job.failure.startswith("The import stopped after 2 of 4 rows.")
    assert job.failure.endswith("What the first 2 rows changed is kept.")
    assert (job.processed_rows, job.created_count) == (2, 1)
    assert job.errors == [{"line": 4, "reason": "Email “bad”: Enter a valid email address."}]


def test_a_job_that_is_not_queued_is_not_run() -> None:
    job = make_job("email\na@example.com\n")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE)
    importer.run_job(job.pk)
    assert not Contact.objects.exists()


def test_a_mapping_without_email_fails_the_job_instead_of_crashing() -> None:
    job = run("email,name\na@example.com,A\n", {"0": "", "1": "first_name"})
    assert job.status == ImportJob.Status.FAILED
    assert "Choose the column that holds the email address." in job.failure


# --- Queries ---------------------------------------------------------------------------------


def _file_with(rows: int) -> str:
    lines = [f"user{n}@example.com,Name {n},Co {n % 7}" for n in range(rows)]
    return "email,first name,company\n" + "\n".join(lines) + "\n"


def _count_engine_queries(rows: int, chunk_size: int) -> int:
    # Half of the rows update existing contacts, so both write paths are exercised.
    Contact.objects.bulk_create(
        Contact(email=f"user{n}@example.com", first_name="Old") for n in range(0, rows, 2)
    )
    job = make_job(_file_with(rows))
    runner = importer.ContactImporter(job, chunk_size=chunk_size)
    with CaptureQueriesContext(connection) as queries:
        runner.run()
    assert (runner.created, runner.updated) == (rows // 2, rows // 2)
    Activity.objects.all().delete()
    Contact.objects.all().delete()
    return len(queries)


def test_engine_queries_grow_with_chunks_not_rows() -> None:
    # 40 rows fit in one INSERT on every backend (SQLite allows 999 parameters per query).
    one_chunk = _count_engine_queries(40, chunk_size=40)
    two_chunks = _count_engine_queries(80, chunk_size=40)
    fifty_chunks = _count_engine_queries(2000, chunk_size=40)
    per_chunk = two_chunks - one_chunk
    assert per_chunk == one_chunk
    assert fifty_chunks == 50 * per_chunk
    # SAVEPOINT, SELECT, INSERT contacts, UPDATE contacts, INSERT activities,
    # UPDATE last activity, UPDATE progress, RELEASE.
    assert per_chunk <= 8


def test_a_stray_control_character_in_a_small_file_is_not_binary() -> None:
    job = run("email,first name\nvt@example.com,Ann\x0bMarie\n\x1a")
    assert job.status == ImportJob.Status.DONE
    assert contact("vt@example.com").first_name == "Ann\x0bMarie"


def test_a_utf8_byte_order_mark_before_latin1_text_does_not_hide_the_email_header() -> None:
    data = codecs.BOM_UTF8 + "email;Nachname\nbl@example.com;Müller\n".encode("latin-1")
    job = run(data)
    assert job.headers[0] == "email"
    assert contact("bl@example.com").last_name == "Müller"


# --- Lost tasks and dead workers -------------------------------------------------------------


class WorkerKilled(BaseException):
    """Stands for a worker killed mid-import: nothing in the import catches it."""


def test_a_job_whose_worker_died_resumes_after_its_last_chunk(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    real = services.record_activities
    calls = {"count": 0}

    def die_second_time(drafts: Any) -> Any:
        calls["count"] += 1
        if calls["count"] == 2:
            raise WorkerKilled
        return real(drafts)

    monkeypatch.setattr(importer.engine, "CHUNK_SIZE", 2)
    monkeypatch.setattr(services, "record_activities", die_second_time)
    job = make_job("email\na@example.com\nbad\nc@example.com\nd@example.com\ne@example.com\n")
    with pytest.raises(WorkerKilled):
        importer.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == ("running", 2, 1)
    assert job.errors == [{"line": 3, "reason": "Email “bad”: Enter a valid email address."}]
    monkeypatch.setattr(services, "record_activities", real)

    assert importer.recover_stalled() == 0  # it wrote a chunk just now: still alive
    later = job.progress_at + importer.engine.RUNNING_TIMEOUT + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert importer.recover_stalled(now=later) == 1
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.processed_rows, job.created_count, job.updated_count) == (5, 4, 0)
    assert job.errors == [{"line": 3, "reason": "Email “bad”: Enter a valid email address."}]
    emails = sorted(Contact.objects.values_list("email", flat=True))
    assert emails == ["a@example.com", "c@example.com", "d@example.com", "e@example.com"]
    assert Activity.objects.filter(kind=CONTACT_IMPORTED).count() == 4  # no row twice


def test_a_queued_job_whose_task_was_lost_is_queued_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = make_job("email\na@example.com\n")
    ImportJob.objects.filter(pk=job.pk).update(progress_at=timezone.now())
    assert importer.recover_stalled() == 0
    later = timezone.now() + importer.engine.QUEUED_TIMEOUT + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert importer.recover_stalled(now=later) == 1
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 1)
    assert importer.recover_stalled(now=later + timedelta(hours=1)) == 0  # finished ones stay
