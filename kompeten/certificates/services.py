"""Issuing, numbering, revoking and looking up certificates; called by views, the API, the CLI, tasks and the demo.

A certificate is inserted in one transaction with: the issuer's counter row locked (gapless numbers per
issuer and year), its status-list index taken under the issuer's row lock, the QR payload signed with the
issuer's active key, and a ledger entry. A crash anywhere rolls all of it back: no gap, no duplicate.
Issuing is idempotent: a second request for the same enrolment or assessment returns the certificate it has.
"""

from __future__ import annotations

import calendar
import datetime
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.assessment.models import Assessment
from kompeten.assessment.services import require_competent
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.certificates import codec, keystore, ledger
from kompeten.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    Issuer,
    IssuerKind,
    NumberCounter,
    StatusChange,
)
from kompeten.core.errors import DomainError
from kompeten.formats import long_date
from kompeten.training.models import Enrolment, EnrolmentStatus

MESSAGES = {
    "not_completed": _("A training certificate needs a completed participant (lulus)."),
    "no_issuer": _("%(name)s cannot issue certificates: it has no issuer record."),
    "not_accredited": _("%(issuer)s is not accredited on %(date)s."),
    "already_revoked": _("This certificate is already revoked."),
    "same_status": _("This certificate is already %(status)s."),
    "reason_required": _("Give the reason (it is shown to whoever verifies the certificate)."),
    "not_suspended": _("Only a suspended certificate can be reinstated."),
}

# Unambiguous: no 0/O, 1/I/L, U. Twelve characters: 31^12 ≈ 7.9e17 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12


def _error(code: str, **params) -> DomainError:
    return DomainError(code, MESSAGES[code], **params)


def new_public_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as people type it: case, spaces and dashes do not matter; O→0 and I/L→1 never occur."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


# --- issuers ----------------------------------------------------------------------------------------


def issuer_for_centre(centre, *, code: str = "", prefix: str = "") -> Issuer:
    """The centre's issuer (training certificates), made on first use. Keep ``code`` short: it is the ``iss`` of
    every QR code the issuer signs."""
    issuer = Issuer.objects.filter(centre=centre).first()
    if issuer is None:
        code = code or centre.code.replace("_", "-")
        issuer, _created = Issuer.objects.get_or_create(
            centre=centre, defaults={"code": code, "name": centre.name, "kind": IssuerKind.CENTRE, "iss": code,
                                     "number_prefix": prefix or centre.short_name.upper().replace(" ", "-")[:40]})
    return issuer


def issuer_for_lsp(lsp, *, code: str = "", prefix: str = "") -> Issuer:
    """The LSP's issuer (competency certificates), accredited as long as its BNSP licence."""
    issuer = Issuer.objects.filter(lsp=lsp).first()
    if issuer is None:
        code = code or lsp.code.replace("_", "-")
        issuer, _created = Issuer.objects.get_or_create(
            lsp=lsp, defaults={"code": code, "name": lsp.name, "kind": IssuerKind.LSP, "iss": code,
                               "number_prefix": prefix or code.upper(), "accredited_from": lsp.licensed_from,
                               "accredited_until": lsp.licensed_until})
    return issuer


def issuer_for_office(*, code: str = "", prefix: str = "") -> Issuer:
    """The manpower office's issuer (certificates of apprenticeship), made on first use from the settings."""
    issuer = Issuer.objects.filter(kind=IssuerKind.OFFICE).first()
    if issuer is None:
        code = code or settings.KOMPETEN_OFFICE_CODE
        issuer, _created = Issuer.objects.get_or_create(
            kind=IssuerKind.OFFICE, defaults={"code": code, "name": settings.KOMPETEN_OFFICE_NAME, "iss": code,
                                              "number_prefix": prefix or "MAG"})
    return issuer


def format_number(issuer: Issuer, year: int, seq: int) -> str:
    return issuer.number_pattern.format(issuer=issuer.number_prefix, year=year, seq=seq)


