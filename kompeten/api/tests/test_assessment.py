"""The assessment API: events and results as the pages scope them; the assessor records units; the LSP decides."""

import pytest

from conftest import assess
from kompeten.api.tests.domain_helpers import assert_error, call, personal_keys_in
from kompeten.assessment.models import CandidateStatus, UnitResult
from kompeten.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _unit(candidate):
    return candidate.results.select_related("unit").order_by("unit__order").first()


def test_events_list_and_detail_for_the_right_roles(client, candidates, event, operator_balikpapan, assessor,
                                                    lsp_admin, province_admin):
    for user in (operator_balikpapan, assessor, lsp_admin, province_admin):
        response = call(client, user, "get", "/assessment/events")
        assert response.status_code == 200, user
        body = response.json()
        assert body["count"] == 1 and body["items"][0]["id"] == event.pk
        assert body["items"][0]["candidates"] == 3 and body["items"][0]["open"] == 3
        assert body["items"][0]["assessors"] == ["Asesor Kompetensi"]
    filtered = call(client, province_admin, "get", "/assessment/events", status="completed").json()
    assert filtered["count"] == 0
    assert call(client, province_admin, "get", "/assessment/events", scheme="SKM-TEST-01").json()["count"] == 1
    assert call(client, province_admin, "get", "/assessment/events", date_from="2025-05-01").json()["count"] == 0
    detail = call(client, operator_balikpapan, "get", f"/assessment/events/{event.pk}").json()
    assert detail["scheme_code"] == "SKM-TEST-01" and detail["date"] == "2025-04-14"


def test_outsiders_get_404_and_other_roles_403(client, candidates, event, operator_bontang, company_user,
                                               job_seeker):
    assert call(client, operator_bontang, "get", "/assessment/events").json()["count"] == 0
    assert_error(call(client, operator_bontang, "get", f"/assessment/events/{event.pk}"), 404, "not_found")
    assert_error(call(client, operator_bontang, "get", f"/assessment/events/{event.pk}/results"), 404, "not_found")
    assert_error(call(client, operator_bontang, "get", f"/assessment/candidates/{candidates[0].pk}"), 404,
                 "not_found")
    for user in (company_user, job_seeker):
        assert_error(call(client, user, "get", "/assessment/events"), 403, "forbidden")
        assert_error(call(client, user, "get", f"/assessment/events/{event.pk}/results"), 403, "forbidden")
    client.logout()
    assert client.get("/api/v1/assessment/events").status_code == 401


def test_results_show_personal_data_only_to_who_may_see_it(client, candidates, event, operator_balikpapan,
                                                           assessor):
    as_operator = call(client, operator_balikpapan, "get", f"/assessment/events/{event.pk}/results").json()
    assert as_operator["count"] == 3
    first = as_operator["items"][0]
    assert first["person"]["full_name"] == "Andi Pratama"
    assert first["person"]["masked_nik"] == candidates[0].person.masked_nik and first["person"]["birth_date"]
    assert candidates[0].person.nik not in str(as_operator)  # the full NIK only at /persons/{id}, audited
    assert [u["unit_code"] for u in first["units"]] == ["T.45OTO00.001.1", "T.45OTO00.002.1", "T.45OTO00.003.1",
                                                        "T.45OTO00.004.1"]
    as_assessor = call(client, assessor, "get", f"/assessment/events/{event.pk}/results", assessor="me")
    assert as_assessor.status_code == 200 and as_assessor.json()["count"] == 3
    assert personal_keys_in(as_assessor.json()) == set()
    assert candidates[0].person.nik not in as_assessor.content.decode()


def test_assessor_records_a_unit_idempotently(client, candidates, assessor):
    candidate = candidates[0]
    row = _unit(candidate)
    path = f"/assessment/candidates/{candidate.pk}/units/{row.unit_id}"
    body = {"result": "K", "methods": ["observation"], "notes": "Lancar", "version": row.version}
    first = call(client, assessor, "put", path, body, key="unit-1")
    assert first.status_code == 200, first.content
    assert first.json()["result"] == "K" and first.json()["version"] == row.version + 1
    again = call(client, assessor, "put", path, body, key="unit-1")
    assert again.status_code == 200 and again.json() == first.json()
    row.refresh_from_db()
    assert row.version == 1 and row.result == "K"  # one effect
    assert AuditEntry.objects.filter(note=row.unit.code).count() == 1
    # Without the key the same body is a new write, refused as stale, with the unit as saved.
    stale = assert_error(call(client, assessor, "put", path, body), 409, "stale_write")
    assert stale["current"]["version"] == 1
    # A K without evidence is refused by the service's rule.
    assert_error(call(client, assessor, "put", path, {**body, "methods": [], "version": 1}), 409, "no_evidence")
    assert_error(call(client, assessor, "put", path, {**body, "result": "X", "version": 1}), 422, "invalid")


def test_only_the_assigned_assessor_records(client, candidates, other_assessor, operator_balikpapan,
                                            operator_bontang):
    candidate = candidates[0]
    row = _unit(candidate)
    path = f"/assessment/candidates/{candidate.pk}/units/{row.unit_id}"
    body = {"result": "BK", "methods": [], "notes": "", "version": 0}
    assert_error(call(client, other_assessor.user, "put", path, body), 404, "not_found")
    assert_error(call(client, operator_balikpapan, "put", path, body), 403, "forbidden")
    assert_error(call(client, operator_bontang, "put", path, body), 403, "forbidden")
    assert UnitResult.objects.get(pk=row.pk).version == 0


def test_submit_and_lsp_approval(client, candidates, assessor, lsp_admin, operator_balikpapan, event):
    candidate = candidates[0]
    assess(candidate, assessor, submit=False)
    assert_error(call(client, lsp_admin, "post", f"/assessment/candidates/{candidate.pk}/approve"), 409,
                 "not_submitted")
    submitted = call(client, assessor, "post", f"/assessment/candidates/{candidate.pk}/submit", key="s-1")
    assert submitted.status_code == 200 and submitted.json()["status"] == "assessed"
    assert submitted.json()["recommendation"] == "K"
    assert_error(call(client, operator_balikpapan, "post", f"/assessment/candidates/{candidate.pk}/approve"), 403,
                 "forbidden")
    approved = call(client, lsp_admin, "post", f"/assessment/candidates/{candidate.pk}/approve", key="a-1")
    assert approved.status_code == 200 and approved.json()["decision"] == "K"
    replay = call(client, lsp_admin, "post", f"/assessment/candidates/{candidate.pk}/approve", key="a-1")
    assert replay.status_code == 200 and replay.json() == approved.json()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.APPROVED
    assert_error(call(client, lsp_admin, "post", f"/assessment/candidates/{candidate.pk}/approve"), 409,
                 "results_locked")
    # The whole event: the other two, once handed in.
    assert_error(call(client, lsp_admin, "post", f"/assessment/events/{event.pk}/approve"), 409,
                 "nothing_to_approve")
    for other in candidates[1:]:
        assess(other, assessor)
    done = call(client, lsp_admin, "post", f"/assessment/events/{event.pk}/approve", key="e-1")
    assert done.status_code == 200 and done.json() == {"event_id": event.pk, "approved": 2}
