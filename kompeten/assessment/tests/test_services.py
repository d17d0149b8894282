"""The rules of an uji kompetensi (kompeten/assessment/services.py): events, candidates, the daily limit,
FR.AK.02 writes with optimistic versions, submission and the LSP's decision, amendments, appeals,
re-assessment and the certificate gate. Every refusal is asserted by its stable code."""

import datetime
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import ASSESSMENT_DAY, assess, make_assessor, make_batch, make_person, make_user
from kompeten.assessment import services
from kompeten.assessment.models import (
    Amendment,
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentEvent,
    CandidateStatus,
    CompetencyUnit,
    Decision,
    EventStatus,
    Lsp,
    Route,
    Scheme,
    Tuk,
    UnitResult,
)
from kompeten.audit.models import AuditEntry
from kompeten.core.errors import DomainError
from kompeten.programmes.models import TrainingCentre
from kompeten.reference.loader import load_all
from kompeten.registry.models import Person
from kompeten.registry.nik import make_nik
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db

DAY = ASSESSMENT_DAY
LATER = DAY + datetime.timedelta(days=21)
WITA = ZoneInfo("Asia/Makassar")
DECIDED_AT = datetime.datetime(2025, 4, 15, 10, 0, tzinfo=WITA)
U1, U2, U3, U4 = "T.45OTO00.001.1", "T.45OTO00.002.1", "T.45OTO00.003.1", "T.45OTO00.004.1"
A = AuditEntry.Action


@contextmanager
def refused(code):
    """The block raises DomainError with exactly this code."""
    with pytest.raises(DomainError) as info:
        yield info
    assert info.value.code == code, f"expected {code!r}, got {info.value.code!r}: {info.value}"


def unit(scheme, code) -> CompetencyUnit:
    return scheme.units.get(code=code)


def row(candidate, code) -> UnitResult:
    return candidate.results.select_related("unit").get(unit__code=code)


def rows(candidate) -> list[dict]:
    """Everything stored for the candidate's units, to compare before and after."""
    return list(UnitResult.objects.filter(assessment=candidate).order_by("unit__code").values(
        "unit__code", "self_assessment", "result", "methods", "notes", "version", "updated_at", "updated_by"))


def audit(obj, action=None):
    entries = AuditEntry.objects.for_object(obj)
    return entries.filter(action=action) if action else entries


def new_event(tuk, scheme, day, assessors, by, **extra):
    return services.create_event(scheme=scheme, tuk=tuk, date=day, assessors=assessors, by=by, **extra)


def rpl(event, serial, by, *, name=None) -> Assessment:
    """A direct (RPL) candidate: a new person with work experience."""
    person = make_person(full_name=name or f"Calon RPL {serial}", sex="L", serial=serial,
                         birth_date=datetime.date(1995, 6, 1))
    return services.add_candidate(event, person, by=by, work_experience="Mekanik bengkel resmi, 5 tahun")


def ready(candidate, assessor_profile, by) -> Assessment:
    """Assigned to the assessor, with FR.AK.01 agreed."""
    services.assign_assessor(candidate, assessor_profile, by=by)
    services.record_ak01(candidate, by=assessor_profile.user)
    candidate.refresh_from_db()
    return candidate


def decided(candidate, assessor_user, lsp_admin, results=None) -> Assessment:
    """Assessed, submitted and approved by the LSP at DECIDED_AT."""
    with time_machine.travel(DECIDED_AT, tick=False):
        assess(candidate, assessor_user, results)
        return services.approve(candidate, by=lsp_admin)


@pytest.fixture
def other_scheme(db):
    scheme = Scheme.objects.create(code="TGR-TEST-01", title="Tata Graha", scheme_type="okupasi")
    CompetencyUnit.objects.create(scheme=scheme, order=1, code="I.55HKP00.001.1", title="Membersihkan kamar")
    return scheme


@pytest.fixture
def lsp2(bontang, scheme):
    lsp = Lsp.objects.create(code="lsp-lain", name="LSP Lain", centre=bontang,
                             licensed_from=datetime.date(2024, 1, 1))
    lsp.schemes.add(scheme)
    return lsp


@pytest.fixture
def later_event(tuk_balikpapan, scheme, assessor_profile, operator_balikpapan):
    """A second event of the same scheme, three weeks later: where re-assessments go."""
    return new_event(tuk_balikpapan, scheme, LATER, [assessor_profile], operator_balikpapan)


# --- events ----------------------------------------------------------------------------------------


class TestCreateEvent:
    def test_creates_the_event_and_audits_it(self, tuk_balikpapan, scheme, assessor_profile, operator_balikpapan,
                                             balikpapan, lsp):
        event = new_event(tuk_balikpapan, scheme, DAY, [assessor_profile], operator_balikpapan)
        assert event.lsp == lsp
        assert event.centre == balikpapan  # from the TUK
        assert event.status == EventStatus.PLANNED
        assert list(event.assessors.all()) == [assessor_profile]
        entry = audit(event).get()
        assert entry.action == A.CREATE
        assert entry.actor == operator_balikpapan
        assert entry.changes == {"assessors": [None, ["MET.000.000001 2021"]]}

    def test_scheme_the_lsp_does_not_certify(self, tuk_balikpapan, other_scheme, assessor_profile,
                                             operator_balikpapan):
        assessor_profile.schemes.add(other_scheme)
        with refused("scheme_not_certified"):
            new_event(tuk_balikpapan, other_scheme, DAY, [assessor_profile], operator_balikpapan)
        assert not AssessmentEvent.objects.exists()
        assert not AuditEntry.objects.filter(object_type="assessment.assessmentevent").exists()

    @pytest.mark.parametrize("day", [datetime.date(2023, 12, 31), datetime.date(2029, 1, 1)])
    def test_lsp_licence_must_cover_the_date(self, tuk_balikpapan, scheme, operator_balikpapan, day):
        with refused("lsp_not_licensed"):
            new_event(tuk_balikpapan, scheme, day, [], operator_balikpapan)
        assert not AssessmentEvent.objects.exists()

    @pytest.mark.parametrize("day", [datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)])
    def test_licence_covers_its_first_and_last_day(self, tuk_balikpapan, scheme, operator_balikpapan, day):
        assert new_event(tuk_balikpapan, scheme, day, [], operator_balikpapan).pk

    def test_open_ended_licence(self, tuk_balikpapan, scheme, operator_balikpapan, lsp):
        lsp.licensed_until = None
        lsp.save()
        assert new_event(tuk_balikpapan, scheme, datetime.date(2040, 1, 1), [], operator_balikpapan).pk

    def test_assessor_not_licensed_for_the_scheme(self, tuk_balikpapan, scheme, other_scheme, assessor_profile,
                                                  operator_balikpapan):
        assessor_profile.schemes.set([other_scheme])
        with refused("assessor_not_licensed"):
            new_event(tuk_balikpapan, scheme, DAY, [assessor_profile], operator_balikpapan)
        assert not AssessmentEvent.objects.exists()

    def test_assessor_licence_expired_before_the_date(self, tuk_balikpapan, scheme, assessor_profile,
                                                      operator_balikpapan):
        assessor_profile.licence_expires = DAY - datetime.timedelta(days=1)
        assessor_profile.save()
        with refused("assessor_not_licensed"):
            new_event(tuk_balikpapan, scheme, DAY, [assessor_profile], operator_balikpapan)
        assessor_profile.licence_expires = DAY  # valid on its last day
        assessor_profile.save()
        assert new_event(tuk_balikpapan, scheme, DAY, [assessor_profile], operator_balikpapan).pk

    def test_inactive_assessor(self, tuk_balikpapan, scheme, assessor_profile, operator_balikpapan):
        assessor_profile.is_active = False
        assessor_profile.save()
        with refused("assessor_not_licensed"):
            new_event(tuk_balikpapan, scheme, DAY, [assessor_profile], operator_balikpapan)

    def test_assessor_of_another_lsp(self, tuk_balikpapan, scheme, lsp2, assessor_profile, operator_balikpapan):
        outsider = make_assessor(make_user("asesor@lsp-lain.test", "assessor"), lsp2, [scheme],
                                 number="MET.000.000009 2023")
        with refused("assessor_other_lsp"):
            new_event(tuk_balikpapan, scheme, DAY, [assessor_profile, outsider], operator_balikpapan)
        assert not AssessmentEvent.objects.exists()

    def test_tuk_of_another_lsp(self, lsp, lsp2, scheme, balikpapan):
        tuk = Tuk.objects.create(lsp=lsp2, code="tuk-lain", name="TUK Lain")
        with refused("tuk_other_lsp"):
            services.check_event(AssessmentEvent(lsp=lsp, scheme=scheme, tuk=tuk, date=DAY))


