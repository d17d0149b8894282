"""Mark a person stale when a row the funnel counts changes (the bulk paths call ``mark_stale`` themselves)."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from kompeten.apprenticeships.models import Placement
from kompeten.assessment.models import Assessment, AssessmentEvent
from kompeten.certificates.models import Certificate
from kompeten.jobs.models import Hire, Outcome
from kompeten.programmes.models import Batch
from kompeten.registry.models import Person, PriorTraining
from kompeten.reporting.refresh import forget_person, mark_stale
from kompeten.selection.models import Application, Choice, Offer
from kompeten.training.models import Enrolment

# Saves that change nothing the figures read (a batch's status, a capacity, an event's status).
_IRRELEVANT = {"status", "updated_at", "capacity", "note"}


def _person(sender, instance, **kwargs):
    mark_stale([instance.pk if sender is Person else instance.person_id])


def _via_application(sender, instance, **kwargs):
    mark_stale(Application.objects.filter(pk=instance.application_id).values_list("person_id", flat=True))


def _batch(sender, instance, created=False, update_fields=None, **kwargs):
    if created or (update_fields is not None and set(update_fields) <= _IRRELEVANT):
        return
    mark_stale(set(Enrolment.objects.filter(batch=instance).values_list("person_id", flat=True))
               | set(Choice.objects.filter(batch=instance).values_list("application__person_id", flat=True))
               | set(Offer.objects.filter(batch=instance).values_list("application__person_id", flat=True)))


def _event(sender, instance, created=False, update_fields=None, **kwargs):
    if created or (update_fields is not None and set(update_fields) <= _IRRELEVANT):
        return
    mark_stale(instance.candidates.values_list("person_id", flat=True))


for model in (Person, PriorTraining, Application, Enrolment, Assessment, Certificate, Placement, Outcome, Hire):
    post_save.connect(_person, sender=model, dispatch_uid=f"reporting-{model.__name__}-save")
    if model is not Person:
        post_delete.connect(_person, sender=model, dispatch_uid=f"reporting-{model.__name__}-delete")
for model in (Offer, Choice):
    post_save.connect(_via_application, sender=model, dispatch_uid=f"reporting-{model.__name__}-save")
    post_delete.connect(_via_application, sender=model, dispatch_uid=f"reporting-{model.__name__}-delete")
post_save.connect(_batch, sender=Batch, dispatch_uid="reporting-batch")
post_save.connect(_event, sender=AssessmentEvent, dispatch_uid="reporting-event")


@receiver(pre_delete, sender=Person, dispatch_uid="reporting-person-delete")
def _forget(sender, instance, **kwargs):
    forget_person(instance.pk)
