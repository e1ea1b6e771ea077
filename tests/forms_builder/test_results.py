"""Results: the submissions list (filters, pages, query count), a submission, the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from contacts.models import Contact
from forms_builder.models import ActionResult, Form, Submission
from tests.forms_builder.helpers import add_field, answers, make_form, submit

pytestmark = pytest.mark.django_db

Status = ActionResult.Status


@pytest.fixture
def form(db: None) -> Form:
    form = make_form(name="Survey")
    add_field(form, "email", "Email", contact_field="email")
    add_field(form, "text", "Name")
    add_field(form, "checkboxes", "Colours", config={"choices": [["r", "Red"], ["g", "Green"]]})
    add_field(form, "textarea", "Comment")
    return form


def stored(
    form: Form, number: int, *, days_ago: int = 0, processed: bool = True, **values: Any
) -> Submission:
    """A submission as process_submission leaves it (processed=False: still queued, no contact)."""
    email = values.pop("email", f"person{number}@example.com")
    contact = Contact.objects.get_or_create(email=email.lower())[0] if processed else None
    data = {"email": email, "name": f"Person {number}", "colours": ["r"], "comment": "", **values}
    display = {**data, "colours": "Red"}
    submission = Submission.objects.create(
        form=form,
        contact=contact,
        data=data,
        display=display,
        dedupe_key=str(number),
        processed_at=timezone.now() if processed else None,
    )
    if days_ago:
        Submission.objects.filter(pk=submission.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return submission


def result(submission: Submission, status: str) -> ActionResult:
    return ActionResult.objects.create(
        submission=submission, action_type="x", title="Register", status=status
    )


def test_the_list_shows_newest_first_with_status(marketer_client: Client, form: Form) -> None:
    old = stored(form, 1, days_ago=3)
    new = stored(form, 2)
    result(old, Status.FAILED)
    result(new, Status.PENDING)
    response = marketer_client.get(f"/forms/{form.pk}/submissions/")
    rows = [row for row, _ in response.context["rows"]]
    assert rows == [new, old]
    html = response.content.decode()
    assert "Problem" in html and "Waiting" in html and "person1@example.com" in html
    assert html.count(" UTC</a></td>") == 2  # each time says its zone (the user's)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=problems", [1]),
        ("status=pending", [2]),
        ("status=ok", [3]),
        ("status=processing", [4]),
        ("q=PERSON4", []),  # no contact yet
        ("q=PERSON3", [3]),
        ("since=LAST2", [2, 3]),
        ("until=LAST2", [1, 4]),
        ("status=bogus", [1, 2, 3, 4]),
        ("since=not-a-date", [1, 2, 3, 4]),
    ],
)
def test_filters(marketer_client: Client, form: Form, query: str, expected: list[int]) -> None:
    one = stored(form, 1, days_ago=5)
    two = stored(form, 2, days_ago=1)
    three = stored(form, 3)
    result(one, Status.FAILED)
    result(two, Status.PENDING)
    result(three, Status.DONE)
    stored(form, 4, days_ago=3, processed=False)
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    response = marketer_client.get(f"/forms/{form.pk}/submissions/?{query.replace('LAST2', day)}")
    assert response.status_code == 200
    numbers = sorted(int(row.data["name"].split()[-1]) for row, _ in response.context["rows"])
    assert numbers == expected


def test_a_reversed_date_range_is_explained(marketer_client: Client, form: Form) -> None:
    response = marketer_client.get(
        f"/forms/{form.pk}/submissions/?since=2027-02-01&until=2027-01-01"
    )
    assert "The end is before the start." in response.content.decode()


def test_pages_and_a_constant_number_of_queries(
    marketer_client: Client, form: Form, django_assert_max_num_queries: Any
) -> None:
    for number in range(60):
        submission = stored(form, number)
        result(submission, Status.FAILED if number % 2 else Status.DONE)
    with django_assert_max_num_queries(7):
        response = marketer_client.get(f"/forms/{form.pk}/submissions/?per_page=25&page=2")
    assert len(response.context["rows"]) == 25
    assert "Page 2 of 3" in response.content.decode()
    last = marketer_client.get(f"/forms/{form.pk}/submissions/?page=99")
    assert last.context["page_obj"].number == 3  # past the end: the last page


def test_the_detail_page_shows_answers_and_what_happened(
    marketer_client: Client, form: Form
) -> None:
    submission = stored(form, 1, comment="Line one\nLine <two>")
    ActionResult.objects.create(
        submission=submission,
        action_type="goto",
        title="GoToWebinar registration: Launch",
        status=Status.DONE,
        message="Registered.",
        link="https://global.gotowebinar.com/join/1/2",
        link_label="Join link",
    )
    ActionResult.objects.create(
        submission=submission,
        action_type="x",
        title="Bad link",
        status=Status.FAILED,
        link="javascript:alert(1)",
    )
    html = marketer_client.get(f"/forms/{form.pk}/submissions/{submission.pk}/").content.decode()
    assert "Line one<br>Line &lt;two&gt;" in html
    assert 'href="https://global.gotowebinar.com/join/1/2"' in html and "Join link" in html
    assert "javascript:" not in html
    assert "Value: <code>r</code>" in html  # the stored choice value next to its label
    other = make_form("other")
    assert marketer_client.get(f"/forms/{other.pk}/submissions/{submission.pk}/").status_code == 404


def test_the_csv_export_is_streamed_with_unicode_intact(
    marketer_client: Client, form: Form
) -> None:
    stored(form, 1, name='Zoë 🎉 O\'Brien, "Jr"', comment='=HYPERLINK("x")')
    stored(form, 2, comment="-5")
    response = marketer_client.get(f"/forms/{form.pk}/submissions/export.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="sign-up-submissions-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:7] == [
        "Submitted at (UTC)",
        "Submission",
        "Contact email",
        "Email",
        "Name",
        "Colours",
        "Comment",
    ]
    assert rows[1][4] == 'Zoë 🎉 O\'Brien, "Jr"'
    assert rows[1][6] == '\'=HYPERLINK("x")'  # spreadsheets must not run it
    assert rows[2][6] == "-5"
    assert len(rows) == 3


def test_the_export_follows_the_filters(marketer_client: Client, form: Form) -> None:
    keep = stored(form, 1)
    result(keep, Status.FAILED)
    stored(form, 2)
    response = marketer_client.get(f"/forms/{form.pk}/submissions/export.csv?status=problems")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2 and rows[1][1] == str(keep.pk) and rows[1][-1] == "Problem"


def export_rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("zone", "query", "expected"),
    [
        ("", "until=9999-12-31", [1, 2]),
        ("Asia/Tokyo", "until=9999-12-31", [1, 2]),
        ("Asia/Tokyo", "since=0001-01-01", [1, 2]),
        ("Asia/Tokyo", "since=0001-01-01&until=9999-12-31", [1, 2]),
        ("America/New_York", "since=9999-12-31", []),
        ("Pacific/Kiritimati", "until=0001-01-01", []),
    ],
)
def test_dates_at_the_ends_of_the_calendar_filter_without_a_crash(
    marketer_client: Client,
    marketer: Any,
    form: Form,
    zone: str,
    query: str,
    expected: list[int],
) -> None:
    marketer.time_zone = zone
    marketer.save()
    stored(form, 1, days_ago=400)
    stored(form, 2)
    response = marketer_client.get(f"/forms/{form.pk}/submissions/?{query}")
    assert response.status_code == 200
    assert not response.context["filter_form"].errors
    numbers = sorted(int(row.data["name"].split()[-1]) for row, _ in response.context["rows"])
    assert numbers == expected
    export = marketer_client.get(f"/forms/{form.pk}/submissions/export.csv?{query}")
    assert export.status_code == 200
    rows = export_rows(export)
    assert sorted(int(row[4].split()[-1]) for row in rows[1:]) == expected


def test_every_typed_cell_of_the_export_is_kept_from_running_as_a_formula(
    marketer_client: Client, form: Form
) -> None:
    email = "=cmd|'/Ccalc'!A0@example.com"
    submission = stored(form, 1, email=email, name="@SUM(A1)")
    Submission.objects.filter(pk=submission.pk).update(
        user_agent="+agent", referrer="-http://x.example", ip_address="2001:db8::1"
    )
    form.fields.filter(key="comment").update(label="=Label")
    rows = export_rows(marketer_client.get(f"/forms/{form.pk}/submissions/export.csv"))
    assert rows[0][6] == "'=Label"
    assert rows[1][2] == "'=cmd|'/ccalc'!a0@example.com"  # the contact's (lower-cased) email
    assert rows[1][3] == "'=cmd|'/Ccalc'!A0@example.com"  # the answer as typed
    assert rows[1][4] == "'@SUM(A1)"
    assert rows[1][7:10] == ["2001:db8::1", "'+agent", "'-http://x.example"]


def test_an_unprocessed_submission_shows_as_being_processed(
    marketer_client: Client, form: Form
) -> None:
    done = stored(form, 1)
    queued = stored(form, 2, processed=False)
    response = marketer_client.get(f"/forms/{form.pk}/submissions/")
    html = response.content.decode()
    assert html.count(">Being processed</span>") == 1
    assert html.count('<span class="badge text-bg-success">OK</span>') == 1
    assert "not saved yet" in html
    choices = dict(response.context["filter_form"].fields["status"].choices)
    assert choices["processing"] == "Being processed"
    rows = export_rows(marketer_client.get(f"/forms/{form.pk}/submissions/export.csv"))
    assert [(row[1], row[-1]) for row in rows[1:]] == [
        (str(done.pk), "OK"),
        (str(queued.pk), "Being processed"),
    ]

    page = marketer_client.get(f"/forms/{form.pk}/submissions/{queued.pk}/").content.decode()
    assert '<span class="badge text-bg-info">Being processed</span>' in page
    assert "No actions ran." not in page and 'id="results"' not in page
    assert "<dt>Processed</dt><dd>Not yet</dd>" in page
    assert "taking longer than usual" not in page  # just arrived
    Submission.objects.filter(pk=queued.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    page = marketer_client.get(f"/forms/{form.pk}/submissions/{queued.pk}/").content.decode()
    assert "taking longer than usual" in page

    page = marketer_client.get(f"/forms/{form.pk}/submissions/{done.pk}/").content.decode()
    assert "Being processed" not in page.replace('value="processing"', "")
    assert "<dt>Processed</dt><dd>Not yet</dd>" not in page
    assert "Saved to contact" in page


def test_the_export_says_yes_or_no_for_embedded(marketer_client: Client, form: Form) -> None:
    stored(form, 1)
    framed = stored(form, 2)
    Submission.objects.filter(pk=framed.pk).update(embedded=True)
    rows = export_rows(marketer_client.get(f"/forms/{form.pk}/submissions/export.csv"))
    column = rows[0].index("Embedded")
    assert [row[column] for row in rows[1:]] == ["no", "yes"]


# --- Trying a failed mail action again ---------------------------------------------------------


def failed_notification(
    visitor: Client, form: Form, admin: Any, monkeypatch: Any, capture: Any
) -> ActionResult:
    from forms_builder import actions as action_module
    from forms_builder.models import FormAction

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("smtp down")

    FormAction.objects.create(
        form=form, action_type="notify_users", config={"user_ids": [admin.pk]}
    )
    with monkeypatch.context() as patch:
        patch.setattr(action_module, "send_mail", refuse)
        with capture(execute=True):
            assert submit(visitor, form, answers()).status_code == 200
    return Submission.objects.get().results.get()


def test_a_failed_notification_can_be_tried_again(
    visitor: Client,
    contact_form: Form,
    admin: Any,
    marketer_client: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    result = failed_notification(
        visitor, contact_form, admin, monkeypatch, django_capture_on_commit_callbacks
    )
    assert result.status == "failed"
    url = f"/forms/{contact_form.pk}/submissions/{result.submission_id}/"
    page = marketer_client.get(url).content.decode()
    retry = f"{url}results/{result.pk}/retry/"
    assert f'action="{retry}"' in page and "Try again" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = marketer_client.post(retry, follow=True)
    assert response.redirect_chain == [(url, 302)]
    result.refresh_from_db()
    assert (result.status, result.message) == ("done", "Sent to alice@example.com.")
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    # The mail went after the response (the callbacks run when the block ends), so the page
    # said it was queued; the detail page now shows it done.
    assert "“Notify users by email”: queued again." in response.content.decode()
    assert "Sent to alice@example.com." in marketer_client.get(url).content.decode()
    assert f'action="{retry}"' not in response.content.decode()  # nothing left to retry

    again = marketer_client.post(retry, follow=True)
    assert "cannot be tried again (not failed)" in again.content.decode()
    assert len(mail.outbox) == 1


def test_only_this_forms_failed_results_can_be_retried(
    visitor: Client,
    contact_form: Form,
    admin: Any,
    marketer_client: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    result = failed_notification(
        visitor, contact_form, admin, monkeypatch, django_capture_on_commit_callbacks
    )
    other = make_form("other")
    path = f"submissions/{result.submission_id}/results/{result.pk}/retry/"
    assert marketer_client.post(f"/forms/{other.pk}/{path}").status_code == 404
    right = (
        f"/forms/{contact_form.pk}/submissions/{result.submission_id}/results/{result.pk}/retry/"
    )
    assert marketer_client.get(right).status_code == 405
    assert Client().post(right).status_code == 302  # to the sign-in page
    result.refresh_from_db()
    assert result.status == "failed"
