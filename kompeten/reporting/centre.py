"""The centre dashboard's data: one training centre's batches, attendance alerts, upcoming assessment events and
certificates still to issue — plain functions returning dataclasses.

Every function issues a fixed number of queries (counts are subqueries or aggregates, never a query per batch or
per participant), so the page costs the same for 2 batches as for 200.

- Batches: the programme year's batches of the centre, grouped by status; a seat is filled by an enrolment that is
  enrolled, completed or not completed (a withdrawal gives its seat back).
- Attendance alerts: enrolled participants of the centre's running batches whose attendance so far — sessions
  attended (present or late) over the sessions held up to today — is below the package's minimum. A session is
  held when its date has come and attendance was taken for it (anyone's mark), the same "held" as the attendance
  page's percentage (``training.services.attendance_percentages(held_only=True)``); an unmarked or excused
  participant missed it. Percentages are rounded to 0.1 as at completion, and compared the same way.
- Upcoming assessment events: the centre's events dated today or later, not cancelled.
- Certificates pending: completed participants of the year's completed or closed batches (where the batch page
  offers to issue training certificates) without a current training certificate; approved Kompeten candidates of
  the centre's events without a current competency certificate (issued by the LSP).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from kompeten.assessment.models import Assessment, AssessmentEvent, EventStatus
from kompeten.certificates.models import Certificate, CertificateKind
from kompeten.programmes.models import Batch, BatchSession, BatchStatus, ProgrammeYear, TrainingCentre
from kompeten.training.models import ATTENDED, Attendance, Enrolment, EnrolmentStatus

# The order the batch groups are shown in: what needs attention now first.
STATUS_ORDER = [BatchStatus.RUNNING, BatchStatus.SELECTING, BatchStatus.OPEN, BatchStatus.PLANNED,
                BatchStatus.COMPLETED, BatchStatus.CLOSED, BatchStatus.CANCELLED]
# Batches whose training certificates are issued (the batch page offers it in these statuses).
ISSUING_STATUSES = [BatchStatus.COMPLETED, BatchStatus.CLOSED]


def _count(queryset, outer: str):
    """COUNT(*) of ``queryset`` (already filtered on an OuterRef) as a subquery expression; 0 when none."""
    rows = queryset.order_by().values(outer).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def percent_of(part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` in percent, rounded to 0.1 like training.services.attendance_percentages."""
    if not whole:
        return Decimal(0)
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- batches --------------------------------------------------------------------------------------


@dataclass
class BatchRow:
    batch: Batch
    filled: int

    @property
    def capacity(self) -> int:
        return self.batch.capacity

    @property
    def free(self) -> int:
        return max(self.batch.capacity - self.filled, 0)

    @property
    def percent(self) -> int:
        """Seats filled in percent, for the progress bar (0-100)."""
        return min(round(100 * self.filled / self.batch.capacity), 100) if self.batch.capacity else 0


@dataclass
class BatchGroup:
    status: str
    label: str
    rows: list[BatchRow]


def year_batches(centre: TrainingCentre, year: ProgrammeYear | None) -> list[BatchRow]:
    """The year's batches of the centre with their seats filled, by status (STATUS_ORDER), then start date."""
    if year is None:
        return []
    batches = (Batch.objects.filter(centre=centre, programme_year=year)
               .select_related("package", "programme_year")
               .annotate(filled=Count("enrolments", filter=~Q(enrolments__status=EnrolmentStatus.WITHDRAWN))))
    rows = [BatchRow(batch=batch, filled=batch.filled) for batch in batches]
    rank = {status: index for index, status in enumerate(STATUS_ORDER)}
    rows.sort(key=lambda r: (rank.get(r.batch.status, len(rank)), r.batch.start_date, r.batch.package.name,
                             r.batch.number))
    return rows


def group_by_status(rows: list[BatchRow]) -> list[BatchGroup]:
    groups: dict[str, BatchGroup] = {}
    for row in rows:
        status = row.batch.status
        if status not in groups:
            groups[status] = BatchGroup(status=status, label=BatchStatus(status).label, rows=[])
        groups[status].rows.append(row)
    return list(groups.values())


