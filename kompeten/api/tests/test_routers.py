"""The persons, programmes, selection and training routers: what each operation does to the database, and what it
shows to whom. Who may call what is tests/test_api_access.py's matrix."""

import datetime
import json

import pytest
from django.utils import timezone

from conftest import make_batch, make_person
from kompeten.api.tokens import issue_token
from kompeten.audit.models import AuditEntry
from kompeten.programmes.models import Batch, Target
from kompeten.registry.models import Person
from kompeten.selection.models import Application
from kompeten.training.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db


class Api:
    """Calls as one user, with an API token."""

    def __init__(self, client, user):
        self.client, self.auth = client, {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, name='test')[1]}"}

    def get(self, path, **query):
        return self.client.get(f"/api/v1{path}", query, **self.auth)

    def send(self, method, path, body=None):
        return self.client.generic(method, f"/api/v1{path}", json.dumps(body or {}),
                                   content_type="application/json", **self.auth)


# Persons ----------------------------------------------------------------------------------------------------------

def test_list_filters_and_hides_personal_fields(client, operator_balikpapan, person_balikpapan, balikpapan,
                                                django_assert_max_num_queries):
    other = make_person(full_name="Siti Rahma", serial=7, registered_centre=balikpapan, village_id=None,
                        declared_prior_training=True)
    api = Api(client, operator_balikpapan)
    with django_assert_max_num_queries(8):
        rows = api.get("/persons").json()
    assert rows["count"] == 2
    assert {"nik", "birth_date", "phone", "address"}.isdisjoint(rows["items"][0])
    assert rows["items"][0]["masked_nik"].startswith("****")
    assert [r["id"] for r in api.get("/persons", q="rahma").json()["items"]] == [other.pk]
    assert [r["id"] for r in api.get("/persons", never_trained="true").json()["items"]] == [person_balikpapan.pk]
    assert [r["id"] for r in api.get("/persons", never_trained="false").json()["items"]] == [other.pk]
    assert api.get("/persons", regency="64.74").json()["count"] == 0
    assert api.get("/persons", q=person_balikpapan.nik).json()["count"] == 0  # never a NIK search in a URL


def test_detail_shows_personal_fields_and_audits_the_nik(client, operator_balikpapan, person_balikpapan):
    api = Api(client, operator_balikpapan)
    body = api.get(f"/persons/{person_balikpapan.pk}").json()
    assert body["nik"] == person_balikpapan.nik and body["birth_date"] == "2001-07-04" and "address" in body
    assert AuditEntry.objects.filter(action="view_nik", object_id=str(person_balikpapan.pk),
                                     actor=operator_balikpapan).count() == 1


def test_lookup_by_nik_in_the_body(client, operator_balikpapan, operator_bontang, person_balikpapan):
    dotted = f" {person_balikpapan.nik[:6]}.{person_balikpapan.nik[6:]}"
    found = Api(client, operator_balikpapan).send("POST", "/persons/lookup", {"nik": dotted})
    assert found.status_code == 200 and found.json()["id"] == person_balikpapan.pk
    assert Api(client, operator_bontang).send("POST", "/persons/lookup",
                                              {"nik": person_balikpapan.nik}).status_code == 404
    assert Api(client, operator_balikpapan).send("POST", "/persons/lookup", {"nik": "123"}).status_code == 404


def test_lookup_by_nik_is_rate_limited_with_the_person_search(client, operator_balikpapan, person_balikpapan,
                                                              settings):
    """The API's NIK lookup counts against the same per-user limit as the person search by NIK on the pages."""
    settings.KOMPETEN_RATE_LIMITS = {"nik-lookup-user": (2, 600)}
    api = Api(client, operator_balikpapan)
    assert api.send("POST", "/persons/lookup", {"nik": person_balikpapan.nik}).status_code == 200
    client.force_login(operator_balikpapan)
    assert client.post("/pencari-kerja/", {"q": person_balikpapan.nik}).status_code == 303
    refused = api.send("POST", "/persons/lookup", {"nik": person_balikpapan.nik})
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert refused.json()["retry_after"] > 0


