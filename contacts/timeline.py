"""The registry of timeline activity kinds.

contacts registers its own kinds here; other apps (gotoplugins, forms_builder…) register theirs
from their AppConfig.ready(). A kind says how its entries look: label, icon and how to turn the
entry's details into lines of text and into links. Unknown kinds (say, of an app since removed)
still render.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist

from contacts.models import Contact

DetailsRenderer = Callable[[Mapping[str, Any]], list[str]]
# (label, web address): shown as links under the entry.
Link = tuple[str, str]
LinksRenderer = Callable[[Mapping[str, Any]], list[Link]]


def render_nothing(details: Mapping[str, Any]) -> list[str]:
    return []


def no_links(details: Mapping[str, Any]) -> list[Link]:
    return []


@dataclass(frozen=True)
class ActivityKind:
    key: str
    label: str
    icon: str = "bi-circle"  # a Bootstrap Icons class
    render_details: DetailsRenderer = field(default=render_nothing)
    render_links: LinksRenderer = field(default=no_links)

    def links(self, details: Mapping[str, Any]) -> list[Link]:
        """The kind's links whose address is a web address (never javascript: and the like)."""
        return [
            (label, url)
            for label, url in self.render_links(details)
            if isinstance(url, str) and url.startswith(("https://", "http://"))
        ]


_KINDS: dict[str, ActivityKind] = {}


def register_kind(kind: ActivityKind) -> None:
    if kind.key in _KINDS and _KINDS[kind.key] != kind:
        raise ValueError(f"Timeline kind {kind.key!r} is already registered.")
    _KINDS[kind.key] = kind


def get_kind(key: str) -> ActivityKind:
    return _KINDS.get(key) or ActivityKind(key=key, label=key.replace("_", " ").capitalize())


def all_kinds() -> list[ActivityKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)


def field_label(name: str) -> str:
    try:
        field = Contact._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name)).capitalize()


def render_changed_fields(details: Mapping[str, Any]) -> list[str]:
    changes = details.get("changes") or {}
    return [
        f"{field_label(name)}: {change[0] or '—'} → {change[1] or '—'}"
        for name, change in changes.items()
    ]


def render_import(details: Mapping[str, Any]) -> list[str]:
    file_name = details.get("file_name")
    return [f"File: {file_name}"] if file_name else []


CONTACT_CREATED = "contact_created"
CONTACT_UPDATED = "contact_updated"
CONTACT_IMPORTED = "contact_imported"


def register_core_kinds() -> None:
    register_kind(ActivityKind(CONTACT_CREATED, "Contact created", "bi-person-plus"))
    register_kind(
        ActivityKind(CONTACT_UPDATED, "Contact updated", "bi-pencil", render_changed_fields)
    )
    register_kind(
        ActivityKind(
            CONTACT_IMPORTED, "Imported from a file", "bi-file-earmark-arrow-up", render_import
        )
    )
