from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from contacts import services, timeline
from contacts.models import CONTACT_FIELDS, Contact


class ContactForm(forms.ModelForm):
    """Create or edit a contact. The email is checked against every other contact, any case."""

    class Meta:
        model = Contact
        fields = ("email", *CONTACT_FIELDS)

    def clean_email(self) -> str:
        email = services.clean_email(self.cleaned_data.get("email") or "")
        others = Contact.objects.filter(email=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("A contact with this email already exists.", code="duplicate")
        return email

    def validate_unique(self) -> None:
        # clean_email already checked uniqueness with a clearer message.
        pass

    def save_via_services(self) -> Contact:
        data = {name: self.cleaned_data[name] for name in CONTACT_FIELDS}
        if self.instance.pk:
            # The form has already copied its values onto self.instance; compare with the
            # stored row so the timeline records what really changed.
            stored = Contact.objects.get(pk=self.instance.pk)
            return services.update_contact(stored, email=self.cleaned_data["email"], **data)
        email = self.cleaned_data["email"]
        return services.upsert_contact(email, create_only=True, **data).contact


class ContactSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        error_messages={"max_length": "Search for at most %(limit_value)d characters."},
    )
    per_page = forms.TypedChoiceField(
        required=False, coerce=int, choices=[(n, n) for n in (25, 50, 100, 200)], empty_value=None
    )


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, label="Show")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field: Any = self.fields["kind"]
        kind_field.choices = [
            ("", "All activity"),
            *((kind.key, kind.label) for kind in timeline.all_kinds()),
        ]