# --- attendance -----------------------------------------------------------------------------------


@dataclass
class RunningBatch:
    """A running batch and how far its attendance has been taken."""

    batch: Batch
    sessions_due: int  # sessions dated up to today
    held: int  # of those, sessions whose attendance was taken
    alerts: int = 0

    @property
    def not_taken(self) -> int:
        return self.sessions_due - self.held


@dataclass
class AttendanceAlert:
    enrolment_id: int
    person_id: int
    person_name: str
    batch: Batch
    attended: int
    held: int
    threshold: int
    percent: Decimal

    @property
    def missed(self) -> int:
        return self.held - self.attended


def _held_sessions(batch_ref: OuterRef, today: datetime.date):
    """The sessions of the batch ``batch_ref`` held up to ``today`` (dated, with attendance taken)."""
    taken = Attendance.objects.filter(session=OuterRef("pk"))
    return BatchSession.objects.filter(batch=batch_ref, date__lte=today).filter(Exists(taken))


def running_batches(centre: TrainingCentre, *, today: datetime.date) -> list[RunningBatch]:
    """The centre's running batches (of any programme year) with the sessions due and held so far (one query)."""
    due = BatchSession.objects.filter(batch=OuterRef("pk"), date__lte=today)
    batches = (Batch.objects.filter(centre=centre, status=BatchStatus.RUNNING)
               .select_related("package", "programme_year")
               .annotate(sessions_due=_count(due, "batch"), held=_count(_held_sessions(OuterRef("pk"), today), "batch"))
               .order_by("start_date", "package__name", "number"))
    return [RunningBatch(batch=b, sessions_due=b.sessions_due, held=b.held) for b in batches]


def attendance_alerts(centre: TrainingCentre, *, today: datetime.date) -> list[AttendanceAlert]:
    """Enrolled participants of the centre's running batches below their package's minimum so far, worst first.

    One query: the held sessions and the attended ones are subqueries per enrolment, and the database keeps only
    the participants under the minimum (those exactly at it after rounding are dropped here, as at completion).
    """
    attended = Attendance.objects.filter(enrolment=OuterRef("pk"), status__in=ATTENDED, session__date__lte=today)
    rows = (Enrolment.objects
            .filter(batch__centre=centre, batch__status=BatchStatus.RUNNING, status=EnrolmentStatus.ENROLLED)
            .annotate(held=_count(_held_sessions(OuterRef("batch"), today), "batch"),
                      attended=_count(attended, "enrolment"))
            .filter(held__gt=0)
            .alias(attended_x100=F("attended") * 100,
                   threshold_x_held=F("batch__package__attendance_threshold") * F("held"))
            .filter(attended_x100__lt=F("threshold_x_held"))
            .select_related("person", "batch__package", "batch__programme_year"))
    alerts = []
    for enrolment in rows:
        threshold = enrolment.batch.package.attendance_threshold
        percent = percent_of(enrolment.attended, enrolment.held)
        if percent < threshold:
            alerts.append(AttendanceAlert(
                enrolment_id=enrolment.pk, person_id=enrolment.person_id, person_name=enrolment.person.full_name,
                batch=enrolment.batch, attended=enrolment.attended, held=enrolment.held, threshold=threshold,
                percent=percent))
    alerts.sort(key=lambda a: (a.percent, -a.missed, a.person_name, a.enrolment_id))
    return alerts


# --- assessment events ----------------------------------------------------------------------------


@dataclass
class UpcomingEvent:
    event: AssessmentEvent
    candidates: int


def upcoming_events(centre: TrainingCentre, *, today: datetime.date) -> list[UpcomingEvent]:
    """The centre's assessment events from today on (not cancelled), soonest first, with their candidates."""
    events = (AssessmentEvent.objects.filter(centre=centre, date__gte=today)
              .exclude(status=EventStatus.CANCELLED)
              .select_related("scheme", "tuk", "lsp")
              .annotate(n_candidates=Count("candidates"))
              .order_by("date", "scheme__code", "pk"))
    return [UpcomingEvent(event=event, candidates=event.n_candidates) for event in events]


# --- certificates pending -------------------------------------------------------------------------


