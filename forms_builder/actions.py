"""The registry of form actions: what happens with each submission, in the form's order.

Saving to a contact is built in and always runs first (services.py). Other actions are types
registered here: forms_builder registers "Notify users by email" and "Add to segment";
gotoplugins adds its GoTo actions from its AppConfig.ready(). An action type

- gives the builder a config form and checks the whole form when it is saved (`problems`);
- runs with a submission and returns Outcomes, stored as ActionResult rows.

A `deferred` type runs in a task after the submission is stored (mail, remote calls), never
while the visitor waits. An action may hand its work to its own queue and return a pending
Outcome with a `ref`; its queue updates the row later through services.update_results().
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from contacts.models import Contact
from forms_builder.fields import EMAIL_MAPPING, StoredValue, get_field_type
from forms_builder.models import ActionResult, Field, Form, FormAction, Submission
from segments.models import Segment
from segments.services import add_by_hand

Status = ActionResult.Status


@dataclass(frozen=True)
class Outcome:
    """One line of what an action did (an ActionResult row)."""

    title: str
    status: str
    message: str = ""
    link: str = ""
    link_label: str = ""
    ref: str = ""


@dataclass
class SubmissionContext:
    """Everything an action may read about one submission."""

    form: Form
    fields: list[Field]
    submission: Submission
    contact: Contact | None
    values: dict[str, StoredValue] = field(default_factory=dict)
    # What field types looked up while checking the answers (RenderContext.memo), for reuse.
    memo: dict[Any, Any] = field(default_factory=dict)

    def mapped(self, contact_field: str) -> str:
        """The submitted value of the field mapped to this contact field ("" if none); for the
        email, the contact's, normalised (no invisible characters, an IDN domain in ASCII):
        what GoTo and mail servers can take."""
        if contact_field == EMAIL_MAPPING and self.contact is not None:
            return self.contact.email
        for item in self.fields:
            if item.contact_field == contact_field:
                value = self.values.get(item.key, "")
                return ", ".join(value) if isinstance(value, list) else value.strip()
        return ""

    def values_of_type(self, type_key: str) -> list[str]:
        """Every value submitted in fields of this type, in field order."""
        found: list[str] = []
        for item in self.fields:
            if item.field_type != type_key:
                continue
            value = self.values.get(item.key, "")
            found.extend(value if isinstance(value, list) else [value] if value else [])
        return found


@dataclass(frozen=True)
class SetupNeeded:
    """What is missing before this action can be added (shown above its config form)."""

    message: str
    link: str = ""
    link_label: str = ""


class RetryLater(Exception):
    """A deferred action failed in a way worth trying again (say, a mail server is down)."""

    def __init__(self, message: str, countdown: float = 60.0) -> None:
        super().__init__(message)
        self.message = message
        self.countdown = countdown


class ActionType:
    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    group: ClassVar[str] = "Core"
    icon: ClassVar[str] = "bi-lightning"
    description: ClassVar[str] = ""
    deferred: ClassVar[bool] = False

    def available(self) -> bool:
        """Offered in the builder's "Add action" menu (existing actions always run)."""
        return True

    def setup_needed(self) -> SetupNeeded | None:
        """What to create first when the config form has nothing to choose from, or None."""
        return None

    def config_form(
        self,
        form: Form,
        data: Mapping[str, Any] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> forms.Form:
        return forms.Form(data=data, initial=initial)

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return dict(config)

    def to_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        """JSON for FormAction.config from the config form's cleaned data."""
        return dict(cleaned)

    def problems(self, form: Form, fields: Sequence[Field], config: Mapping[str, Any]) -> list[str]:
        """Why the form cannot be saved with this action as it is (clear, actionable)."""
        return []

    def summary(self, config: Mapping[str, Any]) -> str:
        return ""

    def run(self, action: FormAction, context: SubmissionContext) -> list[Outcome]:
        raise NotImplementedError


# --- Helpers for action types -----------------------------------------------------------------


def internal_users() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True).exclude(email="").order_by("username")


def users_field(label: str = "Send to", help_text: str = "") -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=internal_users(),
        label=label,
        help_text=help_text or "Convene users (with an email address) who receive it.",
        widget=forms.CheckboxSelectMultiple,
    )


def user_emails(user_ids: Sequence[int]) -> list[str]:
    return list(internal_users().filter(pk__in=user_ids).values_list("email", flat=True))


def required_mapping_problems(
    label: str, fields: Sequence[Field], needed: Sequence[tuple[str, str]]
) -> list[str]:
    """One message naming each contact field in `needed` ((name, label)) that no required
    field fills, and why: no field fills it, or the one that does is not required."""
    reasons = []
    for name, text in needed:
        mapped = [item for item in fields if item.contact_field == name]
        if any(item.required for item in mapped):
            continue
        if mapped:
            reasons.append(f"“{mapped[0].label}” fills the contact's {text} but is not required")
        else:
            reasons.append(f"no field fills the contact's {text}")
    if not reasons:
        return []
    return [
        f"“{label}” needs required fields filling the contact's "
        f"{join_words([text for _, text in needed])}: {join_words(reasons, ', and ')}."
    ]


def join_words(words: Sequence[str], last: str = " and ") -> str:
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])}{last}{words[-1]}"


def submission_lines(context: SubmissionContext) -> list[str]:
    """ "Label: value" for every field with an answer, as read at submit time."""
    display = context.submission.display
    return [
        f"{item.label}: {display.get(item.key, '')}"
        for item in context.fields
        if context.values.get(item.key) not in ("", [], None)
    ]


# --- Core action types ------------------------------------------------------------------------


