"""State changes of selection: rounds, applications, the allocation, offers and the reserve list.

Every function here is what the views, the CLI, the API and periodic tasks call. Seats are only
ever taken under the batch lock of docs/algorithms/locking.md: an open offer holds a seat, and so
does an enrolment; availability is counted from those rows.
"""

import datetime
import hashlib
import secrets
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import build, record
from kompeten.core.errors import DomainError
from kompeten.programmes.models import Batch, BatchStatus
from kompeten.programmes.services import ENROLLING_STATUSES
from kompeten.registry.documents import document_kinds, missing_from
from kompeten.registry.models import Person
from kompeten.reporting.refresh import mark_stale
from kompeten.selection import notifications
from kompeten.selection.allocation import allocate_round
from kompeten.selection.models import (
    MAX_CHOICES,
    Application,
    ApplicationStatus,
    Choice,
    Offer,
    OfferStatus,
    RoundBatch,
    RoundStatus,
    SelectionRound,
)
from kompeten.selection.rules import closing_digest, ineligibility, reason_text
from kompeten.training.models import Enrolment, EnrolmentSource
from kompeten.training.services import enrol, seats_free, withdraw

MESSAGES = {
    "round_not_open": _("This selection round does not take applications now."),
    "already_applied": _("You have already applied in this round."),
    "no_choices": _("Choose at least one batch."),
    "too_many_choices": _("Choose at most %(max)s batches."),
    "duplicate_choice": _("Each batch may be chosen only once."),
    "batch_not_in_round": _("This batch is not part of the round."),
    "not_eligible": _("You cannot apply for %(batch)s: %(reasons)s"),
    "invalid_round_transition": _("A round that is %(current)s cannot become %(target)s."),
    "offer_not_open": _("This offer is no longer open."),
    "offer_expired": _("This offer expired on %(when)s."),
    "round_has_no_batches": _("Add at least one open batch to the round first."),
    "round_locked": _("This can no longer change in a round that is %(status)s."),
    "reserves_exceed_seats": _("The reserved seats (%(reserved)s) are more than the batch's %(seats)s seats."),
    "stage_not_used": _("This round has no such selection stage."),
    "stage_value_invalid": _("A score is a whole number from 0 to 100."),
}

# Which round statuses allow which changes.
BATCHES_EDITABLE = {RoundStatus.DRAFT, RoundStatus.OPEN, RoundStatus.CLOSED}
STAGES_EDITABLE = {RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.ALLOCATED}


def _require_status(round_: SelectionRound, allowed) -> None:
    if round_.status not in allowed:
        raise DomainError("round_locked", MESSAGES["round_locked"], status=RoundStatus(round_.status).label)

ROUND_TRANSITIONS = {
    RoundStatus.DRAFT: {RoundStatus.OPEN},
    RoundStatus.OPEN: {RoundStatus.CLOSED},
    RoundStatus.CLOSED: {RoundStatus.ALLOCATED, RoundStatus.OPEN},
    RoundStatus.ALLOCATED: {RoundStatus.ALLOCATED, RoundStatus.PUBLISHED, RoundStatus.CLOSED},
    RoundStatus.PUBLISHED: {RoundStatus.FINISHED},
    RoundStatus.FINISHED: set(),
}


def _transition(round_: SelectionRound, to: str, *, by, note=""):
    if to not in ROUND_TRANSITIONS[round_.status]:
        raise DomainError("invalid_round_transition", MESSAGES["invalid_round_transition"],
                          current=RoundStatus(round_.status).label, target=RoundStatus(to).label)
    before, round_.status = round_.status, to
    round_.save()
    record(AuditEntry.Action.TRANSITION, round_, by=by, changes={"status": [before, to]}, note=note)


# Rounds -------------------------------------------------------------------------------------------

