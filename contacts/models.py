from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Trim

from accounts.models import time_zone_choices
from contacts.search import searchable

# Fields a writer (form, import, sync) may set through upsert_contact, in display order.
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "job_title",
    "phone",
    "country",
    "time_zone",
)


class Contact(models.Model):
    """A person. Identified by the normalised email, which the database keeps unique."""

    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    company = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    country = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, choices=time_zone_choices)
    custom_fields = models.JSONField(default=dict, blank=True)
    # Name, email and company as contacts.search.searchable() gives them, so search ignores
    # case and accents the same way on every database.
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower(Trim("email"))),
                name="contact_email_normalised",
                violation_error_message="The email must be trimmed and lower-case.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, **kwargs: Any) -> None:
        self.search_text = self.compute_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(**kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def compute_search_text(self) -> str:
        parts = (self.first_name, self.last_name, self.email, self.company)
        return searchable(" ".join(part for part in parts if part))


class Activity(models.Model):
    """One entry on a contact's timeline. `kind` is a key of the timeline-kind registry."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    title = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    # What the entry is about, e.g. ("gotoplugins.participation", "42"): lets a writer find
    # its own entries again and never write the same one twice.
    source_type = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-occurred_at", "-id")
        indexes = [
            models.Index(fields=["contact", "occurred_at"], name="activity_contact_time"),
            models.Index(fields=["source_type", "source_id"], name="activity_source"),
        ]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.title


class ImportJob(models.Model):
    """A CSV import: the uploaded text, the column mapping, progress and the rejected rows."""

    class Status(models.TextChoices):
        MAPPING = "mapping", "Waiting for column mapping"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    # The decoded file. Kept in the database so a worker on another machine can read it.
    content = models.TextField()
    headers = models.JSONField(default=list)
    # Column index (as a string) -> contact field name, or "custom:<name>", or "" to skip.
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.MAPPING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # [{"line": 7, "reason": "..."}] for every skipped row.
    errors = models.JSONField(default=list)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life: queued, claimed, or a chunk written. A queued or running job silent
    # for long lost its task or its worker; importer.recover_stalled() picks it up again.
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Import of {self.file_name}"

    @property
    def percent_done(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)
