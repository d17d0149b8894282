"""Who may see and decide what in record linkage (views, commands and tests use these; 404, never 403).

- The **province admin** sees every list, record and review item, decides any item and may undo merges.
- A **centre operator** imports lists for their own centre and sees the lists of their centres. A record is
  *theirs* when it belongs to a list of one of their centres, or is linked to a person they may see
  (``Person.objects.visible_to``: registered at their centre, a participant or an applicant of their batches). They
  see and decide a review item only when **both** of its records are theirs: deciding shows both records side by
  side, so an operator never sees another centre's people through the queue. Items with one side elsewhere (a
  Balikpapan list record against a person registered at Bontang) are left to the province admin.
- A **job seeker** may contest only the links of their own prior trainings.
"""

from django.db.models import Q

from kompeten.core.access import get_or_404
from kompeten.linkage.models import TRAINING_SOURCES, Link, MergeEvent, ReviewItem, SourceList, SourceRecord


def lists_for(user):
    if user.is_province_admin:
        return SourceList.objects.all()
    return SourceList.objects.filter(centre__in=user.centre_ids)


def records_for(user):
    """The source records a user may see."""
    if user.is_province_admin:
        return SourceRecord.objects.all()
    from kompeten.registry.models import Person

    return SourceRecord.objects.filter(Q(source_list__centre__in=user.centre_ids)
                                       | Q(person__in=Person.objects.visible_to(user).values("pk")))


def items_for(user):
    """The review items a user may see and decide (both records theirs)."""
    if user.is_province_admin:
        return ReviewItem.objects.all()
    mine = records_for(user).values("pk")
    return ReviewItem.objects.filter(record__in=mine, other__in=mine)


def get_item_for_user(user, pk) -> ReviewItem:
    return get_or_404(items_for(user).select_related("record__source_list", "other__source_list", "record__person",
                                                     "other__person", "decided_by"), pk)


def get_list_for_user(user, pk) -> SourceList:
    return get_or_404(lists_for(user).select_related("centre", "imported_by"), pk)


def get_merge_for_admin(user, pk) -> MergeEvent:
    """A merge (not an undo) for the province admin; 404 for anyone else."""
    queryset = MergeEvent.objects.filter(kind=MergeEvent.Kind.MERGE) if user.is_province_admin else \
        MergeEvent.objects.none()
    return get_or_404(queryset.select_related("survivor", "merged"), pk)


def get_own_link(user, pk) -> Link:
    """An active link of a training-list record to the job seeker's own person; 404 otherwise."""
    return get_or_404(Link.objects.filter(person__user=user, ended_at__isnull=True, record__kind__in=TRAINING_SOURCES)
                      .select_related("record__source_list", "person"), pk)
