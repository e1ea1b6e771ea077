"""The registry of form field types.

forms_builder registers the standard types (text, email, choices…); other apps add theirs from
their AppConfig.ready() with `register_field_type()`, e.g. gotoplugins' event lists. A type
says how the builder configures it, which Django form field a visitor fills in, how the value
is stored and how it reads back. A field whose type is no longer registered (its app was
removed) is left out of the public form and flagged in the builder.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone

from contacts.models import Contact
from contacts.services import clean_email
from forms_builder.models import Field

StoredValue = str | list[str]
Choices = list[tuple[str, str]]

EMAIL_MAPPING = "email"
CUSTOM_PREFIX = "custom:"
MAX_CHOICES = 200


@dataclass(frozen=True)
class RenderContext:
    """What a type may need to build its input: the time (for lists of upcoming things), and
    a memo for what it looked up once per page (choices read from the database)."""

    now: datetime
    memo: dict[Any, Any] = dataclass_field(default_factory=dict, compare=False)


class FieldType:
    """Base of every field type. Subclasses set the class attributes and override hooks."""

    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    group: ClassVar[str] = "Standard"
    icon: ClassVar[str] = "bi-input-cursor-text"
    default_max_length: ClassVar[int] = 255
    max_length_limit: ClassVar[int] = 5000
    # Values are lists (several choices); their CSV cell joins them with "; ".
    multiple: ClassVar[bool] = False
    # May fill a contact field; only types with maps_email may fill the email.
    mappable: ClassVar[bool] = True
    maps_email: ClassVar[bool] = False
    uses_placeholder: ClassVar[bool] = True
    can_be_required: ClassVar[bool] = True
    has_max_length: ClassVar[bool] = True
    has_default: ClassVar[bool] = True

    # --- The builder ------------------------------------------------------------------------

    def builder_fields(self) -> dict[str, forms.Field]:
        """Extra inputs of this type in the field editor; their cleaned values form `config`."""
        return {}

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return dict(config)

    def clean_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON stored in Field.config, from the cleaned builder inputs."""
        return {name: cleaned[name] for name in self.builder_fields() if name in cleaned}

    def problems(self, field: Field) -> list[str]:
        """What is wrong with a saved field of this type (shown and refused in the builder)."""
        return []

    # --- The public form --------------------------------------------------------------------

    def is_multiple(self, field: Field) -> bool:
        return self.multiple

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        raise NotImplementedError

    def to_stored(self, field: Field, cleaned: Any) -> StoredValue:
        """A JSON-safe value for Submission.data, from the Django field's cleaned value."""
        if cleaned is None:
            return ""
        if isinstance(cleaned, list | tuple):
            return list(dict.fromkeys(str(item) for item in cleaned))  # each choice once
        return str(cleaned)

    def display(self, field: Field, value: StoredValue, context: RenderContext) -> str:
        """The value as a person reads it; called once, at submit time."""
        return "; ".join(value) if isinstance(value, list) else value

    def contact_value(self, value: StoredValue) -> str:
        return ", ".join(value) if isinstance(value, list) else value


# --- Helpers shared by the standard types -----------------------------------------------------


def effective_max_length(field: Field, field_type: FieldType, limit: int | None = None) -> int:
    length = field.max_length or field_type.default_max_length
    length = min(length, field_type.max_length_limit)
    return min(length, limit) if limit else length


def text_attrs(field: Field, field_type: FieldType) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if field.placeholder and field_type.uses_placeholder:
        attrs["placeholder"] = field.placeholder
    return attrs


def common(field: Field) -> dict[str, Any]:
    return {
        "label": field.label,
        "help_text": field.help_text,
        "required": field.required,
        "initial": field.default_value or None,
    }


def parse_choices(text: str) -> Choices:
    """One choice a line: "Label", or "value|Label" when the stored value differs."""
    choices: Choices = []
    seen: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        value, _, label = line.partition("|")
        value, label = value.strip(), (label.strip() or value.strip())
        if value in seen:
            raise ValidationError(f"“{value}” is listed twice.")
        seen.add(value)
        choices.append((value, label))
    if len(choices) > MAX_CHOICES:
        raise ValidationError(f"At most {MAX_CHOICES} choices.")
    return choices


def choices_text(choices: Sequence[Sequence[str]]) -> str:
    return "\n".join(value if value == label else f"{value}|{label}" for value, label in choices)


# --- The standard types -----------------------------------------------------------------------