@transaction.atomic
def create_round(*, programme_year, name, centres, opens_at, closes_at, results_at, rules, by, batches=(),
                 offer_days=3, uses_document_check=True, uses_test=False, uses_interview=False) -> SelectionRound:
    round_ = SelectionRound.objects.create(
        programme_year=programme_year, name=name, opens_at=opens_at, closes_at=closes_at, results_at=results_at,
        rules=list(rules), offer_days=offer_days, uses_document_check=uses_document_check, uses_test=uses_test,
        uses_interview=uses_interview,
    )
    round_.centres.set(centres)
    record(AuditEntry.Action.CREATE, round_, by=by, changes={"rules": [None, list(rules)]})
    for batch in batches:
        add_batch(round_, batch, by=by)
    return round_


@transaction.atomic
def add_batch(round_: SelectionRound, batch: Batch, *, by, reserves=None) -> RoundBatch:
    """Offer a batch in a round with the seats it has free now (and reserved seats per group)."""
    _require_status(round_, BATCHES_EDITABLE)
    round_batch, created = RoundBatch.objects.get_or_create(round=round_, batch=batch,
                                                            defaults={"seats": seats_free(batch)})
    if created:
        record(AuditEntry.Action.CREATE, round_batch, by=by, changes={"batch": [None, batch.pk],
                                                                      "seats": [None, round_batch.seats]})
    if reserves is not None:
        set_reserves(round_batch, reserves, by=by)
    return round_batch


@transaction.atomic
def set_reserves(round_batch: RoundBatch, reserves: dict[str, int], *, by) -> RoundBatch:
    """Seats of a batch reserved for groups ("women", "disability", "regency:64.74"); audited."""
    _require_status(round_batch.round, BATCHES_EDITABLE)
    reserves = {group: int(seats) for group, seats in reserves.items() if int(seats) > 0}
    if sum(reserves.values()) > round_batch.seats:
        raise DomainError("reserves_exceed_seats", MESSAGES["reserves_exceed_seats"],
                          reserved=sum(reserves.values()), seats=round_batch.seats)
    if reserves != round_batch.reserves:
        record(AuditEntry.Action.UPDATE, round_batch, by=by, changes={"reserves": [round_batch.reserves, reserves]})
        round_batch.reserves = reserves
        round_batch.save(update_fields=["reserves"])
    return round_batch


@transaction.atomic
def open_round(round_: SelectionRound, *, by) -> SelectionRound:
    """Open registration; the lottery seed is drawn now and only its SHA-256 is published."""
    if not round_.round_batches.exists():
        raise DomainError("round_has_no_batches", MESSAGES["round_has_no_batches"])
    if not round_.seed:
        round_.seed = secrets.token_hex(32)
    if not round_.seed_hash:
        round_.seed_hash = hashlib.sha256(round_.seed.encode()).hexdigest()
    _transition(round_, RoundStatus.OPEN, by=by, note=f"seed sha256 {round_.seed_hash}")
    return round_


@transaction.atomic
def close_round(round_: SelectionRound, *, by) -> SelectionRound:
    """Close registration; the applications in the round from now on fix the lottery's closing digest."""
    refs = round_.applications.exclude(status=ApplicationStatus.WITHDRAWN).values_list("public_ref", flat=True)
    round_.closing_digest = closing_digest(refs)
    _transition(round_, RoundStatus.CLOSED, by=by, note=f"closing digest {round_.closing_digest}")
    return round_


@transaction.atomic
def finish_round(round_: SelectionRound, *, by) -> SelectionRound:
    """No more offers from the reserve list; offers already made keep their deadline."""
    _transition(round_, RoundStatus.FINISHED, by=by)
    return round_


# Applications -------------------------------------------------------------------------------------

def person_in_training(person: Person) -> bool:
    return Enrolment.objects.filter(person=person).active().exists()


