"""Benchmark: concurrent submissions of a webinar registration form, against a trivial view.

    .venv/bin/python bench/form_submit.py [--postgres | --database-url URL] [--broker redis|none]
        [--worker-after] [--requests 2000] [--clients 16] [--workers 5] [--goto-latency-ms 300]

Convene runs under gunicorn (sync workers) on 127.0.0.1 with production settings (DEBUG=0).
The GoTo emulator runs on a gunicorn of its own (GoTo is elsewhere in production), made to
take --goto-latency-ms per registration. GoToWebinar is connected and synced, and the demo
form of `manage.py seed_demo_form` is published: email, names, company and a webinar list,
with the action "Register to GoToWebinar" for the webinar chosen. In the same run, with the
same client, it measures

- GET /health/: a trivial view (no database), the issue's baseline;
- GET /f/webinars/: the public form page (webinars read from the local catalogue);
- POST /bench/store/webinars/: a second baseline, added by this script only: the least a form
  handler can do and keep what was sent (find the form, store the POST as one row);
- POST /f/plain/: a valid submission of a copy of the form without any action;
- POST /f/webinars/: the same with the registration action;

as requests per second and latency percentiles; every POST has its own email. A submission
is checked and stored in the request; its contact, timeline and actions (the registration's
queue row) are processed after the response or by a worker, which each web process wakes at
most once a second (forms_builder.deferred.drain_soon). Target: the registration POST
at least half the trivial view's throughput, the GoTo call never being on the request path.
Then it waits until every registration is made at the emulator.

--broker redis (the default): a throwaway redis-server is the Celery broker, as in
production, and a Celery worker (4 processes) processes and registers while the submissions
come in (--worker-after: only once the measurement is over, so the request path is measured
alone). --broker none: the embedded mode, where each submission is processed and registered
inline after its response, in the gunicorn worker that served it.

--postgres starts a throwaway PostgreSQL cluster (tests/services.py); --database-url must
point at a throwaway database. Without either, a temporary SQLite file (WAL), as `make run`.
The client runs in this process (threads, one connection per request: gunicorn's sync
workers close it), on the same CPUs as the servers; it is the same for every row.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import CeleryWorker, PostgresCluster, RedisServer, free_port  # noqa: E402

SETTINGS = """
from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_form_urls"

