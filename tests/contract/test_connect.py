"""Connecting an account: authorize over HTTP, the code exchange, the identity lookup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gotoplugins import connections, identity, oauth
from gotoplugins.emulator import faults
from gotoplugins.models import GoToAccount
from tests.contract.conftest import (
    ACCOUNT_KEY,
    ORGANIZER_KEY,
    Connected,
    Site,
    authorize_over_http,
    connect,
    emulator_requests,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_consent_code_exchange_and_identity_fill_the_account(seeded: Site) -> None:
    account = GoToAccount.objects.create(
        name="Events team", client_id="convene-demo", client_secret="convene-demo-secret"
    )
    before = timezone.now()
    code = authorize_over_http(seeded, account, state="s-1")
    connections.complete_authorization(account, code, seeded.redirect_uri)

    stored = GoToAccount.objects.get(pk=account.pk)
    assert stored.organizer_key == ORGANIZER_KEY and len(ORGANIZER_KEY) == 19
    assert stored.account_key == ACCOUNT_KEY
    assert stored.organizer_email == "jane.organizer@example.com"
    assert stored.organizer_name == "Jane Organizer"
    assert stored.access_token.startswith("emu_at_")
    assert stored.refresh_token.startswith("emu_rt_")
    assert stored.token_expires_at is not None
    expected_expiry = before + timedelta(seconds=3600)
    assert abs(stored.token_expires_at - expected_expiry) < timedelta(seconds=30)
    assert stored.connected_at is not None and stored.is_connected
    assert not stored.needs_reconnect

    calls = [(e.method, e.path, e.status) for e in emulator_requests()]
    assert calls == [
        ("GET", "/oauth/authorize", 200),  # the consent page
        ("POST", "/oauth/authorize", 302),  # Allow
        ("POST", "/oauth/token", 200),
        ("GET", "/identity/v1/Users/me", 200),
    ]
    authorize, _, token, me = emulator_requests()
    assert authorize.query == {
        "response_type": "code",
        "client_id": "convene-demo",
        "redirect_uri": seeded.redirect_uri,
        "state": "s-1",
    }
    assert token.headers["Authorization"] == "Basic ***"  # client_secret_basic
    assert "grant_type=authorization_code" in token.body and "code=%2A%2A%2A" in token.body
    assert me.headers["Authorization"] == "Bearer ***"


def test_get_me(connected: Connected) -> None:
    me = identity.get_me(connected.api)
    assert me == identity.Organizer(
        organizer_key=ORGANIZER_KEY,
        account_key=ACCOUNT_KEY,
        email="jane.organizer@example.com",
        name="Jane Organizer",
    )


def test_a_used_code_is_refused_without_leaking_it(seeded: Site) -> None:
    account = GoToAccount.objects.create(
        name="Events team", client_id="convene-demo", client_secret="convene-demo-secret"
    )
    code = authorize_over_http(seeded, account, state="s-2")
    oauth.exchange_code(account, code, seeded.redirect_uri)
    with pytest.raises(oauth.OAuthFailure) as caught:
        oauth.exchange_code(account, code, seeded.redirect_uri)
    assert caught.value.error_code == "invalid_grant"
    assert not caught.value.retryable
    assert code not in str(caught.value) and code not in repr(caught.value)


def test_a_token_answer_with_the_organizer_needs_no_identity_call(seeded: Site) -> None:
    faults.configure_client("convene-demo", legacy_token_fields=True)
    account, _ = connect(seeded)
    assert (account.organizer_key, account.account_key) == (ORGANIZER_KEY, ACCOUNT_KEY)
    assert account.organizer_email == "jane.organizer@example.com"
    assert account.organizer_name == "Jane Organizer"
    assert emulator_requests("/identity/*") == []
