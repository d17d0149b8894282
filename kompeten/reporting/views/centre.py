"""The operator's centre dashboard: one centre's batches of a programme year, attendance alerts, upcoming
assessment events and certificates still to issue (the data: kompeten/reporting/centre.py).

An operator sees their centre (one with several picks among theirs with ?centre=ID); a province admin picks any
centre, the first by default. A centre the user may not see is 404, never 403. ?year=2025 picks the programme
year (default: the latest).
"""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kompeten.accounts.decorators import operator_or_admin_required
from kompeten.certificates.access import can_issue_event
from kompeten.core.access import int_param
from kompeten.programmes.models import ProgrammeYear, TrainingCentre
from kompeten.reporting import centre as data


def _pick_centre(request):
    """The centres the user may pick and the one asked for (?centre=ID), or the first; 404 for any other."""
    centres = list(TrainingCentre.objects.visible_to(request.user).order_by("name"))
    asked = request.GET.get("centre")
    if asked in (None, ""):
        if not centres:
            raise Http404
        return centres, centres[0]
    chosen = int_param(asked)
    centre = next((c for c in centres if c.pk == chosen), None)
    if centre is None:
        raise Http404
    return centres, centre


def _pick_year(request):
    """The programme years and the one asked for (?year=2025), or the latest (None when there is none)."""
    years = list(ProgrammeYear.objects.order_by("-year"))
    chosen = int_param(request.GET.get("year"))
    year = next((y for y in years if y.year == chosen), years[0] if years else None)
    return years, year


@require_GET
@operator_or_admin_required
def centre_dashboard(request):
    centres, centre = _pick_centre(request)
    years, year = _pick_year(request)
    dashboard = data.centre_dashboard(centre, year, today=timezone.localdate())
    for pending in dashboard.pending_competency:
        # Competency certificates are issued by the LSP (its managers or the province admin); others follow the
        # event's page.
        pending.can_issue = can_issue_event(request.user, pending.event)
    return render(request, "reporting/centre.html", {
        "centres": centres, "centre": centre, "years": years, "year": year, "dashboard": dashboard,
    })
