from __future__ import annotations

from django.apps import AppConfig


class GotoEmulatorConfig(AppConfig):
    """A local stand-in for GoTo's OAuth server and product APIs (mounted when GOTO_EMULATOR=1)."""

    name = "gotoplugins.emulator"
    label = "goto_emulator"
    verbose_name = "GoTo emulator"
    default_auto_field = "django.db.models.BigAutoField"
