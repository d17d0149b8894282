"""Outcome pages: the public survey (phone-first, token only, once), follow-ups, a person's outcomes, the rates
table and its CSV, the AK/1 cards; operators of another centre get 404."""

import csv
import datetime
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_batch, make_person, make_user
from kompeten.jobs import tracer
from kompeten.jobs.models import Ak1Report, Outcome, OutcomeSurvey
from kompeten.registry.models import Consent
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db

END = datetime.date(2025, 4, 4)
DUE_3 = datetime.date(2025, 7, 4)
PHONE_HEADERS = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                                    "Chrome/120.0 Mobile Safari/537.36"}


def login(client, user):
    client.force_login(user)
    return client


def consent(person, given=True):
    return Consent.objects.create(person=person, purpose=Consent.Purpose.OUTCOME_SURVEYS, given=given,
                                  text_version="2025-1", channel="operator")


@pytest.fixture
def graduate(completed_batch):
    """The first completer of ``completed_batch`` with contact details and an address, and their 3-month survey."""
    enrolment = completed_batch.enrolments.select_related("person").order_by("person__full_name").first()
    person = enrolment.person
    person.phone, person.email, person.street = "081234567801", "andi.pratama@example.test", "Jl. Merdeka No. 17"
    person.save()
    consent(person)
    tracer.schedule(DUE_3)
    return person


@pytest.fixture
def survey(graduate):
    return OutcomeSurvey.objects.get(person=graduate)


# --- the public survey ----------------------------------------------------------------------------


def test_survey_end_to_end_on_a_phone(client, survey, graduate):
    url = reverse("jobs:survey", args=[survey.token])
    response = client.get(url, **PHONE_HEADERS)
    assert response.status_code == 200
    html = response.content.decode()
    # Tiny and phone-first: no stylesheet or script to download, a viewport, small HTML and CSS.
    assert 'name="viewport"' in html and "<script" not in html and "<link" not in html
    assert len(response.content) < 6000
    assert len(re.search(r"<style>(.*?)</style>", html, re.S).group(1)) < 1500
    # Nothing personal but the first name.
    assert "Andi" in html and "Pratama" not in html
    for secret in (graduate.nik, graduate.birth_date.isoformat(), graduate.birth_date.strftime("%d-%m-%Y"),
                   "1999", graduate.phone, graduate.email, graduate.street):
        assert secret not in html
    assert response["Referrer-Policy"] == "no-referrer" and "no-store" in response["Cache-Control"]
    for value in ("employed", "self_employed", "unemployed", "studying"):
        assert f'value="{value}"' in html
    assert "Perdagangan" not in html and "Wholesale and retail trade" in html  # sectors in the chosen language

    # Employed without an employer: the form says what is missing, nothing is recorded.
    response = client.post(url, {"status": "employed", "employer": ""}, **PHONE_HEADERS)
    assert "Give the name of the employer." in response.content.decode()
    assert not Outcome.objects.exists()

    response = client.post(url, {"status": "employed", "employer": "PT Kaltim Motor", "sector": "motorcycle_repair",
                                 "wage_band": "3.5to5"}, **PHONE_HEADERS)
    assert response.status_code == 200 and "Thank you, Andi!" in response.content.decode()
    outcome = Outcome.objects.get()
    assert (outcome.person, outcome.survey, outcome.source, outcome.status, outcome.employer, outcome.sector_id,
            outcome.wage_band) == (graduate, survey, "self", "employed", "PT Kaltim Motor", "motorcycle_repair",
                                   "3.5to5")
    survey.refresh_from_db()
    assert survey.responded_at is not None

    response = client.post(url, {"status": "unemployed"}, **PHONE_HEADERS)
    assert "already been answered" in response.content.decode()
    assert 'name="status"' not in response.content.decode()
    assert Outcome.objects.count() == 1
    assert "already been answered" in client.get(url).content.decode()


def test_survey_not_working_drops_employer_and_income(client, survey):
    client.post(reverse("jobs:survey", args=[survey.token]),
                {"status": "studying", "employer": "ignored", "sector": "trade", "wage_band": "gt8"})
    outcome = Outcome.objects.get()
    assert (outcome.status, outcome.employer, outcome.sector_id, outcome.wage_band) == ("studying", "", None, "")


def test_survey_unknown_token_is_404(client, survey):
    assert client.get(reverse("jobs:survey", args=["tidak-ada-token-seperti-ini"])).status_code == 404
    assert client.post(reverse("jobs:survey", args=[survey.token[:-1]]), {"status": "studying"}).status_code == 404
    assert not Outcome.objects.exists()