class TypedText(forms.CharField):
    """Text as a person types it. Invisible characters (format characters such as zero-width
    spaces) and white space at either end are trimmed, so an answer of only those is no
    answer; control characters, and line breaks outside a paragraph, are refused: they have
    no place in a name and forge lines in a notification."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        start, end = 0, len(text)
        while start < end and _invisible(text[start]):
            start += 1
        while end > start and _invisible(text[end - 1]):
            end -= 1
        return text[start:end]

    def validate(self, value: Any) -> None:
        super().validate(value)
        allowed = "\t\n\r" if self.multiline else "\t"
        if any(unicodedata.category(char) == "Cc" and char not in allowed for char in value):
            raise ValidationError(
                "Remove the control characters from this text."
                if self.multiline
                else "Write this on one line, without control characters."
            )


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


class TextType(FieldType):
    key = "text"
    label = "Text"

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        return TypedText(
            max_length=effective_max_length(field, self, contact_limit(field)),
            widget=forms.TextInput(attrs=text_attrs(field, self)),
            **common(field),
        )


class TextareaType(FieldType):
    key = "textarea"
    label = "Paragraph"
    icon = "bi-textarea-t"
    default_max_length = 5000
    max_length_limit = 20000

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        return TypedText(
            multiline=True,
            max_length=effective_max_length(field, self, contact_limit(field)),
            widget=forms.Textarea(attrs={**text_attrs(field, self), "rows": "4"}),
            **common(field),
        )


class EmailField(TypedText):
    """Checked the way contacts are (normalised, IDN domains); stored as the visitor typed it."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            clean_email(value)


class EmailType(FieldType):
    key = "email"
    label = "Email"
    icon = "bi-envelope"
    default_max_length = 254
    max_length_limit = 254
    maps_email = True

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        attrs = {**text_attrs(field, self), "type": "email", "autocomplete": "email"}
        return EmailField(
            max_length=effective_max_length(field, self),
            widget=forms.TextInput(attrs=attrs),
            **common(field),
        )


class ChoicesType(FieldType):
    """Select, radio buttons and checkboxes: a fixed list typed in the builder."""

    icon = "bi-list-ul"
    uses_placeholder = False
    has_max_length = False
    invalid_choice = "This is not one of the choices."

    def builder_fields(self) -> dict[str, forms.Field]:
        return {
            "choices": forms.CharField(
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text="One choice a line. Write value|Label to store a value other than "
                "the label.",
            )
        }

    def config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"choices": choices_text(config.get("choices") or [])}

    def clean_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        choices = parse_choices(cleaned.get("choices") or "")
        if not choices:
            raise ValidationError({"choices": "Add at least one choice."})
        return {"choices": [list(choice) for choice in choices]}

    def choices(self, field: Field, context: RenderContext) -> Choices:
        return [(str(v), str(label)) for v, label in field.config.get("choices") or []]

    def problems(self, field: Field) -> list[str]:
        """A choice the mapped contact field cannot hold would fail every visitor who picks
        it (answers joined with ", " when several may be chosen)."""
        limit = contact_limit(field)
        values = [value for value, _ in self.choices(field, now_context())]
        longest = (
            len(", ".join(values)) if self.is_multiple(field) else max(map(len, values), default=0)
        )
        if limit is None or longest <= limit:
            return []
        return [
            f"“{field.label}” has choices longer than the contact's "
            f"{field.contact_field.replace('_', ' ')} can hold ({limit} characters): shorten "
            "their values or save the field to another contact field."
        ]

    def display(self, field: Field, value: StoredValue, context: RenderContext) -> str:
        labels = dict(self.choices(field, context))
        values = value if isinstance(value, list) else [value] if value else []
        return "; ".join(labels.get(item, item) for item in values)

    def widget(self, field: Field) -> forms.Widget:
        raise NotImplementedError

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        choices = self.choices(field, context)
        errors = {"invalid_choice": self.invalid_choice}
        if self.is_multiple(field):
            return forms.MultipleChoiceField(
                choices=choices, widget=self.widget(field), error_messages=errors, **common(field)
            )
        if isinstance(self.widget(field), forms.Select):
            choices = [("", field.placeholder or "Choose…"), *choices]
        return forms.ChoiceField(
            choices=choices, widget=self.widget(field), error_messages=errors, **common(field)
        )


class SelectType(ChoicesType):
    key = "select"
    label = "Drop-down list"
    icon = "bi-menu-button-wide"
    uses_placeholder = True

    def widget(self, field: Field) -> forms.Widget:
        return forms.Select()


class RadioType(ChoicesType):
    key = "radio"
    label = "Radio buttons"
    icon = "bi-ui-radios"

    def widget(self, field: Field) -> forms.Widget:
        return forms.RadioSelect()


class CheckboxesType(ChoicesType):
    key = "checkboxes"
    label = "Checkboxes (several choices)"
    icon = "bi-ui-checks"
    multiple = True

    def widget(self, field: Field) -> forms.Widget:
        return forms.CheckboxSelectMultiple()


