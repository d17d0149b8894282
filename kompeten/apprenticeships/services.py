"""The rules of apprenticeship (pemagangan), called alike by views, the API, the CLI and the demo.

Company: registers itself (pending) → verified by the province → may post offers.
Offer: draft → submitted (Permenaker 6/2020 limits checked) → approved by the competent authority (recorded)
or rejected → closed. Applications: a candidate ranks offers of an open round; the company accepts, rejects or
ranks its applicants. Matching: matching.py. Placement (the agreement): draft → signed → active ⇄ paused →
stopped (with a reason) or completed (the company's final assessment; a certificate of apprenticeship when
passed). A change of company stops the placement and opens a new one linked to it.

Every refusal is a DomainError with a stable code (MESSAGES); every change writes an AuditEntry.
"""

from __future__ import annotations

import datetime
import hashlib
import posixpath
import uuid

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships import rules
from kompeten.apprenticeships.models import (
    OPEN_STATUSES,
    STARTED_STATUSES,
    Application,
    CandidatePool,
    Company,
    CompanyDecision,
    CompanyStatus,
    LogbookEntry,
    MatchingRound,
    Mentor,
    MonitoringVisit,
    Offer,
    OfferStatus,
    Placement,
    PlacementEvent,
    PlacementSource,
    PlacementStatus,
    RoundStatus,
)
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.errors import DomainError
from kompeten.registry.documents import EXTENSIONS, recognise
from kompeten.training.models import EnrolmentStatus

MESSAGES = {
    "company_not_verified": _("%(company)s is not verified yet; the province verifies a company before it can "
                              "offer apprenticeships."),
    "company_already_decided": _("%(company)s has already been verified or rejected."),
    "reason_required": _("Give the reason."),
    "nib_taken": _("A company with NIB %(nib)s is already registered."),
    "email_taken": _("An account with the email address %(email)s already exists; log in with it instead."),
    "too_long": _("An apprenticeship lasts at most %(max)s months (Permenaker 6/2020); this one lasts %(months)s."),
    "theory_share": _("Theory must take %(min)s–%(max)s %% of the time (Permenaker 6/2020); this offer has "
                      "%(percent)s %%."),
    "over_quota": _("A company may take apprentices up to %(share)s %% of its employees: %(limit)s for "
                    "%(employees)s employees. This offer's %(slots)s slots and the %(other)s of its other offers in "
                    "the same period make %(total)s."),
    "no_location": _("Choose at least one regency or city where the apprenticeship takes place."),
    "offer_not_draft": _("Only a draft offer can be changed or submitted (status: %(status)s)."),
    "offer_not_submitted": _("Only a submitted offer can be approved or rejected (status: %(status)s)."),
    "offer_not_open": _("This offer is not approved or is closed."),
    "approval_number_required": _("Give the number of the approval letter."),
    "round_not_open": _("Applications to %(round)s are closed."),
    "round_not_in_period": _("Applications to %(round)s are accepted from %(opens)s to %(closes)s."),
    "round_state": _("%(round)s cannot do this now (status: %(status)s)."),
    "too_many_choices": _("Choose at most %(max)s offers."),
    "no_choices": _("Choose at least one offer."),
    "duplicate_choice": _("An offer is chosen twice."),
    "offer_other_round": _("%(offer)s is not an offer of this round."),
    "not_in_pool": _("This round is open to persons who completed a training at a BLK; %(person)s has not "
                     "completed one."),
    "ineligible": _("%(person)s does not meet the requirements of %(offer)s: %(reasons)s."),
    "already_placed": _("%(person)s already has an apprenticeship that is not finished."),
    "decision_locked": _("The round has been matched; decisions can no longer change."),
    "invalid_decision": _("A decision is accept, reject or not decided."),
    "offer_full": _("All %(slots)s slots of %(offer)s are taken."),
    "bad_transition": _("A placement cannot go from %(old)s to %(new)s."),
    "not_your_placement": _("This is not your apprenticeship."),
    "not_running": _("The apprenticeship is not running (status: %(status)s)."),
    "week_outside": _("The week of %(week)s is outside the apprenticeship (%(start)s to %(end)s) or in the future."),
    "week_confirmed": _("The mentor has confirmed this week; it cannot be changed."),
    "hours_negative": _("Hours cannot be negative."),
    "hours_too_many": _("%(hours)s hours in one week is more than a week holds (at most 60)."),
    "activities_required": _("Describe what you did and learned this week."),
    "not_mentor": _("Only the company's mentors and users confirm the logbook."),
    "already_assessed": _("The final assessment has been recorded."),
    "score_range": _("The score is between 0 and 100."),
    "transfer_same_company": _("A change of company needs an offer of another company."),
    "findings_required": _("Write down what the visit found."),
    "visit_in_future": _("The visit cannot be on a future date."),
    "mentor_other_company": _("%(mentor)s is not a mentor of %(company)s."),
}

