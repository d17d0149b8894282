"""The rules of an uji kompetensi, called alike by views, the API, the CLI and the demo.

Order of a candidate's file: FR.APL.01 (application) → FR.APL.02 (self-assessment) → FR.AK.01 (consent,
before any judgement) → FR.AK.02 (the assessor's K / BK per unit, with evidence) → submitted by the
assessor → decided by the LSP (locked) → amendments with a reason / FR.AK.04 appeal → re-assessment.
Every refusal is a DomainError with a stable code (MESSAGES).
Every change writes an AuditEntry with one of its closed list of actions (AuditEntry.Action: the column holds
20 characters), the form or the status change in ``note`` / ``changes``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.assessment.models import (
    Amendment,
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentEvent,
    Assessor,
    CandidateStatus,
    Decision,
    EventStatus,
    EvidenceMethod,
    ReassessmentScope,
    Route,
    UnitResult,
)
from kompeten.assessment.signals import decision_changed
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record, snapshot
from kompeten.core.errors import DomainError
from kompeten.training.models import Enrolment, EnrolmentStatus

MESSAGES = {
    "scheme_not_certified": _("%(lsp)s is not licensed to certify the scheme %(scheme)s."),
    "lsp_not_licensed": _("The licence of %(lsp)s does not cover %(date)s."),
    "tuk_other_lsp": _("The TUK %(tuk)s is not verified by %(lsp)s."),
    "assessor_not_licensed": _("%(assessor)s is not licensed for %(scheme)s on %(date)s."),
    "assessor_other_lsp": _("%(assessor)s does not assess for %(lsp)s."),
    "assessor_not_assigned": _("%(assessor)s is not an assessor of this event."),
    "assessor_daily_limit": _("%(assessor)s already has %(count)s candidates on %(date)s; the limit is "
                              "%(limit)s a day."),
    "event_closed": _("This event takes no changes now (status: %(status)s)."),
    "already_candidate": _("%(person)s is already a candidate of this event."),
    "not_completed": _("%(person)s has not completed the training of a batch that prepares for this scheme."),
    "already_competent": _("%(person)s already holds an approved Kompeten result for this scheme."),
    "rpl_needs_experience": _("Describe the candidate's work experience for a direct (RPL) candidate."),
    "not_a_candidate": _("This person is not a candidate of this event."),
    "not_your_candidate": _("This candidate is assigned to another assessor."),
    "unit_not_in_scheme": _("This unit is not assessed in this candidate's file."),
    "results_locked": _("The LSP has decided these results; they can only be corrected by an amendment."),
    "file_submitted": _("This file has been handed in to the LSP; the LSP can send it back to change it."),
    "stale_write": _("Someone saved a newer version of %(unit)s (version %(current)s, yours was %(given)s). "
                     "Reload to see it."),
    "no_consent": _("Record the candidate's consent (FR.AK.01) before recording results."),
    "no_evidence": _("Tick at least one evidence method for a Kompeten result of %(unit)s."),
    "invalid_result": _("A result is K (Kompeten), BK (Belum Kompeten) or empty."),
    "invalid_method": _("%(method)s is not an evidence method."),
    "results_incomplete": _("%(count)s unit(s) have no result yet."),
    "not_submitted": _("The assessor has not submitted these results yet."),
    "not_decided": _("The LSP has not decided this assessment yet."),
    "amend_same": _("The corrected result is the same as the current one."),
    "reason_required": _("Give the reason for the correction."),
    "appeal_window_closed": _("Appeals are accepted within %(days)s days of the decision (until %(until)s)."),
    "appeal_open": _("An appeal of this decision is already waiting for a decision."),
    "appeal_decided": _("This appeal has already been decided."),
    "grounds_required": _("Give the grounds of the appeal."),
    "not_reassessable": _("A re-assessment follows a Belum Kompeten decision or an upheld appeal."),
    "already_reassessed": _("This assessment already has a re-assessment."),
    "other_scheme": _("The re-assessment must be in an event of the same scheme (%(scheme)s)."),
    "not_competent": _("A certificate needs an approved Kompeten result."),
}

METHODS = {m.value for m in EvidenceMethod}
OPEN_STATUSES = {CandidateStatus.REGISTERED, CandidateStatus.ASSESSED}
Action = AuditEntry.Action


def _error(code: str, **params) -> DomainError:
    return DomainError(code, MESSAGES[code], **params)


def _date(day: datetime.date) -> str:
    return day.strftime("%d-%m-%Y")


# --- events ------------------------------------------------------------------------------------


def check_assessor(assessor: Assessor, event: AssessmentEvent) -> None:
    """An assessor of the event's LSP, licensed for its scheme on its date."""
    if assessor.lsp_id != event.lsp_id:
        raise _error("assessor_other_lsp", assessor=assessor.user.full_name, lsp=event.lsp.name)
    licensed = (assessor.is_active and assessor.licence_expires >= event.date
                and assessor.schemes.filter(pk=event.scheme_id).exists())
    if not licensed:
        raise _error("assessor_not_licensed", assessor=assessor.user.full_name, scheme=event.scheme.code,
                     date=_date(event.date))


