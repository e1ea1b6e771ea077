from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from contacts import services
from contacts.models import Activity, Contact
from contacts.timeline import CONTACT_CREATED, CONTACT_UPDATED


def make_contacts(count: int, **fields: str) -> list[Contact]:
    contacts = [
        Contact(email=f"person{n}@example.com", first_name=f"First{n}", last_name="Doe", **fields)
        for n in range(count)
    ]
    for contact in contacts:
        contact.search_text = contact.compute_search_text()
    return Contact.objects.bulk_create(contacts)


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_page_size(marketer_client: Client) -> None:
    make_contacts(250)
    small = query_count(marketer_client, "/contacts/?per_page=25")
    large = query_count(marketer_client, "/contacts/?per_page=200")
    searched = query_count(marketer_client, "/contacts/?per_page=200&q=doe&page=2")
    assert small == large == searched
    assert large <= 4


def test_list_paginates_and_keeps_the_search_in_page_links(marketer_client: Client) -> None:
    make_contacts(60)
    page = marketer_client.get("/contacts/?q=doe&per_page=25&page=2").content.decode()
    assert page.count('href="/contacts/') - page.count('href="/contacts/new/') >= 25
    assert "Page 2 of 3" in page
    assert "?q=doe&amp;per_page=25&amp;page=3" in page


def test_a_page_past_the_end_shows_the_last_page_and_garbage_the_first(
    marketer_client: Client,
) -> None:
    make_contacts(30)
    past_end = marketer_client.get("/contacts/?per_page=25&page=99")
    assert past_end.status_code == 200
    assert past_end.context["page_obj"].number == 2
    assert len(past_end.context["contacts"]) == 5
    garbage = marketer_client.get("/contacts/?per_page=25&page=abc")
    assert garbage.context["page_obj"].number == 1


def test_a_bad_page_size_falls_back_to_the_default(marketer_client: Client) -> None:
    make_contacts(60)
    page = marketer_client.get("/contacts/?per_page=999999").content.decode()
    assert "Page 1 of 2" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("müller", {"jm@example.com"}),
        ("MÜLLER", {"jm@example.com"}),
        ("groß", {"jm@example.com"}),
        ("o'brien", {"o'brien@example.com"}),
        ("O’Brien", {"o'brien@example.com"}),
        ("muller", {"jm@example.com"}),
        ("JURGEN", {"jm@example.com"}),
        ("acme", {"jm@example.com", "ly@example.com"}),
        ("山田", {"ly@example.com"}),
        ("siobhán o'b", {"o'brien@example.com"}),
        ("siobhan", {"o'brien@example.com"}),
        ("nobody", set()),
    ],
)
def test_search_matches_name_email_and_company_in_any_case(
    marketer_client: Client, query: str, expected: set[str]
) -> None:
    services.upsert_contact(
        "jm@example.com", first_name="Jürgen", last_name="Müller", company="Acme Groß"
    )
    services.upsert_contact("o'brien@example.com", first_name="Siobhán", last_name="O'Brien")
    services.upsert_contact(
        "ly@example.com", first_name="太郎", last_name="山田", company="ACME Japan"
    )
    response = marketer_client.get("/contacts/", {"q": query})
    shown = {contact.email for contact in response.context["contacts"]}
    assert shown == expected


def test_search_for_nothing_found_says_so(marketer_client: Client) -> None:
    page = marketer_client.get("/contacts/?q=%3Cscript%3E").content.decode()
    assert "No contact matches “&lt;script&gt;”" in page
    assert "<script>" not in page.split("<main")[1]


def test_create_contact_then_find_its_page(marketer_client: Client) -> None:
    response = marketer_client.post(
        "/contacts/new/",
        {
            "email": "  Renée.D'Arc@Example.com ".replace("é", "e"),
            "first_name": "Renée 🌸",
            "last_name": "D'Arc",
            "country": "France",
            "time_zone": "Europe/Paris",
        },
    )
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert contact.email == "renee.d'arc@example.com"
    assert contact.first_name == "Renée 🌸"
    page = marketer_client.get(response["Location"]).content.decode()
    assert "Renée 🌸 D&#x27;Arc" in page
    assert "Contact created" in page


