"""Public pages, mounted at /f/: anyone may open them (login_not_required)."""

from django.urls import path

from forms_builder import public_views

app_name = "forms_public"

urlpatterns = [
    path("<slug:slug>/", public_views.public_form, name="form"),
]
