"""Every change to segments and their members goes through here (views, tasks, command)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from contacts.models import Contact
from segments import rebuild as rebuild_sql
from segments.filters import FilterContext, FilterError, build_q, validate
from segments.models import MembershipChange, Segment, SegmentExclusion, SegmentMembership, Source

logger = logging.getLogger(__name__)
Change = MembershipChange.Change


# --- Filters ----------------------------------------------------------------------------------


def matching_contacts(
    filters: Any, *, now: dt.datetime | None = None, check_choices: bool = False
) -> QuerySet[Contact]:
    """Contacts the filters match, as one queryset. Raises FilterError for bad filters."""
    cleaned = validate(filters, check_choices=check_choices)
    return Contact.objects.filter(build_q(cleaned, FilterContext.current(now)))


def preview_count(filters: Any) -> int:
    """How many contacts unsaved filters match (the builder's live count)."""
    return matching_contacts(filters, check_choices=True).order_by().count()


# --- Segments ---------------------------------------------------------------------------------


def create_segment(
    *,
    name: str,
    filters: Any,
    description: str = "",
    published: bool = True,
    by: User | None = None,
) -> Segment:
    """Save a new segment; its members are computed after the commit (a Celery task)."""
    cleaned = validate(filters)
    with transaction.atomic():
        segment = Segment.objects.create(
            name=name.strip(),
            description=description.strip(),
            published=published,
            filters=cleaned,
            created_by=by,
        )
        rebuild_later(segment.pk)
    return segment


def update_segment(
    segment: Segment, *, name: str, filters: Any, description: str = "", published: bool = True
) -> Segment:
    """Save changes; members are recomputed after the commit when the filters changed."""
    cleaned = validate(filters)
    changed = cleaned != segment.filters
    segment.name = name.strip()
    segment.description = description.strip()
    segment.published = published
    segment.filters = cleaned
    with transaction.atomic():
        segment.save()
        if changed:
            rebuild_later(segment.pk)
    return segment


def delete_segment(segment: Segment) -> None:
    segment.delete()


def rebuild_later(segment_id: int) -> None:
    from segments import tasks

    transaction.on_commit(lambda: tasks.rebuild_segment.delay(segment_id))


# --- Rebuilds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    segment_id: int
    added: int = 0
    removed: int = 0
    error: str = ""


@dataclass
class RebuildReport:
    results: list[RebuildResult] = field(default_factory=list)

    @property
    def failures(self) -> list[RebuildResult]:
        return [result for result in self.results if result.error]

    def summary(self) -> dict[str, Any]:
        return {
            "segments": len(self.results),
            "added": sum(result.added for result in self.results),
            "removed": sum(result.removed for result in self.results),
            "failures": {result.segment_id: result.error for result in self.failures},
        }


def rebuild(segment: Segment, *, now: dt.datetime | None = None) -> RebuildResult:
    """Bring the members in line with the filters, in a fixed number of queries.

    Raises FilterError when the stored filters cannot be used (a kind since removed…).
    """
    context = FilterContext.current(now)
    matching = build_q(validate(segment.filters, check_choices=False), context)
    with transaction.atomic():
        _lock(segment)
        added, removed = rebuild_sql.apply(segment, matching, context.now)
    if segment.rebuild_error:
        _record_error(segment, "")
    return RebuildResult(segment.pk, added, removed)


def rebuild_safely(segment: Segment, *, now: dt.datetime | None = None) -> RebuildResult:
    """rebuild(), with a failure recorded on the segment and returned instead of raised."""
    try:
        return rebuild(segment, now=now)
    except FilterError as error:
        message = f"The filters cannot be used: {error}"
    except Segment.DoesNotExist:
        return RebuildResult(segment.pk, error="The segment was deleted meanwhile.")
    except Exception:  # one broken segment must not stop the others
        logger.exception("Rebuilding segment %s failed", segment.pk)
        message = "The rebuild failed unexpectedly; the server log has the details."
    _record_error(segment, message)
    return RebuildResult(segment.pk, error=message)


def rebuild_all(
    only_kinds_prefix: str | None = None, *, now: dt.datetime | None = None
) -> RebuildReport:
    """Rebuild every published segment, or only those with a filter kind starting with the
    prefix (e.g. "goto." after a GoTo sync). Failures are reported, the rest still rebuilt."""
    now = now or timezone.now()
    segments = Segment.objects.filter(published=True).order_by("pk")
    report = RebuildReport()
    for segment in _with_kinds(segments, only_kinds_prefix):
        report.results.append(rebuild_safely(segment, now=now))
    for failure in report.failures:
        logger.warning("Segment %s was not rebuilt: %s", failure.segment_id, failure.error)
    return report


def _with_kinds(segments: Iterable[Segment], prefix: str | None) -> Iterable[Segment]:
    for segment in segments:
        if prefix is None or any(kind.startswith(prefix) for kind in segment.filter_kinds):
            yield segment


def _lock(segment: Segment) -> None:
    """Rebuilds and changes by hand of one segment take turns (a row lock on PostgreSQL;
    SQLite's write transactions are serial already)."""
    if not Segment.objects.select_for_update().filter(pk=segment.pk).values_list("pk"):
        raise Segment.DoesNotExist(f"Segment {segment.pk} no longer exists.")


def _record_error(segment: Segment, message: str) -> None:
    Segment.objects.filter(pk=segment.pk).update(rebuild_error=message)
    segment.rebuild_error = message


# --- Members by hand --------------------------------------------------------------------------


@transaction.atomic
def add_by_hand(segment: Segment, contact: Contact, *, by: User | None = None) -> bool:
    """Put the contact in the segment for good (a rebuild never takes them out).
    Returns False when they were a member already; they are then kept by hand."""
    _lock(segment)
    SegmentExclusion.objects.filter(segment=segment, contact=contact).delete()
    updated = SegmentMembership.objects.filter(segment=segment, contact=contact).update(
        source=Source.MANUAL
    )
    if updated:
        return False
    now = timezone.now()
    SegmentMembership.objects.create(
        segment=segment, contact=contact, source=Source.MANUAL, added_at=now
    )
    _log(segment, contact, Change.ADDED, by, now)
    return True


@transaction.atomic
def remove_by_hand(segment: Segment, contact: Contact, *, by: User | None = None) -> bool:
    """Take the contact out and keep them out across rebuilds. False if not a member."""
    _lock(segment)
    now = timezone.now()
    deleted, _ = SegmentMembership.objects.filter(segment=segment, contact=contact).delete()
    SegmentExclusion.objects.get_or_create(
        segment=segment, contact=contact, defaults={"excluded_by": by, "excluded_at": now}
    )
    if deleted:
        _log(segment, contact, Change.REMOVED, by, now)
    return bool(deleted)


@transaction.atomic
def let_filters_decide(segment: Segment, contact: Contact, *, by: User | None = None) -> bool:
    """Undo a change by hand: the contact is a member exactly when the filters match them.
    Returns whether they are a member afterwards. Raises FilterError for broken filters."""
    _lock(segment)
    matches = matching_contacts(segment.filters).filter(pk=contact.pk).exists()
    SegmentExclusion.objects.filter(segment=segment, contact=contact).delete()
    member = SegmentMembership.objects.filter(segment=segment, contact=contact).first()
    now = timezone.now()
    if member is not None and matches:
        if member.source != Source.REBUILD:
            member.source = Source.REBUILD
            member.save(update_fields=["source"])
    elif member is not None:
        member.delete()
        _log(segment, contact, Change.REMOVED, by, now)
    elif matches:
        SegmentMembership.objects.create(
            segment=segment, contact=contact, source=Source.REBUILD, added_at=now
        )
        _log(segment, contact, Change.ADDED, by, now)
    return matches


def _log(
    segment: Segment, contact: Contact, change: str, by: User | None, now: dt.datetime
) -> None:
    MembershipChange.objects.create(
        segment=segment,
        contact=contact,
        change=change,
        cause=Source.MANUAL,
        changed_by=by,
        changed_at=now,
    )
