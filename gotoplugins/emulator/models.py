"""The emulator's own tables: organizers, OAuth clients and tokens, events, test controls, log.

Keys are 19-digit strings (GoTo's int64 keys); JSON number-vs-string typing is decided in
serializers.py, never here. Webinars, trainings and meetings share one Event table, told apart
by `product`; their registrants, sessions and attendance share the tables below it.
"""

from __future__ import annotations

from datetime import datetime
from fnmatch import fnmatchcase
from ipaddress import ip_address
from urllib.parse import urlsplit

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class Organizer(models.Model):
    """A GoTo user. organizer_key equals the SCIM user id; account_key groups organizers."""

    organizer_key = models.CharField(max_length=19, unique=True)
    account_key = models.CharField(max_length=19, db_index=True)
    account_name = models.CharField(max_length=200, default="Example GmbH")
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    locale = models.CharField(max_length=10, default="en_US")
    time_zone = models.CharField(max_length=64, default="Europe/Berlin")

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class OAuthClient(models.Model):
    """A registered OAuth client, with the switches tests use to vary the token answers."""

    client_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    redirect_uris = models.TextField(
        blank=True, help_text="One per line; a trailing * makes the line a prefix."
    )
    allow_loopback_redirects = models.BooleanField(
        default=True, help_text="Accept any http(s) redirect URI on 127.0.0.1, ::1 or localhost."
    )
    rotate_refresh_tokens = models.BooleanField(
        default=True, help_text="Off: refresh answers carry no refresh_token (the old one stays)."
    )
    legacy_token_fields = models.BooleanField(
        default=False, help_text="Add organizer_key, account_key, email, firstName, lastName."
    )
    password_grant = models.BooleanField(default=False, help_text="Off: grant_type=password → 401.")
    auto_approve = models.BooleanField(default=False, help_text="Skip the consent page.")
    access_token_lifetime = models.PositiveIntegerField(default=3600)

    def __str__(self) -> str:
        return self.client_id

    def allows_redirect(self, uri: str) -> bool:
        for line in self.redirect_uris.splitlines():
            allowed = line.strip()
            if not allowed:
                continue
            if allowed.endswith("*") and uri.startswith(allowed[:-1]):
                return True
            if uri == allowed:
                return True
        if self.allow_loopback_redirects:
            parts = urlsplit(uri)
            if parts.scheme in ("http", "https") and parts.hostname:
                if parts.hostname == "localhost":
                    return True
                try:
                    return ip_address(parts.hostname).is_loopback
                except ValueError:
                    return False
        return False

    def default_redirect_uri(self) -> str:
        for line in self.redirect_uris.splitlines():
            if line.strip() and not line.strip().endswith("*"):
                return line.strip()
        return ""


class AuthorizationCode(models.Model):
    """Single use, short-lived, bound to the client and the redirect_uri sent at authorize."""

    code_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE)
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE)
    redirect_uri = models.TextField(blank=True, help_text="Empty when none was sent.")
    scope = models.CharField(max_length=200, blank=True)
    code_challenge = models.CharField(max_length=200, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.client_id} ({'used' if self.used_at else 'unused'})"


class RefreshToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE)
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE)
    scope = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"refresh token {self.token_hash[:8]} ({'revoked' if self.revoked_at else 'live'})"


class AccessToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE)
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE)
    refresh_token = models.ForeignKey(RefreshToken, null=True, on_delete=models.SET_NULL)
    scope = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"access token {self.token_hash[:8]} until {self.expires_at:%Y-%m-%d %H:%M}"


class Product(models.TextChoices):
    WEBINAR = "g2w", "GoToWebinar"
    TRAINING = "g2t", "GoToTraining"
    MEETING = "g2m", "GoToMeeting"


