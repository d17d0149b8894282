"""API: enrolments of a batch, attendance and completion.

kompeten/api/base.py says what every router follows. Staff of the batch's centre (and the province admin) read
and change a batch's participants, take a day's attendance and record completion through
kompeten/training/services.py (seats are taken under the batch lock there); a job seeker reads their own
enrolments.
"""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kompeten.accounts.models import Role
from kompeten.api.base import AUTH, IdField, ObjectId, Pagination, Text, invalid, not_found, require_role, user_of
from kompeten.api.idempotency import idempotent
from kompeten.programmes.access import get_batch_for_user
from kompeten.registry.access import get_person_for_user
from kompeten.training import services
from kompeten.training.models import (
    AttendanceStatus,
    DropoutReason,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
)
from kompeten.training.views import get_enrolment_for_user

router = Router(auth=AUTH)

STAFF = (Role.PROVINCE_ADMIN, Role.CENTRE_OPERATOR)


# Schemas ------------------------------------------------------------------------------------------

class EnrolmentOut(Schema):
    id: int
    batch: int
    person: int
    person_name: str
    status: Literal[tuple(EnrolmentStatus.values)]
    source: Literal[tuple(EnrolmentSource.values)]
    enrolled_at: datetime.datetime
    final_test_passed: bool | None
    attendance_percent: Decimal | None = Field(description="Fixed at completion; while running, of the days "
                                                           "whose attendance was taken.")
    outcome_reason: str
    outcome_note: str
    completed_at: datetime.datetime | None

    @staticmethod
    def resolve_batch(enrolment) -> int:
        return enrolment.batch_id

    @staticmethod
    def resolve_person(enrolment) -> int:
        return enrolment.person_id

    @staticmethod
    def resolve_person_name(enrolment) -> str:
        return enrolment.person.full_name

    @staticmethod
    def resolve_attendance_percent(enrolment) -> Decimal | None:
        if enrolment.attendance_percent is not None:
            return enrolment.attendance_percent
        return getattr(enrolment, "percent", None)


class EnrolIn(Schema):
    person: IdField = Field(description="A person in the caller's scope.")


class WithdrawIn(Schema):
    reason: Literal[tuple(DropoutReason.values)] = DropoutReason.OTHER.value
    note: Text(255) = ""


class MarkOut(Schema):
    enrolment: int
    status: Literal[tuple(AttendanceStatus.values)]


class SessionOut(Schema):
    id: int
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    topic: str
    marks: list[MarkOut] = Field(description="The marks taken that day; a participant without one has none yet.")


class MarkIn(Schema):
    enrolment: IdField
    status: Literal[tuple(AttendanceStatus.values)]


class AttendanceIn(Schema):
    date: datetime.date = Field(description="The training day (a session of the batch).")
    marks: list[MarkIn] = Field(min_length=1, max_length=500)


class AttendanceResultOut(Schema):
    changed: int = Field(description="Marks added or changed.")
    session: SessionOut


class CompletionDecisionIn(Schema):
    enrolment: IdField
    final_test_passed: bool | None = None
    reason: Literal[("", *DropoutReason.values)] = Field(
        "", description="Why the participant does not complete (empty: decided by attendance and the test).")
    note: Text(255) = ""


class CompletionIn(Schema):
    decisions: list[CompletionDecisionIn] = Field(default_factory=list, max_length=500,
                                        description="Participants not listed are decided by attendance and test.")


class CompletionOut(Schema):
    completed: int
    not_completed: int


# Helpers ------------------------------------------------------------------------------------------

def _enrolments(batch):
    enrolments = list(batch.enrolments.select_related("person").order_by("person__full_name", "pk"))
    percentages = services.attendance_percentages(batch, held_only=True)
    for enrolment in enrolments:
        enrolment.percent = percentages.get(enrolment.pk)
    return enrolments


def _session_out(session) -> dict:
    """A training day with its marks (prefetched as ``session.attendance`` by the list)."""
    marks = sorted(session.attendance.all(), key=lambda mark: mark.enrolment_id)
    return {"id": session.pk, "date": session.date, "start_time": session.start_time, "end_time": session.end_time,
            "topic": session.topic, "marks": [{"enrolment": m.enrolment_id, "status": m.status} for m in marks]}


# Operations ---------------------------------------------------------------------------------------

@router.get("/batches/{batch_id}/enrolments", response=list[EnrolmentOut], url_name="enrolments_list",
            summary="The participants of a batch")
@paginate(Pagination)
def enrolments_list(request, batch_id: ObjectId, status: Literal[tuple(EnrolmentStatus.values)] | None = None):
    require_role(request, *STAFF)
    batch = get_batch_for_user(user_of(request), batch_id)
    enrolments = _enrolments(batch)
    return [e for e in enrolments if status is None or e.status == status]


