"""GoTo's timeline kinds: registered by the app, rendered on the contact's page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from contacts import timeline
from contacts.models import Activity, Contact
from gotoplugins.extensions import GOTO_ATTENDED, GOTO_CANCELLED, GOTO_REGISTERED
from gotoplugins.models import GoToAccount
from tests.gotoplugins.sync.conftest import sync, webinar_key


def test_the_kinds_are_registered_with_labels_and_icons() -> None:
    kinds = {
        key: timeline.get_kind(key) for key in (GOTO_REGISTERED, GOTO_ATTENDED, GOTO_CANCELLED)
    }
    assert [(k.label, k.icon) for k in kinds.values()] == [
        ("Registered (GoTo)", "bi-calendar-check"),
        ("Attended (GoTo)", "bi-person-video3"),
        ("Registration cancelled (GoTo)", "bi-calendar-x"),
    ]
    assert kinds[GOTO_ATTENDED] in timeline.all_kinds()


def test_details_show_product_event_link_host_and_minutes() -> None:
    render = timeline.get_kind(GOTO_ATTENDED).render_details
    details = {
        "product": "training",
        "event": "Onboarding 101",
        "join_url_host": "global.gototraining.com",
        "minutes": 42,
    }
    assert render(details) == [
        "GoToTraining: Onboarding 101",
        "Join link on global.gototraining.com",
        "Attended for 42 min",
    ]
    assert render({"product": "gone", "event": "Old", "minutes": 0}) == ["GoTo: Old"]
    assert render({}) == []


def test_the_contact_page_shows_the_synced_entries(
    account: GoToAccount, admin_client: Client
) -> None:
    sync("webinar")
    activity = Activity.objects.filter(kind=GOTO_ATTENDED).first()
    assert activity is not None
    contact = Contact.objects.get(pk=activity.contact_id)
    page = admin_client.get(reverse("contacts:detail", args=[contact.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert activity.title in html
    assert "Join link on testserver" in html
    assert webinar_key(0) not in html  # the personal join link itself is not shown
