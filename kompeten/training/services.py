"""Enrolment under the seat lock, attendance, and completion of a batch's participants.

The locking rule (docs/algorithms/locking.md): lock the batch row late, right before the
availability check, inside the transaction that writes; count availability from rows.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import build, record
from kompeten.core.errors import DomainError
from kompeten.programmes.models import Batch, BatchStatus
from kompeten.programmes.services import ENROLLING_STATUSES
from kompeten.reporting.refresh import mark_stale
from kompeten.training.models import (
    ATTENDED,
    Attendance,
    AttendanceStatus,
    DropoutReason,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
)

MESSAGES = {
    "batch_full": _("This batch is full: all %(capacity)s seats are taken."),
    "batch_not_enrolling": _("This batch does not take participants now (status: %(status)s)."),
    "already_enrolled": _("This person is already enrolled in this batch."),
    "has_active_enrolment": _("This person is already enrolled in another batch (%(batch)s)."),
    "not_enrolled": _("This person is not an enrolled participant of the batch."),
    "session_not_in_batch": _("This session does not belong to the batch."),
    "completion_reason_required": _("Give a reason for every participant who does not complete."),
    "batch_not_running": _("Completion is recorded for a running batch (status: %(status)s)."),
    "invalid_reason": _("Choose one of the listed reasons."),
    "attendance_closed": _("Attendance is taken while the batch is running (status: %(status)s)."),
    "invalid_mark": _("%(mark)s is not an attendance mark (present, late, excused or absent)."),
}


def open_offers(batch: Batch) -> int:
    """Seats held by selection offers that are still open (waiting for daftar ulang)."""
    from kompeten.selection.models import Offer

    return Offer.objects.filter(batch=batch).holding_seat().count()


def seats_taken(batch: Batch) -> int:
    """Enrolled participants plus offers still open, counted from rows."""
    return Enrolment.objects.filter(batch=batch).holding_seat().count() + open_offers(batch)


def seats_free(batch: Batch) -> int:
    return max(batch.capacity - seats_taken(batch), 0)


def _lock(batch_id: int) -> Batch:
    if settings.KOMPETEN_SEAT_LOCK:
        return Batch.objects.select_for_update().get(pk=batch_id)
    return Batch.objects.get(pk=batch_id)  # negative control of the race test only


def enrol(batch: Batch, person, *, by, source: str = EnrolmentSource.OPERATOR, request=None) -> Enrolment:
    """Give a person a seat in a batch, or raise DomainError("batch_full" / ...). Never overbooks."""
    try:
        with transaction.atomic():
            locked = _lock(batch.pk)
            if locked.status not in ENROLLING_STATUSES:
                raise DomainError("batch_not_enrolling", MESSAGES["batch_not_enrolling"],
                                  status=BatchStatus(locked.status).label)
            previous = Enrolment.objects.filter(batch=locked, person=person).first()
            if previous is not None and previous.status != EnrolmentStatus.WITHDRAWN:
                raise DomainError("already_enrolled", MESSAGES["already_enrolled"])
            _refuse_second_active(person)
            if seats_taken(locked) >= locked.capacity:
                raise DomainError("batch_full", MESSAGES["batch_full"], capacity=locked.capacity)
            enrolled_by = by if by and by.is_authenticated else None
            if previous is not None:  # withdrawn earlier, back again: the same row takes the seat again
                previous.status, previous.source, previous.enrolled_by = EnrolmentStatus.ENROLLED, source, enrolled_by
                previous.outcome_reason = previous.outcome_note = ""
                previous.save(update_fields=["status", "source", "enrolled_by", "outcome_reason", "outcome_note"])
                enrolment = previous
            else:
                enrolment = Enrolment.objects.create(batch=locked, person=person, source=source,
                                                     enrolled_by=enrolled_by)
            record(AuditEntry.Action.CREATE, enrolment, by=by, changes={"batch": [None, locked.pk],
                   "person": [None, person.pk]}, request=request)
            return enrolment
    except IntegrityError:
        # The same person enrolled at the same moment by another request: the unique constraints held.
        if Enrolment.objects.filter(batch=batch, person=person).holding_seat().exists():
            raise DomainError("already_enrolled", MESSAGES["already_enrolled"]) from None
        _refuse_second_active(person)
        raise


def _refuse_second_active(person) -> None:
    other = Enrolment.objects.filter(person=person).active().select_related("batch__package", "batch__programme_year")
    other = other.first()
    if other is not None:
        raise DomainError("has_active_enrolment", MESSAGES["has_active_enrolment"], batch=str(other.batch))


@transaction.atomic
def withdraw(enrolment: Enrolment, *, by, reason: str = DropoutReason.OTHER, note: str = "", request=None):
    """A participant leaves before the batch runs: the seat is given back."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise DomainError("not_enrolled", MESSAGES["not_enrolled"])
    if reason not in DropoutReason.values:
        raise DomainError("invalid_reason", MESSAGES["invalid_reason"])
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.outcome_reason = reason
    enrolment.outcome_note = note
    enrolment.save(update_fields=["status", "outcome_reason", "outcome_note"])
    record(AuditEntry.Action.TRANSITION, enrolment, by=by, changes={"status": ["enrolled", "withdrawn"]},
           note=reason, request=request)
    return enrolment


