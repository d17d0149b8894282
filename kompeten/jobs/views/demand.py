"""Demand against supply (per sector, occupation, regency, with CSV) and next year's seat plan. Province admin
only: anyone else gets 404. The figures are in jobs/demand.py, the proposal and apply_plan in jobs/planning.py."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kompeten.accounts.decorators import province_admin_required
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.access import int_param
from kompeten.core.errors import DomainError
from kompeten.core.exports import write_csv
from kompeten.jobs import demand as figures
from kompeten.jobs import planning as plans
from kompeten.programmes.models import Batch, ProgrammeYear

MAX_PERIOD_DAYS = 3 * 366

SECTIONS = [
    ("sector", gettext_lazy("Per sector")),
    ("occupation", gettext_lazy("Per occupation (KBJI)")),
    ("regency", gettext_lazy("Per regency / city")),
]
FIRST_COLUMN = {"sector": gettext_lazy("Sector"), "occupation": gettext_lazy("Occupation (KBJI)"),
                "regency": gettext_lazy("Regency / city")}
RATE_SOURCES = {
    "centre_vocation": gettext_lazy("this vocation at this centre"),
    "vocation": gettext_lazy("this vocation, all centres"),
    "sector": gettext_lazy("the sector"),
    "province": gettext_lazy("the province"),
    "default": gettext_lazy("default"),
}
DEMAND_SOURCES = {
    "occupations": gettext_lazy("vacancies and slots for its occupations"),
    "sector_share": gettext_lazy("its seat share of the sector's other demand"),
    "none": gettext_lazy("no demand found"),
}


def _years() -> list[ProgrammeYear]:
    return list(ProgrammeYear.objects.order_by("-year"))


def _chosen_year(value, years: list[ProgrammeYear]) -> ProgrammeYear | None:
    """The year asked for; else the latest year with batches; else the latest year."""
    chosen = int_param(value)
    found = next((y for y in years if y.year == chosen), None)
    if found is not None:
        return found
    with_batches = set(Batch.objects.order_by().values_list("programme_year_id", flat=True).distinct())
    return next((y for y in years if y.pk in with_batches), years[0] if years else None)


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _percent(value: float | None) -> int | None:
    return None if value is None else round(100 * value)


# Demand against supply -------------------------------------------------------------------------------------

@require_GET
@province_admin_required
def demand(request):
    years = _years()
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    year = None
    if start and end and start <= end and (end - start).days <= MAX_PERIOD_DAYS:
        period = figures.Period(start, end)
        query = {"from": start.isoformat(), "to": end.isoformat()}
    else:
        start = end = None
        year = _chosen_year(request.GET.get("year"), years)
        period = figures.Period.of_year(year) if year else None
        query = {"year": year.year} if year else {}
    context = {"years": years, "year": year, "period": period, "start": start, "end": end,
               "query": urlencode(query)}
    if period is None:
        return render(request, "jobs/demand.html", context)

    report = figures.report(period)
    dimension = request.GET.get("csv")
    if dimension in figures.DIMENSIONS:
        rows = report.tables[dimension] + ([report.total] if dimension == "sector" else [])
        stamp = year.year if year else f"{start.isoformat()}_{end.isoformat()}"
        filename = f"permintaan-{dimension}-{stamp}.csv"
        response = HttpResponse(write_csv(figures.export_rows(rows), figures.headers(dimension), bom=True),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        record(AuditEntry.Action.EXPORT, by=request.user, object_type="jobs.demand", object_id="*",
               object_label=filename, note=urlencode(query), request=request)
        return response

    context |= {
        "report": report, "bars": figures.bars(report.sectors),
        "sections": [(key, label, FIRST_COLUMN[key], report.tables[key]) for key, label in SECTIONS],
        "low_interest": figures.LOW_INTEREST, "high_demand": figures.HIGH_DEMAND,
    }
    return render(request, "jobs/demand.html", context)


# Next year's plan ------------------------------------------------------------------------------------------

def _decorate(plan: plans.Plan) -> None:
    for row in plan.rows:
        basis = row.basis
        row.sources = {
            "completion": RATE_SOURCES.get(basis["completion_rate_from"], basis["completion_rate_from"]),
            "certification": RATE_SOURCES.get(basis["certification_rate_from"], basis["certification_rate_from"]),
            "placement": RATE_SOURCES.get(basis["placement_rate_from"], basis["placement_rate_from"]),
            "demand": DEMAND_SOURCES.get(basis["demand_from"], basis["demand_from"]),
        }
        row.percents = {name: _percent(basis[f"{name}_rate"]) for name in ("completion", "certification",
                                                                            "placement")}
        row.field_name = f"seats-{row.centre.pk}-{row.vocation.pk}"


@require_http_methods(["GET", "POST"])
@province_admin_required
def planning(request):
    years = _years()
    if request.method == "POST":
        chosen = int_param(request.POST.get("year"))
        year = next((y for y in years if y.year == chosen), None)
        if year is None:
            raise Http404
    else:
        year = _chosen_year(request.GET.get("year"), years)
    context = {"years": years, "year": year}
    if year is None:
        return render(request, "jobs/planning.html", context)

    plan = plans.propose(year)
    errors = set()
    if request.method == "POST":
        rows = []
        for row in plan.rows:
            name = f"seats-{row.centre.pk}-{row.vocation.pk}"
            number = int_param(request.POST.get(name, "").strip(), maximum=plans.MAX_SEATS)
            if number is None:
                errors.add(name)
                continue
            row.chosen = number
            rows.append({"centre": row.centre.pk, "vocation": row.vocation.pk, "seats": number})
        if errors:
            messages.error(request, _("Seats are whole numbers from 0 to %(max)s; correct the marked rows.")
                           % {"max": plans.MAX_SEATS})
        elif request.POST.get("action") == "apply":
            try:
                applied = plans.apply_plan(year, rows, request.user, request=request)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _(
                    "Saved as the seat plan and targets of %(year)s: %(plans)s seat plan rows and %(targets)s "
                    "targets created or changed.") % {
                    "year": applied.programme_year.year,
                    "plans": applied.plans_created + applied.plans_updated,
                    "targets": applied.targets_created + applied.targets_updated})
                return redirect(f"{reverse('jobs:planning')}?year={year.year}")
    _decorate(plan)
    context |= {
        "plan": plan, "centres": plan.centres(), "totals": plan.totals(), "errors": errors,
        "saved": plan.next_year is not None and any(row.planned is not None for row in plan.rows),
        "min_factor": plans.MIN_FACTOR, "max_factor": plans.MAX_FACTOR, "max_seats": plans.MAX_SEATS,
    }
    return render(request, "jobs/planning.html", context)
