from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "kompeten.assessment"
