"""The jobs and outcomes year of the demo (kompeten/jobs/demo.py), on a reduced demo loaded once for the module:
vacancies and hires, invitations and consent, the outcome surveys and their rates, the AK/1 reports, and nothing
dated after DEMO_TODAY."""

import datetime
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from kompeten.apprenticeships.models import Placement
from kompeten.audit.models import AuditEntry
from kompeten.core.demo import DEMO_TODAY, JOB_SEEKER_EMAIL, load_demo
from kompeten.jobs import demand, tracer
from kompeten.jobs import demo as jobs_demo
from kompeten.jobs.models import (
    WORKING,
    Ak1Report,
    CandidateProfile,
    Hire,
    Invitation,
    Outcome,
    OutcomeSurvey,
    Vacancy,
)
from kompeten.programmes.models import ProgrammeYear
from kompeten.registry.models import Consent, Person, PersonSource
from kompeten.training.models import Enrolment

PERSONS = 200  # as the core demo tests
BATCH_SHARE = 0.2
END = timezone.make_aware(datetime.datetime.combine(DEMO_TODAY, datetime.time(23, 59, 59)))
FOCUS = set(jobs_demo.FOCUS)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module and rolled back after it; each test rolls back its own changes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(persons=PERSONS, batch_share=BATCH_SHARE)
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_vacancies_in_every_sector_set_against_the_supply(loaded):
    vacancies = list(Vacancy.objects.select_related("company__region"))
    assert loaded["jobs"] == len(vacancies)
    by_sector = Counter(v.sector_id for v in vacancies)
    assert set(by_sector) == FOCUS and min(by_sector.values()) >= jobs_demo.MIN_VACANCIES
    assert {v.source for v in vacancies} == {"demo", "import"}
    assert 1 <= sum(v.source == "import" for v in vacancies) <= len(jobs_demo.IMPORTED)
    assert AuditEntry.objects.filter(action="import", object_type="jobs.vacancy").count() == 1
    positions = Counter()
    for vacancy in vacancies:
        positions[vacancy.sector_id] += vacancy.number_needed
        assert vacancy.company.is_verified
        assert vacancy.valid_from <= vacancy.valid_until and vacancy.valid_from <= DEMO_TODAY
        assert vacancy.created_at <= END
        if vacancy.source == "demo":  # posted by the company before it opened; reported ones imported later
            assert timezone.localtime(vacancy.created_at).date() <= vacancy.valid_from
        else:
            assert timezone.localtime(vacancy.created_at).date() == jobs_demo.IMPORT_DAY
        if vacancy.company.verified_at:
            assert vacancy.company.verified_at < vacancy.created_at
        assert vacancy.region_id == vacancy.company.region_id and vacancy.kbli_id == vacancy.company.kbli_id
        if vacancy.wage_min is not None:  # never below the regency's minimum wage (UMK 2025)
            assert vacancy.wage_min >= jobs_demo._umk()[vacancy.region_id] and vacancy.wage_max >= vacancy.wage_min
    # Per participant trained: housekeeping asks for the most, then mining, construction, trade, motorcycle repair.
    completed = Counter(Enrolment.objects.filter(status="completed", batch__programme_year__year=2025)
                        .values_list("batch__package__vocation__sector_id", flat=True))
    per_completed = {sector: positions[sector] / completed[sector] for sector in FOCUS}
    assert sorted(FOCUS, key=per_completed.get, reverse=True) == [
        "housekeeping", "mining", "construction", "trade", "motorcycle_repair"], per_completed


def test_housekeeping_has_the_lowest_interest_or_the_largest_demand_gap(loaded):
    rows = {row.key: row for row in demand.sector_rows(demand.Period.of_year(ProgrammeYear.objects.get(year=2025)))[0]
            if row.key in FOCUS}
    assert set(rows) == FOCUS

    def gap(row):  # positions asked for per participant trained (demand.py's demand adds apprenticeship slots)
        return row.vacancies / row.completed if row.completed else float("inf")

    interest = {key: row.first_choices_per_seat for key, row in rows.items()}
    lowest_interest = interest["housekeeping"] == min(interest.values())
    largest_gap = gap(rows["housekeeping"]) == max(gap(row) for row in rows.values())
    assert lowest_interest or largest_gap, {key: (interest[key], gap(row)) for key, row in rows.items()}
    # And its vacancies fill least: few take the jobs.
    filled = {key: Vacancy.objects.filter(sector=key).aggregate(f=Sum("filled"), n=Sum("number_needed"))
              for key in FOCUS}
    share = {key: value["f"] / value["n"] for key, value in filled.items()}
    assert share["housekeeping"] == min(share.values()), share


