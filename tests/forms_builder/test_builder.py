"""The builder in the browser's place: forms, fields, actions, order, publishing, preview."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from contacts.models import Contact
from forms_builder.models import Field, Form, FormAction, Submission
from tests.forms_builder.helpers import add_field, make_form, person_fields, submit

pytestmark = pytest.mark.django_db


def field_data(**values: Any) -> dict[str, Any]:
    data = {"label": "Company", "help_text": "", "placeholder": "", "default_value": ""}
    data.update(values)
    return data


def test_builder_pages_need_sign_in(client: Client, db: None) -> None:
    form = make_form()
    for url in ("/forms/", "/forms/new/", f"/forms/{form.pk}/", f"/forms/{form.pk}/submissions/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_a_marketer_creates_a_form(marketer_client: Client, marketer: User) -> None:
    response = marketer_client.post(
        "/forms/new/",
        {
            "name": "Spring webinar",
            "slug": "Spring-Webinar",
            "submit_label": "Register",
            "success_message": "See you there!",
            "max_body_bytes": 65536,
            "overwrite_contact": "on",
        },
    )
    form = Form.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/forms/{form.pk}/"
    assert (form.slug, form.is_published, form.created_by) == ("spring-webinar", False, marketer)
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "No fields yet" in page and "Publish" in page


def test_an_address_in_use_is_refused(marketer_client: Client) -> None:
    make_form("taken")
    response = marketer_client.post(
        "/forms/new/",
        {
            "name": "X",
            "slug": "taken",
            "submit_label": "Go",
            "success_message": "Ok",
            "max_body_bytes": 65536,
        },
    )
    assert response.status_code == 200
    assert "Another form already uses this address." in response.content.decode()


def test_embedding_sites_must_be_site_addresses(marketer_client: Client) -> None:
    form = make_form()
    data = {
        "name": "X",
        "slug": "sign-up",
        "submit_label": "Go",
        "success_message": "Ok",
        "max_body_bytes": 65536,
        "allow_embedding": "on",
        "embed_origins": "https://www.example.com/\njavascript:alert(1)",
    }
    response = marketer_client.post(f"/forms/{form.pk}/settings/", data)
    assert "Not a site address: javascript:alert(1)" in response.content.decode()
    data["embed_origins"] = "https://www.example.com/\n\nhttp://shop.example.org:8080"
    assert marketer_client.post(f"/forms/{form.pk}/settings/", data).status_code == 302
    assert Form.objects.get().origins == ["https://www.example.com", "http://shop.example.org:8080"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://a.example,frame-ancestors",  # would split the policy in two
        "https://a.example'",
        "https://*",  # every site
        "https://a.example/path",
        "https://user@a.example",
        "https://a.example:99999",
        "ftp://a.example",
    ],
)
def test_an_embedding_site_that_would_break_the_policy_is_refused(
    marketer_client: Client, origin: str
) -> None:
    form = make_form()
    data = {**settings_data(slug="sign-up"), "allow_embedding": "on", "embed_origins": origin}
    response = marketer_client.post(f"/forms/{form.pk}/settings/", data)
    assert response.status_code == 200
    assert "Not a site address:" in response.content.decode()
    assert Form.objects.get().embed_origins == ""


def test_an_international_site_name_is_framed_by_its_ascii_name(
    marketer_client: Client, visitor: Client
) -> None:
    """A non-ASCII header value was MIME-encoded by Django, which browsers ignore: the
    policy was gone and any site could frame the form."""
    form = make_form()
    origins = "https://例え.jp\nhttps://*.Example.com\nhttps://xn--r8jz45g.jp"
    data = {**settings_data(slug="sign-up"), "allow_embedding": "on", "embed_origins": origins}
    assert marketer_client.post(f"/forms/{form.pk}/settings/", data).status_code == 302
    assert Form.objects.get().embed_origins == "https://xn--r8jz45g.jp\nhttps://*.example.com"
    response = visitor.get("/f/sign-up/?embed=1")
    assert response["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://xn--r8jz45g.jp https://*.example.com"
    )
    # One stored before this check is left out rather than breaking the header.
    Form.objects.update(embed_origins="https://例え.jp\nhttps://a.example,x")
    response = visitor.get("/f/sign-up/?embed=1")
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://xn--r8jz45g.jp"


def test_adding_a_field_of_each_standard_type(marketer_client: Client) -> None:
    form = make_form()
    extra = {
        "select": {"config_choices": "S\nm|Medium\nL"},
        "radio": {"config_choices": "Yes\nNo"},
        "checkboxes": {"config_choices": "a|A\nb|B"},
        "number": {"config_min_value": "1", "config_max_value": "5", "config_whole": "on"},
    }
    for field_type in (
        "text",
        "email",
        "textarea",
        "select",
        "radio",
        "checkbox",
        "checkboxes",
        "number",
        "date",
        "hidden",
    ):
        data = field_data(label=f"My {field_type}", **extra.get(field_type, {}))
        response = marketer_client.post(f"/forms/{form.pk}/fields/add/{field_type}/", data)
        assert response.status_code == 302, (field_type, response.content.decode()[:2000])
    fields = list(form.fields.all())
    assert [f.field_type for f in fields][:3] == ["text", "email", "textarea"]
    assert [f.position for f in fields] == list(range(10))
    select = form.fields.get(field_type="select")
    assert (select.key, select.config) == (
        "my_select",
        {"choices": [["S", "S"], ["m", "Medium"], ["L", "L"]]},
    )
    assert form.fields.get(field_type="number").config == {
        "min_value": "1",
        "max_value": "5",
        "whole": True,
    }


def test_keys_are_unique_and_never_clash_with_the_page_inputs(marketer_client: Client) -> None:
    form = make_form()
    for label in ("Name", "Name", "Homepage", "Ünïcode!", "2nd choice"):
        marketer_client.post(f"/forms/{form.pk}/fields/add/text/", field_data(label=label))
    assert list(form.fields.values_list("key", flat=True)) == [
        "name",
        "name_2",
        "homepage_2",
        "unicode",
        "f_2nd_choice",
    ]


@pytest.mark.parametrize(
    ("field_type", "data", "message"),
    [
        ("select", {"config_choices": ""}, "Add at least one choice."),
        ("select", {"config_choices": "a\na"}, "listed twice"),
        ("number", {"config_min_value": "5", "config_max_value": "1"}, "must not be below"),
        ("email", {"default_value": "nope"}, "Not a valid value here"),
        ("select", {"config_choices": "a\nb", "default_value": "c"}, "Not a valid value here"),
        ("text", {"max_length": "999999"}, "Between 1 and 5000."),
        ("text", {"contact_field": "custom", "custom_name": ""}, "Name the custom field"),
    ],
)
def test_bad_field_settings_are_explained(
    marketer_client: Client, field_type: str, data: dict[str, str], message: str
) -> None:
    form = make_form()
    response = marketer_client.post(
        f"/forms/{form.pk}/fields/add/{field_type}/", field_data(**data)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not form.fields.exists()


def test_only_an_email_field_may_fill_the_contacts_email(marketer_client: Client) -> None:
    form = make_form()
    response = marketer_client.post(
        f"/forms/{form.pk}/fields/add/text/", field_data(contact_field="email")
    )
    assert response.status_code == 400
    assert "cannot fill the contact&#x27;s email: use an Email field" in response.content.decode()
    assert not form.fields.exists()


def test_the_first_email_field_fills_the_contacts_email_unless_told_otherwise(
    marketer_client: Client,
) -> None:
    """A form whose email fills no contact makes no contacts: the builder proposes the mapping
    and says so while no field has it."""
    form = make_form()
    page = marketer_client.get(f"/forms/{form.pk}/fields/add/email/").content.decode()
    assert '<option value="email" selected>Email</option>' in page
    marketer_client.post(f"/forms/{form.pk}/fields/add/email/", field_data(label="Your email"))
    detail = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert 'id="form-no-contact"' in detail  # field_data() sent no mapping: none is made

    add_field(form, "email", "Work email", contact_field="email")
    page = marketer_client.get(f"/forms/{form.pk}/fields/add/email/").content.decode()
    assert '<option value="email" selected>' not in page  # one field fills it already
    assert 'id="form-no-contact"' not in marketer_client.get(f"/forms/{form.pk}/").content.decode()


def test_a_choice_the_mapped_contact_field_cannot_hold_is_refused(
    marketer_client: Client,
) -> None:
    form = make_form()
    long_value = "x" * 150
    data = field_data(label="Country", contact_field="country")
    data["config_choices"] = f"FR|France\n{long_value}|Far too long"
    response = marketer_client.post(f"/forms/{form.pk}/fields/add/select/", data)
    assert response.status_code == 400
    assert "“Country” has choices longer than the contact&#x27;s country can hold" in (
        response.content.decode()
    )
    assert not form.fields.exists()
    data["config_choices"] = "FR|France\nDE|Germany"
    assert marketer_client.post(f"/forms/{form.pk}/fields/add/select/", data).status_code == 302


def test_two_fields_may_not_fill_the_same_contact_field(marketer_client: Client) -> None:
    form = make_form()
    add_field(form, "text", "Company", contact_field="company")
    response = marketer_client.post(
        f"/forms/{form.pk}/fields/add/text/", field_data(label="Firm", contact_field="company")
    )
    assert response.status_code == 400
    assert "both fill the contact" in response.content.decode()
    assert form.fields.count() == 1


def test_a_custom_contact_field_mapping(marketer_client: Client) -> None:
    form = make_form()
    marketer_client.post(
        f"/forms/{form.pk}/fields/add/text/",
        field_data(label="Industry", contact_field="custom", custom_name="industry"),
    )
    field = form.fields.get()
    assert field.contact_field == "custom:industry"
    page = marketer_client.get(f"/forms/{form.pk}/fields/{field.pk}/").content.decode()
    assert 'value="industry"' in page


def test_editing_and_deleting_a_field(marketer_client: Client) -> None:
    form = make_form()
    field = add_field(form, "text", "Company")
    response = marketer_client.post(
        f"/forms/{form.pk}/fields/{field.pk}/", field_data(label="Firm", required="on")
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.label, field.required, field.key) == ("Firm", True, "company")
    assert marketer_client.post(f"/forms/{form.pk}/fields/{field.pk}/delete/").status_code == 302
    assert not form.fields.exists()


def test_a_field_of_another_form_is_not_found(marketer_client: Client) -> None:
    form, other = make_form(), make_form("other")
    field = add_field(other, "text", "Name")
    assert marketer_client.get(f"/forms/{form.pk}/fields/{field.pk}/").status_code == 404
    assert marketer_client.post(f"/forms/{form.pk}/fields/{field.pk}/delete/").status_code == 404
    assert marketer_client.get(f"/forms/{form.pk}/fields/add/nope/").status_code == 404
    assert marketer_client.get(f"/forms/{form.pk}/actions/add/nope/").status_code == 404


def test_reordering_fields_with_the_buttons_and_with_drag_and_drop(
    marketer_client: Client,
) -> None:
    form = make_form()
    a, b, c = (add_field(form, "text", name) for name in ("A", "B", "C"))
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert 'data-reorder-url="/forms/' in page
    response = marketer_client.post(
        f"/forms/{form.pk}/fields/order/", {"order": [b.pk, a.pk, c.pk]}
    )
    assert response.status_code == 302
    assert list(form.fields.values_list("label", flat=True)) == ["B", "A", "C"]
    response = marketer_client.post(
        f"/forms/{form.pk}/fields/order/",
        {"order": [c.pk, b.pk, a.pk]},
        headers={"Accept": "application/json"},
    )
    assert response.json() == {"ok": True}
    assert list(form.fields.values_list("label", flat=True)) == ["C", "B", "A"]


@pytest.mark.parametrize("order", [["1"], ["x"], []])
def test_a_stale_or_garbled_order_is_refused(marketer_client: Client, order: list[str]) -> None:
    form = make_form()
    add_field(form, "text", "A")
    add_field(form, "text", "B")
    response = marketer_client.post(
        f"/forms/{form.pk}/fields/order/", {"order": order}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert list(form.fields.values_list("label", flat=True)) == ["A", "B"]


def test_publishing_needs_fields_and_no_problems(marketer_client: Client) -> None:
    form = make_form(published=False)
    response = marketer_client.post(f"/forms/{form.pk}/publish/", {"published": "1"}, follow=True)
    assert "Not published: Add at least one field before publishing." in response.content.decode()
    assert not Form.objects.get().is_published
    add_field(form, "email", "Email", contact_field="email")
    marketer_client.post(f"/forms/{form.pk}/publish/", {"published": "1"})
    assert Form.objects.get().is_published
    marketer_client.post(f"/forms/{form.pk}/publish/", {"published": "0"})
    assert not Form.objects.get().is_published


def test_the_preview_shows_any_form_and_cannot_be_submitted(marketer_client: Client) -> None:
    form = person_fields(make_form(published=False))
    response = marketer_client.get(f"/forms/{form.pk}/preview/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    html = response.content.decode()
    assert "Preview" in html and "disabled" in html and 'name="first_name"' in html


def test_the_embed_snippet_is_offered_only_when_embedding_is_on(
    marketer_client: Client, settings: Any
) -> None:
    settings.SITE_URL = "https://convene.example.com"
    form = make_form(name='Q&A "live"')
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "Embedding is off" in page and "embed-snippet" not in page
    form.allow_embedding = True
    form.save()
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "https://convene.example.com/f/sign-up/?embed=1" in page
    # Escaped for the attribute, then once more for the textarea it is shown in.
    assert "title=&quot;Q&amp;amp;A &amp;quot;live&amp;quot;&quot;" in page
    assert "Copy snippet" in page


def test_a_form_with_submissions_cannot_be_deleted(marketer_client: Client) -> None:
    form = make_form()
    Submission.objects.create(form=form, data={}, dedupe_key="k")
    assert "cannot be deleted" in marketer_client.get(f"/forms/{form.pk}/delete/").content.decode()
    marketer_client.post(f"/forms/{form.pk}/delete/")
    assert Form.objects.exists()
    empty = make_form("empty")
    assert marketer_client.post(f"/forms/{empty.pk}/delete/").status_code == 302
    assert not Form.objects.filter(pk=empty.pk).exists()


def test_notify_users_action(marketer_client: Client, marketer: User, admin: User) -> None:
    form = make_form()
    url = f"/forms/{form.pk}/actions/add/notify_users/"
    assert "This field is required." in marketer_client.post(url, {}).content.decode()
    response = marketer_client.post(url, {"users": [admin.pk], "subject": "New lead"})
    assert response.status_code == 302
    action = FormAction.objects.get()
    assert action.config == {"user_ids": [admin.pk], "subject": "New lead"}
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "Notify users by email" in page and "1 user" in page
    edit = marketer_client.get(f"/forms/{form.pk}/actions/{action.pk}/").content.decode()
    assert "checked" in edit
    marketer_client.post(f"/forms/{form.pk}/actions/{action.pk}/delete/")
    assert not FormAction.objects.exists()


def test_the_form_list_counts_without_a_query_per_form(
    marketer_client: Client, django_assert_max_num_queries: Any
) -> None:
    for index in range(12):
        form = make_form(f"form-{index}", name=f"Form {index}")
        Submission.objects.create(form=form, data={}, dedupe_key="a")
        Submission.objects.create(form=form, data={}, dedupe_key="b")
    with django_assert_max_num_queries(5):
        response = marketer_client.get("/forms/")
    assert response.status_code == 200
    assert response.content.decode().count(">2</a>") == 12


def test_fields_of_a_removed_type_are_flagged_not_fatal(marketer_client: Client) -> None:
    form = make_form()
    add_field(form, "email", "Email", contact_field="email")
    Field.objects.create(
        form=form, field_type="gone_plugin_field", label="Old", key="old", position=9
    )
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "Unavailable type (gone_plugin_field)" in page
    public = Client().get(f"/f/{form.slug}/")
    assert public.status_code == 200 and 'name="old"' not in public.content.decode()


def test_a_notification_subject_must_be_one_line(marketer_client: Client, admin: User) -> None:
    form = make_form()
    url = f"/forms/{form.pk}/actions/add/notify_users/"
    response = marketer_client.post(
        url, {"users": [admin.pk], "subject": "Hello\r\nBcc: x@evil.example"}
    )
    assert response.status_code == 400
    assert response.context["config_form"].errors["subject"] == [
        "The subject must be one line: remove the line breaks."
    ]
    assert not FormAction.objects.exists()


def test_a_form_name_is_kept_on_one_line(marketer_client: Client) -> None:
    response = marketer_client.post(
        "/forms/new/",
        {
            "name": "Spring\r\nBcc: x@evil.example\n\u2028 webinar",
            "slug": "spring",
            "submit_label": "Go",
            "success_message": "Ok",
            "max_body_bytes": 65536,
        },
    )
    assert response.status_code == 302
    assert Form.objects.get().name == "Spring Bcc: x@evil.example webinar"


def test_a_default_the_mapped_contact_field_refuses_is_refused(
    marketer_client: Client, visitor: Client
) -> None:
    form = person_fields(make_form())
    url = f"/forms/{form.pk}/fields/add/text/"
    data = field_data(label="Time zone", contact_field="time_zone")
    response = marketer_client.post(url, {**data, "default_value": "Mars/Olympus"})
    assert response.status_code == 400
    assert response.context["edit_form"].errors["default_value"] == [
        "Not a valid value for the contact's time zone: Value 'Mars/Olympus' is not a valid choice."
    ]
    assert not form.fields.filter(contact_field="time_zone").exists()

    response = marketer_client.post(url, {**data, "default_value": "Europe/Paris"})
    assert response.status_code == 302
    page = visitor.get(f"/f/{form.slug}/").content.decode()
    assert 'value="Europe/Paris"' in page
    posted = submit(
        visitor,
        form,
        {
            "email": "kim@example.com",
            "first_name": "Kim",
            "last_name": "Lee",
            "time_zone": "Europe/Paris",
        },
    )
    assert posted.status_code == 200
    assert Contact.objects.get().time_zone == "Europe/Paris"


def test_overwriting_contacts_is_off_for_new_forms_and_says_what_it_risks(
    marketer_client: Client,
) -> None:
    page = marketer_client.get("/forms/new/").content.decode()
    assert (
        "Overwrite existing contact details with the answers (anyone who knows an email "
        "address could change that contact&#x27;s details)"
    ) in page
    assert 'name="overwrite_contact"' in page
    assert 'name="overwrite_contact" class="checkboxinput form-check-input" checked' not in page
    unbound = marketer_client.get("/forms/new/").context["form"]
    assert unbound["overwrite_contact"].value() is False
    response = marketer_client.post(
        "/forms/new/",
        {
            "name": "Quiet",
            "slug": "quiet",
            "submit_label": "Go",
            "success_message": "Ok",
            "max_body_bytes": 65536,
        },
    )
    assert response.status_code == 302
    form = Form.objects.get()
    assert form.overwrite_contact is False
    detail = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "(fills only empty values)" in detail
    form.overwrite_contact = True
    form.save()
    detail = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "anyone who knows a contact's email can change them" in detail


def test_a_form_past_its_closing_date_shows_as_closed(marketer_client: Client) -> None:
    closed = make_form("closed", name="Closed one", closes_at=timezone.now() - timedelta(hours=1))
    make_form("open", name="Open one", closes_at=timezone.now() + timedelta(days=1))
    make_form("draft", name="Draft one", published=False)
    listing = marketer_client.get("/forms/").content.decode()
    table = listing[listing.index("<tbody>") :]
    badges = re.findall(r'<span class="badge text-bg-\w+"[^>]*>(\w+)</span>', table)
    assert badges == ["Closed", "Draft", "Published"]  # by name: Closed, Draft, Open
    page = marketer_client.get(f"/forms/{closed.pk}/").content.decode()
    assert re.search(r'id="form-status">Closed</span>', page)
    assert 'id="form-closed"' in page and "visitors see “This form is closed”" in page
    assert Client().get("/f/closed/").status_code == 410


def settings_data(**values: Any) -> dict[str, Any]:
    data = {
        "name": "Spring webinar",
        "slug": "spring",
        "submit_label": "Register",
        "success_message": "See you there!",
        "max_body_bytes": 65536,
    }
    data.update(values)
    return data


def test_saving_a_closing_date_in_the_past_warns(marketer_client: Client, marketer: User) -> None:
    marketer.time_zone = "Asia/Kolkata"
    marketer.save()
    form = make_form("spring")
    url = f"/forms/{form.pk}/settings/"
    response = marketer_client.post(url, settings_data(closes_at="2020-01-02T10:30"), follow=True)
    texts = [str(message) for message in response.context["messages"]]
    assert texts == [
        "Settings saved.",
        "“Accept submissions until” is in the past (Jan. 2, 2020, 10:30 a.m. IST): the form is "
        "closed and visitors see “This form is closed”. Clear the date or choose a later one "
        "to reopen it.",
    ]
    form.refresh_from_db()
    assert form.closes_at is not None and form.closes_at.isoformat() == "2020-01-02T05:00:00+00:00"
    later = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = marketer_client.post(url, settings_data(closes_at=later), follow=True)
    assert [str(message) for message in response.context["messages"]] == ["Settings saved."]


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T20:00", "1969-12-31T23:59"])
def test_a_closing_date_at_the_calendars_ends_is_refused(
    marketer_client: Client, marketer: User, when: str
) -> None:
    """West of UTC 9999-12-31 20:00 is in the year 10000 in UTC: saving it overflowed; an
    early one overflowed every page showing it to someone east or west."""
    marketer.time_zone = "America/New_York"
    marketer.save()
    form = make_form("spring")
    response = marketer_client.post(f"/forms/{form.pk}/settings/", settings_data(closes_at=when))
    assert response.status_code == 200
    assert "Choose a date between the years 1970 and 9000." in response.content.decode()
    assert Form.objects.get().closes_at is None
    response = marketer_client.post("/forms/new/", settings_data(slug="other", closes_at=when))
    assert response.status_code == 200 and not Form.objects.filter(slug="other").exists()
    assert marketer_client.get("/forms/").status_code == 200


def test_deleting_a_field_several_actions_need_gives_one_message(marketer_client: Client) -> None:
    form = person_fields(make_form())
    for _ in range(3):
        FormAction.objects.create(form=form, action_type="add_to_segment", config={})
    email = form.fields.get(key="email")
    response = marketer_client.post(f"/forms/{form.pk}/fields/{email.pk}/delete/", follow=True)
    texts = [str(message) for message in response.context["messages"]]
    assert texts == [
        "“Email” was not deleted: “Add to segment” needs an Email field saved to the contact's "
        "email. Change or remove that action first, then delete the field."
    ]
    assert response.content.decode().count("needs an Email field") == 1
    assert form.fields.filter(pk=email.pk).exists()


def test_publishing_refused_for_several_reasons_lists_each_once(marketer_client: Client) -> None:
    form = make_form(published=False)
    add_field(form, "text", "Name")
    for _ in range(2):
        FormAction.objects.create(form=form, action_type="add_to_segment", config={})
    FormAction.objects.create(form=form, action_type="gone_plugin_action", config={})
    response = marketer_client.post(f"/forms/{form.pk}/publish/", {"published": "1"}, follow=True)
    [message] = [str(message) for message in response.context["messages"]]
    assert message == (
        'Not published:<ul class="mb-0"><li>“Add to segment” needs an Email field saved to the '
        "contact&#x27;s email.</li><li>An action of an unavailable type (gone_plugin_action) is "
        "listed.</li></ul>"
    )
    html = response.content.decode()
    assert '<ul class="mb-0"><li>“Add to segment” needs an Email field' in html  # not escaped
    assert html.count("needs an Email field saved") == 2  # the message, and the page's list
    assert "<strong>This form cannot be published yet:</strong>" in html
    Form.objects.filter(pk=form.pk).update(is_published=True)  # published before a change
    page = marketer_client.get(f"/forms/{form.pk}/").content.decode()
    assert "<strong>This form has problems to fix:</strong>" in page
    assert "cannot be published yet" not in page
