"""API: selection rounds, applications with ranked choices, and offers.

kompeten/api/base.py says what every router follows. Staff (centre operators, the province admin) create rounds,
add their batches and run them — open, close, allocate, publish, finish — through kompeten/selection/services.py,
and read the applications of their rounds; a job seeker reads the rounds past their draft, applies with up to five
batches in order of preference, withdraws while registration is open, and answers their offers. Access is
kompeten/selection/access.py's (404 for what is outside the caller's scope). A selection round's offer of a seat
is a ``seat-offer`` (``/offers`` are the apprenticeship offers of companies).
"""

import datetime
from typing import Annotated, Literal

from django.db.models import Prefetch
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
    form_invalid,
    invalid,
    not_found,
    require_role,
    user_of,
)
from kompeten.api.idempotency import idempotent
from kompeten.programmes.access import get_centre_for_user
from kompeten.registry.models import Person
from kompeten.selection import services
from kompeten.selection.access import (
    can_run_round,
    get_application_for_user,
    get_offer_for_user,
    get_round_for_user,
    is_selection_staff,
)
from kompeten.selection.forms import RULE_SLOTS, AddBatchForm, RoundForm
from kompeten.selection.models import (
    MAX_CHOICES,
    Application,
    ApplicationStatus,
    Choice,
    Offer,
    OfferStatus,
    PriorityRule,
    RoundStatus,
    SelectionRound,
)

router = Router(auth=AUTH)

STAFF = (Role.PROVINCE_ADMIN, Role.CENTRE_OPERATOR)
BATCH_RELATED = ("batch__package", "batch__centre", "batch__programme_year")

# The round's steps, each a service (the page's buttons are the same).
ROUND_ACTIONS = {
    "open": services.open_round,
    "close": services.close_round,
    "allocate": services.run_allocation,
    "publish": services.publish,
    "finish": services.finish_round,
}


# Schemas ------------------------------------------------------------------------------------------

class RoundBatchOut(Schema):
    id: int
    batch: int
    centre: int
    name: str
    start_date: datetime.date
    end_date: datetime.date
    seats: int
    reserves: dict[str, int] = Field(description='Seats reserved per group, e.g. {"women": 4}.')

    @staticmethod
    def resolve_batch(round_batch) -> int:
        return round_batch.batch_id

    @staticmethod
    def resolve_centre(round_batch) -> int:
        return round_batch.batch.centre_id

    @staticmethod
    def resolve_name(round_batch) -> str:
        return str(round_batch.batch)

    @staticmethod
    def resolve_start_date(round_batch) -> datetime.date:
        return round_batch.batch.start_date

    @staticmethod
    def resolve_end_date(round_batch) -> datetime.date:
        return round_batch.batch.end_date


class RoundOut(Schema):
    id: int
    programme_year: int = Field(description="The year, e.g. 2025.")
    name: str
    centres: list[int]
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    results_at: datetime.datetime
    offer_days: int
    rules: list[str] = Field(description="The priority rules, in order.")
    uses_document_check: bool
    uses_test: bool
    uses_interview: bool
    status: Literal[tuple(RoundStatus.values)]
    seed_hash: str = Field(description="SHA-256 of the lottery seed, published when registration opens.")
    seed: str = Field(description="The lottery seed, revealed with the results (empty before).")
    published_at: datetime.datetime | None

    @staticmethod
    def resolve_programme_year(round_) -> int:
        return round_.programme_year.year

    @staticmethod
    def resolve_centres(round_) -> list[int]:
        return [centre.pk for centre in round_.centres.all()]

    @staticmethod
    def resolve_seed(round_) -> str:
        return round_.public_seed


class RoundDetailOut(RoundOut):
    batches: list[RoundBatchOut]

    @staticmethod
    def resolve_batches(round_) -> list:
        return list(round_.round_batches.select_related(*BATCH_RELATED).order_by("batch__centre", "batch__start_date",
                                                                                  "pk"))


