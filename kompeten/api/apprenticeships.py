"""API: apprenticeships (kompeten/api/base.py says what every router follows).

Companies (the province admin all; a company user their own), offers of apprenticeship slots (everyone signed in
sees the approved ones; a company user sees, creates and edits their own drafts and submits them, and accepts or
rejects their applicants), placements (the
province admin all; operators the apprentices who trained at their centre; a company its apprentices; the
apprentice their own) and their logbook weeks, which the company's users confirm. Scoping and roles are those of
kompeten/apprenticeships/access.py; offers are checked by the pages' own form (the Permenaker 6/2020 limits,
services.offer_problems) and moved along by kompeten/apprenticeships/services.py.
"""

import datetime
from typing import Literal

from django.db import transaction
from django.db.models import Count, Q
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kompeten.api.base import (
    AUTH,
    MAX_ID,
    NO_NUL,
    ErrorOut,
    IdField,
    ObjectId,
    Pagination,
    Text,
    TextQuery,
    not_found,
    require_role,
    user_of,
)
from kompeten.api.idempotency import idempotent
from kompeten.api.people_out import Day, Mapped, PersonOut, fetch, form_invalid, person_out, personal_ids
from kompeten.apprenticeships import services
from kompeten.apprenticeships.access import (
    get_application_for_user,
    get_company_for_user,
    get_offer_applicants_for_user,
    get_offer_for_user,
    get_placement_for_user,
)
from kompeten.apprenticeships.forms import OfferForm, province_regencies
from kompeten.apprenticeships.models import (
    Application,
    Company,
    LogbookEntry,
    Offer,
    OfferStatus,
    Placement,
    RankingCriterion,
)
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import diff, record
from kompeten.core.access import get_or_404
from kompeten.core.errors import DomainError

router = Router(auth=AUTH)

COMPANY_READERS = ("province_admin", "company_user")
PLACEMENT_READERS = ("province_admin", "centre_operator", "company_user", "job_seeker")
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
OFFER_STATUSES = Literal["draft", "submitted", "approved", "rejected", "closed"]
PLACEMENT_STATUSES = Literal["draft", "signed", "active", "paused", "stopped", "completed"]


# --- companies ------------------------------------------------------------------------------------------------------


class CompanyOut(Schema):
    id: int
    name: str
    nib: str
    sector: str | None = Field(description="Sector key.")
    kbli: str | None
    region: str | None = Field(description="Regency / city code (BPS).")
    business_address: str
    business_email: str
    business_phone: str
    employees: int
    status: Literal["pending", "verified", "rejected"]


def _company_out(company: Company) -> dict:
    return {"id": company.pk, "name": company.name, "nib": company.nib, "sector": company.sector_id,
            "kbli": company.kbli_id, "region": company.region_id, "business_address": company.address,
            "business_email": company.email, "business_phone": company.phone, "employees": company.employees,
            "status": company.status}


@router.get("/companies", response={200: list[CompanyOut], **READ_ERRORS}, url_name="companies_list",
            summary="Companies the caller sees")
@paginate(Pagination)
def company_list(request, status: Literal["pending", "verified", "rejected"] | None = None,
                 sector: TextQuery(40) = None):
    """The province admin: all; a company user: their own."""
    require_role(request, *COMPANY_READERS)
    companies = Company.objects.visible_to(user_of(request))
    if status:
        companies = companies.filter(status=status)
    if sector:
        companies = companies.filter(sector=sector)
    return Mapped(companies.order_by("name", "pk"), lambda rows: [_company_out(c) for c in rows])


@router.get("/companies/{company_id}", response={200: CompanyOut, **READ_ERRORS}, url_name="companies_detail",
            summary="One company")
def company_detail(request, company_id: ObjectId):
    require_role(request, *COMPANY_READERS)
    return _company_out(fetch(get_company_for_user, user_of(request), company_id))


# --- offers ---------------------------------------------------------------------------------------------------------


class OfferOut(Schema):
    id: int
    company_id: int
    company: str
    programme_year: int
    matching_round_id: int | None
    title: str
    occupation: str = Field(description="KBJI 2014 code.")
    description: str
    slots: int
    start_date: datetime.date
    end_date: datetime.date
    months: int
    theory_percent: int
    hours_per_week: int
    locations: list[str] = Field(description="Regency / city codes.")
    workplace_address: str
    allowance: int = Field(description="Monthly allowance (uang saku), rupiah.")
    insurance: bool
    min_education: str | None
    vocation_ids: list[int]
    scheme_id: int | None
    require_certificate: bool
    min_age: int
    max_age: int | None
    mentor_ids: list[int]
    criteria: list[str]
    status: OFFER_STATUSES
    authority: str
    approval_number: str


