from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def emulator_off_in_production(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.GOTO_EMULATOR:
        return [
            Warning(
                "GOTO_EMULATOR is on: the fake GoTo and its fault controls are served publicly.",
                hint="Set GOTO_EMULATOR=0 in production.",
                id="gotoplugins.W001",
            )
        ]
    return []