class RoundIn(Schema):
    name: Text(200, min_length=1)
    programme_year: IdField = Field(description="The programme year's id.")
    centres: list[IdField] = Field(min_length=1, max_length=20, description="Training centres the round covers.")
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    results_at: datetime.datetime
    offer_days: int = Field(3, ge=1, le=30)
    rules: list[Literal[tuple(PriorityRule.values)]] = Field(
        default_factory=lambda: ["never_trained", "domicile", "unemployed_longer"], max_length=RULE_SLOTS,
        description="Priority rules in order, each at most once.")
    uses_document_check: bool = True
    uses_test: bool = False
    uses_interview: bool = False


class AddBatchIn(Schema):
    batch: IdField = Field(description="An open batch of one of the round's centres (and the caller's).")


class RoundActionIn(Schema):
    action: Literal[tuple(ROUND_ACTIONS)] = Field(
        description="open (also reopens a closed round), close, allocate (again), publish (sends the offers), "
                    "finish (no more offers from the reserve list).")


class ChoiceOut(Schema):
    rank: int
    batch: int
    name: str
    eligible: bool
    ineligible_reasons: list[str]

    @staticmethod
    def resolve_batch(choice) -> int:
        return choice.batch_id

    @staticmethod
    def resolve_name(choice) -> str:
        return str(choice.batch)


class SeatOfferOut(Schema):
    """A seat offered by a selection round (not an apprenticeship offer: those are ``/offers``)."""

    id: int
    application: int
    batch: int
    status: Literal[tuple(OfferStatus.values)]
    from_reserve_list: bool
    expires_at: datetime.datetime
    answered_at: datetime.datetime | None

    @staticmethod
    def resolve_application(offer) -> int:
        return offer.application_id

    @staticmethod
    def resolve_batch(offer) -> int:
        return offer.batch_id


class ApplicationOut(Schema):
    id: int
    public_ref: str = Field(description="The applicant's number in everything published about the round.")
    round: int
    person: int
    person_name: str
    status: Literal[tuple(ApplicationStatus.values)]
    submitted_at: datetime.datetime
    choices: list[ChoiceOut]
    documents_ok: bool | None
    test_score: int | None
    interview_score: int | None
    assigned_batch: int | None = Field(description="The batch the allocation gave (admitted only).")
    seat_category: str
    offers: list[SeatOfferOut]

    @staticmethod
    def resolve_round(application) -> int:
        return application.round_id

    @staticmethod
    def resolve_person(application) -> int:
        return application.person_id

    @staticmethod
    def resolve_person_name(application) -> str:
        return application.person.full_name

    @staticmethod
    def resolve_choices(application) -> list:
        return list(application.choices.all())

    @staticmethod
    def resolve_assigned_batch(application) -> int | None:
        choice = application.assigned_choice
        return choice.batch_id if choice is not None else None

    @staticmethod
    def resolve_offers(application) -> list:
        return list(application.offers.all())


class ApplyIn(Schema):
    batches: list[IdField] = Field(min_length=1, max_length=MAX_CHOICES,
                                   description="Batches of the round in order of preference (at most five).")


Score = Annotated[int, Field(ge=0, le=100)]


class StageIn(Schema):
    stage: Literal[tuple(services.STAGES)]
    value: bool | Score = Field(description="documents: true or false; test and interview: a score 0-100.")


# Helpers ------------------------------------------------------------------------------------------

def _rounds(user):
    return (SelectionRound.objects.visible_to(user).select_related("programme_year")
            .prefetch_related("centres"))


def _applications():
    return (Application.objects.select_related("person", "assigned_choice")
            .prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related(*BATCH_RELATED)),
                              "offers"))


def _application(user, pk):
    get_application_for_user(user, pk, manage=is_selection_staff(user) and not user.has_role(Role.JOB_SEEKER))
    return _applications().get(pk=pk)


def _own_person(user) -> Person:
    person = Person.objects.visible_to(user).filter(user=user).first()
    if person is None:
        raise not_found()
    return person


# Rounds -------------------------------------------------------------------------------------------

