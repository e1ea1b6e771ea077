"""Fixtures for the emulator tests: the emulator mounted, a small seed, a token, an API caller."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gotoplugins.emulator import seed
from gotoplugins.emulator.models import Organizer
from tests.gotoplugins.emulator.helpers import Api, exchange, get_code


@pytest.fixture(autouse=True)
def _emulator_settings(settings: Any) -> None:
    """Mount the emulator whatever GOTO_EMULATOR was at import; fixed absolute URLs."""
    settings.ROOT_URLCONF = "tests.gotoplugins.emulator.urls"
    settings.GOTO_EMULATOR = True
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def seeded(db: None) -> seed.SeedResult:
    """The default demo seed (seed 1), built around midnight UTC today."""
    return seed.seed(seed.SeedOptions())


@pytest.fixture
def organizer(seeded: seed.SeedResult) -> Organizer:
    return seeded.organizer


@pytest.fixture
def tokens(seeded: seed.SeedResult) -> dict[str, Any]:
    """A token answer for the seeded organizer, through authorize and the token endpoint."""
    client = Client()
    response = exchange(client, get_code(client))
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def api(tokens: dict[str, Any]) -> Api:
    return Api(tokens["access_token"])
