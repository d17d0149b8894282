"""Company pages: self-registration (public), the province's list and verification, a company's own page with
its mentors, offers and users, the correction of its data (audited) and adding a mentor.

Every company comes through access.get_company_for_user (404 for what the user may not see or do); every rule is
a service call whose DomainError message is shown to the user."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import province_admin_required, role_required
from kompeten.accounts.models import Membership, Role
from kompeten.apprenticeships import rules, services
from kompeten.apprenticeships.access import get_company_for_user, is_company_user_of
from kompeten.apprenticeships.forms import (
    CompanyFilterForm,
    CompanyForm,
    CompanyRegistrationForm,
    DecisionNoteForm,
    MentorForm,
    ReasonForm,
)
from kompeten.apprenticeships.models import Company, CompanyStatus, OfferStatus
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import diff, record, snapshot
from kompeten.core.errors import DomainError

PAGE_SIZE = 50
company_staff_required = role_required("province_admin", "company_user")
# Which form field a registration refusal is about.
REGISTRATION_FIELDS = {"nib_taken": "nib", "email_taken": "user_email"}
AUDITED_FIELDS = ["name", "nib", "sector", "kbli", "region", "address", "email", "phone", "employees"]


def show_errors(request, form) -> None:
    """A short form posted from a page that is not the form's own: its errors as messages."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _company_snapshot(company: Company) -> dict:
    data = snapshot(company, AUDITED_FIELDS)
    data["kbli_codes"] = sorted(company.kbli_codes.values_list("pk", flat=True))
    return data


# --- registration ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def company_register(request):
    """A company registers itself with its first user; it waits for the province to verify it."""
    if request.user.is_authenticated:
        own = sorted(request.user.company_ids)
        if own:
            return redirect("apprenticeships:company_detail", pk=own[0])
        messages.info(request, _("You are logged in. To register a company with its own account, log out first."))
        return redirect("core:home")
    form = CompanyRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            company, user = services.register_company(
                company=form.company_data(), kbli_codes=list(data["kbli_codes"]), full_name=data["full_name"],
                email=data["user_email"], password=data["password1"], request=request)
        except DomainError as error:
            form.add_error(REGISTRATION_FIELDS.get(error.code), error.message)
        else:
            login(request, user, backend="kompeten.accounts.backends.EmailOrPhoneBackend")
            messages.success(request, _("%(company)s is registered. The province verifies it before it can offer "
                                        "apprenticeships.") % {"company": company.name})
            return redirect("apprenticeships:company_detail", pk=company.pk)
    return render(request, "apprenticeships/company_register.html", {"form": form})


# --- the province's list --------------------------------------------------------------------------


@require_GET
@province_admin_required
def company_list(request):
    companies = (Company.objects.visible_to(request.user).select_related("sector", "region")
                 .annotate(n_offers=Count("offers", distinct=True),
                           n_approved=Count("offers", filter=Q(offers__status=OfferStatus.APPROVED), distinct=True),
                           queue=Case(When(status=CompanyStatus.PENDING, then=Value(0)), default=Value(1),
                                      output_field=IntegerField())))
    form = CompanyFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            companies = companies.filter(status=data["status"])
        if data["sector"]:
            companies = companies.filter(sector=data["sector"])
    companies = companies.order_by("queue", "registered_at", "name", "pk")
    counts = dict(Company.objects.visible_to(request.user).values_list("status").annotate(n=Count("pk")).order_by())
    page = Paginator(companies, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "apprenticeships/company_list.html", {
        "page": page, "form": form, "query": query.urlencode(),
        "counts": [(value, label, counts.get(value, 0)) for value, label in CompanyStatus.choices],
        "total": sum(counts.values()),
    })


# --- one company ----------------------------------------------------------------------------------