def check_event(event: AssessmentEvent) -> None:
    """The LSP may certify the scheme on that day, at a TUK it verified."""
    lsp = event.lsp
    if not lsp.schemes.filter(pk=event.scheme_id).exists():
        raise _error("scheme_not_certified", lsp=lsp.name, scheme=event.scheme.code)
    if not lsp.licensed_on(event.date):
        raise _error("lsp_not_licensed", lsp=lsp.name, date=_date(event.date))
    if event.tuk.lsp_id != lsp.pk:
        raise _error("tuk_other_lsp", tuk=event.tuk.name, lsp=lsp.name)


@transaction.atomic
def create_event(*, scheme, tuk, date: datetime.date, assessors, centre=None, note: str = "", by,
                 request=None) -> AssessmentEvent:
    event = AssessmentEvent(lsp=tuk.lsp, scheme=scheme, tuk=tuk, date=date, centre=centre or tuk.centre,
                            note=note, created_by=by)
    check_event(event)
    for assessor in assessors:
        check_assessor(assessor, event)
    event.save()
    event.assessors.set(assessors)
    record(Action.CREATE, event, by=by, request=request,
           changes={"assessors": [None, sorted(a.registration_number for a in assessors)]})
    return event


def _require_open_event(event: AssessmentEvent) -> None:
    if event.status != EventStatus.PLANNED:
        raise _error("event_closed", status=EventStatus(event.status).label)


def _new_candidate(event, person, *, by, route, enrolment=None, work_experience="", previous=None,
                   request=None) -> Assessment:
    if Assessment.objects.filter(event=event, person=person).exists():
        raise _error("already_candidate", person=person.full_name)
    candidate = Assessment.objects.create(
        event=event, person=person, route=route, enrolment=enrolment, work_experience=work_experience,
        previous=previous, attempt=previous.attempt + 1 if previous else 1)
    units = list(event.scheme.units.all())
    if previous is not None and event.scheme.reassessment_scope == ReassessmentScope.BK_UNITS:
        failed = {unit_id for unit_id, result in effective_results(previous).items() if result == Decision.BK}
        units = [unit for unit in units if unit.pk in failed] or units
    UnitResult.objects.bulk_create(UnitResult(assessment=candidate, unit=unit) for unit in units)
    record(Action.CREATE, candidate, by=by, request=request,
           changes={"route": [None, route], "attempt": [None, candidate.attempt]})
    return candidate


def has_competence(person, scheme) -> bool:
    return Assessment.objects.competent().filter(person=person, event__scheme=scheme).exists()


