"""The segment filters GoTo contributes (registered from GotopluginsConfig.ready()).

Each filter is an EXISTS over participation rows of one product, so a segment stays one
query. The meaning, where Mautic's plugin went wrong (behaviour doc §7 and §12.16):

- registered: a "registered" row with no "cancelled" row for the same event;
- attended: an "attended" row (GoToAssist: a session held);
- did not attend: registered as above, the event is over and not cancelled, and no
  "attended" row for that same event. Never "everyone missing from the attendee list".

Choices are the local catalogue (past and upcoming, registrants or not), labelled with the
subject and the start so same-titled events differ; values are event keys. A key the
catalogue no longer has matches nobody, and an empty list never reaches the SQL.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import formats, timezone

from gotoplugins.models import Event, Participation
from gotoplugins.products import PRODUCTS
from segments import dates
from segments.filters import (
    MATCH_EVERYONE,
    MATCH_NOTHING,
    ChoiceSet,
    FilterContext,
    FilterKind,
    Operator,
    Widget,
    register_kind,
)

Kind = Participation.Kind

ANY_OF = Operator("any_of", "is any of", Widget.CHOICES)
NONE_OF = Operator("none_of", "is none of", Widget.CHOICES)
ANY = Operator("any", "any event")
WITHIN = Operator(
    "within_days", "within the last", Widget.NUMBER, minimum=1, maximum=36_500, unit="days"
)
MINUTES = Operator(
    "min_minutes",
    "for at least",
    Widget.CHOICES_AND_NUMBER,
    minimum=1,
    maximum=100_000,
    unit="minutes",
)

# (product, what, label, operators)
KINDS = (
    ("webinar", "registered", "registered", (ANY_OF, NONE_OF, ANY, WITHIN)),
    ("webinar", "attended", "attended", (ANY_OF, NONE_OF, ANY, MINUTES, WITHIN)),
    ("webinar", "no_show", "did not attend", (ANY_OF, NONE_OF, ANY)),
    ("training", "registered", "registered", (ANY_OF, NONE_OF, ANY, WITHIN)),
    ("training", "attended", "attended", (ANY_OF, NONE_OF, ANY, MINUTES, WITHIN)),
    ("training", "no_show", "did not attend", (ANY_OF, NONE_OF, ANY)),
    ("meeting", "attended", "attended", (ANY_OF, NONE_OF, ANY, MINUTES, WITHIN)),
    ("assist", "session", "session held", (ANY_OF, NONE_OF, ANY, WITHIN)),
)


# --- Participation rows -----------------------------------------------------------------------


def _same_event(kind: str) -> QuerySet[Participation]:
    """Rows of `kind` for the outer row's event and contact."""
    return Participation.objects.filter(
        event=OuterRef("event"), contact=OuterRef("contact"), kind=kind
    )


def registered_rows(product: str) -> QuerySet[Participation]:
    return Participation.objects.filter(
        contact=OuterRef("pk"), kind=Kind.REGISTERED, event__product=product
    ).exclude(Exists(_same_event(Kind.CANCELLED)))


def attended_rows(product: str) -> QuerySet[Participation]:
    return Participation.objects.filter(
        contact=OuterRef("pk"), kind=Kind.ATTENDED, event__product=product
    )


def no_show_rows(product: str, now: Any) -> QuerySet[Participation]:
    return (
        registered_rows(product)
        .filter(event__ends_at__lte=now)
        .exclude(event__status=Event.Status.CANCELLED)
        .exclude(Exists(_same_event(Kind.ATTENDED)))
    )


def _rows(product: str, what: str, context: FilterContext) -> QuerySet[Participation]:
    if what == "registered":
        return registered_rows(product)
    if what == "no_show":
        return no_show_rows(product, context.now)
    return attended_rows(product)


def _when(what: str) -> Coalesce:
    """When the person registered or took part; older rows may lack GoTo's own time."""
    if what == "registered":
        return Coalesce(F("registered_at"), F("created_at"))
    return Coalesce(F("first_join_at"), F("event__starts_at"), F("created_at"))


# --- Filters ----------------------------------------------------------------------------------


def builder(product: str, what: str) -> Any:
    def build(operator: str, value: Any, context: FilterContext) -> Q:
        rows = _rows(product, what, context)
        match operator:
            case "any":
                return Q(Exists(rows))
            case "any_of":
                return Q(Exists(rows.filter(event__key__in=value))) if value else MATCH_NOTHING
            case "none_of":
                return ~Q(Exists(rows.filter(event__key__in=value))) if value else MATCH_EVERYONE
            case "min_minutes":
                rows = rows.filter(attendance_seconds__gte=int(value["number"]) * 60)
                if value["choices"]:
                    rows = rows.filter(event__key__in=value["choices"])
                return Q(Exists(rows))
            case "within_days":
                start, end = dates.last_days(int(value), context)
                return Q(Exists(rows.alias(when=_when(what)).filter(when__gte=start, when__lt=end)))
        raise ValueError(f"Unknown GoTo filter operator {operator!r}")

    return build


def event_choices(product: str) -> ChoiceSet:
    def load() -> list[tuple[str, str]]:
        events = (
            Event.objects.filter(product=product)
            .order_by(F("starts_at").desc(nulls_last=True), "subject", "id")
            .values_list("key", "subject", "starts_at", "status")
        )
        choices: dict[str, str] = {}
        for key, subject, starts_at, status in events:
            label = subject or f"#{key}"
            if starts_at is not None:
                local = timezone.localtime(starts_at)
                label += f" · {formats.date_format(local, 'j M Y, H:i')} {local.tzname()}"
            if status == Event.Status.CANCELLED:
                label += " (cancelled)"
            choices.setdefault(key, label)
        return _unique_labels(choices)

    return ChoiceSet(f"goto.{product}.events", load)


def _unique_labels(choices: dict[str, str]) -> list[tuple[str, str]]:
    """Two sessions with the same title at the same minute still differ: by their key."""
    seen: dict[str, int] = {}
    for label in choices.values():
        seen[label] = seen.get(label, 0) + 1
    return [
        (key, f"{label} #{key}" if seen[label] > 1 else label) for key, label in choices.items()
    ]


def register() -> None:
    sets = {product: event_choices(product) for product in PRODUCTS}
    for product, what, label, operators in KINDS:
        info = PRODUCTS[product]
        register_kind(
            FilterKind(
                key=f"goto.{product}.{what}",
                label=f"{info.label} {label}",
                group=info.label,
                operators=operators,
                build=builder(product, what),
                choices=sets[product],
                cost=10,  # a subquery
            )
        )
