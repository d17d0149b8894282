"""API: programme years and targets, training centres, packages and batches (angkatan).

kompeten/api/base.py says what every router follows. Staff only (centre operators and the province admin); each
list and object comes through the programmes app's scoping (``visible_to``, kompeten/programmes/access.py). The
province admin sets the targets; operators open and run the batches of their own centre (the batch status table,
capacity and sessions are kompeten/programmes/services.py's).
"""

import datetime
from typing import Literal

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kompeten.accounts.models import Role
from kompeten.api.base import (
    AUTH,
    IdField,
    ObjectId,
    ObjectIdQuery,
    Pagination,
    Text,
    TextQuery,
    form_invalid,
    invalid,
    require_role,
    user_of,
)
from kompeten.api.idempotency import idempotent
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.programmes import services
from kompeten.programmes.access import get_batch_for_user, get_centre_for_user, get_package_for_user
from kompeten.programmes.forms import BatchForm, TargetForm
from kompeten.programmes.models import (
    Batch,
    BatchStatus,
    FundingSource,
    ProgrammeYear,
    Target,
    TrainingCentre,
    TrainingPackage,
)
from kompeten.training.models import EnrolmentStatus
from kompeten.training.services import seats_free, seats_taken

router = Router(auth=AUTH)

STAFF = (Role.PROVINCE_ADMIN, Role.CENTRE_OPERATOR)


# Schemas ------------------------------------------------------------------------------------------

class TargetOut(Schema):
    id: int
    programme_year: int = Field(description="The programme year's id.")
    kind: Literal[tuple(Target.Kind.values)]
    centre: int | None = Field(description="A training centre's target; none: the province's.")
    sector: str | None = Field(description="A sector's target (its key); none: every sector.")
    number: int

    @staticmethod
    def resolve_programme_year(target) -> int:
        return target.programme_year_id

    @staticmethod
    def resolve_centre(target) -> int | None:
        return target.centre_id

    @staticmethod
    def resolve_sector(target) -> str | None:
        return target.sector_id


class ProgrammeYearOut(Schema):
    id: int
    year: int
    name: str
    notes: str


class ProgrammeYearDetailOut(ProgrammeYearOut):
    targets: list[TargetOut] = Field(description="An operator sees the province's targets and their centres'.")


class TargetIn(Schema):
    kind: Literal[tuple(Target.Kind.values)]
    centre: IdField | None = None
    sector: Text(40) | None = None
    number: int = Field(ge=0, le=10_000_000)


class TargetPatch(Schema):
    number: int = Field(ge=0, le=10_000_000)


class CentreOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    owner: str
    region: str = Field(description="Kemendagri code of the centre's regency or city.")
    class_size: int
    vocations: list[str] = Field(description="Codes of the vocations (kejuruan) the centre trains.")

    @staticmethod
    def resolve_region(centre) -> str:
        return centre.region_id

    @staticmethod
    def resolve_vocations(centre) -> list[str]:
        return [vocation.code for vocation in centre.vocations.all()]


class PackageOut(Schema):
    id: int
    centre: int
    vocation: str
    code: str
    name: str
    hours: int
    class_size: int
    attendance_threshold: int
    has_final_test: bool
    scheme: int | None
    min_age: int | None
    max_age: int | None
    min_education: str | None
    max_education: str | None
    domicile: str | None
    require_not_in_school: bool
    require_not_working: bool
    required_documents: list[str]
    is_active: bool

    @staticmethod
    def resolve_centre(package) -> int:
        return package.centre_id

    @staticmethod
    def resolve_vocation(package) -> str:
        return package.vocation.code

    @staticmethod
    def resolve_scheme(package) -> int | None:
        return package.scheme_id

    @staticmethod
    def resolve_min_education(package) -> str | None:
        return package.min_education_id

    @staticmethod
    def resolve_max_education(package) -> str | None:
        return package.max_education_id

    @staticmethod
    def resolve_domicile(package) -> str | None:
        return package.domicile_id


