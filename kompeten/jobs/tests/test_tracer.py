"""The outcome tracer (jobs/tracer.py): scheduling, sending with consent, answers, rates, and the CLI."""

import datetime
import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from conftest import make_batch, make_person
from kompeten.core.errors import DomainError
from kompeten.jobs import services, tracer
from kompeten.jobs.models import Outcome, OutcomeSource, OutcomeSurvey
from kompeten.registry.models import Consent
from kompeten.selection.notifications import ConsoleSMS
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db

END = datetime.date(2025, 4, 4)  # completed_batch's end date
DUE_3 = datetime.date(2025, 7, 4)
DUE_6 = datetime.date(2025, 10, 4)
DUE_12 = datetime.date(2026, 4, 4)


def consent(person, given=True, at=None):
    return Consent.objects.create(person=person, purpose=Consent.Purpose.OUTCOME_SURVEYS, given=given,
                                  text_version="2025-1", channel="operator", at=at or timezone.now())


def make_placement(person, company, programme_year, *, ended_on, number="PKS/1"):
    from kompeten.apprenticeships.models import Placement
    from kompeten.apprenticeships.tests.conftest import make_offer

    offer = make_offer(company, programme_year, title=f"Magang {number}")
    return Placement.objects.create(person=person, offer=offer, company=company, source="direct",
                                    agreement_number=number, start_date=datetime.date(2025, 1, 6),
                                    end_date=ended_on, status="completed", started_on=datetime.date(2025, 1, 6),
                                    ended_on=ended_on)


@pytest.fixture
def trained(completed_batch):
    return [e.person for e in completed_batch.enrolments.select_related("person").order_by("person__full_name")]


@pytest.fixture
def sms():
    ConsoleSMS.sent.clear()
    yield ConsoleSMS.sent
    ConsoleSMS.sent.clear()


# --- schedule -------------------------------------------------------------------------------------


def test_schedule_creates_each_survey_once_when_due(completed_batch, trained):
    assert tracer.schedule(DUE_3 - datetime.timedelta(days=1)) == 0
    assert tracer.schedule(DUE_3) == 3
    assert tracer.schedule(DUE_3) == 0  # idempotent
    assert tracer.schedule(DUE_6 - datetime.timedelta(days=1)) == 0
    assert tracer.schedule(DUE_12) == 6  # the 6- and 12-month surveys together
    assert tracer.schedule(datetime.date(2027, 1, 1)) == 0
    surveys = OutcomeSurvey.objects.filter(person=trained[0]).order_by("months")
    assert [(s.months, s.due_on) for s in surveys] == [(3, DUE_3), (6, DUE_6), (12, DUE_12)]
    first = surveys[0]
    assert first.trigger == "training" and first.trigger_date == END
    assert first.trigger_id == Enrolment.objects.get(person=trained[0]).pk
    assert (first.centre_id, first.batch_id, first.vocation_id) == (
        completed_batch.centre_id, completed_batch.pk, completed_batch.package.vocation_id)
    assert len({s.token for s in OutcomeSurvey.objects.all()}) == 9


def test_schedule_skips_incomplete_enrolments(balikpapan, programme_year):
    batch = make_batch(balikpapan, programme_year, status="completed", end=END)
    dropped = make_person(full_name="Tidak Selesai", serial=40, registered_centre=balikpapan)
    Enrolment.objects.create(batch=batch, person=dropped, source="operator", status="not_completed")
    assert tracer.schedule(DUE_12) == 0


