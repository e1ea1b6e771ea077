from django.apps import AppConfig


class FormsBuilderConfig(AppConfig):
    name = "forms_builder"

    def ready(self) -> None:
        from forms_builder import actions, fields, timeline

        fields.register_standard_types()
        actions.register_core_actions()
        timeline.register_kinds()