class OfferFilter(Schema):
    company: int | None = Field(None, ge=1, le=MAX_ID)
    status: OFFER_STATUSES | None = None
    year: int | None = Field(None, ge=2000, le=2999, description="Programme year.")
    matching_round: int | None = Field(None, ge=1, le=MAX_ID)


class OfferIn(Schema):
    """An offer as its company writes it; it is saved as a draft (submit it for approval separately)."""

    company_id: IdField | None = Field(None, description="Needed only by a user of several verified companies.")
    title: Text(200, min_length=1)
    occupation: Text(6) = Field(description="KBJI 2014 code.")
    description: Text(5000) = ""
    slots: int = Field(ge=1, le=10000)
    start_date: Day
    months: int = Field(ge=1, le=120)
    theory_percent: int = Field(ge=0, le=100)
    hours_per_week: int = Field(40, ge=1, le=80)
    locations: list[Text(13)] = Field(min_length=1, max_length=100, description="Regency / city codes (BPS).")
    workplace_address: Text(255) = ""
    allowance: int = Field(ge=0, le=999_999_999, description="Monthly allowance (uang saku), rupiah.")
    insurance: bool = True
    min_education: Text(5) | None = None
    vocation_ids: list[IdField] = Field(default_factory=list, max_length=100)
    scheme_id: IdField | None = None
    require_certificate: bool = False
    min_age: int = Field(18, ge=0, le=100)
    max_age: int | None = Field(None, ge=0, le=100)
    mentor_ids: list[IdField] = Field(default_factory=list, max_length=100)
    criteria: list[RankingCriterion] = Field(default_factory=lambda: ["certificate", "vocation", "nearby"],
                                             max_length=len(RankingCriterion), description="In order, each once.")


# What the form calls a field, as the API calls it.
OFFER_RENAMES = {"company": "company_id", "address": "workplace_address", "vocations": "vocation_ids",
                 "scheme": "scheme_id", "mentors": "mentor_ids", "other_locations": "locations",
                 **{f"criterion_{i}": "criteria" for i in range(1, len(RankingCriterion) + 1)}}


def _offer_out(offer: Offer) -> dict:
    return {
        "id": offer.pk, "company_id": offer.company_id, "company": offer.company.name,
        "programme_year": offer.programme_year.year, "matching_round_id": offer.matching_round_id,
        "title": offer.title, "occupation": offer.occupation_id, "description": offer.description,
        "slots": offer.slots, "start_date": offer.start_date, "end_date": offer.end_date, "months": offer.months,
        "theory_percent": offer.theory_percent, "hours_per_week": offer.hours_per_week,
        "locations": sorted(r.pk for r in offer.locations.all()), "workplace_address": offer.address,
        "allowance": offer.allowance, "insurance": offer.insurance, "min_education": offer.min_education_id,
        "vocation_ids": sorted(v.pk for v in offer.vocations.all()), "scheme_id": offer.scheme_id,
        "require_certificate": offer.require_certificate, "min_age": offer.min_age, "max_age": offer.max_age,
        "mentor_ids": sorted(m.pk for m in offer.mentors.all()), "criteria": list(offer.criteria),
        "status": offer.status, "authority": offer.authority, "approval_number": offer.approval_number,
    }


def _offers(queryset):
    return queryset.select_related("company", "programme_year").prefetch_related("locations", "vocations", "mentors")


def _offer_form_data(payload: OfferIn) -> dict:
    """The form's fields from the API's input: only these, nothing else reaches the offer."""
    province = set(province_regencies().filter(code__in=payload.locations).values_list("code", flat=True))
    data = {
        "title": payload.title, "occupation": payload.occupation, "description": payload.description,
        "slots": payload.slots, "start_date": payload.start_date.isoformat(), "months": payload.months,
        "theory_percent": payload.theory_percent, "hours_per_week": payload.hours_per_week,
        "address": payload.workplace_address, "allowance": payload.allowance, "insurance": payload.insurance,
        "min_education": payload.min_education or "", "vocations": payload.vocation_ids,
        "scheme": payload.scheme_id or "", "require_certificate": payload.require_certificate,
        "min_age": payload.min_age, "max_age": "" if payload.max_age is None else payload.max_age,
        "mentors": payload.mentor_ids, "locations": sorted(province),
        "other_locations": [code for code in payload.locations if code not in province],
    }
    for position, criterion in enumerate(payload.criteria, start=1):
        data[f"criterion_{position}"] = criterion.value if isinstance(criterion, RankingCriterion) else criterion
    if payload.company_id is not None:
        data["company"] = payload.company_id
    return data