@transaction.atomic
def withdraw_all(batch: Batch, *, by, reason: str) -> int:
    """Give back every seat of a batch (when it is cancelled); returns how many participants left."""
    enrolments = list(Enrolment.objects.select_for_update().filter(batch=batch, status=EnrolmentStatus.ENROLLED))
    for enrolment in enrolments:
        enrolment.status, enrolment.outcome_reason = EnrolmentStatus.WITHDRAWN, reason
    Enrolment.objects.bulk_update(enrolments, ["status", "outcome_reason"])
    mark_stale(e.person_id for e in enrolments)  # bulk_update sends no signal: the dashboards' figures
    AuditEntry.objects.bulk_create(
        build(AuditEntry.Action.TRANSITION, e, by=by, changes={"status": ["enrolled", "withdrawn"]}, note=reason)
        for e in enrolments
    )
    return len(enrolments)


@transaction.atomic
def record_attendance(batch: Batch, marks: dict[tuple[int, int], str], *, by) -> int:
    """Save a grid of marks {(enrolment_id, session_id): status}; returns the number of cells changed."""
    if batch.status not in (BatchStatus.RUNNING, BatchStatus.SELECTING):
        raise DomainError("attendance_closed", MESSAGES["attendance_closed"], status=BatchStatus(batch.status).label)
    for mark in set(marks.values()) - set(AttendanceStatus.values):
        raise DomainError("invalid_mark", MESSAGES["invalid_mark"], mark=mark)
    enrolment_ids = set(batch.enrolments.filter(status=EnrolmentStatus.ENROLLED).values_list("id", flat=True))
    session_ids = set(batch.sessions.values_list("id", flat=True))
    for enrolment_id, session_id in marks:
        if enrolment_id not in enrolment_ids:
            raise DomainError("not_enrolled", MESSAGES["not_enrolled"])
        if session_id not in session_ids:
            raise DomainError("session_not_in_batch", MESSAGES["session_not_in_batch"])
    existing = {(a.enrolment_id, a.session_id): a for a in
                Attendance.objects.filter(enrolment_id__in=enrolment_ids, session_id__in=session_ids)}
    new, changed = [], []
    for key, status in marks.items():
        current = existing.get(key)
        if current is None:
            new.append(Attendance(enrolment_id=key[0], session_id=key[1], status=status, recorded_by=by))
        elif current.status != status:
            current.status, current.recorded_by = status, by
            changed.append(current)
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(changed, ["status", "recorded_by"])
    if new or changed:
        record(AuditEntry.Action.UPDATE, batch, by=by, note=f"attendance: {len(new)} new, {len(changed)} changed")
    return len(new) + len(changed)


