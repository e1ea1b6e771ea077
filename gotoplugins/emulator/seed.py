"""Deterministic seed data for the emulator: the same options give the same keys and rows.

A good share of registrants and attendees are the demo contacts that `manage.py seed_demo`
creates (contacts/demo_people.py), so a sync puts registrations on their timelines. Rows are
written in bulk (bulk_create for events and sessions, chunked executemany for registrants and
attendance), so hundreds of thousands of registrants take seconds and a bounded number of
queries.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import islice, product
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from contacts.demo_people import CULTURES
from gotoplugins.emulator.keys import iso, make_key, make_short_id
from gotoplugins.emulator.models import (
    AccessToken,
    AssistSession,
    Attendance,
    AuthorizationCode,
    Control,
    Event,
    Fault,
    OAuthClient,
    Organizer,
    Product,
    RefreshToken,
    Registrant,
    RequestLog,
    Session,
)

DEMO_CLIENT_ID = "convene-demo"
DEMO_CLIENT_SECRET = "convene-demo-secret"  # noqa: S105 - a published demo credential
DEMO_CONTACTS = 208  # as many as `seed_demo` creates by default
BATCH = 500  # rows per bulk_create INSERT (events, sessions: few rows)
INSERT_CHUNK = 10_000  # rows per executemany (registrants, attendance: many rows)
REGISTRANT_COLUMNS = (
    "event",
    "key",
    "first_name",
    "last_name",
    "email",
    "email_lower",
    "status",
    "registration_type",
    "registered_at",
    "time_zone",
    "fields",
)
ATTENDANCE_COLUMNS = ("session", "registrant", "first_name", "last_name", "email", "intervals")

WEBINAR_TOPICS = [
    "Product launch",
    "Marketing automation 101",
    "Segments that sell",
    "Campaign workflows in practice",
    "Forms that convert",
    "Email deliverability clinic",
    "Customer story: Nordlicht AB",
    "Quarterly roadmap",
    "Data privacy for marketers",
    "Lead scoring deep dive",
]
TRAINING_TOPICS = ["Onboarding 101", "Admin certification", "Advanced segmentation"]
MEETING_TOPICS = ["Weekly sync", "Partner check-in", "Webinar dry run", "Content planning"]
FIRST_NAMES = ["Ann", "Bob", "Chen", "Dana", "Emil", "Fatou", "Greta", "Hugo", "Ines", "Jonas"]
LAST_NAMES = ["Lee", "Ng", "Okafor", "Berg", "Costa", "Dahl", "Evans", "Fischer", "Garcia", "Holm"]
TABLES_IN_DELETE_ORDER = (
    RequestLog,
    Fault,
    Control,
    AccessToken,
    RefreshToken,
    AuthorizationCode,
    AssistSession,
    Attendance,
    Session,
    Registrant,
    Event,
    OAuthClient,
    Organizer,
)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    time_zone: str = "Europe/Berlin"


@dataclass(frozen=True)
class SeedOptions:
    seed: int = 1
    webinars: int = 6
    registrants_per_webinar: int = 12
    trainings: int = 3
    registrants_per_training: int = 8
    meetings: int = 3
    attendees_per_meeting: int = 4
    assist_sessions: int = 3
    attendance_rate: float = 0.6
    demo_share: float = 0.75
    anchor: datetime | None = None  # midnight UTC today when None


@dataclass
class SeedResult:
    organizer: Organizer
    client: OAuthClient
    counts: dict[str, int] = field(default_factory=dict)


class AlreadySeeded(Exception):
    """The emulator already holds events; reset first."""


def demo_people(limit: int = DEMO_CONTACTS) -> list[Person]:
    """The people `seed_demo` makes contacts of, in its order (same emails)."""
    people: list[Person] = []
    seen: set[str] = set()
    for given, family, _country, zone in CULTURES:
        for (first, first_ascii), (last, last_ascii) in product(given, family):
            email = f"{first_ascii}.{last_ascii}@example.com"
            if email not in seen:
                seen.add(email)
                people.append(Person(first, last, email, zone))
    return people[:limit]


def reset() -> None:
    """Wipe every emulator table (one DELETE each: fast at any volume)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in TABLES_IN_DELETE_ORDER:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names from models