def _snapshot(offer: Offer) -> dict:
    from kompeten.apprenticeships.views.offers import _offer_snapshot  # what the pages audit of an offer

    return _offer_snapshot(offer)


@router.get("/offers", response={200: list[OfferOut], **READ_ERRORS}, url_name="offers_list",
            summary="Apprenticeship offers the caller sees")
@paginate(Pagination)
def offer_list(request, filters: Query[OfferFilter]):
    """A company user: their company's offers in every status and the approved or closed offers of others; anyone
    else signed in: the approved and closed offers."""
    offers = Offer.objects.visible_to(user_of(request))
    if filters.company is not None:
        offers = offers.filter(company=filters.company)
    if filters.status:
        offers = offers.filter(status=filters.status)
    if filters.year is not None:
        offers = offers.filter(programme_year__year=filters.year)
    if filters.matching_round is not None:
        offers = offers.filter(matching_round=filters.matching_round)
    return Mapped(_offers(offers).order_by("-start_date", "company__name", "pk"),
                  lambda rows: [_offer_out(o) for o in rows])


@router.get("/offers/{offer_id}", response={200: OfferOut, **READ_ERRORS}, url_name="offers_detail",
            summary="One offer")
def offer_detail(request, offer_id: ObjectId):
    offer = fetch(get_offer_for_user, user_of(request), offer_id)
    return _offer_out(_offers(Offer.objects.filter(pk=offer.pk)).get())


@router.post("/offers", response={201: OfferOut, **WRITE_ERRORS}, url_name="offers_create",
             summary="Create an offer (a draft), as a company user")
@idempotent
def offer_create(request, payload: OfferIn):
    """Checked like the page's form: the company's verified status (409 ``company_not_verified``), the KBJI
    occupation, the places, the Permenaker 6/2020 limits (20 % of employees with the company's other offers, at
    most 12 months, 10-25 % theory) — each refusal in ``errors`` under its field (422 ``invalid``)."""
    require_role(request, "company_user")
    user = user_of(request)
    companies = Company.objects.filter(pk__in=user.company_ids).order_by("name")
    verified = list(companies.verified())
    if not verified:
        company = companies.first()
        raise DomainError("company_not_verified", services.MESSAGES["company_not_verified"], company=company.name)
    if payload.company_id is not None and payload.company_id not in user.company_ids:
        raise not_found()
    owner = verified[0] if len(verified) == 1 else None
    data = _offer_form_data(payload)
    if owner is not None:
        data.pop("company", None)
    form = OfferForm(data, company=owner, companies=companies.verified())
    if not form.is_valid():
        raise form_invalid(form, OFFER_RENAMES)
    with transaction.atomic():
        form.instance.created_by = user
        offer = form.save()
        record(AuditEntry.Action.CREATE, offer, by=user, request=request,
               changes={k: [None, v] for k, v in _snapshot(offer).items() if v not in (None, "", [])})
    return Status(201, _offer_out(_offers(Offer.objects.filter(pk=offer.pk)).get()))


@router.put("/offers/{offer_id}", response={200: OfferOut, **WRITE_ERRORS}, url_name="offers_update",
            summary="Replace a draft offer, as its company's user")
@idempotent
def offer_update(request, offer_id: ObjectId, payload: OfferIn):
    """Every field again (as for creating; ``company_id`` cannot change). Only a draft: 409 ``offer_not_draft``."""
    require_role(request, "company_user")
    user = user_of(request)
    offer = fetch(get_offer_for_user, user, offer_id, manage=True)
    if payload.company_id is not None and payload.company_id != offer.company_id:
        raise not_found()
    data = _offer_form_data(payload)
    data.pop("company", None)
    with transaction.atomic():
        locked = Offer.objects.select_for_update().get(pk=offer.pk)
        if locked.status != OfferStatus.DRAFT:
            raise DomainError("offer_not_draft", services.MESSAGES["offer_not_draft"],
                              status=locked.get_status_display())
        form = OfferForm(data, instance=locked)
        if not form.is_valid():
            raise form_invalid(form, OFFER_RENAMES)
        before = _snapshot(locked)
        offer = form.save()
        changes = diff(before, _snapshot(offer))
        if changes:
            record(AuditEntry.Action.UPDATE, offer, by=user, changes=changes, request=request)
    return _offer_out(_offers(Offer.objects.filter(pk=offer.pk)).get())


