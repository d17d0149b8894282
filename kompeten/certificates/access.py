"""The one place that decides who may see, change and issue certificates (views, API, downloads).

- see a certificate: what ``Certificate.objects.visible_to(user)`` lets through (operators their centre's, LSP
  managers their LSP's, a company its apprentices' certificates of apprenticeship, the province admin all, a job
  seeker their own).
- change its status (revoke, suspend, reinstate, re-issue): a training certificate the operators of its issuing
  centre, a competency certificate the managers of its LSP, the province admin both; a certificate of
  apprenticeship (issued in the manpower office's name) only the province admin.
- issue a batch's training certificates: the operators of the batch's centre, the province admin.
- issue an assessment event's competency certificates: the managers of the event's LSP (who decide its
  results), the province admin.
- a job seeker downloads their own certificates.

Everything else is 404, never 403 (the same answer as a missing object).
"""

from django.http import Http404

from kompeten.assessment.access import can_decide, get_event_for_user
from kompeten.certificates.models import Certificate, CertificateKind, IssuanceJob, IssuerKind
from kompeten.core.access import get_or_404
from kompeten.programmes.access import get_batch_for_user

STAFF_ROLES = ("province_admin", "centre_operator", "lsp_admin")


def can_manage(user, cert: Certificate) -> bool:
    """May ``user`` revoke, suspend, reinstate or re-issue ``cert``?"""
    if not user.is_authenticated:
        return False
    if user.is_province_admin:
        return True
    if cert.kind == CertificateKind.APPRENTICESHIP or cert.issuer.kind == IssuerKind.OFFICE:
        return False  # signed in the office's name: the province admin's alone (not the company's, nor a centre's)
    if cert.kind == CertificateKind.TRAINING:
        return cert.issuer.centre_id is not None and cert.issuer.centre_id in user.centre_ids
    return cert.issuer.lsp_id is not None and cert.issuer.lsp_id in user.lsp_ids


def is_own(user, cert: Certificate) -> bool:
    return user.is_authenticated and cert.person.user_id is not None and cert.person.user_id == user.pk


def get_certificate_for_user(user, pk, *, manage: bool = False, own: bool = False) -> Certificate:
    """A certificate the user may see (manage=True: change; own=True: it is theirs); 404 otherwise."""
    cert = get_or_404(Certificate.objects.visible_to(user).select_related(
        "issuer", "key", "person", "replaced_by", "enrolment__batch", "assessment__event", "placement__company"),
        pk)
    if manage and not can_manage(user, cert):
        raise Http404
    if own and not is_own(user, cert):
        raise Http404
    return cert


def get_batch_to_issue(user, pk):
    """A batch whose training certificates the user may issue; 404 otherwise."""
    return get_batch_for_user(user, pk, write=True)


def can_issue_event(user, event) -> bool:
    return user.is_province_admin or can_decide(user, event)


def get_event_to_issue(user, pk):
    """An assessment event whose competency certificates the user may issue; 404 otherwise."""
    event = get_event_for_user(user, pk)
    if not can_issue_event(user, event):
        raise Http404
    return event


def get_job_for_user(user, pk) -> IssuanceJob:
    return get_or_404(IssuanceJob.objects.visible_to(user).select_related(
        "batch__package", "batch__centre", "event__scheme", "event__lsp"), pk)
