from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from contacts.services import normalise_email
from segments.filters import FilterError, Problem, validate
from segments.models import Segment, no_filters

MAX_FILTERS_JSON = 200_000


def parse_filters(text: str) -> Any:
    """The builder's JSON, or FilterError with a message a person can act on."""
    if not text.strip():
        return no_filters()
    if len(text) > MAX_FILTERS_JSON:
        raise FilterError([Problem("The filters are too large to be saved.")])
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise FilterError([Problem("The filters could not be read; reload the page.")]) from None


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    published = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Published segments are kept up to date on the schedule.",
    )
    filters = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filter_problems: list[Problem] = []

    @classmethod
    def for_segment(cls, segment: Segment) -> SegmentForm:
        return cls(
            initial={
                "name": segment.name,
                "description": segment.description,
                "published": segment.published,
                "filters": json.dumps(segment.filters),
            }
        )

    def clean_filters(self) -> dict[str, Any]:
        try:
            return validate(parse_filters(self.cleaned_data.get("filters") or ""))
        except FilterError as error:
            self.filter_problems = error.problems
            raise ValidationError([str(problem) for problem in error.problems]) from None


class AddMemberForm(forms.Form):
    email = forms.CharField(max_length=254, label="Add a contact by email")

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class AddToSegmentForm(forms.Form):
    segment = forms.ModelChoiceField(
        queryset=Segment.objects.all(),
        error_messages={"invalid_choice": "That segment no longer exists."},
    )
