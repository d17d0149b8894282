"""The apprenticeship overview, by role: the province admin's year against its target, an operator's trainees
in placements, a company's offers, applicants and apprentices; a job seeker goes to their own page."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kompeten.accounts.models import Role
from kompeten.apprenticeships import services
from kompeten.apprenticeships.models import (
    OPEN_STATUSES,
    Application,
    Company,
    CompanyDecision,
    CompanyStatus,
    LogbookEntry,
    MatchingRound,
    Offer,
    OfferStatus,
    Placement,
    PlacementStatus,
    RoundStatus,
)
from kompeten.apprenticeships.views.placements import flag_of
from kompeten.core.access import int_param
from kompeten.programmes.models import ProgrammeYear

RECENT = 20


def _percent(part, whole) -> int | None:
    if not whole:
        return None
    return min(round(100 * part / whole), 100)


def _admin_context(request) -> dict:
    years = list(ProgrammeYear.objects.order_by("-year"))
    chosen = int_param(request.GET.get("year"))
    year = next((y for y in years if y.year == chosen), years[0] if years else None)
    progress = services.target_progress(year) if year else None
    if progress:
        progress["percent_placed"] = _percent(progress["placed"], progress["target"])
        progress["percent_completed"] = _percent(progress["completed"], progress["target"])
    return {
        "years": years, "year": year, "progress": progress,
        "flagged_count": services.flagged(Placement.objects.all()).count(),
        "offers_waiting": Offer.objects.filter(status=OfferStatus.SUBMITTED).count(),
        "companies_waiting": Company.objects.filter(status=CompanyStatus.PENDING).count(),
        "rounds": MatchingRound.objects.filter(programme_year=year).select_related("programme_year")
        if year else MatchingRound.objects.none(),
    }


def _operator_context(user, today) -> dict:
    placements = Placement.objects.visible_to(user)
    by_status = dict(placements.order_by().values_list("status").annotate(n=Count("id", distinct=True)))
    running = list(services.with_logbook_state(placements.filter(status__in=OPEN_STATUSES))
                   .select_related("person", "company").order_by("-start_date", "pk")[:RECENT])
    for placement in running:
        placement.flagged = flag_of(placement, today=today)
    return {
        "op_by_status": [(label, by_status[value]) for value, label in PlacementStatus.choices if value in by_status],
        "op_flagged_count": services.flagged(placements, today=today).count(),
        "op_placements": running,
        "open_rounds": MatchingRound.objects.filter(status=RoundStatus.OPEN).order_by("closes_at"),
    }


def _company_context(user, today) -> dict:
    companies = list(Company.objects.visible_to(user).filter(pk__in=user.company_ids))
    offers = list(Offer.objects.filter(company__in=user.company_ids).select_related("company", "matching_round")
                  .annotate(applicants=Count("applications", distinct=True))
                  .order_by("-start_date", "title"))
    undecided = dict(Application.objects.filter(
        offer__company__in=user.company_ids, decision=CompanyDecision.PENDING,
        offer__matching_round__status__in=[RoundStatus.OPEN, RoundStatus.CLOSED]).values_list("offer_id")
        .annotate(n=Count("id")))
    for offer in offers:
        offer.undecided = undecided.get(offer.pk, 0)
    apprentices = list(services.with_logbook_state(
        Placement.objects.filter(company__in=user.company_ids, status__in=OPEN_STATUSES))
        .select_related("person", "offer", "mentor").order_by("person__full_name", "pk"))
    for placement in apprentices:
        placement.flagged = flag_of(placement, today=today)
    to_confirm = list(LogbookEntry.objects.filter(placement__company__in=user.company_ids, confirmed_at__isnull=True)
                      .select_related("placement__person").order_by("week_start", "pk")[:50])
    return {
        "companies": companies, "offers": offers, "undecided_total": sum(undecided.values()),
        "apprentices": apprentices, "to_confirm": to_confirm,
    }


@require_GET
@login_required
def home(request):
    user = request.user
    is_admin = user.is_province_admin
    is_operator = bool(user.centre_ids)
    is_company = bool(user.company_ids)
    if not (is_admin or is_operator or is_company):
        if user.has_role(Role.JOB_SEEKER):
            return redirect("apprenticeships:mine")
        raise Http404
    today = timezone.localdate()
    context = {"is_admin": is_admin, "is_operator": is_operator and not is_admin, "is_company": is_company,
               "today": today}
    if is_admin:
        context.update(_admin_context(request))
    elif is_operator:
        context.update(_operator_context(user, today))
    if is_company:
        context.update(_company_context(user, today))
    return render(request, "apprenticeships/home.html", context)
