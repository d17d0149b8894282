"""API: jobs (kompeten/api/base.py says what every router follows).

Vacancies: everyone signed in sees the open ones, a company user also their own in every status, the province
admin all (kompeten/jobs/access.py); company users (and the province admin, for a company) post them, checked by
the pages' own form and kompeten/jobs/services.py ``save_vacancy``. Outcomes (a person's situation after training,
certification or an apprenticeship, from the tracer survey or a follow-up): the province admin all, an operator the
persons their centre knows, a job seeker their own; operators and the province admin record a follow-up
(``services.record_outcome``). Company users never see outcomes.
"""

import datetime
from typing import Literal

from django.db.models import Q
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
    not_found,
    require_role,
    user_of,
)
from kompeten.api.idempotency import idempotent
from kompeten.api.people_out import Day, Mapped, PersonOut, fetch, form_invalid, person_out, personal_ids
from kompeten.apprenticeships.models import Company
from kompeten.core.access import get_or_404
from kompeten.core.errors import DomainError
from kompeten.jobs import services
from kompeten.jobs.access import get_vacancy_for_user
from kompeten.jobs.forms import VacancyForm
from kompeten.jobs.models import Outcome, OutcomeSource, Vacancy
from kompeten.jobs.outcome_forms import OutcomeForm
from kompeten.registry.access import get_person_for_user

router = Router(auth=AUTH)

VACANCY_WRITERS = ("province_admin", "company_user")
OUTCOME_READERS = ("province_admin", "centre_operator", "job_seeker")
OUTCOME_WRITERS = ("province_admin", "centre_operator")
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
VACANCY_STATUSES = Literal["open", "filled", "closed"]


# --- vacancies ------------------------------------------------------------------------------------------------------


class VacancyOut(Schema):
    id: int
    company_id: int
    company: str
    title: str
    occupation: str = Field(description="KBJI 2014 code.")
    sector: str
    kbli: str | None
    number_needed: int
    filled: int
    valid_from: Day
    valid_until: Day
    min_age: int | None
    max_age: int | None
    sex: Literal["L", "P", ""]
    min_education: str | None
    vocation_ids: list[int]
    scheme_id: int | None
    experience_years: int
    wage_min: int | None
    wage_max: int | None
    region: str = Field(description="Regency / city code (BPS) of the work.")
    description: str
    status: VACANCY_STATUSES
    source: Literal["company", "import", "demo"]


class VacancyFilter(Schema):
    company: int | None = Field(None, ge=1, le=MAX_ID)
    status: VACANCY_STATUSES | None = None
    sector: str | None = Field(None, max_length=40, pattern=NO_NUL)
    region: str | None = Field(None, max_length=13, pattern=NO_NUL)
    q: str | None = Field(None, max_length=100, pattern=NO_NUL, description="Title or company name.")


class VacancyIn(Schema):
    company_id: IdField | None = Field(None, description="Needed when the caller may post for several companies.")
    title: Text(200, min_length=1)
    occupation: Text(6) = Field(description="KBJI 2014 code.")
    sector: Text(40) = Field(description="Sector key.")
    kbli: Text(10) | None = Field(None, description="KBLI 2020 code, when it differs from the company's.")
    number_needed: int = Field(ge=1, le=100000)
    valid_from: Day
    valid_until: Day
    min_age: int | None = Field(None, ge=15, le=100)
    max_age: int | None = Field(None, ge=15, le=100)
    sex: Literal["L", "P", ""] = Field("", description="Only when the work itself requires it.")
    min_education: Text(5) | None = None
    vocation_ids: list[IdField] = Field(default_factory=list, max_length=100)
    scheme_id: IdField | None = None
    experience_years: int = Field(0, ge=0, le=60)
    wage_min: int | None = Field(None, ge=0, le=999_999_999)
    wage_max: int | None = Field(None, ge=0, le=999_999_999)
    region: Text(13) = Field(description="Regency / city code (BPS) in the province.")
    description: Text(5000) = ""


VACANCY_RENAMES = {"company": "company_id", "vocations": "vocation_ids", "scheme": "scheme_id"}


