"""How far a long task has gone, for the progress bars of the pages (core/_progress.html).

Background tasks run through django-tasks; with its database backend every enqueued task is a row
(django_tasks_db.DBTaskResult), so the share of finished rows among those of one request is the progress. With the
immediate backend (tests, a single process) the tasks ran before the page answered and there is nothing to show.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    failed: int = 0

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)

    @property
    def finished(self) -> bool:
        return self.done >= self.total


def task_progress(task_path: str, *, since, user_id: int | None = None, user_arg: int = 1) -> Progress | None:
    """The progress of the tasks ``task_path`` enqueued at or after ``since`` (by ``user_id``, the positional
    argument ``user_arg`` of the task, when given); None when the task rows are not kept (not the database backend)
    or there are none."""
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path=task_path, enqueued_at__gte=since)
    if user_id is not None:
        rows = rows.filter(**{f"args_kwargs__args__{user_arg}": user_id})
    statuses = list(rows.values_list("status", flat=True))
    if not statuses:
        return None
    failed = sum(1 for status in statuses if status == "FAILED")
    done = sum(1 for status in statuses if status in ("SUCCESSFUL", "FAILED"))
    return Progress(done=done, total=len(statuses), failed=failed)


LINKING_TASK = "kompeten.linkage.tasks.link_registrations"
RECENT = 3600  # seconds: the linking of an import older than this is no longer shown


def linking_after_import(user) -> Progress | None:
    """The record linkage that the user's latest person import enqueued (one task per chunk of rows,
    kompeten/registry/importer.py), while it is recent; None when there is none to show."""
    import datetime

    from django.utils import timezone

    from kompeten.registry.models import ImportJob

    if not getattr(user, "is_authenticated", False):
        return None
    job = (ImportJob.objects.filter(requested_by=user, status=ImportJob.Status.DONE,
                                    started_at__gte=timezone.now() - datetime.timedelta(seconds=RECENT))
           .order_by("-started_at", "-id").first())
    if job is None:
        return None
    return task_progress(LINKING_TASK, since=job.started_at, user_id=user.pk)
