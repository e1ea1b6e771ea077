"""Who may open what: anonymous users sign in first, marketers are kept out of admin pages."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role, User
from tests.conftest import PASSWORD

MARKETER_PAGES = [
    "/contacts/",
    "/contacts/new/",
    "/contacts/import/",
    "/segments/",
    "/forms/",
    "/campaigns/",
    "/emails/",
    "/accounts/profile/",
]
ADMIN_PAGES = ["/plugins/", "/accounts/users/", "/accounts/users/new/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", MARKETER_PAGES + ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", MARKETER_PAGES)
def test_marketers_open_the_marketing_pages(marketer_client: Client, url: str) -> None:
    assert marketer_client.get(url).status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_marketers_are_refused_admin_pages(marketer_client: Client, url: str) -> None:
    assert marketer_client.get(url).status_code == 403


@pytest.mark.parametrize("url", MARKETER_PAGES + ADMIN_PAGES)
def test_admins_open_every_page(admin_client: Client, url: str) -> None:
    assert admin_client.get(url).status_code == 200


def test_marketer_cannot_create_users_by_posting(marketer_client: Client) -> None:
    response = marketer_client.post(
        "/accounts/users/new/",
        {
            "username": "mallory",
            "password1": "x-Very-long-pass-1",
            "password2": "x-Very-long-pass-1",
            "role": Role.ADMIN,
        },
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="mallory").exists()


def test_navigation_shows_plugins_and_users_to_admins_only(
    admin_client: Client, marketer_client: Client
) -> None:
    admin_page = admin_client.get("/contacts/").content.decode()
    marketer_page = marketer_client.get("/contacts/").content.decode()
    assert 'href="/plugins/"' in admin_page
    assert 'href="/accounts/users/"' in admin_page
    assert 'href="/plugins/"' not in marketer_page
    assert 'href="/accounts/users/"' not in marketer_page
    for section in ("/contacts/", "/segments/", "/forms/", "/campaigns/", "/emails/"):
        assert f'href="{section}"' in marketer_page


@pytest.mark.django_db
def test_sign_in_with_the_right_password_opens_contacts(client: Client, marketer: User) -> None:
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/contacts/"


@pytest.mark.django_db
def test_sign_in_with_a_wrong_password_says_so(client: Client, marketer: User) -> None:
    response = client.post("/accounts/login/", {"username": "bob", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


@pytest.mark.django_db
def test_sign_in_ignores_an_offsite_next(client: Client, marketer: User) -> None:
    response = client.post(
        "/accounts/login/",
        {"username": "bob", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/contacts/"


def test_sign_out_needs_a_post(marketer_client: Client) -> None:
    assert marketer_client.get("/accounts/logout/").status_code == 405
    assert marketer_client.post("/accounts/logout/").status_code == 302
    assert marketer_client.get("/contacts/").status_code == 302


def test_admin_creates_a_marketer(admin_client: Client) -> None:
    response = admin_client.post(
        "/accounts/users/new/",
        {
            "username": "carol",
            "email": "carol@example.com",
            "role": Role.MARKETER,
            "password1": "a-Long-enough-pass-9",
            "password2": "a-Long-enough-pass-9",
        },
    )
    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert carol.role == Role.MARKETER
    assert carol.is_admin is False
    assert carol.check_password("a-Long-enough-pass-9")


def test_admin_cannot_demote_themselves(admin_client: Client, admin: User) -> None:
    response = admin_client.post(
        f"/accounts/users/{admin.pk}/",
        {"email": admin.email, "role": Role.MARKETER, "is_active": "on"},
    )
    assert response.status_code == 200
    assert b"You cannot remove your own admin role." in response.content
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_profile_time_zone_changes_how_times_are_shown(
    marketer_client: Client, marketer: User
) -> None:
    response = marketer_client.post(
        "/accounts/profile/",
        {
            "first_name": "Bob",
            "last_name": "",
            "email": "bob@example.com",
            "time_zone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 302
    marketer.refresh_from_db()
    assert marketer.time_zone == "Asia/Tokyo"


def test_the_403_page_is_friendly(marketer_client: Client) -> None:
    response = marketer_client.get("/plugins/")
    assert response.status_code == 403
    assert b"You do not have access to this page" in response.content


def test_users_change_their_own_password(marketer_client: Client, marketer: User) -> None:
    response = marketer_client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "N3w-and-long-enough",
            "new_password2": "N3w-and-long-enough",
        },
    )
    assert response.status_code == 302
    marketer.refresh_from_db()
    assert marketer.check_password("N3w-and-long-enough")


def test_admin_sets_a_new_password_for_a_user(admin_client: Client, marketer: User) -> None:
    response = admin_client.post(
        f"/accounts/users/{marketer.pk}/password/",
        {"new_password1": "Reset-by-admin-77", "new_password2": "Reset-by-admin-77"},
    )
    assert response.status_code == 302
    marketer.refresh_from_db()
    assert marketer.check_password("Reset-by-admin-77")


def test_marketer_cannot_set_other_peoples_passwords(marketer_client: Client, admin: User) -> None:
    response = marketer_client.post(
        f"/accounts/users/{admin.pk}/password/",
        {"new_password1": "Hijack-attempt-99", "new_password2": "Hijack-attempt-99"},
    )
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)


def test_the_empty_time_zone_choice_names_the_instance_zone(marketer_client: Client) -> None:
    page = marketer_client.get("/accounts/profile/").content.decode()
    assert '<option value="" selected>Instance default (UTC)</option>' in page


def test_admin_cannot_deactivate_themselves(admin_client: Client, admin: User) -> None:
    response = admin_client.post(
        f"/accounts/users/{admin.pk}/", {"email": admin.email, "role": Role.ADMIN}
    )
    assert response.status_code == 200
    assert b"You cannot deactivate your own account." in response.content
    admin.refresh_from_db()
    assert admin.is_active is True
