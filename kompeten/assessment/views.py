"""Assessment pages: events and their candidates (staff), a candidate's file, the assessor's tablet screen with
its JSON endpoint, the LSP's decisions, the job seeker's own assessments and appeals, schemes and LSPs.

Every object comes through access.py (404 for what the user may not see or do); every rule is a service call,
whose DomainError message is shown to the user."""

import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import job_seeker_required, role_required
from kompeten.assessment import services
from kompeten.assessment.access import (
    can_decide,
    can_manage_event,
    get_candidate_for_user,
    get_event_for_user,
    is_candidates_assessor,
    is_own,
)
from kompeten.assessment.forms import (
    AmendForm,
    Apl02Form,
    AppealDecisionForm,
    AppealForm,
    AssignForm,
    BatchesForm,
    EventFilterForm,
    EventForm,
    ReassessmentForm,
    RplForm,
    tuks_for,
)
from kompeten.assessment.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentEvent,
    CandidateStatus,
    Decision,
    EventStatus,
    EvidenceMethod,
    Lsp,
    Scheme,
    UnitResult,
)
from kompeten.core.access import get_or_404
from kompeten.core.errors import DomainError
from kompeten.privacy import services as privacy
from kompeten.reference.models import EducationLevel, Region
from kompeten.registry.access import get_person_for_user
from kompeten.registry.models import DocumentKind, Person
from kompeten.registry.nik import mask_nik, normalise_nik

PAGE_SIZE = 50
STAFF_ROLES = ("province_admin", "centre_operator", "assessor", "lsp_admin")
assessment_staff_required = role_required(*STAFF_ROLES)
event_manager_required = role_required("province_admin", "centre_operator", "lsp_admin")
assessor_required = role_required("assessor")
lsp_admin_required = role_required("lsp_admin")
staff_or_job_seeker_required = role_required(*STAFF_ROLES, "job_seeker")

OPEN = [CandidateStatus.REGISTERED, CandidateStatus.ASSESSED]
NOTES_MAX = 4000
DOCUMENTS = {"apl01": "FR.APL.01", "apl02": "FR.APL.02", "ak02": "FR.AK.02"}


def _is_manager(user) -> bool:
    return bool(user.is_province_admin or user.centre_ids or user.lsp_ids)


