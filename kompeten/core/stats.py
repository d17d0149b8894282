"""Record counts for the ``kompeten stats`` command and scripts.

Each key maps to either ``(app_label, ModelName)`` — counted with ``objects.count()``, 0 while that
model does not exist yet — or a callable returning an int (for counts that need a filter). Later
issues fill a key by changing its one line; the keys themselves are an interface and stay fixed.
"""

from collections.abc import Callable

from django.apps import apps
from django.utils.translation import gettext_lazy as _

Counter = tuple[str, str] | Callable[[], int]


def _competent() -> int:
    """Approved Kompeten (K) results."""
    from kompeten.assessment.models import Assessment

    return Assessment.objects.competent().count()


COUNTERS: dict[str, Counter] = {
    "persons": ("registry", "Person"),
    "users": ("accounts", "User"),
    "centres": ("programmes", "TrainingCentre"),
    "batches": ("programmes", "Batch"),
    "applications": ("selection", "Application"),
    "enrolments": ("training", "Enrolment"),
    "schemes": ("assessment", "Scheme"),
    "assessments": ("assessment", "Assessment"),
    "competent": _competent,  # approved Kompeten (K) results
    "certificates": ("certificates", "Certificate"),
    "companies": ("apprenticeships", "Company"),
    "placements": ("apprenticeships", "Placement"),
    "vacancies": ("jobs", "Vacancy"),
    "outcomes": ("jobs", "Outcome"),
}

LABELS = {
    "persons": _("Job seekers"),
    "users": _("User accounts"),
    "centres": _("Training centres"),
    "batches": _("Training batches (angkatan)"),
    "applications": _("Applications"),
    "enrolments": _("Enrolments"),
    "schemes": _("Certification schemes"),
    "assessments": _("Assessments"),
    "competent": _("Competent (K) results, approved"),
    "certificates": _("Certificates"),
    "companies": _("Companies"),
    "placements": _("Apprenticeship placements (pemagangan)"),
    "vacancies": _("Vacancies"),
    "outcomes": _("Job outcomes"),
}


def count(counter: Counter) -> int:
    if callable(counter):
        return int(counter())
    app_label, model_name = counter
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:  # the app or the model does not exist yet
        return 0
    return model._default_manager.count()


def record_counts() -> dict[str, int]:
    return {key: count(counter) for key, counter in COUNTERS.items()}
