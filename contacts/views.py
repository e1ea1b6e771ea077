from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.views.generic import CreateView, DeleteView, DetailView, ListView, UpdateView

from contacts import services, timeline
from contacts.forms import ContactForm, ContactSearchForm, TimelineFilterForm
from contacts.models import Activity, Contact
from contacts.search import searchable

LIST_COLUMNS = ("id", "email", "first_name", "last_name", "company", "country", "last_activity_at")


def search_contacts(query: str) -> QuerySet[Contact]:
    """Contacts matching every word of query in their name, email or company (any case)."""
    contacts = Contact.objects.all()
    for term in searchable(query).split():
        contacts = contacts.filter(search_text__contains=term)
    return contacts


class ContactListView(ListView):
    template_name = "contacts/contact_list.html"
    context_object_name = "contacts"

    @cached_property
    def search_form(self) -> ContactSearchForm:
        form = ContactSearchForm(self.request.GET)
        form.is_valid()  # a bad page size falls back to the default; a bad query is shown
        return form

    def paginate_queryset(self, queryset: Any, page_size: int) -> tuple[Any, Any, Any, bool]:
        # A page number past the end (a bookmark, a deleted contact) shows the last page.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_paginate_by(self, queryset: Any) -> int:
        return self.search_form.cleaned_data.get("per_page") or 50

    def get_queryset(self) -> QuerySet[Contact]:
        if "q" in self.search_form.errors:
            return Contact.objects.none()
        query = self.search_form.cleaned_data.get("q") or ""
        return search_contacts(query).only(*LIST_COLUMNS).order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cleaned = self.search_form.cleaned_data
        kept = {name: cleaned[name] for name in ("q", "per_page") if cleaned.get(name)}
        context.update(
            search_form=self.search_form,
            query=cleaned.get("q") or "",
            query_string=urlencode(kept),
        )
        return context


class ContactDetailView(DetailView):
    model = Contact
    template_name = "contacts/contact_detail.html"
    timeline_page_size = 25

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filter_form = TimelineFilterForm(self.request.GET)
        kind = filter_form.cleaned_data.get("kind") if filter_form.is_valid() else ""
        activities = self.object.activities.order_by("-occurred_at", "-id")
        if kind:
            activities = activities.filter(kind=kind)
        page = Paginator(activities, self.timeline_page_size).get_page(self.request.GET.get("page"))
        context.update(
            custom_fields=sorted(self.object.custom_fields.items()),
            filter_form=filter_form,
            page_obj=page,
            entries=[timeline_entry(activity) for activity in page],
            query_string=f"kind={kind}" if kind else "",
        )
        return context


class ContactCreateView(CreateView):
    model = Contact
    form_class = ContactForm
    template_name = "contacts/contact_form.html"

    def form_valid(self, form: ContactForm) -> HttpResponse:
        try:
            contact = form.save_via_services()
        except services.ContactExists:
            # Created by someone else after our duplicate check.
            form.add_error("email", "A contact with this email already exists.")
            return self.form_invalid(form)
        messages.success(self.request, f"Contact {contact} created.")
        return redirect(contact_url(contact))


class ContactUpdateView(UpdateView):
    model = Contact
    form_class = ContactForm
    template_name = "contacts/contact_form.html"

    def form_valid(self, form: ContactForm) -> HttpResponse:
        try:
            contact = form.save_via_services()
        except IntegrityError:
            form.add_error("email", "A contact with this email already exists.")
            return self.form_invalid(form)
        messages.success(self.request, "Contact saved.")
        return redirect(contact_url(contact))


class ContactDeleteView(DeleteView):
    model = Contact
    template_name = "contacts/contact_confirm_delete.html"
    success_url = reverse_lazy("contacts:list")

    def form_valid(self, form: Any) -> HttpResponse:
        contact = self.get_object()
        services.delete_contact(contact)
        messages.success(self.request, f"Contact {contact} deleted.")
        return redirect(self.success_url)


def timeline_entry(
    activity: Activity,
) -> tuple[Activity, timeline.ActivityKind, list[str], list[timeline.Link]]:
    kind = timeline.get_kind(activity.kind)
    return activity, kind, kind.render_details(activity.details), kind.links(activity.details)


def contact_url(contact: Contact) -> str:
    return reverse("contacts:detail", args=[contact.pk])
