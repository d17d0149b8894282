"""The jobs API: vacancies (companies post them, everyone signed in sees the open ones) and outcomes (the tracer's
results and follow-ups: operators of the person's centre, the province admin, the person; never companies)."""

import datetime

import pytest

from conftest import make_user
from kompeten.api.tests.domain_helpers import assert_error, call, personal_keys_in
from kompeten.apprenticeships.models import Company
from kompeten.jobs.models import Outcome, Vacancy
from kompeten.jobs.tests.conftest import make_vacancy
from kompeten.reference.models import Kbji

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_company_user(db):
    other = Company.objects.create(name="PT Ritel Sejahtera", sector_id="trade", status="verified", employees=80)
    return make_user("hrd@ritelsejahtera.test", "company_user", company=other, full_name="HRD Ritel")


def vacancy_body(**changes):
    today = datetime.date.today()
    return {"title": "Mekanik Alat Berat", "occupation": Kbji.objects.order_by("code").first().code,
            "sector": "mining", "number_needed": 3, "valid_from": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=30)).isoformat(), "region": "64.71",
            "wage_min": 4_000_000, "wage_max": 6_000_000, **changes}


def test_company_posts_a_vacancy_idempotently(client, company, company_user):
    first = call(client, company_user, "post", "/vacancies", vacancy_body(), key="vac-1")
    assert first.status_code == 201, first.content
    vacancy = first.json()
    assert vacancy["company_id"] == company.pk and vacancy["status"] == "open" and vacancy["filled"] == 0
    again = call(client, company_user, "post", "/vacancies", vacancy_body(), key="vac-1")
    assert again.status_code == 201 and again.json() == vacancy
    assert Vacancy.objects.count() == 1
    refused = assert_error(call(client, company_user, "post", "/vacancies", vacancy_body(wage_max=1_000_000)), 422,
                           "invalid")
    assert ["body", "wage_max"] in [e["loc"] for e in refused["errors"]]
    # No mass assignment: status, filled or another company in the body change nothing.
    sneaky = call(client, company_user, "post", "/vacancies", {**vacancy_body(), "status": "filled", "filled": 3,
                                                              "company": 999})
    assert sneaky.status_code == 201 and sneaky.json()["status"] == "open" and sneaky.json()["filled"] == 0
    assert_error(call(client, company_user, "post", "/vacancies", vacancy_body(company_id=999_999)), 404,
                 "not_found")


def test_vacancy_visibility_and_roles(client, company, company_user, other_company_user, operator_balikpapan,
                                      job_seeker):
    open_one = make_vacancy(company, title="Mekanik")
    closed = make_vacancy(company, title="Juru Las", status="closed")
    assert_error(call(client, operator_balikpapan, "post", "/vacancies", vacancy_body()), 403, "forbidden")
    assert_error(call(client, job_seeker, "post", "/vacancies", vacancy_body()), 403, "forbidden")
    for user in (operator_balikpapan, job_seeker, other_company_user):
        answer = call(client, user, "get", "/vacancies").json()
        assert [v["id"] for v in answer["items"]] == [open_one.pk]
        assert_error(call(client, user, "get", f"/vacancies/{closed.pk}"), 404, "not_found")
    own = call(client, company_user, "get", "/vacancies", status="closed").json()
    assert [v["id"] for v in own["items"]] == [closed.pk]
    assert call(client, company_user, "get", f"/vacancies/{closed.pk}").json()["title"] == "Juru Las"


def test_outcomes_recorded_and_read_in_scope(client, person_balikpapan, operator_balikpapan, operator_bontang,
                                             province_admin):
    person_balikpapan.ak1_number = "6471-AK1-0001"
    person_balikpapan.save(update_fields=["ak1_number"])
    body = {"person_id": person_balikpapan.pk, "status": "employed", "on": "2025-06-01",
            "employer": "PT Tambang Maju", "sector": "mining", "wage_band": "3.5to5"}
    assert_error(call(client, operator_bontang, "post", "/outcomes", body), 404, "not_found")
    refused = assert_error(call(client, operator_balikpapan, "post", "/outcomes", {**body, "employer": ""}), 422,
                           "invalid")
    assert ["body", "employer"] in [e["loc"] for e in refused["errors"]]
    first = call(client, operator_balikpapan, "post", "/outcomes", body, key="out-1")
    assert first.status_code == 201, first.content
    outcome = first.json()
    assert outcome["source"] == "operator" and outcome["status"] == "employed"
    assert outcome["person"]["masked_nik"] == person_balikpapan.masked_nik
    again = call(client, operator_balikpapan, "post", "/outcomes", body, key="out-1")
    assert again.status_code == 201 and again.json() == outcome
    assert Outcome.objects.count() == 1
    person_balikpapan.refresh_from_db()
    assert person_balikpapan.ak1_closed_on == datetime.date(2025, 6, 1)  # the service's rule: in work closes AK/1
    assert [o["id"] for o in call(client, province_admin, "get", "/outcomes").json()["items"]] == [outcome["id"]]
    assert call(client, operator_balikpapan, "get", "/outcomes", status="employed").json()["count"] == 1
    assert call(client, operator_bontang, "get", "/outcomes").json()["count"] == 0
    assert_error(call(client, operator_bontang, "get", f"/outcomes/{outcome['id']}"), 404, "not_found")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    refused = assert_error(call(client, operator_balikpapan, "post", "/outcomes", {**body, "on": tomorrow}), 422,
                           "invalid")
    assert ["body", "on"] in [e["loc"] for e in refused["errors"]]


def test_companies_and_assessors_never_get_outcomes(client, person_balikpapan, company_user, assessor,
                                                    province_admin):
    from kompeten.jobs import services

    outcome = services.record_outcome(person_balikpapan, status="unemployed", source="operator",
                                      on=datetime.date(2025, 6, 1), by=province_admin)
    for user in (company_user, assessor):
        assert_error(call(client, user, "get", "/outcomes"), 403, "forbidden")
        assert_error(call(client, user, "get", f"/outcomes/{outcome.pk}"), 403, "forbidden")
        assert_error(call(client, user, "post", "/outcomes", {"person_id": person_balikpapan.pk,
                                                              "status": "unemployed", "on": "2025-06-01"}),
                     403, "forbidden")
    vacancies = call(client, company_user, "get", "/vacancies")
    assert vacancies.status_code == 200 and personal_keys_in(vacancies.json()) == set()


def test_the_person_reads_their_own_outcomes(client, job_seeker, province_admin):
    from kompeten.jobs import services

    person = job_seeker.person
    services.record_outcome(person, status="studying", source="self", on=datetime.date(2025, 6, 1), by=job_seeker)
    answer = call(client, job_seeker, "get", "/outcomes").json()
    assert answer["count"] == 1 and answer["items"][0]["person"]["birth_date"] == person.birth_date.isoformat()
