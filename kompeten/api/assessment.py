"""API: assessment (kompeten/api/base.py says what every router follows).

Assessment events and their results are read by the staff who see them on the pages (province admin, the
operators of the event's centre, the managers of its LSP, its assessors: ``AssessmentEvent.objects.visible_to``).
An assessor records K / BK per unit for the candidates assigned to them and hands the file in; the LSP's managers
decide (approve). Every write goes through kompeten/assessment/services.py, which checks the rules again.
"""

import datetime
from typing import Literal

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kompeten.api.base import (
    AUTH,
    MAX_ID,
    NO_NUL,
    ApiError,
    ErrorOut,
    ObjectId,
    Pagination,
    Text,
    require_role,
    user_of,
)
from kompeten.api.idempotency import idempotent
from kompeten.api.people_out import Mapped, PersonOut, fetch, person_out, personal_ids
from kompeten.assessment import services
from kompeten.assessment.access import get_candidate_for_user, get_event_for_user
from kompeten.assessment.models import (
    Assessment,
    AssessmentEvent,
    CandidateStatus,
    Decision,
    EventStatus,
    EvidenceMethod,
    UnitResult,
)
from kompeten.core.errors import DomainError

router = Router(auth=AUTH)

STAFF = ("province_admin", "centre_operator", "assessor", "lsp_admin")
OPEN = [CandidateStatus.REGISTERED, CandidateStatus.ASSESSED]
NOTES_MAX = 4000

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class EventOut(Schema):
    id: int
    scheme_code: str
    scheme_title: str
    lsp: str
    tuk: str
    centre_id: int | None
    date: datetime.date
    status: Literal["planned", "completed", "cancelled"]
    assessors: list[str] = Field(description="The assessors' names.")
    candidates: int
    competent: int = Field(description="Decided Kompeten.")
    not_yet_competent: int = Field(description="Decided Belum Kompeten.")
    open: int = Field(description="Not decided yet (registered or handed in).")


class EventFilter(Schema):
    centre: int | None = Field(None, ge=1, le=MAX_ID, description="Training centre id.")
    scheme: str | None = Field(None, max_length=60, pattern=NO_NUL, description="Scheme code.")
    status: Literal["planned", "completed", "cancelled"] | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class UnitResultOut(Schema):
    unit_id: ObjectId
    unit_code: str
    unit_title: str
    result: Literal["K", "BK", ""] = Field(description="K (Kompeten), BK (Belum Kompeten) or empty (not yet).")
    methods: list[str]
    notes: str
    version: int = Field(description="Send it back with a change: a newer one saved in between is refused.")


class CandidateResultsOut(Schema):
    id: int
    event_id: ObjectId
    person: PersonOut
    attempt: int
    assessor: str | None
    status: Literal["registered", "assessed", "approved", "absent"]
    decision: Literal["K", "BK", ""]
    recommendation: Literal["K", "BK"] | None = Field(description="What the unit results add up to.")
    units: list[UnitResultOut]


class UnitIn(Schema):
    result: Literal["K", "BK", ""] = Field(description="K, BK, or empty to clear the unit.")
    methods: list[EvidenceMethod] = Field(default_factory=list, max_length=len(EvidenceMethod),
                                          description="Evidence methods; at least one for K.")
    notes: Text(NOTES_MAX) = ""
    version: int = Field(ge=0, le=MAX_ID, description="The unit's version as last read.")


class ApprovedEventOut(Schema):
    event_id: ObjectId
    approved: int = Field(description="How many handed-in candidates were decided now.")


def _events(user):
    return (AssessmentEvent.objects.visible_to(user).select_related("scheme", "tuk", "lsp")
            .prefetch_related("assessors__user")
            .annotate(n_candidates=Count("candidates"),
                      n_k=Count("candidates", filter=Q(candidates__status=CandidateStatus.APPROVED,
                                                       candidates__decision=Decision.K)),
                      n_bk=Count("candidates", filter=Q(candidates__status=CandidateStatus.APPROVED,
                                                        candidates__decision=Decision.BK)),
                      n_open=Count("candidates", filter=Q(candidates__status__in=OPEN))))


