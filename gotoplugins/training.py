"""GoToTraining v1 client: one function per endpoint (goto-api.md §4), typed results.

GoToTraining names people `givenName`/`surname` (not firstName/lastName), puts its schedule in
`startDate`/`endDate`, and counts attendance in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gotoplugins import errors
from gotoplugins.http import GoToApi
from gotoplugins.types import (
    Presence,
    Record,
    TimeRange,
    as_records,
    path_segment,
    presences,
    time_ranges,
)

BASE = "/G2T/rest"


@dataclass(frozen=True)
class Training:
    key: str
    training_id: str  # the human-facing 9-digit ID, not the key
    name: str
    description: str
    time_zone: str
    times: tuple[TimeRange, ...]
    organizer_keys: tuple[str, ...]


@dataclass(frozen=True)
class Registrant:
    key: str
    given_name: str
    surname: str
    email: str
    status: str  # WAITING, APPROVED or DENIED
    join_url: str
    confirmation_url: str
    registration_date: datetime | None


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
    confirmation_url: str
    already_registered: bool = False


@dataclass(frozen=True)
class Session:
    """A completed session of a training (reports, §4)."""

    key: str
    training_name: str
    start: datetime
    end: datetime | None
    attendance_count: int
    duration_minutes: int


@dataclass(frozen=True)
class Attendee:
    """One person in one session's report; non-attendees come with zero minutes."""

    session_key: str
    given_name: str
    surname: str
    email: str
    minutes_in_session: int
    presences: tuple[Presence, ...]

    @property
    def attended(self) -> bool:
        return self.minutes_in_session > 0 or bool(self.presences)


def list_trainings(api: GoToApi, organizer_key: str) -> list[Training]:
    """Scheduled trainings (ongoing ones included, completed ones left out by GoTo) (§4)."""
    body = api.get(f"{BASE}/organizers/{path_segment(organizer_key)}/trainings")
    return [_training(item) for item in as_records(body, "trainings")]


def get_training(api: GoToApi, organizer_key: str, training_key: str) -> Training:
    """One training (§4); NotFound when it is unknown."""
    body = api.get(_training_path(organizer_key, training_key))
    return _training(Record(body, "training"))


def get_start_url(api: GoToApi, training_key: str) -> str:
    """The organizer's start link, usable without login (§4 `/trainings/{tk}/start`, hostURL).

    It hands over control of the training: give it to organizers only.
    """
    body = api.get(f"{BASE}/trainings/{path_segment(training_key)}/start")
    return Record(body, "start").required_text("hostURL")


def list_registrants(api: GoToApi, organizer_key: str, training_key: str) -> list[Registrant]:
    """Every registrant of a training (§4; GoTo's copy may lag up to two hours)."""
    body = api.get(f"{_training_path(organizer_key, training_key)}/registrants")
    return [_registrant(item) for item in as_records(body, "registrants")]


def get_registrant(
    api: GoToApi, organizer_key: str, training_key: str, registrant_key: str
) -> Registrant:
    """One registrant (§4)."""
    path = (
        f"{_training_path(organizer_key, training_key)}/registrants/{path_segment(registrant_key)}"
    )
    return _registrant(Record(api.get(path), "registrant"))


def register(
    api: GoToApi,
    organizer_key: str,
    training_key: str,
    *,
    email: str,
    given_name: str,
    surname: str,
) -> Registration:
    """Register a person (§4). Already registered → the existing registration, not an error."""
    path = f"{_training_path(organizer_key, training_key)}/registrants"
    body = {"email": email, "givenName": given_name, "surname": surname}
    try:
        answer = api.post(path, body)
    except errors.ClientError as error:
        if not (isinstance(error, errors.Conflict) or error.error_code == "DuplicateRegistrant"):
            raise
        return _existing_registration(api, organizer_key, training_key, email, error)
    record = Record(answer, "registration")
    return Registration(
        registrant_key=record.key("registrantKey"),
        join_url=record.web_address("joinUrl"),
        confirmation_url=record.text("confirmationUrl"),
    )