def _show_errors(request, form) -> None:
    """A short form posted from a page that is not the form's own: its errors as messages."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _progress(results) -> dict:
    """Done / total units and the recommendation of a list of results ("K", "BK" or "")."""
    results = list(results)
    return {"done": sum(1 for r in results if r), "total": len(results),
            "recommendation": services.recommendation(results)}


# Events ------------------------------------------------------------------------------------------------


@require_GET
@assessment_staff_required
def event_list(request):
    user = request.user
    events = (AssessmentEvent.objects.visible_to(user).select_related("scheme", "tuk", "lsp", "centre")
              .prefetch_related("assessors__user")
              .annotate(n_candidates=Count("candidates"),
                        n_k=Count("candidates", filter=Q(candidates__status=CandidateStatus.APPROVED,
                                                         candidates__decision=Decision.K)),
                        n_bk=Count("candidates", filter=Q(candidates__status=CandidateStatus.APPROVED,
                                                          candidates__decision=Decision.BK)),
                        n_open=Count("candidates", filter=Q(candidates__status__in=OPEN)))
              .order_by("-date", "scheme__code", "pk"))
    form = EventFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            events = events.filter(status=data["status"])
        if data["scheme"]:
            events = events.filter(scheme=data["scheme"])
        if data["date_from"]:
            events = events.filter(date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(date__lte=data["date_to"])
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "assessment/event_list.html", {
        "page": page, "form": form, "query": query.urlencode(),
        "can_create": _is_manager(user) and tuks_for(user).exists(),
    })


@require_http_methods(["GET", "POST"])
@event_manager_required
def event_create(request):
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.create_event(scheme=data["scheme"], tuk=data["tuk"], date=data["date"],
                                          assessors=list(data["assessors"]), note=data["note"], by=request.user,
                                          request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Assessment event created."))
            return redirect("assessment:event_detail", pk=event.pk)
    return render(request, "assessment/event_form.html", {"form": form})


def _reassessable(user, event):
    return (services.reassessable(user).filter(event__scheme=event.scheme_id).exclude(event=event)
            .select_related("person", "event").order_by("person__full_name", "pk"))


@require_GET
@assessment_staff_required
def event_detail(request, pk):
    user = request.user
    event = get_event_for_user(user, pk)
    candidates = list(event.candidates.select_related("person", "assessor__user", "previous")
                      .prefetch_related(Prefetch("results", queryset=UnitResult.objects.only(
                          "assessment_id", "result", "unit_id")))
                      .order_by("person__full_name", "pk"))
    for candidate in candidates:
        candidate.progress = _progress(r.result for r in candidate.results.all())
        candidate.mine = is_candidates_assessor(user, candidate)
    manage, decide = can_manage_event(user, event), can_decide(user, event)
    is_open = event.status == EventStatus.PLANNED
    context = {
        "event": event, "candidates": candidates, "manage": manage, "decide": decide, "is_open": is_open,
        "can_issue": decide or user.is_province_admin,
        "assessors": list(event.assessors.select_related("user")),
        "limit": settings.KOMPETEN_ASSESSOR_DAILY_LIMIT,
        "submitted": sum(1 for c in candidates if c.status == CandidateStatus.ASSESSED),
        "unassigned": sum(1 for c in candidates if c.assessor_id is None and c.status == CandidateStatus.REGISTERED),
        "counts": {
            "k": sum(1 for c in candidates if c.status == CandidateStatus.APPROVED and c.decision == Decision.K),
            "bk": sum(1 for c in candidates if c.status == CandidateStatus.APPROVED and c.decision == Decision.BK),
            "open": sum(1 for c in candidates if c.status in OPEN),
        },
    }
    for assessor in context["assessors"]:
        assessor.load = services.assessor_load(assessor, event.date)
    if manage and is_open:
        context["batches_form"] = BatchesForm(user=user, event=event)
        context["reassess_form"] = ReassessmentForm(queryset=_reassessable(user, event))
        context["rpl_form"] = RplForm()
        context["can_search_persons"] = Person.objects.visible_to(user).exists()
    return render(request, "assessment/event_detail.html", context)


@require_POST
@event_manager_required
def event_add_batches(request, pk):
    event = get_event_for_user(request.user, pk, manage=True)
    form = BatchesForm(request.POST, user=request.user, event=event)
    if not form.is_valid():
        _show_errors(request, form)
        return redirect("assessment:event_detail", pk=event.pk)
    try:
        added = services.add_batch_candidates(event, list(form.cleaned_data["batches"]), by=request.user,
                                              request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if added:
            messages.success(request, ngettext("%(n)s candidate added.", "%(n)s candidates added.",
                                               len(added)) % {"n": len(added)})
        else:
            messages.info(request, _("No new candidates: the completed participants of these batches are already "
                                     "candidates of this event or already hold a Kompeten result for the "
                                     "scheme."))
    return redirect("assessment:event_detail", pk=event.pk)


@require_GET
@event_manager_required
def event_persons(request, pk):
    """Persons the user may see who could be added as direct (RPL) candidates (HTMX fragment)."""
    event = get_event_for_user(request.user, pk, manage=True)
    query = request.GET.get("q", "").strip()
    persons = Person.objects.none()
    if len(query) >= 3:
        digits = normalise_nik(query)
        persons = Person.objects.visible_to(request.user)
        persons = persons.filter(nik=digits) if digits.isdigit() and len(digits) == 16 else persons.filter(
            full_name__icontains=query)
        persons = persons.exclude(assessments__event=event).order_by("full_name")[:10]
    return render(request, "assessment/_persons.html", {"event": event, "persons": persons, "query": query})


@require_POST
@event_manager_required
def event_add_rpl(request, pk):
    event = get_event_for_user(request.user, pk, manage=True)
    form = RplForm(request.POST)
    if not form.is_valid():
        _show_errors(request, form)
        return redirect("assessment:event_detail", pk=event.pk)
    person = get_person_for_user(request.user, form.cleaned_data["person"])
    try:
        services.add_candidate(event, person, work_experience=form.cleaned_data["work_experience"],
                               by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s added as a direct (RPL) candidate.") % {"name": person.full_name})
    return redirect("assessment:event_detail", pk=event.pk)


@require_POST
@event_manager_required
def event_add_reassessment(request, pk):
    event = get_event_for_user(request.user, pk, manage=True)
    form = ReassessmentForm(request.POST, queryset=_reassessable(request.user, event))
    if not form.is_valid():
        _show_errors(request, form)
        return redirect("assessment:event_detail", pk=event.pk)
    previous = form.cleaned_data["previous"]
    try:
        candidate = services.add_reassessment(event, previous, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ngettext(
            "%(name)s added for re-assessment (%(n)s unit).", "%(name)s added for re-assessment (%(n)s units).",
            candidate.results.count()) % {"name": previous.person.full_name, "n": candidate.results.count()})
    return redirect("assessment:event_detail", pk=event.pk)


@require_POST
@event_manager_required
def event_assign_evenly(request, pk):
    event = get_event_for_user(request.user, pk, manage=True)
    try:
        assigned = services.assign_evenly(event, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("assessment:event_detail", pk=event.pk)
    left = event.candidates.filter(assessor__isnull=True, status=CandidateStatus.REGISTERED).count()
    messages.success(request, ngettext("%(n)s candidate assigned.", "%(n)s candidates assigned.",
                                       assigned) % {"n": assigned})
    if left:
        messages.warning(request, ngettext(
            "%(n)s candidate is still unassigned: every assessor of this event has reached the limit of %(limit)s "
            "candidates a day (or is not licensed for the scheme on this date). Add an assessor to the event.",
            "%(n)s candidates are still unassigned: every assessor of this event has reached the limit of "
            "%(limit)s candidates a day (or is not licensed for the scheme on this date). Add an assessor to the "
            "event.", left) % {"n": left, "limit": settings.KOMPETEN_ASSESSOR_DAILY_LIMIT})
    return redirect("assessment:event_detail", pk=event.pk)


@require_POST
@lsp_admin_required
def event_approve(request, pk):
    event = get_event_for_user(request.user, pk, decide=True)
    try:
        count = services.approve_event(event, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if count:
            messages.success(request, ngettext("%(n)s candidate decided.", "%(n)s candidates decided.",
                                               count) % {"n": count})
        else:
            messages.info(request, _("No submitted candidates are waiting for a decision."))
    return redirect("assessment:event_detail", pk=event.pk)


# A candidate's file ------------------------------------------------------------------------------------


def _back(request, candidate):
    """Where an action on a candidate returns: the event's page when posted from there, else the file."""
    if request.POST.get("next") == "event":
        return redirect("assessment:event_detail", pk=candidate.event_id)
    return redirect("assessment:candidate_detail", pk=candidate.pk)


