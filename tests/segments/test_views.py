"""Segment pages: list, builder, live count, members, and changes by hand from two places."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact
from gotoplugins.models import Event, Participation
from segments import services
from segments.models import MembershipChange, Segment, SegmentExclusion, SegmentMembership
from tests.segments.conftest import NOW, all_of, f

GERMANY = all_of(f("contact.country", "eq", "Germany"))


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
    return len(queries)


def add_members(segment: Segment, count: int, start: int = 0) -> None:
    contacts = Contact.objects.bulk_create(
        Contact(email=f"m{n}@example.com", first_name=f"M{n}", country="Germany")
        for n in range(start, start + count)
    )
    SegmentMembership.objects.bulk_create(
        SegmentMembership(segment=segment, contact=contact, added_at=NOW) for contact in contacts
    )


def preview(client: Client, payload: Any) -> Any:
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post("/segments/preview/", body, content_type="application/json")


# --- List -------------------------------------------------------------------------------------


def test_the_list_shows_member_counts_in_constant_queries(
    marketer_client: Client, make_event: Callable[..., Event]
) -> None:
    make_event("77", "Tour")
    first = Segment.objects.create(name="Alpha", filters=GERMANY)
    add_members(first, 3)
    few = query_count(marketer_client, "/segments/")
    for n in range(5):
        segment = Segment.objects.create(
            name=f"Webinar {n}",
            filters=all_of(
                f("goto.webinar.attended", "any_of", ["77"]),
                f("goto.training.registered", "any_of", ["404"]),
            ),
        )
        add_members(segment, 2, start=100 + 10 * n)
    many = query_count(marketer_client, "/segments/")
    assert many == few + 2  # each catalogue read once for the whole page
    page = marketer_client.get("/segments/").content.decode()
    assert 'data-members="3"' in page and 'data-members="2"' in page
    assert "Country equals “Germany”" in page
    assert "GoToWebinar attended is any of “Tour · 8 Jun 2026, 12:00 UTC”" in page
    assert "#404 (no longer listed)" in page


def test_the_list_is_empty_at_first(marketer_client: Client) -> None:
    page = marketer_client.get("/segments/").content.decode()
    assert "No segments yet" in page


TAMPERED = [
    {"groups": [7, {"filters": "x"}], "match": 1},
    ["not", "a", "dict"],
    {"groups": [{"filters": [{"kind": "contact.country", "operator": "in", "value": 5}]}]},
    {"groups": [{"filters": [{"kind": "goto.webinar.attended", "operator": "x", "value": {}}]}]},
]


@pytest.mark.parametrize("stored", TAMPERED)
def test_a_tampered_stored_definition_never_breaks_a_page(
    marketer_client: Client, stored: Any
) -> None:
    segment = Segment.objects.create(name="Odd", filters=stored)
    for url in ("/segments/", f"/segments/{segment.pk}/", f"/segments/{segment.pk}/edit/"):
        assert marketer_client.get(url).status_code == 200, url
    response = marketer_client.post(f"/segments/{segment.pk}/rebuild/", follow=True)
    assert "The filters cannot be used" in response.content.decode()


# --- Builder ----------------------------------------------------------------------------------


def builder_post(client: Client, url: str, filters: Any, **fields: Any) -> Any:
    data = {"name": "Germany", "description": "", "published": "on", **fields}
    data["filters"] = filters if isinstance(filters, str) else json.dumps(filters)
    return client.post(url, data)


def test_a_marketer_creates_a_segment_and_it_reopens_exactly_as_saved(
    marketer_client: Client, marketer: Any, make_contact: Callable[..., Contact], goto_account: Any
) -> None:
    Event.objects.create(product="webinar", account=goto_account, key="8123", subject="Tour")
    make_contact("anna@example.com", country="Germany")
    filters = {
        "match": "any",
        "groups": [
            {"match": "all", "filters": [f("contact.country", "in", ["Germany", "Austria"])]},
            {
                "match": "any",
                "filters": [
                    f("goto.webinar.attended", "min_minutes", {"choices": ["8123"], "number": 30}),
                    f("contact.created_at", "last_days", 30),
                ],
            },
        ],
    }
    response = builder_post(marketer_client, "/segments/new/", filters)
    segment = Segment.objects.get()
    assert response.status_code == 302 and response.url == f"/segments/{segment.pk}/"
    assert segment.filters == filters
    assert segment.created_by == marketer

    page = marketer_client.get(f"/segments/{segment.pk}/edit/")
    hidden = re.search(r'name="filters" value="([^"]*)"', page.content.decode())
    assert hidden is not None
    import html

    assert json.loads(html.unescape(hidden.group(1))) == filters
    registry = page.context["registry"]
    assert registry["choices"]["goto.webinar.events"][0][0] == "8123"
    assert {kind["group"] for kind in registry["kinds"]} >= {"Contact", "GoToWebinar"}


def test_saving_with_bad_filters_shows_the_problems_and_keeps_the_input(
    marketer_client: Client,
) -> None:
    bad = all_of(f("contact.country", "eq", ""), f("goto.webinar.attended", "any_of", ["404"]))
    response = builder_post(marketer_client, "/segments/new/", bad)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Group 1, filter 1: Country: enter a value." in page
    assert "no longer in the catalogue: 404" in page
    assert response.context["problems"][0] == {
        "group": 0,
        "filter": 0,
        "message": "Country: enter a value.",
    }
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    "filters",
    ["{not json", "[" * 100_000, "x" * 300_000, '"just a string"', "null", "12"],
)
def test_unreadable_filters_never_crash_the_builder(marketer_client: Client, filters: str) -> None:
    response = builder_post(marketer_client, "/segments/new/", filters)
    assert response.status_code == 200
    assert response.context["form"].errors["filters"]
    assert not Segment.objects.exists()


def test_empty_filters_save_a_segment_kept_by_hand(marketer_client: Client) -> None:
    response = builder_post(marketer_client, "/segments/new/", "")
    assert response.status_code == 302
    assert Segment.objects.get().filters == {"match": "all", "groups": []}


def test_editing_keeps_the_members_when_the_filters_do_not_change(
    marketer_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    segment = Segment.objects.create(name="Old", filters=GERMANY)
    with django_capture_on_commit_callbacks() as callbacks:
        response = builder_post(
            marketer_client, f"/segments/{segment.pk}/edit/", GERMANY, name="New"
        )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.name, segment.published) == ("New", True)
    assert callbacks == []


def test_editing_a_segment_that_does_not_exist_is_404(marketer_client: Client) -> None:
    assert marketer_client.get("/segments/999/edit/").status_code == 404


# --- Live count -------------------------------------------------------------------------------


def test_the_live_count_matches_the_filters(
    marketer_client: Client, make_contact: Callable[..., Contact]
) -> None:
    make_contact("anna@example.com", country="Germany")
    make_contact("bert@example.com", country="germany")
    make_contact("chloe@example.com", country="France")
    response = preview(marketer_client, {"filters": GERMANY})
    assert response.status_code == 200
    assert response.json() == {"count": 2}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{broken", "could not be read"),
        ("[" * 100_000, "could not be read"),
        ("[]", "must be an object"),
        ({"nothing": 1}, "must be an object"),
        ({"filters": {"groups": [{"filters": [f("contact.country", "eq", 7)]}]}}, "enter a value"),
        ({"filters": all_of(f("goto.webinar.attended", "any_of", ["1"]))}, "no longer in"),
        ({"filters": all_of(f("mystery", "any"))}, "Unknown filter"),
    ],
)
def test_the_live_count_explains_bad_filters(
    marketer_client: Client, payload: Any, message: str
) -> None:
    response = preview(marketer_client, payload)
    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]


def test_a_huge_live_count_request_is_refused_without_a_crash(marketer_client: Client) -> None:
    huge = json.dumps({"filters": {"groups": [], "padding": "x" * 3_000_000}})
    assert preview(marketer_client, huge).status_code == 400


def test_the_live_count_needs_a_post_and_a_signed_in_user(client: Client, db: None) -> None:
    assert (
        client.post("/segments/preview/", "{}", content_type="application/json").status_code == 302
    )


def test_the_live_count_needs_the_csrf_token(marketer: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(marketer)
    response = strict.post("/segments/preview/", "{}", content_type="application/json")
    assert response.status_code == 403


# --- Members ----------------------------------------------------------------------------------


def test_the_members_page_runs_constant_queries_per_page(marketer_client: Client) -> None:
    segment = Segment.objects.create(name="Germany", filters=GERMANY)
    add_members(segment, 5)
    few = query_count(marketer_client, f"/segments/{segment.pk}/")
    add_members(segment, 120, start=5)
    SegmentExclusion.objects.bulk_create(
        SegmentExclusion(segment=segment, contact=contact, excluded_at=NOW)
        for contact in Contact.objects.all()[:30]
    )
    MembershipChange.objects.bulk_create(
        MembershipChange(
            segment=segment, contact=c, change="added", cause="rebuild", changed_at=NOW
        )
        for c in Contact.objects.all()[:30]
    )
    many = query_count(marketer_client, f"/segments/{segment.pk}/")
    second_page = query_count(marketer_client, f"/segments/{segment.pk}/?page=2")
    assert few == many == second_page
    page = marketer_client.get(f"/segments/{segment.pk}/?page=3").content.decode()
    assert "Page 3 of 3" in page


def test_members_are_added_and_removed_from_the_members_page(
    marketer_client: Client, make_contact: Callable[..., Contact], marketer: Any
) -> None:
    segment = Segment.objects.create(name="Germany", filters=GERMANY)
    contact = make_contact("o'neil@example.com")
    response = marketer_client.post(
        f"/segments/{segment.pk}/members/add/", {"email": "  O'Neil@Example.com "}
    )
    assert response.status_code == 302 and response.url == f"/segments/{segment.pk}/"
    membership = SegmentMembership.objects.get()
    assert (membership.contact, membership.source) == (contact, "manual")
    page = marketer_client.get(f"/segments/{segment.pk}/").content.decode()
    assert "o&#x27;neil@example.com" in page and "added by bob" in page

    marketer_client.post(f"/segments/{segment.pk}/members/{contact.pk}/remove/")
    assert not SegmentMembership.objects.exists()
    assert SegmentExclusion.objects.get().excluded_by == marketer

    marketer_client.post(f"/segments/{segment.pk}/members/{contact.pk}/reset/")
    assert not SegmentExclusion.objects.exists()
    assert not SegmentMembership.objects.exists()  # the filters do not match them


@pytest.mark.parametrize("email", ["nobody@example.com", "", "x" * 300, "not an email"])
def test_adding_an_unknown_email_says_so(marketer_client: Client, email: str, db: None) -> None:
    segment = Segment.objects.create(name="Germany", filters=GERMANY)
    response = marketer_client.post(
        f"/segments/{segment.pk}/members/add/", {"email": email}, follow=True
    )
    assert "No contact has that email address." in response.content.decode()
    assert not SegmentMembership.objects.exists()


def test_changes_by_hand_need_a_post(marketer_client: Client, make_contact: Any) -> None:
    segment = Segment.objects.create(name="Germany", filters=GERMANY)
    contact = make_contact("a@example.com")
    assert (
        marketer_client.get(f"/segments/{segment.pk}/members/{contact.pk}/remove/").status_code
        == 405
    )
    assert marketer_client.post(f"/segments/{segment.pk}/members/999/remove/").status_code == 404
    assert marketer_client.post(f"/segments/999/members/{contact.pk}/remove/").status_code == 404


def test_next_only_leads_back_into_the_site(marketer_client: Client, make_contact: Any) -> None:
    segment = Segment.objects.create(name="Germany", filters=GERMANY)
    contact = make_contact("a@example.com")
    url = f"/segments/{segment.pk}/members/{contact.pk}/remove/"
    assert (
        marketer_client.post(url, {"next": "https://evil.example/"}).url
        == f"/segments/{segment.pk}/"
    )
    assert (
        marketer_client.post(url, {"next": f"/contacts/{contact.pk}/"}).url
        == f"/contacts/{contact.pk}/"
    )


def test_rebuild_now_reports_the_result(
    marketer_client: Client, make_contact: Callable[..., Contact]
) -> None:
    make_contact("anna@example.com", country="Germany")
    segment = Segment.objects.create(name="Germany", filters=GERMANY)
    response = marketer_client.post(f"/segments/{segment.pk}/rebuild/", follow=True)
    assert "Segment rebuilt: 1 added, 0 removed." in response.content.decode()
    broken = Segment.objects.create(name="Broken", filters=all_of(f("gone", "any")))
    response = marketer_client.post(f"/segments/{broken.pk}/rebuild/", follow=True)
    page = response.content.decode()
    assert "Unknown filter" in page and "The last rebuild failed" in page


def test_deleting_a_segment_keeps_the_contacts(marketer_client: Client, make_contact: Any) -> None:
    segment = Segment.objects.create(name="Germany", filters=GERMANY)
    add_members(segment, 3)
    assert marketer_client.get(f"/segments/{segment.pk}/delete/").status_code == 200
    response = marketer_client.post(f"/segments/{segment.pk}/delete/")
    assert response.url == "/segments/"
    assert not Segment.objects.exists() and Contact.objects.count() == 3


# --- The contact page -------------------------------------------------------------------------


def test_the_contact_page_lists_segments_and_adds_and_removes(
    marketer_client: Client, make_contact: Callable[..., Contact]
) -> None:
    contact = make_contact("anna@example.com", country="Germany")
    germany = Segment.objects.create(name="Germany", filters=GERMANY)
    vip = Segment.objects.create(name="VIP", filters={"match": "all", "groups": []})
    services.rebuild(germany, now=NOW)
    page = marketer_client.get(f"/contacts/{contact.pk}/").content.decode()
    segments_card = page[page.index('id="contact-segments"') :]
    assert f'href="/segments/{germany.pk}/">Germany</a>' in segments_card
    assert f'<option value="{vip.pk}">VIP</option>' in segments_card

    response = marketer_client.post(
        f"/segments/contact/{contact.pk}/add/",
        {"segment": vip.pk, "next": f"/contacts/{contact.pk}/"},
    )
    assert response.url == f"/contacts/{contact.pk}/"
    marketer_client.post(
        f"/segments/{germany.pk}/members/{contact.pk}/remove/", {"next": f"/contacts/{contact.pk}/"}
    )
    assert set(contact.segment_memberships.values_list("segment__name", "source")) == {
        ("VIP", "manual")
    }
    page = marketer_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Removed by hand from:" in page and "Let the filters decide" in page


def test_adding_to_a_segment_that_vanished_says_so(
    marketer_client: Client, make_contact: Callable[..., Contact]
) -> None:
    contact = make_contact("anna@example.com")
    response = marketer_client.post(
        f"/segments/contact/{contact.pk}/add/", {"segment": "999"}, follow=True
    )
    assert "Choose a segment" in response.content.decode()


def test_the_contact_page_segments_card_is_constant_in_queries(
    marketer_client: Client, make_contact: Callable[..., Contact]
) -> None:
    contact = make_contact("anna@example.com")
    first = Segment.objects.create(name="S0", filters=GERMANY)
    services.add_by_hand(first, contact)
    few = query_count(marketer_client, f"/contacts/{contact.pk}/")
    for n in range(1, 8):
        segment = Segment.objects.create(name=f"S{n}", filters=GERMANY)
        if n % 2:
            services.add_by_hand(segment, contact)
        else:
            services.remove_by_hand(segment, contact)
    assert query_count(marketer_client, f"/contacts/{contact.pk}/") == few


def test_goto_choices_on_the_builder_cost_one_query_per_product(
    marketer_client: Client, goto_account: Any
) -> None:
    base = query_count(marketer_client, "/segments/new/")
    for n in range(20):
        Event.objects.create(
            product="webinar",
            account=goto_account,
            key=str(n),
            subject="Tour",
            starts_at=NOW + timedelta(days=n),
        )
    assert query_count(marketer_client, "/segments/new/") == base
    assert Participation.objects.count() == 0
