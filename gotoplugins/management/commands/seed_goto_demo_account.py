"""Embedded mode: add a GoTo account holding the emulator's demo OAuth client, ready to Connect."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gotoplugins.models import GoToAccount

DEMO_NAME = "GoTo emulator (demo)"
DEMO_CLIENT_ID = "convene-demo"
DEMO_CLIENT_SECRET = "convene-demo-secret"  # noqa: S105 - the emulator's public demo client


class Command(BaseCommand):
    help = "Create the demo GoTo account for the local emulator (only with GOTO_EMULATOR=1)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.GOTO_EMULATOR:
            raise CommandError("GOTO_EMULATOR is off: the demo account would point at real GoTo.")
        account, created = GoToAccount.objects.get_or_create(
            client_id=DEMO_CLIENT_ID,
            defaults={"name": DEMO_NAME, "client_secret": DEMO_CLIENT_SECRET},
        )
        state = "created" if created else "already there"
        self.stdout.write(
            f"GoTo demo account “{account}” {state}: admins press Connect on the Plugins page."
        )
