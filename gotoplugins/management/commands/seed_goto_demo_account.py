"""Embedded mode: add a GoTo account holding the emulator's demo OAuth client.

With --connect (make run does it once the server answers) the account is connected through the
real OAuth flow against the emulator over HTTP, and every product is enabled with it, so the
demo's first sync has something to read.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gotoplugins import connections, oauth
from gotoplugins.errors import GoToError
from gotoplugins.models import GoToAccount, ProductConnection
from gotoplugins.products import PRODUCTS
from gotoplugins.views import redirect_uri

DEMO_NAME = "GoTo emulator (demo)"
DEMO_CLIENT_ID = "convene-demo"
DEMO_CLIENT_SECRET = "convene-demo-secret"  # noqa: S105 - the emulator's public demo client
SERVER_WAIT_SECONDS = 60


class Command(BaseCommand):
    help = "Create the demo GoTo account for the local emulator (only with GOTO_EMULATOR=1)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--connect",
            action="store_true",
            help="Also connect it through the emulator (the server must be running at SITE_URL) "
            "and enable every product with it, unless that was done before.",
        )

    def handle(self, *args: Any, connect: bool, **options: Any) -> None:
        if not settings.GOTO_EMULATOR:
            raise CommandError("GOTO_EMULATOR is off: the demo account would point at real GoTo.")
        account, created = GoToAccount.objects.get_or_create(
            client_id=DEMO_CLIENT_ID,
            defaults={"name": DEMO_NAME, "client_secret": DEMO_CLIENT_SECRET},
        )
        if not connect:
            state = "created" if created else "already there"
            self.stdout.write(
                f"GoTo demo account “{account}” {state}: `seed_goto_demo_account --connect` "
                "(which make run does next) or Connect on the Plugins page connects it."
            )
            return
        if account.is_connected or account.connected_at:
            self.stdout.write(f"GoTo demo account “{account}” was connected before; left as is.")
            return
        wait_for_server()
        connect_through_emulator(account)
        enable_products(account)
        self.stdout.write(
            f"GoTo demo account connected as {account.organizer_label}; all four products on."
        )


def wait_for_server() -> None:
    deadline = time.monotonic() + SERVER_WAIT_SECONDS
    while True:
        try:
            requests.get(f"{settings.SITE_URL}/health/", timeout=2).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise CommandError(f"Convene did not answer at {settings.SITE_URL}.") from None
            time.sleep(0.5)


def connect_through_emulator(account: GoToAccount) -> None:
    """The authorization-code flow, with the emulator's consent given by a query flag."""
    state = oauth.new_state()
    url = oauth.authorization_url(account, redirect_uri(), state)
    answer = requests.get(
        url, params={"emulator_consent": "allow"}, allow_redirects=False, timeout=10
    )
    query = parse_qs(urlsplit(answer.headers.get("Location", "")).query)
    if query.get("state") != [state] or not query.get("code"):
        raise CommandError(
            f"The emulator did not authorize the demo client ({answer.status_code})."
        )
    try:
        connections.complete_authorization(account, query["code"][0], redirect_uri())
    except GoToError as failure:
        raise CommandError(f"Connecting the demo account failed: {failure}") from None


def enable_products(account: GoToAccount) -> None:
    for product in PRODUCTS:
        ProductConnection.objects.update_or_create(
            product=product, defaults={"enabled": True, "account": account}
        )