def eligible_enrolments(event: AssessmentEvent, batches):
    """Completed participants of ``batches`` whose package prepares for the event's scheme, not yet candidates
    of the event and not already certified competent in the scheme."""
    return (Enrolment.objects.filter(batch__in=batches, status=EnrolmentStatus.COMPLETED,
                                     batch__package__scheme=event.scheme_id)
            .exclude(person__assessments__event=event)
            .exclude(person__in=Assessment.objects.competent().filter(event__scheme=event.scheme_id)
                     .values("person"))
            .select_related("person"))


@transaction.atomic
def add_batch_candidates(event: AssessmentEvent, batches, *, by, request=None) -> list[Assessment]:
    """Every eligible completed participant of the batches becomes a candidate (idempotent)."""
    _require_open_event(event)
    added, seen = [], set()
    for enrolment in eligible_enrolments(event, batches):
        if enrolment.person_id in seen:  # completed two of the batches: still one candidate
            continue
        seen.add(enrolment.person_id)
        added.append(_new_candidate(event, enrolment.person, by=by, route=Route.TRAINING, enrolment=enrolment,
                                    request=request))
    return added


@transaction.atomic
def add_candidate(event: AssessmentEvent, person, *, by, enrolment=None, work_experience: str = "",
                  request=None) -> Assessment:
    """One candidate: a completed participant (``enrolment``) or a direct RPL candidate with work experience."""
    _require_open_event(event)
    if Assessment.objects.filter(event=event, person=person).exists():
        raise _error("already_candidate", person=person.full_name)
    if has_competence(person, event.scheme):
        raise _error("already_competent", person=person.full_name)
    if enrolment is not None:
        eligible = eligible_enrolments(event, [enrolment.batch_id]).filter(pk=enrolment.pk, person=person)
        if not eligible.exists():
            raise _error("not_completed", person=person.full_name)
        return _new_candidate(event, person, by=by, route=Route.TRAINING, enrolment=enrolment, request=request)
    if not work_experience.strip():
        raise _error("rpl_needs_experience")
    return _new_candidate(event, person, by=by, route=Route.RPL, work_experience=work_experience.strip(),
                          request=request)


def can_reassess(assessment: Assessment) -> bool:
    if assessment.status != CandidateStatus.APPROVED or has_reassessment(assessment):
        return False
    upheld = assessment.appeals.filter(status=AppealStatus.UPHELD).exists()
    return assessment.decision == Decision.BK or upheld


def has_reassessment(assessment: Assessment) -> bool:
    return Assessment.objects.filter(previous=assessment).exists()


@transaction.atomic
def add_reassessment(event: AssessmentEvent, previous: Assessment, *, by, request=None) -> Assessment:
    """Re-assessment after BK (or an upheld appeal): the BK units only, or the whole scheme (per scheme)."""
    _require_open_event(event)
    if event.scheme_id != previous.event.scheme_id:
        raise _error("other_scheme", scheme=previous.event.scheme.code)
    if has_reassessment(previous):
        raise _error("already_reassessed")
    if not can_reassess(previous):
        raise _error("not_reassessable")
    if previous.appeals.filter(status=AppealStatus.FILED).exists():
        raise _error("appeal_open")
    return _new_candidate(event, previous.person, by=by, route=previous.route, enrolment=previous.enrolment,
                          work_experience=previous.work_experience, previous=previous, request=request)


def assessor_load(assessor: Assessor, day: datetime.date, *, excluding=None) -> int:
    """Candidates assigned to the assessor on that day, over all events."""
    query = Assessment.objects.filter(assessor=assessor, event__date=day).exclude(status=CandidateStatus.ABSENT)
    if excluding is not None:
        query = query.exclude(pk=excluding.pk)
    return query.count()


