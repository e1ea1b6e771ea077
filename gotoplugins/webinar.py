"""GoToWebinar v2 client: one function per endpoint (goto-api.md §2), typed results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from gotoplugins import errors
from gotoplugins.http import GoToApi, JsonValue, get_all
from gotoplugins.types import (
    Presence,
    Record,
    TimeRange,
    as_records,
    format_time,
    path_segment,
    presences,
    time_ranges,
)

BASE = "/G2W/rest/v2"
PAGE_SIZE = 200  # the documented maximum of `size` and `limit`
OPTIONAL_REGISTRANT_FIELDS = frozenset(
    {
        "source",
        "address",
        "city",
        "state",
        "zipCode",
        "country",
        "phone",
        "organization",
        "jobTitle",
        "questionsAndComments",
        "industry",
        "numberOfEmployees",
        "purchasingTimeFrame",
        "purchasingRole",
    }
)


@dataclass(frozen=True)
class Webinar:
    key: str
    webinar_id: str  # the human-facing 9-digit ID, not the key
    subject: str
    description: str
    times: tuple[TimeRange, ...]
    time_zone: str
    registration_url: str
    organizer_key: str
    account_key: str
    recurrence: str  # single_session, series or sequence
    experience_type: str


@dataclass(frozen=True)
class Registrant:
    key: str
    first_name: str
    last_name: str
    email: str
    status: str  # APPROVED, DENIED or WAITING
    join_url: str
    registration_date: datetime | None
    time_zone: str


@dataclass(frozen=True)
class Registration:
    """The answer to a registration.

    `already_registered` is True when GoTo answered 409 (it had the e-mail already). GoTo's
    idempotent re-registration (201 with the existing registrantKey, goto-api.md §2.4) cannot
    be told from a new registration and comes back with it False; the key and join URL are
    the existing ones either way, which is what callers rely on.
    """

    registrant_key: str
    join_url: str
    status: str
    already_registered: bool = False


@dataclass(frozen=True)
class QuestionResponse:
    """An answer to a custom question: free text, or the key of a multiple-choice answer."""

    question_key: str
    text: str = ""
    answer_key: str = ""


@dataclass(frozen=True)
class Session:
    key: str
    webinar_key: str
    start: datetime
    end: datetime
    registrants_attended: int
    registrant_count: int


@dataclass(frozen=True)
class Attendee:
    registrant_key: str
    session_key: str
    first_name: str
    last_name: str
    email: str
    attendance_seconds: int
    presences: tuple[Presence, ...]


def list_webinars(
    api: GoToApi, organizer_key: str, from_time: datetime, to_time: datetime
) -> list[Webinar]:
    """Upcoming and past webinars scheduled in the window, all pages (§2.1, HAL §2.3)."""
    path = f"{BASE}/organizers/{path_segment(organizer_key)}/webinars"
    return _webinars(api, path, from_time, to_time)


def list_account_webinars(
    api: GoToApi, account_key: str, from_time: datetime, to_time: datetime
) -> list[Webinar]:
    """Every organizer's webinars of the account in the window, all pages (§2.1)."""
    path = f"{BASE}/accounts/{path_segment(account_key)}/webinars"
    return _webinars(api, path, from_time, to_time)


def get_webinar(api: GoToApi, organizer_key: str, webinar_key: str) -> Webinar:
    """One webinar (`WebinarByKey`, §2.2); NotFound when it is unknown or cancelled."""
    body = api.get(_webinar_path(organizer_key, webinar_key))
    return _webinar(Record(body, "webinar"))


def get_start_url(api: GoToApi, webinar_key: str) -> str:
    """The organizer's start link (§2.1 `/webinars/{wk}/startUrl`); give it to organizers only."""
    body = api.get(f"{BASE}/webinars/{path_segment(webinar_key)}/startUrl")
    return Record(body, "startUrl").required_text("startUrl")


def list_registrants(api: GoToApi, organizer_key: str, webinar_key: str) -> list[Registrant]:
    """Every registrant, reading the flat `data`/`total` pages (§2.1, §2.3 b)."""
    path = f"{_webinar_path(organizer_key, webinar_key)}/registrants"
    items = get_all(api, path, size_param="limit", page_size=PAGE_SIZE)
    return [_registrant(item) for item in items]


