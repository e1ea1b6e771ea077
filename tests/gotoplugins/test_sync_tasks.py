"""The Celery side of the sync: the beat schedule, the task, and the Plugins page's Sync now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import responses
from django.test import Client, override_settings
from django.utils import timezone

from config.celery import goto_sync_schedule
from gotoplugins.models import GoToAccount, ProductConnection, SyncRun
from gotoplugins.tasks import sync_product_task

API = "https://api.goto.test"
ORGANIZER = "8439885694023999999"

pytestmark = pytest.mark.usefixtures("goto_api_url")


@pytest.fixture
def goto_api_url():  # type: ignore[no-untyped-def]
    with override_settings(GOTO_API_BASE_URL=API, GOTO_AUTH_BASE_URL=API):
        yield


def connected_webinar(enabled: bool = True) -> ProductConnection:
    account = GoToAccount.objects.create(
        name="Main",
        client_id="c",
        client_secret="s",
        access_token="at",
        refresh_token="rt",
        token_expires_at=timezone.now() + timedelta(hours=1),
        organizer_key=ORGANIZER,
    )
    return ProductConnection.objects.create(product="webinar", enabled=enabled, account=account)


def mock_empty_webinar_list() -> None:
    responses.get(
        f"{API}/G2W/rest/v2/organizers/{ORGANIZER}/webinars",
        json={"page": {"size": 200, "totalElements": 0, "totalPages": 0, "number": 0}},
    )


def test_beat_schedules_each_product_with_an_expiry() -> None:
    schedule = goto_sync_schedule(15, ("webinar", "assist"))
    assert schedule == {
        "goto-sync-webinar": {
            "task": "gotoplugins.sync_product",
            "schedule": timedelta(minutes=15),
            "args": ("webinar",),
            "options": {"expires": 900.0},
        },
        "goto-sync-assist": {
            "task": "gotoplugins.sync_product",
            "schedule": timedelta(minutes=15),
            "args": ("assist",),
            "options": {"expires": 900.0},
        },
    }


def test_the_configured_app_schedules_all_four_products() -> None:
    from config.celery import app

    assert sorted(app.conf.beat_schedule) == [
        "contacts-recover-imports",
        "forms-process-stalled-submissions",
        "goto-retry-registrations",
        "goto-sync-assist",
        "goto-sync-meeting",
        "goto-sync-training",
        "goto-sync-webinar",
        "segments-rebuild-all",
    ]
    assert app.conf.beat_schedule["segments-rebuild-all"]["task"] == "segments.rebuild_all"
    assert app.conf.beat_schedule["segments-rebuild-all"]["options"] == {"expires": 900.0}


@pytest.mark.django_db
def test_a_scheduled_run_of_a_disabled_product_does_nothing() -> None:
    connected_webinar(enabled=False)
    sync_product_task("webinar")
    assert SyncRun.objects.count() == 0


@pytest.mark.django_db
@responses.activate
def test_a_scheduled_run_syncs_an_enabled_product() -> None:
    connected_webinar()
    mock_empty_webinar_list()
    sync_product_task("webinar")
    run = SyncRun.objects.get()
    assert (run.product, run.trigger, run.status) == ("webinar", "schedule", "success")


@responses.activate
def test_sync_now_runs_the_sync_and_shows_it(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    connected_webinar()
    mock_empty_webinar_list()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client.post("/plugins/products/webinar/sync/")
    assert len(callbacks) == 2  # the sync, then the rebuild of segments with GoTo filters
    page = admin_client.get("/plugins/").content.decode()
    assert "GoToWebinar: sync started." in page
    assert "GoToWebinar: sync started." in page
    run = SyncRun.objects.get()
    assert (run.trigger, run.status) == ("button", "success")
    assert "<td>Sync now</td>" in page
    assert "Synced" in page


def test_sync_now_refuses_a_disabled_product(admin_client: Client) -> None:
    connected_webinar(enabled=False)
    response = admin_client.post("/plugins/products/webinar/sync/", follow=True)
    assert "enable it with a connected account before syncing" in response.content.decode()
    assert SyncRun.objects.count() == 0


def test_marketers_cannot_sync(marketer_client: Client) -> None:
    connected_webinar()
    assert marketer_client.post("/plugins/products/webinar/sync/").status_code == 403
    assert SyncRun.objects.count() == 0


def test_recent_syncs_show_errors(admin_client: Client) -> None:
    SyncRun.objects.create(
        product="training",
        trigger="command",
        status="partial",
        counts={"events": 3, "failures": 1},
        errors=[{"event": "123", "message": "GoTo answered 500"}],
    )
    page = admin_client.get("/plugins/").content.decode()
    assert "Partly synced" in page
    assert "123: GoTo answered 500" in page


@pytest.mark.django_db
@responses.activate
def test_segments_with_goto_filters_are_rebuilt_after_a_sync(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from contacts.services import upsert_contact
    from gotoplugins.models import Event, Participation
    from gotoplugins.sync import sync_product
    from segments import services as segments

    connection = connected_webinar()
    contact = upsert_contact("ann@example.com").contact
    event = Event.objects.create(
        product="webinar",
        account=connection.account,
        key="101",
        subject="Launch",
        starts_at=timezone.now() - timedelta(days=400),
        ends_at=timezone.now() - timedelta(days=400),
    )
    Participation.objects.create(event=event, contact=contact, kind="registered")
    with django_capture_on_commit_callbacks(execute=False):
        segment = segments.create_segment(
            name="Registered anywhere",
            filters={
                "match": "all",
                "groups": [
                    {
                        "match": "all",
                        "filters": [
                            {"kind": "goto.webinar.registered", "operator": "any", "value": None}
                        ],
                    }
                ],
            },
        )
    assert not segment.memberships.exists()
    mock_empty_webinar_list()
    with django_capture_on_commit_callbacks(execute=True):
        run = sync_product("webinar", trigger=SyncRun.Trigger.COMMAND)
    assert run.status == "success"
    assert list(segment.memberships.values_list("contact__email", flat=True)) == ["ann@example.com"]
