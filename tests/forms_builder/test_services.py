"""Submitting through the service: nothing lost when a step fails; deferred actions; rollbacks."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from contacts.models import Contact
from forms_builder import actions, deferred, services, tasks
from forms_builder.actions import ActionType, Outcome, SubmissionContext
from forms_builder.models import ActionResult, Form, FormAction, Submission
from tests.forms_builder.helpers import add_field, answers, make_form, page_token, submit

pytestmark = pytest.mark.django_db

Status = ActionResult.Status


class Exploding(ActionType):
    key = "test_exploding"
    label = "Explodes"

    def run(self, action: FormAction, context: SubmissionContext) -> list[Outcome]:
        Contact.objects.create(email="written-then-undone@example.com")
        raise RuntimeError("boom")


class Recording(ActionType):
    key = "test_recording"
    label = "Records"

    def run(self, action: FormAction, context: SubmissionContext) -> list[Outcome]:
        return [Outcome("Recorded", Status.DONE, f"email {context.mapped('email')}")]


@pytest.fixture(autouse=True)
def _test_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two test-only action types, registered for this module's tests only."""
    monkeypatch.setattr(actions, "_TYPES", dict(actions._TYPES))
    actions.register_action_type(Exploding())
    actions.register_action_type(Recording())


def test_a_failing_action_is_recorded_and_the_rest_still_run(
    visitor: Client, contact_form: Form
) -> None:
    FormAction.objects.create(form=contact_form, action_type="test_exploding", position=0)
    FormAction.objects.create(form=contact_form, action_type="test_recording", position=1)
    response = submit(visitor, contact_form, answers())
    assert response.status_code == 200
    submission = Submission.objects.get()
    rows = list(submission.results.values_list("title", "status", "message"))
    assert rows[0][:2] == ("Explodes", Status.FAILED)
    assert "RuntimeError" in rows[0][2]
    assert rows[1] == ("Recorded", Status.DONE, "email zoe@example.com")  # the contact's
    # The failing action's own writes were rolled back; the contact and submission stay.
    assert list(Contact.objects.values_list("email", flat=True)) == ["zoe@example.com"]


def test_the_submission_is_kept_when_saving_the_contact_fails(
    visitor: Client, contact_form: Form, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "upsert_contact", broken)
    FormAction.objects.create(form=contact_form, action_type="test_recording")
    assert submit(visitor, contact_form, answers()).status_code == 200
    submission = Submission.objects.get()
    assert submission.contact is None
    titles = list(submission.results.values_list("title", "status"))
    assert titles == [("Save to contact", Status.FAILED), ("Recorded", Status.DONE)]


def test_an_action_of_a_removed_type_is_recorded_not_fatal(
    visitor: Client, contact_form: Form
) -> None:
    FormAction.objects.create(form=contact_form, action_type="gone_plugin_action")
    assert submit(visitor, contact_form, answers()).status_code == 200
    result = Submission.objects.get().results.get()
    assert (result.status, result.title) == (Status.FAILED, "gone_plugin_action")


