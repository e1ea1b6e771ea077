"""The HTTP seam and OAuth end to end: refresh, reconnect, 403 InvalidToken, 429, 5xx, 404,
and no token in the emulator's log or in any error."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from gotoplugins import errors, oauth, webinar
from gotoplugins.emulator import faults
from gotoplugins.emulator.models import RequestLog
from gotoplugins.http import GoToApi, goto_api
from gotoplugins.models import GoToAccount
from tests.contract.conftest import (
    ANCHOR,
    ORGANIZER_KEY,
    Connected,
    Site,
    connect,
    emulator_requests,
    webinar_key,
)

pytestmark = pytest.mark.django_db(transaction=True)

WK = webinar_key(5)  # an upcoming webinar
WEBINAR_PATH = f"/G2W/rest/v2/organizers/{ORGANIZER_KEY}/webinars/{WK}"
REGISTRANTS_PATH = f"{WEBINAR_PATH}/registrants"


def calls() -> list[tuple[str, str, int | None]]:
    return [(e.method, e.path, e.status) for e in emulator_requests()]


def refreshes() -> list[RequestLog]:
    return [e for e in emulator_requests("/oauth/token") if "grant_type=refresh_token" in e.body]


def get_subject(api: GoToApi) -> str:
    return webinar.get_webinar(api, ORGANIZER_KEY, WK).subject


def register(api: GoToApi, email: str = "ann@x.example") -> webinar.Registration:
    return webinar.create_registrant(
        api, ORGANIZER_KEY, WK, first_name="Ann", last_name="Lee", email=email
    )


@pytest.mark.parametrize("expire", ["expire_all_tokens", "advance_clock"])
def test_an_expired_token_is_refreshed_once_and_the_call_succeeds(
    connected: Connected, expire: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    old_access, old_refresh = connected.secrets()
    if expire == "advance_clock":
        faults.advance_clock(3601)  # the emulator's clock: Convene's still says "fresh"
    else:
        faults.expire_all_tokens()

    assert get_subject(connected.api) == "Email deliverability clinic"

    assert calls() == [
        ("GET", WEBINAR_PATH, 401),
        ("POST", "/oauth/token", 200),
        ("GET", WEBINAR_PATH, 200),
    ]
    (refresh,) = refreshes()
    assert refresh.headers["Authorization"] == "Basic ***"
    assert "refresh_token=%2A%2A%2A" in refresh.body
    account = GoToAccount.objects.get(pk=connected.account.pk)
    assert account.access_token not in ("", old_access)
    assert account.refresh_token not in ("", old_refresh)  # the emulator rotates them
    assert not account.needs_reconnect
    # The new token is used from now on: no second refresh.
    assert get_subject(connected.api) == "Email deliverability clinic"
    assert len(refreshes()) == 1
    secrets = [old_access, old_refresh, *connected.secrets()]
    assert "Refreshed the GoTo token" in caplog.text
    assert not [s for s in secrets if s in caplog.text]


def test_the_old_refresh_token_is_kept_when_the_answer_has_none(connected: Connected) -> None:
    faults.configure_client("convene-demo", rotate_refresh_tokens=False)
    old_access, old_refresh = connected.secrets()
    faults.expire_all_tokens()
    assert get_subject(connected.api) == "Email deliverability clinic"
    new_access, kept_refresh = connected.secrets()
    assert new_access != old_access and kept_refresh == old_refresh
    faults.expire_all_tokens()  # and the kept one still works for the next refresh
    assert get_subject(connected.api) == "Email deliverability clinic"
    assert len(refreshes()) == 2


def test_a_token_about_to_expire_is_refreshed_before_the_call(connected: Connected) -> None:
    GoToAccount.objects.filter(pk=connected.account.pk).update(
        token_expires_at=timezone.now() + timedelta(seconds=30)
    )
    assert get_subject(goto_api(connected.tokens())) == "Email deliverability clinic"
    assert calls() == [("POST", "/oauth/token", 200), ("GET", WEBINAR_PATH, 200)]


def test_a_revoked_refresh_token_needs_reconnect(connected: Connected) -> None:
    _, refresh_token = connected.secrets()
    assert faults.revoke_refresh_token(refresh_token)
    faults.expire_all_tokens()

    with pytest.raises(errors.NeedsReconnect) as caught:
        get_subject(connected.api)

    assert not caught.value.retryable
    account = GoToAccount.objects.get(pk=connected.account.pk)
    assert account.needs_reconnect and not account.is_connected
    assert account.last_error
    assert calls() == [("GET", WEBINAR_PATH, 401), ("POST", "/oauth/token", 400)]
    # Nothing more is sent for this account until someone connects it again.
    with pytest.raises(errors.NeedsReconnect):
        get_subject(goto_api(connected.tokens()))
    assert len(calls()) == 2


@pytest.mark.parametrize("mode", ["403", "403_legacy"])
def test_403_invalid_token_refreshes_and_retries_once(connected: Connected, mode: str) -> None:
    faults.set_invalid_token_mode(mode)
    faults.expire_all_tokens()

    assert get_subject(connected.api) == "Email deliverability clinic"

    assert calls() == [
        ("GET", WEBINAR_PATH, 403),
        ("POST", "/oauth/token", 200),
        ("GET", WEBINAR_PATH, 200),
    ]


def test_a_token_rejected_again_after_the_refresh_is_not_looped_on(
    connected: Connected,
) -> None:
    faults.add_fault(WEBINAR_PATH, status=401, times=None)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        get_subject(connected.api)
    assert caught.value.status == 401 and caught.value.error_code == "InvalidToken"
    assert calls() == [
        ("GET", WEBINAR_PATH, 401),
        ("POST", "/oauth/token", 200),
        ("GET", WEBINAR_PATH, 401),
    ]


def test_a_403_that_is_not_about_the_token_is_forbidden_without_a_refresh(
    connected: Connected,
) -> None:
    other = "1000000000000000002"  # an organizer outside the token's account
    with pytest.raises(errors.Forbidden) as caught:
        webinar.list_webinars(connected.api, other, ANCHOR, ANCHOR + timedelta(days=1))
    assert (caught.value.status, caught.value.error_code) == (403, "AccessDenied")
    assert not caught.value.retryable
    assert calls() == [("GET", f"/G2W/rest/v2/organizers/{other}/webinars", 403)]


def test_429_with_retry_after_then_success(connected: Connected) -> None:
    faults.add_fault(WEBINAR_PATH, method="GET", status=429, retry_after=1, times=2)
    waits: list[float] = []
    api = connected.api_with(sleep=waits.append)

    assert get_subject(api) == "Email deliverability clinic"

    assert waits == [1.0, 1.0]  # Retry-After obeyed, not the 0.5 s backoff
    assert calls() == [("GET", WEBINAR_PATH, 429)] * 2 + [("GET", WEBINAR_PATH, 200)]


def test_a_registration_answered_429_is_sent_again(connected: Connected) -> None:
    faults.add_fault(REGISTRANTS_PATH, method="POST", status=429, retry_after=1, times=1)
    waits: list[float] = []
    made = register(connected.api_with(sleep=waits.append))
    assert not made.already_registered and len(made.registrant_key) == 19
    assert waits == [1.0]
    assert calls() == [("POST", REGISTRANTS_PATH, 429), ("POST", REGISTRANTS_PATH, 201)]


def test_429_that_does_not_stop_is_rate_limited_with_its_retry_after(
    connected: Connected,
) -> None:
    faults.add_fault(WEBINAR_PATH, status=429, retry_after=1, times=None)
    waits: list[float] = []
    with pytest.raises(errors.RateLimited) as caught:
        get_subject(connected.api_with(sleep=waits.append))
    assert caught.value.retryable and caught.value.retry_after == 1.0
    assert caught.value.status == 429 and caught.value.error_code == "TooManyRequests"
    assert len(calls()) == 4 and waits == [1.0, 1.0, 1.0]


def test_500_every_time_is_a_retryable_server_error_after_bounded_attempts(
    connected: Connected,
) -> None:
    faults.add_fault(WEBINAR_PATH, status=500, times=None)
    waits: list[float] = []
    with pytest.raises(errors.ServerError) as caught:
        get_subject(connected.api_with(sleep=waits.append))
    assert caught.value.retryable
    assert caught.value.status == 500 and caught.value.error_code == "InternalServerError"
    assert caught.value.incident  # GoTo's incident id, for a support ticket
    assert calls() == [("GET", WEBINAR_PATH, 500)] * 4  # RetryPolicy.max_attempts
    assert waits == [0.5, 1.0, 2.0]  # exponential backoff between the attempts


def test_a_registration_answered_500_is_not_sent_twice(connected: Connected) -> None:
    """GoTo may have registered the person before failing: resending could register twice."""
    faults.add_fault(REGISTRANTS_PATH, status=500, times=None)
    waits: list[float] = []
    with pytest.raises(errors.ServerError) as caught:
        register(connected.api_with(sleep=waits.append))
    assert caught.value.retryable
    assert calls() == [("POST", REGISTRANTS_PATH, 500)] and waits == []


def test_503_then_success(connected: Connected) -> None:
    faults.add_fault(WEBINAR_PATH, status=503, times=1)
    waits: list[float] = []
    assert get_subject(connected.api_with(sleep=waits.append)) == "Email deliverability clinic"
    assert [status for _, _, status in calls()] == [503, 200] and waits == [0.5]


def wait_for_requests(count: int) -> list[RequestLog]:
    """The log once `count` requests are in it: a slow answer is logged after its latency."""
    deadline = time.monotonic() + 3
    while len(emulator_requests()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return emulator_requests()


def test_a_slow_answer_times_out_and_the_get_is_sent_again(connected: Connected) -> None:
    faults.add_fault(WEBINAR_PATH, latency_ms=400, times=1)
    waits: list[float] = []
    api = connected.api_with(timeout=(2.0, 0.1), sleep=waits.append)
    assert get_subject(api) == "Email deliverability clinic"
    assert waits == [0.5]
    assert len(wait_for_requests(2)) == 2


def test_a_registration_that_times_out_is_not_sent_again(connected: Connected) -> None:
    """GoTo may have registered the person: the error says "try later", nothing is resent."""
    faults.add_fault(REGISTRANTS_PATH, method="POST", latency_ms=400, times=1)
    waits: list[float] = []
    with pytest.raises(errors.GoToTimeout) as caught:
        register(connected.api_with(timeout=(2.0, 0.1), sleep=waits.append))
    assert caught.value.retryable and waits == []
    # The emulator did register the person: a later retry must read it back as a duplicate.
    assert [e.status for e in wait_for_requests(1)] == [201]
    again = register(connected.api)
    assert again.already_registered


def test_an_unknown_webinar_is_not_found_at_once(connected: Connected) -> None:
    unknown = "1000000000000000001"
    with pytest.raises(errors.NotFound) as caught:
        webinar.get_webinar(connected.api, ORGANIZER_KEY, unknown)
    error = caught.value
    assert (error.status, error.error_code) == (404, "NotFound")
    assert error.description == "Webinar with specified key does not exist."
    assert not error.retryable and error.incident
    assert unknown in str(error)  # the path, to find the call
    assert calls() == [("GET", f"/G2W/rest/v2/organizers/{ORGANIZER_KEY}/webinars/{unknown}", 404)]
    with pytest.raises(errors.NotFound):
        webinar.get_start_url(connected.api, unknown)


def test_no_token_in_the_emulator_log_in_errors_or_in_logs(
    seeded: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, this thread and the live server's
    account, code = connect(seeded)
    access, refresh = account.access_token, account.refresh_token
    secrets = [access, refresh, code, account.client_secret]
    api = goto_api(oauth.AccountTokens(account))
    raised: list[errors.GoToError] = []

    webinar.list_registrants(api, ORGANIZER_KEY, WK)
    register(api)
    register(api)  # a 409 answer, read back
    faults.add_fault(
        WEBINAR_PATH,
        status=400,
        body={"errorCode": "InvalidRequest", "description": f"bad {access}", "token": access},
    )
    for failing in (
        lambda: get_subject(api),  # an error body that echoes the token
        lambda: webinar.get_webinar(api, ORGANIZER_KEY, "1000000000000000001"),
    ):
        with pytest.raises(errors.GoToError) as caught:
            failing()
        raised.append(caught.value)
    faults.add_fault(WEBINAR_PATH, status=500, times=None)
    with pytest.raises(errors.ServerError) as server_error:
        get_subject(GoToApi(api.base_url, oauth.AccountTokens(account), sleep=lambda _: None))
    raised.append(server_error.value)

    assert isinstance(raised[0], errors.BadRequest)
    assert "[redacted]" in raised[0].description and raised[0].details["token"] == "[redacted]"
    for error in raised:
        shown = " ".join([str(error), repr(error), error.description, str(dict(error.details))])
        assert not [s for s in secrets if s in shown], type(error)
    log = list(RequestLog.objects.all())
    assert len(log) >= 12
    for entry in log:
        stored = " ".join([entry.path, str(entry.query), str(entry.headers), entry.body])
        assert not [s for s in secrets if s in stored], (entry.method, entry.path)
        assert entry.headers.get("Authorization") in (None, "Bearer ***", "Basic ***")
        assert "oauth_token" not in entry.query
    assert {e.headers.get("Authorization") for e in log if e.path.startswith("/G2W/")} == {
        "Bearer ***"
    }
    assert "retrying in" in caplog.text  # the 500 retries were logged, without a token
    assert not [s for s in secrets if s in caplog.text]
