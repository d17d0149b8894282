"""Batch issuance: every certificate of a batch (training) or an assessment event (competency) in one action.

A job row records what to issue and how far it got; the work runs as a background task (django-tasks,
database backend, ``kompeten db_worker``). Each certificate is issued in its own transaction (numbers from the
locked counter), and the job recomputes what is missing every time it runs, so a worker killed at any moment
leaves no gap and no duplicate, and running the job again (``kompeten certificates resume``) finishes it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.certificates import services
from kompeten.certificates.models import Certificate, IssuanceJob, JobStatus

Action = AuditEntry.Action
UNFINISHED = [JobStatus.QUEUED, JobStatus.RUNNING]


def _pending(job: IssuanceJob):
    if job.batch_id:
        return services.eligible_enrolments(job.batch)
    return services.eligible_assessments(job.event)


def _issued(job: IssuanceJob) -> int:
    current = Certificate.objects.current()
    if job.batch_id:
        return current.filter(kind="training", enrolment__batch=job.batch_id).count()
    return current.filter(kind="competency", assessment__event=job.event_id).count()


def enqueue(job: IssuanceJob) -> IssuanceJob:
    """Hand the job to a worker once the transaction that made it has committed."""
    from kompeten.certificates.tasks import run_issuance_job

    def send():
        result = run_issuance_job.enqueue(job.pk)
        IssuanceJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(send)
    return job


@transaction.atomic
def start(*, batch=None, event=None, by, request=None) -> IssuanceJob:
    """A job for the batch or event, or the one already waiting or running for it."""
    source = {"batch": batch} if batch is not None else {"event": event}
    running = IssuanceJob.objects.filter(status__in=UNFINISHED, **source).first()
    if running is not None:
        return running
    job = IssuanceJob.objects.create(requested_by=by, **source)
    job.total = _issued(job) + _pending(job).count()
    job.save(update_fields=["total"])
    record(Action.CREATE, job, by=by, request=request,
           note=f"{'batch' if batch is not None else 'event'} {(batch or event).pk}: {job.total}")
    return enqueue(job)


def run(job_id: int) -> int:
    """Issue what is missing, one certificate per transaction; returns how many this run issued."""
    job = IssuanceJob.objects.select_related("batch", "event", "requested_by").get(pk=job_id)
    if job.status == JobStatus.DONE:
        return 0
    IssuanceJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=job.started_at or timezone.now())
    issued = 0
    try:
        for item in _pending(job).order_by("pk").iterator(chunk_size=200):
            if job.batch_id:
                services.issue_training(item, by=job.requested_by, job=job)
            else:
                services.issue_competency(item, by=job.requested_by, job=job)
            issued += 1
            if issued % 10 == 0:
                IssuanceJob.objects.filter(pk=job.pk).update(done=_issued(job))
    except Exception as exc:
        IssuanceJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=str(exc)[:2000],
                                                     done=_issued(job), finished_at=timezone.now())
        raise
    done = _issued(job)
    IssuanceJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, done=done, total=max(job.total, done),
                                                 finished_at=timezone.now(), error="")
    return issued


def resume(*, by=None) -> list[IssuanceJob]:
    """Enqueue again every job that did not finish (its worker died, or it failed): run it from where it is."""
    jobs = list(IssuanceJob.objects.filter(status__in=[*UNFINISHED, JobStatus.FAILED]))
    for job in jobs:
        IssuanceJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
        with transaction.atomic():
            enqueue(job)
    return jobs