def test_schedule_certificates_and_apprenticeships(candidates, assessor, lsp_admin, company, programme_year):
    from kompeten.certificates import services as certificates
    from kompeten.certificates.tests.helpers import approve_all, at

    approved = approve_all(candidates[:1], assessor, lsp_admin)
    certificate = certificates.issue_competency(approved[0], issued_at=at(2025, 5, 10))
    apprentice = make_person(full_name="Magang Selesai", serial=41)
    placement = make_placement(apprentice, company, programme_year, ended_on=datetime.date(2025, 11, 30))
    tracer.schedule(datetime.date(2026, 2, 27))
    survey = OutcomeSurvey.objects.get(trigger="certification", months=3)
    assert (survey.trigger_id, survey.person_id, survey.due_on) == (
        certificate.pk, certificate.person_id, datetime.date(2025, 8, 10))
    # The training the certificate followed (through the assessment) is its centre, batch and vocation.
    enrolment = approved[0].enrolment
    assert (survey.centre_id, survey.batch_id) == (enrolment.batch.centre_id, enrolment.batch_id)
    assert not OutcomeSurvey.objects.filter(trigger="apprenticeship").exists()
    tracer.schedule(datetime.date(2026, 2, 28))  # 30 November + 3 months: the last day of February
    apprenticeship = OutcomeSurvey.objects.get(trigger="apprenticeship")
    assert (apprenticeship.trigger_id, apprenticeship.due_on, apprenticeship.centre_id) == (
        placement.pk, datetime.date(2026, 2, 28), None)


# --- send -----------------------------------------------------------------------------------------


def test_send_only_with_consent_by_phone_else_email(completed_batch, trained, sms,
                                                    django_capture_on_commit_callbacks):
    by_phone, by_email, withdrawn = trained
    by_phone.phone, by_phone.email = "081234567801", "andi@example.test"
    by_phone.save()
    by_email.email = "dewi@example.test"
    by_email.save()
    withdrawn.phone = "081234567803"
    withdrawn.save()
    consent(by_phone)
    consent(by_email)
    consent(withdrawn)
    consent(withdrawn, given=False, at=timezone.now() + datetime.timedelta(minutes=1))  # the latest counts
    tracer.schedule(DUE_3)
    with django_capture_on_commit_callbacks(execute=True):
        counts = tracer.send_due(DUE_3)
    assert counts == {"sent": 2, "reminded": 0, "no_consent": 1, "no_contact": 0, "deferred": 0}
    assert [phone for phone, _text in sms] == ["081234567801"]  # by phone only, though there is an email too
    token = OutcomeSurvey.objects.get(person=by_phone).token
    assert f"/kerja/s/{token}/" in sms[0][1] and "/kerja/s/" in mail.outbox[0].body
    assert [m.to for m in mail.outbox] == [["dewi@example.test"]]
    surveys = {s.person_id: s for s in OutcomeSurvey.objects.all()}
    assert surveys[by_phone.pk].channel == "sms" and surveys[by_email.pk].channel == "email"
    assert timezone.localtime(surveys[by_phone.pk].sent_at).date() == DUE_3
    assert surveys[withdrawn.pk].sent_at is None and surveys[withdrawn.pk].channel == ""
    # Counted, not dropped: the rates say who was not asked.
    total = tracer.rates_total(3, today=DUE_3)
    assert (total["due"], total["sent"], total["not_asked_no_consent"]) == (3, 2, 1)


def test_one_reminder_after_seven_days_without_answer(completed_batch, trained, sms,
                                                      django_capture_on_commit_callbacks):
    for index, person in enumerate(trained):
        person.phone = f"08123456780{index}"
        person.save()
        consent(person)
    tracer.schedule(DUE_3)
    with django_capture_on_commit_callbacks(execute=True):
        assert tracer.send_due(DUE_3)["sent"] == 3
    answered = OutcomeSurvey.objects.get(person=trained[0])
    tracer.respond(answered, {"status": "unemployed"}, today=DUE_3)
    sms.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tracer.send_due(DUE_3 + datetime.timedelta(days=6))["reminded"] == 0
        assert tracer.send_due(DUE_3 + datetime.timedelta(days=7))["reminded"] == 2
        assert tracer.send_due(DUE_3 + datetime.timedelta(days=14))["reminded"] == 0  # once only
    assert sorted(phone for phone, _text in sms) == ["081234567801", "081234567802"]
    assert OutcomeSurvey.objects.filter(reminders=1).count() == 2