# Which placement statuses may follow which (completion goes through ``complete``).
TRANSITIONS = {
    PlacementStatus.DRAFT: {PlacementStatus.SIGNED, PlacementStatus.STOPPED},
    PlacementStatus.SIGNED: {PlacementStatus.ACTIVE, PlacementStatus.STOPPED},
    PlacementStatus.ACTIVE: {PlacementStatus.PAUSED, PlacementStatus.STOPPED},
    PlacementStatus.PAUSED: {PlacementStatus.ACTIVE, PlacementStatus.STOPPED},
}
NEEDS_REASON = {PlacementStatus.PAUSED, PlacementStatus.STOPPED}
MAX_WEEK_HOURS = 60


def _error(code: str, **params) -> DomainError:
    return DomainError(code, MESSAGES[code], **params)


def _date(day: datetime.date) -> str:
    return day.strftime("%d-%m-%Y")


def _user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


# --- companies ------------------------------------------------------------------------------------


@transaction.atomic
def register_company(*, company: dict, kbli_codes=(), full_name: str, email: str, password: str,
                     request=None) -> tuple[Company, User]:
    """A company registers itself with its first user (who becomes its company user); it waits for the province
    to verify it."""
    nib = (company.get("nib") or "").strip()
    if nib and Company.objects.filter(nib=nib).exists():
        raise _error("nib_taken", nib=nib)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise _error("email_taken", email=email)
    new = Company(**{**company, "nib": nib, "status": CompanyStatus.PENDING})
    new.save()
    if kbli_codes:
        new.kbli_codes.set(kbli_codes)
    user = User.objects.create_user(email, password, full_name=full_name)
    Membership.objects.create(user=user, role=Role.COMPANY_USER, company=new)
    record(AuditEntry.Action.CREATE, new, by=user, note="company registered itself", request=request)
    return new, user


@transaction.atomic
def verify_company(company: Company, *, by, note: str = "", request=None) -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.status == CompanyStatus.VERIFIED:
        raise _error("company_already_decided", company=company.name)
    old = company.status
    company.status, company.status_note = CompanyStatus.VERIFIED, note.strip()[:255]
    company.verified_by, company.verified_at = _user(by), timezone.now()
    company.save(update_fields=["status", "status_note", "verified_by", "verified_at"])
    record(AuditEntry.Action.TRANSITION, company, by=by, changes={"status": [old, company.status]}, request=request)
    return company


@transaction.atomic
def reject_company(company: Company, *, reason: str, by, request=None) -> Company:
    reason = reason.strip()
    if not reason:
        raise _error("reason_required")
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.status != CompanyStatus.PENDING:
        raise _error("company_already_decided", company=company.name)
    company.status, company.status_note = CompanyStatus.REJECTED, reason[:255]
    company.save(update_fields=["status", "status_note"])
    record(AuditEntry.Action.TRANSITION, company, by=by, changes={"status": [CompanyStatus.PENDING, company.status]},
           note=reason[:255], request=request)
    return company


def add_mentor(company: Company, *, name: str, position: str = "", phone: str = "", email: str = "", user=None,
               by, request=None) -> Mentor:
    mentor = Mentor.objects.create(company=company, name=name.strip(), position=position.strip(), phone=phone,
                                   email=email, user=user)
    record(AuditEntry.Action.CREATE, mentor, by=by, request=request)
    return mentor


# --- offers ---------------------------------------------------------------------------------------


