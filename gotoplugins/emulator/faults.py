"""Test controls: forced faults, the emulator clock, token expiry and revocation, switches.

Use these functions directly in tests (they only touch the emulator's tables), or over HTTP
through POST /goto-emulator/_control/faults (views/control.py), which calls them.

    from gotoplugins.emulator import faults
    faults.add_fault("/G2W/rest/v2/organizers/*/webinars", status=429, retry_after=2, times=1)
    faults.add_fault("/oauth/token", status=503, times=None)   # always, until cleared
    faults.add_fault("*", latency_ms=300, times=None)          # slow answers
    faults.expire_all_tokens()
    faults.revoke_refresh_token(refresh_token)                 # next refresh → invalid_grant
    faults.set_duplicate_mode("idempotent")                    # or "conflict" (default)
    faults.set_invalid_token_mode("403")                       # "401" (default), "403_legacy"
    faults.advance_clock(3601)                                 # tokens issued before expire
    faults.reset()                                             # all of the above back to normal
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gotoplugins.emulator.keys import hash_secret
from gotoplugins.emulator.models import (
    AccessToken,
    Control,
    DuplicateMode,
    Fault,
    InvalidTokenMode,
    OAuthClient,
    RefreshToken,
    RequestLog,
)

FORCEABLE_STATUSES = (400, 401, 403, 404, 409, 429, 500, 503)


def control() -> Control:
    row, _ = Control.objects.get_or_create(pk=1)
    return row


def now(row: Control | None = None) -> datetime:
    """The emulator's clock: real time plus the control row's offset."""
    offset = (row or control()).now_offset_seconds
    return timezone.now() + timedelta(seconds=offset)


def advance_clock(seconds: int) -> int:
    """Move the emulator's clock forward (or back, if negative); returns the new offset."""
    row = control()
    row.now_offset_seconds += seconds
    row.save(update_fields=["now_offset_seconds"])
    return row.now_offset_seconds


def set_clock_offset(seconds: int) -> None:
    Control.objects.update_or_create(pk=1, defaults={"now_offset_seconds": seconds})


def set_duplicate_mode(mode: str) -> None:
    if mode not in DuplicateMode.values:
        raise ValueError(f"duplicate_mode must be one of {DuplicateMode.values}")
    Control.objects.update_or_create(pk=1, defaults={"duplicate_mode": mode})


def set_invalid_token_mode(mode: str) -> None:
    if mode not in InvalidTokenMode.values:
        raise ValueError(f"invalid_token_mode must be one of {InvalidTokenMode.values}")
    Control.objects.update_or_create(pk=1, defaults={"invalid_token_mode": mode})


def set_record_requests(on: bool) -> None:
    Control.objects.update_or_create(pk=1, defaults={"record_requests": on})


def add_fault(
    path: str = "*",
    *,
    method: str = "*",
    status: int | None = None,
    times: int | None = 1,
    latency_ms: int = 0,
    retry_after: int | None = None,
    body: Any = None,
) -> Fault:
    """Force `status` (and/or add latency) on the next `times` matching calls; None = always.

    `path` is an fnmatch pattern over the path below the mount ("/G2W/rest/v2/...").
    A 429 gets `Retry-After: retry_after` (1 when not given).
    """
    if status is not None and status not in FORCEABLE_STATUSES:
        raise ValueError(f"status must be one of {FORCEABLE_STATUSES}")
    if status is None and not latency_ms:
        raise ValueError("A fault needs a status, a latency, or both.")
    if times is not None and times < 1:
        raise ValueError("times must be at least 1 (or None for always).")
    if status == 429 and retry_after is None:
        retry_after = 1
    return Fault.objects.create(
        path_pattern=path or "*",
        method=(method or "*").upper(),
        status=status,
        remaining=times,
        latency_ms=latency_ms,
        retry_after=retry_after,
        body=body,
    )


def clear_faults() -> None:
    Fault.objects.all().delete()


def take_fault(method: str, path: str) -> Fault | None:
    """The first active fault matching the request, with one use consumed."""
    for fault in Fault.objects.all():
        if not fault.matches(method, path):
            continue
        if fault.remaining is not None:
            with transaction.atomic():
                used = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(
                    remaining=F("remaining") - 1
                )
                Fault.objects.filter(pk=fault.pk, remaining=0).delete()
            if not used:
                continue
        return fault
    return None


def expire_all_tokens() -> int:
    """Every access token issued so far is expired from now on; returns how many."""
    cutoff = now() - timedelta(seconds=1)
    return AccessToken.objects.filter(expires_at__gt=cutoff).update(expires_at=cutoff)


