"""gotoplugins.webinar against the emulator: every endpoint, both paging styles, duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gotoplugins import errors, webinar
from gotoplugins.emulator import faults
from gotoplugins.emulator.models import Attendance, Registrant
from gotoplugins.emulator.models import Session as EmulatorSession
from gotoplugins.types import Presence, TimeRange
from tests.contract.conftest import (
    ACCOUNT_KEY,
    ANCHOR,
    ORGANIZER_KEY,
    REGISTRANTS_PER_WEBINAR,
    Connected,
    emulator_requests,
    request_body,
    seeded_registrant_key,
    session_key,
    webinar_key,
    webinar_start,
    whole,
)

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECTS = [
    "Product launch",
    "Marketing automation 101",
    "Segments that sell",
    "Campaign workflows in practice",
    "Forms that convert",
    "Email deliverability clinic",
    "Customer story: Nordlicht AB",
    "Quarterly roadmap",
]
SERIES = 3  # a past series webinar: two held sessions, 450 registrants
UPCOMING = 5  # a future webinar with automatic approval
MANUAL = 4  # a future webinar whose registrations wait for approval
PAGE_SIZE = "200"


def is_key(value: str) -> bool:
    """A 19-digit int64 key, beyond what a float holds exactly."""
    return len(value) == 19 and value.isdigit() and 2**53 < int(value) < 2**63


def schedule(index: int) -> tuple[TimeRange, ...]:
    start = webinar_start(index)
    times = [TimeRange(start, start + timedelta(hours=1))]
    if index % 4 == 3:  # series: a second session two days later
        times.append(TimeRange(start + timedelta(days=2), start + timedelta(days=2, hours=1)))
    return tuple(times)


def assert_aware_utc(*values: datetime | None) -> None:
    for value in values:
        assert value is not None and value.utcoffset() == timedelta(0), value


def test_list_webinars_in_a_window(connected: Connected) -> None:
    found = webinar.list_webinars(
        connected.api, ORGANIZER_KEY, ANCHOR - timedelta(days=20), ANCHOR + timedelta(days=10)
    )
    assert [w.key for w in found] == [webinar_key(i) for i in (1, 2, 3, 4, 5)]
    assert all(is_key(w.key) for w in found)
    assert [w.subject for w in found] == SUBJECTS[1:6]
    series = found[2]
    assert series.times == schedule(SERIES) and len(series.times) == 2
    assert_aware_utc(*(t.start for w in found for t in w.times))
    assert series.times[0].start == ANCHOR + timedelta(days=-5, hours=15)
    assert series.recurrence == "series" and found[0].recurrence == "single_session"
    assert series.organizer_key == ORGANIZER_KEY and series.account_key == ACCOUNT_KEY
    assert series.time_zone == "Europe/Berlin" and series.experience_type == "CLASSIC"
    assert len(series.webinar_id) == 9 and series.webinar_id.isdigit()
    assert series.registration_url == connected.site.app_url("register", "g2w", webinar_key(3))
    (call,) = emulator_requests()
    assert call.path == f"/G2W/rest/v2/organizers/{ORGANIZER_KEY}/webinars"
    from_time = (ANCHOR - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert call.query == {
        "fromTime": from_time,
        "toTime": (ANCHOR + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "page": "0",
        "size": PAGE_SIZE,
    }


def test_list_account_webinars(connected: Connected) -> None:
    found = webinar.list_account_webinars(
        connected.api, ACCOUNT_KEY, ANCHOR - timedelta(days=60), ANCHOR + timedelta(days=60)
    )
    assert [w.key for w in found] == [webinar_key(i) for i in range(8)]
    assert [w.subject for w in found] == SUBJECTS
    assert [w.times for w in found] == [schedule(i) for i in range(8)]
    assert {w.account_key for w in found} == {ACCOUNT_KEY}


def test_get_webinar_reads_number_keys_exactly(connected: Connected) -> None:
    got = webinar.get_webinar(connected.api, ORGANIZER_KEY, webinar_key(SERIES))
    assert got.key == webinar_key(SERIES) and is_key(got.key)
    assert got.organizer_key == ORGANIZER_KEY  # a JSON number in WebinarByKey
    assert got.account_key == ACCOUNT_KEY
    assert got.subject == SUBJECTS[SERIES]
    assert got.description == f"{SUBJECTS[SERIES]}: a session from the Convene demo data."
    assert got.times == schedule(SERIES)
    assert got.recurrence == "series"


def test_get_start_url(connected: Connected) -> None:
    url = webinar.get_start_url(connected.api, webinar_key(UPCOMING))
    assert url == connected.site.app_url("start", "g2w", webinar_key(UPCOMING))


def test_list_registrants_reads_every_flat_page(connected: Connected) -> None:
    wk = webinar_key(SERIES)
    found = webinar.list_registrants(connected.api, ORGANIZER_KEY, wk)

    assert len(found) == REGISTRANTS_PER_WEBINAR == 450
    expected_keys = {seeded_registrant_key(wk, n) for n in range(REGISTRANTS_PER_WEBINAR)}
    assert {r.key for r in found} == expected_keys
    assert len({r.key for r in found}) == 450 and all(is_key(r.key) for r in found)
    rows = list(Registrant.objects.filter(event__key=wk).order_by("registered_at", "id"))
    assert [r.key for r in found] == [row.key for row in rows]
    for got, row in zip(found, rows, strict=True):
        assert (got.first_name, got.last_name, got.email) == (
            row.first_name,
            row.last_name,
            row.email,
        )
        assert got.registration_date == whole(row.registered_at)
        assert got.status == "APPROVED" and got.time_zone == row.time_zone
        assert got.join_url == connected.site.app_url("join", "g2w", wk, row.key)
    assert_aware_utc(*(r.registration_date for r in found))

    pages = emulator_requests(f"/G2W/rest/v2/organizers/{ORGANIZER_KEY}/webinars/{wk}/registrants")
    assert [(p.query, p.status) for p in pages] == [
        ({"page": str(n), "limit": PAGE_SIZE}, 200) for n in range(3)
    ]


def test_get_registrant(connected: Connected) -> None:
    wk = webinar_key(SERIES)
    rk = seeded_registrant_key(wk, 7)
    row = Registrant.objects.get(key=rk)
    got = webinar.get_registrant(connected.api, ORGANIZER_KEY, wk, rk)
    assert got == webinar.Registrant(
        key=rk,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        status="APPROVED",
        join_url=connected.site.app_url("join", "g2w", wk, rk),
        registration_date=whole(row.registered_at),
        time_zone=row.time_zone,
    )


def test_create_registrant_with_fields_and_answers(connected: Connected) -> None:
    wk = webinar_key(UPCOMING)
    made = webinar.create_registrant(
        connected.api,
        ORGANIZER_KEY,
        wk,
        first_name="Zoë",
        last_name="O'Brien",
        email="zoe.obrien@example.net",
        fields={"organization": "Nordlicht AB", "jobTitle": "CMO"},
        responses=[
            webinar.QuestionResponse(question_key="55001", text="A podcast"),
            webinar.QuestionResponse(question_key="55002", answer_key="66002"),
        ],
    )
    assert is_key(made.registrant_key)
    assert made.join_url == connected.site.app_url("join", "g2w", wk, made.registrant_key)
    assert made.status == "APPROVED" and not made.already_registered

    (post,) = emulator_requests(method="POST")
    assert post.status == 201 and post.query == {"resendConfirmation": "false"}
    assert request_body(post) == {
        "organization": "Nordlicht AB",
        "jobTitle": "CMO",
        "firstName": "Zoë",
        "lastName": "O'Brien",
        "email": "zoe.obrien@example.net",
        "responses": [
            {"questionKey": 55001, "responseText": "A podcast"},
            {"questionKey": 55002, "answerKey": 66002},
        ],
    }
    back = webinar.get_registrant(connected.api, ORGANIZER_KEY, wk, made.registrant_key)
    assert (back.first_name, back.last_name, back.email) == (
        "Zoë",
        "O'Brien",
        "zoe.obrien@example.net",
    )


def test_manual_approval_webinar_registers_as_waiting_without_join_url(
    connected: Connected,
) -> None:
    made = webinar.create_registrant(
        connected.api,
        ORGANIZER_KEY,
        webinar_key(MANUAL),
        first_name="Ann",
        last_name="Lee",
        email="ann.lee@example.net",
    )
    assert is_key(made.registrant_key)
    assert (made.status, made.join_url, made.already_registered) == ("WAITING", "", False)


def test_duplicate_in_conflict_mode_returns_the_existing_registration(
    connected: Connected,
) -> None:
    wk = webinar_key(UPCOMING)
    first = webinar.create_registrant(
        connected.api, ORGANIZER_KEY, wk, first_name="Ann", last_name="Lee", email="ann@x.example"
    )
    faults.clear_log()
    again = webinar.create_registrant(
        connected.api, ORGANIZER_KEY, wk, first_name="Ann", last_name="Lee", email="ANN@x.example"
    )
    assert again == webinar.Registration(
        registrant_key=first.registrant_key,
        join_url=first.join_url,
        status="APPROVED",
        already_registered=True,
    )
    # The 409 names the existing key but carries no joinUrl: the client reads that registrant.
    calls = [(e.method, e.path.rsplit("/", 1)[-1], e.status) for e in emulator_requests()]
    assert calls == [("POST", "registrants", 409), ("GET", first.registrant_key, 200)]


def test_duplicate_in_idempotent_mode_keeps_the_same_key(connected: Connected) -> None:
    """What the idempotent mode does guarantee: one registrant, the same key and join link."""
    wk = webinar_key(UPCOMING)
    first = webinar.create_registrant(
        connected.api, ORGANIZER_KEY, wk, first_name="Ann", last_name="Lee", email="ann@x.example"
    )
    faults.set_duplicate_mode("idempotent")
    again = webinar.create_registrant(
        connected.api, ORGANIZER_KEY, wk, first_name="Ann", last_name="Lee", email="ann@x.example"
    )
    assert (again.registrant_key, again.join_url, again.status) == (
        first.registrant_key,
        first.join_url,
        "APPROVED",
    )
    assert Registrant.objects.filter(event__key=wk, email_lower="ann@x.example").count() == 1


def test_delete_registrant(connected: Connected) -> None:
    wk = webinar_key(UPCOMING)
    made = webinar.create_registrant(
        connected.api, ORGANIZER_KEY, wk, first_name="Ann", last_name="Lee", email="ann@x.example"
    )
    webinar.delete_registrant(connected.api, ORGANIZER_KEY, wk, made.registrant_key)
    assert emulator_requests(method="DELETE")[0].status == 204
    assert not Registrant.objects.filter(key=made.registrant_key).exists()
    with pytest.raises(errors.NotFound):
        webinar.get_registrant(connected.api, ORGANIZER_KEY, wk, made.registrant_key)
    # GoTo allows a delete only before the webinar: a past one is a 400, not a silent success.
    past = webinar_key(SERIES)
    with pytest.raises(errors.BadRequest) as refused:
        webinar.delete_registrant(
            connected.api, ORGANIZER_KEY, past, seeded_registrant_key(past, 0)
        )
    assert refused.value.status == 400 and not refused.value.retryable
    assert Registrant.objects.filter(key=seeded_registrant_key(past, 0)).exists()


def test_list_sessions(connected: Connected) -> None:
    wk = webinar_key(SERIES)
    found = webinar.list_sessions(connected.api, ORGANIZER_KEY, wk)
    rows = list(EmulatorSession.objects.filter(event__key=wk).order_by("starts_at"))
    assert [s.key for s in found] == [session_key(wk, 0), session_key(wk, 1)]
    for got, row in zip(found, rows, strict=True):
        assert got.webinar_key == wk
        assert (got.start, got.end) == (whole(row.starts_at), whole(row.ends_at))
        assert got.registrant_count == 450
        assert got.registrants_attended == Attendance.objects.filter(session=row).count() > 200
    # Held sessions start a few minutes before the scheduled time.
    assert timedelta(0) < webinar_start(SERIES) - found[0].start <= timedelta(minutes=5)
    assert_aware_utc(*(s.start for s in found), *(s.end for s in found))


def expected_attendees(wk: str, session: str = "") -> list[webinar.Attendee]:
    rows = Attendance.objects.filter(session__event__key=wk).select_related("registrant", "session")
    if session:
        rows = rows.filter(session__key=session)
    return [
        webinar.Attendee(
            registrant_key=row.registrant.key if row.registrant else "",
            session_key=row.session.key,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            attendance_seconds=row.seconds,
            presences=tuple(
                Presence(
                    datetime.fromisoformat(join).astimezone(UTC),
                    datetime.fromisoformat(leave).astimezone(UTC),
                )
                for join, leave in row.intervals
            ),
        )
        for row in rows.order_by("session__starts_at", "id")
    ]


def test_list_attendees_reads_every_hal_page(connected: Connected) -> None:
    wk = webinar_key(SERIES)
    found = webinar.list_attendees(connected.api, ORGANIZER_KEY, wk)
    expected = expected_attendees(wk)
    assert len(found) == len(expected) > 400
    assert found == expected
    assert {a.session_key for a in found} == {session_key(wk, 0), session_key(wk, 1)}
    assert all(is_key(a.registrant_key) for a in found)
    assert all(a.attendance_seconds > 600 for a in found)
    assert any(len(a.presences) == 2 for a in found)  # dropped out once and came back
    pages = emulator_requests(f"/G2W/rest/v2/organizers/{ORGANIZER_KEY}/webinars/{wk}/attendees")
    assert [p.query for p in pages] == [{"page": str(n), "size": PAGE_SIZE} for n in range(3)]


def test_list_session_attendees(connected: Connected) -> None:
    wk = webinar_key(SERIES)
    second = session_key(wk, 1)
    found = webinar.list_session_attendees(connected.api, ORGANIZER_KEY, wk, second)
    assert found == expected_attendees(wk, second)
    assert found and {a.session_key for a in found} == {second}
    one = found[0]
    assert one.attendance_seconds == sum(
        int(((p.left or p.joined) - p.joined).total_seconds()) for p in one.presences
    )


def test_list_attendees_by_session(connected: Connected) -> None:
    wk = webinar_key(SERIES)
    found = webinar.list_attendees_by_session(connected.api, ORGANIZER_KEY, wk)
    assert found == expected_attendees(wk)
    paths = [
        e.path.removeprefix(f"/G2W/rest/v2/organizers/{ORGANIZER_KEY}/webinars/{wk}")
        for e in emulator_requests()
    ]
    assert paths == [
        "/sessions",
        f"/sessions/{session_key(wk, 0)}/attendees",
        f"/sessions/{session_key(wk, 1)}/attendees",
    ]


def test_a_webinar_without_sessions_has_no_attendees(connected: Connected) -> None:
    wk = webinar_key(UPCOMING)
    assert webinar.list_sessions(connected.api, ORGANIZER_KEY, wk) == []
    assert webinar.list_attendees(connected.api, ORGANIZER_KEY, wk) == []  # no _embedded
    assert webinar.list_attendees_by_session(connected.api, ORGANIZER_KEY, wk) == []