@transaction.atomic
def apply(round_: SelectionRound, person: Person, batch_ids: list[int], *, by, now=None) -> Application:
    """A job seeker's application: up to five batches in order of preference, each one eligible."""
    now = now or timezone.now()
    if round_.status != RoundStatus.OPEN or not (round_.opens_at <= now <= round_.closes_at):
        raise DomainError("round_not_open", MESSAGES["round_not_open"])
    if Application.objects.filter(round=round_, person=person).exists():
        raise DomainError("already_applied", MESSAGES["already_applied"])
    if not batch_ids:
        raise DomainError("no_choices", MESSAGES["no_choices"])
    if len(batch_ids) > MAX_CHOICES:
        raise DomainError("too_many_choices", MESSAGES["too_many_choices"], max=MAX_CHOICES)
    if len(set(batch_ids)) != len(batch_ids):
        raise DomainError("duplicate_choice", MESSAGES["duplicate_choice"])
    in_round = {rb.batch_id: rb.batch for rb in round_.round_batches.select_related(
        "batch__package__min_education", "batch__package__max_education", "batch__package__domicile",
        "batch__centre")}
    in_training = person_in_training(person)
    kinds = document_kinds([person.pk]).get(person.pk, set())
    for batch_id in batch_ids:
        batch = in_round.get(batch_id)
        if batch is None:
            raise DomainError("batch_not_in_round", MESSAGES["batch_not_in_round"])
        missing = missing_from(kinds, batch.package.required_documents)
        reasons = ineligibility(person, batch, in_training=in_training, missing_documents=missing)
        if reasons:
            raise DomainError("not_eligible", MESSAGES["not_eligible"], batch=str(batch), reasons=" ".join(
                reason_text(code, batch.package, missing_documents=missing) for code in reasons),
                              reason_codes=reasons)
    application = Application.objects.create(round=round_, person=person, submitted_at=now)
    Choice.objects.bulk_create(Choice(application=application, rank=rank, batch_id=batch_id)
                               for rank, batch_id in enumerate(batch_ids, start=1))
    record(AuditEntry.Action.CREATE, application, by=by, changes={"choices": [None, list(batch_ids)]})
    return application


@transaction.atomic
def withdraw_application(application: Application, *, by) -> Application:
    if application.round.status != RoundStatus.OPEN:  # after closing, the set of applications is fixed
        raise DomainError("round_not_open", MESSAGES["round_not_open"])
    before, application.status = application.status, ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    record(AuditEntry.Action.TRANSITION, application, by=by, changes={"status": [before, application.status]})
    return application


STAGES = {"documents": "documents_ok", "test": "test_score", "interview": "interview_score"}


@transaction.atomic
def record_stage(application: Application, stage: str, value, *, by) -> Application:
    """An operator's result of a selection stage (document check, written test, interview), with who and when."""
    round_ = application.round
    used = {"documents": round_.uses_document_check, "test": round_.uses_test, "interview": round_.uses_interview}
    if not used.get(stage):
        raise DomainError("stage_not_used", MESSAGES["stage_not_used"])
    _require_status(round_, STAGES_EDITABLE)
    if stage != "documents" and not (isinstance(value, int) and 0 <= value <= 100):
        raise DomainError("stage_value_invalid", MESSAGES["stage_value_invalid"])
    if round_.status == RoundStatus.ALLOCATED:  # the stored result no longer holds: allocate again
        _transition(round_, RoundStatus.CLOSED, by=by, note="stage result changed after allocation")
    field = STAGES[stage]
    before = getattr(application, field)
    setattr(application, field, value)
    setattr(application, f"{stage}_by", by)
    setattr(application, f"{stage}_at", timezone.now())
    application.save(update_fields=[field, f"{stage}_by", f"{stage}_at"])
    record(AuditEntry.Action.UPDATE, application, by=by, changes={field: [before, value]})
    return application


# Allocation ---------------------------------------------------------------------------------------

