"""The one place that decides who may see or change assessment events and candidates' files.

- see an event: province admin; the operators of its centre; the managers of its LSP; its assessors.
- manage an event (candidates, assessors, dates): province admin, the centre's operators, the LSP's managers.
- record results: only the assessor the candidate is assigned to (services.record_unit checks it again).
- decide (approve, amend, appeals): only the managers of the event's LSP.
- a job seeker sees their own assessments and may appeal their own decisions.
"""

from django.http import Http404

from kompeten.assessment.models import Assessment, AssessmentEvent
from kompeten.core.access import get_or_404


def can_manage_event(user, event: AssessmentEvent) -> bool:
    return user.is_province_admin or event.centre_id in user.centre_ids or event.lsp_id in user.lsp_ids


def can_decide(user, event: AssessmentEvent) -> bool:
    return event.lsp_id in user.lsp_ids


def is_candidates_assessor(user, candidate: Assessment) -> bool:
    return candidate.assessor_id is not None and candidate.assessor.user_id == user.pk


def is_own(user, candidate: Assessment) -> bool:
    return candidate.person.user_id is not None and candidate.person.user_id == user.pk


def get_event_for_user(user, pk, *, manage: bool = False, decide: bool = False) -> AssessmentEvent:
    """An event the user may see (manage=True: manage; decide=True: decide); 404 otherwise, never 403."""
    event = get_or_404(AssessmentEvent.objects.visible_to(user).select_related("scheme", "tuk", "lsp", "centre"), pk)
    if manage and not can_manage_event(user, event):
        raise Http404
    if decide and not can_decide(user, event):
        raise Http404
    return event


def get_candidate_for_user(user, pk, *, manage: bool = False, decide: bool = False, record: bool = False,
                           own: bool = False) -> Assessment:
    """A candidate's file the user may see; with one of the flags, one they may act on that way; else 404."""
    candidate = get_or_404(
        Assessment.objects.visible_to(user).select_related(
            "event__scheme", "event__tuk", "event__lsp", "event__centre", "person", "assessor__user",
            "enrolment__batch"),
        pk)
    if manage and not can_manage_event(user, candidate.event):
        raise Http404
    if decide and not can_decide(user, candidate.event):
        raise Http404
    if record and not is_candidates_assessor(user, candidate):
        raise Http404
    if own and not is_own(user, candidate):
        raise Http404
    return candidate