def other_slots(company: Company, start: datetime.date, end: datetime.date, *, exclude=None) -> int:
    """The slots of the company's other current offers (submitted or approved) whose period overlaps."""
    total = 0
    offers = company.offers.filter(status__in=[OfferStatus.SUBMITTED, OfferStatus.APPROVED])
    if exclude is not None:
        offers = offers.exclude(pk=exclude)
    for offer in offers.only("start_date", "months", "slots"):
        if rules.overlaps(start, end, offer.start_date, offer.end_date):
            total += offer.slots
    return total


def offer_problems(company: Company, *, slots: int, start_date: datetime.date, months: int, theory_percent: int,
                   exclude=None) -> list[tuple[str, DomainError]]:
    """(field, error) for every Permenaker 6/2020 limit the offer would break; empty when it is within them."""
    end = rules.end_date(start_date, months)
    problems = rules.check_offer(employees=company.employees, slots=slots, months=months,
                                 theory_percent=theory_percent,
                                 other_slots=other_slots(company, start_date, end, exclude=exclude))
    result = []
    for problem in problems:
        params = dict(problem.params)
        if problem.code == "over_quota":
            params["total"] = params["slots"] + params["other"]
        result.append((problem.field, _error(problem.code, **params)))
    return result


def _check_limits(offer: Offer) -> None:
    problems = offer_problems(offer.company, slots=offer.slots, start_date=offer.start_date, months=offer.months,
                              theory_percent=offer.theory_percent, exclude=offer.pk)
    if problems:
        raise problems[0][1]
    if not offer.locations.exists():
        raise _error("no_location")


@transaction.atomic
def submit_offer(offer: Offer, *, by, request=None) -> Offer:
    """The company sends a draft offer for approval, within the limits."""
    offer = Offer.objects.select_for_update().select_related("company").get(pk=offer.pk)
    Company.objects.select_for_update().get(pk=offer.company_id)  # the 20 % counts all offers: one at a time
    if not offer.company.is_verified:
        raise _error("company_not_verified", company=offer.company.name)
    if offer.status != OfferStatus.DRAFT:
        raise _error("offer_not_draft", status=offer.get_status_display())
    _check_limits(offer)
    offer.status = OfferStatus.SUBMITTED
    offer.save(update_fields=["status"])
    record(AuditEntry.Action.TRANSITION, offer, by=by, changes={"status": ["draft", "submitted"]}, request=request)
    return offer


@transaction.atomic
def approve_offer(offer: Offer, *, by, approval_number: str, matching_round=None, request=None) -> Offer:
    """Record the approval of the competent authority (decided by where the apprenticeship takes place)."""
    approval_number = approval_number.strip()
    if not approval_number:
        raise _error("approval_number_required")
    offer = Offer.objects.select_for_update().select_related("company").get(pk=offer.pk)
    Company.objects.select_for_update().get(pk=offer.company_id)
    if offer.status != OfferStatus.SUBMITTED:
        raise _error("offer_not_submitted", status=offer.get_status_display())
    if not offer.company.is_verified:
        raise _error("company_not_verified", company=offer.company.name)
    if matching_round is not None and matching_round.status != RoundStatus.OPEN:
        raise _error("round_not_open", round=matching_round.name)
    _check_limits(offer)
    level, code = rules.authority_for(offer.locations.values_list("code", flat=True))
    offer.status, offer.authority, offer.authority_region_id = OfferStatus.APPROVED, level, code or None
    offer.approval_number = approval_number[:80]
    offer.decided_by, offer.decided_at = _user(by), timezone.now()
    if matching_round is not None:
        offer.matching_round = matching_round
    offer.save()
    record(AuditEntry.Action.TRANSITION, offer, by=by, changes={"status": ["submitted", "approved"],
           "authority": [None, level]}, note=f"approval {approval_number}"[:255], request=request)
    return offer


@transaction.atomic
def reject_offer(offer: Offer, *, reason: str, by, request=None) -> Offer:
    reason = reason.strip()
    if not reason:
        raise _error("reason_required")
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != OfferStatus.SUBMITTED:
        raise _error("offer_not_submitted", status=offer.get_status_display())
    offer.status, offer.decision_note = OfferStatus.REJECTED, reason[:255]
    offer.decided_by, offer.decided_at = _user(by), timezone.now()
    offer.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    record(AuditEntry.Action.TRANSITION, offer, by=by, changes={"status": ["submitted", "rejected"]},
           note=reason[:255], request=request)
    return offer


