from __future__ import annotations

from typing import Any

from django.contrib import messages
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
        return super().form_valid(form)


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your settings are saved."

    def get_object(self, queryset: Any = None) -> User:
        return self.request.user  # type: ignore[return-value]
