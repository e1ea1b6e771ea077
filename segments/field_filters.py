"""The contact-field filter kinds, registered by SegmentsConfig.ready().

Text comparisons ignore letter case: both sides are lower-cased by the database, the same way
for "equals" and "is any of" (SQLite folds ASCII letters only, as its LIKE does). Dates are
days in the instance's time zone (segments.dates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.lookups import (
    Contains,
    EndsWith,
    Exact,
    GreaterThan,
    In,
    LessThan,
    StartsWith,
)

from contacts.models import Contact
from segments import dates
from segments.filters import FilterContext, FilterKind, Operator, Widget, register_kind

TEXT_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "job_title",
    "phone",
    "country",
    "time_zone",
)
DATE_FIELDS = (("created_at", "Date added"), ("last_activity_at", "Last activity"))

TEXT_OPERATORS = (
    Operator("eq", "equals", Widget.TEXT),
    Operator("neq", "does not equal", Widget.TEXT),
    Operator("contains", "contains", Widget.TEXT),
    Operator("starts", "starts with", Widget.TEXT),
    Operator("ends", "ends with", Widget.TEXT),
    Operator("empty", "is empty"),
    Operator("not_empty", "is not empty"),
    Operator("in", "is any of", Widget.TEXT_LIST),
    Operator("not_in", "is none of", Widget.TEXT_LIST),
    Operator("gt", "is greater than", Widget.TEXT),
    Operator("lt", "is less than", Widget.TEXT),
)

DATE_OPERATORS = (
    Operator("eq", "is on", Widget.DATE),
    Operator("neq", "is not on", Widget.DATE),
    Operator("gt", "is after", Widget.DATE),
    Operator("lt", "is before", Widget.DATE),
    Operator("today", "is today"),
    Operator("yesterday", "is yesterday"),
    Operator("last_days", "is in the last", Widget.NUMBER, minimum=1, maximum=36_500, unit="days"),
    Operator("empty", "is empty"),
    Operator("not_empty", "is not empty"),
)


def text_builder(name: str) -> Callable[[str, Any, FilterContext], Q]:
    def build(operator: str, value: Any, context: FilterContext) -> Q:
        lowered = Lower(F(name))
        text = value.lower() if isinstance(value, str) else ""
        match operator:
            case "eq":
                return Q(Exact(lowered, text))
            case "neq":
                return ~Q(Exact(lowered, text))
            case "contains":
                return Q(Contains(lowered, text))
            case "starts":
                return Q(StartsWith(lowered, text))
            case "ends":
                return Q(EndsWith(lowered, text))
            case "empty":
                return Q(**{name: ""})
            case "not_empty":
                return ~Q(**{name: ""})
            case "in":
                return Q(In(lowered, [item.lower() for item in value]))
            case "not_in":
                return ~Q(In(lowered, [item.lower() for item in value]))
            case "gt":
                return Q(GreaterThan(lowered, text))
            case "lt":
                return Q(LessThan(lowered, text))
        raise ValueError(f"Unknown text operator {operator!r}")

    return build


def date_builder(name: str) -> Callable[[str, Any, FilterContext], Q]:
    def between(bounds: dates.Bounds) -> Q:
        return Q(**{f"{name}__gte": bounds[0], f"{name}__lt": bounds[1]})

    def build(operator: str, value: Any, context: FilterContext) -> Q:
        match operator:
            case "eq" | "neq" | "gt" | "lt":
                start, end = dates.day_bounds(dt.date.fromisoformat(value), context.zone)
                return {
                    "eq": between((start, end)),
                    "neq": Q(**{f"{name}__lt": start})
                    | Q(**{f"{name}__gte": end})
                    | Q(**{f"{name}__isnull": True}),
                    "gt": Q(**{f"{name}__gte": end}),
                    "lt": Q(**{f"{name}__lt": start}),
                }[operator]
            case "today" | "yesterday":
                return between(dates.relative_day(operator, context))
            case "last_days":
                return between(dates.last_days(int(value), context))
            case "empty":
                return Q(**{f"{name}__isnull": True})
            case "not_empty":
                return Q(**{f"{name}__isnull": False})
        raise ValueError(f"Unknown date operator {operator!r}")

    return build


def field_label(name: str) -> str:
    return str(Contact._meta.get_field(name).verbose_name).capitalize()  # type: ignore[union-attr]


def register() -> None:
    for name in TEXT_FIELDS:
        register_kind(
            FilterKind(
                f"contact.{name}", field_label(name), "Contact", TEXT_OPERATORS, text_builder(name)
            )
        )
    for name, label in DATE_FIELDS:
        nullable = getattr(Contact._meta.get_field(name), "null", False)
        operators = tuple(
            item for item in DATE_OPERATORS if nullable or item.key not in ("empty", "not_empty")
        )
        register_kind(
            FilterKind(f"contact.{name}", label, "Contact", operators, date_builder(name))
        )
