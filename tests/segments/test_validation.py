"""Bad filter definitions end as clear messages, never as SQL or a crash."""

from __future__ import annotations

from typing import Any

import pytest

from segments import describe, filters
from tests.segments.conftest import all_of, f


def problems(data: Any) -> list[str]:
    with pytest.raises(filters.FilterError) as caught:
        filters.validate(data, check_choices=False)
    return [str(problem) for problem in caught.value.problems]


def test_no_groups_is_a_list_kept_by_hand() -> None:
    assert filters.validate({"match": "all", "groups": []}) == {"match": "all", "groups": []}
    assert filters.validate({}) == {"match": "all", "groups": []}


def test_a_valid_definition_comes_back_in_its_stored_form() -> None:
    data = {
        "match": "any",
        "groups": [
            {
                "match": "all",
                "filters": [
                    {"kind": "contact.country", "operator": "eq", "value": " Germany "},
                    {"kind": "contact.country", "operator": "in", "value": ["A", "A", " ", "B"]},
                    {"kind": "contact.last_activity_at", "operator": "last_days", "value": "7"},
                    {"kind": "contact.email", "operator": "empty", "value": "ignored"},
                ],
                "extra": "dropped",
            }
        ],
    }
    assert filters.validate(data) == {
        "match": "any",
        "groups": [
            {
                "match": "all",
                "filters": [
                    {"kind": "contact.country", "operator": "eq", "value": "Germany"},
                    {"kind": "contact.country", "operator": "in", "value": ["A", "B"]},
                    {"kind": "contact.last_activity_at", "operator": "last_days", "value": 7},
                    {"kind": "contact.email", "operator": "empty", "value": None},
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "The filters must be an object with groups."),
        ([], "The filters must be an object with groups."),
        ({"groups": "x"}, "The filter groups must be a list."),
        ({"match": "most", "groups": []}, "Choose whether all or any"),
        ({"groups": [1]}, "Group 1: This group cannot be read."),
        ({"groups": [{"filters": []}]}, "Group 1: This group has no filters"),
        ({"groups": [{"match": "all"}]}, "Group 1: This group has no filters"),
        (all_of("not a filter"), "Group 1, filter 1: This filter cannot be read."),  # type: ignore[arg-type]
        (all_of(f("contact.shoe_size", "eq", "9")), "Unknown filter “contact.shoe_size”"),
        (all_of(f("x" * 500, "eq", "9")), "Unknown filter “xxxxxxxx"),
        (all_of(f("contact.country", "like", "x")), "Country: choose a condition."),
        (all_of(f("contact.country", "eq", "")), "Country: enter a value."),
        (all_of(f("contact.country", "eq", "   ")), "Country: enter a value."),
        (all_of(f("contact.country", "eq", 42)), "Country: enter a value."),
        (all_of(f("contact.country", "eq", ["x"])), "Country: enter a value."),
        (all_of(f("contact.country", "eq", "x" * 256)), "enter at most 255 characters"),
        (all_of(f("contact.country", "eq", "Ger\x00many")), "Country: remove the null character."),
        (all_of(f("contact.country", "in", ["a\x00"])), "Country: remove the null character."),
        (all_of(f("contact.country", "in", "Germany")), "enter a list of values"),
        (all_of(f("contact.country", "in", [])), "enter at least one value"),
        (all_of(f("contact.country", "in", ["x"] * 501)), "enter at most 500 values"),
        (all_of(f("contact.country", "in", [{"a": 1}])), "enter a value"),
        (all_of(f("contact.created_at", "eq", "yesterday")), "enter a date as YYYY-MM-DD"),
        (all_of(f("contact.created_at", "eq", "2026-02-30")), "enter a date as YYYY-MM-DD"),
        (all_of(f("contact.created_at", "eq", "0001-01-01")), "enter a date as YYYY-MM-DD"),
        (all_of(f("contact.created_at", "eq", "2026-W49-4")), "enter a date as YYYY-MM-DD"),
        (all_of(f("contact.created_at", "last_days", 0)), "from 1 to 36500 days"),
        (all_of(f("contact.created_at", "last_days", 10**30)), "from 1 to 36500 days"),
        (all_of(f("contact.created_at", "last_days", -1)), "from 1 to 36500 days"),
        (all_of(f("contact.created_at", "last_days", 1.5)), "enter a whole number"),
        (all_of(f("contact.created_at", "last_days", True)), "enter a whole number"),
        (all_of(f("contact.created_at", "last_days", "1e9")), "enter a whole number"),
        (all_of(f("contact.created_at", "last_days", float("nan"))), "enter a whole number"),
        (all_of(f("goto.webinar.attended", "any_of", "101")), "choose from the list"),
        (all_of(f("goto.webinar.attended", "any_of", [None])), "choose from the list"),
        (all_of(f("goto.webinar.attended", "any_of", ["1" * 65])), "choose from the list"),
        (all_of(f("goto.webinar.attended", "any_of", ["10\x001"])), "choose from the list"),
        (all_of(f("goto.webinar.attended", "min_minutes", [])), "choose from the list and"),
        (
            all_of(f("goto.webinar.attended", "min_minutes", {"choices": []})),
            "enter a whole number",
        ),
        ({"groups": [{"filters": [f("contact.country", "empty")]}] * 21}, "at most 20 groups"),
        ({"groups": [{"filters": [f("contact.country", "empty")] * 101}]}, "at most 100 filters"),
    ],
)
def test_bad_definitions_are_explained(data: Any, message: str) -> None:
    found = problems(data)
    assert any(message in text for text in found), found


def test_every_problem_is_reported_with_its_place() -> None:
    data = {
        "match": "all",
        "groups": [
            {"match": "all", "filters": [f("contact.country", "eq", "ok")]},
            {"match": "any", "filters": [f("contact.country", "eq", ""), f("nope", "eq", "x")]},
        ],
    }
    with pytest.raises(filters.FilterError) as caught:
        filters.validate(data)
    places = [(p.group, p.index) for p in caught.value.problems]
    assert places == [(1, 0), (1, 1)]
    assert caught.value.problems[0].as_dict() == {
        "group": 1,
        "filter": 0,
        "message": "Country: enter a value.",
    }


def test_the_summary_reads_like_a_sentence() -> None:
    data = filters.validate(
        {
            "match": "all",
            "groups": [
                {
                    "match": "any",
                    "filters": [
                        f("contact.country", "in", ["Germany", "Austria"]),
                        f("contact.last_activity_at", "last_days", 7),
                    ],
                },
                {"match": "all", "filters": [f("goto.webinar.attended", "any")]},
            ],
        }
    )
    assert describe.summarise(data) == [
        "Country is any of “Germany”, “Austria” or Last activity is in the last 7 days",
        "GoToWebinar attended any event",
    ]
    assert describe.summarise({"groups": [{"filters": [{"kind": "gone"}]}]}) == [
        "(unknown filter “gone”)"
    ]
