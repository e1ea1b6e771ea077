"""Forms, their fields and actions, and what visitors submitted.

A form's fields and actions name their type by a registry key (forms_builder.fields and
forms_builder.actions); other apps add types there, so these models know no GoTo.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from forms_builder.protection import normal_origin

DEFAULT_SUCCESS_MESSAGE = "Thank you! We have received your answers."
DEFAULT_MAX_BODY_BYTES = 64 * 1024
# Below Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so the form's own limit is the one hit.
MAX_BODY_BYTES_LIMIT = 1024 * 1024


class Form(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(
        "public address",
        max_length=100,
        unique=True,
        help_text="The form is published at /f/ followed by this address, e.g. /f/spring-webinar/.",
    )
    description = models.TextField(blank=True, help_text="Shown above the fields.")
    submit_label = models.CharField("button text", max_length=100, default="Submit")
    success_message = models.TextField(default=DEFAULT_SUCCESS_MESSAGE)
    redirect_url = models.URLField(
        "redirect to",
        max_length=1000,
        blank=True,
        help_text="After a submission, go to this address instead of showing the message.",
    )
    is_published = models.BooleanField("published", default=False)
    closes_at = models.DateTimeField(
        "accept submissions until",
        null=True,
        blank=True,
        help_text="Empty: open as long as it is published.",
    )
    allow_embedding = models.BooleanField(
        default=False, help_text="Allow other websites to show this form in an iframe."
    )
    embed_origins = models.TextField(
        "embedding sites",
        blank=True,
        help_text="One address per line, e.g. https://www.example.com. Empty: any site.",
    )
    # Off by default: the form is public, so with it on anyone who knows a contact's email
    # could rewrite that contact's name or company. Off, answers only fill empty fields.
    overwrite_contact = models.BooleanField(
        "overwrite existing contact details with the answers (anyone who knows an email "
        "address could change that contact's details)",
        default=False,
        help_text="Off: answers only fill a known contact's empty fields. Blank answers never "
        "erase anything.",
    )
    max_body_bytes = models.PositiveIntegerField(
        "size limit (bytes)",
        default=DEFAULT_MAX_BODY_BYTES,
        validators=[MinValueValidator(1024), MaxValueValidator(MAX_BODY_BYTES_LIMIT)],
        help_text="Submissions larger than this are refused.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forms_builder:detail", args=[self.pk])

    def public_path(self) -> str:
        return reverse("forms_public:form", args=[self.slug])

    @property
    def is_closed(self) -> bool:
        """Past its closing date: the public page answers "This form is closed" (410)."""
        return self.closes_at is not None and self.closes_at <= timezone.now()

    @property
    def origins(self) -> list[str]:
        """The sites allowed to frame it, as CSP writes them (ones stored before the builder
        checked them strictly are left out if they are no site address)."""
        found = (normal_origin(line) for line in self.embed_origins.splitlines() if line.strip())
        return [origin for origin in found if origin]


class Field(models.Model):
    """One input of a form. `key` names it in posts, stored values and the CSV header."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=64)
    field_type = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=500, blank=True)
    placeholder = models.CharField(max_length=200, blank=True)
    required = models.BooleanField(default=False)
    default_value = models.CharField("default", max_length=1000, blank=True)
    # "" (not mapped), "email", a name of contacts.models.CONTACT_FIELDS, or "custom:<name>".
    contact_field = models.CharField("contact field", max_length=100, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    # Type-specific settings, e.g. {"choices": [["v", "Label"], ...]} or {"multiple": true}.
    config = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="form_field_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class FormAction(models.Model):
    """Something done with each submission, in `position` order; `config` is the type's own."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveIntegerField(default=0)
    action_type = models.CharField(max_length=64)
    config = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.action_type


class Submission(models.Model):
    """What a visitor sent, stored before anything else happens with it (DESIGN.md rule 6)."""

    # PROTECT: a form with submissions is unpublished, never deleted with its results.
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions")
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="form_submissions",
    )
    # Field key -> the value as posted and cleaned: text, or a list of texts.
    data = models.JSONField(default=dict)
    # Field key -> the value as a person reads it (choice labels, event names), at submit time.
    display = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    referrer = models.CharField(max_length=2000, blank=True)
    embedded = models.BooleanField(default=False)
    # Hash of the page token and the values: the same post twice is stored once.
    dedupe_key = models.CharField(max_length=64)
    # When the contact was saved and the actions run (services.process_submission); empty
    # while that is queued.
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["form", "dedupe_key"], name="submission_dedupe"),
        ]
        indexes = [
            models.Index(fields=["form", "-created_at"], name="submission_form_time"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(processed_at__isnull=True),
                name="submission_unprocessed",
            ),
        ]

    def __str__(self) -> str:
        return f"Submission {self.pk} of {self.form_id}"


class ActionResult(models.Model):
    """What an action did with one submission: shown on the submission, filterable.

    Actions that finish later (a queued GoTo registration) start "pending" and are updated
    through services.update_results(ref=...), `ref` being the action's own reference.
    """

    class Status(models.TextChoices):
        DONE = "done", "Done"
        PENDING = "pending", "Pending"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="results")
    action = models.ForeignKey(
        FormAction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action_type = models.CharField(max_length=64)
    title = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices)
    message = models.TextField(blank=True)
    link = models.CharField(max_length=1000, blank=True)  # a URL or a path on this site
    link_label = models.CharField(max_length=100, blank=True)
    ref = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)
        indexes = [
            models.Index(fields=["ref"], name="actionresult_ref"),
            models.Index(fields=["submission", "status"], name="actionresult_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title}: {self.status}"

    @property
    def is_external_link(self) -> bool:
        return self.link.startswith(("https://", "http://"))

    @property
    def safe_link(self) -> str:
        """The link if it is a web address or a path here (never javascript: and the like)."""
        if self.is_external_link or (self.link.startswith("/") and not self.link.startswith("//")):
            return self.link
        return ""
