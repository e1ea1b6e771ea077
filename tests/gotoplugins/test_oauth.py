"""OAuth against a mocked GoTo token endpoint: exchange, refresh, concurrency, dead grants."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from gotoplugins import oauth
from gotoplugins.errors import NeedsReconnect
from gotoplugins.models import GoToAccount

AUTH = "https://auth.goto.test"
TOKEN_URL = f"{AUTH}/oauth/token"
SECRET = "client-SECRET-d41d8cd9"
OLD_ACCESS = "at-OLD-0123456789"
OLD_REFRESH = "rt-OLD-abcdef"
NEW_ACCESS = "at-NEW-9876543210"
NEW_REFRESH = "rt-NEW-fedcba"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("goto_auth_url")]


@pytest.fixture
def goto_auth_url():  # type: ignore[no-untyped-def]
    with override_settings(GOTO_AUTH_BASE_URL=AUTH):
        yield


def make_account(expires_in: int = 3600, **fields: object) -> GoToAccount:
    return GoToAccount.objects.create(
        name="Main",
        client_id="client-1",
        client_secret=SECRET,
        access_token=OLD_ACCESS,
        refresh_token=OLD_REFRESH,
        token_expires_at=timezone.now() + timedelta(seconds=expires_in),
        **fields,
    )


def token_answer(**extra: object) -> dict[str, object]:
    return {"access_token": NEW_ACCESS, "token_type": "Bearer", "expires_in": 3600, **extra}


def form(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(str(call.request.body))


def test_authorization_url_carries_client_redirect_and_state() -> None:
    account = make_account()
    url = oauth.authorization_url(account, "https://convene.test/plugins/oauth/callback/", "st8")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{AUTH}/oauth/authorize"
    assert query == {
        "response_type": ["code"],
        "client_id": ["client-1"],
        "redirect_uri": ["https://convene.test/plugins/oauth/callback/"],
        "state": ["st8"],
    }
    assert SECRET not in url


@responses.activate
def test_code_exchange_uses_basic_client_credentials() -> None:
    account = make_account()
    responses.post(TOKEN_URL, json=token_answer(refresh_token=NEW_REFRESH, organizer_key=123))
    token = oauth.exchange_code(account, "code-1", "https://convene.test/cb/")
    request = responses.calls[0].request
    expected = base64.b64encode(f"client-1:{SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert form(responses.calls[0]) == {
        "grant_type": ["authorization_code"],
        "code": ["code-1"],
        "redirect_uri": ["https://convene.test/cb/"],
    }
    assert token["access_token"] == NEW_ACCESS


def test_store_token_reads_legacy_organizer_fields_and_string_expiry() -> None:
    account = make_account()
    oauth.store_token(
        account,
        token_answer(
            refresh_token=NEW_REFRESH,
            expires_in="7200",
            organizer_key=8439885694023999999,
            account_key="9999982253621659654",
            email="jane@example.com",
            firstName="Jane",
            lastName="O'Organizer",
        ),
    )
    assert account.organizer_key == "8439885694023999999"
    assert account.account_key == "9999982253621659654"
    assert (account.organizer_email, account.organizer_name) == (
        "jane@example.com",
        "Jane O'Organizer",
    )
    remaining = (account.token_expires_at - timezone.now()).total_seconds()
    assert 7190 < remaining <= 7200


@responses.activate
def test_refresh_keeps_the_old_refresh_token_when_none_is_returned() -> None:
    account = make_account(expires_in=-10)
    responses.post(TOKEN_URL, json=token_answer())
    assert oauth.refresh_access_token(account.pk, OLD_ACCESS) == NEW_ACCESS
    account.refresh_from_db()
    assert (account.access_token, account.refresh_token) == (NEW_ACCESS, OLD_REFRESH)
    assert form(responses.calls[0]) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [OLD_REFRESH],
    }


@responses.activate
def test_refresh_stores_a_rotated_refresh_token() -> None:
    account = make_account(expires_in=-10)
    responses.post(TOKEN_URL, json=token_answer(refresh_token=NEW_REFRESH))
    oauth.refresh_access_token(account.pk, OLD_ACCESS)
    account.refresh_from_db()
    assert account.refresh_token == NEW_REFRESH


@responses.activate
def test_proactive_refresh_when_under_a_minute_is_left() -> None:
    account = make_account(expires_in=59)
    responses.post(TOKEN_URL, json=token_answer())
    assert oauth.AccountTokens(account).access_token() == NEW_ACCESS
    assert len(responses.calls) == 1


@responses.activate
def test_no_refresh_while_the_token_is_fresh() -> None:
    account = make_account(expires_in=600)
    assert oauth.AccountTokens(account).access_token() == OLD_ACCESS
    assert len(responses.calls) == 0


@responses.activate
def test_reactive_refresh_after_a_rejection_even_if_the_clock_says_fresh() -> None:
    account = make_account(expires_in=600)
    responses.post(TOKEN_URL, json=token_answer())
    assert oauth.AccountTokens(account).refresh_after_rejection(OLD_ACCESS) == NEW_ACCESS


@responses.activate
def test_a_caller_holding_a_replaced_token_gets_the_new_one_without_refreshing() -> None:
    account = make_account(expires_in=600)
    account.access_token = NEW_ACCESS
    account.save()
    assert oauth.refresh_access_token(account.pk, OLD_ACCESS) == NEW_ACCESS
    assert len(responses.calls) == 0


@responses.activate
def test_invalid_grant_marks_needs_reconnect_and_stops_retrying() -> None:
    account = make_account(expires_in=-10)
    responses.post(
        TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "revoked"}
    )
    with pytest.raises(NeedsReconnect):
        oauth.refresh_access_token(account.pk, OLD_ACCESS)
    account.refresh_from_db()
    assert account.needs_reconnect is True
    assert account.last_error == "GoTo refused the refresh token: connect the account again."
    with pytest.raises(NeedsReconnect):
        oauth.refresh_access_token(account.pk, OLD_ACCESS)
    with pytest.raises(NeedsReconnect):
        oauth.AccountTokens(account).access_token()
    assert len(responses.calls) == 1


@responses.activate
def test_a_server_error_is_recorded_but_does_not_need_reconnect() -> None:
    account = make_account(expires_in=-10)
    responses.post(TOKEN_URL, status=503, body="<html>down</html>")
    with pytest.raises(oauth.OAuthFailure) as failure:
        oauth.refresh_access_token(account.pk, OLD_ACCESS)
    assert failure.value.retryable is True
    account.refresh_from_db()
    assert account.needs_reconnect is False
    assert account.last_error == str(failure.value)
    assert account.refresh_token == OLD_REFRESH


@responses.activate
def test_secrets_never_reach_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    account = make_account(expires_in=-10)
    responses.post(
        TOKEN_URL,
        status=401,
        json={"error": "invalid_client", "error_description": f"bad {SECRET}"},
    )
    with pytest.raises(oauth.OAuthFailure) as failure:
        oauth.refresh_access_token(account.pk, OLD_ACCESS)
    shown = f"{failure.value} {failure.value!r} {caplog.text}"
    for secret in (SECRET, OLD_ACCESS, OLD_REFRESH):
        assert secret not in shown
    assert str(failure.value) == "GoTo did not accept the client ID and secret."


def test_secrets_are_encrypted_at_rest() -> None:
    account = make_account()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, access_token, refresh_token FROM gotoplugins_gotoaccount "
            "WHERE id = %s",
            [account.pk],
        )
        stored = cursor.fetchone()
    assert SECRET not in stored[0] and OLD_ACCESS not in stored[1] and OLD_REFRESH not in stored[2]
    assert all(value.startswith("gAAAA") for value in stored)  # Fernet tokens
    assert GoToAccount.objects.get(pk=account.pk).client_secret == SECRET


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_callers_cause_exactly_one_refresh() -> None:
    account = make_account(expires_in=-10)
    calls: list[int] = []

    def slow_token_endpoint(request: object) -> tuple[int, dict[str, str], str]:
        calls.append(1)
        time.sleep(0.3)  # hold the lock long enough for the other caller to queue behind it
        return 200, {}, json.dumps(token_answer(refresh_token=NEW_REFRESH))

    results: list[str] = []
    failures: list[BaseException] = []

    def caller() -> None:
        try:
            results.append(oauth.AccountTokens(account).access_token())
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=slow_token_endpoint)
        threads = [threading.Thread(target=caller) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert failures == []
    assert results == [NEW_ACCESS, NEW_ACCESS]
    assert len(calls) == 1
