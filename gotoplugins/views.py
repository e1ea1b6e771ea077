"""The Plugins page (admins only): GoTo accounts, OAuth connect/callback, products."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.generic import TemplateView

from accounts.permissions import AdminRequiredMixin
from gotoplugins import connections, oauth
from gotoplugins.errors import GoToError
from gotoplugins.forms import AccountForm, ProductForm
from gotoplugins.models import GoToAccount, SyncRun
from gotoplugins.tasks import sync_product_task

OAUTH_SESSION_KEY = "goto_oauth"
RECENT_SYNCS = 10


def redirect_uri() -> str:
    return f"{settings.SITE_URL}{reverse('gotoplugins:oauth-callback')}"


def plugins_page(anchor: str = "") -> HttpResponseRedirect:
    return redirect(f"{reverse('gotoplugins:index')}{'#' + anchor if anchor else ''}")


class PluginsView(AdminRequiredMixin, TemplateView):
    template_name = "gotoplugins/plugins.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        products = connections.all_product_connections()
        context.update(
            accounts=GoToAccount.objects.all(),
            products=[
                (connection, ProductForm(instance=connection, prefix=connection.product))
                for connection in products
            ],
            account_form=kwargs.get("account_form") or AccountForm(),
            recent_syncs=SyncRun.objects.all()[:RECENT_SYNCS],
            redirect_uri=redirect_uri(),
            emulator=settings.GOTO_EMULATOR,
        )
        return context


# Django's error reports must never show the secret an admin typed.
hide_secret = method_decorator(sensitive_post_parameters("client_secret"), name="dispatch")


@hide_secret
class AccountCreateView(AdminRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = AccountForm(request.POST)
        if not form.is_valid():
            context = PluginsView(request=request).get_context_data(account_form=form)
            return render(request, PluginsView.template_name, context, status=400)
        account = form.save()
        messages.success(request, f"GoTo account “{account}” added. Now connect it.")
        return plugins_page(f"account-{account.pk}")


@hide_secret
class AccountUpdateView(AdminRequiredMixin, View):
    template_name = "gotoplugins/account_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = get_object_or_404(GoToAccount, pk=pk)
        return render(
            request, self.template_name, {"form": AccountForm(instance=account), "account": account}
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = get_object_or_404(GoToAccount, pk=pk)
        form = AccountForm(request.POST, instance=account)
        if not form.is_valid():
            return render(
                request, self.template_name, {"form": form, "account": account}, status=400
            )
        connections.save_credentials(form.save(commit=False), form.changed_data)
        messages.success(request, f"GoTo account “{account}” saved.")
        return plugins_page(f"account-{account.pk}")


class AccountActionView(AdminRequiredMixin, View):
    """Disconnect or delete an account: GET asks for confirmation, POST does it."""

    action = ""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = get_object_or_404(GoToAccount, pk=pk)
        blocked = self.action == "delete" and account.events.exists()
        context = {"account": account, "action": self.action, "blocked": blocked}
        return render(request, "gotoplugins/account_confirm.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = get_object_or_404(GoToAccount, pk=pk)
        if self.action == "delete" and account.events.exists():
            messages.error(
                request,
                f"“{account}” cannot be deleted: its synced events and registrations refer to "
                "it. Disconnect it instead; the synced data is kept.",
            )
            return plugins_page(f"account-{account.pk}")
        if self.action == "delete":
            account.delete()
            messages.success(request, f"GoTo account “{account}” deleted.")
        else:
            connections.disconnect(account)
            messages.success(request, f"GoTo account “{account}” disconnected.")
        return plugins_page()


class ConnectView(AdminRequiredMixin, View):
    """Send the admin to GoTo's consent page, remembering a random state."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = get_object_or_404(GoToAccount, pk=pk)
        state = oauth.new_state()
        request.session[OAUTH_SESSION_KEY] = {"state": state, "account_id": account.pk}
        return HttpResponseRedirect(oauth.authorization_url(account, redirect_uri(), state))


@method_decorator(sensitive_variables("code"), name="get")
class OAuthCallbackView(AdminRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        pending = request.session.pop(OAUTH_SESSION_KEY, None) or {}
        state = request.GET.get("state", "")
        if not pending or not secrets.compare_digest(str(pending.get("state", "")), state):
            messages.error(
                request,
                "The connection could not be verified (the link was stale "
                "or tampered with). Please click Connect again.",
            )
            return plugins_page()
        account = get_object_or_404(GoToAccount, pk=pending.get("account_id"))
        error = request.GET.get("error", "")
        if error:
            messages.warning(request, connections.describe_authorize_error(error))
            return plugins_page(f"account-{account.pk}")
        code = request.GET.get("code", "")
        if not code:
            messages.error(request, "GoTo sent no authorization code. Please try again.")
            return plugins_page(f"account-{account.pk}")
        try:
            connections.complete_authorization(account, code, redirect_uri())
        except GoToError as failure:
            messages.error(request, f"Connecting “{account}” failed: {failure}")
            return plugins_page(f"account-{account.pk}")
        messages.success(request, f"Connected “{account}” as {account.organizer_label}.")
        return plugins_page(f"account-{account.pk}")


class ProductUpdateView(AdminRequiredMixin, View):
    def post(self, request: HttpRequest, product: str) -> HttpResponse:
        connection = connections.product_connection(product)
        form = ProductForm(request.POST, instance=connection, prefix=product)
        if form.is_valid():
            form.save()
            state = "enabled" if connection.enabled else "disabled"
            messages.success(request, f"{connection.info.label} {state}.")
        else:
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            messages.error(request, f"{connection.info.label} not saved: {errors}")
        return plugins_page(f"product-{product}")


class SyncNowView(AdminRequiredMixin, View):
    def post(self, request: HttpRequest, product: str) -> HttpResponse:
        connection = connections.product_connection(product)
        if not (connection.enabled and connection.account and connection.account.is_connected):
            messages.error(
                request,
                f"{connection.info.label}: enable it with a connected account before syncing.",
            )
            return plugins_page(f"product-{product}")
        transaction.on_commit(
            lambda: sync_product_task.delay(product, trigger=SyncRun.Trigger.BUTTON)
        )
        messages.info(
            request,
            f"{connection.info.label}: sync started. Its result appears under Recent syncs.",
        )
        return plugins_page(f"product-{product}")


class TestConnectionView(AdminRequiredMixin, View):
    def post(self, request: HttpRequest, product: str) -> HttpResponse:
        connection = connections.product_connection(product)
        result = connections.test_connection(connection)
        level = messages.SUCCESS if result.ok else messages.ERROR
        messages.add_message(request, level, f"{connection.info.label}: {result.message}")
        return plugins_page(f"product-{product}")