def test_survey_is_indonesian_by_default_with_the_language_switch(survey):
    response = Client().get(reverse("jobs:survey", args=[survey.token]))
    html = response.content.decode()
    assert '<html lang="id">' in html and response["Content-Language"] == "id"
    assert 'action="/i18n/setlang/"' in html or reverse("set_language") in html
    assert 'value="en"' in html and "Perdagangan Besar dan Eceran" in html


# --- follow-ups -----------------------------------------------------------------------------------


def test_followups_list_is_scoped(client, survey, graduate, operator_balikpapan, operator_bontang, province_admin):
    url = reverse("jobs:followups")
    assert graduate.full_name in login(client, operator_balikpapan).get(url).content.decode()
    assert graduate.full_name in login(Client(), province_admin).get(url).content.decode()
    other = login(Client(), operator_bontang).get(url)
    assert other.status_code == 200 and graduate.full_name not in other.content.decode()
    filtered = login(Client(), province_admin).get(url, {"months": "6"})
    assert graduate.full_name not in filtered.content.decode()
    by_batch = login(Client(), province_admin).get(url, {"batch": survey.batch_id, "state": "not_sent"})
    assert graduate.full_name in by_batch.content.decode()


def test_followup_records_an_officer_outcome(client, survey, graduate, operator_balikpapan):
    login(client, operator_balikpapan)
    url = reverse("jobs:followup", args=[survey.pk])
    page = client.get(url)
    assert page.status_code == 200 and graduate.phone in page.content.decode()
    response = client.post(url, {"status": "self_employed", "employer": "Bengkel sendiri", "sector": "",
                                 "wage_band": "lt2", "on": DUE_3.isoformat(), "note": "telepon 4 Juli"})
    assert response.status_code == 302 and response["Location"] == reverse("jobs:followups")
    outcome = Outcome.objects.get()
    assert (outcome.source, outcome.survey, outcome.recorded_by, outcome.on) == (
        "operator", survey, operator_balikpapan, DUE_3)
    again = client.post(url, {"status": "unemployed", "on": DUE_3.isoformat()}, follow=True)
    assert "already been answered" in again.content.decode() and Outcome.objects.count() == 1


def test_followup_without_consent_is_refused(client, survey, graduate, operator_balikpapan):
    consent(graduate, given=False)
    login(client, operator_balikpapan)
    url = reverse("jobs:followup", args=[survey.pk])
    page = client.get(url).content.decode()
    assert "do not call" in page and graduate.phone not in page
    response = client.post(url, {"status": "unemployed", "on": DUE_3.isoformat()})
    assert "has not consented" in response.content.decode() and not Outcome.objects.exists()


def test_other_centre_gets_404(client, survey, graduate, operator_bontang, job_seeker):
    login(client, operator_bontang)
    for url in (reverse("jobs:followup", args=[survey.pk]), reverse("jobs:person_outcome", args=[graduate.pk])):
        assert client.get(url).status_code == 404
        assert client.post(url, {"status": "unemployed", "on": DUE_3.isoformat()}).status_code == 404
    assert not Outcome.objects.exists()
    seeker = login(Client(), job_seeker)
    for name in ("followups", "rates", "ak1_list"):
        assert seeker.get(reverse(f"jobs:{name}")).status_code == 404
    assert Client().get(reverse("jobs:followups")).status_code == 302  # to the login page


# --- a person's outcomes --------------------------------------------------------------------------


def test_person_outcome_history_and_record(client, graduate, survey, operator_balikpapan):
    login(client, operator_balikpapan)
    url = reverse("jobs:person_outcome", args=[graduate.pk])
    page = client.get(url)
    assert page.status_code == 200 and "No situation recorded yet." in page.content.decode()
    response = client.post(url, {"status": "employed", "employer": "PT Tambang Maju", "sector": "mining",
                                 "wage_band": "5to8", "on": "2025-06-30", "note": "kabar dari perusahaan"})
    assert response.status_code == 302
    outcome = Outcome.objects.get()
    assert (outcome.source, outcome.survey, outcome.status, outcome.sector_id) == (
        "operator", None, "employed", "mining")
    assert "PT Tambang Maju" in client.get(url).content.decode()
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    refused = client.post(url, {"status": "unemployed", "on": future})
    assert refused.status_code == 200 and Outcome.objects.count() == 1


# --- rates ----------------------------------------------------------------------------------------


