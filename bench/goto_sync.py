"""Benchmark: the GoTo sync of a large webinar catalogue against a plain bulk_create.

    .venv/bin/python bench/goto_sync.py [--webinars 20] [--registrants 5000] [--database-url URL]

The emulator is seeded with --webinars webinars of --registrants registrants each (half of
the webinars held, 60 % attendance) and answers in this process (Django's test client as the
HTTP transport; no rate limit, since GoTo's own ~10 requests/s would dominate any figure).

Measured, each from empty Convene tables (the emulator keeps its data):

- the whole run, `sync_product("webinar")`: GoTo reads (paging, parsing) and every write;
- the writes alone: catalogue and `writer.save` per event, on participants read beforehand;
- the writes again when nothing changed (every later run);
- baseline: `bulk_create` of the same contacts and participation rows (objects built
  included), batch 1,000, in the same run.

A --database-url must point at a throwaway database: its tables are emptied.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "testserver"


def setup_django(database_url: str | None) -> str:
    if not database_url:
        directory = tempfile.mkdtemp(prefix="convene-bench-")
        database_url = f"sqlite:///{directory}/bench.sqlite3"
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "0",  # DEBUG would keep every query in memory
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",
            "GOTO_EMULATOR": "1",
            "SITE_URL": f"http://{HOST}",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return database_url


def emulator_api(account: Any) -> Any:
    """A GoToApi whose transport is the emulator's views, called in this process."""
    import requests
    from django.conf import settings
    from django.test import Client
    from requests.adapters import BaseAdapter
    from requests.structures import CaseInsensitiveDict

    from gotoplugins.http import GoToApi, RateLimiter
    from gotoplugins.oauth import AccountTokens

    class Adapter(BaseAdapter):
        client = Client()

        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
            parts = urlsplit(str(request.url))
            answer = self.client.generic(
                str(request.method),
                f"{parts.path}?{parts.query}" if parts.query else parts.path,
                request.body or b"",
                content_type="application/json",
                headers={"Authorization": request.headers["Authorization"]},
            )
            response = requests.Response()
            response.status_code, response._content = answer.status_code, answer.content
            response.headers = CaseInsensitiveDict(dict(answer.items()))
            response.url, response.request, response.encoding = str(request.url), request, "utf-8"
            return response

        def close(self) -> None:
            pass

    session = requests.Session()
    session.mount(f"http://{HOST}", Adapter())
    limiter = RateLimiter(rate=1e9, burst=1_000_000)
    return GoToApi(settings.GOTO_API_BASE_URL, AccountTokens(account), session, limiter=limiter)


def seed_and_connect(webinars: int, registrants: int) -> Any:
    from datetime import UTC, datetime, timedelta

    from django.test import Client

    from gotoplugins.emulator import seed
    from gotoplugins.models import GoToAccount, ProductConnection

    seed.reset()
    options = seed.SeedOptions(
        webinars=webinars,
        registrants_per_webinar=registrants,
        trainings=0,
        meetings=0,
        assist_sessions=0,
    )
    result = seed.seed(options)
    client = Client()
    redirect = "http://127.0.0.1:8000/plugins/oauth/callback"
    consent = client.get(
        "/goto-emulator/oauth/authorize",
        {
            "client_id": seed.DEMO_CLIENT_ID,
            "response_type": "code",
            "redirect_uri": redirect,
            "emulator_consent": "allow",
        },
    )
    code = consent["Location"].split("code=")[1].split("&")[0]
    token = client.post(
        "/goto-emulator/oauth/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        headers={"Authorization": _basic(seed.DEMO_CLIENT_ID, seed.DEMO_CLIENT_SECRET)},
    ).json()
    account = GoToAccount.objects.create(
        name="Bench",
        client_id=seed.DEMO_CLIENT_ID,
        client_secret=seed.DEMO_CLIENT_SECRET,
        access_token=token["access_token"],
        refresh_token=token["refresh_token"],
        token_expires_at=datetime.now(UTC) + timedelta(hours=1),
        organizer_key=result.organizer.organizer_key,
    )
    ProductConnection.objects.update_or_create(
        product="webinar", defaults={"enabled": True, "account": account}
    )
    return account


def _basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def empty_tables() -> None:
    from django.db import connection

    from contacts.models import Activity, Contact
    from gotoplugins.models import Event, Participation, SyncRun

    with connection.cursor() as cursor:
        for model in (Activity, Participation, Event, Contact, SyncRun):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - our table names


