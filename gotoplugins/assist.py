"""GoToAssist Remote Support client: one function per endpoint (goto-api.md §6), typed results."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from gotoplugins.http import GoToApi, JsonValue
from gotoplugins.types import Record, format_time

logger = logging.getLogger(__name__)

BASE = "/G2A/rest/v1"
SCREEN_SHARING = "screen_sharing"


@dataclass(frozen=True)
class StartedSession:
    """A new screen-sharing session. `launch_url` is the technician's; the customer's is apart."""

    session_id: str
    launch_url: str
    customer_join_url: str


@dataclass(frozen=True)
class Session:
    session_id: str
    session_type: str
    status: str  # waiting, active, complete, abandoned or notStarted
    customer_name: str
    customer_email: str
    expert_name: str
    expert_email: str
    partner_object: str
    started_at: datetime | None
    customer_joined_at: datetime | None
    ended_at: datetime | None


def create_session(
    api: GoToApi,
    *,
    customer_name: str = "",
    customer_email: str = "",
    status_callback_url: str = "",
    partner_object: str = "",
    partner_object_url: str = "",
) -> StartedSession:
    """Start an attended screen-sharing session (§6 `POST /sessions`)."""
    optional = {
        "customerName": customer_name,
        "customerEmail": customer_email,
        "sessionStatusCallbackUrl": status_callback_url,
        "partnerObject": partner_object,
        "partnerObjectUrl": partner_object_url,
    }
    # No machineUuid: an empty one means attended, and leaving it out says the same.
    body: dict[str, JsonValue] = {
        "sessionType": SCREEN_SHARING,
        **{name: value for name, value in optional.items() if value},
    }
    record = Record(api.post(f"{BASE}/sessions", body), "session")
    launch = record.record("startScreenSharing") or Record({}, "session.startScreenSharing")
    return StartedSession(
        session_id=record.text("sessionId"),
        launch_url=launch.required_text("launchUrl"),
        customer_join_url=record.text("customerJoinUrl"),
    )


def list_sessions(
    api: GoToApi, from_time: datetime, to_time: datetime, session_type: str = SCREEN_SHARING
) -> list[Session]:
    """Sessions started in the window (§6 `GET /sessions`; GoTo keeps at least 30 days)."""
    params = {
        "sessionType": session_type,
        "fromTime": format_time(from_time),
        "toTime": format_time(to_time),
    }
    record = Record(api.get(f"{BASE}/sessions", params), "sessions")
    sessions = [_session(item) for item in record.records("sessions")]
    total = record.integer("totalNumSessions")
    if total is not None and total > len(sessions):
        # No paging is documented for this list (goto-api.md §6); say so rather than guess.
        logger.warning("GoToAssist listed %d of %d sessions", len(sessions), total)
    return sessions


def _session(record: Record) -> Session:
    return Session(
        session_id=record.required_text("sessionId"),
        session_type=record.text("sessionType"),
        status=record.text("status"),
        customer_name=record.text("customerName"),
        customer_email=record.text("customerEmail"),
        expert_name=record.text("expertName"),
        expert_email=record.text("expertEmail"),
        partner_object=record.text("partnerObject"),
        started_at=record.optional_instant("startedAt"),
        customer_joined_at=record.optional_instant("customerJoinedAt"),
        ended_at=record.optional_instant("endedAt"),
    )
