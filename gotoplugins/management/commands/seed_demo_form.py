"""manage.py seed_demo_form: the demo's published webinar registration form, at /f/webinars/.

Run after a GoTo sync: the form lists the upcoming webinars of the local catalogue, so it is
made only when there are some. Running it again leaves an existing form alone.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from forms_builder import services
from forms_builder.models import Field, Form, FormAction
from gotoplugins.form_extensions import RegisterWebinar, WebinarEventField, upcoming_events

SLUG = "webinars"
SUCCESS_MESSAGE = (
    "Thank you! We have your registration. GoToWebinar emails you your personal join link "
    "once it is confirmed; some webinars need the organizer's approval first."
)
FIELDS = (
    # (type, label, contact field, required, help text)
    ("email", "Email", "email", True, ""),
    ("text", "First name", "first_name", True, ""),
    ("text", "Last name", "last_name", True, ""),
    ("text", "Company", "company", False, ""),
    (WebinarEventField.key, "Webinar", "", True, "Times are shown in each webinar's time zone."),
)


class Command(BaseCommand):
    help = "Create the demo's published webinar registration form (needs synced webinars)."

    def handle(self, *args: Any, **options: Any) -> None:
        existing = Form.objects.filter(slug=SLUG).first()
        if existing is not None:
            self.stdout.write(f"The demo form is already there: /f/{SLUG}/ (“{existing}”).")
            return
        count = len(upcoming_events("webinar", timezone.now()))
        if not count:
            raise CommandError(
                "No upcoming webinars in the catalogue: connect GoToWebinar and run "
                "`manage.py citrix_sync` first."
            )
        with transaction.atomic():
            form = build_form()
        self.stdout.write(
            f"Published “{form}” at /f/{SLUG}/ with {count} upcoming webinar(s) to choose from."
        )


def build_form() -> Form:
    form = Form.objects.create(
        name="Register for a webinar",
        slug=SLUG,
        description="Pick a webinar to register for.",
        submit_label="Register",
        # Not "you are registered" nor "your link is on its way": the registration is made
        # after the response, and a webinar that needs the organizer's approval has no join
        # link until the organizer approves.
        success_message=SUCCESS_MESSAGE,
        allow_embedding=True,
    )
    for field_type, label, contact_field, required, help_text in FIELDS:
        services.save_field(
            form,
            Field(
                field_type=field_type,
                label=label,
                contact_field=contact_field,
                required=required,
                help_text=help_text,
            ),
        )
    services.save_action(
        form, FormAction(action_type=RegisterWebinar.key, config={"event": "form"})
    )
    services.set_published(form, True)
    return form
