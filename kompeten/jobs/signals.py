"""Keep candidate profiles current: whatever a profile reads changes → that person's profile is recomputed in the
same transaction (so a withdrawn consent takes effect at once). Bulk writes (bulk_create / update) send no
signals: their callers refresh profiles themselves (profiles.refresh_profiles)."""

import contextlib
import contextvars

from django.db.models.signals import post_save
from django.dispatch import receiver

from kompeten.jobs.profiles import refresh_profiles

_suspended = contextvars.ContextVar("profiles_suspended", default=False)


@contextlib.contextmanager
def suspended():
    """Skip the per-person refresh inside (a bulk load); the caller refreshes every profile afterwards."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)

WATCHED = ["registry.Person", "registry.Consent", "training.Enrolment", "certificates.Certificate",
           "apprenticeships.Placement", "jobs.Outcome"]


def _person_id(instance) -> int | None:
    from kompeten.registry.models import Person

    return instance.pk if isinstance(instance, Person) else getattr(instance, "person_id", None)


@receiver(post_save)
def refresh_on_change(sender, instance, raw=False, **kwargs):
    if raw or _suspended.get() or f"{sender._meta.app_label}.{sender.__name__}" not in WATCHED:
        return
    person_id = _person_id(instance)
    if person_id is not None:
        refresh_profiles([person_id])
