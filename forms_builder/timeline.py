"""The timeline kind forms_builder writes: "Form submitted"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contacts.timeline import ActivityKind, register_kind

FORM_SUBMITTED = "form_submitted"
SOURCE_TYPE = "forms_builder.submission"


def render_submission(details: Mapping[str, Any]) -> list[str]:
    form = details.get("form")
    return [f"Form: {form}"] if form else []


def register_kinds() -> None:
    register_kind(ActivityKind(FORM_SUBMITTED, "Form submitted", "bi-ui-checks", render_submission))
