"""Fixtures for the registration queue: the seeded emulator answering in this process, a
connected account, the local catalogue mirroring the emulator's events, and a form.

As in the sync tests, only the transport is swapped: the real clients and the real GoToApi
(errors, retries, token handling) talk to the emulator's views through Django's test client,
so each test stays in one database transaction and no backoff sleeps are taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from forms_builder.models import Form, FormAction
from gotoplugins import registrations
from gotoplugins.emulator import models as emulator
from gotoplugins.emulator import seed
from gotoplugins.http import GoToApi, RateLimiter, RetryPolicy
from gotoplugins.models import Event, GoToAccount, ProductConnection
from gotoplugins.oauth import AccountTokens
from gotoplugins.products import PRODUCTS
from tests.forms_builder.helpers import add_field, make_form, person_fields
from tests.gotoplugins.emulator.helpers import EmulatorAdapter, exchange, get_code

HOST = "testserver"
EMULATOR = f"http://{HOST}/goto-emulator"
ANCHOR = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
PRODUCT_CODES = {
    "webinar": emulator.Product.WEBINAR,
    "training": emulator.Product.TRAINING,
    "meeting": emulator.Product.MEETING,
}


@pytest.fixture(autouse=True)
def _emulator_settings(settings: Any) -> Iterator[None]:
    settings.ROOT_URLCONF = "tests.gotoplugins.emulator.urls"
    settings.GOTO_EMULATOR = True
    settings.SITE_URL = f"http://{HOST}"
    settings.GOTO_API_BASE_URL = settings.GOTO_AUTH_BASE_URL = EMULATOR
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> EmulatorAdapter:
    adapter = EmulatorAdapter()

    def api_for(account: GoToAccount) -> GoToApi:
        session = requests.Session()
        session.mount(f"http://{HOST}", adapter)
        return GoToApi(
            settings.GOTO_API_BASE_URL,
            AccountTokens(account),
            session,
            retry=RetryPolicy(max_attempts=2),
            limiter=RateLimiter(rate=1e9, burst=1_000_000),
            sleep=lambda seconds: None,
        )

    monkeypatch.setattr(registrations, "api_for", api_for)
    return adapter


@pytest.fixture
def account(db: None, transport: EmulatorAdapter) -> GoToAccount:
    """A seeded emulator, an account holding its real token, every product on, and the local
    catalogue as a sync would have written it."""
    result = seed.seed(seed.SeedOptions(anchor=ANCHOR))
    client = Client()
    tokens = exchange(client, get_code(client)).json()
    account = GoToAccount.objects.create(
        name="Events team",
        client_id=seed.DEMO_CLIENT_ID,
        client_secret=seed.DEMO_CLIENT_SECRET,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        token_expires_at=datetime.now(UTC) + timedelta(seconds=int(tokens["expires_in"])),
        organizer_key=result.organizer.organizer_key,
        account_key=result.organizer.account_key,
        connected_at=datetime.now(UTC),
    )
    for product in PRODUCTS:
        ProductConnection.objects.update_or_create(
            product=product, defaults={"enabled": True, "account": account}
        )
    for product, code in PRODUCT_CODES.items():
        for row in emulator.Event.objects.filter(product=code):
            Event.objects.create(
                product=product,
                account=account,
                key=row.key,
                subject=row.subject,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                time_zone=row.time_zone,
                status=Event.Status.CANCELLED if row.cancelled else Event.Status.SCHEDULED,
            )
    return account


def upcoming(product: str) -> list[Event]:
    return list(
        Event.objects.filter(
            product=product, starts_at__gt=datetime.now(UTC), status=Event.Status.SCHEDULED
        ).order_by("starts_at")
    )


def registrants(event: Event) -> list[emulator.Registrant]:
    return list(emulator.Registrant.objects.filter(event__key=event.key))


@pytest.fixture
def webinar_form(account: GoToAccount) -> Form:
    """Published: email and names (required, mapped), a required webinar list, and the action
    "Register to GoToWebinar" for the webinar chosen in the form."""
    form = person_fields(make_form("webinar", name="Webinar sign-up"))
    add_field(form, "goto_webinar_event", "Webinar", required=True)
    FormAction.objects.create(
        form=form, action_type="goto_register_webinar", config={"event": "form"}
    )
    return form
