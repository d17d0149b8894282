"""The one place that decides who may see or change a person (views, API and exports use it)."""

from django.http import Http404

from kompeten.core.access import get_or_404
from kompeten.registry.models import Person, PersonDocument


def can_edit(user, person: Person) -> bool:
    """Staff who may change a person's record: a province admin, or an operator of the person's centre."""
    return user.is_province_admin or (person.registered_centre_id in user.centre_ids)


def get_person_for_user(user, pk, *, write: bool = False) -> Person:
    """A person the user may see (and, with write=True, change); 404 otherwise, never 403."""
    person = get_or_404(Person.objects.visible_to(user)
                        .select_related("village__parent__parent", "education", "registered_centre"), pk)
    if write and not can_edit(user, person):
        raise Http404
    return person


def get_document_for_user(user, pk) -> PersonDocument:
    """A document of a person the user may see: their own, or one of a person in their scope; 404 otherwise."""
    return get_or_404(PersonDocument.objects.filter(person__in=Person.objects.visible_to(user))
                      .select_related("person"), pk)
