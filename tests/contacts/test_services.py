from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts import services
from contacts.models import Activity, Contact
from contacts.timeline import CONTACT_CREATED, CONTACT_UPDATED

pytestmark = pytest.mark.django_db


def test_upsert_creates_a_contact_with_a_normalised_email() -> None:
    result = services.upsert_contact("  Ana.Lopez@Example.COM ", first_name="Ana")
    assert result.created is True
    assert result.contact.email == "ana.lopez@example.com"
    assert Contact.objects.get().first_name == "Ana"


def test_upsert_keeps_unicode_emoji_and_apostrophes_exactly() -> None:
    result = services.upsert_contact(
        "o'brien@example.com",
        first_name="Siobhán 🎉",
        last_name="O'Brien",
        company="Müller & Söhne «Ltd»",
        job_title="山田 太郎",
    )
    stored = Contact.objects.get(pk=result.contact.pk)
    assert stored.email == "o'brien@example.com"
    assert stored.first_name == "Siobhán 🎉"
    assert stored.last_name == "O'Brien"
    assert stored.company == "Müller & Söhne «Ltd»"
    assert stored.job_title == "山田 太郎"


def test_upsert_finds_the_existing_contact_in_any_letter_case() -> None:
    first = services.upsert_contact("jane@example.com", first_name="Jane")
    second = services.upsert_contact(" JANE@Example.com", company="Acme")
    assert second.created is False
    assert second.contact.pk == first.contact.pk
    assert Contact.objects.count() == 1
    stored = Contact.objects.get()
    assert (stored.first_name, stored.company) == ("Jane", "Acme")
    assert second.changes == {"company": ("", "Acme")}


def test_upsert_never_blanks_a_field_and_can_fill_only_empty_ones() -> None:
    services.upsert_contact("kim@example.com", first_name="Kim", last_name="")
    services.upsert_contact("kim@example.com", first_name="", last_name="Lee")
    services.upsert_contact("kim@example.com", overwrite=False, first_name="Kimberly")
    stored = Contact.objects.get()
    assert (stored.first_name, stored.last_name) == ("Kim", "Lee")


def test_upsert_merges_custom_fields() -> None:
    services.upsert_contact("a@example.com", custom_fields={"plan": "gold", "seats": 3})
    services.upsert_contact("a@example.com", custom_fields={"seats": 5, "plan": ""})
    assert Contact.objects.get().custom_fields == {"plan": "gold", "seats": 5}


