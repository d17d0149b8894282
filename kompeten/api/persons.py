"""API: persons (job seekers of the registry). kompeten/api/base.py says what every router follows.

Staff (centre operators, the province admin) list, read, register and correct the persons in their scope
(``Person.objects.visible_to``, kompeten/registry/access.py); a job seeker reads and corrects their own record at
``/persons/me``. A NIK never travels in a URL: it is looked up with ``POST /persons/lookup``. The NIK, birth date,
address, phone and email are in an answer only for those who may see them (``base.can_see_personal``), and every
time a staff member receives a full NIK it is audited, like the page's "show NIK" button.

The rules of a field (NIK checks and warnings, phone numbers, RT/RW, dates) are the registry's forms'; changes go
through kompeten/registry/services.py.
"""

import datetime
from typing import Literal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kompeten.accounts import ratelimits
from kompeten.accounts.models import Role
from kompeten.api.base import (
    AUTH,
    ApiError,
    ObjectId,
    ObjectIdQuery,
    Pagination,
    Text,
    TextQuery,
    can_see_personal,
    form_invalid,
    not_found,
    require_role,
    user_of,
)
from kompeten.api.idempotency import idempotent
from kompeten.programmes.models import TrainingCentre
from kompeten.registry import services
from kompeten.registry.access import can_edit, get_person_for_user
from kompeten.registry.forms import PERSON_FIELDS, PersonForm, SelfProfileForm
from kompeten.registry.models import Consent, DisabilityKind, EmploymentStatus, Person, PersonSource, PriorTraining
from kompeten.registry.nik import normalise_nik
from kompeten.registry.validation import check_nik

router = Router(auth=AUTH)

STAFF = (Role.PROVINCE_ADMIN, Role.CENTRE_OPERATOR)


# Schemas ------------------------------------------------------------------------------------------

class AddressOut(Schema):
    street: str
    rt: str
    rw: str
    village: str | None = Field(description="Kemendagri code of the village (kelurahan/desa).")


class PersonSummaryOut(Schema):
    """A row of the list: nothing personal (the NIK only masked)."""

    id: int
    full_name: str
    sex: Literal["L", "P"]
    masked_nik: str
    registered_centre: int | None
    regency: str | None = Field(description="Kemendagri code of the regency of the address, e.g. 64.71.")
    never_trained: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_registered_centre(person) -> int | None:
        return person.registered_centre_id

    @staticmethod
    def resolve_regency(person) -> str | None:
        return person.village_id[:5] if person.village_id else None

    @staticmethod
    def resolve_never_trained(person) -> bool:
        return _never_trained(person)


class PersonOut(Schema):
    """A person. ``nik``, ``birth_date``, ``birth_place``, ``phone``, ``email``, ``address`` and the AK/1 card are
    present only for the person themself, the province admin and the operators of the person's centres."""

    id: int
    full_name: str
    sex: Literal["L", "P"]
    masked_nik: str
    registered_centre: int | None
    regency: str | None = Field(description="Kemendagri code of the regency of the address, e.g. 64.71.")
    never_trained: bool
    created_at: datetime.datetime
    education: str | None
    major: str
    disability: bool
    disability_kind: str
    employment_status: str
    declared_prior_training: bool
    nik_warnings: list[str] = Field(description="NIK checks waiting for an operator to look at the ID card.")
    updated_at: datetime.datetime
    nik: str | None = None
    birth_date: datetime.date | None = None
    birth_place: str | None = None
    phone: str | None = None
    email: str | None = None
    address: AddressOut | None = None
    ak1_number: str | None = None
    ak1_expires: datetime.date | None = None


class PersonIn(Schema):
    """What staff may set when registering a person (the registered centre is the operator's own centre)."""

    nik: Text(24) = Field(description="16 digits; dots and spaces are ignored.")
    full_name: Text(150, min_length=1)
    sex: Literal["L", "P"]
    birth_date: datetime.date
    birth_place: Text(100) = ""
    phone: Text(20) = ""
    email: Text(254) = ""
    street: Text(255) = ""
    rt: Text(3) = ""
    rw: Text(3) = ""
    village: Text(13) | None = None
    education: Text(5) | None = None
    major: Text(100) = ""
    disability: bool = False
    disability_kind: Literal[("", *DisabilityKind.values)] = ""
    employment_status: Literal[tuple(EmploymentStatus.values)] = EmploymentStatus.UNEMPLOYED.value
    ak1_number: Text(40) = ""
    ak1_expires: datetime.date | None = None
    declared_prior_training: bool = False


