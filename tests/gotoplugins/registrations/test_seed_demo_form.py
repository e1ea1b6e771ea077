"""manage.py seed_demo_form: a published webinar registration form once webinars are synced."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from contacts.models import Contact
from forms_builder.models import Form, Submission
from gotoplugins.models import Event, GoToAccount, Participation
from tests.forms_builder.helpers import submit
from tests.gotoplugins.emulator.helpers import EmulatorAdapter
from tests.gotoplugins.registrations.conftest import registrants, upcoming

pytestmark = pytest.mark.django_db


def test_it_needs_upcoming_webinars(db: None) -> None:
    with pytest.raises(CommandError, match="No upcoming webinars"):
        call_command("seed_demo_form")
    assert not Form.objects.exists()


def test_the_demo_form_registers_a_visitor(
    account: GoToAccount, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    out = StringIO()
    call_command("seed_demo_form", stdout=out)
    assert "Published “Register for a webinar” at /f/webinars/" in out.getvalue()
    form = Form.objects.get()
    assert form.is_published and form.allow_embedding
    # No promise of a link that a webinar needing the organizer's approval does not give.
    assert form.success_message == (
        "Thank you! We have your registration. GoToWebinar emails you your personal join link "
        "once it is confirmed; some webinars need the organizer's approval first."
    )
    assert form.description == "Pick a webinar to register for."
    webinar = upcoming("webinar")[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            Client(),
            form,
            {
                "email": "demo@example.com",
                "first_name": "Dee",
                "last_name": "Mo",
                "webinar": webinar.key,
            },
        )
    assert response.status_code == 200
    assert Submission.objects.count() == 1
    assert Participation.objects.get().event == Event.objects.get(pk=webinar.pk)

    again = StringIO()
    call_command("seed_demo_form", stdout=again)
    assert "already there" in again.getvalue()
    assert Form.objects.count() == 1


def test_the_demo_form_registers_a_known_contact_without_rewriting_them(
    account: GoToAccount, transport: EmulatorAdapter, django_capture_on_commit_callbacks: Any
) -> None:
    """New forms fill only empty contact fields: the demo form still registers people GoTo or
    a marketer already knows, with the names they typed, and leaves the contact as it was."""
    Contact.objects.create(email="demo@example.com", first_name="Dolores", last_name="")
    call_command("seed_demo_form", stdout=StringIO())
    form = Form.objects.get()
    assert form.overwrite_contact is False
    webinar = upcoming("webinar")[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            Client(),
            form,
            {
                "email": "demo@example.com",
                "first_name": "Dee",
                "last_name": "Mo",
                "webinar": webinar.key,
            },
        )
    assert response.status_code == 200
    participation = Participation.objects.get()
    assert participation.event == Event.objects.get(pk=webinar.pk)
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name) == ("Dolores", "Mo")
    assert participation.contact == contact
    [registrant] = [row for row in registrants(webinar) if row.email.lower() == "demo@example.com"]
    assert (registrant.first_name, registrant.last_name) == ("Dee", "Mo")
