import datetime
import json
from collections import Counter
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q
from django.test import RequestFactory, override_settings
from django.utils import timezone

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships import demo as apprenticeship_demo
from kompeten.apprenticeships.models import Application as ApprenticeshipApplication
from kompeten.apprenticeships.models import Company, Placement
from kompeten.assessment.demo import ASSESSORS, EXTRA_ASSESSORS
from kompeten.assessment.models import (
    Appeal,
    Assessment,
    AssessmentEvent,
    Assessor,
    CompetencyUnit,
    Lsp,
    Scheme,
    Tuk,
    UnitResult,
)
from kompeten.certificates.models import Certificate, LedgerEntry, StatusChange
from kompeten.core import demo
from kompeten.core.demo import DEMO_PASSWORD, DEMO_TODAY, JOB_SEEKER_EMAIL, STAFF_USERS, load_demo
from kompeten.jobs.models import Hire
from kompeten.programmes.models import (
    Batch,
    BatchSession,
    BatchStatus,
    ProgrammeYear,
    Target,
    TrainingCentre,
    TrainingPackage,
    Vocation,
)
from kompeten.programmes.services import working_days
from kompeten.reference.models import Sector
from kompeten.reference.services import province_codes, regency_codes
from kompeten.registry.models import Consent, Person, PersonSource, PriorTraining
from kompeten.registry.nik import compare_with_person, parse_nik
from kompeten.selection import services as selection_services
from kompeten.selection.models import Application, Choice, Offer, RoundBatch, SelectionRound
from kompeten.selection.rules import ineligibility
from kompeten.training.models import Attendance, Enrolment, EnrolmentStatus
from kompeten.training.services import attendance_percentages, open_offers

PERSONS = 200
SMALL_PLAN = 0.2  # of the batch plan, for the tests of persons
# The programme tests: enough persons that every class is filled from the never-trained ones.
PROGRAMME_PERSONS = 1600
PROGRAMME_PLAN = 0.5
NEVER_TRAINED = Q(declared_prior_training=False, prior_trainings__isnull=True)
REASONS = {"attendance", "found_work", "moved", "health", "final_test"}
FOCUS = {"mining", "trade", "motorcycle_repair", "construction", "housekeeping"}


@pytest.fixture
def loaded(db):
    return load_demo(persons=PERSONS, batch_share=SMALL_PLAN)


