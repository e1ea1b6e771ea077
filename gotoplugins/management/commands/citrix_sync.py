"""manage.py citrix_sync: the GoTo sync from the command line (cron, a terminal, a container)."""

from __future__ import annotations

from argparse import RawDescriptionHelpFormatter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gotoplugins.models import ProductConnection, SyncRun
from gotoplugins.products import PRODUCTS
from gotoplugins.sync import products_to_sync, sync_product

ALL_SYNCED, PARTIAL, NOTHING_SYNCED, USAGE = 0, 1, 2, 3
STATUS_WORDS: dict[str, str] = {
    SyncRun.Status.SUCCESS: "synced",
    SyncRun.Status.PARTIAL: "partial",
    SyncRun.Status.FAILED: "failed",
    SyncRun.Status.SKIPPED: "skipped",
}
COLUMNS = (
    ("events", "Events"),
    ("new_registrations", "New registrations"),
    ("new_attendances", "New attendances"),
    ("cancellations", "Cancellations"),
    ("new_contacts", "New contacts"),
    ("failures", "Failures"),
)
BAR_WIDTH = 30

HELP = """Pull GoTo events, registrants and attendees into Convene.

Without --product, every product that is enabled and whose GoTo account is connected.
The first run (and --full) reads the whole catalogue window (GOTO_SYNC_PAST_DAYS back,
GOTO_SYNC_FUTURE_DAYS ahead) and every event's participants; later runs read what changed
since the last good run (upcoming events and those ended within GOTO_SYNC_RECENT_DAYS).

Exit status:
  0  every selected product synced
  1  partly synced: some events or some products failed, the rest synced
  2  nothing synced: every selected product failed or was skipped (another sync running,
     account needs reconnecting), or no product is enabled and connected
  3  wrong options (unknown product, --id without --product, a bad --since date)

A progress bar goes to stderr when stdout is a terminal (not with --quiet); then a summary
table per product and each failure (-v 0 leaves the summary out). Every run is also recorded
as a SyncRun, shown on the Plugins page.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--product",
            "-p",
            help=f"Only this product: {', '.join(PRODUCTS)}.",
        )
        parser.add_argument(
            "--id",
            "-i",
            dest="event_key",
            metavar="KEY",
            help="Only this event (webinar/training key, meeting id, assist session id). "
            "Needs --product.",
        )
        parser.add_argument(
            "--since",
            metavar="YYYY-MM-DD",
            help="Read the catalogue from this date (UTC) instead of the last run.",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read the whole window and every event's participants again.",
        )
        parser.add_argument(
            "--quiet", "-q", action="store_true", help="No progress bar (the summary still shows)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        product, event_key = options["product"], options["event_key"]
        since = _parse_since(options["since"])
        if product is not None and product not in PRODUCTS:
            raise CommandError(
                f"Unknown product “{product}”: choose one of {', '.join(PRODUCTS)}.",
                returncode=USAGE,
            )
        if event_key and product is None:
            raise CommandError(
                "--id needs --product (which product the key belongs to).", returncode=USAGE
            )
        products = [product] if product else self._selected()
        if not products:
            self.stderr.write("No GoTo product is enabled and connected: nothing to sync.")
            raise SystemExit(NOTHING_SYNCED)
        show_bar = not options["quiet"] and self.stdout.isatty()
        runs = [
            sync_product(
                name,
                trigger=SyncRun.Trigger.COMMAND,
                event_key=event_key or None,
                since=since,
                full=options["full"],
                progress=self._bar(name) if show_bar else None,
            )
            for name in products
        ]
        if options["verbosity"] > 0:
            self._summary(runs)
        raise SystemExit(exit_status(runs))

    def _selected(self) -> list[str]:
        products = products_to_sync()
        enabled = ProductConnection.objects.filter(enabled=True).values_list("product", flat=True)
        for name in sorted(set(enabled) - set(products)):
            label = PRODUCTS[name].label if name in PRODUCTS else name
            self.stderr.write(f"{label} is enabled but its GoTo account is not connected: skipped.")
        return products

    def _bar(self, product: str) -> Callable[[int, int], None]:
        label = PRODUCTS[product].label

        def show(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // total if total else BAR_WIDTH
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            end = "\n" if done >= total else ""
            self.stderr.write(f"\r{label:<12} [{bar}] {done}/{total} events", ending=end)
            self.stderr.flush()

        return show

    def _summary(self, runs: list[SyncRun]) -> None:
        headers = ["Product", "Status", *(title for _, title in COLUMNS)]
        rows = [
            [
                PRODUCTS[run.product].label,
                STATUS_WORDS.get(run.status, run.status),
                *(str(run.counts.get(key, 0)) for key, _ in COLUMNS),
            ]
            for run in runs
        ]
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
        for row in [headers, *rows]:
            cells = [
                cell.ljust(width) if i < 2 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())
        for run in runs:
            for error in run.errors:
                where = f" {error['event']}" if error.get("event") else ""
                self.stdout.write(f"{PRODUCTS[run.product].label}{where}: {error['message']}")


def exit_status(runs: list[SyncRun]) -> int:
    synced = [run for run in runs if run.status == SyncRun.Status.SUCCESS]
    partial = [run for run in runs if run.status == SyncRun.Status.PARTIAL]
    if runs and len(synced) == len(runs):
        return ALL_SYNCED
    if synced or partial:
        return PARTIAL
    return NOTHING_SYNCED


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise CommandError(
            f"--since must be a date written YYYY-MM-DD, not “{value}”.", returncode=USAGE
        ) from None
    since = day.replace(tzinfo=UTC)
    if since > datetime.now(UTC):
        raise CommandError(f"--since must not be in the future ({value}).", returncode=USAGE)
    return since