@transaction.atomic
def assign_assessor(candidate: Assessment, assessor: Assessor, *, by, request=None) -> Assessment:
    """Assign a candidate to one of the event's assessors, within the daily limit."""
    candidate = Assessment.objects.select_for_update(of=("self",)).select_related("event").get(pk=candidate.pk)
    event = candidate.event
    _require_open_event(event)
    if candidate.is_locked:
        raise _error("results_locked")
    if not event.assessors.filter(pk=assessor.pk).exists():
        raise _error("assessor_not_assigned", assessor=assessor.user.full_name)
    check_assessor(assessor, event)
    # Lock the assessor row so that two assignments of the same day cannot both pass the limit.
    Assessor.objects.select_for_update().get(pk=assessor.pk)
    limit = settings.KOMPETEN_ASSESSOR_DAILY_LIMIT
    count = assessor_load(assessor, event.date, excluding=candidate)
    if count >= limit:
        raise _error("assessor_daily_limit", assessor=assessor.user.full_name, count=count, date=_date(event.date),
                     limit=limit)
    before = candidate.assessor_id
    candidate.assessor = assessor
    candidate.save(update_fields=["assessor"])
    record(Action.UPDATE, candidate, by=by, request=request,
           changes={"assessor": [before, assessor.pk]})
    return candidate


def assign_evenly(event: AssessmentEvent, *, by, request=None) -> int:
    """Share the unassigned candidates among the event's assessors, least loaded first, within the limit.
    Returns how many were assigned; candidates beyond every assessor's limit stay unassigned."""
    assessors = list(event.assessors.select_related("user"))
    assigned = 0
    for candidate in event.candidates.filter(assessor__isnull=True, status=CandidateStatus.REGISTERED):
        loads = sorted(assessors, key=lambda a: (assessor_load(a, event.date), a.pk))
        for assessor in loads:
            try:
                assign_assessor(candidate, assessor, by=by, request=request)
            except DomainError:
                continue
            assigned += 1
            break
    return assigned


# --- the candidate's file -------------------------------------------------------------------------

def _lock_open_file(candidate: Assessment) -> None:
    """Lock the candidate's row and read its status and consent afresh (the caller's object may predate the
    LSP's decision); a file handed in to the LSP, or decided, takes no more writes."""
    locked = Assessment.objects.select_for_update().only("status", "ak01_at", "ak01_by").get(pk=candidate.pk)
    candidate.status, candidate.ak01_at, candidate.ak01_by_id = locked.status, locked.ak01_at, locked.ak01_by_id
    if candidate.status == CandidateStatus.ASSESSED:
        raise _error("file_submitted")
    if candidate.status != CandidateStatus.REGISTERED:
        raise _error("results_locked")


APL01_FIELDS = ["nik", "full_name", "sex", "birth_place", "birth_date", "phone", "email", "street", "rt", "rw",
                "village", "education", "major"]


@transaction.atomic
def record_apl01(candidate: Assessment, *, by, request=None) -> Assessment:
    """FR.APL.01: the application, keeping the personal data and the supporting documents (the person's
    uploaded documents) as they are now, so the archived form shows what the LSP saw."""
    _lock_open_file(candidate)
    person = candidate.person
    data = snapshot(person, APL01_FIELDS)
    data["documents"] = [
        {"id": d.pk, "kind": d.kind, "name": d.original_name}
        for d in person.documents.order_by("kind", "pk")
    ]
    candidate.apl01_data = data
    candidate.apl01_at = timezone.now()
    candidate.save(update_fields=["apl01_data", "apl01_at"])
    record(Action.UPDATE, candidate, by=by, request=request, note="FR.APL.01")
    return candidate


@transaction.atomic
def record_apl02(candidate: Assessment, answers: dict[int, str], *, by, request=None) -> Assessment:
    """FR.APL.02: the candidate's own K / BK per unit (``answers`` maps unit id to "K" or "BK")."""
    _lock_open_file(candidate)
    results = {r.unit_id: r for r in candidate.results.all()}
    for unit_id, answer in answers.items():
        if unit_id not in results:
            raise _error("unit_not_in_scheme")
        if answer not in (Decision.K, Decision.BK):
            raise _error("invalid_result")
        results[unit_id].self_assessment = answer
    UnitResult.objects.bulk_update(results.values(), ["self_assessment"])
    candidate.apl02_at = timezone.now()
    candidate.save(update_fields=["apl02_at"])
    record(Action.UPDATE, candidate, by=by, request=request, note="FR.APL.02",
           changes={"self_assessment": [None, {str(k): v for k, v in sorted(answers.items())}]})
    return candidate


