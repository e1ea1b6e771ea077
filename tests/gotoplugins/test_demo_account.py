from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from gotoplugins.models import GoToAccount

pytestmark = pytest.mark.django_db


def test_demo_account_is_created_once_with_the_emulator_client() -> None:
    with override_settings(GOTO_EMULATOR=True):
        call_command("seed_goto_demo_account", stdout=StringIO())
        out = StringIO()
        call_command("seed_goto_demo_account", stdout=out)
    account = GoToAccount.objects.get()
    assert (account.client_id, account.client_secret) == ("convene-demo", "convene-demo-secret")
    assert "already there" in out.getvalue()


def test_demo_account_refuses_without_the_emulator() -> None:
    with override_settings(GOTO_EMULATOR=False), pytest.raises(CommandError):
        call_command("seed_goto_demo_account", stdout=StringIO())
    assert GoToAccount.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_demo_connects_over_http_and_its_first_sync_fills_timelines(live_server: Any) -> None:
    """What make run does: seed, connect the demo account through the emulator, sync once."""
    from contacts.models import Activity, Contact
    from gotoplugins.models import Participation, ProductConnection

    base = str(live_server.url)
    emulator = f"{base}/goto-emulator"
    with override_settings(
        GOTO_EMULATOR=True, SITE_URL=base, GOTO_AUTH_BASE_URL=emulator, GOTO_API_BASE_URL=emulator
    ):
        call_command("seed_demo", stdout=StringIO())
        call_command("goto_emulator_seed", "--seed", "3", stdout=StringIO())
        out = StringIO()
        call_command("seed_goto_demo_account", "--connect", stdout=out)
        assert "all four products on" in out.getvalue()
        with pytest.raises(SystemExit) as exit_status:
            call_command("citrix_sync", "--quiet", stdout=StringIO())
    assert exit_status.value.code == 0
    account = GoToAccount.objects.get()
    assert account.is_connected
    assert ProductConnection.objects.filter(enabled=True, account=account).count() == 4
    demo_contact = Contact.objects.get(email="juergen.mueller@example.com")
    registered = Participation.objects.filter(contact=demo_contact, kind="registered")
    assert registered.exists()
    assert Activity.objects.filter(contact=demo_contact, kind="goto_registered").count() == (
        registered.count()
    )
