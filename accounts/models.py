from __future__ import annotations

import functools
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MARKETER = "marketer", "Marketer"


@functools.cache
def _time_zone_names() -> tuple[str, ...]:
    # Reading the zone list from disk costs milliseconds; it never changes while running.
    return tuple(sorted(zoneinfo.available_timezones()))


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in _time_zone_names()]


class User(AbstractUser):
    """A Convene user. Admins see everything; marketers everything but credentials and users."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MARKETER)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        choices=time_zone_choices,
        help_text="Times are shown in this zone. Empty: the instance's time zone.",
    )

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN
