"""What GoTo contributes to the core apps through their registries (DESIGN.md rule 1).

`register()` is called once from GotopluginsConfig.ready(). For now: the timeline kinds of the
sync's participation entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contacts.timeline import ActivityKind, register_kind
from gotoplugins.products import PRODUCTS

GOTO_REGISTERED = "goto_registered"
GOTO_ATTENDED = "goto_attended"
GOTO_CANCELLED = "goto_cancelled"


def render_participation(details: Mapping[str, Any]) -> list[str]:
    """Event and product, a registration awaiting approval, minutes attended."""
    lines = []
    product = PRODUCTS.get(str(details.get("product") or ""))
    event = details.get("event")
    if event:
        lines.append(f"{product.label if product else 'GoTo'}: {event}")
    status = details.get("registration_status")
    if status == "WAITING":
        lines.append("Awaiting the organizer's approval: no join link yet")
    elif status == "DENIED":
        lines.append("Declined by the organizer")
    minutes = details.get("minutes")
    if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes > 0:
        lines.append(f"Attended for {minutes} min")
    return lines


def participation_links(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The person's own join link, as GoTo gave it when they registered (staff only see it)."""
    url = details.get("join_url")
    return [("Join link", url)] if isinstance(url, str) and url else []


def register_timeline_kinds() -> None:
    for key, label, icon in (
        (GOTO_REGISTERED, "Registered (GoTo)", "bi-calendar-check"),
        (GOTO_ATTENDED, "Attended (GoTo)", "bi-person-video3"),
        (GOTO_CANCELLED, "Registration cancelled (GoTo)", "bi-calendar-x"),
    ):
        register_kind(ActivityKind(key, label, icon, render_participation, participation_links))


def register() -> None:
    register_timeline_kinds()
