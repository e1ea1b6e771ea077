"""GoToTraining client against mocked GoTo answers shaped as in goto-api.md §4 and §8."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from responses import matchers

from gotoplugins import errors, training
from gotoplugins.types import Presence, TimeRange
from tests.gotoplugins import Harness

OK = "700000000000000001"
TK = "8341752340193456789"
G2T = "/G2T/rest"
TRAINING = f"{G2T}/organizers/{OK}/trainings/{TK}"

ONBOARDING = {
    "trainingKey": "8341752340193456789",
    "trainingId": "987654321",
    "name": "Onboarding 101",
    "description": "Basics",
    "timeZone": "America/New_York",
    "times": [
        {"startDate": "2025-07-01T14:00:00Z", "endDate": "2025-07-01T16:00:00Z"},
        {"startDate": "2025-07-08T14:00:00Z", "endDate": "2025-07-08T16:00:00Z"},
    ],
    "organizers": [
        {
            "organizerKey": 700000000000000001,
            "email": "jane.organizer@example.com",
            "givenName": "Jane",
            "surname": "Organizer",
        }
    ],
    "registrationSettings": {"disableConfirmationEmail": False, "disableWebRegistration": False},
}
ANN = {
    "email": "ann.lee@example.org",
    "givenName": "Ann",
    "surname": "Lee",
    "status": "APPROVED",
    "registrationDate": "2025-06-01T08:00:00Z",
    "joinUrl": "https://global.gototraining.com/join/training/8341752340193456789/107654321",
    "confirmationUrl": "https://attendee.gototraining.com/registration/confirmation.tmpl?r=1",
    "registrantKey": "107654321",
}


@pytest.fixture
def goto() -> Iterator[Harness]:
    with Harness() as harness:
        yield harness


def test_list_trainings_reads_startdate_and_enddate(goto: Harness) -> None:
    goto.http.get(goto.url(f"{G2T}/organizers/{OK}/trainings"), json=[ONBOARDING])

    trainings = training.list_trainings(goto.api, OK)

    assert trainings == [
        training.Training(
            key="8341752340193456789",
            training_id="987654321",
            name="Onboarding 101",
            description="Basics",
            time_zone="America/New_York",
            times=(
                TimeRange(
                    datetime(2025, 7, 1, 14, tzinfo=UTC), datetime(2025, 7, 1, 16, tzinfo=UTC)
                ),
                TimeRange(
                    datetime(2025, 7, 8, 14, tzinfo=UTC), datetime(2025, 7, 8, 16, tzinfo=UTC)
                ),
            ),
            organizer_keys=("700000000000000001",),
        )
    ]


def test_list_trainings_when_there_are_none(goto: Harness) -> None:
    goto.http.get(goto.url(f"{G2T}/organizers/{OK}/trainings"), json=[])

    assert training.list_trainings(goto.api, OK) == []


def test_get_training(goto: Harness) -> None:
    goto.http.get(goto.url(TRAINING), json=ONBOARDING)

    assert training.get_training(goto.api, OK, TK).name == "Onboarding 101"


def test_get_training_unknown(goto: Harness) -> None:
    goto.http.get(
        goto.url(TRAINING),
        status=404,
        json={"errorCode": "NoSuchTraining", "description": "No such training", "incident": 1},
    )

    with pytest.raises(errors.NotFound) as caught:
        training.get_training(goto.api, OK, TK)

    assert caught.value.error_code == "NoSuchTraining"


def test_get_start_url_reads_hosturl(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2T}/trainings/{TK}/start"),
        json={"hostURL": "https://global.gototraining.com/start/8341752340193456789?t=sbx"},
    )

    assert training.get_start_url(goto.api, TK) == (
        "https://global.gototraining.com/start/8341752340193456789?t=sbx"
    )


def test_list_registrants_reads_givenname_and_surname(goto: Harness) -> None:
    goto.http.get(goto.url(f"{TRAINING}/registrants"), json=[ANN])

    assert training.list_registrants(goto.api, OK, TK) == [
        training.Registrant(
            key="107654321",
            given_name="Ann",
            surname="Lee",
            email="ann.lee@example.org",
            status="APPROVED",
            join_url=ANN["joinUrl"],
            confirmation_url=ANN["confirmationUrl"],
            registration_date=datetime(2025, 6, 1, 8, tzinfo=UTC),
        )
    ]


def test_register_sends_givenname_and_surname_not_firstname(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{TRAINING}/registrants"),
        status=201,
        json={
            "joinUrl": "https://global.gototraining.com/join/training/8341752340193456789/107654321",
            "confirmationUrl": "https://attendee.gototraining.com/registration/confirmation.tmpl",
            "registrantKey": "107654321",
        },
        match=[
            matchers.json_params_matcher(
                {"email": "bob.ng@example.org", "givenName": "Bob", "surname": "Ng"}
            )
        ],
    )

    registration = training.register(
        goto.api, OK, TK, email="bob.ng@example.org", given_name="Bob", surname="Ng"
    )

    assert registration == training.Registration(
        registrant_key="107654321",
        join_url="https://global.gototraining.com/join/training/8341752340193456789/107654321",
        confirmation_url="https://attendee.gototraining.com/registration/confirmation.tmpl",
        already_registered=False,
    )
    assert b"firstName" not in goto.http.calls[0].request.body


def test_register_twice_returns_the_existing_registration(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{TRAINING}/registrants"),
        status=409,
        body=(
            '{"errorCode":"DuplicateRegistrant","description":"Registration failed, email '
            'address already in use.","incident":3437843380023983360,"registrantKey":107654321}'
        ),
    )
    goto.http.get(goto.url(f"{TRAINING}/registrants/107654321"), json=ANN)

    registration = training.register(
        goto.api, OK, TK, email="ann.lee@example.org", given_name="Ann", surname="Lee"
    )

    assert registration == training.Registration(
        "107654321", ANN["joinUrl"], ANN["confirmationUrl"], already_registered=True
    )


def test_register_twice_while_goto_s_copy_lags_still_returns_the_key(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{TRAINING}/registrants"),
        status=409,
        json={"errorCode": "DuplicateRegistrant", "registrantKey": "107654321"},
    )
    goto.http.get(goto.url(f"{TRAINING}/registrants/107654321"), status=404, json={})
    goto.http.get(goto.url(f"{TRAINING}/registrants"), json=[])

    registration = training.register(
        goto.api, OK, TK, email="ann.lee@example.org", given_name="Ann", surname="Lee"
    )

    assert registration == training.Registration("107654321", "", "", already_registered=True)


def test_register_twice_without_a_key_matches_the_email_ignoring_case(goto: Harness) -> None:
    goto.http.post(goto.url(f"{TRAINING}/registrants"), status=409, json={})
    goto.http.get(goto.url(f"{TRAINING}/registrants"), json=[ANN])

    registration = training.register(
        goto.api, OK, TK, email="ANN.LEE@example.org", given_name="Ann", surname="Lee"
    )

    assert registration.registrant_key == "107654321"
    assert registration.already_registered is True


SESSIONS = [
    {
        "sessionKey": "5001",
        "trainingName": "Onboarding 101",
        "sessionStartTime": "2025-07-01T14:00:00Z",
        "sessionEndTime": "2025-07-01T16:00:00Z",
        "attendanceCount": 1,
        "duration": 120,
    },
    {
        "sessionKey": 5002,
        "trainingName": "Onboarding 101",
        "sessionStartTime": "2025-07-08T14:00:00.250Z",
        "sessionEndTime": "2025-07-08T16:00:00Z",
        "attendanceCount": 1,
        "duration": 120,
    },
]


def test_list_sessions(goto: Harness) -> None:
    goto.http.get(goto.url(f"{G2T}/reports/organizers/{OK}/trainings/{TK}"), json=SESSIONS)

    sessions = training.list_sessions(goto.api, OK, TK)

    assert sessions[0] == training.Session(
        key="5001",
        training_name="Onboarding 101",
        start=datetime(2025, 7, 1, 14, tzinfo=UTC),
        end=datetime(2025, 7, 1, 16, tzinfo=UTC),
        attendance_count=1,
        duration_minutes=120,
    )
    assert sessions[1].key == "5002"


def test_list_attendance_covers_every_session_not_only_the_last(goto: Harness) -> None:
    reports = f"{G2T}/reports/organizers/{OK}"
    goto.http.get(goto.url(f"{reports}/trainings/{TK}"), json=SESSIONS)
    goto.http.get(
        goto.url(f"{reports}/sessions/5001/attendees"),
        json=[
            {
                "givenName": "Ann",
                "surname": "Lee",
                "email": "ann.lee@example.org",
                "timeInSession": 95,
                "inSessionTimes": [
                    {
                        "joinTime": "2025-07-01T14:01:00Z",
                        "leaveTime": "2025-07-01T15:36:00Z",
                        "timeInPartOfSession": 95,
                    }
                ],
            },
            {
                "givenName": "Bob",
                "surname": "Ng",
                "email": "bob.ng@example.org",
                "timeInSession": 0,
                "inSessionTimes": [],
            },
        ],
    )
    goto.http.get(
        goto.url(f"{reports}/sessions/5002/attendees"),
        json=[
            {
                "givenName": "Bob",
                "surname": "Ng",
                "email": "bob.ng@example.org",
                "timeInSession": 30,
                "inSessionTimes": [
                    {"joinTime": "2025-07-08T14:00:00Z", "leaveTime": "2025-07-08T14:30:00Z"}
                ],
            }
        ],
    )

    attendance = training.list_attendance(goto.api, OK, TK)

    assert attendance[0] == training.Attendee(
        session_key="5001",
        given_name="Ann",
        surname="Lee",
        email="ann.lee@example.org",
        minutes_in_session=95,
        presences=(
            Presence(
                datetime(2025, 7, 1, 14, 1, tzinfo=UTC), datetime(2025, 7, 1, 15, 36, tzinfo=UTC)
            ),
        ),
    )
    assert [(a.session_key, a.email, a.attended) for a in attendance] == [
        ("5001", "ann.lee@example.org", True),
        ("5001", "bob.ng@example.org", False),
        ("5002", "bob.ng@example.org", True),
    ]