def test_rates_page_and_csv(client, survey, graduate, province_admin, operator_bontang, balikpapan, bontang,
                            programme_year):
    from kompeten.programmes.models import TrainingPackage, Vocation

    vocation = Vocation.objects.filter(centres=bontang).first()
    package = TrainingPackage.objects.create(centre=bontang, vocation=vocation, code="formula", hours=80,
                                             name="=HYPERLINK(\"http://x\")", required_documents=[])
    batch = make_batch(bontang, programme_year, status="completed", end=END, package=package)
    person = make_person(full_name="Rudi Hartono", serial=31, district="64.74.02", registered_centre=bontang)
    Enrolment.objects.create(batch=batch, person=person, source="operator", status="completed")
    tracer.schedule(datetime.date(2025, 10, 4))
    login(client, province_admin)
    page = client.get(reverse("jobs:rates"), {"months": "3", "by": "centre"})
    html = page.content.decode()
    assert page.status_code == 200 and balikpapan.short_name in html and bontang.short_name in html
    response = client.get(reverse("jobs:rates"), {"months": "3", "by": "cohort", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Group", "Completed (persons)", "Surveys due"]
    labels = [row[0] for row in rows[1:]]
    assert any(label.startswith("'=HYPERLINK") for label in labels)  # formula-neutralised
    assert not any(label.startswith("=") for label in labels)
    assert rows[-1][0] == "Total" and rows[-1][2] == "4"
    # An operator sees their centre's rows only.
    mine = login(Client(), operator_bontang).get(reverse("jobs:rates"), {"months": "3"}).content.decode()
    assert bontang.short_name in mine and f">{balikpapan.short_name}<" not in mine


# --- AK/1 -----------------------------------------------------------------------------------------


@pytest.fixture
def card_holder(balikpapan):
    today = timezone.localdate()
    return make_person(full_name="Agus Salim", sex="L", serial=51, registered_centre=balikpapan,
                       ak1_number="AK1/6471/0051", ak1_expires=today + datetime.timedelta(days=400))


@pytest.fixture
def expired_holder(balikpapan):
    return make_person(full_name="Bambang Lama", sex="L", serial=52, registered_centre=balikpapan,
                       ak1_number="AK1/6471/0052", ak1_expires=timezone.localdate() - datetime.timedelta(days=3))


def test_ak1_list_and_reports(client, card_holder, expired_holder, operator_balikpapan, operator_bontang):
    login(client, operator_balikpapan)
    page = client.get(reverse("jobs:ak1_list")).content.decode()
    assert "AK1/6471/0051" in page and "AK1/6471/0052" in page and "expired" in page
    assert "AK1/6471/0052" not in client.get(reverse("jobs:ak1_list"), {"state": "open"}).content.decode()
    url = reverse("jobs:ak1_report", args=[card_holder.pk])
    detail = client.get(url).content.decode()
    assert "Next six-monthly report due" in detail
    today = timezone.localdate().isoformat()
    assert client.post(url, {"status": "seeking", "on": today}).status_code == 302
    assert client.post(url, {"status": "placed", "on": today, "employer": ""}).status_code == 200  # employer missing
    assert client.post(url, {"status": "placed", "on": today, "employer": "PT Maju"}).status_code == 302
    card_holder.refresh_from_db()
    assert card_holder.ak1_closed_on == timezone.localdate()
    assert list(Ak1Report.objects.filter(person=card_holder).values_list("status", flat=True)) == [
        "placed", "seeking"]
    assert "closed" in client.get(reverse("jobs:ak1_list"), {"state": "closed"}).content.decode()
    # Closed and expired cards take no report.
    assert client.post(url, {"status": "seeking", "on": today}).status_code == 302
    expired_url = reverse("jobs:ak1_report", args=[expired_holder.pk])
    assert "Expired on" in client.get(expired_url).content.decode()
    client.post(expired_url, {"status": "seeking", "on": today})
    assert Ak1Report.objects.count() == 2
    # Another centre's operator: 404.
    other = login(Client(), operator_bontang)
    assert other.get(url).status_code == 404
    assert other.post(expired_url, {"status": "seeking", "on": today}).status_code == 404
    assert "AK1/6471/0051" not in other.get(reverse("jobs:ak1_list")).content.decode()


def test_person_without_card_has_no_ak1_page(client, graduate, province_admin):
    login(client, province_admin)
    assert client.get(reverse("jobs:ak1_report", args=[graduate.pk])).status_code == 404


def test_staff_of_no_centre_sees_nothing(client, survey):
    user = make_user("asesor-lain@lsp.test", "assessor")
    login(client, user)
    assert client.get(reverse("jobs:followup", args=[survey.pk])).status_code == 404
