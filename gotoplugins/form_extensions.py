"""What GoTo adds to forms_builder through its registries (DESIGN.md rule 1).

- Field types "GoToWebinar event" and "GoToTraining event": lists of upcoming events read from
  the local catalogue (never GoTo) while the page renders; the values are event keys, and a
  key that is not (or no longer) upcoming is refused with a field error.
- Actions "Register to GoToWebinar/GoToTraining" (a fixed event, or the one chosen in the
  form), queued through gotoplugins.registrations; and the host-link actions "Send GoToMeeting
  / GoToTraining start link" and "Request a GoToAssist session", which email internal users
  only, never the person who filled in the form: those links hand over organizer control.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from forms_builder.actions import (
    ActionType,
    Outcome,
    RetryLater,
    SubmissionContext,
    register_action_type,
    required_mapping_problems,
    user_emails,
    users_field,
)
from forms_builder.fields import Choices, ChoicesType, RenderContext, register_field_type
from forms_builder.models import ActionResult, Field, Form, FormAction
from gotoplugins import (
    assist,
    errors,
    meeting,
    registrations,
    # Celery's autodiscovery reads only gotoplugins/tasks.py: importing the queue's tasks here
    # (this module is loaded by the app's ready()) registers them in every process.
    tasks_registrations,  # noqa: F401
    training,
)
from gotoplugins.models import Event, ProductConnection
from gotoplugins.products import PRODUCTS
from gotoplugins.upcoming import upcoming_events

logger = logging.getLogger(__name__)

Status = ActionResult.Status
FROM_FORM = "form"
PERSON = (("email", "email"), ("first_name", "first name"), ("last_name", "last name"))


# --- The catalogue ----------------------------------------------------------------------------


def event_label(event: Event) -> str:
    """Subject and local start time with its zone, e.g. "Launch — Tue 12 Jan 2027, 15:00 CET"."""
    if event.starts_at is None:
        return event.subject
    name = event.time_zone or "UTC"
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        name, zone = "UTC", zoneinfo.ZoneInfo("UTC")
    local = event.starts_at.astimezone(zone)
    when = f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"
    if local.tzname() != name:  # "CET" alone is ambiguous: add the zone's name
        when += f" ({name})"
    return f"{event.subject} — {when}"


def memo_key(product: str) -> tuple[str, str]:
    """Where the upcoming events read for a page are kept (RenderContext.memo)."""
    return ("goto-events", product)


def noun(product: str) -> str:
    return {"webinar": "webinar", "training": "training", "meeting": "meeting"}.get(
        product, "event"
    )


# --- Field types ------------------------------------------------------------------------------


class EventFieldType(ChoicesType):
    product: ClassVar[str] = ""
    group = "GoTo"
    icon = "bi-calendar-event"
    uses_placeholder = True
    mappable = False
    has_default = False

    def builder_fields(self) -> dict[str, forms.Field]:
        return {
            "multiple": forms.BooleanField(
                required=False,
                label=f"Several {noun(self.product)}s may be chosen",
                help_text="Ticked: checkboxes. Not ticked: a drop-down list.",
            )
        }

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"multiple": bool(config.get("multiple"))}

    def clean_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {"multiple": bool(cleaned.get("multiple"))}

    def is_multiple(self, field: Field) -> bool:
        return bool(field.config.get("multiple"))

    def choices(self, field: Field, context: RenderContext) -> Choices:
        return [(event.key, event_label(event)) for event in self.events(context)]

    def events(self, context: RenderContext) -> list[Event]:
        key = memo_key(self.product)
        if key not in context.memo:
            context.memo[key] = list(upcoming_events(self.product, context.now))
        return list(context.memo[key])

    def widget(self, field: Field) -> forms.Widget:
        if self.is_multiple(field):
            return forms.CheckboxSelectMultiple()
        return forms.Select()


class WebinarEventField(EventFieldType):
    key = "goto_webinar_event"
    label = "GoToWebinar event"
    product = "webinar"
    invalid_choice = "This webinar is no longer open for registration. Choose another."


class TrainingEventField(EventFieldType):
    key = "goto_training_event"
    label = "GoToTraining event"
    product = "training"
    invalid_choice = "This training is no longer open for registration. Choose another."


# --- Registration actions ---------------------------------------------------------------------


def event_choice_field(product: str, *, allow_form: bool) -> forms.ChoiceField:
    choices = [
        (str(event.pk), event_label(event)) for event in upcoming_events(product, timezone.now())
    ]
    if allow_form:
        choices.insert(0, (FROM_FORM, f"The {noun(product)} chosen in the form"))
    return forms.ChoiceField(
        choices=choices,
        label=noun(product).capitalize(),
        help_text=f"Only upcoming {noun(product)}s known from the last GoTo sync are listed.",
    )


def fixed_event(config: Mapping[str, Any]) -> Event | None:
    event_id = config.get("event_id")
    if not event_id:
        return None
    return Event.objects.filter(pk=event_id).first()


def fixed_event_problems(label: str, product: str, config: Mapping[str, Any]) -> list[str]:
    event = fixed_event(config)
    if event is None or event.product != product:
        return [f"“{label}”: its {noun(product)} is no longer in the catalogue. Choose another."]
    if event.status == Event.Status.CANCELLED or event.is_over:
        return [f"“{label}”: “{event.subject}” is over or cancelled. Choose another."]
    return []


def event_config(product: str, value: str) -> dict[str, Any]:
    if value == FROM_FORM:
        return {"event": FROM_FORM}
    event = Event.objects.get(pk=int(value), product=product)
    return {"event_id": event.pk, "event_key": event.key, "event_subject": event.subject}


class RegisterAction(ActionType):
    product: ClassVar[str] = ""
    field_type: ClassVar[str] = ""
    group = "GoTo"
    icon = "bi-calendar-check"

    def available(self) -> bool:
        return ProductConnection.objects.filter(product=self.product, enabled=True).exists()

    def config_form(
        self,
        form: Form,
        data: Mapping[str, Any] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> forms.Form:
        config_form = forms.Form(data=data, initial=initial)
        config_form.fields["event"] = event_choice_field(self.product, allow_form=True)
        return config_form

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        if config.get("event") == FROM_FORM or not config:
            return {"event": FROM_FORM}
        return {"event": str(config.get("event_id") or "")}

    def to_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return event_config(self.product, cleaned["event"])

    def problems(self, form: Form, fields: Sequence[Field], config: Mapping[str, Any]) -> list[str]:
        found = required_mapping_problems(self.label, fields, PERSON)
        if config.get("event") == FROM_FORM:
            event_fields = [f for f in fields if f.field_type == self.field_type]
            if not any(f.required for f in event_fields):
                what = PRODUCTS[self.product].label
                why = (
                    f"“{event_fields[0].label}” is not required"
                    if event_fields
                    else f"the form has no “{what} event” field"
                )
                found.append(
                    f"“{self.label}” registers for the {noun(self.product)} chosen in the form, "
                    f"which needs a required “{what} event” field: {why}."
                )
        else:
            found.extend(fixed_event_problems(self.label, self.product, config))
        return found

    def summary(self, config: Mapping[str, Any]) -> str:
        if config.get("event") == FROM_FORM:
            return f"The {noun(self.product)} chosen in the form"
        return f"{noun(self.product).capitalize()}: {config.get('event_subject') or '?'}"

    def run(self, action: FormAction, context: SubmissionContext) -> list[Outcome]:
        contact = context.contact
        if contact is None:
            return [Outcome(self.label, Status.FAILED, "No contact: the email could not be saved.")]
        person = registrations.Person(
            context.mapped("email"), context.mapped("first_name"), context.mapped("last_name")
        )
        events = self.events(action.config, context)
        if not events:
            message = f"No {noun(self.product)} was chosen."
            return [Outcome(self.label, Status.SKIPPED, message)]
        return [
            registrations.request_registration(
                event, contact, person, submission_id=context.submission.pk
            )
            for event in events
        ]

    def events(self, config: Mapping[str, Any], context: SubmissionContext) -> list[Event]:
        if config.get("event") != FROM_FORM:
            event = fixed_event(config)
            return [event] if event is not None else []
        keys = list(dict.fromkeys(context.values_of_type(self.field_type)))
        checked = context.memo.get(memo_key(self.product))  # the list the answers were checked on
        if checked is None:
            accounts = ProductConnection.objects.filter(product=self.product).values("account_id")
            checked = Event.objects.filter(
                product=self.product, account_id__in=accounts, key__in=keys
            )
        found = {event.key: event for event in checked}
        return [found[key] for key in keys if key in found]


class RegisterWebinar(RegisterAction):
    key = "goto_register_webinar"
    label = "Register to GoToWebinar"
    description = "Register the person to a webinar; the join link is stored with the contact."
    product = "webinar"
    field_type = WebinarEventField.key


class RegisterTraining(RegisterAction):
    key = "goto_register_training"
    label = "Register to GoToTraining"
    description = "Register the person to a training; the join link is stored with the contact."
    product = "training"
    field_type = TrainingEventField.key


# --- Host-link actions (internal users only) --------------------------------------------------


def host_link_body(context: SubmissionContext, intro: str, links: Sequence[str]) -> str:
    person = " ".join(
        part for part in (context.mapped("first_name"), context.mapped("last_name")) if part
    )
    who = f"{person} <{context.mapped('email')}>" if person else context.mapped("email")
    return "\n".join(
        [
            f"{who or 'A visitor'} filled in the form “{context.form.name}”.",
            "",
            intro,
            *links,
            "",
            "These links are for organizers only: do not forward them to the person.",
        ]
    )


def send_to_users(user_ids: Sequence[int], subject: str, body: str) -> list[str]:
    recipients = user_emails(user_ids)
    if recipients:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except OSError as error:
            raise RetryLater(f"The mail server did not take the message ({error}).") from None
    return recipients


def goto_failure(label: str, error: errors.GoToError) -> list[Outcome]:
    """A retryable GoTo failure is retried by the deferred-action task; others are final."""
    message = registrations.describe(error)
    if error.retryable:
        raise RetryLater(
            message, countdown=registrations.backoff(1, getattr(error, "retry_after", None))
        )
    return [Outcome(label, Status.FAILED, message)]


class HostLinkAction(ActionType):
    group = "GoTo (to your team)"
    icon = "bi-send"
    deferred = True

    def users_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {"user_ids": [user.pk for user in cleaned["users"]]}


class StartLinkAction(HostLinkAction):
    product: ClassVar[str] = ""

    def available(self) -> bool:
        return ProductConnection.objects.filter(product=self.product, enabled=True).exists()

    def config_form(
        self,
        form: Form,
        data: Mapping[str, Any] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> forms.Form:
        config_form = forms.Form(data=data, initial=initial)
        config_form.fields["event"] = event_choice_field(self.product, allow_form=False)
        config_form.fields["users"] = users_field(
            help_text="Convene users who receive the start link (never the person who filled "
            "in the form)."
        )
        return config_form

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"event": str(config.get("event_id") or ""), "users": config.get("user_ids") or []}

    def to_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {**event_config(self.product, cleaned["event"]), **self.users_config(cleaned)}

    def problems(self, form: Form, fields: Sequence[Field], config: Mapping[str, Any]) -> list[str]:
        return fixed_event_problems(self.label, self.product, config)

    def summary(self, config: Mapping[str, Any]) -> str:
        count = len(config.get("user_ids") or [])
        return f"“{config.get('event_subject') or '?'}” to {count} user{'s' * (count != 1)}"

    def run(self, action: FormAction, context: SubmissionContext) -> list[Outcome]:
        event = fixed_event(action.config)
        if event is None:
            return [Outcome(self.label, Status.FAILED, "The event is no longer in the catalogue.")]
        try:
            link = self.start_url(event)
        except errors.GoToError as error:
            return goto_failure(self.label, error)
        subject = f"Start link: {event.subject}"
        intro = f"Start the {noun(self.product)} “{event.subject}” as its organizer:"
        body = host_link_body(context, intro, [link])
        sent = send_to_users(action.config.get("user_ids") or [], subject, body)
        if not sent:
            return [Outcome(self.label, Status.SKIPPED, "None of the chosen users has an email.")]
        return [Outcome(self.label, Status.DONE, f"Start link sent to {', '.join(sent)}.")]

    def start_url(self, event: Event) -> str:
        raise NotImplementedError


class MeetingStartLink(StartLinkAction):
    key = "goto_meeting_start_link"
    label = "Send GoToMeeting start link"
    description = "Email a meeting's start link to your team when the form is submitted."
    product = "meeting"

    def start_url(self, event: Event) -> str:
        return meeting.get_start_url(registrations.api_for(event.account), event.key)


class TrainingStartLink(StartLinkAction):
    key = "goto_training_start_link"
    label = "Send GoToTraining start link"
    description = "Email a training's start link to your team when the form is submitted."
    product = "training"

    def start_url(self, event: Event) -> str:
        return training.get_start_url(registrations.api_for(event.account), event.key)


class AssistSession(HostLinkAction):
    key = "goto_assist_session"
    label = "Request a GoToAssist session"
    description = (
        "Open a remote-support session for the person and email its links to your team, "
        "who then invite the person."
    )

    def available(self) -> bool:
        return ProductConnection.objects.filter(product="assist", enabled=True).exists()

    def config_form(
        self,
        form: Form,
        data: Mapping[str, Any] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> forms.Form:
        config_form = forms.Form(data=data, initial=initial)
        config_form.fields["users"] = users_field(
            help_text="Convene users who receive the session's links."
        )
        return config_form

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"users": config.get("user_ids") or []}

    def to_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return self.users_config(cleaned)

    def problems(self, form: Form, fields: Sequence[Field], config: Mapping[str, Any]) -> list[str]:
        return required_mapping_problems(self.label, fields, PERSON)

    def summary(self, config: Mapping[str, Any]) -> str:
        count = len(config.get("user_ids") or [])
        return f"Links to {count} user{'s' * (count != 1)}"

    def run(self, action: FormAction, context: SubmissionContext) -> list[Outcome]:
        connection = (
            ProductConnection.objects.select_related("account").filter(product="assist").first()
        )
        if connection is None or connection.account is None or not connection.enabled:
            return [Outcome(self.label, Status.FAILED, "GoToAssist is not connected.")]
        name = f"{context.mapped('first_name')} {context.mapped('last_name')}".strip()
        try:
            session = assist.create_session(
                registrations.api_for(connection.account),
                customer_name=name,
                customer_email=context.mapped("email"),
            )
        except errors.GoToError as error:
            return goto_failure(self.label, error)
        links = [
            f"Your (expert) link: {session.launch_url}",
            f"The person's link, to send them yourself: {session.customer_join_url}",
        ]
        body = host_link_body(context, "A GoToAssist session was opened:", links)
        sent = send_to_users(
            action.config.get("user_ids") or [], "GoToAssist session request", body
        )
        if not sent:
            return [Outcome(self.label, Status.SKIPPED, "None of the chosen users has an email.")]
        return [Outcome(self.label, Status.DONE, f"Session links sent to {', '.join(sent)}.")]


def register() -> None:
    register_field_type(WebinarEventField())
    register_field_type(TrainingEventField())
    for action_type in (
        RegisterWebinar(),
        RegisterTraining(),
        MeetingStartLink(),
        TrainingStartLink(),
        AssistSession(),
    ):
        register_action_type(action_type)
