"""Benchmark: a segment rebuild against a hand-written INSERT … SELECT of the same members.

    .venv/bin/python bench/segments.py [--contacts 100000] [--participations 300000]
                                       [--repeat 3] [--postgres | --database-url URL]

Without a database option it runs against a throwaway SQLite file (the embedded mode's
settings); --postgres starts a throwaway PostgreSQL cluster with tests/services.py and deletes
it afterwards; a --database-url must point at a throwaway database (its tables are emptied).

The segment has three filters: attended any of half the webinars (GoTo), registered to any
training and not cancelled (GoTo), country is any of four (field); once with all three to
match (a few thousand members), once with any (most contacts). Measured, best of --repeat:

- the first rebuild into an empty segment (insert the members and log them);
- a rebuild with nothing changed (must write no row);
- a hand-written INSERT … SELECT of the same members into another empty segment.

Also printed: the queries each rebuild runs, at full size and at a tenth of the contacts
(the count must not depend on the number of contacts). Target: within 2x the hand-written SQL.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["Germany", "France", "Spain", "Italy", "Japan", "Brazil", "India", "Nigeria"]
CHOSEN_COUNTRIES = ["Germany", "France", "Spain", "Italy"]
WEBINARS = 200
TRAININGS = 50
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def setup_django(database_url: str | None) -> str:
    if not database_url:
        directory = tempfile.mkdtemp(prefix="convene-bench-")
        database_url = f"sqlite:///{directory}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return database_url


# --- Data -------------------------------------------------------------------------------------


def empty_tables() -> None:
    from django.db import connection

    tables = [
        "segments_membershipchange",
        "segments_segmentexclusion",
        "segments_segmentmembership",
        "segments_segment",
        "gotoplugins_participation",
        "gotoplugins_event",
        "gotoplugins_gotoaccount",
        "contacts_activity",
        "contacts_contact",
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names


def load(contacts: int, participations: int, seed: int = 7) -> dict[str, list[str]]:
    """Contacts, 200 webinars and 50 trainings in the past, and participation rows:
    60% registered, 35% attended, 5% cancelled (each with its registration)."""
    from contacts.models import Contact
    from gotoplugins.models import Event, GoToAccount, Participation

    rng = random.Random(seed)
    empty_tables()
    Contact.objects.bulk_create(
        (
            Contact(
                email=f"person{n}@example.com",
                first_name=f"P{n}",
                country=rng.choice(COUNTRIES),
                search_text=f"p{n} person{n}@example.com",
            )
            for n in range(contacts)
        ),
        batch_size=5000,
    )
    contact_ids = list(Contact.objects.values_list("id", flat=True))
    account = GoToAccount.objects.create(name="Bench", client_id="c", client_secret="s")
    events = []
    for product, count in (("webinar", WEBINARS), ("training", TRAININGS)):
        for n in range(count):
            start = NOW - timedelta(days=1 + n)
            events.append(
                Event(
                    product=product,
                    account=account,
                    key=f"{product[0]}{n:05d}",
                    subject=f"{product.title()} {n % 20}",
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                )
            )
    Event.objects.bulk_create(events)
    event_ids = list(Event.objects.values_list("id", flat=True))
    rows: set[tuple[int, int, str]] = set()
    while len(rows) < participations:
        contact, event = rng.choice(contact_ids), rng.choice(event_ids)
        roll = rng.random()
        rows.add((event, contact, "registered"))
        if roll < 0.35 and len(rows) < participations:
            rows.add((event, contact, "attended"))
        elif roll > 0.95 and len(rows) < participations:
            rows.add((event, contact, "cancelled"))
    Participation.objects.bulk_create(
        (
            Participation(
                event_id=event,
                contact_id=contact,
                kind=kind,
                attendance_seconds=1800 if kind == "attended" else 0,
            )
            for event, contact, kind in rows
        ),
        batch_size=5000,
    )
    analyze()
    return {
        "webinars": [f"w{n:05d}" for n in range(0, WEBINARS, 2)],
    }


def analyze(*tables: str) -> None:
    """Fresh planner statistics (all tables, or the ones named)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in [f"ANALYZE {table}" for table in tables] or ["ANALYZE"]:
            cursor.execute(statement)


# --- The segment and the baseline -------------------------------------------------------------


def segment_filters(webinars: list[str], match: str = "all") -> dict[str, Any]:
    return {
        "match": "all",
        "groups": [
            {
                "match": match,
                "filters": [
                    {"kind": "goto.webinar.attended", "operator": "any_of", "value": webinars},
                    {"kind": "goto.training.registered", "operator": "any", "value": None},
                    {"kind": "contact.country", "operator": "in", "value": CHOSEN_COUNTRIES},
                ],
            }
        ],
    }


BASELINE = """
INSERT INTO segments_segmentmembership (segment_id, contact_id, source, added_at)
SELECT %s, c.id, 'rebuild', %s
FROM contacts_contact c
WHERE (LOWER(c.country) IN ({countries})
  {joiner} EXISTS (
    SELECT 1 FROM gotoplugins_participation p
    JOIN gotoplugins_event e ON e.id = p.event_id
    WHERE p.contact_id = c.id AND p.kind = 'attended' AND e.product = 'webinar'
      AND e.key IN ({webinars}))
  {joiner} EXISTS (
    SELECT 1 FROM gotoplugins_participation p
    JOIN gotoplugins_event e ON e.id = p.event_id
    WHERE p.contact_id = c.id AND p.kind = 'registered' AND e.product = 'training'
      AND NOT EXISTS (
        SELECT 1 FROM gotoplugins_participation x
        WHERE x.event_id = p.event_id AND x.contact_id = p.contact_id AND x.kind = 'cancelled')))
"""


