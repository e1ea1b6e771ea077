"""Seed the GoTo emulator: demo OAuth client, an organizer, events, registrants, attendance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gotoplugins.emulator import seed


def _anchor(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--anchor must be an ISO date, e.g. 2026-01-15: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Fill the GoTo emulator with deterministic data (same --seed, same keys). The defaults "
        "make a small demo; raise the counts for benchmarks. Prints the demo OAuth client."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = seed.SeedOptions()
        add = parser.add_argument
        add("--reset", action="store_true", help="Wipe all emulator data first.")
        add("--seed", type=int, default=defaults.seed, help="Random seed (keys, names).")
        add("--webinars", type=int, default=defaults.webinars)
        add("--registrants-per-webinar", type=int, default=defaults.registrants_per_webinar)
        add("--trainings", type=int, default=defaults.trainings)
        add("--registrants-per-training", type=int, default=defaults.registrants_per_training)
        add("--meetings", type=int, default=defaults.meetings)
        add("--attendees-per-meeting", type=int, default=defaults.attendees_per_meeting)
        add("--assist-sessions", type=int, default=defaults.assist_sessions)
        add(
            "--attendance-rate",
            type=float,
            default=defaults.attendance_rate,
            help="Share of registrants who attend each past session (0-1).",
        )
        add(
            "--demo-share",
            type=float,
            default=defaults.demo_share,
            help="Share of registrants taken from the seed_demo contacts (0-1).",
        )
        add("--anchor", type=_anchor, help="Date the schedule is built around (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = [
            "webinars",
            "registrants_per_webinar",
            "trainings",
            "registrants_per_training",
            "meetings",
            "attendees_per_meeting",
            "assist_sessions",
        ]
        for name in counts:
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must not be negative.")
        for name in ("attendance_rate", "demo_share"):
            if not 0 <= options[name] <= 1:
                raise CommandError(f"--{name.replace('_', '-')} must be between 0 and 1.")
        if options["reset"]:
            seed.reset()
        values = {name: options[name] for name in counts}
        opts = seed.SeedOptions(
            seed=options["seed"],
            attendance_rate=options["attendance_rate"],
            demo_share=options["demo_share"],
            anchor=options["anchor"],
            **values,
        )
        try:
            result = seed.seed(opts)
        except seed.AlreadySeeded as error:
            seed.ensure_demo_client()
            self.stdout.write(f"{error} (Nothing changed.)")
        else:
            summary = ", ".join(f"{count} {name}" for name, count in result.counts.items())
            self.stdout.write(self.style.SUCCESS(f"GoTo emulator seeded: {summary}."))
            organizer = result.organizer
            self.stdout.write(
                f"Organizer {organizer.full_name} <{organizer.email}>: organizer key "
                f"{organizer.organizer_key}, account key {organizer.account_key}"
            )
        self.stdout.write(
            f"Demo OAuth client: client_id {seed.DEMO_CLIENT_ID}  "
            f"client_secret {seed.DEMO_CLIENT_SECRET}"
        )
