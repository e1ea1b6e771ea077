from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def no_filters() -> dict[str, Any]:
    return {"match": "all", "groups": []}


class Segment(models.Model):
    """A list of contacts: those its filters match, plus and minus the ones changed by hand.

    `filters` holds {"match": "all"|"any", "groups": [{"match": …, "filters": [{"kind",
    "operator", "value"}]}]} as segments.filters.validate() returns it; no filters at all
    means a list kept by hand only.
    """

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    published = models.BooleanField(
        default=True, help_text="Only published segments are rebuilt on the schedule."
    )
    filters = models.JSONField(default=no_filters)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Why the last rebuild failed (a filter that no longer exists…); empty once one succeeds.
    rebuild_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def filter_kinds(self) -> set[str]:
        groups = self.filters.get("groups") if isinstance(self.filters, dict) else None
        return {
            str(item.get("kind"))
            for group in groups or ()
            if isinstance(group, dict)
            for item in group.get("filters") or ()
            if isinstance(item, dict)
        }


class Source(models.TextChoices):
    REBUILD = "rebuild", "Filters"
    MANUAL = "manual", "By hand"


class SegmentMembership(models.Model):
    """A contact in a segment. Rows added by hand are never removed by a rebuild."""

    # The unique (segment, contact) index serves segment lookups: one index less to write.
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="segment_memberships"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.REBUILD)
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segment_member_unique"),
        ]
        indexes = [models.Index(fields=["segment", "-added_at"], name="segment_member_added")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.segment_id}"


class SegmentExclusion(models.Model):
    """A contact removed from a segment by hand: rebuilds leave them out until a marketer
    adds them back or lets the filters decide again."""

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="exclusions", db_index=False
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="segment_exclusions"
    )
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    excluded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segment_exclusion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} kept out of {self.segment_id}"


class MembershipChange(models.Model):
    """The history of a segment's membership: who came and left, when, and why."""

    class Change(models.TextChoices):
        ADDED = "added", "Added"
        REMOVED = "removed", "Removed"

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="segment_changes"
    )
    change = models.CharField(max_length=8, choices=Change.choices)
    cause = models.CharField(max_length=16, choices=Source.choices)
    # No index: a rebuild writes thousands of rows with no user, and deleting a user (the
    # only reader) is rare.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ("-changed_at", "-id")
        indexes = [
            # A rebuild finds the removals it has just logged by (segment, time, change).
            models.Index(fields=["segment", "changed_at", "change"], name="segment_change_time"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.change} {self.segment_id}"