def _vacancy_out(vacancy: Vacancy) -> dict:
    return {
        "id": vacancy.pk, "company_id": vacancy.company_id, "company": vacancy.company.name, "title": vacancy.title,
        "occupation": vacancy.occupation_id, "sector": vacancy.sector_id, "kbli": vacancy.kbli_id,
        "number_needed": vacancy.number_needed, "filled": vacancy.filled, "valid_from": vacancy.valid_from,
        "valid_until": vacancy.valid_until, "min_age": vacancy.min_age, "max_age": vacancy.max_age,
        "sex": vacancy.sex, "min_education": vacancy.min_education_id,
        "vocation_ids": sorted(v.pk for v in vacancy.vocations.all()), "scheme_id": vacancy.scheme_id,
        "experience_years": vacancy.experience_years, "wage_min": vacancy.wage_min, "wage_max": vacancy.wage_max,
        "region": vacancy.region_id, "description": vacancy.description, "status": vacancy.status,
        "source": vacancy.source,
    }


def _vacancies(queryset):
    return queryset.select_related("company").prefetch_related("vocations")


def _kbli_pk(code: str | None):
    """The form chooses a KBLI 2020 row by its key; the API takes its code."""
    from kompeten.reference.models import Kbli

    if not code:
        return ""
    return Kbli.objects.filter(version="2020", code=code).values_list("pk", flat=True).first() or code


@router.get("/vacancies", response={200: list[VacancyOut], **READ_ERRORS}, url_name="vacancies_list",
            summary="Vacancies the caller sees")
@paginate(Pagination)
def vacancy_list(request, filters: Query[VacancyFilter]):
    """Open vacancies for everyone signed in; a company user also their own in every status; the province admin
    all. Newest first."""
    vacancies = Vacancy.objects.visible_to(user_of(request))
    for name in ("company", "status", "sector", "region"):
        if getattr(filters, name):
            vacancies = vacancies.filter(**{name: getattr(filters, name)})
    if query := (filters.q or "").strip():
        vacancies = vacancies.filter(Q(title__icontains=query) | Q(company__name__icontains=query))
    return Mapped(_vacancies(vacancies).order_by("-valid_from", "-pk"), lambda rows: [_vacancy_out(v) for v in rows])


@router.get("/vacancies/{vacancy_id}", response={200: VacancyOut, **READ_ERRORS}, url_name="vacancies_detail",
            summary="One vacancy")
def vacancy_detail(request, vacancy_id: ObjectId):
    vacancy = fetch(get_vacancy_for_user, user_of(request), vacancy_id)
    return _vacancy_out(_vacancies(Vacancy.objects.filter(pk=vacancy.pk)).get())


@router.post("/vacancies", response={201: VacancyOut, **WRITE_ERRORS}, url_name="vacancies_create",
             summary="Post a vacancy, as a company user (or the province admin for a company)")
@idempotent
def vacancy_create(request, payload: VacancyIn):
    """Checked like the page's form (dates, ages, wages in order; the region in the province; the company
    verified: 409 ``company_not_verified``); each refusal in ``errors`` under its field (422 ``invalid``)."""
    require_role(request, *VACANCY_WRITERS)
    user = user_of(request)
    if user.is_province_admin:
        companies = list(Company.objects.verified().order_by("name"))
    else:
        own = list(Company.objects.filter(pk__in=user.company_ids).order_by("name"))
        companies = [c for c in own if c.is_verified]
        if not companies:
            raise DomainError("company_not_verified", services.MESSAGES["company_not_verified"],
                              company=own[0].name)
        if payload.company_id is not None and payload.company_id not in user.company_ids:
            raise not_found()
    if payload.company_id is not None and len(companies) == 1 and payload.company_id != companies[0].pk:
        raise not_found()
    data = {
        "title": payload.title, "occupation": payload.occupation, "sector": payload.sector,
        "kbli": _kbli_pk(payload.kbli), "number_needed": payload.number_needed,
        "valid_from": payload.valid_from.isoformat(), "valid_until": payload.valid_until.isoformat(),
        "min_age": payload.min_age if payload.min_age is not None else "",
        "max_age": payload.max_age if payload.max_age is not None else "", "sex": payload.sex,
        "min_education": payload.min_education or "", "vocations": payload.vocation_ids,
        "scheme": payload.scheme_id or "", "experience_years": payload.experience_years,
        "wage_min": payload.wage_min if payload.wage_min is not None else "",
        "wage_max": payload.wage_max if payload.wage_max is not None else "", "region": payload.region,
        "description": payload.description,
    }
    if payload.company_id is not None:
        data["company"] = payload.company_id
    form = VacancyForm(data, companies=companies)
    if not form.is_valid():
        raise form_invalid(form, VACANCY_RENAMES)
    vacancy = form.build()
    services.save_vacancy(vacancy, vocations=list(form.cleaned_data["vocations"]), by=user, request=request)
    return Status(201, _vacancy_out(_vacancies(Vacancy.objects.filter(pk=vacancy.pk)).get()))