def _act(request, candidate, service, success):
    """Run a service on the candidate's file as the user; its DomainError, or ``success(result)``, as a message;
    then back to where the user came from."""
    try:
        done = service(candidate, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success(done))
    return _back(request, candidate)


def _day(value) -> str:
    """An ISO date of a snapshot as the forms write it (dd-mm-yyyy); anything else as it is."""
    try:
        return datetime.date.fromisoformat(value).strftime("%d-%m-%Y")
    except (TypeError, ValueError):
        return value or ""


def _apl01_rows(candidate, *, contact: bool) -> list[tuple[str, str]]:
    """FR.APL.01's snapshot for display: the NIK masked, contact details only for those who manage the event."""
    data = candidate.apl01_data or {}
    if not data:
        return []
    education = EducationLevel.objects.filter(pk=data.get("education")).first() if data.get("education") else None
    village = (Region.objects.select_related("parent__parent").filter(pk=data.get("village")).first()
               if data.get("village") else None)
    rows = [
        ("NIK", mask_nik(data.get("nik", ""))),
        (_("Name"), data.get("full_name", "")),
        (_("Sex"), {"L": _("Male"), "P": _("Female")}.get(data.get("sex"), data.get("sex") or "")),
        (_("Place and date of birth"), ", ".join(v for v in (data.get("birth_place"), _day(data.get("birth_date")))
                                                 if v)),
        (_("Education"), f"{education}{' · ' + data['major'] if data.get('major') else ''}" if education
         else data.get("major", "")),
    ]
    if contact:
        place = ", ".join(str(r.name) for r in (village, village.parent if village else None,
                                                 village.parent.parent if village and village.parent else None) if r)
        address = " ".join(v for v in (data.get("street", ""), f"RT {data['rt']}" if data.get("rt") else "",
                                       f"RW {data['rw']}" if data.get("rw") else "") if v)
        rows += [(_("Address"), ", ".join(v for v in (address, place) if v)),
                 (_("Phone number"), data.get("phone", "")), (_("Email"), data.get("email", ""))]
    kinds = dict(DocumentKind.choices)
    documents = ", ".join(f"{kinds.get(d.get('kind'), d.get('kind'))}" for d in data.get("documents", []))
    rows.append((_("Supporting documents"), documents or "—"))
    return [(label, value or "—") for label, value in rows]


