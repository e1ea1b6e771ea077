"""manage.py segments_update [--segment ID]: rebuild segments now, as the beat task does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segments import services
from segments.models import Segment


class Command(BaseCommand):
    help = "Rebuild every published segment's members from its filters, or one segment."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--segment",
            type=int,
            metavar="ID",
            help="Rebuild only this segment (published or not).",
        )

    def handle(self, *args: Any, segment: int | None = None, **options: Any) -> None:
        if segment is not None:
            found = Segment.objects.filter(pk=segment).first()
            if found is None:
                raise CommandError(f"There is no segment with ID {segment}.")
            report = services.RebuildReport([services.rebuild_safely(found)])
        else:
            report = services.rebuild_all()
        names = dict(Segment.objects.values_list("pk", "name"))
        for result in report.results:
            name = names.get(result.segment_id, "?")
            if result.error:
                self.stderr.write(f"Segment {result.segment_id} “{name}”: {result.error}")
            else:
                self.stdout.write(
                    f"Segment {result.segment_id} “{name}”: "
                    f"{result.added} added, {result.removed} removed"
                )
        if report.failures:
            raise CommandError(f"{len(report.failures)} segment(s) could not be rebuilt.")
        self.stdout.write(f"{len(report.results)} segment(s) rebuilt.")
