"""Create the demo users and about 200 international demo contacts. Safe to run again."""

from __future__ import annotations

from itertools import cycle, product
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import Role, User
from contacts.demo_people import COMPANIES, CULTURES, JOB_TITLES
from contacts.models import Contact
from contacts.services import upsert_contact

DEMO_USERS = (
    ("admin", "convene-admin", Role.ADMIN),
    ("marketer", "convene-marketer", Role.MARKETER),
)


class Command(BaseCommand):
    help = "Create an admin, a marketer and ~200 demo contacts (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--contacts", type=int, default=208, help="How many demo contacts.")
        parser.add_argument(
            "--once",
            action="store_true",
            help="Seed only a database that has no users yet; always print how to sign in.",
        )

    def handle(self, *args: Any, contacts: int, once: bool, **options: Any) -> None:
        if not (once and User.objects.exists()):
            for username, password, role in DEMO_USERS:
                self._ensure_user(username, password, role)
            created = self._seed_contacts(contacts)
            total = Contact.objects.count()
            self.stdout.write(f"Demo contacts: {created} created, {total} in all.")
        self._print_sign_in()

    def _print_sign_in(self) -> None:
        usable = [
            (username, password, role)
            for username, password, role in DEMO_USERS
            if (user := User.objects.filter(username=username, is_active=True).first())
            and user.check_password(password)
        ]
        if not usable:
            self.stdout.write(
                "The demo users are gone or have new passwords: sign in with your own user, "
                "or create an admin with `.venv/bin/python manage.py createsuperuser`."
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Sign in at {settings.SITE_URL}/ with:"))
        for username, password, role in usable:
            self.stdout.write(f"  {role.label:9} user: {username:9} password: {password}")

    def _ensure_user(self, username: str, password: str, role: Role) -> None:
        if User.objects.filter(username=username).exists():
            return
        User.objects.create_user(
            username,
            f"{username}@convene.example",
            password,
            role=role,
            first_name=role.label,
            last_name="Demo",
        )

    def _seed_contacts(self, wanted: int) -> int:
        created = 0
        companies = cycle(COMPANIES)
        titles = cycle(JOB_TITLES)
        people = (
            (first, last, country, zone)
            for given, family, country, zone in CULTURES
            for first, last in product(given, family)
        )
        for count, ((first, first_ascii), (last, last_ascii), country, zone) in enumerate(people):
            if count >= wanted:
                break
            result = upsert_contact(
                f"{first_ascii}.{last_ascii}@example.com",
                overwrite=False,
                source="demo",
                first_name=first,
                last_name=last,
                company=next(companies),
                job_title=next(titles),
                country=country,
                time_zone=zone,
            )
            created += result.created
        return created
