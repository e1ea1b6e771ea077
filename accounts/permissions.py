"""Role checks for views.

Every page needs a signed-in user (LoginRequiredMiddleware); admin pages add AdminRequiredMixin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import PermissionDenied


class AdminRequiredMixin(UserPassesTestMixin):
    """Admins only: anonymous users go to sign-in, marketers get 403."""

    request: Any

    def test_func(self) -> bool:
        return bool(self.request.user.is_authenticated and self.request.user.is_admin)

    def handle_no_permission(self) -> Any:
        if self.request.user.is_authenticated:
            raise PermissionDenied("Only admins can open this page.")
        return super().handle_no_permission()
