"""People GoTo lists → contacts, in bulk: a fixed number of queries per 1,000 people.

Contacts are matched by normalised email. Unknown people become contacts unless
GOTO_SYNC_CREATE_CONTACTS is off. A contact's names are never overwritten: the sync only fills
empty ones, and only from a real first/last split — a single name field (GoToMeeting,
GoToAssist) is put whole into the first name of a contact it creates, and nowhere else,
because splitting "Maria del Carmen Ruiz" on spaces is a guess (reference weakness 6 shows
what guessing did).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Contact
from contacts.services import ActivityDraft, clean_email
from contacts.timeline import CONTACT_CREATED, CONTACT_UPDATED
from gotoplugins.sync.types import Person

logger = logging.getLogger(__name__)

CHUNK = 1000
NAME_FIELDS = ("first_name", "last_name")


@dataclass
class Resolved:
    contacts: dict[str, Contact] = field(default_factory=dict)  # normalised email → contact
    created: int = 0
    activities: list[ActivityDraft] = field(default_factory=list)


def normalise(emails: Iterable[str]) -> dict[str, str]:
    """GoTo's spelling → the contact's normalised email; invalid emails are left out."""
    found: dict[str, str] = {}
    invalid = 0
    for raw in set(emails):
        try:
            found[raw] = clean_email(raw)
        except ValidationError:
            invalid += 1
    if invalid:
        logger.warning("GoTo sync: %d people without a usable email were skipped", invalid)
    return found


def prefer(known: Person | None, other: Person) -> Person:
    """Of two listings of one person, the more useful name: a split, a whole name, none."""
    if known is None:
        return other
    if known.whole_name and not other.whole_name and (other.first_name or other.last_name):
        return other
    if not (known.first_name or known.last_name):
        return other
    return known


def resolve(people: dict[str, Person], *, source: str) -> Resolved:
    """Contacts for these people (normalised email → person): found, filled or created."""
    resolved = Resolved()
    for chunk in _chunks(list(people.items())):
        _resolve_chunk(dict(chunk), source, resolved)
    return resolved


def _chunks(items: list[tuple[str, Person]]) -> Iterator[list[tuple[str, Person]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _resolve_chunk(people: dict[str, Person], source: str, resolved: Resolved) -> None:
    existing = {c.email: c for c in Contact.objects.filter(email__in=list(people))}
    if settings.GOTO_SYNC_CREATE_CONTACTS:
        try:
            created = _create(people, existing)
        except IntegrityError:
            # Someone (a form, an import) created one of them after our read: read again, once.
            existing = {c.email: c for c in Contact.objects.filter(email__in=list(people))}
            created = _create(people, existing)
        resolved.created += len(created)
        resolved.contacts.update((c.email, c) for c in created)
        resolved.activities += [
            ActivityDraft(c.pk, CONTACT_CREATED, "Contact created", details={"source": source})
            for c in created
        ]
    filled = _fill_names(existing.values(), people)
    resolved.contacts.update(existing)
    resolved.activities += [
        ActivityDraft(
            contact.pk,
            CONTACT_UPDATED,
            "Contact updated",
            details={"source": source, "changes": changes},
        )
        for contact, changes in filled
    ]


def _create(people: dict[str, Person], existing: dict[str, Contact]) -> list[Contact]:
    new = [_new_contact(email, person) for email, person in people.items() if email not in existing]
    if not new:
        return []
    with transaction.atomic():
        return Contact.objects.bulk_create(new, batch_size=CHUNK)


def _new_contact(email: str, person: Person) -> Contact:
    contact = Contact(email=email, **_names(person))
    contact.search_text = contact.compute_search_text()  # bulk_create skips save()
    return contact


def _names(person: Person) -> dict[str, str]:
    return {
        name: value.strip()[: _max_length(name)]
        for name, value in (("first_name", person.first_name), ("last_name", person.last_name))
    }


def _max_length(name: str) -> int:
    return int(Contact._meta.get_field(name).max_length or 150)  # type: ignore[union-attr]


def _fill_names(
    contacts: Iterable[Contact], people: dict[str, Person]
) -> list[tuple[Contact, dict[str, Any]]]:
    """Fill empty names of existing contacts from a real split; one UPDATE per chunk."""
    now = timezone.now()
    filled: list[tuple[Contact, dict[str, Any]]] = []
    for contact in contacts:
        person = people[contact.email]
        if person.whole_name:
            continue
        changes = {
            name: ["", value]
            for name, value in _names(person).items()
            if value and not getattr(contact, name)
        }
        if not changes:
            continue
        for name, (_, value) in changes.items():
            setattr(contact, name, value)
        contact.search_text = contact.compute_search_text()
        contact.updated_at = now  # bulk_update does not apply auto_now
        filled.append((contact, changes))
    if filled:
        Contact.objects.bulk_update(
            [contact for contact, _ in filled],
            [*NAME_FIELDS, "search_text", "updated_at"],
            batch_size=CHUNK,
        )
    return filled
