"""The HTTP seam: retries, rate limit, token refresh, typed errors, paging, key and time parsing."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests
from django.core.cache import cache
from django.test import RequestFactory
from django.views.debug import ExceptionReporter
from responses import matchers
from urllib3.exceptions import MaxRetryError, NewConnectionError

from gotoplugins import errors
from gotoplugins.http import (
    GoToApi,
    RateLimiter,
    RetryPolicy,
    SharedRateLimiter,
    TokenBucket,
    get_all,
    new_session,
    parse_retry_after,
)
from gotoplugins.types import Record, format_time, parse_datetime, parse_key
from tests.gotoplugins import NEW_TOKEN, NOW, TOKEN, FakeClock, Harness

PATH = "/G2W/rest/v2/organizers/700000000000000001/webinars"


@pytest.fixture
def goto() -> Iterator[Harness]:
    with Harness() as harness:
        yield harness


def _new_connection_error() -> requests.exceptions.ConnectionError:
    """What requests raises when the TCP connection could not even be opened."""
    reason = NewConnectionError(None, "Failed to establish a new connection: refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


# --- the session and the basic calls -------------------------------------------------------


def test_session_factory_sends_json_headers_and_never_retries_inside_urllib3() -> None:
    session = new_session()

    assert session.headers["Accept"] == "application/json"
    assert session.headers["User-Agent"].startswith("Convene")
    assert session.get_adapter("https://api.getgo.com").max_retries.total == 0  # type: ignore[attr-defined]


def test_get_sends_the_token_only_as_a_bearer_header(goto: Harness) -> None:
    goto.http.get(
        goto.url(PATH),
        json={"ok": True},
        match=[matchers.query_param_matcher({"flag": "true", "size": "5"})],
    )

    assert goto.api.get(PATH, {"flag": True, "size": 5}) == {"ok": True}

    request = goto.http.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert TOKEN not in str(request.url)


def test_get_uses_the_configured_timeouts(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), json=[])

    goto.api.get(PATH)

    assert goto.http.calls[0].request.req_kwargs["timeout"] == (5.0, 30.0)


def test_post_sends_a_json_body(goto: Harness) -> None:
    goto.http.post(
        goto.url(PATH),
        status=201,
        json={"webinarKey": "1"},
        match=[matchers.json_params_matcher({"subject": "Launch", "times": []})],
    )

    assert goto.api.post(PATH, {"subject": "Launch", "times": []}) == {"webinarKey": "1"}
    assert goto.http.calls[0].request.headers["Content-Type"] == "application/json"


def test_delete_with_no_content_returns_none(goto: Harness) -> None:
    goto.http.delete(goto.url(PATH + "/1"), status=204)

    assert goto.api.delete(PATH + "/1") is None


def test_a_bare_json_string_body_is_returned_as_text(goto: Harness) -> None:
    goto.http.get(goto.url("/G2T/rest/start"), body='"https://start.example/1"')

    assert goto.api.get("/G2T/rest/start") == "https://start.example/1"


# --- retries --------------------------------------------------------------------------------


def test_429_waits_for_retry_after_seconds_then_succeeds(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), status=429, headers={"Retry-After": "2"})
    goto.http.get(goto.url(PATH), json={"ok": 1})

    assert goto.api.get(PATH) == {"ok": 1}
    assert goto.retry_sleeps == [2.0]
    assert len(goto.http.calls) == 2


def test_429_honours_a_retry_after_http_date(goto: Harness) -> None:
    later = "Sun, 01 Jun 2025 12:00:05 GMT"  # NOW + 5 s
    goto.http.get(goto.url(PATH), status=429, headers={"Retry-After": later})
    goto.http.get(goto.url(PATH), json=[])

    goto.api.get(PATH)

    assert goto.retry_sleeps == [5.0]


def test_a_huge_retry_after_is_capped(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), status=429, headers={"Retry-After": "3600"})
    goto.http.get(goto.url(PATH), json=[])

    goto.api.get(PATH)

    assert goto.retry_sleeps == [30.0]


def test_429_without_retry_after_backs_off_exponentially(goto: Harness) -> None:
    for _ in range(3):
        goto.http.get(goto.url(PATH), status=429)
    goto.http.get(goto.url(PATH), json=[])

    goto.api.get(PATH)

    assert goto.retry_sleeps == [0.5, 1.0, 2.0]


def test_429_that_never_ends_gives_a_retryable_rate_limited_error(goto: Harness) -> None:
    for _ in range(4):
        goto.http.get(
            goto.url(PATH),
            status=429,
            headers={"Retry-After": "1"},
            json={"errorCode": "TooManyRequests", "description": "Rate limit exceeded"},
        )

    with pytest.raises(errors.RateLimited) as caught:
        goto.api.get(PATH)

    assert caught.value.status == 429
    assert caught.value.retryable is True
    assert caught.value.retry_after == 1.0
    assert caught.value.error_code == "TooManyRequests"
    assert len(goto.http.calls) == 4
    assert goto.retry_sleeps == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_then_success_is_retried(goto: Harness, status: int) -> None:
    goto.http.get(goto.url(PATH), status=status)
    goto.http.get(goto.url(PATH), json=[1])

    assert goto.api.get(PATH) == [1]
    assert goto.retry_sleeps == [0.5]


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_that_persists_gives_a_retryable_server_error(goto: Harness, status: int) -> None:
    for _ in range(4):
        goto.http.get(goto.url(PATH), status=status, body="<html>oops</html>")

    with pytest.raises(errors.ServerError) as caught:
        goto.api.get(PATH)

    assert caught.value.status == status
    assert caught.value.retryable is True
    assert len(goto.http.calls) == 4
    assert goto.retry_sleeps == [0.5, 1.0, 2.0]


def test_the_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, backoff=1.0, max_backoff=8.0)

    assert [policy.delay(attempt) for attempt in range(1, 7)] == [1, 2, 4, 8, 8, 8]


@pytest.mark.parametrize(
    ("exception", "error_class"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out"), errors.GoToTimeout),
        (requests.exceptions.ReadTimeout("read timed out"), errors.GoToTimeout),
        (requests.exceptions.ConnectionError("Connection aborted"), errors.TransportError),
    ],
)
def test_get_retries_transport_failures_then_gives_a_typed_retryable_error(
    goto: Harness, exception: Exception, error_class: type[errors.GoToError]
) -> None:
    for _ in range(4):
        goto.http.get(goto.url(PATH), body=exception)

    with pytest.raises(error_class) as caught:
        goto.api.get(PATH)

    assert caught.value.retryable is True
    assert caught.value.status is None
    assert str(caught.value).startswith(f"GoTo GET {PATH}:")
    assert len(goto.http.calls) == 4


def test_get_recovers_from_one_timeout(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), body=requests.exceptions.ReadTimeout("slow"))
    goto.http.get(goto.url(PATH), json={"ok": True})

    assert goto.api.get(PATH) == {"ok": True}


def test_an_invalid_url_is_not_retried(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), body=requests.exceptions.InvalidURL("bad"))

    with pytest.raises(errors.TransportError) as caught:
        goto.api.get(PATH)

    assert caught.value.retryable is False
    assert len(goto.http.calls) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_post_is_not_resent_after_an_ambiguous_server_error(goto: Harness, status: int) -> None:
    goto.http.post(goto.url(PATH), status=status)

    with pytest.raises(errors.ServerError) as caught:
        goto.api.post(PATH, {"email": "a@example.org"})

    assert len(goto.http.calls) == 1  # GoTo may have registered the person already
    assert caught.value.retryable is True  # a later, deduplicated retry from the queue is safe


@pytest.mark.parametrize("status", [429, 503])
def test_post_is_resent_after_429_and_503(goto: Harness, status: int) -> None:
    goto.http.post(goto.url(PATH), status=status)
    goto.http.post(goto.url(PATH), status=201, json={"ok": True})

    assert goto.api.post(PATH, {}) == {"ok": True}
    assert len(goto.http.calls) == 2


@pytest.mark.parametrize(
    "exception",
    [requests.exceptions.ReadTimeout("slow"), requests.exceptions.ConnectionError("aborted")],
)
def test_post_is_not_resent_when_the_request_may_have_arrived(
    goto: Harness, exception: Exception
) -> None:
    goto.http.post(goto.url(PATH), body=exception)

    with pytest.raises(errors.TransportError):
        goto.api.post(PATH, {})

    assert len(goto.http.calls) == 1


@pytest.mark.parametrize(
    "exception",
    [requests.exceptions.ConnectTimeout("connect timed out"), _new_connection_error()],
)
def test_post_is_resent_when_the_connection_never_opened(
    goto: Harness, exception: Exception
) -> None:
    goto.http.post(goto.url(PATH), body=exception)
    goto.http.post(goto.url(PATH), status=201, json={"ok": True})

    assert goto.api.post(PATH, {}) == {"ok": True}
    assert len(goto.http.calls) == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Sun, 01 Jun 2025 12:01:00 GMT", 60.0),
        ("Sun, 01 Jun 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error_class", "code", "description"),
    [
        (
            404,
            {
                "errorCode": "NotFound",
                "description": "Webinar with specified key does not exist.",
                "incident": "5d8c",
            },
            errors.NotFound,
            "NotFound",
            "Webinar with specified key does not exist.",
        ),
        (
            400,
            {"int_err_code": "InvalidRequest", "msg": "fromTime is required"},
            errors.BadRequest,
            "InvalidRequest",
            "fromTime is required",
        ),
        (
            400,
            {"error": "invalid_request", "error_description": "Bad time"},
            errors.BadRequest,
            "invalid_request",
            "Bad time",
        ),
        (
            404,
            {"errorCode": "NOT_FOUND", "message": "No route"},
            errors.NotFound,
            "NOT_FOUND",
            "No route",
        ),
        (409, {"errorCode": "WebinarInSession"}, errors.Conflict, "WebinarInSession", ""),
        (405, "not json at all", errors.ClientError, "", ""),
    ],
)
def test_error_bodies_of_every_style_become_typed_errors(
    goto: Harness,
    status: int,
    body: object,
    error_class: type[errors.GoToError],
    code: str,
    description: str,
) -> None:
    if isinstance(body, str):
        goto.http.get(goto.url(PATH), status=status, body=body)
    else:
        goto.http.get(goto.url(PATH), status=status, json=body)

    with pytest.raises(error_class) as caught:
        goto.api.get(PATH)

    assert caught.value.status == status
    assert caught.value.error_code == code
    assert caught.value.description == description
    assert caught.value.retryable is False
    assert len(goto.http.calls) == 1


def test_an_incident_id_is_kept(goto: Harness) -> None:
    goto.http.get(
        goto.url(PATH), status=404, json={"errorCode": "NotFound", "incident": 3437843380023983360}
    )

    with pytest.raises(errors.NotFound) as caught:
        goto.api.get(PATH)

    assert caught.value.incident == "3437843380023983360"
    assert caught.value.details["incident"] == 3437843380023983360


@pytest.mark.parametrize("body", ["{not json", "<html>Maintenance</html>", b"\xff\xfe\xfa"])
def test_malformed_json_on_success_is_a_typed_error(goto: Harness, body: str | bytes) -> None:
    goto.http.get(goto.url(PATH), status=200, body=body)

    with pytest.raises(errors.MalformedResponse) as caught:
        goto.api.get(PATH)

    assert caught.value.status == 200
    assert caught.value.retryable is False


# --- token refresh --------------------------------------------------------------------------


def test_401_refreshes_once_and_retries_with_the_new_token(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), status=401)
    goto.http.get(goto.url(PATH), json={"ok": True})

    assert goto.api.get(PATH) == {"ok": True}
    assert goto.tokens.rejected == [TOKEN]
    assert goto.authorization(0) == f"Bearer {TOKEN}"
    assert goto.authorization(1) == f"Bearer {NEW_TOKEN}"


def test_401_twice_is_an_error_not_a_loop(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), status=401)
    goto.http.get(goto.url(PATH), status=401)

    with pytest.raises(errors.AuthenticationFailed) as caught:
        goto.api.get(PATH)

    assert caught.value.status == 401
    assert caught.value.retryable is False
    assert goto.tokens.rejected == [TOKEN]
    assert len(goto.http.calls) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"int_err_code": "InvalidToken", "msg": "Invalid token passed"},
        {"errorCode": "InvalidToken", "description": "Invalid token"},
    ],
)
def test_403_invalid_token_refreshes(goto: Harness, body: dict[str, str]) -> None:
    goto.http.get(goto.url(PATH), status=403, json=body)
    goto.http.get(goto.url(PATH), json=[])

    assert goto.api.get(PATH) == []
    assert goto.tokens.rejected == [TOKEN]
    assert goto.authorization(1) == f"Bearer {NEW_TOKEN}"


def test_403_for_another_reason_does_not_refresh(goto: Harness) -> None:
    goto.http.get(
        goto.url(PATH), status=403, json={"errorCode": "Forbidden", "description": "No seat"}
    )

    with pytest.raises(errors.Forbidden) as caught:
        goto.api.get(PATH)

    assert caught.value.error_code == "Forbidden"
    assert goto.tokens.rejected == []
    assert len(goto.http.calls) == 1


def test_a_dead_grant_surfaces_as_needs_reconnect(goto: Harness) -> None:
    def dead(rejected_token: str) -> str:
        raise errors.NeedsReconnect("The GoTo account needs to be reconnected.")

    goto.tokens.refresh_after_rejection = dead  # type: ignore[method-assign]
    goto.http.get(goto.url(PATH), status=401)

    with pytest.raises(errors.NeedsReconnect) as caught:
        goto.api.get(PATH)

    assert isinstance(caught.value, errors.GoToError)
    assert caught.value.retryable is False


def test_a_refreshed_call_still_gets_its_5xx_retries(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), status=401)
    goto.http.get(goto.url(PATH), status=502)
    goto.http.get(goto.url(PATH), json={"ok": True})

    assert goto.api.get(PATH) == {"ok": True}
    assert goto.authorization(2) == f"Bearer {NEW_TOKEN}"


# --- secrets stay secret --------------------------------------------------------------------


def test_the_token_never_appears_in_errors_or_logs(
    goto: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"errorCode": "Weird", "description": f"Bad header Bearer {TOKEN}", "seen": TOKEN}
    goto.http.get(goto.url(PATH), status=500)
    goto.http.get(goto.url(PATH), body=requests.exceptions.ConnectionError("reset"))
    goto.http.get(goto.url(PATH), status=401)
    goto.http.get(goto.url(PATH), status=400, json=echo)

    with pytest.raises(errors.BadRequest) as caught:
        goto.api.get(PATH)

    error = caught.value
    for text in (str(error), repr(error), error.description, str(dict(error.details))):
        assert TOKEN not in text
        assert NEW_TOKEN not in text
    assert "[redacted]" in error.description
    assert caplog.records  # the retries were logged ...
    assert TOKEN not in caplog.text  # ... without the token
    assert NEW_TOKEN not in caplog.text
    assert TOKEN not in repr(goto.api)


def test_a_transport_error_message_holds_no_token(goto: Harness) -> None:
    for _ in range(4):
        goto.http.get(goto.url(PATH), body=requests.exceptions.ConnectTimeout("timed out"))

    with pytest.raises(errors.GoToTimeout) as caught:
        goto.api.get(PATH)

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


# --- rate limit -----------------------------------------------------------------------------


def test_25_calls_from_a_bucket_of_10_per_second_take_at_least_1_5_seconds() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=10, burst=10, clock=clock, sleep=clock.sleep)

    for _ in range(25):
        limiter.acquire("account-1")

    assert clock.now == pytest.approx(1.5)
    assert clock.now >= 1.5 - 1e-9
    assert len(clock.sleeps) == 15


def test_each_account_has_its_own_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=10, burst=10, clock=clock, sleep=clock.sleep)

    for _ in range(10):
        limiter.acquire("account-1")
        limiter.acquire("account-2")

    assert clock.sleeps == []


def test_the_bucket_refills_with_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=10, burst=10, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire("account-1")

    clock.now += 1.0
    for _ in range(10):
        limiter.acquire("account-1")

    assert clock.sleeps == []


def test_the_bucket_hands_out_distinct_slots_under_concurrency() -> None:
    frozen = FakeClock()  # nobody sleeps on it, so every reservation queues behind the last
    bucket = TokenBucket(rate=10, burst=10, clock=frozen)
    waits: list[float] = []
    lock = threading.Lock()

    def reserve() -> None:
        wait = bucket.reserve()
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=reserve) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(round(wait, 6) for wait in waits) == [0.0] * 10 + [
        round(n / 10, 6) for n in range(1, 41)
    ]


def test_api_calls_go_through_the_rate_limit(goto: Harness) -> None:
    for _ in range(25):
        goto.http.get(goto.url(PATH), json=[])

    for _ in range(25):
        goto.api.get(PATH)

    assert goto.clock.now >= 1.5 - 1e-9
    assert goto.retry_sleeps == []


def test_retries_also_take_a_token_from_the_bucket() -> None:
    with Harness(retry=RetryPolicy(max_attempts=20, backoff=0.0)) as goto:
        for _ in range(14):
            goto.http.get(goto.url(PATH), status=503)
        goto.http.get(goto.url(PATH), json=[])

        goto.api.get(PATH)

        assert goto.clock.now == pytest.approx(0.5)  # 15 requests: 5 over the burst of 10


# --- paging ---------------------------------------------------------------------------------


def _hal(items: list[dict[str, object]], number: int, total_pages: int) -> dict[str, object]:
    return {
        "_embedded": {"webinars": items},
        "page": {"size": 2, "totalElements": 5, "totalPages": total_pages, "number": number},
    }


def test_hal_paging_reads_every_page(goto: Harness) -> None:
    pages = [[{"n": 1}, {"n": 2}], [{"n": 3}, {"n": 4}], [{"n": 5}]]
    for number, items in enumerate(pages):
        goto.http.get(
            goto.url(PATH),
            json=_hal(items, number, 3),
            match=[
                matchers.query_param_matcher(
                    {"fromTime": "2025-01-01T00:00:00Z", "page": str(number), "size": "2"}
                )
            ],
        )

    items = get_all(
        goto.api,
        PATH,
        items_key="webinars",
        params={"fromTime": "2025-01-01T00:00:00Z"},
        page_size=2,
    )

    assert [item.integer("n") for item in items] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "body",
    [
        {"page": {"size": 20, "totalElements": 0, "totalPages": 0, "number": 0}},
        {"_embedded": {}, "page": {"size": 20, "totalElements": 0, "totalPages": 0, "number": 0}},
        {"_embedded": {"webinars": []}},
        {},
    ],
)
def test_hal_paging_tolerates_an_empty_or_missing_embedded(
    goto: Harness, body: dict[str, object]
) -> None:
    goto.http.get(goto.url(PATH), json=body)

    assert get_all(goto.api, PATH, items_key="webinars") == []
    assert len(goto.http.calls) == 1


def test_hal_paging_stops_at_an_empty_page_whatever_totalpages_says(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), json=_hal([{"n": 1}, {"n": 2}], 0, 9))
    goto.http.get(goto.url(PATH), json=_hal([], 1, 9))

    assert len(get_all(goto.api, PATH, items_key="webinars", page_size=2)) == 2


def test_hal_paging_without_page_info_stops_at_a_short_page(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), json={"_embedded": {"webinars": [{"n": 1}, {"n": 2}]}})
    goto.http.get(goto.url(PATH), json={"_embedded": {"webinars": [{"n": 3}]}})

    assert len(get_all(goto.api, PATH, items_key="webinars", page_size=2)) == 3


def test_hal_page_under_an_unexpected_list_name_is_malformed(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), json={"_embedded": {"sessions": [{"n": 1}]}})

    with pytest.raises(errors.MalformedResponse):
        get_all(goto.api, PATH, items_key="webinars")


def test_a_server_that_ignores_the_page_parameter_is_detected(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), json=_hal([{"n": 1}, {"n": 2}], 0, 3))
    goto.http.get(goto.url(PATH), json=_hal([{"n": 1}, {"n": 2}], 0, 3))

    with pytest.raises(errors.MalformedResponse):
        get_all(goto.api, PATH, items_key="webinars", page_size=2)


def test_paging_has_a_hard_page_cap(goto: Harness) -> None:
    for number in range(3):
        goto.http.get(goto.url(PATH), json=_hal([{"n": 1}, {"n": 2}], number, 1000))

    with pytest.raises(errors.TooManyPages) as caught:
        get_all(goto.api, PATH, items_key="webinars", page_size=2, max_pages=3)

    assert caught.value.retryable is False
    assert len(goto.http.calls) == 3


def test_flat_paging_reads_every_page(goto: Harness) -> None:
    for page, items in enumerate([[{"n": 1}, {"n": 2}], [{"n": 3}]]):
        goto.http.get(
            goto.url(PATH),
            json={"data": items, "total": 3, "page": page, "limit": 2, "pageSize": len(items)},
            match=[matchers.query_param_matcher({"page": str(page), "limit": "2"})],
        )

    items = get_all(goto.api, PATH, size_param="limit", page_size=2)

    assert [item.integer("n") for item in items] == [1, 2, 3]


def test_flat_paging_follows_a_limit_capped_by_goto(goto: Harness) -> None:
    for page in range(3):
        goto.http.get(
            goto.url(PATH),
            json={"data": [{"n": page}], "total": 3, "page": page, "limit": 1, "pageSize": 1},
        )

    assert len(get_all(goto.api, PATH, size_param="limit", page_size=200)) == 3


def test_flat_paging_with_an_empty_list(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), json={"data": [], "total": 0, "page": 0, "limit": 200})

    assert get_all(goto.api, PATH, size_param="limit") == []


def test_a_plain_array_is_one_page(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), json=[{"n": 1}])

    assert len(get_all(goto.api, PATH)) == 1


def test_a_page_that_is_not_an_object_or_list_is_malformed(goto: Harness) -> None:
    goto.http.get(goto.url(PATH), json="surprise")

    with pytest.raises(errors.MalformedResponse):
        get_all(goto.api, PATH)


# --- keys and times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4511665432126123456, "4511665432126123456"),
        ("4511665432126123456", "4511665432126123456"),
        ("-7451166543212612345", "-7451166543212612345"),
        (-7451166543212612345, "-7451166543212612345"),
        (9223372036854775807, "9223372036854775807"),
        (" 0042 ", "42"),
    ],
)
def test_keys_are_kept_exactly(value: object, expected: str) -> None:
    assert parse_key(value) == expected


@pytest.mark.parametrize("value", [4.511665432126123e18, True, None, "12a", "", "1.0", [1]])
def test_anything_else_is_not_a_key(value: object) -> None:
    with pytest.raises(errors.MalformedResponse):
        parse_key(value)


def test_19_digit_keys_survive_the_json_of_a_real_answer(goto: Harness) -> None:
    goto.http.get(
        goto.url(PATH),
        body='{"a": 4511665432126123457, "b": "-7451166543212612345", "c": 9223372036854775807}',
    )

    record = Record(goto.api.get(PATH), "keys")

    assert record.key("a") == "4511665432126123457"
    assert record.key("b") == "-7451166543212612345"
    assert record.key("c") == "9223372036854775807"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-10T15:00:00Z", datetime(2025, 6, 10, 15, 0, tzinfo=UTC)),
        ("2019-03-14T18:03:58.317Z", datetime(2019, 3, 14, 18, 3, 58, 317000, tzinfo=UTC)),
        ("2025-06-10T17:00:00+02:00", datetime(2025, 6, 10, 15, 0, tzinfo=UTC)),
        ("2025-06-10T10:00:00-0500", datetime(2025, 6, 10, 15, 0, tzinfo=UTC)),
        ("2025-06-10T15:00:00", datetime(2025, 6, 10, 15, 0, tzinfo=UTC)),
    ],
)
def test_datetimes_become_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["yesterday", 1717243200, None])
def test_a_bad_datetime_is_malformed(value: object) -> None:
    with pytest.raises(errors.MalformedResponse):
        parse_datetime(value)


def test_query_times_are_sent_in_utc_with_z() -> None:
    berlin_summer = datetime(2025, 6, 10, 19, 0, tzinfo=timezone(timedelta(hours=2)))

    assert format_time(berlin_summer) == "2025-06-10T17:00:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2025, 6, 10, 17, 0))


def test_a_missing_field_is_malformed_not_a_key_error() -> None:
    with pytest.raises(errors.MalformedResponse, match=r"webinar\.webinarKey: missing"):
        Record({"subject": "x"}, "webinar").key("webinarKey")


def test_error_bodies_are_parsed_with_json_not_float() -> None:
    # The duplicate-registrant body carries a 19-digit key; it must come back exact.
    body = json.loads('{"registrantKey": 3019527584166809999}')

    assert parse_key(body["registrantKey"]) == "3019527584166809999"


def test_the_api_strips_a_trailing_slash_from_the_base_url() -> None:
    api = GoToApi("http://127.0.0.1:8000/goto-emulator/", Harness().tokens)

    assert api.base_url == "http://127.0.0.1:8000/goto-emulator"


@pytest.mark.parametrize(
    ("status", "exception"),
    [(400, None), (None, requests.exceptions.ConnectionError("reset by peer"))],
)
def test_django_error_reports_do_not_show_the_token(
    goto: Harness, rf: RequestFactory, status: int | None, exception: Exception | None
) -> None:
    if exception is None:
        goto.http.post(goto.url(PATH), status=status, json={})
    else:
        goto.http.post(goto.url(PATH), body=exception)

    with pytest.raises(errors.GoToError) as caught:
        goto.api.post(PATH, {"email": "a@example.org"})

    # The HTML report (DEBUG page, error e-mails with include_html) shows every frame's locals.
    report = ExceptionReporter(
        rf.get("/"), type(caught.value), caught.value, caught.value.__traceback__
    ).get_traceback_html()
    assert "tokens" in report  # the frame variables are there ...
    assert TOKEN not in report  # ... with the token hidden
    assert caught.value.__cause__ is None  # requests' frames hold the prepared headers


# --- the limit shared through the cache ------------------------------------------------------


@pytest.fixture
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_processes_sharing_the_cache_share_the_limit(empty_cache: None) -> None:
    """Two limiters stand for two processes: together they get 10 calls a second, not 20."""
    clock = FakeClock()
    clock.now = 1_000.25
    web = SharedRateLimiter(rate=10, clock=clock, sleep=clock.sleep)
    worker = SharedRateLimiter(rate=10, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        web.acquire("account-1")
        worker.acquire("account-1")
    assert clock.sleeps == []
    worker.acquire("account-1")  # the 11th in second 1000 waits for second 1001
    assert clock.sleeps == [pytest.approx(0.75)]
    assert clock.now == pytest.approx(1_001.0)
    for _ in range(9):
        web.acquire("account-1")
    assert len(clock.sleeps) == 1
    web.acquire("account-1")  # second 1001 is full too
    assert len(clock.sleeps) == 2 and clock.now == pytest.approx(1_002.0)


def test_each_account_has_its_own_shared_count(empty_cache: None) -> None:
    clock = FakeClock()
    limiter = SharedRateLimiter(rate=10, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire("account-1")
        limiter.acquire("account-2")
    assert clock.sleeps == []


def test_a_failing_cache_falls_back_to_the_process_bucket(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def redis_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", redis_down)
    clock = FakeClock()
    fallback = RateLimiter(rate=10, burst=10, clock=clock, sleep=clock.sleep)
    limiter = SharedRateLimiter(rate=10, clock=clock, sleep=clock.sleep, fallback=fallback)
    with caplog.at_level(logging.WARNING, logger="gotoplugins.http"):
        for _ in range(12):
            limiter.acquire("account-1")
    assert len(clock.sleeps) == 2  # the bucket of 10 let 10 through, then paced the rest
    warnings = [r.message for r in caplog.records if "cache failed" in r.message]
    assert warnings == ["The cache failed: GoTo calls are limited per process for now"]
