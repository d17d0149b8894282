"""The participant list API (kompeten/api/exchange.py): exports scoped and audited, the import through record
linkage, all or nothing, errors as {"code", "detail"}."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kompeten.api.tests.domain_helpers import assert_error, call
from kompeten.audit.models import AuditEntry
from kompeten.linkage.models import SourceList
from kompeten.registry.models import Person
from kompeten.training import exchange
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[dict]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def post_file(client, user, content: bytes, *, name="siapkerja.csv", key=None, **fields):
    client.force_login(user)
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/participant-lists/import", {"file": SimpleUploadedFile(name, content), **fields},
                       headers=headers)


def registered(batch):
    from kompeten.linkage.services import record_registrations

    persons = [e.person for e in Enrolment.objects.filter(batch=batch).select_related("person")]
    record_registrations(persons)
    return persons


def test_formats_name_the_columns(client, operator_balikpapan):
    body = call(client, operator_balikpapan, "get", "/participant-lists/formats").json()
    assert [f["key"] for f in body] == ["siapkerja", "bnsp"]
    assert [c["header"] for c in body[0]["columns"]] == exchange.SIAPKERJA.headers
    assert body[0]["date_format"] == "DD/MM/YYYY"


def test_batch_list_for_the_centre_and_the_province(client, operator_balikpapan, province_admin, completed_batch):
    for user in (operator_balikpapan, province_admin):
        response = call(client, user, "get", f"/batches/{completed_batch.pk}/participant-list")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = rows_of(response)
        assert len(rows) == 3 and all(len(r["nik"]) == 16 for r in rows)
        assert list(rows[0]) == exchange.SIAPKERJA.headers
    bnsp = call(client, province_admin, "get", f"/batches/{completed_batch.pk}/participant-list", format="bnsp")
    assert list(rows_of(bnsp)[0]) == exchange.BNSP.headers
    xlsx = call(client, province_admin, "get", f"/batches/{completed_batch.pk}/participant-list", file="xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert AuditEntry.objects.filter(action="export", object_type="programmes.batch").count() == 4


def test_batch_list_outsiders_get_404(client, operator_bontang, lsp_admin, assessor, job_seeker, company_user,
                                      completed_batch):
    for user in (operator_bontang, lsp_admin, assessor, job_seeker, company_user):
        assert_error(call(client, user, "get", f"/batches/{completed_batch.pk}/participant-list"), 404, "not_found")
    assert_error(call(client, operator_bontang, "get", "/batches/999999/participant-list"), 404, "not_found")
    assert not AuditEntry.objects.filter(action="export").exists()


def test_bad_format_or_file_type_is_422(client, operator_balikpapan, completed_batch, event):
    path = f"/batches/{completed_batch.pk}/participant-list"
    assert_error(call(client, operator_balikpapan, "get", path, format="excel"), 422, "invalid")
    assert_error(call(client, operator_balikpapan, "get", path, file="pdf"), 422, "invalid")
    assert_error(call(client, operator_balikpapan, "get", f"/assessment-events/{event.pk}/candidate-list",
                      format="siapkerja"), 422, "invalid")


def test_event_list(client, operator_balikpapan, province_admin, operator_bontang, lsp_admin, candidates, event):
    for user in (operator_balikpapan, province_admin):
        response = call(client, user, "get", f"/assessment-events/{event.pk}/candidate-list")
        assert response.status_code == 200
        rows = rows_of(response)
        assert len(rows) == 3 and {r["kode_skema"] for r in rows} == {"SKM-TEST-01"}
        assert {r["status_asesmen"] for r in rows} == {"TERDAFTAR"}
    for user in (operator_bontang, lsp_admin):  # the LSP manager sees the event but not the NIKs
        assert_error(call(client, user, "get", f"/assessment-events/{event.pk}/candidate-list"), 404, "not_found")
    assert AuditEntry.objects.filter(action="export", object_type="assessment.assessmentevent").count() == 2


def test_import_round_trip_links_the_same_persons(client, operator_balikpapan, completed_batch, balikpapan):
    persons = registered(completed_batch)
    before = Person.objects.count()
    exported = call(client, operator_balikpapan, "get", f"/batches/{completed_batch.pk}/participant-list").content
    response = post_file(client, operator_balikpapan, exported)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["written"] and body["records"] == 3 and body["linked"] == 3 and body["year"] == 2025
    assert Person.objects.count() == before
    source_list = SourceList.objects.get(pk=body["list"])
    assert source_list.kind == "siapkerja" and source_list.centre == balikpapan  # the operator's centre
    assert set(source_list.records.values_list("person_id", flat=True)) == {p.pk for p in persons}
    assert AuditEntry.objects.filter(action="import", object_type="linkage.sourcelist").count() == 1


def test_import_errors_are_422_with_row_and_column(client, operator_balikpapan):
    content = (b"nik,nama_lengkap,tanggal_mulai,status_kelulusan\n"
               b"6471055203990001,Siti Aminah,03/03/2025,LULUS\n"
               b"6471055203990002,Rina,kemarin,SELESAI\n")
    body = assert_error(post_file(client, operator_balikpapan, content), 422, "invalid_rows")
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "tanggal_mulai"), (3, "status_kelulusan")]
    assert SourceList.objects.count() == 0
    body = assert_error(post_file(client, operator_balikpapan, b"%PDF-1.4\n", name="a.csv"), 422, "file_rejected")
    assert "PDF" in body["detail"]


def test_import_scope_and_roles(client, operator_balikpapan, bontang, lsp_admin, job_seeker, province_admin):
    content = b"nik,nama_lengkap\n6471055203990001,Siti Aminah\n"
    assert_error(post_file(client, operator_balikpapan, content, centre=bontang.code), 404, "not_found")
    for user in (lsp_admin, job_seeker):
        assert_error(post_file(client, user, content), 403, "forbidden")
    assert_error(post_file(client, province_admin, content, format="excel"), 422, "invalid")
    assert_error(post_file(client, province_admin, content, year="1900"), 422, "invalid")
    assert SourceList.objects.count() == 0
    response = post_file(client, province_admin, content, centre=bontang.code, year="2024")
    assert response.status_code == 200 and response.json()["unmatched"] == 1
    assert SourceList.objects.get().centre == bontang and SourceList.objects.get().year == 2024


def test_anonymous_is_401(client, completed_batch):
    response = client.get(f"/api/v1/batches/{completed_batch.pk}/participant-list")
    assert response.status_code == 401


def test_import_with_an_idempotency_key_runs_once(client, operator_balikpapan):
    content = b"nik,nama_lengkap\n6471055203990001,Siti Aminah\n"
    first = post_file(client, operator_balikpapan, content, key="siapkerja-1")
    again = post_file(client, operator_balikpapan, content, key="siapkerja-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert SourceList.objects.count() == 1
