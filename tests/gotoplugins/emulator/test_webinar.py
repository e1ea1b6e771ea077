"""GoToWebinar v2 against the emulator: shapes, key typing, paging, registration rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gotoplugins.emulator import faults
from gotoplugins.emulator.keys import parse_iso
from gotoplugins.emulator.models import Event, Organizer, Registrant
from tests.gotoplugins.emulator.helpers import Api, exchange, get_code, iso, whole_schedule

pytestmark = pytest.mark.django_db


def webinars() -> list[Event]:
    return list(Event.objects.filter(product="g2w").order_by("starts_at"))


def base(organizer: Organizer) -> str:
    return f"/G2W/rest/v2/organizers/{organizer.organizer_key}"


def test_list_webinars_is_a_hal_page_with_string_keys(api: Api, organizer: Organizer) -> None:
    response = api.get(f"{base(organizer)}/webinars", **whole_schedule())
    assert response.status_code == 200
    body = response.json()
    assert body["page"] == {"size": 20, "totalElements": 6, "totalPages": 1, "number": 0}
    first = body["_embedded"]["webinars"][0]
    webinar = webinars()[0]
    assert first["webinarKey"] == webinar.key == "6570621509405376538"  # seed 1, deterministic
    assert first["subject"] == "Product launch"
    assert first["organizerKey"] == organizer.organizer_key  # strings in list items
    assert first["accountKey"] == organizer.account_key
    assert len(first["webinarID"]) == 9
    start, end = webinar.intervals[0]
    assert first["times"] == [{"startTime": iso(start), "endTime": iso(end)}]
    assert first["times"][0]["startTime"].endswith("T15:00:00Z")
    assert first["registrationUrl"].startswith("http://testserver/goto-emulator/_app/register/")
    assert first["approvalType"] == "AUTOMATIC"
    assert first["recurrenceType"] == "single_session"
    assert [w["subject"] for w in body["_embedded"]["webinars"]] == [w.subject for w in webinars()]


def test_hal_paging_across_pages(api: Api, organizer: Organizer) -> None:
    seen: list[str] = []
    page = 0
    while True:
        body = api.get(f"{base(organizer)}/webinars", page=page, size=4, **whole_schedule()).json()
        seen += [w["webinarKey"] for w in body["_embedded"]["webinars"]]
        assert body["page"]["totalPages"] == 2 and body["page"]["number"] == page
        links = body["_links"]
        assert "page=" + str(page) in links["self"]["href"]
        if page == 0:
            assert "next" in links and "prev" not in links
        if body["page"]["number"] >= body["page"]["totalPages"] - 1:
            assert "next" not in links and "prev" in links
            break
        page += 1
    assert seen == [w.key for w in webinars()]


def test_list_webinars_window_and_parameter_errors(api: Api, organizer: Organizer) -> None:
    url = f"{base(organizer)}/webinars"
    series = next(w for w in webinars() if w.recurrence_type == "series")
    second_start, second_end = series.intervals[1]
    only_second = {"fromTime": iso(second_start), "toTime": iso(second_end)}
    body = api.get(url, **only_second).json()
    assert [w["webinarKey"] for w in body["_embedded"]["webinars"]] == [series.key]
    assert len(body["_embedded"]["webinars"][0]["times"]) == 2

    empty = api.get(url, fromTime="2001-01-01T00:00:00Z", toTime="2001-02-01T00:00:00Z").json()
    assert "_embedded" not in empty and empty["page"]["totalElements"] == 0

    assert api.get(url, fromTime="2025-01-01T00:00:00Z").status_code == 400
    assert api.get(url).json()["errorCode"] == "InvalidRequest"
    assert api.get(url, fromTime="yesterday", toTime="today").status_code == 400
    assert api.get(url, size=201, **whole_schedule()).status_code == 400
    assert api.get(url, size=200, **whole_schedule()).status_code == 200
    assert api.get(url, page=-1, **whole_schedule()).status_code == 400


def test_account_webinars(api: Api, organizer: Organizer) -> None:
    url = f"/G2W/rest/v2/accounts/{organizer.account_key}/webinars"
    assert api.get(url, **whole_schedule()).json()["page"]["totalElements"] == 6
    assert api.get("/G2W/rest/v2/accounts/123/webinars", **whole_schedule()).status_code == 403


def test_get_webinar_by_key_has_number_keys(api: Api, organizer: Organizer) -> None:
    webinar = webinars()[0]
    body = api.get(f"{base(organizer)}/webinars/{webinar.key}").json()
    assert body["webinarKey"] == int(webinar.key)
    assert body["organizerKey"] == int(organizer.organizer_key)
    assert body["accountKey"] == organizer.account_key
    assert body["numberOfRegistrants"] == 12
    assert body["organizerEmail"] == "jane.organizer@example.com"
    assert body["organizerName"] == "Jane Organizer"
    assert body["inSession"] is False and body["type"] == "single_session"

    missing = api.get(f"{base(organizer)}/webinars/1234567890123456789")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "NotFound"
    Event.objects.filter(pk=webinar.pk).update(cancelled=True)
    assert api.get(f"{base(organizer)}/webinars/{webinar.key}").status_code == 404


def test_registrants_plain_array_and_flat_pages(api: Api, organizer: Organizer) -> None:
    webinar = webinars()[0]
    url = f"{base(organizer)}/webinars/{webinar.key}/registrants"
    plain = api.get(url).json()
    assert isinstance(plain, list) and len(plain) == 12
    juergen = next(r for r in plain if r["email"] == "juergen.mueller@example.com")
    row = Registrant.objects.get(event=webinar, email="juergen.mueller@example.com")
    assert juergen["registrantKey"] == int(row.key)  # a number in the Registrant object
    assert (juergen["firstName"], juergen["lastName"]) == ("Jürgen", "Müller")
    assert juergen["status"] == "APPROVED"
    assert juergen["registrationDate"].endswith("Z")
    assert juergen["joinUrl"] == (
        f"http://testserver/goto-emulator/_app/join/g2w/{webinar.key}/{row.key}"
    )
    assert Client().get(juergen["joinUrl"].removeprefix("http://testserver")).status_code == 200

    flat = api.get(url, page=2, limit=5).json()
    assert flat["total"] == 12 and flat["page"] == 2 and flat["limit"] == 5
    assert flat["pageSize"] == 2 and len(flat["data"]) == 2
    assert flat["data"] == plain[10:]
    assert api.get(url, limit=201).status_code == 400


def test_create_registrant_and_read_it_back(api: Api, organizer: Organizer) -> None:
    webinar = webinars()[-1]  # upcoming
    url = f"{base(organizer)}/webinars/{webinar.key}/registrants"
    body = {
        "firstName": "Bob",
        "lastName": "Ng",
        "email": "Bob.Ng@example.org",
        "organization": "ACME",
        "source": "newsletter-42",
        "responses": [{"questionKey": 55001, "responseText": "Friend"}],
    }
    created = api.send("POST", url, body, resendConfirmation="true")
    assert created.status_code == 201
    answer = created.json()
    assert isinstance(answer["registrantKey"], int) and len(str(answer["registrantKey"])) == 19
    assert answer["status"] == "APPROVED" and answer["asset"] is True
    assert answer["joinUrl"].endswith(f"/{webinar.key}/{answer['registrantKey']}")

    detail = api.get(f"{url}/{answer['registrantKey']}").json()
    assert detail["email"] == "Bob.Ng@example.org"
    assert detail["organization"] == "ACME" and detail["source"] == "newsletter-42"
    assert detail["type"] == "REGULAR"
    assert detail["responses"] == [{"question": "How did you hear about us?", "answer": "Friend"}]
    assert api.get(f"{base(organizer)}/webinars/{webinar.key}").json()["numberOfRegistrants"] == 13


def test_registration_rules_late_waiting_and_v1_accept(api: Api, organizer: Organizer) -> None:
    past, manual = webinars()[0], next(w for w in webinars() if w.approval_type == "MANUAL")
    person = {"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.org"}
    late = api.send("POST", f"{base(organizer)}/webinars/{past.key}/registrants", person).json()
    assert Registrant.objects.get(key=str(late["registrantKey"])).registration_type == "LATE"

    waiting = api.send("POST", f"{base(organizer)}/webinars/{manual.key}/registrants", person)
    assert waiting.json()["status"] == "WAITING" and "joinUrl" not in waiting.json()

    upcoming = webinars()[-1]
    v1 = api.send(
        "POST",
        f"{base(organizer)}/webinars/{upcoming.key}/registrants",
        {**person, "organization": "ACME"},
        headers={"Accept": "application/vnd.citrix.g2wapi-v1.1+json"},
    )
    assert v1.status_code == 201
    assert Registrant.objects.get(key=str(v1.json()["registrantKey"])).fields == {}


def test_create_registrant_bad_input_is_400(api: Api, organizer: Organizer) -> None:
    url = f"{base(organizer)}/webinars/{webinars()[-1].key}/registrants"
    missing = api.send("POST", url, {"firstName": "Ann", "email": "ann@example.org"})
    assert missing.status_code == 400
    assert "lastName" in missing.json()["description"]
    not_json = api.client.post(
        f"/goto-emulator{url}", "{", content_type="application/json", headers=api.headers(None)
    )
    assert not_json.status_code == 400
    bad_email = api.send("POST", url, {"firstName": "A", "lastName": "B", "email": "nope"})
    assert bad_email.status_code == 400
    assert api.send("POST", url, ["not", "an", "object"]).status_code == 400


def test_duplicate_registration_conflict_mode(api: Api, organizer: Organizer) -> None:
    webinar = webinars()[-1]
    url = f"{base(organizer)}/webinars/{webinar.key}/registrants"
    existing = Registrant.objects.filter(event=webinar).first()
    assert existing is not None
    again = {"firstName": "X", "lastName": "Y", "email": existing.email.upper()}
    response = api.send("POST", url, again)
    assert response.status_code == 409
    body = response.json()
    assert body["errorCode"] == "DuplicateRegistrant"
    assert body["description"] == "The user is already registered."
    assert body["registrantKey"] == int(existing.key)
    assert isinstance(body["incident"], int)
    assert Registrant.objects.filter(event=webinar).count() == 12


def test_duplicate_registration_idempotent_mode(api: Api, organizer: Organizer) -> None:
    faults.set_duplicate_mode("idempotent")
    webinar = webinars()[-1]
    url = f"{base(organizer)}/webinars/{webinar.key}/registrants"
    person = {"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.org"}
    first = api.send("POST", url, person)
    second = api.send("POST", url, {**person, "email": "ANN.LEE@example.org"})
    assert first.status_code == second.status_code == 201
    assert second.json()["registrantKey"] == first.json()["registrantKey"]
    assert second.json()["joinUrl"] == first.json()["joinUrl"]
    assert Registrant.objects.filter(event=webinar).count() == 13


def test_delete_registrant_only_before_the_webinar(api: Api, organizer: Organizer) -> None:
    past, upcoming = webinars()[0], webinars()[-1]
    for webinar, status in ((upcoming, 204), (past, 400)):
        registrant = Registrant.objects.filter(event=webinar).first()
        assert registrant is not None
        url = f"{base(organizer)}/webinars/{webinar.key}/registrants/{registrant.key}"
        assert api.send("DELETE", url).status_code == status
    gone = api.get(f"{base(organizer)}/webinars/{upcoming.key}/registrants/1234567890123456789")
    assert gone.status_code == 404


def test_registration_fields(api: Api, organizer: Organizer) -> None:
    body = api.get(f"{base(organizer)}/webinars/{webinars()[0].key}/registrants/fields").json()
    assert {f["field"] for f in body["fields"]} >= {"firstName", "lastName", "email"}
    assert body["questions"][0]["questionKey"] == 55001


def test_sessions_of_a_webinar_and_of_the_organizer(api: Api, organizer: Organizer) -> None:
    webinar = webinars()[0]
    body = api.get(f"{base(organizer)}/webinars/{webinar.key}/sessions").json()
    [session] = body["_embedded"]["sessionInfoResources"]
    held = webinar.sessions.get()
    assert session["sessionKey"] == held.key  # strings in ReportingSession
    assert session["webinarKey"] == webinar.key
    assert session["webinarName"] == "Product launch"
    assert session["registrantCount"] == 12
    assert session["registrantsAttended"] == held.attendances.count() > 0
    assert session["startTime"] == iso(held.starts_at)
    assert session["creatingOrganizerKey"] == organizer.organizer_key

    all_sessions = api.get(f"{base(organizer)}/sessions", **whole_schedule()).json()
    names = [s["webinarName"] for s in all_sessions["_embedded"]["sessionInfoResources"]]
    assert names == ["Product launch", "Marketing automation 101", "Segments that sell"]
    assert api.get(f"{base(organizer)}/sessions").status_code == 400


def test_session_attendees_compute_seconds_from_intervals(api: Api, organizer: Organizer) -> None:
    webinar = webinars()[0]
    held = webinar.sessions.get()
    url = f"{base(organizer)}/webinars/{webinar.key}/sessions/{held.key}/attendees"
    attendees = api.get(url).json()
    assert isinstance(attendees, list) and len(attendees) == held.attendances.count()
    for attendee in attendees:
        assert isinstance(attendee["registrantKey"], int)
        assert attendee["sessionKey"] == int(held.key)
        total = sum(
            (parse_iso(i["leaveTime"]) - parse_iso(i["joinTime"])).total_seconds()  # type: ignore[operator]
            for i in attendee["attendance"]
        )
        assert attendee["attendanceTimeInSeconds"] == int(total) > 0
    assert any(len(a["attendance"]) == 2 for a in attendees)  # someone dropped out and returned
    same = api.get(f"{base(organizer)}/webinars/{webinar.key}/sessions/{held.key}").json()
    assert same == attendees
    all_attendees = api.get(f"{base(organizer)}/webinars/{webinar.key}/attendees").json()
    assert all_attendees["_embedded"]["attendeeParticipationResponses"] == attendees
    unknown = api.get(f"{base(organizer)}/webinars/{webinar.key}/sessions/42/attendees")
    assert unknown.status_code == 404


def test_start_url(api: Api, organizer: Organizer) -> None:
    webinar = webinars()[-1]
    body = api.get(f"/G2W/rest/v2/webinars/{webinar.key}/startUrl").json()
    assert body == {"startUrl": f"http://testserver/goto-emulator/_app/start/g2w/{webinar.key}"}
    page = Client().get(body["startUrl"].removeprefix("http://testserver"))
    assert page.status_code == 200 and webinar.subject.encode() in page.content


def test_unrouted_paths_and_wrong_methods(api: Api, organizer: Organizer) -> None:
    unrouted = api.get("/G2W/rest/v2/nothing/here")
    assert unrouted.status_code == 404
    assert unrouted.json()["errorCode"] == "NOT_FOUND"
    wrong = api.send("PUT", f"{base(organizer)}/webinars", **whole_schedule())
    assert wrong.status_code == 405 and wrong["Allow"] == "GET"


def test_emulator_pages_need_no_convene_login(seeded: Any) -> None:
    assert Client().get("/goto-emulator/").status_code == 200


def test_in_session_follows_the_emulator_clock(seeded: Any, organizer: Organizer) -> None:
    webinar = webinars()[-1]
    five_minutes_in = webinar.intervals[0][0] + timedelta(minutes=5)
    faults.set_clock_offset(int((five_minutes_in - timezone.now()).total_seconds()))
    client = Client()
    api = Api(exchange(client, get_code(client)).json()["access_token"])  # issued "then"
    assert api.get(f"{base(organizer)}/webinars/{webinar.key}").json()["inSession"] is True
