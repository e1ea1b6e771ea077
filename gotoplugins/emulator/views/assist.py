"""GoToAssist Remote Support (goto-api.md section 6), below /G2A/rest/v1."""

from __future__ import annotations

import secrets

from django.http import HttpResponse

from gotoplugins.emulator import serializers
from gotoplugins.emulator.api import ApiError, Call, json_response
from gotoplugins.emulator.keys import make_short_id, random_key
from gotoplugins.emulator.models import AssistSession

SESSION_TYPES = ("screen_sharing",)


def create_session(call: Call) -> HttpResponse:
    """Start an attended screen-sharing session: 200 with startScreenSharing.launchUrl."""
    data = call.json_body()
    if not isinstance(data, dict):
        raise ApiError(400, "InvalidRequest", "The request body must be a JSON object.")
    session_type = str(data.get("sessionType", "")).lower()
    if session_type not in SESSION_TYPES:
        raise ApiError(400, "InvalidRequest", "sessionType must be screen_sharing.")
    session = AssistSession.objects.create(
        session_id=make_short_id("g2a", random_key(), digits=10),
        organizer=call.organizer,
        session_type=session_type,
        status="waiting",
        customer_name=str(data.get("customerName", ""))[:200],
        customer_email=str(data.get("customerEmail", ""))[:254],
        partner_object=str(data.get("partnerObject", ""))[:200],
        partner_object_url=str(data.get("partnerObjectUrl", ""))[:500],
        status_callback_url=str(data.get("sessionStatusCallbackUrl", ""))[:500],
        start_token=secrets.token_hex(10),
        started_at=call.now,
    )
    return json_response(serializers.g2a_created(session))


def list_sessions(call: Call) -> HttpResponse:
    """{totalNumSessions, sessions}: the account's sessions started inside the window."""
    start, end = call.required_time("fromTime"), call.required_time("toTime")
    sessions = AssistSession.objects.filter(
        organizer__account_key=call.organizer.account_key,
        started_at__gte=start,
        started_at__lte=end,
    ).select_related("organizer")
    if call.param("sessionType"):
        sessions = sessions.filter(session_type=call.param("sessionType").lower())
    body = [serializers.g2a_session(s) for s in sessions]
    return json_response({"totalNumSessions": len(body), "sessions": body})


def get_session(call: Call, session_id: str) -> HttpResponse:
    session = (
        AssistSession.objects.filter(
            session_id=session_id, organizer__account_key=call.organizer.account_key
        )
        .select_related("organizer")
        .first()
    )
    if session is None:
        raise ApiError(404, "NotFound", "Session not found.")
    return json_response(serializers.g2a_session(session))
