"""The states the end-to-end journeys start from (S1-S5), on a reduced demo served "on DEMO_TODAY": the clock is
travelled to DEMO_TODAY 09:00 Asia/Makassar as `kompeten demo` does, and each journey is played through the pages
(S1, S2) or the services the pages call (S3, S4)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships import demo as apprenticeship_demo
from kompeten.apprenticeships import services as apprenticeship_services
from kompeten.apprenticeships.models import PlacementStatus
from kompeten.assessment import demo as assessment_demo
from kompeten.assessment import services as assessment_services
from kompeten.assessment.models import CandidateStatus, Decision, EventStatus, UnitResult
from kompeten.certificates.models import Certificate
from kompeten.core import demo
from kompeten.core.demo import DEMO_TODAY, load_demo
from kompeten.programmes import services as programme_services
from kompeten.programmes.models import BatchStatus
from kompeten.reference.models import EducationLevel, Region
from kompeten.registry.models import EmploymentStatus, Person, PersonSource
from kompeten.registry.nik import make_nik
from kompeten.selection.access import can_run_round
from kompeten.selection.models import Application, ApplicationStatus, OfferStatus, RoundStatus
from kompeten.selection.rules import ineligibility
from kompeten.training import services as training_services
from kompeten.training.models import Attendance, AttendanceStatus, EnrolmentStatus

PERSONS = 900
BATCH_SHARE = 0.4
MAKASSAR = zoneinfo.ZoneInfo("Asia/Makassar")
DEMO_MORNING = datetime.datetime.combine(DEMO_TODAY, datetime.time(9, 0), tzinfo=MAKASSAR)
OPERATOR = "operator.balikpapan@kompeten.demo"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module at the machine's clock (as the tests of the other demo modules) and
    rolled back after it; each test rolls back its own changes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(persons=PERSONS, batch_share=BATCH_SHARE)
        transaction.set_rollback(True)


@pytest.fixture
def on_demo_today():
    with time_machine.travel(DEMO_MORNING, tick=True):
        yield


def new_registrant() -> Person:
    """A job seeker registering on DEMO_TODAY: born 2001, SMK, lives in Kota Balikpapan, not working, never
    trained, KTP and ijazah uploaded."""
    village = Region.objects.filter(level=Region.Level.VILLAGE, code__startswith="64.71.").order_by("code").first()
    birth = datetime.date(2001, 5, 14)
    person = Person.objects.create(
        nik=make_nik(village.parent_id, birth, "L", 901), full_name="Rizky Pratama Journey", sex="L",
        birth_place="Balikpapan", birth_date=birth, phone="+6281299990001", street="Jl. Ahmad Yani No. 5",
        village=village, education=EducationLevel.objects.get(code="SMK"), major="Teknik Pengelasan",
        employment_status=EmploymentStatus.UNEMPLOYED, registered_centre=demo.open_round().centres.get(),
        source=PersonSource.SELF)
    demo._give_documents([person])
    user = User.objects.create_user("rizky.journey@example.com", "x-journey-password", full_name=person.full_name)
    Membership.objects.create(user=user, role=Role.JOB_SEEKER)
    person.user = user
    person.save(update_fields=["user"])
    return person


def test_s1_a_new_registrant_applies_and_the_operator_allocates_and_publishes(loaded, client, on_demo_today):
    round_ = demo.open_round()
    assert round_ is not None and round_.name == demo.OPEN_ROUND_NAME
    assert round_.status == RoundStatus.OPEN and not round_.uses_document_check
    assert round_.opens_at < DEMO_MORNING and round_.closes_at >= DEMO_MORNING + datetime.timedelta(days=7)
    assert list(round_.centres.values_list("code", flat=True)) == [demo.BALIKPAPAN]
    operator = User.objects.get(email=OPERATOR)
    assert can_run_round(operator, round_)
    round_batches = list(round_.round_batches.select_related(
        "batch__package__min_education", "batch__package__max_education", "batch__package__domicile"))
    batches = [rb.batch for rb in round_batches]
    assert len(batches) >= 3
    assert all(b.status == BatchStatus.OPEN and b.start_date > DEMO_TODAY and b.end_date.year == 2025
               for b in batches)
    applied = round_.applications.count()
    assert 0 < applied <= demo.OPEN_ROUND_APPLICANTS < min(rb.seats for rb in round_batches)
    assert not round_.applications.filter(submitted_at__gt=DEMO_MORNING).exists()

    person = new_registrant()
    eligible = [b.pk for b in batches if not ineligibility(person, b, in_training=False)]
    assert len(eligible) >= 3
    client.force_login(person.user)
    response = client.post(reverse("selection:apply", args=[round_.pk]),
                           {f"choice_{i}": str(pk) for i, pk in enumerate(eligible[:3], start=1)})
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(round=round_, person=person)

    # The operator closes registration early, allocates and publishes, on the round's page.
    client.force_login(operator)
    assert client.get(reverse("selection:round_detail", args=[round_.pk])).status_code == 200
    for action in ("close", "allocate", "publish"):
        response = client.post(reverse("selection:round_transition", args=[round_.pk]), {"action": action})
        assert response.status_code == 302
        round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMITTED
    offer = application.offers.get()
    assert offer.status == OfferStatus.OPEN

    client.force_login(person.user)
    response = client.post(reverse("selection:offer_accept", args=[offer.pk]))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert person.enrolments.get().status == EnrolmentStatus.ENROLLED


def test_s2_an_ended_class_waits_for_its_last_attendance_and_closing(loaded, client, on_demo_today):
    batch = demo.journey_batch()
    assert batch is not None and batch.centre.code == demo.BALIKPAPAN
    assert batch.status == BatchStatus.RUNNING and batch.end_date < DEMO_TODAY
    sessions = list(batch.sessions.order_by("date"))
    last = sessions[-1]
    assert last.date < DEMO_TODAY and len(sessions) >= 10
    enrolments = list(batch.enrolments.filter(status=EnrolmentStatus.ENROLLED))
    assert len(enrolments) >= 14
    for enrolment in enrolments:
        marked = set(enrolment.attendance.values_list("session_id", flat=True))
        assert marked == {s.pk for s in sessions[:-1]}
    operator = User.objects.get(email=OPERATOR)
    changed = training_services.record_attendance(
        batch, {(e.pk, last.pk): AttendanceStatus.PRESENT for e in enrolments}, by=operator)
    assert changed == len(enrolments)
    counts = training_services.complete_batch(batch, {e.pk: {"final_test_passed": True} for e in enrolments},
                                              by=operator)
    assert counts["completed"] > 0.8 * len(enrolments)
    programme_services.transition_batch(batch, BatchStatus.COMPLETED, by=operator)
    programme_services.transition_batch(batch, BatchStatus.CLOSED, by=operator)
    assert Attendance.objects.filter(session=last).count() == len(enrolments)


def test_s3_an_event_of_today_for_the_demo_assessor_with_nothing_recorded(loaded, on_demo_today):
    event = assessment_demo.journey_event()
    assert event is not None
    batch = demo.assessed_journey_batch()
    assert event.date == DEMO_TODAY and event.status == EventStatus.PLANNED
    assert event.tuk.centre.code == demo.BALIKPAPAN and event.centre.code == demo.BALIKPAPAN
    assert list(event.assessors.values_list("user__email", flat=True)) == [assessment_demo.JOURNEY_ASSESSOR]
    candidates = list(event.candidates.select_related("assessor__user", "enrolment"))
    assert 1 <= len(candidates) <= 16
    assert {c.assessor.user.email for c in candidates} == {assessment_demo.JOURNEY_ASSESSOR}
    assert {c.enrolment.batch_id for c in candidates} == {batch.pk}
    assert all(c.status == CandidateStatus.REGISTERED and c.ak01_at is None for c in candidates)
    assert not UnitResult.objects.filter(assessment__event=event).exclude(result="").exists()
    assert not Certificate.objects.filter(enrolment__batch=batch).exists()
    assert not Certificate.objects.filter(assessment__enrolment__batch=batch).exists()

    # The assessor records the whole event, the LSP manager approves it.
    assessor = User.objects.get(email=assessment_demo.JOURNEY_ASSESSOR)
    for candidate in candidates:
        assessment_services.record_ak01(candidate, by=assessor)
        for result in candidate.results.all():
            assessment_services.record_unit(candidate, result.unit_id, result=Decision.K, methods=["observation"],
                                            version=result.version, by=assessor, event=event)
        assessment_services.submit(candidate, by=assessor)
    manager = User.objects.get(email="lsp@kompeten.demo")
    assert assessment_services.approve_event(event, by=manager) == len(candidates)


def test_s4_a_logbook_week_waits_for_the_company(loaded, on_demo_today):
    entry = apprenticeship_demo.journey_week()
    assert entry is not None
    placement = entry.placement
    assert placement.status == PlacementStatus.ACTIVE and placement.end_date > DEMO_TODAY
    assert entry.confirmed_at is None and entry.written_at < DEMO_MORNING
    assert entry.week_start == DEMO_TODAY - datetime.timedelta(days=7)
    user = User.objects.get(email=apprenticeship_demo.JOURNEY_COMPANY_LOGIN)
    assert user.memberships.filter(company=placement.company).exists()
    confirmed = apprenticeship_services.confirm_week(entry, by=user, note="Baik.")
    assert confirmed.confirmed_by == user and confirmed.confirmed_at.date() == DEMO_TODAY


def test_s5_the_job_seeker_sees_a_home_page(loaded, client, on_demo_today):
    person = Person.objects.get(user__email=demo.JOB_SEEKER_EMAIL)
    assert not person.applications.exists() and not person.enrolments.exists()
    round_ = demo.open_round()
    assert any(not ineligibility(person, rb.batch, in_training=False) for rb in round_.round_batches.all())
    client.force_login(person.user)
    client.cookies["django_language"] = "en"
    response = client.get("/", follow=True)
    assert response.status_code == 200 and response.redirect_chain  # to the job seeker's own page
    response = client.get(reverse("jobs:mine"))  # an invitation to answer, open vacancies recommended
    assert response.status_code == 200 and response.context["waiting"] == 1 and response.context["recommended"]
    assert client.get(reverse("selection:apply", args=[round_.pk])).status_code == 200
