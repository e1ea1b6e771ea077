"""{% contact_segments contact %}: the contact page's segments card, with add and remove."""

from __future__ import annotations

from typing import Any

from django import template

from contacts.models import Contact
from segments.models import Segment, SegmentExclusion, SegmentMembership

register = template.Library()


@register.inclusion_tag("segments/contact_segments.html", takes_context=True)
def contact_segments(context: dict[str, Any], contact: Contact) -> dict[str, Any]:
    """Three queries whatever the number of segments: memberships, exclusions, the rest."""
    memberships = list(
        SegmentMembership.objects.filter(contact=contact)
        .select_related("segment")
        .only("id", "source", "added_at", "segment__id", "segment__name")
        .order_by("segment__name", "segment__id")
    )
    exclusions = list(
        SegmentExclusion.objects.filter(contact=contact)
        .select_related("segment")
        .only("id", "excluded_at", "segment__id", "segment__name")
        .order_by("segment__name", "segment__id")
    )
    others = (
        Segment.objects.exclude(memberships__contact=contact)
        .only("id", "name")
        .order_by("name", "id")
    )
    request = context.get("request")
    return {
        "contact": contact,
        "memberships": memberships,
        "exclusions": exclusions,
        "others": list(others),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
    }
