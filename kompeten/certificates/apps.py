from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "kompeten.certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from kompeten.assessment.signals import decision_changed
        from kompeten.certificates.services import withdraw_on_corrected_decision

        decision_changed.connect(withdraw_on_corrected_decision, dispatch_uid="certificates-decision-changed")