def _event_out(event) -> dict:
    return {"id": event.pk, "scheme_code": event.scheme.code, "scheme_title": event.scheme.title,
            "lsp": event.lsp.name, "tuk": event.tuk.name, "centre_id": event.centre_id, "date": event.date,
            "status": event.status, "assessors": sorted(a.user.full_name for a in event.assessors.all()),
            "candidates": event.n_candidates, "competent": event.n_k, "not_yet_competent": event.n_bk,
            "open": event.n_open}


def _unit_out(row: UnitResult) -> dict:
    return {"unit_id": row.unit_id, "unit_code": row.unit.code, "unit_title": row.unit.title, "result": row.result,
            "methods": list(row.methods), "notes": row.notes, "version": row.version}


def _candidates_out(user, candidates: list) -> list[dict]:
    personal = personal_ids(user, [c.person for c in candidates])
    out = []
    for candidate in candidates:
        rows = list(candidate.results.all())
        out.append({
            "id": candidate.pk, "event_id": candidate.event_id,
            "person": person_out(candidate.person, candidate.person_id in personal), "attempt": candidate.attempt,
            "assessor": candidate.assessor.user.full_name if candidate.assessor_id else None,
            "status": candidate.status, "decision": candidate.decision,
            "recommendation": services.recommendation(r.result for r in rows),
            "units": [_unit_out(r) for r in rows],
        })
    return out


def _candidates(queryset):
    return queryset.select_related("person__village", "assessor__user").prefetch_related(
        Prefetch("results", queryset=UnitResult.objects.select_related("unit")))


@router.get("/assessment/events", response={200: list[EventOut], **READ_ERRORS}, url_name="assessment_events_list",
            summary="Assessment events the caller sees")
@paginate(Pagination)
def event_list(request, filters: Query[EventFilter]):
    """Newest first. Operators see their centre's events, LSP managers their LSP's, assessors those they are
    assigned to, the province admin all."""
    user = user_of(request)
    require_role(request, *STAFF)
    events = _events(user)
    if filters.centre is not None:
        events = events.filter(centre=filters.centre)
    if filters.scheme:
        events = events.filter(scheme__code=filters.scheme)
    if filters.status:
        events = events.filter(status=filters.status)
    if filters.date_from:
        events = events.filter(date__gte=filters.date_from)
    if filters.date_to:
        events = events.filter(date__lte=filters.date_to)
    return Mapped(events.order_by("-date", "scheme__code", "pk"), lambda rows: [_event_out(e) for e in rows])


@router.get("/assessment/events/{event_id}", response={200: EventOut, **READ_ERRORS},
            url_name="assessment_events_detail", summary="One assessment event")
def event_detail(request, event_id: ObjectId):
    require_role(request, *STAFF)
    event = fetch(get_event_for_user, user_of(request), event_id)
    return _event_out(_events(user_of(request)).get(pk=event.pk))


@router.get("/assessment/events/{event_id}/results", response={200: list[CandidateResultsOut], **READ_ERRORS},
            url_name="assessment_events_results", summary="An event's results per candidate and unit")
@paginate(Pagination)
def event_results(request, event_id: ObjectId, assessor: Literal["me"] | None = None):
    """Every candidate of the event with their unit results, in the order of their names. ``assessor=me``: only
    the candidates assigned to the caller. The NIK, birth date, address and phone only for who may see them."""
    require_role(request, *STAFF)
    user = user_of(request)
    event = fetch(get_event_for_user, user, event_id)
    candidates = Assessment.objects.visible_to(user).filter(event=event)
    if assessor == "me":
        candidates = candidates.filter(assessor__user=user)
    candidates = _candidates(candidates).order_by("person__full_name", "pk")
    return Mapped(candidates, lambda rows: _candidates_out(user, rows))


@router.get("/assessment/candidates/{candidate_id}", response={200: CandidateResultsOut, **READ_ERRORS},
            url_name="assessment_candidates_detail", summary="One candidate's unit results")
