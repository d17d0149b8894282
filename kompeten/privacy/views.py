"""Pages of personal-data rights: the job seeker's "My data" and the staff's request list (thin: services.py)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import job_seeker_required, operator_or_admin_required
from kompeten.core.access import get_or_404
from kompeten.core.errors import DomainError
from kompeten.privacy import services
from kompeten.privacy.forms import RequestForm, TransitionForm
from kompeten.privacy.models import OPEN_STATUSES, PrivacyRequest, RequestKind, RequestStatus
from kompeten.registry import services as registry
from kompeten.registry.access import get_person_for_user
from kompeten.registry.models import Consent, Person


def _own_person(request) -> Person:
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        raise Http404
    return person


def _my_data(request, person, *, form=None, status=200):
    consents = registry.current_consents(person)
    return render(request, "privacy/my_data.html", {
        "person": person,
        "purposes": [(value, label, consents.get(value)) for value, label in Consent.Purpose.choices],
        "history": person.consents.all()[:50],
        "requests": person.privacy_requests.order_by("-received_at", "-pk"),
        "form": form or RequestForm(),
    }, status=status)


@require_GET
@job_seeker_required
def my_data(request):
    return _my_data(request, _own_person(request))


@require_GET
@job_seeker_required
def my_data_download(request, fmt):
    """All of the job seeker's data, as JSON or PDF, with the history of its processing."""
    if fmt not in ("json", "pdf"):
        raise Http404
    person = _own_person(request)
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        response = HttpResponse(services.export_json(person), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(services.export_pdf(person), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="data-saya-{stamp}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    services.log_data_export(request, person, fmt)
    return response


@require_POST
@job_seeker_required
def my_consent(request):
    """Give or withdraw a consent: a new record, in force at once."""
    person = _own_person(request)
    purpose = request.POST.get("purpose")
    if purpose not in Consent.Purpose.values or request.POST.get("given") not in ("0", "1"):
        messages.error(request, _("Choose a purpose and whether you give or withdraw your consent."))
        return redirect("privacy:mine")
    given = request.POST["given"] == "1"
    registry.record_consent(person, purpose=purpose, given=given, channel=Consent.Channel.WEB, by=request.user,
                            request=request)
    messages.success(request, _("Your consent is recorded.") if given else
                     _("Your withdrawal is recorded and in force now."))
    return redirect("privacy:mine")


@require_POST
@job_seeker_required
def my_request_create(request):
    person = _own_person(request)
    form = RequestForm(request.POST)
    if form.is_valid():
        try:
            req = services.submit_request(person, kind=form.cleaned_data["kind"],
                                          details=form.cleaned_data["details"], by=request.user, request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your request is received. We answer by %(due)s.")
                             % {"due": timezone.localtime(req.due_at).strftime("%d-%m-%Y %H:%M")})
            return redirect("privacy:mine")
    return _my_data(request, person, form=form, status=400)


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def request_for_person(request, person_pk):
    """Staff record a request made at the counter (or by letter) for a person they may see."""
    person = get_person_for_user(request.user, person_pk)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.submit_request(person, kind=form.cleaned_data["kind"],
                                          details=form.cleaned_data["details"], by=request.user,
                                          channel=PrivacyRequest.Channel.OPERATOR, request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The request is recorded; it is due %(due)s.")
                             % {"due": timezone.localtime(req.due_at).strftime("%d-%m-%Y %H:%M")})
            return redirect("privacy:request_detail", pk=req.pk)
    return render(request, "privacy/request_form.html", {"person": person, "form": form},
                  status=400 if request.method == "POST" else 200)


FILTERS = {"open": "open", "overdue": "overdue", "all": "all"}


@require_GET
@operator_or_admin_required
def request_list(request):
    """The requests of the persons the user may see, with their deadline; overdue first."""
    shown = request.GET.get("show") if request.GET.get("show") in FILTERS else "open"
    kind = request.GET.get("kind") if request.GET.get("kind") in RequestKind.values else ""
    now = timezone.now()
    requests = PrivacyRequest.objects.visible_to(request.user).select_related("person", "handled_by")
    if shown == "open":
        requests = requests.open()
    elif shown == "overdue":
        requests = requests.overdue(now)
    if kind:
        requests = requests.filter(kind=kind)
    rows = list(requests.order_by("due_at", "pk")[:500])
    for row in rows:
        row.overdue = row.is_overdue(now)
        row.hours_left = round((row.due_at - now).total_seconds() / 3600)
    return render(request, "privacy/request_list.html", {
        "rows": rows, "shown": shown, "kind": kind, "kinds": RequestKind.choices,
        "overdue_count": PrivacyRequest.objects.visible_to(request.user).overdue(now).count(),
    })


def _detail(request, req, *, form=None, status=200):
    now = timezone.now()
    return render(request, "privacy/request_detail.html", {
        "req": req, "events": req.events.select_related("by"), "overdue": req.is_overdue(now),
        "form": form or TransitionForm(), "can_handle": req.status in OPEN_STATUSES,
        "erasure": getattr(req.person, "erasure", None),
    }, status=status)


@require_GET
@operator_or_admin_required
def request_detail(request, pk):
    req = get_or_404(PrivacyRequest.objects.visible_to(request.user).select_related("person"), pk)
    services.log_view(request, req.person, page="request", obj=req)
    return _detail(request, req)


@require_POST
@operator_or_admin_required
def request_transition(request, pk):
    req = get_or_404(PrivacyRequest.objects.visible_to(request.user).select_related("person"), pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new status of the request."))
        return redirect("privacy:request_detail", pk=req.pk)
    if form.is_valid():
        try:
            services.change_status(req, status=form.cleaned_data["status"], by=request.user,
                                   note=form.cleaned_data["note"], request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The request is now %(status)s.")
                             % {"status": RequestStatus(form.cleaned_data["status"]).label})
            return redirect("privacy:request_detail", pk=req.pk)
    return _detail(request, req, form=form, status=400)
