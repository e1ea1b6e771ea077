"""The sync against the seeded emulator: catalogue, participations, timeline, cancellations."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from contacts.models import Activity, Contact
from gotoplugins.emulator import faults
from gotoplugins.emulator import models as emulator
from gotoplugins.extensions import GOTO_ATTENDED, GOTO_CANCELLED, GOTO_REGISTERED
from gotoplugins.models import Event, GoToAccount, Participation, SyncRun
from gotoplugins.sync.writer import SOURCE_TYPE
from tests.gotoplugins.sync.conftest import (
    ANCHOR,
    sync,
    sync_all,
    training_key,
    webinar_key,
)

pytestmark = pytest.mark.django_db

PAST_WEBINAR, UPCOMING_WEBINAR, LAST_WEBINAR = 0, 4, 5  # seed: 0-2 held, 3-5 upcoming


def counts(run: SyncRun) -> dict[str, int]:
    return dict(run.counts)


def participation_rows(**filters: Any) -> list[tuple[Any, ...]]:
    rows = Participation.objects.filter(**filters).values_list(
        "event__product",
        "event__key",
        "contact__email",
        "kind",
        "registrant_key",
        "join_url",
        "registered_at",
        "first_join_at",
        "last_leave_at",
        "attendance_seconds",
        "source",
    )
    return sorted(rows)


def emulator_registrant(webinar: int, n: int = 0) -> emulator.Registrant:
    return emulator.Registrant.objects.filter(event__key=webinar_key(webinar)).order_by("key")[n]


def test_a_first_sync_of_the_seed_fills_catalogue_participations_and_timeline(
    account: GoToAccount,
) -> None:
    runs = sync_all()

    assert {product: (run.status, counts(run)) for product, run in runs.items()} == {
        "webinar": ("success", _counts(events=6, reg=72, att=25, new_contacts=71)),
        "meeting": ("success", _counts(events=3, att=8, new_contacts=8)),
        "training": ("success", _counts(events=2, reg=16, new_contacts=16)),
        "assist": ("success", _counts(events=3, att=1)),
    }
    assert Contact.objects.count() == 71 + 16 + 8
    # The same people as the emulator's own tables.
    registered = participation_rows(event__product="webinar", kind="registered")
    assert len(registered) == emulator.Registrant.objects.filter(event__product="g2w").count()
    attended = Participation.objects.filter(event__product="webinar", kind="attended")
    assert set(attended.values_list("event__key", "contact__email")) == {
        (a.session.event.key, a.email.lower())
        for a in emulator.Attendance.objects.filter(session__event__product="g2w")
    }
    # Every participation has exactly one timeline entry pointing at it.
    sources = Counter(
        Activity.objects.filter(source_type=SOURCE_TYPE).values_list("source_id", flat=True)
    )
    assert sources == Counter(str(pk) for pk in Participation.objects.values_list("pk", flat=True))


def _counts(
    *,
    events: int,
    reg: int = 0,
    att: int = 0,
    cancel: int = 0,
    new_contacts: int = 0,
    fail: int = 0,
) -> dict[str, int]:
    return {
        "events": events,
        "new_registrations": reg,
        "new_attendances": att,
        "cancellations": cancel,
        "new_contacts": new_contacts,
        "failures": fail,
    }


def test_the_catalogue_holds_goto_identity_times_and_links(account: GoToAccount) -> None:
    sync("webinar")
    event = Event.objects.get(product="webinar", key=webinar_key(PAST_WEBINAR))
    start = ANCHOR + timedelta(days=-19, hours=15)
    assert (event.account, event.subject, event.time_zone) == (
        account,
        "Product launch",
        "Europe/Berlin",
    )
    assert (event.starts_at, event.ends_at) == (start, start + timedelta(hours=1))
    assert event.times == [
        {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(), "key": ""}
    ]
    assert event.registration_url.endswith(f"/_app/register/g2w/{event.key}")
    assert event.status == Event.Status.SCHEDULED and event.last_synced_at is not None
    series = Event.objects.get(key=webinar_key(3))
    assert len(series.times) == 2  # every session of a series


def test_attendance_spans_first_join_to_last_leave_and_sums_the_time(
    account: GoToAccount,
) -> None:
    sync("webinar")
    interrupted = next(
        a
        for a in emulator.Attendance.objects.filter(session__event__product="g2w")
        if len(a.intervals) == 2
    )
    row = Participation.objects.get(
        event__key=interrupted.session.event.key,
        contact__email=interrupted.email.lower(),
        kind="attended",
    )
    assert row.first_join_at == parse_datetime(interrupted.intervals[0][0])
    assert row.last_leave_at == parse_datetime(interrupted.intervals[1][1])
    assert row.attendance_seconds == interrupted.seconds
    assert row.registrant_key == interrupted.registrant.key  # type: ignore[union-attr]
    activity = Activity.objects.get(source_type=SOURCE_TYPE, source_id=str(row.pk))
    minutes = round(interrupted.seconds / 60)
    assert activity.kind == GOTO_ATTENDED
    assert activity.title == f"Attended webinar “{row.event.subject}” — {minutes} min"
    assert activity.occurred_at == row.first_join_at
    assert activity.details["minutes"] == minutes


def test_a_registration_keeps_goto_key_join_link_and_date(account: GoToAccount) -> None:
    sync("webinar")
    registrant = emulator_registrant(UPCOMING_WEBINAR)
    row = Participation.objects.get(
        event__key=webinar_key(UPCOMING_WEBINAR),
        contact__email=registrant.email.lower(),
        kind="registered",
    )
    assert row.registrant_key == registrant.key
    assert row.join_url.endswith(f"/_app/join/g2w/{webinar_key(UPCOMING_WEBINAR)}/{registrant.key}")
    assert row.registered_at == registrant.registered_at.replace(microsecond=0)
    assert row.source == Participation.Source.SYNC
    activity = Activity.objects.get(source_type=SOURCE_TYPE, source_id=str(row.pk))
    assert (activity.kind, activity.title) == (
        GOTO_REGISTERED,
        "Registered for webinar “Forms that convert”",
    )
    assert activity.details["join_url"] == row.join_url


def test_a_second_run_writes_nothing_new(account: GoToAccount) -> None:
    sync_all()
    before = (
        participation_rows(),
        Activity.objects.count(),
        Contact.objects.count(),
        Event.objects.count(),
    )
    again = sync_all()
    assert {p: counts(r) for p, r in again.items()} == {
        "webinar": _counts(events=4),  # incremental: webinars 0 and 1 ended weeks ago
        "meeting": _counts(events=3),
        "training": _counts(events=2),
        "assist": _counts(events=3),
    }
    after = (
        participation_rows(),
        Activity.objects.count(),
        Contact.objects.count(),
        Event.objects.count(),
    )
    assert after == before


def test_a_renamed_and_moved_webinar_keeps_its_row_and_history(account: GoToAccount) -> None:
    sync("webinar")
    event = Event.objects.get(key=webinar_key(UPCOMING_WEBINAR))
    history = participation_rows(event=event)
    start = ANCHOR + timedelta(days=11, hours=9)
    emulator.Event.objects.filter(key=event.key).update(
        subject="Forms that convert (new date)",
        times=[[f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M:%SZ}"]],
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    sync("webinar")
    renamed = Event.objects.get(key=event.key)
    assert renamed.pk == event.pk
    assert renamed.subject == "Forms that convert (new date)"
    assert (renamed.starts_at, renamed.ends_at) == (start, start + timedelta(hours=2))
    assert participation_rows(event=renamed) == history
    assert Event.objects.filter(product="webinar").count() == 6


def test_a_registrant_gone_from_a_complete_list_is_cancelled_once_and_kept(
    account: GoToAccount,
) -> None:
    sync("webinar")
    registrant = emulator_registrant(UPCOMING_WEBINAR)
    email = registrant.email.lower()
    registrant.delete()

    run = sync("webinar")
    assert counts(run) == _counts(events=4, cancel=1)
    kinds = Participation.objects.filter(contact__email=email, event__key=webinar_key(4))
    assert sorted(kinds.values_list("kind", flat=True)) == ["cancelled", "registered"]
    cancelled = kinds.get(kind="cancelled")
    assert cancelled.registrant_key == registrant.key
    entries = Activity.objects.filter(contact__email=email, kind=GOTO_CANCELLED)
    assert [a.title for a in entries] == ["Registration for webinar “Forms that convert” cancelled"]
    assert entries[0].source_id == str(cancelled.pk)

    assert counts(sync("webinar")) == _counts(events=4)  # not cancelled twice
    assert entries.count() == 1


def test_a_registrant_back_on_the_list_is_registered_again(account: GoToAccount) -> None:
    sync("webinar")
    registrant = emulator_registrant(UPCOMING_WEBINAR)
    email = registrant.email.lower()
    registrant.delete()
    sync("webinar")
    registrant.pk = None
    registrant.save()

    assert counts(sync("webinar")) == _counts(events=4, reg=1)
    rows = Participation.objects.filter(contact__email=email, event__key=webinar_key(4))
    assert list(rows.values_list("kind", flat=True)) == ["registered"]
    titles = Activity.objects.filter(contact__email=email, kind=GOTO_REGISTERED).values_list(
        "title", flat=True
    )
    assert "Registered again for webinar “Forms that convert”" in titles


def test_a_failing_registrant_list_changes_nothing_there_and_the_others_sync(
    account: GoToAccount,
) -> None:
    sync("webinar")
    failing = webinar_key(UPCOMING_WEBINAR)
    emulator_registrant(UPCOMING_WEBINAR).delete()  # would be a cancellation...
    faults.add_fault(
        f"/G2W/rest/v2/organizers/*/webinars/{failing}/registrants", status=500, times=None
    )
    newcomer = emulator_registrant(LAST_WEBINAR)
    newcomer.pk, newcomer.key = None, "1000000000000000001"
    newcomer.email = newcomer.email_lower = "late.comer@example.net"
    newcomer.save()

    run = sync("webinar")

    assert run.status == SyncRun.Status.PARTIAL
    assert counts(run) == _counts(events=4, reg=1, new_contacts=1, fail=1)
    assert [e["event"] for e in run.errors] == [failing]
    assert "500" in run.errors[0]["message"]
    assert not Participation.objects.filter(kind="cancelled").exists()
    assert Participation.objects.filter(contact__email="late.comer@example.net").exists()
    connection = account.products.get(product="webinar")
    assert connection.last_error.startswith(f"1 event failed; first: {failing}: GoTo answered 500")
    assert connection.last_sync_at == run.started_at


def test_a_failing_catalogue_list_fails_the_run_and_writes_nothing(
    account: GoToAccount,
) -> None:
    faults.add_fault("/G2W/rest/v2/organizers/*/webinars", status=500, times=None)
    run = sync("webinar")
    assert run.status == SyncRun.Status.FAILED
    assert run.errors[0]["event"] == ""
    assert run.errors[0]["message"].startswith("Could not read the GoToWebinar catalogue: GoTo")
    assert not Event.objects.exists() and not Participation.objects.exists()
    connection = account.products.get(product="webinar")
    assert connection.last_sync_at is None
    assert "Could not read" in connection.last_error


def test_a_cancelled_upcoming_webinar_is_marked_and_keeps_its_participations(
    account: GoToAccount,
) -> None:
    sync("webinar")
    history = participation_rows(event__key=webinar_key(LAST_WEBINAR))
    emulator.Event.objects.filter(key__in=[webinar_key(LAST_WEBINAR), webinar_key(2)]).update(
        cancelled=True
    )
    run = sync("webinar", full=True)  # webinar 2 ended 5 days ago: --full rereads it for sure
    assert run.status == SyncRun.Status.SUCCESS
    assert Event.objects.get(key=webinar_key(LAST_WEBINAR)).status == Event.Status.CANCELLED
    assert Event.objects.get(key=webinar_key(2)).status == Event.Status.MISSING  # it had happened
    assert participation_rows(event__key=webinar_key(LAST_WEBINAR)) == history


def test_existing_names_are_kept_and_only_empty_ones_filled(account: GoToAccount) -> None:
    registrant = emulator_registrant(PAST_WEBINAR)
    email = registrant.email.lower()
    Contact.objects.create(email=email, first_name="Jürgen (VIP)")
    sync("webinar")
    contact = Contact.objects.get(email=email)
    assert (contact.first_name, contact.last_name) == ("Jürgen (VIP)", registrant.last_name)
    assert registrant.last_name.lower() in contact.search_text
    update = Activity.objects.get(contact=contact, kind="contact_updated")
    assert update.details["changes"] == {"last_name": ["", registrant.last_name]}


def test_unknown_people_are_skipped_when_contact_creation_is_off(
    account: GoToAccount, settings: Any
) -> None:
    settings.GOTO_SYNC_CREATE_CONTACTS = False
    known = emulator_registrant(PAST_WEBINAR).email.lower()
    Contact.objects.create(email=known)
    run = sync("webinar")
    assert run.status == SyncRun.Status.SUCCESS and counts(run)["new_contacts"] == 0
    assert list(Contact.objects.values_list("email", flat=True)) == [known]
    assert set(Participation.objects.values_list("contact__email", flat=True)) == {known}


def test_emails_are_matched_normalised(account: GoToAccount) -> None:
    registrant = emulator_registrant(PAST_WEBINAR)
    registrant.email = f"  {registrant.email.upper()} "
    registrant.save()
    existing = Contact.objects.create(email=registrant.email.strip().lower())
    sync("webinar")
    assert Participation.objects.filter(contact=existing, kind="registered").count() == 1


def test_training_attendance_covers_every_session(account: GoToAccount) -> None:
    # GoTo stops listing a training once it is over; seen while scheduled, it stays known.
    faults.set_clock_offset(-10 * 86400)
    sync("training")
    faults.set_clock_offset(0)

    run = sync("training", full=True)

    assert run.status == SyncRun.Status.SUCCESS
    key = training_key(0)  # a two-day course, both days held
    sessions = list(emulator.Session.objects.filter(event__key=key))
    assert len(sessions) == 2
    expected: dict[str, int] = {}
    for attendance in emulator.Attendance.objects.filter(session__in=sessions):
        minutes = (attendance.seconds + 30) // 60  # GoToTraining reports whole minutes
        expected[attendance.email.lower()] = (
            expected.get(attendance.email.lower(), 0) + minutes * 60
        )
    per_session = [
        {a.email.lower() for a in emulator.Attendance.objects.filter(session=s)} for s in sessions
    ]
    assert per_session[0] - per_session[1]  # someone came on the first day only
    rows = Participation.objects.filter(event__key=key, kind="attended")
    assert dict(rows.values_list("contact__email", "attendance_seconds")) == expected


def test_meeting_attendee_names_are_kept_whole(account: GoToAccount) -> None:
    attendance = (
        emulator.Attendance.objects.filter(session__event__product="g2m")
        .exclude(email__endswith="@example.com")  # a made-up person: not a demo contact
        .first()
    )
    assert attendance is not None
    attendance.first_name, attendance.last_name = "Maria del Carmen", "Ruiz Ortega"
    attendance.save()
    email = attendance.email.lower()
    run = sync("meeting")
    assert run.status == SyncRun.Status.SUCCESS
    contact = Contact.objects.get(email=email)
    assert (contact.first_name, contact.last_name) == ("Maria del Carmen Ruiz Ortega", "")
    row = Participation.objects.get(contact=contact)
    assert (row.kind, row.event.product) == ("attended", "meeting")
    assert Activity.objects.get(source_id=str(row.pk), source_type=SOURCE_TYPE).title.startswith(
        "Attended meeting “"
    )


def test_a_whole_name_never_fills_an_existing_contact(account: GoToAccount) -> None:
    attendance = emulator.Attendance.objects.filter(session__event__product="g2m").first()
    assert attendance is not None
    contact = Contact.objects.create(email=attendance.email.lower())
    sync("meeting")
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name) == ("", "")


def test_a_held_assist_session_is_an_attendance(account: GoToAccount) -> None:
    run = sync("assist")
    assert counts(run) == _counts(events=3, att=1, new_contacts=1)
    held = emulator.AssistSession.objects.get(status="complete")
    row = Participation.objects.get()
    assert (row.event.key, row.contact.email, row.kind) == (
        held.session_id,
        held.customer_email.lower(),
        "attended",
    )
    assert row.first_join_at == held.customer_joined_at
    assert row.attendance_seconds == 23 * 60
    assert row.contact.first_name == held.customer_name  # whole, for a new contact
    activity = Activity.objects.get(source_type=SOURCE_TYPE)
    assert activity.title == "Took part in a remote support session — 23 min"
    assert set(Event.objects.filter(product="assist").values_list("key", flat=True)) == set(
        emulator.AssistSession.objects.values_list("session_id", flat=True)
    )


def test_form_registrations_are_cancelled_only_once_goto_confirmed_them_and_after_a_grace(
    account: GoToAccount,
) -> None:
    sync("webinar")
    event = Event.objects.get(key=webinar_key(UPCOMING_WEBINAR))
    old, recent, pending = (
        Contact.objects.create(email=f"{name}@example.net") for name in ("old", "recent", "pending")
    )
    for contact, key in ((old, "11"), (recent, "12"), (pending, "")):
        Participation.objects.create(
            event=event, contact=contact, kind="registered", registrant_key=key, source="form"
        )
    Participation.objects.filter(contact=old).update(created_at=timezone.now() - timedelta(hours=3))

    run = sync("webinar")

    assert counts(run)["cancellations"] == 1
    cancelled = Participation.objects.filter(kind="cancelled")
    assert list(cancelled.values_list("contact__email", flat=True)) == ["old@example.net"]


def test_people_without_a_usable_email_are_skipped(account: GoToAccount) -> None:
    registrant = emulator_registrant(UPCOMING_WEBINAR)
    registrant.email = "not an email"
    registrant.save()
    run = sync("webinar")
    assert run.status == SyncRun.Status.SUCCESS
    assert counts(run)["new_registrations"] == 71
    assert not Contact.objects.filter(email__contains="not an").exists()


def test_a_registration_awaiting_approval_gets_its_link_once_approved(
    account: GoToAccount,
) -> None:
    registrant = emulator_registrant(UPCOMING_WEBINAR)
    emulator.Registrant.objects.filter(pk=registrant.pk).update(status="WAITING")
    sync("webinar")
    row = Participation.objects.get(
        event__key=webinar_key(UPCOMING_WEBINAR),
        contact__email=registrant.email.lower(),
        kind="registered",
    )
    assert (row.registration_status, row.join_url) == ("WAITING", "")

    emulator.Registrant.objects.filter(pk=registrant.pk).update(status="APPROVED")
    sync("webinar")
    row.refresh_from_db()
    assert row.registration_status == "APPROVED"
    assert row.join_url.endswith(f"/_app/join/g2w/{webinar_key(UPCOMING_WEBINAR)}/{registrant.key}")
    assert Activity.objects.filter(source_type=SOURCE_TYPE, source_id=str(row.pk)).count() == 1
