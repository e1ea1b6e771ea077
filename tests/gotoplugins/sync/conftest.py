"""Fixtures for the sync tests: the seeded emulator, answering in this process, and an account.

The sync's GoTo calls go through the real clients and the real `GoToApi` (paging, errors,
token handling); only the transport is swapped: `EmulatorAdapter` hands each request to the
emulator's views through Django's test client instead of a socket. That keeps every test in
one database transaction (no live server, no flush) and lets the tests drop the rate limit
and the retry back-off sleeps, which would otherwise make a sync of the seed take seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client

from gotoplugins.emulator import seed
from gotoplugins.emulator.keys import make_key, make_short_id
from gotoplugins.http import GoToApi, RateLimiter, RetryPolicy
from gotoplugins.models import GoToAccount, ProductConnection, SyncRun
from gotoplugins.oauth import AccountTokens
from gotoplugins.products import PRODUCTS
from gotoplugins.sync import runner, sync_product
from tests.gotoplugins.emulator.helpers import EmulatorAdapter, exchange, get_code

HOST = "testserver"
EMULATOR = f"http://{HOST}/goto-emulator"
# Fixed for the whole test run: every seeded date is at least two days from it, so the time
# of day the tests run at never moves an event between past and upcoming.
ANCHOR = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _emulator_settings(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.gotoplugins.emulator.urls"
    settings.GOTO_EMULATOR = True
    settings.SITE_URL = f"http://{HOST}"
    settings.GOTO_API_BASE_URL = settings.GOTO_AUTH_BASE_URL = EMULATOR


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> EmulatorAdapter:
    """Every GoToApi the sync builds talks to the emulator, without rate limit or sleeps."""
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

    monkeypatch.setattr(runner, "api_for", api_for)
    return adapter


@pytest.fixture
def seeded(db: None) -> seed.SeedResult:
    return seed.seed(seed.SeedOptions(anchor=ANCHOR))


def connect(result: seed.SeedResult) -> GoToAccount:
    """A GoToAccount holding a real emulator token for the seeded organizer, every product on."""
    client = Client()
    answer = exchange(client, get_code(client))
    assert answer.status_code == 200, answer.content
    tokens = answer.json()
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
    return account


@pytest.fixture
def account(seeded: seed.SeedResult, transport: EmulatorAdapter) -> Iterator[GoToAccount]:
    yield connect(seeded)


SEED = 1  # SeedOptions' default


def webinar_key(index: int) -> str:
    return make_key(SEED, "webinar", index)


def training_key(index: int) -> str:
    return make_key(SEED, "training", index)


def meeting_key(index: int) -> str:
    return make_short_id(SEED, "meeting", index)


def sync(product: str, **options: Any) -> SyncRun:
    return sync_product(product, trigger=SyncRun.Trigger.COMMAND, **options)


def sync_all() -> dict[str, SyncRun]:
    return {product: sync(product) for product in PRODUCTS}
