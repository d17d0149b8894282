"""Placements (the agreement, perjanjian pemagangan): the list with the logbook flag, direct placement, the page
of one placement with its status history and the actions of each role, the agreement PDF and the signed scan,
the change of company, monitoring visits, the company's final assessment, and the weekly logbook.

Who may do what is access.py's (404 for anything else, never 403); every rule is a service call whose
DomainError message is shown to the user."""

import posixpath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import operator_or_admin_required, role_required
from kompeten.apprenticeships import rules, services
from kompeten.apprenticeships.access import (
    can_administer_placements,
    get_placement_for_user,
    is_company_user_of,
)
from kompeten.apprenticeships.models import (
    Company,
    LogbookEntry,
    Placement,
    PlacementStatus,
)
from kompeten.apprenticeships.placement_forms import (
    CompleteForm,
    ConfirmForm,
    DirectPlacementForm,
    LogbookForm,
    PlacementFilterForm,
    ScanForm,
    TransferForm,
    TransitionForm,
    VisitForm,
    rupiah,
    writable_weeks,
)
from kompeten.apprenticeships.views.rounds import logbook_context
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.certificates.models import Certificate
from kompeten.certificates.services import format_code
from kompeten.core.access import get_or_404
from kompeten.core.errors import DomainError
from kompeten.formats import long_date
from kompeten.privacy import services as privacy

PAGE_SIZE = 50
placement_staff_required = role_required("province_admin", "centre_operator", "company_user")
RUNNING = (PlacementStatus.ACTIVE, PlacementStatus.PAUSED)
SCAN_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


def flag_of(placement, *, today=None) -> bool:
    """The "no confirmed logbook week for 3 weeks" flag of a running placement (needs ``last_confirmed``)."""
    if placement.status != PlacementStatus.ACTIVE:
        return False
    return rules.is_flagged(today=today or timezone.localdate(),
                            started_on=placement.started_on or placement.start_date,
                            last_confirmed_week=getattr(placement, "last_confirmed", None))


def _with_state(queryset):
    return services.with_logbook_state(queryset).annotate(
        weeks_confirmed=Count("logbook", filter=Q(logbook__confirmed_at__isnull=False), distinct=True))


def _next_or(request, default):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return default


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- the list -------------------------------------------------------------------------------------


@require_GET
@placement_staff_required
def placement_list(request):
    user = request.user
    today = timezone.localdate()
    visible = Placement.objects.visible_to(user)
    companies = Company.objects.filter(pk__in=visible.values("company_id")).order_by("name")
    form = PlacementFilterForm(request.GET or None, companies=companies)
    placements = visible
    flagged_only = False
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            placements = placements.filter(Q(person__full_name__icontains=data["q"])
                                           | Q(agreement_number__icontains=data["q"]))
        if data["status"]:
            placements = placements.filter(status=data["status"])
        if data["company"]:
            placements = placements.filter(company=data["company"])
        flagged_only = data["flagged"]
    if flagged_only:
        placements = services.flagged(placements, today=today).annotate(
            weeks_confirmed=Count("logbook", filter=Q(logbook__confirmed_at__isnull=False), distinct=True))
    else:
        placements = _with_state(placements)
    placements = placements.select_related("person", "company", "offer__occupation", "mentor").order_by(
        "-start_date", "pk")
    page = Paginator(placements, PAGE_SIZE).get_page(request.GET.get("page"))
    for placement in page:
        placement.flagged = flag_of(placement, today=today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "apprenticeships/placement_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "flagged_count": services.flagged(visible, today=today).count(),
        "can_create": can_administer_placements(user), "show_company": len(user.company_ids) != 1 or
        user.is_province_admin or bool(user.centre_ids),
    })


# --- direct placement -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def placement_create(request):
    user = request.user
    initial = {}
    if (offer := request.GET.get("offer", "")).isdigit():
        initial["offer"] = int(offer)
    if (person := request.GET.get("person", "")).isdigit():
        initial["person"] = int(person)
    form = DirectPlacementForm(request.POST or None, user=user, search=request.GET.get("q", ""), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            placement = services.place_direct(data["person"], data["offer"], by=user, reason=data["reason"],
                                              start_date=data["start_date"], mentor=data["mentor"],
                                              request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Placement %(number)s created (agreement drafted).") % {
                "number": placement.agreement_number})
            if Placement.objects.visible_to(user).filter(pk=placement.pk).exists():
                return redirect("apprenticeships:placement_detail", pk=placement.pk)
            return redirect("apprenticeships:placement_list")
    return render(request, "apprenticeships/placement_form.html", {"form": form, "q": request.GET.get("q", "")},
                  status=400 if form.is_bound and form.errors else 200)


# --- one placement --------------------------------------------------------------------------------


def _roles(user, placement) -> dict:
    administer = can_administer_placements(user)
    company = is_company_user_of(user, placement.company_id)
    return {"administer": administer, "company": company, "mentor": services.is_mentor_of(user, placement),
            "own": placement.person.user_id is not None and placement.person.user_id == user.pk}


