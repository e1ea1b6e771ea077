"""Every write to contacts and their timeline goes through here (UI, import, forms, sync)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from contacts.models import CONTACT_FIELDS, Activity, Contact
from contacts.timeline import CONTACT_CREATED, CONTACT_UPDATED


def normalise_email(email: str) -> str:
    """One spelling per mailbox: trimmed, lower-case, NFC, no invisible characters, and an
    internationalised domain in its ASCII (punycode) form, as browsers send it."""
    text = unicodedata.normalize("NFC", email)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or domain.isascii():
        return text
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return text  # not a valid domain: the validator says so


# Django's validator, without its allowance for user@localhost: no contact is reached there.
validate_deliverable_email = EmailValidator(allowlist=[])


def clean_email(email: str) -> str:
    """The normalised email, or ValidationError with a message a person can act on."""
    normalised = normalise_email(email or "")
    if not normalised:
        raise ValidationError("The email is missing.", code="required")
    if len(normalised) > Contact._meta.get_field("email").max_length:  # type: ignore[operator]
        raise ValidationError("The email is longer than 254 characters.", code="max_length")
    local, _, domain = normalised.rpartition("@")
    if domain.startswith("[") or any(unicodedata.category(char) == "Cc" for char in local):
        # Valid by the RFC, never a marketing contact: an IP address for a domain, or
        # control characters in a quoted name.
        raise ValidationError("Enter a valid email address.", code="invalid")
    validate_deliverable_email(normalised)
    return normalised


def clean_contact_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate writable contact fields with the model's own rules (length, choices)."""
    unknown = set(fields) - {*CONTACT_FIELDS, "custom_fields"}
    if unknown:
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if name == "custom_fields":
            if not isinstance(value, Mapping):
                errors[name] = ["Custom fields must be a mapping."]
                continue
            cleaned[name] = {str(k): v for k, v in value.items()}
            continue
        text = "" if value is None else str(value).strip()
        try:
            cleaned[name] = Contact._meta.get_field(name).clean(text, None)  # type: ignore[union-attr]
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def apply_values(contact: Contact, values: Mapping[str, Any], *, overwrite: bool) -> dict[str, Any]:
    """Set values on contact; returns {field: (old, new)} for what changed.

    Empty values never blank a field; with overwrite=False only empty fields are filled.
    Custom fields are merged key by key under the same rules.
    """
    changes: dict[str, Any] = {}
    for name, new in values.items():
        if name == "custom_fields":
            merged = dict(contact.custom_fields)
            for key, value in new.items():
                if value in ("", None) or (not overwrite and merged.get(key) not in ("", None)):
                    continue
                merged[key] = value
            if merged != contact.custom_fields:
                changes[name] = (contact.custom_fields, merged)
                contact.custom_fields = merged
            continue
        old = getattr(contact, name)
        if new == "" or new == old or (old and not overwrite):
            continue
        changes[name] = (old, new)
        setattr(contact, name, new)
    return changes


class ContactExists(Exception):
    """create_only was asked and a contact with this email already exists."""


@dataclass(frozen=True)
class UpsertResult:
    contact: Contact
    created: bool
    changes: dict[str, Any] = field(default_factory=dict)


def upsert_contact(
    email: str,
    *,
    overwrite: bool = True,
    create_only: bool = False,
    source: str = "manual",
    occurred_at: datetime | None = None,
    **fields: Any,
) -> UpsertResult:
    """Create the contact with this email, or update the existing one (any letter case).

    overwrite=False fills only empty fields (the sync uses it so names typed by a marketer win).
    create_only=True raises ContactExists instead of updating (a person typing a new contact).
    Raises ValidationError for a bad email or bad field values; nothing is written then.
    occurred_at dates the "created"/"updated" timeline entry (default: now), e.g. to the moment
    a form was submitted when that is processed later.
    """
    normalised = clean_email(email)
    values = clean_contact_fields(fields)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(email=normalised).first()
        if contact is None:
            try:
                with transaction.atomic():
                    contact = Contact.objects.create(email=normalised, **values)
            except IntegrityError:
                # Someone else created it between our read and our insert.
                if create_only:
                    raise ContactExists(normalised) from None
                contact = Contact.objects.select_for_update().get(email=normalised)
            else:
                record_activity(
                    contact,
                    CONTACT_CREATED,
                    "Contact created",
                    occurred_at=occurred_at,
                    details={"source": source},
                )
                return UpsertResult(contact, created=True)
        if create_only:
            raise ContactExists(normalised)
        changes = apply_values(contact, values, overwrite=overwrite)
        if changes:
            contact.save(update_fields=[*changes, "updated_at"])
            record_activity(
                contact,
                CONTACT_UPDATED,
                "Contact updated",
                occurred_at=occurred_at,
                details={"source": source, "changes": _printable(changes)},
            )
        return UpsertResult(contact, created=False, changes=changes)


