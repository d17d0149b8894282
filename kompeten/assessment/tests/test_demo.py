"""The assessment part of the demo (kompeten/assessment/demo.py), on a reduced demo loaded once for the module
and rolled back after it (as kompeten/core/tests/test_demo.py does for the programme)."""

import datetime
import re
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kompeten.accounts.models import Membership, Role
from kompeten.assessment import demo as assessment_demo
from kompeten.assessment.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentEvent,
    Assessor,
    CandidateStatus,
    CompetencyUnit,
    Decision,
    EventStatus,
    Lsp,
    Scheme,
    SchemeType,
    Tuk,
    UnitResult,
)
from kompeten.assessment.services import effective_results, recommendation
from kompeten.core import demo as core
from kompeten.core.demo import DEMO_PASSWORD, DEMO_TODAY, FINISHED_STATUSES, LSP_CODE, load_demo
from kompeten.core.stats import record_counts
from kompeten.programmes.models import Batch, TrainingPackage
from kompeten.training.models import Enrolment

PERSONS, PLAN = 600, 0.3  # small, with one event still open near DEMO_TODAY
LIMIT = settings.KOMPETEN_ASSESSOR_DAILY_LIMIT
END_OF_DEMO_TODAY = timezone.make_aware(datetime.datetime.combine(DEMO_TODAY, datetime.time.max))

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(persons=PERSONS, batch_share=PLAN)
        transaction.set_rollback(True)


def assessment_tables():
    models = [Scheme, CompetencyUnit, Tuk, Assessor, AssessmentEvent, Assessment, UnitResult, Appeal, Membership]
    return {model.__name__: model.objects.count() for model in models}


def test_counts(loaded):
    assert loaded["schemes"] == Scheme.objects.count() > 0
    assert loaded["tuks"] == 3
    assert loaded["assessors"] == len(assessment_demo.ASSESSORS)
    assert loaded["assessments"] + 1 == Assessment.objects.count()  # and the re-assessment after the appeal
    assert loaded["appeals"] == 2


def test_schemes_have_4_to_10_example_units_and_every_package_one(loaded):
    lsp = Lsp.objects.get(code=LSP_CODE)
    assert not TrainingPackage.objects.filter(scheme__isnull=True).exists()
    for scheme in Scheme.objects.prefetch_related("units", "packages"):
        units = list(scheme.units.all())
        assert 4 <= len(units) <= 10, scheme
        assert scheme.packages.exists(), scheme
        assert {p.vocation_id for p in scheme.packages.all()} == {scheme.packages.first().vocation_id}
        assert scheme.packages.first().vocation.sector_id == scheme.sector_id
        # No official unit codes are in the reference data: every scheme is an example, clearly marked.
        assert scheme.is_example and scheme.code.startswith("CONTOH-SKM-")
        assert all(u.code.startswith("CONTOH.") and u.title and len(u.elements) >= 2 for u in units)
        assert [u.order for u in units] == list(range(1, len(units) + 1))
        assert scheme.validity_months == 36 and scheme.issuing_body == "bnsp"
        assert scheme.kkni_level is not None or scheme.scheme_type != SchemeType.KKNI
        assert lsp.schemes.filter(pk=scheme.pk).exists()
    types = dict(Scheme.objects.values_list("packages__vocation__code", "scheme_type"))
    assert types["housekeeping_room_attendant"] == SchemeType.OCCUPATION
    assert types["operator_excavator"] == SchemeType.OCCUPATION
    assert Counter(types.values())[SchemeType.KKNI] > len(types) / 2


def test_lsp_tuks_and_assessors(loaded):
    lsp = Lsp.objects.select_related("centre").get(code=LSP_CODE)
    assert (lsp.lsp_type, lsp.centre.code) == ("P2", "blki_balikpapan")
    assert re.fullmatch(r"BNSP-LSP-\d{4}-ID", lsp.licence_number)
    assert (lsp.licensed_from, lsp.licensed_until) == (datetime.date(2023, 1, 1), datetime.date(2027, 12, 31))
    tuks = {t.code: t for t in lsp.tuks.select_related("centre")}
    assert {t.centre.code for t in tuks.values() if t.tuk_type == "sewaktu"} == {"blki_balikpapan", "blki_bontang"}
    assert [t.name for t in tuks.values() if t.tuk_type == "tempat_kerja"] == [
        "TUK Tempat Kerja Hotel Teluk Balikpapan"]

    assessors = list(Assessor.objects.select_related("user").prefetch_related("schemes"))
    assert sorted(a.user.email for a in assessors) == sorted(a.email for a in assessment_demo.ASSESSORS)
    for assessor in assessors:
        assert re.fullmatch(r"MET\.000\.\d{6} \d{4}", assessor.registration_number)
        assert assessor.lsp_id == lsp.pk and assessor.licence_expires > DEMO_TODAY
        assert assessor.user.roles == {Role.ASSESSOR} and assessor.user.check_password(DEMO_PASSWORD)
        assert assessor.schemes.exists()
    for scheme in Scheme.objects.all():
        assert scheme.assessors.count() >= 3, scheme


