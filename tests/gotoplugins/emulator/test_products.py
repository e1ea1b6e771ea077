"""GoToTraining, GoToMeeting and GoToAssist against the emulator."""

from __future__ import annotations

import pytest
from django.test import Client

from gotoplugins.emulator import faults
from gotoplugins.emulator.models import AssistSession, Event, Organizer, Registrant
from gotoplugins.emulator.serializers import minutes
from tests.gotoplugins.emulator.helpers import Api, iso, whole_schedule

pytestmark = pytest.mark.django_db


def events(product: str) -> list[Event]:
    return list(Event.objects.filter(product=product).order_by("starts_at"))


# --- GoToTraining ---------------------------------------------------------------------------


def g2t(organizer: Organizer) -> str:
    return f"/G2T/rest/organizers/{organizer.organizer_key}"


def test_trainings_list_leaves_completed_ones_out(api: Api, organizer: Organizer) -> None:
    body = api.get(f"{g2t(organizer)}/trainings").json()
    assert [t["name"] for t in body] == ["Admin certification", "Advanced segmentation"]
    first = body[0]
    training = events("g2t")[1]
    assert first["trainingKey"] == training.key  # a string
    assert len(first["trainingId"]) == 9
    start, end = training.intervals[0]
    assert first["times"] == [{"startDate": iso(start), "endDate": iso(end)}]
    assert first["organizers"] == [
        {
            "organizerKey": organizer.organizer_key,
            "email": "jane.organizer@example.com",
            "givenName": "Jane",
            "surname": "Organizer",
        }
    ]
    assert first["timeZone"] == "America/New_York"
    one = api.get(f"{g2t(organizer)}/trainings/{training.key}").json()
    assert one == first
    missing = api.get(f"{g2t(organizer)}/trainings/1234567890123456789")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "NoSuchTraining"


def test_training_registration(api: Api, organizer: Organizer) -> None:
    training = events("g2t")[-1]
    url = f"{g2t(organizer)}/trainings/{training.key}/registrants"
    listed = api.get(url).json()
    assert len(listed) == 8 and isinstance(listed[0]["registrantKey"], str)
    assert set(listed[0]) == {
        "email",
        "givenName",
        "surname",
        "status",
        "registrationDate",
        "joinUrl",
        "confirmationUrl",
        "registrantKey",
    }
    person = {"email": "ann.lee@example.org", "givenName": "Ann", "surname": "Lee"}
    created = api.send("POST", url, person)
    assert created.status_code == 201
    answer = created.json()
    assert set(answer) == {"joinUrl", "confirmationUrl", "registrantKey"}
    assert isinstance(answer["registrantKey"], str)
    assert Registrant.objects.get(key=answer["registrantKey"]).first_name == "Ann"

    duplicate = api.send("POST", url, {**person, "email": "Ann.Lee@example.org"})
    assert duplicate.status_code == 409
    assert duplicate.json()["errorCode"] == "DuplicateRegistrant"
    assert duplicate.json()["description"] == "Registration failed, email address already in use."
    assert duplicate.json()["registrantKey"] == int(answer["registrantKey"])
    faults.set_duplicate_mode("idempotent")
    again = api.send("POST", url, person)
    assert again.status_code == 201 and again.json() == answer

    assert api.send("POST", url, {"email": "x@example.org", "givenName": "X"}).status_code == 400
    one = api.get(f"{url}/{answer['registrantKey']}").json()
    assert one["email"] == "ann.lee@example.org" and one["status"] == "APPROVED"
    assert api.send("DELETE", f"{url}/{answer['registrantKey']}").status_code == 204
    assert api.get(f"{url}/{answer['registrantKey']}").status_code == 404


def test_training_start_urls(api: Api, organizer: Organizer) -> None:
    training = events("g2t")[-1]
    expected = f"http://testserver/goto-emulator/_app/start/g2t/{training.key}"
    bare = api.get(f"{g2t(organizer)}/trainings/{training.key}/startUrl")
    assert bare.json() == expected  # a bare JSON string
    assert bare.content == f'"{expected}"'.encode()
    assert api.get(f"/G2T/rest/trainings/{training.key}/start").json() == {"hostURL": expected}


def test_training_reports_sessions_and_attendance(api: Api, organizer: Organizer) -> None:
    past = events("g2t")[0]
    base = f"/G2T/rest/reports/organizers/{organizer.organizer_key}"
    sessions = api.get(f"{base}/trainings/{past.key}").json()
    assert len(sessions) == 2  # a two-day course, both days held
    first = sessions[0]
    held = past.sessions.order_by("starts_at").first()
    assert held is not None
    assert first["sessionKey"] == held.key and first["trainingName"] == "Onboarding 101"
    assert first["sessionStartTime"] == iso(held.starts_at)
    assert first["duration"] == minutes(int((held.ends_at - held.starts_at).total_seconds()))
    assert first["attendanceCount"] == held.attendances.count()
    assert first["organizers"][0]["organizerKey"] == organizer.organizer_key

    window = {"startDate": whole_schedule()["fromTime"], "endDate": whole_schedule()["toTime"]}
    assert api.send("POST", f"{base}/sessions", window).json() == sessions
    assert api.send("POST", f"{base}/sessions", {"startDate": "2025-01-01"}).status_code == 400

    attendees = api.get(f"{base}/sessions/{held.key}/attendees").json()
    assert len(attendees) == 8  # attendees first, then the registrants who did not come
    came = attendees[: held.attendances.count()]
    absent = attendees[held.attendances.count() :]
    assert all(a["timeInSession"] == 0 and a["inSessionTimes"] == [] for a in absent)
    for attendee in came:
        parts = attendee["inSessionTimes"]
        assert parts and all(p["timeInPartOfSession"] >= 0 for p in parts)
        row = held.attendances.get(email=attendee["email"])
        assert attendee["timeInSession"] == minutes(row.seconds) > 0
    missing = api.get(f"{base}/sessions/42/attendees")
    assert missing.status_code == 404