def hand_written(segment_id: int, webinars: list[str], match: str) -> int:
    from django.db import connection, transaction

    marks = ", ".join(["%s"] * len(CHOSEN_COUNTRIES))
    sql = BASELINE.format(
        countries=marks,
        webinars=", ".join(["%s"] * len(webinars)),
        joiner="AND" if match == "all" else "OR",
    )
    params = [segment_id, NOW, *(c.lower() for c in CHOSEN_COUNTRIES), *webinars]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


@contextmanager
def rows_written() -> Iterator[list[int]]:
    from django.db import connection

    written: list[int] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            written.append(max(context["cursor"].rowcount, 0))
        return result

    with connection.execute_wrapper(count):
        yield written


def queries_of(action: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


# --- Running ----------------------------------------------------------------------------------


def run(args: argparse.Namespace, database_url: str) -> None:
    from django.db import connection

    started = time.perf_counter()
    keys = load(args.contacts, args.participations)["webinars"]
    print(
        f"database: {connection.vendor} ({database_url.split('://')[0]}), contacts: "
        f"{args.contacts:,}, participation rows: {args.participations:,}, loaded in "
        f"{time.perf_counter() - started:.0f} s, best of {args.repeat}"
    )
    for match, title in (("all", "all three filters"), ("any", "any of the three filters")):
        print(f"\nsegment: contacts matching {title}")
        measure(args, keys, match)


def measure(args: argparse.Namespace, keys: list[str], match: str) -> None:
    from segments import services
    from segments.models import MembershipChange, Segment, SegmentMembership

    segment = Segment.objects.create(name="Bench", filters=segment_filters(keys, match))
    baseline_segment = Segment.objects.create(name="Baseline", filters={"groups": []})
    clock = iter(NOW + timedelta(seconds=n) for n in range(1_000_000))

    def reset() -> None:
        SegmentMembership.objects.all().delete()
        MembershipChange.objects.all().delete()
        # Statistics that say "empty", as on a new installation: the worst case for plans.
        analyze("segments_segmentmembership", "segments_membershipchange")

    def first() -> float:
        reset()
        return timed(lambda: services.rebuild(segment, now=next(clock)))

    def again() -> float:
        return timed(lambda: services.rebuild(segment, now=next(clock)))

    def baseline() -> float:
        SegmentMembership.objects.filter(segment=baseline_segment).delete()
        return timed(lambda: hand_written(baseline_segment.pk, keys, match))

    first_time = min(first() for _ in range(args.repeat))
    members = set(segment.memberships.values_list("contact_id", flat=True))
    with rows_written() as written:
        again_time = min(again() for _ in range(args.repeat))
    baseline_time = min(baseline() for _ in range(args.repeat))
    expected = set(baseline_segment.memberships.values_list("contact_id", flat=True))
    assert members == expected, "the rebuild and the hand-written SQL disagree"

    reset()
    first_queries = queries_of(lambda: services.rebuild(segment, now=next(clock)))
    again_queries = queries_of(lambda: services.rebuild(segment, now=next(clock)))
    reset()
    Segment.objects.filter(pk__in=[segment.pk, baseline_segment.pk]).delete()

    def report(label: str, seconds: float) -> None:
        print(f"{label:<46} {seconds:7.3f} s  {seconds / baseline_time:5.2f}x")

    print(f"members: {len(members):,}")
    print(f"{'':<46} {'time':>9}  vs hand-written")
    report("hand-written INSERT … SELECT (members only)", baseline_time)
    report("rebuild into an empty segment (+ history)", first_time)
    report("rebuild again, nothing changed", again_time)
    print(f"rows written by the no-change rebuilds: {sum(written)}")
    print(f"queries: first rebuild {first_queries}, no-change rebuild {again_queries}")
    verdict = "within" if first_time / baseline_time <= 2 else "ABOVE"
    print(f"first rebuild / hand-written = {first_time / baseline_time:.2f}x ({verdict} 2x)")


def query_counts_at(contacts: int, participations: int) -> tuple[int, int]:
    from segments import services
    from segments.models import Segment

    keys = load(contacts, participations)["webinars"]
    segment = Segment.objects.create(name="Small", filters=segment_filters(keys))
    first = queries_of(lambda: services.rebuild(segment, now=NOW))
    again = queries_of(lambda: services.rebuild(segment, now=NOW + timedelta(seconds=1)))
    return first, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--participations", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    where.add_argument("--database-url", help="a THROWAWAY database (its tables are emptied)")
    args = parser.parse_args()

    cluster = None
    database_url = args.database_url
    if args.postgres:
        sys.path.insert(0, str(ROOT))
        from tests.services import PostgresCluster

        cluster = PostgresCluster().start()
        database_url = cluster.url
    try:
        database_url = setup_django(database_url)
        small = query_counts_at(args.contacts // 10, args.participations // 10)
        run(args, database_url)
        print(f"queries at a tenth of the contacts: first {small[0]}, no-change {small[1]}")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
