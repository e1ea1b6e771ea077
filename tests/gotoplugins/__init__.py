"""Shared helpers for the GoTo client tests: a fake token source, a fake clock, and a harness
that mocks GoTo at the HTTP boundary (`responses`) and checks every request it saw."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType

import responses

from gotoplugins.http import GoToApi, RateLimiter, RetryPolicy

BASE_URL = "https://api.goto.test"
TOKEN = "sbx_at_SECRET_5f0c2a9e"
NEW_TOKEN = "sbx_at_SECRET_NEW_77d1"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class FakeTokens:
    """A TokenSource that hands out TOKEN, then NEW_TOKEN after a rejection."""

    rate_limit_key = "account-1"

    def __init__(self) -> None:
        self.current = TOKEN
        self.rejected: list[str] = []

    def access_token(self) -> str:
        return self.current

    def refresh_after_rejection(self, rejected_token: str) -> str:
        self.rejected.append(rejected_token)
        self.current = NEW_TOKEN
        return self.current


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Harness:
    """A GoToApi on fake time, with GoTo mocked; on exit, checks that no URL held a token."""

    def __init__(self, retry: RetryPolicy | None = None) -> None:
        self.tokens = FakeTokens()
        self.clock = FakeClock()  # the rate limiter's clock
        self.retry_sleeps: list[float] = []
        self.http = responses.RequestsMock(assert_all_requests_are_fired=True)
        self.api = GoToApi(
            BASE_URL,
            self.tokens,
            retry=retry,
            limiter=RateLimiter(clock=self.clock, sleep=self.clock.sleep),
            sleep=self.retry_sleeps.append,
            now=lambda: NOW,
        )

    def __enter__(self) -> Harness:
        self.http.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        calls = list(self.http.calls)
        self.http.__exit__(exc_type, exc, traceback)
        for call in calls:
            assert TOKEN not in str(call.request.url)
            assert NEW_TOKEN not in str(call.request.url)
            assert call.request.headers["Authorization"].startswith("Bearer sbx_at_SECRET")

    def url(self, path: str) -> str:
        return BASE_URL + path

    def authorization(self, index: int = 0) -> str:
        return str(self.http.calls[index].request.headers["Authorization"])