def test_every_finished_class_is_assessed_a_few_days_after_it_ended(loaded):
    batches = (Batch.objects.filter(status__in=FINISHED_STATUSES, enrolments__status="completed").distinct()
               .select_related("package", "centre"))
    assert batches
    for batch in batches:
        completed = set(batch.enrolments.filter(status="completed").values_list("person_id", flat=True))
        candidates = Assessment.objects.filter(enrolment__batch=batch, attempt=1).select_related("event__tuk")
        events = {c.event for c in candidates}
        if not candidates:  # its uji kompetensi falls after DEMO_TODAY
            assert batch.end_date + datetime.timedelta(days=3) > DEMO_TODAY
            continue
        assert {c.person_id for c in candidates} == completed
        if batch == core.assessed_journey_batch():  # journey S3: asesor@'s event, and one for the rest if any
            assert 1 <= len(events) <= 2 and {e.date for e in events} == {DEMO_TODAY}
            assert assessment_demo.journey_event() in events
        else:
            assert len(events) == 1
        event = events.pop()
        assert event.scheme_id == batch.package.scheme_id and event.centre_id == batch.centre_id
        assert 3 <= (event.date - batch.end_date).days <= 21 and event.date <= DEMO_TODAY
        assert event.date.weekday() < 5
        assert event.tuk.centre_id in (batch.centre_id, None)


def test_assessors_keep_the_daily_limit_and_one_tuk_a_day(loaded):
    rows = list(Assessment.objects.exclude(status=CandidateStatus.ABSENT)
                .values_list("assessor_id", "event__date", "event__tuk_id"))
    per_day = Counter((assessor, day) for assessor, day, _tuk in rows)
    assert max(per_day.values()) <= LIMIT
    places = defaultdict(set)
    for assessor, day, tuk in rows:
        places[(assessor, day)].add(tuk)
    assert max(len(tuks) for tuks in places.values()) == 1
    for candidate in Assessment.objects.select_related("assessor", "event"):
        assert candidate.event.assessors.filter(pk=candidate.assessor_id).exists()
        assert candidate.assessor.schemes.filter(pk=candidate.event.scheme_id).exists()
        assert candidate.assessor.licence_expires >= candidate.event.date


def test_decided_files_are_complete_consistent_and_dated_as_it_happened(loaded):
    decided = list(Assessment.objects.filter(status=CandidateStatus.APPROVED)
                   .select_related("event", "assessor__user", "person", "decided_by").prefetch_related("results"))
    assert decided
    decisions = Counter(c.decision for c in decided)
    assert 0.80 <= decisions[Decision.K] / len(decided) <= 0.95
    for candidate in decided:
        results = list(candidate.results.all())
        assert results and candidate.decision == recommendation(r.result for r in results)
        if candidate.decision == Decision.K:
            assert set(effective_results(candidate).values()) == {Decision.K}
        elif candidate.attempt == 1:
            assert 1 <= sum(r.result == Decision.BK for r in results) <= 2
        assert candidate.decided_by.email == "lsp@kompeten.demo"
        assert (candidate.created_at < candidate.apl01_at < candidate.apl02_at < candidate.ak01_at
                < candidate.submitted_at < candidate.decided_at <= END_OF_DEMO_TODAY)
        assert candidate.ak01_by_id == candidate.assessor.user_id
        assert timezone.localdate(candidate.ak01_at) == candidate.event.date
        assert candidate.apl01_data["nik"] == candidate.person.nik
        assert {d["kind"] for d in candidate.apl01_data["documents"]} >= {"ktp", "ijazah"}
        for result in results:
            assert result.version == 1 and result.updated_by_id == candidate.assessor.user_id
            assert result.methods and "observation" in result.methods
            assert result.self_assessment in (Decision.K, Decision.BK)
            assert candidate.ak01_at < result.updated_at < candidate.submitted_at
            assert bool(result.notes) or result.result == Decision.K
    for event in AssessmentEvent.objects.filter(status=EventStatus.COMPLETED):
        assert not event.candidates.exclude(status=CandidateStatus.APPROVED).exists()