@router.get("/rounds", response=list[RoundOut], url_name="rounds_list", summary="List the selection rounds")
@paginate(Pagination)
def rounds_list(request, status: Literal[tuple(RoundStatus.values)] | None = None,
                year: int | None = Query(None, ge=2000, le=2100, description="The programme year, e.g. 2025.")):
    """Staff see the rounds of their centres; a job seeker the rounds past their draft."""
    require_role(request, *STAFF, Role.JOB_SEEKER)
    rounds = _rounds(user_of(request))
    if status:
        rounds = rounds.filter(status=status)
    if year is not None:
        rounds = rounds.filter(programme_year__year=year)
    return rounds.order_by("-opens_at", "pk")


@router.get("/rounds/{round_id}", response=RoundDetailOut, url_name="rounds_detail",
            summary="A selection round with its batches")
def rounds_detail(request, round_id: ObjectId):
    require_role(request, *STAFF, Role.JOB_SEEKER)
    get_round_for_user(user_of(request), round_id)
    return _rounds(user_of(request)).get(pk=round_id)


@router.post("/rounds", response={201: RoundDetailOut}, url_name="rounds_create", summary="Create a selection round")
@idempotent
def rounds_create(request, payload: RoundIn):
    """Staff, for their own centres. The round starts as a draft: add its batches, then open it."""
    require_role(request, *STAFF)
    user = user_of(request)
    for centre_id in payload.centres:  # a centre outside the caller's scope is not theirs to name: 404
        get_centre_for_user(user, centre_id)
    data = payload.dict()
    rules = data.pop("rules")
    if len(set(rules)) != len(rules):
        raise invalid("rules: each priority rule may be used only once.")
    form = RoundForm(data={**data, **{f"rule_{i}": rule for i, rule in enumerate(rules, start=1)}}, user=user)
    if not form.is_valid():
        raise form_invalid(form)
    clean = form.cleaned_data
    round_ = services.create_round(
        programme_year=clean["programme_year"], name=clean["name"], centres=clean["centres"],
        opens_at=clean["opens_at"], closes_at=clean["closes_at"], results_at=clean["results_at"],
        rules=clean["rules"], offer_days=clean["offer_days"], uses_document_check=clean["uses_document_check"],
        uses_test=clean["uses_test"], uses_interview=clean["uses_interview"], by=user)
    return Status(201, _rounds(user).get(pk=round_.pk))


@router.post("/rounds/{round_id}/batches", response=RoundDetailOut, url_name="rounds_add_batch",
             summary="Offer a batch in a round")
@idempotent
def rounds_add_batch(request, round_id: ObjectId, payload: AddBatchIn):
    """Staff of the round. The batch joins with the seats it has free now (409 ``round_locked`` once the round is
    allocated)."""
    require_role(request, *STAFF)
    user = user_of(request)
    round_ = get_round_for_user(user, round_id, manage=True)
    form = AddBatchForm(data=payload.dict(), round_=round_, user=user)
    if not form.is_valid():
        raise form_invalid(form)
    services.add_batch(round_, form.cleaned_data["batch"], by=user)
    return _rounds(user).get(pk=round_.pk)


@router.post("/rounds/{round_id}/transition", response=RoundDetailOut, url_name="rounds_transition",
             summary="Open, close, allocate, publish or finish a round")
@idempotent
def rounds_transition(request, round_id: ObjectId, payload: RoundActionIn):
    """The province admin, or an operator of every centre the round covers (404 otherwise). Publishing sends
    every admitted applicant a time-limited offer and reveals the lottery seed."""
    require_role(request, *STAFF)
    user = user_of(request)
    round_ = get_round_for_user(user, round_id, manage=True)
    if not can_run_round(user, round_):
        raise not_found()
    ROUND_ACTIONS[payload.action](round_, by=user)
    return _rounds(user).get(pk=round_.pk)


@router.get("/rounds/{round_id}/applications", response=list[ApplicationOut], url_name="rounds_applications",
            summary="The applications of a round")
@paginate(Pagination)
def rounds_applications(request, round_id: ObjectId, status: Literal[tuple(ApplicationStatus.values)] | None = None,
                        batch: ObjectIdQuery = None):
    """Staff of the round; in a round shared by several centres, an operator sees the applications that chose a
    batch of their centres."""
    require_role(request, *STAFF)
    user = user_of(request)
    round_ = get_round_for_user(user, round_id, manage=True)
    applications = _applications().filter(pk__in=Application.objects.visible_to(user).filter(round=round_)
                                          .values("pk"))
    if status:
        applications = applications.filter(status=status)
    if batch is not None:
        applications = applications.filter(choices__batch_id=batch)
    return applications.order_by("person__full_name", "pk")