def revoke_refresh_token(token: str) -> bool:
    """The given refresh token gets invalid_grant from now on; False if unknown."""
    return bool(
        RefreshToken.objects.filter(token_hash=hash_secret(token), revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


def revoke_all_refresh_tokens() -> int:
    return RefreshToken.objects.filter(revoked_at=None).update(revoked_at=timezone.now())


def clear_log() -> None:
    RequestLog.objects.all().delete()


def requests(path: str = "*", method: str = "*") -> list[RequestLog]:
    """The recorded requests matching an fnmatch path pattern, oldest first."""
    probe = Fault(path_pattern=path, method=method.upper())
    return [entry for entry in RequestLog.objects.all() if probe.matches(entry.method, entry.path)]


def reset(*, log: bool = True) -> None:
    """No faults, real clock, default modes; and an empty request log unless log=False."""
    clear_faults()
    Control.objects.update_or_create(
        pk=1,
        defaults={
            "now_offset_seconds": 0,
            "duplicate_mode": DuplicateMode.CONFLICT,
            "invalid_token_mode": InvalidTokenMode.STATUS_401,
            "record_requests": True,
        },
    )
    if log:
        clear_log()


def state() -> dict[str, Any]:
    row = control()
    return {
        "control": {
            "now": now(row).isoformat(),
            "now_offset_seconds": row.now_offset_seconds,
            "duplicate_mode": row.duplicate_mode,
            "invalid_token_mode": row.invalid_token_mode,
            "record_requests": row.record_requests,
        },
        "faults": [
            {
                "id": fault.pk,
                "path": fault.path_pattern,
                "method": fault.method,
                "status": fault.status,
                "times": fault.remaining,
                "latency_ms": fault.latency_ms,
                "retry_after": fault.retry_after,
            }
            for fault in Fault.objects.all()
        ],
    }


CLIENT_FLAGS = frozenset(
    {
        "rotate_refresh_tokens",
        "legacy_token_fields",
        "password_grant",
        "auto_approve",
        "allow_loopback_redirects",
        "access_token_lifetime",
        "redirect_uris",
    }
)


def configure_client(client_id: str, **flags: Any) -> None:
    """Change an OAuth client's switches: configure_client("x", rotate_refresh_tokens=False)."""
    unknown = set(flags) - CLIENT_FLAGS
    if unknown:
        raise ValueError(f"Unknown client flag(s): {', '.join(sorted(unknown))}")
    if not OAuthClient.objects.filter(client_id=client_id).update(**flags):
        raise ValueError(f"No OAuth client {client_id!r}.")


FAULT_KEYS = frozenset({"path", "method", "status", "times", "latency_ms", "retry_after", "body"})


def apply(actions: dict[str, Any]) -> None:
    """Apply a control document (the JSON body of POST _control/faults); see views/control.py."""
    known = {
        "reset",
        "clear",
        "clear_log",
        "now_offset_seconds",
        "advance_clock",
        "duplicate_mode",
        "invalid_token_mode",
        "record_requests",
        "expire_tokens",
        "revoke_refresh_token",
        "revoke_all_refresh_tokens",
        "client",
        "add",
    }
    unknown = set(actions) - known
    if unknown:
        raise ValueError(f"Unknown key(s): {', '.join(sorted(unknown))}")
    if actions.get("reset"):
        reset()
    if actions.get("clear"):
        clear_faults()
    if actions.get("clear_log"):
        clear_log()
    if "now_offset_seconds" in actions:
        set_clock_offset(int(actions["now_offset_seconds"]))
    if "advance_clock" in actions:
        advance_clock(int(actions["advance_clock"]))
    if "duplicate_mode" in actions:
        set_duplicate_mode(str(actions["duplicate_mode"]))
    if "invalid_token_mode" in actions:
        set_invalid_token_mode(str(actions["invalid_token_mode"]))
    if "record_requests" in actions:
        set_record_requests(bool(actions["record_requests"]))
    if actions.get("expire_tokens"):
        expire_all_tokens()
    if actions.get("revoke_refresh_token"):
        revoke_refresh_token(str(actions["revoke_refresh_token"]))
    if actions.get("revoke_all_refresh_tokens"):
        revoke_all_refresh_tokens()
    if "client" in actions:
        flags = dict(actions["client"])
        configure_client(str(flags.pop("client_id", "")), **flags)
    added = actions.get("add") or []
    for spec in [added] if isinstance(added, dict) else added:
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ValueError(f"Unknown fault key(s): {', '.join(sorted(unknown))}")
        add_fault(
            str(spec.get("path", "*")),
            method=str(spec.get("method", "*")),
            status=spec.get("status"),
            times=spec.get("times", 1),
            latency_ms=int(spec.get("latency_ms", 0)),
            retry_after=spec.get("retry_after"),
            body=spec.get("body"),
        )
