"""Background tasks of the certificates app (django-tasks)."""

from django_tasks import task

from kompeten.certificates import jobs


@task()
def run_issuance_job(job_id: int) -> int:
    return jobs.run(job_id)
