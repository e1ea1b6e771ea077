from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import DeleteView, DetailView, ListView, View

from contacts.models import Contact
from segments import describe, filters, services
from segments.forms import AddMemberForm, AddToSegmentForm, SegmentForm, parse_filters
from segments.models import MembershipChange, Segment, SegmentExclusion, SegmentMembership

MEMBER_COLUMNS = (
    "id",
    "source",
    "added_at",
    "contact__id",
    "contact__email",
    "contact__first_name",
    "contact__last_name",
    "contact__company",
    "contact__country",
)


def with_member_counts(segments: QuerySet[Segment]) -> QuerySet[Segment]:
    counts = (
        SegmentMembership.objects.filter(segment=OuterRef("pk"))
        .order_by()
        .values("segment")
        .annotate(count=Count("*"))
        .values("count")
    )
    return segments.annotate(
        member_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
    )


class SegmentListView(ListView):
    template_name = "segments/segment_list.html"
    context_object_name = "segments"
    paginate_by = 50

    def paginate_queryset(self, queryset: Any, page_size: int) -> tuple[Any, Any, Any, bool]:
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_queryset(self) -> QuerySet[Segment]:
        return with_member_counts(Segment.objects.order_by("name", "id"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        labels: dict[str, dict[str, str]] = {}
        context["rows"] = [
            (segment, describe.summarise(segment.filters, labels))
            for segment in context["segments"]
        ]
        return context


class SegmentFormView(View):
    """Create (no pk) or edit a segment in the builder."""

    def get_segment(self) -> Segment | None:
        pk = self.kwargs.get("pk")
        return get_object_or_404(Segment, pk=pk) if pk is not None else None

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        segment = self.get_segment()
        form = SegmentForm.for_segment(segment) if segment else SegmentForm()
        return self.render(form, segment)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        segment = self.get_segment()
        form = SegmentForm(request.POST)
        if not form.is_valid():
            return self.render(form, segment)
        data = form.cleaned_data
        values = {
            "name": data["name"],
            "description": data["description"],
            "published": data["published"],
            "filters": data["filters"],
        }
        try:
            if segment is None:
                segment = services.create_segment(**values, by=request.user)  # type: ignore[arg-type]
                messages.success(request, f"Segment “{segment}” created.")
            else:
                services.update_segment(segment, **values)
                messages.success(request, f"Segment “{segment}” saved.")
        except filters.FilterError as error:  # the catalogue changed since the form was checked
            form.filter_problems = error.problems
            form.add_error(None, [str(problem) for problem in error.problems])
            return self.render(form, segment)
        return redirect("segments:detail", segment.pk)

    def render(self, form: SegmentForm, segment: Segment | None, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "segment": segment,
            "registry": describe.describe(),
            "problems": [problem.as_dict() for problem in form.filter_problems],
        }
        return render(self.request, "segments/segment_form.html", context, status=status)


@require_POST
def preview(request: HttpRequest) -> JsonResponse:
    """The builder's live count: {"count": n}, or {"errors": [...]} with status 400."""
    try:
        payload = parse_filters(request.body.decode("utf-8", errors="replace"))
        data = payload.get("filters") if isinstance(payload, dict) else None
        count = services.preview_count(data)
    except filters.FilterError as error:
        problems = [problem.as_dict() for problem in error.problems]
        return JsonResponse({"errors": problems}, status=400)
    return JsonResponse({"count": count})


class SegmentDetailView(DetailView):
    """The segment's members, a page at a time, and what changed recently."""

    model = Segment
    template_name = "segments/segment_detail.html"
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        segment = self.object
        members = (
            SegmentMembership.objects.filter(segment=segment)
            .select_related("contact")
            .only(*MEMBER_COLUMNS)
            .order_by("-added_at", "-id")
        )
        page = Paginator(members, self.page_size).get_page(self.request.GET.get("page"))
        excluded = (
            SegmentExclusion.objects.filter(segment=segment)
            .select_related("contact")
            .only("id", "excluded_at", "contact__id", "contact__email")
            .order_by("-excluded_at", "-id")
        )
        changes = (
            MembershipChange.objects.filter(segment=segment)
            .select_related("contact", "changed_by")
            .only(
                "id",
                "change",
                "cause",
                "changed_at",
                "contact__id",
                "contact__email",
                "changed_by__id",
                "changed_by__username",
            )
            .order_by("-changed_at", "-id")
        )
        context.update(
            page_obj=page,
            members=page.object_list,
            excluded=list(excluded[:20]),
            changes=list(changes[:10]),
            summary=describe.summarise(segment.filters),
            add_form=AddMemberForm(),
        )
        return context


class SegmentDeleteView(DeleteView):
    model = Segment
    template_name = "segments/segment_confirm_delete.html"

    def form_valid(self, form: Any) -> HttpResponse:
        segment = self.get_object()
        services.delete_segment(segment)
        messages.success(self.request, f"Segment “{segment}” deleted.")
        return redirect("segments:list")


@require_POST
def rebuild_now(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    result = services.rebuild_safely(segment)
    if result.error:
        messages.error(request, result.error)
    else:
        messages.success(
            request, f"Segment rebuilt: {result.added} added, {result.removed} removed."
        )
    return redirect("segments:detail", segment.pk)


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a contact by email from the members page."""
    segment = get_object_or_404(Segment, pk=pk)
    form = AddMemberForm(request.POST)
    contact = None
    if form.is_valid():
        contact = Contact.objects.filter(email=form.cleaned_data["email"]).first()
    if contact is None:
        messages.error(request, "No contact has that email address.")
    else:
        _added(request, segment, contact)
    return _back(request, reverse("segments:detail", args=[segment.pk]))


@require_POST
def contact_add(request: HttpRequest, contact_pk: int) -> HttpResponse:
    """Add a contact to a segment chosen on the contact's page."""
    contact = get_object_or_404(Contact, pk=contact_pk)
    form = AddToSegmentForm(request.POST)
    if form.is_valid():
        _added(request, form.cleaned_data["segment"], contact)
    else:
        messages.error(request, "Choose a segment to add the contact to.")
    return _back(request, reverse("contacts:detail", args=[contact.pk]))


def _added(request: HttpRequest, segment: Segment, contact: Contact) -> None:
    if services.add_by_hand(segment, contact, by=request.user):  # type: ignore[arg-type]
        messages.success(request, f"{contact} added to “{segment}”.")
    else:
        messages.info(request, f"{contact} was already in “{segment}”; now kept there by hand.")


@require_POST
def member_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    services.remove_by_hand(segment, contact, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"{contact} removed from “{segment}” and kept out of it.")
    return _back(request, reverse("segments:detail", args=[segment.pk]))


@require_POST
def member_reset(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Undo a change by hand: the filters decide again for this contact."""
    segment = get_object_or_404(Segment, pk=pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    try:
        member = services.let_filters_decide(segment, contact, by=request.user)  # type: ignore[arg-type]
    except filters.FilterError as error:
        messages.error(request, f"The segment's filters cannot be used: {error}")
    else:
        where = "in" if member else "not in"
        messages.success(request, f"The filters decide again: {contact} is {where} “{segment}”.")
    return _back(request, reverse("segments:detail", args=[segment.pk]))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """To the page the form was on (its `next`), when that is a page of this site."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)
