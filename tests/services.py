"""Real services for the tests: a throwaway PostgreSQL cluster, Redis, a Celery worker.

As a pytest plugin, loaded with ``-p tests.services`` (run pytest as ``python -m pytest`` so
that ``tests`` is importable that early)::

    python -m pytest -p tests.services --postgres                # the suite on PostgreSQL
    python -m pytest -p tests.services --postgres --redis tests/integration

``--postgres`` runs ``initdb`` into a temporary folder and starts ``postgres`` on a free
loopback port (its Unix socket in the same folder), with a database ``convene``; ``--redis``
starts ``redis-server`` on a free loopback port without persistence. Both happen before
pytest-django reads the Django settings, with ``DATABASE_URL`` / ``CELERY_BROKER_URL`` in the
environment while it does; pytest-django then creates and drops ``test_convene`` itself. The
variables are taken out of the environment again once the settings are read, so programs a
test starts get only what the test gives them. Everything is stopped and deleted when pytest
ends: by pytest's cleanup, by ``atexit`` if that is skipped, and by the kernel (parent-death
signal) if pytest itself is killed.

PostgreSQL refuses to run as root. When the suite runs as root (CI does), ``initdb`` and
``postgres`` run as the user named by ``CONVENE_PG_OS_USER`` (default ``nobody``), in a
temporary folder handed to that user; the test process connects over TCP with trust
authentication, which is safe for a cluster that listens on 127.0.0.1 only and lives for
one test run.

A missing binary is an error, never a skip: ``.ci/run`` installs Debian's ``postgresql-15``
and ``redis-server``. ``PG_BINDIR`` points at another PostgreSQL installation.

``CeleryWorker`` starts ``celery -A config worker`` as a subprocess for tests/integration/.

By hand, the same services around any command::

    .venv/bin/python -m tests.services --postgres --redis -- .venv/bin/python manage.py migrate
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import ctypes.util
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PG_USER = "convene"
PG_DATABASE = "convene"
START_TIMEOUT = 60.0
OWNER_FILE = "owner.pid"
STOP_TIMEOUT = 15.0


class ServiceError(RuntimeError):
    """A service could not be started; the message says what to install or where to look."""


# --- Small helpers ----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_binary(name: str) -> str:
    """initdb/postgres: $PG_BINDIR, then PATH, then Debian's /usr/lib/postgresql/<newest>/bin."""
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda folder: (
            int(Path(folder).parent.name) if Path(folder).parent.name.isdigit() else 0
        ),
        reverse=True,
    )
    candidates = [os.environ.get("PG_BINDIR", ""), *os.environ.get("PATH", "").split(os.pathsep)]
    for folder in [*candidates, *debian]:
        path = Path(folder or "/nonexistent") / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    raise ServiceError(
        f"PostgreSQL's {name} was not found (looked in $PG_BINDIR, PATH and "
        "/usr/lib/postgresql/*/bin). Install Debian's postgresql-15 "
        "(`apt-get install postgresql-15`, as .ci/run does) or set PG_BINDIR."
    )