# --- candidates --------------------------------------------------------------------------------------


class TestCandidates:
    def test_only_completed_participants(self, event, completed_batch, operator_balikpapan, scheme):
        for serial, status in [(21, "not_completed"), (22, "withdrawn"), (23, "enrolled")]:
            person = make_person(full_name=f"Peserta {status}", serial=serial)
            Enrolment.objects.create(batch=completed_batch, person=person, source="operator", status=status)
        added = services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)
        assert sorted(c.person.full_name for c in added) == ["Andi Pratama", "Dewi Lestari", "Eko Saputra"]
        for candidate in added:
            assert candidate.route == Route.TRAINING
            assert candidate.enrolment.batch == completed_batch
            assert candidate.enrolment.person == candidate.person
            assert (candidate.attempt, candidate.previous, candidate.assessor) == (1, None, None)
            assert [(r.unit.code, r.result, r.version) for r in candidate.results.select_related("unit")] == [
                (u.code, "", 0) for u in scheme.units.all()]
            entry = audit(candidate).get()
            assert entry.action == A.CREATE
            assert entry.changes == {"route": [None, "training"], "attempt": [None, 1]}

    def test_only_batches_preparing_for_the_scheme(self, event, bontang, programme_year, other_scheme, scheme,
                                                   operator_balikpapan):
        batch = make_batch(bontang, programme_year, status="completed")
        person = make_person(full_name="Gita Bontang", serial=31, registered_centre=bontang)
        Enrolment.objects.create(batch=batch, person=person, source="operator", status="completed")
        assert batch.package.scheme is None
        assert services.add_batch_candidates(event, [batch], by=operator_balikpapan) == []
        batch.package.scheme = other_scheme
        batch.package.save()
        assert services.add_batch_candidates(event, [batch], by=operator_balikpapan) == []
        batch.package.scheme = scheme
        batch.package.save()
        assert [c.person for c in services.add_batch_candidates(event, [batch], by=operator_balikpapan)] == [person]

    def test_idempotent(self, event, completed_batch, operator_balikpapan):
        first = services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)
        assert len(first) == 3
        assert services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan) == []
        assert event.candidates.count() == 3
        assert UnitResult.objects.filter(assessment__event=event).count() == 3 * 4
        assert AuditEntry.objects.filter(object_type="assessment.assessment", action=A.CREATE).count() == 3

    def test_a_person_who_completed_two_of_the_batches_is_one_candidate(self, event, completed_batch, balikpapan,
                                                                        programme_year, operator_balikpapan):
        again = make_batch(balikpapan, programme_year, status="completed", package=completed_batch.package)
        andi = Person.objects.get(full_name="Andi Pratama")
        Enrolment.objects.create(batch=again, person=andi, source="operator", status="completed")
        fajar = make_person(full_name="Fajar Nugroho", sex="L", serial=14, registered_centre=balikpapan)
        Enrolment.objects.create(batch=again, person=fajar, source="operator", status="completed")
        added = services.add_batch_candidates(event, [completed_batch, again], by=operator_balikpapan)
        assert sorted(c.person.full_name for c in added) == [
            "Andi Pratama", "Dewi Lestari", "Eko Saputra", "Fajar Nugroho"]
        assert event.candidates.filter(person=andi).count() == 1

    def test_already_competent_is_not_added(self, candidates, assessor, lsp_admin, later_event, completed_batch,
                                            operator_balikpapan):
        andi, dewi, eko = candidates
        decided(andi, assessor, lsp_admin)
        decided(dewi, assessor, lsp_admin, {U2: "BK"})
        added = services.add_batch_candidates(later_event, [completed_batch], by=operator_balikpapan)
        assert sorted(c.person.full_name for c in added) == ["Dewi Lestari", "Eko Saputra"]
        with refused("already_competent"):
            services.add_candidate(later_event, andi.person, by=operator_balikpapan, work_experience="Bengkel")
        with refused("already_competent"):
            services.add_candidate(later_event, andi.person, by=operator_balikpapan, enrolment=andi.enrolment)

    def test_add_one_completed_participant(self, event, completed_batch, operator_balikpapan):
        enrolment = completed_batch.enrolments.get(person__full_name="Dewi Lestari")
        candidate = services.add_candidate(event, enrolment.person, by=operator_balikpapan, enrolment=enrolment)
        assert (candidate.route, candidate.enrolment) == (Route.TRAINING, enrolment)
        with refused("already_candidate"):
            services.add_candidate(event, enrolment.person, by=operator_balikpapan, enrolment=enrolment)
        with refused("already_candidate"):
            services.add_candidate(event, enrolment.person, by=operator_balikpapan, work_experience="Bengkel")
        assert event.candidates.count() == 1

    def test_enrolment_not_completed(self, event, completed_batch, operator_balikpapan):
        enrolment = completed_batch.enrolments.get(person__full_name="Eko Saputra")
        enrolment.status = "not_completed"
        enrolment.save()
        with refused("not_completed"):
            services.add_candidate(event, enrolment.person, by=operator_balikpapan, enrolment=enrolment)
        assert not event.candidates.exists()

    def test_someone_elses_enrolment_is_refused(self, event, completed_batch, operator_balikpapan,
                                                person_balikpapan):
        enrolment = completed_batch.enrolments.get(person__full_name="Eko Saputra")
        with refused("not_completed"):
            services.add_candidate(event, person_balikpapan, by=operator_balikpapan, enrolment=enrolment)
        assert not event.candidates.exists()

    @pytest.mark.parametrize("experience", ["", "   \n "])
    def test_rpl_needs_work_experience(self, event, person_balikpapan, operator_balikpapan, experience):
        with refused("rpl_needs_experience"):
            services.add_candidate(event, person_balikpapan, by=operator_balikpapan, work_experience=experience)
        assert not event.candidates.exists()

    def test_rpl_candidate(self, event, person_balikpapan, operator_balikpapan):
        candidate = services.add_candidate(event, person_balikpapan, by=operator_balikpapan,
                                           work_experience="  Mekanik AHASS 6 tahun  ")
        assert candidate.route == Route.RPL
        assert candidate.enrolment is None
        assert candidate.work_experience == "Mekanik AHASS 6 tahun"
        assert candidate.results.count() == 4

    @pytest.mark.parametrize("status", [EventStatus.CANCELLED, EventStatus.COMPLETED])
    def test_closed_event_refuses_changes(self, event, completed_batch, person_balikpapan, assessor_profile,
                                          operator_balikpapan, status):
        candidate = services.add_candidate(event, person_balikpapan, by=operator_balikpapan, work_experience="Bengkel")
        AssessmentEvent.objects.filter(pk=event.pk).update(status=status)
        event.refresh_from_db()
        with refused("event_closed"):
            services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)
        with refused("event_closed"):
            rpl(event, 201, operator_balikpapan)
        with refused("event_closed"):
            services.assign_assessor(candidate, assessor_profile, by=operator_balikpapan)
        assert list(event.candidates.all()) == [candidate]
        candidate.refresh_from_db()
        assert candidate.assessor is None