def test_upsert_records_created_and_updated_activities() -> None:
    contact = services.upsert_contact("t@example.com", first_name="T", source="form").contact
    services.upsert_contact("t@example.com", first_name="Tom")
    services.upsert_contact("t@example.com", first_name="Tom")  # no change, no entry
    kinds = list(contact.activities.order_by("id").values_list("kind", flat=True))
    assert kinds == [CONTACT_CREATED, CONTACT_UPDATED]
    update = contact.activities.get(kind=CONTACT_UPDATED)
    assert update.details["changes"] == {"first_name": ["T", "Tom"]}
    contact.refresh_from_db()
    assert contact.last_activity_at == update.occurred_at


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "The email is missing."),
        ("   ", "The email is missing."),
        ("not-an-email", "Enter a valid email address."),
        ("a@b", "Enter a valid email address."),
        ("root@localhost", "Enter a valid email address."),  # no contact is reached there
        ("zoe@[127.0.0.1]", "Enter a valid email address."),
        ("zoe@[IPv6:2001:db8::1]", "Enter a valid email address."),
        ('"a\x01b"@example.com', "Enter a valid email address."),
        ("x" * 250 + "@example.com", "The email is longer than 254 characters."),
    ],
)
def test_upsert_refuses_a_bad_email_and_writes_nothing(email: str, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.upsert_contact(email, first_name="X")
    assert error.value.messages == [message]
    assert Contact.objects.count() == 0
    assert Activity.objects.count() == 0


def test_upsert_refuses_overlong_values_and_unknown_time_zones() -> None:
    with pytest.raises(ValidationError) as error:
        services.upsert_contact("z@example.com", first_name="x" * 151, time_zone="Mars/Olympus")
    assert set(error.value.message_dict) == {"first_name", "time_zone"}
    assert Contact.objects.count() == 0


def test_upsert_rejects_fields_that_do_not_exist() -> None:
    with pytest.raises(TypeError, match="Unknown contact fields: password"):
        services.upsert_contact("z@example.com", password="x")


def test_database_refuses_a_second_contact_with_the_same_email() -> None:
    services.upsert_contact("dup@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(email="dup@example.com")


def test_database_refuses_an_email_that_is_not_normalised() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(email="Mixed@Example.com")


def test_update_contact_changes_the_email_and_records_what_changed() -> None:
    contact = services.upsert_contact("old@example.com", first_name="Olga").contact
    services.update_contact(contact, email=" New@Example.com ", first_name="Olga", phone="+49 1")
    contact.refresh_from_db()
    assert contact.email == "new@example.com"
    update = contact.activities.get(kind=CONTACT_UPDATED)
    assert update.details["changes"] == {
        "email": ["old@example.com", "new@example.com"],
        "phone": ["", "+49 1"],
    }


def test_search_text_follows_every_save() -> None:
    contact = services.upsert_contact("m@example.com", first_name="Jürgen").contact
    services.update_contact(contact, email="m@example.com", first_name="JÜRGEN", company="Groß AG")
    contact.refresh_from_db()
    assert contact.search_text == "jurgen m@example.com gross ag"


def test_record_activities_writes_in_bulk_and_moves_last_activity(
    django_assert_num_queries: object,
) -> None:
    contacts = [services.upsert_contact(f"p{n}@example.com").contact for n in range(30)]
    when = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    drafts = [
        services.ActivityDraft(contact.pk, "note", f"Note {contact.pk}", occurred_at=when)
        for contact in contacts
    ]
    with django_assert_num_queries(2):  # type: ignore[operator]
        services.record_activities(drafts)
    assert set(Contact.objects.values_list("last_activity_at", flat=True)) == {when}
    assert Activity.objects.filter(kind="note").count() == 30


@pytest.mark.parametrize(
    "spelling",
    [
        "bob@bücher.de",
        "bob@bu\u0308cher.de",  # ü as u + combining diaeresis
        "BOB@XN--BCHER-KVA.DE",
        "bob@bü\u200bcher.de",  # a zero-width space pasted from a web page
        "\ufeffbob@bücher.de ",
    ],
)
def test_one_mailbox_has_one_spelling(spelling: str) -> None:
    assert services.normalise_email(spelling) == "bob@xn--bcher-kva.de"


def test_lookalike_spellings_find_the_same_contact() -> None:
    first = services.upsert_contact("bob@bücher.de", first_name="Bob")
    again = services.upsert_contact("bob@bu\u0308cher.de\u200b", last_name="Builder")
    assert again.contact.pk == first.contact.pk
    assert Contact.objects.count() == 1


def test_create_only_refuses_an_existing_contact_and_changes_nothing() -> None:
    services.upsert_contact("taken@example.com", first_name="Alice")
    with pytest.raises(services.ContactExists):
        services.upsert_contact("TAKEN@example.com", create_only=True, first_name="Bob")
    assert Contact.objects.get().first_name == "Alice"


def test_last_activity_only_moves_forward() -> None:
    contact = services.upsert_contact("f@example.com").contact
    later = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)
    services.record_activity(contact, "note", "Later", occurred_at=later)
    services.record_activity(contact, "note", "Backdated", occurred_at=later - timedelta(days=9))
    contact.refresh_from_db()
    assert contact.last_activity_at == later


def test_many_moments_recompute_last_activity_in_one_statement(
    django_assert_num_queries: object,
) -> None:
    contacts = [services.upsert_contact(f"m{n}@example.com").contact for n in range(10)]
    start = datetime(2030, 1, 1, tzinfo=UTC)
    drafts = [
        services.ActivityDraft(
            contact.pk, "note", "Note", occurred_at=start + timedelta(hours=n * 10 + hour)
        )
        for n, contact in enumerate(contacts)
        for hour in (3, 1, 2)
    ]
    with django_assert_num_queries(2):  # type: ignore[operator]
        services.record_activities(drafts)
    found = dict(Contact.objects.values_list("email", "last_activity_at"))
    assert found == {f"m{n}@example.com": start + timedelta(hours=n * 10 + 3) for n in range(10)}