class BatchOut(Schema):
    id: int
    programme_year: int = Field(description="The year, e.g. 2025.")
    centre: int
    package: int
    vocation: str
    sector: str
    number: int = Field(description="The angkatan number within its package and year.")
    name: str
    start_date: datetime.date
    end_date: datetime.date
    capacity: int
    enrolled: int = Field(description="Participants holding a seat (not withdrawn).")
    instructors: str
    location: str
    funding_source: Literal[tuple(FundingSource.values)]
    status: Literal[tuple(BatchStatus.values)]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_programme_year(batch) -> int:
        return batch.programme_year.year

    @staticmethod
    def resolve_centre(batch) -> int:
        return batch.centre_id

    @staticmethod
    def resolve_package(batch) -> int:
        return batch.package_id

    @staticmethod
    def resolve_vocation(batch) -> str:
        return batch.package.vocation.code

    @staticmethod
    def resolve_sector(batch) -> str:
        return batch.package.vocation.sector_id

    @staticmethod
    def resolve_name(batch) -> str:
        return str(batch)

    @staticmethod
    def resolve_enrolled(batch) -> int:
        enrolled = getattr(batch, "enrolled", None)
        return enrolled if enrolled is not None else batch.enrolments.holding_seat().count()


class BatchDetailOut(BatchOut):
    seats_taken: int = Field(description="Participants plus selection offers still open.")
    seats_free: int
    sessions: int = Field(description="Training days.")
    allowed_transitions: list[Literal[tuple(BatchStatus.values)]]

    @staticmethod
    def resolve_seats_taken(batch) -> int:
        return seats_taken(batch)

    @staticmethod
    def resolve_seats_free(batch) -> int:
        return seats_free(batch)

    @staticmethod
    def resolve_sessions(batch) -> int:
        return batch.sessions.count()

    @staticmethod
    def resolve_allowed_transitions(batch) -> list[str]:
        return services.allowed_transitions(batch)


FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)
LONGEST_BATCH = datetime.timedelta(days=366)


class BatchIn(Schema):
    programme_year: IdField = Field(description="The programme year's id.")
    package: IdField = Field(description="A package of the caller's centre; the batch is at its centre.")
    start_date: datetime.date = Field(ge=FIRST_DAY, le=LAST_DAY)
    end_date: datetime.date = Field(ge=FIRST_DAY, le=LAST_DAY, description="At most a year after the start: one "
                                                                            "session is made per working day.")
    capacity: int | None = Field(None, ge=1, le=999, description="Empty: the package's class size.")
    instructors: Text(255) = ""
    location: Text(120) = ""
    funding_source: Literal[tuple(FundingSource.values)] = FundingSource.APBD.value


class BatchPatch(Schema):
    """The fields of a batch that change by editing; capacity and status have their own operations."""

    programme_year: IdField | None = None
    start_date: datetime.date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY)
    end_date: datetime.date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY)
    instructors: Text(255) | None = None
    location: Text(120) | None = None
    funding_source: Literal[tuple(FundingSource.values)] | None = None


class TransitionIn(Schema):
    to: Literal[tuple(BatchStatus.values)]


class CapacityIn(Schema):
    capacity: int = Field(ge=1, le=999)


# Programme years and targets ----------------------------------------------------------------------

def _visible_targets(user, year):
    from kompeten.programmes.views import _visible_targets  # the pages' rule: the province's and one's centres'

    return _visible_targets(user, year)


@router.get("/programme-years", response=list[ProgrammeYearOut], url_name="programme_years_list",
            summary="List the programme years")
@paginate(Pagination)
def programme_years_list(request):
    require_role(request, *STAFF)
    return ProgrammeYear.objects.order_by("-year")


@router.get("/programme-years/{year_id}", response=ProgrammeYearDetailOut, url_name="programme_years_detail",
            summary="A programme year with its targets")
def programme_years_detail(request, year_id: ObjectId):
    require_role(request, *STAFF)
    year = get_object_or_404(ProgrammeYear, pk=year_id)
    return {"id": year.pk, "year": year.year, "name": year.name, "notes": year.notes,
            "targets": list(_visible_targets(user_of(request), year))}


@router.post("/programme-years/{year_id}/targets", response={201: TargetOut}, url_name="targets_create",
             summary="Set a target of a programme year")