# --- the assessor's daily limit ----------------------------------------------------------------------


class TestDailyLimit:
    def test_limit_counts_every_event_of_the_day(self, settings, event, tuk_bontang, scheme, assessor_profile,
                                                 operator_balikpapan):
        settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 2
        same_day = new_event(tuk_bontang, scheme, DAY, [assessor_profile], operator_balikpapan)
        first = rpl(event, 101, operator_balikpapan)
        second = rpl(same_day, 102, operator_balikpapan)
        third = rpl(same_day, 103, operator_balikpapan)
        services.assign_assessor(first, assessor_profile, by=operator_balikpapan)
        services.assign_assessor(second, assessor_profile, by=operator_balikpapan)
        with refused("assessor_daily_limit") as info:
            services.assign_assessor(third, assessor_profile, by=operator_balikpapan)
        assert (info.value.params["count"], info.value.params["limit"]) == (2, 2)
        third.refresh_from_db()
        assert third.assessor is None
        assert not audit(third, A.UPDATE).exists()
        assert services.assessor_load(assessor_profile, DAY) == 2
        # assigning a candidate already counted again is no new load
        services.assign_assessor(first, assessor_profile, by=operator_balikpapan)

    def test_other_days_are_not_affected(self, settings, event, tuk_balikpapan, scheme, assessor_profile,
                                         operator_balikpapan):
        settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 1
        services.assign_assessor(rpl(event, 101, operator_balikpapan), assessor_profile, by=operator_balikpapan)
        next_day = new_event(tuk_balikpapan, scheme, DAY + datetime.timedelta(days=1), [assessor_profile],
                             operator_balikpapan)
        candidate = services.assign_assessor(rpl(next_day, 102, operator_balikpapan), assessor_profile,
                                             by=operator_balikpapan)
        assert candidate.assessor == assessor_profile
        with refused("assessor_daily_limit"):
            services.assign_assessor(rpl(event, 103, operator_balikpapan), assessor_profile, by=operator_balikpapan)

    def test_the_limit_is_per_assessor(self, settings, event, other_assessor, assessor_profile,
                                       operator_balikpapan):
        settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 1
        event.assessors.add(other_assessor)
        services.assign_assessor(rpl(event, 101, operator_balikpapan), assessor_profile, by=operator_balikpapan)
        services.assign_assessor(rpl(event, 102, operator_balikpapan), other_assessor, by=operator_balikpapan)

    def test_absent_candidates_free_their_place(self, settings, event, assessor_profile, operator_balikpapan):
        settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 1
        first, second = rpl(event, 101, operator_balikpapan), rpl(event, 102, operator_balikpapan)
        services.assign_assessor(first, assessor_profile, by=operator_balikpapan)
        with refused("assessor_daily_limit"):
            services.assign_assessor(second, assessor_profile, by=operator_balikpapan)
        services.mark_absent(first, by=operator_balikpapan)
        assert services.assign_assessor(second, assessor_profile, by=operator_balikpapan).assessor == assessor_profile

    def test_assessor_must_be_on_the_event(self, event, other_assessor, operator_balikpapan):
        candidate = rpl(event, 101, operator_balikpapan)
        with refused("assessor_not_assigned"):
            services.assign_assessor(candidate, other_assessor, by=operator_balikpapan)

    def test_assignment_is_audited(self, event, assessor_profile, operator_balikpapan):
        candidate = services.assign_assessor(rpl(event, 101, operator_balikpapan), assessor_profile,
                                             by=operator_balikpapan)
        entry = audit(candidate, A.UPDATE).get()
        assert entry.changes == {"assessor": [None, assessor_profile.pk]}

    def test_assign_evenly(self, settings, event, other_assessor, assessor_profile, operator_balikpapan):
        settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 2
        event.assessors.add(other_assessor)
        for serial in range(101, 106):
            rpl(event, serial, operator_balikpapan)
        assert services.assign_evenly(event, by=operator_balikpapan) == 4
        loads = Counter(event.candidates.values_list("assessor", flat=True))
        assert loads == {assessor_profile.pk: 2, other_assessor.pk: 2, None: 1}
        assert services.assign_evenly(event, by=operator_balikpapan) == 0

    def test_assign_evenly_gives_to_the_least_loaded_first(self, event, tuk_bontang, scheme, other_assessor,
                                                           assessor_profile, operator_balikpapan):
        event.assessors.add(other_assessor)
        elsewhere = new_event(tuk_bontang, scheme, DAY, [assessor_profile], operator_balikpapan)
        for serial in (101, 102):  # the assessor already has two candidates that day
            services.assign_assessor(rpl(elsewhere, serial, operator_balikpapan), assessor_profile,
                                     by=operator_balikpapan)
        for serial in range(103, 107):
            rpl(event, serial, operator_balikpapan)
        assert services.assign_evenly(event, by=operator_balikpapan) == 4
        assert Counter(event.candidates.values_list("assessor", flat=True)) == {
            assessor_profile.pk: 1, other_assessor.pk: 3}
        assert services.assessor_load(assessor_profile, DAY) == services.assessor_load(other_assessor, DAY) == 3


