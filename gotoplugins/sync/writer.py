"""One event's participants → participation rows and timeline entries, in one transaction.

A fixed number of queries per event (per 1,000 people): read the event's participations once,
insert the new rows, update the changed ones, write the timeline. Each new row gets exactly
one timeline entry (source "gotoplugins.participation", its id), so a rerun writes none.

Cancellation: only here, only from a complete registrant list (Participants.registrations is
not None), and never as a delete. A registered contact GoTo no longer lists keeps its
"registered" row and gains a "cancelled" one (segments read registered-and-not-cancelled as
registered); if GoTo lists them again, the "cancelled" row is deleted and the timeline says
"registered again". Rows a form or campaign wrote are cancelled only once GoTo confirmed them
(they carry a registrant key) and after a grace period, because GoToTraining's registrant
list may lag up to two hours behind a registration (goto-api.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from contacts.models import Contact
from contacts.services import ActivityDraft, record_activities
from gotoplugins.extensions import GOTO_ATTENDED, GOTO_CANCELLED, GOTO_REGISTERED
from gotoplugins.models import Event, Participation
from gotoplugins.registration_outcomes import show_goto_answers
from gotoplugins.sync import people
from gotoplugins.sync.types import AttendanceRow, Counts, Participants, Person, RegistrationRow

SOURCE_TYPE = "gotoplugins.participation"
BATCH = 1000
CANCEL_GRACE = timedelta(hours=2)
NOUNS = {"webinar": "webinar", "training": "training", "meeting": "meeting"}
Kind = Participation.Kind


@dataclass
class Plan:
    """What one event's write will do, worked out from one read of its participations."""

    new: list[Participation] = field(default_factory=list)
    changed: dict[int, Participation] = field(default_factory=dict)
    changed_fields: set[str] = field(default_factory=set)
    uncancel: list[Participation] = field(default_factory=list)  # "cancelled" rows to delete
    # Registrations whose status or join link GoTo changed (an approval, say).
    answered: dict[int, Participation] = field(default_factory=dict)


def save(event: Event, participants: Participants, *, now: datetime) -> Counts:
    """Write one event's participants; safe to rerun (nothing new → nothing written)."""
    listed = participants.registrations
    raw = [r.person.email for r in listed or ()] + [
        a.person.email for a in participants.attendances
    ]
    emails = people.normalise(raw)
    regs = _registrations(listed or (), emails)
    atts = _attendances(participants.attendances, emails)
    persons: dict[str, Person] = {}
    for email, person in [*_people(regs), *_people(atts)]:
        persons[email] = people.prefer(persons.get(email), person)
    complete = regs if listed is not None else None
    try:
        return _save(event, complete, atts, persons, now)
    except IntegrityError:
        # A form wrote one of these rows between our read and our insert: read again, once.
        return _save(event, complete, atts, persons, now)


def _people(
    rows: dict[str, RegistrationRow] | dict[str, AttendanceRow],
) -> list[tuple[str, Person]]:
    return [(email, row.person) for email, row in rows.items()]


@transaction.atomic
def _save(
    event: Event,
    regs: dict[str, RegistrationRow] | None,
    atts: dict[str, AttendanceRow],
    persons: dict[str, Person],
    now: datetime,
) -> Counts:
    resolved = people.resolve(persons, source=f"{event.info.label} sync")
    contacts = resolved.contacts
    existing = {(p.contact_id, p.kind): p for p in Participation.objects.filter(event=event)}
    plan = Plan()
    if regs is not None:
        _plan_registrations(event, regs, contacts, existing, plan)
        _plan_cancellations(event, regs, contacts, existing, plan, now)
    _plan_attendances(event, atts, contacts, existing, plan)
    Participation.objects.bulk_create(plan.new, batch_size=BATCH)
    if plan.changed:
        for row in plan.changed.values():
            row.updated_at = now  # bulk_update does not apply auto_now
        fields = sorted({*plan.changed_fields, "updated_at"})
        Participation.objects.bulk_update(list(plan.changed.values()), fields, batch_size=BATCH)
    if plan.uncancel:
        Participation.objects.filter(pk__in=[row.pk for row in plan.uncancel]).delete()
    show_goto_answers(event, plan.answered.values())
    drafts = resolved.activities + _activities(event, plan, existing, now)
    record_activities(drafts)
    return Counts(
        new_registrations=_count(plan.new, Kind.REGISTERED) + len(plan.uncancel),
        new_attendances=_count(plan.new, Kind.ATTENDED),
        cancellations=_count(plan.new, Kind.CANCELLED),
        new_contacts=resolved.created,
    )


