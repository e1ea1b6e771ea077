from django.apps import AppConfig


class GotopluginsConfig(AppConfig):
    name = "gotoplugins"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from gotoplugins import (
            checks,  # noqa: F401 - registers the system checks
            extensions,
            form_extensions,
            segment_filters,
            upcoming,
        )
        from gotoplugins.models import Event, ProductConnection

        for model in (Event, ProductConnection):
            post_save.connect(upcoming.forget, sender=model, dispatch_uid=f"upcoming-{model}")
            post_delete.connect(upcoming.forget, sender=model, dispatch_uid=f"upcoming-{model}")
        extensions.register()
        form_extensions.register()
        segment_filters.register()
