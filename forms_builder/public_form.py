"""The Django form a visitor fills in, built from a form's fields and their registered types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from contacts.services import clean_contact_fields
from forms_builder.fields import (
    CUSTOM_PREFIX,
    EMAIL_MAPPING,
    FieldType,
    HiddenText,
    RenderContext,
    StoredValue,
    get_field_type,
)
from forms_builder.models import Field, Form

# Form id -> (the form's updated_at when its fields were read, the fields): see public_fields().
_fields_read: dict[int, tuple[datetime, tuple[Field, ...]]] = {}
MAX_FORMS_KEPT = 500

# Bootstrap's class for each kind of input (by widget input_type; "" for the rest).
WIDGET_CLASSES = {
    "checkbox": "form-check-input",
    "radio": "form-check-input",
    "select": "form-select",
}


def add_class(widget: forms.Widget, classes: Mapping[str, str]) -> None:
    kind = getattr(widget, "input_type", "")
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
        kind = "select"
    css = classes.get(kind, classes.get("", "form-control" if kind != "hidden" else ""))
    if css:
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def public_fields(form: Form) -> list[Field]:
    """The form's fields in order, read again only once the form has changed.

    The public view reads the form on every request anyway; every change to its fields moves
    its updated_at in the same transaction (services.changing), so a copy kept under the
    updated_at it was read with is never out of date, in any process. Read-only: the same
    Field objects serve every request of this process.
    """
    kept = _fields_read.get(form.pk)
    if kept is None or kept[0] != form.updated_at:
        if len(_fields_read) >= MAX_FORMS_KEPT:
            _fields_read.clear()
        kept = (form.updated_at, tuple(form.fields.all()))
        _fields_read[form.pk] = kept
    return list(kept[1])


def forget_fields() -> None:
    _fields_read.clear()


def usable_fields(fields: Sequence[Field]) -> list[tuple[Field, FieldType]]:
    """Fields whose type is registered, with it; the others are left out of the page."""
    found = []
    for field in fields:
        field_type = get_field_type(field.field_type)
        if field_type is not None:
            found.append((field, field_type))
    return found


class PublicForm(forms.Form):
    """Inputs named by field key. Posted names that are no field are ignored, never stored."""

    def __init__(
        self,
        definition: Form,
        fields: Sequence[Field],
        context: RenderContext,
        data: Mapping[str, Any] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data=data, initial=initial)
        self.definition = definition
        self.context = context
        self.typed_fields = usable_fields(fields)
        for field, field_type in self.typed_fields:
            self.fields[field.key] = field_type.form_field(field, context)
            add_class(self.fields[field.key].widget, WIDGET_CLASSES)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                add_class(self.fields[name].widget, {"": "is-invalid"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            self._check_contact_values()
            self._check_total_size()
        return cleaned

    @property
    def hidden_errors(self) -> list[str]:
        """Errors of hidden fields, which have no place of their own on the page."""
        return [
            f"{field.label}: {error}" for field in self.hidden_fields() for error in field.errors
        ]

    def stored_values(self) -> dict[str, StoredValue]:
        return {
            field.key: field_type.to_stored(field, self.cleaned_data.get(field.key))
            for field, field_type in self.typed_fields
        }

    def display_values(self, values: Mapping[str, StoredValue]) -> dict[str, str]:
        return {
            field.key: field_type.display(field, values.get(field.key, ""), self.context)
            for field, field_type in self.typed_fields
        }

    def contact_values(self, values: Mapping[str, StoredValue]) -> tuple[str, dict[str, Any]]:
        return contact_values(self.typed_fields, values)

    def _check_contact_values(self) -> None:
        """Mapped values must fit the contact (length, time-zone names): said to the visitor
        now, rather than failing after the submission is stored."""
        values = self.stored_values()
        _, mapped = self.contact_values(values)
        mapped.pop("custom_fields", None)
        try:
            clean_contact_fields(mapped)
        except ValidationError as error:
            by_contact_field = {field.contact_field: field for field, _ in self.typed_fields}
            for name, messages in error.message_dict.items():
                field = by_contact_field.get(name)
                if field is not None and isinstance(self.fields[field.key], HiddenText):
                    self.cleaned_data[field.key] = ""  # not the visitor's to mend: left out
                else:
                    self.add_error(field.key if field else None, messages)

    def _check_total_size(self) -> None:
        values = self.stored_values()
        size = sum(
            len(part.encode())
            for value in values.values()
            for part in (value if isinstance(value, list) else [value])
        )
        if size > self.definition.max_body_bytes:
            self.add_error(
                None,
                f"Your answers are too long altogether (at most {self.definition.max_body_bytes:,}"
                " bytes). Shorten them and submit again.",
            )


def contact_values(
    typed_fields: Sequence[tuple[Field, FieldType]], values: Mapping[str, StoredValue]
) -> tuple[str, dict[str, Any]]:
    """(email, other contact fields incl. custom_fields) from the mapped fields' values."""
    email = ""
    standard: dict[str, Any] = {}
    custom: dict[str, str] = {}
    for field, field_type in typed_fields:
        name = field.contact_field
        if not name:
            continue
        value = field_type.contact_value(values.get(field.key, ""))
        if name == EMAIL_MAPPING:
            email = value
        elif name.startswith(CUSTOM_PREFIX):
            custom[name.removeprefix(CUSTOM_PREFIX)] = value
        else:
            standard[name] = value
    if custom:
        standard["custom_fields"] = custom
    return email, standard
