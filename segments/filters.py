"""The segment filter registry: what a segment can filter on, and how it becomes SQL.

A filter kind (say "contact.country", or GoTo's "goto.webinar.attended") declares its label,
the group it is listed under in the builder, its operators (each with the value widget it
needs) and a function turning (operator, value) into a Q on Contact. A segment's filters are
then one queryset, and a rebuild is a few set operations in SQL (segments.rebuild).

segments registers the contact-field kinds (segments.field_filters); other apps register
theirs from their AppConfig.ready(). Nothing is discovered by import magic.

Stored filters are checked by validate() on every save and again before every rebuild, so a
tampered or outdated definition ends as a FilterError with a message, never as bad SQL.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator as op
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Q
from django.utils import timezone

MAX_GROUPS = 20
MAX_FILTERS = 100
MAX_TEXT = 255
MAX_LIST = 500
MATCHES = ("all", "any")

# Conditions that are always false / always true yet plain SQL: an empty choice list or an
# event that no longer exists must never reach the database as `IN ()`.
MATCH_NOTHING = Q(pk__isnull=True)
MATCH_EVERYONE = Q(pk__isnull=False)


class Widget(StrEnum):
    """How the builder asks for an operator's value, and the value's JSON shape."""

    NONE = "none"  # null
    TEXT = "text"  # "text"
    TEXT_LIST = "text_list"  # ["text", …]
    NUMBER = "number"  # 12
    DATE = "date"  # "2026-03-01", a day in the instance's time zone
    CHOICES = "choices"  # ["key", …] from the kind's choice set
    CHOICES_AND_NUMBER = "choices_and_number"  # {"choices": [… or empty for any], "number": 12}


@dataclass(frozen=True)
class Operator:
    key: str
    label: str
    widget: Widget = Widget.NONE
    minimum: int = 0  # for numbers
    maximum: int = 100_000
    unit: str = ""  # shown after a number input: "days", "minutes"


@dataclass(frozen=True)
class ChoiceSet:
    """Choices shared by several kinds (every webinar, say), loaded once per page or check."""

    key: str
    load: Callable[[], list[tuple[str, str]]]


@dataclass(frozen=True)
class FilterContext:
    """When and where a filter is evaluated: dates are days in the instance's time zone."""

    now: dt.datetime
    zone: dt.tzinfo

    @classmethod
    def current(cls, now: dt.datetime | None = None) -> FilterContext:
        return cls(now or timezone.now(), timezone.get_default_timezone())


Builder = Callable[[str, Any, FilterContext], Q]


@dataclass(frozen=True)
class FilterKind:
    key: str
    label: str
    group: str
    operators: tuple[Operator, ...]
    build: Builder = field(compare=False)
    choices: ChoiceSet | None = field(default=None, compare=False)
    # Within a group, cheaper conditions are put first (all and any are order-free): a
    # column comparison (0) before a subquery (10) spares SQLite the subquery for most rows.
    cost: int = 0

    def operator(self, key: str) -> Operator | None:
        return next((item for item in self.operators if item.key == key), None)


_KINDS: dict[str, FilterKind] = {}


def register_kind(kind: FilterKind) -> None:
    known = _KINDS.get(kind.key)
    if known is not None and known != kind:
        raise ValueError(f"Segment filter kind {kind.key!r} is already registered.")
    _KINDS[kind.key] = kind


def get_kind(key: str) -> FilterKind | None:
    return _KINDS.get(key)


def all_kinds() -> list[FilterKind]:
    """In registration order, which is the order the builder lists them in."""
    return list(_KINDS.values())


# --- Validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    message: str
    group: int | None = None  # 0-based positions, for the builder to point at the row
    index: int | None = None

    def __str__(self) -> str:
        if self.group is None:
            return self.message
        where = f"Group {self.group + 1}"
        if self.index is not None:
            where += f", filter {self.index + 1}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.group, "filter": self.index, "message": self.message}


