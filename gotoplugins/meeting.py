"""GoToMeeting v1 client: one function per endpoint (goto-api.md §5), typed results.

GoToMeeting sends the same field as a number in one answer and a string in another (meetingId,
duration, numAttendees); the readers accept both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gotoplugins.http import GoToApi
from gotoplugins.types import Record, as_records, format_time, path_segment

BASE = "/G2M/rest"


@dataclass(frozen=True)
class Meeting:
    """An upcoming or a past meeting; the last three fields come with past meetings only."""

    key: str  # meetingId
    subject: str
    start: datetime
    end: datetime | None
    meeting_type: str  # scheduled, recurring or immediate
    status: str  # ACTIVE or INACTIVE (upcoming only)
    organizer_key: str
    account_key: str
    session_id: str = ""
    duration_minutes: int | None = None
    attendee_count: int | None = None


@dataclass(frozen=True)
class Attendee:
    """One person in a past meeting. `name` is GoTo's single name field, kept whole."""

    meeting_key: str
    meeting_instance_key: str
    name: str
    email: str
    joined: datetime | None
    left: datetime | None
    duration_minutes: int


def list_upcoming_meetings(api: GoToApi) -> list[Meeting]:
    """The current user's scheduled meetings (§5 `/upcomingMeetings`)."""
    body = api.get(f"{BASE}/upcomingMeetings")
    return [_meeting(item) for item in as_records(body, "upcomingMeetings")]


def list_historical_meetings(api: GoToApi, start: datetime, end: datetime) -> list[Meeting]:
    """The current user's meetings held in the window; running ones are left out (§5)."""
    params = {"startDate": format_time(start), "endDate": format_time(end)}
    body = api.get(f"{BASE}/historicalMeetings", params)
    return [_meeting(item) for item in as_records(body, "historicalMeetings")]


def get_start_url(api: GoToApi, meeting_key: str) -> str:
    """The host's start link, usable without login (§5 `/meetings/{id}/start`, hostURL).

    It hands over control of the meeting: give it to organizers only.
    """
    body = api.get(f"{BASE}/meetings/{path_segment(meeting_key)}/start")
    return Record(body, "start").required_text("hostURL")


def list_attendees(api: GoToApi, meeting_key: str) -> list[Attendee]:
    """The attendees of a past meeting (§5 `/meetings/{id}/attendees`, `AttendeeByMeeting`)."""
    body = api.get(f"{BASE}/meetings/{path_segment(meeting_key)}/attendees")
    return [_attendee(item, meeting_key) for item in as_records(body, "attendees")]


def _meeting(record: Record) -> Meeting:
    return Meeting(
        key=record.key("meetingId", "meetingKey", "uniqueMeetingId"),
        subject=record.text("subject"),
        start=record.instant("startTime"),
        end=record.optional_instant("endTime"),
        meeting_type=record.text("meetingType"),
        status=record.text("status"),
        organizer_key=record.optional_key("organizerKey", "organizerkey"),
        account_key=record.optional_key("accountKey"),
        session_id=record.text("sessionId"),
        duration_minutes=record.integer("duration"),
        attendee_count=record.integer("numAttendees"),
    )


def _attendee(record: Record, meeting_key: str) -> Attendee:
    return Attendee(
        meeting_key=record.optional_key("meetingId") or meeting_key,
        meeting_instance_key=record.optional_key("meetingInstanceKey"),
        name=record.text("attendeeName").strip(),
        email=record.text("attendeeEmail").strip(),
        joined=record.optional_instant("joinTime"),
        left=record.optional_instant("leaveTime"),
        duration_minutes=record.integer("duration") or 0,
    )
