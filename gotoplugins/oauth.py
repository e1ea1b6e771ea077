"""OAuth 2.0 with GoTo: authorization-code flow, token storage and refresh (Authlib).

Refresh happens proactively (under a minute left) and reactively (GoTo rejected the token).
Exactly one refresh happens under concurrency: the account row is locked and whoever comes
second finds a fresh token and uses it. `invalid_grant` marks the account "needs reconnect".
Tokens and secrets never reach logs, URLs, exception messages or pages.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from gotoplugins.errors import GoToError, NeedsReconnect
from gotoplugins.models import GoToAccount

logger = logging.getLogger(__name__)

TOKEN_TIMEOUT = (5, 20)  # connect, read (seconds)
PROACTIVE_REFRESH_SECONDS = 60


class OAuthFailure(GoToError):
    """The token endpoint refused or failed; the message is safe to show to an admin."""


def authorize_url() -> str:
    return f"{settings.GOTO_AUTH_BASE_URL}/oauth/authorize"


def token_url() -> str:
    return f"{settings.GOTO_AUTH_BASE_URL}/oauth/token"


def _session(account: GoToAccount, redirect_uri: str | None = None) -> OAuth2Session:
    return OAuth2Session(
        client_id=account.client_id,
        client_secret=account.client_secret,
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
        redirect_uri=redirect_uri,
    )


def new_state() -> str:
    return secrets.token_urlsafe(32)


def authorization_url(account: GoToAccount, redirect_uri: str, state: str) -> str:
    url, _ = _session(account, redirect_uri).create_authorization_url(authorize_url(), state=state)
    return str(url)


def _describe(error: OAuthError) -> str:
    known = {
        "invalid_client": "GoTo did not accept the client ID and secret.",
        "invalid_grant": "GoTo refused the authorization (expired, used or revoked).",
        "unauthorized_client": "This OAuth client may not use this grant at GoTo.",
    }
    return known.get(error.error or "", f"GoTo answered with an error ({error.error}).")


def _token_request(call: Any) -> Mapping[str, Any]:
    """Run an Authlib token call; turn every failure into an OAuthFailure without secrets."""
    try:
        token = call()
    except OAuthError as error:
        failure = OAuthFailure(_describe(error), error_code=error.error or "", retryable=False)
        raise failure from None
    except requests.Timeout:
        raise OAuthFailure(
            "GoTo's token endpoint did not answer in time.", retryable=True
        ) from None
    except requests.RequestException:
        raise OAuthFailure("Could not reach GoTo's token endpoint.", retryable=True) from None
    except ValueError:
        raise OAuthFailure(
            "GoTo's token endpoint sent an unreadable answer.", retryable=True
        ) from None
    if not isinstance(token, Mapping) or not token.get("access_token"):
        raise OAuthFailure("GoTo's token endpoint sent no access token.", retryable=True)
    return token


def exchange_code(account: GoToAccount, code: str, redirect_uri: str) -> Mapping[str, Any]:
    session = _session(account, redirect_uri)
    return _token_request(
        lambda: session.fetch_token(
            token_url(), grant_type="authorization_code", code=code, timeout=TOKEN_TIMEOUT
        )
    )


def _refresh_call(account: GoToAccount) -> Mapping[str, Any]:
    session = _session(account)
    return _token_request(
        lambda: session.refresh_token(
            token_url(), refresh_token=account.refresh_token, timeout=TOKEN_TIMEOUT
        )
    )


def store_token(account: GoToAccount, token: Mapping[str, Any]) -> None:
    """Copy a token answer onto the account (not saved). Keeps the old refresh token if none."""
    account.access_token = str(token["access_token"])
    if token.get("refresh_token"):
        account.refresh_token = str(token["refresh_token"])
    try:
        expires_in = int(token.get("expires_in") or 3600)  # very old answers sent a string
    except (TypeError, ValueError):
        expires_in = 3600
    account.token_expires_at = timezone.now() + timedelta(seconds=expires_in)
    for answer_key, field in (
        ("organizer_key", "organizer_key"),
        ("account_key", "account_key"),
        ("email", "organizer_email"),
    ):
        if token.get(answer_key):
            setattr(account, field, str(token[answer_key]))
    names = " ".join(str(token[k]) for k in ("firstName", "lastName") if token.get(k))
    if names:
        account.organizer_name = names
    if not account.organizer_email and token.get("principal"):
        account.organizer_email = str(token["principal"])
    account.needs_reconnect = False
    account.last_error = ""


def refresh_access_token(account_id: int, stale_token: str | None) -> str:
    """Refresh the account's token once, however many callers ask at the same time.

    stale_token is the token the caller holds (None: refresh unconditionally). If another
    caller has already replaced it with a token that is still fresh, that one is returned.
    """
    with _refresh_lock(account_id) as account:
        if account.needs_reconnect:
            raise NeedsReconnect(f"The GoTo account “{account.name}” needs to be reconnected.")
        fresh = account.token_valid_for(PROACTIVE_REFRESH_SECONDS)
        if fresh and stale_token is not None and account.access_token != stale_token:
            return account.access_token
        outcome = _refresh_locked(account)
        if isinstance(outcome, str):
            return outcome
    # Recorded after the transaction, so the record survives the error we raise.
    _record_failure(account_id, outcome)
    raise outcome


_process_locks: dict[int, threading.Lock] = {}
_process_locks_guard = threading.Lock()


@contextmanager
def _refresh_lock(account_id: int) -> Iterator[GoToAccount]:
    """The account, held so that one caller at a time refreshes it.

    PostgreSQL: the row, locked until the transaction ends. SQLite has no row locks (it ignores
    select_for_update) and a write transaction there locks the whole database, which must not
    stay locked across the HTTP call to the token endpoint: every other writer would wait, and
    an emulator serving from the same database could not answer at all. The embedded mode runs
    in one process, so a lock per account in this process serialises the refreshes instead.
    """
    if connection.vendor == "sqlite":
        with _process_locks_guard:
            lock = _process_locks.setdefault(account_id, threading.Lock())
        with lock:
            yield GoToAccount.objects.get(pk=account_id)
    else:
        with transaction.atomic():
            yield GoToAccount.objects.select_for_update().get(pk=account_id)


def _refresh_locked(account: GoToAccount) -> str | GoToError:
    if not account.refresh_token:
        return NeedsReconnect("There is no refresh token: connect the account again.")
    try:
        token = _refresh_call(account)
    except OAuthFailure as failure:
        if failure.error_code == "invalid_grant":
            return NeedsReconnect("GoTo refused the refresh token: connect the account again.")
        return failure
    store_token(account, token)
    account.save()
    logger.info("Refreshed the GoTo token of account %s", account.pk)
    return account.access_token


def _record_failure(account_id: int, failure: GoToError) -> None:
    changes: dict[str, Any] = {"last_error": str(failure), "updated_at": timezone.now()}
    if isinstance(failure, NeedsReconnect):
        changes["needs_reconnect"] = True
    GoToAccount.objects.filter(pk=account_id).update(**changes)


class AccountTokens:
    """The TokenSource the HTTP seam uses for one GoTo account."""

    def __init__(self, account: GoToAccount) -> None:
        self.account_id = account.pk
        self.rate_limit_key = f"goto-account:{account.pk}"
        self._token = account.access_token
        self._expires_at = account.token_expires_at
        self._needs_reconnect = account.needs_reconnect

    def access_token(self) -> str:
        if self._needs_reconnect:
            raise NeedsReconnect("This GoTo account needs to be reconnected.")
        margin = timedelta(seconds=PROACTIVE_REFRESH_SECONDS)
        if self._token and self._expires_at and self._expires_at - timezone.now() > margin:
            return self._token
        return self._remember(refresh_access_token(self.account_id, self._token))

    def refresh_after_rejection(self, rejected_token: str) -> str:
        return self._remember(refresh_access_token(self.account_id, rejected_token))

    def _remember(self, token: str) -> str:
        self._token = token
        self._expires_at = GoToAccount.objects.values_list("token_expires_at", flat=True).get(
            pk=self.account_id
        )
        return token

    def __repr__(self) -> str:
        return f"AccountTokens(account_id={self.account_id})"