@given(n_candidates=st.integers(min_value=0, max_value=12), limit=st.integers(min_value=1, max_value=4),
       preloads=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=4))
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_assign_evenly_never_exceeds_the_limit(tuk_balikpapan, tuk_bontang, lsp, scheme, operator_balikpapan,
                                               n_candidates, limit, preloads):
    """Whatever the numbers, after assign_evenly no assessor is over the daily limit (counting what they
    already had that day in another event) and min(candidates, free places) candidates are assigned."""
    birth = datetime.date(2003, 5, 5)
    with transaction.atomic(), override_settings(KOMPETEN_ASSESSOR_DAILY_LIMIT=limit):
        assessors = [make_assessor(make_user(f"prop{i}@lsp.test", "assessor"), lsp, [scheme],
                                   number=f"MET.PROP.{i:06d}") for i in range(len(preloads))]
        event = new_event(tuk_balikpapan, scheme, DAY, assessors, operator_balikpapan)
        elsewhere = new_event(tuk_bontang, scheme, DAY, assessors, operator_balikpapan)
        persons = Person.objects.bulk_create(
            Person(nik=make_nik("64.71.05", birth, "L", serial), full_name=f"Asesi {serial}", sex="L",
                   birth_date=birth, source="operator") for serial in range(1, n_candidates + sum(preloads) + 1))
        # what each assessor already has that day (assigned before the limit was lowered, perhaps)
        people = iter(persons)
        Assessment.objects.bulk_create(
            Assessment(event=elsewhere, person=next(people), assessor=assessor)
            for assessor, preload in zip(assessors, preloads, strict=True) for _ in range(preload))
        Assessment.objects.bulk_create(Assessment(event=event, person=person) for person in people)

        assigned = services.assign_evenly(event, by=operator_balikpapan)

        free = sum(max(0, limit - preload) for preload in preloads)
        assert assigned == min(n_candidates, free)
        assert event.candidates.filter(assessor__isnull=False).count() == assigned
        for assessor, preload in zip(assessors, preloads, strict=True):
            new = event.candidates.filter(assessor=assessor).count()
            assert new <= max(0, limit - preload)
            assert services.assessor_load(assessor, DAY) == preload + new
        transaction.set_rollback(True)


# --- the recommendation ----------------------------------------------------------------------------


@given(st.lists(st.sampled_from([Decision.K, Decision.BK, ""]), max_size=10))
def test_recommendation_is_k_only_if_every_unit_is_k(results):
    got = services.recommendation(iter(results))
    if not results or "" in results:
        assert got is None
    elif all(r == Decision.K for r in results):
        assert got == Decision.K
    else:
        assert got == Decision.BK


def test_recommendation_examples():
    assert services.recommendation(["K", "K"]) == "K"
    assert services.recommendation(["K", "BK"]) == "BK"
    assert services.recommendation(["BK", ""]) is None
    assert services.recommendation(["K", "X"]) is None
    assert services.recommendation([]) is None


# --- FR.AK.02: the assessor's record per unit ----------------------------------------------------------


def write(candidate, code, user, *, result="K", methods=("observation",), notes="", version=0, **extra):
    return services.record_unit(candidate, row(candidate, code).unit_id, result=result, methods=list(methods),
                                notes=notes, version=version, by=user, **extra)


class TestRecordUnit:
    def test_write_increments_the_version_and_audits_the_change(self, candidates, assessor):
        candidate = candidates[0]
        saved = write(candidate, U1, assessor, methods=["written", "observation", "observation"],
                      notes="  rapi dan aman ")
        stored = row(candidate, U1)
        assert (stored.result, stored.methods, stored.notes) == ("K", ["observation", "written"], "rapi dan aman")
        assert stored.version == saved.version == 1
        assert stored.updated_by == assessor and stored.updated_at is not None
        entry = audit(candidate, A.UPDATE).get(note=U1)
        assert entry.actor == assessor
        assert entry.changes == {"result": ["", "K"], "methods": [[], ["observation", "written"]],
                                 "notes": ["", "rapi dan aman"]}

        write(candidate, U1, assessor, result="BK", methods=["oral"], version=1)
        stored.refresh_from_db()
        assert (stored.result, stored.methods, stored.notes, stored.version) == ("BK", ["oral"], "", 2)
        assert audit(candidate, A.UPDATE).filter(note=U1).count() == 2
        # the other units were not touched
        assert [r.version for r in candidate.results.exclude(unit__code=U1)] == [0, 0, 0]

    @pytest.mark.parametrize("given_version", [0, 2, 7])
    def test_stale_write_is_refused_and_nothing_is_written(self, candidates, assessor, given_version):
        candidate = candidates[0]
        write(candidate, U1, assessor, version=0)
        before, entries = rows(candidate), AuditEntry.objects.count()
        with refused("stale_write") as info:
            write(candidate, U1, assessor, result="BK", version=given_version)
        assert info.value.params == {"unit": U1, "current": 1, "given": given_version}
        assert rows(candidate) == before
        assert AuditEntry.objects.count() == entries

    def test_only_the_assigned_assessor(self, candidates, event, other_assessor, operator_balikpapan, lsp_admin,
                                        province_admin):
        event.assessors.add(other_assessor)
        candidate = candidates[0]
        before = rows(candidate)
        for user in (other_assessor.user, operator_balikpapan, lsp_admin, province_admin):
            with refused("not_your_candidate"):
                write(candidate, U1, user)
        assert rows(candidate) == before

    def test_unassigned_candidate(self, event, assessor, operator_balikpapan):
        candidate = rpl(event, 101, operator_balikpapan)
        with refused("not_your_candidate"):
            write(candidate, U1, assessor)

    def test_consent_first(self, event, assessor_profile, assessor, operator_balikpapan):
        candidate = rpl(event, 101, operator_balikpapan)
        services.assign_assessor(candidate, assessor_profile, by=operator_balikpapan)
        with refused("no_consent"):
            write(candidate, U1, assessor)
        assert row(candidate, U1).version == 0
        services.record_ak01(candidate, by=assessor)
        candidate.refresh_from_db()
        assert candidate.ak01_by == assessor and candidate.ak01_at is not None
        assert audit(candidate, A.CONFIRM).get().note == "FR.AK.01"
        assert write(candidate, U1, assessor).version == 1

    def test_kompeten_needs_evidence(self, candidates, assessor):
        with refused("no_evidence") as info:
            write(candidates[0], U2, assessor, methods=[])
        assert info.value.params == {"unit": U2}
        assert row(candidates[0], U2).version == 0

    def test_unknown_method(self, candidates, assessor):
        with refused("invalid_method") as info:
            write(candidates[0], U2, assessor, methods=["observation", "guesswork"])
        assert info.value.params == {"method": "guesswork"}
        assert row(candidates[0], U2).version == 0

    @pytest.mark.parametrize("result", ["KK", "k", "kompeten", None])
    def test_invalid_result(self, candidates, assessor, result):
        with refused("invalid_result"):
            write(candidates[0], U2, assessor, result=result)

    def test_unit_of_another_scheme(self, candidates, assessor, other_scheme):
        foreign = other_scheme.units.get()
        with refused("unit_not_in_scheme"):
            services.record_unit(candidates[0], foreign.pk, result="K", methods=["observation"], version=0,
                                 by=assessor)
        with refused("unit_not_in_scheme"):
            services.record_unit(candidates[0], 10**9, result="K", methods=["observation"], version=0, by=assessor)

    def test_candidate_of_another_event_is_not_written_through_this_event(
            self, candidates, event, tuk_bontang, scheme, assessor_profile, assessor, operator_balikpapan):
        elsewhere = new_event(tuk_bontang, scheme, DAY, [assessor_profile], operator_balikpapan)
        stranger = ready(rpl(elsewhere, 101, operator_balikpapan), assessor_profile, operator_balikpapan)
        before = rows(stranger)
        with refused("not_a_candidate"):
            write(stranger, U1, assessor, event=event)
        assert rows(stranger) == before
        # through its own event it is written
        assert write(stranger, U1, assessor, event=elsewhere).version == 1
        assert write(candidates[0], U1, assessor, event=event).version == 1

    def test_submitted_file_takes_no_more_results(self, candidates, assessor):
        candidate = assess(candidates[0], assessor)
        assert candidate.status == CandidateStatus.ASSESSED
        with refused("results_locked"):
            write(candidate, U1, assessor, result="BK", version=1)