def test_hires_never_exceed_the_need_and_statuses_follow(loaded):
    for vacancy in Vacancy.objects.all():
        hired = vacancy.hires.aggregate(n=Sum("count"))["n"] or 0
        assert vacancy.filled == hired <= vacancy.number_needed
        if vacancy.status == "filled":
            assert hired == vacancy.number_needed
        elif vacancy.status == "closed":
            assert hired < vacancy.number_needed
            assert vacancy.valid_until + datetime.timedelta(days=jobs_demo.CLOSE_AFTER) <= DEMO_TODAY
        else:
            assert hired < vacancy.number_needed
    assert Vacancy.objects.filter(status="filled").exists() and Vacancy.objects.filter(status="closed").exists()
    assert Vacancy.objects.filter(status="open", valid_until__gte=DEMO_TODAY).exists()
    for hire in Hire.objects.select_related("vacancy"):
        assert hire.vacancy.valid_from < hire.on <= DEMO_TODAY and hire.at <= END
        assert hire.on <= hire.vacancy.valid_until + datetime.timedelta(days=jobs_demo.CLOSE_AFTER)


def test_named_hires_come_from_accepted_invitations_and_record_the_outcome(loaded):
    named = list(Hire.objects.filter(person__isnull=False).select_related("vacancy__company", "person"))
    assert named
    for hire in named:
        invitation = Invitation.objects.get(vacancy=hire.vacancy, person=hire.person)
        assert invitation.status == "accepted" and invitation.answered_at.date() < hire.on
        outcome = Outcome.objects.get(person=hire.person, source="company", on=hire.on,
                                      note=f"vacancy {hire.vacancy_id}")
        assert outcome.status == "employed" and outcome.company == hire.vacancy.company
        # Hired after every training and apprenticeship of theirs.
        last = Enrolment.objects.filter(person=hire.person).order_by("-batch__end_date").first()
        assert last is None or last.batch.end_date < invitation.sent_at.date()
        assert not Placement.objects.filter(person=hire.person, end_date__gte=invitation.sent_at.date()).exists()
        assert hire.person.ak1_closed_on == (hire.on if hire.person.ak1_number else None)


def test_every_invited_person_consented_and_answers_are_in_time(loaded):
    invitations = list(Invitation.objects.select_related("vacancy", "person"))
    assert Counter(i.status for i in invitations).keys() == {"sent", "accepted", "declined"}
    consents = defaultdict(list)
    for consent in Consent.objects.filter(purpose="share_companies").order_by("at", "pk"):
        consents[consent.person_id].append(consent)
    for invitation in invitations:
        before = [c for c in consents[invitation.person_id] if c.at <= invitation.sent_at]
        assert before and before[-1].given, invitation
        assert invitation.vacancy.valid_from <= invitation.sent_at.date() <= invitation.vacancy.valid_until
        assert invitation.sent_at <= END and invitation.person.created_at < invitation.sent_at
        if invitation.status == "sent":
            assert invitation.answered_at is None
        else:
            assert invitation.sent_at < invitation.answered_at <= END
    assert max(Counter(i.person_id for i in invitations).values()) <= jobs_demo.MAX_INVITATIONS + 1
    waiting = Invitation.objects.get(person__user__email=JOB_SEEKER_EMAIL)  # to answer in the browser
    assert waiting.status == "sent" and waiting.vacancy.status == "open"


def test_consents_of_about_seventy_percent(loaded):
    persons = Person.objects.filter(source=PersonSource.DEMO).count()
    for purpose, low, high in (("share_companies", 0.6, 0.8), ("outcome_surveys", 0.6, 0.85)):
        consents = Consent.objects.filter(purpose=purpose)
        assert set(consents.values_list("channel", "given").distinct()) == {("demo", True)}
        assert consents.values("person").distinct().count() == consents.count()  # one record each
        assert low <= consents.count() / persons <= high, purpose
    for consent in Consent.objects.filter(purpose__in=["share_companies", "outcome_surveys"]).select_related("person"):
        assert consent.person.created_at < consent.at < consent.person.created_at + datetime.timedelta(minutes=5)


def test_surveys_due_by_today_sent_with_consent_and_answered(loaded):
    assert tracer.schedule(DEMO_TODAY) == 0  # every survey due by then exists
    surveys = list(OutcomeSurvey.objects.select_related("person"))
    assert surveys and max(s.due_on for s in surveys) <= DEMO_TODAY
    assert {s.months for s in surveys} <= {3, 6}
    asked = set(Consent.objects.filter(purpose="outcome_surveys", given=True).values_list("person_id", flat=True))
    for survey in surveys:
        if survey.sent_at is not None:
            assert survey.person_id in asked
            assert timezone.localtime(survey.sent_at).date() >= survey.due_on and survey.sent_at <= END
            assert survey.channel == "sms"
        if survey.responded_at is not None:
            assert survey.responded_at <= END
            own = survey.outcomes.get()
            assert survey.trigger_date < own.on <= DEMO_TODAY and own.recorded_at <= END
            assert own.source in ("self", "operator")
            if own.source == "self":
                assert survey.sent_at is not None and survey.sent_at < survey.responded_at
            else:
                assert survey.person_id in asked
        else:
            assert not survey.outcomes.exists()
    total = tracer.rates_total(months=3, year=2025, today=DEMO_TODAY)
    assert 0.3 <= total["response_rate"] <= 0.8, total
    assert total["answered_self"] > total["answered_operator"] > 0
    assert total["sent"] < total["due"]  # those without consent are not asked
    assert OutcomeSurvey.objects.filter(reminders=1).exists()


