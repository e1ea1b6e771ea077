from django.apps import AppConfig


class FormsBuilderConfig(AppConfig):
    name = "forms_builder"
