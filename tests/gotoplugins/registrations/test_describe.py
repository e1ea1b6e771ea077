"""How a failed registration is described: the token endpoint's troubles are not GoTo refusing
the registration, and the text ends with exactly one period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from forms_builder.models import Form, Submission
from gotoplugins import errors, oauth, registrations
from gotoplugins.emulator import faults
from gotoplugins.emulator import models as emulator
from gotoplugins.models import GoToAccount
from gotoplugins.models import RegistrationRequest as Request
from tests.forms_builder.helpers import submit
from tests.gotoplugins.emulator.helpers import EmulatorAdapter
from tests.gotoplugins.registrations.conftest import upcoming

pytestmark = pytest.mark.django_db

REGISTRANTS = "/G2W/rest/v2/organizers/*/webinars/*/registrants"
Status = Request.Status


@pytest.fixture
def token_endpoint(monkeypatch: pytest.MonkeyPatch, transport: EmulatorAdapter) -> None:
    """The OAuth session reaches the emulator's token endpoint too (in this process)."""
    real_session = oauth._session

    def session(account: GoToAccount, redirect_uri: str | None = None) -> Any:
        made = real_session(account, redirect_uri)
        made.mount("http://testserver", transport)
        return made

    monkeypatch.setattr(oauth, "_session", session)


def expire(account: GoToAccount) -> None:
    GoToAccount.objects.filter(pk=account.pk).update(
        token_expires_at=timezone.now() - timedelta(minutes=5)
    )


def sign_up(form: Form, capture: Any) -> Request:
    webinar = upcoming("webinar")[0]
    values = {"email": "zoe@example.com", "first_name": "Zoe", "last_name": "Lee"}
    with capture(execute=True):
        response = submit(Client(), form, {**values, "webinar": webinar.key})
    assert response.status_code == 200
    return Request.objects.get()


def test_an_error_at_the_token_endpoint_is_not_a_refused_registration(
    webinar_form: Form,
    account: GoToAccount,
    token_endpoint: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    expire(account)
    faults.set_record_requests(True)
    faults.add_fault("/oauth/token", method="POST", status=500, times=None)
    request = sign_up(webinar_form, django_capture_on_commit_callbacks)
    calls = list(emulator.RequestLog.objects.values_list("path", "status"))
    assert ("/oauth/token", 500) in calls  # GoTo's token endpoint answered, with an error
    assert request.status == Status.PENDING  # worth another try later
    assert request.last_error == (
        "GoTo could not be reached or had an error while renewing the sign-in: "
        "Could not reach GoTo's token endpoint."
    )
    result = Submission.objects.get().results.get()
    assert result.message.startswith("Not registered yet: GoTo could not be reached")
    account.refresh_from_db()
    assert account.needs_reconnect is False


def test_a_dead_grant_at_the_token_endpoint_asks_to_reconnect(
    webinar_form: Form,
    account: GoToAccount,
    token_endpoint: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    expire(account)
    faults.add_fault("/oauth/token", method="POST", status=400, times=None)  # invalid_grant
    request = sign_up(webinar_form, django_capture_on_commit_callbacks)
    assert request.status == Status.FAILED
    assert request.last_error == "The GoTo account needs to be reconnected (Plugins page)."
    account.refresh_from_db()
    assert account.needs_reconnect is True


def test_a_description_ending_with_a_period_gets_no_second_one(
    webinar_form: Form, django_capture_on_commit_callbacks: Any
) -> None:
    faults.add_fault(REGISTRANTS, method="POST", status=400)
    request = sign_up(webinar_form, django_capture_on_commit_callbacks)
    assert request.status == Status.FAILED
    assert request.last_error == (
        "GoTo refused the registration (400): Bad request (forced by the GoTo emulator)."
    )


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            oauth.OAuthFailure("GoTo's token endpoint did not answer in time.", retryable=True),
            "GoTo could not be reached or had an error while renewing the sign-in: "
            "GoTo's token endpoint did not answer in time.",
        ),
        (
            oauth.OAuthFailure(
                "GoTo refused the authorization (expired, used or revoked).",
                error_code="invalid_grant",
                retryable=False,
            ),
            "The GoTo account needs to be reconnected (Plugins page): "
            "GoTo refused the authorization (expired, used or revoked).",
        ),
        (
            oauth.OAuthFailure(
                "GoTo did not accept the client ID and secret.",
                error_code="invalid_client",
                retryable=False,
            ),
            "The GoTo account needs to be reconnected (Plugins page): "
            "GoTo did not accept the client ID and secret.",
        ),
        (
            errors.BadRequest("POST /x", status=400, description="Bad email"),
            "GoTo refused the registration (400): Bad email.",
        ),
        (
            errors.Conflict("POST /x", status=409, description="In session.  "),
            "GoTo refused the registration (409): In session.",
        ),
        (errors.NotFound("POST /x", status=404), "GoTo refused the registration (404)."),
    ],
)
def test_describe(error: errors.GoToError, text: str) -> None:
    assert registrations.describe(error) == text
