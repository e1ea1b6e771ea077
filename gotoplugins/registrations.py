"""The registration queue: form registrations to GoToWebinar and GoToTraining.

`request_registration()` runs inside the form submission's transaction and only writes a
RegistrationRequest row (or finds the registration already made); the task calls `process()`
after the commit, so GoTo is never called while the visitor waits (forms_builder.deferred).

Never twice for the same contact and event: a registration already stored is reused, an open
request is shared (a database constraint allows one per contact and event), and GoTo's own
"already registered" answer gives back the existing registration. The Participation row is
written with get_or_create on its unique key, and only the writer that created it adds the
timeline entry, in the sync's format (gotoplugins/sync/writer.py), so the sync and this
queue never write the same entry twice.

A failure worth retrying (429, 5xx, timeouts) leaves the request pending with a backoff
(honouring Retry-After); anything else, or too many attempts, marks it failed. Both show on
the submission and on the "Registration problems" page, whose Retry button starts it over.
The submission and the contact are never touched by a failure here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from contacts.services import record_activity
from forms_builder.actions import Outcome
from forms_builder.deferred import enqueue
from forms_builder.models import ActionResult
from forms_builder.services import update_results
from gotoplugins import errors, training, webinar
from gotoplugins.extensions import GOTO_REGISTERED
from gotoplugins.http import GoToApi, goto_api
from gotoplugins.models import (
    Event,
    GoToAccount,
    Participation,
    ProductConnection,
    RegistrationRequest,
)
from gotoplugins.oauth import AccountTokens, OAuthFailure
from gotoplugins.registration_outcomes import (
    WAITING,
    action_title,
    outcome_registered,
    reused_ref,
)
from gotoplugins.sync.writer import SOURCE_TYPE, title

logger = logging.getLogger(__name__)

Status = RegistrationRequest.Status
Result = ActionResult.Status
REGISTRABLE = ("webinar", "training")
MAX_ATTEMPTS = 8
FIRST_DELAY = 60.0  # seconds; doubled each attempt
MAX_DELAY = 3600.0
CLAIM = timedelta(minutes=5)  # longer than the HTTP seam's worst case (4 tries of 35 s)
STUCK_AFTER = timedelta(minutes=15)
RECONNECT = "The GoTo account needs to be reconnected (Plugins page)."
OPEN = (Status.PENDING, Status.PROCESSING, Status.FAILED)


@dataclass(frozen=True)
class Person:
    """Who to register, from the submitted fields (not re-read from the contact)."""

    email: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class Registered:
    registrant_key: str
    join_url: str
    already: bool
    # GoTo's registrant status: APPROVED, WAITING (the organizer approves registrations by
    # hand: no join link until then) or DENIED; "" when GoTo does not say (GoToTraining).
    status: str = ""


def api_for(account: GoToAccount) -> GoToApi:
    return goto_api(AccountTokens(account))


# --- Queueing (inside the submission's transaction) -------------------------------------------


def request_registration(
    event: Event,
    contact: Contact,
    person: Person,
    *,
    submission_id: int | None,
    source: str = Participation.Source.FORM,
) -> Outcome:
    """Queue a registration unless it exists; the Outcome says which, for the submission."""
    for _ in range(2):  # a second look when the open request finished between two queries
        existing = active_registration(event, contact)
        if existing is not None:
            reused = outcome_registered(
                event, existing.join_url, already=True, status=existing.registration_status
            )
            return replace(reused, ref=reused_ref(existing))
        request = _open_request(event, contact, person, submission_id, source)
        if request is not None:
            return outcome_for(request)
    message = "The registration could not be queued; the submission is kept. Try again."
    return Outcome(action_title(event), Result.FAILED, message)


def active_registration(event: Event, contact: Contact) -> Participation | None:
    rows = {
        row.kind: row
        for row in Participation.objects.filter(
            event=event,
            contact=contact,
            kind__in=[Participation.Kind.REGISTERED, Participation.Kind.CANCELLED],
        )
    }
    if Participation.Kind.CANCELLED in rows:
        return None
    return rows.get(Participation.Kind.REGISTERED)


def _open_request(
    event: Event, contact: Contact, person: Person, submission_id: int | None, source: str
) -> RegistrationRequest | None:
    """A new request, or the open one shared; None if that one closed meanwhile."""
    values = {
        "email": person.email[:254],
        "first_name": person.first_name[:150],
        "last_name": person.last_name[:150],
    }
    try:
        with transaction.atomic():
            request = RegistrationRequest.objects.create(
                event=event, contact=contact, source=source, submission_id=submission_id, **values
            )
    except IntegrityError:  # one is open already (an earlier submission): share it
        shared = RegistrationRequest.objects.filter(
            event=event, contact=contact, status__in=OPEN
        ).first()
    else:
        _enqueue(request)
        return request
    if shared is None:
        return None
    request = shared
    if request.status == Status.FAILED:
        # A new submission is a good reason to try again, with the answers just given.
        RegistrationRequest.objects.filter(pk=request.pk).update(
            status=Status.PENDING,
            next_attempt_at=timezone.now(),
            updated_at=timezone.now(),
            **values,
        )
        request.refresh_from_db()
        _enqueue(request)
    return request


def _enqueue(request: RegistrationRequest) -> None:
    from gotoplugins.tasks_registrations import process_registration

    enqueue(process_registration, request.pk)


# --- Processing (a task, after the commit) ----------------------------------------------------


def process(request_id: int) -> float | None:
    """Make one registration at GoTo; returns seconds to wait before retrying, or None."""
    if not _claim(request_id):
        return None
    request = RegistrationRequest.objects.select_related("event__account", "contact").get(
        pk=request_id
    )
    reason = _cannot_register(request)
    if reason:
        _fail(request, reason)
        return None
    existing = active_registration(request.event, request.contact)
    if existing is not None:
        _done(request, existing, already=True, status=existing.registration_status)
        return None
    try:
        registered = _register(request)
    except errors.GoToError as error:
        return _failed_call(request, error)
    except Exception:
        logger.exception("Registration request %s failed unexpectedly", request.pk)
        _fail(request, "Unexpected error while registering; see the server log.")
        return None
    participation = _store(request, registered)
    _done(request, participation, already=registered.already, status=registered.status)
    return None


def _claim(request_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(status=Status.PROCESSING, claimed_until__lt=now)
    return bool(
        RegistrationRequest.objects.filter(claimable, pk=request_id).update(
            status=Status.PROCESSING,
            claimed_until=now + CLAIM,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )


def _cannot_register(request: RegistrationRequest) -> str:
    event = request.event
    label = event.info.label
    if event.status == Event.Status.CANCELLED:
        return f"The {noun(event)} was cancelled at GoTo."
    if event.is_over:
        return f"The {noun(event)} is over."
    connection = ProductConnection.objects.filter(product=event.product).first()
    if connection is None or not connection.enabled:
        return f"{label} is switched off on the Plugins page."
    if event.account.needs_reconnect:
        return f"The GoTo account “{event.account}” needs to be reconnected (Plugins page)."
    return ""


def _register(request: RegistrationRequest) -> Registered:
    event, account = request.event, request.event.account
    api = api_for(account)
    if event.product == "webinar":
        answer = webinar.create_registrant(
            api,
            account.organizer_key,
            event.key,
            first_name=request.first_name,
            last_name=request.last_name,
            email=request.email,
        )
        return Registered(
            answer.registrant_key,
            answer.join_url,
            answer.already_registered,
            status=answer.status.strip().upper(),
        )
    if event.product == "training":
        done = training.register(
            api,
            account.organizer_key,
            event.key,
            email=request.email,
            given_name=request.first_name,
            surname=request.last_name,
        )
        return Registered(done.registrant_key, done.join_url, done.already_registered)
    raise errors.GoToError(f"{event.info.label} has no registrations.", retryable=False)


@transaction.atomic
def _store(request: RegistrationRequest, registered: Registered) -> Participation:
    """The registered row (made once, whoever comes first) and its one timeline entry."""
    event, now = request.event, timezone.now()
    row, created = Participation.objects.get_or_create(
        event=event,
        contact=request.contact,
        kind=Participation.Kind.REGISTERED,
        defaults={
            "registrant_key": registered.registrant_key,
            "join_url": registered.join_url[:1000],
            "registration_status": registered.status[:16],
            "registered_at": now,
            "source": request.source,
        },
    )
    if not created:
        _fill_blanks(row, registered)
    cancelled = Participation.objects.filter(
        event=event, contact=request.contact, kind=Participation.Kind.CANCELLED
    )
    again = bool(cancelled.delete()[0])
    if created or again:
        record_activity(
            request.contact,
            GOTO_REGISTERED,
            registered_title(event, registered.status, again=again),
            occurred_at=now,
            details=_details(event, row, request, registered.status),
            source_type=SOURCE_TYPE,
            source_id=str(row.pk),
        )
    return row


def _fill_blanks(row: Participation, registered: Registered) -> None:
    changed = []
    if not row.registrant_key and registered.registrant_key:
        row.registrant_key = registered.registrant_key
        changed.append("registrant_key")
    if not row.join_url and registered.join_url:
        row.join_url = registered.join_url[:1000]
        changed.append("join_url")
    if registered.status and row.registration_status != registered.status[:16]:
        row.registration_status = registered.status[:16]  # approved since, say
        changed.append("registration_status")
    if changed:
        row.save(update_fields=[*changed, "updated_at"])


def registered_title(event: Event, status: str, *, again: bool = False) -> str:
    """The sync's title, or one saying the registration awaits the organizer's approval."""
    if status == WAITING:
        return f"Registration for {noun(event)} “{event.subject}” awaits the organizer's approval"
    return title(event, Participation.Kind.REGISTERED, again=again)


def _details(
    event: Event, row: Participation, request: RegistrationRequest, status: str = ""
) -> dict[str, object]:
    """The sync's details (writer._activity), plus where the registration came from and
    GoTo's status for it (registration_status: APPROVED, WAITING or DENIED) when it said one."""
    details: dict[str, object] = {
        "product": event.product,
        "event": event.subject,
        "event_key": event.key,
        "event_id": event.pk,
        "source": request.source,
    }
    if row.join_url:
        details["join_url"] = row.join_url
    if request.submission_id:
        details["submission_id"] = request.submission_id
    if status:
        details["registration_status"] = status
    return details