# --- GoToMeeting ----------------------------------------------------------------------------


def test_upcoming_meetings(api: Api, organizer: Organizer) -> None:
    body = api.get("/G2M/rest/upcomingMeetings").json()
    assert [m["subject"] for m in body] == ["Webinar dry run", "Weekly sync"]
    recurring = next(m for m in body if m["subject"] == "Weekly sync")
    weekly = next(e for e in events("g2m") if e.subject == "Weekly sync")
    assert recurring["meetingId"] == weekly.key and isinstance(recurring["meetingId"], str)
    assert recurring["startTime"] == iso(weekly.intervals[1][0])  # the next occurrence
    assert recurring["status"] == "INACTIVE" and recurring["meetingType"] == "recurring"
    assert recurring["organizerKey"] == organizer.organizer_key
    by_organizer = api.get(f"/G2M/rest/organizers/{organizer.organizer_key}/upcomingMeetings")
    assert by_organizer.json() == body


def test_historical_meetings_and_attendees(api: Api, organizer: Organizer) -> None:
    window = {
        "startDate": whole_schedule()["fromTime"],
        "endDate": whole_schedule()["toTime"],
    }
    body = api.get("/G2M/rest/historicalMeetings", **window).json()
    assert [m["subject"] for m in body] == ["Weekly sync", "Partner check-in"]
    first = body[0]
    assert isinstance(first["duration"], str) and first["numAttendees"] == "4"
    assert first["sessionId"] and first["meetingId"] == events("g2m")[0].key
    assert api.get("/G2M/rest/historicalMeetings").status_code == 400
    organizer_url = f"/G2M/rest/organizers/{organizer.organizer_key}/historicalMeetings"
    assert api.get(organizer_url, **window).json() == body

    partner = next(e for e in events("g2m") if e.subject == "Partner check-in")
    [meeting] = api.get(f"/G2M/rest/meetings/{partner.key}").json()  # an array of one
    assert meeting["meetingId"] == int(partner.key) == meeting["uniqueMeetingId"]
    attendees = api.get(f"/G2M/rest/meetings/{partner.key}/attendees").json()
    assert len(attendees) == 4
    attendee = attendees[0]
    assert attendee["meetingId"] == int(partner.key)
    assert attendee["attendeeEmail"].endswith("@example.com")  # demo contacts
    assert isinstance(attendee["duration"], int) and attendee["duration"] > 0
    assert attendee["organizerkey"] == int(organizer.organizer_key)
    start = api.get(f"/G2M/rest/meetings/{partner.key}/start").json()
    assert start == {"hostURL": f"http://testserver/goto-emulator/_app/start/g2m/{partner.key}"}
    assert api.get("/G2M/rest/meetings/999999999").status_code == 404


# --- GoToAssist -----------------------------------------------------------------------------


def test_assist_create_and_list_sessions(api: Api, organizer: Organizer) -> None:
    created = api.send(
        "POST",
        "/G2A/rest/v1/sessions",
        {"sessionType": "screen_sharing", "customerName": "Bob Ng", "customerEmail": "b@x.org"},
    )
    assert created.status_code == 200
    body = created.json()
    launch = body["startScreenSharing"]["launchUrl"]
    assert launch == f"http://testserver/goto-emulator/_app/launch/g2a/{body['sessionId']}"
    assert Client().get(launch.removeprefix("http://testserver")).status_code == 200
    assert body["status"] == "waiting" and body["customerJoinUrl"]

    client = Client()  # Mautic's form: the token as a query parameter
    listed = client.get(
        "/goto-emulator/G2A/rest/v1/sessions",
        {"sessionType": "screen_sharing", "oauth_token": api.token, **whole_schedule()},
    ).json()
    assert listed["totalNumSessions"] == 4 == len(listed["sessions"])
    mine = next(s for s in listed["sessions"] if s["sessionId"] == body["sessionId"])
    assert mine["customerName"] == "Bob Ng" and mine["expertName"] == "Jane Organizer"
    statuses = {s["status"] for s in listed["sessions"]}
    assert statuses == {"waiting", "complete", "abandoned"}
    one = api.get(f"/G2A/rest/v1/sessions/{body['sessionId']}").json()
    assert one["sessionId"] == body["sessionId"] and one["startedAt"].endswith("Z")

    assert api.get("/G2A/rest/v1/sessions").status_code == 400
    bad = api.send("POST", "/G2A/rest/v1/sessions", {"sessionType": "chat"})
    assert bad.status_code == 400
    assert AssistSession.objects.count() == 4