@transaction.atomic
def close_offer(offer: Offer, *, by, request=None) -> Offer:
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    old = offer.status
    if old in (OfferStatus.CLOSED, OfferStatus.REJECTED):
        raise _error("offer_not_open")
    offer.status = OfferStatus.CLOSED
    offer.save(update_fields=["status"])
    record(AuditEntry.Action.TRANSITION, offer, by=by, changes={"status": [old, "closed"]}, request=request)
    return offer


def taken_slots(offer: Offer) -> int:
    """Slots held by placements of the offer that are open or started (a stopped one frees nothing: the
    apprentice used the slot; one stopped before it started, an agreement cancelled, frees it)."""
    return offer.placements.filter(Q(status__in=OPEN_STATUSES + [PlacementStatus.COMPLETED])
                                   | Q(status=PlacementStatus.STOPPED, started_on__isnull=False)).count()


# --- candidates and applications ------------------------------------------------------------------


def completed_training(person) -> bool:
    return person.enrolments.filter(status=EnrolmentStatus.COMPLETED).exists()


def ineligibility(person, offer: Offer, *, today: datetime.date, has_certificate: bool | None = None) -> list[str]:
    """Why ``person`` may not take ``offer`` (codes, empty when they may)."""
    reasons = []
    age = person.age_on(offer.start_date if offer.start_date > today else today)
    if age < offer.min_age:
        reasons.append("too_young")
    if offer.max_age and age > offer.max_age:
        reasons.append("too_old")
    if offer.min_education_id and (person.education_id is None or person.education.order < offer.min_education.order):
        reasons.append("education")
    if offer.require_certificate:
        if has_certificate is None:
            from kompeten.certificates.models import Certificate, CertificateKind

            certs = Certificate.objects.current().filter(person=person, kind=CertificateKind.COMPETENCY)
            if offer.scheme_id:
                certs = certs.filter(scheme_code=offer.scheme.code)
            has_certificate = certs.exists()
        if not has_certificate:
            reasons.append("certificate")
    return reasons


INELIGIBLE_TEXT = {
    "too_young": _("younger than the minimum age"),
    "too_old": _("older than the maximum age"),
    "education": _("education below the minimum"),
    "certificate": _("no competency certificate of the kind wanted"),
    "rejected": _("the company did not accept the application"),
}


def reason_text(codes) -> str:
    return ", ".join(str(INELIGIBLE_TEXT.get(code, code)) for code in codes)


def has_open_placement(person) -> bool:
    return Placement.objects.filter(person=person, status__in=OPEN_STATUSES).exists()


def round_offers(matching_round: MatchingRound):
    return matching_round.offers.filter(status=OfferStatus.APPROVED)


@transaction.atomic
def apply(person, matching_round: MatchingRound, offers: list[Offer], *, by, today=None,
          request=None) -> list[Application]:
    """Set ``person``'s ranked choices in an open round (first = most wanted), replacing earlier ones."""
    today = today or timezone.localdate()
    matching_round = MatchingRound.objects.select_for_update().get(pk=matching_round.pk)
    if matching_round.status != RoundStatus.OPEN:
        raise _error("round_not_open", round=matching_round.name)
    if not matching_round.opens_at <= today <= matching_round.closes_at:
        raise _error("round_not_in_period", round=matching_round.name, opens=_date(matching_round.opens_at),
                     closes=_date(matching_round.closes_at))
    if not offers:
        raise _error("no_choices")
    if len(offers) > matching_round.max_choices:
        raise _error("too_many_choices", max=matching_round.max_choices)
    if len({offer.pk for offer in offers}) != len(offers):
        raise _error("duplicate_choice")
    if matching_round.pool == CandidatePool.TRAINED and not completed_training(person):
        raise _error("not_in_pool", person=person.full_name)
    if has_open_placement(person):
        raise _error("already_placed", person=person.full_name)
    allowed = set(round_offers(matching_round).values_list("pk", flat=True))
    for offer in offers:
        if offer.pk not in allowed:
            raise _error("offer_other_round", offer=offer.title)
        reasons = ineligibility(person, offer, today=today)
        if reasons:
            raise _error("ineligible", person=person.full_name, offer=offer.title, reasons=reason_text(reasons))
    existing = {a.offer_id: a for a in Application.objects.filter(person=person, offer__matching_round=matching_round)}
    kept = []
    Application.objects.filter(person=person, offer__matching_round=matching_round).exclude(
        offer__in=[o.pk for o in offers]).delete()
    for rank, offer in enumerate(offers, start=1):
        application = existing.get(offer.pk)
        if application is None:
            application = Application.objects.create(person=person, offer=offer, rank=rank)
        kept.append(application)
    for rank, application in enumerate(kept, start=1):
        if application.rank != rank:
            application.rank = rank
            application.save(update_fields=["rank"])
    record(AuditEntry.Action.UPDATE, matching_round, by=by, object_label=f"{matching_round} · {person}",
           changes={"choices": [sorted(existing), [o.pk for o in offers]]}, request=request)
    return kept


