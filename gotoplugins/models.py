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

    class Meta:
        ordering = ("product",)

    def __str__(self) -> str:
        return self.info.label

    @property
    def info(self) -> Product:
        return PRODUCTS[self.product]