def ensure_demo_client() -> OAuthClient:
    client, _ = OAuthClient.objects.update_or_create(
        client_id=DEMO_CLIENT_ID,
        defaults={
            "client_secret": DEMO_CLIENT_SECRET,
            "name": "Convene (demo)",
            "redirect_uris": f"{settings.SITE_URL}/*",
            "allow_loopback_redirects": True,
        },
    )
    return client


def seed(options: SeedOptions | None = None) -> SeedResult:
    options = options or SeedOptions()
    with transaction.atomic():
        if Event.objects.exists():
            raise AlreadySeeded("The emulator already has data; use --reset to start over.")
        return _Seeder(options).run()


class _Seeder:
    def __init__(self, options: SeedOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.anchor = options.anchor or timezone.now().astimezone(UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.now = timezone.now()
        self.demo = demo_people()
        self.demo_cursor = 0
        self.counts: dict[str, int] = {}
        ops = connection.ops  # looked up once: the proxy is slow per row
        self.db_datetime = ops.adapt_datetimefield_value
        self.db_json = partial(ops.adapt_json_value, encoder=None)
        self.seeded_fields = self.db_json({"source": "demo"})

    def key(self, *parts: object) -> str:
        return make_key(self.options.seed, *parts)

    def run(self) -> SeedResult:
        organizer, _ = Organizer.objects.update_or_create(
            organizer_key=self.key("organizer", 0),
            defaults={
                "account_key": self.key("account", 0),
                "account_name": "Convene Demo GmbH",
                "email": "jane.organizer@example.com",
                "first_name": "Jane",
                "last_name": "Organizer",
                "time_zone": "Europe/Berlin",
            },
        )
        client = ensure_demo_client()
        o = self.options
        webinars = [self._webinar(organizer, i, o.webinars) for i in range(o.webinars)]
        trainings = [self._training(organizer, i, o.trainings) for i in range(o.trainings)]
        meetings = [self._meeting(organizer, i, o.meetings) for i in range(o.meetings)]
        Event.objects.bulk_create([*webinars, *trainings, *meetings], batch_size=BATCH)
        self.event_starts = {e.pk: e.starts_at for e in [*webinars, *trainings]}

        # Registrants and attendance are the big tables: plain rows, executemany.
        people: dict[int, list[tuple[str, Person]]] = {}
        for event, count in [
            *((w, o.registrants_per_webinar) for w in webinars),
            *((t, o.registrants_per_training) for t in trainings),
        ]:
            people[event.pk] = self._registrants(event, count)
        registrant_count = _insert_rows(
            Registrant,
            REGISTRANT_COLUMNS,
            (
                self._registrant_row(event_pk, key, person)
                for event_pk, rows in people.items()
                for key, person in rows
            ),
        )

        events = [*webinars, *trainings, *meetings]
        sessions = [s for event in events for s in self._sessions(event)]
        Session.objects.bulk_create(sessions, batch_size=BATCH)

        held = {s.event_id for s in sessions}
        registrant_pks = dict(Registrant.objects.filter(event_id__in=held).values_list("key", "pk"))
        attendances: list[tuple[Any, ...]] = []
        for session in sessions:
            if session.event.product == Product.MEETING:
                for person in self._people(o.attendees_per_meeting):
                    attendances.append(self._attendance_row(session, None, person))
                continue
            for key, person in people.get(session.event_id, []):
                if self.rng.random() < o.attendance_rate:
                    row = self._attendance_row(session, registrant_pks[key], person)
                    attendances.append(row)
        _insert_rows(Attendance, ATTENDANCE_COLUMNS, attendances)

        assist = [self._assist(organizer, i) for i in range(o.assist_sessions)]
        AssistSession.objects.bulk_create(assist, batch_size=BATCH)
        self.counts = {
            "webinars": len(webinars),
            "trainings": len(trainings),
            "meetings": len(meetings),
            "registrants": registrant_count,
            "sessions": len(sessions),
            "attendances": len(attendances),
            "assist_sessions": len(assist),
        }
        return SeedResult(organizer=organizer, client=client, counts=self.counts)

    # --- events -----------------------------------------------------------------------------

    def _day(self, index: int, past: int, spacing: int = 7) -> datetime:
        """Spread events over weeks: `past` of them before the anchor, the rest after."""
        return self.anchor + timedelta(days=(index - past) * spacing + 2)

    def _event(
        self,
        organizer: Organizer,
        product: str,
        key: str,
        human_id: str,
        subject: str,
        intervals: list[tuple[datetime, datetime]],
        **extra: Any,
    ) -> Event:
        return Event(
            product=product,
            key=key,
            human_id=human_id,
            organizer=organizer,
            subject=subject,
            description=f"{subject}: a session from the Convene demo data.",
            times=[[iso(start), iso(end)] for start, end in intervals],
            starts_at=intervals[0][0],
            ends_at=intervals[-1][1],
            **extra,
        )

    def _webinar(self, organizer: Organizer, i: int, count: int) -> Event:
        start = self._day(i, count // 2).replace(hour=15)
        intervals = [(start, start + timedelta(hours=1))]
        series = i % 4 == 3
        if series:
            intervals.append((start + timedelta(days=2), start + timedelta(days=2, hours=1)))
        topic = WEBINAR_TOPICS[i % len(WEBINAR_TOPICS)]
        if i >= len(WEBINAR_TOPICS):
            topic = f"{topic} #{i // len(WEBINAR_TOPICS) + 1}"
        return self._event(
            organizer,
            Product.WEBINAR,
            self.key("webinar", i),
            make_short_id(self.options.seed, "webinar-id", i),
            topic,
            intervals,
            recurrence_type="series" if series else "single_session",
            approval_type="MANUAL" if i % 5 == 4 else "AUTOMATIC",
            time_zone="Europe/Berlin",
        )

    def _training(self, organizer: Organizer, i: int, count: int) -> Event:
        start = self._day(i, count // 2, spacing=10).replace(hour=14)
        intervals = [(start, start + timedelta(hours=2))]
        if i % 2 == 0:  # a two-day course
            intervals.append((start + timedelta(days=1), start + timedelta(days=1, hours=2)))
        topic = TRAINING_TOPICS[i % len(TRAINING_TOPICS)]
        return self._event(
            organizer,
            Product.TRAINING,
            self.key("training", i),
            make_short_id(self.options.seed, "training-id", i),
            topic if i < len(TRAINING_TOPICS) else f"{topic} #{i // len(TRAINING_TOPICS) + 1}",
            intervals,
            time_zone="America/New_York",
        )

    def _meeting(self, organizer: Organizer, i: int, count: int) -> Event:
        start = self._day(i, (count + 1) // 2, spacing=3).replace(hour=8)
        recurring = i == 0
        weeks = (0, 14, 21) if recurring else (0,)
        intervals = [
            (start + timedelta(days=w), start + timedelta(days=w, minutes=30)) for w in weeks
        ]
        return self._event(
            organizer,
            Product.MEETING,
            make_short_id(self.options.seed, "meeting", i),
            "",
            MEETING_TOPICS[i % len(MEETING_TOPICS)],
            intervals,
            meeting_type="recurring" if recurring else "scheduled",
        )

    # --- people, sessions, attendance -------------------------------------------------------

    def _people(self, count: int) -> list[Person]:
        """`count` distinct people: demo contacts for the demo share, then made-up ones.

        Demo contacts are dealt in turn from the seed_demo list, so the first events get its
        first people (juergen.mueller@example.com registers for the first webinar).
        """
        demo_count = min(round(count * self.options.demo_share), len(self.demo))
        chosen = [self.demo[(self.demo_cursor + n) % len(self.demo)] for n in range(demo_count)]
        self.demo_cursor += demo_count
        for n in range(count - demo_count):
            first = FIRST_NAMES[self.rng.randrange(len(FIRST_NAMES))]
            last = LAST_NAMES[self.rng.randrange(len(LAST_NAMES))]
            chosen.append(Person(first, last, f"{first}.{last}.{n}@example.org".lower()))
        return chosen

    def _registrants(self, event: Event, count: int) -> list[tuple[str, Person]]:
        return [
            (self.key("registrant", event.key, n), person)
            for n, person in enumerate(self._people(count))
        ]

    def _registrant_row(self, event_pk: int, key: str, person: Person) -> tuple[Any, ...]:
        """A Registrant row in REGISTRANT_COLUMNS order, adapted for the database."""
        event_start = self.event_starts[event_pk]
        registered = min(event_start, self.anchor) - timedelta(
            days=self.rng.randint(1, 20), seconds=self.rng.randrange(86400)
        )
        return (
            event_pk,
            key,
            person.first_name,
            person.last_name,
            person.email,
            person.email.lower(),
            "APPROVED",
            "REGULAR",
            self.db_datetime(registered),
            person.time_zone,
            self.seeded_fields,
        )

    def _sessions(self, event: Event) -> list[Session]:
        """One held session per scheduled interval that has ended."""
        sessions = []
        for n, (start, end) in enumerate(event.intervals):
            if end > self.now:
                continue
            sessions.append(
                Session(
                    event=event,
                    key=self.key("session", event.key, n),
                    starts_at=start - timedelta(seconds=self.rng.randrange(60, 300)),
                    ends_at=end + timedelta(seconds=self.rng.randrange(0, 600)),
                )
            )
        return sessions

    def _attendance_row(
        self, session: Session, registrant_pk: int | None, person: Person
    ) -> tuple[Any, ...]:
        """An Attendance row in ATTENDANCE_COLUMNS order: one interval, or two with a gap."""
        join = session.starts_at + timedelta(seconds=self.rng.randrange(0, 600))
        leave = session.ends_at - timedelta(seconds=self.rng.randrange(0, 900))
        if self.rng.random() < 0.25:  # dropped out once and came back
            gap_start = join + (leave - join) / 2
            gap_end = gap_start + timedelta(seconds=self.rng.randrange(60, 600))
            intervals = [[iso(join), iso(gap_start)], [iso(gap_end), iso(leave)]]
        else:
            intervals = [[iso(join), iso(leave)]]
        return (
            session.pk,
            registrant_pk,
            person.first_name,
            person.last_name,
            person.email,
            self.db_json(intervals),
        )

    def _assist(self, organizer: Organizer, i: int) -> AssistSession:
        person = self.demo[(i * 7) % len(self.demo)]
        started = self.anchor - timedelta(days=i + 1) + timedelta(hours=10)
        status = ("complete", "abandoned", "waiting")[i % 3]
        return AssistSession(
            session_id=make_short_id(self.options.seed, "assist", i, digits=10),
            organizer=organizer,
            status=status,
            customer_name=f"{person.first_name} {person.last_name}",
            customer_email=person.email,
            start_token=make_key(self.options.seed, "assist-token", i),
            started_at=started,
            customer_joined_at=started + timedelta(minutes=2) if status == "complete" else None,
            ended_at=started + timedelta(minutes=25) if status != "waiting" else None,
        )


def _insert_rows(model: type[Model], columns: tuple[str, ...], rows: Iterable[Any]) -> int:
    """INSERT rows (tuples in `columns` order, already adapted) with executemany in chunks.

    bulk_create prepares every value through its field, which costs more than the insert
    itself at 100 000 rows; these rows are built from trusted values, so they skip that.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(_column(model, name)) for name in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from models
    total = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(iterator, INSERT_CHUNK)):
            cursor.executemany(sql, chunk)
            total += len(chunk)
    return total


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column, name
    return field.column
