"""The "Registration problems" page: form registrations GoTo has not made (yet), with Retry.

For marketers (any signed-in user). Mounted by one line in gotoplugins/urls.py:
path("registrations/", include("gotoplugins.registration_views")).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from forms_builder.models import Submission
from gotoplugins import registrations
from gotoplugins.models import RegistrationRequest

RETRY_ALL_LIMIT = 100


class RegistrationProblemsView(ListView):
    template_name = "gotoplugins/registration_problems.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[RegistrationRequest]:
        return (
            registrations.problems()
            .select_related("event", "contact")
            .order_by("-updated_at", "-id")
        )

    def paginate_queryset(self, queryset: Any, page_size: int) -> tuple[Any, Any, Any, bool]:
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = list(context["requests"])
        ids = {row.submission_id for row in rows if row.submission_id}
        forms = {
            pk: SubmissionForm(form_id, name)
            for pk, form_id, name in Submission.objects.filter(pk__in=ids).values_list(
                "pk", "form_id", "form__name"
            )
        }
        context["rows"] = [(row, forms.get(row.submission_id)) for row in rows]
        return context


@dataclass(frozen=True)
class SubmissionForm:
    """The form a request's submission came from (the submission may have been deleted)."""

    id: int
    name: str


def retryable() -> QuerySet[RegistrationRequest]:
    """What "Retry all" starts over: the problems not being processed right now."""
    return registrations.problems().exclude(status=RegistrationRequest.Status.PROCESSING)


class RetryView(View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not registrations.retry(pk):
            messages.info(request, "This registration is already done or being made.")
            return redirect("gotoplugins:registration-problems")
        tried = RegistrationRequest.objects.select_related("contact", "event").filter(pk=pk)
        for row in tried:  # none if its contact was deleted meanwhile
            messages.add_message(request, *how_the_retry_went(row))
        return redirect("gotoplugins:registration-problems")


def how_the_retry_went(tried: RegistrationRequest) -> tuple[int, str]:
    """Without a broker the try has run by now; with one, a worker makes it shortly."""
    Status = RegistrationRequest.Status
    if tried.status == Status.DONE:
        return messages.SUCCESS, f"Registered: {tried.contact} for “{tried.event}”."
    if tried.status == Status.FAILED:
        return messages.ERROR, f"Tried again, and it failed: {tried.last_error}"
    if tried.attempts and tried.next_attempt_at > timezone.now():
        return (
            messages.WARNING,
            f"Tried again, not registered yet: {tried.last_error} It is tried again later.",
        )
    return messages.SUCCESS, "Queued: the registration is being tried again."


class RetryAllView(View):
    """GET: a page to confirm (works without JavaScript); POST: start them over."""

    def get(self, request: HttpRequest) -> HttpResponse:
        count = retryable().count()
        context = {"count": count, "shown": min(count, RETRY_ALL_LIMIT), "limit": RETRY_ALL_LIMIT}
        return render(request, "gotoplugins/registration_retry_all.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = list(
            retryable().order_by("next_attempt_at").values_list("pk", flat=True)[:RETRY_ALL_LIMIT]
        )
        count = sum(1 for pk in ids if registrations.retry(pk))
        messages.success(request, f"Trying {count} registration(s) again.")
        return redirect("gotoplugins:registration-problems")


urlpatterns = [
    path("", RegistrationProblemsView.as_view(), name="registration-problems"),
    path("<int:pk>/retry/", RetryView.as_view(), name="registration-retry"),
    path("retry-all/", RetryAllView.as_view(), name="registration-retry-all"),
]