def _with_elements(unit):
    """The unit's elements as text (stored as strings, or as {"title": ...})."""
    unit.element_list = [e if isinstance(e, str) else str(e.get("title", "")) for e in unit.elements or []
                         if isinstance(e, str | dict)]
    return unit


def _results(candidate) -> list[UnitResult]:
    rows = list(candidate.results.select_related("unit", "updated_by"))
    amended = services.effective_results(candidate) if candidate.status == CandidateStatus.APPROVED else {}
    labels = dict(EvidenceMethod.choices)
    for row in rows:
        _with_elements(row.unit)
        row.method_labels = [labels.get(m, m) for m in row.methods]
        row.effective = amended.get(row.unit_id, row.result)
    return rows


@require_GET
@assessment_staff_required
def candidate_detail(request, pk):
    user = request.user
    candidate = get_candidate_for_user(user, pk)
    privacy.log_view(request, candidate.person, page="assessment", obj=candidate)
    event = candidate.event
    manage, decide = can_manage_event(user, event), can_decide(user, event)
    results = _results(candidate)
    appeals = list(candidate.appeals.select_related("filed_by", "decided_by"))
    context = {
        "candidate": candidate, "event": event, "manage": manage, "decide": decide,
        "mine": is_candidates_assessor(user, candidate), "results": results,
        "progress": _progress(r.result for r in results),
        "apl01": _apl01_rows(candidate, contact=manage),
        "amendments": candidate.amendments.select_related("unit", "created_by"),
        "appeals": appeals, "deadline": services.appeal_deadline(candidate),
        "reassessment": Assessment.objects.visible_to(user).filter(previous=candidate).select_related("event")
        .first(),
        "is_open": candidate.status == CandidateStatus.REGISTERED and event.status == EventStatus.PLANNED,
        "documents": DOCUMENTS,
    }
    if decide and candidate.status == CandidateStatus.APPROVED:
        context["amend_form"] = AmendForm(candidate=candidate)
    if decide:
        for appeal in appeals:
            if appeal.status == AppealStatus.FILED:
                appeal.form = AppealDecisionForm(auto_id=f"appeal{appeal.pk}_%s")
    return render(request, "assessment/candidate_detail.html", context)


@require_POST
@event_manager_required
def candidate_assign(request, pk):
    candidate = get_candidate_for_user(request.user, pk, manage=True)
    form = AssignForm(request.POST, event=candidate.event)
    if not form.is_valid():
        _show_errors(request, form)
        return _back(request, candidate)
    assessor = form.cleaned_data["assessor"]
    try:
        services.assign_assessor(candidate, assessor, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is assessed by %(assessor)s.") % {
            "name": candidate.person.full_name, "assessor": assessor.user.full_name})
    return _back(request, candidate)


@require_POST
@event_manager_required
def candidate_absent(request, pk):
    candidate = get_candidate_for_user(request.user, pk, manage=True)
    return _act(request, candidate, services.mark_absent,
                lambda done: _("%(name)s is marked absent.") % {"name": done.person.full_name})


@require_POST
@event_manager_required
def candidate_apl01(request, pk):
    candidate = get_candidate_for_user(request.user, pk, manage=True)
    return _act(request, candidate, services.record_apl01,
                lambda done: _("FR.APL.01 recorded with the candidate's data and documents as they are now."))


