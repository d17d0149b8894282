"""The job seeker's side (phone first): open vacancies recommended for them with the reasons, the companies'
invitations with accept / decline, and a clear note when they do not consent to being shown to companies."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kompeten.accounts.decorators import job_seeker_required
from kompeten.core.errors import DomainError
from kompeten.jobs import services
from kompeten.jobs.access import VACANCY_RELATED, get_own_invitation
from kompeten.jobs.models import InvitationStatus, Vacancy, VacancyStatus
from kompeten.jobs.views.vacancies import decorate, field, reason_texts
from kompeten.registry.models import Consent, Person
from kompeten.registry.services import current_consents

RECOMMENDATIONS = 20


def _own_person(user) -> Person:
    person = Person.objects.visible_to(user).filter(user=user).first()
    if person is None:
        raise Http404
    return person


def _recommended(person) -> list[dict]:
    from kompeten.jobs import shortlist as matching

    rows = list(matching.recommendations(person, limit=RECOMMENDATIONS))
    vacancies = Vacancy.objects.filter(status=VacancyStatus.OPEN).select_related(*VACANCY_RELATED).in_bulk(
        [field(row, "vacancy_id") for row in rows])
    recommended = []
    for row in rows:
        vacancy = vacancies.get(field(row, "vacancy_id"))
        if vacancy is not None:
            recommended.append({"vacancy": decorate(vacancy), "reasons": reason_texts(field(row, "reasons"))})
    return recommended


@require_GET
@job_seeker_required
def mine(request):
    person = _own_person(request.user)
    consent = current_consents(person).get(Consent.Purpose.SHARE_COMPANIES)
    invitations = list(person.job_invitations.select_related("vacancy__company", "vacancy__region")
                       .order_by("-sent_at", "-pk"))
    for invitation in invitations:
        decorate(invitation.vacancy)
    return render(request, "jobs/mine.html", {
        "person": person, "consenting": bool(consent and consent.given), "recommended": _recommended(person),
        "invitations": invitations, "waiting": sum(1 for i in invitations if i.status == InvitationStatus.SENT),
    })


@require_POST
@job_seeker_required
def answer(request, pk):
    invitation = get_own_invitation(request.user, pk)
    choice = request.POST.get("answer")
    if choice not in ("accept", "decline"):
        messages.error(request, _("Choose to accept or to decline the invitation."))
        return redirect("jobs:mine")
    try:
        invitation = services.answer_invitation(invitation, accept=choice == "accept", by=request.user,
                                                request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        company = invitation.vacancy.company.name
        if invitation.status == InvitationStatus.ACCEPTED:
            messages.success(request, _("You accepted. %(company)s can now see your phone number, email, address and "
                                        "date of birth, and will contact you.") % {"company": company})
        else:
            messages.info(request, _("You declined the invitation of %(company)s.") % {"company": company})
    return redirect("jobs:mine")
