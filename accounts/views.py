from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.urls import reverse_lazy
from django.views.generic import CreateView, ListView, UpdateView

from accounts.forms import ProfileForm, UserCreateForm, UserEditForm
from accounts.models import User
from accounts.permissions import AdminRequiredMixin


class UserListView(AdminRequiredMixin, ListView):
    model = User
    paginate_by = 50
    ordering = ("username",)
    template_name = "accounts/user_list.html"


class UserCreateView(AdminRequiredMixin, SuccessMessageMixin, CreateView):
    model = User
    form_class = UserCreateForm
    template_name = "accounts/user_form.html"
    success_url = reverse_lazy("accounts:user-list")
    success_message = "User %(username)s created."


class UserUpdateView(AdminRequiredMixin, SuccessMessageMixin, UpdateView):
    model = User
    form_class = UserEditForm
    template_name = "accounts/user_form.html"
    success_url = reverse_lazy("accounts:user-list")
    success_message = "User saved."

    def form_valid(self, form: UserEditForm) -> Any:
        if form.instance == self.request.user and not form.instance.is_admin:
            messages.error(self.request, "You cannot remove your own admin role.")
            return self.form_invalid(form)
        if form.instance == self.request.user and not form.instance.is_active:
            messages.error(self.request, "You cannot deactivate your own account.")
            return self.form_invalid(form)
        return super().form_valid(form)


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your settings are saved."

    def get_object(self, queryset: Any = None) -> User:
        return self.request.user  # type: ignore[return-value]


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_form.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your password is changed."
    extra_context = {"heading": "Change your password"}


class UserSetPasswordView(AdminRequiredMixin, SuccessMessageMixin, UpdateView):
    """An admin sets a new password for a user who lost theirs."""

    model = User
    template_name = "accounts/password_form.html"
    success_url = reverse_lazy("accounts:user-list")

    def get_form(self, form_class: Any = None) -> SetPasswordForm:  # type: ignore[type-arg]
        data = self.request.POST if self.request.method == "POST" else None
        return SetPasswordForm(self.object, data)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["heading"] = f"Set a new password for {self.object.username}"
        return context

    def get_success_message(self, cleaned_data: dict[str, Any]) -> str:
        return f"New password set for {self.object.username}."
