"""The rules of vacancies, invitations, hires, outcomes and the AK/1 card, called alike by views, the API, the CLI,
the importer and the demo. Every refusal is a DomainError with a stable code (MESSAGES); every change writes an
AuditEntry.

Privacy: a company sees a shortlisted candidate's profile without NIK, birth date, address, phone or email
(``public_profile``) until the candidate accepts one of its invitations (``can_see_contact``); even then never the
NIK, which a company does not need.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.errors import DomainError
from kompeten.formats import long_date
from kompeten.jobs.models import (
    WORKING,
    Ak1Report,
    CandidateProfile,
    Hire,
    Invitation,
    InvitationStatus,
    Outcome,
    OutcomeSource,
    Vacancy,
    VacancyStatus,
)

MESSAGES = {
    "company_not_verified": _("%(company)s is not verified yet; the province verifies a company before it can "
                              "post vacancies."),
    "dates_order": _("The vacancy's end date is before its start date."),
    "ages_order": _("The maximum age is below the minimum age."),
    "wages_order": _("The highest wage is below the lowest wage."),
    "vacancy_not_open": _("This vacancy is not open."),
    "not_shown": _("%(person)s does not consent to being shown to companies."),
    "already_invited": _("%(person)s has already been invited to this vacancy."),
    "invitation_answered": _("This invitation has already been answered."),
    "not_your_invitation": _("This invitation is not yours."),
    "too_many_hired": _("%(count)s more would exceed the %(needed)s needed (%(filled)s already filled)."),
    "needed_below_filled": _("%(filled)s have already been hired; the number needed cannot be lower."),
    "person_not_candidate": _("%(person)s has not accepted an invitation to this vacancy."),
    "hire_count": _("The number hired is at least 1."),
    "person_hired_twice": _("%(person)s is already recorded as hired for this vacancy."),
    "outcome_in_future": _("The date of a situation cannot be in the future."),
    "employer_required": _("Give the employer's name for a person in work."),
    "ak1_status": _("An AK/1 report says still seeking or placed."),
    "ak1_none": _("%(person)s has no AK/1 card."),
    "ak1_closed": _("The AK/1 card was closed on %(date)s (placed in work)."),
    "ak1_outside": _("The report date must fall within the card's validity (%(start)s to %(end)s)."),
}


def _error(code: str, **params) -> DomainError:
    return DomainError(code, MESSAGES[code], **params)


def _user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


# --- vacancies ------------------------------------------------------------------------------------


def vacancy_problems(*, valid_from, valid_until, min_age=None, max_age=None, wage_min=None, wage_max=None,
                     number_needed=None, filled=0) -> list[tuple[str, DomainError]]:
    """(field, error) for each inconsistency in a vacancy's numbers; forms and the importer both use it."""
    problems = []
    if number_needed is not None and number_needed < filled:
        problems.append(("number_needed", _error("needed_below_filled", filled=filled)))
    if valid_from and valid_until and valid_until < valid_from:
        problems.append(("valid_until", _error("dates_order")))
    if min_age is not None and max_age is not None and max_age < min_age:
        problems.append(("max_age", _error("ages_order")))
    if wage_min is not None and wage_max is not None and wage_max < wage_min:
        problems.append(("wage_max", _error("wages_order")))
    return problems


def check_company(company) -> None:
    if not company.is_verified:
        raise _error("company_not_verified", company=company.name)


@transaction.atomic
def save_vacancy(vacancy: Vacancy, *, vocations=None, by, request=None) -> Vacancy:
    """Create or change a vacancy (forms build the instance; this checks and audits)."""
    check_company(vacancy.company)
    problems = vacancy_problems(valid_from=vacancy.valid_from, valid_until=vacancy.valid_until,
                                min_age=vacancy.min_age, max_age=vacancy.max_age, wage_min=vacancy.wage_min,
                                wage_max=vacancy.wage_max, number_needed=vacancy.number_needed,
                                filled=vacancy.filled)
    if problems:
        raise problems[0][1]
    created = vacancy.pk is None
    if created:
        vacancy.created_by = _user(by)
    vacancy.save()
    if vocations is not None:
        vacancy.vocations.set(vocations)
    record(AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE, vacancy, by=by, request=request)
    return vacancy


@transaction.atomic
def close_vacancy(vacancy: Vacancy, *, by, request=None) -> Vacancy:
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    old = vacancy.status
    if old != VacancyStatus.OPEN:
        raise _error("vacancy_not_open")
    vacancy.status = VacancyStatus.CLOSED
    vacancy.save(update_fields=["status"])
    record(AuditEntry.Action.TRANSITION, vacancy, by=by, changes={"status": [old, vacancy.status]}, request=request)
    return vacancy


