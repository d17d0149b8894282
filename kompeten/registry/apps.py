from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kompeten.registry"
