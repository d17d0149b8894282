"""Two requests with the same ``Idempotency-Key`` at the same time: one runs (2xx), the other is told it is in
progress (409), and the operation's effect happens once. Threads with their own database connections, so the
test commits its data; on PostgreSQL only (SQLite serialises writers, so the requests would not overlap).

A transactional test ends with a flush that empties every table, the reference data that conftest loads once per
session included: the fixtures below load it again (as kompeten/training/tests/test_seat_race.py does).
"""

import json
import threading
from unittest import mock

import pytest
from django.db import connection
from django.test import Client

from kompeten.api.models import IdempotencyRecord
from kompeten.api.tokens import issue_token
from kompeten.programmes import services
from kompeten.programmes.models import Batch, TrainingCentre
from kompeten.reference.loader import load_all

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_module(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        load_all()


@pytest.fixture(autouse=True)
def reference_data():
    if not TrainingCentre.objects.filter(code="blki_balikpapan").exists():
        load_all()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_requests_with_one_key(operator_balikpapan, batch_balikpapan):
    token = issue_token(operator_balikpapan, name="race")[1]
    path = f"/api/v1/batches/{batch_balikpapan.pk}/capacity"
    started, release = threading.Event(), threading.Event()
    calls = []
    original = services.set_capacity

    def slow_set_capacity(*args, **kwargs):
        calls.append(args)
        started.set()
        assert release.wait(20)
        return original(*args, **kwargs)

    def send(answers):
        try:
            answers.append(Client().post(path, json.dumps({"capacity": 20}), content_type="application/json",
                                         HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="race-1"))
        finally:
            connection.close()

    first_answers = []
    with mock.patch.object(services, "set_capacity", slow_set_capacity):
        first = threading.Thread(target=send, args=(first_answers,))
        first.start()
        assert started.wait(20)
        second_answers = []
        second = threading.Thread(target=send, args=(second_answers,))
        second.start()
        second.join(20)
        release.set()
        first.join(20)
    assert second_answers[0].status_code == 409
    assert second_answers[0].json()["code"] == "idempotency_in_progress"
    assert first_answers[0].status_code == 200 and first_answers[0].json()["capacity"] == 20
    assert len(calls) == 1
    assert IdempotencyRecord.objects.get(key="race-1").status == "done"
    again = Client().post(path, json.dumps({"capacity": 20}), content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="race-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first_answers[0].json()
    assert Batch.objects.get(pk=batch_balikpapan.pk).capacity == 20 and len(calls) == 1
