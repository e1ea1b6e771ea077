"""The integration stage: real PostgreSQL, real Redis, a real Celery worker process.

Run it with `make test-integration`, i.e.
`python -m pytest -p tests.services --postgres --redis -m integration tests/integration`:
tests/services.py starts the cluster and redis-server before Django reads its settings, so this
process enqueues through the real broker (CELERY_TASK_ALWAYS_EAGER is off). The session
fixture `celery_worker` starts `celery -A config worker` once pytest-django has created the
test database, pointed at that database (`test_convene`), at the broker, and at the GoTo
emulator served by live_server.

The worker is another process: it sees only committed rows, so every test module here sets
`pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]`.
Without the services (a plain `pytest`), the tests are skipped and say how to run them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.services import CeleryWorker

T = TypeVar("T")

WAIT_SECONDS = 60.0
HOW_TO_RUN = (
    "needs the real services: run `make test-integration` "
    "(python -m pytest -p tests.services --postgres --redis -m integration tests/integration)"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    services_ready = connection.vendor == "postgresql" and settings.CELERY_BROKER_URL.startswith(
        "redis://"
    )
    for item in items:
        if str(item.path).startswith(here) and not services_ready:
            item.add_marker(pytest.mark.skip(reason=HOW_TO_RUN))


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the database this process uses now (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def worker_environment(site_url: str) -> dict[str, str]:
    """The worker's settings, all through the environment as in production."""
    ignored = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "CELERY_BROKER_URL"}
    env = {key: value for key, value in os.environ.items() if key not in ignored}
    emulator = f"{site_url}/goto-emulator"
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        # Same keys as this process, so the worker can read the GoTo tokens stored here.
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY,
        SITE_URL=site_url,
        GOTO_AUTH_BASE_URL=emulator,
        GOTO_API_BASE_URL=emulator,
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None, live_server: Any) -> Iterator[CeleryWorker]:
    """One `celery -A config worker` (prefork, 2 processes) for the whole stage."""
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip(HOW_TO_RUN)
    worker = CeleryWorker(worker_environment(str(live_server.url)))
    try:
        worker.start()
    except Exception:
        worker.stop()
        raise
    yield worker
    worker.stop()


def wait_for(
    probe: Callable[[], T | None], what: str, worker: CeleryWorker, timeout: float = WAIT_SECONDS
) -> T:
    """Poll the database (or anything) until `probe` returns a value; fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if worker.process is not None and worker.process.poll() is not None:
            pytest.fail(f"The Celery worker died while waiting for {what}:\n{worker.tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout:.0f} s for {what}. The worker's log:\n{worker.tail()}")
        time.sleep(0.1)