@transaction.atomic
def run_allocation(round_: SelectionRound, *, by) -> dict:
    """Allocate the round's seats (see allocation.py) and store the result; it is not published yet."""
    if round_.status not in (RoundStatus.CLOSED, RoundStatus.ALLOCATED):
        raise DomainError("invalid_round_transition", MESSAGES["invalid_round_transition"],
                          current=RoundStatus(round_.status).label, target=RoundStatus.ALLOCATED.label)
    # Seats taken since the batches joined the round (an operator's direct enrolment, another round's
    # offers) are no longer free: the allocation uses what is free now, counted under the batch locks.
    for round_batch in round_.round_batches.select_related("batch").order_by("batch_id"):
        batch = Batch.objects.select_for_update().get(pk=round_batch.batch_id)
        free = _free_for_round(batch)
        if free < round_batch.seats:
            reserves = _capped_reserves(round_batch.reserves, free)
            record(AuditEntry.Action.UPDATE, round_batch, by=by, changes={
                "seats": [round_batch.seats, free], "reserves": [round_batch.reserves, reserves]})
            round_batch.seats, round_batch.reserves = free, reserves
            round_batch.save(update_fields=["seats", "reserves"])
    summary = allocate_round(round_, save=True)
    round_.allocated_at = timezone.now()
    _transition(round_, RoundStatus.ALLOCATED, by=by, note=f"{summary['admitted']} admitted")
    return summary


@transaction.atomic
def publish(round_: SelectionRound, *, by, now=None) -> int:
    """Publish the results: every admitted applicant gets a time-limited offer; the seed is revealed."""
    now = now or timezone.now()
    _transition(round_, RoundStatus.PUBLISHED, by=by)
    round_.seed_revealed = True
    round_.published_at = now
    round_.save(update_fields=["seed_revealed", "published_at"])
    expires = now + datetime.timedelta(days=round_.offer_days)
    admitted = defaultdict(list)
    for application in (round_.applications.filter(status=ApplicationStatus.ADMITTED)
                        .select_related("assigned_choice")):
        admitted[application.assigned_choice.batch_id].append(application)
    offers, bumped = [], []
    for batch_id in sorted(admitted):  # the seat locks, in ascending order
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        ranked = sorted(admitted[batch_id], key=lambda a: ([-v for v in a.assigned_choice.priority], a.lottery))
        free = _free_for_round(batch)
        offers += [Offer(application=a, batch_id=batch_id, expires_at=expires) for a in ranked[:free]]
        bumped += ranked[free:]  # never overbook: seats taken since the allocation are gone
    Offer.objects.bulk_create(offers)
    for application in bumped:
        application.status, application.assigned_choice, application.seat_category = (
            ApplicationStatus.NOT_ADMITTED, None, "")
    Application.objects.bulk_update(bumped, ["status", "assigned_choice", "seat_category"])
    mark_stale([o.application.person_id for o in offers] + [a.person_id for a in bumped])  # bulk: no signals
    AuditEntry.objects.bulk_create(
        [build(AuditEntry.Action.CREATE, o, by=by, object_label=f"offer {o.application_id} → {o.batch_id}",
               changes={"batch": [None, o.batch_id]}) for o in offers]
        + [build(AuditEntry.Action.TRANSITION, a, by=by, object_label=f"application {a.pk}", note="seat taken",
                 changes={"status": ["admitted", "not_admitted"]}) for a in bumped], batch_size=1000)
    related = ("person", "round", "assigned_choice__batch__package", "assigned_choice__batch__programme_year")
    for application in round_.applications.select_related(*related).exclude(status=ApplicationStatus.WITHDRAWN):
        notifications.result_published(application)
    return len(offers)


def _free_for_round(batch: Batch) -> int:
    """Seats a round may give in a batch: none once the batch no longer takes participants (cancelled …)."""
    return seats_free(batch) if batch.status in ENROLLING_STATUSES else 0


def _capped_reserves(reserves: dict, seats: int) -> dict:
    """Reserved seats cut down to fit fewer seats: the last categories in the filling order give way first."""
    from kompeten.selection.allocation import RESERVE_PRECEDENCE

    order = [g for g in RESERVE_PRECEDENCE if g in reserves] + sorted(set(reserves) - set(RESERVE_PRECEDENCE))
    capped, left = {}, seats
    for group in order:
        capped[group] = min(reserves[group], left)
        left -= capped[group]
    return {g: n for g, n in capped.items() if n}