@require_http_methods(["GET", "POST"])
@staff_or_job_seeker_required
def candidate_apl02(request, pk):
    """FR.APL.02, the self-assessment: filled in by the candidate (as a job seeker) or for them by a manager."""
    user = request.user
    candidate = get_candidate_for_user(user, pk)
    manage = can_manage_event(user, candidate.event)
    if not (manage or is_own(user, candidate)):
        raise Http404
    as_candidate = not manage  # the candidate themself, back to their own page
    results = [row for row in candidate.results.select_related("unit") if _with_elements(row.unit)]
    editable = candidate.status == CandidateStatus.REGISTERED
    form = Apl02Form(request.POST or None, results=results)
    if request.method == "POST":
        if not editable:
            messages.error(request, services.MESSAGES["results_locked"])
        elif form.is_valid():
            try:
                services.record_apl02(candidate, form.answers(), by=user, request=request)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("FR.APL.02 self-assessment saved."))
                if as_candidate:
                    return redirect("assessment:my_assessments")
                return redirect("assessment:candidate_detail", pk=candidate.pk)
    return render(request, "assessment/apl02.html", {"candidate": candidate, "form": form, "editable": editable,
                                                     "as_candidate": as_candidate})


@require_POST
@assessment_staff_required
def candidate_ak01(request, pk):
    """FR.AK.01, the consent: recorded by the candidate's assessor or a manager of the event."""
    user = request.user
    candidate = get_candidate_for_user(user, pk)
    mine = is_candidates_assessor(user, candidate)
    if not (mine or can_manage_event(user, candidate.event)):
        raise Http404
    try:
        services.record_ak01(candidate, by=user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("FR.AK.01 recorded: the candidate agreed to the assessment."))
    if mine and request.POST.get("next") == "record":
        return redirect("assessment:record", pk=candidate.pk)
    return _back(request, candidate)


@require_GET
@staff_or_job_seeker_required
def candidate_document(request, pk, doc):
    """FR.APL.01, FR.APL.02 and FR.AK.02 as PDF: for the event's managers and the LSP; for the candidate's own
    assessor; for the candidate once decided. FR.APL.01 carries the full NIK and contact details, so another
    assessor of the same event never gets it (nor any other of the candidate's forms)."""
    if doc not in DOCUMENTS:
        raise Http404
    user = request.user
    candidate = get_candidate_for_user(user, pk)
    allowed = (can_manage_event(user, candidate.event) or can_decide(user, candidate.event)
               or is_candidates_assessor(user, candidate) or (is_own(user, candidate) and candidate.is_locked))
    if not allowed:
        raise Http404
    from kompeten.assessment import documents  # reportlab is loaded only when a document is printed

    maker = {"apl01": documents.apl01_pdf, "apl02": documents.apl02_pdf, "ak02": documents.ak02_pdf}[doc]
    response = HttpResponse(maker(candidate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{DOCUMENTS[doc]}-{candidate.pk}.pdf"'
    return response


# The LSP's decisions -----------------------------------------------------------------------------------


@require_POST
@lsp_admin_required
def candidate_approve(request, pk):
    candidate = get_candidate_for_user(request.user, pk, decide=True)
    return _act(request, candidate, services.approve,
                lambda done: _("%(name)s: %(decision)s. The results are locked.") % {
                    "name": done.person.full_name, "decision": done.get_decision_display()})


@require_POST
@lsp_admin_required
def candidate_reopen(request, pk):
    candidate = get_candidate_for_user(request.user, pk, decide=True)
    return _act(request, candidate, services.reopen,
                lambda done: _("The file of %(name)s is sent back to the assessor.") % {
                    "name": done.person.full_name})


@require_POST
@lsp_admin_required
def candidate_amend(request, pk):
    candidate = get_candidate_for_user(request.user, pk, decide=True)
    form = AmendForm(request.POST, candidate=candidate)
    if not form.is_valid():
        _show_errors(request, form)
        return _back(request, candidate)
    data = form.cleaned_data
    try:
        amendment = services.amend(candidate, data["unit"], new_result=data["new_result"], reason=data["reason"],
                                   by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Amendment recorded; the decision is now %(decision)s.") % {
            "decision": Decision(amendment.new_decision).label})
    return _back(request, candidate)


@require_POST
@lsp_admin_required
def appeal_decide(request, pk):
    user = request.user
    appeal = get_or_404(Appeal.objects.filter(assessment__in=Assessment.objects.visible_to(user))
                        .select_related("assessment__event"), pk)
    candidate = appeal.assessment
    if not can_decide(user, candidate.event):
        raise Http404
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        _show_errors(request, form)
        return redirect("assessment:candidate_detail", pk=candidate.pk)
    upheld = form.cleaned_data["decision"] == "upheld"
    try:
        services.decide_appeal(appeal, upheld=upheld, outcome=form.cleaned_data["outcome"], by=user,
                               request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Appeal upheld: add the candidate to an event of the scheme for the "
                                    "re-assessment.") if upheld else _("Appeal rejected: the decision stands."))
    return redirect("assessment:candidate_detail", pk=candidate.pk)


