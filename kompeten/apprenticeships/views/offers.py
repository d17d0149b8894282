"""Offer pages: the list (scoped), creating and editing a draft (the Permenaker 6/2020 limits next to their
fields), the offer's page with its approving authority, submitting, approving, rejecting and closing it; the
company's view of its applicants (decide, rank; read-only with the outcome once the round is matched).

A candidate is shown to the company without NIK, date of birth, street address, phone or email: name, sex, age
band, education, regency of domicile, completed trainings and competency certificates only (candidate_profiles).

Every object comes through access.py (404 for what the user may not see or do); every rule is a service call
whose DomainError message is shown to the user."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import province_admin_required, role_required
from kompeten.apprenticeships import services
from kompeten.apprenticeships.access import (
    can_decide_offer,
    can_manage_offer,
    get_application_for_user,
    get_offer_applicants_for_user,
    get_offer_for_user,
)
from kompeten.apprenticeships.forms import (
    ApplicantsForm,
    ApproveForm,
    DecisionForm,
    OfferFilterForm,
    OfferForm,
    ReasonForm,
)
from kompeten.apprenticeships.models import (
    Company,
    CompanyDecision,
    Offer,
    OfferStatus,
    RankingCriterion,
    RoundStatus,
)
from kompeten.apprenticeships.views.companies import show_errors
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import diff, record, snapshot
from kompeten.core.errors import DomainError
from kompeten.formats import rupiah
from kompeten.reference.models import Region

PAGE_SIZE = 50
company_user_required = role_required("company_user")
applicants_staff_required = role_required("province_admin", "company_user")
OFFER_RELATED = ("company__sector", "occupation", "matching_round")
AUDITED_FIELDS = ["title", "occupation", "description", "slots", "start_date", "months", "theory_percent",
                  "hours_per_week", "address", "allowance", "insurance", "min_education", "scheme",
                  "require_certificate", "min_age", "max_age", "criteria"]
AUDITED_M2M = ["locations", "vocations", "mentors"]
LOCKED_ROUND = (RoundStatus.MATCHED, RoundStatus.PUBLISHED)
OUTCOMES = {
    "placed": gettext_lazy("Placed"),
    "not_placed": gettext_lazy("Not placed"),
    "excluded": gettext_lazy("Not in the matching"),
}
EXCLUSION_TEXT = {**services.INELIGIBLE_TEXT, "already_placed": gettext_lazy("already has an apprenticeship")}


def age_band(age: int) -> str:
    """Five-year bands ("20–24"): enough to judge an applicant, without the date of birth."""
    low = age // 5 * 5
    return f"{low}–{low + 4}"


def _offer_snapshot(offer: Offer) -> dict:
    data = snapshot(offer, AUDITED_FIELDS)
    for name in AUDITED_M2M:
        data[name] = sorted(str(pk) for pk in getattr(offer, name).values_list("pk", flat=True))
    return data


def _decorate(offer: Offer) -> Offer:
    """What the pages show of an offer besides its fields."""
    offer.allowance_text = rupiah(offer.allowance)
    offer.criteria_labels = [RankingCriterion(c).label for c in offer.criteria if c in RankingCriterion.values]
    return offer


# --- the list -------------------------------------------------------------------------------------


@require_GET
@login_required
def offer_list(request):
    user = request.user
    offers = (Offer.objects.visible_to(user).select_related(*OFFER_RELATED)
              .prefetch_related(Prefetch("locations", queryset=Region.objects.order_by("code"))))
    sees_all_statuses = user.is_province_admin or bool(user.company_ids)
    statuses = OfferStatus.choices if sees_all_statuses else [
        (s.value, s.label) for s in (OfferStatus.APPROVED, OfferStatus.CLOSED)]
    form = OfferFilterForm(request.GET or None, statuses=statuses)
    status_filter = ""
    if form.is_valid():
        data = form.cleaned_data
        status_filter = data["status"]
        if status_filter:
            offers = offers.filter(status=status_filter)
        if data["sector"]:
            offers = offers.filter(company__sector=data["sector"])
        if data["round"]:
            offers = offers.filter(matching_round=data["round"])
    queue = []
    if user.is_province_admin and not status_filter:
        # The province's work first: the offers waiting for approval, oldest first.
        queue = [_decorate(o) for o in offers.filter(status=OfferStatus.SUBMITTED).order_by("created_at", "pk")]
        offers = offers.exclude(status=OfferStatus.SUBMITTED)
    page = Paginator(offers.order_by("-start_date", "company__name", "title", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    for offer in page:
        _decorate(offer)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "apprenticeships/offer_list.html", {
        "page": page, "queue": queue, "form": form, "query": query.urlencode(),
        "own_companies": user.company_ids,
        "can_create": Company.objects.filter(pk__in=user.company_ids).exists(),
    })


# --- creating and editing -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@company_user_required
def offer_create(request):
    user = request.user
    companies = Company.objects.filter(pk__in=user.company_ids).order_by("name")
    verified = list(companies.verified())
    if not verified:
        reasons = [services.MESSAGES["company_not_verified"] % {"company": c.name} for c in companies]
        return render(request, "apprenticeships/offer_form.html", {"blocked": reasons, "companies": companies})
    company = verified[0] if len(verified) == 1 else None
    form = OfferForm(request.POST or None, company=company, companies=companies.verified())
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.instance.created_by = user
            offer = form.save()
            record(AuditEntry.Action.CREATE, offer, by=user, request=request,
                   changes={k: [None, v] for k, v in _offer_snapshot(offer).items() if v not in (None, "", [])})
        messages.success(request, _("The offer is saved as a draft. Submit it for approval when it is complete."))
        return redirect("apprenticeships:offer_detail", pk=offer.pk)
    return render(request, "apprenticeships/offer_form.html", {"form": form, "company": company})


@require_http_methods(["GET", "POST"])
@company_user_required
def offer_edit(request, pk):
    offer = get_offer_for_user(request.user, pk, manage=True)
    if offer.status != OfferStatus.DRAFT:
        messages.error(request, services.MESSAGES["offer_not_draft"] % {"status": offer.get_status_display()})
        return redirect("apprenticeships:offer_detail", pk=offer.pk)
    form = OfferForm(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = Offer.objects.select_for_update().get(pk=offer.pk)
            if locked.status != OfferStatus.DRAFT:
                messages.error(request, services.MESSAGES["offer_not_draft"] % {
                    "status": locked.get_status_display()})
                return redirect("apprenticeships:offer_detail", pk=offer.pk)
            before = _offer_snapshot(locked)
            offer = form.save()
            changes = diff(before, _offer_snapshot(offer))
            if changes:
                record(AuditEntry.Action.UPDATE, offer, by=request.user, changes=changes, request=request)
        messages.success(request, _("The offer is saved."))
        return redirect("apprenticeships:offer_detail", pk=offer.pk)
    return render(request, "apprenticeships/offer_form.html", {"form": form, "offer": offer,
                                                                "company": offer.company})


# --- one offer ------------------------------------------------------------------------------------


@require_GET
@login_required
def offer_detail(request, pk):
    user = request.user
    offer = _decorate(get_offer_for_user(user, pk))
    manage, decide = can_manage_offer(user, offer), can_decide_offer(user)
    context = {
        "offer": offer, "manage": manage, "decide": decide, "practice_percent": 100 - offer.theory_percent,
        "locations": list(offer.locations.order_by("code")),
        "vocations": list(offer.vocations.order_by("name")),
        "mentors": list(offer.mentors.order_by("name")),
        "authority_region": (Region.objects.filter(pk=offer.authority_region_id).first()
                             if offer.authority_region_id else None),
        "sees_applicants": manage or user.is_province_admin,
    }
    context.update(problems=[], approve_form=None, reject_form=None)  # every key the template reads
    if context["sees_applicants"]:
        counts = dict(offer.applications.values_list("decision").annotate(n=Count("pk")).order_by())
        context["n_applicants"] = sum(counts.values())
        context["decision_counts"] = [(label, counts.get(value, 0)) for value, label in CompanyDecision.choices]
    if manage and offer.status == OfferStatus.DRAFT:
        # What would stop the submission, before the company tries.
        context["problems"] = [error.message for _field, error in services.offer_problems(
            offer.company, slots=offer.slots, start_date=offer.start_date, months=offer.months,
            theory_percent=offer.theory_percent, exclude=offer.pk)]
        if not context["locations"]:
            context["problems"].append(str(services.MESSAGES["no_location"]))
    if decide and offer.status == OfferStatus.SUBMITTED:
        context["approve_form"] = ApproveForm(prefix="approve")
        context["reject_form"] = ReasonForm(prefix="reject")
    return render(request, "apprenticeships/offer_detail.html", context)


@require_POST
@company_user_required
def offer_submit(request, pk):
    offer = get_offer_for_user(request.user, pk, manage=True)
    try:
        services.submit_offer(offer, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The offer is submitted for approval."))
    return redirect("apprenticeships:offer_detail", pk=offer.pk)


@require_POST
@province_admin_required
def offer_approve(request, pk):
    offer = get_offer_for_user(request.user, pk, decide=True)
    form = ApproveForm(request.POST, prefix="approve")
    if not form.is_valid():
        show_errors(request, form)
        return redirect("apprenticeships:offer_detail", pk=offer.pk)
    data = form.cleaned_data
    try:
        offer = services.approve_offer(offer, by=request.user, approval_number=data["approval_number"],
                                       matching_round=data["matching_round"], request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The offer is approved (%(authority)s, letter %(number)s).") % {
            "authority": offer.get_authority_display(), "number": offer.approval_number})
    return redirect("apprenticeships:offer_detail", pk=offer.pk)


@require_POST
@province_admin_required
def offer_reject(request, pk):
    offer = get_offer_for_user(request.user, pk, decide=True)
    form = ReasonForm(request.POST, prefix="reject")
    if not form.is_valid():
        show_errors(request, form)
        return redirect("apprenticeships:offer_detail", pk=offer.pk)
    try:
        services.reject_offer(offer, reason=form.cleaned_data["reason"], by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The offer is rejected."))
    return redirect("apprenticeships:offer_detail", pk=offer.pk)


@require_POST
@company_user_required
def offer_close(request, pk):
    offer = get_offer_for_user(request.user, pk, manage=True)
    try:
        services.close_offer(offer, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The offer is closed."))
    return redirect("apprenticeships:offer_detail", pk=offer.pk)


# --- applicants -----------------------------------------------------------------------------------


def candidate_profiles(applications, *, today=None) -> None:
    """Attach ``profile`` to each application: what a company sees of a candidate. Never the NIK, the date of
    birth, the street address, the phone or the email."""
    from kompeten.certificates.models import Certificate, CertificateKind
    from kompeten.training.models import Enrolment, EnrolmentStatus

    today = today or timezone.localdate()
    persons = {a.person_id: a.person for a in applications}
    regency_codes = {p.village_id[:5] for p in persons.values() if p.village_id}
    regencies = dict(Region.objects.filter(code__in=regency_codes).values_list("code", "name"))
    trainings = defaultdict(list)
    for enrolment in (Enrolment.objects.filter(person__in=persons, status=EnrolmentStatus.COMPLETED)
                      .select_related("batch__centre", "batch__package__vocation")
                      .order_by("batch__end_date", "pk")):
        batch = enrolment.batch
        trainings[enrolment.person_id].append({"vocation": batch.package.vocation.name,
                                               "centre": batch.centre.short_name, "year": batch.end_date.year})
    certificates = defaultdict(list)
    for certificate in (Certificate.objects.current().filter(person__in=persons, kind=CertificateKind.COMPETENCY)
                        .only("person_id", "title", "number").order_by("issued_at", "pk")):
        certificates[certificate.person_id].append({"title": certificate.title, "number": certificate.number})
    for application in applications:
        person = application.person
        application.profile = {
            "name": person.full_name,
            "sex": person.get_sex_display(),
            "age_band": age_band(person.age_on(today)),
            "education": person.education.name if person.education_id else "",
            "regency": regencies.get((person.village_id or "")[:5], ""),
            "trainings": trainings.get(person.pk, []),
            "certificates": certificates.get(person.pk, []),
        }
        application.outcome_label = OUTCOMES.get(application.outcome, "")
        reasons = (application.explanation or {}).get("reasons") or []
        application.outcome_reasons = ", ".join(str(EXCLUSION_TEXT.get(code, code)) for code in reasons)


def _locked(offer: Offer) -> bool:
    return offer.matching_round_id is not None and offer.matching_round.status in LOCKED_ROUND


def _applications(offer: Offer) -> list:
    applications = list(offer.applications.select_related("person__education"))
    applications.sort(key=lambda a: (a.company_rank is None, a.company_rank or 0, a.created_at, a.pk))
    return applications


def _save_applicants(request, offer: Offer, applications, form) -> None:
    """The decisions that changed, then the ranking when it changed (services.decide, services.rank_applicants);
    all or nothing."""
    with transaction.atomic():
        decisions = form.decisions()
        for application in applications:
            if decisions[application.pk] != application.decision:
                services.decide(application, decision=decisions[application.pk], by=request.user, request=request)
        ranking = form.ranking()
        current = list(offer.applications.filter(company_rank__isnull=False).order_by("company_rank")
                       .values_list("pk", flat=True))
        if [a.pk for a in ranking] != current:
            services.rank_applicants(offer, ranking, by=request.user, request=request)


@require_http_methods(["GET", "POST"])
@applicants_staff_required
def offer_applicants(request, pk):
    offer = _decorate(get_offer_applicants_for_user(request.user, pk))
    applications = _applications(offer)
    locked = _locked(offer)
    form = None
    if not locked:
        form = ApplicantsForm(request.POST if request.method == "POST" else None, applications=applications)
    if request.method == "POST":
        if locked:
            messages.error(request, services.MESSAGES["decision_locked"])
            return redirect("apprenticeships:offer_applicants", pk=offer.pk)
        if form.is_valid():
            try:
                _save_applicants(request, offer, applications, form)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The decisions and the ranking are saved."))
                return redirect("apprenticeships:offer_applicants", pk=offer.pk)
    candidate_profiles(applications)
    rows = form.rows if form is not None else [(a, None, None) for a in applications]
    return render(request, "apprenticeships/applicant_list.html", {
        "offer": offer, "form": form, "rows": rows, "locked": locked,
        "accepted": sum(1 for a in applications if a.decision == CompanyDecision.ACCEPTED),
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


@require_http_methods(["GET", "POST"])
@applicants_staff_required
def applicant_detail(request, pk):
    application = get_application_for_user(request.user, pk, decide=True)
    offer = application.offer
    locked = _locked(offer)
    form = None
    if not locked:
        form = DecisionForm(request.POST if request.method == "POST" else None,
                            initial={"decision": application.decision, "note": application.decision_note})
    if request.method == "POST":
        if locked:
            messages.error(request, services.MESSAGES["decision_locked"])
            return redirect("apprenticeships:applicant_detail", pk=application.pk)
        if form.is_valid():
            try:
                services.decide(application, decision=form.cleaned_data["decision"], note=form.cleaned_data["note"],
                                by=request.user, request=request)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The decision is saved."))
                return redirect(reverse("apprenticeships:offer_applicants", args=[offer.pk]))
    candidate_profiles([application])
    return render(request, "apprenticeships/applicant_detail.html", {
        "application": application, "offer": offer, "form": form, "locked": locked,
    }, status=400 if form is not None and form.is_bound and form.errors else 200)