def _done(
    request: RegistrationRequest, row: Participation, *, already: bool, status: str = ""
) -> None:
    RegistrationRequest.objects.filter(pk=request.pk).update(
        status=Status.DONE,
        participation=row,
        last_error="",
        claimed_until=None,
        done_at=timezone.now(),
        updated_at=timezone.now(),
    )
    update_results(
        request.ref, outcome_registered(request.event, row.join_url, already=already, status=status)
    )


def _failed_call(request: RegistrationRequest, error: errors.GoToError) -> float | None:
    message = describe(error)
    attempts = request.attempts  # read after the claim, which counted this attempt
    if not error.retryable or attempts >= MAX_ATTEMPTS:
        suffix = "" if not error.retryable else f" Gave up after {attempts} attempts."
        _fail(request, message + suffix)
        return None
    wait = backoff(attempts, getattr(error, "retry_after", None))
    RegistrationRequest.objects.filter(pk=request.pk).update(
        status=Status.PENDING,
        last_error=message,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
        claimed_until=None,
        updated_at=timezone.now(),
    )
    request.refresh_from_db()
    update_results(request.ref, outcome_for(request))
    return wait


def _fail(request: RegistrationRequest, message: str) -> None:
    RegistrationRequest.objects.filter(pk=request.pk).update(
        status=Status.FAILED, last_error=message, claimed_until=None, updated_at=timezone.now()
    )
    request.refresh_from_db()
    update_results(request.ref, outcome_for(request))


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """FIRST_DELAY doubled per attempt (capped), never sooner than GoTo's Retry-After."""
    delay = min(FIRST_DELAY * 2 ** max(0, attempts - 1), MAX_DELAY)
    return max(delay, retry_after or 0.0)


