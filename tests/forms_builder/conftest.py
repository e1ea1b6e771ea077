from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from forms_builder.models import Form
from tests.forms_builder.helpers import add_field, make_form, person_fields


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    cache.clear()  # the per-IP counters live in the local-memory cache
    yield
    cache.clear()


@pytest.fixture
def visitor() -> Client:
    return Client(REMOTE_ADDR="203.0.113.7")


@pytest.fixture
def contact_form(db: None) -> Form:
    """A published form saving to a contact: email, names, company, topics, consent."""
    form = person_fields(make_form("contact-us", name="Contact us"))
    add_field(form, "text", "Company", contact_field="company")
    add_field(
        form,
        "checkboxes",
        "Topics",
        config={"choices": [["seo", "SEO"], ["ads", "Ads & more"], ["mail", "Mail"]]},
    )
    add_field(form, "checkbox", "I agree", key="consent", required=True)
    return form
