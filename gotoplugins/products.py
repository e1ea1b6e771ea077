"""The four GoTo products Convene connects to, and what each can do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Capability(StrEnum):
    REGISTRATION = "registration"
    ATTENDANCE = "attendance"
    START_LINK = "start_link"
    JOIN_LINK = "join_link"
    SESSIONS = "sessions"


@dataclass(frozen=True)
class Product:
    key: str
    label: str
    icon: str
    description: str
    capabilities: frozenset[Capability]


WEBINAR = Product(
    "webinar",
    "GoToWebinar",
    "bi-easel",
    "Register contacts to webinars and pull registrants and attendees.",
    frozenset(
        {
            Capability.REGISTRATION,
            Capability.ATTENDANCE,
            Capability.JOIN_LINK,
            Capability.START_LINK,
        }
    ),
)
MEETING = Product(
    "meeting",
    "GoToMeeting",
    "bi-camera-video",
    "Send start links to hosts and pull meeting attendees.",
    frozenset({Capability.ATTENDANCE, Capability.START_LINK}),
)
TRAINING = Product(
    "training",
    "GoToTraining",
    "bi-mortarboard",
    "Register contacts to trainings and pull attendance of every session.",
    frozenset(
        {
            Capability.REGISTRATION,
            Capability.ATTENDANCE,
            Capability.JOIN_LINK,
            Capability.START_LINK,
        }
    ),
)
ASSIST = Product(
    "assist",
    "GoToAssist",
    "bi-headset",
    "Start remote-support screen-sharing sessions and record them.",
    frozenset({Capability.SESSIONS, Capability.START_LINK}),
)

PRODUCTS: dict[str, Product] = {p.key: p for p in (WEBINAR, MEETING, TRAINING, ASSIST)}


def product_choices() -> list[tuple[str, str]]:
    return [(product.key, product.label) for product in PRODUCTS.values()]


def get_product(key: str) -> Product:
    return PRODUCTS[key]
