"""The upcoming events forms offer: read once, reused briefly, forgotten on every change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from gotoplugins import upcoming
from gotoplugins.models import Event, GoToAccount, ProductConnection
from gotoplugins.sync import catalogue
from gotoplugins.sync.types import Entry, Occurrence

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> GoToAccount:
    account = GoToAccount.objects.create(name="Main", client_id="client")
    ProductConnection.objects.create(product="webinar", enabled=True, account=account)
    return account


def webinar(account: GoToAccount, key: str, starts_at: datetime, **fields: Any) -> Event:
    return Event.objects.create(
        product="webinar", account=account, key=key, subject=f"Webinar {key}",
        starts_at=starts_at, **fields,
    )  # fmt: skip


def keys(events: list[Event]) -> list[str]:
    return [event.key for event in events]


def test_the_list_is_read_once_and_reused(
    account: GoToAccount, django_assert_num_queries: Any
) -> None:
    now = timezone.now()
    webinar(account, "1", now + timedelta(days=2))
    webinar(account, "2", now + timedelta(days=1))
    with django_assert_num_queries(1):
        assert keys(upcoming.upcoming_events("webinar", now)) == ["2", "1"]
    with django_assert_num_queries(0):
        assert keys(upcoming.upcoming_events("webinar", now + timedelta(seconds=5))) == ["2", "1"]


def test_an_event_that_starts_while_the_list_is_reused_is_no_longer_offered(
    account: GoToAccount, django_assert_num_queries: Any
) -> None:
    now = timezone.now()
    webinar(account, "soon", now + timedelta(seconds=10))
    webinar(account, "later", now + timedelta(hours=1))
    assert keys(upcoming.upcoming_events("webinar", now)) == ["soon", "later"]
    with django_assert_num_queries(0):
        assert keys(upcoming.upcoming_events("webinar", now + timedelta(seconds=11))) == ["later"]


def test_the_list_is_read_again_after_its_reuse_time(
    account: GoToAccount, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    now = timezone.now()
    upcoming.upcoming_events("webinar", now)
    # Written by another process (no signal here): seen once the reuse time is over.
    Event.objects.bulk_create(
        [Event(product="webinar", account=account, key="new", subject="New", starts_at=now
               + timedelta(days=1))]
    )  # fmt: skip
    assert upcoming.upcoming_events("webinar", now) == []
    clock = upcoming.time.monotonic() + upcoming.REUSE_SECONDS + 1
    monkeypatch.setattr(upcoming.time, "monotonic", lambda: clock)
    with django_assert_num_queries(1):
        assert keys(upcoming.upcoming_events("webinar", now)) == ["new"]


def test_an_earlier_moment_than_the_list_was_read_for_reads_again(account: GoToAccount) -> None:
    now = timezone.now()
    webinar(account, "1", now + timedelta(minutes=30))
    assert keys(upcoming.upcoming_events("webinar", now + timedelta(hours=1))) == []
    assert keys(upcoming.upcoming_events("webinar", now)) == ["1"]


def test_saving_an_event_or_a_connection_in_this_process_forgets_the_list(
    account: GoToAccount,
) -> None:
    now = timezone.now()
    event = webinar(account, "1", now + timedelta(days=1))
    assert keys(upcoming.upcoming_events("webinar", now)) == ["1"]
    event.status = Event.Status.CANCELLED
    event.save()
    assert upcoming.upcoming_events("webinar", now) == []
    webinar(account, "2", now + timedelta(days=2))
    assert keys(upcoming.upcoming_events("webinar", now)) == ["2"]
    ProductConnection.objects.filter(product="webinar").get().delete()
    assert upcoming.upcoming_events("webinar", now) == []


def test_the_syncs_bulk_writes_forget_the_list(account: GoToAccount) -> None:
    now = timezone.now()
    start = now + timedelta(days=3)
    assert upcoming.upcoming_events("webinar", now) == []
    entry = Entry(
        key="77", subject="Synced", times=(Occurrence(start, start + timedelta(hours=1)),)
    )
    catalogue.save("webinar", account, [entry], now)
    assert keys(upcoming.upcoming_events("webinar", now)) == ["77"]
    catalogue.mark_gone("webinar", account, ["77"], now)
    assert upcoming.upcoming_events("webinar", now) == []


def test_other_products_and_accounts_are_not_offered(account: GoToAccount) -> None:
    now = timezone.now()
    other = GoToAccount.objects.create(name="Other", client_id="other")
    webinar(account, "mine", now + timedelta(days=1))
    webinar(other, "theirs", now + timedelta(days=1))
    Event.objects.create(
        product="training", account=account, key="t", subject="T", starts_at=now + timedelta(1)
    )
    assert keys(upcoming.upcoming_events("webinar", now)) == ["mine"]
