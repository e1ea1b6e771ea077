"""GoTo's segment filters on registered, attended, no-show and cancelled people across
webinars that share a title, plus trainings, meetings and assist sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Q

from contacts.models import Contact
from gotoplugins.models import Event, Participation
from segments import filters, services
from segments.models import Segment
from tests.segments.conftest import NOW, all_of, f

Kind = Participation.Kind
EVERYONE = {
    "both",
    "no-show",
    "cancelled",
    "other-tour",
    "upcoming",
    "walk-in",
    "nobody",
    "trainee",
    "meeting",
    "assist",
}


@pytest.fixture
def world(
    make_contact: Callable[..., Contact],
    make_event: Callable[..., Event],
    participate: Callable[..., Participation],
) -> dict[str, Any]:
    people = {name: make_contact(f"{name}@example.com") for name in EVERYONE}
    # Two past webinars with the same title, one upcoming one with no registrants yet.
    tour_may = make_event("101", "Product tour", starts_at=NOW - timedelta(days=30))
    tour_june = make_event("102", "Product tour", starts_at=NOW - timedelta(days=2))
    make_event("103", "Product tour", starts_at=NOW + timedelta(days=5))
    upcoming = make_event("104", "Roadmap", starts_at=NOW + timedelta(days=9))
    training = make_event("201", "Onboarding", product="training")
    meeting = make_event("301", "Weekly sync", product="meeting")
    session = make_event("401", "Remote support for Ana", product="assist")

    recent = NOW - timedelta(days=3)
    long_ago = NOW - timedelta(days=40)
    participate(tour_may, people["both"], Kind.REGISTERED, registered_at=long_ago)
    participate(tour_may, people["both"], Kind.ATTENDED, attendance_seconds=45 * 60)
    participate(tour_may, people["no-show"], Kind.REGISTERED, registered_at=long_ago)
    participate(tour_may, people["cancelled"], Kind.REGISTERED, registered_at=long_ago)
    participate(tour_may, people["cancelled"], Kind.CANCELLED)
    participate(tour_june, people["other-tour"], Kind.REGISTERED, registered_at=recent)
    participate(
        tour_june,
        people["other-tour"],
        Kind.ATTENDED,
        attendance_seconds=10 * 60,
        first_join_at=NOW - timedelta(days=2),
    )
    participate(tour_may, people["walk-in"], Kind.ATTENDED, attendance_seconds=5 * 60)
    participate(upcoming, people["upcoming"], Kind.REGISTERED, registered_at=recent)
    participate(training, people["trainee"], Kind.REGISTERED, registered_at=long_ago)
    participate(meeting, people["meeting"], Kind.ATTENDED, attendance_seconds=3600)
    participate(session, people["assist"], Kind.ATTENDED, first_join_at=recent)
    return people


def names(filters_: dict[str, Any]) -> set[str]:
    found = services.matching_contacts(filters_, now=NOW).values_list("email", flat=True)
    return {email.split("@")[0] for email in found}


@pytest.mark.parametrize(
    ("kind", "operator", "value", "expected"),
    [
        ("goto.webinar.registered", "any_of", ["101"], {"both", "no-show"}),
        ("goto.webinar.registered", "any_of", ["101", "102"], {"both", "no-show", "other-tour"}),
        ("goto.webinar.registered", "any", None, {"both", "no-show", "other-tour", "upcoming"}),
        ("goto.webinar.registered", "none_of", ["101"], EVERYONE - {"both", "no-show"}),
        ("goto.webinar.registered", "within_days", 7, {"other-tour", "upcoming"}),
        ("goto.webinar.attended", "any_of", ["101"], {"both", "walk-in"}),
        ("goto.webinar.attended", "any_of", ["102"], {"other-tour"}),
        ("goto.webinar.attended", "any", None, {"both", "walk-in", "other-tour"}),
        ("goto.webinar.attended", "none_of", ["101"], EVERYONE - {"both", "walk-in"}),
        (
            "goto.webinar.attended",
            "min_minutes",
            {"choices": [], "number": 10},
            {"both", "other-tour"},
        ),
        ("goto.webinar.attended", "min_minutes", {"choices": ["101"], "number": 10}, {"both"}),
        ("goto.webinar.attended", "min_minutes", {"choices": ["101"], "number": 46}, set()),
        ("goto.webinar.attended", "within_days", 7, {"other-tour"}),
        ("goto.webinar.no_show", "any_of", ["101"], {"no-show"}),
        ("goto.webinar.no_show", "any_of", ["102"], set()),
        ("goto.webinar.no_show", "any_of", ["104"], set()),  # not held yet
        ("goto.webinar.no_show", "any", None, {"no-show"}),
        ("goto.webinar.no_show", "none_of", ["101"], EVERYONE - {"no-show"}),
        ("goto.training.registered", "any", None, {"trainee"}),
        ("goto.training.no_show", "any_of", ["201"], {"trainee"}),
        ("goto.training.attended", "any", None, set()),
        ("goto.meeting.attended", "any_of", ["301"], {"meeting"}),
        ("goto.meeting.attended", "min_minutes", {"choices": [], "number": 60}, {"meeting"}),
        ("goto.assist.session", "any", None, {"assist"}),
        ("goto.assist.session", "within_days", 7, {"assist"}),
        ("goto.assist.session", "within_days", 2, set()),
    ],
)
def test_goto_filters(
    world: dict[str, Any], kind: str, operator: str, value: Any, expected: set[str]
) -> None:
    assert names(all_of(f(kind, operator, value))) == expected


def test_did_not_attend_is_never_everyone_missing_from_the_attendees(world: dict[str, Any]) -> None:
    no_shows = names(all_of(f("goto.webinar.no_show", "any_of", ["101", "102", "103", "104"])))
    assert no_shows == {"no-show"}
    assert "nobody" not in names(all_of(f("goto.training.no_show", "any")))


def test_nobody_missed_a_webinar_that_was_called_off(
    world: dict[str, Any], make_event: Callable[..., Event], participate: Callable[..., Any]
) -> None:
    called_off = make_event("105", "Cancelled", status=Event.Status.CANCELLED)
    participate(called_off, world["nobody"], Kind.REGISTERED)
    assert names(all_of(f("goto.webinar.no_show", "any_of", ["105"]))) == set()
    assert names(all_of(f("goto.webinar.registered", "any_of", ["105"]))) == {"nobody"}


def test_filters_of_one_product_ignore_the_others(world: dict[str, Any]) -> None:
    assert names(all_of(f("goto.webinar.attended", "any_of", ["301", "401"]))) == set()
    assert names(all_of(f("goto.meeting.attended", "any_of", ["101"]))) == set()


def test_choices_come_from_the_catalogue_labelled_by_date(world: dict[str, Any]) -> None:
    kind = filters.get_kind("goto.webinar.attended")
    assert kind is not None and kind.choices is not None
    choices = dict(kind.choices.load())
    assert set(choices) == {"101", "102", "103", "104"}  # upcoming, no registrants, included
    assert choices["103"].startswith("Product tour · 20 Jun 2026")
    assert choices["102"].startswith("Product tour · 13 Jun 2026")
    assert len({choices["101"], choices["102"], choices["103"]}) == 3
    assert list(choices) == ["104", "103", "102", "101"]  # newest first


def test_same_title_and_time_are_told_apart_by_key(
    goto_account: Any, make_event: Callable[..., Event]
) -> None:
    make_event("7001", "Twin")
    make_event("7002", "Twin")
    kind = filters.get_kind("goto.webinar.registered")
    assert kind is not None and kind.choices is not None
    labels = dict(kind.choices.load())
    assert labels["7001"].endswith("#7001") and labels["7002"].endswith("#7002")


def test_a_cancelled_event_says_so_in_its_label(make_event: Callable[..., Event]) -> None:
    make_event("9", "Gone", status=Event.Status.CANCELLED)
    kind = filters.get_kind("goto.webinar.registered")
    assert kind is not None and kind.choices is not None
    assert dict(kind.choices.load())["9"].endswith("(cancelled)")


# --- Empty and stale choice lists -------------------------------------------------------------


def test_an_event_that_no_longer_exists_matches_nobody_in_a_rebuild(world: dict[str, Any]) -> None:
    stale = all_of(f("goto.webinar.attended", "any_of", ["999999999999"]))
    assert names(stale) == set()
    segment = Segment.objects.create(name="Stale", filters=stale)
    result = services.rebuild(segment, now=NOW)
    assert (result.added, result.error) == (0, "")
    mixed = all_of(f("goto.webinar.attended", "none_of", ["999999999999"]))
    assert names(mixed) == EVERYONE


def test_saving_an_event_that_no_longer_exists_is_refused_with_a_message(
    world: dict[str, Any],
) -> None:
    with pytest.raises(filters.FilterError) as caught:
        filters.validate(all_of(f("goto.webinar.attended", "any_of", ["101", "999"])))
    assert "no longer in the catalogue: 999" in str(caught.value)
    assert caught.value.problems[0].group == 0 and caught.value.problems[0].index == 0


def test_an_empty_choice_list_is_refused_on_save(world: dict[str, Any]) -> None:
    with pytest.raises(filters.FilterError, match="choose at least one"):
        filters.validate(all_of(f("goto.webinar.attended", "any_of", [])))


@pytest.mark.parametrize(("operator", "expected"), [("any_of", set()), ("none_of", EVERYONE)])
def test_an_empty_choice_list_never_reaches_the_sql(
    world: dict[str, Any], operator: str, expected: set[str]
) -> None:
    kind = filters.get_kind("goto.webinar.attended")
    assert kind is not None
    condition = kind.build(operator, [], filters.FilterContext.current(NOW))
    query = Contact.objects.filter(condition | Q(pk__in=[]))
    assert "IN ()" not in str(query.query)
    assert {c.email.split("@")[0] for c in query} == expected


def test_the_catalogue_is_read_once_per_choice_set_when_validating(
    world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    many = all_of(
        f("goto.webinar.attended", "any_of", ["101"]),
        f("goto.webinar.registered", "any_of", ["102"]),
        f("goto.webinar.no_show", "any_of", ["101"]),
        f("goto.training.registered", "any_of", ["201"]),
    )
    with django_assert_num_queries(2):
        filters.validate(many)
