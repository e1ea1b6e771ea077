"""GoToMeeting v1 (goto-api.md section 5), below /G2M/rest."""

from __future__ import annotations

from django.http import HttpResponse

from gotoplugins.emulator import serializers
from gotoplugins.emulator.api import Call, json_response
from gotoplugins.emulator.models import Attendance, Event, Organizer, Product, Session
from gotoplugins.emulator.views.common import attended, find_event, with_counts


def upcoming(call: Call) -> HttpResponse:
    return _upcoming(call, call.organizer)


def organizer_upcoming(call: Call, organizer_key: str) -> HttpResponse:
    return _upcoming(call, call.organizer_in_account(organizer_key))


def historical(call: Call) -> HttpResponse:
    return _historical(call, call.organizer)


def organizer_historical(call: Call, organizer_key: str) -> HttpResponse:
    return _historical(call, call.organizer_in_account(organizer_key))


def get_meeting(call: Call, meeting_id: str) -> HttpResponse:
    """An array with one MeetingById, as GoTo answers."""
    event = find_event(call, Product.MEETING, meeting_id)
    return json_response([serializers.g2m_meeting_by_id(event, call.now)])


def start(call: Call, meeting_id: str) -> HttpResponse:
    event = find_event(call, Product.MEETING, meeting_id)
    return json_response({"hostURL": serializers.start_url(event)})


def attendees(call: Call, meeting_id: str) -> HttpResponse:
    """Attendees of every held instance of the meeting."""
    event = find_event(call, Product.MEETING, meeting_id)
    sessions = {s.pk: s for s in with_counts(event.sessions.filter(ends_at__lte=call.now))}
    attendances = Attendance.objects.filter(session__in=sessions.keys()).order_by(
        "session__starts_at", "id"
    )
    body = []
    for attendance in attendances:
        attendance.session = sessions[attendance.session_id]
        body.append(serializers.g2m_attendee(attendance, attended(attendance.session)))
    return json_response(body)


def _upcoming(call: Call, organizer: Organizer) -> HttpResponse:
    meetings = Event.objects.filter(
        product=Product.MEETING, organizer=organizer, cancelled=False, ends_at__gt=call.now
    ).select_related("organizer")
    rows = sorted(
        ((serializers.next_interval(m, call.now), m) for m in meetings), key=lambda r: r[0]
    )
    return json_response(
        [serializers.g2m_upcoming(m, start, end, call.now) for (start, end), m in rows]
    )


def _historical(call: Call, organizer: Organizer) -> HttpResponse:
    """Held instances that started inside [startDate, endDate]; ones in progress are left out."""
    start, end = call.required_time("startDate"), call.required_time("endDate")
    sessions = with_counts(
        Session.objects.filter(
            event__product=Product.MEETING,
            event__organizer=organizer,
            starts_at__gte=start,
            starts_at__lte=end,
            ends_at__lte=call.now,
        ).order_by("starts_at", "id")
    )
    return json_response([serializers.g2m_historical(s, attended(s)) for s in sessions])
