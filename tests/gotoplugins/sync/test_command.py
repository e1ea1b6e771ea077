"""manage.py citrix_sync: options, the summary table, the progress bar, exit statuses."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gotoplugins.emulator import faults
from gotoplugins.models import GoToAccount, ProductConnection, SyncRun
from tests.gotoplugins.sync.conftest import webinar_key

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args: str, stdout: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = stdout or io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("citrix_sync", *args, stdout=out, stderr=err)
    return int(exit_.value.code or 0), out.getvalue(), err.getvalue()


def test_every_connected_product_synced_exits_0_with_a_summary(account: GoToAccount) -> None:
    status, out, err = run()
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split("  ")[0] == "Product"
    assert [line.split()[:2] for line in lines[1:]] == [
        ["GoToWebinar", "synced"],
        ["GoToMeeting", "synced"],
        ["GoToTraining", "synced"],
        ["GoToAssist", "synced"],
    ]
    webinar = lines[1].split()
    assert webinar[2:] == ["6", "72", "25", "0", "71", "0"]
    assert "New registrations" in lines[0] and "Failures" in lines[0]
    assert err == ""  # not a terminal: no progress bar
    assert set(SyncRun.objects.values_list("trigger", flat=True)) == {"command"}


def test_a_terminal_gets_a_progress_bar_on_stderr_unless_quiet(account: GoToAccount) -> None:
    status, out, err = run("--product", "webinar", stdout=Terminal())
    assert status == 0
    assert "\rGoToWebinar  [##############################] 6/6 events\n" in err
    assert "[" not in out

    status, out, err = run("--product", "webinar", "--quiet", stdout=Terminal())
    assert (status, err) == (0, "")
    assert "GoToWebinar" in out


def test_some_events_failing_exits_1_and_lists_them(account: GoToAccount) -> None:
    key = webinar_key(4)
    faults.add_fault(
        f"/G2W/rest/v2/organizers/*/webinars/{key}/registrants", status=500, times=None
    )
    status, out, _ = run("--product", "webinar")
    assert status == 1
    assert out.splitlines()[1].split()[:2] == ["GoToWebinar", "partial"]
    assert f"GoToWebinar {key}: GoTo answered 500" in out


def test_one_product_failing_among_others_exits_1(account: GoToAccount) -> None:
    faults.add_fault("/G2M/rest/upcomingMeetings", status=500, times=None)
    status, out, _ = run()
    assert status == 1
    assert "GoToMeeting: Could not read the GoToMeeting catalogue" in out


def test_nothing_synced_exits_2(account: GoToAccount) -> None:
    GoToAccount.objects.filter(pk=account.pk).update(needs_reconnect=True)
    status, out, err = run("--product", "webinar")
    assert status == 2
    assert "needs to be reconnected" in out

    status, out, err = run()
    assert status == 2
    assert "No GoTo product is enabled and connected: nothing to sync." in err
    assert "GoToWebinar is enabled but its GoTo account is not connected: skipped." in err


def test_no_product_enabled_exits_2(db: None) -> None:
    status, _, err = run()
    assert status == 2 and "nothing to sync" in err


def test_a_skipped_run_counts_as_nothing_synced(account: GoToAccount) -> None:
    ProductConnection.objects.filter(product="webinar").update(
        sync_lock_token="busy", sync_locked_until="2999-01-01T00:00:00Z"
    )
    status, out, _ = run("--product", "webinar")
    assert status == 2
    assert out.splitlines()[1].split()[:2] == ["GoToWebinar", "skipped"]


def test_one_event_by_id(account: GoToAccount) -> None:
    status, out, _ = run("--product", "webinar", "--id", webinar_key(0), "-v", "0")
    assert (status, out) == (0, "")
    run_ = SyncRun.objects.get()
    assert run_.counts["events"] == 1 and run_.counts["new_registrations"] == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--product", "webinars"], "Unknown product “webinars”: choose one of webinar, meeting"),
        (["--id", "123"], "--id needs --product"),
        (["--since", "03/12/2026"], "--since must be a date written YYYY-MM-DD"),
        (["--since", "2026-W49-4"], "--since must be a date written YYYY-MM-DD"),
        (["--since", "2999-01-01"], "--since must not be in the future"),
    ],
)
def test_wrong_options_are_refused_with_status_3(db: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as error:
        call_command("citrix_sync", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert error.value.returncode == 3
    assert not SyncRun.objects.exists()


def test_since_is_passed_as_utc_midnight(account: GoToAccount, settings: Any) -> None:
    status, _, _ = run("--product", "webinar", "--since", "2026-01-31")
    assert status == 0
    assert SyncRun.objects.get().window_start.isoformat() == "2026-01-31T00:00:00+00:00"