@transaction.atomic
def record_ak01(candidate: Assessment, *, by, request=None) -> Assessment:
    """FR.AK.01: the candidate agreed to the assessment plan, its consent and confidentiality."""
    _lock_open_file(candidate)
    if candidate.ak01_at is None:
        candidate.ak01_at = timezone.now()
        candidate.ak01_by = by
        candidate.save(update_fields=["ak01_at", "ak01_by"])
        record(Action.CONFIRM, candidate, by=by, request=request, note="FR.AK.01")
    return candidate


def _can_record(candidate: Assessment, user) -> None:
    if candidate.assessor is None or candidate.assessor.user_id != user.pk:
        raise _error("not_your_candidate")


@transaction.atomic
def record_unit(candidate: Assessment, unit_id: int, *, result: str, methods, notes: str = "", version: int,
                by, request=None, event: AssessmentEvent | None = None) -> UnitResult:
    """FR.AK.02 for one unit, by the candidate's assessor. ``version`` is the version the assessor's screen
    last saw; an older one means someone else saved in between, and the write is refused (stale_write).
    ``event``: the event the write comes through (a page or sync of one event); a candidate of another event
    is refused (not_a_candidate)."""
    candidate = (Assessment.objects.select_for_update(of=("self",)).select_related("assessor", "event")
                 .get(pk=candidate.pk))
    if event is not None and candidate.event_id != event.pk:
        raise _error("not_a_candidate")
    _can_record(candidate, by)
    if candidate.is_locked or candidate.status != CandidateStatus.REGISTERED:
        raise _error("results_locked")
    if candidate.ak01_at is None:
        raise _error("no_consent")
    row = candidate.results.select_related("unit").filter(unit_id=unit_id).first()
    if row is None:
        raise _error("unit_not_in_scheme")
    if version != row.version:
        raise _error("stale_write", unit=row.unit.code, current=row.version, given=version)
    if result not in ("", Decision.K, Decision.BK):
        raise _error("invalid_result")
    methods = sorted(set(methods))
    for method in methods:
        if method not in METHODS:
            raise _error("invalid_method", method=method)
    if result == Decision.K and not methods:
        raise _error("no_evidence", unit=row.unit.code)
    before = snapshot(row, ["result", "methods", "notes"])
    row.result, row.methods, row.notes = result, methods, notes.strip()
    row.version += 1
    row.updated_at = timezone.now()
    row.updated_by = by
    row.save(update_fields=["result", "methods", "notes", "version", "updated_at", "updated_by"])
    after = snapshot(row, ["result", "methods", "notes"])
    record(Action.UPDATE, candidate, by=by, request=request, note=row.unit.code,
           changes={k: [before[k], after[k]] for k in before if before[k] != after[k]})
    return row


def recommendation(results) -> str | None:
    """K only if every unit is K; BK as soon as one is BK and all are judged; None while any is open."""
    results = list(results)
    if not results or any(r not in (Decision.K, Decision.BK) for r in results):
        return None
    return Decision.K if all(r == Decision.K for r in results) else Decision.BK


def effective_results(candidate: Assessment) -> dict[int, str]:
    """unit id → result, with the amendments applied in order."""
    results = {r.unit_id: r.result for r in candidate.results.all()}
    for amendment in candidate.amendments.order_by("created_at", "pk"):
        results[amendment.unit_id] = amendment.new_result
    return results


@transaction.atomic
def mark_absent(candidate: Assessment, *, by, request=None) -> Assessment:
    candidate = Assessment.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.REGISTERED:
        raise _error("results_locked")
    candidate.status = CandidateStatus.ABSENT
    candidate.save(update_fields=["status"])
    record(Action.TRANSITION, candidate, by=by, request=request,
           changes={"status": [CandidateStatus.REGISTERED, CandidateStatus.ABSENT]})
    _close_event_if_done(candidate.event)
    return candidate


