"""The one place that decides who may see or act on companies, offers, applications and placements.

- company: the province admin sees all; a company user only their own company (and edits it, adds mentors).
  Verifying or rejecting a company is the province admin's.
- offer: a company user sees and manages their company's offers (create, edit drafts, submit, close, rank
  applicants); everyone logged in sees approved and closed offers; approving or rejecting is the province
  admin's.
- application: the candidate sees their own; the offer's company (and the province admin) see and decide it,
  seeing the candidate's profile without NIK, birth date or address.
- placement: the province admin all; a centre operator the placements of persons who trained at their centre
  (administers: monitoring visits, status, transfer); a company user their company's placements (agreement
  status, signed scan, logbook confirmation, final assessment); the apprentice their own (logbook).
Anything else is a 404, never a 403.
"""

from django.http import Http404

from kompeten.apprenticeships.models import Application, Company, Offer, Placement
from kompeten.core.access import get_or_404


def is_company_user_of(user, company_id) -> bool:
    return user.is_authenticated and company_id in user.company_ids


def can_manage_offer(user, offer: Offer) -> bool:
    return is_company_user_of(user, offer.company_id)


def can_decide_offer(user) -> bool:
    return user.is_authenticated and user.is_province_admin


def can_administer_placements(user) -> bool:
    """Province admins and centre operators administer placements (within what they can see)."""
    return user.is_authenticated and (user.is_province_admin or bool(user.centre_ids))


def get_company_for_user(user, pk, *, manage: bool = False, verify: bool = False) -> Company:
    """manage: the company's own users or the province admin; verify: the province admin."""
    company = get_or_404(Company.objects.visible_to(user).select_related("sector", "region", "kbli"), pk)
    if verify and not user.is_province_admin:
        raise Http404
    if manage and not (user.is_province_admin or is_company_user_of(user, company.pk)):
        raise Http404
    return company


def get_offer_for_user(user, pk, *, manage: bool = False, decide: bool = False) -> Offer:
    offer = get_or_404(Offer.objects.visible_to(user).select_related(
        "company", "occupation", "programme_year", "matching_round", "scheme", "min_education"), pk)
    if manage and not can_manage_offer(user, offer):
        raise Http404
    if decide and not can_decide_offer(user):
        raise Http404
    return offer


def get_offer_applicants_for_user(user, pk) -> Offer:
    """An offer whose applicants the user may see and decide: its company's users or the province admin."""
    offer = get_offer_for_user(user, pk)
    if not (user.is_province_admin or can_manage_offer(user, offer)):
        raise Http404
    return offer


def get_application_for_user(user, pk, *, decide: bool = False, own: bool = False) -> Application:
    application = get_or_404(Application.objects.visible_to(user).select_related(
        "person__education", "offer__company", "offer__matching_round"), pk)
    if decide and not (user.is_province_admin or can_manage_offer(user, application.offer)):
        raise Http404
    if own and application.person.user_id != user.pk:
        raise Http404
    return application


def get_placement_for_user(user, pk, *, administer: bool = False, company: bool = False,
                           own: bool = False) -> Placement:
    """administer: province admin or an operator who sees it; company: the company's users; own: the apprentice."""
    placement = get_or_404(Placement.objects.visible_to(user).select_related(
        "person", "offer__occupation", "company", "mentor"), pk)
    if administer and not can_administer_placements(user):
        raise Http404
    if company and not is_company_user_of(user, placement.company_id):
        raise Http404
    if own and placement.person.user_id != user.pk:
        raise Http404
    return placement