def _count(rows: list[Participation], kind: str) -> int:
    return sum(1 for row in rows if row.kind == kind)


# --- Merging GoTo's rows per person -----------------------------------------------------------


def _registrations(
    rows: Iterable[RegistrationRow], emails: dict[str, str]
) -> dict[str, RegistrationRow]:
    merged: dict[str, RegistrationRow] = {}
    for row in rows:
        email = emails.get(row.person.email)
        if email is not None:
            merged.setdefault(email, row)  # GoTo has one registration per email and event
    return merged


def _attendances(rows: Iterable[AttendanceRow], emails: dict[str, str]) -> dict[str, AttendanceRow]:
    """One row per person over all sessions: first join, last leave, total time."""
    merged: dict[str, AttendanceRow] = {}
    for row in rows:
        email = emails.get(row.person.email)
        if email is None:
            continue
        known = merged.get(email)
        merged[email] = row if known is None else _combine(known, row)
    return merged


def _combine(a: AttendanceRow, b: AttendanceRow) -> AttendanceRow:
    joins = [t for t in (a.first_join, b.first_join) if t is not None]
    leaves = [t for t in (a.last_leave, b.last_leave) if t is not None]
    return replace(
        a,
        person=people.prefer(a.person, b.person),
        registrant_key=a.registrant_key or b.registrant_key,
        first_join=min(joins, default=None),
        last_leave=max(leaves, default=None),
        seconds=a.seconds + b.seconds,
    )


# --- Planning the writes ----------------------------------------------------------------------


def _plan_registrations(
    event: Event,
    regs: dict[str, RegistrationRow],
    contacts: dict[str, Contact],
    existing: dict[tuple[int, str], Participation],
    plan: Plan,
) -> None:
    for email, row in regs.items():
        contact = contacts.get(email)
        if contact is None:
            continue  # unknown, and GOTO_SYNC_CREATE_CONTACTS is off
        values = {
            "registrant_key": row.registrant_key,
            "join_url": row.join_url[:1000],
            "registered_at": row.registered_at,
            "registration_status": row.status[:16],
        }
        current = existing.get((contact.pk, Kind.REGISTERED))
        if current is None:
            plan.new.append(_row(event, contact.pk, Kind.REGISTERED, values))
        else:
            _update(current, values, plan)
        cancelled = existing.get((contact.pk, Kind.CANCELLED))
        if cancelled is not None:
            plan.uncancel.append(cancelled)


def _plan_cancellations(
    event: Event,
    regs: dict[str, RegistrationRow],
    contacts: dict[str, Contact],
    existing: dict[tuple[int, str], Participation],
    plan: Plan,
    now: datetime,
) -> None:
    listed_contacts = {contacts[email].pk for email in regs if email in contacts}
    listed_keys = {row.registrant_key for row in regs.values() if row.registrant_key}
    for (contact_id, kind), row in existing.items():
        if (
            kind != Kind.REGISTERED
            or contact_id in listed_contacts
            or (row.registrant_key and row.registrant_key in listed_keys)  # email changed here
            or (contact_id, Kind.CANCELLED) in existing
            or not _confirmed_by_goto(row, now)
        ):
            continue
        values = {"registrant_key": row.registrant_key, "registered_at": row.registered_at}
        plan.new.append(_row(event, contact_id, Kind.CANCELLED, values))