@transaction.atomic
def record_hire(vacancy: Vacancy, *, count: int = 1, person=None, on: datetime.date | None = None, note: str = "",
                by, request=None) -> Hire:
    """Part of the vacancy filled (``count``; by ``person`` when known, which also records the person's outcome as
    employed, confirmed by the company, and closes their AK/1 card). The vacancy is filled when all are."""
    on = on or timezone.localdate()
    if count < 1:
        raise _error("hire_count")
    vacancy = Vacancy.objects.select_for_update().select_related("company").get(pk=vacancy.pk)
    if vacancy.filled + count > vacancy.number_needed:
        raise _error("too_many_hired", count=count, needed=vacancy.number_needed, filled=vacancy.filled)
    if person is not None and Hire.objects.filter(vacancy=vacancy, person=person).exists():
        raise _error("person_hired_twice", person=person.full_name)
    if person is not None and not Invitation.objects.filter(vacancy=vacancy, person=person,
                                                            status=InvitationStatus.ACCEPTED).exists():
        raise _error("person_not_candidate", person=person.full_name)
    hire = Hire.objects.create(vacancy=vacancy, count=count, person=person, on=on, note=note.strip()[:255],
                               by=_user(by))
    Vacancy.objects.filter(pk=vacancy.pk).update(filled=F("filled") + count)
    vacancy.refresh_from_db(fields=["filled"])
    if vacancy.filled >= vacancy.number_needed and vacancy.status == VacancyStatus.OPEN:
        vacancy.status = VacancyStatus.FILLED
        vacancy.save(update_fields=["status"])
    record(AuditEntry.Action.CREATE, hire, by=by, object_label=f"{vacancy} · {count}", request=request)
    if person is not None:
        record_outcome(person, status="employed", employer=vacancy.company.name, company=vacancy.company,
                       sector=vacancy.sector, source=OutcomeSource.COMPANY, on=on, by=by, request=request,
                       note=f"vacancy {vacancy.pk}")
    return hire


# --- invitations ----------------------------------------------------------------------------------


@transaction.atomic
def invite(vacancy: Vacancy, person, *, by, message: str = "", score: float = 0, reasons=(), request=None
           ) -> Invitation:
    """A company invites a shortlisted candidate (who must consent to being shown to companies, now)."""
    if vacancy.status != VacancyStatus.OPEN:
        raise _error("vacancy_not_open")
    profile = CandidateProfile.objects.filter(person=person).first()
    if profile is None or not profile.shown:
        raise _error("not_shown", person=person.full_name)
    if Invitation.objects.filter(vacancy=vacancy, person=person).exists():
        raise _error("already_invited", person=person.full_name)
    invitation = Invitation.objects.create(vacancy=vacancy, person=person, message=message.strip()[:1000],
                                           score=score, reasons=list(reasons), sent_by=_user(by))
    record(AuditEntry.Action.CREATE, invitation, by=by, request=request)
    from kompeten.jobs import notifications

    notifications.invited(invitation)
    return invitation


@transaction.atomic
def answer_invitation(invitation: Invitation, *, accept: bool, by, request=None) -> Invitation:
    """The candidate accepts (the company may then see their contact details) or declines."""
    invitation = Invitation.objects.select_for_update().select_related("person").get(pk=invitation.pk)
    if invitation.person.user_id is None or invitation.person.user_id != getattr(by, "pk", None):
        raise _error("not_your_invitation")
    if invitation.status != InvitationStatus.SENT:
        raise _error("invitation_answered")
    old = invitation.status
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    record(AuditEntry.Action.TRANSITION, invitation, by=by, changes={"status": [old, invitation.status]},
           request=request)
    return invitation


def can_see_contact(user, person) -> bool:
    """Has ``person`` accepted an invitation of one of the user's companies (and not withdrawn consent since)?"""
    if not user.is_authenticated or not user.company_ids:
        return False
    shown = CandidateProfile.objects.filter(person=person, shown=True).exists()
    return shown and Invitation.objects.filter(person=person, vacancy__company__in=user.company_ids,
                                               status=InvitationStatus.ACCEPTED).exists()


def age_band(birth_date: datetime.date, today: datetime.date) -> str:
    """"20–24": five-year bands from 15, so a company sees an age range, never the birth date."""
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    low = max(15, age - (age - 15) % 5)
    return f"{low}–{low + 4}"


def public_profile(person, *, today=None) -> dict:
    """What a company may see of a shortlisted candidate before they accept an invitation: no NIK, birth date,
    address, phone or email."""
    today = today or timezone.localdate()
    profile = CandidateProfile.objects.filter(person=person).first()
    from kompeten.certificates.models import Certificate, CertificateKind
    from kompeten.reference.models import Region
    from kompeten.training.models import Enrolment, EnrolmentStatus

    regency = Region.objects.filter(code=(profile.regency if profile else "")).first()
    return {
        "name": person.full_name,
        "sex": person.get_sex_display(),
        "age_band": age_band(person.birth_date, today),
        "education": str(person.education) if person.education_id else "",
        "regency": regency.name if regency else "",
        "available": profile.available if profile else None,
        "trainings": [
            {"vocation": e.batch.package.vocation.name, "centre": e.batch.centre.short_name,
             "year": e.batch.end_date.year}
            for e in Enrolment.objects.filter(person=person, status=EnrolmentStatus.COMPLETED)
            .select_related("batch__package__vocation", "batch__centre").order_by("-batch__end_date")],
        "certificates": [
            {"title": c.title, "number": c.number, "kind": c.get_kind_display(), "issued_on": c.issued_on}
            for c in Certificate.objects.current().filter(person=person).order_by("-issued_on")
            if c.kind in (CertificateKind.COMPETENCY, CertificateKind.TRAINING, CertificateKind.APPRENTICESHIP)],
    }


