"""The one HTTP seam for every GoTo API call (DESIGN.md rule 7).

- `new_session()`: the session factory (JSON headers, no hidden urllib3 retries).
- `GoToApi`: get/post/delete returning parsed JSON, with connect/read timeouts, bounded
  retries with exponential backoff, a per-account rate limit (shared by every process through
  the cache when CACHE_URL is set), one token refresh on rejection,
  and typed errors (`gotoplugins.errors`).
- `get_all()`: reads every page of a list, in either of GoTo's paging styles.

The access token travels only in the `Authorization: Bearer` header. It is never put in a URL,
a log line, an exception message or a repr.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeAlias

import requests
from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from gotoplugins import errors
from gotoplugins.types import Record, as_records

logger = logging.getLogger(__name__)

USER_AGENT = "Convene (GoTo integration)"
# (connect, read) seconds. GoTo answers list calls in well under a second; 30 s leaves room
# for the big registrant pages without letting a stuck socket hold a worker for long.
DEFAULT_TIMEOUT = (5.0, 30.0)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# A POST may have been carried out even when its answer was a 500, 502, 504 or a read
# timeout, so it is resent only when GoTo certainly did not act on it.
POST_RETRY_STATUSES = frozenset({429, 503})
MAX_PAGES = 2000  # 400,000 items at 200 a page; beyond that something is looping
Params = Mapping[str, str | int | bool]
JsonValue: TypeAlias = (
    str | int | float | bool | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None
)


class TokenSource(Protocol):
    """Where GoToApi gets its access tokens; implemented by gotoplugins.oauth."""

    rate_limit_key: str  # e.g. the GoTo account's pk; one bucket per account

    def access_token(self) -> str:
        """A valid token (the implementation refreshes proactively)."""
        ...

    def refresh_after_rejection(self, rejected_token: str) -> str:
        """A new token after GoTo rejected `rejected_token`; raises errors.NeedsReconnect."""
        ...


def new_session() -> requests.Session:
    """The session every GoTo call goes through; timeouts are passed per request by GoToApi."""
    session = requests.Session()
    session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
    # Retrying is GoToApi's job, where POST and 429 are told apart; urllib3 must not resend.
    adapter = HTTPAdapter(max_retries=0, pool_maxsize=20)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to wait; delays are backoff * 2**(attempt-1), capped."""

    max_attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0  # a Retry-After longer than this is capped, not obeyed

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return min(self.backoff * 2 ** (attempt - 1), self.max_backoff)