def attendance_percentages(batch: Batch, *, held_only: bool = False) -> dict[int, Decimal]:
    """Per enrolment: attended (present or late) sessions / sessions, in percent (one query).

    held_only=False counts every session of the batch (completion: the whole course); held_only=True
    only the sessions whose attendance has been taken (progress while the batch runs).
    """
    sessions = batch.sessions.all()
    if held_only:
        sessions = sessions.filter(attendance__isnull=False).distinct()
    held = sessions.count()
    rows = (Enrolment.objects.filter(batch=batch)
            .annotate(attended=Count("attendance", filter=Q(attendance__status__in=ATTENDED,
                                                            attendance__session__in=sessions)))
            .values_list("id", "attended"))
    return {
        enrolment_id: (Decimal(100 * attended) / held).quantize(Decimal("0.1"), ROUND_HALF_UP) if held else Decimal(0)
        for enrolment_id, attended in rows
    }


@transaction.atomic
def complete_batch(batch: Batch, decisions: dict[int, dict], *, by, request=None) -> dict[str, int]:
    """Record the outcome of every enrolled participant of a running batch.

    decisions: {enrolment_id: {"final_test_passed": bool | None, "reason": str, "note": str}}.
    A participant completes (lulus) when attendance >= the package's threshold and, if the package has a
    final test, it was passed; otherwise they do not complete, with a reason (derived where the rule
    says why, given by the operator otherwise).
    """
    locked = Batch.objects.select_for_update().select_related("package").get(pk=batch.pk)
    if locked.status != BatchStatus.RUNNING:
        raise DomainError("batch_not_running", MESSAGES["batch_not_running"], status=BatchStatus(locked.status).label)
    percentages = attendance_percentages(locked)
    threshold = locked.package.attendance_threshold
    now = timezone.now()
    counts = {"completed": 0, "not_completed": 0}
    entries = []
    enrolments = list(locked.enrolments.select_for_update().filter(status=EnrolmentStatus.ENROLLED))
    for enrolment in enrolments:
        decision = decisions.get(enrolment.pk, {})
        passed = decision.get("final_test_passed")
        percent = percentages.get(enrolment.pk, Decimal(0))
        ok_attendance = percent >= threshold
        ok_test = passed is True or not locked.package.has_final_test
        reason = decision.get("reason") or ""
        if ok_attendance and ok_test and not reason:
            enrolment.status = EnrolmentStatus.COMPLETED
            enrolment.outcome_reason = ""
        else:
            if not reason:
                reason = DropoutReason.ATTENDANCE if not ok_attendance else DropoutReason.FINAL_TEST
            if reason not in DropoutReason.values:
                raise DomainError("completion_reason_required", MESSAGES["completion_reason_required"])
            enrolment.status = EnrolmentStatus.NOT_COMPLETED
            enrolment.outcome_reason = reason
        enrolment.final_test_passed = passed
        enrolment.attendance_percent = percent
        enrolment.outcome_note = decision.get("note", "")[:255]
        enrolment.completed_at = now
        counts[enrolment.status] += 1
        entries.append(build(AuditEntry.Action.TRANSITION, enrolment, by=by,
                             changes={"status": ["enrolled", enrolment.status]}, note=enrolment.outcome_reason))
    Enrolment.objects.bulk_update(enrolments, ["status", "outcome_reason", "final_test_passed", "attendance_percent",
                                               "outcome_note", "completed_at"])
    AuditEntry.objects.bulk_create(entries)
    # bulk_update sends no signal: the participants' candidate profiles (job matching) are refreshed here.
    from kompeten.jobs.profiles import refresh_profiles

    refresh_profiles([enrolment.person_id for enrolment in enrolments])
    mark_stale(e.person_id for e in enrolments)  # and the dashboards' figures
    return counts
