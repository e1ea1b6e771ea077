"""Celery tasks of the segments app: thin wrappers over segments.services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from segments import services
from segments.models import Segment


@shared_task(name="segments.rebuild_all")
def rebuild_all(only_kinds_prefix: str | None = None) -> dict[str, Any]:
    """Rebuild every published segment (the beat schedule), or those with filter kinds
    starting with the prefix ("goto." after a GoTo sync). Failures are in the summary."""
    return services.rebuild_all(only_kinds_prefix=only_kinds_prefix).summary()


@shared_task(name="segments.rebuild_segment")
def rebuild_segment(segment_id: int) -> dict[str, Any]:
    """Rebuild one segment after it was saved. Never raises: with eager tasks an exception
    would surface as a 500 on the page that saved the segment; the error is on the segment."""
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        return {"segment": segment_id, "error": "deleted"}
    result = services.rebuild_safely(segment)
    return {
        "segment": segment_id,
        "added": result.added,
        "removed": result.removed,
        "error": result.error,
    }