# --- outcomes -------------------------------------------------------------------------------------------------------

OUTCOME_STATUSES = Literal["employed", "self_employed", "unemployed", "studying", "apprentice"]
WAGE_BANDS = Literal["lt2", "2to3.5", "3.5to5", "5to8", "gt8", ""]


class OutcomeOut(Schema):
    id: int
    person: PersonOut
    status: OUTCOME_STATUSES
    employer: str
    company_id: int | None
    sector: str | None
    wage_band: WAGE_BANDS
    source: Literal["self", "company", "operator"]
    on: datetime.date
    note: str
    survey_id: int | None
    recorded_at: datetime.datetime


class OutcomeFilter(Schema):
    person: int | None = Field(None, ge=1, le=MAX_ID)
    status: OUTCOME_STATUSES | None = None
    source: Literal["self", "company", "operator"] | None = None
    on_from: datetime.date | None = None
    on_to: datetime.date | None = None


class OutcomeIn(Schema):
    """A person's situation on a date, learnt by an officer (recorded with the source ``operator``)."""

    person_id: IdField
    status: OUTCOME_STATUSES
    on: Day
    employer: Text(200) = Field("", description="Needed when employed.")
    sector: Text(40) | None = None
    wage_band: WAGE_BANDS = ""
    note: Text(255) = ""


def _outcomes(queryset):
    return queryset.select_related("person__village")


def _outcomes_out(user, outcomes: list) -> list[dict]:
    personal = personal_ids(user, [o.person for o in outcomes])
    return [{"id": o.pk, "person": person_out(o.person, o.person_id in personal), "status": o.status,
             "employer": o.employer, "company_id": o.company_id, "sector": o.sector_id, "wage_band": o.wage_band,
             "source": o.source, "on": o.on, "note": o.note, "survey_id": o.survey_id, "recorded_at": o.recorded_at}
            for o in outcomes]


@router.get("/outcomes", response={200: list[OutcomeOut], **READ_ERRORS}, url_name="outcomes_list",
            summary="Outcomes (situations after the programme) the caller sees")
@paginate(Pagination)
def outcome_list(request, filters: Query[OutcomeFilter]):
    """The province admin: all; an operator: the persons registered or trained at their centre; a job seeker:
    their own. Newest first."""
    require_role(request, *OUTCOME_READERS)
    user = user_of(request)
    outcomes = Outcome.objects.visible_to(user)
    for name in ("person", "status", "source"):
        if getattr(filters, name) is not None:
            outcomes = outcomes.filter(**{name: getattr(filters, name)})
    if filters.on_from:
        outcomes = outcomes.filter(on__gte=filters.on_from)
    if filters.on_to:
        outcomes = outcomes.filter(on__lte=filters.on_to)
    return Mapped(_outcomes(outcomes).order_by("-on", "-pk"), lambda rows: _outcomes_out(user, rows))


@router.get("/outcomes/{outcome_id}", response={200: OutcomeOut, **READ_ERRORS}, url_name="outcomes_detail",
            summary="One outcome")
def outcome_detail(request, outcome_id: ObjectId):
    require_role(request, *OUTCOME_READERS)
    user = user_of(request)
    outcome = fetch(get_or_404, _outcomes(Outcome.objects.visible_to(user)), outcome_id)
    return _outcomes_out(user, [outcome])[0]


@router.post("/outcomes", response={201: OutcomeOut, **WRITE_ERRORS}, url_name="outcomes_create",
             summary="Record a person's situation (a follow-up), as an operator or the province admin")
@idempotent
def outcome_create(request, payload: OutcomeIn):
    """For a person the caller sees (else 404). Checked like the page's form (not in the future; an employer when
    employed); in work also closes the person's AK/1 card (``services.record_outcome``)."""
    require_role(request, *OUTCOME_WRITERS)
    user = user_of(request)
    person = fetch(get_person_for_user, user, payload.person_id)
    form = OutcomeForm({"status": payload.status, "on": payload.on.isoformat(), "employer": payload.employer,
                        "sector": payload.sector or "", "wage_band": payload.wage_band, "note": payload.note})
    if not form.is_valid():
        raise form_invalid(form)
    data = form.cleaned_data
    outcome = services.record_outcome(person, status=data["status"], source=OutcomeSource.OPERATOR, on=data["on"],
                                      by=user, employer=data["employer"], sector=data["sector"],
                                      wage_band=data["wage_band"], note=data["note"], request=request)
    return Status(201, _outcomes_out(user, [_outcomes(Outcome.objects.filter(pk=outcome.pk)).get()])[0])

