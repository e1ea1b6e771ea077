"""GoToTraining v1 (goto-api.md section 4), below /G2T/rest."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from gotoplugins.emulator import serializers
from gotoplugins.emulator.api import ApiError, Call, json_response, no_content
from gotoplugins.emulator.models import Attendance, Event, Product, Session
from gotoplugins.emulator.views.common import (
    attended,
    find_event,
    find_registrant,
    register,
    required_strings,
    with_counts,
)


def list_trainings(call: Call, organizer_key: str) -> HttpResponse:
    """Scheduled trainings in creation order; completed ones are left out."""
    organizer = call.organizer_in_account(organizer_key)
    trainings = (
        Event.objects.filter(
            product=Product.TRAINING, organizer=organizer, cancelled=False, ends_at__gt=call.now
        )
        .select_related("organizer")
        .order_by("id")
    )
    return json_response([serializers.g2t_training(t) for t in trainings])


def get_training(call: Call, organizer_key: str, training_key: str) -> HttpResponse:
    return json_response(serializers.g2t_training(_training(call, organizer_key, training_key)))


def organizer_start_url(call: Call, organizer_key: str, training_key: str) -> HttpResponse:
    """A bare JSON string, as GoTo answers."""
    return json_response(serializers.start_url(_training(call, organizer_key, training_key)))


def start(call: Call, training_key: str) -> HttpResponse:
    event = find_event(call, Product.TRAINING, training_key)
    return json_response({"hostURL": serializers.start_url(event)})


def list_registrants(call: Call, organizer_key: str, training_key: str) -> HttpResponse:
    event = _training(call, organizer_key, training_key)
    registrants = event.registrants.select_related("event").order_by("registered_at", "id")
    return json_response([serializers.g2t_registrant(r) for r in registrants])


def create_registrant(call: Call, organizer_key: str, training_key: str) -> HttpResponse:
    event = _training(call, organizer_key, training_key)
    person = required_strings(call.json_body(), ("email", "givenName", "surname"))
    return register(
        call,
        event,
        first_name=person["givenName"],
        last_name=person["surname"],
        email=person["email"],
        fields={},
        created_body=serializers.g2t_created_registrant,
        duplicate_description="Registration failed, email address already in use.",
    )


def get_registrant(
    call: Call, organizer_key: str, training_key: str, registrant_key: str
) -> HttpResponse:
    registrant = find_registrant(_training(call, organizer_key, training_key), registrant_key)
    return json_response(serializers.g2t_registrant(registrant))


def delete_registrant(
    call: Call, organizer_key: str, training_key: str, registrant_key: str
) -> HttpResponse:
    find_registrant(_training(call, organizer_key, training_key), registrant_key).delete()
    return no_content()


def training_sessions(call: Call, organizer_key: str, training_key: str) -> HttpResponse:
    event = _training(call, organizer_key, training_key)
    return _sessions(event.sessions.filter(ends_at__lte=call.now))


def organizer_sessions(call: Call, organizer_key: str) -> HttpResponse:
    """POST with the date range in the body: {startDate, endDate}."""
    organizer = call.organizer_in_account(organizer_key)
    body = call.json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidRequest", "The body must be {startDate, endDate}.")
    start = call.required_time("startDate", source=body)
    end = call.required_time("endDate", source=body)
    sessions = Session.objects.filter(
        event__product=Product.TRAINING,
        event__organizer=organizer,
        starts_at__gte=start,
        starts_at__lte=end,
        ends_at__lte=call.now,
    )
    return _sessions(sessions)


def session_attendees(call: Call, organizer_key: str, session_key: str) -> HttpResponse:
    """Attendees first, then registrants who did not come, with timeInSession 0."""
    organizer = call.organizer_in_account(organizer_key)
    session = (
        Session.objects.filter(
            key=session_key, event__product=Product.TRAINING, event__organizer=organizer
        )
        .select_related("event")
        .first()
    )
    if session is None:
        raise ApiError(404, "NoSuchSession", "Session with specified key does not exist.")
    attendances = list(Attendance.objects.filter(session=session))
    came = {a.registrant_id for a in attendances}
    absent = session.event.registrants.exclude(pk__in=came).order_by("registered_at", "id")
    body: list[dict[str, Any]] = [serializers.g2t_attendee(a) for a in attendances]
    body += [serializers.g2t_absentee(r) for r in absent]
    return json_response(body)


def _training(call: Call, organizer_key: str, training_key: str) -> Event:
    organizer = call.organizer_in_account(organizer_key)
    return find_event(call, Product.TRAINING, training_key, organizer)


def _sessions(sessions: Any) -> HttpResponse:
    rows = with_counts(sessions.order_by("starts_at", "id"))
    return json_response([serializers.g2t_session(s, attended(s)) for s in rows])
