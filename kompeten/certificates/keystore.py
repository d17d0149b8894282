"""Issuers' signing keys: the public half in the database (SigningKey), the private half as a file in
settings.KOMPETEN_KEY_DIR. Rotation retires the active key (it keeps verifying what it signed in its window)
and makes a new one; a compromised key verifies nothing signed from the given moment on.
"""

from __future__ import annotations

import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.certificates import keys
from kompeten.certificates.models import Issuer, KeyPurpose, KeyStatus, SigningKey


def _epoch(moment: datetime.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def create_key(issuer: Issuer | None, *, purpose: str = KeyPurpose.CERTIFICATE, not_before=None) -> SigningKey:
    """A new active key: the private file first (0600), then the public row."""
    private = keys.generate_private_key()
    public = private.public_key()
    kid = keys.kid_for(public)
    keys.save_private_key(settings.KOMPETEN_KEY_DIR, kid, private)
    return SigningKey.objects.create(
        issuer=issuer, purpose=purpose, kid=keys.b64url(kid), public_key=keys.b64url(keys.raw_public_key(public)),
        not_before=not_before or timezone.now(), status=KeyStatus.ACTIVE)


def current_key(issuer: Issuer | None, *, purpose: str = KeyPurpose.CERTIFICATE) -> SigningKey | None:
    """The issuer's active key, or None (read only: what public requests use)."""
    return SigningKey.objects.filter(issuer=issuer, purpose=purpose, status=KeyStatus.ACTIVE).order_by().first()


def active_key(issuer: Issuer | None, *, purpose: str = KeyPurpose.CERTIFICATE) -> SigningKey:
    """The issuer's active key, made on first use (by issuing, under the issuer's row lock)."""
    return current_key(issuer, purpose=purpose) or create_key(issuer, purpose=purpose)


def private_key(key: SigningKey):
    return keys.load_private_key(settings.KOMPETEN_KEY_DIR, keys.b64url_decode(key.kid))


@transaction.atomic
def rotate(issuer: Issuer, *, by=None, purpose: str = KeyPurpose.CERTIFICATE) -> SigningKey:
    """Retire the active key (it still verifies what it signed until now) and make a new active one."""
    if issuer is not None:
        Issuer.objects.select_for_update().get(pk=issuer.pk)  # no certificate is being signed meanwhile
    now = timezone.now()
    old = SigningKey.objects.select_for_update(of=("self",)).order_by().filter(issuer=issuer, purpose=purpose,
                                                        status=KeyStatus.ACTIVE).first()
    if old is not None:
        old.status = KeyStatus.RETIRED
        old.not_after = now
        old.save(update_fields=["status", "not_after"])
    new = create_key(issuer, purpose=purpose, not_before=now)
    record(AuditEntry.Action.UPDATE, issuer, by=by, note="signing key rotated",
           changes={"kid": [old.kid if old else None, new.kid]})
    return new


@transaction.atomic
def mark_compromised(key: SigningKey, *, since: datetime.datetime, by=None) -> SigningKey:
    """Nothing the key signed at or after ``since`` verifies any more; re-issue what it signed since then."""
    key = SigningKey.objects.select_for_update().get(pk=key.pk)
    before = key.status
    key.status = KeyStatus.COMPROMISED
    key.compromised_at = since
    key.not_after = key.not_after or timezone.now()
    key.save(update_fields=["status", "compromised_at", "not_after"])
    record(AuditEntry.Action.TRANSITION, key, by=by, changes={"status": [before, key.status]},
           note=f"{key.kid} since {since.isoformat()}")
    return key


def jwk(key: SigningKey) -> dict:
    """The JWK of a key as published in /.well-known/kompeten/keys.json."""
    public = Ed25519PublicKey.from_public_bytes(keys.b64url_decode(key.public_key))
    entry = keys.public_jwk(
        public, keys.b64url_decode(key.kid), iss=key.issuer.iss if key.issuer else "kompeten-ledger",
        nbf=_epoch(key.not_before), exp=_epoch(key.not_after), status=key.status,
        compromised_at=_epoch(key.compromised_at))
    if key.purpose != KeyPurpose.CERTIFICATE:
        entry["use"] = key.purpose
    return entry


def jwks() -> dict:
    """Every certificate and ledger key ever used, with its status: old certificates keep verifying."""
    return {"keys": [jwk(key) for key in SigningKey.objects.select_related("issuer").order_by("not_before", "pk")]}


def keyring() -> keys.Keyring:
    """The certificate keys as the offline verifier sees them (the same data as keys.json)."""
    published = jwks()
    published["keys"] = [entry for entry in published["keys"] if "use" not in entry]
    return keys.Keyring.from_jwks(published)