@pytest.mark.parametrize(
    "typed", ["taken@example.com", "TAKEN@example.com", "  Taken@Example.COM  "]
)
def test_a_duplicate_email_is_refused_with_a_field_error(
    marketer_client: Client, typed: str
) -> None:
    services.upsert_contact("taken@example.com", first_name="First")
    response = marketer_client.post("/contacts/new/", {"email": typed, "first_name": "Second"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["A contact with this email already exists."]
    }
    assert Contact.objects.count() == 1
    assert Contact.objects.get().first_name == "First"


def test_invalid_input_shows_field_errors_and_saves_nothing(marketer_client: Client) -> None:
    response = marketer_client.post(
        "/contacts/new/",
        {"email": "nope", "first_name": "x" * 151, "time_zone": "Nowhere/Land"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "first_name", "time_zone"}
    assert Contact.objects.count() == 0


def test_edit_records_the_change_on_the_timeline(marketer_client: Client) -> None:
    contact = services.upsert_contact("e@example.com", first_name="Eva").contact
    response = marketer_client.post(
        f"/contacts/{contact.pk}/edit/",
        {"email": "e@example.com", "first_name": "Éva", "company": "Ünïcode"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.first_name, contact.company) == ("Éva", "Ünïcode")
    update = contact.activities.get(kind=CONTACT_UPDATED)
    assert update.details["changes"] == {"first_name": ["Eva", "Éva"], "company": ["", "Ünïcode"]}
    page = marketer_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "<li>First name: Eva → Éva</li>" in page
    assert "<li>Company: — → Ünïcode</li>" in page


def test_edit_to_another_contacts_email_is_refused(marketer_client: Client) -> None:
    services.upsert_contact("one@example.com")
    two = services.upsert_contact("two@example.com").contact
    response = marketer_client.post(f"/contacts/{two.pk}/edit/", {"email": "ONE@example.com"})
    assert response.context["form"].errors["email"] == ["A contact with this email already exists."]
    two.refresh_from_db()
    assert two.email == "two@example.com"


def test_delete_asks_first_and_then_deletes_with_the_timeline(marketer_client: Client) -> None:
    contact = services.upsert_contact("gone@example.com").contact
    confirm = marketer_client.get(f"/contacts/{contact.pk}/delete/")
    assert b"cannot be undone" in confirm.content
    assert Contact.objects.filter(pk=contact.pk).exists()
    response = marketer_client.post(f"/contacts/{contact.pk}/delete/")
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Activity.objects.filter(contact_id=contact.pk).count() == 0


def test_delete_without_csrf_token_is_refused(marketer: User) -> None:
    contact = services.upsert_contact("kept@example.com").contact
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    assert client.post(f"/contacts/{contact.pk}/delete/").status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_unknown_contact_is_404(marketer_client: Client) -> None:
    assert marketer_client.get("/contacts/999999/").status_code == 404


def add_activities(contact: Contact, count: int, kind: str = "note") -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    Activity.objects.bulk_create(
        Activity(
            contact=contact, kind=kind, title=f"{kind} {n}", occurred_at=start + timedelta(hours=n)
        )
        for n in range(count)
    )


def test_timeline_is_newest_first_and_paginated(marketer_client: Client) -> None:
    contact = services.upsert_contact("t@example.com").contact
    Activity.objects.filter(contact=contact).delete()
    add_activities(contact, 30)
    first = marketer_client.get(f"/contacts/{contact.pk}/").content.decode()
    titles = re.findall(r"<strong>(note \d+)</strong>", first)
    assert titles == [f"note {n}" for n in range(29, 4, -1)]
    second = marketer_client.get(f"/contacts/{contact.pk}/?page=2").content.decode()
    assert re.findall(r"<strong>(note \d+)</strong>", second) == [
        f"note {n}" for n in range(4, -1, -1)
    ]


def test_timeline_filters_by_kind(marketer_client: Client) -> None:
    contact = services.upsert_contact("k@example.com").contact
    add_activities(contact, 3, kind=CONTACT_UPDATED)
    page = marketer_client.get(f"/contacts/{contact.pk}/?kind={CONTACT_CREATED}").content.decode()
    assert "Contact created" in page
    assert f"{CONTACT_UPDATED} 0" not in page
    tampered = marketer_client.get(f"/contacts/{contact.pk}/?kind=%27;drop").content.decode()
    assert f"{CONTACT_UPDATED} 2" in tampered  # an unknown kind is ignored, not an error


def test_timeline_times_are_shown_in_the_viewers_time_zone(
    marketer_client: Client, marketer: User
) -> None:
    contact = services.upsert_contact("tz@example.com").contact
    Activity.objects.create(
        contact=contact,
        kind="note",
        title="Late call",
        occurred_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
    )
    marketer.time_zone = "Asia/Tokyo"
    marketer.save()
    page = marketer_client.get(f"/contacts/{contact.pk}/?kind=").content.decode()
    assert 'datetime="2026-03-02T08:30:00+09:00"' in page
    assert "JST" in page


def test_detail_page_query_count_is_bounded(marketer_client: Client) -> None:
    contact = services.upsert_contact("q@example.com").contact
    add_activities(contact, 5)
    few = query_count(marketer_client, f"/contacts/{contact.pk}/")
    add_activities(contact, 40)
    many = query_count(marketer_client, f"/contacts/{contact.pk}/")
    assert few == many


def test_a_race_between_the_duplicate_check_and_the_insert_is_a_field_error(
    marketer_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contacts.forms import ContactForm

    def check_nothing(self: ContactForm) -> str:  # another request creates it after this check
        services.upsert_contact("race@example.com", first_name="Alice")
        return "race@example.com"

    monkeypatch.setattr(ContactForm, "clean_email", check_nothing)
    response = marketer_client.post(
        "/contacts/new/", {"email": "race@example.com", "first_name": "Bob"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["A contact with this email already exists."]
    assert Contact.objects.get().first_name == "Alice"


def test_a_custom_field_named_items_still_shows(marketer_client: Client) -> None:
    contact = services.upsert_contact(
        "c@example.com", custom_fields={"items": "hello", "plan": "gold"}
    ).contact
    page = marketer_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "<dt>items</dt><dd>hello</dd>" in page
    assert "<dt>plan</dt><dd>gold</dd>" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * 201, "Search for at most 200 characters."),
        ("a\x00b", "Null characters are not allowed."),
    ],
)
def test_a_bad_search_is_explained_not_ignored(
    marketer_client: Client, query: str, message: str
) -> None:
    make_contacts(3)
    response = marketer_client.get("/contacts/", {"q": query})
    assert response.status_code == 200
    assert list(response.context["contacts"]) == []
    assert message in response.content.decode()
    assert "x" * 201 not in response.context["query_string"]
