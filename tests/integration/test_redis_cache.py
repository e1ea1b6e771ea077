"""The limits that must hold across processes, counted in a real Redis (CACHE_URL).

Two limiters stand for two processes; the count lives only in Redis. The forms' per-IP limit
is checked through the public view with the same cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from gotoplugins.http import SharedRateLimiter
from tests.forms_builder.helpers import answers, make_form, person_fields, submit
from tests.gotoplugins import FakeClock

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[None]:
    url = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/1"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    caches["default"].clear()
    yield
    caches["default"].clear()


def test_two_processes_share_gotos_limit_in_redis(redis_cache: None) -> None:
    assert type(caches["default"]).__name__ == "RedisCache"
    clock = FakeClock()
    clock.now = 5_000.5
    web = SharedRateLimiter(rate=10, clock=clock, sleep=clock.sleep)
    worker = SharedRateLimiter(rate=10, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        web.acquire("account-7")
        worker.acquire("account-7")
    assert clock.sleeps == []
    web.acquire("account-7")
    assert clock.sleeps == [pytest.approx(0.5)]


def test_the_forms_rate_limit_counts_in_redis(redis_cache: None, settings: Any) -> None:
    settings.FORMS_RATE_LIMIT = 3
    form = person_fields(make_form("contact"))
    visitor = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        submit(visitor, form, answers(email=f"p{n}@example.com")).status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    keys = caches["default"]._cache.get_client().keys("*")  # type: ignore[attr-defined]
    assert keys, "the counter lives in Redis"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
