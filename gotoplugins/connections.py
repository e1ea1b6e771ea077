"""Services behind the Plugins page: accounts, products, connecting and testing."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from gotoplugins import identity, oauth, probes
from gotoplugins.errors import GoToError
from gotoplugins.http import goto_api
from gotoplugins.models import GoToAccount, ProductConnection
from gotoplugins.products import PRODUCTS

AUTHORIZE_ERRORS = {
    "access_denied": "You declined access at GoTo, so nothing was connected. "
    "Click Connect again and choose Allow to connect.",
    "invalid_client": "GoTo did not recognise the client ID. Check it in GoTo's developer portal.",
    "invalid_request": "GoTo refused the request; check that the redirect URI shown on this "
    "page is registered on your OAuth client.",
    "unauthorized_client": "This OAuth client may not use the authorization-code flow at GoTo.",
    "server_error": "GoTo had a problem. Please try again in a moment.",
    "temporarily_unavailable": "GoTo is busy. Please try again in a moment.",
}


def describe_authorize_error(error: str) -> str:
    return AUTHORIZE_ERRORS.get(error, "GoTo did not grant access. Please try again.")


def all_product_connections() -> list[ProductConnection]:
    existing = {c.product: c for c in ProductConnection.objects.select_related("account")}
    missing = [ProductConnection(product=key) for key in PRODUCTS if key not in existing]
    if missing:
        ProductConnection.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {c.product: c for c in ProductConnection.objects.select_related("account")}
    return [existing[key] for key in PRODUCTS]


def product_connection(product: str) -> ProductConnection:
    if product not in PRODUCTS:
        raise Http404("No such GoTo product.")
    connection, _ = ProductConnection.objects.select_related("account").get_or_create(
        product=product
    )
    return connection


def forget_grant(account: GoToAccount) -> None:
    account.access_token = ""
    account.refresh_token = ""
    account.token_expires_at = None
    account.connected_at = None
    account.needs_reconnect = False
    account.last_error = ""


def save_credentials(account: GoToAccount, changed_fields: list[str]) -> None:
    """New client credentials invalidate the grant made with the old ones."""
    if {"client_id", "client_secret"} & set(changed_fields) and account.pk:
        stored = GoToAccount.objects.get(pk=account.pk)
        if (stored.client_id, stored.client_secret) != (account.client_id, account.client_secret):
            forget_grant(account)
    account.save()


def disconnect(account: GoToAccount) -> None:
    forget_grant(account)
    account.organizer_key = account.account_key = ""
    account.organizer_email = account.organizer_name = ""
    account.save()


def complete_authorization(account: GoToAccount, code: str, redirect_uri: str) -> None:
    token = oauth.exchange_code(account, code, redirect_uri)
    # A reconnect may be made as another GoTo user: forget who was connected before.
    account.organizer_key = account.account_key = ""
    account.organizer_email = account.organizer_name = ""
    oauth.store_token(account, token)
    if not account.organizer_key:
        # Current GoTo token answers carry no organizer key: ask who we are (§1.4).
        organizer = identity.get_me(goto_api(oauth.AccountTokens(account)))
        account.organizer_key = organizer.organizer_key
        account.account_key = account.account_key or organizer.account_key
        account.organizer_email = account.organizer_email or organizer.email
        account.organizer_name = account.organizer_name or organizer.name
    account.connected_at = timezone.now()
    account.save()


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str


def test_connection(connection: ProductConnection) -> TestResult:
    """A cheap authenticated call for the product; the result is stored and returned."""
    account = connection.account
    if account is None:
        result = TestResult(False, "Choose a GoTo account for this product first.")
    elif not account.is_connected:
        result = TestResult(False, f"The account “{account}” is not connected.")
    else:
        try:
            summary = probes.probe(connection.product, account)
        except GoToError as failure:
            result = TestResult(False, f"GoTo answered with an error: {failure}")
        else:
            result = TestResult(True, f"Connected as {account.organizer_label}. {summary}")
    connection.last_tested_at = timezone.now()
    connection.last_test_ok = result.ok
    connection.last_test_message = result.message
    connection.save(update_fields=["last_tested_at", "last_test_ok", "last_test_message"])
    return result