def _decisions_open(application: Application) -> None:
    matching_round = application.offer.matching_round
    if matching_round is not None and matching_round.status in (RoundStatus.MATCHED, RoundStatus.PUBLISHED):
        raise _error("decision_locked")


@transaction.atomic
def decide(application: Application, *, decision: str, by, note: str = "", request=None) -> Application:
    """The company accepts or rejects an applicant (or takes its decision back)."""
    if decision not in CompanyDecision.values:
        raise _error("invalid_decision")
    # of=self: the round is a nullable (outer) join, which PostgreSQL cannot lock.
    application = Application.objects.select_for_update(of=("self",)).select_related("offer__matching_round").get(
        pk=application.pk)
    _decisions_open(application)
    old = application.decision
    application.decision, application.decision_note = decision, note.strip()[:255]
    if decision != CompanyDecision.ACCEPTED:  # only an acceptable applicant keeps a place in the ranking
        application.company_rank = None
    application.save(update_fields=["decision", "decision_note", "company_rank"])
    record(AuditEntry.Action.UPDATE, application, by=by, changes={"decision": [old, decision]}, request=request)
    return application


@transaction.atomic
def rank_applicants(offer: Offer, ordered: list[Application], *, by, request=None) -> None:
    """The company's own order of its applicants (first = most wanted); the unranked ones follow by the criteria.
    Ranking an applicant accepts them (one rejected earlier too: the ranking is the company's latest word)."""
    offer = Offer.objects.select_for_update(of=("self",)).select_related("matching_round").get(pk=offer.pk)
    if offer.matching_round is not None and offer.matching_round.status in (RoundStatus.MATCHED,
                                                                            RoundStatus.PUBLISHED):
        raise _error("decision_locked")
    ids = [a.pk for a in ordered]
    if len(set(ids)) != len(ids):
        raise _error("duplicate_choice")
    offer.applications.exclude(pk__in=ids).update(company_rank=None)
    for position, application in enumerate(ordered, start=1):
        if application.offer_id != offer.pk:
            raise _error("offer_other_round", offer=offer.title)
        Application.objects.filter(pk=application.pk).update(company_rank=position,
                                                             decision=CompanyDecision.ACCEPTED)
    record(AuditEntry.Action.UPDATE, offer, by=by, changes={"ranking": [None, ids]}, request=request)


def close_round(matching_round: MatchingRound, *, by, request=None) -> MatchingRound:
    return _round_status(matching_round, RoundStatus.OPEN, RoundStatus.CLOSED, by=by, request=request)


def _round_status(matching_round, old, new, *, by, request=None, **fields) -> MatchingRound:
    with transaction.atomic():
        matching_round = MatchingRound.objects.select_for_update().get(pk=matching_round.pk)
        if matching_round.status != old:
            raise _error("round_state", round=matching_round.name, status=matching_round.get_status_display())
        matching_round.status = new
        for name, value in fields.items():
            setattr(matching_round, name, value)
        matching_round.save()
        record(AuditEntry.Action.TRANSITION, matching_round, by=by, changes={"status": [old, new]}, request=request)
    return matching_round


# --- placements -----------------------------------------------------------------------------------


def _agreement_number(company: Company, year: int) -> str:
    """PKS-MAG/<year>/<company>/<n>: the company's n-th agreement of the year (under the company's row lock)."""
    prefix = f"PKS-MAG/{year}/{company.pk:04d}/"
    numbers = Placement.objects.filter(agreement_number__startswith=prefix).values_list("agreement_number",
                                                                                         flat=True)
    # The largest n as a number: as text, "999" sorts after "1000".
    n = max((int(number.rsplit("/", 1)[1]) for number in numbers), default=0) + 1
    return f"{prefix}{n:03d}"


