"""A marketer builds "attended webinar X AND country is Germany", checks the live count,
saves it, sees the members, and reopens the builder as saved."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from contacts.models import Contact
from gotoplugins.models import Event, GoToAccount, Participation
from segments.models import Segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Kind = Participation.Kind


def seed() -> None:
    account = GoToAccount.objects.create(name="Main", client_id="c", client_secret="s")
    start = datetime.now(UTC) - timedelta(days=10)

    def webinar(key: str, days_later: int) -> Event:
        begins = start + timedelta(days=days_later)
        return Event.objects.create(
            product="webinar",
            account=account,
            key=key,
            subject="Spring launch",
            starts_at=begins,
            ends_at=begins + timedelta(hours=1),
        )

    first, second = webinar("5550001", 0), webinar("5550002", 3)
    people = {
        name: Contact.objects.create(
            email=f"{name}@example.com", first_name=name.title(), country=country
        )
        for name, country in (
            ("anna", "Germany"),
            ("bert", "France"),
            ("carl", "Germany"),
            ("dora", "Germany"),
        )
    }
    for name, event, kind in (
        ("anna", first, Kind.REGISTERED),
        ("anna", first, Kind.ATTENDED),
        ("bert", first, Kind.ATTENDED),
        ("carl", first, Kind.REGISTERED),  # a no-show
        ("dora", second, Kind.ATTENDED),  # the other "Spring launch"
    ):
        Participation.objects.create(event=event, contact=people[name], kind=kind)


def sign_in(page: Page, base: str) -> None:
    User.objects.create_user("mia", password="mia-secret-pass", role=Role.MARKETER)
    page.goto(f"{base}/segments/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("mia-secret-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Segments"))).to_be_visible()


def test_marketer_builds_previews_and_saves_a_segment(live_server: object, page: Page) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    seed()
    sign_in(page, base)

    page.get_by_role("link", name="New segment").click()
    page.get_by_label("Name").fill("German attendees of Spring launch")
    count = page.locator("#segment-count")
    expect(count).to_contain_text("No filters")

    page.get_by_role("button", name="Add a filter").click()
    row = page.locator(".filter-row").nth(0)
    row.get_by_label("Filter", exact=True).select_option(label="GoToWebinar attended")
    row.get_by_label("Condition", exact=True).select_option(label="is any of")
    expect(count).to_contain_text("Complete the filters")
    events = row.get_by_label("Events", exact=True)
    labels = events.locator("option").all_inner_texts()
    assert len(labels) == 2 and all(label.startswith("Spring launch · ") for label in labels)
    assert labels[0] != labels[1]  # same title, told apart by the date
    events.select_option(label=labels[1])  # newest first: the earlier webinar is second
    expect(count).to_have_text("2 contacts match")  # anna and bert

    page.get_by_role("button", name="Add filter").click()
    second = page.locator(".filter-row").nth(1)
    second.get_by_label("Filter", exact=True).select_option(label="Country")
    second.get_by_label("Condition", exact=True).select_option(label="equals")
    second.get_by_label("Value", exact=True).fill("germany")
    expect(count).to_have_text("1 contact matches")

    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_role("heading", name="German attendees of Spring launch")).to_be_visible()
    members = page.locator("#members tbody tr")
    expect(members).to_have_count(1)
    expect(members.first).to_contain_text("anna@example.com")
    expect(page.locator("#filter-group-1")).to_contain_text("GoToWebinar attended is any of")

    segment = Segment.objects.get()
    assert segment.filters == {
        "match": "all",
        "groups": [
            {
                "match": "all",
                "filters": [
                    {"kind": "goto.webinar.attended", "operator": "any_of", "value": ["5550001"]},
                    {"kind": "contact.country", "operator": "eq", "value": "germany"},
                ],
            }
        ],
    }

    page.get_by_role("link", name="Edit").click()
    rows = page.locator(".filter-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).get_by_label("Filter", exact=True)).to_have_value("goto.webinar.attended")
    expect(rows.nth(0).get_by_label("Events", exact=True)).to_have_values(["5550001"])
    expect(rows.nth(1).get_by_label("Value", exact=True)).to_have_value("germany")
    expect(count).to_have_text("1 contact matches")


def test_the_builder_explains_what_is_missing_before_saving(
    live_server: object, page: Page
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    seed()
    sign_in(page, base)
    page.goto(f"{base}/segments/new/")
    page.get_by_label("Name").fill("Unfinished")
    page.get_by_role("button", name="Add a filter").click()
    row = page.locator(".filter-row").nth(0)
    row.get_by_label("Filter", exact=True).select_option(label="Country")
    row.get_by_label("Condition", exact=True).select_option(label="is any of")
    page.get_by_role("button", name="Save segment").click()
    expect(row.locator(".filter-problem")).to_have_text("Enter at least one value, one per line.")
    assert not Segment.objects.exists()
    expect(page).to_have_url(f"{base}/segments/new/")

    row.get_by_label("Values, one per line").fill("Germany\nfrance")
    count = page.locator("#segment-count")
    expect(count).to_have_text("4 contacts match")
    page.get_by_role("button", name="Add filter").click()
    second = page.locator(".filter-row").nth(1)
    second.get_by_label("Filter", exact=True).select_option(label="Date added")
    second.get_by_label("Condition", exact=True).select_option(label="is in the last")
    second.get_by_label("Number of days").fill("0")
    expect(count).to_contain_text("Complete the filters")
    second.get_by_label("Number of days").fill("7")
    expect(count).to_have_text("4 contacts match")
    page.get_by_role("button", name="Save segment").click()
    expect(page.locator("#member-count")).to_have_text("4")
    segment = Segment.objects.get()
    assert segment.filters["groups"][0]["filters"] == [
        {"kind": "contact.country", "operator": "in", "value": ["Germany", "france"]},
        {"kind": "contact.created_at", "operator": "last_days", "value": 7},
    ]
