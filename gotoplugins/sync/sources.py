"""What each GoTo product offers the sync: its catalogue, one event by key, its participants.

Every function here only reads GoTo (through the typed clients) and returns sync types; GoTo
errors propagate as `gotoplugins.errors.GoToError` for the runner to judge. A participant list
is returned only when every call behind it succeeded, so the writer never sees half a list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from gotoplugins import assist, errors, meeting, training, webinar
from gotoplugins.http import GoToApi
from gotoplugins.models import GoToAccount
from gotoplugins.sync.types import (
    AttendanceRow,
    Entry,
    Occurrence,
    Participants,
    Person,
    RegistrationRow,
    Window,
)
from gotoplugins.types import Presence, TimeRange

NO_PARTICIPANTS = Participants(registrations=None)
# GoTo answers DENIED for registrations the organizer refused: not a registration.
NOT_REGISTERED = frozenset({"DENIED"})
# GoToAssist statuses of a session the customer took part in (goto-api.md §6).
ASSIST_HELD = frozenset({"active", "complete"})


@dataclass(frozen=True)
class Source:
    """One product's reading functions. `fetch` is None when GoTo has no call for one event."""

    catalogue: Callable[[GoToApi, GoToAccount, Window, datetime], list[Entry]]
    fetch: Callable[[GoToApi, GoToAccount, str], Entry] | None
    participants: Callable[[GoToApi, GoToAccount, Entry, datetime], Participants]

    def find(self, api: GoToApi, account: GoToAccount, key: str, now: datetime) -> Entry:
        """One event by key (for --id): fetched, or looked up in the widest lists."""
        if self.fetch is not None:
            return self.fetch(api, account, key)
        widest = Window(
            start=now - timedelta(days=settings.GOTO_SYNC_PAST_DAYS),
            end=now + timedelta(days=settings.GOTO_SYNC_FUTURE_DAYS),
            full=True,
        )
        for entry in self.catalogue(api, account, widest, now):
            if entry.key == key:
                return entry
        raise errors.NotFound(f"GoTo lists no event with the key {key}", status=404)


def _occurrences(times: tuple[TimeRange, ...]) -> tuple[Occurrence, ...]:
    return tuple(Occurrence(start=t.start, end=t.end) for t in times)


def _span(presences: tuple[Presence, ...]) -> tuple[datetime | None, datetime | None]:
    """First join and last leave over a person's join/leave pairs."""
    joins = [p.joined for p in presences]
    leaves = [p.left for p in presences if p.left is not None]
    return min(joins, default=None), max(leaves, default=None)


# --- GoToWebinar ------------------------------------------------------------------------------


def _webinar_entry(item: webinar.Webinar) -> Entry:
    return Entry(
        key=item.key,
        subject=item.subject,
        description=item.description,
        times=_occurrences(item.times),
        time_zone=item.time_zone,
        registration_url=item.registration_url,
    )


def _webinars(api: GoToApi, account: GoToAccount, window: Window, now: datetime) -> list[Entry]:
    found = webinar.list_webinars(api, account.organizer_key, window.start, window.end)
    return [_webinar_entry(item) for item in found]


def _webinar(api: GoToApi, account: GoToAccount, key: str) -> Entry:
    return _webinar_entry(webinar.get_webinar(api, account.organizer_key, key))


def _webinar_participants(
    api: GoToApi, account: GoToAccount, entry: Entry, now: datetime
) -> Participants:
    registrants = webinar.list_registrants(api, account.organizer_key, entry.key)
    attendees = _webinar_attendees(api, account, entry.key) if entry.has_started(now) else []
    return Participants(
        registrations=tuple(
            RegistrationRow(
                person=Person(r.email, r.first_name, r.last_name),
                registrant_key=r.key,
                join_url=r.join_url,
                registered_at=r.registration_date,
                status=r.status.strip().upper(),
            )
            for r in registrants
            if r.status.upper() not in NOT_REGISTERED
        ),
        attendances=tuple(
            AttendanceRow(
                person=Person(a.email, a.first_name, a.last_name),
                registrant_key=a.registrant_key,
                first_join=_span(a.presences)[0],
                last_leave=_span(a.presences)[1],
                seconds=a.attendance_seconds,
            )
            for a in attendees
        ),
    )


def _webinar_attendees(api: GoToApi, account: GoToAccount, key: str) -> list[webinar.Attendee]:
    try:
        return webinar.list_attendees(api, account.organizer_key, key)
    except errors.Forbidden:
        # Some accounts are refused the all-sessions report (goto-api.md §2.6).
        return webinar.list_attendees_by_session(api, account.organizer_key, key)


# --- GoToTraining -----------------------------------------------------------------------------


def _training_entry(item: training.Training) -> Entry:
    return Entry(
        key=item.key,
        subject=item.name,
        description=item.description,
        times=_occurrences(item.times),
        time_zone=item.time_zone,
    )


