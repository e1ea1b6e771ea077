"""The public form at /f/<slug>/ (and ?embed=1 inside an iframe on another site).

No sign-in, no CSRF cookie, no session: see forms_builder/protection.py for why that is safe
and what protects the form instead. Every refusal is a page that says what happened, with a
4xx status; nothing a visitor sends produces a 500.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from forms_builder import deferred, protection, services
from forms_builder.fields import HiddenType, get_field_type, now_context
from forms_builder.models import Form
from forms_builder.public_form import PublicForm, public_fields

logger = logging.getLogger(__name__)

NOT_IN_ONE_PIECE = "Your answers did not arrive in one piece. Please submit again."
# (form id, its updated_at, embedded) -> the rendered success page: see _success().
_success_pages: dict[tuple[int, datetime, bool], str] = {}
MAX_SUCCESS_PAGES = 1000


@login_not_required
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def public_form(request: HttpRequest, slug: str) -> HttpResponseBase:
    try:
        form: Form | None = Form.objects.get(slug=slug)  # unique: no ORDER BY, no LIMIT
    except Form.DoesNotExist:
        form = None
    try:
        embedded, address_read = request.GET.get("embed") == "1", True
    except TooManyFieldsSent:  # in the address: said on the form's own page, not Django's
        embedded, address_read = False, False
    if form is None or not form.is_published:
        return unavailable(request, form, embedded, "This form is not available.", status=404)
    if not address_read:
        return too_many_fields(request, form, embedded)
    if form.is_closed:
        return unavailable(request, form, embedded, "This form is closed.", status=410)
    if request.method == "POST":
        response = _post(request, form, embedded)
    else:
        response = _page(request, form, embedded, _blank_form(request, form))
    return allow_framing(response, form, embedded)


def _blank_form(request: HttpRequest, form: Form) -> PublicForm:
    fields = public_fields(form)
    # Hidden fields take ?<key>=… from the address (campaign codes and the like).
    initial = {
        field.key: request.GET[field.key][:1000]
        for field in fields
        if isinstance(get_field_type(field.field_type), HiddenType)
        and field.key in request.GET
        and is_text([request.GET[field.key]])
    }
    return PublicForm(form, fields, now_context(), initial=initial)


def _post(request: HttpRequest, form: Form, embedded: bool) -> HttpResponseBase:
    ip = protection.client_ip(request)
    if protection.over_rate_limit(ip):
        return _rate_limited(request, form, embedded)
    length = _content_length(request)
    if length is None:
        logger.info("Form %s: unreadable Content-Length from %s", form.pk, ip)
        return unavailable(request, form, embedded, NOT_IN_ONE_PIECE, status=400)
    if length > form.max_body_bytes:
        return too_large(request, form, embedded)
    try:
        data = request.POST
    except RequestDataTooBig:
        return too_large(request, form, embedded)
    except (TooManyFieldsSent, TooManyFilesSent):
        return too_many_fields(request, form, embedded)
    except (UnreadablePostError, MultiPartParserError, BadRequest, SuspiciousOperation) as error:
        # BadRequest: e.g. a urlencoded body declared in a charset other than UTF-8.
        logger.info("Form %s: unreadable post from %s (%s)", form.pk, ip, type(error).__name__)
        return unavailable(request, form, embedded, NOT_IN_ONE_PIECE, status=400)
    if not posted_text(data):
        logger.info("Form %s: answers from %s are not text (lone surrogates)", form.pk, ip)
        return unavailable(request, form, embedded, NOT_IN_ONE_PIECE, status=400)
    if data.get(protection.HONEYPOT_FIELD, "").strip():  # white space: autofill, not a bot
        logger.info("Form %s: honeypot filled in from %s; not stored", form.pk, ip)
        return _success(request, form, embedded)
    public_form = PublicForm(form, public_fields(form), now_context(), data=data)
    try:
        token = protection.check_token(data.get(protection.TOKEN_FIELD, ""), form.pk)
    except protection.BadToken as bad:
        public_form.is_valid()
        return _page(request, form, embedded, public_form, notice=bad.message, status=400)
    if not public_form.is_valid():
        return _page(request, form, embedded, public_form, status=400)
    visit = services.Visit(
        ip_address=ip,
        # No NUL: PostgreSQL's text cannot hold one (gunicorn refuses them; runserver does not).
        user_agent=request.headers.get("User-Agent", "").replace("\x00", ""),
        referrer=request.headers.get("Referer", "").replace("\x00", ""),
        embedded=embedded,
    )
    with deferred.collect() as jobs:
        services.submit(form, public_form, token, visit)
    return deferred.run_after(_success(request, form, embedded), jobs)


def _rate_limited(request: HttpRequest, form: Form, embedded: bool) -> HttpResponseBase:
    """429 with Retry-After: the form again with the answers as sent (neither checked nor
    stored) and the message on top, so nothing typed is lost; the bare message when the post
    cannot be read within the form's limits."""
    seconds = _seconds_until_next_window()
    minutes = max(1, math.ceil(seconds / 60))
    wait = f"about {minutes} minute{'s' if minutes != 1 else ''}"
    message = f"Too many submissions from your network. Wait {wait} and try again."
    data = _readable_post(request, form)
    response: HttpResponseBase
    if data is None:
        response = unavailable(request, form, embedded, message, status=429)
    else:
        kept = _answers_kept(form, data)
        notice = f"{message} Your answers are kept below."
        response = _page(request, form, embedded, kept, notice=notice, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _readable_post(request: HttpRequest, form: Form) -> QueryDict | None:
    """The posted data, or None when it is too large or cannot be read."""
    length = _content_length(request)
    if length is None or length > form.max_body_bytes:
        return None
    try:
        data = request.POST
    except (
        RequestDataTooBig,
        TooManyFieldsSent,
        TooManyFilesSent,
        UnreadablePostError,
        MultiPartParserError,
        BadRequest,
        SuspiciousOperation,
    ):
        return None
    return data if posted_text(data) else None


def _answers_kept(form: Form, data: QueryDict) -> PublicForm:
    """An unbound form showing the posted values: no error messages about answers that were
    never checked, only the rate limit's message."""
    public_form = PublicForm(form, public_fields(form), now_context())
    public_form.initial = {
        name: field.widget.value_from_datadict(data, {}, name)
        for name, field in public_form.fields.items()
    }
    return public_form


def _content_length(request: HttpRequest) -> int | None:
    """The declared body size (0 when none is declared); None when it is not a size at all,
    which Django itself would stumble over when reading the body."""
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except (TypeError, ValueError):
        return None
    return length if length >= 0 else None


def _seconds_until_next_window() -> int:
    """When the rate limit's current window ends (protection.over_rate_limit counts per
    window of FORMS_RATE_LIMIT_PERIOD seconds), in whole seconds, at least 1."""
    _, period = protection.rate_limit()
    return max(1, math.ceil(period - time.time() % period))


def _page(
    request: HttpRequest,
    form: Form,
    embedded: bool,
    public_form: PublicForm,
    *,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "definition": form,
        "form": public_form,
        "token": protection.new_token(form.pk),
        "token_field": protection.TOKEN_FIELD,
        "honeypot_field": protection.HONEYPOT_FIELD,
        "embedded": embedded,
        "notice": notice,
    }
    return render(request, "forms_builder/public/form.html", context, status=status)


def _success(request: HttpRequest, form: Form, embedded: bool) -> HttpResponseBase:
    """The success page (or the form's redirect). It is the same for every visitor, so each
    process renders it once per version of the form (its updated_at) and embedding."""
    if form.redirect_url and not embedded:
        return redirect(form.redirect_url)
    key = (form.pk, form.updated_at, embedded)
    page = _success_pages.get(key)
    if page is None:
        if len(_success_pages) >= MAX_SUCCESS_PAGES:
            _success_pages.clear()
        context = {"definition": form, "embedded": embedded}
        page = render_to_string("forms_builder/public/success.html", context, request)
        _success_pages[key] = page
    return HttpResponse(page)


def forget_success_pages() -> None:
    _success_pages.clear()


def is_text(values: Iterable[str]) -> bool:
    """Whether every value can be written out as UTF-8: no lone surrogates, which a request
    read in an unsound charset could bring (config/charset.py keeps servers from that)."""
    try:
        for value in values:
            value.encode()
    except UnicodeEncodeError:
        return False
    return True


def posted_text(data: QueryDict) -> bool:
    return is_text(name for key, values in data.lists() for name in (key, *values))


def too_large(request: HttpRequest, form: Form, embedded: bool) -> HttpResponseBase:
    message = (
        f"Your answers are too large to send (at most {form.max_body_bytes:,} bytes). "
        "Shorten them and try again."
    )
    return unavailable(request, form, embedded, message, status=413)


def too_many_fields(request: HttpRequest, form: Form, embedded: bool) -> HttpResponseBase:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    most = f" (at most {limit:,})" if limit else ""
    message = (
        f"Your answers came with too many fields{most}. Reload the page and submit the form again."
    )
    return unavailable(request, form, embedded, message, status=413)


def unavailable(
    request: HttpRequest, form: Form | None, embedded: bool, message: str, *, status: int
) -> HttpResponseBase:
    shown = form if form is not None and form.is_published else None  # never an unpublished name
    context = {"definition": shown, "message": message, "embedded": embedded}
    response = render(request, "forms_builder/public/unavailable.html", context, status=status)
    return allow_framing(response, form, embedded) if form is not None else response


def allow_framing(
    response: HttpResponseBase, form: Form | None, embedded: bool
) -> HttpResponseBase:
    """Let other sites frame the page only when the form allows it (and only those listed)."""
    if form is None or not (embedded and form.allow_embedding):
        return response
    response.xframe_options_exempt = True  # type: ignore[attr-defined]
    sources = " ".join(["'self'", *form.origins]) if form.origins else "*"
    response["Content-Security-Policy"] = f"frame-ancestors {sources}"
    return response
