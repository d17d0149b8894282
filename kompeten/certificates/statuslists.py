"""The issuers' W3C Bitstring Status Lists (revocation and suspension), for offline verifiers.

Each certificate has a ``status_index`` in its issuer's lists, given at issue time. The revocation list has the
bit of every revoked certificate set, the suspension list that of every certificate suspended now (a reinstated
certificate's bit is cleared again). The lists are computed from the database on each request (a bit per
certificate: cheap for hundreds of thousands), so a status change is published at once. Each list is served as
a ``BitstringStatusListCredential`` signed (eddsa-rdfc-2022) with the issuer's active key, whose did:key is the
proof's ``verificationMethod`` and whose JWK is in /.well-known/kompeten/keys.json.

URL of a list: ``{KOMPETEN_BASE_URL}/status/{issuer code}/{purpose}``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from kompeten.certificates import keys, keystore, openbadge, statuslist
from kompeten.certificates.models import Certificate, CertificateStatus, Issuer

PURPOSES = statuslist.PURPOSES  # ("revocation", "suspension")
STATUS_OF_PURPOSE = {"revocation": CertificateStatus.REVOKED, "suspension": CertificateStatus.SUSPENDED}


def list_url(issuer: Issuer, purpose: str) -> str:
    return f"{settings.KOMPETEN_BASE_URL}/status/{issuer.code}/{purpose}"


def issuer_id(issuer: Issuer) -> str:
    """The issuer's public identifier in credentials (the id of its OB 3.0 Profile)."""
    return f"{settings.KOMPETEN_BASE_URL}/issuers/{issuer.code}"


def _size(issuer: Issuer) -> int:
    needed = max(issuer.next_status_index, 1)
    return max(statuslist.MIN_SIZE, (needed + 7) // 8 * 8)


def bits(issuer: Issuer, purpose: str) -> statuslist.StatusList:
    """The list as it stands now."""
    if purpose not in PURPOSES:
        raise statuslist.StatusListError(f"statusPurpose must be one of {', '.join(PURPOSES)}")
    issuer.refresh_from_db(fields=["next_status_index"])
    bitstring = statuslist.StatusList(_size(issuer))
    indices = Certificate.objects.filter(issuer=issuer, status=STATUS_OF_PURPOSE[purpose]).values_list(
        "status_index", flat=True)
    for index in indices.iterator(chunk_size=5000):
        bitstring.set(index, True)
    return bitstring


def encoded_list(issuer: Issuer, purpose: str) -> str:
    """``encodedList``: the GZIP-compressed bitstring, multibase base64url."""
    return bits(issuer, purpose).encode()


def _xsd(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential(issuer: Issuer, purpose: str, *, now: datetime.datetime | None = None) -> dict | None:
    """The signed ``BitstringStatusListCredential`` of the issuer's list (validFrom: now); None while the issuer
    has no active key (before its first certificate, or after its key was declared compromised)."""
    moment = _xsd(now or timezone.now())
    unsigned = statuslist.status_list_credential(id=list_url(issuer, purpose), issuer=issuer_id(issuer),
                                                 purpose=purpose, encoded=encoded_list(issuer, purpose),
                                                 valid_from=moment)
    key = keystore.current_key(issuer)  # a public request never makes a key
    if key is None:
        return None
    private = keystore.private_key(key)
    return openbadge.add_proof(unsigned, private, openbadge.did_key_verification_method(private.public_key()),
                               moment)


def signing_issuer(document: dict) -> Issuer | None:
    """The issuer whose key made a valid proof on ``document``, or None.

    The proof's ``verificationMethod`` (a did:key) must be a key in our keystore (the JWK set), the document's
    ``issuer`` must be that key's issuer, and the key must vouch for the proof's ``created`` moment (inside its
    window; a compromised key nothing from its compromise on). Never raises."""
    try:
        proofs = document.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if not isinstance(proof, dict):
                continue
            public = openbadge.public_key_from_multikey(proof["verificationMethod"])
            kid = keys.kid_for(public)
            info = keystore.keyring().lookup(kid)
            created = datetime.datetime.fromisoformat(proof["created"].replace("Z", "+00:00"))
            if info is None or created.tzinfo is None or info.check(int(created.timestamp())) is not None:
                continue
            issuer = Issuer.objects.filter(keys__kid=keys.b64url(kid)).first()
            named = document.get("issuer")
            named = named.get("id") if isinstance(named, dict) else named
            if issuer is None or named != issuer_id(issuer):
                continue
            if openbadge.verify_proof({**document, "proof": [proof]}, public):
                return issuer
    except Exception:  # noqa: S110 (a verifier answers, it does not raise)
        pass
    return None


def verify_credential(document: dict) -> bool:
    """True when a status list credential has a valid proof by a key of the issuer it names."""
    return signing_issuer(document) is not None
