"""Reliability drills: the database connection dies in the middle of a transaction.

The drills run real requests through the test client, and while the enrolment or the import is inside its
transaction (after it has written rows) the request's own database connection is killed:

- PostgreSQL: from a SECOND connection with ``pg_terminate_backend(pid)``, as an administrator or a failover
  would; the request's next statement fails with "terminating connection due to administrator command".
- SQLite: the sqlite3 connection under the ORM is closed (there is no server to kill a session); the next
  statement fails with "Cannot operate on a closed database".

Each drill then checks: no partial rows (the rows written before the kill are gone), the next request succeeds
without any restart, and for the import the ImportJob is marked failed, kept its file, and a retry imports it.

The drills commit their data (transaction=True): the flush that ends each test empties the reference data,
which the fixtures below load again (as kompeten/training/tests/test_seat_race.py does).
"""

import csv
import datetime
import io
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import make_batch, make_person
from kompeten.audit.models import AuditEntry
from kompeten.linkage.models import SourceRecord
from kompeten.programmes.models import TrainingCentre
from kompeten.reference.loader import load_all
from kompeten.registry import importer
from kompeten.registry.models import Consent, ImportJob, Person
from kompeten.registry.nik import make_nik
from kompeten.training import services as training_services
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db(transaction=True)

BORN = datetime.date(1998, 5, 17)
ROWS = 3


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_module(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        load_all()  # the last test's flush emptied it; the modules that follow expect it


@pytest.fixture(autouse=True)
def reference_data():
    if not TrainingCentre.objects.filter(code="blki_balikpapan").exists():
        load_all()


def kill_this_connection() -> None:
    """Kill the calling thread's database connection in the middle of whatever it is doing."""
    if connection.vendor == "postgresql":
        pid = connection.connection.info.backend_pid
        other = connections.create_connection("default")  # a second session, as an administrator would use
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                assert cursor.fetchone()[0] is True
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:  # the backend is gone once it left pg_stat_activity
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                    if cursor.fetchone()[0] == 0:
                        break
                    time.sleep(0.05)
                else:
                    raise AssertionError(f"backend {pid} still alive 10 s after pg_terminate_backend")
        finally:
            other.close()
    else:
        connection.connection.close()


def killing(real, check_written):
    """A stand-in for ``real`` that first checks the transaction has written rows, then kills the connection,
    then calls ``real`` (whose first statement fails)."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(args)
        assert connection.in_atomic_block, "the kill must land inside the transaction"
        check_written()
        kill_this_connection()
        return real(*args, **kwargs)

    wrapper.calls = calls
    return wrapper


def operator_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages the drills read, in English
    return client


# --- enrolment ----------------------------------------------------------------------------------------------


def test_connection_killed_mid_enrolment_leaves_no_rows_and_the_next_request_succeeds(
        operator_balikpapan, balikpapan, programme_year):
    batch = make_batch(balikpapan, programme_year)
    person = make_person(full_name="Rudi Hartono", sex="L", serial=41, registered_centre=balikpapan)
    client = operator_client(operator_balikpapan)
    url = reverse("training:enrol", args=[batch.pk])
    audit_before = AuditEntry.objects.count()

    def enrolment_written():
        assert Enrolment.objects.filter(batch=batch, person=person).exists()

    wrapper = killing(training_services.record, enrolment_written)
    with mock.patch.object(training_services, "record", wrapper):
        response = client.post(url, {"person": person.pk})
    assert wrapper.calls, "the enrolment never reached its audit record: the drill did not run"
    assert response.status_code == 500

    # No partial rows: the enrolment written before the kill was rolled back, and nothing was audited.
    assert not Enrolment.objects.filter(batch=batch).exists()
    assert AuditEntry.objects.count() == audit_before

    # The next request succeeds on a new connection, without restarting anything.
    assert client.get(reverse("programmes:batch_detail", args=[batch.pk])).status_code == 200
    response = client.post(url, {"person": person.pk})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(batch=batch, person=person)
    assert enrolment.status == "enrolled"
    assert AuditEntry.objects.filter(object_type="training.enrolment", object_id=str(enrolment.pk)).count() == 1


# --- import -------------------------------------------------------------------------------------------------


def persons_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["nik", "nama", "jenis_kelamin", "tanggal_lahir", "no_hp"])
    for serial in range(1, ROWS + 1):
        writer.writerow([make_nik("64.71.05", BORN, "L", serial), f"Peserta Impor {serial}", "L",
                         BORN.strftime("%d/%m/%Y"), f"0812-1111-{serial:04d}"])
    return buffer.getvalue().encode()


def upload(client, content: bytes, name="pencari-kerja.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("registry:import"), {"file": file})


def test_connection_killed_mid_import_fails_the_job_which_a_retry_completes(operator_balikpapan):
    client = operator_client(operator_balikpapan)
    before = (Person.objects.count(), Consent.objects.count(), SourceRecord.objects.count(),
              AuditEntry.objects.count())

    def persons_written():
        assert Person.objects.filter(full_name__startswith="Peserta Impor").count() == ROWS

    # The kill comes when the first chunk's persons are written and its linkage task is being enqueued.
    wrapper = killing(importer.link_registrations.enqueue, persons_written)
    with mock.patch.object(importer, "link_registrations", SimpleNamespace(enqueue=wrapper)):
        response = upload(client, persons_csv())
    assert wrapper.calls, "the import never reached record linkage: the drill did not run"

    # The user sees what happened (no error page), and no partial rows are left.
    assert response.status_code == 200
    assert "interrupted by a database failure" in response.content.decode()
    assert (Person.objects.count(), Consent.objects.count(), SourceRecord.objects.count(),
            AuditEntry.objects.count()) == before

    # The job is marked failed and kept the file for a retry.
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.requested_by == operator_balikpapan
    assert bytes(job.content) == persons_csv()
    assert "terminat" in job.error or "closed" in job.error

    # The next request succeeds without a restart.
    assert client.get(reverse("registry:person_list")).status_code == 200

    # The retry imports the whole file, once.
    report = importer.retry_import(job)
    assert report.written and report.created == ROWS and report.job_id == job.pk
    job.refresh_from_db()
    assert (job.status, job.attempts, job.created, job.content) == (ImportJob.Status.DONE, 2, ROWS, None)
    assert Person.objects.filter(full_name__startswith="Peserta Impor").count() == ROWS
    assert Consent.objects.count() == before[1] + ROWS
    with translation.override("en"), pytest.raises(ValueError, match="cannot be retried"):
        importer.retry_import(job)  # done: a second retry would be a duplicate run


def test_a_rejected_import_is_recorded_and_not_retryable(operator_balikpapan):
    client = operator_client(operator_balikpapan)
    response = upload(client, b"nik,nama,jenis_kelamin,tanggal_lahir\n123,Tanpa NIK,L,01/01/2000\n")
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert (job.status, job.total_rows, job.created, job.content) == (ImportJob.Status.REJECTED, 1, 0, None)
    with translation.override("en"), pytest.raises(ValueError, match="cannot be retried"):
        importer.retry_import(job)
    assert not Person.objects.filter(full_name="Tanpa NIK").exists()


def test_the_kill_really_breaks_the_connection():
    """Negative control: without the rollback handling the killed connection does fail its next statement."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    kill_this_connection()
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.close()
    with connection.cursor() as cursor:  # and a new connection works
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


# --- a restarted server: persistent connections are health-checked ----------------------------------------------


def wsgi_get(path: str) -> int:
    """One GET through Django's real WSGI handler (as gunicorn calls it: request_started / request_finished
    close or check the connections, which the test client skips)."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler

    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"}
    setup_testing_defaults(environ)
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        b"".join(response)
    finally:
        response.close()  # request_finished
    return int(statuses[0].split()[0])


@pytest.mark.parametrize("health_checks", [True, False], ids=["health-checks", "negative-control"])
def test_a_persistent_connection_killed_between_requests_is_replaced(health_checks, settings):
    """What a PostgreSQL restart or failover does to an idle app: every kept connection is dead. With
    CONN_HEALTH_CHECKS (kompeten/settings.py) the next request checks and replaces it; without (the negative
    control) that request fails."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite connections are not kept between requests (CONN_MAX_AGE=0)")
    from django.test.utils import CaptureQueriesContext

    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True and connection.settings_dict["CONN_MAX_AGE"] > 0
    page = reverse("registry:register")
    with mock.patch.dict(connection.settings_dict, {"CONN_HEALTH_CHECKS": health_checks}):
        connection.close()
        with CaptureQueriesContext(connection) as queries:
            assert wsgi_get(page) == 200
        assert len(queries) > 0, "the page must read the database for this drill to mean anything"
        assert connection.connection is not None, "the connection is kept between requests (CONN_MAX_AGE)"
        kill_this_connection()
        assert wsgi_get(page) == (200 if health_checks else 500)
        assert wsgi_get(page) == 200  # after a failure the broken connection is dropped at the end of the request
    connection.close()
