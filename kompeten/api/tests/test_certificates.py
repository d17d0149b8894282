"""The certificates API for the signed-in: lists and details as scoped as the pages, revoking with a reason, issuing
a batch's or an event's certificates as a background job (202, polled)."""

import datetime

import pytest

from conftest import make_user
from kompeten.api.tests.domain_helpers import assert_error, call, make_placement, personal_keys_in
from kompeten.apprenticeships.tests.conftest import make_offer
from kompeten.certificates import services
from kompeten.certificates.models import Certificate, IssuanceJob
from kompeten.certificates.tests.helpers import approve_all, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def competency(candidates, assessor, lsp_admin):
    approved = approve_all(candidates[:1], assessor, lsp_admin)
    return services.issue_competency(approved[0], issued_at=at(2025, 5, 10))


@pytest.fixture
def training(completed_batch):
    return services.issue_training(completed_batch.enrolments.order_by("person__full_name").first(),
                                   issued_at=at(2025, 4, 10))


@pytest.fixture
def apprenticeship(company, programme_year, training):
    offer = make_offer(company, programme_year, start=datetime.date(2024, 7, 1))
    placement = make_placement(training.person, offer, status="completed", final_passed=True, final_score=80)
    return services.issue_apprenticeship(placement, issued_at=at(2025, 2, 1))


def test_lists_are_scoped_like_the_pages(client, competency, training, operator_balikpapan, operator_bontang,
                                         province_admin, lsp_admin, job_seeker):
    def numbers(user, **query):
        response = call(client, user, "get", "/certificates", **query)
        assert response.status_code == 200, response.content
        return {item["number"] for item in response.json()["items"]}

    assert numbers(province_admin) == numbers(operator_balikpapan) == {competency.number, training.number}
    assert numbers(lsp_admin) == {competency.number}
    assert numbers(operator_bontang) == set()
    assert numbers(job_seeker) == set()
    assert numbers(province_admin, kind="training") == {training.number}
    assert numbers(province_admin, q=competency.public_code[:6]) == {competency.number}
    detail = call(client, operator_balikpapan, "get", f"/certificates/{training.pk}").json()
    assert detail["holder_name"] == training.holder_name and detail["status"] == "active"
    assert detail["person"]["birth_date"] == training.person.birth_date.isoformat()
    assert detail["code"] == services.format_code(training.public_code)


def test_the_holder_sees_their_own(client, training):
    holder = make_user("andi@example.test", "job_seeker")
    training.person.user = holder
    training.person.save(update_fields=["user"])
    answer = call(client, holder, "get", "/certificates").json()
    assert [item["id"] for item in answer["items"]] == [training.pk]


def test_outsiders_get_404_and_roles_without_certificates_403(client, competency, training, operator_bontang,
                                                              assessor):
    for cert in (competency, training):
        assert_error(call(client, operator_bontang, "get", f"/certificates/{cert.pk}"), 404, "not_found")
        assert_error(call(client, operator_bontang, "post", f"/certificates/{cert.pk}/revoke", {"reason": "x"}),
                     404, "not_found")
    assert_error(call(client, assessor, "get", "/certificates"), 403, "forbidden")
    assert_error(call(client, assessor, "post", f"/certificates/{training.pk}/revoke", {"reason": "x"}), 403,
                 "forbidden")
    training.refresh_from_db()
    assert training.status == "active"


