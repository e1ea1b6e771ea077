"""OAuth against the emulator: consent, codes, token answers, refresh, revocation, expiry."""

from __future__ import annotations

import base64
import hashlib
import importlib
from typing import Any

import pytest
from django.test import Client
from django.urls import clear_url_caches, resolve

from gotoplugins.emulator import faults
from gotoplugins.emulator.models import OAuthClient, Organizer
from tests.gotoplugins.emulator.helpers import (
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT,
    Api,
    authorize,
    basic,
    exchange,
    get_code,
    post_form,
    redirect_params,
    refresh,
)

pytestmark = pytest.mark.django_db


def test_consent_page_then_allow_redirects_with_code_and_state(seeded: Any) -> None:
    client = Client()
    page = authorize(client, state="xyz")
    assert page.status_code == 200
    assert b">Allow</button>" in page.content and b">Deny</button>" in page.content
    form = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code"}
    allowed = client.post(f"{BASE}/oauth/authorize", {**form, "state": "xyz", "decision": "allow"})
    params = redirect_params(allowed)
    assert allowed["Location"].startswith(REDIRECT + "?")
    assert params["state"] == "xyz" and params["code"].startswith("emu_code_")


def test_deny_redirects_with_access_denied_and_state(seeded: Any) -> None:
    client = Client()
    form = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code"}
    denied = client.post(f"{BASE}/oauth/authorize", {**form, "state": "s9", "decision": "deny"})
    assert redirect_params(denied) == {"error": "access_denied", "state": "s9"}
    flagged = authorize(client, state="s8", emulator_consent="deny")
    assert redirect_params(flagged) == {"error": "access_denied", "state": "s8"}


