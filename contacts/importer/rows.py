"""Checking one row against the mapping, and merging repeated emails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from contacts import services
from contacts.importer.mapping import CUSTOM_PREFIX, column_label, mapping_problems
from contacts.importer.reading import ImportFileError, Record
from contacts.models import CONTACT_FIELDS


@dataclass(frozen=True)
class RowOutcome:
    line: int
    email: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    raw_email: str = ""


class RowChecker:
    """Turns records into cleaned values with the contact model's own rules."""

    def __init__(self, headers: Sequence[str], mapping: Mapping[str, str]) -> None:
        self.headers = list(headers)
        problems = mapping_problems(mapping, headers)
        if problems:
            raise ImportFileError(" ".join(problems))
        targets = {int(key): target for key, target in mapping.items() if target}
        self.email_index = next(index for index, target in targets.items() if target == "email")
        self.fields = {i: t for i, t in targets.items() if t in CONTACT_FIELDS}
        self.custom = {
            i: t.removeprefix(CUSTOM_PREFIX)
            for i, t in targets.items()
            if t.startswith(CUSTOM_PREFIX)
        }
        # Time zones are checked against a list the model rebuilds from disk on every call:
        # a file has few distinct zones, so each is checked once.
        self._time_zones: dict[str, str | ValidationError] = {}

    def check(self, record: Record) -> RowOutcome:
        cells = record.cells
        raw_email = _cell(cells, self.email_index)
        extra = [cell for cell in cells[len(self.headers) :] if cell.strip()]
        if extra:
            return RowOutcome(record.line, error=self._too_wide(cells), raw_email=raw_email)
        try:
            email = services.clean_email(raw_email)
        except ValidationError as error:
            return RowOutcome(
                record.line, error=_email_reason(raw_email, error), raw_email=raw_email
            )
        values, problems = self._clean_fields(cells)
        if problems:
            return RowOutcome(record.line, error="; ".join(problems), raw_email=raw_email)
        custom = {name: value for i, name in self.custom.items() if (value := _cell(cells, i))}
        if custom:
            values["custom_fields"] = custom
        return RowOutcome(record.line, email, values, raw_email=raw_email)

    def _clean_fields(self, cells: list[str]) -> tuple[dict[str, Any], list[str]]:
        raw = {name: value for i, name in self.fields.items() if (value := _cell(cells, i))}
        problems: list[str] = []
        zone = raw.pop("time_zone", "")
        try:
            values = services.clean_contact_fields(raw)
        except ValidationError as error:
            values = {}
            problems += [self._reason(name, error) for name, error in _by_field(error)]
        if zone:
            checked = self._time_zone(zone)
            if isinstance(checked, ValidationError):
                problems.append(self._reason("time_zone", checked))
            else:
                values["time_zone"] = checked
        return values, problems

    def _time_zone(self, zone: str) -> str | ValidationError:
        if zone not in self._time_zones:
            try:
                checked = services.clean_contact_fields({"time_zone": zone})["time_zone"]
            except ValidationError as error:
                checked = next(error for _, error in _by_field(error))
            self._time_zones[zone] = checked
        return self._time_zones[zone]

    def _reason(self, name: str, error: ValidationError) -> str:
        index = next(i for i, target in self.fields.items() if target == name)
        return f"{column_label(self.headers, index)}: {' '.join(error.messages)}"

    def _too_wide(self, cells: list[str]) -> str:
        return (
            f"The row has {len(cells)} values but the header has {len(self.headers)} columns "
            f"(is a value containing the separator missing its quotes?)."
        )


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _by_field(error: ValidationError) -> list[tuple[str, ValidationError]]:
    return [(name, ValidationError(messages)) for name, messages in error.message_dict.items()]


def _email_reason(raw: str, error: ValidationError) -> str:
    if not raw:
        return "The email is missing."
    shown = raw if len(raw) <= 80 else f"{raw[:80]}…"
    return f"Email “{shown}”: {' '.join(error.messages)}"


def merge_values(earlier: dict[str, Any], later: Mapping[str, Any]) -> dict[str, Any]:
    """Values of two rows for one email: later non-empty values win, custom fields key by key."""
    merged = {**earlier, **later}
    if "custom_fields" in earlier and "custom_fields" in later:
        merged["custom_fields"] = {**earlier["custom_fields"], **later["custom_fields"]}
    return merged