def _take_number(issuer: Issuer, year: int) -> tuple[int, str]:
    """The next sequence number of the issuer in the year, from the locked counter row."""
    NumberCounter.objects.get_or_create(issuer=issuer, year=year)
    counter = NumberCounter.objects.select_for_update().get(issuer=issuer, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, format_number(issuer, year, counter.last)


# --- issuing --------------------------------------------------------------------------------------


def _valid_until(issued_on: datetime.date, months: int) -> datetime.date | None:
    """The last day of competence: ``months`` after the issue date, less a day (0 months: no expiry)."""
    if not months:
        return None
    index = issued_on.month - 1 + months
    year, month = issued_on.year + index // 12, index % 12 + 1
    day = min(issued_on.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day) - datetime.timedelta(days=1)


def holder_id_for(person) -> str:
    """The same random holder id on all of a person's certificates (hex of 8 random bytes); never from the NIK.
    Inside a transaction the person's row is locked first, so that two certificates of one person issued at the
    same moment (by two issuers) cannot get two different ids."""
    if transaction.get_connection().in_atomic_block:
        type(person).objects.select_for_update().filter(pk=person.pk).first()
    existing = Certificate.objects.filter(person=person).values_list("holder_id", flat=True).first()
    return existing or secrets.token_hex(codec.HOLDER_ID_BYTES)


def _claims(cert: Certificate, signed_at: int) -> codec.CertificateClaims:
    """The signed claims; ``iat`` is the moment of signing (the key's window and compromise are judged by it),
    which may be later than a back-dated ``issued_at``."""
    return codec.CertificateClaims(
        number=cert.number, kind=cert.kind, holder_name=cert.holder_name,
        holder_birth_date=cert.holder_birth_date.isoformat() if cert.holder_birth_date else None,
        title=cert.title, scheme_code=cert.scheme_code or None, units=tuple(code for code, _t in cert.units),
        kkni_level=cert.kkni_level, issuer_name=cert.issuer_name, centre_name=cert.centre_name or None,
        holder_id=bytes.fromhex(cert.holder_id), issued_on=cert.issued_on.isoformat(),
        public_code=None, valid_until=cert.valid_until.isoformat() if cert.valid_until else None,
        iss=cert.issuer.iss, iat=signed_at, status_index=cert.status_index)


def _insert(cert: Certificate, *, by, request=None) -> Certificate:
    """Number, sign and save ``cert`` (its printed fields filled in) with its ledger entry. In a transaction."""
    issuer = Issuer.objects.select_for_update().get(pk=cert.issuer_id)
    if not issuer.accredited_on(cert.issued_on):
        raise _error("not_accredited", issuer=issuer.name, date=long_date(cert.issued_on))
    cert.issuer = issuer
    cert.year = cert.issued_on.year
    cert.seq, cert.number = _take_number(issuer, cert.year)
    cert.status_index = issuer.next_status_index
    issuer.next_status_index += 1
    issuer.save(update_fields=["next_status_index"])
    key = keystore.active_key(issuer)
    cert.key = key
    cert.public_code = new_public_code()
    signed_at = int(timezone.now().timestamp())
    cose = codec.sign(_claims(cert, signed_at), keystore.private_key(key), keystore.keys.b64url_decode(key.kid))
    cert.qr_digits = codec.to_digits(cose)
    cert.save()
    ledger.append("issue", certificate=cert, data={
        "number": cert.number, "code": cert.public_code, "kind": cert.kind, "issuer": issuer.code,
        "kid": key.kid, "issued_on": cert.issued_on.isoformat(), "holder_id": cert.holder_id,
        "status_index": cert.status_index})
    record(AuditEntry.Action.CREATE, cert, by=by, request=request, note=f"issued {cert.number}")
    return cert


def _now_and_day(issued_at):
    issued_at = issued_at or timezone.now()
    return issued_at, timezone.localdate(issued_at)


def issue_training(enrolment: Enrolment, *, by=None, job=None, issued_at=None, request=None) -> Certificate:
    """The training certificate of a completed participant, in the centre's name. Idempotent."""
    existing = Certificate.objects.current().filter(kind=CertificateKind.TRAINING, enrolment=enrolment).first()
    if existing is not None:
        return existing
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise _error("not_completed")
    batch = enrolment.batch
    person = enrolment.person
    issued_at, issued_on = _now_and_day(issued_at)
    try:
        with transaction.atomic():
            cert = Certificate(
                kind=CertificateKind.TRAINING, issuer=issuer_for_centre(batch.centre), person=person,
                enrolment=enrolment, holder_name=person.full_name, holder_birth_date=person.birth_date,
                holder_id=holder_id_for(person), title=batch.package.name,
                scheme_code=batch.package.scheme.code if batch.package.scheme_id else "",
                units=[], kkni_level=None, issuer_name=batch.centre.name, centre_name="",
                issued_at=issued_at, issued_on=issued_on, valid_until=None, issued_by=by, job=job)
            return _insert(cert, by=by, request=request)
    except IntegrityError:
        # Someone issued it in the meantime (a second worker, a double click): theirs stands.
        existing = Certificate.objects.current().filter(kind=CertificateKind.TRAINING, enrolment=enrolment).first()
        if existing is None:
            raise
        return existing


def issue_competency(assessment: Assessment, *, by=None, job=None, issued_at=None, request=None) -> Certificate:
    """The competency certificate of an approved Kompeten result, in the LSP's name. Idempotent."""
    existing = Certificate.objects.current().filter(assessment=assessment).first()
    if existing is not None:
        return existing
    require_competent(assessment)
    event = assessment.event
    scheme = event.scheme
    person = assessment.person
    issued_at, issued_on = _now_and_day(issued_at)
    centre = event.centre.short_name if event.centre_id else event.tuk.name  # short: every byte is in the QR
    try:
        with transaction.atomic():
            cert = Certificate(
                kind=CertificateKind.COMPETENCY, issuer=issuer_for_lsp(event.lsp), person=person,
                assessment=assessment, holder_name=person.full_name, holder_birth_date=person.birth_date,
                holder_id=holder_id_for(person), title=scheme.title, scheme_code=scheme.code,
                units=[[u.code, u.title] for u in scheme.units.all()], kkni_level=scheme.kkni_level,
                issuer_name=event.lsp.name, centre_name=centre, issued_at=issued_at, issued_on=issued_on,
                valid_until=_valid_until(issued_on, scheme.validity_months), issued_by=by, job=job)
            return _insert(cert, by=by, request=request)
    except IntegrityError:
        existing = Certificate.objects.current().filter(assessment=assessment).first()
        if existing is None:
            raise
        return existing


def issue_apprenticeship(placement, *, by=None, issued_at=None, request=None) -> Certificate:
    """The certificate of apprenticeship of a placement the company assessed as passed, signed by the manpower
    office; the company is printed as the place. Idempotent."""
    existing = Certificate.objects.current().filter(placement=placement).first()
    if existing is not None:
        return existing
    if placement.status != "completed" or not placement.final_passed:
        raise _error("not_completed")
    person = placement.person
    offer = placement.offer
    issued_at, issued_on = _now_and_day(issued_at)
    try:
        with transaction.atomic():
            cert = Certificate(
                kind=CertificateKind.APPRENTICESHIP, issuer=issuer_for_office(), person=person, placement=placement,
                holder_name=person.full_name, holder_birth_date=person.birth_date, holder_id=holder_id_for(person),
                title=offer.title, scheme_code="", units=[], kkni_level=None, issuer_name=settings.KOMPETEN_OFFICE_NAME,
                centre_name=placement.company.name[:200], issued_at=issued_at, issued_on=issued_on, valid_until=None,
                issued_by=by)
            return _insert(cert, by=by, request=request)
    except IntegrityError:
        existing = Certificate.objects.current().filter(placement=placement).first()
        if existing is None:
            raise
        return existing


# --- status ---------------------------------------------------------------------------------------


@transaction.atomic
def change_status(cert: Certificate, new_status: str, *, reason: str, by, request=None) -> Certificate:
    """Revoke, suspend or reinstate (suspended → active), with a reason; never a deletion. Visible at once
    online and in the status list."""
    cert = Certificate.objects.select_for_update().get(pk=cert.pk)
    reason = "".join(ch for ch in reason if ch.isprintable()).strip()
    if not reason:
        raise _error("reason_required")
    if cert.status == CertificateStatus.REVOKED:
        raise _error("already_revoked")
    if cert.status == new_status:
        raise _error("same_status", status=CertificateStatus(new_status).label)
    if new_status == CertificateStatus.ACTIVE and cert.status != CertificateStatus.SUSPENDED:
        raise _error("not_suspended")
    now = timezone.now()
    old = cert.status
    cert.status, cert.status_reason, cert.status_changed_at = new_status, reason[:255], now
    cert.save(update_fields=["status", "status_reason", "status_changed_at"])
    StatusChange.objects.create(certificate=cert, old_status=old, new_status=new_status, reason=reason[:255],
                                at=now, by=by)
    ledger.append(new_status if new_status != CertificateStatus.ACTIVE else "reinstate", certificate=cert, at=now,
                  data={"number": cert.number, "from": old, "to": new_status, "reason": reason[:255]})
    record(AuditEntry.Action.TRANSITION, cert, by=by, request=request, note=reason[:255],
           changes={"status": [old, new_status]})
    return cert


def revoke(cert, *, reason, by, request=None):
    return change_status(cert, CertificateStatus.REVOKED, reason=reason, by=by, request=request)


def suspend(cert, *, reason, by, request=None):
    return change_status(cert, CertificateStatus.SUSPENDED, reason=reason, by=by, request=request)


def reinstate(cert, *, reason, by, request=None):
    return change_status(cert, CertificateStatus.ACTIVE, reason=reason, by=by, request=request)


@transaction.atomic
def reissue(cert: Certificate, *, reason: str, by, request=None) -> Certificate:
    """A corrected certificate (e.g. the holder's name, corrected in the registry): the old one is revoked with
    a pointer to the new one, which gets a new number and code."""
    if not reason.strip():
        raise _error("reason_required")
    # The issuer's row first, as issuing takes it before the ledger: the same lock order, no deadlock.
    Issuer.objects.select_for_update().get(pk=cert.issuer_id)
    revoke(cert, reason=reason, by=by, request=request)
    if cert.kind == CertificateKind.TRAINING:
        new = issue_training(cert.enrolment, by=by, request=request)
    elif cert.kind == CertificateKind.APPRENTICESHIP:
        new = issue_apprenticeship(cert.placement, by=by, request=request)
    else:
        new = issue_competency(cert.assessment, by=by, request=request)
    cert.refresh_from_db()
    cert.replaced_by = new
    cert.save(update_fields=["replaced_by"])
    return new


def withdraw_on_corrected_decision(sender, *, assessment, old, new, reason, by, **_kwargs) -> None:
    """An amendment took the Kompeten away: the competency certificate issued on it is revoked, with the reason."""
    if old == "K" and new != "K":
        for cert in Certificate.objects.current().filter(assessment=assessment):
            revoke(cert, reason=f"dicabut: hasil asesmen dikoreksi ({reason})"[:255], by=by)


# --- lookups --------------------------------------------------------------------------------------


def find(text: str) -> Certificate | None:
    """A certificate by its public code (any case, with or without dashes) or its exact number."""
    text = (text or "").strip()
    if not text or len(text) > 80 or not text.isprintable():  # PostgreSQL refuses NUL in a text parameter
        return None
    code = normalise_code(text)
    if len(code) == CODE_LENGTH:
        found = Certificate.objects.filter(public_code=code).select_related("issuer", "key").first()
        if found:
            return found
    return Certificate.objects.filter(number=text).select_related("issuer", "key").first()


def qr_text(cert: Certificate) -> str:
    return codec.qr_text(settings.KOMPETEN_BASE_URL, cert.qr_digits)


def eligible_enrolments(batch):
    """Completed participants of the batch without a current training certificate."""
    return (Enrolment.objects.filter(batch=batch, status=EnrolmentStatus.COMPLETED)
            .exclude(certificates__in=Certificate.objects.current()).select_related("person", "batch__package"))


def eligible_assessments(event):
    """Approved Kompeten candidates of the event without a current competency certificate."""
    return (Assessment.objects.competent().filter(event=event)
            .exclude(certificates__in=Certificate.objects.current()).select_related("person", "event"))
