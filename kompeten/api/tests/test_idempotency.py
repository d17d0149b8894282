"""``Idempotency-Key`` on API writes (kompeten/api/idempotency.py): one effect, the stored answer, 409 while
running, 422 for another request, nothing kept when the request fails."""

import datetime
import json

import pytest
import time_machine

from kompeten.api.idempotency import purge_expired
from kompeten.api.models import IdempotencyRecord, IdempotencyStatus
from kompeten.api.tokens import issue_token
from kompeten.audit.models import AuditEntry
from kompeten.programmes.models import Batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_token(operator_balikpapan):
    return issue_token(operator_balikpapan, name="test")[1]


def post(client, path, body, *, token, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers)


def test_same_key_and_body_answer_the_stored_response_once(client, operator_token, batch_balikpapan):
    path = f"/batches/{batch_balikpapan.pk}/capacity"
    first = post(client, path, {"capacity": 20}, token=operator_token, key="k-1")
    assert first.status_code == 200 and first.json()["capacity"] == 20 and "Idempotent-Replayed" not in first
    entries = AuditEntry.objects.filter(object_type="programmes.batch", action="update").count()
    Batch.objects.filter(pk=batch_balikpapan.pk).update(capacity=18)  # changed since: a replay does not redo it
    again = post(client, path, {"capacity": 20}, token=operator_token, key="k-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Batch.objects.get(pk=batch_balikpapan.pk).capacity == 18
    assert AuditEntry.objects.filter(object_type="programmes.batch", action="update").count() == entries
    record = IdempotencyRecord.objects.get(key="k-1")
    assert record.status == IdempotencyStatus.DONE and record.response_status == 200


def test_created_object_is_created_once(client, operator_token, balikpapan):
    from kompeten.registry.models import Person

    body = {"nik": "6471055508990007", "full_name": "Nur Aini", "sex": "P", "birth_date": "1999-08-15"}
    answers = [post(client, "/persons", body, token=operator_token, key="new-person") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert Person.objects.filter(nik="6471055508990007").count() == 1
    # The same JSON with other spacing and key order is the same request.
    spaced = client.post("/api/v1/persons", json.dumps(dict(reversed(body.items())), indent=2),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {operator_token}",
                         HTTP_IDEMPOTENCY_KEY="new-person")
    assert spaced.status_code == 201 and spaced["Idempotent-Replayed"] == "true"


def test_same_key_for_another_request_is_422(client, operator_token, batch_balikpapan):
    path = f"/batches/{batch_balikpapan.pk}/capacity"
    assert post(client, path, {"capacity": 20}, token=operator_token, key="k-2").status_code == 200
    for other_path, body in ((path, {"capacity": 21}), (f"/batches/{batch_balikpapan.pk}/transition",
                                                        {"to": "selecting"})):
        answer = post(client, other_path, body, token=operator_token, key="k-2")
        assert answer.status_code == 422 and answer.json()["code"] == "idempotency_key_reused"
    assert Batch.objects.get(pk=batch_balikpapan.pk).capacity == 20
    assert Batch.objects.get(pk=batch_balikpapan.pk).status == "open"


def test_same_key_while_running_is_409(client, operator_token, operator_balikpapan, batch_balikpapan):
    """A "running" record is what a concurrent first request leaves while it works (the threaded version of this
    test, on PostgreSQL, is test_idempotency_race.py)."""
    from django.test import RequestFactory

    from kompeten.api.idempotency import fingerprint

    body = {"capacity": 20}
    request = RequestFactory().post(f"/api/v1/batches/{batch_balikpapan.pk}/capacity", json.dumps(body),
                                    content_type="application/json")
    IdempotencyRecord.objects.create(user=operator_balikpapan, key="k-3", request_hash=fingerprint(request))
    answer = post(client, f"/batches/{batch_balikpapan.pk}/capacity", body, token=operator_token, key="k-3")
    assert answer.status_code == 409 and answer.json()["code"] == "idempotency_in_progress"
    assert Batch.objects.get(pk=batch_balikpapan.pk).capacity == 16


def test_a_failed_request_keeps_nothing_and_may_be_retried(client, operator_token, batch_balikpapan,
                                                           person_balikpapan):
    from kompeten.training.models import Enrolment

    Enrolment.objects.create(batch=batch_balikpapan, person=person_balikpapan, source="operator")
    path = f"/batches/{batch_balikpapan.pk}/capacity"
    Batch.objects.filter(pk=batch_balikpapan.pk).update(capacity=1)
    refused = post(client, f"/batches/{batch_balikpapan.pk}/transition", {"to": "closed"}, token=operator_token,
                   key="k-4")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    assert not IdempotencyRecord.objects.filter(key="k-4").exists()
    retried = post(client, f"/batches/{batch_balikpapan.pk}/transition", {"to": "selecting"},
                   token=operator_token, key="k-4")
    assert retried.status_code == 200
    # A crash inside the operation: its transaction is rolled back and the key is free again.
    from unittest import mock

    with mock.patch("kompeten.programmes.services.set_capacity", side_effect=RuntimeError("boom")), \
            pytest.raises(RuntimeError):
        post(client, path, {"capacity": 5}, token=operator_token, key="k-5")
    assert not IdempotencyRecord.objects.filter(key="k-5").exists()
    assert post(client, path, {"capacity": 5}, token=operator_token, key="k-5").status_code == 200


def test_keys_are_per_user(client, operator_token, province_admin, batch_balikpapan):
    admin_token = issue_token(province_admin, name="test")[1]
    path = f"/batches/{batch_balikpapan.pk}/capacity"
    assert post(client, path, {"capacity": 20}, token=operator_token, key="shared").status_code == 200
    answer = post(client, path, {"capacity": 22}, token=admin_token, key="shared")
    assert answer.status_code == 200 and "Idempotent-Replayed" not in answer
    assert Batch.objects.get(pk=batch_balikpapan.pk).capacity == 22


def test_without_a_key_every_request_runs(client, operator_token, batch_balikpapan):
    path = f"/batches/{batch_balikpapan.pk}/capacity"
    for capacity in (20, 21):
        assert post(client, path, {"capacity": capacity}, token=operator_token).status_code == 200
    assert Batch.objects.get(pk=batch_balikpapan.pk).capacity == 21
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "kunci\u00e9", "tab\there"])
def test_invalid_keys_are_422(client, operator_token, batch_balikpapan, key):
    answer = post(client, f"/batches/{batch_balikpapan.pk}/capacity", {"capacity": 20}, token=operator_token,
                  key=key)
    assert answer.status_code == 422 and answer.json()["code"] == "idempotency_key_invalid"
    assert Batch.objects.get(pk=batch_balikpapan.pk).capacity == 16


