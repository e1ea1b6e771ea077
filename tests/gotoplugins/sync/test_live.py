"""One sync over real HTTP: the emulator on live_server, the production session and rate limit.

The emulator writes its request log to the same database while the sync runs, so on SQLite
this also shows the sync holds no write transaction across a GoTo call (the emulator would
wait for the lock and the call would time out).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from gotoplugins.emulator import seed
from gotoplugins.models import SyncRun
from tests.gotoplugins.sync.conftest import ANCHOR, connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_emulator(live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    base = str(live_server.url)
    settings.SITE_URL = base
    settings.GOTO_API_BASE_URL = settings.GOTO_AUTH_BASE_URL = f"{base}/goto-emulator"
    if connection.vendor == "sqlite":  # a held lock fails within a second instead of 20
        options = connections.settings["default"].setdefault("OPTIONS", {})
        monkeypatch.setitem(options, "timeout", 1)
    return base


def test_the_command_syncs_the_seed_over_http(live_emulator: str) -> None:
    connect(seed.seed(seed.SeedOptions(anchor=ANCHOR)))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("citrix_sync", stdout=out, stderr=io.StringIO())
    assert exit_.value.code == 0, out.getvalue()
    runs = {run.product: run for run in SyncRun.objects.all()}
    assert {product: run.status for product, run in runs.items()} == dict.fromkeys(
        ("webinar", "training", "meeting", "assist"), "success"
    )
    assert (
        runs["webinar"].counts["new_registrations"],
        runs["webinar"].counts["new_attendances"],
    ) == (72, 25)