def read_participants(account: Any) -> list[tuple[Any, Any]]:
    from datetime import timedelta

    from django.utils import timezone

    from gotoplugins.sync.sources import SOURCES
    from gotoplugins.sync.types import Window

    api, source, now = emulator_api(account), SOURCES["webinar"], timezone.now()
    window = Window(now - timedelta(days=365), now + timedelta(days=365), full=True)
    entries = source.catalogue(api, account, window, now)
    return [(entry, source.participants(api, account, entry, now)) for entry in entries]


def write(account: Any, read: list[tuple[Any, Any]]) -> int:
    from django.utils import timezone

    from gotoplugins.sync import catalogue, writer

    now = timezone.now()
    events = catalogue.save("webinar", account, [entry for entry, _ in read], now)
    for entry, participants in read:
        writer.save(events[entry.key], participants, now=now)
    from gotoplugins.models import Participation

    return Participation.objects.count()


def baseline(account: Any, read: list[tuple[Any, Any]]) -> None:
    """bulk_create of the same contacts and participation rows (registered and attended)."""
    from contacts.models import Contact
    from gotoplugins.models import Event, Participation

    people: dict[str, Any] = {}
    for _, participants in read:
        for row in [*participants.registrations, *participants.attendances]:
            people.setdefault(row.person.email.lower(), row.person)
    contacts = [
        Contact(email=email, first_name=p.first_name, last_name=p.last_name)
        for email, p in people.items()
    ]
    Contact.objects.bulk_create(contacts, batch_size=1000)
    ids = {c.email: c.pk for c in contacts}
    events = Event.objects.bulk_create(
        [Event(product="webinar", account=account, key=e.key, subject=e.subject) for e, _ in read]
    )
    rows = []
    for event, (_, participants) in zip(events, read, strict=True):
        for r in participants.registrations:
            rows.append(
                Participation(
                    event=event,
                    contact_id=ids[r.person.email.lower()],
                    kind="registered",
                    registrant_key=r.registrant_key,
                    join_url=r.join_url,
                    registered_at=r.registered_at,
                )
            )
        seen: set[str] = set()
        for a in participants.attendances:
            if a.person.email.lower() not in seen:
                seen.add(a.person.email.lower())
                rows.append(
                    Participation(
                        event=event,
                        contact_id=ids[a.person.email.lower()],
                        kind="attended",
                        first_join_at=a.first_join,
                        last_leave_at=a.last_leave,
                        attendance_seconds=a.seconds,
                    )
                )
    Participation.objects.bulk_create(rows, batch_size=1000)


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--webinars", type=int, default=20)
    parser.add_argument("--registrants", type=int, default=5000)
    parser.add_argument("--database-url", help="a THROWAWAY database; default: a temp SQLite")
    args = parser.parse_args()
    database_url = setup_django(args.database_url)
    from django.db import connection

    from gotoplugins.models import Participation, SyncRun
    from gotoplugins.sync import runner, sync_product

    runner.api_for = emulator_api  # the sync's GoTo calls go to the emulator in this process
    account = seed_and_connect(args.webinars, args.registrants)
    empty_tables()
    whole = timed(lambda: sync_product("webinar", trigger=SyncRun.Trigger.COMMAND))
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    rows = Participation.objects.count()
    read: list[tuple[Any, Any]] = []
    reading = timed(lambda: read.extend(read_participants(account)))
    empty_tables()
    first = timed(lambda: write(account, read))
    again = timed(lambda: write(account, read))
    assert Participation.objects.count() == rows
    empty_tables()
    base = timed(lambda: baseline(account, read))
    assert Participation.objects.count() == rows, (Participation.objects.count(), rows)

    print(
        f"database: {connection.vendor} ({database_url.split('://')[0]}), "
        f"{args.webinars} webinars x {args.registrants:,} registrants, "
        f"{rows:,} participation rows, {run.counts['new_contacts']:,} contacts"
    )
    print(f"{'':<50} {'time':>8} {'rows/s':>10}  vs bulk_create")
    for label, seconds in (
        ("baseline: bulk_create contacts + participations", base),
        ("whole sync_product (GoTo reads + writes)", whole),
        ("  GoTo reads alone (in-process emulator)", reading),
        ("  writes alone, first run (all new)", first),
        ("  writes alone, again (nothing new)", again),
    ):
        print(f"{label:<50} {seconds:7.2f}s {rows / seconds:>10,.0f}  {seconds / base:5.2f}x")


if __name__ == "__main__":
    main()
