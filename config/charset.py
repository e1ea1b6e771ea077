"""Requests that claim a charset Django cannot decode soundly are read as UTF-8.

Django decodes a request's query string and form body in the charset its Content-Type
claims. One that is no text encoding (rot13, base64, zlib…) raised LookupError while Django
built the request, before any middleware: a 500 for any page with a query string. UTF-7 and
the escape codecs decode to lone surrogates, which fail once the value is encoded again.
Convene's pages are UTF-8 and browsers post in the page's charset, so such a claim is dropped
at the WSGI edge, before Django reads it. Sound charsets are left as they are.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from django.utils.http import parse_header_parameters

# Text encodings that decode into lone surrogates, or raise, even with errors="replace".
_UNSOUND = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"}
)
_CHARSET_PARAMETER = re.compile(r";\s*charset\s*=\s*(\"[^\"]*\"|[^;]*)", re.IGNORECASE)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@lru_cache(maxsize=64)
def sound_charset(name: str) -> bool:
    try:
        canonical = codecs.lookup(name).name
        b"a".decode(name, "replace")  # LookupError for codecs that are not text encodings
    except (LookupError, UnicodeError):
        return False
    return canonical not in _UNSOUND


def sound_content_type(content_type: str) -> str:
    """The Content-Type without its charset parameter when that charset is not sound."""
    if "charset" not in content_type.lower():
        return content_type
    _, parameters = parse_header_parameters(content_type)
    charset = parameters.get("charset", "")
    if not charset or sound_charset(charset):
        return content_type
    return _CHARSET_PARAMETER.sub("", content_type)


def sound_charsets_only(app: WSGIApp) -> WSGIApp:
    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if "CONTENT_TYPE" in environ:
            environ["CONTENT_TYPE"] = sound_content_type(environ["CONTENT_TYPE"])
        return app(environ, start_response)

    return application