# --- submission, the LSP's decision --------------------------------------------------------------------


class TestSubmitAndApprove:
    def test_incomplete_file_is_not_submitted(self, candidates, assessor):
        candidate = candidates[0]
        for code in (U1, U2, U3):
            write(candidate, code, assessor)
        with refused("results_incomplete") as info:
            services.submit(candidate, by=assessor)
        assert info.value.params == {"count": 1}
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.REGISTERED and candidate.submitted_at is None

    def test_only_the_assessor_submits(self, candidates, assessor, operator_balikpapan):
        candidate = assess(candidates[0], assessor, submit=False)
        with refused("not_your_candidate"):
            services.submit(candidate, by=operator_balikpapan)

    def test_submit_is_audited(self, candidates, assessor):
        candidate = assess(candidates[0], assessor, {U4: "BK"})
        assert candidate.submitted_at is not None
        entry = audit(candidate, A.TRANSITION).get()
        assert entry.changes == {"status": ["registered", "assessed"]}
        assert entry.note == "BK"  # the recommendation

    def test_approve_before_submit(self, candidates, assessor, lsp_admin):
        candidate = assess(candidates[0], assessor, submit=False)
        with refused("not_submitted"):
            services.approve(candidate, by=lsp_admin)
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.REGISTERED and candidate.decision == ""

    @pytest.mark.parametrize(("results", "decision"), [
        ({}, Decision.K),
        ({U2: "BK"}, Decision.BK),
        ({U1: "BK", U4: "BK"}, Decision.BK),
        ({U1: "BK", U2: "BK", U3: "BK", U4: "BK"}, Decision.BK),
    ])
    def test_decision_is_k_only_if_every_unit_is_k(self, candidates, assessor, lsp_admin, results, decision):
        candidate = assess(candidates[0], assessor, results)
        approved = services.approve(candidate, by=lsp_admin)
        approved.refresh_from_db()
        assert (approved.status, approved.decision) == (CandidateStatus.APPROVED, decision)
        assert approved.decided_by == lsp_admin and approved.decided_at is not None
        assert approved.is_locked
        entry = audit(approved, A.TRANSITION).filter(changes__has_key="decision").get()
        assert entry.changes == {"status": ["assessed", "approved"], "decision": [None, decision]}
        assert entry.actor == lsp_admin

    def test_approve_twice(self, candidates, assessor, lsp_admin):
        candidate = assess(candidates[0], assessor)
        services.approve(candidate, by=lsp_admin)
        with refused("results_locked"):
            services.approve(candidate, by=lsp_admin)

    def test_decided_results_are_locked(self, candidates, assessor, lsp_admin, operator_balikpapan,
                                        assessor_profile):
        """After the decision no write goes through, even from an object read before the decision."""
        candidate = assess(candidates[0], assessor)  # this object still says "assessed" after approval
        services.approve(candidate, by=lsp_admin)
        before, entries = rows(candidate), AuditEntry.objects.count()
        unit_id = row(candidate, U1).unit_id
        attempts = {
            "record_unit": lambda: services.record_unit(candidate, unit_id, result="BK", methods=["oral"], version=1,
                                                        by=assessor),
            "record_apl02": lambda: services.record_apl02(candidate, {unit_id: "BK"}, by=operator_balikpapan),
            "record_ak01": lambda: services.record_ak01(candidate, by=assessor),
            "record_apl01": lambda: services.record_apl01(candidate, by=operator_balikpapan),
            "submit": lambda: services.submit(candidate, by=assessor),
            "mark_absent": lambda: services.mark_absent(candidate, by=operator_balikpapan),
            "assign_assessor": lambda: services.assign_assessor(candidate, assessor_profile, by=operator_balikpapan),
        }
        for name, attempt in attempts.items():
            with refused("results_locked"):
                attempt()
            assert rows(candidate) == before, name
        fresh = Assessment.objects.get(pk=candidate.pk)
        for attempt in (lambda: services.record_apl02(fresh, {unit_id: "BK"}, by=operator_balikpapan),
                        lambda: services.record_ak01(fresh, by=assessor)):
            with refused("results_locked"):
                attempt()
        assert rows(candidate) == before
        assert AuditEntry.objects.count() == entries

    def test_reopen_sends_the_file_back(self, candidates, assessor, lsp_admin):
        candidate = assess(candidates[0], assessor)
        services.reopen(candidate, by=lsp_admin)
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.REGISTERED and candidate.submitted_at is None
        write(candidate, U1, assessor, result="BK", methods=["oral"], version=1)
        with refused("not_submitted"):
            services.reopen(candidate, by=lsp_admin)

    def test_event_completes_when_every_candidate_is_decided(self, candidates, event, assessor, lsp_admin):
        for candidate in candidates:
            assess(candidate, assessor)
        for candidate in candidates[:2]:
            services.approve(candidate, by=lsp_admin)
            event.refresh_from_db()
            assert event.status == EventStatus.PLANNED
        services.approve(candidates[2], by=lsp_admin)
        event.refresh_from_db()
        assert event.status == EventStatus.COMPLETED

    def test_event_completes_when_the_last_open_candidate_is_absent(self, candidates, event, assessor, lsp_admin,
                                                                    operator_balikpapan):
        for candidate in candidates[:2]:
            services.approve(assess(candidate, assessor), by=lsp_admin)
        event.refresh_from_db()
        assert event.status == EventStatus.PLANNED
        services.mark_absent(candidates[2], by=operator_balikpapan)
        event.refresh_from_db()
        assert event.status == EventStatus.COMPLETED

    def test_approve_event(self, candidates, event, assessor, lsp_admin):
        assess(candidates[0], assessor)
        assess(candidates[1], assessor, {U3: "BK"})
        assert services.approve_event(event, by=lsp_admin) == 2
        assert sorted(event.candidates.values_list("status", "decision")) == [
            ("approved", "BK"), ("approved", "K"), ("registered", "")]


# --- amendments -------------------------------------------------------------------------------------------


