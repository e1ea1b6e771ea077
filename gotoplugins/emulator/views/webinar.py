"""GoToWebinar v2 (goto-api.md section 2), below /G2W/rest/v2."""

from __future__ import annotations

from django.http import HttpResponse

from gotoplugins.emulator import serializers
from gotoplugins.emulator.api import ApiError, Call, json_response, no_content
from gotoplugins.emulator.models import Attendance, Event, Product, Session
from gotoplugins.emulator.paging import flat_page, hal_page
from gotoplugins.emulator.views.common import (
    attended,
    find_event,
    find_registrant,
    in_window,
    register,
    registered,
    required_strings,
    with_counts,
)

V1_ACCEPT = "application/vnd.citrix.g2wapi-v1.1+json"


def list_webinars(call: Call, organizer_key: str) -> HttpResponse:
    organizer = call.organizer_in_account(organizer_key)
    events = Event.objects.filter(product=Product.WEBINAR, organizer=organizer, cancelled=False)
    webinars = in_window(call, events, "fromTime", "toTime")
    return json_response(hal_page(call, "webinars", webinars, serializers.g2w_webinar))


def list_account_webinars(call: Call, account_key: str) -> HttpResponse:
    if account_key != call.organizer.account_key:
        raise ApiError(403, "AccessDenied", "The access token does not belong to this account.")
    events = Event.objects.filter(
        product=Product.WEBINAR, organizer__account_key=account_key, cancelled=False
    )
    webinars = in_window(call, events, "fromTime", "toTime")
    return json_response(hal_page(call, "webinars", webinars, serializers.g2w_webinar))


def get_webinar(call: Call, organizer_key: str, webinar_key: str) -> HttpResponse:
    event = _webinar(call, organizer_key, webinar_key)
    count = event.registrants.count()
    return json_response(serializers.g2w_webinar_by_key(event, count, call.now))


def start_url(call: Call, webinar_key: str) -> HttpResponse:
    event = find_event(call, Product.WEBINAR, webinar_key)
    return json_response({"startUrl": serializers.start_url(event)})


def list_registrants(call: Call, organizer_key: str, webinar_key: str) -> HttpResponse:
    """A plain array, or {data,total,page,limit,pageSize} when page or limit is sent."""
    event = _webinar(call, organizer_key, webinar_key)
    registrants = event.registrants.select_related("event").order_by("registered_at", "id")
    if "page" in call.request.GET or "limit" in call.request.GET:
        return json_response(flat_page(call, registrants, serializers.g2w_registrant))
    return json_response([serializers.g2w_registrant(r) for r in registrants])


def create_registrant(call: Call, organizer_key: str, webinar_key: str) -> HttpResponse:
    event = _webinar(call, organizer_key, webinar_key)
    data = call.json_body()
    person = required_strings(data, ("firstName", "lastName", "email"))
    fields = {}
    if V1_ACCEPT not in call.request.headers.get("Accept", ""):  # v1.1: names and email only
        fields = {name: data[name] for name in serializers.DETAIL_FIELDS if name in data}
        if isinstance(data.get("responses"), list):
            fields["responses"] = data["responses"]
    return register(
        call,
        event,
        first_name=person["firstName"],
        last_name=person["lastName"],
        email=person["email"],
        fields=fields,
        created_body=serializers.g2w_created_registrant,
        duplicate_description="The user is already registered.",
    )


def registration_fields(call: Call, organizer_key: str, webinar_key: str) -> HttpResponse:
    _webinar(call, organizer_key, webinar_key)
    return json_response(serializers.REGISTRATION_FIELDS)


def get_registrant(
    call: Call, organizer_key: str, webinar_key: str, registrant_key: str
) -> HttpResponse:
    registrant = find_registrant(_webinar(call, organizer_key, webinar_key), registrant_key)
    return json_response(serializers.g2w_registrant_detailed(registrant))


def delete_registrant(
    call: Call, organizer_key: str, webinar_key: str, registrant_key: str
) -> HttpResponse:
    event = _webinar(call, organizer_key, webinar_key)
    registrant = find_registrant(event, registrant_key)
    if event.starts_at <= call.now:
        raise ApiError(400, "InvalidRequest", "Registrants can be deleted only before the webinar.")
    registrant.delete()
    return no_content()


def list_organizer_sessions(call: Call, organizer_key: str) -> HttpResponse:
    """Completed sessions of all the organizer's webinars that started inside the window."""
    organizer = call.organizer_in_account(organizer_key)
    start, end = call.required_time("fromTime"), call.required_time("toTime")
    sessions = with_counts(
        Session.objects.filter(
            event__product=Product.WEBINAR,
            event__organizer=organizer,
            starts_at__gte=start,
            starts_at__lte=end,
            ends_at__lte=call.now,
        ).order_by("starts_at", "id")
    )
    return json_response(hal_page(call, "sessionInfoResources", sessions, _session))


def list_sessions(call: Call, organizer_key: str, webinar_key: str) -> HttpResponse:
    event = _webinar(call, organizer_key, webinar_key)
    sessions = with_counts(event.sessions.filter(ends_at__lte=call.now).order_by("starts_at", "id"))
    return json_response(hal_page(call, "sessionInfoResources", sessions, _session))


def session_attendees(
    call: Call, organizer_key: str, webinar_key: str, session_key: str
) -> HttpResponse:
    """A plain array of Attendee (also the answer to GET .../sessions/{sessionKey})."""
    event = _webinar(call, organizer_key, webinar_key)
    session = Session.objects.filter(event=event, key=session_key).first()
    if session is None:
        raise ApiError(404, "NotFound", "Session with specified key does not exist.")
    attendances = Attendance.objects.filter(session=session).select_related("registrant", "session")
    return json_response([serializers.g2w_attendee(a) for a in attendances])


def webinar_attendees(call: Call, organizer_key: str, webinar_key: str) -> HttpResponse:
    """Attendees of all sessions, HAL-paged under attendeeParticipationResponses."""
    event = _webinar(call, organizer_key, webinar_key)
    attendances = (
        Attendance.objects.filter(session__event=event)
        .select_related("registrant", "session")
        .order_by("session__starts_at", "id")
    )
    body = hal_page(call, "attendeeParticipationResponses", attendances, serializers.g2w_attendee)
    return json_response(body)


def _webinar(call: Call, organizer_key: str, webinar_key: str) -> Event:
    organizer = call.organizer_in_account(organizer_key)
    return find_event(call, Product.WEBINAR, webinar_key, organizer)


def _session(session: Session) -> dict[str, object]:
    return serializers.g2w_session(session, attended(session), registered(session))