@router.post("/offers/{offer_id}/submit", response={200: OfferOut, **WRITE_ERRORS}, url_name="offers_submit",
             summary="Send a draft offer for approval, as its company's user")
@idempotent
def offer_submit(request, offer_id: ObjectId):
    """409 ``offer_not_draft``, ``company_not_verified``, or the limit it breaks (``over_quota``, ...)."""
    require_role(request, "company_user")
    user = user_of(request)
    offer = fetch(get_offer_for_user, user, offer_id, manage=True)
    services.submit_offer(offer, by=user, request=request)
    return _offer_out(_offers(Offer.objects.filter(pk=offer.pk)).get())


# --- applicants: the company's view of who applied for its offer ----------------------------------------------------

APPLICANT_READERS = ("province_admin", "company_user")


class ApplicantOut(Schema):
    id: int
    offer_id: int
    person: PersonOut = Field(description="The candidate's name (a company never gets the NIK, birth date, address "
                                          "or phone).")
    rank: int = Field(description="The candidate's own choice (1 = first).")
    decision: Literal["pending", "accepted", "rejected"] = Field(description="The company's decision.")
    decision_note: str
    company_rank: int | None
    outcome: str = Field(description="After matching: placed, not_placed or excluded.")
    created_at: datetime.datetime


class DecisionIn(Schema):
    decision: Literal["pending", "accepted", "rejected"]
    note: Text(255) = ""


def _applicants_out(user, applications: list) -> list[dict]:
    personal = personal_ids(user, [a.person for a in applications])
    return [{"id": a.pk, "offer_id": a.offer_id, "person": person_out(a.person, a.person_id in personal),
             "rank": a.rank, "decision": a.decision, "decision_note": a.decision_note,
             "company_rank": a.company_rank, "outcome": a.outcome, "created_at": a.created_at}
            for a in applications]


@router.get("/offers/{offer_id}/applicants", response={200: list[ApplicantOut], **READ_ERRORS},
            url_name="offers_applicants", summary="The applicants of an offer, for its company")
@paginate(Pagination)
def offer_applicants(request, offer_id: ObjectId,
                     decision: Literal["pending", "accepted", "rejected"] | None = None):
    """The offer's company users and the province admin (anyone else: 404)."""
    require_role(request, *APPLICANT_READERS)
    user = user_of(request)
    offer = fetch(get_offer_applicants_for_user, user, offer_id)
    applications = Application.objects.visible_to(user).filter(offer=offer).select_related("person")
    if decision:
        applications = applications.filter(decision=decision)
    return Mapped(applications.order_by("created_at", "pk"), lambda rows: _applicants_out(user, rows))


@router.post("/apprenticeship-applications/{application_id}/decision", response={200: ApplicantOut, **WRITE_ERRORS},
             url_name="offers_applicants_decide", summary="Accept or reject an applicant, as the offer's company")
@idempotent
def applicant_decide(request, application_id: ObjectId, payload: DecisionIn):
    """``services.decide``: 409 ``decision_locked`` once the round is matched."""
    require_role(request, *APPLICANT_READERS)
    user = user_of(request)
    application = fetch(get_application_for_user, user, application_id, decide=True)
    services.decide(application, decision=payload.decision, note=payload.note, by=user, request=request)
    application = Application.objects.select_related("person").get(pk=application.pk)
    return _applicants_out(user, [application])[0]


# --- placements -----------------------------------------------------------------------------------------------------


class PlacementOut(Schema):
    id: int
    person: PersonOut = Field(description="The apprentice; NIK, birth date, address and phone only for the "
                                          "province admin, the operators of their centre and themself.")
    company_id: int
    company: str
    offer_id: int
    offer_title: str
    source: Literal["matching", "direct", "transfer"]
    agreement_number: str
    start_date: datetime.date
    end_date: datetime.date
    status: PLACEMENT_STATUSES
    status_reason: str
    started_on: datetime.date | None
    ended_on: datetime.date | None
    mentor: str | None
    weeks_written: int
    weeks_confirmed: int
    final_passed: bool | None
    final_score: int | None


class PlacementFilter(Schema):
    company: int | None = Field(None, ge=1, le=MAX_ID)
    offer: int | None = Field(None, ge=1, le=MAX_ID)
    status: PLACEMENT_STATUSES | None = None
    q: str | None = Field(None, max_length=100, pattern=NO_NUL, description="Apprentice's name or agreement number.")


class LogbookWeekOut(Schema):
    id: int
    placement_id: int
    week_start: datetime.date
    activities: str
    practice_hours: int
    theory_hours: int
    written_at: datetime.datetime
    confirmed: bool
    confirmed_at: datetime.datetime | None
    mentor_note: str


