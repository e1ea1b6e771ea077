"""Reading GoTo JSON into typed values: keys as exact strings, datetimes as aware UTC.

Every shape problem becomes `MalformedResponse`, never a KeyError or TypeError. Messages name
the field and the type found, never the value (values are often e-mail addresses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from gotoplugins.errors import MalformedResponse

# GoTo keys are 64-bit integers, typed int64 in the spec (goto-api.md §0), sometimes negative.
_KEY = re.compile(r"-?[0-9]{1,20}")


@dataclass(frozen=True)
class TimeRange:
    """One scheduled occurrence (`times[]` in goto-api.md §2.2 and §4)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Presence:
    """One join/leave pair of an attendee; `left` is None while the person is still in."""

    joined: datetime
    left: datetime | None


def parse_key(value: object, what: str = "key") -> str:
    """A GoTo key (JSON number or string) as its exact decimal string.

    Floats are refused: a 19-digit key that went through a float has already lost digits.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedResponse(f"{what}: expected a key, got {type(value).__name__}")
    text = str(value).strip()
    if not _KEY.fullmatch(text):
        raise MalformedResponse(f"{what}: expected a key of digits")
    return str(int(text))  # canonical form, so "0123" and 123 compare equal; int() is exact


def parse_datetime(value: object, what: str = "datetime") -> datetime:
    """An ISO 8601 instant ("Z", milliseconds, or an offset) as an aware UTC datetime.

    GoTo documents its instants as UTC (goto-api.md §0), so a value without an offset is UTC.
    """
    if not isinstance(value, str):
        raise MalformedResponse(f"{what}: expected an ISO 8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MalformedResponse(f"{what}: not an ISO 8601 datetime") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    """A query-string instant: UTC with "Z", so no "+" needs encoding (goto-api.md §0)."""
    if value.tzinfo is None:
        raise ValueError("GoTo times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def path_segment(value: str) -> str:
    """A key or id made safe to put in a URL path (no "/", "?" or ".." tricks)."""
    if not value:
        raise ValueError("An empty key cannot be part of a GoTo path")
    return quote(value, safe="")


class Record:
    """One JSON object from GoTo, read field by field.

    Each getter takes several names for fields whose spelling varies (webinarID/webinarId);
    the first present, non-null one wins.
    """

    __slots__ = ("_raw", "what")

    def __init__(self, raw: object, what: str) -> None:
        if not isinstance(raw, dict):
            raise MalformedResponse(f"{what}: expected an object, got {type(raw).__name__}")
        self._raw: dict[str, object] = raw
        self.what = what

    def __repr__(self) -> str:
        return f"Record({self.what!r}, fields={sorted(self._raw)!r})"

    def names(self) -> set[str]:
        return set(self._raw)

    def has(self, *names: str) -> bool:
        return self._first(names) is not None

    def raw(self, *names: str) -> object:
        return self._first(names)

    def key(self, *names: str) -> str:
        return parse_key(self._required(names), self._name(names))

    def optional_key(self, *names: str) -> str:
        value = self._first(names)
        return "" if value is None or value == "" else parse_key(value, self._name(names))

    def web_address(self, *names: str) -> str:
        """A link field: kept only when it is an http(s) address, "" otherwise (it is shown
        as a link: javascript: and the like never reach a page)."""
        value = self.text(*names).strip()
        return value if value.lower().startswith(("https://", "http://")) else ""

    def text(self, *names: str) -> str:
        """A string field, "" when absent; numbers are accepted as their decimal text."""
        value = self._first(names)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise MalformedResponse(
                f"{self._name(names)}: expected text, got {type(value).__name__}"
            )
        return str(value)

    def required_text(self, *names: str) -> str:
        self._required(names)
        return self.text(*names)

    def integer(self, *names: str) -> int | None:
        """An integer field that GoTo sends as a number or a numeric string; None when absent."""
        value = self._first(names)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
            return int(value)
        raise MalformedResponse(f"{self._name(names)}: expected an integer")

    def boolean(self, *names: str) -> bool:
        value = self._first(names)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise MalformedResponse(f"{self._name(names)}: expected true or false")
        return value

    def instant(self, *names: str) -> datetime:
        return parse_datetime(self._required(names), self._name(names))

    def optional_instant(self, *names: str) -> datetime | None:
        value = self._first(names)
        return None if value is None or value == "" else parse_datetime(value, self._name(names))

    def record(self, *names: str) -> Record | None:
        value = self._first(names)
        return None if value is None else Record(value, self._name(names))

    def records(self, *names: str) -> list[Record]:
        """A list of objects; an absent or null list is empty."""
        return as_records(self._first(names) or [], self._name(names))

    def _first(self, names: tuple[str, ...]) -> object:
        for name in names:
            value = self._raw.get(name)
            if value is not None:
                return value
        return None

    def _required(self, names: tuple[str, ...]) -> object:
        value = self._first(names)
        if value is None:
            raise MalformedResponse(f"{self._name(names)}: missing")
        return value

    def _name(self, names: tuple[str, ...]) -> str:
        return f"{self.what}.{'/'.join(names)}"


def as_records(value: object, what: str) -> list[Record]:
    """A JSON array of objects (a plain-array answer, or a list inside one)."""
    if not isinstance(value, list):
        raise MalformedResponse(f"{what}: expected a list, got {type(value).__name__}")
    return [Record(item, f"{what}[{index}]") for index, item in enumerate(value)]


def time_ranges(items: list[Record], start: str, end: str) -> tuple[TimeRange, ...]:
    return tuple(TimeRange(start=item.instant(start), end=item.instant(end)) for item in items)


def presences(items: list[Record]) -> tuple[Presence, ...]:
    """Join/leave pairs; G2W `attendance[]`, G2T `inSessionTimes[]` (goto-api.md §2.5, §4)."""
    return tuple(
        Presence(joined=item.instant("joinTime"), left=item.optional_instant("leaveTime"))
        for item in items
    )


def text_of(body: object, what: str) -> str:
    """A bare JSON string answer (G2T start and manage URLs, goto-api.md §4)."""
    if not isinstance(body, str) or not body:
        raise MalformedResponse(f"{what}: expected a JSON string")
    return body