@transaction.atomic
def release_offers_of(batch: Batch, *, by, now=None) -> int:
    """A batch no longer takes participants (cancelled): its open offers are given back, so that their
    applicants return to the reserve lists of their other choices."""
    now = now or timezone.now()
    offers = list(Offer.objects.select_for_update().filter(batch=batch, status=OfferStatus.OPEN))
    for offer in offers:
        offer.status, offer.answered_at = OfferStatus.RELEASED, now
    Offer.objects.bulk_update(offers, ["status", "answered_at"])
    mark_stale(Application.objects.filter(offers__in=offers).values_list("person_id", flat=True))
    AuditEntry.objects.bulk_create(build(AuditEntry.Action.TRANSITION, o, by=by, note="batch cancelled",
                                         changes={"status": ["open", "released"]}) for o in offers)
    return len(offers)


# Offers -------------------------------------------------------------------------------------------

def _lock_offer(offer: Offer) -> tuple[Offer, Batch]:
    batch = Batch.objects.select_for_update().get(pk=offer.batch_id)  # the seat lock first
    offer = Offer.objects.select_for_update().select_related("application__person").get(pk=offer.pk)
    return offer, batch


@transaction.atomic
def accept_offer(offer: Offer, *, by, now=None) -> Enrolment:
    """Daftar ulang: the offer's held seat becomes an enrolment.

    An applicant who moves up to a better choice from the reserve list gives back the seat they held
    in the round (an open offer, or an enrolment in a batch that has not started); it goes on to that
    batch's reserve list.
    """
    now = now or timezone.now()
    rank_of = dict(Choice.objects.filter(application_id=offer.application_id).values_list("batch_id", "rank"))
    held = [other for other in Offer.objects.filter(application_id=offer.application_id, status__in=[
        OfferStatus.OPEN, OfferStatus.ACCEPTED]).exclude(pk=offer.pk).select_related("application", "batch")
        if rank_of.get(other.batch_id, 0) > rank_of.get(offer.batch_id, 0)]  # only seats they like less
    for batch_id in sorted({offer.batch_id, *[h.batch_id for h in held]}):  # the seat locks, ascending
        Batch.objects.select_for_update().get(pk=batch_id)
    offer, batch = _lock_offer(offer)
    if offer.status != OfferStatus.OPEN:
        raise DomainError("offer_not_open", MESSAGES["offer_not_open"])
    if offer.expires_at < now:
        raise DomainError("offer_expired", MESSAGES["offer_expired"], when=timezone.localtime(offer.expires_at)
                          .strftime("%d-%m-%Y %H.%M"))
    offer.status, offer.answered_at = OfferStatus.ACCEPTED, now
    offer.save(update_fields=["status", "answered_at"])
    record(AuditEntry.Action.TRANSITION, offer, by=by, changes={"status": ["open", "accepted"]})
    released = [_give_back(other, by=by, now=now) for other in held]
    source = EnrolmentSource.RESERVE if offer.from_reserve_list else EnrolmentSource.SELECTION
    enrolment = enrol(batch, offer.application.person, by=by, source=source)
    for other_batch in released:
        offer_next(other_batch, by=by, now=now)
    return enrolment


def _give_back(offer: Offer, *, by, now) -> Batch:
    """Release a seat held through ``offer`` (the applicant took a better one); returns its batch."""
    before = offer.status
    if offer.status == OfferStatus.ACCEPTED:
        enrolment = Enrolment.objects.filter(batch_id=offer.batch_id, person_id=offer.application.person_id,
                                             status="enrolled").first()
        if enrolment is not None:
            withdraw(enrolment, by=by, note="moved to a higher choice")
    offer.status = OfferStatus.RELEASED
    if before == OfferStatus.OPEN:
        offer.answered_at = now  # an accepted offer keeps the time of its daftar ulang
    offer.save(update_fields=["status", "answered_at"])
    record(AuditEntry.Action.TRANSITION, offer, by=by, changes={"status": [before, offer.status]})
    return offer.batch


