"""Every contact-field operator, on text and on dates, with dates in the instance's zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from contacts.models import Contact
from segments import services
from tests.segments.conftest import all_of, f


def emails(filters: dict[str, Any], now: datetime | None = None) -> set[str]:
    return set(services.matching_contacts(filters, now=now).values_list("email", flat=True))


@pytest.fixture
def people(make_contact: Callable[..., Contact]) -> None:
    make_contact("anna@example.com", first_name="Anna", country="Germany", company="ACME, Inc.")
    make_contact("bert@example.org", first_name="Bert", country="germany", company="50% Off_Shop")
    make_contact("chloe.o'neil@example.com", first_name="Chloé", country="France", company="")
    make_contact("dirk@example.net", first_name="Dirk", country="", company="Globex")


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("eq", "GERMANY", {"anna@example.com", "bert@example.org"}),
        ("neq", "Germany", {"chloe.o'neil@example.com", "dirk@example.net"}),
        ("contains", "erm", {"anna@example.com", "bert@example.org"}),
        ("starts", "fr", {"chloe.o'neil@example.com"}),
        ("ends", "ANY", {"anna@example.com", "bert@example.org"}),
        ("empty", None, {"dirk@example.net"}),
        ("not_empty", None, {"anna@example.com", "bert@example.org", "chloe.o'neil@example.com"}),
        ("in", ["france", "Spain"], {"chloe.o'neil@example.com"}),
        ("not_in", ["France", "germany"], {"dirk@example.net"}),
        ("gt", "g", {"anna@example.com", "bert@example.org"}),
        ("lt", "g", {"chloe.o'neil@example.com", "dirk@example.net"}),
    ],
)
def test_text_operators(people: None, operator: str, value: Any, expected: set[str]) -> None:
    assert emails(all_of(f("contact.country", operator, value))) == expected


def test_contains_treats_like_wildcards_as_text(people: None) -> None:
    assert emails(all_of(f("contact.company", "contains", "0% off_"))) == {"bert@example.org"}
    assert emails(all_of(f("contact.company", "contains", "_"))) == {"bert@example.org"}
    assert emails(all_of(f("contact.company", "starts", "%"))) == set()


def test_an_apostrophe_in_the_email_is_only_text(people: None) -> None:
    email = "chloe.o'neil@example.com"
    assert emails(all_of(f("contact.email", "eq", email))) == {email}
    assert emails(all_of(f("contact.email", "in", [email, "x'); DROP TABLE x; --"]))) == {email}
    assert emails(all_of(f("contact.email", "contains", "o'n"))) == {email}
    assert Contact.objects.count() == 4


def test_equals_and_any_of_agree_on_letter_case(people: None) -> None:
    for spelling in ("germany", "GERMANY", "Germany"):
        assert emails(all_of(f("contact.country", "eq", spelling))) == emails(
            all_of(f("contact.country", "in", [spelling]))
        )


# --- Dates ------------------------------------------------------------------------------------

BERLIN = "Europe/Berlin"


@pytest.fixture
def dated(make_contact: Callable[..., Contact], settings: Any) -> None:
    """Last activity around midnight in Berlin (UTC+1 in January)."""
    settings.TIME_ZONE = BERLIN
    for email, when in (
        ("late-on-the-9th@example.com", datetime(2026, 1, 9, 22, 59, tzinfo=UTC)),  # 23:59
        ("early-on-the-10th@example.com", datetime(2026, 1, 9, 23, 0, tzinfo=UTC)),  # 00:00
        ("noon-on-the-10th@example.com", datetime(2026, 1, 10, 11, 0, tzinfo=UTC)),
        ("late-on-the-10th@example.com", datetime(2026, 1, 10, 22, 59, 59, tzinfo=UTC)),
        ("on-the-11th@example.com", datetime(2026, 1, 10, 23, 0, tzinfo=UTC)),  # 00:00 on 11th
        ("on-the-3rd@example.com", datetime(2026, 1, 3, 12, 0, tzinfo=UTC)),
    ):
        contact = make_contact(email)
        Contact.objects.filter(pk=contact.pk).update(last_activity_at=when)
    make_contact("never@example.com")


TENTH = {
    "early-on-the-10th@example.com",
    "noon-on-the-10th@example.com",
    "late-on-the-10th@example.com",
}


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("eq", "2026-01-10", TENTH),
        (
            "neq",
            "2026-01-10",
            {
                "late-on-the-9th@example.com",
                "on-the-11th@example.com",
                "on-the-3rd@example.com",
                "never@example.com",
            },
        ),
        ("gt", "2026-01-10", {"on-the-11th@example.com"}),
        ("lt", "2026-01-10", {"late-on-the-9th@example.com", "on-the-3rd@example.com"}),
        ("empty", None, {"never@example.com"}),
    ],
)
def test_absolute_date_operators_use_the_instance_days(
    dated: None, operator: str, value: Any, expected: set[str]
) -> None:
    assert emails(all_of(f("contact.last_activity_at", operator, value))) == expected


def test_not_empty_dates(dated: None) -> None:
    found = emails(all_of(f("contact.last_activity_at", "not_empty")))
    assert "never@example.com" not in found
    assert len(found) == 6


@pytest.mark.parametrize(
    ("now", "operator", "value", "expected"),
    [
        # 00:30 on the 11th in Berlin, still the 10th in UTC: "today" is the 11th.
        (datetime(2026, 1, 10, 23, 30, tzinfo=UTC), "today", None, {"on-the-11th@example.com"}),
        (datetime(2026, 1, 10, 23, 30, tzinfo=UTC), "yesterday", None, TENTH),
        # 23:30 on the 10th in Berlin: today is the 10th, yesterday the 9th.
        (datetime(2026, 1, 10, 22, 30, tzinfo=UTC), "today", None, TENTH),
        (
            datetime(2026, 1, 10, 22, 30, tzinfo=UTC),
            "yesterday",
            None,
            {"late-on-the-9th@example.com"},
        ),
        # The last 2 days from the 11th: the 10th and the 11th.
        (
            datetime(2026, 1, 10, 23, 30, tzinfo=UTC),
            "last_days",
            2,
            TENTH | {"on-the-11th@example.com"},
        ),
        (datetime(2026, 1, 10, 22, 30, tzinfo=UTC), "last_days", 1, TENTH),
        (
            datetime(2026, 1, 10, 22, 30, tzinfo=UTC),
            "last_days",
            8,
            TENTH | {"late-on-the-9th@example.com", "on-the-3rd@example.com"},
        ),
    ],
)
def test_relative_dates_around_midnight_in_berlin(
    dated: None, now: datetime, operator: str, value: Any, expected: set[str]
) -> None:
    assert emails(all_of(f("contact.last_activity_at", operator, value)), now=now) == expected


def test_a_day_with_a_clock_change_is_23_hours_long(
    make_contact: Callable[..., Contact], settings: Any
) -> None:
    settings.TIME_ZONE = BERLIN
    # 29 March 2026: clocks go from 02:00 to 03:00; the day runs 22:00 UTC → 22:00 UTC.
    for email, when in (
        ("first@example.com", datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
        ("last@example.com", datetime(2026, 3, 29, 21, 59, tzinfo=UTC)),
        ("next-day@example.com", datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
    ):
        contact = make_contact(email)
        Contact.objects.filter(pk=contact.pk).update(last_activity_at=when)
    found = emails(all_of(f("contact.last_activity_at", "eq", "2026-03-29")))
    assert found == {"first@example.com", "last@example.com"}


def test_date_added_has_no_empty_operators() -> None:
    from segments.filters import get_kind

    created = get_kind("contact.created_at")
    activity = get_kind("contact.last_activity_at")
    assert created is not None and activity is not None
    assert created.operator("empty") is None
    assert activity.operator("empty") is not None
