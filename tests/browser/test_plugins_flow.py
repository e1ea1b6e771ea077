"""An admin connects GoToWebinar through the emulator's consent page; a marketer is kept out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from gotoplugins.models import GoToAccount, ProductConnection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: object) -> Iterator[str]:
    base = str(live_server.url)  # type: ignore[attr-defined]
    emulator = f"{base}/goto-emulator"
    with override_settings(SITE_URL=base, GOTO_AUTH_BASE_URL=emulator, GOTO_API_BASE_URL=emulator):
        call_command("goto_emulator_seed", "--seed", "7", verbosity=0)
        yield base


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_admin_connects_gotowebinar_and_tests_it(site: str, page: Page) -> None:
    User.objects.create_user("ada", password="ada-admin-pass", role=Role.ADMIN)
    sign_in(page, site, "ada", "ada-admin-pass")
    page.get_by_role("link", name="Plugins").click()
    expect(page.locator("#redirect-uri")).to_have_text(f"{site}/plugins/oauth/callback/")

    page.get_by_label("Name").fill("Events team")
    page.get_by_label("OAuth client ID").fill("convene-demo")
    page.get_by_label("OAuth client secret").fill("convene-demo-secret")
    page.get_by_role("button", name="Add account").click()
    account_card = page.locator("[id^=account-]").first
    expect(account_card).to_contain_text("Not connected")
    # Write-only: neither the card nor the form shows the secret again.
    expect(account_card).not_to_contain_text("convene-demo-secret")
    expect(page.get_by_label("OAuth client secret")).to_have_value("")

    account_card.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("^Allow"))).to_be_visible()
    page.get_by_role("button", name="Allow").click()

    expect(page.locator(".alert-success")).to_contain_text("Connected “Events team” as")
    expect(account_card).to_contain_text("Connected")
    webinar_card = page.locator("#product-webinar")
    webinar_card.get_by_label("Enabled").check()
    webinar_card.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("GoToWebinar enabled.")
    page.locator("#product-webinar").get_by_role("button", name="Test connection").click()
    expect(page.locator(".alert-success")).to_contain_text(
        re.compile(r"GoToWebinar: Connected as .+\. \d+ webinars from the last 30 days")
    )
    expect(page.locator("#product-webinar")).to_contain_text("Connected")

    account = GoToAccount.objects.get()
    assert account.is_connected
    assert re.fullmatch(r"\d{19}", account.organizer_key)
    connection = ProductConnection.objects.get(product="webinar")
    assert (connection.enabled, connection.account_id, connection.last_test_ok) == (
        True,
        account.pk,
        True,
    )


def test_declining_at_goto_says_nothing_was_connected(site: str, page: Page) -> None:
    User.objects.create_user("ada", password="ada-admin-pass", role=Role.ADMIN)
    GoToAccount.objects.create(
        name="Main", client_id="convene-demo", client_secret="convene-demo-secret"
    )
    sign_in(page, site, "ada", "ada-admin-pass")
    page.goto(f"{site}/plugins/")
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.locator(".alert-warning")).to_contain_text(
        "You declined access at GoTo, so nothing was connected."
    )
    assert not GoToAccount.objects.get().is_connected


def test_marketer_cannot_open_plugins(site: str, page: Page) -> None:
    User.objects.create_user("mo", password="mo-marketer-pass", role=Role.MARKETER)
    sign_in(page, site, "mo", "mo-marketer-pass")
    expect(page.get_by_role("link", name="Plugins")).to_have_count(0)
    response = page.goto(f"{site}/plugins/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading")).to_have_text("You do not have access to this page")