# The assessor's tablet screen --------------------------------------------------------------------------


def _unit_state(row: UnitResult) -> dict:
    return {"result": row.result, "methods": list(row.methods), "notes": row.notes, "version": row.version}


@require_GET
@assessor_required
def record(request, pk):
    user = request.user
    candidate = get_candidate_for_user(user, pk, record=True)
    siblings = list(candidate.event.candidates.filter(assessor__user=user)
                    .order_by("person__full_name", "pk").values_list("pk", flat=True))
    index = siblings.index(candidate.pk)
    results = _results(candidate)
    editable = candidate.status == CandidateStatus.REGISTERED and candidate.ak01_at is not None
    config = {
        "candidate": candidate.pk, "event": candidate.event_id, "user": user.pk, "editable": editable,
        "units": {str(r.unit_id): _unit_state(r) for r in results},
        "strings": {
            "saved": _("saved"), "saving": _("saving…"), "pending": _("offline — will send"),
            "conflict": _("conflict: reload"), "error": _("not saved"), "unsaved": _("not saved yet"),
            "login": _("signed out: log in again, the change is kept on this tablet"),
            "retry": _("server error — will retry"),
            "gone": _("not saved: this candidate is no longer yours to assess"),
            "serverHas": _("Saved on the server:"), "empty": _("no result"),
            "pendingSubmit": _("Some changes are not saved yet. Wait until every unit says “saved”, then submit."),
            "recommendationOpen": _("open"),
        },
        "methods": dict(EvidenceMethod.choices),
    }
    return render(request, "assessment/record.html", {
        "candidate": candidate, "event": candidate.event, "results": results, "editable": editable,
        "progress": _progress(r.result for r in results), "config": config,
        "methods": EvidenceMethod.choices, "position": index + 1, "count": len(siblings),
        "previous": siblings[index - 1] if index > 0 else None,
        "next": siblings[index + 1] if index + 1 < len(siblings) else None,
    })


def _json_error(code: str, detail: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "detail": detail, **extra}, status=status)


def _read_unit_payload(request) -> dict:
    """The JSON body of a unit write, typed; ValueError with a message when it is malformed."""
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValueError(_("The request could not be read (not JSON).")) from None
    if not isinstance(payload, dict):
        raise ValueError(_("The request could not be read (not JSON)."))
    version, result = payload.get("version"), payload.get("result", "")
    methods, notes, event = payload.get("methods", []), payload.get("notes", ""), payload.get("event")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(_("The request names no version of the unit."))
    if not isinstance(result, str) or not isinstance(notes, str):
        raise ValueError(_("A result and notes are text."))
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise ValueError(_("The evidence methods are a list of names."))
    if len(notes) > NOTES_MAX:
        raise ValueError(_("The notes are longer than %(n)s characters.") % {"n": NOTES_MAX})
    if event is not None and (isinstance(event, bool) or not isinstance(event, int)):
        raise ValueError(_("The event is named by its number."))
    return {"version": version, "result": result, "methods": methods, "notes": notes, "event": event}


@require_http_methods(["GET", "POST"])
@assessor_required
def record_unit(request, pk, unit_pk):
    """FR.AK.02 for one unit, as JSON. GET: the unit as saved. POST {version, result, methods, notes[, event]}:
    saved when ``version`` is the saved one; 409 with the ``current`` unit when someone saved in between."""
    user = request.user
    candidate = get_candidate_for_user(user, pk, record=True)
    row = UnitResult.objects.filter(assessment=candidate, unit_id=unit_pk).first()
    if request.method == "GET":
        if row is None:
            raise Http404
        return JsonResponse({"ok": True, **_unit_state(row), **_progress(
            candidate.results.values_list("result", flat=True))})
    try:
        payload = _read_unit_payload(request)
    except ValueError as error:
        return _json_error("bad_request", str(error), 400)
    event = get_event_for_user(user, payload["event"]) if payload["event"] is not None else None
    try:
        row = services.record_unit(candidate, unit_pk, result=payload["result"], methods=payload["methods"],
                                   notes=payload["notes"], version=payload["version"], by=user, request=request,
                                   event=event)
    except DomainError as error:
        if error.code == "stale_write":
            current = UnitResult.objects.get(assessment=candidate, unit_id=unit_pk)
            return _json_error(error.code, error.message, 409, current=_unit_state(current))
        return _json_error(error.code, error.message, 400)
    return JsonResponse({"ok": True, **_unit_state(row), **_progress(
        candidate.results.values_list("result", flat=True))})


