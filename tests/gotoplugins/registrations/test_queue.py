"""Form registrations through the queue, against the emulator: made once, after the response,
kept and retried on failure, never twice for the same contact and event."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from django.test import Client
from django.utils import timezone

from contacts.models import Activity, Contact
from forms_builder.models import ActionResult, Form, FormAction, Submission
from forms_builder.tasks import process_pending_submissions, process_stalled_submissions
from gotoplugins import registrations
from gotoplugins.emulator import faults
from gotoplugins.emulator import models as emulator
from gotoplugins.models import Event, GoToAccount, Participation, ProductConnection, SyncRun
from gotoplugins.models import RegistrationRequest as Request
from gotoplugins.sync import runner, sync_product
from gotoplugins.tasks_registrations import process_registration
from tests.forms_builder.helpers import add_field, make_form, person_fields, submit
from tests.gotoplugins.emulator.helpers import EmulatorAdapter
from tests.gotoplugins.registrations.conftest import registrants, upcoming

pytestmark = pytest.mark.django_db

REGISTRANTS = "/G2W/rest/v2/organizers/*/webinars/*/registrants"
Status = Request.Status
Result = ActionResult.Status


def person(**changes: Any) -> dict[str, Any]:
    values = {"email": "Zoe@Example.com", "first_name": "Zoë 🎉", "last_name": "d'Arc & Co"}
    values.update(changes)
    return values


def sign_up(client: Client, form: Form, capture: Any, **values: Any) -> Any:
    with capture(execute=True):
        return submit(client, form, {**person(), **values})


def test_a_submission_registers_through_the_emulator(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    client = Client()
    page = client.get("/f/webinar/").content.decode()
    assert webinar.subject in page
    assert not transport.calls  # the page reads the local catalogue only
    response = sign_up(
        client, webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key
    )
    assert response.status_code == 200

    [registrant] = [r for r in registrants(webinar) if r.email_lower == "zoe@example.com"]
    assert (registrant.first_name, registrant.last_name) == ("Zoë 🎉", "d'Arc & Co")
    contact = Contact.objects.get()
    row = Participation.objects.get(event=webinar, contact=contact)
    assert (row.kind, row.source, row.registrant_key) == ("registered", "form", registrant.key)
    assert row.join_url.endswith(f"/_app/join/g2w/{webinar.key}/{registrant.key}")
    request = Request.objects.get()
    assert (request.status, request.attempts, request.participation) == (Status.DONE, 1, row)
    entry = Activity.objects.get(kind="goto_registered")
    assert entry.title == f"Registered for webinar “{webinar.subject}”"
    assert (entry.source_type, entry.source_id) == ("gotoplugins.participation", str(row.pk))
    assert entry.details["event_key"] == webinar.key and entry.details["source"] == "form"
    result = Submission.objects.get().results.get()
    assert (result.status, result.message, result.link) == (
        Result.DONE,
        "Registered.",
        row.join_url,
    )
    assert result.title == f"GoToWebinar registration: {webinar.subject}"


def test_a_webinar_needing_approval_says_so_and_promises_no_join_link(
    webinar_form: Form,
    transport: EmulatorAdapter,
    marketer_client: Client,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GoTo answers WAITING (no joinUrl) when the organizer approves registrations by hand."""
    webinar = upcoming("webinar")[0]
    emulator.Event.objects.filter(key=webinar.key).update(approval_type="MANUAL")
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)

    [registrant] = [r for r in registrants(webinar) if r.email_lower == "zoe@example.com"]
    assert registrant.status == "WAITING"
    row = Participation.objects.get()
    assert (row.kind, row.registrant_key, row.join_url, row.registration_status) == (
        "registered",
        registrant.key,
        "",
        "WAITING",
    )
    entry = Activity.objects.get(kind="goto_registered")
    assert entry.title == (
        f"Registration for webinar “{webinar.subject}” awaits the organizer's approval"
    )
    assert entry.details["registration_status"] == "WAITING"
    assert "join_url" not in entry.details
    result = Submission.objects.get().results.get()
    # Waiting, not done: the submission is listed as Waiting (not OK) until GoTo decides.
    assert (result.status, result.link, result.link_label) == (Result.PENDING, "", "")
    assert result.message == (
        "Registered, awaiting the organizer's approval at GoTo. "
        "No join link yet: GoTo gives one once the organizer approves."
    )
    timeline = marketer_client.get(f"/contacts/{row.contact_id}/").content.decode()
    assert "Awaiting the organizer&#x27;s approval: no join link yet" in timeline
    listed = marketer_client.get(f"/forms/{webinar_form.pk}/submissions/?status=pending")
    assert "zoe@example.com" in listed.content.decode()

    # A second submission reuses the registration, and still says it awaits the approval.
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    assert len(transport.posts()) == 1
    again = Submission.objects.order_by("-id").first().results.get()
    assert again.message == (
        "Already registered: the registration was reused, awaiting the organizer's approval "
        "at GoTo. No join link yet: GoTo gives one once the organizer approves."
    )

    # The organizer approves at GoTo: the next sync brings the join link to both submissions.
    emulator.Registrant.objects.filter(key=registrant.key).update(status="APPROVED")
    monkeypatch.setattr(runner, "api_for", registrations.api_for)  # the same in-process GoTo
    run = sync_product("webinar", trigger=SyncRun.Trigger.COMMAND)
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    row.refresh_from_db()
    assert row.registration_status == "APPROVED" and row.join_url.startswith("http")
    shown = [
        (r.status, r.message, r.link)
        for r in ActionResult.objects.filter(submission__form=webinar_form).order_by("id")
    ]
    assert shown == [
        (Result.DONE, "Registered.", row.join_url),
        (Result.DONE, "Already registered: the registration was reused.", row.join_url),
    ]


