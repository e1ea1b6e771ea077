"""Test connection: one cheap authenticated call per product, summarised for the admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from gotoplugins import assist, meeting, training, webinar
from gotoplugins.http import GoToApi, goto_api
from gotoplugins.models import GoToAccount
from gotoplugins.oauth import AccountTokens


def _webinars(api: GoToApi, account: GoToAccount) -> str:
    now = timezone.now()
    found = webinar.list_webinars(
        api, account.organizer_key, now - timedelta(days=30), now + timedelta(days=365)
    )
    return f"{len(found)} webinars from the last 30 days to a year ahead."


def _trainings(api: GoToApi, account: GoToAccount) -> str:
    return f"{len(training.list_trainings(api, account.organizer_key))} trainings."


def _meetings(api: GoToApi, account: GoToAccount) -> str:
    return f"{len(meeting.list_upcoming_meetings(api))} upcoming meetings."


def _assist_sessions(api: GoToApi, account: GoToAccount) -> str:
    now = timezone.now()
    found = assist.list_sessions(api, now - timedelta(days=30), now)
    return f"{len(found)} screen-sharing sessions in the last 30 days."


PROBES: dict[str, Callable[[GoToApi, GoToAccount], str]] = {
    "webinar": _webinars,
    "training": _trainings,
    "meeting": _meetings,
    "assist": _assist_sessions,
}


def probe(product: str, account: GoToAccount) -> str:
    """Raises errors.GoToError when GoTo refuses or fails."""
    return PROBES[product](goto_api(AccountTokens(account)), account)
