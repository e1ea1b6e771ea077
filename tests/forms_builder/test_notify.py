"""Notification mails: one-line subjects, whatever the builder stored earlier."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from forms_builder.models import ActionResult, Form, FormAction, Submission
from tests.forms_builder.helpers import answers, submit

pytestmark = pytest.mark.django_db

Status = ActionResult.Status


def test_a_stored_subject_or_form_name_with_line_breaks_is_sent_on_one_line(
    visitor: Client, contact_form: Form, admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Data saved before the builder refused line breaks: the mail still goes out."""
    Form.objects.filter(pk=contact_form.pk).update(name="Contact\r\nBcc: x@evil.example")
    FormAction.objects.create(
        form=contact_form, action_type="notify_users", config={"user_ids": [admin.pk]}
    )
    FormAction.objects.create(
        form=contact_form,
        action_type="notify_users",
        config={"user_ids": [admin.pk], "subject": "Hello\r\nBcc: y@evil.example"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert submit(visitor, contact_form, answers()).status_code == 200
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["Hello Bcc: y@evil.example", "New submission: Contact Bcc: x@evil.example"]
    assert all(message.bcc == [] for message in mail.outbox)
    statuses = list(Submission.objects.get().results.values_list("status", flat=True))
    assert statuses == [Status.DONE, Status.DONE]