class SelfPatch(Schema):
    """What a job seeker may correct themselves: everything but the NIK and the AK/1 card (an operator's)."""

    full_name: Text(150, min_length=1) | None = None
    sex: Literal["L", "P"] | None = None
    birth_date: datetime.date | None = None
    birth_place: Text(100) | None = None
    phone: Text(20) | None = None
    email: Text(254) | None = None
    street: Text(255) | None = None
    rt: Text(3) | None = None
    rw: Text(3) | None = None
    village: Text(13) | None = None
    education: Text(5) | None = None
    major: Text(100) | None = None
    disability: bool | None = None
    disability_kind: Literal[("", *DisabilityKind.values)] | None = None
    employment_status: Literal[tuple(EmploymentStatus.values)] | None = None
    declared_prior_training: bool | None = None


class PersonPatch(SelfPatch):
    """The fields staff may correct (a job seeker's, and the NIK and the AK/1 card); those left out keep their
    value."""

    nik: Text(24) | None = None
    ak1_number: Text(40) | None = None
    ak1_expires: datetime.date | None = None


class LookupIn(Schema):
    nik: Text(24) = Field(description="The NIK to look for (16 digits; dots and spaces are ignored).")


# Output -------------------------------------------------------------------------------------------

def _never_trained(person) -> bool:
    annotated = getattr(person, "has_prior_training", None)
    if annotated is None:
        annotated = person.prior_trainings.exists()
    return not person.declared_prior_training and not annotated


def summary(person) -> dict:
    return {
        "id": person.pk, "full_name": person.full_name, "sex": person.sex, "masked_nik": person.masked_nik,
        "registered_centre": person.registered_centre_id,
        "regency": person.village_id[:5] if person.village_id else None,
        "never_trained": _never_trained(person), "created_at": person.created_at,
    }


def person_out(request, person, *, audit_nik: bool = True) -> dict:
    """The person for this caller: the personal fields only when ``can_see_personal``; a staff member's look at
    the full NIK is audited (services.reveal_nik)."""
    user = user_of(request)
    data = {
        **summary(person), "education": person.education_id, "major": person.major, "disability": person.disability,
        "disability_kind": person.disability_kind, "employment_status": person.employment_status,
        "declared_prior_training": person.declared_prior_training, "nik_warnings": list(person.nik_warnings),
        "updated_at": person.updated_at,
    }
    if can_see_personal(user, person):
        own = person.user_id == user.pk
        data.update({
            "nik": services.reveal_nik(person, by=user, request=request) if audit_nik and not own else person.nik,
            "birth_date": person.birth_date, "birth_place": person.birth_place, "phone": person.phone,
            "email": person.email, "ak1_number": person.ak1_number, "ak1_expires": person.ak1_expires,
            "address": {"street": person.street, "rt": person.rt, "rw": person.rw, "village": person.village_id},
        })
    return data


def _persons(user):
    return (Person.objects.visible_to(user).active().select_related("registered_centre")
            .annotate(has_prior_training=Exists(PriorTraining.objects.filter(person=OuterRef("pk")))))


def _form_data(person: Person, changes: dict) -> dict:
    """The form's data: the person's current values with the given changes on top."""
    data = {name: getattr(person, Person._meta.get_field(name).attname) for name in PERSON_FIELDS}
    data.update(changes)
    return data


def _own_person(request) -> Person:
    user = user_of(request)
    person = Person.objects.visible_to(user).filter(user=user).select_related("registered_centre").first()
    if person is None:
        raise not_found()
    return person


# Operations ---------------------------------------------------------------------------------------

@router.get("/persons", response=list[PersonSummaryOut], url_name="persons_list",
            summary="List the persons in the caller's scope")
@paginate(Pagination)
def persons_list(request, q: TextQuery(150, description="Part of the name.") = None,
                 centre: ObjectIdQuery = None,
                 regency: TextQuery(5, description="Kemendagri regency code, e.g. 64.71.") = None,
                 never_trained: bool | None = None):
    """Staff only. Registrations merged into another by record linkage are left out (the survivor stands for
    both). A NIK is never a filter here: use ``POST /persons/lookup``."""
    require_role(request, *STAFF)
    persons = _persons(user_of(request))
    if q and q.strip():
        persons = persons.filter(full_name__icontains=q.strip())
    if centre is not None:
        persons = persons.filter(registered_centre_id=centre)
    if regency:
        persons = persons.filter(village__code__startswith=f"{regency}.")
    if never_trained is True:
        persons = persons.never_trained()
    elif never_trained is False:
        persons = persons.exclude(pk__in=Person.objects.never_trained().values("pk"))
    return persons.order_by("full_name", "pk")


