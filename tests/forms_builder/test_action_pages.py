"""The "Add action" pages: what to create first when there is nothing to choose, help texts."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from forms_builder.models import FormAction
from segments.models import Segment
from tests.forms_builder.helpers import make_form, person_fields

pytestmark = pytest.mark.django_db


def test_add_to_segment_without_segments_says_to_create_one(marketer_client: Client) -> None:
    form = person_fields(make_form())
    url = f"/forms/{form.pk}/actions/add/add_to_segment/"
    page = marketer_client.get(url).content.decode()
    assert 'id="setup-needed"' in page
    assert "There are no segments yet: create one, then come back to add this action." in page
    assert '<a class="alert-link" href="/segments/new/">Create a segment</a>' in page

    response = marketer_client.post(url, {})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="unshown-errors"' in html
    assert "<strong>Segments:</strong> Choose at least one segment." in html
    assert not FormAction.objects.exists()


def test_add_to_segment_with_segments_needs_no_setup(marketer_client: Client) -> None:
    form = person_fields(make_form())
    segment = Segment.objects.create(name="Leads")
    url = f"/forms/{form.pk}/actions/add/add_to_segment/"
    page = marketer_client.get(url).content.decode()
    assert 'id="setup-needed"' not in page and "Leads" in page
    response = marketer_client.post(url, {})
    assert response.status_code == 400
    html = response.content.decode()
    # The list has options: the error shows under them, not a second time above the form.
    assert 'id="unshown-errors"' not in html
    assert "Choose at least one segment." in html
    response = marketer_client.post(url, {"segments": [segment.pk]})
    assert response.status_code == 302
    assert FormAction.objects.get().config == {
        "segment_ids": [segment.pk],
        "segment_names": ["Leads"],
    }


def test_notify_users_without_any_user_email_says_so(
    marketer_client: Client, marketer: User
) -> None:
    User.objects.update(email="")
    form = make_form()
    url = f"/forms/{form.pk}/actions/add/notify_users/"
    page = marketer_client.get(url).content.decode()
    assert "No active Convene user has an email address to send to" in page
    html = marketer_client.post(url, {}).content.decode()
    assert "<strong>Send to:</strong> This field is required." in html


def test_the_notification_subject_help_names_the_default_subject(
    marketer_client: Client, admin: User
) -> None:
    form = make_form(name="Café <b>talks</b> & more")
    page = marketer_client.get(f"/forms/{form.pk}/actions/add/notify_users/").content.decode()
    assert "Empty: “New submission: Café &lt;b&gt;talks&lt;/b&gt; &amp; more”." in page
    assert "<b>talks</b>" not in page


def test_the_address_help_text_shows_whole(marketer_client: Client) -> None:
    page = marketer_client.get("/forms/new/").content.decode()
    assert "The form is published at /f/ followed by this address, e.g. /f/spring-webinar/." in (
        page
    )
