"""GoToMeeting client against mocked GoTo answers shaped as in goto-api.md §5 and §8."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from responses import matchers

from gotoplugins import errors, meeting
from tests.gotoplugins import Harness

G2M = "/G2M/rest"


@pytest.fixture
def goto() -> Iterator[Harness]:
    with Harness() as harness:
        yield harness


def test_list_upcoming_meetings(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2M}/upcomingMeetings"),
        json=[
            {
                "meetingId": "555123456",
                "subject": "Weekly sync",
                "startTime": "2025-06-12T08:00:00Z",
                "endTime": "2025-06-12T08:30:00Z",
                "status": "INACTIVE",
                "passwordRequired": False,
                "conferenceCallInfo": "Hybrid",
                "meetingType": "scheduled",
                "organizerKey": "700000000000000001",
                "accountKey": "800000000000000001",
                "firstName": "Jane",
                "lastName": "Organizer",
                "email": "jane.organizer@example.com",
                "locale": "en_US",
            }
        ],
    )

    assert meeting.list_upcoming_meetings(goto.api) == [
        meeting.Meeting(
            key="555123456",
            subject="Weekly sync",
            start=datetime(2025, 6, 12, 8, 0, tzinfo=UTC),
            end=datetime(2025, 6, 12, 8, 30, tzinfo=UTC),
            meeting_type="scheduled",
            status="INACTIVE",
            organizer_key="700000000000000001",
            account_key="800000000000000001",
        )
    ]


def test_list_historical_meetings_sends_the_window_and_reads_string_numbers(
    goto: Harness,
) -> None:
    goto.http.get(
        goto.url(f"{G2M}/historicalMeetings"),
        json=[
            {
                "meetingId": 555123456,
                "sessionId": "3550001",
                "subject": "Weekly sync",
                "startTime": "2025-06-05T08:00:00.000Z",
                "endTime": "2025-06-05T08:31:00.000Z",
                "duration": "31",
                "numAttendees": "2",
                "organizerKey": 700000000000000001,
                "accountKey": "800000000000000001",
                "meetingType": "scheduled",
            }
        ],
        match=[
            matchers.query_param_matcher(
                {"startDate": "2025-06-01T00:00:00Z", "endDate": "2025-06-30T00:00:00Z"}
            )
        ],
    )

    meetings = meeting.list_historical_meetings(
        goto.api, datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 30, tzinfo=UTC)
    )

    assert meetings == [
        meeting.Meeting(
            key="555123456",
            subject="Weekly sync",
            start=datetime(2025, 6, 5, 8, 0, tzinfo=UTC),
            end=datetime(2025, 6, 5, 8, 31, tzinfo=UTC),
            meeting_type="scheduled",
            status="",
            organizer_key="700000000000000001",
            account_key="800000000000000001",
            session_id="3550001",
            duration_minutes=31,
            attendee_count=2,
        )
    ]


def test_get_start_url_reads_hosturl(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2M}/meetings/555123456/start"),
        json={"hostURL": "https://global.gotomeeting.com/start/555123456?token=sbx"},
    )

    assert meeting.get_start_url(goto.api, "555123456") == (
        "https://global.gotomeeting.com/start/555123456?token=sbx"
    )


def test_a_start_answer_without_hosturl_is_malformed_not_an_empty_link(goto: Harness) -> None:
    goto.http.get(goto.url(f"{G2M}/meetings/555123456/start"), json={})

    with pytest.raises(errors.MalformedResponse, match="hostURL"):
        meeting.get_start_url(goto.api, "555123456")


def test_list_attendees_keeps_names_whole(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2M}/meetings/555123456/attendees"),
        json=[
            {
                "attendeeName": "Mary Ann van der Berg",
                "attendeeEmail": "mary.ann@example.org",
                "joinTime": "2025-06-05T08:01:00Z",
                "leaveTime": "2025-06-05T08:29:30Z",
                "duration": 28,
                "meetingId": 555123456,
                "meetingInstanceKey": 3550001,
                "subject": "Weekly sync",
                "organizerkey": 700000000000000001,
                "groupName": "NA",
            },
            {"attendeeName": "Cher", "attendeeEmail": "", "duration": "3"},
        ],
    )

    attendees = meeting.list_attendees(goto.api, "555123456")

    assert attendees == [
        meeting.Attendee(
            meeting_key="555123456",
            meeting_instance_key="3550001",
            name="Mary Ann van der Berg",
            email="mary.ann@example.org",
            joined=datetime(2025, 6, 5, 8, 1, tzinfo=UTC),
            left=datetime(2025, 6, 5, 8, 29, 30, tzinfo=UTC),
            duration_minutes=28,
        ),
        meeting.Attendee(
            meeting_key="555123456",
            meeting_instance_key="",
            name="Cher",
            email="",
            joined=None,
            left=None,
            duration_minutes=3,
        ),
    ]
