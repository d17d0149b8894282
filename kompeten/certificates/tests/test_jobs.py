"""Batch issuance jobs: in-process (the immediate task backend), and the crash test with real workers.

The crash test starts ``kompeten db_worker`` processes (the database task backend, crash_settings.py) on the
test's own database, kills them with SIGKILL in the middle of a batch, resumes the job and lets a last worker
finish it: every eligible person then has exactly one certificate, the numbers are 1..n without gaps or
duplicates, and the ledger chain verifies. It runs on whatever database the suite runs on (SQLite file or
PostgreSQL with DATABASE_URL). Its data must be committed for the workers to see it, so it is transactional;
the flush that ends it empties the reference data too, which the fixtures below load again.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from conftest import make_batch
from kompeten.certificates import jobs, keystore, ledger, services, verification
from kompeten.certificates.models import Certificate, IssuanceJob, JobStatus, LedgerEntry, NumberCounter
from kompeten.certificates.tests.helpers import approve_all, completed_enrolments
from kompeten.programmes.models import TrainingCentre
from kompeten.reference.loader import load_all

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CRASH_BATCH = 300
CRASHES = 2


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_module(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        if not TrainingCentre.objects.exists():
            load_all()  # the crash test's flush emptied it; the modules that follow expect it


@pytest.fixture(autouse=True)
def reference_data(request):
    if request.node.get_closest_marker("django_db") and not TrainingCentre.objects.filter(
            code="blki_balikpapan").exists():
        load_all()  # emptied by the flush that ended the crash test


# --- in-process --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_issues_everything_once(candidates, assessor, lsp_admin, event, operator_balikpapan,
                                      django_capture_on_commit_callbacks):
    approve_all(candidates, assessor, lsp_admin)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start(event=event, by=operator_balikpapan)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.total == job.done == 3 and job.percent == 100
    assert job.task_id and job.finished_at and job.error == ""
    certs = Certificate.objects.filter(job=job)
    assert certs.count() == 3 and {c.assessment for c in certs} == set(candidates)
    assert sorted(c.seq for c in certs) == [1, 2, 3]

    # Running it again, or a new job for the same event, issues nothing.
    assert jobs.run(job.pk) == 0
    with django_capture_on_commit_callbacks(execute=True):
        again = jobs.start(event=event, by=operator_balikpapan)
    again.refresh_from_db()
    assert again != job and again.status == JobStatus.DONE and again.total == again.done == 3
    assert Certificate.objects.count() == 3 and not Certificate.objects.filter(job=again).exists()


@pytest.mark.django_db
def test_a_training_batch_job(completed_batch, operator_balikpapan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start(batch=completed_batch, by=operator_balikpapan)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.total == job.done == 3
    assert Certificate.objects.filter(kind="training", enrolment__batch=completed_batch).count() == 3


@pytest.mark.django_db
def test_a_waiting_job_is_not_started_twice(completed_batch, operator_balikpapan):
    first = jobs.start(batch=completed_batch, by=operator_balikpapan)  # on_commit never runs: still queued
    assert jobs.start(batch=completed_batch, by=operator_balikpapan) == first
    assert IssuanceJob.objects.count() == 1 and first.status == JobStatus.QUEUED and first.total == 3


@pytest.mark.django_db
def test_a_failed_job_resumes_where_it_stopped(completed_batch, operator_balikpapan, monkeypatch,
                                               django_capture_on_commit_callbacks):
    real = services.issue_training
    calls = Counter()

    def flaky(enrolment, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("printer on fire")
        return real(enrolment, **kwargs)

    monkeypatch.setattr(services, "issue_training", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start(batch=completed_batch, by=operator_balikpapan)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "printer on fire" in job.error and job.done == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.resume() == [job]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == job.total == 3 and job.error == ""
    assert sorted(Certificate.objects.values_list("seq", flat=True)) == [1, 2, 3]


# --- the crash test ----------------------------------------------------------------------------------


def start_worker(*, batch: bool) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kompeten.certificates.tests.crash_settings",
        "KOMPETEN_CRASH_DB_NAME": str(connection.settings_dict["NAME"]),
        "KOMPETEN_CRASH_KEY_DIR": str(django_settings.KOMPETEN_KEY_DIR),
        "KOMPETEN_CRASH_MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
    }
    command = [sys.executable, "-m", "kompeten.cli", "db_worker", "--no-startup-delay", "--interval", "0.05",
               "--no-reload"]
    if batch:
        command.append("--batch")
    return subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[3],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def issued(batch) -> int:
    return Certificate.objects.filter(enrolment__batch=batch).count()


def kill_when(worker: subprocess.Popen, batch, at_least: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while issued(batch) < at_least:
        if worker.poll() is not None:
            pytest.fail(f"the worker stopped early: {worker.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            worker.kill()
            pytest.fail("the worker issued nothing in time")
        time.sleep(0.005)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    worker.stderr.close()


@pytest.mark.django_db(transaction=True)
def test_crash_mid_batch_then_resume(balikpapan, programme_year, operator_balikpapan, settings):
    settings.TASKS = DATABASE_TASKS  # this process enqueues into the database; the workers run the tasks
    batch = make_batch(balikpapan, programme_year, status="completed")
    enrolments = completed_enrolments(batch, CRASH_BATCH)
    issuer = services.issuer_for_centre(balikpapan)
    keystore.active_key(issuer)  # made here: both sides must share the key files

    job = jobs.start(batch=batch, by=operator_balikpapan)
    job.refresh_from_db()
    assert job.total == CRASH_BATCH and job.task_id

    seen = 0
    for crash in range(CRASHES):
        worker = start_worker(batch=False)
        kill_when(worker, batch, at_least=seen + 5)
        seen = issued(batch)
        assert 0 < seen < CRASH_BATCH, "the worker finished before it could be killed: make the batch bigger"
        # Whatever the killed transaction had done is gone with it: the counter and the ledger agree.
        assert sum(NumberCounter.objects.filter(issuer=issuer).values_list("last", flat=True)) == seen
        assert LedgerEntry.objects.filter(action="issue").count() == seen
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING  # its worker is dead; nobody finishes it
        assert DBTaskResult.objects.filter(status="RUNNING").count() == crash + 1
        assert jobs.resume(by=operator_balikpapan) == [job]

    worker = start_worker(batch=True)
    try:
        _out, err = worker.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        worker.kill()
        raise
    assert worker.returncode == 0, err.decode()[-2000:]

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == job.total == CRASH_BATCH and job.error == ""
    certs = list(Certificate.objects.filter(enrolment__batch=batch))
    # Every eligible person has exactly one certificate.
    assert len(certs) == CRASH_BATCH
    assert Counter(c.enrolment_id for c in certs) == Counter({e.pk: 1 for e in enrolments})
    assert {c.person_id for c in certs} == {e.person_id for e in enrolments}
    # Numbers: 1..n per (issuer, year), no gap, no duplicate; so are the status list indices.
    assert {c.issuer_id for c in certs} == {issuer.pk}
    years = Counter(c.year for c in certs)
    for year, count in years.items():
        seqs = sorted(c.seq for c in certs if c.year == year)
        assert seqs == list(range(1, count + 1))
        assert NumberCounter.objects.get(issuer=issuer, year=year).last == count
    assert len({c.number for c in certs}) == len({c.public_code for c in certs}) == CRASH_BATCH
    assert sorted(c.status_index for c in certs) == list(range(CRASH_BATCH))
    issuer.refresh_from_db()
    assert issuer.next_status_index == CRASH_BATCH
    # One ledger entry per certificate, and the chain holds.
    assert Counter(LedgerEntry.objects.filter(action="issue").values_list("certificate", flat=True)) == Counter(
        {c.pk: 1 for c in certs})
    assert ledger.verify_chain().ok
    # Certificates signed by the workers verify here.
    for cert in (certs[0], certs[-1]):
        assert verification.verify_code(cert.public_code)["status"] == "valid"
