"""A sync run: readiness, the lock, the window, retries of failed events, --id, the record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from contacts.models import Activity, Contact
from gotoplugins.emulator import faults
from gotoplugins.emulator import models as emulator
from gotoplugins.models import Event, GoToAccount, Participation, ProductConnection, SyncRun
from gotoplugins.products import PRODUCTS
from gotoplugins.sync import lock, products_to_sync
from gotoplugins.sync.writer import SOURCE_TYPE
from tests.gotoplugins.sync.conftest import (
    EmulatorAdapter,
    meeting_key,
    sync,
    training_key,
    webinar_key,
)
from tests.gotoplugins.sync.test_sync import participation_rows

pytestmark = pytest.mark.django_db


def registrant_reads(transport: EmulatorAdapter) -> set[str]:
    """The webinar keys whose registrants the sync asked GoTo for."""
    return {
        path.split("/webinars/")[1].split("/")[0]
        for _, path, _ in transport.calls
        if path.endswith("/registrants")
    }


# --- Ready or not -----------------------------------------------------------------------------


def test_an_account_waiting_for_a_reconnect_fails_the_run_with_a_clear_message(
    account: GoToAccount, transport: EmulatorAdapter
) -> None:
    account.needs_reconnect = True
    account.save()
    run = sync("webinar")
    assert run.status == SyncRun.Status.FAILED
    assert run.errors == [
        {
            "event": "",
            "message": "The GoTo account “Events team” needs to be reconnected "
            "(Plugins page → Connect).",
        }
    ]
    assert transport.calls == []
    assert "reconnected" in ProductConnection.objects.get(product="webinar").last_error


def test_a_grant_found_dead_during_the_run_fails_it_and_marks_the_account(
    account: GoToAccount, transport: EmulatorAdapter
) -> None:
    account.token_expires_at = timezone.now() - timedelta(minutes=5)
    account.refresh_token = ""
    account.save()
    run = sync("webinar")
    assert run.status == SyncRun.Status.FAILED
    assert run.errors[0]["message"].startswith(
        "The GoTo account “Events team” needs to be reconnected"
    )
    account.refresh_from_db()
    assert account.needs_reconnect
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"enabled": False}, "GoToWebinar is not enabled (Plugins page)."),
        ({"account": None}, "GoToWebinar has no GoTo account (Plugins page)."),
    ],
)
def test_a_product_that_cannot_sync_fails_with_why(
    account: GoToAccount, change: dict[str, Any], message: str
) -> None:
    ProductConnection.objects.filter(product="webinar").update(**change)
    run = sync("webinar")
    assert (run.status, run.errors) == (SyncRun.Status.FAILED, [{"event": "", "message": message}])
    assert run.finished_at is not None


def test_products_to_sync_are_the_enabled_connected_ones(account: GoToAccount) -> None:
    assert products_to_sync() == list(PRODUCTS)
    ProductConnection.objects.filter(product="meeting").update(enabled=False)
    other = GoToAccount.objects.create(name="Old", client_id="x", client_secret="y")
    ProductConnection.objects.filter(product="assist").update(account=other)  # never connected
    assert products_to_sync() == ["webinar", "training"]
    GoToAccount.objects.filter(pk=account.pk).update(needs_reconnect=True)
    assert products_to_sync() == []


# --- The lock ---------------------------------------------------------------------------------


def test_a_second_run_of_the_same_product_is_skipped_while_the_first_runs(
    account: GoToAccount,
) -> None:
    inner: list[SyncRun] = []

    def progress(done: int, total: int) -> None:
        if not inner:
            inner.append(sync("webinar"))  # e.g. a "Sync now" click during a scheduled run
            inner.append(sync("meeting"))  # another product is not held up

    outer = sync("webinar", progress=progress)
    assert outer.status == SyncRun.Status.SUCCESS
    skipped, other = inner
    assert skipped.status == SyncRun.Status.SKIPPED
    assert skipped.errors[0]["message"].startswith("Another GoToWebinar sync is running")
    assert SyncRun.objects.filter(pk=skipped.pk, status="skipped").exists()
    assert other.status == SyncRun.Status.SUCCESS
    connection = ProductConnection.objects.get(product="webinar")
    assert (connection.sync_lock_token, connection.sync_locked_until) == ("", None)


def test_a_held_lock_means_no_goto_call_and_is_left_alone(
    account: GoToAccount, transport: EmulatorAdapter
) -> None:
    until = timezone.now() + timedelta(minutes=10)
    ProductConnection.objects.filter(product="webinar").update(
        sync_lock_token="someone-else", sync_locked_until=until
    )
    assert sync("webinar").status == SyncRun.Status.SKIPPED
    assert transport.calls == []
    assert ProductConnection.objects.get(product="webinar").sync_lock_token == "someone-else"


def test_an_expired_lock_is_taken_over(account: GoToAccount) -> None:
    ProductConnection.objects.filter(product="webinar").update(
        sync_lock_token="killed-worker", sync_locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert sync("webinar").status == SyncRun.Status.SUCCESS
    assert ProductConnection.objects.get(product="webinar").sync_lock_token == ""


def test_the_lock_is_released_after_a_failed_run(account: GoToAccount) -> None:
    faults.add_fault("/G2W/rest/v2/organizers/*/webinars", status=500, times=None)
    assert sync("webinar").status == SyncRun.Status.FAILED
    assert lock.claim("webinar") is not None


def test_a_run_that_lost_its_lock_stops(account: GoToAccount) -> None:
    def steal(done: int, total: int) -> None:
        ProductConnection.objects.filter(product="webinar").update(sync_lock_token="thief")

    run = sync("webinar", progress=steal)
    assert run.status == SyncRun.Status.FAILED
    assert "lock expired" in run.errors[-1]["message"]
    assert ProductConnection.objects.get(product="webinar").sync_lock_token == "thief"


# --- The window -------------------------------------------------------------------------------


def test_the_first_run_reads_everything_and_later_runs_what_may_have_changed(
    account: GoToAccount, transport: EmulatorAdapter, settings: Any
) -> None:
    first = sync("webinar")
    assert first.full
    assert first.window_start == first.started_at - timedelta(days=settings.GOTO_SYNC_PAST_DAYS)
    assert registrant_reads(transport) == {webinar_key(i) for i in range(6)}

    transport.calls.clear()
    second = sync("webinar")
    assert not second.full
    assert second.window_start == first.started_at - timedelta(minutes=60, days=7)
    # Webinars 0 and 1 ended more than a week ago; 2 ended 5 days ago; 3-5 are upcoming.
    assert registrant_reads(transport) == {webinar_key(i) for i in range(2, 6)}


def test_since_and_full_widen_a_later_run(account: GoToAccount, transport: EmulatorAdapter) -> None:
    sync("webinar")
    transport.calls.clear()
    since = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=14)
    assert sync("webinar", since=since).window_start == since
    assert registrant_reads(transport) == {webinar_key(i) for i in range(1, 6)}

    transport.calls.clear()
    assert sync("webinar", full=True).full
    assert registrant_reads(transport) == {webinar_key(i) for i in range(6)}


def test_switching_the_account_makes_the_next_run_a_first_run(account: GoToAccount) -> None:
    sync("webinar")
    assert not sync("webinar").full
    Event.objects.filter(product="webinar").delete()  # what a new account's catalogue looks like
    assert sync("webinar").full


def test_an_event_that_failed_is_read_again_next_time_however_old(
    account: GoToAccount, transport: EmulatorAdapter
) -> None:
    old = webinar_key(0)
    faults.add_fault(f"/G2W/rest/v2/organizers/*/webinars/{old}/attendees", status=500, times=None)
    first = sync("webinar")
    assert (first.status, first.counts["failures"]) == (SyncRun.Status.PARTIAL, 1)
    assert not Participation.objects.filter(event__key=old).exists()  # all or nothing per event
    faults.clear_faults()

    transport.calls.clear()
    second = sync("webinar")
    assert second.status == SyncRun.Status.SUCCESS
    assert old in registrant_reads(transport)
    assert Participation.objects.filter(event__key=old, kind="registered").count() == 12

    transport.calls.clear()
    sync("webinar")
    assert old not in registrant_reads(transport)


def test_progress_is_reported_event_by_event(account: GoToAccount) -> None:
    seen: list[tuple[int, int]] = []
    sync("webinar", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 6) for n in range(7)]


# --- One event (--id) -------------------------------------------------------------------------


def participation_titles(event_key: str) -> list[str]:
    rows = Participation.objects.filter(event__key=event_key).values_list("pk", flat=True)
    ids = [str(pk) for pk in rows]
    activities = Activity.objects.filter(source_type=SOURCE_TYPE, source_id__in=ids)
    return sorted(activities.values_list("title", flat=True))


def _held_assist_session() -> str:
    return emulator.AssistSession.objects.get(status="complete").session_id


@pytest.mark.parametrize(
    ("product", "key"),
    [
        ("webinar", lambda: webinar_key(0)),
        ("training", lambda: training_key(1)),
        ("meeting", lambda: meeting_key(0)),
        ("assist", _held_assist_session),
    ],
)
def test_one_event_by_key_gives_the_rows_of_a_normal_sync(
    account: GoToAccount, product: str, key: Any
) -> None:
    event_key = key()
    sync(product)
    fields = ("subject", "description", "times", "starts_at", "ends_at", "time_zone", "status")
    expected = Event.objects.filter(key=event_key).values(*fields).get()
    rows = participation_rows(event__key=event_key)
    titles = participation_titles(event_key)
    assert rows
    for model in (Activity, Participation, Event, Contact, SyncRun):
        model.objects.all().delete()

    run = sync(product, event_key=event_key)

    assert run.status == SyncRun.Status.SUCCESS and run.counts["events"] == 1
    assert Event.objects.values(*fields).get() == expected
    assert participation_rows() == rows
    assert participation_titles(event_key) == titles
    assert (run.window_start, run.full) == (None, False)  # no cursor for later runs
    sync(product)  # and a normal run after it duplicates nothing
    assert participation_rows(event__key=event_key) == rows


def test_one_event_unknown_to_goto_fails_the_run(account: GoToAccount) -> None:
    run = sync("webinar", event_key="1234567890123456789")
    assert run.status == SyncRun.Status.FAILED
    assert run.errors[0]["message"].startswith(
        "Could not read GoToWebinar event 1234567890123456789: GoTo answered 404"
    )


def test_one_known_event_gone_from_goto_is_marked_cancelled(account: GoToAccount) -> None:
    sync("webinar")
    key = webinar_key(5)
    emulator.Event.objects.filter(key=key).update(cancelled=True)
    run = sync("webinar", event_key=key)
    assert run.status == SyncRun.Status.SUCCESS
    assert Event.objects.get(key=key).status == Event.Status.CANCELLED
    assert Participation.objects.filter(event__key=key).count() == 12
