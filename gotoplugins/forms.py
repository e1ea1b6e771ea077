from __future__ import annotations

from typing import Any

from django import forms

from gotoplugins.models import GoToAccount, ProductConnection


class AccountForm(forms.ModelForm):
    """GoTo OAuth client credentials. The secret is write-only: never shown again."""

    client_secret = forms.CharField(
        label="OAuth client secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        max_length=500,
        required=False,
    )

    class Meta:
        model = GoToAccount
        fields = ("name", "client_id", "client_secret")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields[
                "client_secret"
            ].help_text = (
                "Stored encrypted and never shown. Leave empty to keep the current secret."
            )
            self.initial["client_secret"] = ""
        else:
            self.fields["client_secret"].required = True

    def clean_client_id(self) -> str:
        return str(self.cleaned_data["client_id"]).strip()

    def clean_client_secret(self) -> str:
        secret = str(self.cleaned_data.get("client_secret") or "").strip()
        if not secret and self.instance.pk:
            return str(GoToAccount.objects.get(pk=self.instance.pk).client_secret)
        return secret


class ProductForm(forms.ModelForm):
    class Meta:
        model = ProductConnection
        fields = ("enabled", "account")
        labels = {"enabled": "Enabled", "account": "GoTo account"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account_field: Any = self.fields["account"]
        account_field.empty_label = "— choose an account —"
        if not self.instance.account_id:
            # Offer the account another product already connected.
            connected = (a for a in GoToAccount.objects.all() if a.is_connected)
            first = next(connected, None)
            if first is not None:
                self.initial["account"] = first.pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("enabled") and not cleaned.get("account"):
            self.add_error("account", "Choose the GoTo account this product uses.")
        return cleaned
