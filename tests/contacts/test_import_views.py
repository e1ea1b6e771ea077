"""The browser flow of the CSV import: upload, map, preview, start, follow progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from contacts import importer
from contacts.models import Contact, ImportJob

pytestmark = pytest.mark.django_db

PEOPLE = (
    "E-mail;Vorname;Nachname;Firma;Lead source\n"
    "anna@example.com;Anna;Müller;Globex;web\n"
    "BO@example.com;;;Initech;\n"
    "not-an-email;Bad;Row;;\n"
    "cy@example.com;Cy;O'Neil;;fair\n"
)


def upload(client: Client, data: bytes, name: str = "people.csv", **extra: str) -> Any:
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("contacts:import-upload"), {"file": file, **extra})


def job_for(user: User, text: str = PEOPLE, mapping: dict[str, str] | None = None) -> ImportJob:
    job = importer.create_job(importer.read_csv(text.encode()), "people.csv", user)
    if mapping is not None:
        importer.save_mapping(job, mapping)
    return job


def test_the_whole_flow_from_upload_to_finished_import(
    marketer_client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    Contact.objects.create(email="bo@example.com", first_name="Bo", company="Old Co")

    response = upload(marketer_client, PEOPLE.encode("latin-1"))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("contacts:import-map", args=[job.pk])
    assert (job.encoding, job.delimiter, job.total_rows) == ("latin-1", ";", 4)

    page = marketer_client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="email" selected>Email</option>' in html
    assert '<option value="custom:Lead source">Custom field “Lead source”</option>' in html
    assert "Müller" in html  # the raw table of the first rows

    mapping = {
        "col_0": "email",
        "col_1": "first_name",
        "col_2": "last_name",
        "col_3": "company",
        "col_4": "custom:Lead source",
    }
    response = marketer_client.post(response.url, mapping)
    assert response.status_code == 302
    assert response.url == reverse("contacts:import-preview", args=[job.pk])

    preview = marketer_client.get(response.url).content.decode()
    assert preview.count(">New</span>") == 2
    assert preview.count(">Update</span>") == 1
    assert preview.count(">Invalid</span>") == 1
    assert "Email “not-an-email”: Enter a valid email address." in preview
    assert "O&#x27;Neil" in preview

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = marketer_client.post(reverse("contacts:import-preview", args=[job.pk]))
    assert len(callbacks) == 1
    assert response.url == reverse("contacts:import-progress", args=[job.pk])

    status = marketer_client.get(reverse("contacts:import-status", args=[job.pk])).json()
    assert status == {
        "status": "done",
        "status_label": "Finished",
        "finished": True,
        "percent": 100,
        "total_rows": 4,
        "processed_rows": 4,
        "created": 2,
        "updated": 1,
        "skipped": 1,
        "failure": "",
    }
    bo = Contact.objects.get(email="bo@example.com")
    assert (bo.first_name, bo.company) == ("Bo", "Initech")
    assert Contact.objects.get(email="anna@example.com").custom_fields == {"Lead source": "web"}

    progress = marketer_client.get(response.url).content.decode()
    assert (
        "<tr><td>4</td><td>Email “not-an-email”: Enter a valid email address.</td></tr>" in progress
    )
    assert 'id="count-created">2<' in progress
    assert "import_progress.js" not in progress  # finished: nothing left to follow


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"email,name\n", "The file has a header row but no rows of contacts under it."),
        (b"\x00\x01\x02\x03binary\x00\x00", "This does not look like a CSV file"),
        (b'email\n"a@example.com\n', "Line 2: a quoted value starts here and is never closed."),
    ],
)
def test_bad_files_are_refused_with_a_form_error(
    marketer_client: Client, data: bytes, message: str
) -> None:
    response = upload(marketer_client, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(
    marketer_client: Client, settings: Any
) -> None:
    settings.CONTACT_IMPORT_MAX_BYTES = 1024 * 1024
    data = b"email\n" + b"someone@example.com\n" * 60_000

    response = upload(marketer_client, data)

    assert response.status_code == 200
    assert (
        "The file is 1.1\xa0MB; files up to 1.0\xa0MB can be imported." in response.content.decode()
    )
    assert not ImportJob.objects.exists()


def test_the_upload_page_names_the_size_limit(marketer_client: Client, settings: Any) -> None:
    settings.CONTACT_IMPORT_MAX_BYTES = 5 * 1024 * 1024
    response = marketer_client.get(reverse("contacts:import-upload"))
    assert "Up to 5.0\xa0MB." in response.content.decode()


def test_the_separator_can_be_chosen_on_upload(marketer_client: Client) -> None:
    upload(marketer_client, b"email|x;company\na@example.com;Y\n", delimiter=";")
    assert ImportJob.objects.get().headers == ["email|x", "company"]


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"col_0": "", "col_1": "first_name"}, "Choose the column that holds the email address."),
        (
            {"col_0": "email", "col_1": "email"},
            "Email is chosen for more than one column (“E-mail”, “Vorname”)",
        ),
        ({"col_0": "email", "col_1": "custom:E-mail"}, "Select a valid choice."),
    ],
)
def test_mapping_errors_are_shown_and_nothing_is_saved(
    marketer: User, marketer_client: Client, posted: dict[str, str], message: str
) -> None:
    job = job_for(marketer)
    guessed = dict(job.mapping)

    response = marketer_client.post(reverse("contacts:import-map", args=[job.pk]), posted)

    assert response.status_code == 200
    assert message in response.content.decode()
    job.refresh_from_db()
    assert job.mapping == guessed


def test_a_contact_field_mapped_twice_is_refused(marketer: User, marketer_client: Client) -> None:
    job = job_for(marketer)
    posted = {"col_0": "email", "col_1": "last_name", "col_2": "last_name"}
    response = marketer_client.post(reverse("contacts:import-map", args=[job.pk]), posted)
    assert "Last name is chosen for more than one column (“Vorname”, “Nachname”)" in (
        response.content.decode()
    )


def test_preview_without_a_usable_mapping_goes_back_to_the_mapping(
    marketer: User, marketer_client: Client
) -> None:
    job = job_for(marketer, mapping={"0": "", "1": "first_name"})
    response = marketer_client.get(reverse("contacts:import-preview", args=[job.pk]), follow=True)
    assert response.redirect_chain == [(reverse("contacts:import-map", args=[job.pk]), 302)]
    assert "Choose the column that holds the email address." in response.content.decode()


def test_a_job_is_started_only_once(
    marketer: User, marketer_client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    job = job_for(marketer)
    url = reverse("contacts:import-preview", args=[job.pk])
    with (
        mock.patch("contacts.tasks.run_import.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = marketer_client.post(url)
        again = marketer_client.post(url)
    assert first.url == again.url == reverse("contacts:import-progress", args=[job.pk])
    delay.assert_called_once_with(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    assert importer.start_import(job) is False


def test_start_enqueues_the_task_after_commit(
    marketer: User, marketer_client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    job = job_for(marketer)
    with (
        mock.patch("contacts.tasks.run_import.delay") as delay,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        marketer_client.post(reverse("contacts:import-preview", args=[job.pk]))
        assert delay.call_count == 0  # nothing before the commit
    for callback in callbacks:
        callback()
    delay.assert_called_once_with(job.pk)


def test_mapping_and_preview_of_a_started_job_lead_to_its_progress(
    marketer: User, marketer_client: Client
) -> None:
    job = job_for(marketer)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    progress = reverse("contacts:import-progress", args=[job.pk])
    for name in ("contacts:import-map", "contacts:import-preview"):
        assert marketer_client.get(reverse(name, args=[job.pk])).url == progress
        assert marketer_client.post(reverse(name, args=[job.pk])).url == progress


def test_a_running_import_is_followed_by_the_page_script(
    admin: User, marketer_client: Client, django_assert_max_num_queries: Any
) -> None:
    job = job_for(admin)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, processed_rows=1, total_rows=4
    )
    with django_assert_max_num_queries(3):  # session, user, job
        response = marketer_client.get(reverse("contacts:import-progress", args=[job.pk]))
    page = response.content.decode()
    assert f'data-status-url="/contacts/import/{job.pk}/status/"' in page
    assert "js/import_progress.js" in page
    assert 'style="width: 25%"' in page
    with django_assert_max_num_queries(3):
        status = marketer_client.get(reverse("contacts:import-status", args=[job.pk]))
    assert status["Cache-Control"] == "no-store"
    assert status.json()["finished"] is False
    assert status.json()["percent"] == 25


def test_a_failed_import_shows_its_failure(marketer: User, marketer_client: Client) -> None:
    job = job_for(marketer)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, failure="The import stopped after 0 of 4 rows. <b>x</b>"
    )
    page = marketer_client.get(reverse("contacts:import-progress", args=[job.pk])).content.decode()
    assert "The import failed." in page
    assert "The import stopped after 0 of 4 rows. &lt;b&gt;x&lt;/b&gt;" in page


def test_many_skipped_rows_are_paginated(marketer: User, marketer_client: Client) -> None:
    job = job_for(marketer)
    errors = [{"line": line, "reason": "The email is missing."} for line in range(2, 122)]
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, errors=errors)
    url = reverse("contacts:import-progress", args=[job.pk])

    first = marketer_client.get(url).content.decode()
    last = marketer_client.get(url, {"page": 3}).content.decode()

    assert first.count("The email is missing.") == 50
    assert "Page 1 of 3" in first
    assert last.count("The email is missing.") == 20
    assert "<tr><td>121</td>" in last


def test_headers_and_cells_are_escaped(marketer_client: Client) -> None:
    upload(marketer_client, b"email,<script>alert(1)</script>\na@example.com,<img src=x>\n")
    job = ImportJob.objects.get()
    page = marketer_client.get(reverse("contacts:import-map", args=[job.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x&gt;" in page


def test_unknown_job_is_a_404(marketer_client: Client) -> None:
    assert marketer_client.get(reverse("contacts:import-status", args=[999])).status_code == 404
    assert marketer_client.get(reverse("contacts:import-map", args=[999])).status_code == 404


@pytest.mark.parametrize(
    "name", ["import-upload", "import-map", "import-preview", "import-progress", "import-status"]
)
def test_signed_out_visitors_are_sent_to_the_login(client: Client, admin: User, name: str) -> None:
    job = job_for(admin)
    args = [] if name == "import-upload" else [job.pk]
    response = client.get(reverse(f"contacts:{name}", args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_admins_can_import_too(admin_client: Client) -> None:
    response = upload(admin_client, b"email\na@example.com\n")
    assert response.status_code == 302
    assert ImportJob.objects.get().created_by.username == "alice"
