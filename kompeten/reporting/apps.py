from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "kompeten.reporting"
    verbose_name = _("Reporting")

    def ready(self):
        from kompeten.reporting import signals  # noqa: F401  (marks the persons whose figures changed)