@transaction.atomic
def submit(candidate: Assessment, *, by, request=None) -> Assessment:
    """The assessor hands in a complete file to the LSP."""
    candidate = Assessment.objects.select_for_update(of=("self",)).select_related("assessor").get(pk=candidate.pk)
    _can_record(candidate, by)
    if candidate.status != CandidateStatus.REGISTERED:
        raise _error("results_locked")
    if candidate.ak01_at is None:
        raise _error("no_consent")
    missing = candidate.results.filter(result="").count()
    if missing:
        raise _error("results_incomplete", count=missing)
    candidate.status = CandidateStatus.ASSESSED
    candidate.submitted_at = timezone.now()
    candidate.save(update_fields=["status", "submitted_at"])
    record(Action.TRANSITION, candidate, by=by, request=request,
           changes={"status": [CandidateStatus.REGISTERED, CandidateStatus.ASSESSED]},
           note=recommendation(candidate.results.values_list("result", flat=True)) or "")
    return candidate


@transaction.atomic
def reopen(candidate: Assessment, *, by, request=None) -> Assessment:
    """The LSP sends a submitted file back to the assessor (before any decision)."""
    candidate = Assessment.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.ASSESSED:
        raise _error("not_submitted")
    candidate.status = CandidateStatus.REGISTERED
    candidate.submitted_at = None
    candidate.save(update_fields=["status", "submitted_at"])
    record(Action.TRANSITION, candidate, by=by, request=request,
           changes={"status": [CandidateStatus.ASSESSED, CandidateStatus.REGISTERED]})
    return candidate


def _close_event_if_done(event: AssessmentEvent) -> None:
    # Lock the event row: two last candidates decided at once would otherwise each still see the other open
    # (PostgreSQL, READ COMMITTED), and the event would never complete.
    event = AssessmentEvent.objects.select_for_update().get(pk=event.pk)
    if event.status == EventStatus.PLANNED and not event.candidates.filter(status__in=OPEN_STATUSES).exists():
        event.status = EventStatus.COMPLETED
        event.save(update_fields=["status"])


@transaction.atomic
def approve(candidate: Assessment, *, by, request=None) -> Assessment:
    """The LSP's decision: the recommendation becomes the decision and the results are locked."""
    candidate = Assessment.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.ASSESSED:
        raise _error("results_locked" if candidate.is_locked else "not_submitted")
    decision = recommendation(candidate.results.values_list("result", flat=True))
    if decision is None:
        raise _error("results_incomplete", count=candidate.results.filter(result="").count())
    candidate.status = CandidateStatus.APPROVED
    candidate.decision = decision
    candidate.decided_at = timezone.now()
    candidate.decided_by = by
    candidate.save(update_fields=["status", "decision", "decided_at", "decided_by"])
    record(Action.TRANSITION, candidate, by=by, request=request,
           changes={"status": [CandidateStatus.ASSESSED, CandidateStatus.APPROVED], "decision": [None, decision]})
    _close_event_if_done(candidate.event)
    return candidate


def approve_event(event: AssessmentEvent, *, by, request=None) -> int:
    """Decide every submitted candidate of the event; returns how many."""
    count = 0
    for candidate in event.candidates.filter(status=CandidateStatus.ASSESSED):
        approve(candidate, by=by, request=request)
        count += 1
    return count


