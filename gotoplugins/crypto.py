"""Encryption at rest for GoTo client secrets and tokens (Fernet from `cryptography`)."""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)


@cache
def _fernet(key: str, secret_key: str) -> Fernet:
    if key:
        return Fernet(key.encode())
    # No dedicated key: derive one from SECRET_KEY, so embedded mode needs no configuration.
    digest = hashlib.sha256(f"convene-field-encryption:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def fernet() -> Fernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # The key changed since this was stored: treat as absent so the admin reconnects,
        # rather than failing every page that touches the account.
        logger.warning("A stored GoTo secret could not be decrypted; was the key changed?")
        return ""


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Holds plain text in Python and Fernet ciphertext in the database."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value or "")

    def get_prep_value(self, value: Any) -> str:
        return encrypt(str(value or ""))
