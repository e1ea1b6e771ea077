from django.apps import AppConfig


class GotopluginsConfig(AppConfig):
    name = "gotoplugins"

    def ready(self) -> None:
        from gotoplugins import (
            checks,  # noqa: F401 - registers the system checks
            extensions,
            form_extensions,
            segment_filters,
        )

        extensions.register()
        form_extensions.register()
        segment_filters.register()
