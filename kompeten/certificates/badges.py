"""A certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (VC 2.0), for GET /api/v1/certificates/{code}/openbadge.

The credential is built from what was printed and signed into the certificate (never from the live person or
scheme records), with the holder identified by name only (no NIK, no birth date). The achievement is the
certification scheme (competency, achievementType "Certification"), the training programme (training,
"CertificateOfCompletion") or the apprenticeship programme at its company (apprenticeship,
"ApprenticeshipCertificate", issued by the manpower office); its units are ``alignment`` entries with framework
"SKKNI". ``credentialStatus`` points into the issuer's revocation list (statuslists.py; the
1EdTech schema allows a single status entry, so the suspension list is published but not referenced).

The proof (Data Integrity, eddsa-rdfc-2022) is made with the key that signed the certificate's QR payload,
``created`` at the moment that payload was signed, so the document is the same on every request and a verifier
checks the proof against the same key window as the QR. ``verificationMethod`` is the key's did:key, which an
offline verifier resolves without the network; the same key is in /.well-known/kompeten/keys.json (by kid).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.certificates import codec, keystore, openbadge, statuslist, statuslists
from kompeten.certificates.models import Certificate, CertificateKind
from kompeten.core.errors import DomainError

SKKNI = "SKKNI"
MESSAGES = {
    "not_verifiable": gettext_lazy("This certificate does not verify; there is no Open Badge for it."),
}


def _xsd(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_id(cert: Certificate) -> str:
    return f"{settings.KOMPETEN_BASE_URL}/verify/{cert.public_code}"


def achievement_id(cert: Certificate) -> str:
    base = settings.KOMPETEN_BASE_URL
    if cert.kind == CertificateKind.COMPETENCY:
        return f"{base}/schemes/{cert.scheme_code}"
    if cert.kind == CertificateKind.APPRENTICESHIP:
        return f"{base}/issuers/{cert.issuer.code}/apprenticeships/{cert.placement.offer_id}"
    package = cert.enrolment.batch.package
    return f"{base}/issuers/{cert.issuer.code}/programmes/{package.code}"


def _achievement(cert: Certificate) -> dict:
    if cert.kind == CertificateKind.COMPETENCY:
        description = _("Competency certification scheme %(title)s (%(code)s)") % {
            "title": cert.title, "code": cert.scheme_code}
        if cert.kkni_level:
            description += ", " + _("KKNI level %(level)s") % {"level": cert.kkni_level}
        description += ", " + _("%(count)s competency units.") % {"count": len(cert.units)}
        criteria = _("Assessed Kompeten (competent) in every unit of the scheme by a BNSP-licensed assessor, "
                     "decided by the LSP.")
        achievement_type = "Certification"
    elif cert.kind == CertificateKind.APPRENTICESHIP:
        description = _("Apprenticeship as %(title)s at %(company)s, under an apprenticeship agreement approved "
                        "by %(office)s.") % {"title": cert.title, "company": cert.centre_name,
                                             "office": cert.issuer_name}
        criteria = _("Completed the apprenticeship programme (theory and practice at the workplace, guided by a "
                     "mentor) and passed the company's final assessment.")
        achievement_type = "ApprenticeshipCertificate"
    else:
        description = _("Competency-based training programme %(title)s at %(centre)s.") % {
            "title": cert.title, "centre": cert.issuer_name}
        criteria = _("Completed the training programme (attendance and final test).")
        achievement_type = "CertificateOfCompletion"
    achievement = {
        "id": achievement_id(cert), "name": cert.title, "description": description, "criteria": criteria,
        "achievementType": achievement_type,
        "alignment": [{"targetName": title, "targetCode": code, "targetFramework": SKKNI,
                       "targetType": "ceasn:Competency"} for code, title in cert.units],
    }
    if cert.scheme_code and cert.kind == CertificateKind.COMPETENCY:
        achievement["humanCode"] = cert.scheme_code
    return achievement


def signed_at(cert: Certificate) -> int:
    """When the certificate's QR payload was signed (its ``iat``); DomainError if it does not verify now."""
    verification = codec.verify(cert.qr_digits, keystore.keyring())
    if not verification.ok or verification.claims.number != cert.number:
        raise DomainError("not_verifiable", MESSAGES["not_verifiable"])
    return verification.claims.iat


def openbadge_for(cert: Certificate) -> dict:
    """The signed OpenBadgeCredential of a certificate (whatever its status: the status list says that)."""
    cert = Certificate.objects.select_related("issuer", "key", "enrolment__batch__package", "placement").get(
        pk=cert.pk)
    created = datetime.datetime.fromtimestamp(signed_at(cert), datetime.UTC)
    issuer = cert.issuer
    with translation.override(settings.LANGUAGE_CODE):
        achievement = _achievement(cert)
    valid_until = None
    if cert.valid_until is not None:  # as in the QR's exp: the start (UTC) of the day after the last valid day
        valid_until = f"{(cert.valid_until + datetime.timedelta(days=1)).isoformat()}T00:00:00Z"
    unsigned = openbadge.build_credential(
        credential_id=credential_id(cert),
        issuer={"id": statuslists.issuer_id(issuer), "name": cert.issuer_name, "url": settings.KOMPETEN_BASE_URL},
        holder_name=cert.holder_name,
        achievement=achievement,
        valid_from=_xsd(cert.issued_at),
        valid_until=valid_until,
        status_entries=[statuslist.status_entry(statuslists.list_url(issuer, "revocation"), cert.status_index,
                                                "revocation")],
    )
    private = keystore.private_key(cert.key)
    return openbadge.add_proof(unsigned, private, openbadge.did_key_verification_method(private.public_key()),
                               _xsd(created))


def verify_openbadge(doc: dict) -> bool:
    """True when ``doc`` has a valid eddsa-rdfc-2022 proof by one of our issuers' keys, made inside the key's
    window (not after a compromise), by the issuer the document names. Does not look at revocation (the status
    list does). Never raises."""
    return statuslists.signing_issuer(doc) is not None
