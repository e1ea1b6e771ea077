"""Shared fixtures: a fixed cast of users, signed-in clients, and no network beyond loopback."""

from __future__ import annotations

import atexit
import ipaddress
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import Role, User
from forms_builder import deferred, public_form, public_views
from gotoplugins import upcoming

PASSWORD = "correct horse battery staple"


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """SQLite tests use a file, as the embedded mode does: an in-memory shared-cache database
    answers "table is locked" at once where a file waits, so locking could not be tested."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = Path(tempfile.mkdtemp(prefix="convene-test-db-"))
        atexit.register(shutil.rmtree, folder, True)
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests may talk to services on this machine only."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise OSError(f"Network access outside loopback is blocked in tests: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _forget_upcoming_events() -> Iterator[None]:
    """Each test's events are rolled back without a signal: no list may outlive its test."""
    upcoming.forget()
    yield
    upcoming.forget()


@pytest.fixture(autouse=True)
def _forget_what_processes_keep() -> None:
    """A drain one test sent must not keep the next test's submissions from sending theirs,
    nor fields or the success page one test's form had show for the next test's form (ids
    come again)."""
    deferred.forget_drains()
    public_form.forget_fields()
    public_views.forget_success_pages()


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create_user("alice", "alice@example.com", PASSWORD, role=Role.ADMIN)


@pytest.fixture
def marketer(db: None) -> User:
    return User.objects.create_user("bob", "bob@example.com", PASSWORD, role=Role.MARKETER)


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def marketer_client(marketer: User) -> Client:
    client = Client()
    client.force_login(marketer)
    return client
