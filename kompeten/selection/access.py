"""The one place that decides who may see or change rounds, applications, offers and reserve lists.

Every helper answers 404 (never 403) for an object the user may not reach, the same answer as for a
missing one. They are built on the QuerySets' ``visible_to(user)`` in models.py.
"""

from django.db.models import Q
from django.http import Http404

from kompeten.core.access import get_or_404
from kompeten.selection.models import Application, Offer, RoundBatch, RoundStatus, SelectionRound


def is_selection_staff(user) -> bool:
    """Province admins and centre operators run selection; job seekers and others only take part."""
    return user.is_authenticated and (user.is_province_admin or bool(user.centre_ids))


def get_round_for_user(user, pk, *, manage: bool = False, public: bool = False) -> SelectionRound:
    """A round the user may see.

    manage=True: the staff who run it (a province admin, an operator of one of its centres).
    public=True: the published facts of any round past its draft (seats, cutoffs, the seed), for anyone;
    a draft is shown only to those who may see it through ``visible_to``.
    """
    rounds = SelectionRound.objects.visible_to(user)
    if public:
        rounds = SelectionRound.objects.filter(Q(pk__in=rounds.values("pk")) | ~Q(status=RoundStatus.DRAFT))
    round_ = get_or_404(rounds.select_related("programme_year"), pk)
    if manage and not is_selection_staff(user):
        raise Http404
    return round_


def get_application_for_user(user, pk, *, manage: bool = False) -> Application:
    """An application the user may see; with manage=True only the staff of its round (stage results)."""
    application = get_or_404(Application.objects.visible_to(user).select_related(
        "round", "person__village__parent", "person__education", "documents_by", "test_by", "interview_by",
        "assigned_choice__batch"), pk)
    if manage and not (user.is_province_admin
                       or application.round.centres.filter(pk__in=user.centre_ids).exists()):
        raise Http404
    return application


def get_offer_for_user(user, pk, *, answer: bool = False) -> Offer:
    """An offer the user may see; with answer=True only the applicant's own (accept or decline)."""
    offer = get_or_404(Offer.objects.visible_to(user).select_related(
        "application__person", "application__round", "batch__package", "batch__programme_year"), pk)
    if answer and offer.application.person.user_id != user.pk:
        raise Http404
    return offer


def get_round_batch_for_user(user, pk) -> RoundBatch:
    """A batch of a round, for the staff of the batch's own centre (reserved seats, the reserve list)."""
    if not is_selection_staff(user):
        raise Http404
    round_batch = get_or_404(RoundBatch.objects.filter(round__in=SelectionRound.objects.visible_to(user))
                             .select_related("round", "batch__package", "batch__programme_year", "batch__centre"),
                             pk)
    if not (user.is_province_admin or round_batch.batch.centre_id in user.centre_ids):
        raise Http404
    return round_batch


def can_run_round(user, round_: SelectionRound) -> bool:
    """Who may open, close, allocate, publish or finish a round: the province admin, or an operator of
    every centre the round covers (a round shared by two centres is run by the province)."""
    if user.is_province_admin:
        return True
    centre_ids = set(round_.centres.values_list("pk", flat=True))
    return bool(centre_ids) and centre_ids <= user.centre_ids