class TestAmend:
    def test_amendment_keeps_the_decided_rows_and_flips_the_decision(self, candidates, assessor, lsp_admin,
                                                                     scheme):
        candidate = decided(candidates[0], assessor, lsp_admin)
        assert services.has_competence(candidate.person, scheme)
        before = rows(candidate)
        u3 = unit(scheme, U3)

        amendment = services.amend(candidate, u3.pk, new_result="BK", reason="  Bukti foto tidak sah ", by=lsp_admin)

        assert rows(candidate) == before
        assert (amendment.old_result, amendment.new_result) == ("K", "BK")
        assert (amendment.old_decision, amendment.new_decision) == ("K", "BK")
        assert amendment.reason == "Bukti foto tidak sah" and amendment.created_by == lsp_admin
        candidate.refresh_from_db()
        assert (candidate.status, candidate.decision) == (CandidateStatus.APPROVED, Decision.BK)
        assert services.effective_results(candidate)[u3.pk] == "BK"
        assert not services.has_competence(candidate.person, scheme)
        with refused("not_competent"):
            services.require_competent(candidate)
        entry = audit(candidate, A.UPDATE).get(note="Bukti foto tidak sah")
        assert entry.actor == lsp_admin
        assert entry.changes == {"unit": [None, u3.pk], "result": ["K", "BK"], "decision": ["K", "BK"]}

        services.amend(candidate, u3.pk, new_result="K", reason="Bukti asli ditemukan", by=lsp_admin)
        candidate.refresh_from_db()
        assert candidate.decision == Decision.K
        assert rows(candidate) == before
        assert candidate.amendments.count() == 2
        assert services.require_competent(candidate) == candidate

    def test_bk_becomes_k_only_when_every_unit_is_k(self, candidates, assessor, lsp_admin, scheme):
        candidate = decided(candidates[0], assessor, lsp_admin, {U1: "BK", U2: "BK"})
        first = services.amend(candidate, unit(scheme, U1).pk, new_result="K", reason="Salah catat", by=lsp_admin)
        assert (first.old_decision, first.new_decision) == ("BK", "BK")
        candidate.refresh_from_db()
        assert candidate.decision == Decision.BK
        second = services.amend(candidate, unit(scheme, U2).pk, new_result="K", reason="Salah catat", by=lsp_admin)
        assert (second.old_decision, second.new_decision) == ("BK", "K")
        candidate.refresh_from_db()
        assert candidate.decision == Decision.K

    @pytest.mark.parametrize("reason", ["", "  \n"])
    def test_reason_required(self, candidates, assessor, lsp_admin, scheme, reason):
        candidate = decided(candidates[0], assessor, lsp_admin)
        with refused("reason_required"):
            services.amend(candidate, unit(scheme, U1).pk, new_result="BK", reason=reason, by=lsp_admin)
        assert not Amendment.objects.exists()

    def test_same_value(self, candidates, assessor, lsp_admin, scheme):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        with refused("amend_same"):
            services.amend(candidate, unit(scheme, U1).pk, new_result="K", reason="Cek", by=lsp_admin)
        services.amend(candidate, unit(scheme, U2).pk, new_result="K", reason="Salah catat", by=lsp_admin)
        with refused("amend_same"):  # the same as the amended value
            services.amend(candidate, unit(scheme, U2).pk, new_result="K", reason="Lagi", by=lsp_admin)
        assert Amendment.objects.count() == 1

    def test_only_decided_files(self, candidates, assessor, lsp_admin, scheme):
        candidate = assess(candidates[0], assessor)
        with refused("not_decided"):
            services.amend(candidate, unit(scheme, U1).pk, new_result="BK", reason="Cek", by=lsp_admin)

    def test_bad_result_and_unit(self, candidates, assessor, lsp_admin, scheme, other_scheme):
        candidate = decided(candidates[0], assessor, lsp_admin)
        with refused("invalid_result"):
            services.amend(candidate, unit(scheme, U1).pk, new_result="", reason="Cek", by=lsp_admin)
        with refused("unit_not_in_scheme"):
            services.amend(candidate, other_scheme.units.get().pk, new_result="BK", reason="Cek", by=lsp_admin)
        assert not Amendment.objects.exists()


# --- appeals (FR.AK.04) -----------------------------------------------------------------------------------


def at(year, month, day, hour=10, minute=0):
    return time_machine.travel(datetime.datetime(year, month, day, hour, minute, tzinfo=WITA), tick=False)


@pytest.fixture
def appeal_days(settings):
    settings.KOMPETEN_APPEAL_DAYS = 14
    return 14


