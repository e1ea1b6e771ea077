"""gotoplugins.training against the emulator: givenName/surname, reports, minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gotoplugins import errors, training
from gotoplugins.emulator import faults
from gotoplugins.emulator.models import Attendance, Registrant
from gotoplugins.emulator.models import Session as EmulatorSession
from gotoplugins.types import Presence, TimeRange
from tests.contract.conftest import (
    ORGANIZER_KEY,
    REGISTRANTS_PER_TRAINING,
    Connected,
    emulator_requests,
    request_body,
    seeded_registrant_key,
    session_key,
    training_key,
    training_start,
    whole,
)

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["Onboarding 101", "Admin certification", "Advanced segmentation"]
HELD = 0  # a two-day course in the past: two completed sessions
UPCOMING = 1


def schedule(index: int) -> tuple[TimeRange, ...]:
    start = training_start(index)
    days = (0, 1) if index % 2 == 0 else (0,)
    return tuple(
        TimeRange(start + timedelta(days=d), start + timedelta(days=d, hours=2)) for d in days
    )


def minutes(seconds: int) -> int:
    return (seconds + 30) // 60


def test_list_trainings_leaves_completed_ones_out(connected: Connected) -> None:
    found = training.list_trainings(connected.api, ORGANIZER_KEY)
    assert [t.key for t in found] == [training_key(1), training_key(2)]
    assert [t.name for t in found] == NAMES[1:]
    assert [t.times for t in found] == [schedule(1), schedule(2)]
    assert found[1].times[1].start.utcoffset() == timedelta(0)
    assert {t.time_zone for t in found} == {"America/New_York"}
    assert {t.organizer_keys for t in found} == {(ORGANIZER_KEY,)}
    assert all(len(t.training_id) == 9 and t.training_id.isdigit() for t in found)


def test_get_training(connected: Connected) -> None:
    got = training.get_training(connected.api, ORGANIZER_KEY, training_key(HELD))
    assert got.key == training_key(HELD) and len(got.key) == 19
    assert got.name == "Onboarding 101"
    assert got.description == "Onboarding 101: a session from the Convene demo data."
    assert got.times == schedule(HELD) and len(got.times) == 2
    assert got.organizer_keys == (ORGANIZER_KEY,)


def test_get_start_url_is_the_host_url(connected: Connected) -> None:
    url = training.get_start_url(connected.api, training_key(UPCOMING))
    assert url == connected.site.app_url("start", "g2t", training_key(UPCOMING))
    (call,) = emulator_requests()
    assert call.path == f"/G2T/rest/trainings/{training_key(UPCOMING)}/start"


def test_list_and_get_registrants(connected: Connected) -> None:
    tk = training_key(UPCOMING)
    found = training.list_registrants(connected.api, ORGANIZER_KEY, tk)
    rows = list(Registrant.objects.filter(event__key=tk).order_by("registered_at", "id"))
    assert len(found) == REGISTRANTS_PER_TRAINING == len(rows)
    assert {r.key for r in found} == {
        seeded_registrant_key(tk, n) for n in range(REGISTRANTS_PER_TRAINING)
    }
    for got, row in zip(found, rows, strict=True):
        assert got == training.Registrant(
            key=row.key,
            given_name=row.first_name,
            surname=row.last_name,
            email=row.email,
            status="APPROVED",
            join_url=connected.site.app_url("join", "g2t", tk, row.key),
            confirmation_url=connected.site.app_url("confirm", "g2t", tk, row.key),
            registration_date=whole(row.registered_at),
        )
    one = training.get_registrant(connected.api, ORGANIZER_KEY, tk, rows[3].key)
    assert one == found[3]


def test_register_sends_given_name_and_surname(connected: Connected) -> None:
    tk = training_key(UPCOMING)
    made = training.register(
        connected.api,
        ORGANIZER_KEY,
        tk,
        email="zoe.obrien@example.net",
        given_name="Zoë",
        surname="O'Brien",
    )
    assert len(made.registrant_key) == 19 and made.registrant_key.isdigit()
    assert made.join_url == connected.site.app_url("join", "g2t", tk, made.registrant_key)
    assert made.confirmation_url == connected.site.app_url(
        "confirm", "g2t", tk, made.registrant_key
    )
    assert not made.already_registered
    (post,) = emulator_requests(method="POST")
    assert post.path == f"/G2T/rest/organizers/{ORGANIZER_KEY}/trainings/{tk}/registrants"
    assert post.status == 201
    assert request_body(post) == {
        "email": "zoe.obrien@example.net",
        "givenName": "Zoë",
        "surname": "O'Brien",
    }
    row = Registrant.objects.get(key=made.registrant_key)
    assert (row.first_name, row.last_name) == ("Zoë", "O'Brien")


def test_duplicate_in_conflict_mode_returns_the_existing_registration(
    connected: Connected,
) -> None:
    tk = training_key(UPCOMING)
    first = training.register(
        connected.api, ORGANIZER_KEY, tk, email="ann@x.example", given_name="Ann", surname="Lee"
    )
    faults.clear_log()
    again = training.register(
        connected.api, ORGANIZER_KEY, tk, email="Ann@X.example", given_name="Ann", surname="Lee"
    )
    assert again == training.Registration(
        registrant_key=first.registrant_key,
        join_url=first.join_url,
        confirmation_url=first.confirmation_url,
        already_registered=True,
    )
    calls = [(e.method, e.path.rsplit("/", 1)[-1], e.status) for e in emulator_requests()]
    assert calls == [("POST", "registrants", 409), ("GET", first.registrant_key, 200)]


def test_duplicate_in_idempotent_mode_keeps_the_same_key(connected: Connected) -> None:
    tk = training_key(UPCOMING)
    first = training.register(
        connected.api, ORGANIZER_KEY, tk, email="ann@x.example", given_name="Ann", surname="Lee"
    )
    faults.set_duplicate_mode("idempotent")
    again = training.register(
        connected.api, ORGANIZER_KEY, tk, email="ann@x.example", given_name="Ann", surname="Lee"
    )
    assert (again.registrant_key, again.join_url, again.confirmation_url) == (
        first.registrant_key,
        first.join_url,
        first.confirmation_url,
    )
    assert Registrant.objects.filter(event__key=tk, email_lower="ann@x.example").count() == 1


def test_list_sessions(connected: Connected) -> None:
    tk = training_key(HELD)
    found = training.list_sessions(connected.api, ORGANIZER_KEY, tk)
    rows = list(EmulatorSession.objects.filter(event__key=tk).order_by("starts_at"))
    assert [s.key for s in found] == [session_key(tk, 0), session_key(tk, 1)]
    for got, row in zip(found, rows, strict=True):
        assert got.training_name == "Onboarding 101"
        assert (got.start, got.end) == (whole(row.starts_at), whole(row.ends_at))
        assert got.end is not None and got.start.utcoffset() == timedelta(0)
        assert got.duration_minutes == minutes(int((row.ends_at - row.starts_at).total_seconds()))
        assert 120 <= got.duration_minutes <= 135
        assert got.attendance_count == Attendance.objects.filter(session=row).count()
    assert training.list_sessions(connected.api, ORGANIZER_KEY, training_key(UPCOMING)) == []


def expected_attendees(session: str) -> list[training.Attendee]:
    row = EmulatorSession.objects.get(key=session)
    came = list(Attendance.objects.filter(session=row).order_by("id"))
    attended = [
        training.Attendee(
            session_key=session,
            given_name=a.first_name,
            surname=a.last_name,
            email=a.email,
            minutes_in_session=minutes(a.seconds),
            presences=tuple(
                Presence(
                    datetime.fromisoformat(join).astimezone(UTC),
                    datetime.fromisoformat(leave).astimezone(UTC),
                )
                for join, leave in a.intervals
            ),
        )
        for a in came
    ]
    absent = (
        Registrant.objects.filter(event=row.event)
        .exclude(pk__in=[a.registrant_id for a in came])
        .order_by("registered_at", "id")
    )
    return attended + [
        training.Attendee(session, r.first_name, r.last_name, r.email, 0, ()) for r in absent
    ]


def test_list_session_attendees_lists_absentees_last_with_zero_minutes(
    connected: Connected,
) -> None:
    first = session_key(training_key(HELD), 0)
    found = training.list_session_attendees(connected.api, ORGANIZER_KEY, first)
    assert found == expected_attendees(first)
    assert len(found) == REGISTRANTS_PER_TRAINING
    attended = [a.attended for a in found]
    assert attended == sorted(attended, reverse=True)  # the ones who came, then the rest
    assert any(attended) and not all(attended)
    assert all(a.minutes_in_session > 60 for a in found if a.attended)


def test_list_attendance_over_every_session(connected: Connected) -> None:
    tk = training_key(HELD)
    found = training.list_attendance(connected.api, ORGANIZER_KEY, tk)
    sessions = [session_key(tk, 0), session_key(tk, 1)]
    assert found == expected_attendees(sessions[0]) + expected_attendees(sessions[1])
    assert [e.path for e in emulator_requests()] == [
        f"/G2T/rest/reports/organizers/{ORGANIZER_KEY}/trainings/{tk}",
        *(f"/G2T/rest/reports/organizers/{ORGANIZER_KEY}/sessions/{s}/attendees" for s in sessions),
    ]


def test_unknown_training_is_not_found(connected: Connected) -> None:
    with pytest.raises(errors.NotFound) as caught:
        training.get_training(connected.api, ORGANIZER_KEY, "1000000000000000001")
    assert caught.value.error_code == "NoSuchTraining" and not caught.value.retryable