def update_contact(
    contact: Contact, *, email: str, source: str = "manual", **fields: Any
) -> Contact:
    """Save an edit made by a person: every given field is set, blank included."""
    normalised = clean_email(email)
    values = clean_contact_fields(fields)
    changes: dict[str, Any] = {}
    if normalised != contact.email:
        changes["email"] = (contact.email, normalised)
        contact.email = normalised
    for name, new in values.items():
        old = getattr(contact, name)
        if new != old:
            changes[name] = (old, new)
            setattr(contact, name, new)
    if changes:
        with transaction.atomic():
            contact.save(update_fields=[*changes, "updated_at"])
            record_activity(
                contact,
                CONTACT_UPDATED,
                "Contact updated",
                details={"source": source, "changes": _printable(changes)},
            )
    return contact


def _printable(changes: Mapping[str, Any]) -> dict[str, list[str]]:
    return {name: [str(old), str(new)] for name, (old, new) in changes.items()}


@dataclass(frozen=True)
class ActivityDraft:
    contact_id: int
    kind: str
    title: str
    occurred_at: datetime | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    source_type: str = ""
    source_id: str = ""


def record_activity(
    contact: Contact,
    kind: str,
    title: str,
    *,
    occurred_at: datetime | None = None,
    details: Mapping[str, Any] | None = None,
    source_type: str = "",
    source_id: str = "",
) -> Activity:
    draft = ActivityDraft(
        contact.pk, kind, title, occurred_at, details or {}, source_type, source_id
    )
    [activity] = record_activities([draft])
    return activity


def record_activities(drafts: Iterable[ActivityDraft]) -> list[Activity]:
    """Write timeline entries in bulk and move each contact's last activity forward."""
    now = timezone.now()
    activities = [
        Activity(
            contact_id=draft.contact_id,
            kind=draft.kind,
            title=draft.title[:500],
            occurred_at=draft.occurred_at or now,
            details=dict(draft.details),
            source_type=draft.source_type,
            source_id=draft.source_id,
        )
        for draft in drafts
    ]
    if not activities:
        return []
    created = Activity.objects.bulk_create(activities, batch_size=1000)
    latest: dict[int, datetime] = {}
    for activity in activities:
        current = latest.get(activity.contact_id)
        if current is None or activity.occurred_at > current:
            latest[activity.contact_id] = activity.occurred_at
    touch_last_activity(latest)
    return created


# Up to this many distinct moments, moving last_activity_at forward is one cheap UPDATE each
# (a form, a registration); beyond, one statement recomputes it from the timeline (imports, syncs).
FEW_MOMENTS = 3


def touch_last_activity(latest: Mapping[int, datetime]) -> None:
    """Move each contact's last activity forward to (at least) the moment given for it."""
    by_moment: dict[datetime, list[int]] = {}
    for contact_id, moment in latest.items():
        by_moment.setdefault(moment, []).append(contact_id)
    if len(by_moment) > FEW_MOMENTS:
        _recompute_last_activity(list(latest))
        return
    for moment, ids in by_moment.items():
        earlier = Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=moment)
        for chunk in _chunks(ids):
            Contact.objects.filter(earlier, pk__in=chunk).update(last_activity_at=moment)


def _recompute_last_activity(ids: list[int]) -> None:
    latest = (
        Activity.objects.filter(contact_id=OuterRef("pk"))
        .values("contact_id")
        .annotate(latest=Max("occurred_at"))
        .values("latest")
    )
    for chunk in _chunks(ids):
        Contact.objects.filter(pk__in=chunk).update(last_activity_at=Subquery(latest))


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def delete_contact(contact: Contact) -> None:
    contact.delete()
