"""Every write to forms and submissions goes through here (builder views, public views, tasks).

Builder changes are checked as a whole: a change that would leave the form with a new problem
(an action whose needs the fields no longer meet, say) is rolled back with the reasons.

A submission is stored on its own, in the request; everything else happens after the
response (no broker: process_submission) or in a worker that drains the unprocessed ones
(process_pending): the contact and its timeline entry are saved and the actions run, in one
transaction that also marks the submission processed, with savepoints so a failing step is
recorded on the submission. Slow work (mail, GoTo) is queued from there in turn. What a lost
task leaves is caught by process_stalled(), which beat runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from contacts.models import CONTACT_FIELDS, Contact
from contacts.services import record_activity, upsert_contact
from contacts.timeline import field_label
from forms_builder import deferred
from forms_builder.actions import (
    Outcome,
    RetryLater,
    SubmissionContext,
    get_action_type,
)
from forms_builder.fields import CUSTOM_PREFIX, EMAIL_MAPPING, FieldType, get_field_type
from forms_builder.models import ActionResult, Field, Form, FormAction, Submission
from forms_builder.protection import RESERVED_NAMES, PageToken, dedupe_key
from forms_builder.public_form import PublicForm, contact_values, usable_fields
from forms_builder.timeline import FORM_SUBMITTED, SOURCE_TYPE

logger = logging.getLogger(__name__)

Status = ActionResult.Status
MAX_FIELDS = 100
MAX_ACTIONS = 20
# With a broker, a worker drains new submissions this soon after the first of a burst.
DRAIN_DELAY = timedelta(seconds=1)
# One drain does at most this many; a longer backlog is sent again at once (tasks.py).
DRAIN_LIMIT = 500
# A submission still unprocessed this long after it arrived has lost its drain: the sweep runs it.
STALLED_AFTER = timedelta(minutes=2)


# --- The builder ------------------------------------------------------------------------------


class DefinitionRefused(Exception):
    """The change was not saved; `problems` says why, in words for the marketer."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def definition_problems(form: Form) -> list[str]:
    """Everything that keeps this form from working as its actions promise."""
    fields = list(form.fields.all())
    problems = _field_problems(fields)
    for action in form.actions.all():
        action_type = get_action_type(action.action_type)
        if action_type is None:
            problems.append(f"An action of an unavailable type ({action.action_type}) is listed.")
            continue
        problems.extend(action_type.problems(form, fields, action.config))
    return problems


def _field_problems(fields: Sequence[Field]) -> list[str]:
    problems = []
    seen: dict[str, Field] = {}
    for field in fields:
        field_type = get_field_type(field.field_type)
        if field_type is None:
            problems.append(f"“{field.label}” has an unavailable type ({field.field_type}).")
            continue
        problems.extend(field_type.problems(field))
        name = field.contact_field
        if not name:
            continue
        if name == EMAIL_MAPPING and not field_type.maps_email:
            problems.append(f"“{field.label}” cannot fill the contact's email: use an Email field.")
        if name in seen:
            problems.append(
                f"“{seen[name].label}” and “{field.label}” both fill the contact's "
                f"{contact_field_label(name)}: map only one."
            )
        seen[name] = field
    return problems


def fills_email(form: Form) -> bool:
    """Whether a field fills the contact's email: without one, no submission makes a contact."""
    return form.fields.filter(contact_field=EMAIL_MAPPING).exists()


def contact_field_choices() -> list[tuple[str, str]]:
    standard = [(name, field_label(name)) for name in CONTACT_FIELDS]
    return [("", "— not saved to the contact —"), (EMAIL_MAPPING, "Email"), *standard]


def contact_field_label(name: str) -> str:
    if name.startswith(CUSTOM_PREFIX):
        return f"custom field “{name.removeprefix(CUSTOM_PREFIX)}”"
    return dict(contact_field_choices()).get(name, name).lower()


@contextmanager
def changing(form: Form) -> Iterator[None]:
    """Apply a builder change atomically; roll it back if it adds a problem to the form.

    Moving updated_at is what tells every process that its copy of the fields is out of date
    (public_form.public_fields): change fields only inside this (or _reorder, which moves it).
    """
    with transaction.atomic():
        before = set(definition_problems(form))
        yield
        new = [problem for problem in definition_problems(form) if problem not in before]
        if new:
            raise DefinitionRefused(new)
        _touch(form)


def _touch(form: Form) -> None:
    Form.objects.filter(pk=form.pk).update(updated_at=timezone.now())


