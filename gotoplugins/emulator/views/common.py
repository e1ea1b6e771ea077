"""Lookups and the registration rules that GoToWebinar and GoToTraining share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse

from gotoplugins.emulator.api import ApiError, Call, json_response
from gotoplugins.emulator.keys import random_key
from gotoplugins.emulator.models import DuplicateMode, Event, Organizer, Registrant, Session

NOT_FOUND = {
    "g2w": ("NotFound", "Webinar with specified key does not exist."),
    "g2t": ("NoSuchTraining", "Training with specified key does not exist."),
    "g2m": ("NotFound", "Meeting with specified key does not exist."),
}


def find_event(call: Call, product: str, key: str, organizer: Organizer | None = None) -> Event:
    """The event, if the token may see it: 404 when unknown or cancelled, 403 other account."""
    event = (
        Event.objects.select_related("organizer")
        .filter(product=product, key=key, cancelled=False)
        .first()
    )
    if event is None or (organizer is not None and event.organizer_id != organizer.pk):
        code, description = NOT_FOUND[product]
        raise ApiError(404, code, description)
    call.require_account(event.organizer)
    return event


def find_registrant(event: Event, key: str) -> Registrant:
    registrant = Registrant.objects.filter(event=event, key=key).select_related("event").first()
    if registrant is None:
        raise ApiError(404, "NotFound", "Registrant with specified key does not exist.")
    return registrant


def in_window(call: Call, events: QuerySet[Event], start_name: str, end_name: str) -> list[Event]:
    """Events with any scheduled interval overlapping [start, end], sorted by start."""
    start, end = call.required_time(start_name), call.required_time(end_name)
    if end < start:
        raise ApiError(400, "InvalidRequest", f"{end_name} must not be before {start_name}.")
    candidates = events.filter(starts_at__lte=end, ends_at__gte=start).select_related("organizer")
    return [
        event for event in candidates if any(s <= end and e >= start for s, e in event.intervals)
    ]


def with_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions annotated with `attended` and their event's `registered` count."""
    registered = (
        Registrant.objects.filter(event=OuterRef("event"))
        .values("event")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return sessions.select_related("event__organizer").annotate(
        attended=Count("attendances"), registered=Coalesce(Subquery(registered), Value(0))
    )


def attended(session: Session) -> int:
    """The `attended` count that with_counts() annotated."""
    return int(getattr(session, "attended", 0))


def registered(session: Session) -> int:
    return int(getattr(session, "registered", 0))


def register(
    call: Call,
    event: Event,
    *,
    first_name: str,
    last_name: str,
    email: str,
    fields: dict[str, Any],
    created_body: Callable[[Registrant], dict[str, Any]],
    duplicate_description: str,
) -> HttpResponse:
    """Create a registrant (201), or answer a duplicate as the control row's mode says."""
    email = email.strip()
    if "@" not in email or len(email) > 254:
        raise ApiError(400, "InvalidRequest", "email is not a valid e-mail address.")
    existing = Registrant.objects.filter(event=event, email_lower=email.lower()).first()
    if existing is None:
        manual = event.approval_type == "MANUAL"
        try:
            with transaction.atomic():
                registrant = Registrant.objects.create(
                    event=event,
                    key=random_key(),
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    email=email,
                    email_lower=email.lower(),
                    status="WAITING" if manual else "APPROVED",
                    registration_type="LATE" if event.ends_at <= call.now else "REGULAR",
                    registered_at=call.now,
                    time_zone=event.time_zone,
                    fields=fields,
                )
            return json_response(created_body(registrant), status=201)
        except IntegrityError:  # registered concurrently: answer as a duplicate
            existing = Registrant.objects.get(event=event, email_lower=email.lower())
    existing.event = event
    if call.control.duplicate_mode == DuplicateMode.IDEMPOTENT:
        return json_response(created_body(existing), status=201)
    raise ApiError(
        409,
        "DuplicateRegistrant",
        duplicate_description,
        incident=int(random_key()),
        registrantKey=int(existing.key),
    )


def required_strings(data: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The named string fields of a JSON object body; 400 naming any that are missing."""
    if not isinstance(data, dict):
        raise ApiError(400, "InvalidRequest", "The request body must be a JSON object.")
    missing = [n for n in names if not isinstance(data.get(n), str) or not data[n].strip()]
    if missing:
        raise ApiError(400, "InvalidRequest", f"Missing required field(s): {', '.join(missing)}.")
    return {name: data[name] for name in names}