class ConfirmIn(Schema):
    note: Text(255) = Field("", description="The mentor's note on the week.")


def _placements(queryset):
    return queryset.select_related("person__village", "company", "offer", "mentor").annotate(
        n_weeks=Count("logbook", distinct=True),
        n_confirmed=Count("logbook", filter=Q(logbook__confirmed_at__isnull=False), distinct=True))


def _placements_out(user, placements: list) -> list[dict]:
    personal = personal_ids(user, [p.person for p in placements])
    return [{
        "id": p.pk, "person": person_out(p.person, p.person_id in personal), "company_id": p.company_id,
        "company": p.company.name, "offer_id": p.offer_id, "offer_title": p.offer.title, "source": p.source,
        "agreement_number": p.agreement_number, "start_date": p.start_date, "end_date": p.end_date,
        "status": p.status, "status_reason": p.status_reason, "started_on": p.started_on, "ended_on": p.ended_on,
        "mentor": p.mentor.name if p.mentor_id else None, "weeks_written": p.n_weeks,
        "weeks_confirmed": p.n_confirmed, "final_passed": p.final_passed, "final_score": p.final_score,
    } for p in placements]


def _week_out(entry: LogbookEntry) -> dict:
    return {"id": entry.pk, "placement_id": entry.placement_id, "week_start": entry.week_start,
            "activities": entry.activities, "practice_hours": entry.practice_hours,
            "theory_hours": entry.theory_hours, "written_at": entry.written_at, "confirmed": entry.is_confirmed,
            "confirmed_at": entry.confirmed_at, "mentor_note": entry.mentor_note}


@router.get("/placements", response={200: list[PlacementOut], **READ_ERRORS}, url_name="placements_list",
            summary="Apprenticeship placements the caller sees")
@paginate(Pagination)
def placement_list(request, filters: Query[PlacementFilter]):
    """The province admin: all; an operator: the apprentices who trained or registered at their centre; a company:
    its apprentices; a job seeker: their own."""
    require_role(request, *PLACEMENT_READERS)
    user = user_of(request)
    placements = Placement.objects.visible_to(user)
    if filters.company is not None:
        placements = placements.filter(company=filters.company)
    if filters.offer is not None:
        placements = placements.filter(offer=filters.offer)
    if filters.status:
        placements = placements.filter(status=filters.status)
    if query := (filters.q or "").strip():
        placements = placements.filter(Q(person__full_name__icontains=query)
                                       | Q(agreement_number__icontains=query))
    return Mapped(_placements(placements).order_by("-start_date", "pk"),
                  lambda rows: _placements_out(user, rows))


@router.get("/placements/{placement_id}", response={200: PlacementOut, **READ_ERRORS}, url_name="placements_detail",
            summary="One placement")
def placement_detail(request, placement_id: ObjectId):
    require_role(request, *PLACEMENT_READERS)
    user = user_of(request)
    placement = fetch(get_placement_for_user, user, placement_id)
    return _placements_out(user, [_placements(Placement.objects.filter(pk=placement.pk)).get()])[0]


@router.get("/placements/{placement_id}/logbook", response={200: list[LogbookWeekOut], **READ_ERRORS},
            url_name="placements_logbook", summary="A placement's logbook weeks")
@paginate(Pagination)
def placement_logbook(request, placement_id: ObjectId):
    """Newest week first."""
    require_role(request, *PLACEMENT_READERS)
    placement = fetch(get_placement_for_user, user_of(request), placement_id)
    return Mapped(placement.logbook.order_by("-week_start", "pk"), lambda rows: [_week_out(e) for e in rows])


@router.post("/placements/{placement_id}/logbook/{week_id}/confirm", response={200: LogbookWeekOut, **WRITE_ERRORS},
             url_name="placements_logbook_confirm", summary="Confirm a logbook week, as the company")
@idempotent
def logbook_confirm(request, placement_id: ObjectId, week_id: ObjectId, payload: ConfirmIn):
    """The company's users (and its mentors with an account) only; the apprentice never confirms their own week.
    409 ``week_confirmed`` when it already is."""
    require_role(request, "company_user")
    user = user_of(request)
    placement = fetch(get_placement_for_user, user, placement_id, company=True)
    entry = fetch(get_or_404, LogbookEntry.objects.filter(placement=placement), week_id)
    if not services.is_mentor_of(user, placement):
        raise not_found()
    entry = services.confirm_week(entry, by=user, note=payload.note, request=request)
    return _week_out(entry)