def withdraw_invitations(person) -> int:
    """A withdrawn consent to being shown to companies withdraws the person's open and accepted invitations."""
    return Invitation.objects.filter(person=person, status__in=[InvitationStatus.SENT, InvitationStatus.ACCEPTED]
                                     ).update(status=InvitationStatus.WITHDRAWN, answered_at=timezone.now())


# --- outcomes and the AK/1 card -------------------------------------------------------------------


def close_ak1(person, *, on: datetime.date, by, request=None) -> None:
    if person.ak1_number and person.ak1_closed_on is None:
        person.ak1_closed_on = on
        person.save(update_fields=["ak1_closed_on", "updated_at"])
        record(AuditEntry.Action.UPDATE, person, by=by, changes={"ak1_closed_on": [None, on.isoformat()]},
               note="AK/1 closed: placed in work", request=request)


@transaction.atomic
def record_outcome(person, *, status: str, source: str, on: datetime.date, by, employer: str = "", company=None,
                   sector=None, wage_band: str = "", survey=None, note: str = "", today=None, request=None) -> Outcome:
    """A person's situation on a date, with its source; in work closes their AK/1 card."""
    if on > (today or timezone.localdate()):
        raise _error("outcome_in_future")
    if status == "employed" and not (employer.strip() or company is not None):
        raise _error("employer_required")
    outcome = Outcome.objects.create(person=person, survey=survey, status=status, employer=employer.strip()[:200],
                                     company=company, sector=sector, wage_band=wage_band, source=source, on=on,
                                     note=note[:255], recorded_by=_user(by))
    record(AuditEntry.Action.CREATE, outcome, by=by, object_label=f"{person} · {status}", request=request)
    if status in WORKING:
        close_ak1(person, on=on, by=by, request=request)
    return outcome


def _ak1_issued(person) -> datetime.date:
    from kompeten.apprenticeships.rules import add_months
    from kompeten.registry.models import AK1_VALID_YEARS

    return add_months(person.ak1_expires, -12 * AK1_VALID_YEARS)


@transaction.atomic
def record_ak1_report(person, *, status: str, on: datetime.date, employer: str = "", by, today=None,
                      request=None) -> Ak1Report:
    """The card holder's six-monthly report (Permenaker 39/2016: still seeking, or placed). "placed" records the
    person's outcome (in work, with the employer) and closes the card."""
    today = today or timezone.localdate()
    if status not in Ak1Report.Status.values:
        raise _error("ak1_status")
    if not person.ak1_number or person.ak1_expires is None:
        raise _error("ak1_none", person=person.full_name)
    if person.ak1_closed_on is not None:
        raise _error("ak1_closed", date=long_date(person.ak1_closed_on))
    if on > today:
        raise _error("outcome_in_future")
    if not _ak1_issued(person) <= on <= person.ak1_expires:
        raise _error("ak1_outside", start=long_date(_ak1_issued(person)),
                     end=long_date(person.ak1_expires))
    if status == Ak1Report.Status.PLACED and not employer.strip():
        raise _error("employer_required")
    report = Ak1Report.objects.create(person=person, on=on, status=status, employer=employer.strip()[:200],
                                      by=_user(by))
    record(AuditEntry.Action.CREATE, report, by=by, request=request)
    if status == Ak1Report.Status.PLACED:
        own = by is not None and person.user_id is not None and person.user_id == getattr(by, "pk", None)
        record_outcome(person, status="employed", employer=employer, on=on, by=by, today=today, request=request,
                       source=OutcomeSource.SELF if own else OutcomeSource.OPERATOR, note="AK/1 report")
    return report


AK1_EARLY_DAYS = 30  # a report up to a month before its due date counts for it


def ak1_next_report(person, *, today=None) -> datetime.date | None:
    """When the card's next six-monthly report is due (None: no card, closed or expired). A report counts for a due
    date when it is made from a month before it up to a month before the next one; the first due date without a
    report is returned (in the past when overdue)."""
    today = today or timezone.localdate()
    if not person.ak1_number or person.ak1_expires is None or person.ak1_closed_on is not None:
        return None
    if person.ak1_expires < today:
        return None
    from kompeten.apprenticeships.rules import add_months

    issued = _ak1_issued(person)
    reports = list(person.ak1_reports.values_list("on", flat=True))
    early = datetime.timedelta(days=AK1_EARLY_DAYS)
    k = 1
    while True:
        due = add_months(issued, 6 * k)
        if due > person.ak1_expires:
            return None
        following = add_months(issued, 6 * (k + 1))
        if not any(due - early <= day < following - early for day in reports):
            return due
        k += 1
