"""Background tasks of record linkage (django-tasks; ``kompeten db_worker`` runs them)."""

from django_tasks import task


@task()
def link_registrations(person_ids: list[int], by_id: int | None = None) -> dict:
    """Keep the registrations of these persons as source records and link them (services.record_registrations): what
    a bulk import enqueues per chunk, in its own transaction, so that linking does not slow the import down. The
    task row is written in the import's transaction: a failed import enqueues nothing."""
    from django.contrib.auth import get_user_model

    from kompeten.linkage.services import record_registrations
    from kompeten.registry.models import Person

    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    persons = list(Person.objects.filter(pk__in=person_ids).order_by("pk"))
    counts = record_registrations(persons, by=by)
    return {key: counts[key] for key in ("created", "updated", "linked", "merged", "review")}