class Event(models.Model):
    """A webinar, training or meeting. `times` holds the scheduled [start, end] ISO pairs."""

    product = models.CharField(max_length=3, choices=Product.choices)
    key = models.CharField(max_length=19, unique=True)
    human_id = models.CharField(max_length=12, help_text="webinarID / trainingId (9 digits).")
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="events")
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/Berlin")
    locale = models.CharField(max_length=10, default="en_US")
    times = models.JSONField(default=list)
    starts_at = models.DateTimeField(help_text="Start of the first interval.")
    ends_at = models.DateTimeField(help_text="End of the last interval.")
    approval_type = models.CharField(max_length=10, default="AUTOMATIC")
    recurrence_type = models.CharField(max_length=20, default="single_session")
    experience_type = models.CharField(max_length=10, default="CLASSIC")
    registration_limit = models.PositiveIntegerField(default=1000)
    password_protected = models.BooleanField(default=False)
    meeting_type = models.CharField(max_length=20, default="scheduled")
    conference_call_info = models.CharField(max_length=50, default="Hybrid")
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ("starts_at", "id")
        indexes = [models.Index(fields=["product", "organizer", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.get_product_display()} {self.key}: {self.subject}"

    @property
    def intervals(self) -> list[tuple[datetime, datetime]]:
        return [(_parse(start), _parse(end)) for start, end in self.times]


class Registrant(models.Model):
    """A registration for a webinar or training; one per (event, lower-cased email)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrants")
    key = models.CharField(max_length=19, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=254)
    email_lower = models.CharField(max_length=254)
    status = models.CharField(max_length=10, default="APPROVED")
    registration_type = models.CharField(max_length=10, default="REGULAR")
    registered_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, default="Europe/Berlin")
    fields = models.JSONField(default=dict, blank=True, help_text="Other form fields, responses.")

    class Meta:
        ordering = ("registered_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email_lower"], name="goto_emulator_registrant_email"
            )
        ]

    def __str__(self) -> str:
        return self.email


class Session(models.Model):
    """One held occurrence of an event (G2W session, G2T session, G2M meeting instance)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    key = models.CharField(max_length=19, unique=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ("starts_at", "id")

    def __str__(self) -> str:
        return f"session {self.key}"


class Attendance(models.Model):
    """Who was in a session, and when: `intervals` holds [join, leave] ISO pairs."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    registrant = models.ForeignKey(Registrant, null=True, blank=True, on_delete=models.CASCADE)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=254)
    intervals = models.JSONField(default=list)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.email} in session {self.session_id}"

    @property
    def seconds(self) -> int:
        return sum(interval_seconds(join, leave) for join, leave in self.intervals)


class AssistSession(models.Model):
    """A GoToAssist Remote Support screen-sharing session."""

    session_id = models.CharField(max_length=19, unique=True)
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE)
    session_type = models.CharField(max_length=20, default="screen_sharing")
    status = models.CharField(max_length=12, default="waiting")
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.CharField(max_length=254, blank=True)
    partner_object = models.CharField(max_length=200, blank=True)
    partner_object_url = models.CharField(max_length=500, blank=True)
    status_callback_url = models.CharField(max_length=500, blank=True)
    start_token = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    customer_joined_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("started_at", "id")

    def __str__(self) -> str:
        return f"assist session {self.session_id} ({self.status})"


class DuplicateMode(models.TextChoices):
    CONFLICT = "conflict", "409 DuplicateRegistrant"
    IDEMPOTENT = "idempotent", "201 with the existing registrant"


class InvalidTokenMode(models.TextChoices):
    STATUS_401 = "401", "401 InvalidToken"
    STATUS_403 = "403", '403 {"errorCode": "InvalidToken"}'
    LEGACY_403 = "403_legacy", '403 {"int_err_code": "InvalidToken"}'


class Control(models.Model):
    """The one row of global switches (pk=1); faults.py reads and writes it."""

    now_offset_seconds = models.IntegerField(
        default=0, help_text="Added to the real time: the emulator's clock for token expiry."
    )
    duplicate_mode = models.CharField(
        max_length=10, choices=DuplicateMode.choices, default=DuplicateMode.CONFLICT
    )
    invalid_token_mode = models.CharField(
        max_length=10, choices=InvalidTokenMode.choices, default=InvalidTokenMode.STATUS_401
    )
    record_requests = models.BooleanField(default=True)

    def __str__(self) -> str:
        return "GoTo emulator controls"


class Fault(models.Model):
    """A forced answer (and/or latency) for requests whose path and method match.

    path_pattern is a shell-style pattern (fnmatch, `*` spans slashes) over the path below the
    mount, e.g. "/G2W/rest/v2/organizers/*/webinars". remaining=None means always.
    """

    path_pattern = models.CharField(max_length=300, default="*")
    method = models.CharField(max_length=10, default="*")
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    retry_after = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    body = models.JSONField(null=True, blank=True, help_text="Replaces the default error body.")
    remaining = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.method} {self.path_pattern} → {self.status or 'latency'}"

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and fnmatchcase(path, self.path_pattern)


class RequestLog(models.Model):
    """Every request the emulator answered, so tests can assert what a client sent.

    Secrets are never stored: Authorization becomes "Bearer ***" (token_hash identifies the
    token), and codes, secrets and tokens in query strings and form bodies become "***".
    """

    created_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500, help_text="Below the mount, as on GoTo.")
    query = models.JSONField(default=dict)
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True)
    status = models.PositiveSmallIntegerField(null=True)
    token_hash = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"


def interval_seconds(join: str, leave: str) -> int:
    """Whole seconds between two ISO instants (0 if they are the wrong way round)."""
    return max(0, int((_parse(leave) - _parse(join)).total_seconds()))


def _parse(value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"Not an ISO datetime: {value!r}")
    return parsed
