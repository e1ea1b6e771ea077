"""Results pages: a form's submissions (filters, pages), one submission, the CSV export."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from forms_builder import results, services
from forms_builder.forms import SubmissionFilterForm
from forms_builder.models import ActionResult, Submission
from forms_builder.views import FormMixin

LIST_COLUMNS = 3  # field values shown in the list; the detail page shows all


class FilteredMixin(FormMixin):
    @cached_property
    def filter_form(self) -> SubmissionFilterForm:
        form = SubmissionFilterForm(self.request.GET)
        form.is_valid()  # bad values are shown and left out of the query
        return form

    def filters(self) -> dict[str, Any]:
        cleaned = self.filter_form.cleaned_data
        return {
            name: value for name, value in cleaned.items() if name not in self.filter_form.errors
        }

    def query_string(self) -> str:
        kept = {
            name: value
            for name, value in self.filters().items()
            if value not in (None, "") and name != "per_page"
        }
        return urlencode(kept)


class SubmissionListView(FilteredMixin, TemplateView):
    template_name = "forms_builder/submission_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = self.form_def
        fields = list(form.fields.all())
        per_page = self.filters().get("per_page") or 25
        rows = results.submissions(form, self.filters())
        page = Paginator(rows, per_page).get_page(self.request.GET.get("page"))
        shown = [(field.key, field.label) for field in fields[:LIST_COLUMNS]]
        query = self.query_string()
        context.update(
            definition=form,
            filter_form=self.filter_form,
            page_obj=page,
            columns=shown,
            rows=[(row, [row.display.get(key, "") for key, _ in shown]) for row in page],
            query_string="&".join(part for part in (query, f"per_page={per_page}") if part),
            export_query=query,
        )
        return context


class SubmissionDetailView(FormMixin, TemplateView):
    template_name = "forms_builder/submission_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        submission = get_object_or_404(
            Submission.objects.select_related("contact"),
            pk=self.kwargs["submission_id"],
            form=self.form_def,
        )
        fields = list(self.form_def.fields.all())
        answers = [
            answer(label, submission.display.get(key, ""), submission.data.get(key, ""))
            for key, label in results.columns(fields, [submission])
            if key in submission.data or key in submission.display
        ]
        results_list = list(submission.results.select_related("action").order_by("id"))
        context.update(
            definition=self.form_def,
            submission=submission,
            answers=answers,
            results=[(result, services.can_retry_action(result)) for result in results_list],
            stalled=submission.processed_at is None
            and submission.created_at < timezone.now() - services.STALLED_AFTER,
        )
        return context


def answer(label: str, display: str, raw: Any) -> tuple[str, str, str]:
    """(label, text shown, the stored value when it differs from the text, e.g. a key)."""
    raw_text = ", ".join(raw) if isinstance(raw, list) else str(raw)
    shown = "; ".join(raw) if isinstance(raw, list) else str(raw)
    return label, display, "" if shown == display else raw_text


class RetryActionView(FormMixin, View):
    """POST: queue a failed mail action of this submission again."""

    def post(self, request: HttpRequest, pk: int, submission_id: int, result_id: int) -> Any:
        result = get_object_or_404(
            ActionResult.objects.select_related("action"),
            pk=result_id,
            submission_id=submission_id,
            submission__form=self.form_def,
        )
        if services.retry_failed_action(result):
            result.refresh_from_db()  # without a broker it has run already
            state = "queued again" if result.status == "pending" else result.get_status_display()
            messages.success(request, f"“{result.title}”: {state.lower()}.")
        else:
            messages.warning(request, f"“{result.title}” cannot be tried again (not failed).")
        return redirect("forms_builder:submission", pk=pk, submission_id=submission_id)


class ExportView(FilteredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        form = self.form_def
        rows = results.submissions(form, self.filters())
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        name = f"{slugify(form.slug) or 'form'}-submissions-{stamp}.csv"
        response = StreamingHttpResponse(
            results.csv_rows(form, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