class TestAppeals:
    def test_filed_within_the_period(self, appeal_days, candidates, assessor, lsp_admin, operator_balikpapan):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        assert services.appeal_deadline(candidate) == datetime.date(2025, 4, 29)
        with at(2025, 4, 29, 23, 30):  # the last day, late in the evening (WITA)
            appeal = services.file_appeal(candidate, grounds="  Waktu praktik terlalu singkat ",
                                          by=operator_balikpapan)
        assert appeal.status == AppealStatus.FILED
        assert appeal.grounds == "Waktu praktik terlalu singkat"
        assert appeal.filed_at == datetime.datetime(2025, 4, 29, 23, 30, tzinfo=WITA)
        entry = audit(candidate).get(changes__appeal=[None, "filed"])
        assert entry.note == "Waktu praktik terlalu singkat"

    def test_after_the_period(self, appeal_days, candidates, assessor, lsp_admin, operator_balikpapan):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        with at(2025, 4, 30, 0, 30), refused("appeal_window_closed") as info:
            services.file_appeal(candidate, grounds="Terlambat", by=operator_balikpapan)
        assert info.value.params == {"days": 14, "until": "29-04-2025"}
        assert not Appeal.objects.exists()

    def test_the_period_is_configured(self, settings, candidates, assessor, lsp_admin, operator_balikpapan):
        settings.KOMPETEN_APPEAL_DAYS = 3
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        with at(2025, 4, 19), refused("appeal_window_closed"):
            services.file_appeal(candidate, grounds="Terlambat", by=operator_balikpapan)
        with at(2025, 4, 18):
            assert services.file_appeal(candidate, grounds="Tepat waktu", by=operator_balikpapan).pk

    def test_only_decided_and_with_grounds(self, appeal_days, candidates, assessor, lsp_admin, operator_balikpapan):
        candidate = assess(candidates[0], assessor)
        with refused("not_decided"):
            services.file_appeal(candidate, grounds="Belum diputus", by=operator_balikpapan)
        candidate = decided(candidates[1], assessor, lsp_admin, {U2: "BK"})
        with at(2025, 4, 16), refused("grounds_required"):
            services.file_appeal(candidate, grounds="   ", by=operator_balikpapan)
        assert not Appeal.objects.exists()

    def test_one_open_appeal_at_a_time(self, appeal_days, candidates, assessor, lsp_admin, operator_balikpapan):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        with at(2025, 4, 16):
            services.file_appeal(candidate, grounds="Pertama", by=operator_balikpapan)
            with refused("appeal_open"):
                services.file_appeal(candidate, grounds="Kedua", by=operator_balikpapan)
        assert candidate.appeals.count() == 1

    def test_decided_once(self, appeal_days, candidates, assessor, lsp_admin, operator_balikpapan):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        with at(2025, 4, 16):
            appeal = services.file_appeal(candidate, grounds="Pertama", by=operator_balikpapan)
        with refused("reason_required"):
            services.decide_appeal(appeal, upheld=False, outcome="  ", by=lsp_admin)
        decided_appeal = services.decide_appeal(appeal, upheld=False, outcome="Keputusan tetap", by=lsp_admin)
        assert (decided_appeal.status, decided_appeal.outcome) == (AppealStatus.REJECTED, "Keputusan tetap")
        assert decided_appeal.decided_by == lsp_admin
        with refused("appeal_decided"):
            services.decide_appeal(appeal, upheld=True, outcome="Berubah pikiran", by=lsp_admin)
        appeal.refresh_from_db()
        assert appeal.status == AppealStatus.REJECTED
        entry = audit(candidate, A.TRANSITION).get(changes__appeal=["filed", "rejected"])
        assert entry.note == "Keputusan tetap"

    def test_upheld_appeal_on_k_allows_a_reassessment(self, appeal_days, candidates, assessor, lsp_admin,
                                                      operator_balikpapan, later_event):
        candidate = decided(candidates[0], assessor, lsp_admin)
        assert not services.can_reassess(candidate)
        with at(2025, 4, 16):
            appeal = services.file_appeal(candidate, grounds="Asesor tidak netral", by=operator_balikpapan)
        services.decide_appeal(appeal, upheld=True, outcome="Uji ulang", by=lsp_admin)
        assert services.can_reassess(candidate)
        again = services.add_reassessment(later_event, candidate, by=operator_balikpapan)
        assert (again.attempt, again.previous) == (2, candidate)
        assert again.results.count() == 4  # no BK unit: the whole scheme

    def test_rejected_appeal_on_k_does_not(self, appeal_days, candidates, assessor, lsp_admin, operator_balikpapan,
                                           later_event):
        candidate = decided(candidates[0], assessor, lsp_admin)
        with at(2025, 4, 16):
            appeal = services.file_appeal(candidate, grounds="Asesor tidak netral", by=operator_balikpapan)
        services.decide_appeal(appeal, upheld=False, outcome="Keputusan tetap", by=lsp_admin)
        assert not services.can_reassess(candidate)
        with refused("not_reassessable"):
            services.add_reassessment(later_event, candidate, by=operator_balikpapan)
        assert not later_event.candidates.exists()

    def test_open_appeal_holds_the_reassessment(self, appeal_days, candidates, assessor, lsp_admin,
                                                operator_balikpapan, later_event):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        with at(2025, 4, 16):
            services.file_appeal(candidate, grounds="Pertama", by=operator_balikpapan)
        with refused("appeal_open"):
            services.add_reassessment(later_event, candidate, by=operator_balikpapan)


# --- re-assessment ---------------------------------------------------------------------------------------


class TestReassessment:
    def test_only_the_bk_units(self, candidates, assessor, assessor_profile, lsp_admin, operator_balikpapan,
                               later_event, scheme):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK", U4: "BK"})
        assert services.can_reassess(candidate)
        again = services.add_reassessment(later_event, candidate, by=operator_balikpapan)
        assert (again.attempt, again.previous, again.person) == (2, candidate, candidate.person)
        assert (again.route, again.enrolment) == (candidate.route, candidate.enrolment)
        assert [r.unit.code for r in again.results.select_related("unit")] == [U2, U4]
        assert audit(again, A.CREATE).get().changes == {"route": [None, "training"], "attempt": [None, 2]}
        candidate.refresh_from_db()
        assert candidate.reassessment == again
        assert not services.can_reassess(candidate)

        # a unit judged K before is not in the new file
        again = ready(again, assessor_profile, operator_balikpapan)
        with refused("unit_not_in_scheme"):
            services.record_unit(again, unit(scheme, U1).pk, result="K", methods=["observation"], version=0,
                                 by=assessor)
        # the new file is decided on its own units
        assess(again, assessor)
        approved = services.approve(again, by=lsp_admin)
        assert approved.decision == Decision.K
        assert services.require_competent(approved) == approved
        assert services.has_competence(candidate.person, scheme)

    def test_amended_units_count(self, candidates, assessor, lsp_admin, operator_balikpapan, later_event, scheme):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK", U4: "BK"})
        services.amend(candidate, unit(scheme, U4).pk, new_result="K", reason="Salah catat", by=lsp_admin)
        again = services.add_reassessment(later_event, candidate, by=operator_balikpapan)
        assert [r.unit.code for r in again.results.select_related("unit")] == [U2]

    def test_whole_scheme(self, candidates, assessor, lsp_admin, operator_balikpapan, later_event, scheme):
        scheme.reassessment_scope = "whole"
        scheme.save()
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        again = services.add_reassessment(later_event, candidate, by=operator_balikpapan)
        assert [r.unit.code for r in again.results.select_related("unit")] == [U1, U2, U3, U4]
        assert again.attempt == 2

    def test_a_third_attempt(self, candidates, assessor, assessor_profile, lsp_admin, operator_balikpapan,
                             later_event, tuk_balikpapan, scheme):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK", U4: "BK"})
        again = ready(services.add_reassessment(later_event, candidate, by=operator_balikpapan), assessor_profile,
                      operator_balikpapan)
        again = decided(again, assessor, lsp_admin, {U4: "BK"})
        third_event = new_event(tuk_balikpapan, scheme, LATER + datetime.timedelta(days=14), [assessor_profile],
                                operator_balikpapan)
        third = services.add_reassessment(third_event, again, by=operator_balikpapan)
        assert (third.attempt, third.previous) == (3, again)
        assert [r.unit.code for r in third.results.select_related("unit")] == [U4]

    def test_only_once(self, candidates, assessor, lsp_admin, operator_balikpapan, later_event, tuk_bontang,
                       scheme, assessor_profile):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        services.add_reassessment(later_event, candidate, by=operator_balikpapan)
        another = new_event(tuk_bontang, scheme, LATER, [assessor_profile], operator_balikpapan)
        for target in (later_event, another):
            with refused("already_reassessed"):
                services.add_reassessment(target, candidate, by=operator_balikpapan)
        assert Assessment.objects.filter(previous=candidate).count() == 1

    def test_same_scheme_only(self, candidates, assessor, lsp_admin, operator_balikpapan, tuk_balikpapan, lsp,
                              other_scheme):
        lsp.schemes.add(other_scheme)
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        housekeeping = new_event(tuk_balikpapan, other_scheme, LATER, [], operator_balikpapan)
        with refused("other_scheme") as info:
            services.add_reassessment(housekeeping, candidate, by=operator_balikpapan)
        assert info.value.params == {"scheme": "SKM-TEST-01"}
        assert not housekeeping.candidates.exists()

    def test_k_without_an_appeal(self, candidates, assessor, lsp_admin, operator_balikpapan, later_event):
        candidate = decided(candidates[0], assessor, lsp_admin)
        with refused("not_reassessable"):
            services.add_reassessment(later_event, candidate, by=operator_balikpapan)

    def test_not_yet_decided(self, candidates, assessor, operator_balikpapan, later_event):
        candidate = assess(candidates[0], assessor, {U2: "BK"})
        with refused("not_reassessable"):
            services.add_reassessment(later_event, candidate, by=operator_balikpapan)

    def test_closed_event(self, candidates, assessor, lsp_admin, operator_balikpapan, later_event):
        candidate = decided(candidates[0], assessor, lsp_admin, {U2: "BK"})
        AssessmentEvent.objects.filter(pk=later_event.pk).update(status=EventStatus.CANCELLED)
        later_event.refresh_from_db()
        with refused("event_closed"):
            services.add_reassessment(later_event, candidate, by=operator_balikpapan)

    def test_reassessable_list(self, appeal_days, candidates, assessor, lsp_admin, operator_balikpapan,
                               later_event):
        k, bk, upheld = candidates
        k = decided(k, assessor, lsp_admin)
        bk = decided(bk, assessor, lsp_admin, {U1: "BK"})
        upheld = decided(upheld, assessor, lsp_admin)
        with at(2025, 4, 16):
            appeal = services.file_appeal(upheld, grounds="Asesor tidak netral", by=operator_balikpapan)
        services.decide_appeal(appeal, upheld=True, outcome="Uji ulang", by=lsp_admin)
        assert set(services.reassessable(lsp_admin)) == {bk, upheld}
        services.add_reassessment(later_event, bk, by=operator_balikpapan)
        assert list(services.reassessable(lsp_admin)) == [upheld]