@require_GET
@company_staff_required
def company_detail(request, pk):
    user = request.user
    company = get_company_for_user(user, pk)
    is_admin = user.is_province_admin
    manage = is_admin or is_company_user_of(user, company.pk)
    offers = list(company.offers.select_related("occupation", "matching_round")
                  .annotate(n_applicants=Count("applications")).order_by("-start_date", "title"))
    current = [o for o in offers if o.status in (OfferStatus.SUBMITTED, OfferStatus.APPROVED)]
    context = {
        "company": company, "is_admin": is_admin, "manage": manage,
        "own": is_company_user_of(user, company.pk),
        "kbli_codes": list(company.kbli_codes.order_by("code")),
        "mentors": list(company.mentors.select_related("user").order_by("-is_active", "name")),
        "offers": offers,
        "users": list(Membership.objects.filter(company=company, role=Role.COMPANY_USER)
                      .select_related("user").order_by("-is_active", "user__full_name")),
        "limit": rules.max_apprentices(company.employees),
        "share": rules.MAX_APPRENTICE_SHARE,
        "current_slots": sum(o.slots for o in current),
        "verify_form": None, "reject_form": None,  # every key the template reads (logscan: no context dumps)
    }
    if is_admin and company.status != CompanyStatus.VERIFIED:
        context["verify_form"] = DecisionNoteForm(prefix="verify")
    if is_admin and company.status == CompanyStatus.PENDING:
        context["reject_form"] = ReasonForm(prefix="reject")
    return render(request, "apprenticeships/company_detail.html", context)


def _quota_warnings(request, company: Company) -> None:
    """After the number of employees changed: the current offers that are now over the 20 % limit."""
    for offer in company.offers.filter(status__in=[OfferStatus.SUBMITTED, OfferStatus.APPROVED]):
        problems = services.offer_problems(company, slots=offer.slots, start_date=offer.start_date,
                                           months=offer.months, theory_percent=offer.theory_percent,
                                           exclude=offer.pk)
        for field, error in problems:
            if field == "slots":
                messages.warning(request, f"{offer.title}: {error.message}")


@require_http_methods(["GET", "POST"])
@company_staff_required
def company_edit(request, pk):
    company = get_company_for_user(request.user, pk, manage=True)
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            before = _company_snapshot(Company.objects.select_for_update().get(pk=company.pk))
            company = form.save()
            after = _company_snapshot(company)
            changes = diff(before, after)
            if changes:
                record(AuditEntry.Action.UPDATE, company, by=request.user, changes=changes, request=request)
        if changes:
            messages.success(request, _("The company's data is saved."))
            if "employees" in changes:
                _quota_warnings(request, company)
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("apprenticeships:company_detail", pk=company.pk)
    return render(request, "apprenticeships/company_form.html", {"form": form, "company": company})


@require_POST
@province_admin_required
def company_verify(request, pk):
    company = get_company_for_user(request.user, pk, verify=True)
    form = DecisionNoteForm(request.POST, prefix="verify")
    if not form.is_valid():
        show_errors(request, form)
        return redirect("apprenticeships:company_detail", pk=company.pk)
    try:
        services.verify_company(company, by=request.user, note=form.cleaned_data["note"], request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(company)s is verified; it may now offer apprenticeships.") % {
            "company": company.name})
    return redirect("apprenticeships:company_detail", pk=company.pk)


@require_POST
@province_admin_required
def company_reject(request, pk):
    company = get_company_for_user(request.user, pk, verify=True)
    form = ReasonForm(request.POST, prefix="reject")
    if not form.is_valid():
        show_errors(request, form)
        return redirect("apprenticeships:company_detail", pk=company.pk)
    try:
        services.reject_company(company, reason=form.cleaned_data["reason"], by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(company)s is rejected.") % {"company": company.name})
    return redirect("apprenticeships:company_detail", pk=company.pk)


@require_http_methods(["GET", "POST"])
@company_staff_required
def mentor_add(request, pk):
    company = get_company_for_user(request.user, pk, manage=True)
    form = MentorForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mentor = services.add_mentor(company, name=data["name"], position=data["position"], phone=data["phone"],
                                     email=data["email"], user=data["account"], by=request.user, request=request)
        messages.success(request, _("%(mentor)s is added as a mentor.") % {"mentor": mentor.name})
        return redirect(reverse("apprenticeships:company_detail", args=[company.pk]) + "#mentors")
    return render(request, "apprenticeships/company_mentor_form.html", {"form": form, "company": company})