def new_field_key(form: Form, label: str) -> str:
    base = slugify(label).replace("-", "_")[:50].strip("_") or "field"
    if base[0].isdigit():
        base = f"f_{base}"
    taken = set(form.fields.values_list("key", flat=True)) | RESERVED_NAMES
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def save_field(form: Form, field: Field) -> Field:
    """Add (no pk: at the end, with a key made from the label) or change a field."""
    adding = field.pk is None
    try:
        with changing(form):
            if adding:
                if form.fields.count() >= MAX_FIELDS:
                    raise DefinitionRefused([f"A form has at most {MAX_FIELDS} fields."])
                field.form = form
                field.key = field.key or new_field_key(form, field.label)
                field.position = _next_position(form.fields.all())
            field.save()
    except IntegrityError:  # another field took the same key meanwhile
        field.pk = None if adding else field.pk
        raise DefinitionRefused(["Another field was added meanwhile: try again."]) from None
    except DefinitionRefused:
        if adding:
            field.pk = None  # rolled back: still a new field
        raise
    return field


def delete_field(form: Form, field: Field) -> None:
    with changing(form):
        field.delete()


def save_action(form: Form, action: FormAction) -> FormAction:
    adding = action.pk is None
    try:
        with changing(form):
            if adding:
                if form.actions.count() >= MAX_ACTIONS:
                    raise DefinitionRefused([f"A form has at most {MAX_ACTIONS} actions."])
                action.form = form
                action.position = _next_position(form.actions.all())
            action.save()
    except DefinitionRefused:
        if adding:
            action.pk = None
        raise
    return action


def delete_action(form: Form, action: FormAction) -> None:
    with changing(form):
        action.delete()


def reorder_fields(form: Form, ids: Sequence[int]) -> None:
    _reorder(form, Field.objects.filter(form=form), ids)


def reorder_actions(form: Form, ids: Sequence[int]) -> None:
    _reorder(form, FormAction.objects.filter(form=form), ids)


def _reorder(form: Form, queryset: QuerySet[Any], ids: Sequence[int]) -> None:
    """Put the rows in this order; ids must be exactly the form's own rows."""
    rows = {row.pk: row for row in queryset}
    if sorted(ids) != sorted(rows) or len(set(ids)) != len(ids):
        raise DefinitionRefused(["The list changed meanwhile: reload the page and try again."])
    for position, pk in enumerate(ids):
        rows[pk].position = position
    with transaction.atomic():
        queryset.model.objects.bulk_update(list(rows.values()), ["position"])
        _touch(form)  # an order changes no problem, but is a change (see changing())


def set_published(form: Form, published: bool) -> None:
    if published:
        problems = definition_problems(form)
        if not form.fields.exists():
            problems.insert(0, "Add at least one field before publishing.")
        if problems:
            raise DefinitionRefused(problems)
    form.is_published = published
    form.save(update_fields=["is_published", "updated_at"])


def delete_form(form: Form) -> None:
    if form.submissions.exists():
        raise DefinitionRefused(
            ["This form has submissions: unpublish it instead, so its results are kept."]
        )
    form.delete()


def _next_position(rows: Any) -> int:
    last = rows.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


# --- Submissions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """Where a submission came from."""

    ip_address: str | None
    user_agent: str
    referrer: str
    embedded: bool


@dataclass(frozen=True)
class SubmitResult:
    submission: Submission
    duplicate: bool  # the same page and answers were posted before: nothing new was done


def submit(form: Form, public_form: PublicForm, token: PageToken, visit: Visit) -> SubmitResult:
    """Store a valid submission and have it processed soon (the contact, the actions).

    The visitor waits for this one row only: process_submission() runs after the response
    (no broker), or a worker drains what is unprocessed (process_pending, sent at most once
    a DRAIN_DELAY per process); beat's sweep catches what a lost task left.
    """
    values = public_form.stored_values()
    key = dedupe_key(token.nonce, values)
    try:
        # In a request (autocommit) the INSERT is a transaction of its own; a savepoint is
        # needed only inside a caller's transaction, which a duplicate would otherwise break.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            submission = Submission.objects.create(
                form=form,
                data=values,
                display=public_form.display_values(values),
                ip_address=visit.ip_address,
                user_agent=visit.user_agent[:500],
                referrer=visit.referrer[:2000],
                embedded=visit.embedded,
                dedupe_key=key,
            )
    except IntegrityError:
        return SubmitResult(Submission.objects.get(form=form, dedupe_key=key), duplicate=True)
    from forms_builder.tasks import process_pending_submissions

    deferred.drain_soon(
        process_pending_submissions,
        partial(process_submission, submission.pk),
        delay=DRAIN_DELAY.total_seconds(),
    )
    return SubmitResult(submission, duplicate=False)