def test_rates_equal_direct_counts(loaded):
    for months in (3, 6):
        counted = defaultdict(Counter)
        surveys = OutcomeSurvey.objects.filter(months=months, due_on__lte=DEMO_TODAY, trigger_date__year=2025)
        for survey in surveys.select_related("vocation"):
            row = counted[survey.vocation.sector_id if survey.vocation_id else None]
            row["due"] += 1
            row["sent"] += survey.sent_at is not None
            own = survey.outcomes.order_by("-on", "-pk").first()
            if survey.responded_at is not None:
                row["answered"] += 1
                row[f"answered_{own.source}"] += 1
            confirmed = (Outcome.objects.filter(person=survey.person_id, source__in=["company", "operator"],
                                                on__gte=survey.trigger_date, on__lte=survey.due_on)
                         .order_by("-on", "-pk").first())
            known = own or confirmed
            if known is not None:
                row["known"] += 1
                if known.status in WORKING:
                    row["working"] += 1
                    row[f"working_{known.source}"] += 1
        rows = tracer.rates(months=months, by="sector", year=2025, today=DEMO_TODAY)
        assert {row["key"] for row in rows} == set(counted)
        for row in rows:
            direct = counted[row["key"]]
            for name in ("due", "sent", "answered", "answered_self", "answered_operator", "known", "working",
                         "working_self", "working_company", "working_operator"):
                assert row[name] == direct[name], (months, row["key"], name)
            assert row["response_rate"] == round(direct["answered"] / direct["due"], 4)


def test_outcomes_follow_each_persons_year(loaded):
    first_completion = dict(Enrolment.objects.filter(status="completed").values("person")
                            .annotate(first=Min("batch__end_date")).values_list("person", "first"))
    outcomes = list(Outcome.objects.select_related("survey"))
    statuses = Counter(o.status for o in outcomes)
    assert statuses["employed"] and statuses["unemployed"] and statuses["apprentice"]
    for outcome in outcomes:
        assert outcome.on <= DEMO_TODAY and outcome.recorded_at <= END
        if outcome.person_id in first_completion:
            assert outcome.on > first_completion[outcome.person_id]
        if outcome.status == "employed":
            assert outcome.employer
        if outcome.status not in WORKING:
            assert not outcome.employer and not outcome.wage_band
    # Once in work, a person's later answers say so (the demo draws one year per person).
    by_person = defaultdict(list)
    for outcome in sorted(outcomes, key=lambda o: (o.on, o.pk)):
        by_person[outcome.person_id].append(outcome.status)
    for sequence in by_person.values():
        if any(status in WORKING for status in sequence):
            assert all(status in WORKING for status in sequence[next(i for i, s in enumerate(sequence)
                                                                       if s in WORKING):])


def test_ak1_reports(loaded):
    reports = list(Ak1Report.objects.select_related("person"))
    assert Counter(r.status for r in reports)["seeking"] > 0
    for report in reports:
        person = report.person
        issued = jobs_demo.add_months(person.ak1_expires, -24)
        assert person.ak1_number and issued <= report.on <= min(person.ak1_expires, DEMO_TODAY)
        assert timezone.localtime(person.created_at).date() <= report.on and report.at <= END
        if report.status == "seeking":
            assert person.ak1_closed_on is None or report.on < person.ak1_closed_on
        else:
            assert person.ak1_closed_on == report.on
    closed = Person.objects.filter(ak1_closed_on__isnull=False)
    assert closed.exists() and not closed.filter(ak1_closed_on__gt=DEMO_TODAY).exists()
    for person in closed:  # closed by an outcome in work, on its day
        assert person.outcomes.filter(status__in=WORKING, on=person.ak1_closed_on).exists()


def test_nothing_after_today_and_profiles_current(loaded):
    assert not AuditEntry.objects.filter(object_type__startswith="jobs.", at__gt=END).exists()
    assert not AuditEntry.objects.filter(note__startswith="AK/1 closed", at__gt=END).exists()
    assert not OutcomeSurvey.objects.filter(due_on__gt=DEMO_TODAY).exists()
    assert not Invitation.objects.filter(sent_at__gt=END).exists()
    assert not Outcome.objects.filter(recorded_at__gt=END).exists()
    profiles = {p.person_id: p for p in CandidateProfile.objects.all()}
    assert set(profiles) == set(Person.objects.values_list("pk", flat=True))
    shown = set(Consent.objects.filter(purpose="share_companies", given=True).values_list("person_id", flat=True))
    assert {pk for pk, p in profiles.items() if p.shown} == shown
    for hire in Hire.objects.filter(person__isnull=False):
        assert not profiles[hire.person_id].available


def test_running_again_adds_nothing(loaded):
    counts = [model.objects.count() for model in (Vacancy, Hire, Invitation, OutcomeSurvey, Outcome, Ak1Report,
                                                  Consent)]
    assert jobs_demo.make_jobs(DEMO_TODAY) == 0
    assert counts == [model.objects.count() for model in (Vacancy, Hire, Invitation, OutcomeSurvey, Outcome,
                                                          Ak1Report, Consent)]
