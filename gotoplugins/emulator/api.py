"""The emulator's one HTTP seam: every route is an `endpoint(...)`.

An endpoint records the request (secrets redacted), applies a matching fault (latency, forced
status), checks the access token when the route needs one, dispatches on the HTTP method and
turns ApiError into GoTo's JSON error bodies. Views are CSRF-exempt (machine-to-machine) and
reachable without a Convene login.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import get_urlconf, reverse
from django.views.decorators.csrf import csrf_exempt

from gotoplugins.emulator import faults
from gotoplugins.emulator.keys import hash_secret, parse_iso
from gotoplugins.emulator.models import (
    AccessToken,
    Control,
    Fault,
    InvalidTokenMode,
    Organizer,
    RequestLog,
)

Handler = Callable[..., HttpResponse]

SECRET_PARAMS = frozenset(
    {"oauth_token", "access_token", "refresh_token", "code", "client_secret", "password"}
    | {"code_verifier", "pat"}
)
LOGGED_HEADERS = ("Accept", "Content-Type", "User-Agent", "Authorization")
MAX_LOGGED_BODY = 65536


class ApiError(Exception):
    """An error answer. The body is GoTo's {errorCode, description, incident} unless given."""

    def __init__(
        self,
        status: int,
        error_code: str = "",
        description: str = "",
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(description or error_code)
        if body is None:
            body = {"errorCode": error_code, "description": description}
            body["incident"] = extra.pop("incident", str(uuid.uuid4()))
            body.update(extra)
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        response = json_response(self.body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def json_response(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False)


def no_content() -> HttpResponse:
    return HttpResponse(status=204)


def invalid_token(mode: str, forced_status: int | None = None) -> ApiError:
    """The answer to a missing, unknown or expired token (or a forced 401/403).

    The status is the control row's mode (401 by default) unless a fault forces one.
    """
    status = forced_status or (401 if mode == InvalidTokenMode.STATUS_401 else 403)
    if status == 403 and mode == InvalidTokenMode.LEGACY_403:
        return ApiError(403, body={"int_err_code": "InvalidToken", "msg": "Invalid token passed"})
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else {}
    return ApiError(status, "InvalidToken", "Invalid token passed", headers=headers)


@dataclass
class Call:
    """One request as a handler sees it: the control row, the clock and the caller's token."""

    request: HttpRequest
    path: str
    control: Control
    now: datetime
    token: AccessToken | None = None
    token_hash: str = field(default="", repr=False)

    @property
    def organizer(self) -> Organizer:
        assert self.token is not None, "only on routes with auth=True"
        return self.token.organizer

    def param(self, name: str, default: str = "") -> str:
        return self.request.GET.get(name, default)

    def required_time(self, name: str, *, source: dict[str, Any] | None = None) -> datetime:
        raw = (self.request.GET if source is None else source).get(name)
        if not raw:
            raise ApiError(400, "InvalidRequest", f"The parameter {name} is required.")
        parsed = parse_iso(str(raw))
        if parsed is None:
            raise ApiError(400, "InvalidRequest", f"{name} is not an ISO 8601 date-time: {raw}")
        return parsed

    def json_body(self) -> Any:
        try:
            return json.loads(self.request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "InvalidRequest", "The request body is not valid JSON.") from None

    def organizer_in_account(self, organizer_key: str) -> Organizer:
        """The organizer named in the path, if the token's account may act for it (else 403)."""
        found = Organizer.objects.filter(organizer_key=organizer_key).first()
        if found is None or found.account_key != self.organizer.account_key:
            raise ApiError(
                403, "AccessDenied", "The access token does not belong to this organizer's account."
            )
        return found

    def require_account(self, organizer: Organizer) -> None:
        if organizer.account_key != self.organizer.account_key:
            raise ApiError(403, "AccessDenied", "The access token does not belong to this account.")


def site_url(path: str) -> str:
    """An absolute URL on this site below the emulator's mount (for join/start links)."""
    return f"{settings.SITE_URL}{mount_prefix().rstrip('/')}{path}"


def mount_prefix() -> str:
    """Where the emulator is mounted ("/goto-emulator/"), per URLconf."""
    return _mount_prefix(get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=8)
def _mount_prefix(urlconf: str) -> str:
    return reverse("goto_emulator:index", urlconf=urlconf)


def endpoint(
    *, auth: bool = True, record: bool = True, csrf: bool = False, **handlers: Handler
) -> Handler:
    """A view answering with handlers["GET"], handlers["POST"], ...: see the module docstring.

    auth: the route needs an access token. csrf: keep CSRF protection (HTML forms only).
    """

    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        row = faults.control()
        call = Call(request=request, path=_subpath(request), control=row, now=faults.now(row))
        response: HttpResponse | None = None
        try:
            response = _answer(call, handlers, auth, kwargs)
            return response
        finally:
            if record and row.record_requests:
                _record(call, response.status_code if response is not None else 500)

    view = login_not_required(view)
    return view if csrf else csrf_exempt(view)


def _answer(call: Call, handlers: dict[str, Handler], auth: bool, kwargs: Any) -> HttpResponse:
    try:
        fault = faults.take_fault(call.request.method or "GET", call.path)
        if fault is not None:
            if fault.latency_ms:
                time.sleep(fault.latency_ms / 1000)
            if fault.status:
                return _forced(fault, call).response()
        handler = handlers.get(call.request.method or "GET")
        if handler is None:
            response = json_response(
                {"errorCode": "MethodNotAllowed", "description": "Method not allowed."}, 405
            )
            response["Allow"] = ", ".join(handlers)
            return response
        if auth:
            _authenticate(call)
        return handler(call, **kwargs)
    except ApiError as error:
        return error.response()


def _authenticate(call: Call) -> None:
    token = bearer_token(call.request)
    if token:
        call.token_hash = hash_secret(token)
        found = (
            AccessToken.objects.select_related("organizer", "client")
            .filter(token_hash=call.token_hash)
            .first()
        )
        if found is not None and found.expires_at > call.now:
            call.token = found
            return
    raise invalid_token(call.control.invalid_token_mode)


def bearer_token(request: HttpRequest) -> str:
    """The access token from `Bearer x`, legacy `OAuth oauth_token=x`, or `?oauth_token=x`."""
    header = request.headers.get("Authorization", "").strip()
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "oauth":
        name, _, token = value.strip().partition("=")
        if name.strip() == "oauth_token":
            return token.strip().strip('"')
    return request.GET.get("oauth_token", "").strip()


def _forced(fault: Fault, call: Call) -> ApiError:
    status = fault.status or 500
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
    if fault.body is not None:
        return ApiError(status, body=fault.body, headers=headers)
    oauth = call.path.startswith("/oauth/")
    if oauth and status == 400:
        return ApiError(400, body={"error": "invalid_grant", "error_description": "Forced."})
    if oauth and status == 401:
        return ApiError(401, body={"error": "invalid_client", "error_description": "Forced."})
    if status in (401, 403):
        return invalid_token(call.control.invalid_token_mode, status)
    code, description = {
        400: ("InvalidRequest", "Bad request (forced by the GoTo emulator)."),
        404: ("NotFound", "Not found (forced by the GoTo emulator)."),
        409: ("Conflict", "Conflict (forced by the GoTo emulator)."),
        429: ("TooManyRequests", "Rate limit exceeded"),
        500: ("InternalServerError", "Internal server error (forced by the GoTo emulator)."),
        503: ("ServiceUnavailable", "Service unavailable (forced by the GoTo emulator)."),
    }.get(status, ("Error", "Forced by the GoTo emulator."))
    return ApiError(status, code, description, headers=headers)


def _subpath(request: HttpRequest) -> str:
    prefix = mount_prefix()
    path = request.path
    return "/" + path[len(prefix) :] if path.startswith(prefix) else path


def _record(call: Call, status: int) -> None:
    request = call.request
    headers: dict[str, str] = {}
    for name in LOGGED_HEADERS:
        value = request.headers.get(name)
        if value is None:
            continue
        if name == "Authorization":
            value = f"{value.partition(' ')[0]} ***"
        headers[name] = value
    token = bearer_token(request)
    token_hash = call.token_hash or (hash_secret(token) if token else "")
    RequestLog.objects.create(
        method=request.method or "",
        path=call.path,
        query=_redacted_params(request.GET.lists()),
        headers=headers,
        body=_redacted_body(request),
        status=status,
        token_hash=token_hash[:16],
    )


def _redacted_params(pairs: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, values in pairs:
        shown = ["***" if name in SECRET_PARAMS else value for value in values]
        result[name] = shown[0] if len(shown) == 1 else shown
    return result


def _redacted_body(request: HttpRequest) -> str:
    try:
        text = request.body[:MAX_LOGGED_BODY].decode("utf-8", errors="replace")
    except Exception:  # RawPostDataException after a streamed read: nothing to log
        return ""
    if request.content_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(text, keep_blank_values=True)
        return urlencode([(k, "***" if k in SECRET_PARAMS else v) for k, v in pairs])
    if SECRET_PARAMS.isdisjoint(_json_keys(text)):
        return text
    data = json.loads(text)
    return json.dumps({k: "***" if k in SECRET_PARAMS else v for k, v in data.items()})


def _json_keys(text: str) -> set[str]:
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else None
    except ValueError:
        return set()
    return set(data) if isinstance(data, dict) else set()