def process_submission(submission_id: int) -> bool:
    """Save the contact and run the actions of a stored submission, exactly once.

    Returns False when it was processed already (by a drain or the sweep). Claiming and the
    work share one transaction: a crash leaves it for the sweep.
    """
    with transaction.atomic():
        unprocessed = Submission.objects.filter(pk=submission_id, processed_at__isnull=True)
        if not unprocessed.update(processed_at=timezone.now()):
            return False
        _process(Submission.objects.select_related("form").get(pk=submission_id))
    return True


def process_pending(older_than: timedelta | None = None, limit: int = DRAIN_LIMIT) -> int:
    """Process unprocessed submissions, oldest first (those older_than only, for the sweep).

    Each is claimed and processed in a transaction of its own, so a crash loses no claim. On
    PostgreSQL workers draining at once skip each other's rows (SKIP LOCKED) instead of
    queueing behind them; SQLite has one writer at a time anyway. One that fails is logged,
    left unprocessed and passed over for the rest of this run.
    """
    cutoff = timezone.now() - older_than if older_than is not None else None
    failed: set[int] = set()
    processed = 0
    while processed + len(failed) < limit:
        submission = None
        try:
            with transaction.atomic():
                submission = _claim_next(cutoff, failed)
                if submission is None:
                    break
                _process(submission)
        except Exception:
            if submission is None:  # claiming failed: the database itself is in trouble
                raise
            logger.exception(
                "Processing submission %s failed; the next sweep tries again", submission.pk
            )
            failed.add(submission.pk)
        else:
            processed += 1
    return processed


def process_stalled() -> int:
    """Beat's sweep: submissions whose drain never came (broker down, worker killed)."""
    return process_pending(older_than=STALLED_AFTER)


def _claim_next(cutoff: datetime | None, passed_over: set[int]) -> Submission | None:
    pending = Submission.objects.filter(processed_at__isnull=True).exclude(pk__in=passed_over)
    if cutoff is not None:
        pending = pending.filter(created_at__lt=cutoff)
    submission = (
        pending.select_for_update(skip_locked=True, of=("self",))
        .select_related("form")
        .order_by("created_at", "id")
        .first()
    )
    if submission is not None:
        submission.processed_at = timezone.now()
        submission.save(update_fields=["processed_at"])
    return submission


def _process(submission: Submission) -> None:
    form = submission.form
    fields = list(form.fields.all())
    contact = _save_contact(form, usable_fields(fields), submission)
    _run_actions(form, SubmissionContext(form, fields, submission, contact, dict(submission.data)))


def _save_contact(
    form: Form, typed_fields: Sequence[tuple[Field, FieldType]], submission: Submission
) -> Contact | None:
    email, fields = contact_values(typed_fields, submission.data)
    if not email:
        return None
    try:
        with transaction.atomic():
            contact = upsert_contact(
                email,
                overwrite=form.overwrite_contact,
                source="form",
                # Dated like the submission, so "Submitted form" comes right after on the timeline.
                occurred_at=submission.created_at,
                **fields,
            ).contact
            submission.contact = contact
            submission.save(update_fields=["contact"])
            record_activity(
                contact,
                FORM_SUBMITTED,
                f"Submitted form “{form.name}”",
                occurred_at=submission.created_at,
                details={"form": form.name, "form_id": form.pk, "submission_id": submission.pk},
                source_type=SOURCE_TYPE,
                source_id=str(submission.pk),
            )
    except Exception as error:
        logger.exception("Form %s submission %s: saving the contact failed", form.pk, submission.pk)
        _store([Outcome("Save to contact", Status.FAILED, describe(error))], submission, None)
        return None
    return contact


def _run_actions(form: Form, context: SubmissionContext) -> None:
    for action in form.actions.all():
        action_type = get_action_type(action.action_type)
        if action_type is None:
            message = "This action's type is not available (its app is not installed)."
            _store(
                [Outcome(action.action_type, Status.FAILED, message)], context.submission, action
            )
        elif action_type.deferred:
            [result] = _store(
                [Outcome(action_type.label, Status.PENDING, "Queued.")], context.submission, action
            )
            from forms_builder.tasks import run_action

            deferred.enqueue(run_action, result.pk)
        else:
            _store(_run_now(action, context), context.submission, action)


