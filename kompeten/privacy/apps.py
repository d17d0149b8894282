from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal-data rights under UU 27/2022 (PDP): requests with their deadline, the person's data export,
    erasure, retention and breach readiness."""

    name = "kompeten.privacy"
    verbose_name = _("Personal data")