def candidate_detail(request, candidate_id: ObjectId):
    require_role(request, *STAFF)
    user = user_of(request)
    candidate = fetch(get_candidate_for_user, user, candidate_id)
    return _candidates_out(user, [_candidates(Assessment.objects.filter(pk=candidate.pk)).get()])[0]


@router.put("/assessment/candidates/{candidate_id}/units/{unit_id}", response={200: UnitResultOut, **WRITE_ERRORS},
            url_name="assessment_candidates_record_unit", summary="Record a unit's result (FR.AK.02), as the assessor")
@idempotent
def record_unit(request, candidate_id: ObjectId, unit_id: ObjectId, payload: UnitIn):
    """Only the assessor the candidate is assigned to (others: 404). 409 ``stale_write`` when someone saved a
    newer version of the unit (``current`` is the unit as saved), ``no_consent`` before FR.AK.01, ``no_evidence``
    for a K without an evidence method, ``file_submitted`` / ``results_locked`` once handed in or decided."""
    require_role(request, "assessor")
    user = user_of(request)
    candidate = fetch(get_candidate_for_user, user, candidate_id, record=True)
    try:
        row = services.record_unit(candidate, unit_id, result=payload.result,
                                   methods=[m.value for m in payload.methods], notes=payload.notes,
                                   version=payload.version, by=user, request=request)
    except DomainError as error:
        if error.code != "stale_write":
            raise
        current = UnitResult.objects.select_related("unit").get(assessment=candidate, unit_id=unit_id)
        raise ApiError(409, error.code, error.message, current=_unit_out(current)) from None
    row = UnitResult.objects.select_related("unit").get(pk=row.pk)
    return _unit_out(row)


@router.post("/assessment/candidates/{candidate_id}/submit", response={200: CandidateResultsOut, **WRITE_ERRORS},
             url_name="assessment_candidates_submit",
             summary="Hand a candidate's complete file in to the LSP, as the assessor")
@idempotent
def submit(request, candidate_id: ObjectId):
    """409 ``results_incomplete`` while a unit has no result, ``results_locked`` once handed in."""
    require_role(request, "assessor")
    user = user_of(request)
    candidate = fetch(get_candidate_for_user, user, candidate_id, record=True)
    services.submit(candidate, by=user, request=request)
    return _candidates_out(user, [_candidates(Assessment.objects.filter(pk=candidate.pk)).get()])[0]


@router.post("/assessment/candidates/{candidate_id}/approve", response={200: CandidateResultsOut, **WRITE_ERRORS},
             url_name="assessment_candidates_approve", summary="Decide a handed-in candidate (the LSP's approval)")
@idempotent
def approve(request, candidate_id: ObjectId):
    """The managers of the event's LSP only. The recommendation becomes the decision and the results are locked;
    409 ``not_submitted`` before the assessor handed the file in, ``results_locked`` once decided."""
    require_role(request, "lsp_admin")
    user = user_of(request)
    candidate = fetch(get_candidate_for_user, user, candidate_id, decide=True)
    services.approve(candidate, by=user, request=request)
    return _candidates_out(user, [_candidates(Assessment.objects.filter(pk=candidate.pk)).get()])[0]


@router.post("/assessment/events/{event_id}/approve", response={200: ApprovedEventOut, **WRITE_ERRORS},
             url_name="assessment_events_approve", summary="Decide every handed-in candidate of an event")
@idempotent
def approve_event(request, event_id: ObjectId):
    """The managers of the event's LSP only; 409 ``nothing_to_approve`` when no candidate is handed in."""
    require_role(request, "lsp_admin")
    user = user_of(request)
    event = fetch(get_event_for_user, user, event_id, decide=True)
    if event.status == EventStatus.CANCELLED or not event.candidates.filter(
            status=CandidateStatus.ASSESSED).exists():
        raise ApiError(409, "nothing_to_approve", _("No candidate of this event is waiting for a decision."))
    return {"event_id": event.pk, "approved": services.approve_event(event, by=user, request=request)}
