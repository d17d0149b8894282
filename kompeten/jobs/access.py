"""The one place that decides who may see or act on vacancies and invitations.

- vacancy: the province admin sees all; a company user sees their companies' vacancies in every status and the
  open vacancies of others; staff and job seekers see the open ones (Vacancy.objects.visible_to).
- manage a vacancy (edit, close, record hires, see its shortlist, invite candidates): the vacancy's company users
  and the province admin.
- invitation: the inviting company's users and the province admin see what the company may see of the
  candidate (services.public_profile; the contact details only after acceptance, services.can_see_contact);
  the invited job seeker answers their own invitations.
Anything else is a 404, never a 403.
"""

from django.http import Http404

from kompeten.core.access import get_or_404
from kompeten.jobs.models import Invitation, Vacancy

VACANCY_RELATED = ("company", "occupation", "sector", "kbli", "min_education", "scheme", "region")


def is_company_user_of(user, company_id) -> bool:
    return user.is_authenticated and company_id in user.company_ids


def can_manage_vacancy(user, vacancy: Vacancy) -> bool:
    return user.is_authenticated and (user.is_province_admin or is_company_user_of(user, vacancy.company_id))


def get_vacancy_for_user(user, pk, *, manage: bool = False) -> Vacancy:
    """A vacancy the user may see (manage=True: one they may manage); 404 otherwise."""
    vacancy = get_or_404(Vacancy.objects.visible_to(user).select_related(*VACANCY_RELATED), pk)
    if manage and not can_manage_vacancy(user, vacancy):
        raise Http404
    return vacancy


def get_invitation_for_company(user, pk) -> Invitation:
    """An invitation as the inviting company (or the province admin) sees it; 404 for anyone else, the invited
    job seeker included (they answer it on their own page)."""
    invitation = get_or_404(Invitation.objects.visible_to(user).select_related(
        "person__education", "vacancy__company", "vacancy__region", "sent_by"), pk)
    if not can_manage_vacancy(user, invitation.vacancy):
        raise Http404
    return invitation


def get_own_invitation(user, pk) -> Invitation:
    """An invitation of the job seeker themself; 404 for anyone else's."""
    invitation = get_or_404(Invitation.objects.visible_to(user).select_related("person", "vacancy__company"), pk)
    if invitation.person.user_id is None or invitation.person.user_id != user.pk:
        raise Http404
    return invitation
