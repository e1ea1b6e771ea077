"""Fault injection, the control endpoint, and the request log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gotoplugins.emulator import faults
from gotoplugins.emulator.keys import hash_secret
from gotoplugins.emulator.models import Fault, Organizer, RequestLog
from tests.gotoplugins.emulator.helpers import (
    BASE,
    CLIENT_SECRET,
    Api,
    basic,
    exchange,
    get_code,
    refresh,
    whole_schedule,
)

pytestmark = pytest.mark.django_db

WEBINARS = "/G2W/rest/v2/organizers/*/webinars"


def webinars_url(organizer: Organizer) -> str:
    return f"/G2W/rest/v2/organizers/{organizer.organizer_key}/webinars"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "InvalidRequest"),
        (401, "InvalidToken"),
        (403, "InvalidToken"),
        (404, "NotFound"),
        (409, "Conflict"),
        (429, "TooManyRequests"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
    ],
)
def test_forced_status_for_the_next_call(
    api: Api, organizer: Organizer, status: int, code: str
) -> None:
    faults.add_fault(WEBINARS, status=status)
    forced = api.get(webinars_url(organizer), **whole_schedule())
    assert forced.status_code == status
    assert forced.json()["errorCode"] == code
    if status == 429:
        assert forced["Retry-After"] == "1"
    assert api.get(webinars_url(organizer), **whole_schedule()).status_code == 200
    assert not Fault.objects.exists()  # used up


def test_fault_counts_methods_and_always(api: Api, organizer: Organizer) -> None:
    faults.add_fault(WEBINARS, status=429, times=2, retry_after=7)
    faults.add_fault("/G2W/*/registrants", method="POST", status=500, times=None)
    url = webinars_url(organizer)
    answers = [api.get(url, **whole_schedule()) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0]["Retry-After"] == "7"
    webinar_key = answers[2].json()["_embedded"]["webinars"][-1]["webinarKey"]
    registrants = f"{url}/{webinar_key}/registrants"
    assert api.get(registrants).status_code == 200  # GET is not faulted
    person = {"firstName": "A", "lastName": "B", "email": "a@b.org"}
    assert [api.send("POST", registrants, person).status_code for _ in range(3)] == [500] * 3
    faults.clear_faults()
    assert api.send("POST", registrants, person).status_code == 201


def test_forced_403_honours_the_legacy_body_mode(api: Api, organizer: Organizer) -> None:
    faults.set_invalid_token_mode("403_legacy")
    faults.add_fault("*", status=403)
    body = api.get(webinars_url(organizer), **whole_schedule()).json()
    assert body == {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}


def test_token_endpoint_faults(tokens: dict[str, Any]) -> None:
    client = Client()
    faults.add_fault("/oauth/token", status=503, retry_after=3)
    unavailable = refresh(client, tokens["refresh_token"])
    assert unavailable.status_code == 503 and unavailable["Retry-After"] == "3"
    faults.add_fault("/oauth/token", status=400)
    assert refresh(client, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(client, tokens["refresh_token"]).status_code == 200  # the faults were spent


def test_custom_body_and_latency(
    api: Api, organizer: Organizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("gotoplugins.emulator.api.time.sleep", slept.append)
    faults.add_fault(WEBINARS, latency_ms=1500, times=None)
    assert api.get(webinars_url(organizer), **whole_schedule()).status_code == 200
    assert slept == [1.5]
    faults.clear_faults()
    faults.add_fault(WEBINARS, status=500, body={"weird": True})
    assert api.get(webinars_url(organizer), **whole_schedule()).json() == {"weird": True}


def test_bad_fault_definitions_are_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        faults.add_fault(status=418)
    with pytest.raises(ValueError, match="needs"):
        faults.add_fault()
    with pytest.raises(ValueError, match="times"):
        faults.add_fault(status=500, times=0)


def post_control(client: Client, body: Any) -> Any:
    return client.post(f"{BASE}/_control/faults", json.dumps(body), content_type="application/json")


def test_control_endpoint(api: Api, organizer: Organizer) -> None:
    client = Client(enforce_csrf_checks=True)  # machine-to-machine: no CSRF token, no login
    added = post_control(
        client,
        {
            "add": [{"path": WEBINARS, "method": "GET", "status": 429, "times": 1}],
            "duplicate_mode": "idempotent",
        },
    )
    assert added.status_code == 200
    state = added.json()
    assert state["control"]["duplicate_mode"] == "idempotent"
    assert state["faults"][0]["status"] == 429 and state["faults"][0]["retry_after"] == 1
    assert api.get(webinars_url(organizer), **whole_schedule()).status_code == 429

    post_control(client, {"add": {"path": "*", "status": 500, "times": None}})
    assert api.get(webinars_url(organizer), **whole_schedule()).status_code == 500
    assert client.get(f"{BASE}/_control/faults").status_code == 200  # never faulted itself
    assert post_control(client, {"clear": True}).json()["faults"] == []

    post_control(client, {"expire_tokens": True})
    assert api.get(webinars_url(organizer), **whole_schedule()).status_code == 401
    assert post_control(client, {"reset": True}).json()["control"]["duplicate_mode"] == "conflict"


def test_control_endpoint_applies_all_or_nothing_and_is_off_without_the_setting(
    seeded: Any, settings: Any
) -> None:
    client = Client()
    bad = post_control(client, {"duplicate_mode": "idempotent", "add": [{"status": 418}]})
    assert bad.status_code == 400 and "status" in bad.json()["error"]
    assert faults.control().duplicate_mode == "conflict"
    assert post_control(client, {"nonsense": 1}).status_code == 400
    assert post_control(client, [1, 2]).status_code == 400
    assert post_control(client, {"add": {"path": "*", "status": 500, "x": 1}}).status_code == 400
    assert not Fault.objects.exists()
    settings.GOTO_EMULATOR = False
    assert post_control(client, {"clear": True}).status_code == 404


def test_control_endpoint_clock_and_client_flags(tokens: dict[str, Any]) -> None:
    client = Client()
    post_control(client, {"advance_clock": 3601})
    assert Api(tokens["access_token"]).get("/identity/v1/Users/me").status_code == 401
    post_control(client, {"now_offset_seconds": 0})
    assert Api(tokens["access_token"]).get("/identity/v1/Users/me").status_code == 200
    post_control(client, {"client": {"client_id": "convene-demo", "rotate_refresh_tokens": False}})
    assert "refresh_token" not in refresh(client, tokens["refresh_token"]).json()
    post_control(client, {"revoke_refresh_token": tokens["refresh_token"]})
    assert refresh(client, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_request_log_records_calls_without_secrets(seeded: Any, organizer: Organizer) -> None:
    client = Client()
    code = get_code(client)
    token_answer = exchange(client, code).json()
    access, refresh_token = token_answer["access_token"], token_answer["refresh_token"]
    api = Api(access)
    url = webinars_url(organizer)
    api.get(url, **whole_schedule(), page=0, size=5)
    webinar_key = api.get(url, **whole_schedule()).json()["_embedded"]["webinars"][-1]["webinarKey"]
    person = {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.org"}
    api.send("POST", f"{url}/{webinar_key}/registrants", person, resendConfirmation="true")
    Client().get(f"{BASE}/G2A/rest/v1/sessions", {"oauth_token": access, **whole_schedule()})
    refresh(client, refresh_token)

    [listing] = faults.requests("/G2W/rest/v2/organizers/*/webinars")[:1]
    assert listing.method == "GET" and listing.status == 200
    assert listing.query["size"] == "5" and listing.query["fromTime"].endswith("Z")
    assert listing.headers["Authorization"] == "Bearer ***"
    assert listing.token_hash == hash_secret(access)[:16]

    [created] = faults.requests("*/registrants", method="POST")
    assert json.loads(created.body) == person
    assert created.query == {"resendConfirmation": "true"}
    assert created.status == 201

    [assist] = faults.requests("/G2A/*")
    assert assist.query["oauth_token"] == "***"
    [token_call, _refresh_call] = faults.requests("/oauth/token")
    assert (
        "code=%2A%2A%2A" in token_call.body and "grant_type=authorization_code" in token_call.body
    )
    assert token_call.headers["Authorization"] == "Basic ***"

    secrets = (access, refresh_token, code, CLIENT_SECRET, basic().split()[1])
    for entry in RequestLog.objects.all():
        stored = json.dumps([entry.path, entry.query, entry.headers, entry.body])
        assert not any(secret in stored for secret in secrets), entry


def test_request_log_redacts_secrets_in_json_bodies(seeded: Any) -> None:
    body = {"grant_type": "authorization_code", "code": "emu_code_xyz", "client_secret": "s3"}
    Client().post(f"{BASE}/oauth/token", json.dumps(body), content_type="application/json")
    [entry] = faults.requests("/oauth/token")
    assert json.loads(entry.body) == {**body, "code": "***", "client_secret": "***"}
    assert entry.status == 401


def test_request_log_can_be_switched_off(api: Api) -> None:
    faults.clear_log()
    faults.set_record_requests(False)
    api.get("/identity/v1/Users/me")
    assert not RequestLog.objects.exists()
    faults.reset()
    api.get("/identity/v1/Users/me")
    assert RequestLog.objects.count() == 1