def _confirmed_by_goto(row: Participation, now: datetime) -> bool:
    if row.source == Participation.Source.SYNC:
        return True
    return (
        bool(row.registrant_key)
        and row.created_at is not None
        and (row.created_at <= now - CANCEL_GRACE)
    )


def _plan_attendances(
    event: Event,
    atts: dict[str, AttendanceRow],
    contacts: dict[str, Contact],
    existing: dict[tuple[int, str], Participation],
    plan: Plan,
) -> None:
    for email, row in atts.items():
        contact = contacts.get(email)
        if contact is None:
            continue
        values = {
            "registrant_key": row.registrant_key,
            "first_join_at": row.first_join,
            "last_leave_at": row.last_leave,
            "attendance_seconds": max(0, row.seconds),
        }
        current = existing.get((contact.pk, Kind.ATTENDED))
        if current is None:
            plan.new.append(_row(event, contact.pk, Kind.ATTENDED, values))
        else:
            _update(current, values, plan)


def _row(event: Event, contact_id: int, kind: str, values: dict[str, Any]) -> Participation:
    filled = {name: value for name, value in values.items() if value not in (None, "")}
    return Participation(
        event=event, contact_id=contact_id, kind=kind, source=Participation.Source.SYNC, **filled
    )


def _update(row: Participation, values: dict[str, Any], plan: Plan) -> None:
    """Take GoTo's values where it has one; an empty value never blanks a stored one."""
    for name, value in values.items():
        if value in (None, "", 0) or getattr(row, name) == value:
            continue
        setattr(row, name, value)
        plan.changed[row.pk] = row
        plan.changed_fields.add(name)
        if name in ("registration_status", "join_url"):
            plan.answered[row.pk] = row


# --- Timeline ---------------------------------------------------------------------------------


def _activities(
    event: Event, plan: Plan, existing: dict[tuple[int, str], Participation], now: datetime
) -> list[ActivityDraft]:
    drafts = [_activity(event, row, now) for row in plan.new]
    registered = {**{(p.contact_id, p.kind): p for p in plan.new}, **existing}
    for cancelled in plan.uncancel:
        row = registered[(cancelled.contact_id, Kind.REGISTERED)]
        drafts.append(_activity(event, row, now, again=True))
    return drafts


def _activity(
    event: Event, row: Participation, now: datetime, *, again: bool = False
) -> ActivityDraft:
    minutes = round(row.attendance_seconds / 60) if row.kind == Kind.ATTENDED else None
    when = {
        Kind.REGISTERED: None if again else row.registered_at,
        Kind.ATTENDED: row.first_join_at or event.starts_at,
        Kind.CANCELLED: None,
    }[Kind(row.kind)]
    details: dict[str, Any] = {
        "product": event.product,
        "event": event.subject,
        "event_key": event.key,
        "event_id": event.pk,
    }
    if row.join_url:
        details["join_url"] = row.join_url
    if minutes is not None:
        details["minutes"] = minutes
    kind = {
        Kind.REGISTERED: GOTO_REGISTERED,
        Kind.ATTENDED: GOTO_ATTENDED,
        Kind.CANCELLED: GOTO_CANCELLED,
    }[Kind(row.kind)]
    return ActivityDraft(
        contact_id=row.contact_id,
        kind=kind,
        title=title(event, row.kind, minutes, again=again),
        occurred_at=when or now,
        details=details,
        source_type=SOURCE_TYPE,
        source_id=str(row.pk),
    )


def title(event: Event, kind: str, minutes: int | None = None, *, again: bool = False) -> str:
    """E.g. "Registered for webinar “Product launch”", "Attended meeting “Weekly sync” — 42 min"."""
    if event.product == "assist":
        what = "a remote support session"
    else:
        what = f"{NOUNS.get(event.product, 'event')} “{event.subject}”"
    if kind == Kind.REGISTERED:
        return f"Registered again for {what}" if again else f"Registered for {what}"
    if kind == Kind.CANCELLED:
        return f"Registration for {what} cancelled"
    what = f"Took part in {what}" if event.product == "assist" else f"Attended {what}"
    return f"{what} — {minutes} min" if minutes else what