# The bench's own knobs on top of the production settings.
FORMS_RATE_LIMIT = 0  # every request comes from 127.0.0.1
STATIC_ROOT = {static!r}
STORAGES["staticfiles"] = {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Errors only: a log line per request would be measured too.
LOGGING["root"]["level"] = "ERROR"
LOGGING["loggers"]["django"]["level"] = "ERROR"
"""
# The second baseline: the least a form handler can do on this server and still keep what
# was sent: find the form, store the POST as one row. No checks, no token, no contact.
URLS = """
from uuid import uuid4

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as convene
from forms_builder.models import Form, Submission


@login_not_required
@csrf_exempt
def store_only(request, slug):
    form = Form.objects.only("pk").get(slug=slug)
    # Stored as processed: these rows are no work for the worker (no contact, no registration).
    Submission.objects.create(
        form=form, data=request.POST.dict(), dedupe_key=uuid4().hex, processed_at=timezone.now()
    )
    return HttpResponse("stored")


urlpatterns = [path("bench/store/<slug:slug>/", store_only), *convene]
"""
STORE_ONLY = "POST /bench/store/ (store-only view)"
FIRST_NAMES = ["Zoë", "José", "Chloé", "Jürgen", "Siobhán", "Mei", "Oluwaseun", "Anna"]
LAST_NAMES = ["O'Brien", "García", "Dubois & Fils", "Müller", "Nakamura", "D'Angelo", "Lee"]


@dataclass
class Result:
    name: str
    latencies: list[float]
    seconds: float
    errors: int

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


# --- Services ---------------------------------------------------------------------------------


def environment(
    folder: Path, database_url: str, broker: str, site: str, goto: str
) -> dict[str, str]:
    (folder / "bench_form_settings.py").write_text(SETTINGS.format(static=str(folder / "static")))
    (folder / "bench_form_urls.py").write_text(URLS)
    env = {
        **os.environ,
        "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "bench_form_settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-form-submit-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "GOTO_EMULATOR": "1",
        "SITE_URL": site,
        # GoTo (the emulator) on a server of its own, as GoTo is elsewhere in production.
        "GOTO_API_BASE_URL": f"{goto}/goto-emulator",
        "GOTO_AUTH_BASE_URL": f"{goto}/goto-emulator",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "PYTHONUNBUFFERED": "1",
    }
    if not broker:
        env.pop("CELERY_BROKER_URL")
    return env


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> Iterator[None]:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--backlog=2048",
        "--timeout=120",
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: request("127.0.0.1", port, "GET", "/health/")[0] == 200, 30, "gunicorn")
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(ready: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} was not ready after {seconds:.0f} s")


def prepare(env: dict[str, str]) -> None:
    """Migrate and collect static files (before the server starts)."""
    manage = [str(ROOT / ".venv/bin/python"), "manage.py"]
    for args in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([*manage, *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def seed(env: dict[str, str]) -> None:
    """Emulator, connected account, synced webinars, the demo form (the server must be up)."""
    manage = [str(ROOT / ".venv/bin/python"), "manage.py"]
    steps = (
        ["goto_emulator_seed", "--reset", "-v0"],
        ["seed_goto_demo_account", "--connect", "-v0"],
        ["citrix_sync", "--product", "webinar", "--quiet", "-v0"],
        ["seed_demo_form", "-v0"],
    )
    for args in steps:
        subprocess.run([*manage, *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def django_in_this_process(env: dict[str, str]) -> None:
    for name in (
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "SECRET_KEY",
        "DEBUG",
        "SITE_URL",
        "GOTO_EMULATOR",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
    ):
        os.environ[name] = env[name]
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, env["PYTHONPATH"].split(os.pathsep)[0])
    import django

    django.setup()


# --- The client -------------------------------------------------------------------------------


def request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: str = "",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def token_of(html: bytes) -> str:
    marker = b'name="cv_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index(b'"', start)].decode()


def run(
    name: str,
    total: int,
    clients: int,
    call: Callable[[int, int], tuple[int, bytes]],
    expect: int = 200,
) -> Result:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(client: int) -> None:
        nonlocal errors
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            started = time.perf_counter()
            status, _ = call(client, number)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status != expect:
                    errors += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, latencies, time.perf_counter() - started, errors)


def measure(port: int, total: int, clients: int, webinar_keys: list[str]) -> list[Result]:
    host = "127.0.0.1"
    stamp = int(time.time())
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def tokens(slug: str) -> list[str]:
        return [token_of(request(host, port, "GET", f"/f/{slug}/")[1]) for _ in range(clients)]

    def get(path: str) -> Callable[[int, int], tuple[int, bytes]]:
        return lambda client, number: request(host, port, "GET", path)

    def post(slug: str, path: str = "") -> Callable[[int, int], tuple[int, bytes]]:
        page_tokens = tokens(slug)
        path = path or f"/f/{slug}/"

        def call(client: int, number: int) -> tuple[int, bytes]:
            body = urlencode(
                {
                    "cv_token": page_tokens[client],
                    "homepage": "",
                    "email": f"bench-{slug}-{stamp}-{number}@example.com",
                    "first_name": random.choice(FIRST_NAMES),
                    "last_name": random.choice(LAST_NAMES),
                    "company": "Wayne & Co",
                    "webinar": random.choice(webinar_keys),
                }
            )
            return request(host, port, "POST", path, body, form_headers)

        return call

    warm = max(clients * 4, 100)
    run("warm-up", warm, clients, get("/health/"))
    run("warm-up", warm, clients, get("/f/webinars/"))
    return [
        run("GET /health/ (trivial view)", total, clients, get("/health/")),
        run("GET /f/webinars/ (form page)", total, clients, get("/f/webinars/")),
        run(STORE_ONLY, total, clients, post("webinars", "/bench/store/webinars/")),
        run("POST /f/plain/ (no action)", total, clients, post("plain")),
        run("POST /f/webinars/ (registration)", total, clients, post("webinars")),
    ]


def plain_copy(slug: str = "plain") -> None:
    """The demo form without its action: what a submission costs before registering."""
    from forms_builder import services
    from forms_builder.models import Field, Form

    demo = Form.objects.get(slug="webinars")
    copy = Form.objects.create(name="Plain copy", slug=slug, is_published=True)
    for field in demo.fields.all():
        field.pk, field.form = None, copy
        services.save_field(
            copy,
            Field(
                **{
                    name: getattr(field, name)
                    for name in (
                        "key",
                        "field_type",
                        "label",
                        "required",
                        "contact_field",
                        "config",
                    )
                }
            ),
        )


# --- Main -------------------------------------------------------------------------------------


def report(results: list[Result], label: str) -> None:
    trivial = results[0].rps
    stored = next(result.rps for result in results if result.name == STORE_ONLY)
    print(f"\n{label}\n")
    print(
        "| Request                           |   req/s | p50 ms | p95 ms | vs trivial "
        "| vs store-only | errors |"
    )
    print(
        "|-----------------------------------|--------:|-------:|-------:|-----------:"
        "|--------------:|-------:|"
    )
    for result in results:
        print(
            f"| {result.name:<33} | {result.rps:>7.0f} | {result.percentile(0.5):>6.1f} "
            f"| {result.percentile(0.95):>6.1f} | {result.rps / trivial:>9.2f}× "
            f"| {result.rps / stored:>12.2f}× | {result.errors:>6} |"
        )


def wait_for_registrations(expected: int, seconds: float) -> tuple[float, dict[str, int]]:
    from django.db.models import Count

    from gotoplugins.models import RegistrationRequest

    started = time.monotonic()
    counts: dict[str, int] = {}
    while time.monotonic() - started < seconds:
        counts = dict(
            RegistrationRequest.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
        if counts.get("done", 0) + counts.get("failed", 0) >= expected:
            break
        time.sleep(1)
    return time.monotonic() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per measured request kind")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument("--broker", choices=["redis", "none"], default="redis")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    parser.add_argument("--database-url", default="", help="a throwaway database (emptied)")
    parser.add_argument(
        "--goto-latency-ms", type=int, default=300, help="how slowly GoTo registers someone"
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="keep database connections open this long (DATABASE_URL ?conn_max_age=); 60 is "
        "what production settings keep by default, 0 opens a connection per request",
    )
    parser.add_argument("--worker-processes", type=int, default=4, help="Celery concurrency")
    parser.add_argument("--drain-seconds", type=float, default=900.0)
    parser.add_argument(
        "--worker-after",
        action="store_true",
        help="start the Celery worker only after the measurement (the request path alone)",
    )
    options = parser.parse_args()

    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="convene-bench-forms-"))
        database_url = options.database_url or f"sqlite:///{folder}/bench.sqlite3"
        if options.postgres:
            cluster = PostgresCluster().start()
            stack.callback(cluster.stop)
            database_url = cluster.url
        joiner = "&" if "?" in database_url else "?"  # said always: the label is what ran
        database_url += f"{joiner}conn_max_age={options.conn_max_age}&conn_health_checks=true"
        broker = ""
        if options.broker == "redis":
            redis = RedisServer().start()
            stack.callback(redis.stop)
            broker = redis.url
        port, goto_port = free_port(), free_port()
        env = environment(
            folder,
            database_url,
            broker,
            f"http://127.0.0.1:{port}",
            f"http://127.0.0.1:{goto_port}",
        )
        prepare(env)
        stack.enter_context(gunicorn(env, goto_port, 3, folder / "goto.log"))
        stack.enter_context(gunicorn(env, port, options.workers, folder / "web.log"))
        seed(env)
        django_in_this_process(env)
        plain_copy()
        slow_goto(options.goto_latency_ms)
        if broker and not options.worker_after:  # registering while submissions come in
            stack.callback(
                CeleryWorker(dict(env), concurrency=options.worker_processes).start().stop
            )

        from django.db import connection
        from django.utils import timezone

        from gotoplugins.form_extensions import upcoming_events

        keys = [event.key for event in upcoming_events("webinar", timezone.now())]
        load = os.getloadavg()[0]  # other work on the machine skews every row alike
        results = measure(port, options.requests, options.clients, keys)
        engine = connection.vendor
        version = str(getattr(connection, "pg_version", "")) if engine == "postgresql" else ""
        mode = "no broker (inline, after each response)"
        if broker:
            when = "after" if options.worker_after else "during"
            mode = (
                f"Redis broker, Celery worker ({options.worker_processes} processes) {when} "
                "the measurement"
            )
        report(
            results,
            f"{engine} {version} · {mode} · gunicorn {options.workers} sync workers · "
            f"{options.clients} clients · {options.requests} requests each · "
            f"GoTo answers in {options.goto_latency_ms} ms · "
            f"connections kept {options.conn_max_age} s · load before {load:.1f}",
        )
        if broker and options.worker_after:
            stack.callback(
                CeleryWorker(dict(env), concurrency=options.worker_processes).start().stop
            )
        took, counts = wait_for_registrations(options.requests, options.drain_seconds)
        print(f"\nRegistrations: {counts}, all made {took:.0f} s after the last submission.")


def slow_goto(latency_ms: int) -> None:
    from gotoplugins.emulator import faults

    faults.set_record_requests(False)  # the emulator's request log is for tests
    if latency_ms:
        faults.add_fault(
            "/G2W/rest/v2/organizers/*/webinars/*/registrants",
            method="POST",
            latency_ms=latency_ms,
            times=None,
        )


if __name__ == "__main__":
    main()