def get_registrant(
    api: GoToApi, organizer_key: str, webinar_key: str, registrant_key: str
) -> Registrant:
    """One registrant (`RegistrantDetailed`, §2.4)."""
    path = f"{_webinar_path(organizer_key, webinar_key)}/registrants/{path_segment(registrant_key)}"
    return _registrant(Record(api.get(path), "registrant"))


def create_registrant(
    api: GoToApi,
    organizer_key: str,
    webinar_key: str,
    *,
    first_name: str,
    last_name: str,
    email: str,
    fields: Mapping[str, str] | None = None,
    responses: Sequence[QuestionResponse] = (),
    resend_confirmation: bool = False,
) -> Registration:
    """Register a person (§2.4). Already registered → the existing registration, not an error.

    `fields` holds optional `RegistrantFields` by their GoTo names (organization, jobTitle, ...).
    """
    unknown = set(fields or {}) - OPTIONAL_REGISTRANT_FIELDS
    if unknown:
        raise ValueError(f"Unknown GoToWebinar registrant fields: {', '.join(sorted(unknown))}")
    body: dict[str, JsonValue] = {
        **(fields or {}),
        "firstName": first_name,
        "lastName": last_name,
        "email": email,
    }
    if responses:
        body["responses"] = [_response_body(response) for response in responses]
    path = f"{_webinar_path(organizer_key, webinar_key)}/registrants"
    try:
        answer = api.post(path, body, params={"resendConfirmation": resend_confirmation})
    except errors.ClientError as error:
        if not _is_duplicate(error):
            raise
        return _existing_registration(api, organizer_key, webinar_key, email, error)
    record = Record(answer, "registration")
    return Registration(
        registrant_key=record.key("registrantKey"),
        join_url=record.web_address("joinUrl"),
        status=record.text("status"),
    )


def delete_registrant(
    api: GoToApi, organizer_key: str, webinar_key: str, registrant_key: str
) -> None:
    """Cancel a registration (§2.1); GoTo allows it only before the webinar."""
    path = f"{_webinar_path(organizer_key, webinar_key)}/registrants/{path_segment(registrant_key)}"
    api.delete(path)


def list_sessions(api: GoToApi, organizer_key: str, webinar_key: str) -> list[Session]:
    """The past sessions of a webinar, all pages (§2.1, `sessionInfoResources`, §2.5)."""
    path = f"{_webinar_path(organizer_key, webinar_key)}/sessions"
    items = get_all(api, path, items_key="sessionInfoResources", page_size=PAGE_SIZE)
    return [_session(item, webinar_key) for item in items]


def list_attendees(api: GoToApi, organizer_key: str, webinar_key: str) -> list[Attendee]:
    """The attendees of every session of a webinar, all pages (§2.1, §2.5)."""
    path = f"{_webinar_path(organizer_key, webinar_key)}/attendees"
    items = get_all(api, path, items_key="attendeeParticipationResponses", page_size=PAGE_SIZE)
    return [_attendee(item, "") for item in items]


def list_session_attendees(
    api: GoToApi, organizer_key: str, webinar_key: str, session_key: str
) -> list[Attendee]:
    """The attendees of one session (§2.1, a plain array of `Attendee`)."""
    path = f"{_webinar_path(organizer_key, webinar_key)}/sessions/{path_segment(session_key)}"
    body = api.get(f"{path}/attendees")
    return [_attendee(item, session_key) for item in as_records(body, "attendees")]


def list_attendees_by_session(api: GoToApi, organizer_key: str, webinar_key: str) -> list[Attendee]:
    """Every session's attendees, one call per session: for accounts where the all-sessions
    endpoint is refused (Mautic saw 403 there, goto-api.md §2.6)."""
    return [
        attendee
        for session in list_sessions(api, organizer_key, webinar_key)
        for attendee in list_session_attendees(api, organizer_key, webinar_key, session.key)
    ]


def _webinar_path(organizer_key: str, webinar_key: str) -> str:
    return f"{BASE}/organizers/{path_segment(organizer_key)}/webinars/{path_segment(webinar_key)}"


def _webinars(api: GoToApi, path: str, from_time: datetime, to_time: datetime) -> list[Webinar]:
    params = {"fromTime": format_time(from_time), "toTime": format_time(to_time)}
    items = get_all(api, path, items_key="webinars", params=params, page_size=PAGE_SIZE)
    return [_webinar(item) for item in items]


