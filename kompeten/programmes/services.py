"""State changes of programmes and batches: the batch status table, capacity, sessions, targets."""

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.errors import DomainError
from kompeten.programmes.models import Batch, BatchSession, BatchStatus

S = BatchStatus

# The explicit transition table: from-status -> the statuses it may move to.
TRANSITIONS: dict[str, set[str]] = {
    S.PLANNED: {S.OPEN, S.CANCELLED},
    S.OPEN: {S.SELECTING, S.CANCELLED},
    S.SELECTING: {S.RUNNING, S.CANCELLED},
    S.RUNNING: {S.COMPLETED},
    S.COMPLETED: {S.CLOSED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}

# Statuses in which the enrolment list may change (a seat taken or given back).
ENROLLING_STATUSES = {S.OPEN, S.SELECTING, S.RUNNING}

MESSAGES = {
    "invalid_transition": _("A batch that is %(current)s cannot become %(target)s."),
    "capacity_below_enrolled": _("The capacity cannot be lower than the %(taken)s seats already taken."),
    "capacity_invalid": _("The capacity must be at least 1."),
    "batch_not_finished": _("Complete the participants first: %(pending)s still enrolled."),
}


def allowed_transitions(batch: Batch) -> list[str]:
    return [status for status in S.values if status in TRANSITIONS[batch.status]]


def lock_batch(batch_id: int) -> Batch:
    """Lock the batch row for the rest of the transaction (the seat lock; see docs/algorithms/locking.md)."""
    return Batch.objects.select_for_update().get(pk=batch_id)


@transaction.atomic
def transition_batch(batch: Batch, to: str, *, by, request=None) -> Batch:
    locked = lock_batch(batch.pk)
    if to not in TRANSITIONS[locked.status]:
        raise DomainError("invalid_transition", MESSAGES["invalid_transition"],
                          current=S(locked.status).label, target=S(to).label if to in S.values else to)
    if to == S.COMPLETED:
        from kompeten.training.models import Enrolment, EnrolmentStatus

        pending = Enrolment.objects.filter(batch=locked, status=EnrolmentStatus.ENROLLED).count()
        if pending:
            raise DomainError("batch_not_finished", MESSAGES["batch_not_finished"], pending=pending)
    if to == S.CANCELLED:
        from kompeten.selection.services import release_offers_of
        from kompeten.training.services import withdraw_all

        withdraw_all(locked, by=by, reason="cancelled")
        release_offers_of(locked, by=by)
    before = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    record(AuditEntry.Action.TRANSITION, locked, by=by, changes={"status": [before, to]}, request=request)
    batch.status = to
    return locked


@transaction.atomic
def set_capacity(batch: Batch, capacity: int, *, by, request=None) -> Batch:
    """Change a batch's capacity; never below the seats already taken (counted under the seat lock)."""
    from kompeten.training.services import seats_taken

    if capacity < 1:
        raise DomainError("capacity_invalid", MESSAGES["capacity_invalid"])
    locked = lock_batch(batch.pk)
    taken = seats_taken(locked)
    if capacity < taken:
        raise DomainError("capacity_below_enrolled", MESSAGES["capacity_below_enrolled"], taken=taken)
    if capacity != locked.capacity:
        record(AuditEntry.Action.UPDATE, locked, by=by, changes={"capacity": [locked.capacity, capacity]},
               request=request)
        locked.capacity = capacity
        locked.save(update_fields=["capacity", "updated_at"])
    batch.capacity = capacity
    return locked


def working_days(start: datetime.date, end: datetime.date, holidays=()) -> list[datetime.date]:
    """Monday to Friday between start and end (inclusive), minus holidays."""
    days, day = [], start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


# The reported BLKI timetable: Monday-Thursday 08.00-16.00, Friday 08.00-11.30 (WITA).
DEFAULT_HOURS = {
    0: (datetime.time(8, 0), datetime.time(16, 0)),
    1: (datetime.time(8, 0), datetime.time(16, 0)),
    2: (datetime.time(8, 0), datetime.time(16, 0)),
    3: (datetime.time(8, 0), datetime.time(16, 0)),
    4: (datetime.time(8, 0), datetime.time(11, 30)),
}


@transaction.atomic
def generate_sessions(batch: Batch, *, by=None, holidays=()) -> int:
    """Create one session per working day of the batch that has none yet; returns how many were added."""
    existing = set(batch.sessions.values_list("date", flat=True))
    new = [
        BatchSession(batch=batch, date=day, start_time=DEFAULT_HOURS[day.weekday()][0],
                     end_time=DEFAULT_HOURS[day.weekday()][1])
        for day in working_days(batch.start_date, batch.end_date, holidays) if day not in existing
    ]
    BatchSession.objects.bulk_create(new)
    if new and by is not None:
        record(AuditEntry.Action.UPDATE, batch, by=by, changes={"sessions": [len(existing), len(existing) + len(new)]})
    return len(new)


def next_batch_number(package, programme_year) -> int:
    last = (Batch.objects.filter(package=package, programme_year=programme_year)
            .order_by("-number").values_list("number", flat=True).first())
    return (last or 0) + 1
