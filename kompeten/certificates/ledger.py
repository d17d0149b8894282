"""The append-only, hash-chained log of every issue and status change, with a signed head per day.

entry.hash = SHA-256(prev_hash ‖ canonical JSON {seq, at, action, data}); the genesis entry (seq 0) has
prev_hash "0"×64. Appends are serialised by a row lock on the genesis entry, in the transaction that writes
the certificate, so the log and the certificates can never disagree. Each day's head (last seq and hash) is
signed with the ledger key; a copy of the heads kept elsewhere (they are public) makes a rewrite of history,
a back-dated certificate or a silent mass issuance detectable: ``verify_chain`` finds the first break.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from django.utils import timezone

from kompeten.certificates import keys, keystore
from kompeten.certificates.models import KeyPurpose, LedgerEntry, LedgerHead, SigningKey

GENESIS_HASH = "0" * 64


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, seq: int, at: datetime.datetime, action: str, data: dict) -> str:
    body = canonical({"seq": seq, "at": at.astimezone(datetime.UTC).isoformat(), "action": action, "data": data})
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def _genesis() -> LedgerEntry:
    genesis = LedgerEntry.objects.filter(seq=0).first()
    if genesis is None:
        at = timezone.now()
        genesis, _created = LedgerEntry.objects.get_or_create(
            seq=0, defaults={"at": at, "action": "genesis", "data": {}, "prev_hash": GENESIS_HASH,
                             "hash": entry_hash(GENESIS_HASH, 0, at, "genesis", {})})
    return genesis


def append(action: str, *, data: dict, certificate=None, at: datetime.datetime | None = None) -> LedgerEntry:
    """Add an entry (inside the caller's transaction)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.append runs inside the transaction that makes the change")
    _genesis()
    LedgerEntry.objects.select_for_update().get(seq=0)  # one writer at a time
    last = LedgerEntry.objects.order_by("-seq").only("seq", "hash").first()
    at = at or timezone.now()
    seq = last.seq + 1
    return LedgerEntry.objects.create(seq=seq, at=at, action=action, certificate=certificate, data=data,
                                      prev_hash=last.hash, hash=entry_hash(last.hash, seq, at, action, data))


def head_message(day: datetime.date, seq: int, hash_: str) -> bytes:
    return canonical({"day": day.isoformat(), "seq": seq, "hash": hash_})


@transaction.atomic
def sign_head(day: datetime.date | None = None) -> LedgerHead | None:
    """Sign the head of the log as it stood at the end of ``day`` (default: yesterday). Idempotent."""
    day = day or timezone.localdate() - datetime.timedelta(days=1)
    existing = LedgerHead.objects.filter(day=day).first()
    if existing is not None:
        return existing
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    last = LedgerEntry.objects.filter(at__lt=end).order_by("-seq").first()
    if last is None:
        return None
    key = keystore.active_key(None, purpose=KeyPurpose.LEDGER)
    signature = keystore.private_key(key).sign(head_message(day, last.seq, last.hash))
    return LedgerHead.objects.create(day=day, seq=last.seq, hash=last.hash, kid=key.kid,
                                     signature=keys.b64url(signature), signed_at=timezone.now())


@dataclass
class ChainReport:
    entries: int
    heads: int
    first_break: int | None  # seq of the first entry whose hash does not follow
    bad_heads: list[str]

    @property
    def ok(self) -> bool:
        return self.first_break is None and not self.bad_heads


def verify_chain() -> ChainReport:
    """Recompute every hash in order and check every signed head against the entries."""
    prev_hash, expected_seq, count, first_break = GENESIS_HASH, 0, 0, None
    hashes: dict[int, str] = {}
    for entry in LedgerEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        ok = (entry.seq == expected_seq and entry.prev_hash == prev_hash
              and entry.hash == entry_hash(prev_hash, entry.seq, entry.at, entry.action, entry.data))
        if not ok and first_break is None:
            first_break = entry.seq
        hashes[entry.seq] = entry.hash
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    public = {key.kid: key.public_key for key in SigningKey.objects.filter(purpose=KeyPurpose.LEDGER)}
    bad_heads = []
    heads = list(LedgerHead.objects.order_by("day"))
    for head in heads:
        try:
            Ed25519PublicKey.from_public_bytes(keys.b64url_decode(public[head.kid])).verify(
                keys.b64url_decode(head.signature), head_message(head.day, head.seq, head.hash))
            if hashes.get(head.seq) != head.hash:
                raise InvalidSignature
        except (KeyError, ValueError, InvalidSignature):
            bad_heads.append(head.day.isoformat())
    return ChainReport(entries=count, heads=len(heads), first_break=first_break, bad_heads=bad_heads)