def _new_placement(person, offer: Offer, *, source: str, by, start_date=None, mentor=None, application=None,
                   previous=None, check_slots: bool = True, request=None, note: str = "") -> Placement:
    """Create a placement (agreement drafted). Locks the offer and the company; in a transaction."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    company = Company.objects.select_for_update().get(pk=offer.company_id)
    if offer.status != OfferStatus.APPROVED:
        raise _error("offer_not_open")
    if check_slots and taken_slots(offer) >= offer.slots:
        raise _error("offer_full", slots=offer.slots, offer=offer.title)
    if has_open_placement(person):
        raise _error("already_placed", person=person.full_name)
    if mentor is not None and mentor.company_id != company.pk:
        raise _error("mentor_other_company", mentor=mentor.name, company=company.name)
    if mentor is None:
        mentor = offer.mentors.filter(is_active=True).order_by("pk").first()
    start = start_date or offer.start_date
    end = rules.end_date(offer.start_date, offer.months)
    if end <= start:
        end = rules.end_date(start, 1)
    placement = Placement(person=person, offer=offer, company=company, application=application, source=source,
                          previous=previous, mentor=mentor, start_date=start, end_date=end,
                          agreement_number=_agreement_number(company, start.year), created_by=_user(by))
    placement.save()
    PlacementEvent.objects.create(placement=placement, old_status="", new_status=PlacementStatus.DRAFT,
                                  reason=note[:255], on=timezone.localdate(), by=_user(by))
    record(AuditEntry.Action.CREATE, placement, by=by, note=(note or source)[:255], request=request)
    return placement


@transaction.atomic
def place_direct(person, offer: Offer, *, by, reason: str, start_date=None, mentor=None, today=None,
                 request=None) -> Placement:
    """An officer places a candidate directly (outside a round), with the reason; audited."""
    reason = reason.strip()
    if not reason:
        raise _error("reason_required")
    reasons = ineligibility(person, offer, today=today or timezone.localdate())
    if reasons:
        raise _error("ineligible", person=person.full_name, offer=offer.title, reasons=reason_text(reasons))
    return _new_placement(person, offer, source=PlacementSource.DIRECT, by=by, start_date=start_date, mentor=mentor,
                          request=request, note=f"direct: {reason}")


def _set_status(placement: Placement, new: str, *, by, reason: str = "", on=None, request=None,
                extra_fields=()) -> Placement:
    old = placement.status
    on = on or timezone.localdate()
    placement.status = new
    placement.status_reason = reason[:255]
    fields = ["status", "status_reason", *extra_fields]
    if new == PlacementStatus.ACTIVE and placement.started_on is None:
        placement.started_on = on
        fields.append("started_on")
    if new in (PlacementStatus.STOPPED, PlacementStatus.COMPLETED):
        placement.ended_on = on
        fields.append("ended_on")
    placement.save(update_fields=fields)
    PlacementEvent.objects.create(placement=placement, old_status=old, new_status=new, reason=reason[:255], on=on,
                                  by=_user(by))
    record(AuditEntry.Action.TRANSITION, placement, by=by, changes={"status": [old, new]}, note=reason[:255],
           request=request)
    return placement


@transaction.atomic
def transition(placement: Placement, new: str, *, by, reason: str = "", on=None, request=None) -> Placement:
    """Move a placement along its agreement: signed, started (active), paused, resumed, stopped."""
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if new not in TRANSITIONS.get(placement.status, set()):
        raise _error("bad_transition", old=placement.get_status_display(), new=PlacementStatus(new).label
                     if new in PlacementStatus.values else new)
    reason = reason.strip()
    if new in NEEDS_REASON and not reason:
        raise _error("reason_required")
    return _set_status(placement, new, by=by, reason=reason, on=on, request=request)


@transaction.atomic
def upload_signed_scan(placement: Placement, uploaded_file, *, by, request=None) -> Placement:
    """Keep the scan of the agreement signed by both parties (PDF, JPEG or PNG by content); a draft becomes
    signed."""
    content_type = recognise(uploaded_file)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.status not in OPEN_STATUSES:
        raise _error("not_running", status=placement.get_status_display())
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    placement.signed_scan.save(f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}", uploaded_file, save=False)
    placement.signed_scan_sha256 = digest.hexdigest()
    placement.signed_scan_uploaded_at = timezone.now()
    placement.save(update_fields=["signed_scan", "signed_scan_sha256", "signed_scan_uploaded_at"])
    record(AuditEntry.Action.UPDATE, placement, by=by, changes={"signed_scan": [None, placement.signed_scan_sha256]},
           note=posixpath.basename(uploaded_file.name or "")[:255], request=request)
    if placement.status == PlacementStatus.DRAFT:
        _set_status(placement, PlacementStatus.SIGNED, by=by, reason="signed scan uploaded", request=request)
    return placement


@transaction.atomic
def transfer(placement: Placement, offer: Offer, *, reason: str, by, start_date=None, request=None) -> Placement:
    """A change of company mid-placement: the running placement stops with the reason, a new one (linked to it)
    starts in the other company's offer."""
    reason = reason.strip()
    if not reason:
        raise _error("reason_required")
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.PAUSED, PlacementStatus.SIGNED):
        raise _error("not_running", status=placement.get_status_display())
    if offer.company_id == placement.company_id:
        raise _error("transfer_same_company")
    start = start_date or timezone.localdate()
    _set_status(placement, PlacementStatus.STOPPED, by=by, reason=f"pindah perusahaan: {reason}", on=start,
                request=request)
    return _new_placement(placement.person, offer, source=PlacementSource.TRANSFER, by=by, start_date=start,
                          previous=placement, request=request, note=f"transfer: {reason}")


