"""Building blocks for the certificate tests that use the database (not fixtures: each module makes its own)."""

import datetime

from django.utils import timezone

from conftest import assess
from kompeten.registry.models import Person
from kompeten.registry.nik import make_nik
from kompeten.training.models import Enrolment, EnrolmentStatus

BIRTH = datetime.date(2000, 2, 2)


def at(year, month, day, hour=10, minute=0) -> datetime.datetime:
    """An aware moment in the project's time zone."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def approve_all(candidates, assessor_user, lsp_admin, results=None):
    """Assess every candidate K (or as ``results`` says) and let the LSP decide: approved assessments."""
    from kompeten.assessment import services

    decided = []
    for candidate in candidates:
        assess(candidate, assessor_user, results)
        decided.append(services.approve(candidate, by=lsp_admin))
    return decided


def completed_enrolments(batch, count, *, first_serial=100, district="64.71.05", status=EnrolmentStatus.COMPLETED):
    """``count`` new people who completed ``batch`` (bulk-made: the crash test needs hundreds)."""
    persons = Person.objects.bulk_create(
        Person(nik=make_nik(district, BIRTH, "L", serial), full_name=f"Peserta {serial:04d}", sex="L",
               birth_date=BIRTH, source="operator", registered_centre=batch.centre)
        for serial in range(first_serial, first_serial + count))
    Enrolment.objects.bulk_create(
        Enrolment(batch=batch, person=person, source="operator", status=status,
                  final_test_passed=status == EnrolmentStatus.COMPLETED) for person in persons)
    return list(Enrolment.objects.filter(batch=batch, person__in=persons).select_related("person").order_by("pk"))
