"""GoToAssist Remote Support client against mocked GoTo answers (goto-api.md §6 and §8)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from responses import matchers

from gotoplugins import assist, errors
from tests.gotoplugins import TOKEN, Harness

G2A = "/G2A/rest/v1"


@pytest.fixture
def goto() -> Iterator[Harness]:
    with Harness() as harness:
        yield harness


def test_create_session_returns_the_technician_launch_url(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{G2A}/sessions"),
        json={
            "sessionId": "SS-1234567",
            "sessionType": "screen_sharing",
            "startScreenSharing": {"launchUrl": "https://sandbox.local/g2a/launch/SS-1234567"},
            "customerJoinUrl": "https://sandbox.local/g2a/join/123456789",
        },
        match=[
            matchers.json_params_matcher(
                {
                    "sessionType": "screen_sharing",
                    "customerName": "Bob Ng",
                    "customerEmail": "bob.ng@example.org",
                    "sessionStatusCallbackUrl": "https://convene.example/goto/assist/callback",
                }
            )
        ],
    )

    started = assist.create_session(
        goto.api,
        customer_name="Bob Ng",
        customer_email="bob.ng@example.org",
        status_callback_url="https://convene.example/goto/assist/callback",
    )

    assert started == assist.StartedSession(
        session_id="SS-1234567",
        launch_url="https://sandbox.local/g2a/launch/SS-1234567",
        customer_join_url="https://sandbox.local/g2a/join/123456789",
    )
    assert "oauth_token" not in str(goto.http.calls[0].request.url)
    assert goto.authorization() == f"Bearer {TOKEN}"


def test_create_session_without_a_launch_url_is_malformed(goto: Harness) -> None:
    goto.http.post(goto.url(f"{G2A}/sessions"), json={"sessionId": "SS-1"})

    with pytest.raises(errors.MalformedResponse, match="launchUrl"):
        assist.create_session(goto.api)


def test_create_session_without_a_seat_is_an_authentication_failure(goto: Harness) -> None:
    goto.http.post(goto.url(f"{G2A}/sessions"), status=401)
    goto.http.post(goto.url(f"{G2A}/sessions"), status=401)

    with pytest.raises(errors.AuthenticationFailed):
        assist.create_session(goto.api)


def test_list_sessions_sends_the_window_in_utc(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2A}/sessions"),
        json={
            "totalNumSessions": 2,
            "sessions": [
                {
                    "sessionId": "SS-1234567",
                    "sessionType": "screen_sharing",
                    "status": "complete",
                    "customerName": "Bob Ng",
                    "customerEmail": "bob.ng@example.org",
                    "expertName": "Jane Organizer",
                    "expertEmail": "jane.organizer@example.com",
                    "partnerObject": "contact-42",
                    "startedAt": "2025-06-01T10:00:00Z",
                    "customerJoinedAt": "2025-06-01T10:01:30.500Z",
                    "endedAt": "2025-06-01T10:20:00Z",
                },
                {"sessionId": 7654321, "status": "notStarted"},
            ],
        },
        match=[
            matchers.query_param_matcher(
                {
                    "sessionType": "screen_sharing",
                    "fromTime": "2025-05-01T00:00:00Z",
                    "toTime": "2025-06-01T00:00:00Z",
                }
            )
        ],
    )

    sessions = assist.list_sessions(
        goto.api, datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
    )

    assert sessions[0] == assist.Session(
        session_id="SS-1234567",
        session_type="screen_sharing",
        status="complete",
        customer_name="Bob Ng",
        customer_email="bob.ng@example.org",
        expert_name="Jane Organizer",
        expert_email="jane.organizer@example.com",
        partner_object="contact-42",
        started_at=datetime(2025, 6, 1, 10, 0, tzinfo=UTC),
        customer_joined_at=datetime(2025, 6, 1, 10, 1, 30, 500000, tzinfo=UTC),
        ended_at=datetime(2025, 6, 1, 10, 20, tzinfo=UTC),
    )
    assert (sessions[1].session_id, sessions[1].status, sessions[1].started_at) == (
        "7654321",
        "notStarted",
        None,
    )


def test_list_sessions_warns_when_goto_holds_more_than_it_sent(
    goto: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    goto.http.get(goto.url(f"{G2A}/sessions"), json={"totalNumSessions": 5, "sessions": []})

    with caplog.at_level(logging.WARNING, logger="gotoplugins.assist"):
        sessions = assist.list_sessions(
            goto.api, datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
        )

    assert sessions == []
    assert "listed 0 of 5 sessions" in caplog.text