def list_sessions(api: GoToApi, organizer_key: str, training_key: str) -> list[Session]:
    """The completed sessions of a training (§4 `/reports/organizers/{ok}/trainings/{tk}`)."""
    path = f"{BASE}/reports/organizers/{path_segment(organizer_key)}/trainings/"
    body = api.get(path + path_segment(training_key))
    return [_session(item) for item in as_records(body, "sessions")]


def list_session_attendees(api: GoToApi, organizer_key: str, session_key: str) -> list[Attendee]:
    """Everyone in one session's report, non-attendees last with 0 minutes (§4)."""
    path = f"{BASE}/reports/organizers/{path_segment(organizer_key)}/sessions/"
    body = api.get(f"{path}{path_segment(session_key)}/attendees")
    return [_attendee(item, session_key) for item in as_records(body, "attendees")]


def list_attendance(api: GoToApi, organizer_key: str, training_key: str) -> list[Attendee]:
    """The attendees of every completed session of a training, session by session."""
    return [
        attendee
        for session in list_sessions(api, organizer_key, training_key)
        for attendee in list_session_attendees(api, organizer_key, session.key)
    ]


def _training_path(organizer_key: str, training_key: str) -> str:
    organizer, training = path_segment(organizer_key), path_segment(training_key)
    return f"{BASE}/organizers/{organizer}/trainings/{training}"


def _training(record: Record) -> Training:
    return Training(
        key=record.key("trainingKey"),
        training_id=record.text("trainingId", "trainingID"),
        name=record.text("name"),
        description=record.text("description"),
        time_zone=record.text("timeZone"),
        times=time_ranges(record.records("times"), "startDate", "endDate"),
        organizer_keys=tuple(item.key("organizerKey") for item in record.records("organizers")),
    )


def _registrant(record: Record) -> Registrant:
    return Registrant(
        key=record.key("registrantKey"),
        given_name=record.text("givenName"),
        surname=record.text("surname"),
        email=record.required_text("email"),
        status=record.text("status"),
        join_url=record.web_address("joinUrl"),
        confirmation_url=record.text("confirmationUrl"),
        registration_date=record.optional_instant("registrationDate"),
    )


def _existing_registration(
    api: GoToApi, organizer_key: str, training_key: str, email: str, error: errors.ClientError
) -> Registration:
    """The registration GoTo already holds: by the 409 body's registrantKey, else by e-mail."""
    key = Record(dict(error.details), "duplicate registrant").optional_key("registrantKey")
    found = None
    if key:
        try:
            found = get_registrant(api, organizer_key, training_key, key)
        except errors.NotFound:
            found = None
    if found is None:
        wanted = email.strip().lower()
        registrants = list_registrants(api, organizer_key, training_key)
        found = next((r for r in registrants if r.email.strip().lower() == wanted), None)
    if found is not None:
        return Registration(
            found.key, found.join_url, found.confirmation_url, already_registered=True
        )
    if key:  # registered, but GoTo's registrant copy lags (up to 2 h): no join link yet
        return Registration(key, "", "", already_registered=True)
    raise error


def _session(record: Record) -> Session:
    return Session(
        key=record.key("sessionKey"),
        training_name=record.text("trainingName"),
        start=record.instant("sessionStartTime"),
        end=record.optional_instant("sessionEndTime"),
        attendance_count=record.integer("attendanceCount") or 0,
        duration_minutes=record.integer("duration") or 0,
    )


def _attendee(record: Record, session_key: str) -> Attendee:
    return Attendee(
        session_key=session_key,
        given_name=record.text("givenName"),
        surname=record.text("surname"),
        email=record.required_text("email"),
        minutes_in_session=record.integer("timeInSession") or 0,
        presences=presences(record.records("inSessionTimes")),
    )
