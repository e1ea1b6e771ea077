"""GoTo's timeline kinds: registered by the app, rendered on the contact's page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from contacts import timeline
from contacts.models import Activity, Contact
from gotoplugins.extensions import GOTO_ATTENDED, GOTO_CANCELLED, GOTO_REGISTERED
from gotoplugins.models import GoToAccount, Participation
from tests.gotoplugins.sync.conftest import sync


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


def test_details_show_product_event_and_minutes_and_the_join_link() -> None:
    kind = timeline.get_kind(GOTO_ATTENDED)
    details = {
        "product": "training",
        "event": "Onboarding 101",
        "join_url": "https://global.gototraining.com/join/123/456",
        "minutes": 42,
    }
    assert kind.render_details(details) == ["GoToTraining: Onboarding 101", "Attended for 42 min"]
    assert kind.links(details) == [("Join link", "https://global.gototraining.com/join/123/456")]
    assert kind.render_details({"product": "gone", "event": "Old", "minutes": 0}) == ["GoTo: Old"]
    assert kind.render_details({}) == [] and kind.links({}) == []
    # A link that is no web address is never offered.
    assert kind.links({"join_url": "javascript:alert(1)"}) == []
    assert kind.links({"join_url": ["https://x.example"]}) == []


def test_the_contact_page_shows_the_synced_entries(
    account: GoToAccount, admin_client: Client
) -> None:
    sync("webinar")
    attended = Activity.objects.filter(kind=GOTO_ATTENDED).first()
    assert attended is not None
    contact = Contact.objects.get(pk=attended.contact_id)
    registered = Participation.objects.get(
        event__key=attended.details["event_key"], contact=contact, kind="registered"
    )
    assert registered.join_url.startswith("http://testserver/")
    page = admin_client.get(reverse("contacts:detail", args=[contact.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert attended.title in html
    link = f'<a href="{registered.join_url}" target="_blank" rel="noopener noreferrer"'
    assert html.count(link) == 1  # on the registration's entry, the person's own link
