"""Settings are read from the environment; production refuses to start half-configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-Zq8!vP3#rT6@wX1$yB4%nM7^cF0&hJ2*"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    ignored = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean_env = {k: v for k, v in os.environ.items() if k not in ignored}
    clean_env.update(env)
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_a_secret_key_refuses_to_start() -> None:
    result = manage("check", DEBUG="0")
    assert result.returncode == 1
    assert "SECRET_KEY is not set. With DEBUG=0 Convene refuses to start" in result.stderr


def test_production_settings_pass_the_deployment_checklist() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="convene.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_mode_reads_a_generated_key_from_the_ignored_file() -> None:
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(len(settings.SECRET_KEY))",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 50
    assert (PROJECT / ".secret_key").exists()
    assert ".secret_key" in (PROJECT / ".gitignore").read_text().split()


@pytest.mark.parametrize(
    ("env", "expression", "expected"),
    [
        ({}, "settings.CELERY_TASK_ALWAYS_EAGER", "True"),
        (
            {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"},
            "settings.CELERY_TASK_ALWAYS_EAGER",
            "False",
        ),
        (
            {"DATABASE_URL": "postgres://u:p@db:5432/convene"},
            "settings.DATABASES['default']['ENGINE']",
            "django.db.backends.postgresql",
        ),
        ({}, "settings.DATABASES['default']['ENGINE']", "django.db.backends.sqlite3"),
        ({"TIME_ZONE": "Europe/Berlin"}, "settings.TIME_ZONE", "Europe/Berlin"),
        (
            {"EMAIL_URL": "smtp://mailer:pw@mail.example.com:2525"},
            "settings.EMAIL_HOST",
            "mail.example.com",
        ),
        ({}, "settings.EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"),
        ({}, "settings.USE_TZ", "True"),
    ],
)
def test_settings_come_from_the_environment(
    env: dict[str, str], expression: str, expected: str
) -> None:
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print({expression})",
        DEBUG="1",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("cache_url", "backend"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/1", "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_the_cache_is_chosen_by_cache_url(cache_url: str, backend: str) -> None:
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        DEBUG="1",
        CACHE_URL=cache_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend


@pytest.mark.parametrize(
    ("debug", "database_url", "kept"),
    [
        ("0", "", "60 True"),
        ("0", "sqlite:////tmp/convene-settings-test.sqlite3?conn_max_age=0", "0 False"),
        ("1", "", "0 False"),
    ],
)
def test_production_keeps_database_connections_unless_told(
    debug: str, database_url: str, kept: str
) -> None:
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        DEBUG=debug,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="convene.example.com",
        DATABASE_URL=database_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == kept