def describe(error: errors.GoToError) -> str:
    status = f" ({error.status})" if error.status else ""
    if isinstance(error, errors.RateLimited):
        return f"GoTo asked to slow down{status}."
    if isinstance(error, errors.GoToTimeout):
        return "GoTo did not answer in time."
    if isinstance(error, errors.TransportError):
        return "GoTo could not be reached."
    if isinstance(error, errors.ServerError):
        return f"GoTo had an internal error{status}."
    if isinstance(error, errors.NeedsReconnect):
        return RECONNECT
    if isinstance(error, OAuthFailure):
        # The token endpoint, not the registration: a retryable failure is GoTo being down or
        # in error (5xx, no answer); anything else (invalid_grant, invalid_client) needs an
        # admin to connect the account again.
        if error.retryable:
            return sentence(
                "GoTo could not be reached or had an error while renewing the sign-in",
                error.message,
            )
        return sentence(RECONNECT.removesuffix("."), error.message)
    return sentence(f"GoTo refused the registration{status}", error.description[:200])


def sentence(text: str, detail: str = "") -> str:
    """ "text: detail." with exactly one final period, whether or not detail ends with one."""
    detail = detail.strip()
    full = f"{text}: {detail}" if detail else text
    return full if full.endswith((".", "!", "?")) else f"{full}."


