"""The apprenticeships API: companies, offers (a company writes its own), placements and their logbook, scoped as
the pages scope them; company users never receive an apprentice's personal data."""

import datetime

import pytest

from conftest import make_user
from kompeten.api.tests.domain_helpers import assert_error, call, make_placement, personal_keys_in
from kompeten.apprenticeships.models import Company, LogbookEntry, Offer
from kompeten.apprenticeships.tests.conftest import make_offer
from kompeten.audit.models import AuditEntry
from kompeten.reference.models import Kbji

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_company(db):
    return Company.objects.create(name="PT Ritel Sejahtera", sector_id="trade", status="verified", employees=80,
                                  region_id="64.74")


@pytest.fixture
def other_company_user(other_company):
    return make_user("hrd@ritelsejahtera.test", "company_user", company=other_company, full_name="HRD Ritel")


@pytest.fixture
def placement(company, programme_year, completed_batch):
    """An active placement at ``company`` of a participant who trained at BLKI Balikpapan, with one week written."""
    offer = make_offer(company, programme_year)
    person = completed_batch.enrolments.order_by("person__full_name").first().person
    placement = make_placement(person, offer)
    LogbookEntry.objects.create(placement=placement, week_start=datetime.date(2025, 7, 7),
                                activities="Servis berkala unit dump truck", practice_hours=32, theory_hours=8)
    return placement


def offer_body(**changes):
    occupation = Kbji.objects.filter(code__startswith="7233").order_by("code").first()
    return {"title": "Mekanik Alat Berat", "occupation": occupation.code, "slots": 4,
            "start_date": "2025-08-01", "months": 6, "theory_percent": 20, "locations": ["64.71"],
            "allowance": 2_500_000, "workplace_address": "Jl. Mulawarman 1, Balikpapan", **changes}


def test_companies_own_only(client, company, company_user, other_company, province_admin, operator_balikpapan):
    answer = call(client, company_user, "get", "/companies").json()
    assert [c["id"] for c in answer["items"]] == [company.pk]
    assert call(client, company_user, "get", f"/companies/{company.pk}").json()["name"] == "PT Tambang Maju"
    assert_error(call(client, company_user, "get", f"/companies/{other_company.pk}"), 404, "not_found")
    assert call(client, province_admin, "get", "/companies").json()["count"] == 2
    assert call(client, province_admin, "get", "/companies", sector="trade").json()["count"] == 1
    assert_error(call(client, operator_balikpapan, "get", "/companies"), 403, "forbidden")


