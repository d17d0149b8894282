"""Outcome pages: the public survey (the token in the link is its only credential), follow-ups of unanswered
surveys, a person's outcomes, the placement rates (with CSV), and the AK/1 cards with their six-monthly reports.

Operators see their centre's people (the scoped querysets), the province admin everyone; anything else is a 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kompeten.accounts.decorators import operator_or_admin_required
from kompeten.apprenticeships.rules import add_months
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.access import get_or_404, int_param
from kompeten.core.errors import DomainError
from kompeten.core.exports import write_csv
from kompeten.jobs import services, tracer
from kompeten.jobs.models import SURVEY_MONTHS, OutcomeSource, OutcomeSurvey
from kompeten.jobs.outcome_forms import Ak1ReportForm, OutcomeForm, SurveyForm
from kompeten.privacy import services as privacy
from kompeten.programmes.models import Batch, TrainingCentre
from kompeten.registry.access import get_person_for_user
from kompeten.registry.models import AK1_VALID_YEARS, Person

PAGE_SIZE = 50


# The public survey -----------------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token):
    """Phone-first and tiny (no stylesheet or script to download); shows nothing of the person but the first
    name; answers once."""
    found = OutcomeSurvey.objects.filter(token=token[:32]).select_related("person").first()
    if found is None:
        raise Http404
    context = {"survey": found, "first_name": tracer.first_name(found.person), "months": found.months}
    form = None
    if found.responded_at is not None:
        context["notice"] = tracer.MESSAGES["survey_answered"]
    elif request.method == "POST":
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                tracer.respond(found, form.cleaned_data, request=request)
                context["thanks"] = True
            except DomainError as error:
                context["notice"] = error.message
            form = None
    else:
        form = SurveyForm()
    context["form"] = form
    response = render(request, "jobs/survey.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Placement rates --------------------------------------------------------------------------------------------

def _rate_surveys(user):
    """The surveys a user's rates count: an operator's centres' completers, everything for the province."""
    if user.is_province_admin:
        return OutcomeSurvey.objects.all()
    return OutcomeSurvey.objects.filter(centre__in=user.centre_ids)


RATE_COLUMNS = [
    ("label", gettext_lazy("Group")), ("completed", gettext_lazy("Completed (persons)")),
    ("due", gettext_lazy("Surveys due")), ("sent", gettext_lazy("Sent")),
    ("not_asked_no_consent", gettext_lazy("Not asked (no consent)")),
    ("not_asked_no_contact", gettext_lazy("Not asked (no phone or email)")),
    ("answered", gettext_lazy("Answered")), ("answered_self", gettext_lazy("Answered: self-report")),
    ("answered_operator", gettext_lazy("Answered: phone follow-up")), ("not_answered", gettext_lazy("Not answered")),
    ("response_rate", gettext_lazy("Response rate")), ("working", gettext_lazy("Working (known)")),
    ("working_self", gettext_lazy("Working: self-report")),
    ("working_company", gettext_lazy("Working: confirmed by a company")),
    ("working_operator", gettext_lazy("Working: recorded by an officer")),
    ("unknown", gettext_lazy("Situation unknown")), ("working_answered", gettext_lazy("Working among the answered")),
    ("working_rate_answered", gettext_lazy("Working rate among the answered")),
    ("working_rate_all", gettext_lazy("Working rate among all")),
]


