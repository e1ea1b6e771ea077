"""Small HTML pages: the emulator's index, and where join/start/register links land."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from gotoplugins.emulator.api import Call, json_response
from gotoplugins.emulator.models import AssistSession, Event, OAuthClient, Organizer, Registrant

PRODUCTS = {
    "g2w": "GoToWebinar",
    "g2t": "GoToTraining",
    "g2m": "GoToMeeting",
    "g2a": "GoToAssist",
}
ACTIONS = {
    "join": "You joined",
    "start": "You started, as the organizer,",
    "register": "Registration page of",
    "confirm": "Registration confirmed for",
    "launch": "Technician console opened for",
}


def index(call: Call) -> HttpResponse:
    context = {
        "organizers": Organizer.objects.all(),
        "clients": OAuthClient.objects.all(),
        "counts": {
            product: Event.objects.filter(product=product).count() for product in ("g2w", "g2t")
        },
    }
    return render(call.request, "goto_emulator/index.html", context)


def landing(call: Call, action: str, product: str, key: str, other: str = "") -> HttpResponse:
    """Stands in for GoTo's join, start and registration pages (the request log records it)."""
    if product == "g2a":
        session = AssistSession.objects.filter(session_id=key).first()
        what = f"support session {key}" if session else ""
    else:
        event = Event.objects.filter(product=product, key=key).first()
        what = f"“{event.subject}”" if event else ""
        registrant = Registrant.objects.filter(event=event, key=other).first() if other else None
        if what and registrant:
            what += f" as {registrant.first_name} {registrant.last_name}"
    if not what or action not in ACTIONS or product not in PRODUCTS:
        context = {"title": "Not found", "message": "This link does not lead anywhere."}
        return render(call.request, "goto_emulator/page.html", context, status=404)
    message = f"{ACTIONS[action]} {what} — emulated {PRODUCTS[product]}."
    context = {"title": PRODUCTS[product], "message": message}
    return render(call.request, "goto_emulator/page.html", context)


def unrouted(call: Call, **kwargs: str) -> HttpResponse:
    """What api.getgo.com answers for a path it does not route."""
    body = {"errorCode": "NOT_FOUND", "message": f"No endpoint {call.path}"}
    return json_response(body, status=404)