def _detail_context(request, placement, forms=None) -> dict:
    user = request.user
    forms = forms or {}
    today = timezone.localdate()
    roles = _roles(user, placement)
    state = _with_state(Placement.objects.filter(pk=placement.pk)).values(
        "last_confirmed", "weeks_written", "weeks_confirmed").first() or {}
    placement.last_confirmed = state.get("last_confirmed")
    placement.weeks_written = state.get("weeks_written", 0)
    placement.weeks_confirmed = state.get("weeks_confirmed", 0)
    flagged = flag_of(placement, today=today)
    gap = rules.logbook_gap(today=today, started_on=placement.started_on or placement.start_date,
                            last_confirmed_week=placement.last_confirmed) if placement.started_on else None
    allowed = services.TRANSITIONS.get(placement.status, set())
    can_move = (roles["administer"] or roles["company"]) and bool(allowed)
    log = logbook_context(placement, today=today) if roles["own"] else {
        "entries": list(placement.logbook.select_related("confirmed_by").order_by("-week_start")), "form": None}
    if roles["own"] and "logbook" in forms:
        log["form"] = forms["logbook"]
    certificate = Certificate.objects.current().filter(placement=placement).first()
    if certificate is not None:
        certificate.code = format_code(certificate.public_code)
    context = {
        "placement": placement, "person": placement.person, "offer": placement.offer, "company": placement.company,
        "roles": roles, "flagged": flagged, "gap": gap, "log": log, "certificate": certificate,
        "allowance": rupiah(placement.offer.allowance), "practice_percent": 100 - placement.offer.theory_percent,
        "events": placement.events.select_related("by").order_by("at", "pk"),
        "visits": placement.visits.select_related("by").order_by("-on", "-pk") if (
            roles["administer"] or roles["company"]) else [],
        "previous": placement.previous, "next_placement": Placement.objects.filter(previous=placement).first(),
        "transition_form": forms.get("transition") or (TransitionForm(allowed=allowed) if can_move else None),
        "scan_form": forms.get("scan") or (ScanForm() if (roles["administer"] or roles["company"])
                                            and placement.status in services.TRANSITIONS else None),
        "transfer_form": forms.get("transfer") or (
            TransferForm(placement=placement) if roles["administer"] and placement.status in (
                PlacementStatus.SIGNED, *RUNNING) else None),
        "visit_form": forms.get("visit") or (VisitForm() if roles["administer"] else None),
        "complete_form": forms.get("complete") or (
            CompleteForm() if roles["company"] and placement.status in RUNNING and placement.final_at is None
            else None),
        "confirm_form": ConfirmForm() if roles["mentor"] else None,
    }
    return context


def _render_detail(request, placement, forms=None, status=200):
    return render(request, "apprenticeships/placement_detail.html", _detail_context(request, placement, forms),
                  status=status)


@require_GET
@login_required
def placement_detail(request, pk):
    placement = get_placement_for_user(request.user, pk)
    if request.method == "GET":
        privacy.log_view(request, placement.person, page="placement", obj=placement)
    return _render_detail(request, placement)


def _placement_to_move(request, pk):
    """A placement whose status, scan and agreement the user handles: its company's users or an administrator."""
    placement = get_placement_for_user(request.user, pk)
    if not (can_administer_placements(request.user) or is_company_user_of(request.user, placement.company_id)):
        raise Http404
    return placement


@require_POST
@login_required
def placement_transition(request, pk):
    placement = _placement_to_move(request, pk)
    form = TransitionForm(request.POST, allowed=services.TRANSITIONS.get(placement.status, set()))
    if not form.is_valid():
        return _render_detail(request, placement, {"transition": form}, status=400)
    data = form.cleaned_data
    try:
        placement = services.transition(placement, data["status"], by=request.user, reason=data["reason"],
                                        on=data["on"], request=request)
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_detail(request, placement, {"transition": form}, status=400)
    messages.success(request, _("The apprenticeship is now: %(status)s.") % {
        "status": placement.get_status_display()})
    return redirect("apprenticeships:placement_detail", pk=placement.pk)


def _agreement_filename(placement, extension: str) -> str:
    return "perjanjian-" + placement.agreement_number.replace("/", "-") + extension


