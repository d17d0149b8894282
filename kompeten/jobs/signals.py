"""Keep candidate profiles current: whatever a profile reads changes → that person's profile is recomputed in the
same transaction (so a withdrawn consent takes effect at once). Bulk writes (bulk_create / bulk_update / update)
send no signals: their callers refresh profiles themselves (profiles.refresh_profiles).

Saved or deleted: a person, a consent, an enrolment, a certificate, a placement, an outcome. A batch saved (its
dates, its status — ``programmes.services.transition_batch`` saves it when the batch is completed) refreshes its
participants who completed it: ``training.services.complete_batch`` records the completions with bulk_update, which
sends no signal, so without this their profiles would wait for the next bulk refresh.
"""

import contextlib
import contextvars

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_delete
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


def _label(sender) -> str:
    return f"{sender._meta.app_label}.{sender.__name__}"


def _person_id(instance) -> int | None:
    from kompeten.registry.models import Person

    return instance.pk if isinstance(instance, Person) else getattr(instance, "person_id", None)


@receiver(post_save)
def refresh_on_change(sender, instance, raw=False, **kwargs):
    if raw or _suspended.get():
        return
    label = _label(sender)
    if label == "programmes.Batch":
        _refresh_batch(instance)
        return
    if label not in WATCHED:
        return
    person_id = _person_id(instance)
    if person_id is not None:
        refresh_profiles([person_id])
    if label == "registry.Consent" and instance.purpose == "share_companies" and not instance.given:
        from kompeten.jobs.services import withdraw_invitations

        withdraw_invitations(instance.person)


# Persons being deleted: Django sends every pre_delete of a cascade before it deletes anything, so a consent or an
# enrolment deleted along with its person must not write the profile again (it would point at a deleted person).
_deleting = contextvars.ContextVar("persons_deleting", default=frozenset())


def note_person_deletion(sender, instance, **kwargs):
    if _label(sender) == "registry.Person":
        _deleting.set(_deleting.get() | {instance.pk})


def refresh_on_delete(sender, instance, **kwargs):
    """A deleted enrolment, certificate, placement or outcome no longer counts (a deleted person's profile goes
    with them, by cascade)."""
    if _label(sender) == "registry.Person":
        _deleting.set(_deleting.get() - {instance.pk})
        return
    if _suspended.get() or _label(sender) not in WATCHED:
        return
    person_id = _person_id(instance)
    if person_id is not None and person_id not in _deleting.get():
        refresh_profiles([person_id])


# Connected to the watched models only: a delete receiver without a sender would keep Django from deleting any
# other model's rows in one statement (the dashboards' summary tables are rebuilt with millions of them).
pre_delete.connect(note_person_deletion, sender=apps.get_model("registry.Person"), dispatch_uid="jobs-person-deleting")
for _watched in WATCHED:
    post_delete.connect(refresh_on_delete, sender=apps.get_model(_watched), dispatch_uid=f"jobs-deleted-{_watched}")


def _refresh_batch(batch) -> None:
    from kompeten.training.models import Enrolment, EnrolmentStatus

    if batch.pk is None:
        return
    person_ids = list(Enrolment.objects.filter(batch=batch, status=EnrolmentStatus.COMPLETED)
                      .values_list("person_id", flat=True))
    if person_ids:
        refresh_profiles(person_ids)
