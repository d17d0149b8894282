"""Vacancy pages: the list (scoped), creating and editing a vacancy (the Perpres 57/2023 fields, each problem next
to its field), the province's import, a vacancy's page, closing it, recording hires; the shortlist of matching
candidates with the reasons of each score, inviting a candidate, and the company's page of an invited candidate.

A candidate is shown to a company without NIK, date of birth, address, phone or email (services.public_profile)
until they accept one of its invitations (services.can_see_contact); then also phone, email, address and date of
birth, never the NIK. A candidate who withdrew consent is on no shortlist, and their page says only that.

Every object comes through access.py (404 for what the user may not see or do); every rule is a service call
whose DomainError message is shown to the user."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import province_admin_required, role_required
from kompeten.apprenticeships.models import Company
from kompeten.core.errors import DomainError
from kompeten.formats import rupiah
from kompeten.jobs import services
from kompeten.jobs.access import (
    VACANCY_RELATED,
    can_manage_vacancy,
    get_invitation_for_company,
    get_vacancy_for_user,
)
from kompeten.jobs.forms import HireForm, InviteForm, VacancyFilterForm, VacancyForm, VacancyImportForm
from kompeten.jobs.models import CandidateProfile, InvitationStatus, Vacancy, VacancyStatus
from kompeten.registry.models import Person

PAGE_SIZE = 50
SHORTLIST_LIMIT = 50
vacancy_managers_required = role_required("province_admin", "company_user")

# Which form field a service's refusal is about.
ERROR_FIELDS = {"dates_order": "valid_until", "ages_order": "max_age", "wages_order": "wage_max",
                "company_not_verified": "company", "too_many_hired": "count", "hire_count": "count",
                "person_hired_twice": "person", "outcome_in_future": "on"}


# --- shared helpers (also used by views/seeker.py) ------------------------------------------------


def wage_text(vacancy: Vacancy) -> str:
    low, high = vacancy.wage_min, vacancy.wage_max
    if low is not None and high is not None:
        return rupiah(low) if low == high else f"{rupiah(low)} – {rupiah(high)}"
    if low is not None:
        return _("from %(amount)s") % {"amount": rupiah(low)}
    if high is not None:
        return _("up to %(amount)s") % {"amount": rupiah(high)}
    return ""


def decorate(vacancy: Vacancy) -> Vacancy:
    """What the pages show of a vacancy besides its fields."""
    vacancy.wage_text = wage_text(vacancy)
    vacancy.open_places = max(vacancy.number_needed - vacancy.filled, 0)
    return vacancy


def field(row, name, default=None):
    """A field of a row of the matching engine, whether the row is a mapping or an object."""
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def _points(value) -> str:
    number = float(value)
    return f"{number:+.0f}" if number.is_integer() else f"{number:+.1f}"


def reason_text(reason) -> str:
    """One reason of a score as a person reads it: "holds certificate SKM-… (+40)"."""
    if isinstance(reason, str):
        return reason
    if isinstance(reason, Mapping):
        text = str(reason.get("text") or reason.get("label") or reason.get("reason") or reason.get("code") or "")
        points = reason.get("points", reason.get("score"))
    elif isinstance(reason, list | tuple) and reason:
        text, points = str(reason[0]), (reason[1] if len(reason) > 1 else None)
    else:
        return str(reason)
    if points not in (None, "") and "(+" not in text and "(-" not in text and "(−" not in text:
        with contextlib.suppress(TypeError, ValueError):
            text = f"{text} ({_points(points)})"
    return text


def reason_texts(reasons) -> list[str]:
    return [text for text in (reason_text(r) for r in (reasons or [])) if text]


def plain(value):
    """A JSON-safe copy (lazy translations and dates become text) for Invitation.reasons."""
    return json.loads(json.dumps(value, default=str))


def score_text(score) -> str:
    try:
        number = float(score)
    except (TypeError, ValueError):
        return ""
    return f"{number:.0f}" if number.is_integer() else f"{number:.1f}"


def _form_error(form, error: DomainError) -> None:
    name = ERROR_FIELDS.get(error.code)
    form.add_error(name if name in form.fields else None, error.message)


# --- the list -------------------------------------------------------------------------------------


@require_GET
@login_required
def vacancy_list(request):
    user = request.user
    vacancies = Vacancy.objects.visible_to(user).select_related(*VACANCY_RELATED)
    company_only = bool(user.company_ids) and not user.is_province_admin
    if company_only:
        vacancies = vacancies.filter(company__in=user.company_ids)  # the company's own, in every status
    sees_all_statuses = user.is_province_admin or company_only
    statuses = VacancyStatus.choices if sees_all_statuses else [(VacancyStatus.OPEN.value, VacancyStatus.OPEN.label)]
    form = VacancyFilterForm(request.GET or None, statuses=statuses)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            query = data["q"].strip()
            vacancies = vacancies.filter(Q(title__icontains=query) | Q(company__name__icontains=query)
                                         | Q(occupation__name__icontains=query) | Q(occupation__code=query))
        if data["sector"]:
            vacancies = vacancies.filter(sector=data["sector"])
        if data["region"]:
            vacancies = vacancies.filter(region=data["region"])
        if data["status"]:
            vacancies = vacancies.filter(status=data["status"])
    if sees_all_statuses:
        vacancies = vacancies.annotate(
            n_invited=Count("invitations", distinct=True),
            n_accepted=Count("invitations", filter=Q(invitations__status=InvitationStatus.ACCEPTED), distinct=True))
    page = Paginator(vacancies.order_by("-valid_from", "title", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for vacancy in page:
        decorate(vacancy)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "jobs/vacancy_list.html", {
        "page": page, "form": form, "query": query.urlencode(), "sees_all_statuses": sees_all_statuses,
        "manages": sees_all_statuses,
        "can_create": user.is_province_admin or bool(user.company_ids),
        "can_import": user.is_province_admin,
    })


# --- creating and editing -------------------------------------------------------------------------


def _companies_for(user) -> tuple[list[Company], list[str]]:
    """The companies the user may post for (verified), and why they may not post when there are none."""
    if user.is_province_admin:
        companies = list(Company.objects.verified().order_by("name"))
        return companies, ([] if companies else [_("No company is verified yet.")])
    own = list(Company.objects.filter(pk__in=user.company_ids).order_by("name"))
    verified = [c for c in own if c.is_verified]
    blocked = [] if verified else [services.MESSAGES["company_not_verified"] % {"company": c.name} for c in own]
    return verified, blocked


@require_http_methods(["GET", "POST"])
@vacancy_managers_required
def vacancy_create(request):
    user = request.user
    companies, blocked = _companies_for(user)
    if blocked:
        return render(request, "jobs/vacancy_form.html", {
            "blocked": blocked, "companies": Company.objects.filter(pk__in=user.company_ids).order_by("name")})
    form = VacancyForm(request.POST or None, companies=companies)
    if request.method == "POST" and form.is_valid():
        vacancy = form.build()
        try:
            services.save_vacancy(vacancy, vocations=list(form.cleaned_data["vocations"]), by=user, request=request)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The vacancy is published. See the matching candidates on its shortlist."))
            return redirect("jobs:vacancy_detail", pk=vacancy.pk)
    return render(request, "jobs/vacancy_form.html", {"form": form, "company": form.chosen_company})


@require_http_methods(["GET", "POST"])
@vacancy_managers_required
def vacancy_edit(request, pk):
    vacancy = get_vacancy_for_user(request.user, pk, manage=True)
    if vacancy.status != VacancyStatus.OPEN:
        messages.error(request, services.MESSAGES["vacancy_not_open"])
        return redirect("jobs:vacancy_detail", pk=vacancy.pk)
    form = VacancyForm(request.POST or None, instance=vacancy)
    if request.method == "POST" and form.is_valid():
        changed = form.build()
        try:
            services.save_vacancy(changed, vocations=list(form.cleaned_data["vocations"]), by=request.user,
                                  request=request)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The vacancy is saved."))
            return redirect("jobs:vacancy_detail", pk=vacancy.pk)
    return render(request, "jobs/vacancy_form.html", {"form": form, "vacancy": vacancy,
                                                      "company": vacancy.company})


# --- the import -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@province_admin_required
def vacancy_import(request):
    from kompeten.jobs import importer  # openpyxl is loaded only when an import runs

    template = request.GET.get("template")
    if request.method == "GET" and template in ("xlsx", "csv"):
        if template == "csv":
            response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                importer.template_xlsx(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="template-lowongan.{template}"'
        return response
    form = VacancyImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = importer.import_vacancies(upload, filename=upload.name, by=request.user,
                                           valid_only=form.cleaned_data["valid_only"])
        if report.written:
            messages.success(request, _("Import finished: %(created)s vacancies created, %(skipped)s already "
                                        "imported before.") % {"created": report.created,
                                                                "skipped": report.skipped})
    return render(request, "jobs/import.html", {"form": form, "report": report, "columns": importer.template_help()})


# --- one vacancy ----------------------------------------------------------------------------------


@require_GET
@login_required
def vacancy_detail(request, pk):
    user = request.user
    vacancy = decorate(get_vacancy_for_user(user, pk))
    manage = can_manage_vacancy(user, vacancy)
    context = {"vacancy": vacancy, "manage": manage, "vocations": list(vacancy.vocations.order_by("name"))}
    if manage:
        counts = dict(vacancy.invitations.values_list("status").annotate(n=Count("pk")).order_by())
        context["invitation_counts"] = [(label, counts.get(value, 0)) for value, label in InvitationStatus.choices]
        context["invitations"] = list(vacancy.invitations.select_related("person").order_by("-sent_at", "-pk")[:100])
        context["hires"] = list(vacancy.hires.select_related("person", "by").order_by("-on", "-pk"))
    return render(request, "jobs/vacancy_detail.html", context)


@require_POST
@vacancy_managers_required
def vacancy_close(request, pk):
    vacancy = get_vacancy_for_user(request.user, pk, manage=True)
    if vacancy.status != VacancyStatus.OPEN:
        messages.error(request, services.MESSAGES["vacancy_not_open"])
    else:
        services.close_vacancy(vacancy, by=request.user, request=request)
        messages.success(request, _("The vacancy is closed; it is no longer shown to job seekers."))
    return redirect("jobs:vacancy_detail", pk=vacancy.pk)


def _hireable(vacancy: Vacancy):
    """Candidates who accepted an invitation to the vacancy, still consent, and are not recorded as hired yet."""
    return (Person.objects.filter(job_invitations__vacancy=vacancy,
                                  job_invitations__status=InvitationStatus.ACCEPTED,
                                  candidate_profile__shown=True)
            .exclude(hires__vacancy=vacancy).order_by("full_name", "pk").distinct())


@require_http_methods(["GET", "POST"])
@vacancy_managers_required
def hire(request, pk):
    vacancy = decorate(get_vacancy_for_user(request.user, pk, manage=True))
    persons = _hireable(vacancy)
    initial = {}
    if request.method == "GET" and (chosen := request.GET.get("person", "")).isdigit():
        initial["person"] = persons.filter(pk=int(chosen)).first()
    form = HireForm(request.POST or None, persons=persons, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_hire(vacancy, count=data["count"], person=data["person"], on=data["on"],
                                 note=data["note"], by=request.user, request=request)
        except DomainError as error:
            _form_error(form, error)
        else:
            if data["person"] is not None:
                messages.success(request, _("%(name)s is recorded as hired.") % {"name": data["person"].full_name})
            else:
                messages.success(request, _("%(count)s hired recorded.") % {"count": data["count"]})
            return redirect("jobs:vacancy_detail", pk=vacancy.pk)
    return render(request, "jobs/vacancy_hire.html", {
        "vacancy": vacancy, "form": form,
        "hires": list(vacancy.hires.select_related("person", "by").order_by("-on", "-pk"))})


# --- the shortlist, invitations, candidates -------------------------------------------------------


def _matches(vacancy: Vacancy) -> list:
    from kompeten.jobs import shortlist as matching

    return list(matching.shortlist(vacancy, limit=SHORTLIST_LIMIT))


def _candidates(vacancy: Vacancy, rows) -> list[dict]:
    """The shortlist's rows with each candidate's public profile and invitation, in the shortlist's order.
    Anyone who does not consent to being shown (now) is left out, whatever the engine returned."""
    ids = [field(row, "person_id") for row in rows]
    shown = set(CandidateProfile.objects.filter(person__in=ids, shown=True).values_list("person_id", flat=True))
    persons = Person.objects.select_related("education").in_bulk([pk for pk in ids if pk in shown])
    invitations = {i.person_id: i for i in vacancy.invitations.filter(person__in=persons)}
    today = timezone.localdate()
    candidates = []
    for rank, row in enumerate(rows, start=1):
        person = persons.get(field(row, "person_id"))
        if person is None:
            continue
        candidates.append({
            "rank": rank, "person_id": person.pk, "score": score_text(field(row, "score")),
            "reasons": reason_texts(field(row, "reasons")), "profile": services.public_profile(person, today=today),
            "invitation": invitations.get(person.pk),
        })
    return candidates


@require_GET
@vacancy_managers_required
def shortlist(request, pk):
    vacancy = decorate(get_vacancy_for_user(request.user, pk, manage=True))
    candidates = _candidates(vacancy, _matches(vacancy))
    return render(request, "jobs/shortlist.html", {
        "vacancy": vacancy, "candidates": candidates, "limit": SHORTLIST_LIMIT,
        "can_invite": vacancy.status == VacancyStatus.OPEN,
    })


@require_POST
@vacancy_managers_required
def invite(request, pk):
    vacancy = get_vacancy_for_user(request.user, pk, manage=True)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a candidate from the shortlist."))
        return redirect("jobs:shortlist", pk=vacancy.pk)
    person_id = form.cleaned_data["person"]
    # Only someone on the shortlist now (who consents and matches) can be invited; score and reasons are the
    # engine's, never the browser's.
    row = next((r for r in _matches(vacancy) if field(r, "person_id") == person_id), None)
    person = Person.objects.filter(pk=person_id).first() if row is not None else None
    if person is None:
        messages.error(request, _("This person is not on the vacancy's shortlist (any more)."))
        return redirect("jobs:shortlist", pk=vacancy.pk)
    try:
        services.invite(vacancy, person, by=request.user, message=form.cleaned_data["message"],
                        score=float(field(row, "score") or 0), reasons=plain(list(field(row, "reasons") or [])),
                        request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is invited. When they accept, you see their phone number and email "
                                    "on their page.") % {"name": person.full_name})
    return redirect("jobs:shortlist", pk=vacancy.pk)


@require_GET
@vacancy_managers_required
def candidate(request, pk):
    user = request.user
    invitation = get_invitation_for_company(user, pk)
    vacancy, person = decorate(invitation.vacancy), invitation.person
    consenting = CandidateProfile.objects.filter(person=person, shown=True).exists()
    if not consenting or invitation.status == InvitationStatus.WITHDRAWN:
        return render(request, "jobs/candidate.html", {"invitation": invitation, "vacancy": vacancy,
                                                       "withdrawn": True})
    hired = vacancy.hires.filter(person=person).first()
    context = {
        "invitation": invitation, "vacancy": vacancy, "withdrawn": False,
        "profile": services.public_profile(person),
        "reasons": reason_texts(invitation.reasons), "score": score_text(invitation.score),
        "contact": None, "hired": hired,
        "can_hire": invitation.status == InvitationStatus.ACCEPTED and hired is None and vacancy.open_places > 0,
    }
    if services.can_see_contact(user, person):
        # Accepted: the company may contact the candidate. Still never the NIK.
        context["contact"] = {
            "phone": person.phone, "email": person.email, "birth_date": person.birth_date,
            "address": _address(person),
        }
    return render(request, "jobs/candidate.html", context)


def _address(person: Person) -> str:
    parts = [person.street]
    if person.rt or person.rw:
        parts.append(f"RT {person.rt or '-'} / RW {person.rw or '-'}")
    if person.village_id:
        village = person.village
        parts.append(", ".join(region.name for region in village.lineage()[:3]))
    return ", ".join(part for part in parts if part)

