"""The GoTo sync as production runs it: a task through Redis, the worker calling GoTo over HTTP.

GoTo is the emulator, served by pytest-django's live_server from the same PostgreSQL database;
the worker's GOTO_API_BASE_URL and GOTO_AUTH_BASE_URL point at it (tests/integration/conftest.py).
The account is connected the way the Plugins page does it: Convene's authorization URL, GoTo's
consent (answered by the emulator's `emulator_consent=allow`), the code exchanged by
`connections.complete_authorization`. The rows are then checked against the emulator's tables.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import call_command

from contacts.models import Contact
from gotoplugins import connections, oauth
from gotoplugins.emulator import models as emulator
from gotoplugins.models import Event, GoToAccount, Participation, ProductConnection, SyncRun
from tests.integration.conftest import wait_for
from tests.services import CeleryWorker

tasks = pytest.importorskip(
    "gotoplugins.tasks", reason="gotoplugins/tasks.py (the sync's Celery tasks) is not written yet"
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WEBINARS = 3
REGISTRANTS_PER_WEBINAR = 5


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    """This process's GoTo URLs point at the emulator on live_server, as the worker's do."""
    base = str(live_server.url)
    settings.ROOT_URLCONF = "tests.gotoplugins.emulator.urls"
    settings.SITE_URL = base
    settings.GOTO_API_BASE_URL = settings.GOTO_AUTH_BASE_URL = f"{base}/goto-emulator"
    return base


def connect_webinar(site: str) -> GoToAccount:
    account = GoToAccount.objects.create(
        name="Events team", client_id="convene-demo", client_secret="convene-demo-secret"
    )
    redirect_uri = f"{site}/plugins/oauth/callback/"
    url = oauth.authorization_url(account, redirect_uri, "integration-state")
    consent = requests.get(f"{url}&emulator_consent=allow", allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    params = parse_qs(urlsplit(consent.headers["Location"]).query)
    assert params["state"] == ["integration-state"]
    connections.complete_authorization(account, params["code"][0], redirect_uri)
    account.refresh_from_db()
    assert account.is_connected and account.organizer_key
    ProductConnection.objects.update_or_create(
        product="webinar", defaults={"enabled": True, "account": account}
    )
    return account


def test_the_worker_syncs_gotowebinar_from_the_emulator(
    celery_worker: CeleryWorker, site: str
) -> None:
    call_command(
        "goto_emulator_seed",
        "--reset",
        "--seed=11",
        f"--webinars={WEBINARS}",
        f"--registrants-per-webinar={REGISTRANTS_PER_WEBINAR}",
        "--trainings=0",
        "--meetings=0",
        "--assist-sessions=0",
        verbosity=0,
    )
    connect_webinar(site)
    log_start = len(celery_worker.log())

    tasks.sync_product_task.delay("webinar", trigger=SyncRun.Trigger.SCHEDULE)

    def finished() -> SyncRun | None:
        run = SyncRun.objects.filter(product="webinar").first()
        return run if run is not None and run.status != SyncRun.Status.RUNNING else None

    run = wait_for(finished, "the webinar SyncRun to finish", celery_worker)
    assert run.status == SyncRun.Status.SUCCESS, run.errors

    # The catalogue: every seeded webinar, by its GoTo key.
    seeded_keys = set(emulator.Event.objects.filter(product="g2w").values_list("key", flat=True))
    assert len(seeded_keys) == WEBINARS
    assert set(Event.objects.filter(product="webinar").values_list("key", flat=True)) == (
        seeded_keys
    )
    # Registrations: one per emulator registrant, matched to contacts by normalised email.
    registered = set(
        Participation.objects.filter(event__product="webinar", kind="registered").values_list(
            "event__key", "contact__email"
        )
    )
    expected = {
        (r.event.key, r.email.strip().lower())
        for r in emulator.Registrant.objects.filter(event__product="g2w").select_related("event")
    }
    assert registered == expected
    assert len(expected) == WEBINARS * REGISTRANTS_PER_WEBINAR
    assert Contact.objects.filter(email__in={email for _, email in expected}).count() == len(
        {email for _, email in expected}
    )
    assert run.counts["new_registrations"] == len(expected)

    # It ran in the worker process, not inline here.
    log = celery_worker.log()[log_start:]
    assert re.search(r"Task \S*sync\S*\[[0-9a-f-]+\] succeeded", log), celery_worker.tail()