@idempotent
def targets_create(request, year_id: ObjectId, payload: TargetIn):
    """Province admin only. One target per kind and centre and sector: an existing one is changed with
    ``PATCH /targets/{id}``."""
    require_role(request, Role.PROVINCE_ADMIN)
    year = get_object_or_404(ProgrammeYear, pk=year_id)
    form = TargetForm(data=payload.dict(), programme_year=year)
    if not form.is_valid():
        raise form_invalid(form)
    target = form.save(commit=False)
    target.programme_year = year
    target.save()
    record(AuditEntry.Action.CREATE, target, by=user_of(request), changes={"number": [None, target.number]},
           request=request)
    return Status(201, target)


@router.patch("/targets/{target_id}", response=TargetOut, url_name="targets_update", summary="Change a target")
@idempotent
def targets_update(request, target_id: ObjectId, payload: TargetPatch):
    """Province admin only."""
    require_role(request, Role.PROVINCE_ADMIN)
    target = get_object_or_404(Target, pk=target_id)
    if payload.number != target.number:
        record(AuditEntry.Action.UPDATE, target, by=user_of(request),
               changes={"number": [target.number, payload.number]}, request=request)
        target.number = payload.number
        target.save(update_fields=["number"])
    return target


# Centres and packages -----------------------------------------------------------------------------

@router.get("/centres", response=list[CentreOut], url_name="centres_list", summary="List the training centres")
@paginate(Pagination)
def centres_list(request):
    """An operator sees their own centres; the province admin all."""
    require_role(request, *STAFF)
    return (TrainingCentre.objects.visible_to(user_of(request)).prefetch_related("vocations")
            .order_by("name", "pk"))


@router.get("/centres/{centre_id}", response=CentreOut, url_name="centres_detail", summary="A training centre")
def centres_detail(request, centre_id: ObjectId):
    require_role(request, *STAFF)
    return get_centre_for_user(user_of(request), centre_id)


@router.get("/packages", response=list[PackageOut], url_name="packages_list", summary="List the training packages")
@paginate(Pagination)
def packages_list(request, centre: ObjectIdQuery = None,
                  vocation: TextQuery(60, description="A vocation's code.") = None,
                  is_active: bool | None = None):
    require_role(request, *STAFF)
    packages = TrainingPackage.objects.visible_to(user_of(request)).select_related("vocation")
    if centre is not None:
        packages = packages.filter(centre_id=centre)
    if vocation:
        packages = packages.filter(vocation__code=vocation)
    if is_active is not None:
        packages = packages.filter(is_active=is_active)
    return packages.order_by("centre", "name", "pk")


@router.get("/packages/{package_id}", response=PackageOut, url_name="packages_detail", summary="A training package")
def packages_detail(request, package_id: ObjectId):
    require_role(request, *STAFF)
    return get_package_for_user(user_of(request), package_id)


# Batches ------------------------------------------------------------------------------------------

def _batch(user, pk, *, write=False) -> Batch:
    get_batch_for_user(user, pk, write=write)  # the one place that decides; 404 otherwise
    return (Batch.objects.select_related("programme_year", "package__vocation", "centre").get(pk=pk))


@router.get("/batches", response=list[BatchOut], url_name="batches_list", summary="List the batches (angkatan)")
@paginate(Pagination)
def batches_list(request, centre: ObjectIdQuery = None,
                 year: int | None = Query(None, ge=2000, le=2100, description="The programme year, e.g. 2025."),
                 status: Literal[tuple(BatchStatus.values)] | None = None,
                 vocation: TextQuery(60, description="A vocation's code.") = None,
                 sector: TextQuery(40, description="A sector's key.") = None):
    require_role(request, *STAFF)
    batches = (Batch.objects.visible_to(user_of(request))
               .select_related("programme_year", "package__vocation", "centre")
               .annotate(enrolled=Count("enrolments", filter=~Q(enrolments__status=EnrolmentStatus.WITHDRAWN))))
    if centre is not None:
        batches = batches.filter(centre_id=centre)
    if year is not None:
        batches = batches.filter(programme_year__year=year)
    if status:
        batches = batches.filter(status=status)
    if vocation:
        batches = batches.filter(package__vocation__code=vocation)
    if sector:
        batches = batches.filter(package__vocation__sector_id=sector)
    return batches.order_by("start_date", "centre", "pk")