@require_GET
@operator_or_admin_required
def rates(request):
    months = int_param(request.GET.get("months"), default=6)
    months = months if months in SURVEY_MONTHS else 6
    by = request.GET.get("by") if request.GET.get("by") in tracer.GROUPS else "centre"
    year = int_param(request.GET.get("year"), maximum=9999)
    surveys = _rate_surveys(request.user)
    today = timezone.localdate()
    rows = tracer.rates(months, by, year, today=today, surveys=surveys)
    total = tracer.rates_total(months, year, today=today, surveys=surveys)
    if request.GET.get("format") == "csv":
        lines = ([row[key] for key, _label in RATE_COLUMNS] for row in [*rows, total])
        filename = f"hasil-pelatihan-{by}-{months}bulan{f'-{year}' if year else ''}-{today.isoformat()}.csv"
        headers = [label for _key, label in RATE_COLUMNS]
        response = HttpResponse(write_csv(lines, headers, bom=True), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        record(AuditEntry.Action.EXPORT, by=request.user, object_type="jobs.outcomesurvey", object_id="*",
               object_label=filename, note=f"months={months} by={by} year={year or ''}", request=request)
        return response
    years = [d.year for d in surveys.filter(months=months).dates("trigger_date", "year", order="DESC")]
    return render(request, "jobs/rates.html", {
        "rows": rows, "total": total, "months": months, "by": by, "year": year, "years": years,
        "month_choices": SURVEY_MONTHS, "groups": [("centre", _("Training centre")), ("vocation", _("Vocation")),
                                                   ("sector", _("Sector")), ("cohort", _("Cohort (batch)"))],
        "query": request.GET.urlencode(),
    })


# Follow-ups -------------------------------------------------------------------------------------------------

@require_GET
@operator_or_admin_required
def followups(request):
    """Surveys due and not answered (sent or not), oldest first, with why an unsent one was not sent."""
    today = timezone.localdate()
    surveys = OutcomeSurvey.objects.visible_to(request.user).filter(responded_at__isnull=True, due_on__lte=today)
    centres = TrainingCentre.objects.visible_to(request.user).order_by("short_name")
    if not request.user.is_province_admin:
        centres = centres.filter(pk__in=request.user.centre_ids)
    filters = {"centre": int_param(request.GET.get("centre")), "batch": int_param(request.GET.get("batch")),
               "months": int_param(request.GET.get("months")), "state": request.GET.get("state", "")}
    if filters["centre"]:
        surveys = surveys.filter(centre=filters["centre"])
    if filters["batch"]:
        surveys = surveys.filter(batch=filters["batch"])
    if filters["months"] in SURVEY_MONTHS:
        surveys = surveys.filter(months=filters["months"])
    surveys = surveys.annotate(consent=tracer.latest_consent())
    if filters["state"] == "sent":
        surveys = surveys.filter(sent_at__isnull=False)
    elif filters["state"] == "not_sent":
        surveys = surveys.filter(sent_at__isnull=True)
    elif filters["state"] == "no_consent":
        surveys = surveys.filter(consent=False)
    else:
        filters["state"] = ""
    surveys = surveys.select_related("person", "centre", "batch__package", "batch__programme_year").order_by(
        "due_on", "pk")
    page = Paginator(surveys, PAGE_SIZE).get_page(request.GET.get("page"))
    batches = (Batch.objects.filter(pk__in=OutcomeSurvey.objects.visible_to(request.user)
                                    .filter(responded_at__isnull=True, due_on__lte=today).values("batch"))
               .select_related("package", "programme_year", "centre").order_by("-end_date"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "jobs/followups.html", {
        "page": page, "filters": filters, "centres": centres, "batches": batches, "month_choices": SURVEY_MONTHS,
        "query": query.urlencode(), "today": today,
    })


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def followup(request, pk):
    found = get_or_404(OutcomeSurvey.objects.visible_to(request.user).select_related(
        "person", "centre", "vocation", "batch__package", "batch__programme_year"), pk)
    person = found.person
    if request.method == "GET":
        privacy.log_view(request, person, page="outcome", obj=found)
    consent = tracer.has_consent(person)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tracer.record_followup(found, form.cleaned_data, by=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Follow-up recorded for %(person)s.") % {"person": person.full_name})
            return redirect("jobs:followups")
    return render(request, "jobs/followup.html", {
        "survey": found, "person": person, "consent": consent, "form": form,
        "outcomes": person.outcomes.select_related("sector")[:10],
    })


# A person's outcomes ----------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def person_outcome(request, pk):
    person = get_person_for_user(request.user, pk)
    if request.method == "GET":
        privacy.log_view(request, person, page="outcome")
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_outcome(person, status=data["status"], source=OutcomeSource.OPERATOR, on=data["on"],
                                    by=request.user, employer=data["employer"], sector=data["sector"],
                                    wage_band=data["wage_band"], note=data["note"], request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Situation recorded."))
            return redirect("jobs:person_outcome", pk=person.pk)
    return render(request, "jobs/person_outcome.html", {
        "person": person, "form": form, "consent": tracer.has_consent(person),
        "outcomes": person.outcomes.select_related("sector", "company", "recorded_by", "survey"),
        "surveys": person.outcome_surveys.select_related("centre").order_by("due_on", "pk"),
        "ak1_next": services.ak1_next_report(person), "ak1_expired": _ak1_expired(person),
    })


# The AK/1 card ----------------------------------------------------------------------------------------------

def _ak1_expired(person, today=None) -> bool:
    today = today or timezone.localdate()
    return bool(person.ak1_number and person.ak1_closed_on is None and person.ak1_expires
                and person.ak1_expires < today)


def _ak1_state(person, today=None) -> str:
    if not person.ak1_number:
        return ""
    if person.ak1_closed_on is not None:
        return "closed"
    return "expired" if _ak1_expired(person, today) else "open"


AK1_STATES = ("open", "expired", "closed")


@require_GET
@operator_or_admin_required
def ak1_list(request):
    """Card holders: the card's expiry, the next six-monthly report, closed and expired cards."""
    today = timezone.localdate()
    persons = (Person.objects.visible_to(request.user).exclude(ak1_number="").select_related("registered_centre")
               .annotate(last_report=Max("ak1_reports__on")))
    state = request.GET.get("state", "")
    query = request.GET.get("q", "").strip()
    is_open = Q(ak1_closed_on__isnull=True) & (Q(ak1_expires__isnull=True) | Q(ak1_expires__gte=today))
    if state == "open":
        persons = persons.filter(is_open)
    elif state == "expired":
        persons = persons.filter(ak1_closed_on__isnull=True, ak1_expires__lt=today)
    elif state == "closed":
        persons = persons.filter(ak1_closed_on__isnull=False)
    else:
        state = ""
    if query:
        persons = persons.filter(Q(full_name__icontains=query) | Q(ak1_number__icontains=query))
    persons = persons.order_by("ak1_expires", "full_name", "pk")
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for person in page:
        person.next_report = services.ak1_next_report(person, today=today)  # one query a card: bounded by the page
        person.state = _ak1_state(person, today)
        person.overdue = bool(person.next_report and person.next_report < today)
        rows.append(person)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "jobs/ak1_list.html", {"page": page, "rows": rows, "state": state, "q": query,
                                                  "states": AK1_STATES, "today": today,
                                                  "query": params.urlencode()})


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def ak1_report(request, pk):
    person = get_or_404(Person.objects.visible_to(request.user).exclude(ak1_number="")
                        .select_related("registered_centre"), pk)
    today = timezone.localdate()
    state = _ak1_state(person, today)
    issued = add_months(person.ak1_expires, -12 * AK1_VALID_YEARS) if person.ak1_expires else None
    form = Ak1ReportForm(request.POST or None, issued=issued)
    if request.method == "POST":
        if state != "open":
            messages.error(request, _("This card is closed or expired: no report can be recorded on it."))
            return redirect("jobs:ak1_report", pk=person.pk)
        if form.is_valid():
            data = form.cleaned_data
            services.record_ak1_report(person, status=data["status"], on=data["on"], employer=data["employer"],
                                       by=request.user, request=request)
            messages.success(request, _("AK/1 report recorded."))
            return redirect("jobs:ak1_report", pk=person.pk)
    return render(request, "jobs/ak1_report.html", {
        "person": person, "state": state, "issued": issued, "form": form if state == "open" else None,
        "next_report": services.ak1_next_report(person, today=today), "today": today,
        "reports": person.ak1_reports.select_related("by").order_by("-on", "-pk"),
    })