@pytest.fixture(scope="class")
def programme(django_db_setup, django_db_blocker):
    """The programme demo, loaded once for the tests of TestProgramme (it takes seconds: the selection rounds
    run through the services); rolled back after them. Each test rolls back its own changes (``db``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(persons=PROGRAMME_PERSONS, batch_share=PROGRAMME_PLAN)
        transaction.set_rollback(True)


def table_counts():
    models = [Person, PriorTraining, Consent, User, Membership, Company, Lsp, Vocation.centres.through,
              ProgrammeYear, Target, TrainingPackage, Batch, BatchSession, Enrolment, Attendance, SelectionRound,
              RoundBatch, Application, Choice, Offer, Scheme, CompetencyUnit, Tuk, Assessor, AssessmentEvent,
              Assessment, UnitResult, Appeal]
    return {model.__name__: model.objects.count() for model in models}


def test_counts(loaded):
    assert loaded.pop("vocations") > 0
    for key in ("programme_year", "packages", "batches", "enrolments", "selection", "attendance", "completed",
                "documents", "schemes", "assessments", "certificates", "linkage", "report_facts"):
        assert loaded.pop(key) > 0, key
    assert loaded.pop("open_round") >= 0  # few persons are left free in so small a demo
    assert loaded.pop("apprenticeships") == Placement.objects.count()  # few trained persons in so small a demo
    assert loaded.pop("jobs") > 0
    assert loaded == {"lsp": 1, "companies": 12, "users": len(STAFF_USERS), "persons": PERSONS,
                      "job_seeker": 1, "tuks": 3, "assessors": len(ASSESSORS), "appeals": 2}
    assert Person.objects.filter(source=PersonSource.DEMO).count() == PERSONS
    assert User.objects.count() == (len(STAFF_USERS) + 1 + len(EXTRA_ASSESSORS)
                                    + len(apprenticeship_demo.demo_logins()))
    # The twelve companies of make_companies and those of the apprenticeship step.
    assert Company.objects.count() == len(apprenticeship_demo.COMPANIES) + len(apprenticeship_demo.OTHER_COMPANIES)
    lsp = Lsp.objects.get()
    assert (lsp.code, lsp.lsp_type, lsp.centre.code) == ("lsp-blki-kaltim", "P2", "blki_balikpapan")
    assert {m.role for m in Membership.objects.all()} == set(Role.values)


def test_running_twice_adds_nothing(loaded):
    before = table_counts()
    again = load_demo(persons=PERSONS, batch_share=SMALL_PLAN)
    assert set(again.values()) == {0}
    assert table_counts() == before


def test_persons_are_deterministic(loaded):
    def rows():
        return list(Person.objects.order_by("id").values_list("nik", "full_name", "phone", "village_id"))

    first = rows()
    # The demo certificates, assessments, enrolments and applications protect their persons.
    LedgerEntry.objects.all().delete()
    StatusChange.objects.all().delete()
    Certificate.objects.update(replaced_by=None)
    Certificate.objects.all().delete()
    Appeal.objects.all().delete()
    Assessment.objects.filter(previous__isnull=False).delete()
    Assessment.objects.all().delete()
    Enrolment.objects.all().delete()
    Application.objects.all().delete()
    Hire.objects.all().delete()  # the jobs step's named hires
    Placement.objects.update(previous=None)  # the apprenticeship step's placements and applications
    Placement.objects.all().delete()
    ApprenticeshipApplication.objects.all().delete()
    Person.objects.filter(source=PersonSource.DEMO).delete()
    assert demo.make_persons(PERSONS) == PERSONS
    assert rows() == first


def test_every_nik_parses_and_matches_the_person(loaded):
    persons = list(Person.objects.all())
    assert len({p.nik for p in persons}) == len(persons)
    for person in persons:
        result = parse_nik(person.nik, province_codes=province_codes(), regency_codes=regency_codes())
        assert result.issues == (), (person.nik, result.issues)
        assert compare_with_person(result.info, birth_date=person.birth_date, sex=person.sex) == ()
        assert result.info.birth_date == person.birth_date
        assert person.village_id.startswith(result.info.district_code + ".")


def test_person_attributes(loaded):
    persons = list(Person.objects.select_related("registered_centre"))
    for person in persons:
        assert 18 <= person.age_on(person.created_at.date()) <= 45
        assert datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) <= person.created_at
        assert person.created_at < datetime.datetime(2025, 4, 1, tzinfo=datetime.UTC)
        assert person.phone.startswith("+628")
        assert person.street.startswith("Jl. ") and person.rt and person.rw
        assert bool(person.ak1_number) == bool(person.ak1_expires)
    trained = [p for p in persons if p.declared_prior_training]
    assert 0.15 <= len(trained) / len(persons) <= 0.25
    assert PriorTraining.objects.count() == len(trained)
    assert set(PriorTraining.objects.values_list("person_id", flat=True)) == {p.pk for p in trained}
    assert Consent.objects.filter(purpose="registry", given=True, channel="demo").count() == len(persons)
    by_centre = {c.code: c.registered_persons.count() for c in TrainingCentre.objects.all()}
    assert by_centre["blki_balikpapan"] > by_centre["blki_bontang"] > 0


def test_focus_sectors_are_offered(loaded):
    for sector in Sector.objects.filter(is_focus=True):
        centres = set(TrainingCentre.objects.filter(vocations__sector=sector).values_list("code", flat=True))
        expected = set(demo.SECTOR_CENTRES[sector.key])
        assert expected <= centres, sector.key


def test_companies_have_region_sector_and_kbli(loaded):
    for company in Company.objects.select_related("kbli", "region"):
        assert company.region.level == "regency"
        assert company.kbli is not None
        assert company.kbli.sectors.filter(key=company.sector_id).exists()


def test_every_demo_user_can_log_in(loaded):
    request = RequestFactory().post("/")
    for spec in [*STAFF_USERS, *EXTRA_ASSESSORS]:
        user = authenticate(request=request, username=spec.email, password=DEMO_PASSWORD)
        assert user is not None and user.email == spec.email
    job_seeker = authenticate(request=request, username=JOB_SEEKER_EMAIL, password=DEMO_PASSWORD)
    assert job_seeker.person.source == PersonSource.DEMO
    assert job_seeker.roles == {Role.JOB_SEEKER}
    local_phone = "0" + job_seeker.phone.removeprefix("+62")
    assert authenticate(request=request, username=local_phone, password=DEMO_PASSWORD) == job_seeker


def test_command_prints_logins_and_serves(db):
    calls = []

    def fake_call_command(name, *args, **kwargs):
        calls.append((name, args, kwargs))

    out = StringIO()
    with mock.patch("kompeten.core.management.commands.demo.call_command", fake_call_command):
        call_command("demo", "--persons", "20", stdout=out)
    names = [name for name, _args, _kwargs in calls]
    assert names == ["migrate", "collectstatic", "load_reference", "runserver"]
    assert calls[-1][1:] == (("127.0.0.1:8000",), {"use_reloader": False})
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert DEMO_PASSWORD in text
    for spec in STAFF_USERS:
        assert spec.email in text
    assert f"asesor3 … asesor{len(ASSESSORS)}@kompeten.demo" in text  # the other assessors, on one line
    for login in apprenticeship_demo.COMPANY_USERS:
        assert login.email in text
    assert f"{apprenticeship_demo.other_company_logins()[0]} …" in text  # the other companies, on one line
    assert JOB_SEEKER_EMAIL in text


def test_command_no_serve_for_real(db, tmp_path):
    out = StringIO()
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("demo", "--no-serve", "--persons", "20", stdout=out)
    assert Person.objects.count() == 20
    assert "runserver" not in out.getvalue()
    assert "http://" not in out.getvalue()


# --- the 2025 programme ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestProgramme:
    """The 2025 programme and its selection rounds, on one demo loaded for the class (PROGRAMME_PERSONS)."""

    def test_programme_year_targets_and_packages(self, programme):
        year = ProgrammeYear.objects.get(year=2025)
        assert year.name == "Program Pelatihan Berbasis Kompetensi Kaltim 2025"

        def number(kind, centre=None, sector=None):
            return Target.objects.get(programme_year=year, kind=kind, centre__code=centre, sector=sector).number

        assert number("certified") == 1500
        assert number("certified", "blki_balikpapan") == 1000
        assert number("certified", "blki_bontang") == 500
        assert number("trained", "blki_balikpapan") == 80 * 16
        assert number("trained", "blki_bontang") == 32 * 16
        assert number("apprentices_placed") == 400
        sector_targets = year.targets.filter(kind="certified", centre=None, sector__isnull=False)
        by_sector = dict(sector_targets.values_list("sector_id", "number"))
        assert set(by_sector) == FOCUS
        assert sum(by_sector.values()) <= 1500
        assert min(by_sector, key=by_sector.get) == "housekeeping"

        for centre in TrainingCentre.objects.filter(code__in=demo.BOTH):
            packages = {p.vocation_id: p for p in centre.packages.select_related("vocation")}
            assert set(packages) == set(centre.vocations.values_list("pk", flat=True))
            for package in packages.values():
                assert package.code == package.vocation.code and package.name == package.vocation.name
                assert package.hours == (package.vocation.typical_hours or 240)
                assert (package.class_size, package.attendance_threshold) == (16, 80)
                assert (package.min_age, package.max_age, package.min_education_id) == (18, 35, "SMP")
                assert package.has_final_test and package.domicile_id == "64"
                assert package.require_not_in_school and package.require_not_working
        assert TrainingPackage.objects.filter(max_education="D3").count() > TrainingPackage.objects.count() * 0.8


    def test_batches_cover_every_status_both_centres_and_the_focus_sectors(self, programme):
        batches = list(Batch.objects.select_related("centre", "package__vocation"))
        # In mid-November no class is merely planned any more: the last ones are open for registration.
        for code in demo.BOTH:
            assert {b.status for b in batches if b.centre.code == code} == set(BatchStatus.values) - {"planned"}, code
        journey = demo.journey_batch()
        assert journey.end_date == demo.JOURNEY_END and journey.status == BatchStatus.RUNNING
        assert demo.assessed_journey_batch().end_date == demo.JOURNEY_END
        assert {b.package.vocation.sector_id for b in batches} >= FOCUS
        sectors = Counter(b.package.vocation.sector_id for b in batches)
        assert sectors["housekeeping"] == min(sectors[s] for s in FOCUS)
        numbers = Counter()
        for batch in sorted(batches, key=lambda b: (b.start_date, b.package.code)):
            numbers[batch.package_id] += 1
            assert batch.number == numbers[batch.package_id]
            assert batch.capacity == 16
            assert batch.instructors and batch.location
            assert batch.package.centre_id == batch.centre_id
            assert datetime.date(2025, 2, 1) <= batch.start_date <= demo.DECEMBER_START
            assert batch.start_date.weekday() == 0 and batch.end_date.year == 2025
            assert (batch.end_date - batch.start_date).days + 3 >= 14
            if batch.status not in (BatchStatus.CANCELLED, BatchStatus.CLOSED) and batch != journey:
                assert batch.status == demo.batch_status(batch.start_date, batch.end_date), batch
            if batch.start_date == demo.DECEMBER_START:
                assert batch.status == BatchStatus.OPEN
            if batch.status == BatchStatus.CLOSED:
                assert batch.end_date < DEMO_TODAY
            sessions = sorted(batch.sessions.values_list("date", flat=True))
            if batch.status == BatchStatus.CANCELLED:
                assert sessions == []
            else:
                assert sessions == working_days(batch.start_date, batch.end_date, demo.HOLIDAYS_2025)
            assert batch.created_at.date() < batch.start_date
            assert batch.updated_at.date() <= DEMO_TODAY


    def test_enrolments_respect_capacity_one_active_enrolment_and_prefer_the_never_trained(self, programme):
        # Withdrawn enrolments (an applicant who moved up to a better choice) gave their seat back.
        enrolments = list(Enrolment.objects.holding_seat().select_related("batch", "person"))
        assert enrolments
        per_batch = Counter(e.batch_id for e in enrolments)
        for batch in Batch.objects.all():
            assert per_batch[batch.pk] <= batch.capacity
            if batch.status in demo.STAFFED_STATUSES:
                assert per_batch[batch.pk] >= 14, batch
            else:
                assert per_batch[batch.pk] == 0, batch
        active = Counter(e.person_id for e in enrolments if e.status == EnrolmentStatus.ENROLLED)
        assert active and max(active.values()) == 1
        assert max(Counter(e.person_id for e in enrolments).values()) == 1
        assert not Enrolment.objects.filter(batch__status__in=["completed", "closed"], status="enrolled").exists()
        in_rounds = set(RoundBatch.objects.values_list("batch_id", flat=True))
        for enrolment in enrolments:
            assert enrolment.source in ({"selection", "reserve"} if enrolment.batch_id in in_rounds else {"selection"})
            assert enrolment.person.registered_centre_id == enrolment.batch.centre_id
            assert enrolment.person.created_at < enrolment.enrolled_at
            assert enrolment.enrolled_at.date() < min(enrolment.batch.start_date, DEMO_TODAY)

        # Never-trained persons were preferred.
        persons = Person.objects.filter(source=PersonSource.DEMO)
        population = persons.exclude(NEVER_TRAINED).count() / persons.count()
        enrolled = persons.filter(enrolments__isnull=False)
        assert population > 0.15
        assert enrolled.exclude(NEVER_TRAINED).count() / enrolled.count() < population / 2


    def test_attendance_only_up_to_demo_today(self, programme):
        marks = Attendance.objects.all()
        assert marks.count() > 0
        assert not marks.filter(session__date__gt=DEMO_TODAY).exists()
        assert not marks.exclude(session__batch__status__in=["running", "completed", "closed"]).exists()
        assert not marks.exclude(session__batch=F("enrolment__batch")).exists()
        journey = demo.journey_batch()
        for batch in Batch.objects.filter(status__in=["running", "completed", "closed"]):
            held = batch.sessions.filter(date__lte=DEMO_TODAY).count() - (batch == journey)  # its last day: unmarked
            for enrolment in batch.enrolments.all():
                assert enrolment.attendance.count() == held
        statuses = Counter(marks.values_list("status", flat=True))
        assert statuses["present"] > 0.8 * sum(statuses.values())
        assert statuses["late"] and statuses["excused"] and statuses["absent"]
        assert marks.filter(recorded_at__date__gt=DEMO_TODAY).count() == 0


    def test_finished_batches_have_outcomes_like_complete_batch(self, programme):
        finished = Enrolment.objects.filter(batch__status__in=["completed", "closed"]).holding_seat()
        outcomes = Counter(finished.values_list("status", flat=True))
        assert set(outcomes) == {"completed", "not_completed"}
        assert 0.88 <= outcomes["completed"] / finished.count() <= 0.97
        for batch in Batch.objects.filter(status__in=["completed", "closed"]).select_related("package"):
            percentages = attendance_percentages(batch)
            for enrolment in batch.enrolments.holding_seat():
                assert enrolment.attendance_percent == percentages[enrolment.pk]
                assert enrolment.completed_at.date() == batch.end_date
                if enrolment.status == "completed":
                    assert enrolment.attendance_percent >= 80 and enrolment.final_test_passed is True
                    assert enrolment.outcome_reason == ""
                else:
                    assert enrolment.outcome_reason in REASONS
                    if enrolment.outcome_reason == "attendance":
                        assert enrolment.attendance_percent < 80
        unfinished = Enrolment.objects.exclude(batch__status__in=["completed", "closed"])
        assert not unfinished.holding_seat().exclude(status="enrolled").exists()


    def test_programme_running_twice_adds_nothing(self, programme):
        before = table_counts()
        again = load_demo(persons=PROGRAMME_PERSONS, batch_share=PROGRAMME_PLAN)
        assert set(again.values()) == {0}
        assert table_counts() == before


    # --- selection rounds -------------------------------------------------------------------------------


    def test_finished_rounds_are_allocated_published_and_staff_their_batches(self, programme):
        year = ProgrammeYear.objects.get(year=2025)
        results = datetime.datetime(2025, 6, 26, 2, tzinfo=datetime.UTC)  # 10.00 WITA
        for centre in TrainingCentre.objects.filter(code__in=demo.BOTH):
            round_ = SelectionRound.objects.get(name=f"Seleksi Angkatan Semester II 2025 — {centre.short_name}")
            assert list(round_.centres.all()) == [centre]
            assert round_.status in ("published", "finished")
            assert round_.rules == ["never_trained", "domicile", "unemployed_longer"]
            assert round_.seed_revealed and round_.seed_matches()
            assert round_.created_at < round_.opens_at < round_.closes_at < round_.allocated_at < round_.published_at
            assert round_.published_at == results
            # Its batches: the centre's classes from July to September, running or finished on DEMO_TODAY.
            batches = set(Batch.objects.filter(programme_year=year, centre=centre, start_date__gte="2025-07-01",
                                               start_date__lt=demo.SEMESTER_II_LAST_START,
                                               status__in=demo.STAFFED_STATUSES)
                          .exclude(demo.JOURNEY_CLASSES).values_list("pk", flat=True))
            round_batches = list(round_.round_batches.select_related("batch"))
            assert {rb.batch_id for rb in round_batches} == batches
            assert any(rb.reserves for rb in round_batches)

            applications = list(round_.applications.select_related("person"))
            assert len(applications) >= 100
            statuses = Counter(a.status for a in applications)
            assert statuses["admitted"] == sum(rb.seats for rb in round_batches) and statuses["not_admitted"] > 0
            assert all(a.person.registered_centre_id == centre.pk for a in applications)
            assert all(round_.opens_at <= a.submitted_at <= round_.closes_at for a in applications)
            assert all(a.documents_ok is not None and round_.closes_at < a.documents_at < round_.allocated_at
                       for a in applications)
            assert not Choice.objects.filter(application__round=round_, eligible=False).exclude(
                application__documents_ok=False).exists()  # choices were made among the eligible classes
            # Never-trained applicants first (the first value of the priority vector).
            admitted = [a for a in applications if a.status == "admitted"]
            assigned = Choice.objects.filter(pk__in=[a.assigned_choice_id for a in admitted])
            firsts = Choice.objects.filter(application__round=round_, rank=1).values_list("priority", flat=True)
            applied_share = sum(vector[0] for vector in firsts) / len(firsts)
            admitted_share = sum(vector[0] for vector in assigned.values_list("priority", flat=True)) / len(admitted)
            assert admitted_share > applied_share

            # Full batches have a cutoff in the open category, the others none.
            per_batch = Counter(assigned.values_list("batch_id", flat=True))
            for rb in round_batches:
                assert per_batch[rb.batch_id] <= rb.seats
                if per_batch[rb.batch_id] == rb.seats:
                    assert len(rb.cutoffs["open"]["vector"]) == 3 and rb.cutoffs["open"]["lottery"]
                else:
                    assert rb.cutoffs == {}

            # Offers were answered (daftar ulang), declined or let expire; the enrolments came from them.
            offers = Offer.objects.filter(application__round=round_)
            assert not offers.filter(status="open").exists()
            assert offers.filter(from_reserve_list=False).count() == statuses["admitted"]
            passed_on = offers.filter(status__in=["declined", "expired", "released"]).count()
            assert 0 < passed_on < 0.3 * statuses["admitted"]  # about 10 % declined or expired, and the movers
            # Every seat declined, let expire or given back for a better choice went to the reserve list
            # (while it had someone left).
            assert 0 < offers.filter(from_reserve_list=True).count() <= passed_on
            # Reserve-list offers go to applicants without a seat, or to admitted ones moving up to a better choice.
            movers = offers.filter(from_reserve_list=True, application__status="admitted")
            assert all(o.application.assigned_choice.rank > o.application.choices.get(batch=o.batch).rank
                       for o in movers.select_related("application__assigned_choice"))
            for offer in offers:
                assert results <= offer.created_at < offer.expires_at
                # An offer past its deadline may be given back (a better seat) before the nightly expiry run.
                assert offer.answered_at < offer.expires_at or offer.status in ("expired", "released")
            enrolments = Enrolment.objects.filter(batch__in=batches).holding_seat().select_related("batch")
            assert {e.source for e in enrolments} <= {"selection", "reserve"}
            accepted = set(offers.filter(status="accepted").values_list("application__person_id", "batch_id"))
            assert set(enrolments.values_list("person_id", "batch_id")) == accepted
            for enrolment in enrolments:
                assert results < enrolment.enrolled_at and enrolment.enrolled_at.date() < enrolment.batch.start_date

            out = StringIO()
            call_command("selection", "recompute", str(round_.pk), stdout=out)
            report = json.loads(out.getvalue())
            assert report["identical"] and report["applicants"] == len(applications)

        # No batch is over capacity: enrolments holding a seat plus open offers.
        for batch in Batch.objects.all():
            assert batch.enrolments.holding_seat().count() + open_offers(batch) <= batch.capacity, batch


    def test_open_rounds_take_applications_on_demo_today_also_from_the_demo_job_seeker(self, programme):
        morning = timezone.make_aware(datetime.datetime.combine(DEMO_TODAY, datetime.time(9, 0)))
        for centre in TrainingCentre.objects.filter(code__in=demo.BOTH):
            round_ = SelectionRound.objects.get(name=f"Seleksi Angkatan Desember 2025 — {centre.short_name}")
            assert round_.status == "open" and round_.opens_at <= morning <= round_.closes_at < round_.results_at
            assert round_.seed_hash and not round_.public_seed
            assert list(round_.centres.all()) == [centre]
            assert set(round_.round_batches.values_list("batch_id", flat=True)) == set(
                Batch.objects.filter(status="open", centre=centre).values_list("pk", flat=True))
            applications = round_.applications.all()
            assert 0 < applications.count() <= demo.OPEN_ROUND_APPLICANTS
            assert not applications.filter(submitted_at__gt=morning).exists()
        assert demo.open_round().name == demo.OPEN_ROUND_NAME

        round_ = demo.open_round()
        person = Person.objects.select_related("education").get(user__email=JOB_SEEKER_EMAIL)
        assert not person.applications.exists() and not person.enrolments.exists()
        batches = [rb.batch for rb in round_.round_batches.select_related("batch__package__domicile",
                                                                           "batch__package__min_education",
                                                                           "batch__package__max_education")]
        eligible = [b.pk for b in batches if not ineligibility(person, b, in_training=False)]
        assert len(eligible) >= 2
        application = selection_services.apply(round_, person, eligible[:2], by=person.user, now=morning)
        assert list(application.choices.values_list("batch_id", flat=True)) == eligible[:2]
        assert demo.make_open_round() == 0  # loaded again: nothing moves, nothing is added