def _trainings(api: GoToApi, account: GoToAccount, window: Window, now: datetime) -> list[Entry]:
    # GoTo lists scheduled and ongoing trainings only, with no date range (goto-api.md §4);
    # completed ones are reached by key, as known events (see runner).
    return [_training_entry(item) for item in training.list_trainings(api, account.organizer_key)]


def _training(api: GoToApi, account: GoToAccount, key: str) -> Entry:
    return _training_entry(training.get_training(api, account.organizer_key, key))


def _training_participants(
    api: GoToApi, account: GoToAccount, entry: Entry, now: datetime
) -> Participants:
    registrants = training.list_registrants(api, account.organizer_key, entry.key)
    attendance = []
    if entry.has_started(now):
        # Every completed session's report, not only the last one (reference weakness 6).
        attendance = training.list_attendance(api, account.organizer_key, entry.key)
    return Participants(
        registrations=tuple(
            RegistrationRow(
                person=Person(r.email, r.given_name, r.surname),
                registrant_key=r.key,
                join_url=r.join_url,
                registered_at=r.registration_date,
                status=r.status.strip().upper(),
            )
            for r in registrants
            if r.status.upper() not in NOT_REGISTERED
        ),
        attendances=tuple(
            AttendanceRow(
                person=Person(a.email, a.given_name, a.surname),
                first_join=_span(a.presences)[0],
                last_leave=_span(a.presences)[1],
                seconds=a.minutes_in_session * 60,
            )
            for a in attendance
            if a.attended  # the reports list absentees too, with zero minutes
        ),
    )


# --- GoToMeeting ------------------------------------------------------------------------------


def _meetings(api: GoToApi, account: GoToAccount, window: Window, now: datetime) -> list[Entry]:
    """Upcoming meetings and the meetings held in the window, one entry per meeting id."""
    upcoming = meeting.list_upcoming_meetings(api)
    held = meeting.list_historical_meetings(api, window.start, min(now, window.end))
    grouped: dict[str, list[meeting.Meeting]] = {}
    for item in [*held, *upcoming]:
        grouped.setdefault(item.key, []).append(item)
    return [_meeting_entry(key, items) for key, items in grouped.items()]


def _meeting_entry(key: str, items: list[meeting.Meeting]) -> Entry:
    times = sorted(
        {Occurrence(start=m.start, end=m.end, key=m.session_id) for m in items},
        key=lambda t: (t.start, t.key),
    )
    return Entry(
        key=key,
        subject=items[-1].subject,  # upcoming ones come last: the current subject
        times=tuple(times),
        times_complete=False,
    )


def _meeting_participants(
    api: GoToApi, account: GoToAccount, entry: Entry, now: datetime
) -> Participants:
    if not any(t.end is not None and t.end <= now for t in entry.times):
        return NO_PARTICIPANTS  # nothing held yet: GoTo reports attendees of past meetings only
    return Participants(
        registrations=None,
        attendances=tuple(
            AttendanceRow(
                # GoTo sends one name field; splitting it on spaces would be a guess.
                person=Person(a.email, a.name, whole_name=True),
                first_join=a.joined,
                last_leave=a.left,
                seconds=a.duration_minutes * 60,
            )
            for a in meeting.list_attendees(api, entry.key)
            if a.email
        ),
    )


# --- GoToAssist -------------------------------------------------------------------------------


def _assist_sessions(
    api: GoToApi, account: GoToAccount, window: Window, now: datetime
) -> list[Entry]:
    sessions = assist.list_sessions(api, window.start, min(now, window.end))
    return [_assist_entry(session) for session in sessions]


def _assist_entry(session: assist.Session) -> Entry:
    who = session.customer_name or session.customer_email or "a customer"
    times: tuple[Occurrence, ...] = ()
    if session.started_at is not None:
        times = (Occurrence(start=session.started_at, end=session.ended_at),)
    return Entry(
        key=session.session_id,
        subject=f"Remote support for {who}",
        times=times,
        listed_participants=_assist_participants(session),
    )


def _assist_participants(session: assist.Session) -> Participants:
    held = session.customer_joined_at is not None or session.status in ASSIST_HELD
    if not session.customer_email or not held:
        return NO_PARTICIPANTS
    joined = session.customer_joined_at or session.started_at
    seconds = 0
    if joined is not None and session.ended_at is not None:
        seconds = max(0, int((session.ended_at - joined).total_seconds()))
    person = Person(session.customer_email, session.customer_name, whole_name=True)
    row = AttendanceRow(person, first_join=joined, last_leave=session.ended_at, seconds=seconds)
    return Participants(registrations=None, attendances=(row,))


def _listed_participants(
    api: GoToApi, account: GoToAccount, entry: Entry, now: datetime
) -> Participants:
    return entry.listed_participants or NO_PARTICIPANTS


SOURCES: dict[str, Source] = {
    "webinar": Source(_webinars, _webinar, _webinar_participants),
    "training": Source(_trainings, _training, _training_participants),
    "meeting": Source(_meetings, None, _meeting_participants),
    "assist": Source(_assist_sessions, None, _listed_participants),
}
