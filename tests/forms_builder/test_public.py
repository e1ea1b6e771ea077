"""The public form: rendering, every kind of bad input, what a good submission stores."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Activity, Contact
from forms_builder.models import Form, Submission
from forms_builder.protection import HONEYPOT_FIELD, TOKEN_FIELD, new_token
from tests.forms_builder.helpers import (
    add_field,
    answers,
    make_form,
    multipart_body,
    page_token,
    person_fields,
    submit,
    token_from,
)

pytestmark = pytest.mark.django_db


def test_the_published_form_renders_for_anyone(visitor: Client, contact_form: Form) -> None:
    response = visitor.get("/f/contact-us/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Contact us" in html
    assert 'name="email"' in html and 'name="topics"' in html
    assert f'name="{HONEYPOT_FIELD}"' in html and f'name="{TOKEN_FIELD}"' in html
    assert response["X-Frame-Options"] == "DENY"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_good_submission_stores_everything_and_saves_the_contact(
    visitor: Client, contact_form: Form
) -> None:
    response = submit(
        visitor,
        contact_form,
        answers(),
        HTTP_USER_AGENT="Mozilla/5.0 (Test)",
        HTTP_REFERER="https://www.example.com/events",
    )
    assert response.status_code == 200
    assert "We have received your answers" in response.content.decode()
    submission = Submission.objects.get()
    assert submission.data == {
        "email": "Zoe@Example.com",
        "first_name": "Zoë",
        "last_name": "O'Brien",
        "company": "Wayne & Co",
        "topics": ["seo", "ads"],
        "consent": "yes",
    }
    assert submission.display["topics"] == "SEO; Ads & more"
    assert submission.display["consent"] == "Yes"
    assert (submission.ip_address, submission.user_agent) == ("203.0.113.7", "Mozilla/5.0 (Test)")
    assert submission.referrer == "https://www.example.com/events"
    contact = Contact.objects.get()
    assert submission.contact == contact
    assert (contact.email, contact.first_name, contact.last_name, contact.company) == (
        "zoe@example.com",
        "Zoë",
        "O'Brien",
        "Wayne & Co",
    )
    entry = Activity.objects.get(kind="form_submitted")
    assert entry.title == "Submitted form “Contact us”"
    assert (entry.source_type, entry.source_id) == ("forms_builder.submission", str(submission.pk))


def test_a_known_contact_is_updated_not_duplicated(visitor: Client, contact_form: Form) -> None:
    contact_form.overwrite_contact = True
    contact_form.save()
    Contact.objects.create(email="zoe@example.com", first_name="Zoe", company="Old")
    submit(visitor, contact_form, answers())
    contact = Contact.objects.get()
    assert (contact.first_name, contact.company) == ("Zoë", "Wayne & Co")


def test_by_default_only_empty_contact_values_are_filled(
    visitor: Client, contact_form: Form
) -> None:
    """A new form never lets an anonymous visitor rewrite a known contact's details."""
    assert contact_form.overwrite_contact is False
    Contact.objects.create(email="zoe@example.com", first_name="Zoe", company="Old")
    assert submit(visitor, contact_form, answers()).status_code == 200
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.company) == ("Zoe", "O'Brien", "Old")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": None}, "email", "This field is required."),
        ({"email": "not an email"}, "email", "Enter a valid email address."),
        ({"email": "a@b@c.com"}, "email", "Enter a valid email address."),
        ({"consent": None}, "consent", "Tick this box to continue."),
        ({"topics": ["seo", "hacked"]}, "topics", "This is not one of the choices."),
        ({"first_name": "x" * 151}, "first_name", "at most 150 characters"),
    ],
)
def test_bad_answers_are_refused_with_a_field_error_and_nothing_stored(
    visitor: Client, contact_form: Form, changes: dict[str, Any], field: str, message: str
) -> None:
    response = submit(visitor, contact_form, answers(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Submission.objects.exists()
    assert not Contact.objects.exists()


def test_answers_are_kept_when_the_form_is_shown_again(visitor: Client, contact_form: Form) -> None:
    response = submit(visitor, contact_form, answers(email="nope"))
    html = response.content.decode()
    assert 'value="Wayne &amp; Co"' in html
    assert 'value="O&#x27;Brien"' in html


def test_unknown_fields_are_ignored_never_stored(visitor: Client, contact_form: Form) -> None:
    response = submit(visitor, contact_form, answers(is_admin="1", utm_source="mail"))
    assert response.status_code == 200
    assert set(Submission.objects.get().data) == {
        "email",
        "first_name",
        "last_name",
        "company",
        "topics",
        "consent",
    }


def test_a_tampered_single_choice_is_refused(visitor: Client, db: None) -> None:
    form = make_form()
    add_field(form, "select", "Size", required=True, config={"choices": [["s", "S"], ["m", "M"]]})
    response = submit(visitor, form, {"size": "xl"})
    assert response.status_code == 400
    assert response.context["form"].errors["size"] == ["This is not one of the choices."]
    response = submit(visitor, form, {"size": ["s", "m"]})  # two values for one choice
    assert response.status_code == 200
    assert Submission.objects.get().data == {"size": "m"}


def test_a_value_longer_than_the_field_allows_is_refused(visitor: Client, db: None) -> None:
    form = make_form()
    add_field(form, "textarea", "Message", max_length=20)
    response = submit(visitor, form, {"message": "é" * 21})
    assert response.status_code == 400
    assert "at most 20 characters" in response.context["form"].errors["message"][0]


def test_an_oversize_body_is_refused_before_it_is_read(visitor: Client, db: None) -> None:
    form = make_form(max_body_bytes=2048)
    add_field(form, "textarea", "Message", max_length=20000)
    response = submit(visitor, form, {"message": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Submission.objects.exists()


def test_answers_over_the_form_total_are_refused(visitor: Client, db: None) -> None:
    form = make_form(max_body_bytes=1024)
    add_field(form, "textarea", "Message", max_length=20000)
    # Multipart without a Content-Length the form could check up front: the total still counts.
    response = submit(visitor, form, {"message": "y" * 900})
    assert response.status_code in (400, 413)
    assert not Submission.objects.exists()


def test_too_many_fields_in_a_post_is_refused_not_a_crash(
    visitor: Client, contact_form: Form, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    response = submit(visitor, contact_form, {**answers(), **{f"x{i}": "1" for i in range(30)}})
    assert response.status_code == 413
    assert response.context["message"] == (
        "Your answers came with too many fields (at most 20). Reload the page and submit the "
        "form again."
    )
    assert "bytes" not in response.content.decode()
    assert not Submission.objects.exists()


def test_a_garbled_body_is_refused_not_a_crash(visitor: Client, contact_form: Form) -> None:
    response = visitor.post(
        "/f/contact-us/",
        b"--xx\r\nContent-Disposition: form-data; name=\r\n\r\n",
        content_type="multipart/form-data; boundary=xx",
    )
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_an_unpublished_form_is_not_there(visitor: Client, contact_form: Form) -> None:
    token = page_token(visitor, contact_form)
    contact_form.is_published = False
    contact_form.save()
    assert visitor.get("/f/contact-us/").status_code == 404
    response = submit(visitor, contact_form, answers(), token=token)
    assert response.status_code == 404
    assert "not available" in response.content.decode()
    assert "Contact us" not in response.content.decode()
    assert not Submission.objects.exists()


def test_an_unknown_form_is_not_there(visitor: Client, db: None) -> None:
    assert visitor.get("/f/nothing-here/").status_code == 404
    assert visitor.post("/f/nothing-here/", {"email": "a@b.c"}).status_code == 404


def test_a_closed_form_says_so(visitor: Client, contact_form: Form) -> None:
    token = page_token(visitor, contact_form)
    contact_form.closes_at = timezone.now() - timedelta(minutes=1)
    contact_form.save()
    response = submit(visitor, contact_form, answers(), token=token)
    assert response.status_code == 410
    assert "This form is closed." in response.content.decode()
    assert visitor.get("/f/contact-us/").status_code == 410
    assert not Submission.objects.exists()


def test_the_same_post_twice_is_stored_once(visitor: Client, contact_form: Form) -> None:
    token = page_token(visitor, contact_form)
    first = submit(visitor, contact_form, answers(), token=token)
    second = submit(visitor, contact_form, answers(), token=token)
    assert first.status_code == second.status_code == 200
    assert Submission.objects.count() == 1
    assert Activity.objects.filter(kind="form_submitted").count() == 1


def test_the_same_page_with_changed_answers_is_a_new_submission(
    visitor: Client, contact_form: Form
) -> None:
    token = page_token(visitor, contact_form)
    submit(visitor, contact_form, answers(), token=token)
    submit(visitor, contact_form, answers(company="Stark"), token=token)
    assert Submission.objects.count() == 2


def test_a_second_visit_is_a_new_submission_for_the_same_contact(
    visitor: Client, contact_form: Form
) -> None:
    submit(visitor, contact_form, answers())
    submit(visitor, contact_form, answers())
    assert Submission.objects.count() == 2
    assert Contact.objects.count() == 1


def test_the_honeypot_looks_like_success_but_stores_nothing(
    visitor: Client, contact_form: Form
) -> None:
    response = submit(visitor, contact_form, {**answers(), HONEYPOT_FIELD: "http://spam"})
    assert response.status_code == 200
    assert "We have received your answers" in response.content.decode()
    assert not Submission.objects.exists()
    # White space is what a browser's autofill may leave: a person, kept.
    response = submit(visitor, contact_form, {**answers(), HONEYPOT_FIELD: " "})
    assert response.status_code == 200 and Submission.objects.count() == 1


def test_a_nul_in_the_headers_is_not_stored(contact_form: Form) -> None:
    visitor = Client(headers={"User-Agent": "bot\x00/1", "Referer": "https://x.example/\x00"})
    assert submit(visitor, contact_form, answers()).status_code == 200
    submission = Submission.objects.get()
    assert (submission.user_agent, submission.referrer) == ("bot/1", "https://x.example/")


def test_the_success_page_follows_the_forms_settings(
    visitor: Client, contact_form: Form, marketer_client: Client
) -> None:
    """Rendered once per version of the form: a change of its settings shows at once."""
    first = submit(visitor, contact_form, answers(email="a@example.com")).content.decode()
    assert "We have received your answers" in first
    settings_page = {
        "name": contact_form.name,
        "slug": contact_form.slug,
        "submit_label": "Send",
        "success_message": "Merci & à bientôt!",
        "max_body_bytes": 65536,
    }
    url = f"/forms/{contact_form.pk}/settings/"
    assert marketer_client.post(url, settings_page).status_code == 302
    again = submit(visitor, contact_form, answers(email="b@example.com")).content.decode()
    assert "Merci &amp; à bientôt!" in again and "We have received" not in again
    embedded = visitor.post(
        "/f/contact-us/?embed=1",
        {**answers(email="c@example.com"), TOKEN_FIELD: page_token(visitor, contact_form)},
    ).content.decode()
    assert "Merci &amp; à bientôt!" in embedded and '<body class="cv-embedded">' in embedded
    assert '<body class="cv-embedded">' not in again


def test_a_choice_sent_twice_is_stored_once(visitor: Client, contact_form: Form) -> None:
    assert (
        submit(visitor, contact_form, answers(topics=["seo", "seo", "ads", "seo"])).status_code
        == 200
    )
    assert Submission.objects.get().data["topics"] == ["seo", "ads"]


@pytest.mark.parametrize("token", ["", "forged", "eyJmIjoxfQ:1abc:xyz"])
def test_a_missing_or_forged_token_asks_to_submit_again(
    visitor: Client, contact_form: Form, token: str
) -> None:
    response = visitor.post("/f/contact-us/", {TOKEN_FIELD: token, **answers()})
    assert response.status_code == 400
    html = response.content.decode()
    assert "could not be checked" in html
    assert 'value="Wayne &amp; Co"' in html  # the answers are kept
    assert not Submission.objects.exists()


def test_a_token_of_another_form_is_refused(visitor: Client, contact_form: Form) -> None:
    other = make_form("other")
    add_field(other, "text", "Name")
    response = submit(visitor, contact_form, answers(), token=page_token(visitor, other))
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_an_expired_page_asks_to_submit_again(
    visitor: Client, contact_form: Form, settings: Any
) -> None:
    settings.FORMS_TOKEN_MAX_AGE = 60
    with mock.patch("time.time", return_value=time.time() - 120):
        token = new_token(contact_form.pk)  # a page opened two minutes ago
    response = submit(visitor, contact_form, answers(), token=token)
    assert response.status_code == 400
    assert "open for a long time" in response.content.decode()
    assert not Submission.objects.exists()


def test_posts_over_the_rate_limit_are_refused(
    visitor: Client, contact_form: Form, settings: Any
) -> None:
    settings.FORMS_RATE_LIMIT = 3
    token = page_token(visitor, contact_form)
    statuses = [
        submit(visitor, contact_form, answers(company=f"C{i}"), token=token).status_code
        for i in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert Submission.objects.count() == 3
    other = Client(REMOTE_ADDR="198.51.100.1")
    assert submit(other, contact_form, answers(), token=token).status_code == 200


def test_behind_a_proxy_each_visitor_has_a_limit_of_their_own(
    contact_form: Form, settings: Any
) -> None:
    """Every post arrives from the proxy: the visitor is the address the proxy appended to
    X-Forwarded-For, never what the visitor wrote further left."""
    settings.FORMS_RATE_LIMIT = 2
    settings.FORMS_CLIENT_IP_HEADER = "X-Forwarded-For"

    def post_as(forwarded_for: str, number: int) -> int:
        client = Client(REMOTE_ADDR="10.0.0.2", headers={"X-Forwarded-For": forwarded_for})
        return submit(client, contact_form, answers(company=f"C{number}")).status_code

    assert [post_as("198.51.100.1", n) for n in range(3)] == [200, 200, 429]
    assert post_as("198.51.100.2", 3) == 200  # another visitor behind the same proxy
    assert post_as("203.0.113.9, 198.51.100.1", 4) == 429  # a forged left part changes nothing
    ips = set(Submission.objects.values_list("ip_address", flat=True))
    assert ips == {"198.51.100.1", "198.51.100.2"}

    settings.FORMS_PROXY_HOPS = 2  # a CDN, then our own proxy
    assert post_as("198.51.100.3, 10.9.9.9", 5) == 200
    assert Submission.objects.filter(ip_address="198.51.100.3").count() == 1


def test_one_ipv6_network_shares_a_limit_whatever_address_it_posts_from(
    contact_form: Form, settings: Any
) -> None:
    settings.FORMS_RATE_LIMIT = 2
    statuses = [
        submit(
            Client(REMOTE_ADDR=f"2001:db8:1:2::{number:x}"),
            contact_form,
            answers(company=f"C{number}"),
        ).status_code
        for number in range(1, 4)
    ]
    assert statuses == [200, 200, 429]
    other_network = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert submit(other_network, contact_form, answers(company="X")).status_code == 200


def test_emoji_accents_apostrophes_and_ampersands_are_stored_exactly_and_escaped_once(
    visitor: Client, contact_form: Form, marketer_client: Client
) -> None:
    name = "Zoë 🎉 d'Arc & <b>Co</b>"
    submit(visitor, contact_form, answers(first_name=name, company="Ünïcødé & Söhne"))
    submission = Submission.objects.get()
    assert submission.data["first_name"] == name
    assert Contact.objects.get().first_name == name
    url = f"/forms/{contact_form.pk}/submissions/{submission.pk}/"
    html = marketer_client.get(url).content.decode()
    assert "Zoë 🎉 d&#x27;Arc &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "&amp;amp;" not in html and "&amp;#x27;" not in html and "<b>Co</b>" not in html


def test_hidden_fields_take_their_value_from_the_address(visitor: Client, db: None) -> None:
    form = make_form()
    add_field(form, "email", "Email", required=True, contact_field="email")
    add_field(form, "hidden", "Campaign", default_value="direct")
    html = visitor.get("/f/sign-up/?campaign=spring%20%26%20sale").content.decode()
    assert 'value="spring &amp; sale"' in html
    submit(visitor, form, {"email": "a@example.com", "campaign": "spring & sale"})
    assert Submission.objects.get().data["campaign"] == "spring & sale"


def test_numbers_and_dates_are_checked_and_stored_plainly(visitor: Client, db: None) -> None:
    form = make_form()
    add_field(form, "number", "Seats", config={"min_value": "1", "max_value": "10", "whole": True})
    add_field(form, "date", "Day")
    assert submit(visitor, form, {"seats": "11", "day": "2027-01-12"}).status_code == 400
    assert submit(visitor, form, {"seats": "2.5", "day": "2027-01-12"}).status_code == 400
    assert submit(visitor, form, {"seats": "3", "day": "12/01/2027"}).status_code == 400
    assert submit(visitor, form, {"seats": "3", "day": "2027-01-12"}).status_code == 200
    assert Submission.objects.get().data == {"seats": "3", "day": "2027-01-12"}


def test_a_contact_value_the_contact_cannot_take_is_a_field_error(
    visitor: Client, db: None
) -> None:
    form = make_form()
    add_field(form, "email", "Email", required=True, contact_field="email")
    add_field(form, "text", "Zone", contact_field="time_zone")
    response = submit(visitor, form, {"email": "a@example.com", "zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "zone" in response.context["form"].errors
    assert not Submission.objects.exists()


def test_a_form_without_an_email_field_stores_submissions_without_a_contact(
    visitor: Client, db: None
) -> None:
    form = make_form()
    add_field(form, "textarea", "Feedback", required=True)
    assert submit(visitor, form, {"feedback": "Great"}).status_code == 200
    assert Submission.objects.get().contact is None
    assert not Contact.objects.exists()


def test_the_redirect_address_is_followed_after_success(
    visitor: Client, contact_form: Form
) -> None:
    contact_form.redirect_url = "https://www.example.com/thanks"
    contact_form.save()
    response = submit(visitor, contact_form, answers())
    assert response.status_code == 302
    assert response["Location"] == "https://www.example.com/thanks"


def test_framing_is_allowed_only_when_the_form_allows_it(
    visitor: Client, contact_form: Form
) -> None:
    assert visitor.get("/f/contact-us/?embed=1")["X-Frame-Options"] == "DENY"
    contact_form.allow_embedding = True
    contact_form.save()
    embedded = visitor.get("/f/contact-us/?embed=1")
    assert "X-Frame-Options" not in embedded
    assert embedded["Content-Security-Policy"] == "frame-ancestors *"
    assert visitor.get("/f/contact-us/")["X-Frame-Options"] == "DENY"  # not in embed mode
    contact_form.embed_origins = "https://www.example.com"
    contact_form.save()
    limited = visitor.get("/f/contact-us/?embed=1")
    assert limited["Content-Security-Policy"] == "frame-ancestors 'self' https://www.example.com"


def test_an_embedded_submission_works_without_any_cookie(contact_form: Form) -> None:
    contact_form.allow_embedding = True
    contact_form.save()
    browser = Client(enforce_csrf_checks=True)
    token = page_token(browser, contact_form, "?embed=1")
    browser.cookies.clear()  # a third-party iframe may not send cookies back
    response = submit(browser, contact_form, answers(), token=token, query="?embed=1")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert Submission.objects.get().embedded is True


def test_a_signed_in_marketer_can_fill_in_the_form_too(
    marketer_client: Client, contact_form: Form
) -> None:
    assert submit(marketer_client, contact_form, answers()).status_code == 200


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(visitor: Client, contact_form: Form, method: str) -> None:
    assert getattr(visitor, method)("/f/contact-us/").status_code == 405


def test_a_hidden_value_that_does_not_fit_is_left_out_not_a_refusal(
    visitor: Client, db: None
) -> None:
    """The visitor can neither see nor mend a hidden value (it came with the link): refusing
    it made the form impossible to send, and the lead was lost."""
    form = person_fields(make_form())
    add_field(form, "hidden", "Campaign", max_length=5)
    add_field(form, "hidden", "Zone", key="zone", contact_field="time_zone")
    add_field(form, "hidden", "Phone", key="phone", contact_field="phone")
    values = {
        **answers(),
        "campaign": "far too long",
        "zone": "Mars/Base",
        "phone": "1" * 60,
    }
    response = submit(visitor, form, values)
    assert response.status_code == 200
    submission = Submission.objects.get()
    assert [submission.data[key] for key in ("campaign", "zone", "phone")] == ["", "", ""]
    contact = Contact.objects.get()
    assert (contact.email, contact.time_zone, contact.phone) == ("zoe@example.com", "", "")

    Submission.objects.all().delete()
    values = {**values, "campaign": "ok", "zone": "Europe/Paris", "phone": "+33 1 23"}
    assert submit(visitor, form, {**values, "email": "ann@example.com"}).status_code == 200
    assert [Submission.objects.get().data[key] for key in ("campaign", "zone", "phone")] == [
        "ok",
        "Europe/Paris",
        "+33 1 23",
    ]


def test_invisible_and_control_characters_in_text_answers(visitor: Client, db: None) -> None:
    form = person_fields(make_form())
    add_field(form, "textarea", "Message", key="message")
    zero_width = "\u200b\u200d\ufeff"
    # An answer of only invisible characters is no answer: a required name stays required.
    response = submit(visitor, form, answers(last_name=zero_width))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    # A line break in a name would forge a line in the notification.
    response = submit(visitor, form, answers(first_name="Eve\r\nBcc: x@example.com"))
    assert response.status_code == 400
    assert "Write this on one line, without control characters." in response.content.decode()
    response = submit(visitor, form, {**answers(), "message": "beep\x07"})
    assert "Remove the control characters from this text." in response.content.decode()
    assert not Submission.objects.exists()
    # Trimmed at the ends only: a joined emoji (ZWJ inside) and line breaks in a paragraph stay.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    values = {**answers(first_name=f"\u200b{family} Zoë\u200b"), "message": "Hi,\r\nthere\tyou"}
    assert submit(visitor, form, values).status_code == 200
    data = Submission.objects.get().data
    assert (data["first_name"], data["message"]) == (f"{family} Zoë", "Hi,\r\nthere\tyou")


def test_errors_are_marked_for_assistive_technology(visitor: Client, contact_form: Form) -> None:
    html = submit(visitor, contact_form, answers(email="nope")).content.decode()
    assert 'aria-invalid="true"' in html and "is-invalid" in html
    assert '<label class="form-label" for="id_email">Email' in html
    assert '<legend class="form-label fs-6 mb-1">Topics</legend>' in html


@pytest.mark.parametrize("charset", ["iso-8859-1", "windows-1252", "utf-16"])
def test_a_urlencoded_post_in_another_charset_is_refused_on_the_forms_page(
    contact_form: Form, charset: str
) -> None:
    visitor = Client(REMOTE_ADDR="203.0.113.7", raise_request_exception=True)
    token = page_token(visitor, contact_form)
    response = visitor.post(
        "/f/contact-us/",
        f"{TOKEN_FIELD}={token}&email=zoe%40example.com&first_name=Zo%E9",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert response.context["message"] == (
        "Your answers did not arrive in one piece. Please submit again."
    )
    assert response.context["definition"] == contact_form
    assert not Submission.objects.exists()


def test_answers_with_lone_surrogates_are_refused_not_a_crash(contact_form: Form) -> None:
    """Read in UTF-7 (which config/charset.py keeps servers from), "+2AA-" is a lone
    surrogate that cannot be stored or shown again."""
    visitor = Client(REMOTE_ADDR="203.0.113.7", raise_request_exception=True)
    token = page_token(visitor, contact_form)
    values = {**answers(first_name="+2AA-"), TOKEN_FIELD: token}
    body = multipart_body(values)
    response = visitor.post(
        "/f/contact-us/",
        body,
        content_type="multipart/form-data; boundary=XyZ",
        # Declared here, or the test client would encode the body in UTF-7 first.
        CONTENT_TYPE="multipart/form-data; boundary=XyZ; charset=utf-7",
    )
    assert response.status_code == 400
    assert response.context["message"] == (
        "Your answers did not arrive in one piece. Please submit again."
    )
    assert not Submission.objects.exists()


def test_a_hidden_value_with_a_lone_surrogate_is_left_out_of_the_page() -> None:
    form = make_form()
    add_field(form, "hidden", "Campaign", key="campaign")
    visitor = Client(raise_request_exception=True)
    response = visitor.get("/f/sign-up/?campaign=%2B2AA-", CONTENT_TYPE="text/plain; charset=utf-7")
    assert response.status_code == 200
    [hidden] = re.findall(r'<input type="hidden" name="campaign"[^>]*>', response.content.decode())
    assert "value=" not in hidden
    good = visitor.get("/f/sign-up/?campaign=spring%20%26%20more").content.decode()
    [hidden] = re.findall(r'<input type="hidden" name="campaign"[^>]*>', good)
    assert 'value="spring &amp; more"' in hidden


def test_an_address_with_too_many_parameters_gets_the_forms_own_page(
    contact_form: Form, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    query = "&".join(f"x{i}=1" for i in range(30))
    visitor = Client(raise_request_exception=True)
    response = visitor.get(f"/f/contact-us/?embed=1&{query}")
    assert response.status_code == 413
    assert response.context["definition"] == contact_form
    assert "too many fields (at most 20)" in response.context["message"]
    unpublished = make_form("draft", published=False)
    assert visitor.get(f"/f/{unpublished.slug}/?{query}").status_code == 404  # not said exists


@pytest.mark.parametrize("length", ["abc", "-1", "1e3"])
def test_an_unreadable_content_length_is_a_bad_request(contact_form: Form, length: str) -> None:
    visitor = Client(REMOTE_ADDR="203.0.113.7", raise_request_exception=True)
    token = page_token(visitor, contact_form)
    response = visitor.post(
        "/f/contact-us/",
        f"{TOKEN_FIELD}={token}&email=zoe%40example.com",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=length,
    )
    assert response.status_code == 400
    assert response.context["message"] == (
        "Your answers did not arrive in one piece. Please submit again."
    )
    assert not Submission.objects.exists()


def test_a_rate_limited_post_says_when_to_try_again(
    visitor: Client, contact_form: Form, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FORMS_RATE_LIMIT = 1
    settings.FORMS_RATE_LIMIT_PERIOD = 600
    token = page_token(visitor, contact_form)
    # 523.4 s into a 600-second window: the next window opens in 76.6 s.
    now = (int(time.time()) // 600) * 600 + 523.4
    monkeypatch.setattr(time, "time", lambda: now)
    assert submit(visitor, contact_form, answers(), token=token).status_code == 200
    refused = submit(visitor, contact_form, answers(company="X"), token=token)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "77"
    assert "Too many submissions from your network" in refused.content.decode()


def test_a_rate_limited_post_shows_the_form_again_with_the_answers(
    visitor: Client, contact_form: Form, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FORMS_RATE_LIMIT = 1
    settings.FORMS_RATE_LIMIT_PERIOD = 600
    now = (int(time.time()) // 600) * 600 + 400.0  # 200 s before the next window
    monkeypatch.setattr(time, "time", lambda: now)
    token = page_token(visitor, contact_form)
    assert submit(visitor, contact_form, answers(), token=token).status_code == 200
    refused = submit(
        visitor,
        contact_form,
        answers(email="ann@example.com", first_name="Ann", company="Wayne & Co", topics=["ads"]),
        token=token,
    )
    assert refused.status_code == 429
    assert refused["Retry-After"] == "200"
    html = refused.content.decode()
    assert (
        '<div class="alert alert-warning" role="alert">Too many submissions from your network. '
        "Wait about 4 minutes and try again. Your answers are kept below.</div>"
    ) in html
    assert 'id="public-form"' in html and token_from(html) != token  # a fresh page token
    for name, value in (("email", "ann@example.com"), ("first_name", "Ann")):
        assert re.search(rf'name="{name}" value="{re.escape(value)}"', html), name
    assert 'name="company" value="Wayne &amp; Co"' in html
    assert re.search(r'name="topics" value="ads"[^>]*checked', html)
    assert not re.search(r'name="topics" value="seo"[^>]*checked', html)
    assert re.search(r'name="consent"[^>]*checked', html)
    assert "is-invalid" not in html and "This field is required" not in html
    assert Submission.objects.count() == 1


def test_a_rate_limited_post_too_large_to_read_gets_the_bare_message(
    visitor: Client, contact_form: Form, settings: Any
) -> None:
    settings.FORMS_RATE_LIMIT = 1
    token = page_token(visitor, contact_form)
    assert submit(visitor, contact_form, answers(), token=token).status_code == 200
    huge = answers(company="x" * (contact_form.max_body_bytes + 10))
    refused = submit(visitor, contact_form, huge, token=token)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    html = refused.content.decode()
    assert "Too many submissions from your network." in html and 'id="public-form"' not in html


def test_the_page_reads_its_form_without_order_or_limit(
    visitor: Client, contact_form: Form
) -> None:
    """The slug is unique: a plain get(), not filter().first() (ORDER BY on the hot path)."""
    with CaptureQueriesContext(connection) as queries:
        assert visitor.get(f"/f/{contact_form.slug}/").status_code == 200
    [read] = [q["sql"] for q in queries if 'FROM "forms_builder_form"' in q["sql"]]
    assert "ORDER BY" not in read and '"forms_builder_form"."slug" = ' in read
    assert visitor.get("/f/no-such-form/").status_code == 404


def test_the_fields_are_read_once_while_the_form_is_unchanged(
    visitor: Client, marketer_client: Client, django_assert_num_queries: Any
) -> None:
    form = make_form()
    a, b = add_field(form, "text", "Alpha"), add_field(form, "text", "Beta")
    assert "Alpha" in visitor.get("/f/sign-up/").content.decode()
    with django_assert_num_queries(1):  # the form only: its fields were kept
        page = visitor.get("/f/sign-up/").content.decode()
    assert page.index("Alpha") < page.index("Beta")

    # Each builder change moves the form's updated_at: every process reads the fields again.
    marketer_client.post(f"/forms/{form.pk}/fields/order/", {"order": [b.pk, a.pk]})
    page = visitor.get("/f/sign-up/").content.decode()
    assert page.index("Beta") < page.index("Alpha")
    edit = {"label": "Gamma", "help_text": "", "placeholder": "", "contact_field": ""}
    assert marketer_client.post(f"/forms/{form.pk}/fields/{a.pk}/", edit).status_code == 302
    page = visitor.get("/f/sign-up/").content.decode()
    assert "Gamma" in page and "Alpha" not in page
    marketer_client.post(f"/forms/{form.pk}/fields/{b.pk}/delete/")
    page = visitor.get("/f/sign-up/").content.decode()
    assert "Beta" not in page and 'name="beta"' not in page