def test_consent_form_keeps_csrf_protection(seeded: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    form = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code"}
    response = client.post(f"{BASE}/oauth/authorize", {**form, "decision": "allow"})
    assert response.status_code == 403


def test_authorize_refuses_unknown_clients_and_unregistered_redirects(seeded: Any) -> None:
    client = Client()
    assert authorize(client, client_id="nobody").status_code == 400
    evil = authorize(client, redirect_uri="https://evil.example/cb", emulator_consent="allow")
    assert evil.status_code == 400 and "Location" not in evil
    site = authorize(client, redirect_uri="http://testserver/plugins/cb", emulator_consent="allow")
    assert "code" in redirect_params(site)  # SITE_URL/* is registered for the demo client
    wrong_type = authorize(client, response_type="token", state="t")
    assert redirect_params(wrong_type) == {"error": "unsupported_response_type", "state": "t"}


def test_code_to_token_to_identity(seeded: Any, organizer: Organizer) -> None:
    client = Client()
    response = exchange(client, get_code(client))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("emu_at_")
    assert body["refresh_token"].startswith("emu_rt_")
    assert body["principal"] == "jane.organizer@example.com"
    assert "organizer_key" not in body  # the current host: look it up (section 1.4)

    me = Api(body["access_token"]).get("/identity/v1/Users/me")
    assert me.status_code == 200
    scim = me.json()
    assert scim["id"] == organizer.organizer_key
    assert scim["userName"] == "jane.organizer@example.com"
    account = scim["urn:scim:schemas:extension:getgo:1.0"]["accounts"][0]
    assert account["value"] == organizer.account_key
    admin = Api(body["access_token"]).get("/admin/rest/v1/me").json()
    assert admin["key"] == organizer.organizer_key
    assert admin["accountKey"] == organizer.account_key


def test_legacy_token_fields_when_the_client_flag_is_on(seeded: Any, organizer: Organizer) -> None:
    faults.configure_client(CLIENT_ID, legacy_token_fields=True)
    client = Client()
    body = exchange(client, get_code(client)).json()
    assert body["organizer_key"] == organizer.organizer_key
    assert body["account_key"] == organizer.account_key
    assert (body["email"], body["firstName"], body["lastName"]) == (
        "jane.organizer@example.com",
        "Jane",
        "Organizer",
    )


def test_codes_are_single_use(seeded: Any) -> None:
    client = Client()
    code = get_code(client)
    assert exchange(client, code).status_code == 200
    again = exchange(client, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_codes_are_bound_to_redirect_uri_and_client_and_expire(seeded: Any) -> None:
    client = Client()
    other = authorize(client, redirect_uri="http://localhost:9/cb", emulator_consent="allow")
    wrong_uri = exchange(client, redirect_params(other)["code"], redirect_uri=REDIRECT)
    assert wrong_uri.json()["error"] == "invalid_grant"

    OAuthClient.objects.create(client_id="second", client_secret="second-secret")
    stolen = exchange(client, get_code(client), Authorization=basic("second", "second-secret"))
    assert stolen.json()["error"] == "invalid_grant"

    code = get_code(client)
    faults.advance_clock(11 * 60)
    assert exchange(client, code).json()["error"] == "invalid_grant"


def test_bad_client_credentials_are_invalid_client_401(seeded: Any) -> None:
    client = Client()
    code = get_code(client)
    wrong = exchange(client, code, Authorization=basic(CLIENT_ID, "wrong"))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert wrong["WWW-Authenticate"].startswith("Basic")
    missing = post_form(client, "/oauth/token", {"grant_type": "authorization_code", "code": code})
    assert missing.status_code == 401
    garbled = exchange(client, code, Authorization="Basic !!!")
    assert garbled.status_code == 401
    # The code survived the failed attempts; client_secret_post works too.
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert post_form(client, "/oauth/token", form).status_code == 200


def test_refresh_with_rotation(tokens: dict[str, Any]) -> None:
    client = Client()
    first = refresh(client, tokens["refresh_token"])
    assert first.status_code == 200
    body = first.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["access_token"] != tokens["access_token"]
    assert Api(body["access_token"]).get("/identity/v1/Users/me").status_code == 200
    reused = refresh(client, tokens["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert refresh(client, body["refresh_token"]).status_code == 200


def test_refresh_without_rotation_leaves_refresh_token_out(tokens: dict[str, Any]) -> None:
    faults.configure_client(CLIENT_ID, rotate_refresh_tokens=False)
    client = Client()
    for _ in range(2):  # the old refresh token keeps working
        body = refresh(client, tokens["refresh_token"]).json()
        assert "refresh_token" not in body
        assert body["access_token"] and body["expires_in"] == 3600


def test_revoked_refresh_token_is_invalid_grant(tokens: dict[str, Any]) -> None:
    assert faults.revoke_refresh_token(tokens["refresh_token"])
    response = refresh(Client(), tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_expired_access_token_is_401_and_refresh_recovers(tokens: dict[str, Any]) -> None:
    api = Api(tokens["access_token"])
    assert api.get("/identity/v1/Users/me").status_code == 200
    faults.advance_clock(3601)
    expired = api.get("/identity/v1/Users/me")
    assert expired.status_code == 401
    assert expired.json()["errorCode"] == "InvalidToken"
    fresh = refresh(Client(), tokens["refresh_token"]).json()["access_token"]
    assert Api(fresh).get("/identity/v1/Users/me").status_code == 200


def test_expire_all_tokens_now(tokens: dict[str, Any]) -> None:
    assert faults.expire_all_tokens() == 1
    assert Api(tokens["access_token"]).get("/identity/v1/Users/me").status_code == 401


def test_password_grant_is_401_unless_enabled(seeded: Any) -> None:
    client = Client()
    form = {"grant_type": "password", "username": "jane.organizer@example.com", "password": "pw"}
    refused = post_form(client, "/oauth/token", form, Authorization=basic())
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthorized_client"
    faults.configure_client(CLIENT_ID, password_grant=True)
    assert post_form(client, "/oauth/token", form, Authorization=basic()).status_code == 200
    other = post_form(client, "/oauth/token", {"grant_type": "magic"}, Authorization=basic())
    assert other.json()["error"] == "unsupported_grant_type"


def test_pkce_s256(seeded: Any) -> None:
    client = Client()
    verifier = "a-very-long-verifier-string-for-the-test-0123456789"
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    code = get_code(client, **pkce)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    bad = post_form(
        client, "/oauth/token", {**form, "code_verifier": "nope"}, Authorization=basic()
    )
    assert bad.json()["error"] == "invalid_grant"
    code = get_code(client, **pkce)
    form["code"] = code
    good = post_form(
        client, "/oauth/token", {**form, "code_verifier": verifier}, Authorization=basic()
    )
    assert good.status_code == 200


def test_all_three_token_forms_are_accepted(tokens: dict[str, Any]) -> None:
    client = Client()
    token = tokens["access_token"]
    path = f"{BASE}/identity/v1/Users/me"
    legacy = client.get(path, headers={"Authorization": f"OAuth oauth_token={token}"})
    assert legacy.status_code == 200
    assert client.get(path, {"oauth_token": token}).status_code == 200
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_invalid_token_answer_modes(tokens: dict[str, Any]) -> None:
    api = Api("not-a-token")
    faults.set_invalid_token_mode("403")
    answer = api.get("/identity/v1/Users/me")
    assert answer.status_code == 403 and answer.json()["errorCode"] == "InvalidToken"
    faults.set_invalid_token_mode("403_legacy")
    answer = api.get("/identity/v1/Users/me")
    assert answer.status_code == 403
    assert answer.json() == {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}


def test_token_of_another_account_gets_403(api: Api, organizer: Organizer) -> None:
    stranger = Organizer.objects.create(
        organizer_key="1000000000000000042",
        account_key="1000000000000000043",
        email="someone@other.example",
        first_name="Some",
        last_name="One",
    )
    answer = api.get(f"/G2W/rest/v2/organizers/{stranger.organizer_key}/webinars")
    assert answer.status_code == 403
    assert answer.json()["errorCode"] == "AccessDenied"


def test_config_urls_mount_the_emulator_only_when_enabled(settings: Any) -> None:
    import config.urls

    original = settings.GOTO_EMULATOR
    try:
        for enabled in (True, False):
            settings.GOTO_EMULATOR = enabled
            importlib.reload(config.urls)
            clear_url_caches()
            names = [getattr(p, "pattern", None) for p in config.urls.urlpatterns]
            assert any(str(n) == "goto-emulator/" for n in names) is enabled
        settings.GOTO_EMULATOR = True
        importlib.reload(config.urls)
        clear_url_caches()
        assert resolve("/goto-emulator/oauth/token", urlconf="config.urls").url_name == "token"
    finally:
        settings.GOTO_EMULATOR = original
        importlib.reload(config.urls)
        clear_url_caches()