def test_records_are_kept_24_hours(client, operator_token, batch_balikpapan):
    path = f"/batches/{batch_balikpapan.pk}/capacity"
    start = datetime.datetime(2025, 3, 1, 8, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        assert post(client, path, {"capacity": 20}, token=operator_token, key="old").status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=23), tick=False):
        assert post(client, path, {"capacity": 24}, token=operator_token, key="old").status_code == 422
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        answer = post(client, path, {"capacity": 24}, token=operator_token, key="old")
        assert answer.status_code == 200 and "Idempotent-Replayed" not in answer
        post(client, path, {"capacity": 25}, token=operator_token, key="other")
    with time_machine.travel(start + datetime.timedelta(hours=50), tick=False):
        assert purge_expired() == 2
    assert not IdempotencyRecord.objects.exists()


def test_every_write_operation_is_idempotent():
    """Every POST, PUT, PATCH and DELETE of the API honours the key (is decorated with @idempotent), except
    the public verification and the NIK lookup, which change nothing."""
    from kompeten.api.api import api

    reads_by_post = {"verify", "persons_lookup", "unknown"}
    missing = []
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = getattr(operation, "url_name", "")
                writes = set(operation.methods) & {"POST", "PUT", "PATCH", "DELETE"}
                if writes and name not in reads_by_post and not getattr(operation.run, "kompeten_idempotent", False):
                    missing.append(name)
    assert not missing, f"decorate these with @idempotent: {missing}"