def test_no_contact_late_surveys_and_one_message_per_person(completed_batch, trained, sms,
                                                            django_capture_on_commit_callbacks):
    for person in trained:
        consent(person)
    trained[0].phone = "081234567801"
    trained[0].save()
    tracer.schedule(DUE_6)  # the 3- and 6-month surveys at once
    with django_capture_on_commit_callbacks(execute=True):
        counts = tracer.send_due(DUE_6)
    # The 3-month surveys are more than 30 days late: no longer sent (still due, not sent, in the rates).
    assert counts == {"sent": 1, "reminded": 0, "no_consent": 0, "no_contact": 2, "deferred": 0}
    assert OutcomeSurvey.objects.get(person=trained[0], months=3).sent_at is None
    # Two surveys of one person due the same day: one message, the other waits for the next run.
    OutcomeSurvey.objects.filter(person=trained[0], months=3).update(due_on=DUE_6)
    OutcomeSurvey.objects.filter(person=trained[0], months=6).update(sent_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        counts = tracer.send_due(DUE_6)
    assert (counts["sent"], counts["deferred"]) == (1, 1)


# --- answers --------------------------------------------------------------------------------------


def test_respond_records_a_self_report_once_and_closes_the_ak1_card(completed_batch, trained, province_admin):
    person = trained[0]
    person.ak1_number, person.ak1_expires = "AK1/6471/2025/0001", datetime.date(2027, 1, 10)
    person.save()
    tracer.schedule(DUE_3)
    survey = OutcomeSurvey.objects.get(person=person)
    outcome = tracer.respond(survey, {"status": "employed", "employer": "PT Bengkel Jaya", "sector": None,
                                      "wage_band": "2to3.5"}, today=DUE_3)
    assert (outcome.source, outcome.survey_id, outcome.on, outcome.status) == ("self", survey.pk, DUE_3, "employed")
    survey.refresh_from_db()
    person.refresh_from_db()
    assert survey.responded_at is not None and person.ak1_closed_on == DUE_3
    with pytest.raises(DomainError) as error:
        tracer.respond(survey, {"status": "unemployed"}, today=DUE_3)
    assert error.value.code == "survey_answered"
    assert Outcome.objects.filter(person=person).count() == 1
    with pytest.raises(DomainError) as error:
        tracer.respond(OutcomeSurvey.objects.get(person=trained[1]), {"status": "employed", "employer": " "},
                       today=DUE_3)
    assert error.value.code == "employer_required"


def test_followup_needs_consent(completed_batch, trained, operator_balikpapan):
    tracer.schedule(DUE_3)
    survey = OutcomeSurvey.objects.get(person=trained[0])
    with pytest.raises(DomainError) as error:
        tracer.record_followup(survey, {"status": "self_employed", "on": DUE_3}, by=operator_balikpapan)
    assert error.value.code == "no_consent"
    consent(trained[0])
    outcome = tracer.record_followup(survey, {"status": "self_employed", "on": DUE_3, "note": "telepon"},
                                     by=operator_balikpapan)
    assert (outcome.source, outcome.recorded_by, outcome.note) == ("operator", operator_balikpapan, "telepon")
    with pytest.raises(DomainError):
        tracer.record_followup(survey, {"status": "unemployed"}, by=operator_balikpapan)


# --- rates ----------------------------------------------------------------------------------------


@pytest.fixture
def traced(completed_batch, trained, bontang, programme_year, province_admin, operator_bontang):
    """Five completers 6 months on: Balikpapan (3) and Bontang (2), with every kind of answer and non-answer.

    Balikpapan: A self-report employed; B self-report unemployed; C no answer, but a hire confirmed by a company
    (before the due date). Bontang: D phone follow-up self-employed; E no consent, no answer."""
    other = make_batch(bontang, programme_year, status="completed", start=datetime.date(2025, 3, 3), end=END)
    d = make_person(full_name="Dodi Firmansyah", serial=21, district="64.74.02", registered_centre=bontang)
    e = make_person(full_name="Eka Putri", sex="P", serial=22, district="64.74.02", registered_centre=bontang)
    for person in (d, e):
        Enrolment.objects.create(batch=other, person=person, source="operator", status="completed")
    a, b, c = trained
    for person in (a, b, c, d):
        consent(person)
    tracer.schedule(DUE_6)
    six = {s.person_id: s for s in OutcomeSurvey.objects.filter(months=6)}
    OutcomeSurvey.objects.filter(months=6).exclude(person=e).update(sent_at=datetime.datetime(2025, 10, 4, 9,
                                                                                              tzinfo=datetime.UTC),
                                                                    channel="sms")
    tracer.respond(six[a.pk], {"status": "employed", "employer": "PT Kaltim Motor"}, today=DUE_6)
    tracer.respond(six[b.pk], {"status": "unemployed"}, today=DUE_6)
    services.record_outcome(c, status="employed", employer="PT Tambang Maju", source=OutcomeSource.COMPANY,
                            on=datetime.date(2025, 9, 1), by=province_admin)
    tracer.record_followup(six[d.pk], {"status": "self_employed", "on": DUE_6}, by=operator_bontang, today=DUE_6)
    # Outside the window of the 6-month surveys: a company hire after the due date counts for 12 months only.
    services.record_outcome(e, status="employed", employer="PT Ritel", source=OutcomeSource.COMPANY,
                            on=datetime.date(2025, 10, 20), by=province_admin, today=datetime.date(2025, 10, 20))
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "other": other}


