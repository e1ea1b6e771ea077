from __future__ import annotations

from io import StringIO

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
