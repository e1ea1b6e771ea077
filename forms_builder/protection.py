"""What keeps the public form usable and abuse cheap to refuse, without a CSRF cookie.

The public form is posted without Django's CSRF check (a cookie would need SameSite=None to
reach a form embedded on another site). That is safe because the form acts for nobody: it
reads no session and no signed-in user, so a forged cross-site post can do only what anyone
may do by filling in the form. Instead each page carries:

- a signed, expiring token naming the form (and a random nonce that makes a repeated post of
  the same page recognisable);
- a honeypot input that people never see and bots fill in;
- a per-address rate limit on posts (IPv6: per /64), counted in Django's cache; behind a
  proxy the address comes from its X-Forwarded-For (settings.FORMS_CLIENT_IP_HEADER).

The rate limit uses the default cache. The embedded mode's local-memory cache counts per
process, so N server processes allow N times the limit; production should point CACHES at a
shared cache (Redis) to make the limit exact.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

TOKEN_FIELD = "cv_token"  # noqa: S105 - an input name, not a secret
HONEYPOT_FIELD = "homepage"  # a name bots like to fill in
RESERVED_NAMES = frozenset({TOKEN_FIELD, HONEYPOT_FIELD, "embed", "csrfmiddlewaretoken"})
SALT = "forms_builder.public-form"


def token_max_age() -> int:
    return int(settings.FORMS_TOKEN_MAX_AGE)


def rate_limit() -> tuple[int, int]:
    """(posts, seconds) allowed per visitor address."""
    return int(settings.FORMS_RATE_LIMIT), int(settings.FORMS_RATE_LIMIT_PERIOD)


class BadToken(Exception):
    """The page token is missing, forged, for another form, or too old."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.expired = expired


@dataclass(frozen=True)
class PageToken:
    form_id: int
    nonce: str


def new_token(form_id: int) -> str:
    nonce = secrets.token_urlsafe(12)
    return signing.TimestampSigner(salt=SALT).sign_object({"f": form_id, "n": nonce})


def check_token(value: str, form_id: int) -> PageToken:
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(
            value or "", max_age=token_max_age()
        )
    except signing.SignatureExpired:
        raise BadToken(
            "This page was open for a long time. Check your answers and submit again.",
            expired=True,
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise BadToken("This form could not be checked. Reload the page and try again.") from None
    if not isinstance(payload, dict) or payload.get("f") != form_id:
        raise BadToken("This form could not be checked. Reload the page and try again.")
    return PageToken(form_id, str(payload.get("n") or ""))


def dedupe_key(nonce: str, values: Mapping[str, Any]) -> str:
    """The same page posted twice with the same answers gives the same key."""
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{nonce}\n{canonical}".encode()).hexdigest()


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address: REMOTE_ADDR, or behind a proxy the one it put in the header
    settings.FORMS_CLIENT_IP_HEADER names. Proxies append to X-Forwarded-For, so the visitor's
    address is FORMS_PROXY_HOPS from the right; what is left of it the visitor wrote."""
    header = settings.FORMS_CLIENT_IP_HEADER
    raw = request.META.get("REMOTE_ADDR", "")
    if header:
        hops = [part.strip() for part in request.headers.get(header, "").split(",")]
        hops = [part for part in hops if part]
        depth = max(1, int(settings.FORMS_PROXY_HOPS))
        if hops:  # fewer than FORMS_PROXY_HOPS: it skipped an outer proxy; the farthest there is
            raw = hops[-min(depth, len(hops))]
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def rate_limit_key(ip: str | None) -> str:
    """Who the limit counts: an IPv4 address, or an IPv6 /64 (what one household or server
    gets, so rotating through its addresses does not escape the limit)."""
    if ip is None:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def over_rate_limit(ip: str | None) -> bool:
    """Count one post from this address; True when it is over the limit."""
    limit, period = rate_limit()
    if limit <= 0:
        return False
    window = int(time.time() // period)
    key = f"forms:posts:{rate_limit_key(ip)}:{window}"
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period)
        count = 1
    return count > limit


_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def normal_origin(text: str) -> str | None:
    """A site allowed to frame the form, as CSP's frame-ancestors writes it: scheme, host
    (an international name in its ASCII form, or *. for every subdomain) and port; None for
    anything else, which could otherwise break the policy or open it to every site."""
    try:
        parts = urlsplit(text.strip().rstrip("/"))
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None or parts.netloc.endswith(":"):
        return None
    wildcard = host.startswith("*.")
    try:
        ascii_host = host.removeprefix("*.").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    if not all(_HOST_LABEL.fullmatch(label) for label in labels) and not _is_ip(ascii_host):
        return None
    if wildcard and (len(labels) < 2 or _is_ip(ascii_host)):
        return None
    shown = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    return f"{parts.scheme}://{'*.' if wildcard else ''}{shown}{f':{port}' if port else ''}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