# --- the certificate gate ----------------------------------------------------------------------------------


class TestRequireCompetent:
    def test_bk_is_refused(self, candidates, assessor, lsp_admin):
        with refused("not_competent"):
            services.require_competent(decided(candidates[0], assessor, lsp_admin, {U3: "BK"}))

    def test_not_yet_approved_is_refused(self, candidates, assessor):
        with refused("not_competent"):
            services.require_competent(candidates[0])  # registered
        with refused("not_competent"):
            services.require_competent(assess(candidates[1], assessor))  # all K, but not decided

    def test_a_decision_without_approval_is_refused(self, candidates):
        unsaved = Assessment(event=candidates[0].event, person=candidates[0].person,
                             status=CandidateStatus.ASSESSED, decision=Decision.K)
        with refused("not_competent"):
            services.require_competent(unsaved)

    def test_approved_k_passes(self, candidates, assessor, lsp_admin):
        candidate = decided(candidates[0], assessor, lsp_admin)
        assert services.require_competent(candidate) is candidate
        assert list(Assessment.objects.competent()) == [candidate]


# --- races: real concurrent requests, each thread with its own connection --------------------------------
# These tests commit their data (transaction=True), so the other connections see it; the flush that ends
# each of them empties the reference data too, which `reference_data_again` loads again for what follows.
# They stay at the end of the module.

RACERS = 12


@pytest.fixture(scope="module")
def reference_data_again(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        load_all()


@pytest.fixture
def reference_data(reference_data_again):
    if not TrainingCentre.objects.filter(code="blki_balikpapan").exists():
        load_all()


def race(calls):
    """Run each zero-argument call in its own thread, all released together; returns what each returned,
    or the DomainError's code, or any other exception."""
    barrier = threading.Barrier(len(calls))

    def work(call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            try:
                return call()
            except DomainError as error:
                return error.code
            except Exception as error:  # recorded, and asserted to be none
                return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(work, calls))


def slow_load(delay=0.01):
    """Widen the window between counting the assessor's load and saving the assignment."""
    real = services.assessor_load

    def slow(*args, **kwargs):
        count = real(*args, **kwargs)
        time.sleep(delay)
        return count

    return mock.patch.object(services, "assessor_load", slow)


def assign_all_at_once(event, assessor_profile, operator):
    pending = [rpl(event, 300 + i, operator) for i in range(RACERS)]
    with slow_load():
        outcomes = race([lambda c=c: services.assign_assessor(c, assessor_profile, by=operator) for c in pending])
    errors = [o for o in outcomes if not isinstance(o, Assessment | str)]
    assert errors == [], f"requests failed with an error (a 500): {errors[:3]!r}"
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_never_pass_the_daily_limit(reference_data, settings, event, assessor_profile,
                                                           operator_balikpapan):
    settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 3
    outcomes = assign_all_at_once(event, assessor_profile, operator_balikpapan)
    assert sum(isinstance(o, Assessment) for o in outcomes) == 3
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["assessor_daily_limit"] * (RACERS - 3)
    assert services.assessor_load(assessor_profile, DAY) == 3


@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_assessor_lock_the_limit_is_passed(reference_data, settings, event,
                                                                        assessor_profile, operator_balikpapan):
    """Proves the race test above can see a breach: without the lock on the assessor row, PostgreSQL lets
    concurrent assignments all pass the count."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; BEGIN IMMEDIATE serialises the writers even without the lock")
    settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 3
    with mock.patch.object(services, "Assessor"):  # Assessor.objects.select_for_update() does nothing
        assign_all_at_once(event, assessor_profile, operator_balikpapan)
    assert services.assessor_load(assessor_profile, DAY) > 3, "no breach without the lock: the race test is blind"


@pytest.mark.django_db(transaction=True)
def test_last_two_decisions_at_once_complete_the_event(reference_data, event, assessor_profile, assessor,
                                                       lsp_admin, operator_balikpapan):
    pair = [ready(rpl(event, 400 + i, operator_balikpapan), assessor_profile, operator_balikpapan) for i in (1, 2)]
    for candidate in pair:
        assess(candidate, assessor)
    outcomes = race([lambda c=c: services.approve(c, by=lsp_admin) for c in pair])
    assert all(isinstance(o, Assessment) for o in outcomes), outcomes
    event.refresh_from_db()
    assert event.status == EventStatus.COMPLETED


def test_a_submitted_file_takes_no_more_application_records(candidates, assessor, operator_balikpapan):
    submitted = assess(candidates[0], assessor)
    for write in (lambda: services.record_apl01(submitted, by=operator_balikpapan),
                  lambda: services.record_apl02(submitted, {}, by=operator_balikpapan)):
        with pytest.raises(DomainError) as refused:
            write()
        assert refused.value.code == "file_submitted"


def test_one_appeal_per_decision(candidates, assessor, lsp_admin, operator_balikpapan):
    decided = services.approve(assess(candidates[0], assessor, {"T.45OTO00.002.1": "BK"}), by=lsp_admin)
    appeal = services.file_appeal(decided, grounds="Tidak setuju", by=operator_balikpapan)
    services.decide_appeal(appeal, upheld=False, outcome="Keputusan tetap", by=lsp_admin)
    with pytest.raises(DomainError) as refused:
        services.file_appeal(decided, grounds="Sekali lagi", by=operator_balikpapan)
    assert refused.value.code == "appeal_decided"