class CheckboxType(FieldType):
    """One box to tick, e.g. consent. Stored as "yes" or ""."""

    key = "checkbox"
    label = "Checkbox (yes/no)"
    icon = "bi-check2-square"
    uses_placeholder = False
    has_max_length = False

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        options = common(field)
        options["initial"] = field.default_value.strip().lower() in ("yes", "1", "true", "on")
        return forms.BooleanField(
            widget=forms.CheckboxInput(),
            error_messages={"required": "Tick this box to continue."},
            **options,
        )

    def to_stored(self, field: Field, cleaned: Any) -> StoredValue:
        return "yes" if cleaned else ""

    def display(self, field: Field, value: StoredValue, context: RenderContext) -> str:
        return "Yes" if value else "No"


class WrittenNumber(forms.DecimalField):
    """A number as people write it: ASCII digits, one point, a sign, an exponent at most.
    (Python's Decimal also takes "1_0" and digits of other scripts, which then read wrong.)"""

    WRITTEN = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip() and not self.WRITTEN.fullmatch(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class NumberType(FieldType):
    key = "number"
    label = "Number"
    icon = "bi-123"
    default_max_length = 30
    max_length_limit = 30
    has_max_length = False

    def builder_fields(self) -> dict[str, forms.Field]:
        return {
            "min_value": forms.DecimalField(required=False, label="Smallest", max_digits=20),
            "max_value": forms.DecimalField(required=False, label="Largest", max_digits=20),
            "whole": forms.BooleanField(required=False, label="Whole numbers only"),
        }

    def clean_config(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        low, high = cleaned.get("min_value"), cleaned.get("max_value")
        if low is not None and high is not None and low > high:
            raise ValidationError({"max_value": "The largest must not be below the smallest."})
        return {
            "min_value": None if low is None else str(low),
            "max_value": None if high is None else str(high),
            "whole": bool(cleaned.get("whole")),
        }

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        config = field.config
        low, high = config.get("min_value"), config.get("max_value")
        attrs = {**text_attrs(field, self), "inputmode": "decimal"}
        return WrittenNumber(
            max_digits=20,
            decimal_places=0 if config.get("whole") else 10,
            min_value=None if low is None else Decimal(low),
            max_value=None if high is None else Decimal(high),
            widget=forms.TextInput(attrs=attrs),
            **common(field),
        )

    def to_stored(self, field: Field, cleaned: Any) -> StoredValue:
        if cleaned is None:
            return ""
        # Without an exponent and trailing zeros: 1E+1 → "10", 2.50 → "2.5".
        text = format(Decimal(cleaned).normalize(), "f")
        return text


class DateType(FieldType):
    key = "date"
    label = "Date"
    icon = "bi-calendar-date"
    uses_placeholder = False
    has_max_length = False

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}),
            input_formats=["%Y-%m-%d"],
            error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
            **common(field),
        )

    def to_stored(self, field: Field, cleaned: Any) -> StoredValue:
        return cleaned.isoformat() if isinstance(cleaned, date) else ""


class HiddenType(FieldType):
    """A value the visitor does not see: the default, or ?<key>=… on the form's address."""

    key = "hidden"
    label = "Hidden value"
    icon = "bi-eye-slash"
    default_max_length = 1000
    max_length_limit = 1000
    uses_placeholder = False
    can_be_required = False

    def form_field(self, field: Field, context: RenderContext) -> forms.Field:
        options = common(field)
        options["required"] = False
        return HiddenText(
            max_length=effective_max_length(field, self, contact_limit(field)),
            widget=forms.HiddenInput(),
            **options,
        )


class HiddenText(TypedText):
    """The visitor can neither see nor mend a hidden value (it came with the link): one that
    does not fit is left out ("") instead of refusing the whole form."""

    def clean(self, value: Any) -> str:
        try:
            return str(super().clean(value))
        except ValidationError:
            return ""


def contact_limit(field: Field) -> int | None:
    """The mapped contact field's own length limit (custom fields have none)."""
    name = field.contact_field
    if not name or name.startswith(CUSTOM_PREFIX):
        return None
    try:
        model_field = Contact._meta.get_field(name)
    except FieldDoesNotExist:  # an unknown name is reported by the builder
        return None
    return getattr(model_field, "max_length", None)


# --- The registry -----------------------------------------------------------------------------

_TYPES: dict[str, FieldType] = {}


def register_field_type(field_type: FieldType) -> None:
    known = _TYPES.get(field_type.key)
    if known is not None and type(known) is not type(field_type):
        raise ValueError(f"Field type {field_type.key!r} is already registered.")
    _TYPES[field_type.key] = field_type


def get_field_type(key: str) -> FieldType | None:
    return _TYPES.get(key)


def field_types() -> list[FieldType]:
    """Standard types first, then each contributed group, in registration order."""
    return sorted(_TYPES.values(), key=lambda t: t.group != "Standard")


def register_standard_types() -> None:
    for field_type in (
        TextType(),
        EmailType(),
        TextareaType(),
        SelectType(),
        RadioType(),
        CheckboxType(),
        CheckboxesType(),
        NumberType(),
        DateType(),
        HiddenType(),
    ):
        register_field_type(field_type)


def now_context() -> RenderContext:
    return RenderContext(now=timezone.now())