class TokenBucket:
    """Thread-safe token bucket; callers reserve a token and sleep outside the lock."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take one token; returns the seconds to wait before using it (0 when available)."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self._burst, self._tokens + elapsed * self._rate)
            self._updated = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self._rate


class RateLimiter:
    """At most `rate` requests per second per key (GoTo allows about 10/s, goto-api.md §7).

    In-process only (SharedRateLimiter's fallback, and tests' fake clocks): N processes
    calling for the same account may together exceed the limit; the 429 retry handles that.
    """

    def __init__(
        self,
        rate: float = 10.0,
        burst: int = 10,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> None:
        wait = self._bucket(key).reserve()
        if wait > 0:
            self._sleep(wait)

    def _bucket(self, key: str) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(self._rate, self._burst, self._clock)
            return bucket


class Limiter(Protocol):
    def acquire(self, key: str) -> None: ...


class SharedRateLimiter:
    """At most `rate` requests per second per key for all processes sharing Django's cache.

    Counts in whole seconds of the wall clock (the same in every process, unlike a monotonic
    clock); a request over the count waits for the next second. With a shared cache (Redis,
    CACHE_URL) the web and worker processes share the limit; with the local-memory default each
    process counts alone. If the cache fails, the process's own bucket limits it instead.
    """

    def __init__(
        self,
        rate: int = 10,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        fallback: Limiter | None = None,
    ) -> None:
        self._rate = rate
        self._clock = clock
        self._sleep = sleep
        self._fallback = fallback or RateLimiter(rate=float(rate), burst=rate)
        self._cache_failed = False

    def acquire(self, key: str) -> None:
        while True:
            now = self._clock()
            second = int(now)
            try:
                count = _count_in_cache(f"goto-rate:{key}:{second}")
            except Exception:
                if not self._cache_failed:
                    logger.warning("The cache failed: GoTo calls are limited per process for now")
                self._cache_failed = True
                self._fallback.acquire(key)
                return
            self._cache_failed = False
            if count <= self._rate:
                return
            self._sleep(max(0.0, second + 1 - now))


def _count_in_cache(name: str) -> int:
    cache.add(name, 0, timeout=5)
    try:
        return int(cache.incr(name))
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=5)
        return 1


_process_limiter: Limiter = SharedRateLimiter()


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if unusable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class GoToApi:
    """JSON calls to one GoTo API host on behalf of one account (its TokenSource)."""

    def __init__(
        self,
        base_url: str,
        token_source: TokenSource,
        session: requests.Session | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        limiter: Limiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._tokens = token_source
        self._session = session or new_session()
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._limiter = limiter or _process_limiter
        self._sleep = sleep
        self._now = now

    def __repr__(self) -> str:
        return f"GoToApi({self.base_url!r}, account={self._tokens.rate_limit_key!r})"

    def get(self, path: str, params: Params | None = None) -> object:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: JsonValue = None, *, params: Params | None = None) -> object:
        return self.request("POST", path, params=params, body=body)

    def delete(self, path: str, params: Params | None = None) -> object:
        return self.request("DELETE", path, params=params)

    @sensitive_variables("tokens")
    def request(
        self, method: str, path: str, *, params: Params | None = None, body: JsonValue = None
    ) -> object:
        """Parsed JSON of a 2xx answer (None for an empty one); raises errors.GoToError."""
        tokens = [self._tokens.access_token()]  # every token used, to redact from errors
        response = self._send(method, path, tokens[-1], params, body)
        if _is_token_rejection(response):
            # Exactly one refresh and one retry; a second rejection is reported, not looped on.
            tokens.append(self._tokens.refresh_after_rejection(tokens[-1]))
            response = self._send(method, path, tokens[-1], params, body)
            if _is_token_rejection(response):
                raise _http_error(
                    response, method, path, tokens, self._now(), errors.AuthenticationFailed
                )
        if not 200 <= response.status_code < 300:
            raise _http_error(response, method, path, tokens, self._now())
        return _parse_json(response, method, path)

    @sensitive_variables("token")
    def _send(
        self, method: str, path: str, token: str, params: Params | None, body: JsonValue
    ) -> requests.Response:
        """The last answer after bounded retries; raises TransportError when none came."""
        attempt = 1
        while True:
            self._limiter.acquire(self._tokens.rate_limit_key)
            try:
                response = self._session.request(
                    method,
                    self.base_url + path,
                    params=_query(params),
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self._timeout,
                )
            except requests.exceptions.RequestException as exc:
                error = _transport_error(exc, method, path)
                if attempt >= self._retry.max_attempts or not _may_resend(method, exc):
                    # Not chained: the requests exception holds the prepared request, whose
                    # headers carry the token, and Django's error reports show chained frames.
                    raise error from None
                delay, reason = self._retry.delay(attempt), type(exc).__name__
            else:
                if attempt >= self._retry.max_attempts or not _retry_status(method, response):
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self._now())
                delay, reason = self._retry.delay(attempt, retry_after), str(response.status_code)
            logger.warning(
                "GoTo %s %s: %s, retrying in %.2fs (attempt %d of %d)",
                method,
                path,
                reason,
                delay,
                attempt,
                self._retry.max_attempts,
            )
            self._sleep(delay)
            attempt += 1


def goto_api(token_source: TokenSource) -> GoToApi:
    """A GoToApi for settings.GOTO_API_BASE_URL (GoTo itself, or the local emulator)."""
    return GoToApi(settings.GOTO_API_BASE_URL, token_source)


def _query(params: Params | None) -> dict[str, str | int] | None:
    """Query parameters with booleans spelled as GoTo expects ("true", not "True")."""
    if params is None:
        return None
    return {
        name: ("true" if value else "false") if isinstance(value, bool) else value
        for name, value in params.items()
    }


def _retry_status(method: str, response: requests.Response) -> bool:
    status = response.status_code
    if method in IDEMPOTENT_METHODS:
        return status == 429 or status >= 500
    return status in POST_RETRY_STATUSES


def _may_resend(method: str, exc: requests.exceptions.RequestException) -> bool:
    if method in IDEMPOTENT_METHODS:
        return isinstance(
            exc,
            requests.exceptions.ConnectionError
            | requests.exceptions.Timeout
            | requests.exceptions.ChunkedEncodingError,
        )
    return _nothing_sent(exc)


def _nothing_sent(exc: requests.exceptions.RequestException) -> bool:
    """True when the connection failed before any byte of the request left this machine."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(
        exc, requests.exceptions.SSLError | requests.exceptions.ProxyError
    ):
        return False
    reason: object = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)  # includes NameResolutionError