@transaction.atomic
def decline_offer(offer: Offer, *, by, now=None) -> Offer:
    now = now or timezone.now()
    offer, batch = _lock_offer(offer)
    if offer.status != OfferStatus.OPEN:
        raise DomainError("offer_not_open", MESSAGES["offer_not_open"])
    offer.status, offer.answered_at = OfferStatus.DECLINED, now
    offer.save(update_fields=["status", "answered_at"])
    record(AuditEntry.Action.TRANSITION, offer, by=by, changes={"status": ["open", "declined"]})
    offer_next(batch, by=by, now=now)
    return offer


def reserve_list(round_batch: RoundBatch) -> list[Choice]:
    """Applicants who would rather have this batch than what they hold, in the round's priority order.

    That is everyone who chose it (and was eligible) and has had no offer for it, unless they hold a
    seat of the round in a batch they ranked higher, or declined or let expire a seat of the round
    (they are out of the round). Reserved categories play no part here: a freed seat goes to the next
    applicant by priority.
    """
    choices = (Choice.objects.filter(application__round=round_batch.round, batch=round_batch.batch, eligible=True,
                                     application__status__in=[ApplicationStatus.ADMITTED,
                                                              ApplicationStatus.NOT_ADMITTED])
               .select_related("application__person").prefetch_related("application__offers__batch",
                                                                        "application__choices"))

    def waiting(choice) -> bool:
        application = choice.application
        rank_of = {c.batch_id: c.rank for c in application.choices.all()}
        for offer in application.offers.all():
            if offer.batch_id == choice.batch_id or offer.status in (OfferStatus.DECLINED, OfferStatus.EXPIRED):
                return False  # had their chance at this batch, or turned the round down
            holds = offer.status in (OfferStatus.OPEN, OfferStatus.ACCEPTED)
            if holds and rank_of.get(offer.batch_id, 0) < choice.rank:
                return False  # holds a seat they like better
            if offer.status == OfferStatus.ACCEPTED and offer.batch.status not in (BatchStatus.OPEN,
                                                                                  BatchStatus.SELECTING):
                return False  # in a batch that has started: a participant is not moved
        return True

    return sorted(filter(waiting, choices), key=lambda c: ([-v for v in c.priority], c.application.lottery))


@transaction.atomic
def offer_next(batch: Batch, *, by, now=None) -> list[Offer]:
    """Offer free seats of a batch to the next applicants of its reserve list, in priority order."""
    now = now or timezone.now()
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (BatchStatus.OPEN, BatchStatus.SELECTING, BatchStatus.RUNNING):
        return []
    made = []
    for round_batch in RoundBatch.objects.filter(batch=batch, round__status=RoundStatus.PUBLISHED).select_related(
            "round"):
        free = seats_free(batch)
        for choice in reserve_list(round_batch)[:max(free, 0)]:
            offer = Offer.objects.create(application=choice.application, batch=batch, from_reserve_list=True,
                                         expires_at=now + datetime.timedelta(days=round_batch.round.offer_days))
            record(AuditEntry.Action.CREATE, offer, by=by, note="reserve list")
            notifications.offer_made(offer)
            made.append(offer)
    return made


def expire_offers(*, now=None, by=None) -> int:
    """Periodic: close offers past their deadline and pass their seats on to the reserve list."""
    now = now or timezone.now()
    expired = 0
    for offer in Offer.objects.filter(status=OfferStatus.OPEN, expires_at__lt=now).order_by("id"):
        with transaction.atomic():
            offer, batch = _lock_offer(offer)
            if offer.status != OfferStatus.OPEN:
                continue
            offer.status, offer.answered_at = OfferStatus.EXPIRED, now
            offer.save(update_fields=["status", "answered_at"])
            AuditEntry.objects.bulk_create([build(AuditEntry.Action.TRANSITION, offer, by=by,
                                                  changes={"status": ["open", "expired"]})])
            expired += 1
            offer_next(batch, by=by, now=now)
    return expired


def applications_of(person: Person):
    return (Application.objects.filter(person=person).select_related("round", "assigned_choice__batch__package")
            .prefetch_related("choices__batch__package", "offers").order_by("-submitted_at"))


