"""The GoTo sync as production runs it: a task through Redis, the worker calling GoTo over HTTP.

GoTo is the emulator, served by pytest-django's live_server from the same PostgreSQL database;
the worker's GOTO_API_BASE_URL and GOTO_AUTH_BASE_URL point at it (tests/integration/conftest.py).
The first run is started by the Plugins page's "Sync now", the second as beat enqueues it. The
account is connected the way the Plugins page does it: Convene's authorization URL, GoTo's
consent (answered by the emulator's `emulator_consent=allow`), the code exchanged by
`connections.complete_authorization`. The rows are then checked against the emulator's tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from contacts.models import Contact
from gotoplugins import connections, oauth, tasks
from gotoplugins.emulator import models as emulator
from gotoplugins.models import Event, GoToAccount, Participation, ProductConnection, SyncRun
from tests.integration.conftest import wait_for
from tests.services import CeleryWorker

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


def finished_run(product: str, trigger: str, after: int) -> Callable[[], SyncRun | None]:
    def probe() -> SyncRun | None:
        run = SyncRun.objects.filter(product=product, trigger=trigger, pk__gt=after).first()
        return run if run is not None and run.status != SyncRun.Status.RUNNING else None

    return probe


def test_sync_now_and_the_scheduled_sync_run_in_the_worker(
    celery_worker: CeleryWorker, site: str, admin_client: Client
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

    # "Sync now" on the Plugins page: the view queues the task on commit and returns at once.
    response = admin_client.post(reverse("gotoplugins:product-sync", args=["webinar"]))
    assert response.status_code == 302
    run = wait_for(
        finished_run("webinar", SyncRun.Trigger.BUTTON, after=0),
        "the Sync now run to finish",
        celery_worker,
    )
    assert run.status == SyncRun.Status.SUCCESS, run.errors

    # The catalogue: every seeded webinar, by its GoTo key.
    seeded_keys = set(emulator.Event.objects.filter(product="g2w").values_list("key", flat=True))
    assert len(seeded_keys) == WEBINARS
    assert set(Event.objects.filter(product="webinar").values_list("key", flat=True)) == (
        seeded_keys
    )
    # Registrations: one per emulator registrant, matched to contacts by normalised email.
    expected = {
        (r.event.key, r.email.strip().lower())
        for r in emulator.Registrant.objects.filter(event__product="g2w").select_related("event")
    }
    assert len(expected) == WEBINARS * REGISTRANTS_PER_WEBINAR
    assert registrations() == expected
    emails = {email for _, email in expected}
    assert Contact.objects.filter(email__in=emails).count() == len(emails)
    assert run.counts["new_registrations"] == len(expected)
    # Attendance: one row per person who joined a held session.
    attended = {
        (a.session.event.key, a.email.strip().lower())
        for a in emulator.Attendance.objects.filter(session__event__product="g2w").select_related(
            "session__event"
        )
    }
    assert attended, "the seed has past webinars with attendees"
    assert attendances() == attended
    assert run.counts["new_attendances"] == len(attended)

    # The scheduled run, enqueued as beat does it (config/celery.py), finds nothing new.
    tasks.sync_product_task.delay("webinar")
    second = wait_for(
        finished_run("webinar", SyncRun.Trigger.SCHEDULE, after=run.pk),
        "the scheduled run to finish",
        celery_worker,
    )
    assert second.status == SyncRun.Status.SUCCESS, second.errors
    assert (second.counts["new_registrations"], second.counts["new_contacts"]) == (0, 0)
    assert (registrations(), attendances()) == (expected, attended)

    # Both ran in the worker process, not inline here.
    log = celery_worker.log()[log_start:]
    finished = re.findall(r"Task gotoplugins\.sync_product\[[0-9a-f-]+\] succeeded", log)
    assert len(finished) == 2, celery_worker.tail()


def registrations() -> set[tuple[str, str]]:
    return set(
        Participation.objects.filter(event__product="webinar", kind="registered").values_list(
            "event__key", "contact__email"
        )
    )


def attendances() -> set[tuple[str, str]]:
    return set(
        Participation.objects.filter(event__product="webinar", kind="attended").values_list(
            "event__key", "contact__email"
        )
    )
