"""A request claiming a charset Django cannot decode soundly is read as UTF-8 (config/charset.py),
at the WSGI edge that gunicorn and runserver call."""

from __future__ import annotations

import io
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import close_old_connections

from config.charset import sound_charset, sound_content_type
from config.wsgi import application
from forms_builder.models import Submission
from tests.forms_builder.helpers import TOKEN, answers, make_form, multipart_body, person_fields


def call(method: str, path: str, content_type: str, body: bytes = b"") -> tuple[str, bytes]:
    path, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "REMOTE_ADDR": "203.0.113.50",
    }
    setup_testing_defaults(environ)
    environ["HTTP_HOST"] = "127.0.0.1"
    statuses: list[str] = []
    # As Django's test client does: the request must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, lambda status, headers: statuses.append(status))
        body = b"".join(response)
        response.close()  # type: ignore[attr-defined]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return statuses[0], body


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["rot13", "base64", "hex", "zlib", "uu", "undefined"])
def test_a_charset_that_is_no_text_encoding_is_not_a_500(charset: str) -> None:
    """Django raised LookupError building such a request: any address with a query string."""
    status, body = call("GET", "/health/?x=1", f"text/plain; charset={charset}")
    assert (status, body) == ("200 OK", b"ok")


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["utf-7", "unicode_escape", "raw_unicode_escape"])
def test_answers_in_an_unsound_charset_are_stored_as_the_characters_sent(charset: str) -> None:
    """UTF-7's "+2AA-" and unicode_escape's "\\ud800" decode to a lone surrogate."""
    person_fields(make_form("contact-us"))
    status, page = call("GET", "/f/contact-us/", "")
    match = TOKEN.search(page.decode())
    assert match is not None, (status, page[:300])
    sent = "+2AA-" if charset == "utf-7" else "\\ud800"
    values = {**answers(first_name=sent), "cv_token": match.group(1)}
    body = multipart_body(values)
    status, _ = call(
        "POST", "/f/contact-us/", f"multipart/form-data; boundary=XyZ; charset={charset}",
        body,
    )  # fmt: skip
    assert status == "200 OK"
    assert Submission.objects.get().data["first_name"] == sent


def test_only_an_unsound_charset_is_taken_off_the_content_type() -> None:
    assert sound_content_type("multipart/form-data; boundary=XyZ; charset=utf-7") == (
        "multipart/form-data; boundary=XyZ"
    )
    assert sound_content_type('text/plain; CHARSET="rot13"; x=1') == "text/plain; x=1"
    kept = "application/x-www-form-urlencoded; charset=UTF-8"
    assert sound_content_type(kept) == kept
    assert sound_content_type("text/plain") == "text/plain"
    assert all(sound_charset(name) for name in ("utf-8", "UTF-8", "latin-1", "cp1252", "utf-16"))
    assert not any(sound_charset(name) for name in ("utf-7", "rot13", "no-such-charset"))
