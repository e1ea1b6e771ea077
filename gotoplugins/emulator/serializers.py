"""GoTo's JSON shapes, built from the emulator's rows.

Number-vs-string typing of keys follows goto-api.md sections 2-6 exactly: for example the
G2W list item carries `"webinarKey": "451..."` while GET-by-key carries `"webinarKey": 451...`.
`_n` marks the places where GoTo answers with a JSON number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gotoplugins.emulator.api import site_url
from gotoplugins.emulator.keys import iso
from gotoplugins.emulator.models import (
    AssistSession,
    Attendance,
    Event,
    Organizer,
    Registrant,
    Session,
    interval_seconds,
)

# The registration form of every emulated webinar (GET .../registrants/fields).
REGISTRATION_FIELDS: dict[str, Any] = {
    "fields": [
        {"field": "firstName", "required": True, "maxSize": 128},
        {"field": "lastName", "required": True, "maxSize": 128},
        {"field": "email", "required": True, "maxSize": 128},
        {"field": "organization", "required": False, "maxSize": 128},
        {"field": "jobTitle", "required": False, "maxSize": 128},
        {
            "field": "industry",
            "required": False,
            "maxSize": 128,
            "answers": ["Education", "Finance", "Software", "Other"],
        },
    ],
    "questions": [
        {
            "questionKey": 55001,
            "question": "How did you hear about us?",
            "required": False,
            "type": "shortAnswer",
            "maxSize": 256,
        },
        {
            "questionKey": 55002,
            "question": "Role",
            "required": False,
            "type": "multipleChoice",
            "maxSize": 128,
            "answers": [
                {"answerKey": 66001, "answer": "Developer"},
                {"answerKey": 66002, "answer": "Manager"},
            ],
        },
    ],
}
_QUESTIONS = {q["questionKey"]: q for q in REGISTRATION_FIELDS["questions"]}
DETAIL_FIELDS = (
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
)


def _n(key: str) -> int:
    return int(key)


def minutes(seconds: int) -> int:
    return (seconds + 30) // 60


def in_session(event: Event, now: datetime) -> bool:
    return any(start <= now < end for start, end in event.intervals)


# --- URLs handed out in answers: they open the emulator's own small pages ---------------------


def registration_url(event: Event) -> str:
    return site_url(f"/_app/register/{event.product}/{event.key}")


def join_url(registrant: Registrant) -> str:
    return site_url(
        f"/_app/join/{registrant.event.product}/{registrant.event.key}/{registrant.key}"
    )


def start_url(event: Event) -> str:
    return site_url(f"/_app/start/{event.product}/{event.key}")


# --- Identity ---------------------------------------------------------------------------------


def scim_me(organizer: Organizer) -> dict[str, Any]:
    extension = "urn:scim:schemas:extension:getgo:1.0"
    return {
        "schemas": ["urn:scim:schemas:core:1.0", extension],
        "id": organizer.organizer_key,
        "userName": organizer.email,
        "name": {"givenName": organizer.first_name, "familyName": organizer.last_name},
        "displayName": organizer.full_name,
        "emails": [{"value": organizer.email, "type": "work", "primary": True}],
        "locale": organizer.locale,
        "timezone": organizer.time_zone,
        extension: {
            "accounts": [
                {
                    "value": organizer.account_key,
                    "display": organizer.account_name,
                    "entitlements": ["g2w", "g2m", "g2t", "g2a"],
                }
            ]
        },
    }


def admin_me(organizer: Organizer) -> dict[str, Any]:
    return {
        "key": organizer.organizer_key,
        "accountKey": organizer.account_key,
        "email": organizer.email,
        "firstName": organizer.first_name,
        "lastName": organizer.last_name,
        "locale": organizer.locale,
        "adminRoles": ["SUPER_USER", "MANAGE_USERS"],
        "accounts": [
            {
                "key": organizer.account_key,
                "name": organizer.account_name,
                "adminRoles": ["SUPER_USER"],
            }
        ],
        "createTime": 1577836800000,
        "products": ["G2M", "G2W", "G2T", "G2A"],
    }


# --- GoToWebinar (section 2) ------------------------------------------------------------------


def _webinar_times(event: Event) -> list[dict[str, str]]:
    return [{"startTime": iso(start), "endTime": iso(end)} for start, end in event.intervals]


def g2w_webinar(event: Event) -> dict[str, Any]:
    """`Webinar`: an item of the webinar lists; keys are strings."""
    return {
        "webinarKey": event.key,
        "webinarID": event.human_id,
        "organizerKey": event.organizer.organizer_key,
        "accountKey": event.organizer.account_key,
        "subject": event.subject,
        "description": event.description,
        "times": _webinar_times(event),
        "timeZone": event.time_zone,
        "locale": event.locale,
        "approvalType": event.approval_type,
        "registrationUrl": registration_url(event),
        "impromptu": False,
        "isPasswordProtected": event.password_protected,
        "recurrenceType": event.recurrence_type,
        "experienceType": event.experience_type,
    }


def g2w_webinar_by_key(event: Event, registrants: int, now: datetime) -> dict[str, Any]:
    """`WebinarByKey`: webinarKey and organizerKey are numbers, accountKey a string."""
    organizer = event.organizer
    return {
        "webinarKey": _n(event.key),
        "webinarID": event.human_id,
        "subject": event.subject,
        "description": event.description,
        "organizerKey": _n(organizer.organizer_key),
        "organizerEmail": organizer.email,
        "organizerName": organizer.full_name,
        "times": _webinar_times(event),
        "registrationUrl": registration_url(event),
        "inSession": in_session(event, now),
        "impromptu": False,
        "type": event.recurrence_type,
        "timeZone": event.time_zone,
        "numberOfRegistrants": registrants,
        "registrationLimit": event.registration_limit,
        "locale": event.locale,
        "accountKey": organizer.account_key,
        "recurrencePeriod": event.recurrence_type,
        "experienceType": event.experience_type,
        "isPasswordProtected": event.password_protected,
    }


def g2w_registrant(registrant: Registrant) -> dict[str, Any]:
    """`Registrant`: registrantKey is a number; joinUrl only once approved."""
    body: dict[str, Any] = {
        "firstName": registrant.first_name,
        "lastName": registrant.last_name,
        "email": registrant.email,
        "registrantKey": _n(registrant.key),
        "registrationDate": iso(registrant.registered_at),
        "status": registrant.status,
        "timeZone": registrant.time_zone,
    }
    if registrant.status == "APPROVED":
        body["joinUrl"] = join_url(registrant)
    return body


def g2w_registrant_detailed(registrant: Registrant) -> dict[str, Any]:
    body = g2w_registrant(registrant)
    for name in DETAIL_FIELDS:
        body[name] = registrant.fields.get(name, "")
    if registrant.event.recurrence_type != "series":
        body["type"] = registrant.registration_type
    body["unsubscribed"] = False
    body["responses"] = [_response(item) for item in registrant.fields.get("responses", [])]
    return body


def _response(item: dict[str, Any]) -> dict[str, str]:
    question = _QUESTIONS.get(item.get("questionKey"), {})
    answer = item.get("responseText", "")
    for choice in question.get("answers", []):
        if choice["answerKey"] == item.get("answerKey"):
            answer = choice["answer"]
    return {"question": question.get("question", ""), "answer": str(answer)}


def g2w_created_registrant(registrant: Registrant) -> dict[str, Any]:
    body: dict[str, Any] = {"registrantKey": _n(registrant.key)}
    if registrant.status == "APPROVED":
        body["joinUrl"] = join_url(registrant)
    body.update(status=registrant.status, asset=True)
    return body


def g2w_session(session: Session, attended: int, registered: int) -> dict[str, Any]:
    """`ReportingSession` (`_embedded.sessionInfoResources[]`): keys are strings."""
    event, organizer = session.event, session.event.organizer
    return {
        "sessionKey": session.key,
        "webinarKey": event.key,
        "webinarName": event.subject,
        "webinarID": event.human_id,
        "startTime": iso(session.starts_at),
        "endTime": iso(session.ends_at),
        "registrantsAttended": attended,
        "registrantCount": registered,
        "accountKey": organizer.account_key,
        "creatingOrganizerKey": organizer.organizer_key,
        "creatingOrganizerName": organizer.full_name,
        "startingOrganizerKey": organizer.organizer_key,
        "startingOrganizerName": organizer.full_name,
        "totalPollCount": 0,
        "timeZone": event.time_zone,
        "experienceType": event.experience_type,
    }


def g2w_attendee(attendance: Attendance) -> dict[str, Any]:
    """`Attendee`: registrantKey and sessionKey are numbers; seconds summed over intervals."""
    return {
        "registrantKey": _n(attendance.registrant.key) if attendance.registrant else None,
        "sessionKey": _n(attendance.session.key),
        "firstName": attendance.first_name,
        "lastName": attendance.last_name,
        "email": attendance.email,
        "attendanceTimeInSeconds": attendance.seconds,
        "attendance": [
            {"joinTime": join, "leaveTime": leave} for join, leave in attendance.intervals
        ],
    }


# --- GoToTraining (section 4) -----------------------------------------------------------------


def g2t_organizer(organizer: Organizer) -> dict[str, Any]:
    return {
        "organizerKey": organizer.organizer_key,
        "email": organizer.email,
        "givenName": organizer.first_name,
        "surname": organizer.last_name,
    }


def g2t_training(event: Event) -> dict[str, Any]:
    """`Training`: trainingKey is a string; times use startDate/endDate."""
    return {
        "trainingKey": event.key,
        "trainingId": event.human_id,
        "name": event.subject,
        "description": event.description,
        "timeZone": event.time_zone,
        "times": [{"startDate": iso(start), "endDate": iso(end)} for start, end in event.intervals],
        "organizers": [g2t_organizer(event.organizer)],
        "registrationSettings": {
            "disableConfirmationEmail": False,
            "disableWebRegistration": False,
        },
    }


def g2t_confirmation_url(registrant: Registrant) -> str:
    return site_url(f"/_app/confirm/g2t/{registrant.event.key}/{registrant.key}")


def g2t_registrant(registrant: Registrant) -> dict[str, Any]:
    return {
        "email": registrant.email,
        "givenName": registrant.first_name,
        "surname": registrant.last_name,
        "status": registrant.status,
        "registrationDate": iso(registrant.registered_at),
        "joinUrl": join_url(registrant),
        "confirmationUrl": g2t_confirmation_url(registrant),
        "registrantKey": registrant.key,
    }


def g2t_created_registrant(registrant: Registrant) -> dict[str, Any]:
    return {
        "joinUrl": join_url(registrant),
        "confirmationUrl": g2t_confirmation_url(registrant),
        "registrantKey": registrant.key,
    }


def g2t_session(session: Session, attended: int) -> dict[str, Any]:
    """`Session` of the reports: sessionKey a string, duration in minutes."""
    seconds = int((session.ends_at - session.starts_at).total_seconds())
    return {
        "sessionKey": session.key,
        "trainingName": session.event.subject,
        "sessionStartTime": iso(session.starts_at),
        "sessionEndTime": iso(session.ends_at),
        "attendanceCount": attended,
        "duration": minutes(seconds),
        "organizers": [g2t_organizer(session.event.organizer)],
    }


def g2t_attendee(attendance: Attendance) -> dict[str, Any]:
    """`Attendee` of a training session: minutes in total and per interval."""
    parts = [
        {
            "joinTime": join,
            "leaveTime": leave,
            "timeInPartOfSession": minutes(interval_seconds(join, leave)),
        }
        for join, leave in attendance.intervals
    ]
    return {
        "givenName": attendance.first_name,
        "surname": attendance.last_name,
        "email": attendance.email,
        "timeInSession": minutes(attendance.seconds),
        "inSessionTimes": parts,
    }


def g2t_absentee(registrant: Registrant) -> dict[str, Any]:
    return {
        "givenName": registrant.first_name,
        "surname": registrant.last_name,
        "email": registrant.email,
        "timeInSession": 0,
        "inSessionTimes": [],
    }


# --- GoToMeeting (section 5) ------------------------------------------------------------------


def _organizer_fields(organizer: Organizer) -> dict[str, Any]:
    return {
        "organizerKey": organizer.organizer_key,
        "accountKey": organizer.account_key,
        "firstName": organizer.first_name,
        "lastName": organizer.last_name,
        "email": organizer.email,
        "locale": organizer.locale,
    }


def g2m_upcoming(event: Event, start: datetime, end: datetime, now: datetime) -> dict[str, Any]:
    """`UpcomingMeeting`: meetingId is a string here."""
    return {
        "meetingId": event.key,
        "subject": event.subject,
        "startTime": iso(start),
        "endTime": iso(end),
        "status": "ACTIVE" if start <= now < end else "INACTIVE",
        "passwordRequired": event.password_protected,
        "conferenceCallInfo": event.conference_call_info,
        "meetingType": event.meeting_type,
        **_organizer_fields(event.organizer),
    }


def g2m_historical(session: Session, attendees: int) -> dict[str, Any]:
    """`HistoricalMeeting`: duration (minutes) and numAttendees are strings."""
    event = session.event
    seconds = int((session.ends_at - session.starts_at).total_seconds())
    return {
        "meetingId": event.key,
        "sessionId": session.key,
        "subject": event.subject,
        "startTime": iso(session.starts_at),
        "endTime": iso(session.ends_at),
        "duration": str(minutes(seconds)),
        "numAttendees": str(attendees),
        "meetingType": event.meeting_type,
        "conferenceCallInfo": event.conference_call_info,
        **_organizer_fields(event.organizer),
    }


def g2m_meeting_by_id(event: Event, now: datetime) -> dict[str, Any]:
    """`MeetingById` (answered inside a one-element array): the ids are numbers."""
    start, end = next_interval(event, now)
    seconds = int((end - start).total_seconds())
    return {
        "meetingId": _n(event.key),
        "meetingKey": _n(event.key),
        "uniqueMeetingId": _n(event.key),
        "subject": event.subject,
        "startTime": iso(start),
        "endTime": iso(end),
        "duration": minutes(seconds),
        "status": "ACTIVE" if in_session(event, now) else "INACTIVE",
        "passwordRequired": event.password_protected,
        "conferenceCallInfo": event.conference_call_info,
        "maxParticipants": 250,
        "meetingType": event.meeting_type,
        "coorganizerKeys": [],
        "createTime": "",
    }


def next_interval(event: Event, now: datetime) -> tuple[datetime, datetime]:
    intervals = event.intervals
    return next(((s, e) for s, e in intervals if e > now), intervals[-1])


def g2m_attendee(attendance: Attendance, attendees: int) -> dict[str, Any]:
    """`AttendeeByMeeting`: first join and last leave, duration in minutes."""
    session, event = attendance.session, attendance.session.event
    organizer = event.organizer
    return {
        "attendeeName": f"{attendance.first_name} {attendance.last_name}".strip(),
        "attendeeEmail": attendance.email,
        "joinTime": attendance.intervals[0][0] if attendance.intervals else None,
        "leaveTime": attendance.intervals[-1][1] if attendance.intervals else None,
        "duration": minutes(attendance.seconds),
        "meetingId": _n(event.key),
        "meetingInstanceKey": session.key,
        "subject": event.subject,
        "startTime": iso(session.starts_at),
        "endTime": iso(session.ends_at),
        "numAttendees": attendees,
        "conferenceCallInfo": event.conference_call_info,
        "meetingType": event.meeting_type,
        "firstName": organizer.first_name,
        "lastName": organizer.last_name,
        "email": organizer.email,
        "name": organizer.full_name,
        "organizerkey": _n(organizer.organizer_key),
        "groupName": "NA",
    }


# --- GoToAssist (section 6) -------------------------------------------------------------------


def g2a_launch_url(session: AssistSession) -> str:
    return site_url(f"/_app/launch/g2a/{session.session_id}")


def g2a_customer_url(session: AssistSession) -> str:
    return site_url(f"/_app/join/g2a/{session.session_id}")


def g2a_created(session: AssistSession) -> dict[str, Any]:
    return {
        "sessionId": session.session_id,
        "sessionType": session.session_type,
        "status": session.status,
        "sessionStartToken": session.start_token,
        "startScreenSharing": {"launchUrl": g2a_launch_url(session)},
        "customerJoinUrl": g2a_customer_url(session),
    }


def g2a_session(session: AssistSession) -> dict[str, Any]:
    organizer = session.organizer
    return {
        "sessionId": session.session_id,
        "sessionType": session.session_type,
        "status": session.status,
        "sessionStartToken": session.start_token,
        "customerJoinUrl": g2a_customer_url(session),
        "partnerObject": session.partner_object,
        "partnerObjectUrl": session.partner_object_url,
        "startedAt": iso(session.started_at),
        "customerJoinedAt": iso(session.customer_joined_at) if session.customer_joined_at else None,
        "endedAt": iso(session.ended_at) if session.ended_at else None,
        "expertName": organizer.full_name,
        "expertEmail": organizer.email,
        "expertUserKey": organizer.organizer_key,
        "customerName": session.customer_name,
        "customerEmail": session.customer_email,
        "accountKey": organizer.account_key,
        "sessionRecordingUrl": None,
    }