def one_line(text: str) -> str:
    """The text on one line: line breaks (and runs of spaces) become one space.

    A mail header with a line break is refused by Django (BadHeaderError), and would otherwise
    let the text add headers of its own.
    """
    return " ".join(text.split())


class NotifyForm(forms.Form):
    users = users_field()
    # The help text names the form (config_form): help texts are rendered as HTML, so it is
    # built with format_html and never holds a bare "<…>".
    subject = forms.CharField(max_length=200, required=False)

    def clean_subject(self) -> str:
        subject = str(self.cleaned_data.get("subject") or "")
        if len(subject.splitlines()) > 1:
            raise forms.ValidationError("The subject must be one line: remove the line breaks.")
        return subject


class NotifyUsers(ActionType):
    key = "notify_users"
    label = "Notify users by email"
    icon = "bi-envelope-paper"
    description = "Email the answers to Convene users."
    deferred = True

    def config_form(
        self,
        form: Form,
        data: Mapping[str, Any] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> forms.Form:
        config_form = NotifyForm(data=data, initial=initial)
        default = one_line(f"New submission: {form.name}")
        config_form.fields["subject"].help_text = format_html("Empty: “{}”.", default)
        return config_form

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"users": config.get("user_ids") or [], "subject": config.get("subject") or ""}

    def setup_needed(self) -> SetupNeeded | None:
        if internal_users().exists():
            return None
        return SetupNeeded(
            "No active Convene user has an email address to send to: an admin can add one "
            "on the Users page."
        )

    def to_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "user_ids": [user.pk for user in cleaned["users"]],
            "subject": cleaned.get("subject") or "",
        }

    def summary(self, config: Mapping[str, Any]) -> str:
        count = len(config.get("user_ids") or [])
        return f"{count} user{'s' if count != 1 else ''}"

    def run(self, action: FormAction, context: SubmissionContext) -> list[Outcome]:
        recipients = user_emails(action.config.get("user_ids") or [])
        if not recipients:
            return [Outcome(self.label, Status.SKIPPED, "None of the chosen users has an email.")]
        # One line even for a subject or form name stored before the builder refused breaks.
        subject = one_line(action.config.get("subject") or f"New submission: {context.form.name}")
        link = settings.SITE_URL + reverse(
            "forms_builder:submission", args=[context.form.pk, context.submission.pk]
        )
        lines = [f"A visitor submitted “{context.form.name}”.", "", *submission_lines(context)]
        body = "\n".join([*lines, "", link])
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except OSError as error:
            raise RetryLater(f"The mail server did not take the message ({error}).") from None
        return [Outcome(self.label, Status.DONE, f"Sent to {', '.join(recipients)}.")]


class SegmentsForm(forms.Form):
    segments = forms.ModelMultipleChoiceField(
        queryset=Segment.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text="The contact is added by hand: segment rebuilds keep them in.",
        error_messages={"required": "Choose at least one segment."},
    )


class AddToSegment(ActionType):
    key = "add_to_segment"
    label = "Add to segment"
    icon = "bi-people"
    description = "Put the contact who submitted into segments."

    def config_form(
        self,
        form: Form,
        data: Mapping[str, Any] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> forms.Form:
        return SegmentsForm(data=data, initial=initial)

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"segments": config.get("segment_ids") or []}

    def setup_needed(self) -> SetupNeeded | None:
        if Segment.objects.exists():
            return None
        return SetupNeeded(
            "There are no segments yet: create one, then come back to add this action.",
            reverse("segments:create"),
            "Create a segment",
        )

    def to_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        segments = list(cleaned["segments"])
        return {
            "segment_ids": [segment.pk for segment in segments],
            "segment_names": [segment.name for segment in segments],
        }

    def problems(self, form: Form, fields: Sequence[Field], config: Mapping[str, Any]) -> list[str]:
        found = []
        if email_field(fields) is None:
            found.append(f"“{self.label}” needs an Email field saved to the contact's email.")
        ids = set(config.get("segment_ids") or [])
        if len(ids) > Segment.objects.filter(pk__in=ids).count():
            found.append(f"“{self.label}”: a chosen segment was deleted. Choose again.")
        return found

    def summary(self, config: Mapping[str, Any]) -> str:
        return ", ".join(config.get("segment_names") or [])

    def run(self, action: FormAction, context: SubmissionContext) -> list[Outcome]:
        if context.contact is None:
            return [Outcome(self.label, Status.SKIPPED, "No contact to add.")]
        segments = Segment.objects.filter(pk__in=action.config.get("segment_ids") or [])
        outcomes = []
        for segment in segments.order_by("name"):
            added = add_by_hand(segment, context.contact)
            message = "Added." if added else "Already a member; now kept by hand."
            outcomes.append(Outcome(f"{self.label}: {segment.name}", Status.DONE, message))
        return outcomes or [Outcome(self.label, Status.SKIPPED, "The segments were deleted.")]


# --- The registry -----------------------------------------------------------------------------

_TYPES: dict[str, ActionType] = {}


def register_action_type(action_type: ActionType) -> None:
    known = _TYPES.get(action_type.key)
    if known is not None and type(known) is not type(action_type):
        raise ValueError(f"Action type {action_type.key!r} is already registered.")
    _TYPES[action_type.key] = action_type


def get_action_type(key: str) -> ActionType | None:
    return _TYPES.get(key)


def action_types() -> list[ActionType]:
    return sorted(_TYPES.values(), key=lambda t: t.group != "Core")


def register_core_actions() -> None:
    register_action_type(NotifyUsers())
    register_action_type(AddToSegment())


def email_field(fields: Sequence[Field]) -> Field | None:
    return next(
        (
            item
            for item in fields
            if item.contact_field == EMAIL_MAPPING
            and (t := get_field_type(item.field_type)) is not None
            and t.maps_email
        ),
        None,
    )