def test_an_approved_registration_has_its_status_in_the_timeline(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    emulator.Event.objects.filter(key=webinar.key).update(approval_type="AUTOMATIC")
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    entry = Activity.objects.get(kind="goto_registered")
    assert entry.title == f"Registered for webinar “{webinar.subject}”"
    assert entry.details["registration_status"] == "APPROVED"
    assert Participation.objects.get().registration_status == "APPROVED"
    assert Submission.objects.get().results.get().message == "Registered."


def test_goto_is_called_only_after_the_commit_and_the_response(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = submit(Client(), webinar_form, {**person(), "webinar": webinar.key})
    assert response.status_code == 200
    assert not transport.posts()  # the visitor had the page before any GoTo call
    assert Request.objects.get().status == Status.PENDING
    assert Submission.objects.get().results.get().status == Result.PENDING
    for callback in callbacks:
        callback()
    assert len(transport.posts()) == 1
    assert Request.objects.get().status == Status.DONE


def test_a_repeat_submission_reuses_the_registration(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    for _ in range(2):
        response = sign_up(
            Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key
        )
        assert response.status_code == 200
    assert len(transport.posts()) == 1
    assert Submission.objects.count() == 2
    assert Participation.objects.count() == 1 and Request.objects.count() == 1
    assert Activity.objects.filter(kind="goto_registered").count() == 1
    second = Submission.objects.order_by("-id").first().results.get()
    assert second.status == Result.DONE
    assert second.message == "Already registered: the registration was reused."
    assert second.link == Participation.objects.get().join_url


def test_someone_goto_already_knows_is_stored_with_their_registration(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    known = registrants(webinar)[0]
    response = sign_up(
        Client(),
        webinar_form,
        django_capture_on_commit_callbacks,
        webinar=webinar.key,
        email=known.email.upper(),
    )
    assert response.status_code == 200
    assert any(status == 409 for _, _, status in transport.posts())
    row = Participation.objects.get()
    assert row.registrant_key == known.key
    result = Submission.objects.get().results.get()
    assert (result.status, result.message) == (
        Result.DONE,
        "Already registered: the registration was reused.",
    )
    assert len(registrants(webinar)) == len({r.email_lower for r in registrants(webinar)})


def test_a_refusal_is_final_visible_and_retryable_by_hand(
    webinar_form: Form,
    transport: EmulatorAdapter,
    django_capture_on_commit_callbacks: Any,
    marketer_client: Client,
) -> None:
    webinar = upcoming("webinar")[0]
    faults.add_fault(REGISTRANTS, method="POST", status=400, body={"description": "Bad email"})
    response = sign_up(
        Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key
    )
    assert response.status_code == 200  # the visitor is never told about GoTo's troubles
    request = Request.objects.get()
    assert request.status == Status.FAILED
    assert request.last_error.startswith("GoTo refused the registration (400)")
    assert Submission.objects.exists() and Contact.objects.exists()
    assert not Participation.objects.exists()
    result = Submission.objects.get().results.get()
    assert result.status == Result.FAILED and result.message.startswith("Not registered: GoTo")
    assert result.link == "/plugins/registrations/"

    page = marketer_client.get("/plugins/registrations/").content.decode()
    assert webinar.subject in page and "zoe@example.com" in page and "Retry" in page
    with django_capture_on_commit_callbacks(execute=True):
        retried = marketer_client.post(f"/plugins/registrations/{request.pk}/retry/")
    assert retried.status_code == 302
    assert Request.objects.get().status == Status.DONE
    assert Submission.objects.get().results.get().status == Result.DONE
    assert "No problems" in marketer_client.get("/plugins/registrations/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_retry_by_hand_says_how_the_try_went(
    webinar_form: Form, transport: EmulatorAdapter, marketer_client: Client
) -> None:
    """Without a broker the try runs before the page comes back: its message says the result
    (a test transaction would hold it until the end, hence a transactional test)."""
    webinar = upcoming("webinar")[0]
    emulator.Event.objects.filter(key=webinar.key).update(approval_type="AUTOMATIC")
    faults.add_fault(REGISTRANTS, method="POST", status=400, body={"description": "Bad email"})
    assert submit(Client(), webinar_form, {**person(), "webinar": webinar.key}).status_code == 200
    request = Request.objects.get()
    assert request.status == Status.FAILED

    def retry_message() -> list[str]:
        response = marketer_client.post(f"/plugins/registrations/{request.pk}/retry/", follow=True)
        return [str(message) for message in response.context["messages"]]

    faults.add_fault(REGISTRANTS, method="POST", status=400, body={"description": "Bad email"})
    assert retry_message() == [
        "Tried again, and it failed: GoTo refused the registration (400): Bad email."
    ]
    faults.add_fault(REGISTRANTS, method="POST", status=503, times=None)  # past the seam's retry
    [message] = retry_message()
    assert message.startswith("Tried again, not registered yet: ") and message.endswith(
        " It is tried again later."
    )
    faults.clear_faults()
    contact = Contact.objects.get()
    assert retry_message() == [f"Registered: {contact} for “{webinar.subject}”."]
    assert retry_message() == ["This registration is already done or being made."]


@pytest.mark.parametrize(
    ("fault", "wait"),
    [
        ({"status": 429, "retry_after": 300}, 300),
        ({"status": 500}, registrations.FIRST_DELAY),
        ({"status": 503}, registrations.FIRST_DELAY),
    ],
)
def test_a_passing_failure_is_retried_later_with_backoff(
    webinar_form: Form,
    transport: EmulatorAdapter,
    django_capture_on_commit_callbacks: Any,
    fault: dict[str, Any],
    wait: float,
) -> None:
    webinar = upcoming("webinar")[0]
    faults.add_fault(REGISTRANTS, method="POST", times=None, **fault)
    before = timezone.now()
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    request = Request.objects.get()
    assert (request.status, request.attempts) == (Status.PENDING, 1)
    assert request.next_attempt_at >= before + timedelta(seconds=wait)
    assert request.next_attempt_at <= timezone.now() + timedelta(seconds=wait + 5)
    result = Submission.objects.get().results.get()
    assert result.status == Result.PENDING
    when = request.next_attempt_at.astimezone(UTC).strftime("%d %b %Y, %H:%M")
    assert result.message.endswith(f" Next try from {when} UTC.")  # a date, and its zone
    assert request in registrations.problems()
    assert request not in registrations.due()
    assert request in registrations.due(timezone.now() + timedelta(seconds=wait + 1))

    faults.clear_faults()
    assert registrations.process(request.pk) is None
    assert Request.objects.get().status == Status.DONE


def test_a_timeout_is_retried(
    webinar_form: Form,
    transport: EmulatorAdapter,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webinar = upcoming("webinar")[0]
    real_send = transport.send

    def slow(request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            raise requests.exceptions.ReadTimeout("read timed out")
        return real_send(request, *args, **kwargs)

    monkeypatch.setattr(transport, "send", slow)
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    request = Request.objects.get()
    assert (request.status, request.last_error) == (Status.PENDING, "GoTo did not answer in time.")


def test_too_many_attempts_give_up(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    faults.add_fault(REGISTRANTS, method="POST", status=500, times=None)
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    request = Request.objects.get()
    for _ in range(registrations.MAX_ATTEMPTS - 1):
        registrations.process(request.pk)
    request.refresh_from_db()
    assert (request.status, request.attempts) == (Status.FAILED, registrations.MAX_ATTEMPTS)
    assert request.last_error.endswith(f"Gave up after {registrations.MAX_ATTEMPTS} attempts.")


@pytest.mark.parametrize("problem", ["over", "cancelled", "switched_off", "reconnect"])
def test_what_cannot_be_registered_fails_without_calling_goto(
    webinar_form: Form,
    transport: EmulatorAdapter,
    django_capture_on_commit_callbacks: Any,
    account: GoToAccount,
    problem: str,
) -> None:
    webinar = upcoming("webinar")[0]
    with django_capture_on_commit_callbacks(execute=False):
        submit(Client(), webinar_form, {**person(), "webinar": webinar.key})
    if problem == "over":
        Event.objects.filter(pk=webinar.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    elif problem == "cancelled":
        Event.objects.filter(pk=webinar.pk).update(status=Event.Status.CANCELLED)
    elif problem == "switched_off":
        ProductConnection.objects.filter(product="webinar").update(enabled=False)
    else:
        GoToAccount.objects.filter(pk=account.pk).update(needs_reconnect=True)
    registrations.process(Request.objects.get().pk)
    request = Request.objects.get()
    assert request.status == Status.FAILED
    expected = {
        "over": "The webinar is over.",
        "cancelled": "The webinar was cancelled at GoTo.",
        "switched_off": "GoToWebinar is switched off on the Plugins page.",
        "reconnect": "needs to be reconnected",
    }[problem]
    assert expected in request.last_error
    assert not transport.posts()


def test_a_registration_the_sync_stored_first_is_not_stored_twice(
    webinar_form: Form,
    transport: EmulatorAdapter,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webinar = upcoming("webinar")[0]
    real_register = registrations._register

    def sync_wins(request: Request) -> registrations.Registered:
        answer = real_register(request)
        # The sync saw the new registrant between GoTo's answer and our write.
        Participation.objects.create(
            event=request.event, contact=request.contact, kind="registered", source="sync"
        )
        return answer

    monkeypatch.setattr(registrations, "_register", sync_wins)
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    row = Participation.objects.get()
    assert row.source == "sync" and row.join_url and row.registrant_key  # blanks filled
    assert not Activity.objects.filter(kind="goto_registered").exists()  # the sync's to write
    assert Request.objects.get().status == Status.DONE


def test_a_cancelled_registration_is_made_again(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    contact = Contact.objects.get()
    Participation.objects.create(event=webinar, contact=contact, kind="cancelled")
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    assert not Participation.objects.filter(kind="cancelled").exists()
    titles = list(Activity.objects.filter(kind="goto_registered").values_list("title", flat=True))
    assert sorted(titles) == sorted(
        [
            f"Registered for webinar “{webinar.subject}”",
            f"Registered again for webinar “{webinar.subject}”",
        ]
    )


def test_two_submissions_before_processing_share_one_request(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(Client(), webinar_form, {**person(), "webinar": webinar.key})
        submit(Client(), webinar_form, {**person(first_name="Zoé"), "webinar": webinar.key})
    assert Request.objects.count() == 1
    refs = set(ActionResult.objects.values_list("ref", flat=True))
    assert refs == {Request.objects.get().ref}
    for callback in callbacks:
        callback()
    assert len(transport.posts()) == 1
    assert set(ActionResult.objects.values_list("status", flat=True)) == {Result.DONE}


def test_a_new_submission_retries_a_failed_request(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    seat = {"errorCode": "Forbidden", "description": "No webinar seat."}
    faults.add_fault(REGISTRANTS, method="POST", status=403, times=1, body=seat)
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    assert Request.objects.get().status == Status.FAILED
    sign_up(
        Client(),
        webinar_form,
        django_capture_on_commit_callbacks,
        webinar=webinar.key,
        first_name="Zoë",
    )
    request = Request.objects.get()
    assert (request.status, request.first_name) == (Status.DONE, "Zoë")


def test_several_webinars_chosen_at_once(
    account: GoToAccount, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    form = person_fields(make_form("multi"))
    add_field(form, "goto_webinar_event", "Webinars", required=True, config={"multiple": True})
    FormAction.objects.create(
        form=form, action_type="goto_register_webinar", config={"event": "form"}
    )
    first, second = upcoming("webinar")[:2]
    keys = [first.key, second.key]
    emulator.Event.objects.filter(key__in=keys).update(approval_type="AUTOMATIC")
    response = sign_up(Client(), form, django_capture_on_commit_callbacks, webinars=keys)
    assert response.status_code == 200
    assert Participation.objects.filter(kind="registered").count() == 2
    assert Submission.objects.get().results.filter(status=Result.DONE).count() == 2


def test_a_fixed_training(
    account: GoToAccount, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    training = upcoming("training")[0]
    form = person_fields(make_form("training"))
    FormAction.objects.create(
        form=form,
        action_type="goto_register_training",
        config={
            "event_id": training.pk,
            "event_key": training.key,
            "event_subject": training.subject,
        },
    )
    sign_up(Client(), form, django_capture_on_commit_callbacks)
    row = Participation.objects.get()
    assert (row.event, row.kind) == (training, "registered")
    assert any("/G2T/rest/organizers/" in path for _, path, _ in transport.posts())
    [registrant] = [r for r in registrants(training) if r.email_lower == "zoe@example.com"]
    assert (registrant.first_name, registrant.last_name) == ("Zoë 🎉", "d'Arc & Co")


def test_the_task_retries_with_the_queues_wait_when_there_is_a_broker(
    webinar_form: Form,
    transport: EmulatorAdapter,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webinar = upcoming("webinar")[0]
    with django_capture_on_commit_callbacks(execute=False):
        submit(Client(), webinar_form, {**person(), "webinar": webinar.key})
    faults.add_fault(REGISTRANTS, method="POST", status=429, retry_after=90, times=None)
    asked: dict[str, Any] = {}

    class Retry(Exception):
        pass

    def retry(**options: Any) -> Exception:
        asked.update(options)
        return Retry()

    monkeypatch.setattr(process_registration, "retry", retry)
    with pytest.raises(Retry):
        process_registration.run(Request.objects.get().pk)  # not eager: as a worker runs it
    assert asked == {"countdown": 90.0, "max_retries": registrations.MAX_ATTEMPTS}


def test_the_periodic_run_sends_due_and_abandoned_requests(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar, other = upcoming("webinar")[:2]
    with django_capture_on_commit_callbacks(execute=False):
        submit(Client(), webinar_form, {**person(), "webinar": webinar.key})
        submit(Client(), webinar_form, {**person(email="ann@example.com"), "webinar": other.key})
    lost, abandoned = Request.objects.order_by("id")
    Request.objects.filter(pk=abandoned.pk).update(
        status=Status.PROCESSING, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert set(registrations.due()) == {lost, abandoned}
    with django_capture_on_commit_callbacks(execute=True):
        assert registrations.dispatch_due() == 2
    assert set(Request.objects.values_list("status", flat=True)) == {Status.DONE}


def test_a_request_being_processed_is_not_taken_twice(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    webinar = upcoming("webinar")[0]
    with django_capture_on_commit_callbacks(execute=False):
        submit(Client(), webinar_form, {**person(), "webinar": webinar.key})
    request = Request.objects.get()
    Request.objects.filter(pk=request.pk).update(
        status=Status.PROCESSING, claimed_until=timezone.now() + timedelta(minutes=5)
    )
    assert registrations.process(request.pk) is None
    assert not registrations.retry(request.pk)
    assert not transport.posts()


def test_problems_page_lists_without_a_query_per_row(
    webinar_form: Form,
    marketer_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    events = upcoming("webinar")
    for index in range(12):
        contact = Contact.objects.create(email=f"p{index}@example.com")
        Request.objects.create(
            event=events[index % len(events)],
            contact=contact,
            email=contact.email,
            first_name="P",
            last_name="Q",
            status=Status.FAILED,
            attempts=1,
            last_error="GoTo had an internal error (500).",
            submission_id=Submission.objects.create(
                form=webinar_form, data={}, dedupe_key=str(index)
            ).pk,
        )
    with django_assert_max_num_queries(8):
        response = marketer_client.get("/plugins/registrations/")
    assert response.status_code == 200
    assert response.content.decode().count("GoTo had an internal error (500).") == 12


def test_the_retry_all_button(
    webinar_form: Form,
    transport: EmulatorAdapter,
    marketer_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    webinar = upcoming("webinar")[0]
    faults.add_fault(REGISTRANTS, method="POST", status=400, times=2)
    sign_up(Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key)
    sign_up(
        Client(),
        webinar_form,
        django_capture_on_commit_callbacks,
        webinar=webinar.key,
        email="ann@example.com",
    )
    assert Request.objects.filter(status=Status.FAILED).count() == 2
    listing = marketer_client.get("/plugins/registrations/").content.decode()
    assert 'href="/plugins/registrations/retry-all/" id="retry-all"' in listing
    assert 'action="/plugins/registrations/retry-all/"' not in listing  # no one-click retry
    confirm = marketer_client.get("/plugins/registrations/retry-all/")
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "This sends 2 registrations to GoTo again now." in html
    assert "Yes, retry 2 registrations</button>" in html
    assert Request.objects.filter(status=Status.FAILED).count() == 2  # the GET changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer_client.post("/plugins/registrations/retry-all/", follow=True)
    assert "Trying 2 registration(s) again." in response.content.decode()
    assert set(Request.objects.values_list("status", flat=True)) == {Status.DONE}
    assert emulator.Registrant.objects.filter(email_lower="ann@example.com").exists()


def test_retry_all_with_nothing_to_retry_says_so(marketer_client: Client, db: None) -> None:
    html = marketer_client.get("/plugins/registrations/retry-all/").content.decode()
    assert "Nothing to retry" in html and "<button" not in html.split('id="retry-all-confirm"')[1]


def test_the_problems_page_names_the_form_and_the_time_in_the_users_zone(
    webinar_form: Form, marketer_client: Client, marketer: Any
) -> None:
    marketer.time_zone = "Asia/Kolkata"
    marketer.save()
    webinar = upcoming("webinar")[0]
    Event.objects.filter(pk=webinar.pk).update(
        registration_url="https://attendee.gotowebinar.com/register/1"
    )
    contact = Contact.objects.create(email="ann@example.com")
    submission = Submission.objects.create(form=webinar_form, data={}, dedupe_key="a")
    Request.objects.create(
        event=webinar,
        contact=contact,
        email=contact.email,
        first_name="Ann",
        last_name="Lee",
        status=Status.PENDING,
        attempts=1,
        last_error="GoTo had an internal error (500).",
        next_attempt_at=datetime(2030, 3, 4, 14, 9, tzinfo=UTC),
        submission_id=submission.pk,
    )
    html = marketer_client.get("/plugins/registrations/").content.decode()
    assert "next try from March 4, 2030, 7:39 p.m. IST" in html
    form_url = f"/forms/{webinar_form.pk}/"
    assert (
        f'<a href="{form_url}submissions/{submission.pk}/">Submission #{submission.pk}</a> of '
        f'<a href="{form_url}">Webinar sign-up</a>'
    ) in html
    assert 'href="https://attendee.gotowebinar.com/register/1" target="_blank"' in html
    # The cell wraps (a long form name was cut off by text-truncate).
    assert f'<td class="text-break"><a href="/contacts/{contact.pk}/">ann@example.com</a>' in html


def test_goto_gets_the_contacts_normalised_email_not_the_one_typed(
    webinar_form: Form, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    """Typed with invisible characters, full-width letters or a unicode domain, an address
    is stored on the contact normalised; GoTo gets that one, which it can take."""
    webinar = upcoming("webinar")[0]
    typed = "\u200bZoe.Lee\u200b@Bücher.Example"
    response = sign_up(
        Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key,
        email=typed,
    )  # fmt: skip
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert contact.email == "zoe.lee@xn--bcher-kva.example"
    [registrant] = [r for r in registrants(webinar) if "zoe.lee" in r.email_lower]
    assert registrant.email == contact.email
    assert Submission.objects.get().data["email"] == typed.strip("\u200b")  # as typed, trimmed


def test_a_worker_knows_the_queues_tasks() -> None:
    """Celery autodiscovers only <app>/tasks.py; a fresh worker process must know these too."""
    script = (
        "import django; django.setup(); from config.celery import app; "
        "app.loader.import_default_modules(); print(sorted(app.tasks))"
    )
    answer = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    for name in (
        "gotoplugins.process_registration",
        "gotoplugins.retry_registrations",
        "forms_builder.run_action",
        "forms_builder.process_pending_submissions",
        "forms_builder.process_stalled_submissions",
    ):
        assert f"'{name}'" in answer.stdout


def test_a_broker_that_is_down_never_fails_the_submission(
    webinar_form: Form,
    transport: EmulatorAdapter,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent: list[dict[str, Any]] = []

    def broker_down(args: Any = None, **options: Any) -> None:
        sent.append(options)
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(process_pending_submissions, "apply_async", broker_down)
    monkeypatch.setattr(process_registration, "apply_async", broker_down)
    webinar = upcoming("webinar")[0]
    response = sign_up(
        Client(), webinar_form, django_capture_on_commit_callbacks, webinar=webinar.key
    )
    assert response.status_code == 200
    assert sent and sent[0]["retry_policy"]["max_retries"] <= 2  # gives up quickly
    assert "Could not queue forms_builder.process_pending_submissions" in caplog.text
    submission = Submission.objects.get()
    assert submission.processed_at is None and submission.data["webinar"] == webinar.key
    assert not Contact.objects.exists()

    # The sweep finds it once it has waited long enough, the broker still down.
    assert process_stalled_submissions() == 0  # too recent: its task may still come
    Submission.objects.update(created_at=timezone.now() - timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert process_stalled_submissions() == 1
    assert "Could not queue gotoplugins.process_registration" in caplog.text
    request = Request.objects.get()
    assert request.status == Status.PENDING and request in registrations.due()
    assert Submission.objects.get().contact == Contact.objects.get(email="zoe@example.com")
    assert not transport.posts()