def _run_now(action: FormAction, context: SubmissionContext) -> list[Outcome]:
    action_type = get_action_type(action.action_type)
    assert action_type is not None
    try:
        with transaction.atomic():
            return action_type.run(action, context)
    except Exception as error:
        logger.exception("Form action %s failed on submission %s", action.pk, context.submission.pk)
        return [Outcome(action_type.label, Status.FAILED, describe(error))]


def _store(
    outcomes: Sequence[Outcome], submission: Submission, action: FormAction | None
) -> list[ActionResult]:
    rows = [
        ActionResult(
            submission=submission,
            action=action,
            action_type=action.action_type if action else "save_contact",
            title=outcome.title[:500],
            status=outcome.status,
            message=outcome.message,
            link=outcome.link[:1000],
            link_label=outcome.link_label[:100],
            ref=outcome.ref[:100],
        )
        for outcome in outcomes
    ]
    return ActionResult.objects.bulk_create(rows)  # sets the ids on SQLite and PostgreSQL


def describe(error: BaseException) -> str:
    """A message safe to show a marketer (typed errors carry one; others get their class)."""
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    if hasattr(error, "messages"):
        return " ".join(str(m) for m in error.messages)
    return f"Unexpected error ({type(error).__name__}); see the server log."


def submission_context(submission: Submission) -> SubmissionContext:
    form = submission.form
    fields = list(form.fields.all())
    return SubmissionContext(form, fields, submission, submission.contact, dict(submission.data))


def run_deferred_action(result_id: int) -> float | None:
    """Run a queued action; returns seconds to wait before retrying, or None when finished."""
    result = (
        ActionResult.objects.select_related("submission__form", "submission__contact", "action")
        .filter(pk=result_id, status=Status.PENDING)
        .first()
    )
    if result is None or result.action is None:
        return None
    action_type = get_action_type(result.action.action_type)
    if action_type is None:
        _finish(result, [Outcome(result.title, Status.FAILED, "This action's type is gone.")])
        return None
    try:
        outcomes = action_type.run(result.action, submission_context(result.submission))
    except RetryLater as error:
        result.message = f"{error.message} Trying again."
        result.save(update_fields=["message", "updated_at"])
        return error.countdown
    except Exception as error:
        logger.exception("Deferred form action %s failed", result.pk)
        outcomes = [Outcome(action_type.label, Status.FAILED, describe(error))]
    _finish(result, outcomes)
    return None


def can_retry_action(result: ActionResult) -> bool:
    """A failed deferred action (a mail that did not go) can be queued again.

    Registrations are retried from Registration problems, where their queue rows are.
    """
    action_type = get_action_type(result.action.action_type) if result.action else None
    return result.status == Status.FAILED and action_type is not None and action_type.deferred


def retry_failed_action(result: ActionResult) -> bool:
    """Queue a failed deferred action again; False if it cannot be (see can_retry_action)."""
    if not can_retry_action(result):
        return False
    updated = ActionResult.objects.filter(pk=result.pk, status=Status.FAILED).update(
        status=Status.PENDING, message="Queued again.", updated_at=timezone.now()
    )
    if not updated:  # someone else retried it meanwhile
        return False
    from forms_builder.tasks import run_action

    deferred.enqueue(run_action, result.pk)
    return True


def give_up_deferred_action(result_id: int) -> None:
    result = ActionResult.objects.filter(pk=result_id, status=Status.PENDING).first()
    if result is None:
        return
    result.status = Status.FAILED
    result.message = f"{result.message.removesuffix(' Trying again.')} Not retried any more."
    result.save(update_fields=["status", "message", "updated_at"])


def _finish(result: ActionResult, outcomes: Sequence[Outcome]) -> None:
    first, *rest = outcomes or [Outcome(result.title, Status.DONE)]
    result.title, result.status, result.message = first.title[:500], first.status, first.message
    result.link, result.link_label, result.ref = first.link[:1000], first.link_label, first.ref
    with transaction.atomic():
        result.save()
        if rest:
            _store(rest, result.submission, result.action)


def update_results(ref: str, outcome: Outcome) -> int:
    """Update every result an action's queue row stands for (by the ref it returned)."""
    if not ref:
        return 0
    return ActionResult.objects.filter(ref=ref).update(
        title=outcome.title[:500],
        status=outcome.status,
        message=outcome.message,
        link=outcome.link[:1000],
        link_label=outcome.link_label[:100],
        updated_at=timezone.now(),
    )
