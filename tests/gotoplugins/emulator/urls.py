"""The project's URLs with the emulator mounted, whatever GOTO_EMULATOR was at import."""

from django.urls import include, path

from config import urls as project

urlpatterns = [
    *(p for p in project.urlpatterns if str(p.pattern) != "goto-emulator/"),
    path("goto-emulator/", include("gotoplugins.emulator.urls")),
]
