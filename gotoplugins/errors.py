"""Typed GoTo failures. Every one says whether trying again later could help (`retryable`).

Messages name the method and path, never a token or a query string with personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_EMPTY: Mapping[str, object] = MappingProxyType({})


class GoToError(Exception):
    """Base of every GoTo failure; callers that only need "did it work" catch this."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str = "",
        description: str = "",
        incident: str = "",
        details: Mapping[str, object] | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.description = description
        self.incident = incident
        # The parsed error body, e.g. the existing registrantKey of a 409 DuplicateRegistrant.
        self.details: Mapping[str, object] = MappingProxyType(dict(details or {}))
        if retryable is not None:
            self.retryable = retryable

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status!r}, "
            f"error_code={self.error_code!r}, retryable={self.retryable!r})"
        )


class TransportError(GoToError):
    """No usable HTTP answer: connection refused or reset, DNS failure, TLS failure."""

    retryable = True


class GoToTimeout(TransportError):
    """Connecting or reading took longer than the session's timeout."""


class MalformedResponse(GoToError):
    """A 2xx answer whose body is not JSON, or not the shape goto-api.md documents.

    Not retryable: the same request would get the same body; a person must look at it.
    """


class ClientError(GoToError):
    """GoTo refused the request (4xx other than 429); sending it again will not help."""


class BadRequest(ClientError):
    """400: missing or invalid parameters."""


class AuthenticationFailed(ClientError):
    """The token was rejected even after a refresh (or GoTo denies this account the call)."""


class Forbidden(ClientError):
    """403 for a reason other than an invalid token (roles, product seat)."""


class NotFound(ClientError):
    """404: the key is unknown, or the event was cancelled."""


class Conflict(ClientError):
    """409: already registered, or the webinar is in session."""


class RateLimited(GoToError):
    """429 still answered after the bounded retries."""

    retryable = True
    # Seconds GoTo asked to wait (Retry-After), when it said so; a queue can honour it.
    retry_after: float | None = None


class ServerError(GoToError):
    """5xx still answered after the bounded retries (or a POST that must not be resent)."""

    retryable = True


class NeedsReconnect(GoToError):
    """The OAuth grant is dead (invalid_grant, revoked): an admin must connect the account again."""


class TooManyPages(GoToError):
    """A paged list did not end within the hard page cap; the partial result is not returned."""