def test_revoke_with_a_reason_idempotently(client, training, competency, operator_balikpapan):
    path = f"/certificates/{training.pk}/revoke"
    assert_error(call(client, operator_balikpapan, "post", path, {"reason": ""}), 422, "invalid")
    first = call(client, operator_balikpapan, "post", path, {"reason": "Data palsu"}, key="rev-1")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "revoked" and first.json()["status_reason"] == "Data palsu"
    again = call(client, operator_balikpapan, "post", path, {"reason": "Data palsu"}, key="rev-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert training.status_changes.count() == 1  # one effect
    assert_error(call(client, operator_balikpapan, "post", path, {"reason": "Lagi"}), 409, "already_revoked")
    # The operator sees the competency certificate of their centre's event, but only its LSP revokes it.
    assert_error(call(client, operator_balikpapan, "post", f"/certificates/{competency.pk}/revoke",
                      {"reason": "x"}), 404, "not_found")
    # Verification shows it revoked, with the reason.
    answer = client.post("/api/v1/verify", data={"code": training.public_code}, content_type="application/json")
    assert answer.json()["status"] == "revoked" and answer.json()["reason"] == "Data palsu"


def test_issue_a_batch_as_a_background_job(client, completed_batch, operator_balikpapan, operator_bontang,
                                           lsp_admin, job_seeker, django_capture_on_commit_callbacks):
    body = {"batch_id": completed_batch.pk}
    assert_error(call(client, operator_bontang, "post", "/certificates/issuance", body), 404, "not_found")
    assert_error(call(client, lsp_admin, "post", "/certificates/issuance", body), 404, "not_found")
    assert_error(call(client, job_seeker, "post", "/certificates/issuance", body), 403, "forbidden")
    assert_error(call(client, operator_balikpapan, "post", "/certificates/issuance", {}), 422, "invalid")
    with django_capture_on_commit_callbacks(execute=True):
        started = call(client, operator_balikpapan, "post", "/certificates/issuance", body, key="issue-1")
    assert started.status_code == 202, started.content
    job = started.json()
    assert job["batch_id"] == completed_batch.pk and job["total"] == 3
    assert job["poll"] == f"/api/v1/certificates/issuance/{job['id']}"
    polled = call(client, operator_balikpapan, "get", f"/certificates/issuance/{job['id']}").json()
    assert polled["status"] == "done" and polled["done"] == 3 and polled["percent"] == 100
    replay = call(client, operator_balikpapan, "post", "/certificates/issuance", body, key="issue-1")
    assert replay.status_code == 202 and replay.json() == job
    assert IssuanceJob.objects.count() == 1
    assert Certificate.objects.filter(enrolment__batch=completed_batch).count() == 3
    assert_error(call(client, operator_balikpapan, "post", "/certificates/issuance", body), 409, "nothing_to_issue")
    assert_error(call(client, operator_bontang, "get", f"/certificates/issuance/{job['id']}"), 404, "not_found")


def test_issue_an_event_is_the_lsps(client, candidates, assessor, lsp_admin, operator_balikpapan, event):
    approve_all(candidates, assessor, lsp_admin)
    body = {"event_id": event.pk}
    assert_error(call(client, operator_balikpapan, "post", "/certificates/issuance", body), 404, "not_found")
    started = call(client, lsp_admin, "post", "/certificates/issuance", body)
    assert started.status_code == 202 and started.json()["event_id"] == event.pk
    assert started.json()["status"] == "queued"  # the worker starts once the request's transaction committed


def test_company_users_never_see_personal_keys(client, apprenticeship, company_user):
    answer = call(client, company_user, "get", "/certificates")
    assert answer.status_code == 200
    assert [item["id"] for item in answer.json()["items"]] == [apprenticeship.pk]
    detail = call(client, company_user, "get", f"/certificates/{apprenticeship.pk}")
    for body in (answer.json(), detail.json()):
        assert personal_keys_in(body) == set()
    assert apprenticeship.person.nik not in answer.content.decode()
    assert apprenticeship.person.birth_date.isoformat() not in answer.content.decode() + detail.content.decode()


def test_a_partner_token_acts_within_its_users_scope(client, training, operator_balikpapan, operator_bontang):
    from kompeten.api.tokens import issue_token

    _row, token = issue_token(operator_balikpapan, name="SIAPkerja")
    listed = client.get("/api/v1/certificates", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listed.status_code == 200 and [c["id"] for c in listed.json()["items"]] == [training.pk]
    revoked = client.post(f"/api/v1/certificates/{training.pk}/revoke", data={"reason": "Salah cetak"},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    _row, outsider = issue_token(operator_bontang, name="Bontang")
    response = client.get(f"/api/v1/certificates/{training.pk}", HTTP_AUTHORIZATION=f"Bearer {outsider}")
    assert_error(response, 404, "not_found")


MINE = {"assessment_events_list", "assessment_events_detail", "assessment_events_results",
        "assessment_candidates_detail", "assessment_candidates_record_unit", "assessment_candidates_submit",
        "assessment_candidates_approve", "assessment_events_approve", "certificates_list", "certificates_detail",
        "certificates_revoke", "certificates_issue", "certificates_issue_job", "companies_list", "companies_detail",
        "offers_list", "offers_detail", "offers_create", "offers_update", "offers_submit", "offers_applicants",
        "offers_applicants_decide", "placements_list",
        "placements_detail", "placements_logbook", "placements_logbook_confirm", "vacancies_list",
        "vacancies_detail", "vacancies_create", "outcomes_list", "outcomes_detail", "outcomes_create",
        "reports_targets", "reports_funnel"}


def test_every_operation_is_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {op["operationId"]: (method, op) for methods in schema["paths"].values()
                  for method, op in methods.items()}
    assert set(operations) >= MINE
    for name in MINE:
        method, op = operations[name]
        assert op["summary"] and op["security"], name
        assert {"401", "403", "404", "422"} <= set(op["responses"]), name
        if method != "get":
            assert "409" in op["responses"], name
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref", "").rsplit("/", 1)[-1]
            fields = set(schema["components"]["schemas"][ref]["properties"]) if ref else set()
            assert not fields & {"role", "roles", "centre", "centre_id", "is_staff", "created_by", "recorded_by",
                                 "filled", "decided_by", "approval_number", "authority", "source"}, (name, fields)
            if name in ("offers_create", "offers_update", "vacancies_create"):
                assert "status" not in fields and fields, name
