"""GoToWebinar v2 client against mocked GoTo answers shaped as in goto-api.md §2 and §8."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests
from responses import matchers

from gotoplugins import errors, webinar
from gotoplugins.types import Presence, TimeRange
from tests.gotoplugins import TOKEN, Harness

OK = "700000000000000001"
WK = "4511665432126123456"
G2W = "/G2W/rest/v2"
WEBINAR = f"{G2W}/organizers/{OK}/webinars/{WK}"
JUNE_10_15H = datetime(2025, 6, 10, 15, 0, tzinfo=UTC)

LISTED_WEBINAR = {
    "webinarKey": "4511665432126123456",
    "webinarID": "123456789",
    "organizerKey": "700000000000000001",
    "accountKey": "800000000000000001",
    "subject": "Product launch",
    "description": "Live demo",
    "times": [{"startTime": "2025-06-10T15:00:00Z", "endTime": "2025-06-10T16:00:00Z"}],
    "timeZone": "Europe/Berlin",
    "locale": "en_US",
    "approvalType": "AUTOMATIC",
    "registrationUrl": "https://attendee.gotowebinar.com/register/1234567890123456789",
    "impromptu": False,
    "isPasswordProtected": False,
    "recurrenceType": "single_session",
    "experienceType": "CLASSIC",
}
ANN = {
    "firstName": "Ann",
    "lastName": "Lee",
    "email": "ann.lee@example.org",
    "registrantKey": 3019527584166801154,
    "registrationDate": "2025-05-01T09:12:44Z",
    "status": "APPROVED",
    "joinUrl": "https://global.gotowebinar.com/join/4511665432126123456/813245871",
    "timeZone": "Europe/Berlin",
}
BOB = {
    "firstName": "Bob",
    "lastName": "Ng",
    "email": "bob.ng@example.org",
    "registrantKey": 3019527584166809999,
    "registrationDate": "2025-05-02T10:00:00.120Z",
    "status": "APPROVED",
    "joinUrl": "https://global.gotowebinar.com/join/4511665432126123456/813249999",
    "timeZone": "Europe/Berlin",
}


@pytest.fixture
def goto() -> Iterator[Harness]:
    with Harness() as harness:
        yield harness


def _hal(key: str, items: list[dict[str, object]], number: int = 0, pages: int = 1) -> object:
    return {
        "_embedded": {key: items},
        "page": {"size": 200, "totalElements": len(items), "totalPages": pages, "number": number},
    }


def test_list_webinars_reads_the_window_in_utc_and_parses_every_field(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2W}/organizers/{OK}/webinars"),
        json=_hal("webinars", [LISTED_WEBINAR]),
        match=[
            matchers.query_param_matcher(
                {
                    "fromTime": "2024-12-31T23:00:00Z",
                    "toTime": "2025-12-31T23:59:59Z",
                    "page": "0",
                    "size": "200",
                }
            )
        ],
    )
    cet = timezone(timedelta(hours=1))

    webinars = webinar.list_webinars(
        goto.api,
        OK,
        datetime(2025, 1, 1, tzinfo=cet),
        datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
    )

    assert webinars == [
        webinar.Webinar(
            key="4511665432126123456",
            webinar_id="123456789",
            subject="Product launch",
            description="Live demo",
            times=(TimeRange(JUNE_10_15H, JUNE_10_15H + timedelta(hours=1)),),
            time_zone="Europe/Berlin",
            registration_url="https://attendee.gotowebinar.com/register/1234567890123456789",
            organizer_key="700000000000000001",
            account_key="800000000000000001",
            recurrence="single_session",
            experience_type="CLASSIC",
        )
    ]
    assert goto.authorization() == f"Bearer {TOKEN}"


def test_list_webinars_reads_every_page_and_accepts_webinarid_spelt_either_way(
    goto: Harness,
) -> None:
    second = {**LISTED_WEBINAR, "webinarKey": "-7451166543212612345", "experienceType": "simulive"}
    del second["webinarID"]
    second["webinarId"] = "987654321"
    url = goto.url(f"{G2W}/organizers/{OK}/webinars")
    goto.http.get(url, json=_hal("webinars", [LISTED_WEBINAR], 0, 2))
    goto.http.get(url, json=_hal("webinars", [second], 1, 2))

    webinars = webinar.list_webinars(goto.api, OK, JUNE_10_15H, JUNE_10_15H)

    assert [(w.key, w.webinar_id, w.experience_type) for w in webinars] == [
        ("4511665432126123456", "123456789", "CLASSIC"),
        ("-7451166543212612345", "987654321", "SIMULIVE"),
    ]


def test_list_webinars_with_no_results_and_no_embedded(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2W}/organizers/{OK}/webinars"),
        json={"page": {"size": 200, "totalElements": 0, "totalPages": 0, "number": 0}},
    )

    assert webinar.list_webinars(goto.api, OK, JUNE_10_15H, JUNE_10_15H) == []


def test_list_account_webinars(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2W}/accounts/800000000000000001/webinars"),
        json=_hal("webinars", [LISTED_WEBINAR]),
        match=[
            matchers.query_param_matcher(
                {"fromTime": "2025-06-10T15:00:00Z", "toTime": "2025-06-10T15:00:00Z"},
                strict_match=False,
            )
        ],
    )

    webinars = webinar.list_account_webinars(
        goto.api, "800000000000000001", JUNE_10_15H, JUNE_10_15H
    )

    assert [w.key for w in webinars] == [WK]


def test_get_webinar_keeps_numeric_keys_exact(goto: Harness) -> None:
    goto.http.get(
        goto.url(WEBINAR),
        body=(
            '{"webinarKey":4511665432126123456,"webinarID":"123456789","subject":"Product launch",'
            '"organizerKey":700000000000000001,"accountKey":"800000000000000001",'
            '"times":[{"startTime":"2025-06-10T15:00:00Z","endTime":"2025-06-10T16:00:00Z"}],'
            '"timeZone":"Europe/Berlin","type":"single_session","inSession":false,'
            '"numberOfRegistrants":2,"experienceType":"CLASSIC",'
            '"registrationUrl":"https://attendee.gotowebinar.com/register/1"}'
        ),
    )

    found = webinar.get_webinar(goto.api, OK, WK)

    assert found.key == "4511665432126123456"
    assert found.organizer_key == "700000000000000001"
    assert found.recurrence == "single_session"
    assert found.times[0].start == JUNE_10_15H


def test_get_webinar_that_was_cancelled_is_not_found(goto: Harness) -> None:
    goto.http.get(
        goto.url(WEBINAR),
        status=404,
        json={"errorCode": "NotFound", "description": "Webinar with specified key does not exist."},
    )

    with pytest.raises(errors.NotFound):
        webinar.get_webinar(goto.api, OK, WK)


def test_get_start_url(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{G2W}/webinars/{WK}/startUrl"),
        json={"startUrl": "https://global.gotowebinar.com/start/1?token=sbx"},
    )

    assert webinar.get_start_url(goto.api, WK) == "https://global.gotowebinar.com/start/1?token=sbx"


def test_list_registrants_reads_every_flat_page(goto: Harness) -> None:
    url = goto.url(f"{WEBINAR}/registrants")
    for page, items in enumerate([[ANN], [BOB]]):
        goto.http.get(
            url,
            json={"data": items, "total": 201, "page": page, "limit": 200, "pageSize": 1},
            match=[matchers.query_param_matcher({"page": str(page), "limit": "200"})],
        )

    registrants = webinar.list_registrants(goto.api, OK, WK)

    assert registrants == [
        webinar.Registrant(
            key="3019527584166801154",
            first_name="Ann",
            last_name="Lee",
            email="ann.lee@example.org",
            status="APPROVED",
            join_url="https://global.gotowebinar.com/join/4511665432126123456/813245871",
            registration_date=datetime(2025, 5, 1, 9, 12, 44, tzinfo=UTC),
            time_zone="Europe/Berlin",
        ),
        webinar.Registrant(
            key="3019527584166809999",
            first_name="Bob",
            last_name="Ng",
            email="bob.ng@example.org",
            status="APPROVED",
            join_url="https://global.gotowebinar.com/join/4511665432126123456/813249999",
            registration_date=datetime(2025, 5, 2, 10, 0, 0, 120000, tzinfo=UTC),
            time_zone="Europe/Berlin",
        ),
    ]


def test_get_registrant(goto: Harness) -> None:
    goto.http.get(goto.url(f"{WEBINAR}/registrants/3019527584166801154"), json=ANN)

    assert webinar.get_registrant(goto.api, OK, WK, "3019527584166801154").email == (
        "ann.lee@example.org"
    )


@pytest.mark.parametrize("link", ["javascript:alert(document.domain)", "data:text/html,x", "//x"])
def test_a_link_from_goto_that_is_no_web_address_is_dropped_at_the_edge(
    goto: Harness, link: str
) -> None:
    """Links GoTo gives are shown as links (Registration problems, the timeline): only
    http(s) addresses get that far."""
    goto.http.get(
        goto.url(f"{WEBINAR}/registrants/3019527584166801154"), json={**ANN, "joinUrl": link}
    )
    goto.http.get(goto.url(WEBINAR), json={**LISTED_WEBINAR, "registrationUrl": link})

    assert webinar.get_registrant(goto.api, OK, WK, "3019527584166801154").join_url == ""
    assert webinar.get_webinar(goto.api, OK, WK).registration_url == ""


def test_create_registrant_sends_the_documented_body(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{WEBINAR}/registrants"),
        status=201,
        body=(
            '{"registrantKey":3019527584166809999,"joinUrl":'
            '"https://global.gotowebinar.com/join/4511665432126123456/813249999",'
            '"status":"APPROVED","asset":true}'
        ),
        match=[
            matchers.query_param_matcher({"resendConfirmation": "true"}),
            matchers.json_params_matcher(
                {
                    "firstName": "Bob",
                    "lastName": "Ng",
                    "email": "bob.ng@example.org",
                    "organization": "ACME",
                    "source": "newsletter-42",
                    "responses": [
                        {"questionKey": 55001, "responseText": "Friend"},
                        {"questionKey": 55002, "answerKey": 66001},
                    ],
                }
            ),
        ],
    )

    registration = webinar.create_registrant(
        goto.api,
        OK,
        WK,
        first_name="Bob",
        last_name="Ng",
        email="bob.ng@example.org",
        fields={"organization": "ACME", "source": "newsletter-42"},
        responses=[
            webinar.QuestionResponse("55001", text="Friend"),
            webinar.QuestionResponse("55002", answer_key="66001"),
        ],
        resend_confirmation=True,
    )

    assert registration == webinar.Registration(
        registrant_key="3019527584166809999",
        join_url="https://global.gotowebinar.com/join/4511665432126123456/813249999",
        status="APPROVED",
        already_registered=False,
    )


def test_create_registrant_defaults_to_no_resend(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{WEBINAR}/registrants"),
        status=201,
        json={"registrantKey": 1, "joinUrl": "https://join/1", "status": "WAITING"},
        match=[matchers.query_param_matcher({"resendConfirmation": "false"})],
    )

    registration = webinar.create_registrant(
        goto.api, OK, WK, first_name="A", last_name="B", email="a@example.org"
    )

    assert registration.status == "WAITING"


def test_create_registrant_refuses_unknown_fields_before_calling_goto(goto: Harness) -> None:
    with pytest.raises(ValueError, match="favouriteColour"):
        webinar.create_registrant(
            goto.api,
            OK,
            WK,
            first_name="A",
            last_name="B",
            email="a@example.org",
            fields={"favouriteColour": "blue"},
        )

    assert len(goto.http.calls) == 0


def test_duplicate_with_key_and_join_url_in_the_409_body_needs_no_lookup(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{WEBINAR}/registrants"),
        status=409,
        json={
            "errorCode": "DuplicateRegistrant",
            "description": "The user is already registered.",
            "registrantKey": 3019527584166809999,
            "joinUrl": "https://global.gotowebinar.com/join/4511665432126123456/813249999",
        },
    )

    registration = webinar.create_registrant(
        goto.api, OK, WK, first_name="Bob", last_name="Ng", email="bob.ng@example.org"
    )

    assert registration == webinar.Registration(
        "3019527584166809999",
        "https://global.gotowebinar.com/join/4511665432126123456/813249999",
        "",
        already_registered=True,
    )
    assert len(goto.http.calls) == 1


def test_duplicate_with_only_the_key_looks_the_registrant_up(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{WEBINAR}/registrants"),
        status=409,
        body=(
            '{"errorCode":"DuplicateRegistrant","description":"The user is already registered.",'
            '"incident":"5d8c1f0e","registrantKey":3019527584166809999}'
        ),
    )
    goto.http.get(goto.url(f"{WEBINAR}/registrants/3019527584166809999"), json=BOB)

    registration = webinar.create_registrant(
        goto.api, OK, WK, first_name="Bob", last_name="Ng", email="bob.ng@example.org"
    )

    assert registration == webinar.Registration(
        "3019527584166809999",
        "https://global.gotowebinar.com/join/4511665432126123456/813249999",
        "APPROVED",
        already_registered=True,
    )


def test_duplicate_without_a_key_is_found_by_email_ignoring_case(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{WEBINAR}/registrants"),
        status=409,
        json={"errorCode": "DuplicateRegistrant", "description": "The user is already registered."},
    )
    goto.http.get(
        goto.url(f"{WEBINAR}/registrants"),
        json={"data": [ANN, BOB], "total": 2, "page": 0, "limit": 200, "pageSize": 2},
    )

    registration = webinar.create_registrant(
        goto.api, OK, WK, first_name="Bob", last_name="Ng", email=" Bob.NG@Example.org"
    )

    assert registration.registrant_key == "3019527584166809999"
    assert registration.join_url == BOB["joinUrl"]
    assert registration.already_registered is True


def test_duplicate_answered_as_400_with_goto_s_duplicate_code_is_handled_too(
    goto: Harness,
) -> None:
    goto.http.post(
        goto.url(f"{WEBINAR}/registrants"),
        status=400,
        json={"errorCode": "DuplicateRegistrant", "registrantKey": "3019527584166801154"},
    )
    goto.http.get(goto.url(f"{WEBINAR}/registrants/3019527584166801154"), json=ANN)

    registration = webinar.create_registrant(
        goto.api, OK, WK, first_name="Ann", last_name="Lee", email="ann.lee@example.org"
    )

    assert registration.registrant_key == "3019527584166801154"


def test_duplicate_that_cannot_be_found_raises_the_conflict(goto: Harness) -> None:
    goto.http.post(goto.url(f"{WEBINAR}/registrants"), status=409, json={})
    goto.http.get(
        goto.url(f"{WEBINAR}/registrants"),
        json={"data": [ANN], "total": 1, "page": 0, "limit": 200, "pageSize": 1},
    )

    with pytest.raises(errors.Conflict) as caught:
        webinar.create_registrant(
            goto.api, OK, WK, first_name="Zed", last_name="Q", email="zed@example.org"
        )

    assert caught.value.status == 409


def test_other_registration_errors_are_raised(goto: Harness) -> None:
    goto.http.post(
        goto.url(f"{WEBINAR}/registrants"),
        status=400,
        json={"errorCode": "RequestValidationError", "description": "Missing required field"},
    )

    with pytest.raises(errors.BadRequest) as caught:
        webinar.create_registrant(goto.api, OK, WK, first_name="", last_name="", email="x")

    assert caught.value.error_code == "RequestValidationError"


def test_a_registration_that_times_out_is_not_sent_twice(goto: Harness) -> None:
    goto.http.post(goto.url(f"{WEBINAR}/registrants"), body=requests.exceptions.ReadTimeout())

    with pytest.raises(errors.GoToTimeout) as caught:
        webinar.create_registrant(goto.api, OK, WK, first_name="A", last_name="B", email="a@b.c")

    assert caught.value.retryable is True
    assert len(goto.http.calls) == 1


def test_delete_registrant(goto: Harness) -> None:
    goto.http.delete(goto.url(f"{WEBINAR}/registrants/3019527584166801154"), status=204)

    assert webinar.delete_registrant(goto.api, OK, WK, "3019527584166801154") is None
    assert goto.http.calls[0].request.method == "DELETE"


SESSION_1 = {
    "sessionKey": "9876543210123",
    "webinarKey": "4511665432126123456",
    "webinarName": "Product launch",
    "startTime": "2025-06-10T14:58:02Z",
    "endTime": "2025-06-10T16:04:40Z",
    "registrantsAttended": 1,
    "registrantCount": 2,
}
SESSION_2 = {
    **SESSION_1,
    "sessionKey": "9876543210456",
    "startTime": "2025-06-17T14:59:00Z",
    "endTime": "2025-06-17T16:00:00Z",
    "registrantsAttended": 2,
}
ANN_ATTENDED = {
    "registrantKey": 3019527584166801154,
    "sessionKey": 9876543210123,
    "firstName": "Ann",
    "lastName": "Lee",
    "email": "ann.lee@example.org",
    "attendanceTimeInSeconds": 3105,
    "attendance": [
        {"joinTime": "2025-06-10T15:00:10Z", "leaveTime": "2025-06-10T15:40:00Z"},
        {"joinTime": "2025-06-10T15:45:00Z", "leaveTime": "2025-06-10T15:56:55Z"},
    ],
}
BOB_ATTENDED = {
    "registrantKey": 3019527584166809999,
    "sessionKey": 9876543210456,
    "firstName": "Bob",
    "lastName": "Ng",
    "email": "bob.ng@example.org",
    "attendanceTimeInSeconds": 600,
    "attendance": [{"joinTime": "2025-06-17T15:00:00.500Z", "leaveTime": "2025-06-17T15:10:00Z"}],
}


def test_list_sessions(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{WEBINAR}/sessions"),
        json=_hal("sessionInfoResources", [SESSION_1, SESSION_2]),
        match=[matchers.query_param_matcher({"page": "0", "size": "200"})],
    )

    sessions = webinar.list_sessions(goto.api, OK, WK)

    assert sessions[0] == webinar.Session(
        key="9876543210123",
        webinar_key=WK,
        start=datetime(2025, 6, 10, 14, 58, 2, tzinfo=UTC),
        end=datetime(2025, 6, 10, 16, 4, 40, tzinfo=UTC),
        registrants_attended=1,
        registrant_count=2,
    )
    assert sessions[1].key == "9876543210456"


def test_list_sessions_of_a_webinar_never_held(goto: Harness) -> None:
    goto.http.get(goto.url(f"{WEBINAR}/sessions"), json={})

    assert webinar.list_sessions(goto.api, OK, WK) == []


def test_list_attendees_covers_every_session_with_every_interval(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{WEBINAR}/attendees"),
        json=_hal("attendeeParticipationResponses", [ANN_ATTENDED], 0, 2),
        match=[matchers.query_param_matcher({"page": "0", "size": "200"})],
    )
    goto.http.get(
        goto.url(f"{WEBINAR}/attendees"),
        json=_hal("attendeeParticipationResponses", [BOB_ATTENDED], 1, 2),
        match=[matchers.query_param_matcher({"page": "1", "size": "200"})],
    )

    attendees = webinar.list_attendees(goto.api, OK, WK)

    assert attendees == [
        webinar.Attendee(
            registrant_key="3019527584166801154",
            session_key="9876543210123",
            first_name="Ann",
            last_name="Lee",
            email="ann.lee@example.org",
            attendance_seconds=3105,
            presences=(
                Presence(
                    datetime(2025, 6, 10, 15, 0, 10, tzinfo=UTC),
                    datetime(2025, 6, 10, 15, 40, tzinfo=UTC),
                ),
                Presence(
                    datetime(2025, 6, 10, 15, 45, tzinfo=UTC),
                    datetime(2025, 6, 10, 15, 56, 55, tzinfo=UTC),
                ),
            ),
        ),
        webinar.Attendee(
            registrant_key="3019527584166809999",
            session_key="9876543210456",
            first_name="Bob",
            last_name="Ng",
            email="bob.ng@example.org",
            attendance_seconds=600,
            presences=(
                Presence(
                    datetime(2025, 6, 17, 15, 0, 0, 500000, tzinfo=UTC),
                    datetime(2025, 6, 17, 15, 10, tzinfo=UTC),
                ),
            ),
        ),
    ]


def test_list_session_attendees_reads_the_plain_array(goto: Harness) -> None:
    goto.http.get(goto.url(f"{WEBINAR}/sessions/9876543210123/attendees"), json=[ANN_ATTENDED])

    attendees = webinar.list_session_attendees(goto.api, OK, WK, "9876543210123")

    assert [(a.email, a.session_key, len(a.presences)) for a in attendees] == [
        ("ann.lee@example.org", "9876543210123", 2)
    ]


def test_list_attendees_by_session_asks_every_session_not_only_the_last(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{WEBINAR}/sessions"), json=_hal("sessionInfoResources", [SESSION_1, SESSION_2])
    )
    goto.http.get(goto.url(f"{WEBINAR}/sessions/9876543210123/attendees"), json=[ANN_ATTENDED])
    goto.http.get(goto.url(f"{WEBINAR}/sessions/9876543210456/attendees"), json=[BOB_ATTENDED])

    attendees = webinar.list_attendees_by_session(goto.api, OK, WK)

    assert [(a.email, a.session_key) for a in attendees] == [
        ("ann.lee@example.org", "9876543210123"),
        ("bob.ng@example.org", "9876543210456"),
    ]


def test_an_attendee_without_an_email_is_malformed(goto: Harness) -> None:
    goto.http.get(
        goto.url(f"{WEBINAR}/sessions/1/attendees"), json=[{"firstName": "Ann", "attendance": []}]
    )

    with pytest.raises(errors.MalformedResponse, match="email"):
        webinar.list_session_attendees(goto.api, OK, WK, "1")


def test_keys_in_paths_are_escaped(goto: Harness) -> None:
    goto.http.get(goto.url(f"{G2W}/webinars/..%2Fadmin/startUrl"), json={"startUrl": "x"})

    webinar.get_start_url(goto.api, "../admin")

    assert "/webinars/..%2Fadmin/startUrl" in str(goto.http.calls[0].request.url)
