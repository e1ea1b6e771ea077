"""The sync's database work per event does not grow with the number of people.

GoTo is mocked at the HTTP boundary (`responses`), so only the sync's own queries are counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Activity, Contact
from gotoplugins.http import GoToApi, RateLimiter
from gotoplugins.models import Event, GoToAccount, Participation, ProductConnection, SyncRun
from gotoplugins.oauth import AccountTokens
from gotoplugins.sync import runner, sync_product

pytestmark = pytest.mark.django_db

BASE = "https://api.goto.test"
ORGANIZER = "700000000000000001"
WEBINAR = "4511665432126123456"
G2W = f"{BASE}/G2W/rest/v2/organizers/{ORGANIZER}"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
# SQLite itself takes 32,766 parameters a statement (3.32+); Django assumes 999 and splits
# bulk inserts into batches of 999 // columns rows, a split no other database makes.
SQLITE_MAX_PARAMETERS = 32766


class FakeGoTo:
    """One past webinar with `size` registrants, all of whom attended; pages as GoTo's."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.size = 0
        self.join_host = "join.goto.test"
        mock.get(f"{G2W}/webinars", json=self.webinars)
        mock.add_callback("GET", f"{G2W}/webinars/{WEBINAR}/registrants", self.registrants)
        mock.add_callback("GET", f"{G2W}/webinars/{WEBINAR}/attendees", self.attendees)

    @property
    def webinars(self) -> dict[str, Any]:
        times = [{"startTime": _iso(START), "endTime": _iso(START + timedelta(hours=1))}]
        item = {"webinarKey": WEBINAR, "subject": "Scale test", "times": times}
        return {"_embedded": {"webinars": [item]}, "page": {"number": 0, "totalPages": 1}}

    def person(self, n: int) -> dict[str, Any]:
        return {
            "firstName": f"First{n}",
            "lastName": f"Last{n}",
            "email": f"person{n}@example.org",
            "registrantKey": 3019527584166800000 + n,
        }

    def registrants(self, request: Any) -> tuple[int, dict[str, str], str]:
        page, limit = _paging(request, "limit")
        rows = [
            {
                **self.person(n),
                "status": "APPROVED",
                "registrationDate": _iso(START - timedelta(days=3)),
                "joinUrl": f"https://{self.join_host}/join/{WEBINAR}/{n}",
            }
            for n in range(page * limit, min(self.size, (page + 1) * limit))
        ]
        body = {"data": rows, "total": self.size, "page": page, "limit": limit}
        return 200, {}, _json(body)

    def attendees(self, request: Any) -> tuple[int, dict[str, str], str]:
        page, size = _paging(request, "size")
        join = START + timedelta(minutes=1)
        rows = [
            {
                **self.person(n),
                "sessionKey": 1,
                "attendanceTimeInSeconds": 3000,
                "attendance": [{"joinTime": _iso(join), "leaveTime": _iso(join + timedelta(50))}],
            }
            for n in range(page * size, min(self.size, (page + 1) * size))
        ]
        pages = max(1, -(-self.size // size))
        body = {
            "_embedded": {"attendeeParticipationResponses": rows},
            "page": {"number": page, "totalPages": pages},
        }
        return 200, {}, _json(body)


def _paging(request: Any, size_name: str) -> tuple[int, int]:
    query = parse_qs(urlsplit(request.url).query)
    return int(query["page"][0]), int(query[size_name][0])


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(body: Any) -> str:
    import json

    return json.dumps(body)


@pytest.fixture
def goto(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoTo]:
    account = GoToAccount.objects.create(
        name="Events team",
        client_id="id",
        client_secret="secret",
        access_token="token",
        refresh_token="refresh",
        token_expires_at=timezone.now() + timedelta(hours=1),
        organizer_key=ORGANIZER,
    )
    ProductConnection.objects.create(product="webinar", enabled=True, account=account)
    limiter = RateLimiter(rate=1e9, burst=1_000_000)
    monkeypatch.setattr(
        runner, "api_for", lambda a: GoToApi(BASE, AccountTokens(a), limiter=limiter)
    )
    if connection.vendor == "sqlite":
        monkeypatch.setattr(connection.features, "max_query_params", SQLITE_MAX_PARAMETERS)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeGoTo(mock)


def _queries_of_a_sync() -> int:
    with CaptureQueriesContext(connection) as queries:
        run = sync_product("webinar", trigger=SyncRun.Trigger.COMMAND)
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    return len(queries)


def _start_over() -> None:
    for model in (Activity, Participation, Event, Contact, SyncRun):
        model.objects.all().delete()


def test_a_first_sync_costs_the_same_queries_for_10_or_500_people(goto: FakeGoTo) -> None:
    measured = {}
    for size in (10, 300, 500):
        _start_over()
        goto.size = size
        measured[size] = _queries_of_a_sync()
        assert Participation.objects.count() == 2 * size
        assert Activity.objects.count() == 3 * size  # contact created, registered, attended
    assert measured[10] == measured[300] <= 25
    # The only growth: contacts.services.record_activities inserts 1,000 entries a statement,
    # and 500 new people get 1,500 (created, registered, attended).
    assert measured[500] == measured[10] + 1


def test_a_sync_with_changes_and_cancellations_costs_the_same_for_10_or_500(
    goto: FakeGoTo,
) -> None:
    measured = {}
    for size in (10, 500):
        _start_over()
        goto.size, goto.join_host = size, "join.goto.test"
        _queries_of_a_sync()
        goto.size, goto.join_host = size // 2, "moved.goto.test"  # half cancel, half change
        measured[size] = _queries_of_a_sync()
        assert Participation.objects.filter(kind="cancelled").count() == size - size // 2
        assert not Participation.objects.filter(join_url__contains="//join.").exclude(
            contact__email__in=[f"person{n}@example.org" for n in range(size // 2, size)]
        )
    assert measured[10] == measured[500]
