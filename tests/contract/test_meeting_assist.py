"""gotoplugins.meeting and gotoplugins.assist against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gotoplugins import assist, meeting
from gotoplugins.emulator.models import AssistSession, Attendance
from gotoplugins.emulator.models import Session as EmulatorSession
from tests.contract.conftest import (
    ACCOUNT_KEY,
    ANCHOR,
    ATTENDEES_PER_MEETING,
    ORGANIZER_KEY,
    Connected,
    emulator_requests,
    meeting_key,
    meeting_start,
    request_body,
    whole,
)

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECTS = ["Weekly sync", "Partner check-in", "Webinar dry run"]
RECURRING = 0  # held four days before the anchor, then again in two and three weeks
HELD = 1  # held the day before the anchor
UPCOMING = 2


def minutes(seconds: int) -> int:
    return (seconds + 30) // 60


def test_list_upcoming_meetings(connected: Connected) -> None:
    found = meeting.list_upcoming_meetings(connected.api)
    assert [m.key for m in found] == [meeting_key(UPCOMING), meeting_key(RECURRING)]
    assert all(len(m.key) == 9 and m.key.isdigit() for m in found)
    soon, recurring = found
    assert soon.subject == "Webinar dry run"
    assert (soon.start, soon.end) == (
        meeting_start(UPCOMING),
        meeting_start(UPCOMING) + timedelta(minutes=30),
    )
    # The recurring meeting's next occurrence, two weeks after its first.
    assert recurring.start == meeting_start(RECURRING) + timedelta(days=14)
    assert recurring.start.utcoffset() == timedelta(0)
    assert (recurring.meeting_type, soon.meeting_type) == ("recurring", "scheduled")
    assert {m.status for m in found} == {"INACTIVE"}
    assert {(m.organizer_key, m.account_key) for m in found} == {(ORGANIZER_KEY, ACCOUNT_KEY)}
    (call,) = emulator_requests()
    assert call.path == "/G2M/rest/upcomingMeetings"


def test_list_historical_meetings_in_a_window(connected: Connected) -> None:
    start, end = ANCHOR - timedelta(days=30), ANCHOR
    found = meeting.list_historical_meetings(connected.api, start, end)
    assert [m.key for m in found] == [meeting_key(RECURRING), meeting_key(HELD)]
    assert [m.subject for m in found] == SUBJECTS[:2]
    rows = list(EmulatorSession.objects.filter(event__product="g2m").order_by("starts_at"))
    for got, row in zip(found, rows, strict=True):
        assert got.session_id == row.key and len(got.session_id) == 19
        assert (got.start, got.end) == (whole(row.starts_at), whole(row.ends_at))
        seconds = int((row.ends_at - row.starts_at).total_seconds())
        assert got.duration_minutes == minutes(seconds)  # sent as a string
        assert got.attendee_count == ATTENDEES_PER_MEETING  # sent as a string
    (call,) = emulator_requests()
    assert call.query == {
        "startDate": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endDate": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    narrow = meeting.list_historical_meetings(connected.api, ANCHOR - timedelta(days=2), end)
    assert [m.key for m in narrow] == [meeting_key(HELD)]


def test_get_start_url_is_the_host_url(connected: Connected) -> None:
    url = meeting.get_start_url(connected.api, meeting_key(UPCOMING))
    assert url == connected.site.app_url("start", "g2m", meeting_key(UPCOMING))


def test_list_attendees_keeps_whole_names(connected: Connected) -> None:
    found = meeting.list_attendees(connected.api, meeting_key(HELD))
    session = EmulatorSession.objects.get(event__key=meeting_key(HELD))
    rows = list(Attendance.objects.filter(session=session).order_by("id"))
    assert len(found) == len(rows) == ATTENDEES_PER_MEETING
    for got, row in zip(found, rows, strict=True):
        assert got == meeting.Attendee(
            meeting_key=meeting_key(HELD),
            meeting_instance_key=session.key,
            name=f"{row.first_name} {row.last_name}",
            email=row.email,
            joined=datetime.fromisoformat(row.intervals[0][0]).astimezone(UTC),
            left=datetime.fromisoformat(row.intervals[-1][1]).astimezone(UTC),
            duration_minutes=minutes(row.seconds),
        )
    assert all(" " in a.name and a.duration_minutes > 0 for a in found)


def test_create_session_gives_the_technician_launch_url(connected: Connected) -> None:
    started = assist.create_session(
        connected.api,
        customer_name="Zoë O'Brien",
        customer_email="zoe@example.net",
        partner_object="contact-17",
    )
    assert len(started.session_id) == 10 and started.session_id.isdigit()
    assert started.launch_url == connected.site.app_url("launch", "g2a", started.session_id)
    assert started.customer_join_url == connected.site.app_url("join", "g2a", started.session_id)
    (post,) = emulator_requests(method="POST")
    assert post.path == "/G2A/rest/v1/sessions" and post.status == 200
    assert request_body(post) == {
        "sessionType": "screen_sharing",
        "customerName": "Zoë O'Brien",
        "customerEmail": "zoe@example.net",
        "partnerObject": "contact-17",
    }


def test_list_sessions_in_a_window(connected: Connected) -> None:
    started = assist.create_session(connected.api, customer_name="Zoë O'Brien")
    found = assist.list_sessions(
        connected.api, ANCHOR - timedelta(days=5), ANCHOR + timedelta(days=1)
    )
    rows = list(AssistSession.objects.order_by("started_at", "id"))
    assert [s.session_id for s in found] == [row.session_id for row in rows]
    assert found[-1].session_id == started.session_id
    assert [s.status for s in found] == ["waiting", "abandoned", "complete", "waiting"]
    assert [s.started_at for s in found[:3]] == [
        ANCHOR - timedelta(days=d) + timedelta(hours=10) for d in (3, 2, 1)
    ]
    complete, began = found[2], ANCHOR - timedelta(days=1) + timedelta(hours=10)
    assert complete.customer_joined_at == began + timedelta(minutes=2)
    assert complete.ended_at == began + timedelta(minutes=25)
    assert found[0].ended_at is None and found[0].customer_joined_at is None
    for got, row in zip(found, rows, strict=True):
        assert (got.customer_name, got.customer_email) == (row.customer_name, row.customer_email)
        assert (got.expert_name, got.expert_email) == (
            "Jane Organizer",
            "jane.organizer@example.com",
        )
        assert got.session_type == "screen_sharing"
    older = assist.list_sessions(
        connected.api, ANCHOR - timedelta(days=5), ANCHOR - timedelta(days=1)
    )
    assert [s.status for s in older] == ["waiting", "abandoned"]