def test_company_creates_an_offer_idempotently(client, company, company_user, programme_year):
    first = call(client, company_user, "post", "/offers", offer_body(), key="offer-1")
    assert first.status_code == 201, first.content
    offer = first.json()
    assert offer["status"] == "draft" and offer["company_id"] == company.pk and offer["locations"] == ["64.71"]
    assert offer["programme_year"] == 2025 and offer["criteria"] == ["certificate", "vocation", "nearby"]
    again = call(client, company_user, "post", "/offers", offer_body(), key="offer-1")
    assert again.status_code == 201 and again.json() == offer
    assert Offer.objects.count() == 1
    # The page's rules: 20 % of 200 employees, 10-25 % theory; each under its field.
    refused = assert_error(call(client, company_user, "post", "/offers", offer_body(slots=41, theory_percent=50)),
                           422, "invalid")
    assert {tuple(e["loc"]) for e in refused["errors"]} >= {("body", "slots"), ("body", "theory_percent")}
    assert Offer.objects.count() == 1
    # Edit the draft, then submit it.
    edited = call(client, company_user, "put", f"/offers/{offer['id']}", offer_body(slots=6), key="offer-1-edit")
    assert edited.status_code == 200 and edited.json()["slots"] == 6
    submitted = call(client, company_user, "post", f"/offers/{offer['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert_error(call(client, company_user, "put", f"/offers/{offer['id']}", offer_body()), 409, "offer_not_draft")


def test_offer_writes_are_the_companys(client, company, company_user, other_company_user, operator_balikpapan,
                                       programme_year):
    draft = make_offer(company, programme_year, status="draft")
    assert_error(call(client, operator_balikpapan, "post", "/offers", offer_body()), 403, "forbidden")
    assert_error(call(client, other_company_user, "put", f"/offers/{draft.pk}", offer_body()), 404, "not_found")
    assert_error(call(client, other_company_user, "get", f"/offers/{draft.pk}"), 404, "not_found")
    assert_error(call(client, other_company_user, "post", f"/offers/{draft.pk}/submit"), 404, "not_found")
    # No mass assignment: a status or another company in the body changes nothing.
    sneaky = call(client, company_user, "post", "/offers", {**offer_body(), "status": "approved",
                                                           "company": 999, "created_by": 1})
    assert sneaky.status_code == 201 and sneaky.json()["status"] == "draft"
    assert_error(call(client, company_user, "post", "/offers", offer_body(company_id=999_999)), 404, "not_found")
    # Everyone signed in sees approved offers; the draft only its company.
    make_offer(company, programme_year, title="Operator Excavator")
    titles = {o["title"] for o in call(client, operator_balikpapan, "get", "/offers").json()["items"]}
    assert titles == {"Operator Excavator"}


def test_placements_scoped_and_without_personal_data_for_companies(client, placement, company_user,
                                                                   operator_balikpapan, operator_bontang,
                                                                   other_company_user, assessor):
    as_operator = call(client, operator_balikpapan, "get", "/placements").json()
    assert [p["id"] for p in as_operator["items"]] == [placement.pk]
    assert as_operator["items"][0]["person"]["masked_nik"] == placement.person.masked_nik
    as_company = call(client, company_user, "get", "/placements")
    assert [p["id"] for p in as_company.json()["items"]] == [placement.pk]
    detail = call(client, company_user, "get", f"/placements/{placement.pk}")
    assert detail.json()["weeks_written"] == 1 and detail.json()["weeks_confirmed"] == 0
    logbook = call(client, company_user, "get", f"/placements/{placement.pk}/logbook")
    for answer in (as_company, detail, logbook):
        assert personal_keys_in(answer.json()) == set()
        assert placement.person.nik not in answer.content.decode()
        assert placement.person.birth_date.isoformat() not in answer.content.decode()
    assert call(client, operator_bontang, "get", "/placements").json()["count"] == 0
    assert_error(call(client, operator_bontang, "get", f"/placements/{placement.pk}"), 404, "not_found")
    assert_error(call(client, other_company_user, "get", f"/placements/{placement.pk}/logbook"), 404, "not_found")
    assert_error(call(client, assessor, "get", "/placements"), 403, "forbidden")


def test_company_confirms_a_logbook_week_idempotently(client, placement, company_user, other_company_user,
                                                      operator_balikpapan):
    week = placement.logbook.get()
    path = f"/placements/{placement.pk}/logbook/{week.pk}/confirm"
    assert_error(call(client, operator_balikpapan, "post", path, {"note": "ok"}), 403, "forbidden")
    assert_error(call(client, other_company_user, "post", path, {"note": "ok"}), 404, "not_found")
    first = call(client, company_user, "post", path, {"note": "Bagus"}, key="week-1")
    assert first.status_code == 200, first.content
    assert first.json()["confirmed"] is True and first.json()["mentor_note"] == "Bagus"
    again = call(client, company_user, "post", path, {"note": "Bagus"}, key="week-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert_error(call(client, company_user, "post", path, {"note": "Lagi"}), 409, "week_confirmed")
    week.refresh_from_db()
    assert week.mentor_note == "Bagus"


def test_company_decides_its_applicants(client, company, company_user, other_company_user, operator_balikpapan,
                                        programme_year, completed_batch):
    from kompeten.apprenticeships.models import Application, MatchingRound

    matching_round = MatchingRound.objects.create(programme_year=programme_year, name="Putaran 1",
                                                  opens_at=datetime.date(2025, 5, 1),
                                                  closes_at=datetime.date(2025, 5, 31))
    offer = make_offer(company, programme_year, matching_round=matching_round)
    person = completed_batch.enrolments.order_by("person__full_name").first().person
    application = Application.objects.create(person=person, offer=offer, rank=1)
    listed = call(client, company_user, "get", f"/offers/{offer.pk}/applicants")
    assert [a["id"] for a in listed.json()["items"]] == [application.pk]
    assert personal_keys_in(listed.json()) == set() and person.nik not in listed.content.decode()
    assert_error(call(client, other_company_user, "get", f"/offers/{offer.pk}/applicants"), 404, "not_found")
    assert_error(call(client, operator_balikpapan, "get", f"/offers/{offer.pk}/applicants"), 403, "forbidden")
    path = f"/apprenticeship-applications/{application.pk}/decision"
    assert_error(call(client, other_company_user, "post", path, {"decision": "accepted"}), 404, "not_found")
    first = call(client, company_user, "post", path, {"decision": "accepted", "note": "Cocok"}, key="dec-1")
    assert first.status_code == 200 and first.json()["decision"] == "accepted"
    again = call(client, company_user, "post", path, {"decision": "accepted", "note": "Cocok"}, key="dec-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert AuditEntry.objects.for_object(application).count() == 1  # one effect
    matching_round.status = "matched"
    matching_round.save(update_fields=["status"])
    assert_error(call(client, company_user, "post", path, {"decision": "rejected"}), 409, "decision_locked")
