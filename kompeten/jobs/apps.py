from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "kompeten.jobs"
    verbose_name = _("Jobs and outcomes")

    def ready(self):
        from kompeten.jobs import signals  # noqa: F401  (keeps the candidate profiles current)
