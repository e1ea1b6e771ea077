"""A marketer signs in, creates a contact, finds it by search and opens its timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from contacts.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketer_creates_finds_and_opens_a_contact(live_server: object, page: Page) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    User.objects.create_user("mia", password="mia-secret-pass", role=Role.MARKETER)

    page.goto(f"{base}/contacts/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/contacts/$"))
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("mia-secret-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Contacts"))).to_be_visible()

    page.get_by_role("link", name="New contact").click()
    page.get_by_label("Email*").fill("  Chloe.O'Neil@Example.com ")
    page.get_by_label("First name").fill("Chloë 🎉")
    page.get_by_label("Last name").fill("O'Neil")
    page.get_by_label("Company").fill("Müller & Söhne")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Chloë 🎉 O'Neil")).to_be_visible()

    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("searchbox", name="Search contacts").fill("MÜLLER")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("chloe.o'neil@example.com")

    rows.first.get_by_role("link", name="Chloë 🎉 O'Neil").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Contact created")
    contact = Contact.objects.get()
    expect(page).to_have_url(f"{base}/contacts/{contact.pk}/")
    assert contact.email == "chloe.o'neil@example.com"
    assert contact.company == "Müller & Söhne"