@router.get("/batches/{batch_id}", response=BatchDetailOut, url_name="batches_detail", summary="A batch (angkatan)")
def batches_detail(request, batch_id: ObjectId):
    require_role(request, *STAFF)
    return _batch(user_of(request), batch_id)


@router.post("/batches", response={201: BatchDetailOut}, url_name="batches_create", summary="Open a batch")
@idempotent
def batches_create(request, payload: BatchIn):
    """Staff of the package's centre (404 for a package outside the caller's scope). The batch is at the
    package's centre, numbered next in its package and year, with one session per working day; it starts as
    ``planned``."""
    require_role(request, *STAFF)
    user = user_of(request)
    get_package_for_user(user, payload.package, write=True)
    if payload.end_date - payload.start_date > LONGEST_BATCH:
        raise invalid("end_date: a batch lasts at most a year.")
    form = BatchForm(data=payload.dict(), user=user)
    if not form.is_valid():
        raise form_invalid(form)
    batch = form.save(commit=False)
    batch.centre = batch.package.centre
    batch.number = services.next_batch_number(batch.package, batch.programme_year)
    batch.save()
    services.generate_sessions(batch)
    record(AuditEntry.Action.CREATE, batch, by=user, request=request,
           changes={"package": [None, batch.package_id], "capacity": [None, batch.capacity],
                    "start_date": [None, batch.start_date], "end_date": [None, batch.end_date]})
    return Status(201, _batch(user, batch.pk))


@router.patch("/batches/{batch_id}", response=BatchDetailOut, url_name="batches_update", summary="Change a batch")
@idempotent
def batches_update(request, batch_id: ObjectId, payload: BatchPatch):
    """Staff of the batch's centre. The package is fixed; capacity and status change with their own operations."""
    require_role(request, *STAFF)
    user = user_of(request)
    batch = get_batch_for_user(user, batch_id, write=True)
    instance = Batch.objects.get(pk=batch.pk)
    data = {"programme_year": instance.programme_year_id, "package": instance.package_id,
            "start_date": instance.start_date, "end_date": instance.end_date, "instructors": instance.instructors,
            "location": instance.location, "funding_source": instance.funding_source,
            **payload.dict(exclude_unset=True)}
    form = BatchForm(data=data, instance=instance, user=user)
    if not form.is_valid():
        raise form_invalid(form)
    changes = {name: [str(form.initial.get(name)), str(form.cleaned_data[name])] for name in form.changed_data}
    form.save()
    if changes:
        record(AuditEntry.Action.UPDATE, batch, by=user, changes=changes, request=request)
    return _batch(user, batch.pk)


@router.post("/batches/{batch_id}/transition", response=BatchDetailOut, url_name="batches_transition",
             summary="Move a batch to another status")
@idempotent
def batches_transition(request, batch_id: ObjectId, payload: TransitionIn):
    """planned → open → selecting → running → completed → closed, or cancelled before running (the batch
    status table of kompeten/programmes/services.py; 409 ``invalid_transition`` otherwise)."""
    require_role(request, *STAFF)
    user = user_of(request)
    batch = get_batch_for_user(user, batch_id, write=True)
    services.transition_batch(batch, payload.to, by=user, request=request)
    return _batch(user, batch.pk)


@router.post("/batches/{batch_id}/capacity", response=BatchDetailOut, url_name="batches_capacity",
             summary="Change a batch's capacity")
@idempotent
def batches_capacity(request, batch_id: ObjectId, payload: CapacityIn):
    """Never below the seats already taken (409 ``capacity_below_enrolled``)."""
    require_role(request, *STAFF)
    user = user_of(request)
    batch = get_batch_for_user(user, batch_id, write=True)
    services.set_capacity(batch, payload.capacity, by=user, request=request)
    return _batch(user, batch.pk)