@require_GET
@login_required
def agreement_pdf(request, pk):
    """The agreement for the parties (the company, the apprentice) and the administrators who see it. It carries
    the apprentice's full NIK, so a download by anyone but the apprentice is audited."""
    placement = get_placement_for_user(request.user, pk)
    from kompeten.apprenticeships import documents  # reportlab is loaded only when a document is printed

    content = documents.agreement_pdf(placement)
    if placement.person.user_id != request.user.pk:
        record(AuditEntry.Action.EXPORT, placement, by=request.user, note="agreement PDF", request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_agreement_filename(placement, ".pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def scan_upload(request, pk):
    placement = _placement_to_move(request, pk)
    form = ScanForm(request.POST, request.FILES)
    if placement.status not in services.TRANSITIONS:  # a finished agreement keeps the scan it was signed with
        messages.error(request, _("The apprenticeship has ended (%(status)s); its signed agreement cannot be "
                                  "replaced.") % {"status": placement.get_status_display()})
        return redirect("apprenticeships:placement_detail", pk=placement.pk)
    if not form.is_valid():
        return _render_detail(request, placement, {"scan": form}, status=400)
    try:
        services.upload_signed_scan(placement, form.cleaned_data["scan"], by=request.user, request=request)
    except DomainError as error:
        form.add_error("scan", error.message)
        return _render_detail(request, placement, {"scan": form}, status=400)
    messages.success(request, _("The signed agreement is kept."))
    return redirect("apprenticeships:placement_detail", pk=placement.pk)


@require_GET
@login_required
def scan_download(request, pk):
    """The signed scan, only through this view (never a public media URL), to whoever sees the placement."""
    placement = get_placement_for_user(request.user, pk)
    if not placement.signed_scan:
        raise Http404
    try:
        handle = placement.signed_scan.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = posixpath.splitext(placement.signed_scan.name)[1].lower()
    if placement.person.user_id != request.user.pk:
        record(AuditEntry.Action.EXPORT, placement, by=request.user, note="signed agreement scan", request=request)
    response = FileResponse(handle, as_attachment=True, filename=_agreement_filename(placement, extension),
                            content_type=SCAN_TYPES.get(extension, "application/octet-stream"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def placement_transfer(request, pk):
    placement = get_placement_for_user(request.user, pk, administer=True)
    form = TransferForm(request.POST, placement=placement)
    if not form.is_valid():
        return _render_detail(request, placement, {"transfer": form}, status=400)
    data = form.cleaned_data
    try:
        new = services.transfer(placement, data["offer"], reason=data["reason"], by=request.user,
                                start_date=data["start_date"], request=request)
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_detail(request, placement, {"transfer": form}, status=400)
    messages.success(request, _("Change of company recorded: %(number)s stopped, %(new)s drafted at %(company)s.") % {
        "number": placement.agreement_number, "new": new.agreement_number, "company": new.company.name})
    if Placement.objects.visible_to(request.user).filter(pk=new.pk).exists():
        return redirect("apprenticeships:placement_detail", pk=new.pk)
    return redirect("apprenticeships:placement_detail", pk=placement.pk)


@require_POST
@login_required
def visit_add(request, pk):
    placement = get_placement_for_user(request.user, pk, administer=True)
    form = VisitForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, placement, {"visit": form}, status=400)
    data = form.cleaned_data
    try:
        services.record_visit(placement, on=data["on"], kind=data["kind"], findings=data["findings"],
                              follow_up=data["follow_up"], by=request.user, request=request)
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_detail(request, placement, {"visit": form}, status=400)
    messages.success(request, _("Monitoring visit recorded."))
    return redirect("apprenticeships:placement_detail", pk=placement.pk)


@require_POST
@login_required
def placement_complete(request, pk):
    placement = get_placement_for_user(request.user, pk, company=True)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, placement, {"complete": form}, status=400)
    data = form.cleaned_data
    try:
        certificate = services.complete(placement, passed=data["passed"], score=data["score"], notes=data["notes"],
                                        by=request.user, request=request)
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_detail(request, placement, {"complete": form}, status=400)
    if certificate is not None:
        messages.success(request, _("Final assessment recorded: passed. Certificate of apprenticeship %(number)s "
                                    "issued.") % {"number": certificate.number})
    else:
        messages.success(request, _("Final assessment recorded: not passed. The apprenticeship is completed "
                                    "without a certificate."))
    return redirect("apprenticeships:placement_detail", pk=placement.pk)


# --- the logbook ----------------------------------------------------------------------------------


@require_POST
@login_required
def logbook_write(request, pk):
    """The apprentice writes (or rewrites, until confirmed) a week; only their own placement."""
    placement = get_placement_for_user(request.user, pk, own=True)
    entries = placement.logbook.filter(confirmed_at__isnull=False).values_list("week_start", flat=True)
    form = LogbookForm(request.POST, weeks=writable_weeks(placement, confirmed=entries), prefix=f"log{placement.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.write_week(placement, week_start=data["week_start"], activities=data["activities"],
                                practice_hours=data["practice_hours"], theory_hours=data["theory_hours"],
                                by=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your logbook week is saved. Your mentor confirms it."))
    else:
        messages.error(request, _errors(form))
    return _next_or(request, redirect("apprenticeships:placement_detail", pk=placement.pk))


@require_POST
@login_required
def logbook_confirm(request, pk):
    """The company's users and its mentors confirm a week; the apprentice never confirms their own."""
    entry = get_or_404(LogbookEntry.objects.filter(placement__in=Placement.objects.visible_to(request.user))
                       .select_related("placement__company", "placement__person"), pk)
    if not services.is_mentor_of(request.user, entry.placement):
        raise Http404
    form = ConfirmForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.confirm_week(entry, by=request.user, note=note, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Week of %(week)s confirmed.") % {"week": long_date(entry.week_start)})
    return _next_or(request, redirect("apprenticeships:placement_detail", pk=entry.placement_id))