def required_binary(name: str, package: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ServiceError(
            f"{name} was not found on PATH. Install Debian's {package} "
            f"(`apt-get install {package}`, as .ci/run does)."
        )
    return found


def _parent_death_signal(signum: int) -> Callable[[], None]:
    """A preexec_fn asking the kernel to send `signum` to the child when pytest dies."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1

    def preexec() -> None:
        libc.prctl(pr_set_pdeathsig, signum)

    return preexec


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def sweep_leftovers(name: str) -> None:
    """Delete folders of earlier runs that were killed (SIGKILL leaves no chance to clean up).

    Only folders whose owning pytest process is gone: other runs on this machine keep theirs.
    """
    for folder in Path(tempfile.gettempdir()).glob(f"convene-{name}-*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
            os.kill(owner, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            continue  # not ours to judge (no owner file, or another user's process)


class Service:
    """A child process in its own process group, with a log file, stopped exactly once."""

    name = "service"
    stop_signal = signal.SIGTERM

    def __init__(self) -> None:
        sweep_leftovers(self.name)
        self.folder = Path(tempfile.mkdtemp(prefix=f"convene-{self.name}-"))
        (self.folder / OWNER_FILE).write_text(str(os.getpid()))
        self.log_path = self.folder / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._stopped = False
        atexit.register(self.stop)

    def _spawn(
        self, command: Sequence[str], *, env: Mapping[str, str] | None = None, **options: Any
    ) -> None:
        if self._log is not None:
            self._log.close()
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own binaries and arguments
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            process_group=0,
            preexec_fn=_parent_death_signal(self.stop_signal),
            **options,
        )

    def _serve(
        self,
        command: Callable[[int], Sequence[str]],
        ready: Callable[[], bool],
        what: str,
        **options: Any,
    ) -> None:
        """Start listening on self.port; if another program took it meanwhile, take another."""
        for attempt in range(3):
            self._spawn(command(self.port), **options)
            try:
                self._wait_until(ready, what)
                return
            except ServiceError:
                if attempt == 2 or "Address already in use" not in log_tail(self.log_path, 5):
                    raise
                self._kill()
                self.port = free_port()

    def _check_alive(self, what: str) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(
                f"{what} exited with status {self.process.returncode} while starting. "
                f"Its log ({self.log_path}):\n{log_tail(self.log_path)}"
            )

    def _wait_until(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive(what)
            if ready():
                return
            time.sleep(0.05)
        raise ServiceError(
            f"{what} was not ready after {START_TIMEOUT:.0f} s. Its log ({self.log_path}):\n"
            f"{log_tail(self.log_path)}"
        )

    def stop(self) -> None:
        """Stop the process group (politely, then not), close the log, delete the folder."""
        if self._stopped:
            return
        self._stopped = True
        self._kill()
        if self._log is not None:
            self._log.close()
        if not os.environ.get("CONVENE_KEEP_SERVICE_FILES"):
            shutil.rmtree(self.folder, ignore_errors=True)

    def _kill(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, self.stop_signal)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Children that outlived their leader (a Celery pool process, a postgres backend).
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)


# --- PostgreSQL -------------------------------------------------------------------------------


class PostgresCluster(Service):
    """initdb into a temporary folder, postgres on a free port, database `convene`."""

    name = "postgres"
    # SIGINT is PostgreSQL's "fast shutdown": end the sessions, then stop.
    stop_signal = signal.SIGINT

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()
        self.data = self.folder / "data"
        self.socket_dir = self.folder / "socket"
        self._as_user: dict[str, Any] = {}

    @property
    def url(self) -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{PG_DATABASE}"

    def start(self) -> PostgresCluster:
        started = time.monotonic()
        initdb, postgres = postgres_binary("initdb"), postgres_binary("postgres")
        self._drop_root()
        self.socket_dir.mkdir()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        if self._as_user:
            os.chown(self.socket_dir, self._as_user["user"], self._as_user["group"])
        result = subprocess.run(  # noqa: S603 - our own binary and arguments
            [
                initdb,
                f"--pgdata={self.data}",
                f"--username={PG_USER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            **self._as_user,
        )
        if result.returncode:
            raise ServiceError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.socket_dir),
            # A throwaway cluster: durability buys nothing and costs seconds.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "shared_buffers": "64MB",
            "timezone": "UTC",
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        self._serve(
            lambda port: [postgres, "-D", str(self.data), "-p", str(port), *options],
            self._accepts_connections,
            "postgres",
            env=env,
            **self._as_user,
        )
        self._execute(f'CREATE DATABASE "{PG_DATABASE}"')
        self.startup_seconds = time.monotonic() - started
        return self

    def _drop_root(self) -> None:
        """As root, hand the folder to an unprivileged user and run PostgreSQL as that user."""
        if os.geteuid() != 0:
            return
        name = os.environ.get("CONVENE_PG_OS_USER", "nobody")
        try:
            entry = pwd.getpwnam(name)
        except KeyError as error:
            raise ServiceError(
                f"PostgreSQL refuses to run as root and the user {name!r} "
                "(CONVENE_PG_OS_USER) does not exist."
            ) from error
        os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        # The user must be able to reach the folder: /tmp is world-searchable, a custom
        # TMPDIR might not be.
        parent = self.folder.parent
        if not os.stat(parent).st_mode & 0o001:
            raise ServiceError(
                f"{parent} is not searchable by {name!r}; set TMPDIR to a folder that is "
                "(e.g. /tmp)."
            )
        self._as_user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _connect(self, database: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=PG_USER,
            dbname=database,
            connect_timeout=2,
            autocommit=True,
        )

    def _accepts_connections(self) -> bool:
        import psycopg

        try:
            with self._connect():
                return True
        except psycopg.OperationalError:
            return False

    def _execute(self, sql: str) -> None:
        with self._connect() as connection:
            connection.execute(sql.encode())

    def version(self) -> str:
        with self._connect() as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"


# --- Redis ------------------------------------------------------------------------------------


class RedisServer(Service):
    """redis-server on a free loopback port, no persistence, its files in a temporary folder."""

    name = "redis"

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        started = time.monotonic()
        binary = required_binary("redis-server", "redis-server")
        self._serve(
            lambda port: [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
            ],
            self.ping,
            "redis-server",
        )
        self.startup_seconds = time.monotonic() - started
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


# --- Celery worker ----------------------------------------------------------------------------


class CeleryWorker(Service):
    """`celery -A config worker` in a subprocess with the environment it is given."""

    name = "celery"

    def __init__(self, env: Mapping[str, str], concurrency: int = 2) -> None:
        super().__init__()
        self.env = dict(env)
        self.concurrency = concurrency
        self.hostname = f"integration-{os.getpid()}@localhost"

    def start(self) -> CeleryWorker:
        started = time.monotonic()
        self._spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                f"--hostname={self.hostname}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=self.env,
            cwd=PROJECT,
        )
        self._wait_until(lambda: " ready." in self.log(), "the Celery worker")
        self.startup_seconds = time.monotonic() - started
        return self

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 60) -> str:
        return log_tail(self.log_path, lines)


# --- The pytest plugin ------------------------------------------------------------------------

_services_key = pytest.StashKey[list[Service]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("convene services", "Real services (tests/services.py)")
    group.addoption(
        "--postgres",
        action="store_true",
        help="Run against a throwaway PostgreSQL cluster started for this run (DATABASE_URL).",
    )
    group.addoption(
        "--redis",
        action="store_true",
        help="Start a throwaway redis-server and use it as the Celery broker (CELERY_BROKER_URL).",
    )


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def start_services(postgres: bool, redis: bool) -> tuple[list[Service], dict[str, str]]:
    services: list[Service] = []
    env: dict[str, str] = {}
    try:
        if postgres:
            cluster = PostgresCluster().start()
            services.append(cluster)
            env["DATABASE_URL"] = cluster.url
        if redis:
            server = RedisServer().start()
            services.append(server)
            env["CELERY_BROKER_URL"] = server.url
    except BaseException:
        for service in reversed(services):
            service.stop()
        raise
    return services, env


def _stop_all(services: list[Service]) -> None:
    for service in reversed(services):
        service.stop()


@pytest.hookimpl(tryfirst=True, wrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Iterator[None]:
    """Start the services, then let pytest-django read the settings with their URLs."""
    options, _ = parser.parse_known_and_unknown_args(args)
    if options.help or options.version or not (options.postgres or options.redis):
        return (yield)
    try:
        services, env = start_services(options.postgres, options.redis)
    except ServiceError as error:
        raise pytest.UsageError(str(error)) from error
    early_config.stash[_services_key] = services
    early_config.add_cleanup(lambda: _stop_all(services))
    _stop_on_sigterm()
    with _environment(env):
        return (yield)


def _stop_on_sigterm() -> None:
    """`kill` on pytest unwinds like Ctrl-C, so fixtures and the services are stopped."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:

        def interrupt(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, interrupt)


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    for service in config.stash.get(_services_key, []):
        if isinstance(service, PostgresCluster):
            owner = os.environ.get("CONVENE_PG_OS_USER", "nobody") if os.geteuid() == 0 else "me"
            lines.append(
                f"services: PostgreSQL {service.version()} on 127.0.0.1:{service.port}, run as "
                f"{owner}, started in {service.startup_seconds:.1f} s"
            )
        elif isinstance(service, RedisServer):
            lines.append(
                f"services: redis-server on 127.0.0.1:{service.port}, "
                f"started in {service.startup_seconds:.1f} s"
            )
    return lines


# --- By hand ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.services",
        description="Run a command with a throwaway PostgreSQL and/or Redis, then delete them.",
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    try:
        services, env = start_services(args.postgres, args.redis)
    except ServiceError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        for key, value in env.items():
            print(f"{key}={value}", file=sys.stderr)
        return subprocess.call(command, env={**os.environ, **env})  # noqa: S603
    except KeyboardInterrupt:
        return 130
    finally:
        _stop_all(services)


if __name__ == "__main__":
    sys.exit(main())
