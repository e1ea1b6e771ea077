"""What GoTo adds to forms: event lists from the catalogue, the builder's rules for the GoTo
actions, and host links that go to the team only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from forms_builder.actions import action_types
from forms_builder.fields import field_types
from forms_builder.models import ActionResult, Form, FormAction, Submission
from gotoplugins import upcoming as upcoming_list
from gotoplugins.emulator import faults
from gotoplugins.form_extensions import event_label
from gotoplugins.models import Event, GoToAccount, ProductConnection
from tests.forms_builder.helpers import add_field, make_form, page_token, person_fields, submit
from tests.gotoplugins.emulator.helpers import EmulatorAdapter
from tests.gotoplugins.registrations.conftest import upcoming

pytestmark = pytest.mark.django_db

Result = ActionResult.Status


def person() -> dict[str, str]:
    return {"email": "zoe@example.com", "first_name": "Zoë", "last_name": "O'Brien"}


@pytest.mark.parametrize(
    ("field_type", "heading"),
    [
        ("goto_webinar_event", "New GoToWebinar event field"),
        ("goto_training_event", "New GoToTraining event field"),
    ],
)
def test_the_field_editor_names_a_goto_type_as_its_label_says(
    marketer_client: Client, field_type: str, heading: str
) -> None:
    form = make_form()
    html = marketer_client.get(f"/forms/{form.pk}/fields/add/{field_type}/").content.decode()
    assert f"<title>{heading}" in html
    assert f'aria-hidden="true"></i> {heading}</h1>' in html


def test_goto_adds_its_field_types_and_actions_to_the_registries() -> None:
    assert [t.key for t in field_types() if t.group == "GoTo"] == [
        "goto_webinar_event",
        "goto_training_event",
    ]
    assert {t.key for t in action_types() if t.group.startswith("GoTo")} == {
        "goto_register_webinar",
        "goto_register_training",
        "goto_meeting_start_link",
        "goto_training_start_link",
        "goto_assist_session",
    }


def test_event_labels_show_the_local_start_and_its_zone(account: GoToAccount) -> None:
    event = Event(
        subject="Launch & Q&A",
        starts_at=datetime(2027, 1, 12, 14, 0, tzinfo=UTC),
        time_zone="Europe/Berlin",
    )
    assert event_label(event) == "Launch & Q&A — Tue 12 Jan 2027, 15:00 CET (Europe/Berlin)"
    event.time_zone = "Nowhere/Atlantis"
    assert event_label(event) == "Launch & Q&A — Tue 12 Jan 2027, 14:00 UTC"
    event.time_zone = ""
    assert event_label(event) == "Launch & Q&A — Tue 12 Jan 2027, 14:00 UTC"


def test_the_list_holds_only_upcoming_events_of_the_connected_account(
    webinar_form: Form, account: GoToAccount, transport: EmulatorAdapter
) -> None:
    other = GoToAccount.objects.create(name="Other", client_id="x", client_secret="y")
    soon = timezone.now() + timedelta(days=1)
    Event.objects.create(
        product="webinar", account=other, key="1", subject="Other account", starts_at=soon
    )
    cancelled = upcoming("webinar")[-1]
    Event.objects.filter(pk=cancelled.pk).update(status=Event.Status.CANCELLED)
    response = Client().get("/f/webinar/")
    choices = response.context["form"].fields["webinar"].choices
    keys = [key for key, _ in choices if key]
    expected = [event.key for event in upcoming("webinar") if event.account_id == account.pk]
    assert keys == expected and cancelled.key not in keys and "1" not in keys
    assert choices[0] == ("", "Choose…")
    assert not transport.calls


def test_a_tampered_or_started_event_is_refused(
    webinar_form: Form, transport: EmulatorAdapter
) -> None:
    visitor = Client()
    past = Event.objects.filter(product="webinar", starts_at__lt=timezone.now()).first()
    assert past is not None
    for value in ("123", past.key, "", "../../etc"):
        response = submit(visitor, webinar_form, {**person(), "webinar": value})
        assert response.status_code == 400
        errors = response.context["form"].errors["webinar"]
        assert errors in (
            ["This webinar is no longer open for registration. Choose another."],
            ["This field is required."],
        )
    event = upcoming("webinar")[0]
    token = page_token(visitor, webinar_form)  # the page listed it...
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    upcoming_list.forget()  # as the sync that moved it does
    response = submit(visitor, webinar_form, {**person(), "webinar": event.key}, token=token)
    assert response.status_code == 400  # ...but it started before the visitor submitted
    assert not Submission.objects.exists()
    assert not transport.calls


def test_registering_needs_required_mapped_person_fields(
    marketer_client: Client, account: GoToAccount
) -> None:
    form = make_form()
    add_field(form, "email", "Email", required=True, contact_field="email")
    add_field(form, "text", "First name", contact_field="first_name")
    event = upcoming("webinar")[0]
    url = f"/forms/{form.pk}/actions/add/goto_register_webinar/"
    response = marketer_client.post(url, {"event": str(event.pk)})
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'")
    assert (
        "Not saved: “Register to GoToWebinar” needs required fields filling the contact's "
        "email, first name and last name: “First name” fills the contact's first name but is "
        "not required, and no field fills the contact's last name." in html
    )
    assert not FormAction.objects.exists()


def test_the_chosen_webinar_needs_a_required_webinar_field(
    marketer_client: Client, account: GoToAccount
) -> None:
    form = person_fields(make_form())
    url = f"/forms/{form.pk}/actions/add/goto_register_webinar/"
    page = marketer_client.get(url).content.decode()
    assert "The webinar chosen in the form" in page and upcoming("webinar")[0].subject in page
    response = marketer_client.post(url, {"event": "form"})
    assert response.status_code == 400
    assert (
        "which needs a required “GoToWebinar event” field: the form has no “GoToWebinar event” "
        "field." in response.content.decode()
    )
    field = add_field(form, "goto_webinar_event", "Webinar")
    response = marketer_client.post(url, {"event": "form"})
    assert response.status_code == 400  # not required yet
    assert "GoToWebinar event” field: “Webinar” is not required." in response.content.decode()
    field.required = True
    field.save()
    assert marketer_client.post(url, {"event": "form"}).status_code == 302
    action = FormAction.objects.get()
    assert action.config == {"event": "form"}
    # Now the field cannot be made optional or deleted, nor a name mapping removed.
    edit = {"label": "Webinar", "help_text": "", "placeholder": ""}
    response = marketer_client.post(f"/forms/{form.pk}/fields/{field.pk}/", edit)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Not saved: “Register to GoToWebinar” registers for the webinar chosen in" in page
    assert "“Webinar” is not required." in page
    assert "If an action needs this field as it was, change that action first." in page
    response = marketer_client.post(f"/forms/{form.pk}/fields/{field.pk}/delete/", follow=True)
    assert (
        "“Webinar” was not deleted: “Register to GoToWebinar” registers for the webinar chosen "
        "in the form, which needs a required “GoToWebinar event” field: the form has no "
        "“GoToWebinar event” field. Change or remove that action first, then delete the field."
    ) in response.content.decode()
    assert form.fields.filter(pk=field.pk, required=True).exists()


def test_a_fixed_webinar_that_is_over_is_a_problem(
    marketer_client: Client, account: GoToAccount
) -> None:
    form = person_fields(make_form(published=False))
    event = upcoming("webinar")[0]
    url = f"/forms/{form.pk}/actions/add/goto_register_webinar/"
    assert marketer_client.post(url, {"event": str(event.pk)}).status_code == 302
    assert FormAction.objects.get().config == {
        "event_id": event.pk,
        "event_key": event.key,
        "event_subject": event.subject,
    }
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert f"Webinar: {event.subject}" in page
    Event.objects.filter(pk=event.pk).update(ends_at=timezone.now() - timedelta(hours=1))
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "is over or cancelled. Choose another." in page
    marketer_client.post(f"/forms/{form.pk}/publish/", {"published": "1"})
    assert not Form.objects.get().is_published


def test_goto_actions_are_offered_only_for_products_switched_on(
    marketer_client: Client, account: GoToAccount
) -> None:
    form = make_form()
    ProductConnection.objects.filter(product="training").update(enabled=False)
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "Register to GoToWebinar" in page and "Register to GoToTraining" not in page
    assert (
        marketer_client.get(f"/forms/{form.pk}/actions/add/goto_register_training/").status_code
        == 404
    )


def test_a_start_link_goes_to_the_team_never_to_the_person(
    account: GoToAccount,
    transport: EmulatorAdapter,
    admin: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = upcoming("meeting")[0]
    form = person_fields(make_form("call-me"))
    FormAction.objects.create(
        form=form,
        action_type="goto_meeting_start_link",
        config={
            "event_id": meeting.pk,
            "event_key": meeting.key,
            "event_subject": meeting.subject,
            "user_ids": [admin.pk],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert submit(Client(), form, person()).status_code == 200
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert "zoe@example.com" not in message.to + message.cc + message.bcc
    assert f"/_app/start/g2m/{meeting.key}" in message.body
    assert "Zoë O'Brien <zoe@example.com> filled in the form" in message.body
    assert "do not forward them" in message.body
    result = Submission.objects.get().results.get()
    assert (result.status, result.message) == (Result.DONE, "Start link sent to alice@example.com.")


def test_an_assist_session_sends_both_links_to_the_team(
    account: GoToAccount,
    transport: EmulatorAdapter,
    marketer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    form = person_fields(make_form("help"))
    FormAction.objects.create(
        form=form, action_type="goto_assist_session", config={"user_ids": [marketer.pk]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit(Client(), form, person())
    [message] = mail.outbox
    assert message.to == ["bob@example.com"]
    assert "Your (expert) link: http" in message.body
    assert "The person's link, to send them yourself: http" in message.body
    assert Submission.objects.get().results.get().status == Result.DONE


def test_a_host_link_failure_is_shown_on_the_submission(
    account: GoToAccount,
    transport: EmulatorAdapter,
    admin: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    training = upcoming("training")[0]
    form = person_fields(make_form("start"))
    FormAction.objects.create(
        form=form,
        action_type="goto_training_start_link",
        config={
            "event_id": training.pk,
            "event_key": training.key,
            "event_subject": training.subject,
            "user_ids": [admin.pk],
        },
    )
    faults.add_fault("/G2T/rest/trainings/*/start", status=500, times=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert submit(Client(), form, person()).status_code == 200
    result = Submission.objects.get().results.get()
    assert result.status == Result.FAILED
    assert "internal error" in result.message
    assert not mail.outbox
