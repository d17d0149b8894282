"""Demo certificates: a training certificate for every completed participant of a finished demo batch, a
competency certificate for every approved Kompeten result, one revoked, one suspended, and the first part of
the year signed by a key that has since been retired (rotation never breaks an old certificate).

Certificates are issued through the services (numbers, signatures, status indexes, ledger), dated as it
happened (``issued_at``: a week after the batch ended, three days after the LSP's decision, never after
DEMO_TODAY). Their signatures carry the real signing time, so the retired key is retired at the real moment,
half-way through this step. Idempotent: a second run finds nothing left to issue.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from kompeten.assessment.models import Assessment, Lsp
from kompeten.certificates import keystore, services
from kompeten.certificates.models import Certificate, CertificateStatus, KeyStatus, SigningKey
from kompeten.programmes.models import TrainingCentre
from kompeten.training.models import Enrolment, EnrolmentStatus

REVOKED_REASON = "dicabut: data palsu"
SUSPENDED_REASON = "dibekukan: banding"


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _plan(today: datetime.date) -> list[tuple[datetime.datetime, str, object]]:
    """(issued_at, kind, source) for everything still to issue, oldest first."""
    plan = []
    enrolments = (Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED, certificates__isnull=True)
                  .select_related("batch__centre", "batch__package__scheme", "person"))
    for enrolment in enrolments:
        day = enrolment.batch.end_date + datetime.timedelta(days=7)
        if day <= today:
            plan.append((_at(day), "training", enrolment))
    assessments = (Assessment.objects.competent().filter(certificates__isnull=True)
                   .select_related("event__scheme", "event__lsp", "event__centre", "event__tuk", "person"))
    for assessment in assessments:
        day = timezone.localdate(assessment.decided_at) + datetime.timedelta(days=3)
        if day <= today:
            plan.append((_at(day, 11), "competency", assessment))
    plan.sort(key=lambda item: (item[0], item[1], item[2].pk))
    return plan


# Short issuer codes and number prefixes: both are in every QR code.
ISSUERS = {"blki_balikpapan": ("blki-bpp", "BLKI-BPP"), "blki_bontang": ("blki-btg", "BLKI-BTG")}
LSP_ISSUER = ("lsp-bk", "LSP-BK")


def make_issuers() -> None:
    for centre in TrainingCentre.objects.filter(code__in=ISSUERS):
        code, prefix = ISSUERS[centre.code]
        services.issuer_for_centre(centre, code=code, prefix=prefix)
    for lsp in Lsp.objects.order_by("pk")[:1]:  # the demo has one LSP
        services.issuer_for_lsp(lsp, code=LSP_ISSUER[0], prefix=LSP_ISSUER[1])


def make_certificates(today: datetime.date) -> int:
    """Issue the demo certificates; the issuers' first keys are retired once the first half is signed."""
    make_issuers()
    plan = _plan(today)
    first_run = not Certificate.objects.exists()
    half = len(plan) // 2
    for position, (issued_at, kind, source) in enumerate(plan):
        if first_run and position == half:
            for key in SigningKey.objects.filter(status=KeyStatus.ACTIVE, issuer__isnull=False):
                keystore.rotate(key.issuer)
        if kind == "training":
            services.issue_training(source, issued_at=issued_at)
        else:
            services.issue_competency(source, issued_at=issued_at)
    if first_run and plan:
        _revoke_and_suspend_one()
    return len(plan)


def _revoke_and_suspend_one() -> None:
    competency = Certificate.objects.filter(kind="competency", status=CertificateStatus.ACTIVE).order_by("pk")
    training = Certificate.objects.filter(kind="training", status=CertificateStatus.ACTIVE).order_by("pk")
    revoked, suspended = training.first(), competency.last()
    if revoked is not None:
        services.revoke(revoked, reason=REVOKED_REASON, by=None)
    if suspended is not None:
        services.suspend(suspended, reason=SUSPENDED_REASON, by=None)
