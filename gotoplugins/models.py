from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from gotoplugins.crypto import EncryptedTextField
from gotoplugins.products import PRODUCTS, Product, product_choices


class GoToAccount(models.Model):
    """One GoTo OAuth client and its grant. Several products can share one account."""

    name = models.CharField(max_length=100, help_text="A name to tell accounts apart.")
    client_id = models.CharField("OAuth client ID", max_length=200)
    client_secret = EncryptedTextField("OAuth client secret")
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    organizer_key = models.CharField(max_length=32, blank=True)
    account_key = models.CharField(max_length=32, blank=True)
    organizer_email = models.CharField(max_length=254, blank=True)
    organizer_name = models.CharField(max_length=200, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    # Set when GoTo refuses the refresh token (invalid_grant): only a new Connect helps.
    needs_reconnect = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def is_connected(self) -> bool:
        return bool(self.refresh_token or self.access_token) and not self.needs_reconnect

    @property
    def organizer_label(self) -> str:
        return self.organizer_name or self.organizer_email or self.organizer_key or "unknown"

    def token_valid_for(self, seconds: int) -> bool:
        if not self.access_token or self.token_expires_at is None:
            return False
        return self.token_expires_at - timezone.now() > timedelta(seconds=seconds)


class ProductConnection(models.Model):
    """A product's switch and the account it uses."""

    product = models.CharField(max_length=16, choices=product_choices, unique=True)
    enabled = models.BooleanField(default=False)
    account = models.ForeignKey(
        GoToAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True)
    last_test_message = models.TextField(blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The sync lock: a run claims it with one conditional UPDATE; it expires on its own so a
    # killed worker cannot block the product for ever.
    sync_lock_token = models.CharField(max_length=64, blank=True)
    sync_locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("product",)

    def __str__(self) -> str:
        return self.info.label

    @property
    def info(self) -> Product:
        return PRODUCTS[self.product]


class Event(models.Model):
    """Every webinar, training, meeting or assist session the sync has seen (the catalogue).

    Identity is (product, account, key): a renamed webinar keeps its row and its history.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"
        # No longer listed by GoTo, but never confirmed cancelled: kept with its history.
        MISSING = "missing", "Not listed by GoTo"

    product = models.CharField(max_length=16, choices=product_choices)
    account = models.ForeignKey(GoToAccount, on_delete=models.PROTECT, related_name="events")
    key = models.CharField(max_length=32)
    subject = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    # [{"start": iso, "end": iso, "key": session key or ""}] for every session, in order.
    times = models.JSONField(default=list)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    registration_url = models.URLField(max_length=1000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-starts_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "account", "key"], name="event_identity_unique"
            ),
        ]
        indexes = [models.Index(fields=["product", "starts_at"], name="event_product_start")]

    def __str__(self) -> str:
        return self.subject

    @property
    def info(self) -> Product:
        return PRODUCTS[self.product]

    @property
    def is_over(self) -> bool:
        return self.ends_at is not None and self.ends_at <= timezone.now()


class Participation(models.Model):
    """A contact's registration, attendance or cancellation for one event; one row per kind.

    "Did not attend" is derived: registered, the event is over, and no attended row.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", "Registered"
        ATTENDED = "attended", "Attended"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        SYNC = "sync", "GoTo sync"
        FORM = "form", "Form"
        CAMPAIGN = "campaign", "Campaign"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="goto_participations"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    registrant_key = models.CharField(max_length=32, blank=True)
    join_url = models.URLField(max_length=1000, blank=True)
    # GoTo's status for a registration: APPROVED, WAITING (the organizer approves by hand; no
    # join link until then) or DENIED; blank when GoTo did not say (GoToTraining's answer).
    registration_status = models.CharField(max_length=16, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    first_join_at = models.DateTimeField(null=True, blank=True)
    last_leave_at = models.DateTimeField(null=True, blank=True)
    attendance_seconds = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SYNC)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "contact", "kind"], name="participation_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "kind"], name="participation_contact_kind"),
            models.Index(fields=["event", "kind"], name="participation_event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.kind} {self.event_id}"


class SyncRun(models.Model):
    """One run of the sync for one product: who started it, how it went, what it changed."""

    class Trigger(models.TextChoices):
        COMMAND = "command", "Command"
        SCHEDULE = "schedule", "Schedule"
        BUTTON = "button", "Sync now"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Synced"
        PARTIAL = "partial", "Partly synced"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another run was in progress)"

    product = models.CharField(max_length=16, choices=product_choices)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # events, new_registrations, new_attendances, cancellations, new_contacts, failures
    counts = models.JSONField(default=dict)
    # [{"event": key or "", "message": "..."}]
    errors = models.JSONField(default=list)
    # The start of the GoTo change window this run read; the next incremental run begins here.
    window_start = models.DateTimeField(null=True, blank=True)
    full = models.BooleanField(default=False)

    class Meta:
        ordering = ("-started_at", "-id")
        indexes = [models.Index(fields=["product", "-started_at"], name="syncrun_product_time")]

    def __str__(self) -> str:
        return f"{self.product} sync {self.started_at:%Y-%m-%d %H:%M}"


class RegistrationRequest(models.Model):
    """A registration to make at GoTo (the queue; DESIGN.md rule 6): written with the form
    submission, processed by a task, retried with backoff, visible until it is done.

    At most one open (pending or failed) request per contact and event, so a repeated
    submission reuses the queued one instead of registering twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        PROCESSING = "processing", "Registering"
        DONE = "done", "Registered"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registration_requests")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="goto_registration_requests"
    )
    # What is sent to GoTo, as the visitor typed it (not re-read from the contact later).
    email = models.CharField(max_length=254)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    source = models.CharField(
        max_length=16, choices=Participation.Source.choices, default=Participation.Source.FORM
    )
    # The submission that asked (forms_builder.Submission id); kept as a plain id so that
    # a form's results can be managed without this queue in the way.
    submission_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker owns a PROCESSING row until then; after it, the row may be claimed again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    participation = models.ForeignKey(
        Participation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "contact"],
                condition=models.Q(status__in=["pending", "processing", "failed"]),
                name="registrationrequest_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="registrationrequest_due"),
        ]

    def __str__(self) -> str:
        return f"Register {self.contact_id} for {self.event_id} ({self.status})"

    @property
    def ref(self) -> str:
        """How form results point at this request (forms_builder.services.update_results)."""
        return f"gotoplugins.registration:{self.pk}"
