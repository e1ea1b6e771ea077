from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User, time_zone_choices


class TimeZoneChoicesMixin:
    """The empty time-zone choice says what it means: the instance's zone."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", f"Instance default ({settings.TIME_ZONE})"),
            *time_zone_choices(),
        ]


class UserCreateForm(TimeZoneChoicesMixin, UserCreationForm):
    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name", "role", "time_zone")


class UserEditForm(TimeZoneChoicesMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role", "time_zone", "is_active")
        help_texts = {"is_active": "Inactive users cannot sign in; their history is kept."}


class ProfileForm(TimeZoneChoicesMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "time_zone")
