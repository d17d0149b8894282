"""Every figure of the dashboards equals a straightforward count over the source rows, on the demo year (a reduced
demo, loaded once for the module and rolled back after it)."""

import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kompeten.apprenticeships.services import target_progress
from kompeten.assessment.models import Assessment, CandidateStatus, Decision
from kompeten.certificates.models import Certificate, CertificateKind, CertificateStatus
from kompeten.core.demo import load_demo
from kompeten.jobs.models import WORKING, Hire, Outcome
from kompeten.programmes.models import ProgrammeYear, TrainingCentre
from kompeten.registry.models import Person
from kompeten.reporting import refresh
from kompeten.reporting.models import Dimension, Stage
from kompeten.reporting.queries import Figures, target_rows
from kompeten.selection.models import Application, ApplicationStatus, Offer
from kompeten.training.models import Enrolment, EnrolmentStatus

YEAR = 2025
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(persons=200, batch_share=0.2)
        transaction.set_rollback(True)


def persons(queryset, field="person_id") -> set[int]:
    return set(queryset.values_list(field, flat=True))


def year_of_assessment() -> Q:
    """An assessment's programme year: its enrolment's batch's, else the event's calendar year."""
    return (Q(enrolment__batch__programme_year__year=YEAR)
            | Q(enrolment__isnull=True, event__date__year=YEAR))


def direct_counts() -> dict[str, set[int]]:
    """The persons at each stage of 2025, straight from the source tables."""
    start = timezone.make_aware(datetime.datetime(YEAR, 1, 1))
    end = timezone.make_aware(datetime.datetime(YEAR + 1, 1, 1))
    enrolments = Enrolment.objects.filter(batch__programme_year__year=YEAR).exclude(status=EnrolmentStatus.WITHDRAWN)
    completed = persons(enrolments.filter(status=EnrolmentStatus.COMPLETED))
    assessments = Assessment.objects.filter(year_of_assessment())
    certificates = (Certificate.objects.filter(kind=CertificateKind.COMPETENCY)
                    .exclude(status=CertificateStatus.REVOKED)
                    .filter(Q(assessment__enrolment__batch__programme_year__year=YEAR)
                            | Q(assessment__enrolment__isnull=True, enrolment__batch__programme_year__year=YEAR)
                            | Q(assessment__enrolment__isnull=True, enrolment__isnull=True, issued_on__year=YEAR)))
    employed = (persons(Outcome.objects.filter(status__in=WORKING, on__year=YEAR))
                | persons(Hire.objects.filter(on__year=YEAR, person__isnull=False)))
    return {
        Stage.REGISTERED: persons(Person.objects.filter(created_at__gte=start, created_at__lt=end), "pk"),
        Stage.APPLIED: persons(Application.objects.filter(round__programme_year__year=YEAR)),
        Stage.ELIGIBLE: persons(Application.objects.filter(round__programme_year__year=YEAR, status__in=[
            ApplicationStatus.ADMITTED, ApplicationStatus.NOT_ADMITTED])),
        Stage.ADMITTED: persons(Offer.objects.filter(batch__programme_year__year=YEAR), "application__person_id"),
        Stage.ENROLLED: persons(enrolments),
        Stage.COMPLETED: completed,
        Stage.DROPPED: persons(enrolments.filter(status=EnrolmentStatus.NOT_COMPLETED)) - completed,
        Stage.ASSESSED: persons(assessments.filter(status__in=[CandidateStatus.ASSESSED, CandidateStatus.APPROVED])
                                .exclude(decision="")),
        Stage.COMPETENT: persons(assessments.filter(status=CandidateStatus.APPROVED, decision=Decision.K)),
        Stage.CERTIFIED: persons(certificates),
        Stage.EMPLOYED: employed,
    }


def test_the_funnel_equals_direct_counts(loaded):
    figures = Figures(YEAR)
    direct = direct_counts()
    shown = dict(figures.funnel())
    for stage, people in direct.items():
        assert shown[stage] == len(people), stage
    # Apprentices: the apprenticeship app's own count of persons placed (an independent implementation).
    assert shown[Stage.APPRENTICED] == target_progress(ProgrammeYear.objects.get(year=YEAR))["placed"]
    assert shown[Stage.CERTIFIED] > 0 and shown[Stage.COMPLETED] > 0 and shown[Stage.APPRENTICED] > 0


def test_centres_months_and_breakdowns_equal_direct_counts(loaded):
    figures = Figures(YEAR)
    enrolments = Enrolment.objects.filter(batch__programme_year__year=YEAR).exclude(status=EnrolmentStatus.WITHDRAWN)
    # Nobody trains at two centres in the demo year, so the centre of the batch is the person's centre.
    centres_of = Counter(person for person, _centre in set(enrolments.values_list("person_id", "batch__centre_id")))
    assert max(centres_of.values()) == 1
    for centre in TrainingCentre.objects.all():
        mine = enrolments.filter(batch__centre=centre)
        assert figures.count(Stage.ENROLLED, centre=centre.pk) == len(persons(mine))
        assert figures.count(Stage.COMPLETED, centre=centre.pk) == len(
            persons(mine.filter(status=EnrolmentStatus.COMPLETED)))
        # An operator's figures are the centre's.
        assert Figures(YEAR, {centre.pk}).count(Stage.COMPLETED) == figures.count(Stage.COMPLETED, centre=centre.pk)
    # Months: completed in the month its batch ended (the first completed batch of the person).
    first_end = {}
    for person, end in enrolments.filter(status=EnrolmentStatus.COMPLETED).values_list("person_id", "batch__end_date"):
        first_end[person] = min(end, first_end.get(person, end))
    by_month = Counter(end.month if end.year == YEAR else 12 for end in first_end.values())
    assert {int(row.key): row[Stage.COMPLETED] for row in figures.by_month() if row[Stage.COMPLETED]} == by_month
    # Sex of the certified, from the persons.
    certified = direct_counts()[Stage.CERTIFIED]
    sexes = Counter(Person.objects.filter(pk__in=certified).values_list("sex", flat=True))
    assert {row.key: row[Stage.CERTIFIED] for row in figures.breakdown(Dimension.SEX) if row[Stage.CERTIFIED]} == sexes
    # Every breakdown adds up to the total, at every stage.
    for dimension in Dimension.values:
        rows = figures.breakdown(dimension)
        for stage in Stage:
            assert sum(row[stage] for row in rows) == figures.count(stage), (dimension, stage)


def test_targets_against_realisation(loaded):
    rows = target_rows(Figures(YEAR))
    total = rows[-1]
    assert total["centre"] is None
    assert total["kinds"]["certified"]["target"] == 1500 and total["kinds"]["apprentices_placed"]["target"] == 400
    assert total["kinds"]["certified"]["done"] == len(direct_counts()[Stage.CERTIFIED])
    assert {row["centre"].code: row["kinds"]["certified"]["target"] for row in rows[:-1]} == {
        "blki_balikpapan": 1000, "blki_bontang": 500}


def test_the_demo_leaves_nothing_stale_and_a_rebuild_changes_nothing(loaded):
    assert refresh.stale_count() == 0
    before = Figures(YEAR).funnel()
    refresh.rebuild()
    assert Figures(YEAR).funnel() == before
