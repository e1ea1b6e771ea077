from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("contacts:list")


@login_not_required
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("contacts/", include("contacts.urls")),
    path("segments/", include("segments.urls")),
    path("forms/", include("forms_builder.urls")),
    path("f/", include("forms_builder.public_urls")),
    path("campaigns/", include("campaigns.urls")),
    path("emails/", include("emails.urls")),
    path("plugins/", include("gotoplugins.urls")),
]

if settings.GOTO_EMULATOR:
    urlpatterns.append(path("goto-emulator/", include("gotoplugins.emulator.urls")))