@transaction.atomic
def amend(candidate: Assessment, unit_id: int, *, new_result: str, reason: str, by, request=None) -> Amendment:
    """Correct one unit of a decided assessment: a new, audited amendment; the decided rows never change."""
    candidate = Assessment.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.APPROVED:
        raise _error("not_decided")
    if not reason.strip():
        raise _error("reason_required")
    if new_result not in (Decision.K, Decision.BK):
        raise _error("invalid_result")
    results = effective_results(candidate)
    if unit_id not in results:
        raise _error("unit_not_in_scheme")
    if results[unit_id] == new_result:
        raise _error("amend_same")
    old_result, old_decision = results[unit_id], candidate.decision
    results[unit_id] = new_result
    new_decision = recommendation(results.values())
    amendment = Amendment.objects.create(
        assessment=candidate, unit_id=unit_id, old_result=old_result, new_result=new_result,
        old_decision=old_decision, new_decision=new_decision, reason=reason.strip(), created_by=by)
    if new_decision != old_decision:
        candidate.decision = new_decision
        candidate.save(update_fields=["decision"])
        decision_changed.send(sender=Assessment, assessment=candidate, old=old_decision, new=new_decision,
                              reason=reason.strip(), by=by)
    record(Action.UPDATE, candidate, by=by, request=request, note=reason.strip(),
           changes={"unit": [None, unit_id], "result": [old_result, new_result],
                    "decision": [old_decision, new_decision]})
    return amendment


# --- appeals --------------------------------------------------------------------------------------


def appeal_deadline(candidate: Assessment) -> datetime.date | None:
    if candidate.decided_at is None:
        return None
    decided = timezone.localdate(candidate.decided_at)
    return decided + datetime.timedelta(days=settings.KOMPETEN_APPEAL_DAYS)


@transaction.atomic
def file_appeal(candidate: Assessment, *, grounds: str, by, request=None) -> Appeal:
    """FR.AK.04, filed by the candidate (or for them) within the appeal period after the decision."""
    candidate = Assessment.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.APPROVED:
        raise _error("not_decided")
    if not grounds.strip():
        raise _error("grounds_required")
    deadline = appeal_deadline(candidate)
    if timezone.localdate() > deadline:
        raise _error("appeal_window_closed", days=settings.KOMPETEN_APPEAL_DAYS, until=_date(deadline))
    if candidate.appeals.filter(status=AppealStatus.FILED).exists():
        raise _error("appeal_open")
    if candidate.appeals.exists():  # one appeal per decision; after it, a re-assessment is the way on
        raise _error("appeal_decided")
    appeal = Appeal.objects.create(assessment=candidate, grounds=grounds.strip(), filed_at=timezone.now(),
                                   filed_by=by)
    record(Action.UPDATE, candidate, by=by, request=request, note=grounds.strip()[:255],
           changes={"appeal": [None, AppealStatus.FILED]})
    return appeal


@transaction.atomic
def decide_appeal(appeal: Appeal, *, upheld: bool, outcome: str, by, request=None) -> Appeal:
    """The LSP's answer: upheld opens a re-assessment; rejected leaves the decision as it is."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.FILED:
        raise _error("appeal_decided")
    if not outcome.strip():
        raise _error("reason_required")
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.outcome = outcome.strip()
    appeal.decided_at = timezone.now()
    appeal.decided_by = by
    appeal.save(update_fields=["status", "outcome", "decided_at", "decided_by"])
    record(Action.TRANSITION, appeal.assessment, by=by, request=request, note=outcome.strip()[:255],
           changes={"appeal": [AppealStatus.FILED, appeal.status]})
    return appeal


# --- what certificates need -------------------------------------------------------------------------


def require_competent(candidate: Assessment) -> Assessment:
    """The gate of the competency certificate: an approved Kompeten result, or DomainError("not_competent")."""
    if candidate.status != CandidateStatus.APPROVED or candidate.decision != Decision.K:
        raise _error("not_competent")
    return candidate


def reassessable(user):
    """Decided BK assessments (or upheld appeals) without a re-assessment yet, visible to the user."""
    return (Assessment.objects.visible_to(user).filter(status=CandidateStatus.APPROVED)
            .filter(Q(decision=Decision.BK) | Q(appeals__status=AppealStatus.UPHELD))
            .exclude(reassessment__isnull=False).distinct())
