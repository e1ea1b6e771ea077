"""Benchmark: the CSV import engine against a plain bulk_create of the same rows.

    .venv/bin/python bench/import_contacts.py [--rows 50000] [--repeat 3] [--database-url URL]

Without --database-url it runs against a throwaway SQLite file in a temporary directory (the
embedded mode's database, with the same WAL settings). A --database-url must point at a
throwaway database: every run deletes its contacts, activities and import jobs.

Each measurement starts from empty contact and activity tables and the best of --repeat runs
is printed. Target: the first import of a file within 3x of bulk_create.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

FIRST_NAMES = [
    "Anna",
    "Zoë",
    "José",
    "Liam",
    "Mei",
    "Oluwaseun",
    "Sébastien",
    "Jürgen",
    "Priya",
    "Noah",
    "Chloé",
    "Mateo",
    "Aiko",
    "Fatima",
    "Lars",
    "Siobhán",
    "Dmitri",
    "Emma",
]
LAST_NAMES = [
    "Müller",
    "O'Brien",
    "García",
    "Nakamura",
    "Smith",
    "Kowalski",
    "Dubois",
    "Okafor",
    "Rossi",
    "Johansson",
    "Nguyen",
    "Fernández",
    "Schmidt",
    "Patel",
    "D'Angelo",
    "Lee",
]
COMPANIES = [
    "ACME, Inc.",
    "Globex",
    "Initech",
    "Umbrella GmbH",
    "Stark Industries",
    "Wayne & Co",
    "Soylent Corp",
    "Tyrell",
    "Hooli",
    "Vandelay Industries",
    "Rock 'n' Roll Ltd",
]
TITLES = [
    "CEO",
    "CTO",
    "Head of Marketing",
    "Sales Manager",
    "Engineer",
    "Analyst",
    "Designer",
    "Marketing Coordinator",
    "VP Sales",
    "Product Manager",
]
COUNTRIES = ["Germany", "France", "United States", "Japan", "Nigeria", "Brazil", "India", "Spain"]
ZONES = [
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "Africa/Lagos",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Europe/Madrid",
    "",
]
DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example.de"]
HEADER = [
    "Email",
    "First name",
    "Last name",
    "Company",
    "Job title",
    "Phone",
    "Country",
    "Time zone",
    "Lead source",
]
MAPPING = {
    str(i): t
    for i, t in enumerate(
        [
            "email",
            "first_name",
            "last_name",
            "company",
            "job_title",
            "phone",
            "country",
            "time_zone",
            "custom:Lead source",
        ]
    )
}


def setup_django(database_url: str | None) -> str:
    """Point Django at the benchmark database before it loads settings; returns its URL."""
    if not database_url:
        directory = tempfile.mkdtemp(prefix="convene-bench-")
        database_url = f"sqlite:///{directory}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # DEBUG would record every query in memory and slow both sides down.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return database_url


def generate_rows(count: int, seed: int = 42) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}.{number}".replace("'", "").replace(" ", "")
        rows.append(
            {
                "email": f"{local}@{rng.choice(DOMAINS)}",
                "first_name": first,
                "last_name": last,
                "company": rng.choice(COMPANIES),
                "job_title": rng.choice(TITLES),
                "phone": f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1, 99999)}",
                "country": rng.choice(COUNTRIES),
                "time_zone": rng.choice(ZONES),
                "lead_source": rng.choice(["webinar", "trade fair", "website", ""]),
            }
        )
    return rows


def to_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(row.values())
    return out.getvalue().encode("utf-8")


def empty_tables() -> None:
    from django.db import connection

    from contacts.models import Activity, Contact, ImportJob

    with connection.cursor() as cursor:
        for model in (Activity, Contact, ImportJob):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - our table names


def bulk_create_baseline(rows: list[dict[str, str]]) -> None:
    from contacts.models import Contact

    contacts = [
        Contact(
            email=row["email"].lower(),
            first_name=row["first_name"],
            last_name=row["last_name"],
            company=row["company"],
            job_title=row["job_title"],
            phone=row["phone"],
            country=row["country"],
            time_zone=row["time_zone"],
            custom_fields={"Lead source": row["lead_source"]} if row["lead_source"] else {},
        )
        for row in rows
    ]
    Contact.objects.bulk_create(contacts, batch_size=1000)


def import_file(data: bytes) -> Any:
    """The engine as the task runs it: a queued job with its mapping, through run_job()."""
    from contacts import importer
    from contacts.models import ImportJob

    job = importer.create_job(importer.read_csv(data), "bench.csv", None)
    ImportJob.objects.filter(pk=job.pk).update(mapping=MAPPING, status=ImportJob.Status.QUEUED)
    started = time.perf_counter()
    importer.run_job(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.failure
    return elapsed, job


def best_of(repeat: int, prepare: Callable[[], None], run: Callable[[], float]) -> float:
    times = []
    for _ in range(repeat):
        prepare()
        times.append(run())
    return min(times)


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--database-url",
        help="a THROWAWAY database (its contacts, activities and import jobs are deleted); "
        "default: a new SQLite file in a temporary directory",
    )
    args = parser.parse_args()

    database_url = setup_django(args.database_url)
    from django.db import connection

    from contacts import importer

    rows = generate_rows(args.rows)
    data = to_csv(rows)
    changed = to_csv(
        [
            {**row, "job_title": row["job_title"] + " II", "phone": row["phone"] + "0"}
            for row in rows
        ]
    )
    print(
        f"database: {connection.vendor} ({database_url.split('://')[0]}), rows: {args.rows:,}, "
        f"file: {len(data) / 1e6:.1f} MB, best of {args.repeat}"
    )

    read = best_of(args.repeat, lambda: None, lambda: timed(lambda: importer.read_csv(data)))
    baseline = best_of(args.repeat, empty_tables, lambda: timed(lambda: bulk_create_baseline(rows)))
    first = best_of(args.repeat, empty_tables, lambda: import_file(data)[0])

    def fill() -> None:
        empty_tables()
        import_file(data)

    same = best_of(args.repeat, fill, lambda: import_file(data)[0])
    updates = best_of(args.repeat, fill, lambda: import_file(changed)[0])

    def report(label: str, seconds: float) -> None:
        ratio = seconds / baseline
        print(f"{label:<44} {seconds:7.2f} s {args.rows / seconds:>10,.0f} rows/s  {ratio:5.2f}x")

    print(f"{'':<44} {'time':>9} {'rate':>15}  vs bulk_create")
    report("upload check (read_csv, in the request)", read)
    report("baseline: Contact.objects.bulk_create", baseline)
    report("import into an empty table (all new)", first)
    report("import the same file again (all matched)", same)
    report("import with 2 fields changed (all updates)", updates)
    verdict = "within" if first / baseline <= 3 else "ABOVE"
    print(f"first import / bulk_create = {first / baseline:.2f}x ({verdict} the 3x target)")


if __name__ == "__main__":
    main()
