"""The Plugins page: admins only, write-only secrets, OAuth connect and callback, products."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.test import Client, override_settings
from django.utils import timezone

from gotoplugins.models import GoToAccount, ProductConnection

AUTH = "https://auth.goto.test"
API = "https://api.goto.test"
SECRET = "client-SECRET-5ebe2294"
ACCESS = "at-ACCESS-7c4a8d09"
REFRESH = "rt-REFRESH-6b86b273"
SITE = "https://convene.test"

pytestmark = pytest.mark.usefixtures("goto_urls")


@pytest.fixture
def goto_urls():  # type: ignore[no-untyped-def]
    with override_settings(
        GOTO_AUTH_BASE_URL=AUTH, GOTO_API_BASE_URL=API, SITE_URL=SITE, GOTO_EMULATOR=False
    ):
        yield


def make_account(connected: bool = False) -> GoToAccount:
    tokens = {}
    if connected:
        tokens = {
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "token_expires_at": timezone.now() + timedelta(hours=1),
            "organizer_key": "8439885694023999999",
            "organizer_email": "jane@example.com",
            "connected_at": timezone.now(),
        }
    return GoToAccount.objects.create(
        name="Main", client_id="client-1", client_secret=SECRET, **tokens
    )


def test_marketer_cannot_open_or_post_to_plugins(marketer_client: Client) -> None:
    account = make_account()
    assert marketer_client.get("/plugins/").status_code == 403
    response = marketer_client.post(
        "/plugins/accounts/new/", {"name": "X", "client_id": "c", "client_secret": "s"}
    )
    assert response.status_code == 403
    assert marketer_client.post(f"/plugins/accounts/{account.pk}/connect/").status_code == 403
    assert marketer_client.get("/plugins/oauth/callback/?code=x&state=y").status_code == 403
    assert GoToAccount.objects.count() == 1


def test_page_lists_four_products_and_the_redirect_uri(admin_client: Client) -> None:
    page = admin_client.get("/plugins/").content.decode()
    for label in ("GoToWebinar", "GoToMeeting", "GoToTraining", "GoToAssist"):
        assert label in page
    assert f"{SITE}/plugins/oauth/callback/" in page
    assert ProductConnection.objects.count() == 4


def test_adding_an_account_encrypts_the_secret_and_never_shows_it(admin_client: Client) -> None:
    response = admin_client.post(
        "/plugins/accounts/new/",
        {"name": "Main", "client_id": " client-1 ", "client_secret": SECRET},
    )
    assert response.status_code == 302
    account = GoToAccount.objects.get()
    assert (account.client_id, account.client_secret) == ("client-1", SECRET)
    assert SECRET not in admin_client.get("/plugins/").content.decode()
    assert SECRET not in admin_client.get(f"/plugins/accounts/{account.pk}/").content.decode()


def test_adding_an_account_without_a_secret_is_refused(admin_client: Client) -> None:
    response = admin_client.post("/plugins/accounts/new/", {"name": "Main", "client_id": "c"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert GoToAccount.objects.count() == 0


def test_editing_with_an_empty_secret_keeps_it_and_the_grant(admin_client: Client) -> None:
    account = make_account(connected=True)
    response = admin_client.post(
        f"/plugins/accounts/{account.pk}/",
        {"name": "Renamed", "client_id": "client-1", "client_secret": ""},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.client_secret, account.refresh_token) == (
        "Renamed",
        SECRET,
        REFRESH,
    )


def test_new_credentials_drop_the_old_grant(admin_client: Client) -> None:
    account = make_account(connected=True)
    admin_client.post(
        f"/plugins/accounts/{account.pk}/",
        {"name": "Main", "client_id": "client-2", "client_secret": "other"},
    )
    account.refresh_from_db()
    assert (account.client_id, account.client_secret) == ("client-2", "other")
    assert (account.access_token, account.refresh_token, account.is_connected) == ("", "", False)


def start_connect(admin_client: Client, account: GoToAccount) -> str:
    response = admin_client.post(f"/plugins/accounts/{account.pk}/connect/")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{AUTH}/oauth/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == ["client-1"]
    assert query["redirect_uri"] == [f"{SITE}/plugins/oauth/callback/"]
    assert SECRET not in location
    return query["state"][0]


@responses.activate
def test_connect_exchanges_the_code_and_looks_up_the_organizer(admin_client: Client) -> None:
    account = make_account()
    state = start_connect(admin_client, account)
    responses.post(
        f"{AUTH}/oauth/token",
        json={"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600},
    )
    responses.get(
        f"{API}/identity/v1/Users/me",
        json={
            "id": "8439885694023999999",
            "userName": "jane@example.com",
            "name": {"givenName": "Jane", "familyName": "O'Hara"},
            "urn:scim:schemas:extension:getgo:1.0": {
                "accounts": [{"value": "9999982253621659654"}]
            },
        },
    )
    response = admin_client.get(f"/plugins/oauth/callback/?code=abc&state={state}", follow=True)
    account.refresh_from_db()
    assert account.is_connected
    assert account.organizer_key == "8439885694023999999"
    assert account.account_key == "9999982253621659654"
    assert account.organizer_name == "Jane O'Hara"
    assert responses.calls[1].request.headers["Authorization"] == f"Bearer {ACCESS}"
    page = response.content.decode()
    assert "Connected “Main” as Jane O&#x27;Hara." in page
    for secret in (SECRET, ACCESS, REFRESH):
        assert secret not in page


def test_a_tampered_state_is_refused(admin_client: Client) -> None:
    account = make_account()
    start_connect(admin_client, account)
    response = admin_client.get("/plugins/oauth/callback/?code=abc&state=forged", follow=True)
    assert "could not be verified" in response.content.decode()
    account.refresh_from_db()
    assert not account.is_connected


def test_a_callback_without_a_pending_connect_is_refused(admin_client: Client) -> None:
    response = admin_client.get("/plugins/oauth/callback/?code=abc&state=x", follow=True)
    assert response.status_code == 200
    assert "could not be verified" in response.content.decode()


def test_a_state_is_good_for_one_callback_only(admin_client: Client) -> None:
    account = make_account()
    state = start_connect(admin_client, account)
    admin_client.get(f"/plugins/oauth/callback/?error=access_denied&state={state}")
    again = admin_client.get(f"/plugins/oauth/callback/?code=abc&state={state}", follow=True)
    assert "could not be verified" in again.content.decode()


def test_access_denied_is_a_friendly_message(admin_client: Client) -> None:
    account = make_account()
    state = start_connect(admin_client, account)
    response = admin_client.get(
        f"/plugins/oauth/callback/?error=access_denied&state={state}", follow=True
    )
    assert "You declined access at GoTo, so nothing was connected." in response.content.decode()


@responses.activate
def test_a_refused_code_is_shown_and_nothing_is_stored(admin_client: Client) -> None:
    account = make_account()
    state = start_connect(admin_client, account)
    responses.post(f"{AUTH}/oauth/token", status=400, json={"error": "invalid_grant"})
    response = admin_client.get(f"/plugins/oauth/callback/?code=used&state={state}", follow=True)
    assert (
        "Connecting “Main” failed: GoTo refused the authorization (expired, used or revoked)."
        in response.content.decode()
    )
    account.refresh_from_db()
    assert account.access_token == ""


def test_disconnect_asks_first_then_forgets_tokens(admin_client: Client) -> None:
    account = make_account(connected=True)
    confirm = admin_client.get(f"/plugins/accounts/{account.pk}/disconnect/")
    assert "This forgets the tokens" in confirm.content.decode()
    admin_client.post(f"/plugins/accounts/{account.pk}/disconnect/")
    account.refresh_from_db()
    assert (account.access_token, account.refresh_token, account.organizer_key) == ("", "", "")
    assert account.client_secret == SECRET


def test_enabling_a_product_needs_an_account(admin_client: Client) -> None:
    response = admin_client.post(
        "/plugins/products/webinar/", {"webinar-enabled": "on"}, follow=True
    )
    assert "Choose the GoTo account this product uses." in response.content.decode()
    assert ProductConnection.objects.get(product="webinar").enabled is False


def test_a_second_product_is_offered_the_connected_account(admin_client: Client) -> None:
    account = make_account(connected=True)
    page = admin_client.get("/plugins/").content.decode()
    assert f'<option value="{account.pk}" selected>Main</option>' in page
    admin_client.post(
        "/plugins/products/training/", {"training-enabled": "on", "training-account": account.pk}
    )
    connection = ProductConnection.objects.get(product="training")
    assert (connection.enabled, connection.account_id) == (True, account.pk)


def test_an_unknown_product_is_404(admin_client: Client) -> None:
    assert admin_client.post("/plugins/products/fax/", {}).status_code == 404


@responses.activate
def test_test_connection_reports_the_probe(admin_client: Client) -> None:
    account = make_account(connected=True)
    ProductConnection.objects.create(product="meeting", enabled=True, account=account)
    responses.get(f"{API}/G2M/rest/upcomingMeetings", json=[])
    response = admin_client.post("/plugins/products/meeting/test/", follow=True)
    assert "GoToMeeting: Connected as jane@example.com. 0 upcoming meetings." in (
        response.content.decode()
    )
    connection = ProductConnection.objects.get(product="meeting")
    assert connection.last_test_ok is True


@responses.activate
def test_test_connection_failure_is_shown_not_raised(admin_client: Client) -> None:
    account = make_account(connected=True)
    ProductConnection.objects.create(product="training", enabled=True, account=account)
    responses.get(
        f"{API}/G2T/rest/organizers/8439885694023999999/trainings",
        status=404,
        json={"errorCode": "NotFound", "description": "No such organizer"},
    )
    response = admin_client.post("/plugins/products/training/test/", follow=True)
    assert response.status_code == 200
    assert "GoToTraining: GoTo answered with an error:" in response.content.decode()
    assert ProductConnection.objects.get(product="training").last_test_ok is False


def test_test_connection_of_an_unconnected_account_says_so(admin_client: Client) -> None:
    account = make_account()
    ProductConnection.objects.create(product="assist", enabled=True, account=account)
    response = admin_client.post("/plugins/products/assist/test/", follow=True)
    assert "GoToAssist: The account “Main” is not connected." in response.content.decode()


def test_error_reports_hide_the_typed_secret(
    admin: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from django.test import RequestFactory
    from django.views.debug import ExceptionReporter

    from gotoplugins import views

    def explode(self: object, commit: bool = True) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(views.AccountForm, "save", explode)
    request = RequestFactory().post(
        "/plugins/accounts/new/", {"name": "Main", "client_id": "c", "client_secret": SECRET}
    )
    request.user = admin  # type: ignore[assignment]
    try:
        views.AccountCreateView.as_view()(request)
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    else:
        pytest.fail("the view should have raised")
    assert "database went away" in report
    assert SECRET not in report


@responses.activate
def test_reconnecting_as_another_user_shows_and_uses_the_new_organizer(
    admin_client: Client,
) -> None:
    account = make_account(connected=True)  # connected as organizer 8439885694023999999
    state = start_connect(admin_client, account)
    responses.post(
        f"{AUTH}/oauth/token",
        json={"access_token": "at-bob", "refresh_token": "rt-bob", "expires_in": 3600},
    )
    responses.get(
        f"{API}/identity/v1/Users/me",
        json={
            "id": "1111111111111111111",
            "userName": "bob@example.com",
            "name": {"givenName": "Bob", "familyName": "Other"},
        },
    )
    response = admin_client.get(f"/plugins/oauth/callback/?code=c2&state={state}", follow=True)
    account.refresh_from_db()
    assert (account.organizer_key, account.organizer_email, account.organizer_name) == (
        "1111111111111111111",
        "bob@example.com",
        "Bob Other",
    )
    assert "Connected “Main” as Bob Other." in response.content.decode()


def test_an_account_with_synced_events_cannot_be_deleted(admin_client: Client) -> None:
    from gotoplugins.models import Event

    account = make_account(connected=True)
    Event.objects.create(product="webinar", account=account, key="1", subject="Kept")
    confirm = admin_client.get(f"/plugins/accounts/{account.pk}/delete/").content.decode()
    assert "so it cannot be deleted" in confirm
    assert "Yes, delete" not in confirm
    response = admin_client.post(f"/plugins/accounts/{account.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert "cannot be deleted: its synced events" in response.content.decode()
    assert GoToAccount.objects.filter(pk=account.pk).exists()


def test_an_account_without_events_is_deleted(admin_client: Client) -> None:
    account = make_account()
    admin_client.post(f"/plugins/accounts/{account.pk}/delete/")
    assert not GoToAccount.objects.filter(pk=account.pk).exists()


def test_sync_now_is_offered_only_with_a_connected_account(admin_client: Client) -> None:
    account = make_account()
    ProductConnection.objects.create(product="webinar", enabled=True, account=account)
    assert "/plugins/products/webinar/sync/" not in admin_client.get("/plugins/").content.decode()