def direct_counts(surveys):
    """The measures counted one survey at a time, without the tracer's query."""
    working = {"employed", "self_employed"}
    rows = []
    for survey in surveys:
        own = Outcome.objects.filter(survey=survey).order_by("-on", "-pk").first()
        other = (Outcome.objects.filter(person=survey.person, source__in=["company", "operator"],
                                        on__gte=survey.trigger_date, on__lte=survey.due_on)
                 .order_by("-on", "-pk").first())
        known = own or other
        rows.append({"person": survey.person_id, "sent": survey.sent_at is not None,
                     "answered": survey.responded_at is not None, "consent": tracer.has_consent(survey.person),
                     "working": bool(known and known.status in working), "source": known.source if known else None,
                     "known": known is not None})
    return {
        "completed": len({r["person"] for r in rows}), "due": len(rows), "sent": sum(r["sent"] for r in rows),
        "not_asked_no_consent": sum(not r["sent"] and not r["consent"] for r in rows),
        "answered": sum(r["answered"] for r in rows), "known": sum(r["known"] for r in rows),
        "working": sum(r["working"] for r in rows),
        "working_company": sum(r["working"] and r["source"] == "company" for r in rows),
        "working_operator": sum(r["working"] and r["source"] == "operator" for r in rows),
        "working_self": sum(r["working"] and r["source"] == "self" for r in rows),
    }


