"""Contract tests: the real GoTo clients over real HTTP against the emulator on live_server.

Nothing is mocked. Each test gets a freshly seeded emulator (seed 42, anchored at midnight UTC
of the day the run started), a GoToAccount connected through the emulator's consent form and
`connections.complete_authorization`, and a `GoToApi` built by `gotoplugins.http.goto_api`.
Expected values come from the seed's own key derivation and from the emulator's tables, never
from the client under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.db import connection, connections

from gotoplugins import connections as goto_connections
from gotoplugins import oauth
from gotoplugins.emulator import faults
from gotoplugins.emulator.keys import make_key, make_short_id
from gotoplugins.emulator.models import RequestLog
from gotoplugins.http import GoToApi, goto_api
from gotoplugins.models import GoToAccount

SEED = 42
WEBINARS = 8  # enough for a past series webinar (index 3): two held sessions
REGISTRANTS_PER_WEBINAR = 450  # 3 flat registrant pages of 200, 3 HAL attendee pages
TRAININGS = 3
REGISTRANTS_PER_TRAINING = 8
MEETINGS = 3
ATTENDEES_PER_MEETING = 4
ASSIST_SESSIONS = 3
# Fixed for the run; every seeded date is at least two days away from it, so the time of day
# the suite runs at does not change which events are past and which are upcoming.
ANCHOR = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
MOUNT = "/goto-emulator"
CALLBACK_PATH = "/plugins/oauth/callback/"
# A writer waiting on SQLite's database lock gives up after this long, so a lock held across
# an HTTP call shows up as a failure within seconds instead of a 20 s stall.
SQLITE_BUSY_TIMEOUT = 0.1
ON_SQLITE = connection.vendor == "sqlite"


def webinar_key(index: int) -> str:
    return make_key(SEED, "webinar", index)


def training_key(index: int) -> str:
    return make_key(SEED, "training", index)


def meeting_key(index: int) -> str:
    return make_short_id(SEED, "meeting", index)


def seeded_registrant_key(event_key: str, index: int) -> str:
    return make_key(SEED, "registrant", event_key, index)


def session_key(event_key: str, index: int) -> str:
    return make_key(SEED, "session", event_key, index)


ORGANIZER_KEY = make_key(SEED, "organizer", 0)
ACCOUNT_KEY = make_key(SEED, "account", 0)


def webinar_start(index: int) -> datetime:
    """Seed schedule: weekly from two days after the anchor, half of them in the past, 15:00."""
    return ANCHOR + timedelta(days=(index - WEBINARS // 2) * 7 + 2, hours=15)


def training_start(index: int) -> datetime:
    return ANCHOR + timedelta(days=(index - TRAININGS // 2) * 10 + 2, hours=14)


def meeting_start(index: int) -> datetime:
    return ANCHOR + timedelta(days=(index - (MEETINGS + 1) // 2) * 3 + 2, hours=8)


def whole(value: datetime) -> datetime:
    """GoTo's answers carry whole seconds."""
    return value.astimezone(UTC).replace(microsecond=0)


def emulator_requests(path: str = "*", method: str = "*") -> list[RequestLog]:
    return faults.requests(path, method)


def request_body(entry: RequestLog) -> Any:
    return json.loads(entry.body)


@dataclass(frozen=True)
class Site:
    """The live server and the URLs the emulator builds on it."""

    url: str

    @property
    def emulator(self) -> str:
        return f"{self.url}{MOUNT}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}{CALLBACK_PATH}"

    def app_url(self, *parts: str) -> str:
        """A join/start/launch link the emulator hands out (its own small pages)."""
        return f"{self.emulator}/_app/{'/'.join(parts)}"


@dataclass
class Connected:
    """A GoTo account connected to the seeded emulator, and the API the clients use."""

    site: Site
    account: GoToAccount
    api: GoToApi

    def tokens(self) -> oauth.AccountTokens:
        return oauth.AccountTokens(GoToAccount.objects.get(pk=self.account.pk))

    def api_with(self, **options: Any) -> GoToApi:
        """The same seam with injected options (e.g. a sleep that does not sleep)."""
        return GoToApi(self.api.base_url, self.tokens(), **options)

    def secrets(self) -> list[str]:
        account = GoToAccount.objects.get(pk=self.account.pk)
        return [s for s in (account.access_token, account.refresh_token) if s]


class _FormReader(HTMLParser):
    """The consent page's form: its action and every input's name and value."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")
        elif tag == "button" and values.get("name"):
            self.buttons[values.get("value", "")] = values["name"]


@pytest.fixture(autouse=True)
def _fast_sqlite_lock_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    if ON_SQLITE:
        options = connections.settings["default"].setdefault("OPTIONS", {})
        monkeypatch.setitem(options, "timeout", SQLITE_BUSY_TIMEOUT)


@pytest.fixture
def site(live_server: Any, settings: Any) -> Iterator[Site]:
    """The emulator mounted on live_server, Convene's GoTo URLs pointing at it."""
    base = str(live_server.url)
    settings.ROOT_URLCONF = "tests.gotoplugins.emulator.urls"
    settings.GOTO_EMULATOR = True
    settings.SITE_URL = base
    settings.GOTO_API_BASE_URL = settings.GOTO_AUTH_BASE_URL = f"{base}{MOUNT}"
    yield Site(base)


@pytest.fixture
def seeded(site: Site) -> Site:
    call_command(
        "goto_emulator_seed",
        "--reset",
        f"--seed={SEED}",
        f"--anchor={ANCHOR.date().isoformat()}",
        f"--webinars={WEBINARS}",
        f"--registrants-per-webinar={REGISTRANTS_PER_WEBINAR}",
        f"--trainings={TRAININGS}",
        f"--registrants-per-training={REGISTRANTS_PER_TRAINING}",
        f"--meetings={MEETINGS}",
        f"--attendees-per-meeting={ATTENDEES_PER_MEETING}",
        f"--assist-sessions={ASSIST_SESSIONS}",
        verbosity=0,
    )
    return site


def authorize_over_http(site: Site, account: GoToAccount, state: str) -> str:
    """Convene's authorize URL, the consent page, Allow; returns the code from the redirect."""
    browser = requests.Session()
    url = oauth.authorization_url(account, site.redirect_uri, state)
    page = browser.get(url, allow_redirects=False, timeout=5)
    assert page.status_code == 200, page.text
    form = _FormReader()
    form.feed(page.text)
    assert form.buttons.get("allow") == "decision", form.buttons
    answer = browser.post(
        urljoin(url, form.action or ""),
        data={**form.fields, "decision": "allow"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(site.redirect_uri + "?"), location
    params = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    assert params["state"] == state
    return params["code"]


def connect(site: Site) -> tuple[GoToAccount, str]:
    """A new account connected as Convene's callback does it; returns it and the code used."""
    account = GoToAccount.objects.create(
        name="Events team", client_id="convene-demo", client_secret="convene-demo-secret"
    )
    code = authorize_over_http(site, account, state="contract-state")
    goto_connections.complete_authorization(account, code, site.redirect_uri)
    account.refresh_from_db()
    return account, code


@pytest.fixture
def connected(seeded: Site) -> Connected:
    account, _ = connect(seeded)
    faults.clear_log()  # each test sees only its own calls
    return Connected(seeded, account, goto_api(oauth.AccountTokens(account)))