@require_POST
@assessor_required
def candidate_submit(request, pk):
    candidate = get_candidate_for_user(request.user, pk, record=True)
    try:
        services.submit(candidate, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Submitted to the LSP: %(name)s.") % {"name": candidate.person.full_name})
    return redirect("assessment:record", pk=candidate.pk)


# The job seeker's own assessments ----------------------------------------------------------------------


def _my_assessments_context(request, forms=None) -> dict:
    user = request.user
    assessments = list(Assessment.objects.visible_to(user).filter(person__user=user)
                       .select_related("event__scheme", "event__tuk", "event__lsp", "previous")
                       .prefetch_related("appeals").order_by("-event__date", "-pk"))
    today = timezone.localdate()
    forms = forms or {}
    for assessment in assessments:
        decided = assessment.status == CandidateStatus.APPROVED
        assessment.results_shown = _results(assessment) if decided else []
        assessment.deadline = services.appeal_deadline(assessment)
        has_open_appeal = any(a.status == AppealStatus.FILED for a in assessment.appeals.all())
        assessment.can_appeal = decided and assessment.deadline is not None and today <= assessment.deadline \
            and not has_open_appeal
        assessment.appeal_form = forms.get(assessment.pk) or (
            AppealForm(auto_id=f"appeal{assessment.pk}_%s") if assessment.can_appeal else None)
        assessment.next_attempt = Assessment.objects.filter(previous=assessment).select_related(
            "event__tuk").first()
    return {"assessments": assessments, "documents": DOCUMENTS}


@require_GET
@job_seeker_required
def my_assessments(request):
    return render(request, "assessment/my_assessments.html", _my_assessments_context(request))


@require_POST
@job_seeker_required
def candidate_appeal(request, pk):
    """FR.AK.04: the candidate appeals their own decision."""
    candidate = get_candidate_for_user(request.user, pk, own=True)
    form = AppealForm(request.POST, auto_id=f"appeal{candidate.pk}_%s")
    if form.is_valid():
        try:
            services.file_appeal(candidate, grounds=form.cleaned_data["grounds"], by=request.user, request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your appeal has been sent to the LSP."))
            return redirect("assessment:my_assessments")
    return render(request, "assessment/my_assessments.html",
                  _my_assessments_context(request, forms={candidate.pk: form}))


# Schemes and LSPs (read only) --------------------------------------------------------------------------


@require_GET
@assessment_staff_required
def scheme_list(request):
    schemes = (Scheme.objects.select_related("sector").annotate(n_units=Count("units", distinct=True))
               .prefetch_related("lsps"))
    lsps = Lsp.objects.select_related("centre").annotate(
        n_tuks=Count("tuks", distinct=True), n_assessors=Count("assessors", distinct=True),
        n_schemes=Count("schemes", distinct=True))
    return render(request, "assessment/scheme_list.html", {"schemes": schemes, "lsps": lsps})


@require_GET
@assessment_staff_required
def scheme_detail(request, pk):
    scheme = get_object_or_404(Scheme.objects.select_related("sector"), pk=pk)
    return render(request, "assessment/scheme_detail.html", {
        "scheme": scheme, "units": [_with_elements(unit) for unit in scheme.units.all()], "lsps": scheme.lsps.all(),
        "assessor_count": scheme.assessors.filter(is_active=True).count(),
    })


@require_GET
@assessment_staff_required
def lsp_detail(request, pk):
    lsp = get_object_or_404(Lsp.objects.select_related("centre"), pk=pk)
    return render(request, "assessment/lsp_detail.html", {
        "lsp": lsp, "schemes": lsp.schemes.all(), "tuks": lsp.tuks.select_related("centre"),
        "assessors": lsp.assessors.select_related("user").prefetch_related("schemes"),
        "today": timezone.localdate(),
    })
