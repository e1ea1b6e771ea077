"""The builder's Django forms: form settings, a field's editor, the submissions filter."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from contacts.models import CONTACT_FIELDS
from contacts.services import clean_contact_fields
from forms_builder.fields import CUSTOM_PREFIX, FieldType, now_context
from forms_builder.models import Field, Form
from forms_builder.protection import normal_origin
from forms_builder.services import contact_field_choices, contact_field_label

CONFIG_PREFIX = "config_"
CUSTOM_CHOICE = "custom"
CUSTOM_NAME = re.compile(r"[\w .'-]{1,80}")


def https_by_default(model_field: Any, **kwargs: Any) -> forms.Field | None:
    """Model fields' form fields, with "example.com" read as https://example.com."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class FormSettingsForm(forms.ModelForm):
    class Meta:
        formfield_callback = https_by_default
        model = Form
        fields = (
            "name",
            "slug",
            "description",
            "submit_label",
            "success_message",
            "redirect_url",
            "closes_at",
            "allow_embedding",
            "embed_origins",
            "overwrite_contact",
            "max_body_bytes",
        )
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "success_message": forms.Textarea(attrs={"rows": 3}),
            "embed_origins": forms.Textarea(attrs={"rows": 2}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def clean_name(self) -> str:
        """One line: the name goes into mail subjects ("New submission: <name>")."""
        return " ".join(str(self.cleaned_data["name"]).split())

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"]).lower()
        others = Form.objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("Another form already uses this address.")
        return slug

    def clean_embed_origins(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["embed_origins"].splitlines()]
        lines = [line for line in lines if line]
        origins = [normal_origin(line) for line in lines]
        bad = [line for line, origin in zip(lines, origins, strict=True) if origin is None]
        if bad:
            raise ValidationError(
                f"Not a site address: {', '.join(bad)}. Write one per line, e.g. "
                "https://www.example.com (or https://*.example.com for all its subdomains)."
            )
        return "\n".join(dict.fromkeys(origin for origin in origins if origin))

    def clean_closes_at(self) -> datetime | None:
        value = self.cleaned_data.get("closes_at")
        # Beyond these, converting between time zones overflows Python's calendar.
        if value is not None and not 1970 <= value.year <= 9000:
            raise ValidationError("Choose a date between the years 1970 and 9000.")
        return value


class FieldEditForm(forms.ModelForm):
    """The common settings of a field plus its type's own inputs (named config_<name>)."""

    custom_name = forms.CharField(
        required=False, max_length=80, label="Custom field name", help_text="E.g. “industry”."
    )

    class Meta:
        model = Field
        fields = (
            "label",
            "help_text",
            "placeholder",
            "required",
            "default_value",
            "contact_field",
            "max_length",
        )
        labels = {"max_length": "Maximum length"}

    def __init__(self, *args: Any, field_type: FieldType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_type = field_type
        self.config: dict[str, Any] = {}
        self._drop_unused()
        if "contact_field" in self.fields:
            choices = [*contact_field_choices(), (CUSTOM_CHOICE, "Custom field…")]
            self.fields["contact_field"] = forms.ChoiceField(
                choices=choices, required=False, label="Save to contact field"
            )
            mapping = self.instance.contact_field
            if mapping.startswith(CUSTOM_PREFIX):
                self.initial["contact_field"] = CUSTOM_CHOICE
                self.initial["custom_name"] = mapping.removeprefix(CUSTOM_PREFIX)
        if "max_length" in self.fields:
            limits = (
                f"Empty: {field_type.default_max_length}. At most {field_type.max_length_limit}."
            )
            self.fields["max_length"].help_text = limits
        initial = field_type.config_initial(self.instance.config or {})
        for name, form_field in field_type.builder_fields().items():
            self.fields[CONFIG_PREFIX + name] = form_field
            if name in initial:
                self.initial[CONFIG_PREFIX + name] = initial[name]

    def _drop_unused(self) -> None:
        field_type = self.field_type
        unused = {
            "contact_field": not field_type.mappable,
            "custom_name": not field_type.mappable,
            "placeholder": not field_type.uses_placeholder,
            "required": not field_type.can_be_required,
            "max_length": not field_type.has_max_length,
            "default_value": not field_type.has_default,
        }
        for name, drop in unused.items():
            if drop:
                del self.fields[name]

    def clean_max_length(self) -> int | None:
        value = self.cleaned_data.get("max_length")
        if value is not None and not 1 <= value <= self.field_type.max_length_limit:
            raise ValidationError(f"Between 1 and {self.field_type.max_length_limit}.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._clean_mapping(cleaned)
        self._clean_config(cleaned)
        if not self.errors:
            self._clean_default(cleaned)
        return cleaned

    def _clean_mapping(self, cleaned: dict[str, Any]) -> None:
        if cleaned.get("contact_field") != CUSTOM_CHOICE:
            return
        name = (cleaned.get("custom_name") or "").strip()
        if not CUSTOM_NAME.fullmatch(name):
            self.add_error("custom_name", "Name the custom field (letters, digits, spaces).")
            return
        cleaned["contact_field"] = CUSTOM_PREFIX + name

    def _clean_config(self, cleaned: dict[str, Any]) -> None:
        names = self.field_type.builder_fields()
        raw = {name: cleaned.get(CONFIG_PREFIX + name) for name in names}
        try:
            self.config = self.field_type.clean_config(raw)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, messages in error.message_dict.items():
                    self.add_error(CONFIG_PREFIX + name if name in names else None, messages)
            else:
                self.add_error(None, error)

    def _clean_default(self, cleaned: dict[str, Any]) -> None:
        default = (cleaned.get("default_value") or "").strip()
        if not default:
            return
        probe = Field(
            label=cleaned.get("label") or "",
            field_type=self.field_type.key,
            config=self.config,
            max_length=cleaned.get("max_length"),
            contact_field=cleaned.get("contact_field") or "",
        )
        try:
            cleaned_default = self.field_type.form_field(probe, now_context()).clean(default)
        except ValidationError as error:
            self.add_error("default_value", f"Not a valid value here: {' '.join(error.messages)}")
            return
        # The public form pre-fills the default and checks it against the mapped contact field
        # (PublicForm._check_contact_values): one the contact refuses would make every post fail.
        name = probe.contact_field
        if name not in CONTACT_FIELDS:
            return
        stored = self.field_type.to_stored(probe, cleaned_default)
        try:
            clean_contact_fields({name: self.field_type.contact_value(stored)})
        except ValidationError as error:
            self.add_error(
                "default_value",
                f"Not a valid value for the contact's {contact_field_label(name)}: "
                f"{' '.join(error.messages)}",
            )

    def save(self, commit: bool = True) -> Field:
        field = super().save(commit=False)
        field.field_type = self.field_type.key
        field.config = self.config
        field.contact_field = self.cleaned_data.get("contact_field") or ""
        if not self.field_type.can_be_required:
            field.required = False
        return field


class SubmissionFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", "Any status"),
        ("problems", "With problems"),
        ("pending", "Waiting"),
        ("processing", "Being processed"),
        ("ok", "Without problems"),
    ]

    q = forms.CharField(required=False, max_length=200, label="Email contains")
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    per_page = forms.TypedChoiceField(
        required=False, coerce=int, choices=[(n, n) for n in (25, 50, 100)], empty_value=None
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if isinstance(since, date) and isinstance(until, date) and since > until:
            self.add_error("until", "The end is before the start.")
        return cleaned
