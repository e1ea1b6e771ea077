"""Mounts the emulator the way config/urls.py does, whatever GOTO_EMULATOR says at import."""

from django.urls import include, path

urlpatterns = [path("goto-emulator/", include("gotoplugins.emulator.urls"))]
