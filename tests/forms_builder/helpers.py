"""Building forms and posting them the way a browser does (page token first)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.utils import timezone

from forms_builder.models import Field, Form
from forms_builder.protection import HONEYPOT_FIELD, TOKEN_FIELD

TOKEN = re.compile(rf'name="{TOKEN_FIELD}" value="([^"]+)"')


def make_form(slug: str = "sign-up", *, published: bool = True, **values: Any) -> Form:
    values.setdefault("name", "Sign up")
    return Form.objects.create(slug=slug, is_published=published, **values)


def add_field(
    form: Form,
    field_type: str,
    label: str,
    *,
    key: str = "",
    required: bool = False,
    contact_field: str = "",
    config: dict[str, Any] | None = None,
    **values: Any,
) -> Field:
    position = form.fields.count()
    field = Field.objects.create(
        form=form,
        field_type=field_type,
        label=label,
        key=key or re.sub(r"\W+", "_", label.lower()).strip("_"),
        required=required,
        contact_field=contact_field,
        config=config or {},
        position=position,
        **values,
    )
    # As the builder does (services.changing): public pages see the change by updated_at.
    Form.objects.filter(pk=form.pk).update(updated_at=timezone.now())
    return field


def person_fields(form: Form) -> Form:
    """Email, first name and last name, required and mapped: what registrations need."""
    add_field(form, "email", "Email", required=True, contact_field="email")
    add_field(form, "text", "First name", required=True, contact_field="first_name")
    add_field(form, "text", "Last name", required=True, contact_field="last_name")
    return form


def token_from(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no page token in the form page"
    return found.group(1)


def page_token(client: Client, form: Form, query: str = "") -> str:
    response = client.get(f"/f/{form.slug}/{query}")
    assert response.status_code == 200, response.content[:500]
    return token_from(response.content.decode())


def submit(
    client: Client,
    form: Form,
    data: dict[str, Any],
    *,
    token: str | None = None,
    query: str = "",
    **extra: Any,
) -> Any:
    """GET the page for its token (unless given), then POST like a browser."""
    posted = {TOKEN_FIELD: token or page_token(client, form, query), HONEYPOT_FIELD: "", **data}
    return client.post(f"/f/{form.slug}/{query}", posted, **extra)


def answers(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "email": "Zoe@Example.com",
        "first_name": "Zoë",
        "last_name": "O'Brien",
        "company": "Wayne & Co",
        "topics": ["seo", "ads"],
        "consent": "on",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def multipart_body(values: dict[str, object], boundary: str = "XyZ") -> bytes:
    """A multipart/form-data body written by hand (the test client would re-encode it)."""
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'
        for name, value in values.items()
        for item in (value if isinstance(value, list) else [value])
    )
    return f"{parts}--{boundary}--\r\n".encode()