class FilterError(ValueError):
    """The filters cannot be used; `problems` says where and why, in words for a marketer."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


class _Invalid(Exception):
    pass


def validate(data: Any, *, check_choices: bool = True) -> dict[str, Any]:
    """The filters in their stored form, or FilterError listing every problem found.

    check_choices=False skips asking the catalogue whether chosen items still exist: a
    rebuild treats a vanished item as matching nobody instead of failing.
    """
    if not isinstance(data, Mapping):
        raise FilterError([Problem("The filters must be an object with groups.")])
    problems: list[Problem] = []
    match = _clean_match(data.get("match", "all"), problems, None)
    groups = data.get("groups", [])
    if not isinstance(groups, list):
        raise FilterError([Problem("The filter groups must be a list.")])
    if len(groups) > MAX_GROUPS:
        raise FilterError([Problem(f"Use at most {MAX_GROUPS} groups.")])
    if sum(_count_filters(group) for group in groups) > MAX_FILTERS:
        raise FilterError([Problem(f"Use at most {MAX_FILTERS} filters in all.")])
    known = _ChoiceCache() if check_choices else None
    cleaned = [_clean_group(g, number, problems, known) for number, g in enumerate(groups)]
    if problems:
        raise FilterError(problems)
    return {"match": match, "groups": cleaned}


def _count_filters(group: Any) -> int:
    items = group.get("filters") if isinstance(group, Mapping) else None
    return len(items) if isinstance(items, list) else 0


def _clean_match(value: Any, problems: list[Problem], group: int | None) -> str:
    if value not in MATCHES:
        problems.append(Problem("Choose whether all or any of the conditions must match.", group))
        return "all"
    return str(value)


def _clean_group(
    group: Any, number: int, problems: list[Problem], known: _ChoiceCache | None
) -> dict[str, Any]:
    if not isinstance(group, Mapping):
        problems.append(Problem("This group cannot be read.", number))
        return {}
    match = _clean_match(group.get("match", "all"), problems, number)
    items = group.get("filters")
    if not isinstance(items, list) or not items:
        problems.append(Problem("This group has no filters: add one or remove the group.", number))
        return {"match": match, "filters": []}
    cleaned = []
    for index, item in enumerate(items):
        try:
            cleaned.append(clean_filter(item, known))
        except _Invalid as error:
            problems.append(Problem(str(error), number, index))
    return {"match": match, "filters": cleaned}


def clean_filter(item: Any, known: _ChoiceCache | None = None) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise _Invalid("This filter cannot be read.")
    kind = get_kind(str(item.get("kind") or ""))
    if kind is None:
        raise _Invalid(f"Unknown filter “{short(item.get('kind'))}”: remove it.")
    operator = kind.operator(str(item.get("operator") or ""))
    if operator is None:
        raise _Invalid(f"{kind.label}: choose a condition.")
    try:
        value = _clean_value(operator, item.get("value"))
    except _Invalid as error:
        raise _Invalid(f"{kind.label}: {error}") from None
    if known is not None and kind.choices is not None:
        _check_choices(kind, value, known)
    return {"kind": kind.key, "operator": operator.key, "value": value}


def short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


# --- Values -----------------------------------------------------------------------------------


def _clean_value(operator: Operator, value: Any) -> Any:
    cleaners: dict[Widget, Callable[[Operator, Any], Any]] = {
        Widget.NONE: lambda _o, _v: None,
        Widget.TEXT: lambda _o, v: _text(v),
        Widget.TEXT_LIST: lambda _o, v: _text_list(v),
        Widget.NUMBER: _number,
        Widget.DATE: lambda _o, v: _date(v),
        Widget.CHOICES: lambda _o, v: _keys(v, required=True),
        Widget.CHOICES_AND_NUMBER: _keys_and_number,
    }
    return cleaners[operator.widget](operator, value)


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("enter a value.")
    text = value.strip()
    if "\x00" in text:
        # PostgreSQL cannot store or compare text with NUL bytes; no contact field holds one.
        raise _Invalid("remove the null character.")
    if len(text) > MAX_TEXT:
        raise _Invalid(f"enter at most {MAX_TEXT} characters.")
    return text


def _text_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid("enter a list of values, one per line.")
    if len(value) > MAX_LIST:
        raise _Invalid(f"enter at most {MAX_LIST} values.")
    texts = [_text(item) for item in value if not (isinstance(item, str) and not item.strip())]
    if not texts:
        raise _Invalid("enter at least one value.")
    return list(dict.fromkeys(texts))


def _number(operator: Operator, value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 9:
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid("enter a whole number.")
    if not operator.minimum <= value <= operator.maximum:
        unit = f" {operator.unit}" if operator.unit else ""
        raise _Invalid(f"enter a number from {operator.minimum} to {operator.maximum}{unit}.")
    return value


def _date(value: Any) -> str:
    try:
        # Only YYYY-MM-DD: fromisoformat would also take week dates such as 2026-W49-4.
        plain = isinstance(value, str) and ISO_DAY.fullmatch(value) is not None
        day = dt.date.fromisoformat(value) if plain else None
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 2999:
        raise _Invalid("enter a date as YYYY-MM-DD.")
    return day.isoformat()


def _keys(value: Any, *, required: bool) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str | int) for item in value):
        raise _Invalid("choose from the list.")
    if len(value) > MAX_LIST:
        raise _Invalid(f"choose at most {MAX_LIST}.")
    keys = list(dict.fromkeys(str(item).strip() for item in value if str(item).strip()))
    if any(len(key) > 64 or "\x00" in key for key in keys):
        raise _Invalid("choose from the list.")
    if required and not keys:
        raise _Invalid("choose at least one.")
    return keys


def _keys_and_number(operator: Operator, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _Invalid("choose from the list and enter a number.")
    return {
        "choices": _keys(value.get("choices", []), required=False),
        "number": _number(operator, value.get("number")),
    }


def chosen_keys(value: Any) -> list[str]:
    """The choice keys inside a cleaned value, whatever its widget."""
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, Mapping):
        return [str(item) for item in value.get("choices") or []]
    return []


class _ChoiceCache:
    """Each choice set is loaded at most once per validation."""

    def __init__(self) -> None:
        self._loaded: dict[str, set[str]] = {}

    def keys(self, choices: ChoiceSet) -> set[str]:
        if choices.key not in self._loaded:
            self._loaded[choices.key] = {key for key, _label in choices.load()}
        return self._loaded[choices.key]


def _check_choices(kind: FilterKind, value: Any, known: _ChoiceCache) -> None:
    assert kind.choices is not None
    chosen = chosen_keys(value)
    if not chosen:
        return
    missing = [key for key in chosen if key not in known.keys(kind.choices)]
    if missing:
        listed = ", ".join(missing[:5]) + ("…" if len(missing) > 5 else "")
        raise _Invalid(f"{kind.label}: no longer in the catalogue: {listed}. Remove it.")


# --- Building the query -----------------------------------------------------------------------


def build_q(filters: Mapping[str, Any], context: FilterContext) -> Q:
    """One Q on Contact for validated filters. No groups at all: nobody (a hand-kept list)."""
    groups = [
        _combine(
            [_build_one(item, context) for item in sorted(group["filters"], key=_cost)],
            group["match"],
        )
        for group in filters["groups"]
    ]
    return _combine(groups, filters["match"]) if groups else MATCH_NOTHING


def _cost(item: Mapping[str, Any]) -> int:
    kind = get_kind(item["kind"])
    return kind.cost if kind else 0


def _build_one(item: Mapping[str, Any], context: FilterContext) -> Q:
    kind = get_kind(item["kind"])
    if kind is None:  # validate() has already said so; kept for direct callers
        raise FilterError([Problem(f"Unknown filter “{short(item['kind'])}”.")])
    return kind.build(item["operator"], item["value"], context)


def _combine(parts: Iterable[Q], match: str) -> Q:
    return functools.reduce(op.and_ if match == "all" else op.or_, parts)