def test_rates_equal_direct_counts_with_non_response(traced, balikpapan, bontang, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        rows = tracer.rates(6, "centre", today=DUE_6)
    with django_assert_max_num_queries(1):
        total = tracer.rates_total(6, today=DUE_6)
    by_centre = {row["key"]: row for row in rows}
    assert set(by_centre) == {balikpapan.pk, bontang.pk}
    for centre in (balikpapan, bontang):
        expected = direct_counts(OutcomeSurvey.objects.filter(months=6, centre=centre))
        assert {key: by_centre[centre.pk][key] for key in expected} == expected
    assert {key: total[key] for key in direct_counts(OutcomeSurvey.objects.filter(months=6))} == direct_counts(
        OutcomeSurvey.objects.filter(months=6))
    bpp, btg = by_centre[balikpapan.pk], by_centre[bontang.pk]
    assert (bpp["due"], bpp["answered"], bpp["working"], bpp["working_company"], bpp["working_answered"]) == (
        3, 2, 2, 1, 1)
    assert bpp["response_rate"] == round(2 / 3, 4) and bpp["working_rate_answered"] == 0.5
    assert bpp["working_rate_all"] == round(2 / 3, 4) and bpp["unknown"] == 0
    assert (btg["due"], btg["sent"], btg["not_asked_no_consent"], btg["answered"], btg["answered_operator"]) == (
        2, 1, 1, 1, 1)
    assert (btg["working"], btg["working_operator"], btg["unknown"], btg["working_rate_all"]) == (1, 1, 1, 0.5)
    assert (total["completed"], total["due"], total["working"], total["not_answered"]) == (5, 5, 3, 2)
    # The 12-month survey of E sees the company's hire after the 6-month point.
    tracer.schedule(DUE_12)
    twelve = {row["key"]: row for row in tracer.rates(12, "centre", today=DUE_12)}
    assert twelve[bontang.pk]["working_company"] == 1


@pytest.mark.parametrize("by", ["vocation", "sector", "cohort"])
def test_rates_per_vocation_sector_and_cohort_add_up(traced, by):
    rows = tracer.rates(6, by, today=DUE_6)
    total = tracer.rates_total(6, today=DUE_6)
    for key in ("due", "sent", "answered", "working", "not_asked_no_consent"):
        assert sum(row[key] for row in rows) == total[key]
    assert all(row["label"] for row in rows)
    if by == "cohort":
        assert {row["key"] for row in rows} == {traced["other"].pk, traced["a"].enrolments.get().batch_id}


def test_rates_filters_year_and_scope_and_refuses_bad_input(traced, bontang):
    assert tracer.rates(6, "centre", 2024, today=DUE_6) == []
    assert len(tracer.rates(6, "centre", 2025, today=DUE_6)) == 2
    assert tracer.rates(6, "centre", today=DUE_6 - datetime.timedelta(days=1)) == []
    scoped = tracer.rates(6, "centre", today=DUE_6, surveys=OutcomeSurvey.objects.filter(centre=bontang))
    assert [row["key"] for row in scoped] == [bontang.pk]
    with pytest.raises(DomainError):
        tracer.rates(6, "regency")
    with pytest.raises(DomainError):
        tracer.rates(5, "centre")


# --- the CLI --------------------------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("tracer", *args, stdout=out)
    return out.getvalue()


def test_cli_schedule_send_rates(completed_batch, trained, sms, django_capture_on_commit_callbacks):
    trained[0].phone = "081234567801"
    trained[0].save()
    consent(trained[0])
    assert "3 surveys scheduled" in run("schedule", "--today", DUE_3.isoformat())
    assert "0 surveys scheduled" in run("schedule", "--today", DUE_3.isoformat())
    with django_capture_on_commit_callbacks(execute=True):
        counts = json.loads(run("send", "--today", DUE_3.isoformat(), "--json"))
    assert counts["sent"] == 1 and counts["no_consent"] == 2
    assert len(sms) == 1
    data = json.loads(run("rates", "--json", "--months", "3", "--by", "cohort", "--today", DUE_3.isoformat()))
    assert data["months"] == 3 and data["by"] == "cohort"
    assert [(r["key"], r["due"], r["sent"], r["not_asked_no_consent"]) for r in data["rows"]] == [
        (completed_batch.pk, 3, 1, 2)]
    assert data["total"]["completed"] == 3
    text = run("rates", "--months", "3", "--today", DUE_3.isoformat())
    assert "3 due, 1 sent, 2 not asked (no consent)" in text


@pytest.mark.parametrize("args, message", [
    (["schedule", "--today", "04-07-2025"], "--today must be a date"),
    (["rates", "--by", "regency"], "not 'regency'"),
    (["rates", "--months", "5"], "not 5"),
])
def test_cli_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message) as error:
        run(*args)
    assert error.value.returncode == 2