@router.post("/rounds/{round_id}/applications", response={201: ApplicationOut}, url_name="rounds_apply",
             summary="Apply in a round with ranked choices")
@idempotent
def rounds_apply(request, round_id: ObjectId, payload: ApplyIn):
    """A job seeker, while registration is open: up to five batches of the round in order of preference, each
    one the applicant is eligible for (409 with the rule's code otherwise: ``round_not_open``, ``already_applied``,
    ``not_eligible``, ``duplicate_choice``, ``batch_not_in_round``)."""
    require_role(request, Role.JOB_SEEKER)
    user = user_of(request)
    round_ = get_round_for_user(user, round_id)
    application = services.apply(round_, _own_person(user), list(payload.batches), by=user)
    return Status(201, _applications().get(pk=application.pk))


# Applications and offers --------------------------------------------------------------------------

@router.get("/applications/mine", response=list[ApplicationOut], url_name="applications_mine",
            summary="The job seeker's own applications")
@paginate(Pagination)
def applications_mine(request):
    require_role(request, Role.JOB_SEEKER)
    user = user_of(request)
    return _applications().filter(person__user=user).order_by("-submitted_at", "pk")


@router.get("/applications/{application_id}", response=ApplicationOut, url_name="applications_detail",
            summary="An application")
def applications_detail(request, application_id: ObjectId):
    """The applicant's own, or an application of a round the staff member runs."""
    require_role(request, *STAFF, Role.JOB_SEEKER)
    return _application(user_of(request), application_id)


@router.post("/applications/{application_id}/withdraw", response=ApplicationOut, url_name="applications_withdraw",
             summary="Withdraw an application")
@idempotent
def applications_withdraw(request, application_id: ObjectId):
    """The applicant, while registration is open (409 ``round_not_open`` after)."""
    require_role(request, Role.JOB_SEEKER)
    user = user_of(request)
    application = get_application_for_user(user, application_id)
    if application.person.user_id != user.pk:
        raise not_found()
    services.withdraw_application(application, by=user)
    return _applications().get(pk=application.pk)


@router.post("/applications/{application_id}/stage", response=ApplicationOut, url_name="applications_stage",
             summary="Record a selection stage's result")
@idempotent
def applications_stage(request, application_id: ObjectId, payload: StageIn):
    """Staff of the round: the document check (true/false), the written test or the interview (0-100), for a
    round that uses the stage (409 ``stage_not_used``)."""
    require_role(request, *STAFF)
    user = user_of(request)
    application = get_application_for_user(user, application_id, manage=True)
    documents = payload.stage == "documents"
    if documents != isinstance(payload.value, bool):
        raise invalid("value: the document check is true or false; a score is a whole number from 0 to 100.")
    services.record_stage(application, payload.stage, payload.value, by=user)
    return _applications().get(pk=application.pk)


@router.post("/seat-offers/{offer_id}/accept", response=SeatOfferOut, url_name="seat_offers_accept",
             summary="Accept an offered seat (daftar ulang)")
@idempotent
def seat_offers_accept(request, offer_id: ObjectId):
    """The applicant, before the offer expires: the seat becomes an enrolment (409 ``offer_not_open``,
    ``offer_expired``)."""
    require_role(request, Role.JOB_SEEKER)
    user = user_of(request)
    offer = get_offer_for_user(user, offer_id, answer=True)
    services.accept_offer(offer, by=user)
    return Offer.objects.get(pk=offer.pk)


@router.post("/seat-offers/{offer_id}/decline", response=SeatOfferOut, url_name="seat_offers_decline",
             summary="Decline an offered seat")
@idempotent
def seat_offers_decline(request, offer_id: ObjectId):
    """The applicant; the seat goes to the next on the reserve list."""
    require_role(request, Role.JOB_SEEKER)
    user = user_of(request)
    offer = get_offer_for_user(user, offer_id, answer=True)
    services.decline_offer(offer, by=user)
    return Offer.objects.get(pk=offer.pk)
