"""The filter registry and stored filters in a marketer's words: the builder's JSON
description and the one-line summaries on the list and detail pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from segments.filters import FilterKind, Widget, all_kinds, chosen_keys, get_kind, short


def describe(kinds: Iterable[FilterKind] | None = None) -> dict[str, Any]:
    """The registry as JSON for static/js/segment_builder.js; each choice set loaded once."""
    kinds = list(all_kinds() if kinds is None else kinds)
    sets = {kind.choices.key: kind.choices for kind in kinds if kind.choices is not None}
    return {
        "kinds": [
            {
                "key": kind.key,
                "label": kind.label,
                "group": kind.group,
                "choices": kind.choices.key if kind.choices else None,
                "operators": [
                    {
                        "key": item.key,
                        "label": item.label,
                        "widget": item.widget.value,
                        "min": item.minimum,
                        "max": item.maximum,
                        "unit": item.unit,
                    }
                    for item in kind.operators
                ],
            }
            for kind in kinds
        ],
        "choices": {key: [list(pair) for pair in choices.load()] for key, choices in sets.items()},
    }


def summarise(
    filters: Mapping[str, Any], labels: dict[str, dict[str, str]] | None = None
) -> list[str]:
    """Each group in words ("Country equals Germany and …"), for list and detail pages.

    Choice keys are shown as labels when the catalogue still has them; pass the same `labels`
    dict for every segment of a page so each choice set is loaded once.
    """
    labels = {} if labels is None else labels
    groups = filters.get("groups") if isinstance(filters, Mapping) else None
    lines = []
    for group in groups if isinstance(groups, list) else ():
        if not isinstance(group, Mapping):
            continue
        items = group.get("filters")
        words = [
            _describe_filter(item, labels)
            for item in (items if isinstance(items, list) else ())
            if isinstance(item, Mapping)
        ]
        joiner = " or " if group.get("match") == "any" else " and "
        lines.append(joiner.join(words) or "(a group without filters)")
    return lines


def _describe_filter(item: Mapping[str, Any], labels: dict[str, dict[str, str]]) -> str:
    kind = get_kind(str(item.get("kind")))
    operator = kind.operator(str(item.get("operator"))) if kind else None
    if kind is None or operator is None:
        return f"(unknown filter “{short(item.get('kind'))}”)"
    value = item.get("value")
    words = [kind.label, operator.label]
    if operator.widget in (Widget.NUMBER, Widget.CHOICES_AND_NUMBER):
        number = value.get("number") if isinstance(value, Mapping) else value
        words.append(f"{number} {operator.unit}".strip())
    if operator.widget in (Widget.TEXT, Widget.DATE):
        words.append(f"“{value}”")
    if operator.widget == Widget.TEXT_LIST:
        parts = value if isinstance(value, list) else ()
        words.append(", ".join(f"“{part}”" for part in parts))
    keys = chosen_keys(value)
    if kind.choices is not None and keys:
        if kind.choices.key not in labels:
            labels[kind.choices.key] = dict(kind.choices.load())
        known = labels[kind.choices.key]
        names = [
            f"“{known[key]}”" if key in known else f"#{key} (no longer listed)" for key in keys
        ]
        words.append(
            ("of " if operator.widget == Widget.CHOICES_AND_NUMBER else "") + ", ".join(names)
        )
    return " ".join(words)