# --- logbook and monitoring -----------------------------------------------------------------------


def is_mentor_of(user, placement: Placement) -> bool:
    """The company's users and its mentors with an account confirm the logbook."""
    if not user.is_authenticated:
        return False
    return (placement.company_id in user.company_ids
            or placement.company.mentors.filter(user=user, is_active=True).exists())


@transaction.atomic
def write_week(placement: Placement, *, week_start: datetime.date, activities: str, practice_hours: int,
               theory_hours: int, by, today=None, request=None) -> LogbookEntry:
    """The apprentice writes (or rewrites, until confirmed) a week of the logbook."""
    today = today or timezone.localdate()
    placement = Placement.objects.select_for_update().select_related("person").get(pk=placement.pk)
    if placement.person.user_id is None or placement.person.user_id != getattr(by, "pk", None):
        raise _error("not_your_placement")
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.PAUSED):
        raise _error("not_running", status=placement.get_status_display())
    week = rules.week_start(week_start)
    first = rules.week_start(placement.started_on or placement.start_date)
    if week < first or week > rules.week_start(today) or week > placement.end_date:
        raise _error("week_outside", week=_date(week), start=_date(placement.start_date),
                     end=_date(placement.end_date))
    activities = activities.strip()
    if not activities:
        raise _error("activities_required")
    if practice_hours < 0 or theory_hours < 0:
        raise _error("hours_negative")
    if practice_hours + theory_hours > MAX_WEEK_HOURS:
        raise _error("hours_too_many", hours=practice_hours + theory_hours)
    entry = LogbookEntry.objects.filter(placement=placement, week_start=week).first()
    if entry is not None and entry.is_confirmed:
        raise _error("week_confirmed")
    created = entry is None
    if created:
        entry = LogbookEntry(placement=placement, week_start=week)
    entry.activities, entry.practice_hours, entry.theory_hours = activities, practice_hours, theory_hours
    entry.written_at = timezone.now()
    entry.save()
    record(AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE, entry, by=by, request=request)
    return entry


@transaction.atomic
def confirm_week(entry: LogbookEntry, *, by, note: str = "", request=None) -> LogbookEntry:
    entry = LogbookEntry.objects.select_for_update().select_related("placement__company").get(pk=entry.pk)
    if not is_mentor_of(by, entry.placement):
        raise _error("not_mentor")
    if entry.is_confirmed:
        raise _error("week_confirmed")
    entry.confirmed_by, entry.confirmed_at, entry.mentor_note = _user(by), timezone.now(), note.strip()[:255]
    entry.save(update_fields=["confirmed_by", "confirmed_at", "mentor_note"])
    record(AuditEntry.Action.CONFIRM, entry, by=by, request=request)
    return entry


