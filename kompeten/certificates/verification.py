"""Verifying a certificate online: from its QR text (or digits) or from its public code / number.

The answer has separate checks — signature, issuer accredited on the issue date, status (revoked or
suspended, as of when), competence still valid — and an overall status: valid, expired, revoked, suspended or
invalid. It shows only what is printed on the certificate, without the birth date (personal data: a verifier
may check a birth date they were given, ``birth_date_matches``) and never a NIK, address or phone.

Anything invalid gets one generic answer (no oracle: a forger learns nothing about which part failed); the real
reason goes to the log with the client's address.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from kompeten.certificates import codec, keys, keystore
from kompeten.certificates.models import Certificate, CertificateStatus
from kompeten.certificates.services import find, format_code
from kompeten.core import ratelimit

log = logging.getLogger("kompeten.verify")

VALID, EXPIRED, REVOKED, SUSPENDED, INVALID = "valid", "expired", "revoked", "suspended", "invalid"
RATE_LIMIT = 30  # verifications per client address per minute


def rate_limited(ip: str | None) -> bool:
    """Count a verification of this address; True when it has done more than RATE_LIMIT this minute (the shared
    limiter: the cache key is a salted hash, never the address)."""
    return ratelimit.hit(ratelimit.Limit("verify-ip", RATE_LIMIT, 60), ip or "-").limited


def invalid(reason: str, *, ip=None, detail: str = "") -> dict:
    log.warning("certificate verification failed: %s %r ip=%s", reason, detail[:80], ip or "-")
    return {"status": INVALID, "reason": "invalid", "checks": [], "certificate": None}


def printed(cert: Certificate) -> dict:
    """What the certificate shows, minus personal data."""
    return {
        "number": cert.number, "code": format_code(cert.public_code), "kind": cert.kind,
        "holder_name": cert.holder_name, "title": cert.title, "scheme_code": cert.scheme_code or None,
        "units": [{"code": code, "title": title} for code, title in cert.units],
        "kkni_level": cert.kkni_level, "issuer": cert.issuer_name, "centre": cert.centre_name or None,
        "issued_on": cert.issued_on.isoformat(),
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
    }


def _check(name: str, ok: bool, detail: str = "", **extra) -> dict:
    return {"check": name, "ok": ok, "detail": detail, **extra}


def register_matches(cert: Certificate, claims: codec.CertificateClaims) -> bool:
    """The register's row says what its signature says: a row changed behind the signature's back (a name edited
    in the database) must not be shown as valid."""
    return (claims.number == cert.number and claims.kind == cert.kind and claims.holder_name == cert.holder_name
            and claims.holder_birth_date == (cert.holder_birth_date.isoformat() if cert.holder_birth_date else None)
            and claims.title == cert.title and claims.scheme_code == (cert.scheme_code or None)
            and claims.units == tuple(code for code, _title in cert.units) and claims.kkni_level == cert.kkni_level
            and claims.issuer_name == cert.issuer_name and claims.centre_name == (cert.centre_name or None)
            and claims.issued_on == cert.issued_on.isoformat()
            and claims.valid_until == (cert.valid_until.isoformat() if cert.valid_until else None)
            and claims.iss == cert.issuer.iss and claims.status_index == cert.status_index)


def assess(cert: Certificate, *, today: datetime.date | None = None) -> dict:
    """The answer for a certificate found in the register: its stored payload verified, and the row compared with
    what the payload signs."""
    today = today or timezone.localdate()
    verification = codec.verify(cert.qr_digits, keystore.keyring())
    if not verification.ok:
        return invalid(verification.reason, detail=cert.number)
    if not register_matches(cert, verification.claims):
        return invalid("register_differs_from_signature", detail=cert.number)
    checks = [_check("signature", True, cert.key.kid)]
    accredited = cert.issuer.accredited_on(cert.issued_on)
    checks.append(_check("issuer", accredited, cert.issuer.name))
    if not accredited:
        return invalid("issuer_not_accredited", detail=cert.number)
    changed = cert.status_changed_at.isoformat() if cert.status_changed_at else None
    checks.append(_check("status", cert.status == CertificateStatus.ACTIVE, cert.status_reason, status=cert.status,
                         since=changed))
    competent = cert.valid_until is None or cert.valid_until >= today
    checks.append(_check("competence", competent, cert.valid_until.isoformat() if cert.valid_until else ""))
    if cert.status == CertificateStatus.REVOKED:
        status = REVOKED
    elif cert.status == CertificateStatus.SUSPENDED:
        status = SUSPENDED
    elif not competent:
        status = EXPIRED
    else:
        status = VALID
    answer = {"status": status, "reason": cert.status_reason if status in (REVOKED, SUSPENDED) else status,
              "checks": checks, "certificate": printed(cert)}
    if cert.replaced_by_id:
        answer["replaced_by"] = format_code(cert.replaced_by.public_code)
    return answer


def verify_qr(text: str, *, ip=None, today=None) -> dict:
    """A scanned QR text (the URL with the digits after #, or the digits)."""
    verification = codec.verify(text or "", keystore.keyring())
    if not verification.ok:
        return invalid(verification.reason, ip=ip)
    claims = verification.claims
    cert = (Certificate.objects.select_related("issuer", "key", "replaced_by")
            .filter(number=claims.number, key__kid=keys.b64url(verification.kid))
            .first())
    if cert is None or codec.digits_from_text(text) != cert.qr_digits:
        return invalid("not_in_register", ip=ip, detail=claims.number)
    return assess(cert, today=today)


def verify_code(text: str, *, ip=None, today=None) -> dict:
    """A typed public code or certificate number."""
    cert = find(text)
    if cert is None:
        return invalid("unknown_code", ip=ip, detail=(text or "")[:40])
    return assess(cert, today=today)


def birth_date_matches(cert_code: str, birth_date: datetime.date) -> bool:
    cert = find(cert_code)
    return bool(cert and cert.holder_birth_date and cert.holder_birth_date == birth_date)