@router.post("/persons/lookup", response=PersonOut, url_name="persons_lookup", exclude_unset=True,
             summary="Find a person in the caller's scope by NIK")
def persons_lookup(request, payload: LookupIn):
    """Staff only. The NIK is in the body, never in a URL (URLs end up in logs). 404 when no person in the
    caller's scope has it."""
    require_role(request, *STAFF)
    verdict = ratelimits.nik_lookup(request)  # the same limits as the person search by NIK
    if verdict is not None:
        raise ApiError(429, "rate_limited", _("Too many searches by NIK. Try again in %(minutes)s minutes.")
                       % {"minutes": verdict.retry_minutes}, retry_after=verdict.retry_after)
    nik = normalise_nik(payload.nik)
    person = _persons(user_of(request)).filter(nik=nik).first() if len(nik) == 16 and nik.isdigit() else None
    if person is None:
        raise not_found()
    return person_out(request, person, audit_nik=False)  # the caller sent the NIK: nothing is revealed


@router.get("/persons/me", response=PersonOut, url_name="persons_me", exclude_unset=True,
            summary="The job seeker's own record")
def persons_me(request):
    require_role(request, Role.JOB_SEEKER)
    return person_out(request, _own_person(request))


@router.patch("/persons/me", response=PersonOut, url_name="persons_me_update", exclude_unset=True,
              summary="Correct the job seeker's own record")
@idempotent
def persons_me_update(request, payload: SelfPatch):
    """The fields of ``SelfPatch`` only: the NIK and the AK/1 card are corrected by an operator."""
    require_role(request, Role.JOB_SEEKER)
    person = _own_person(request)
    changes = payload.dict(exclude_unset=True)
    form = SelfProfileForm(data=_form_data(person, changes), instance=Person.objects.get(pk=person.pk))
    if not form.is_valid():
        raise form_invalid(form)
    _result, _errors, warnings = check_nik(person.nik, birth_date=form.cleaned_data.get("birth_date"),
                                           sex=form.cleaned_data.get("sex"))
    services.update_person(person, data=form.person_data(), by=user_of(request), nik_warnings=warnings,
                           request=request)
    return person_out(request, _own_person(request))


@router.get("/persons/{person_id}", response=PersonOut, url_name="persons_detail", exclude_unset=True,
            summary="A person")
def persons_detail(request, person_id: ObjectId):
    """Staff only, within their scope (404 otherwise). The full NIK in the answer is audited."""
    require_role(request, *STAFF)
    return person_out(request, get_person_for_user(user_of(request), person_id))


@router.post("/persons", response={201: PersonOut}, url_name="persons_create", exclude_unset=True,
             summary="Register a person")
@idempotent
def persons_create(request, payload: PersonIn):
    """Staff only. An operator registers at their own training centre; a province admin registers without one.
    The NIK rules are the registry's: an error is a 422 with the field, a warning (regency code unknown, birth
    date or sex differing from the NIK) is kept in ``nik_warnings`` for an operator to check."""
    require_role(request, *STAFF)
    user = user_of(request)
    form = PersonForm(data={**payload.dict(), "nik": normalise_nik(payload.nik)})
    if not form.is_valid():
        raise form_invalid(form)
    centre = None
    if not user.is_province_admin:
        centre = TrainingCentre.objects.filter(pk__in=user.centre_ids).order_by("pk").first()
    person = services.register_person(
        data=form.person_data(), by=user, source=PersonSource.OPERATOR, centre=centre,
        nik_warnings=form.nik_warnings, consents=[Consent.Purpose.REGISTRY], channel=Consent.Channel.OPERATOR,
        request=request)
    return Status(201, person_out(request, _persons(user).get(pk=person.pk), audit_nik=False))


@router.patch("/persons/{person_id}", response=PersonOut, url_name="persons_update", exclude_unset=True,
              summary="Correct a person's record")
@idempotent
def persons_update(request, person_id: ObjectId, payload: PersonPatch):
    """Staff who may edit the person (the province admin, an operator of the person's centre); 404 otherwise."""
    require_role(request, *STAFF)
    user = user_of(request)
    person = get_person_for_user(user, person_id)
    if not can_edit(user, person):
        raise not_found()
    changes = payload.dict(exclude_unset=True)
    if changes.get("nik") is not None:
        changes["nik"] = normalise_nik(changes["nik"])
    form = PersonForm(data=_form_data(person, changes), instance=Person.objects.get(pk=person.pk))
    if not form.is_valid():
        raise form_invalid(form)
    services.update_person(person, data=form.person_data(), by=user, nik_warnings=form.nik_warnings,
                           request=request)
    return person_out(request, get_person_for_user(user, person_id))
