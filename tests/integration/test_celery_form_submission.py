"""A public form submission as production runs it: the request stores it and sends a drain to
Redis; the worker saves the contact, queues the registration and registers at GoTo over HTTP.

GoTo is the emulator on live_server (tests/integration/conftest.py). The catalogue is synced
in this process first, so the form can list the webinars.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from contacts.models import Contact
from forms_builder.models import FormAction, Submission
from gotoplugins.emulator import models as emulator
from gotoplugins.models import Participation, SyncRun
from gotoplugins.sync import sync_product
from gotoplugins.upcoming import upcoming_events
from tests.forms_builder.helpers import add_field, make_form, person_fields, submit
from tests.integration.conftest import wait_for
from tests.integration.test_celery_sync import connect_webinar, site  # noqa: F401 - fixture
from tests.services import CeleryWorker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_submission_is_processed_and_registered_by_the_worker(
    celery_worker: CeleryWorker,
    site: str,  # noqa: F811 - the fixture imported above
    settings: Any,
) -> None:
    settings.FORMS_RATE_LIMIT = 0
    call_command(
        "goto_emulator_seed", "--reset", "--seed=12", "--webinars=3",
        "--registrants-per-webinar=2", "--trainings=0", "--meetings=0", "--assist-sessions=0",
        verbosity=0,
    )  # fmt: skip
    connect_webinar(site)
    run = sync_product("webinar", trigger=SyncRun.Trigger.COMMAND)
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    form = person_fields(make_form("webinar", name="Webinar sign-up"))
    add_field(form, "goto_webinar_event", "Webinar", required=True)
    FormAction.objects.create(
        form=form, action_type="goto_register_webinar", config={"event": "form"}
    )
    automatic = set(
        emulator.Event.objects.filter(approval_type="AUTOMATIC").values_list("key", flat=True)
    )
    webinar = next(e for e in upcoming_events("webinar", timezone.now()) if e.key in automatic)
    log_start = len(celery_worker.log())

    answers = {
        "email": "Zoe.D'Arc@Example.com",
        "first_name": "Zoë 🎉",
        "last_name": "d'Arc & Co",
        "webinar": webinar.key,
    }
    response = submit(Client(REMOTE_ADDR="198.51.100.4"), form, answers)
    assert response.status_code == 200
    submission = Submission.objects.get(form=form)
    assert submission.data["last_name"] == "d'Arc & Co"

    def registered() -> Participation | None:
        return Participation.objects.filter(
            event=webinar, contact__email="zoe.d'arc@example.com", kind="registered"
        ).first()

    row = wait_for(registered, "the worker to register the visitor", celery_worker)
    submission.refresh_from_db()
    assert submission.processed_at is not None
    assert submission.contact == Contact.objects.get(email="zoe.d'arc@example.com")
    assert row.join_url.endswith(f"/_app/join/g2w/{webinar.key}/{row.registrant_key}")
    [registrant] = emulator.Registrant.objects.filter(
        event__key=webinar.key, email_lower="zoe.d'arc@example.com"
    )
    assert (registrant.first_name, registrant.last_name) == ("Zoë 🎉", "d'Arc & Co")
    assert registrant.key == row.registrant_key
    log = celery_worker.log()[log_start:]
    assert "forms_builder.process_pending_submissions" in log
    assert "gotoplugins.process_registration" in log
