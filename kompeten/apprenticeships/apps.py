from django.apps import AppConfig


class ApprenticeshipsConfig(AppConfig):
    name = "kompeten.apprenticeships"