@router.post("/batches/{batch_id}/enrolments", response={201: EnrolmentOut}, url_name="enrolments_create",
             summary="Enrol a person in a batch")
@idempotent
def enrolments_create(request, batch_id: ObjectId, payload: EnrolIn):
    """Staff of the batch's centre, for a person in their scope (404 otherwise). The seat is counted under the
    batch lock: 409 ``batch_full``, ``batch_not_enrolling``, ``already_enrolled``, ``has_active_enrolment``."""
    require_role(request, *STAFF)
    user = user_of(request)
    batch = get_batch_for_user(user, batch_id, write=True)
    person = get_person_for_user(user, payload.person)
    enrolment = services.enrol(batch, person, by=user, request=request)
    return Status(201, Enrolment.objects.select_related("person").get(pk=enrolment.pk))


@router.post("/enrolments/{enrolment_id}/withdraw", response=EnrolmentOut, url_name="enrolments_withdraw",
             summary="Withdraw a participant")
@idempotent
def enrolments_withdraw(request, enrolment_id: ObjectId, payload: WithdrawIn):
    """Staff of the batch's centre; the seat is free again (409 ``not_enrolled``)."""
    require_role(request, *STAFF)
    user = user_of(request)
    enrolment = get_enrolment_for_user(user, enrolment_id, write=True)
    services.withdraw(enrolment, by=user, reason=payload.reason, note=payload.note, request=request)
    return Enrolment.objects.select_related("person").get(pk=enrolment.pk)


@router.get("/enrolments/mine", response=list[EnrolmentOut], url_name="enrolments_mine",
            summary="The job seeker's own enrolments")
@paginate(Pagination)
def enrolments_mine(request):
    require_role(request, Role.JOB_SEEKER)
    user = user_of(request)
    return (Enrolment.objects.visible_to(user).filter(person__user=user).select_related("person")
            .order_by("-enrolled_at", "pk"))


@router.get("/batches/{batch_id}/attendance", response=list[SessionOut], url_name="attendance_list",
            summary="A batch's attendance, day by day")
@paginate(Pagination)
def attendance_list(request, batch_id: ObjectId, date: datetime.date | None = None):
    require_role(request, *STAFF)
    batch = get_batch_for_user(user_of(request), batch_id)
    sessions = batch.sessions.order_by("date", "start_time").prefetch_related("attendance")
    if date is not None:
        sessions = sessions.filter(date=date)
    return [_session_out(session) for session in sessions]


@router.post("/batches/{batch_id}/attendance", response=AttendanceResultOut, url_name="attendance_record",
             summary="Record a day's attendance of a batch")
@idempotent
def attendance_record(request, batch_id: ObjectId, payload: AttendanceIn):
    """Staff of the batch's centre, while the batch runs (409 ``attendance_closed``): one mark per enrolled
    participant (present, late, excused, absent). Marks already taken are changed; 404 for a day without a
    session."""
    require_role(request, *STAFF)
    user = user_of(request)
    batch = get_batch_for_user(user, batch_id, write=True)
    session = batch.sessions.filter(date=payload.date).first()
    if session is None:
        raise not_found()
    marks = {}
    for mark in payload.marks:
        if mark.enrolment in {e for e, _s in marks}:
            raise invalid("marks: each participant is marked once per day.")
        marks[(mark.enrolment, session.pk)] = mark.status
    changed = services.record_attendance(batch, marks, by=user)
    return {"changed": changed, "session": _session_out(batch.sessions.prefetch_related("attendance").get(
        pk=session.pk))}


@router.post("/batches/{batch_id}/completion", response=CompletionOut, url_name="completion_record",
             summary="Record the completion of a running batch")
@idempotent
def completion_record(request, batch_id: ObjectId, payload: CompletionIn):
    """Staff of the batch's centre. Every enrolled participant completes (lulus) when attendance reaches the
    package's minimum and, if it has one, the final test was passed; otherwise not, with a reason (409
    ``batch_not_running``, ``completion_reason_required``). Enrolments not enrolled in the batch are a 422."""
    require_role(request, *STAFF)
    user = user_of(request)
    batch = get_batch_for_user(user, batch_id, write=True)
    enrolled = set(batch.enrolments.filter(status=EnrolmentStatus.ENROLLED).values_list("pk", flat=True))
    decisions = {}
    for decision in payload.decisions:
        if decision.enrolment not in enrolled or decision.enrolment in decisions:
            raise invalid("decisions: each enrolment is one enrolled participant of the batch, listed once.")
        decisions[decision.enrolment] = {"final_test_passed": decision.final_test_passed, "reason": decision.reason,
                                         "note": decision.note}
    counts = services.complete_batch(batch, decisions, by=user, request=request)
    return counts
