"""CSV import views: upload, map columns, preview, then follow the task's progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView, TemplateView

from contacts import importer
from contacts.import_forms import ImportMappingForm, ImportUploadForm
from contacts.models import ImportJob

ERRORS_PER_PAGE = 50


def jobs_without_content() -> Any:
    # The decoded file can be megabytes: load it only where the rows are read.
    return ImportJob.objects.defer("content")


class ImportUploadView(FormView):
    template_name = "contacts/import_upload.html"
    form_class = ImportUploadForm

    def form_valid(self, form: ImportUploadForm) -> HttpResponse:
        assert form.csv_file is not None
        upload = form.cleaned_data["file"]
        job = importer.create_job(form.csv_file, upload.name or "upload.csv", self.request.user)
        return redirect("contacts:import-map", job.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["recent_jobs"] = jobs_without_content().defer("errors")[:10]
        return context


class JobStepMixin:
    """The mapping and preview steps: only while the job waits for its mapping."""

    request: HttpRequest
    kwargs: dict[str, Any]
    job: ImportJob

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.job = get_object_or_404(ImportJob, pk=kwargs["pk"])
        if self.job.status != ImportJob.Status.MAPPING:
            return redirect("contacts:import-progress", self.job.pk)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ImportMappingView(JobStepMixin, FormView):
    template_name = "contacts/import_mapping.html"
    form_class = ImportMappingForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(headers=self.job.headers, mapping=self.job.mapping)
        return kwargs

    def form_valid(self, form: ImportMappingForm) -> HttpResponse:
        importer.save_mapping(self.job, form.mapping())
        return redirect("contacts:import-preview", self.job.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            job=self.job,
            samples=importer.sample_records(self.job),
            encoding_label=importer.ENCODING_LABELS.get(self.job.encoding, self.job.encoding),
            delimiter_label=importer.DELIMITER_LABELS.get(self.job.delimiter, self.job.delimiter),
        )
        return context


class ImportPreviewView(JobStepMixin, TemplateView):
    template_name = "contacts/import_preview.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problems = importer.mapping_problems(self.job.mapping, self.job.headers)
        if problems:
            for problem in problems:
                messages.error(request, problem)
            return redirect("contacts:import-map", self.job.pk)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not importer.start_import(self.job):
            messages.error(request, "Finish the column mapping before starting the import.")
            return redirect("contacts:import-map", self.job.pk)
        return redirect("contacts:import-progress", self.job.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        targets = importer.preview_targets(self.job.mapping)
        rows = importer.preview(self.job)
        context.update(
            job=self.job,
            columns=[importer.field_label(target) for target in targets],
            rows=[(row, [row.value(target) for target in targets]) for row in rows],
        )
        return context


class ImportProgressView(DetailView):
    template_name = "contacts/import_progress.html"
    context_object_name = "job"

    def get_queryset(self) -> Any:
        return jobs_without_content()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job: ImportJob = self.object
        errors = Paginator(job.errors, ERRORS_PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=errors,
            finished=job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
            skipped=len(job.errors),
            merged=max(
                0, job.processed_rows - job.created_count - job.updated_count - len(job.errors)
            ),
        )
        return context


def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(jobs_without_content(), pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
            "percent": job.percent_done,
            "total_rows": job.total_rows,
            "processed_rows": job.processed_rows,
            "created": job.created_count,
            "updated": job.updated_count,
            "skipped": len(job.errors),
            "failure": job.failure,
        },
        headers={"Cache-Control": "no-store"},
    )
