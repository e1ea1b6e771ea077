"""Key, token and time helpers shared by the seed and the views."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

_LOW = 10**18  # smallest 19-digit number
_HIGH = 2**63 - 1  # largest int64: GoTo keys are signed 64-bit


def make_key(*parts: object) -> str:
    """A 19-digit int64 key derived from `parts`: the same parts give the same key."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return str(_LOW + int.from_bytes(digest, "big") % (_HIGH - _LOW))


def make_short_id(*parts: object, digits: int = 9) -> str:
    """A human-facing id (webinarID, trainingId, meetingId) of `digits` digits."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    low = 10 ** (digits - 1)
    return str(low + int.from_bytes(digest, "big") % (9 * low))


def random_key() -> str:
    return str(secrets.randbelow(_HIGH - _LOW) + _LOW)


def new_secret(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(32)}"


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z, to the second, as GoTo answers."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime | None:
    """Parse an ISO 8601 instant; naive values are taken as UTC. None when malformed."""
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
