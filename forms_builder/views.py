"""The builder, for marketers: forms, their fields and actions, publishing, preview, embed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.views import View
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import CreateView, ListView, TemplateView, UpdateView

from forms_builder import services
from forms_builder.actions import ActionType, action_types, get_action_type
from forms_builder.fields import (
    EMAIL_MAPPING,
    FieldType,
    field_types,
    get_field_type,
    now_context,
)
from forms_builder.forms import FieldEditForm, FormSettingsForm
from forms_builder.models import ActionResult, Field, Form, FormAction
from forms_builder.public_form import PublicForm
from forms_builder.services import DefinitionRefused


class FormListView(ListView):
    template_name = "forms_builder/form_list.html"
    context_object_name = "forms"

    def get_queryset(self) -> QuerySet[Form]:
        failed = ActionResult.objects.filter(
            submission__form=OuterRef("pk"), status=ActionResult.Status.FAILED
        )
        return Form.objects.annotate(
            submission_count=Count("submissions"),
            last_submission_at=Max("submissions__created_at"),
            has_problems=Exists(failed),
        ).order_by("name", "id")


class FormCreateView(CreateView):
    model = Form
    form_class = FormSettingsForm
    template_name = "forms_builder/form_settings.html"

    def form_valid(self, form: FormSettingsForm) -> HttpResponse:
        form.instance.created_by = self.request.user
        created = form.save()
        messages.success(self.request, f"Form “{created}” created. Now add its fields.")
        warn_if_closed(self.request, created)
        return redirect(created.get_absolute_url())


class FormSettingsView(UpdateView):
    model = Form
    form_class = FormSettingsForm
    template_name = "forms_builder/form_settings.html"

    def form_valid(self, form: FormSettingsForm) -> HttpResponse:
        saved = form.save()
        messages.success(self.request, "Settings saved.")
        warn_if_closed(self.request, saved)
        return redirect(saved.get_absolute_url())


def warn_if_closed(request: HttpRequest, form: Form) -> None:
    """A closing date in the past closes the form at once: say so, and how to reopen it."""
    if form.is_closed and form.closes_at is not None:
        local = timezone.localtime(form.closes_at)
        when = f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"
        messages.warning(
            request,
            f"“Accept submissions until” is in the past ({when}): the form is closed and "
            "visitors see “This form is closed”. Clear the date or choose a later one to "
            "reopen it.",
        )


def unique(problems: Sequence[str]) -> list[str]:
    """Each problem once: several actions of one type report the same one."""
    return list(dict.fromkeys(problems))


def refusal(prefix: str, problems: Sequence[str], then: str = "") -> str:
    """One message for a refused change: "prefix: problem", or prefix and a list of them;
    then what to do about it, if said."""
    found = unique(problems)
    if len(found) == 1:
        return f"{prefix}: {found[0]}{f' {then}' if then else ''}"
    items = format_html_join("", "<li>{}</li>", ((problem,) for problem in found))
    return format_html('{}:<ul class="mb-0">{}</ul>{}', prefix, items, then)


class FormMixin:
    """Views under /forms/<pk>/: self.form_def is that form."""

    kwargs: dict[str, Any]
    request: HttpRequest

    @cached_property
    def form_def(self) -> Form:
        return get_object_or_404(Form, pk=self.kwargs["pk"])


def describe_field(field: Field) -> dict[str, Any]:
    field_type = get_field_type(field.field_type)
    return {
        "field": field,
        "type": field_type,
        "mapping": services.contact_field_label(field.contact_field) if field.contact_field else "",
    }


def describe_action(action: FormAction) -> dict[str, Any]:
    action_type = get_action_type(action.action_type)
    summary = action_type.summary(action.config) if action_type else ""
    return {"action": action, "type": action_type, "summary": summary}


def add_moves(rows: list[dict[str, Any]], name: str) -> None:
    """Give each row the whole order after moving it up or down (for no-JS buttons)."""
    ids = [row[name].pk for row in rows]
    for index, row in enumerate(rows):
        row["up"] = _swapped(ids, index, index - 1) if index > 0 else None
        row["down"] = _swapped(ids, index, index + 1) if index < len(ids) - 1 else None


def _swapped(ids: list[int], a: int, b: int) -> list[int]:
    moved = list(ids)
    moved[a], moved[b] = moved[b], moved[a]
    return moved


def embed_snippet(form: Form) -> str:
    url = f"{settings.SITE_URL}{form.public_path()}?embed=1"
    title = form.name.replace("&", "&amp;").replace('"', "&quot;")
    return (
        f'<iframe src="{url}" title="{title}" width="100%" height="640" '
        'style="border:0;max-width:720px" loading="lazy"></iframe>'
    )


def grouped(types: list[Any]) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = {}
    for item in types:
        groups.setdefault(item.group, []).append(item)
    return list(groups.items())


class FormDetailView(FormMixin, TemplateView):
    template_name = "forms_builder/form_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = self.form_def
        available = [t for t in action_types() if t.available()]
        field_rows = list(form.fields.all())
        fields = [describe_field(field) for field in field_rows]
        actions = [describe_action(action) for action in form.actions.all()]
        add_moves(fields, "field")
        add_moves(actions, "action")
        context.update(
            form=form,
            fields=fields,
            actions=actions,
            problems=unique(services.definition_problems(form)),
            makes_no_contact=bool(field_rows)
            and all(field.contact_field != EMAIL_MAPPING for field in field_rows),
            field_type_groups=grouped(field_types()),
            action_type_groups=grouped(available),
            public_url=f"{settings.SITE_URL}{form.public_path()}",
            snippet=embed_snippet(form),
            submission_count=form.submissions.count(),
        )
        return context


class PublishView(FormMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        publish = request.POST.get("published") == "1"
        try:
            services.set_published(self.form_def, publish)
        except DefinitionRefused as refused:
            messages.error(request, refusal("Not published", refused.problems))
        else:
            word = "published" if publish else "unpublished"
            messages.success(request, f"Form “{self.form_def}” {word}.")
        return redirect(self.form_def.get_absolute_url())


class FormDeleteView(FormMixin, TemplateView):
    template_name = "forms_builder/confirm_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "form": self.form_def,
            "what": f"the form “{self.form_def}”",
            "cancel_url": self.form_def.get_absolute_url(),
            "blocked": self.form_def.submissions.exists(),
        }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            services.delete_form(self.form_def)
        except DefinitionRefused as refused:
            messages.error(request, " ".join(refused.problems))
            return redirect(self.form_def.get_absolute_url())
        messages.success(request, f"Form “{self.form_def}” deleted.")
        return redirect("forms_builder:list")


@method_decorator(xframe_options_sameorigin, name="dispatch")
class PreviewView(FormMixin, TemplateView):
    """The public page as visitors will see it, unpublished or not; it cannot be submitted."""

    template_name = "forms_builder/public/form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = self.form_def
        public_form = PublicForm(form, list(form.fields.all()), now_context())
        return {
            "definition": form,
            "form": public_form,
            "preview": True,
            "embedded": self.request.GET.get("embed") == "1",
        }


# --- Fields -----------------------------------------------------------------------------------


class FieldEditView(FormMixin, TemplateView):
    """Add a field of a type (field_type in the URL) or edit one (field_id)."""

    template_name = "forms_builder/field_form.html"

    @cached_property
    def field(self) -> Field:
        if "field_id" in self.kwargs:
            return get_object_or_404(Field, pk=self.kwargs["field_id"], form=self.form_def)
        field = Field(field_type=self.kwargs["field_type"], form=self.form_def)
        field_type = get_field_type(field.field_type)
        if field_type and field_type.maps_email and not services.fills_email(self.form_def):
            field.contact_field = EMAIL_MAPPING  # the first email field is the contact's
        return field

    @cached_property
    def field_type(self) -> FieldType:
        found = get_field_type(self.field.field_type)
        if found is None:
            raise Http404("This field type is not available.")
        return found

    def get_form(self) -> FieldEditForm:
        data = self.request.POST if self.request.method == "POST" else None
        return FieldEditForm(data, instance=self.field, field_type=self.field_type)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("edit_form", self.get_form())
        context.update(definition=self.form_def, field=self.field, field_type=self.field_type)
        return context

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        edit_form = self.get_form()
        if edit_form.is_valid():
            adding = self.field.pk is None
            try:
                field = services.save_field(self.form_def, edit_form.save(commit=False))
            except DefinitionRefused as refused:
                for problem in unique(refused.problems):
                    edit_form.add_error(None, f"Not saved: {problem}")
                if not adding:
                    edit_form.add_error(
                        None, "If an action needs this field as it was, change that action first."
                    )
            else:
                word = "added" if adding else "saved"
                messages.success(request, f"Field “{field.label}” {word}.")
                return redirect(f"{self.form_def.get_absolute_url()}#fields")
        return self.render_to_response(self.get_context_data(edit_form=edit_form), status=400)


class FieldDeleteView(FormMixin, View):
    def post(self, request: HttpRequest, pk: int, field_id: int) -> HttpResponse:
        field = get_object_or_404(Field, pk=field_id, form=self.form_def)
        try:
            services.delete_field(self.form_def, field)
        except DefinitionRefused as refused:
            # Deleting a field can only leave an action without what it needs.
            then = "Change or remove that action first, then delete the field."
            messages.error(
                request, refusal(f"“{field.label}” was not deleted", refused.problems, then)
            )
        else:
            messages.success(request, f"Field “{field.label}” deleted.")
        return redirect(f"{self.form_def.get_absolute_url()}#fields")


class ReorderView(FormMixin, View):
    """POST order=<id>&order=<id>… (a form from the up/down buttons, or form_builder.js)."""

    reorder = staticmethod(services.reorder_fields)
    anchor = "fields"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        wants_json = request.headers.get("Accept", "").startswith("application/json")
        try:
            ids = [int(value) for value in request.POST.getlist("order")]
            self.reorder(self.form_def, ids)
        except (ValueError, DefinitionRefused) as error:
            message = (
                " ".join(error.problems)
                if isinstance(error, DefinitionRefused)
                else "The order could not be read."
            )
            if wants_json:
                return JsonResponse({"ok": False, "message": message}, status=400)
            messages.error(request, message)
        else:
            if wants_json:
                return JsonResponse({"ok": True})
        return redirect(f"{self.form_def.get_absolute_url()}#{self.anchor}")


# --- Actions ----------------------------------------------------------------------------------


class ActionEditView(FormMixin, TemplateView):
    template_name = "forms_builder/action_form.html"

    @cached_property
    def action(self) -> FormAction:
        if "action_id" in self.kwargs:
            return get_object_or_404(FormAction, pk=self.kwargs["action_id"], form=self.form_def)
        return FormAction(action_type=self.kwargs["action_type"], form=self.form_def)

    @cached_property
    def action_type(self) -> ActionType:
        found = get_action_type(self.action.action_type)
        if found is None or (self.action.pk is None and not found.available()):
            raise Http404("This action type is not available.")
        return found

    def get_config_form(self) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        initial = self.action_type.config_initial(self.action.config or {})
        return self.action_type.config_form(self.form_def, data=data, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        config_form = context.setdefault("config_form", self.get_config_form())
        context.update(
            definition=self.form_def,
            action=self.action,
            action_type=self.action_type,
            setup_needed=self.action_type.setup_needed(),
            unshown_errors=unshown_errors(config_form),
        )
        return context

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        config_form = self.get_config_form()
        if config_form.is_valid():
            adding = self.action.pk is None
            self.action.config = self.action_type.to_config(config_form.cleaned_data)
            try:
                services.save_action(self.form_def, self.action)
            except DefinitionRefused as refused:
                for problem in unique(refused.problems):
                    config_form.add_error(None, f"Not saved: {problem}")
            else:
                word = "added" if adding else "saved"
                messages.success(request, f"Action “{self.action_type.label}” {word}.")
                return redirect(f"{self.form_def.get_absolute_url()}#actions")
        return self.render_to_response(self.get_context_data(config_form=config_form), status=400)


def unshown_errors(config_form: Any) -> list[tuple[str, list[str]]]:
    """(label, errors) of checkbox and radio lists with nothing to choose from.

    The form renderer shows a list's errors after its last option, so an empty list's errors
    would not show at all: the page lists them above the form instead.
    """
    if not config_form.is_bound or not config_form.errors:
        return []
    found = []
    for name, field in config_form.fields.items():
        empty_list = isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect)
        if name in config_form.errors and empty_list and not list(field.choices):
            found.append((str(config_form[name].label), list(config_form.errors[name])))
    return found


class ActionDeleteView(FormMixin, View):
    def post(self, request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
        action = get_object_or_404(FormAction, pk=action_id, form=self.form_def)
        services.delete_action(self.form_def, action)
        messages.success(request, "Action deleted.")
        return redirect(f"{self.form_def.get_absolute_url()}#actions")