# --- Retrying ---------------------------------------------------------------------------------


def retry(request_id: int) -> bool:
    """Start a failed (or waiting) request over now; False if it is done or being processed."""
    updated = RegistrationRequest.objects.filter(
        pk=request_id, status__in=[Status.FAILED, Status.PENDING]
    ).update(status=Status.PENDING, next_attempt_at=timezone.now(), updated_at=timezone.now())
    if updated:
        request = RegistrationRequest.objects.select_related("event").get(pk=request_id)
        update_results(request.ref, outcome_for(request))
        _enqueue(request)
    return bool(updated)


def due(now: datetime | None = None) -> QuerySet[RegistrationRequest]:
    """Requests a periodic run should process: due pending ones, and abandoned claims."""
    now = now or timezone.now()
    return RegistrationRequest.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.PROCESSING, claimed_until__lt=now)
    )


def dispatch_due(limit: int = 500) -> int:
    ids = list(due().order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    from gotoplugins.tasks_registrations import process_registration

    for pk in ids:
        enqueue(process_registration, pk)
    return len(ids)


def problems(now: datetime | None = None) -> QuerySet[RegistrationRequest]:
    """What marketers should see: failed, retrying, or stuck requests."""
    now = now or timezone.now()
    return RegistrationRequest.objects.filter(
        Q(status=Status.FAILED)
        | Q(status=Status.PENDING, attempts__gt=0)
        | Q(status=Status.PENDING, created_at__lt=now - STUCK_AFTER)
        | Q(status=Status.PROCESSING, claimed_until__lt=now)
    )


# --- How the submission shows it --------------------------------------------------------------


def noun(event: Event) -> str:
    return {"webinar": "webinar", "training": "training"}.get(event.product, "event")


def outcome_for(request: RegistrationRequest) -> Outcome:
    event = request.event
    problems_page = reverse("gotoplugins:registration-problems")
    if request.status == Status.FAILED:
        return Outcome(
            action_title(event),
            Result.FAILED,
            f"Not registered: {request.last_error}",
            link=problems_page,
            link_label="Registration problems (Retry)",
            ref=request.ref,
        )
    if request.last_error:
        # Stored text, read in any time zone: the date and the time, in UTC, said as such.
        when = request.next_attempt_at.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")
        message = f"Not registered yet: {request.last_error} Next try from {when}."
        return Outcome(
            action_title(event),
            Result.PENDING,
            message,
            link=problems_page,
            link_label="Registration problems",
            ref=request.ref,
        )
    return Outcome(action_title(event), Result.PENDING, "Queued.", ref=request.ref)