def _webinar(record: Record) -> Webinar:
    return Webinar(
        key=record.key("webinarKey"),
        webinar_id=record.text("webinarID", "webinarId"),  # [UNSURE] casing, goto-api.md §0
        subject=record.text("subject"),
        description=record.text("description"),
        times=time_ranges(record.records("times"), "startTime", "endTime"),
        time_zone=record.text("timeZone"),
        registration_url=record.web_address("registrationUrl"),
        organizer_key=record.optional_key("organizerKey"),
        account_key=record.optional_key("accountKey"),
        # Lists say recurrenceType, WebinarByKey says type and recurrencePeriod (§2.2).
        recurrence=record.text("recurrenceType", "type", "recurrencePeriod"),
        experience_type=record.text("experienceType").upper(),
    )


def _registrant(record: Record) -> Registrant:
    return Registrant(
        key=record.key("registrantKey"),
        first_name=record.text("firstName"),
        last_name=record.text("lastName"),
        email=record.required_text("email"),
        status=record.text("status"),
        join_url=record.web_address("joinUrl"),
        registration_date=record.optional_instant("registrationDate"),
        time_zone=record.text("timeZone"),
    )


def _response_body(response: QuestionResponse) -> dict[str, JsonValue]:
    # Question and answer keys are int64 in the spec; int() of the stored string is exact.
    question = int(response.question_key)
    if response.answer_key:
        return {"questionKey": question, "answerKey": int(response.answer_key)}
    return {"questionKey": question, "responseText": response.text}


def _is_duplicate(error: errors.ClientError) -> bool:
    return isinstance(error, errors.Conflict) or error.error_code == "DuplicateRegistrant"


def _existing_registration(
    api: GoToApi, organizer_key: str, webinar_key: str, email: str, error: errors.ClientError
) -> Registration:
    """The registration GoTo already holds: from the 409 body, else by its key, else by e-mail.

    GoTo's 409 body may carry the registrantKey but not the joinUrl (goto-api.md §2.4, §10.1).
    """
    details = Record(dict(error.details), "duplicate registrant")
    key = details.optional_key("registrantKey")
    if key and details.web_address("joinUrl"):
        return Registration(
            key, details.web_address("joinUrl"), details.text("status"), already_registered=True
        )
    found = _registrant_by_key(api, organizer_key, webinar_key, key) if key else None
    if found is None:
        found = _registrant_by_email(api, organizer_key, webinar_key, email)
    if found is not None:
        return Registration(found.key, found.join_url, found.status, already_registered=True)
    if key:  # registered, but not yet visible to the registrant calls: no join link yet
        return Registration(key, "", details.text("status"), already_registered=True)
    raise error


def _registrant_by_key(
    api: GoToApi, organizer_key: str, webinar_key: str, key: str
) -> Registrant | None:
    try:
        return get_registrant(api, organizer_key, webinar_key, key)
    except errors.NotFound:
        return None


def _registrant_by_email(
    api: GoToApi, organizer_key: str, webinar_key: str, email: str
) -> Registrant | None:
    wanted = email.strip().lower()  # GoTo's uniqueness is case-insensitive (§9)
    registrants = list_registrants(api, organizer_key, webinar_key)
    return next((r for r in registrants if r.email.strip().lower() == wanted), None)


def _session(record: Record, webinar_key: str) -> Session:
    return Session(
        key=record.key("sessionKey"),
        webinar_key=record.optional_key("webinarKey") or webinar_key,
        start=record.instant("startTime"),
        end=record.instant("endTime"),
        registrants_attended=record.integer("registrantsAttended") or 0,
        registrant_count=record.integer("registrantCount") or 0,
    )


def _attendee(record: Record, session_key: str) -> Attendee:
    return Attendee(
        registrant_key=record.optional_key("registrantKey"),
        session_key=record.optional_key("sessionKey") or session_key,
        first_name=record.text("firstName"),
        last_name=record.text("lastName"),
        email=record.required_text("email"),
        attendance_seconds=record.integer("attendanceTimeInSeconds") or 0,
        presences=presences(record.records("attendance")),
    )
