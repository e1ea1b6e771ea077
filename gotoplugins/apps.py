from django.apps import AppConfig


class GotopluginsConfig(AppConfig):
    name = "gotoplugins"