@dataclass
class PendingBatch:
    batch: Batch
    count: int


@dataclass
class PendingEvent:
    event: AssessmentEvent
    count: int
    can_issue: bool = False  # whether the viewer may issue them (set by the view: the LSP issues them)


def pending_training(centre: TrainingCentre, year: ProgrammeYear | None) -> list[PendingBatch]:
    """The year's completed or closed batches of the centre with completed participants who have no current
    training certificate, and how many (one query)."""
    if year is None:
        return []
    certified = Certificate.objects.current().filter(kind=CertificateKind.TRAINING, enrolment=OuterRef("pk"))
    waiting = Enrolment.objects.filter(batch=OuterRef("pk"), status=EnrolmentStatus.COMPLETED).filter(
        ~Exists(certified))
    batches = (Batch.objects.filter(centre=centre, programme_year=year, status__in=ISSUING_STATUSES)
               .annotate(pending=_count(waiting, "batch")).filter(pending__gt=0)
               .select_related("package", "programme_year").order_by("end_date", "package__name", "number"))
    return [PendingBatch(batch=batch, count=batch.pending) for batch in batches]


def pending_competency(centre: TrainingCentre) -> list[PendingEvent]:
    """The centre's assessment events with approved Kompeten candidates who have no current competency
    certificate, and how many (one query)."""
    certified = Certificate.objects.current().filter(assessment=OuterRef("pk"))
    waiting = Assessment.objects.competent().filter(event=OuterRef("pk")).filter(~Exists(certified))
    events = (AssessmentEvent.objects.filter(centre=centre)
              .annotate(pending=_count(waiting, "event")).filter(pending__gt=0)
              .select_related("scheme", "tuk", "lsp").order_by("date", "scheme__code", "pk"))
    return [PendingEvent(event=event, count=event.pending) for event in events]


# --- the whole page -------------------------------------------------------------------------------


@dataclass
class CentreDashboard:
    centre: TrainingCentre
    year: ProgrammeYear | None
    today: datetime.date
    batches: list[BatchRow] = field(default_factory=list)
    running: list[RunningBatch] = field(default_factory=list)
    alerts: list[AttendanceAlert] = field(default_factory=list)
    events: list[UpcomingEvent] = field(default_factory=list)
    pending_training: list[PendingBatch] = field(default_factory=list)
    pending_competency: list[PendingEvent] = field(default_factory=list)

    @property
    def groups(self) -> list[BatchGroup]:
        return group_by_status(self.batches)

    @property
    def seats(self) -> tuple[int, int]:
        """Seats filled and offered in the year's batches that are not cancelled."""
        rows = [r for r in self.batches if r.batch.status != BatchStatus.CANCELLED]
        return sum(r.filled for r in rows), sum(r.capacity for r in rows)

    @property
    def seats_filled(self) -> int:
        return self.seats[0]

    @property
    def seats_offered(self) -> int:
        return self.seats[1]

    @property
    def seats_percent(self) -> int | None:
        filled, offered = self.seats
        return min(round(100 * filled / offered), 100) if offered else None

    @property
    def pending_training_total(self) -> int:
        return sum(p.count for p in self.pending_training)

    @property
    def pending_competency_total(self) -> int:
        return sum(p.count for p in self.pending_competency)

    @property
    def pending_total(self) -> int:
        return self.pending_training_total + self.pending_competency_total


def centre_dashboard(centre: TrainingCentre, year: ProgrammeYear | None, *, today: datetime.date) -> CentreDashboard:
    """Everything the centre dashboard shows, in six queries whatever the number of batches or participants."""
    running = running_batches(centre, today=today)
    alerts = attendance_alerts(centre, today=today)
    per_batch: dict[int, int] = {}
    for alert in alerts:
        per_batch[alert.batch.pk] = per_batch.get(alert.batch.pk, 0) + 1
    for item in running:
        item.alerts = per_batch.get(item.batch.pk, 0)
    return CentreDashboard(
        centre=centre, year=year, today=today, batches=year_batches(centre, year), running=running, alerts=alerts,
        events=upcoming_events(centre, today=today), pending_training=pending_training(centre, year),
        pending_competency=pending_competency(centre))