def test_create_uses_the_registry_rules(client, operator_balikpapan, balikpapan):
    api = Api(client, operator_balikpapan)
    bad = api.send("POST", "/persons", {"nik": "6471051308990007", "full_name": "X", "sex": "P",
                                        "birth_date": "1999-08-15", "rt": "abcd"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    assert {e["loc"][-1] for e in bad.json()["errors"]} >= {"rt"}
    made = api.send("POST", "/persons", {"nik": "6471 0555 0899 0007", "full_name": "Nur Aini", "sex": "L",
                                         "birth_date": "1999-08-15", "phone": "0812-3456-7890"})
    assert made.status_code == 201, made.content
    person = Person.objects.get(pk=made.json()["id"])
    assert person.nik == "6471055508990007" and person.phone == "+6281234567890"
    assert person.registered_centre == balikpapan and person.source == "operator"
    assert made.json()["nik_warnings"] == ["nik_sex_mismatch"]  # a woman's NIK (day + 40), stated male
    assert AuditEntry.objects.filter(action="create", object_type="registry.person", object_id=str(person.pk))


def test_update_and_own_record(client, operator_balikpapan, job_seeker, person_balikpapan):
    changed = Api(client, operator_balikpapan).send("PATCH", f"/persons/{person_balikpapan.pk}",
                                                    {"major": "Teknik Las", "rt": "7"})
    assert changed.status_code == 200 and changed.json()["major"] == "Teknik Las"
    person_balikpapan.refresh_from_db()
    assert person_balikpapan.rt == "007"
    entry = AuditEntry.objects.get(action="update", object_id=str(person_balikpapan.pk))
    assert entry.changes["major"] == ["", "Teknik Las"]
    api = Api(client, job_seeker)
    me = api.get("/persons/me").json()
    assert me["nik"] == job_seeker.person.nik and me["id"] == job_seeker.person.pk
    assert api.send("PATCH", "/persons/me", {"phone": "081299998888"}).json()["phone"] == "+6281299998888"
    assert not AuditEntry.objects.filter(action="view_nik", actor=job_seeker).exists()  # their own NIK


# Programmes --------------------------------------------------------------------------------------------------------

def test_targets_are_set_by_the_province_admin(client, province_admin, operator_balikpapan, programme_year,
                                               balikpapan, bontang):
    api = Api(client, province_admin)
    made = api.send("POST", f"/programme-years/{programme_year.pk}/targets",
                    {"kind": "certified", "centre": balikpapan.pk, "number": 1000})
    assert made.status_code == 201
    Target.objects.create(programme_year=programme_year, kind="certified", centre=bontang, number=500)
    again = api.send("POST", f"/programme-years/{programme_year.pk}/targets",
                     {"kind": "certified", "centre": balikpapan.pk, "number": 900})
    assert again.status_code == 422
    assert api.send("PATCH", f"/targets/{made.json()['id']}", {"number": 1100}).json()["number"] == 1100
    seen = Api(client, operator_balikpapan).get(f"/programme-years/{programme_year.pk}").json()["targets"]
    assert [(t["centre"], t["number"]) for t in seen] == [(balikpapan.pk, 1100)]


def test_batch_create_transition_and_capacity(client, operator_balikpapan, batch_balikpapan, programme_year):
    api = Api(client, operator_balikpapan)
    made = api.send("POST", "/batches", {"programme_year": programme_year.pk, "package": batch_balikpapan.package_id,
                                         "start_date": "2025-07-07", "end_date": "2025-07-11"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["number"] == 2 and body["status"] == "planned" and body["sessions"] == 5
    assert body["capacity"] == batch_balikpapan.package.class_size and body["centre"] == batch_balikpapan.centre_id
    backwards = api.send("POST", "/batches", {"programme_year": programme_year.pk,
                                              "package": batch_balikpapan.package_id,
                                              "start_date": "2025-07-07", "end_date": "2025-07-01"})
    assert backwards.status_code == 422
    moved = api.send("POST", f"/batches/{body['id']}/transition", {"to": "running"})
    assert moved.status_code == 409 and moved.json()["code"] == "invalid_transition"
    assert api.send("POST", f"/batches/{body['id']}/transition", {"to": "open"}).json()["status"] == "open"
    assert api.send("PATCH", f"/batches/{body['id']}", {"location": "Bengkel 3"}).json()["location"] == "Bengkel 3"
    assert api.send("POST", f"/batches/{body['id']}/capacity", {"capacity": 10}).json()["capacity"] == 10
    listed = api.get("/batches", status="open", year=2025).json()
    assert {row["id"] for row in listed["items"]} == {batch_balikpapan.pk, body["id"]}
    assert Batch.objects.get(pk=body["id"]).capacity == 10


# Selection and training --------------------------------------------------------------------------------------------

@pytest.fixture
def open_round(operator_balikpapan, balikpapan, programme_year):
    from kompeten.programmes.models import TrainingPackage, Vocation

    vocation = Vocation.objects.filter(centres=balikpapan).order_by("code").first()
    package = TrainingPackage.objects.create(centre=balikpapan, vocation=vocation, code="api", name="Paket API",
                                             hours=160, required_documents=[])
    return make_batch(balikpapan, programme_year, package=package)


def test_round_from_creation_to_application(client, operator_balikpapan, job_seeker, open_round, programme_year,
                                            balikpapan):
    staff = Api(client, operator_balikpapan)
    now = timezone.now()
    made = staff.send("POST", "/rounds", {
        "name": "Seleksi API", "programme_year": programme_year.pk, "centres": [balikpapan.pk],
        "opens_at": (now - datetime.timedelta(hours=1)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=7)).isoformat(),
        "results_at": (now + datetime.timedelta(days=9)).isoformat(), "rules": ["never_trained", "lottery"]})
    assert made.status_code == 422  # "lottery" is not a rule: it always breaks ties
    made = staff.send("POST", "/rounds", {
        "name": "Seleksi API", "programme_year": programme_year.pk, "centres": [balikpapan.pk],
        "opens_at": (now - datetime.timedelta(hours=1)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=7)).isoformat(),
        "results_at": (now + datetime.timedelta(days=9)).isoformat(), "rules": ["never_trained", "domicile"]})
    assert made.status_code == 201, made.content
    round_id = made.json()["id"]
    assert made.json()["status"] == "draft" and made.json()["rules"] == ["never_trained", "domicile"]
    seeker = Api(client, job_seeker)
    assert seeker.get(f"/rounds/{round_id}").status_code == 404  # a draft
    opened = staff.send("POST", f"/rounds/{round_id}/transition", {"action": "open"})
    assert opened.status_code == 409 and opened.json()["code"] == "round_has_no_batches"
    assert staff.send("POST", f"/rounds/{round_id}/batches", {"batch": open_round.pk}).status_code == 200
    opened = staff.send("POST", f"/rounds/{round_id}/transition", {"action": "open"}).json()
    assert opened["status"] == "open" and len(opened["seed_hash"]) == 64 and opened["seed"] == ""
    assert [b["batch"] for b in seeker.get(f"/rounds/{round_id}").json()["batches"]] == [open_round.pk]
    applied = seeker.send("POST", f"/rounds/{round_id}/applications", {"batches": [open_round.pk]})
    assert applied.status_code == 201, applied.content
    application = Application.objects.get(pk=applied.json()["id"])
    assert application.person == job_seeker.person and [c.batch_id for c in application.choices.all()] == [
        open_round.pk]
    twice = seeker.send("POST", f"/rounds/{round_id}/applications", {"batches": [open_round.pk]})
    assert twice.status_code == 409 and twice.json()["code"] == "already_applied"
    assert seeker.get("/applications/mine").json()["count"] == 1
    listed = staff.get(f"/rounds/{round_id}/applications").json()
    assert [a["person"] for a in listed["items"]] == [job_seeker.person.pk]
    stage = staff.send("POST", f"/applications/{application.pk}/stage", {"stage": "documents", "value": 80})
    assert stage.status_code == 422
    assert staff.send("POST", f"/applications/{application.pk}/stage",
                      {"stage": "documents", "value": True}).json()["documents_ok"] is True
    withdrawn = seeker.send("POST", f"/applications/{application.pk}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"


def test_enrol_attend_complete(client, operator_balikpapan, balikpapan, programme_year, person_balikpapan):
    api = Api(client, operator_balikpapan)
    batch = make_batch(balikpapan, programme_year, status="open", start=datetime.date(2025, 5, 5),
                       end=datetime.date(2025, 5, 6), capacity=1)
    enrolled = api.send("POST", f"/batches/{batch.pk}/enrolments", {"person": person_balikpapan.pk})
    assert enrolled.status_code == 201
    enrolment = Enrolment.objects.get(pk=enrolled.json()["id"])
    full = api.send("POST", f"/batches/{batch.pk}/enrolments",
                    {"person": make_person(full_name="Lain", serial=8, registered_centre=balikpapan).pk})
    assert full.status_code == 409 and full.json()["code"] == "batch_full"
    closed = api.send("POST", f"/batches/{batch.pk}/attendance",
                      {"date": "2025-05-05", "marks": [{"enrolment": enrolment.pk, "status": "present"}]})
    assert closed.status_code == 409 and closed.json()["code"] == "attendance_closed"
    Batch.objects.filter(pk=batch.pk).update(status="running")
    for day in ("2025-05-05", "2025-05-06"):
        taken = api.send("POST", f"/batches/{batch.pk}/attendance",
                         {"date": day, "marks": [{"enrolment": enrolment.pk, "status": "present"}]})
        assert taken.status_code == 200 and taken.json()["changed"] == 1
    assert api.send("POST", f"/batches/{batch.pk}/attendance",
                    {"date": "2025-05-07", "marks": [{"enrolment": enrolment.pk, "status": "present"}]}
                    ).status_code == 404  # no session that day
    assert Attendance.objects.filter(enrolment=enrolment, status="present").count() == 2
    days = api.get(f"/batches/{batch.pk}/attendance").json()["items"]
    assert [d["marks"] for d in days] == [[{"enrolment": enrolment.pk, "status": "present"}]] * 2
    done = api.send("POST", f"/batches/{batch.pk}/completion",
                    {"decisions": [{"enrolment": enrolment.pk, "final_test_passed": True}]})
    assert done.json() == {"completed": 1, "not_completed": 0}
    enrolment.refresh_from_db()
    assert enrolment.status == "completed" and enrolment.attendance_percent == 100
