"""A marketer builds a webinar registration form; a visitor registers through it.

The form has a GoToWebinar event field and the action "Register to GoToWebinar" for the
webinar chosen in the form. The visitor, anonymous in another browser, picks a webinar and
submits; the registration reaches the emulator and the contact's timeline, with its join link.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role, User
from contacts.models import Contact
from gotoplugins.emulator import models as emulator
from gotoplugins.models import Event, Participation, RegistrationRequest, SyncRun
from gotoplugins.sync import sync_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: object) -> Iterator[str]:
    """The emulator on live_server, GoToWebinar connected and synced, as after `make run`."""
    base = str(live_server.url)  # type: ignore[attr-defined]
    emulator_url = f"{base}/goto-emulator"
    with override_settings(
        SITE_URL=base, GOTO_AUTH_BASE_URL=emulator_url, GOTO_API_BASE_URL=emulator_url
    ):
        call_command("goto_emulator_seed", "--seed", "7", verbosity=0)
        call_command("seed_goto_demo_account", "--connect", verbosity=0)
        sync_product("webinar", trigger=SyncRun.Trigger.COMMAND)
        yield base


def sign_in(page: Page, base: str) -> None:
    User.objects.create_user("mia", password="mia-marketer-pass", role=Role.MARKETER)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("mia-marketer-pass")
    page.get_by_role("button", name="Sign in").click()


def add_field(
    page: Page, kind: str, label: str, *, maps_to: str = "", required: bool = True
) -> None:
    page.get_by_role("button", name="Add field").click()
    page.get_by_role("link", name=kind, exact=True).click()
    page.locator("#id_label").fill(label)
    if maps_to:
        page.get_by_label("Save to contact field").select_option(label=maps_to)
    if required:
        page.get_by_label("Required").check()
    page.get_by_role("button", name="Add field").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Field “{label}” added.")


def wait_for_registration(timeout: float = 20.0) -> RegistrationRequest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = RegistrationRequest.objects.filter(status="done").first()
        if request is not None:
            return request
        time.sleep(0.2)
    raise AssertionError(f"not registered: {list(RegistrationRequest.objects.values())}")


def test_a_visitor_registers_for_a_webinar_through_a_built_form(
    site: str, page: Page, browser: Browser
) -> None:
    webinar = Event.objects.filter(product="webinar", status="scheduled").order_by("starts_at")
    webinar = [event for event in webinar if not event.is_over and event.starts_at][-1]

    sign_in(page, site)
    page.get_by_role("link", name="Forms").click()
    page.get_by_role("link", name="New form").click()
    page.get_by_label("Name").fill("Spring webinars")
    expect(page.get_by_label("Public address")).to_have_value("spring-webinars")
    page.get_by_role("button", name="Create form").click()
    expect(page.locator(".alert-success")).to_contain_text("Now add its fields.")

    add_field(page, "Email", "Email", maps_to="Email")
    add_field(page, "Text", "First name", maps_to="First name")
    add_field(page, "Text", "Last name", maps_to="Last name")
    add_field(page, "GoToWebinar event", "Webinar")

    page.get_by_role("button", name="Add action").click()
    page.get_by_role("link", name="Register to GoToWebinar").click()
    page.get_by_label("Webinar").select_option(label="The webinar chosen in the form")
    page.get_by_role("button", name="Add action").click()
    expect(page.locator(".alert-success")).to_contain_text(
        "Action “Register to GoToWebinar” added."
    )
    expect(page.locator("#actions")).to_contain_text("The webinar chosen in the form")

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#form-status")).to_have_text("Published")
    public_url = page.locator("#public-url").inner_text()
    assert public_url == f"{site}/f/spring-webinars/"

    visitor_context = browser.new_context(locale="fr-FR", timezone_id="America/New_York")
    visitor = visitor_context.new_page()
    visitor.goto(public_url)
    expect(visitor.get_by_role("heading", name="Spring webinars")).to_be_visible()
    visitor.get_by_label("Email").fill("Chloe.Dubois@Example.com")
    visitor.get_by_label("First name").fill("Chloé")
    visitor.get_by_label("Last name").fill("D'Aubigné & Fils")
    options = visitor.get_by_label("Webinar").locator("option").all_inner_texts()
    assert any(text.startswith(f"{webinar.subject} — ") for text in options), options
    visitor.get_by_label("Webinar").select_option(value=webinar.key)
    visitor.get_by_role("button", name="Submit").click()
    expect(visitor.locator("#form-success")).to_contain_text("We have received your answers")
    visitor_context.close()

    request = wait_for_registration()
    registrant = emulator.Registrant.objects.get(
        event__key=webinar.key, email_lower="chloe.dubois@example.com"
    )
    assert (registrant.first_name, registrant.last_name) == ("Chloé", "D'Aubigné & Fils")
    contact = Contact.objects.get(email="chloe.dubois@example.com")
    participation = Participation.objects.get(event=webinar, contact=contact, kind="registered")
    assert request.participation_id == participation.pk
    assert participation.join_url.endswith(f"/{webinar.key}/{registrant.key}")

    page.goto(f"{site}/contacts/{contact.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text(f"Registered for webinar “{webinar.subject}”")
    expect(timeline).to_contain_text("Submitted form “Spring webinars”")
    # The person's join link is on the timeline entry (and on the submission).
    join = timeline.get_by_role("link", name="Join link")
    expect(join).to_have_attribute("href", participation.join_url)

    page.goto(f"{site}/forms/")
    page.get_by_role("link", name="Spring webinars").click()
    page.get_by_role("link", name="Submissions").click()
    page.locator("#submissions tbody a").first.click()
    join = page.get_by_role("link", name="Join link")
    expect(join).to_have_attribute("href", participation.join_url)
    expect(page.locator("#answers")).to_contain_text("D'Aubigné & Fils")
