"""OAuth 2.0 (goto-api.md section 1): the authorize page and the token endpoint.

Authorize shows a tiny consent page (Allow / Deny) and redirects to redirect_uri with code and
state, or error=access_denied and state. `?emulator_consent=allow|deny` (or the client's
auto_approve flag) answers without the page. Codes are single use, live 10 minutes and are
bound to the client and to the redirect_uri sent at authorize.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from gotoplugins.emulator.api import ApiError, Call, json_response
from gotoplugins.emulator.keys import hash_secret, new_secret
from gotoplugins.emulator.models import (
    AccessToken,
    AuthorizationCode,
    OAuthClient,
    Organizer,
    RefreshToken,
)

CODE_LIFETIME = timedelta(minutes=10)
DEFAULT_SCOPE = "collab: identity:scim.me"
AUTHORIZE_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
)


# --- Authorize ------------------------------------------------------------------------------


def authorize(call: Call) -> HttpResponse:
    request = call.request
    params = request.POST if request.method == "POST" else request.GET
    values = {name: params.get(name, "") for name in AUTHORIZE_FIELDS}
    client = OAuthClient.objects.filter(client_id=values["client_id"]).first()
    if client is None:
        return _page(call, "Unknown client", "No OAuth client has this client_id.", 400)
    redirect_uri = values["redirect_uri"] or client.default_redirect_uri()
    if not redirect_uri or not client.allows_redirect(redirect_uri):
        return _page(call, "Bad redirect_uri", "This redirect_uri is not registered.", 400)
    state = values["state"]
    if values["response_type"] != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", state=state)
    organizers = list(Organizer.objects.all())
    if not organizers:
        return _page(call, "No organizer", "Run manage.py goto_emulator_seed first.", 503)

    decision = params.get("decision", "") if request.method == "POST" else ""
    if not decision:
        decision = params.get("emulator_consent") or ("allow" if client.auto_approve else "")
    if decision == "deny":
        return _redirect(redirect_uri, error="access_denied", state=state)
    if decision != "allow":
        return render(
            request,
            "goto_emulator/consent.html",
            {"client": client, "organizers": organizers, "values": values},
        )
    organizer = _chosen_organizer(params, organizers)
    code = new_secret("emu_code_")
    AuthorizationCode.objects.create(
        code_hash=hash_secret(code),
        client=client,
        organizer=organizer,
        redirect_uri=values["redirect_uri"],
        scope=values["scope"] or DEFAULT_SCOPE,
        code_challenge=values["code_challenge"],
        code_challenge_method=values["code_challenge_method"] or "plain",
        expires_at=call.now + CODE_LIFETIME,
    )
    return _redirect(redirect_uri, code=code, state=state)


def _chosen_organizer(params: Any, organizers: list[Organizer]) -> Organizer:
    wanted = params.get("organizer") or params.get("login_hint") or ""
    for organizer in organizers:
        if wanted in (str(organizer.pk), organizer.email, organizer.organizer_key):
            return organizer
    return organizers[0]


def _redirect(uri: str, **params: str) -> HttpResponseRedirect:
    parts = urlsplit(uri)
    extra = urlencode({name: value for name, value in params.items() if value})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return HttpResponseRedirect(urlunsplit(parts._replace(query=query)))


def _page(call: Call, title: str, message: str, status: int) -> HttpResponse:
    context = {"title": title, "message": message}
    return render(call.request, "goto_emulator/page.html", context, status=status)


# --- Token ----------------------------------------------------------------------------------


def _oauth_error(status: int, error: str, description: str) -> ApiError:
    headers = {"Cache-Control": "no-store"}
    if error == "invalid_client":
        headers["WWW-Authenticate"] = 'Basic realm="goto-emulator"'
    return ApiError(
        status, body={"error": error, "error_description": description}, headers=headers
    )


def token(call: Call) -> HttpResponse:
    client = _authenticate_client(call)
    form = call.request.POST
    grant = form.get("grant_type", "")
    if grant == "authorization_code":
        body = _code_grant(call, client)
    elif grant == "refresh_token":
        body = _refresh_grant(call, client)
    elif grant == "password":
        body = _password_grant(call, client)
    else:
        raise _oauth_error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported.")
    response = json_response(body)
    response["Cache-Control"] = "no-store"
    return response


def _authenticate_client(call: Call) -> OAuthClient:
    """Basic client credentials, or client_id and client_secret in the form (client_secret_post)."""
    scheme, _, encoded = call.request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _oauth_error(401, "invalid_client", "Malformed Basic credentials.") from None
        client_id, _, secret = decoded.partition(":")
        client_id, secret = unquote(client_id), unquote(secret)
    else:
        client_id = call.request.POST.get("client_id", "")
        secret = call.request.POST.get("client_secret", "")
    client = OAuthClient.objects.filter(client_id=client_id).first()
    if client is None or not secret or not hmac.compare_digest(client.client_secret, secret):
        raise _oauth_error(401, "invalid_client", "Client authentication failed.")
    return client


def _code_grant(call: Call, client: OAuthClient) -> dict[str, Any]:
    form = call.request.POST
    code = (
        AuthorizationCode.objects.select_related("organizer")
        .filter(code_hash=hash_secret(form.get("code", "")), client=client)
        .first()
    )
    if code is None or code.used_at is not None or code.expires_at <= call.now:
        raise _oauth_error(400, "invalid_grant", "The code is invalid, expired or already used.")
    if code.redirect_uri and form.get("redirect_uri", "") != code.redirect_uri:
        raise _oauth_error(400, "invalid_grant", "redirect_uri does not match the authorize call.")
    if code.code_challenge and not _pkce_ok(code, form.get("code_verifier", "")):
        raise _oauth_error(400, "invalid_grant", "The code_verifier does not match.")
    used = AuthorizationCode.objects.filter(pk=code.pk, used_at=None).update(used_at=call.now)
    if not used:
        raise _oauth_error(400, "invalid_grant", "The code was already used.")
    return _issue(call, client, code.organizer, code.scope)


def _pkce_ok(code: AuthorizationCode, verifier: str) -> bool:
    if code.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return bool(verifier) and hmac.compare_digest(verifier, code.code_challenge)


def _refresh_grant(call: Call, client: OAuthClient) -> dict[str, Any]:
    value = call.request.POST.get("refresh_token", "")
    refresh = (
        RefreshToken.objects.select_related("organizer")
        .filter(token_hash=hash_secret(value), client=client, revoked_at=None)
        .first()
    )
    if refresh is None:
        raise _oauth_error(400, "invalid_grant", "The refresh token is invalid or revoked.")
    if not client.rotate_refresh_tokens:
        return _issue(call, client, refresh.organizer, refresh.scope, keep=refresh)
    revoked = RefreshToken.objects.filter(pk=refresh.pk, revoked_at=None).update(
        revoked_at=call.now
    )
    if not revoked:
        raise _oauth_error(400, "invalid_grant", "The refresh token was already used.")
    return _issue(call, client, refresh.organizer, refresh.scope)


def _password_grant(call: Call, client: OAuthClient) -> dict[str, Any]:
    if not client.password_grant:
        raise _oauth_error(
            401, "unauthorized_client", "New OAuth clients cannot use the password grant."
        )
    form = call.request.POST
    organizer = Organizer.objects.filter(email__iexact=form.get("username", "")).first()
    if organizer is None or not form.get("password"):
        raise _oauth_error(400, "invalid_grant", "Unknown user or empty password.")
    return _issue(call, client, organizer, DEFAULT_SCOPE)


def _issue(
    call: Call,
    client: OAuthClient,
    organizer: Organizer,
    scope: str,
    *,
    keep: RefreshToken | None = None,
) -> dict[str, Any]:
    """A new access token; a new refresh token too unless `keep` is reused (then left out)."""
    access = new_secret("emu_at_")
    body: dict[str, Any] = {"access_token": access, "token_type": "Bearer"}
    refresh = keep
    if refresh is None:
        refresh_value = new_secret("emu_rt_")
        refresh = RefreshToken.objects.create(
            token_hash=hash_secret(refresh_value),
            client=client,
            organizer=organizer,
            scope=scope,
            created_at=call.now,
        )
        body["refresh_token"] = refresh_value
    AccessToken.objects.create(
        token_hash=hash_secret(access),
        client=client,
        organizer=organizer,
        refresh_token=refresh,
        scope=scope,
        expires_at=call.now + timedelta(seconds=client.access_token_lifetime),
    )
    body.update(expires_in=client.access_token_lifetime, scope=scope, principal=organizer.email)
    if client.legacy_token_fields:
        body.update(
            organizer_key=organizer.organizer_key,
            account_key=organizer.account_key,
            account_type="",
            email=organizer.email,
            firstName=organizer.first_name,
            lastName=organizer.last_name,
            version="3",
        )
    return body
