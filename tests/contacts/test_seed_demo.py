from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from contacts.models import Contact

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_two_roles_and_international_contacts() -> None:
    output = seed()
    assert "Demo contacts: 208 created, 208 in all." in output
    assert "Admin     user: admin     password: convene-admin" in output
    assert "Marketer  user: marketer  password: convene-marketer" in output
    assert User.objects.get(username="admin").role == Role.ADMIN
    assert User.objects.get(username="marketer").role == Role.MARKETER
    names = set(Contact.objects.values_list("last_name", flat=True))
    assert {"O'Brien", "Müller", "山田", "Иванов", "Παπαδόπουλος", "العلي"} <= names
    assert Contact.objects.get(email="juergen.mueller@example.com").time_zone == "Europe/Berlin"


def test_seeding_again_creates_nothing_new() -> None:
    seed()
    assert "Demo contacts: 0 created, 208 in all." in seed()
    assert User.objects.count() == 2


def test_once_leaves_a_database_with_users_alone_but_still_says_how_to_sign_in() -> None:
    seed("--once")
    Contact.objects.all().delete()
    output = seed("--once")
    assert "Demo contacts" not in output
    assert Contact.objects.count() == 0
    assert "password: convene-admin" in output


def test_once_seeds_an_empty_database() -> None:
    assert "Demo contacts: 208 created" in seed("--once")


def test_sign_in_lines_are_not_printed_for_changed_passwords() -> None:
    seed("--once")
    for user in User.objects.all():
        user.set_password("changed-by-the-owner-42")
        user.save()
    output = seed("--once")
    assert "convene-admin" not in output
    assert "The demo users are gone or have new passwords" in output
