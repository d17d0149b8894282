from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kompeten.core"
