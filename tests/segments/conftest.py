"""Factories for segment tests: contacts, GoTo events and participation rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contacts.models import Contact
from gotoplugins.models import Event, GoToAccount, Participation

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def make_contact(db: None) -> Callable[..., Contact]:
    def make(email: str, **fields: Any) -> Contact:
        return Contact.objects.create(email=email, **fields)

    return make


@pytest.fixture
def goto_account(db: None) -> GoToAccount:
    return GoToAccount.objects.create(name="Main", client_id="client", client_secret="secret")


@pytest.fixture
def make_event(goto_account: GoToAccount) -> Callable[..., Event]:
    def make(
        key: str,
        subject: str = "Product tour",
        *,
        product: str = "webinar",
        starts_at: datetime | None = None,
        hours: int = 1,
        status: str = Event.Status.SCHEDULED,
    ) -> Event:
        start = starts_at or NOW - timedelta(days=7)
        return Event.objects.create(
            product=product,
            account=goto_account,
            key=key,
            subject=subject,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            status=status,
        )

    return make


@pytest.fixture
def participate(db: None) -> Callable[..., Participation]:
    def make(event: Event, contact: Contact, kind: str, **fields: Any) -> Participation:
        return Participation.objects.create(event=event, contact=contact, kind=kind, **fields)

    return make


def all_of(*filters: dict[str, Any], match: str = "all") -> dict[str, Any]:
    """Filters in one group."""
    return {"match": "all", "groups": [{"match": match, "filters": list(filters)}]}


def f(kind: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"kind": kind, "operator": operator, "value": value}