def _transport_error(
    exc: requests.exceptions.RequestException, method: str, path: str
) -> errors.GoToError:
    kind = _describe(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return errors.GoToTimeout(f"GoTo {method} {path}: timed out ({kind})")
    retryable = isinstance(
        exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    )
    return errors.TransportError(f"GoTo {method} {path}: no answer ({kind})", retryable=retryable)


def _describe(exc: requests.exceptions.RequestException) -> str:
    """The exception's class, and the urllib3 reason's (e.g. ConnectionError/NewConnectionError)."""
    kind = type(exc).__name__
    reason: object = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        return f"{kind}/{type(reason.reason).__name__}"
    return kind


def _json_body(response: requests.Response) -> object:
    try:
        return json.loads(response.content)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        return None


def _error_fields(body: object) -> tuple[str, str, str]:
    """(code, description, incident) from any of GoTo's error body styles (goto-api.md §7)."""
    if not isinstance(body, dict):
        return "", "", ""

    def first(*names: str) -> str:
        for name in names:
            value = body.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                return str(value)
        return ""

    return (
        first("errorCode", "int_err_code", "error"),
        first("description", "msg", "error_description", "message"),
        first("incident"),
    )


def _is_token_rejection(response: requests.Response) -> bool:
    if response.status_code == 401:
        return True
    if response.status_code != 403:
        return False
    code, _, _ = _error_fields(_json_body(response))
    return code == "InvalidToken"


def _error_class(status: int) -> type[errors.GoToError]:
    if status == 429:
        return errors.RateLimited
    if status >= 500:
        return errors.ServerError
    return {
        400: errors.BadRequest,
        401: errors.AuthenticationFailed,
        403: errors.Forbidden,
        404: errors.NotFound,
        409: errors.Conflict,
    }.get(status, errors.ClientError if 400 <= status < 500 else errors.GoToError)


@sensitive_variables("tokens")
def _redact(text: str, tokens: list[str]) -> str:
    for token in tokens:
        if token:
            text = text.replace(token, "[redacted]")
    return text


@sensitive_variables("tokens")
def _http_error(
    response: requests.Response,
    method: str,
    path: str,
    tokens: list[str],
    now: datetime,
    cls: type[errors.GoToError] | None = None,
) -> errors.GoToError:
    status = response.status_code
    body = _json_body(response)
    code, description, incident = (_redact(part, tokens) for part in _error_fields(body))
    message = f"GoTo answered {status} to {method} {path}"
    if code:
        message += f": {code}"
    if description:
        message += f" ({description[:200]})"
    details = {
        key: _redact(value, tokens) if isinstance(value, str) else value
        for key, value in (body.items() if isinstance(body, dict) else ())
    }
    error = (cls or _error_class(status))(
        message,
        status=status,
        error_code=code,
        description=description,
        incident=incident,
        details=details,
    )
    if isinstance(error, errors.RateLimited):
        error.retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    return error


def _parse_json(response: requests.Response, method: str, path: str) -> object:
    if not response.content.strip():
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        raise errors.MalformedResponse(
            f"GoTo answered {response.status_code} to {method} {path} with a body that is not JSON",
            status=response.status_code,
        ) from None


def get_all(
    api: GoToApi,
    path: str,
    *,
    items_key: str = "",
    params: Params | None = None,
    size_param: str = "size",
    page_size: int = 200,
    max_pages: int = MAX_PAGES,
) -> list[Record]:
    """Every item of a paged list, reading page 0, 1, ... (goto-api.md §2.3).

    Understands HAL pages (`_embedded[items_key]` plus `page.number/totalPages`; a missing
    `_embedded` is an empty list), flat pages (`data` plus `total`), and plain arrays.
    Raises TooManyPages rather than returning a partial list when `max_pages` is reached.
    """
    items: list[Record] = []
    for page in range(max_pages):
        query = {**(params or {}), "page": page, size_param: page_size}
        chunk, last = _read_page(api.get(path, query), items_key, page, page_size, path)
        items.extend(chunk)
        if last:
            return items
    raise errors.TooManyPages(f"GoTo {path}: still more after {max_pages} pages")


def _read_page(
    body: object, items_key: str, page: int, page_size: int, what: str
) -> tuple[list[Record], bool]:
    """(items, is_last_page) of one page in any style."""
    if isinstance(body, list):
        return as_records(body, what), True
    page_record = Record(body, what)
    if page_record.has("data"):
        return _read_flat_page(page_record, page, page_size, what)
    return _read_hal_page(page_record, items_key, page, page_size, what)


def _read_flat_page(
    body: Record, page: int, page_size: int, what: str
) -> tuple[list[Record], bool]:
    chunk = as_records(body.raw("data"), f"{what}.data")
    limit = body.integer("limit") or page_size  # GoTo may cap the limit we asked for
    total = body.integer("total")
    if not chunk:
        return chunk, True
    if total is not None:
        return chunk, (page + 1) * limit >= total
    return chunk, len(chunk) < limit


def _read_hal_page(
    body: Record, items_key: str, page: int, page_size: int, what: str
) -> tuple[list[Record], bool]:
    embedded = body.record("_embedded")
    chunk: list[Record] = []
    if embedded is not None:
        if embedded.names() - {items_key}:
            raise errors.MalformedResponse(f"{what}: no {items_key!r} list in _embedded")
        chunk = embedded.records(items_key)
    info = body.record("page")
    if not chunk or info is None:
        return chunk, not chunk or len(chunk) < page_size
    number = info.integer("number")
    if number is not None and number != page:
        # A server that ignores `page` would otherwise be read until the page cap.
        raise errors.MalformedResponse(f"{what}: asked for page {page}, got page {number}")
    total_pages = info.integer("totalPages")
    if total_pages is None:
        return chunk, len(chunk) < page_size
    return chunk, page >= total_pages - 1