def record_visit(placement: Placement, *, on: datetime.date, kind: str, findings: str, follow_up: str = "", by,
                 today=None, request=None) -> MonitoringVisit:
    if not findings.strip():
        raise _error("findings_required")
    if on > (today or timezone.localdate()):
        raise _error("visit_in_future")
    visit = MonitoringVisit.objects.create(placement=placement, on=on, kind=kind, findings=findings.strip(),
                                           follow_up=follow_up.strip()[:255], by=_user(by))
    record(AuditEntry.Action.CREATE, visit, by=by, request=request)
    return visit


def with_logbook_state(queryset):
    """Annotate placements with ``last_confirmed`` (the latest confirmed week) and ``weeks_written``."""
    from django.db.models import Count

    return queryset.annotate(
        last_confirmed=Max("logbook__week_start", filter=Q(logbook__confirmed_at__isnull=False)),
        weeks_written=Count("logbook", distinct=True),
    )


def flagged(queryset, *, today=None):
    """Running placements without a confirmed logbook week for three weeks (rules.LOGBOOK_GAP_DAYS)."""
    today = today or timezone.localdate()
    gap = datetime.timedelta(days=rules.LOGBOOK_GAP_DAYS)
    week = datetime.timedelta(days=7)
    return with_logbook_state(queryset.filter(status=PlacementStatus.ACTIVE)).filter(
        Q(last_confirmed__isnull=True, started_on__lte=today - gap)
        | Q(last_confirmed__lte=today - gap - week))


# --- completion -----------------------------------------------------------------------------------


@transaction.atomic
def complete(placement: Placement, *, passed: bool, score: int | None, notes: str, by, on=None,
             issue_certificate: bool = True, request=None):
    """The company's final assessment. Passed: the placement is completed and the certificate of apprenticeship
    is issued (returned); not passed: completed without a certificate (None)."""
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.final_at is not None:
        raise _error("already_assessed")
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.PAUSED):
        raise _error("not_running", status=placement.get_status_display())
    if score is not None and not 0 <= score <= 100:
        raise _error("score_range")
    placement.final_passed, placement.final_score, placement.final_notes = passed, score, notes.strip()
    placement.final_by, placement.final_at = _user(by), timezone.now()
    _set_status(placement, PlacementStatus.COMPLETED, by=by, on=on,
                reason="lulus" if passed else "tidak lulus penilaian akhir", request=request,
                extra_fields=["final_passed", "final_score", "final_notes", "final_by", "final_at"])
    if passed and issue_certificate:
        from kompeten.certificates.services import issue_apprenticeship

        issued_at = None
        if on is not None and on != timezone.localdate():
            issued_at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))
        return issue_apprenticeship(placement, by=by, issued_at=issued_at, request=request)
    return None


# --- the programme year's target ------------------------------------------------------------------


def target_progress(programme_year) -> dict:
    """The apprenticeship target of the year against placements started and completed (persons, so a change
    of company counts once)."""
    from kompeten.programmes.models import Target

    placements = Placement.objects.filter(offer__programme_year=programme_year)
    target = Target.objects.filter(programme_year=programme_year, kind=Target.Kind.APPRENTICES_PLACED,
                                   centre__isnull=True, sector__isnull=True).first()
    slots = (Offer.objects.filter(programme_year=programme_year, status__in=[OfferStatus.APPROVED,
                                                                             OfferStatus.CLOSED])
             .aggregate(total=Sum("slots"))["total"] or 0)
    return {
        "target": target.number if target else None,
        "slots": slots,
        # A placement stopped before it started (an agreement cancelled) placed no one.
        "placed": placements.filter(status__in=STARTED_STATUSES).exclude(status=PlacementStatus.STOPPED,
                                                                         started_on__isnull=True)
        .values("person").distinct().count(),
        "running": placements.filter(status__in=[PlacementStatus.ACTIVE, PlacementStatus.PAUSED]).count(),
        "waiting": placements.filter(status__in=[PlacementStatus.DRAFT, PlacementStatus.SIGNED]).count(),
        "completed": placements.filter(status=PlacementStatus.COMPLETED, final_passed=True)
        .values("person").distinct().count(),
        "stopped": placements.filter(status=PlacementStatus.STOPPED, next__isnull=True).count(),  # not transfers
    }