def test_notify_users_mails_after_the_response(
    visitor: Client,
    contact_form: Form,
    admin: User,
    marketer: User,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.SITE_URL = "https://convene.example.com"
    FormAction.objects.create(
        form=contact_form, action_type="notify_users", config={"user_ids": [admin.pk, marketer.pk]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(visitor, contact_form, answers())
    assert response.status_code == 200
    [message] = mail.outbox
    assert sorted(message.to) == ["alice@example.com", "bob@example.com"]
    assert message.subject == "New submission: Contact us"
    assert "Last name: O'Brien" in message.body and "Topics: SEO; Ads & more" in message.body
    submission = Submission.objects.get()
    assert f"https://convene.example.com/forms/{contact_form.pk}/submissions/{submission.pk}/" in (
        message.body
    )
    result = submission.results.get()
    assert (result.status, result.message) == (
        Status.DONE,
        "Sent to alice@example.com, bob@example.com.",
    )


def test_a_mail_server_failure_is_recorded_inline_without_a_retry_loop(
    visitor: Client,
    contact_form: Form,
    admin: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(actions, "send_mail", refuse)
    FormAction.objects.create(
        form=contact_form, action_type="notify_users", config={"user_ids": [admin.pk]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert submit(visitor, contact_form, answers()).status_code == 200
    result = Submission.objects.get().results.get()
    assert result.status == Status.FAILED
    assert (
        "did not take the message" in result.message and "Not retried any more." in result.message
    )


def test_deferred_actions_run_only_after_the_response_is_sent(
    visitor: Client, contact_form: Form, admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    FormAction.objects.create(
        form=contact_form, action_type="notify_users", config={"user_ids": [admin.pk]}
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(visitor, contact_form, answers())
    assert callbacks and not mail.outbox  # queued at commit, not sent in the request
    assert Submission.objects.get().results.get().status == Status.PENDING


def test_a_builder_change_that_breaks_an_action_is_rolled_back(db: None) -> None:
    form = make_form()
    add_field(form, "email", "Email", contact_field="email")
    company = add_field(form, "text", "Company", contact_field="company")
    other = add_field(form, "text", "Firm")
    other.contact_field = "company"
    with pytest.raises(services.DefinitionRefused) as refused:
        services.save_field(form, other)
    assert "both fill the contact" in refused.value.problems[0]
    assert form.fields.get(pk=other.pk).contact_field == ""
    services.delete_field(form, company)  # removing a problem-free field is fine
    assert not form.fields.filter(pk=company.pk).exists()


def test_a_problem_that_was_there_before_does_not_block_other_changes(db: None) -> None:
    form = make_form()
    add_field(form, "text", "A", contact_field="company")
    add_field(form, "text", "B", contact_field="company")  # written around the builder
    late = add_field(form, "text", "C")
    late.label = "C, renamed"
    services.save_field(form, late)
    assert form.fields.get(pk=late.pk).label == "C, renamed"
    with pytest.raises(services.DefinitionRefused):
        services.set_published(form, True)


def test_add_to_segment_puts_the_contact_in_for_good(
    visitor: Client, contact_form: Form, marketer_client: Client
) -> None:
    from segments.models import Segment, SegmentMembership

    vip = Segment.objects.create(name="VIP & friends")
    url = f"/forms/{contact_form.pk}/actions/add/add_to_segment/"
    assert marketer_client.post(url, {"segments": [vip.pk]}).status_code == 302
    assert "VIP &amp; friends" in marketer_client.get(f"/forms/{contact_form.pk}/").content.decode()
    submit(visitor, contact_form, answers())
    submit(visitor, contact_form, answers(company="Stark"))
    member = SegmentMembership.objects.get(segment=vip)
    assert (member.contact.email, member.source) == ("zoe@example.com", "manual")
    first, second = (s.results.get() for s in Submission.objects.order_by("id"))
    assert (first.title, first.message) == ("Add to segment: VIP & friends", "Added.")
    assert second.message == "Already a member; now kept by hand."


def test_add_to_segment_needs_an_email_field_and_existing_segments(
    marketer_client: Client, db: None
) -> None:
    from segments.models import Segment

    form = make_form()
    add_field(form, "text", "Name")
    gone = Segment.objects.create(name="Gone")
    url = f"/forms/{form.pk}/actions/add/add_to_segment/"
    response = marketer_client.post(url, {"segments": [gone.pk]})
    assert "needs an Email field saved to the contact" in response.content.decode()
    add_field(form, "email", "Email", contact_field="email")
    assert marketer_client.post(url, {"segments": [gone.pk]}).status_code == 302
    gone.delete()
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "a chosen segment was deleted" in page


# --- Stored first, processed after the response -----------------------------------------------


def test_the_request_stores_the_answers_and_sends_a_drain(
    visitor: Client,
    contact_form: Form,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """With a broker the visitor waits for the submission row and a drain sent, nothing else."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(
        tasks.process_pending_submissions,
        "apply_async",
        lambda args, **options: sent.append((args, options)),
    )
    FormAction.objects.create(form=contact_form, action_type="test_recording")
    token = page_token(visitor, contact_form)
    # The form, its fields, the submission inside a savepoint (the test's transaction).
    with django_assert_max_num_queries(5), django_capture_on_commit_callbacks(execute=True):
        response = submit(visitor, contact_form, answers(), token=token)
    assert response.status_code == 200
    submission = Submission.objects.get()
    assert [(args, options["countdown"]) for args, options in sent] == [((), 1.0)]
    assert submission.processed_at is None and submission.contact is None
    assert not Contact.objects.exists() and not ActionResult.objects.exists()

    assert tasks.process_pending_submissions() == 1
    submission.refresh_from_db()
    assert submission.processed_at is not None
    assert submission.contact == Contact.objects.get(email="zoe@example.com")
    assert list(submission.results.values_list("title", "status")) == [("Recorded", Status.DONE)]
    assert tasks.process_pending_submissions() == 0


def test_a_burst_of_submissions_sends_one_drain_that_comes_after_the_last(
    visitor: Client,
    contact_form: Form,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Trailing: the drain sent for the first submission runs after the others were stored;
    once its moment has passed, the next submission sends another."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent: list[float] = []
    monkeypatch.setattr(
        tasks.process_pending_submissions,
        "apply_async",
        lambda args, **options: sent.append(options["countdown"]),
    )
    clock = [1000.0]
    monkeypatch.setattr(deferred.time, "monotonic", lambda: clock[0])
    for number in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            submit(visitor, contact_form, answers(email=f"{number}@example.com"))
        clock[0] += 0.3  # all three within the first drain's second
    assert sent == [1.0]
    clock[0] = 1001.01
    with django_capture_on_commit_callbacks(execute=True):
        submit(visitor, contact_form, answers(email="late@example.com"))
    assert sent == [1.0, 1.0]

    assert tasks.process_pending_submissions() == 4
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "0@example.com",
        "1@example.com",
        "2@example.com",
        "late@example.com",
    ]


def test_a_long_backlog_is_drained_in_tasks_of_its_own(
    contact_form: Form, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(services, "DRAIN_LIMIT", 2)
    for number in range(5):
        Submission.objects.create(
            form=contact_form, data=answers(email=f"{number}@example.com"), dedupe_key=str(number)
        )
    # Inline (no broker) the follow-up drains run at commit, one after the other.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.process_pending_submissions() == 2
    assert len(callbacks) == 2  # two follow-ups: 2 more, then the last 1, which sends none
    assert Submission.objects.filter(processed_at__isnull=True).count() == 0
    assert Contact.objects.count() == 5


def test_a_submission_is_processed_once_however_often_its_task_comes(
    visitor: Client, contact_form: Form
) -> None:
    FormAction.objects.create(form=contact_form, action_type="test_recording")
    assert submit(visitor, contact_form, answers()).status_code == 200  # processed inline
    submission = Submission.objects.get()
    assert submission.processed_at is not None
    assert services.process_submission(submission.pk) is False
    assert services.process_stalled() == 0
    assert submission.results.count() == 1
    kinds = list(Contact.objects.get().activities.values_list("kind", flat=True))
    assert sorted(kinds) == ["contact_created", "form_submitted"]


def test_processing_that_crashes_is_left_for_the_sweep(
    visitor: Client, contact_form: Form, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_gone(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "_run_actions", database_gone)
    assert submit(visitor, contact_form, answers()).status_code == 200  # the visitor is served
    submission = Submission.objects.get()
    assert submission.processed_at is None and not Contact.objects.exists()  # rolled back whole

    monkeypatch.undo()
    assert services.process_stalled() == 0  # too recent: its task may still be on its way
    Submission.objects.update(created_at=timezone.now() - services.STALLED_AFTER - timedelta(1))
    assert services.process_stalled() == 1
    submission.refresh_from_db()
    assert submission.processed_at is not None and submission.contact is not None
    assert services.process_stalled() == 0


def test_the_sweep_goes_on_past_a_submission_that_fails_again(
    contact_form: Form, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    old = timezone.now() - timedelta(hours=1)
    first, second = (
        Submission.objects.create(form=contact_form, data=answers(email=f"{n}@example.com"),
                                  dedupe_key=str(n))
        for n in (1, 2)
    )  # fmt: skip
    Submission.objects.update(created_at=old)
    real = services._save_contact

    def fail_first(form: Form, typed: Any, submission: Submission) -> Contact | None:
        if submission.pk == first.pk:
            raise OperationalError("disk I/O error")
        return real(form, typed, submission)

    monkeypatch.setattr(services, "_save_contact", fail_first)
    assert services.process_stalled() == 1
    assert Submission.objects.get(pk=first.pk).processed_at is None
    assert Submission.objects.get(pk=second.pk).contact.email == "2@example.com"  # type: ignore[union-attr]
    assert f"Processing submission {first.pk} failed" in caplog.text


def test_a_new_contacts_timeline_reads_created_then_submitted(
    visitor: Client, contact_form: Form
) -> None:
    assert submit(visitor, contact_form, answers()).status_code == 200
    submission = Submission.objects.get()
    contact = Contact.objects.get()
    timeline = list(contact.activities.values_list("kind", "occurred_at"))  # newest first
    assert timeline == [
        ("form_submitted", submission.created_at),
        ("contact_created", submission.created_at),
    ]


def test_only_failed_deferred_actions_can_be_retried(visitor: Client, contact_form: Form) -> None:
    FormAction.objects.create(form=contact_form, action_type="test_exploding", position=0)
    notify = FormAction.objects.create(form=contact_form, action_type="notify_users", position=1)
    assert submit(visitor, contact_form, answers()).status_code == 200
    submission = Submission.objects.get()
    exploded = submission.results.get(action__action_type="test_exploding")
    assert exploded.status == Status.FAILED
    assert services.can_retry_action(exploded) is False  # runs with the submission, not queued
    saved = ActionResult(submission=submission, action=None, status=Status.FAILED)
    assert services.can_retry_action(saved) is False
    queued = ActionResult(submission=submission, action=notify, status=Status.PENDING)
    assert services.can_retry_action(queued) is False
    queued.status = Status.FAILED
    assert services.can_retry_action(queued) is True


@pytest.mark.django_db(transaction=True)
def test_drains_at_once_on_postgresql_skip_each_others_rows(contact_form: Form) -> None:
    """A drain holding a submission (its transaction still open) is passed by another drain,
    which processes the next one instead of waiting; the held one stays for its holder."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    for number in (1, 2):
        Submission.objects.create(
            form=contact_form, data=answers(email=f"{number}@example.com"), dedupe_key=str(number)
        )
    held, release = threading.Event(), threading.Event()
    claimed: list[int] = []

    def slow_drain() -> None:
        try:
            with transaction.atomic():
                submission = services._claim_next(None, set())
                assert submission is not None
                claimed.append(submission.pk)
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    other = threading.Thread(target=slow_drain)
    other.start()
    try:
        assert held.wait(10)
        with connection.cursor() as cursor:  # waiting on the held row would fail, not hang
            cursor.execute("SET lock_timeout = '1s'")
        assert services.process_pending() == 1
        [first] = claimed
        processed = Submission.objects.filter(processed_at__isnull=False)
        assert list(processed.values_list("dedupe_key", flat=True)) == ["2"]
        assert Contact.objects.get().email == "2@example.com"
        assert Submission.objects.get(pk=first).dedupe_key == "1"
    finally:
        release.set()
        other.join(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert Submission.objects.get(dedupe_key="1").processed_at is not None  # its holder committed