def test_events_of_the_last_week_are_still_open(loaded):
    open_events = list(AssessmentEvent.objects.filter(status=EventStatus.PLANNED))
    assert open_events
    for event in open_events:
        assert DEMO_TODAY - datetime.timedelta(days=7) <= event.date <= DEMO_TODAY
        candidates = list(event.candidates.all())
        assert candidates and not any(c.status == CandidateStatus.APPROVED for c in candidates)
        for candidate in candidates:
            recorded = [r for r in candidate.results.all() if r.result]
            assert candidate.status == CandidateStatus.REGISTERED or len(recorded) == candidate.results.count()
            assert not recorded or candidate.ak01_at is not None
    assert not AssessmentEvent.objects.filter(status=EventStatus.COMPLETED,
                                              date__gte=DEMO_TODAY - datetime.timedelta(days=7)).exists()


def test_one_appeal_upheld_and_reassessed_on_the_bk_units_one_rejected(loaded):
    appeals = {a.status: a for a in Appeal.objects.select_related("assessment__event")}
    assert set(appeals) == {AppealStatus.UPHELD, AppealStatus.REJECTED}
    for appeal in appeals.values():
        decided = appeal.assessment
        assert decided.decision == Decision.BK and decided.status == CandidateStatus.APPROVED
        assert decided.decided_at < appeal.filed_at < appeal.decided_at <= END_OF_DEMO_TODAY
        assert (appeal.filed_at - decided.decided_at).days <= settings.KOMPETEN_APPEAL_DAYS
        assert appeal.grounds and appeal.outcome and appeal.decided_by.email == "lsp@kompeten.demo"
    assert not Assessment.objects.filter(previous=appeals[AppealStatus.REJECTED].assessment).exists()

    previous = appeals[AppealStatus.UPHELD].assessment
    again = Assessment.objects.select_related("event").get(previous=previous)
    failed = {r.unit_id for r in previous.results.all() if r.result == Decision.BK}
    assert failed and set(again.results.values_list("unit_id", flat=True)) == failed
    assert set(again.results.values_list("result", flat=True)) == {Decision.K}
    assert (again.attempt, again.status, again.decision) == (2, CandidateStatus.APPROVED, Decision.K)
    assert again.event.scheme_id == previous.event.scheme_id and again.event.status == EventStatus.COMPLETED
    assert appeals[AppealStatus.UPHELD].decided_at < again.event.created_at
    assert previous.event.date < again.event.date < DEMO_TODAY
    assert again.assessor_id != previous.assessor_id and again.enrolment_id == previous.enrolment_id
    assert again.decided_at <= END_OF_DEMO_TODAY and again.submitted_at < again.decided_at


def test_the_competent_counter_counts_approved_k(loaded):
    assert record_counts()["competent"] == Assessment.objects.competent().count() > 0
    assert record_counts()["schemes"] == Scheme.objects.count()
    assert record_counts()["assessments"] == Assessment.objects.count()


def test_running_again_adds_nothing(loaded):
    before = assessment_tables()
    again = load_demo(persons=PERSONS, batch_share=PLAN)
    assert set(again.values()) == {0}
    assert assessment_tables() == before
    assert Enrolment.objects.filter(assessments__isnull=False).count() == Assessment.objects.count()


# --- the certificates the demo issues (kompeten/certificates/demo.py), on the same loaded demo ---------------


def test_demo_certificates(loaded):
    from kompeten.certificates import codec, keystore, ledger
    from kompeten.certificates.models import Certificate, CertificateStatus, KeyStatus

    # The certificates step's own certificates (the apprenticeship step issues certificates of apprenticeship).
    certificates = list(Certificate.objects.exclude(kind="apprenticeship").select_related("key"))
    assert loaded["certificates"] == len(certificates) > 0
    competent = Assessment.objects.competent().filter(decided_at__date__lte=DEMO_TODAY - datetime.timedelta(days=3))
    assert {c.assessment_id for c in certificates if c.kind == "competency"} == set(
        competent.values_list("pk", flat=True))
    assert Counter(c.status for c in certificates) == {CertificateStatus.ACTIVE: len(certificates) - 2,
                                                       CertificateStatus.REVOKED: 1, CertificateStatus.SUSPENDED: 1}
    assert {c.key.status for c in certificates} == {KeyStatus.ACTIVE, KeyStatus.RETIRED}  # rotated mid-way
    assert all(c.issued_on <= DEMO_TODAY for c in certificates)
    ring = keystore.keyring()
    for certificate in certificates:  # every one verifies offline, retired keys included, and fits version 17
        assert codec.verify(certificate.qr_digits, ring).ok, certificate.number
        assert codec.make_qr("https://kompeten.kaltimprov.go.id", certificate.qr_digits).version <= 17
    assert ledger.verify_chain().ok
    assert load_demo(persons=PERSONS, batch_share=PLAN)["certificates"] == 0  # idempotent
