"""The apprenticeship year of the demo (kompeten/apprenticeships/demo.py), on a reduced demo loaded once for the
module: the Permenaker limits, slots, one open placement per person, the logbook, the completions and their
certificates, the target, and nothing dated after DEMO_TODAY."""

import datetime
from collections import Counter, defaultdict
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone

from kompeten.accounts.models import Role, User
from kompeten.apprenticeships import demo, matching, rules, services
from kompeten.apprenticeships.models import (
    OPEN_STATUSES,
    Application,
    Company,
    LogbookEntry,
    MatchingRound,
    MonitoringVisit,
    Offer,
    Placement,
    PlacementEvent,
)
from kompeten.audit.models import AuditEntry
from kompeten.certificates.models import Certificate
from kompeten.certificates.verification import verify_code
from kompeten.core.demo import DEMO_PASSWORD, DEMO_TODAY, JOB_SEEKER_EMAIL, load_demo
from kompeten.jobs import demo as jobs_demo
from kompeten.jobs import signals as job_signals
from kompeten.programmes.models import ProgrammeYear
from kompeten.registry.models import Person

# Large enough that every round, state and flag occurs (about 220 placements), small enough to load in seconds.
PERSONS = 900
BATCH_SHARE = 0.4
END = timezone.make_aware(datetime.datetime.combine(DEMO_TODAY, datetime.time(23, 59, 59)))
EMPLOYEES = {"mining": (300, 2500), "trade": (40, 600), "motorcycle_repair": (12, 60), "construction": (80, 900),
             "housekeeping": (60, 250)}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module and rolled back after it; each test rolls back its own changes."""
    # The jobs step (after this one) and the candidate profiles are tested elsewhere: skipped, for speed.
    with django_db_blocker.unblock(), transaction.atomic():
        with job_signals.suspended(), mock.patch.object(jobs_demo, "make_jobs", return_value=0):
            loaded = load_demo(persons=PERSONS, batch_share=BATCH_SHARE)
        yield loaded
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_companies_mentors_and_accounts(loaded):
    companies = list(Company.objects.select_related("kbli", "region"))
    statuses = Counter(c.status for c in companies)
    assert statuses == {"verified": len(demo.COMPANIES), "pending": 2, "rejected": 1}
    assert len(demo.COMPANIES) == 36
    nibs = [c.nib for c in companies]
    assert all(len(nib) == 13 and nib.isdigit() for nib in nibs) and len(set(nibs)) == len(nibs)
    for company in companies:
        low, high = EMPLOYEES[company.sector_id]
        assert low <= company.employees <= high, company
        assert company.region.level == "regency" and company.region_id.startswith("64.")
        assert company.kbli.sectors.filter(key=company.sector_id).exists()
        assert company.registered_at <= END
        users = User.objects.filter(memberships__company=company, memberships__role=Role.COMPANY_USER)
        assert users.count() == 1, company
        if company.status == "verified":
            assert company.verified_at and company.registered_at < company.verified_at <= END
            assert 1 <= company.mentors.count() <= 3
        else:
            assert company.verified_at is None and not company.mentors.exists()
    assert Company.objects.get(status="rejected").status_note
    # Some mentors are the company's user (small companies).
    assert Company.objects.filter(mentors__user__memberships__company__isnull=False).distinct().count() >= 5
    request = RequestFactory().post("/")
    for login in [*demo.COMPANY_USERS, *[demo.DemoLogin(email, "", "") for email in demo.other_company_logins()[:3]]]:
        user = authenticate(request=request, username=login.email, password=DEMO_PASSWORD)
        assert user is not None and user.company_ids, login.email


def test_offers_within_the_permenaker_limits(loaded):
    offers = list(Offer.objects.select_related("company", "scheme").prefetch_related("locations", "vocations"))
    statuses = Counter(o.status for o in offers)
    assert 55 <= statuses["approved"] + statuses["closed"] <= 70 and statuses["closed"] > 0
    assert (statuses["draft"], statuses["submitted"], statuses["rejected"]) == (3, 2, 1)
    current = [o for o in offers if o.status in ("submitted", "approved", "closed")]
    for offer in offers:
        assert 3 <= offer.months <= rules.MAX_MONTHS
        assert rules.MIN_THEORY_PERCENT <= offer.theory_percent <= rules.MAX_THEORY_PERCENT
        assert 2 <= offer.slots <= 15 and 1_500_000 <= offer.allowance <= 3_500_000
        assert offer.vocations.exists() and offer.scheme is not None
        assert offer.created_at <= END
        # The slots of the company's offers overlapping this one (closed ones were current when approved).
        overlapping = sum(o.slots for o in current if o.company_id == offer.company_id and o.pk != offer.pk
                          and rules.overlaps(o.start_date, o.end_date, offer.start_date, offer.end_date))
        if offer.status != "draft":
            assert rules.check_offer(employees=offer.company.employees, slots=offer.slots, months=offer.months,
                                     theory_percent=offer.theory_percent, other_slots=overlapping) == [], offer
        if offer.status in ("approved", "closed"):
            regencies = {r.code for r in offer.locations.all()}
            level, code = rules.authority_for(regencies)
            assert (offer.authority, offer.authority_region_id) == (level, code)
            assert offer.authority == ("regency" if len(regencies) == 1 else "province")
            assert offer.approval_number and offer.created_at < offer.decided_at <= END
        if offer.status == "rejected":
            assert offer.decision_note
    assert {o.authority for o in offers if o.status == "approved"} == {"regency", "province"}
    assert Counter(o.company.sector_id for o in offers if o.status in ("approved", "closed")).keys() == EMPLOYEES.keys()


def test_rounds_are_matched_stably_and_round_3_is_open(loaded):
    rounds = {r.name: r for r in MatchingRound.objects.all()}
    for number in (1, 2):
        spec = demo.ROUNDS[number]
        matching_round = rounds[spec.name]
        assert matching_round.status == "published" and matching_round.pool == "trained"
        assert matching_round.created_at.date() < spec.opens
        assert matching_round.matched_at.date() == spec.matched and matching_round.published_at.date() == spec.published
        assert matching.blocking_pairs(matching_round) == []
        applications = Application.objects.filter(offer__matching_round=matching_round).select_related("person")
        assert applications.exists()
        assert Counter(a.outcome for a in applications)["placed"] == matching_round.summary["placed"] > 0
        for application in applications:
            assert spec.opens <= timezone.localdate(application.created_at) <= spec.closes
            assert services.completed_training(application.person)
        assert applications.filter(decision="rejected").exists() and applications.filter(company_rank=1).exists()
    third = rounds[demo.ROUNDS[3].name]
    # Open on DEMO_TODAY (the day `kompeten demo` serves), whatever the machine's clock says.
    assert third.status == "open" and third.opens_at <= DEMO_TODAY <= third.closes_at == demo.ROUNDS[3].closes
    assert all(o.start_date > DEMO_TODAY for o in services.round_offers(third))
    # The demo job seeker (never trained) may apply: Putaran 3 is open to every registered job seeker.
    person = Person.objects.select_related("education").get(user__email=JOB_SEEKER_EMAIL)
    offers = [o for o in services.round_offers(third) if not services.ineligibility(person, o, today=DEMO_TODAY)]
    assert len(offers) >= 2
    assert len(services.apply(person, third, offers[:2], by=person.user, today=DEMO_TODAY)) == 2


def test_placements_slots_and_states(loaded):
    placements = list(Placement.objects.select_related("offer", "previous"))
    assert len(placements) >= 100
    per_offer = Counter(p.offer_id for p in placements)
    for offer in Offer.objects.filter(pk__in=per_offer):
        assert per_offer[offer.pk] <= offer.slots, offer
    open_per_person = Counter(p.person_id for p in placements if p.status in OPEN_STATUSES)
    assert max(open_per_person.values()) == 1
    statuses = Counter(p.status for p in placements)
    assert {"active", "completed", "stopped", "paused"} <= set(statuses)
    assert statuses["draft"] + statuses["signed"] > 0
    sources = Counter(p.source for p in placements)
    assert sources["matching"] > sources["direct"] > 0 and sources["transfer"] > 0
    for placement in placements:
        assert placement.created_at <= END and placement.start_date.weekday() == 0
        assert placement.start_date >= placement.offer.start_date and placement.end_date == placement.offer.end_date
        if placement.started_on:
            assert placement.started_on == placement.start_date <= DEMO_TODAY
        if placement.status in ("stopped", "completed"):
            assert placement.ended_on and placement.started_on <= placement.ended_on <= DEMO_TODAY
        if placement.status == "stopped":
            assert placement.status_reason
        if placement.source == "transfer":
            assert placement.previous.status == "stopped" and placement.previous.company_id != placement.company_id
            assert placement.previous.status_reason.startswith("pindah perusahaan: ")
            assert placement.previous.ended_on == placement.start_date
        if placement.source == "direct":
            assert placement.events.get(old_status="").reason.startswith("direct: ")
        if placement.status in ("draft", "signed"):
            assert placement.start_date > DEMO_TODAY
        events = list(placement.events.order_by("at", "pk"))
        assert [e.new_status for e in events][-1] == placement.status
        assert all(e.at <= END and e.on <= DEMO_TODAY and e.at.date() <= e.on + datetime.timedelta(days=1)
                   for e in events[1:])


def test_completions_and_certificates(loaded):
    completed = list(Placement.objects.filter(status="completed").select_related("person"))
    assert completed and any(not p.final_passed for p in completed)
    for placement in completed:
        assert placement.final_passed is not None and placement.final_score is not None and placement.final_by
        assert placement.final_notes and placement.final_at.date() == placement.ended_on <= placement.end_date
        certificates = Certificate.objects.filter(placement=placement)
        if not placement.final_passed:
            assert not certificates.exists()
            continue
        certificate = certificates.get()
        assert certificate.kind == "apprenticeship" and certificate.issued_on == placement.ended_on
        assert certificate.holder_name == placement.person.full_name
        result = verify_code(certificate.public_code, today=DEMO_TODAY)
        assert result["status"] == "valid", result


def test_logbook_weeks_and_flags(loaded):
    entries = list(LogbookEntry.objects.select_related("placement__company", "confirmed_by"))
    assert entries
    confirmed = [e for e in entries if e.confirmed_at]
    assert len(confirmed) > 0.8 * len(entries)
    accounts = defaultdict(set)
    for user_id, company_id in User.objects.filter(memberships__company__isnull=False).values_list(
            "pk", "memberships__company"):
        accounts[company_id].add(user_id)
    for entry in entries:
        placement = entry.placement
        assert entry.week_start.weekday() == 0
        assert placement.start_date <= entry.week_start <= placement.end_date
        assert entry.week_start <= DEMO_TODAY - datetime.timedelta(days=7) and entry.written_at <= END
        assert entry.written_at.date() >= entry.week_start
        assert entry.practice_hours + entry.theory_hours <= services.MAX_WEEK_HOURS
        if entry.confirmed_at:
            assert entry.confirmed_by_id in accounts[placement.company_id]
            assert entry.written_at < entry.confirmed_at <= END
            assert (entry.confirmed_at - entry.written_at) <= datetime.timedelta(days=7)
        else:
            assert entry.confirmed_by is None
    flagged = services.flagged(Placement.objects.all(), today=DEMO_TODAY)
    assert 0 < flagged.count() < 0.2 * Placement.objects.filter(status="active").count()
    # A placement that started more than a week ago without a logbook week: only a flagged one (never wrote).
    silent = Placement.objects.filter(started_on__lt=DEMO_TODAY - datetime.timedelta(days=7), logbook__isnull=True)
    assert set(silent.values_list("pk", flat=True)) <= set(flagged.values_list("pk", flat=True))


def test_monitoring_visits(loaded):
    started = Placement.objects.filter(started_on__isnull=False)
    visits = list(MonitoringVisit.objects.select_related("placement", "by"))
    assert 0.2 * started.count() <= len(visits) <= 0.45 * started.count()
    for visit in visits:
        assert visit.placement.started_on < visit.on <= DEMO_TODAY and visit.at <= END and visit.findings
        assert visit.by.is_province_admin or visit.by.centre_ids


def test_target_progress_matches_the_rows(loaded):
    year = ProgrammeYear.objects.get(year=2025)
    progress = services.target_progress(year)
    started = Placement.objects.filter(started_on__isnull=False)
    assert progress["target"] == 400
    assert progress["placed"] == started.values("person").distinct().count() > 0
    assert not started.exclude(status__in=["active", "paused", "stopped", "completed"]).exists()
    assert progress["completed"] == Placement.objects.filter(status="completed", final_passed=True).count()
    assert progress["running"] == Placement.objects.filter(status__in=["active", "paused"]).count()
    assert progress["waiting"] == Placement.objects.filter(status__in=["draft", "signed"]).count()
    assert progress["slots"] == sum(Offer.objects.filter(status__in=["approved", "closed"])
                                    .values_list("slots", flat=True))


def test_nothing_is_dated_after_demo_today(loaded):
    assert not Application.objects.filter(created_at__gt=END).exists()
    assert not PlacementEvent.objects.filter(Q(at__gt=END) | Q(on__gt=DEMO_TODAY)).exists()
    assert not MatchingRound.objects.filter(Q(created_at__gt=END) | Q(matched_at__gt=END)
                                            | Q(published_at__gt=END)).exists()
    assert not Offer.objects.filter(Q(created_at__gt=END) | Q(decided_at__gt=END)).exists()
    assert not Company.objects.filter(Q(registered_at__gt=END) | Q(verified_at__gt=END)).exists()
    assert not Placement.objects.filter(Q(final_at__gt=END) | Q(signed_scan_uploaded_at__gt=END)).exists()
    audited = AuditEntry.objects.filter(object_type__startswith="apprenticeships.")
    assert audited.count() > 500 and not audited.filter(at__gt=END).exists()
    assert not User.objects.filter(email__in=demo.demo_logins(), date_joined__gt=END).exists()
    assert not Certificate.objects.filter(kind="apprenticeship", issued_at__gt=END).exists()


def test_running_again_adds_nothing(loaded):
    counts = [m.objects.count() for m in (Company, Offer, Application, Placement, LogbookEntry, MonitoringVisit)]
    assert demo.make_apprenticeships(DEMO_TODAY) == 0
    assert [m.objects.count() for m in (Company, Offer, Application, Placement, LogbookEntry,
                                        MonitoringVisit)] == counts
