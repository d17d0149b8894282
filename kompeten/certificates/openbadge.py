"""Open Badges 3.0 credentials, signed with a W3C Data Integrity proof (cryptosuite eddsa-rdfc-2022).

Pure: imports nothing from Django.

:func:`build_credential` makes an unsigned ``OpenBadgeCredential`` (VC 2.0 data model, OB 3.0.3
context) for a training, competency or apprenticeship certificate: the holder is identified by name only (an
``IdentityObject`` of type ``name``; never a NIK), the achievement carries the scheme's units as
``alignment`` entries. :func:`add_proof` signs it, :func:`verify_proof` checks the signature.

eddsa-rdfc-2022 (W3C "Data Integrity EdDSA Cryptosuites v1.0"): the document without ``proof``
and the proof options (with the document's ``@context``, without ``proofValue``) are each
canonicalized with RDFC-1.0 (URDNA2015) to N-Quads and hashed with SHA-256; the Ed25519 signature
over ``proofHash || documentHash`` goes in ``proofValue`` as multibase base58btc (``z...``). The
proof is emitted inside an array, as the 1EdTech JSON Schema wants.

JSON-LD contexts come only from the copies in ``contexts/`` (see ``contexts/SOURCES.md``): the
document loader refuses every other URL, so nothing here touches the network. A term that the
contexts do not define makes canonicalization fail (instead of being silently left out of what is
signed).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from importlib import resources

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from kompeten.certificates.keys import raw_public_key

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_FILES = {
    VC_V2_CONTEXT: "credentials-v2.jsonld",
    OB_V3_CONTEXT: "context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "bitstring-status-list-v1.jsonld",
}
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
ED25519_MULTICODEC = b"\xed\x01"

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: value for value, char in enumerate(_BASE58)}
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})")
_ACHIEVEMENT_EXTRAS = ("achievementType", "humanCode", "fieldOfStudy", "specialization", "inLanguage", "version",
                       "tag", "image", "creditsAvailable")
_ALIGNMENT_EXTRAS = ("targetCode", "targetFramework", "targetDescription", "targetType")


class CredentialError(ValueError):
    """Bad input for a credential or a proof."""


# --- multibase / did:key -------------------------------------------------------------------------

def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    while number:
        number, digit = divmod(number, 58)
        chars.append(_BASE58[digit])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(chars))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        try:
            number = number * 58 + _BASE58_INDEX[char]
        except KeyError:
            raise ValueError(f"not base58btc: {char!r}") from None
    leading_zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def multikey(public_key: Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of an Ed25519 key: ``z6Mk...`` (multicodec 0xed01, base58btc)."""
    return "z" + base58btc_encode(ED25519_MULTICODEC + raw_public_key(public_key))


def did_key(public_key: Ed25519PublicKey) -> str:
    """``did:key:z6Mk...`` for an Ed25519 key."""
    return "did:key:" + multikey(public_key)


def did_key_verification_method(public_key: Ed25519PublicKey) -> str:
    """The verification method id of a did:key: ``did:key:z6Mk...#z6Mk...``."""
    return f"{did_key(public_key)}#{multikey(public_key)}"


def public_key_from_multikey(value: str) -> Ed25519PublicKey:
    """The Ed25519 key in ``z6Mk...``, ``did:key:z6Mk...`` or ``did:key:z6Mk...#z6Mk...``."""
    text = value.removeprefix("did:key:").split("#", 1)[0]
    if not text.startswith("z"):
        raise CredentialError("not a base58btc multikey")
    try:
        data = base58btc_decode(text[1:])
    except ValueError as exc:
        raise CredentialError(str(exc)) from exc
    if not data.startswith(ED25519_MULTICODEC) or len(data) != 34:
        raise CredentialError("not an Ed25519 multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


# --- JSON-LD, offline ----------------------------------------------------------------------------

@functools.cache
def _context_document(name: str) -> dict:
    return json.loads(resources.files("kompeten.certificates").joinpath("contexts", name).read_text("utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict:
    """pyld document loader serving only the bundled contexts; any other URL raises JsonLdError."""
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise jsonld.JsonLdError(f"Refusing to load {url!r}: only the bundled JSON-LD contexts are served.",
                                 "jsonld.LoadDocumentError", {"url": url}, code="loading document failed")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": copy.deepcopy(_context_document(name))}


def _refuse_dropped(term: str | None) -> None:
    raise jsonld.JsonLdError(f"The term {term!r} is not defined by the contexts; it would not be signed.",
                             "jsonld.SafeModeError", {"term": term}, code="dropped term")


def canonicalize(document: dict) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, with the offline loader."""
    processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    return processor.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                          "documentLoader": document_loader})


# --- the credential ------------------------------------------------------------------------------

def _required_text(mapping: dict, key: str, where: str) -> str:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(value, str) or not value:
        raise CredentialError(f"{where}.{key} must be a non-empty string")
    return value


def _datetime(value: str, name: str) -> str:
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise CredentialError(f"{name} must be an XML Schema dateTime with a time zone, e.g. 2025-06-30T00:00:00Z")
    return value


def _alignment(unit: dict, achievement_id: str, position: int) -> dict:
    where = f"achievement.alignment[{position}]"
    alignment = {"type": ["Alignment"], "targetName": _required_text(unit, "targetName", where)}
    target_url = unit.get("targetUrl")
    if target_url is None:
        # OB 3.0 requires targetUrl. Units have no page of their own: point into the achievement's page.
        target_url = f"{achievement_id}#{unit.get('targetCode') or position}"
    alignment["targetUrl"] = target_url
    for key in _ALIGNMENT_EXTRAS:
        if unit.get(key) is not None:
            alignment[key] = unit[key]
    return alignment


def build_credential(*, credential_id: str, issuer: dict, holder_name: str, achievement: dict, valid_from: str,
                     valid_until: str | None = None, status_entries: list[dict] | None = None) -> dict:
    """An unsigned OB 3.0 ``OpenBadgeCredential``.

    ``issuer``: ``id``, ``name``, optional ``url``. ``achievement``: ``id``, ``name``,
    ``description``, ``criteria`` (the narrative text, or a Criteria object), optional
    ``alignment`` (the units: each ``targetName``, ``targetCode``, ``targetFramework``, optional
    ``targetUrl``, ``targetDescription``, ``targetType``) and optional OB 3.0 fields
    (``achievementType``, ``humanCode``, ``fieldOfStudy``, ...). A unit without ``targetUrl`` gets
    ``{achievement id}#{targetCode}``. ``status_entries``: ``BitstringStatusListEntry`` objects; one
    is emitted as an object (the 1EdTech schema's form), several as an array.
    """
    if not isinstance(credential_id, str) or not credential_id:
        raise CredentialError("credential_id must be a non-empty string")
    if not isinstance(holder_name, str) or not holder_name:
        raise CredentialError("holder_name must be a non-empty string")
    profile = {"id": _required_text(issuer, "id", "issuer"), "type": ["Profile"],
               "name": _required_text(issuer, "name", "issuer")}
    if issuer.get("url"):
        profile["url"] = issuer["url"]

    achievement_id = _required_text(achievement, "id", "achievement")
    criteria = achievement.get("criteria")
    if isinstance(criteria, str) and criteria:
        criteria = {"narrative": criteria}
    if not isinstance(criteria, dict) or not criteria:
        raise CredentialError("achievement.criteria must be the narrative text or a Criteria object")
    badge = {"id": achievement_id, "type": ["Achievement"], "name": _required_text(achievement, "name", "achievement"),
             "description": _required_text(achievement, "description", "achievement"), "criteria": criteria}
    units = achievement.get("alignment") or []
    if not isinstance(units, list):
        raise CredentialError("achievement.alignment must be a list")
    if units:
        badge["alignment"] = [_alignment(unit, achievement_id, position) for position, unit in enumerate(units)]
    for key in _ACHIEVEMENT_EXTRAS:
        if achievement.get(key) is not None:
            badge[key] = achievement[key]

    credential = {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": profile,
        "validFrom": _datetime(valid_from, "valid_from"),
    }
    if valid_until is not None:
        credential["validUntil"] = _datetime(valid_until, "valid_until")
    credential["name"] = badge["name"]
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                        "identityHash": holder_name}],
        "achievement": badge,
    }
    if status_entries:
        credential["credentialStatus"] = status_entries[0] if len(status_entries) == 1 else list(status_entries)
    return credential


# --- Data Integrity proof ------------------------------------------------------------------------

def _hash_data(unsecured: dict, proof_options: dict) -> bytes:
    proof_config = {"@context": unsecured["@context"], **proof_options}
    proof_hash = hashlib.sha256(canonicalize(proof_config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    return proof_hash + document_hash


def add_proof(doc: dict, private_key: Ed25519PrivateKey, verification_method: str, created: str) -> dict:
    """A copy of ``doc`` with an eddsa-rdfc-2022 DataIntegrityProof appended to its ``proof`` array."""
    if not isinstance(doc, dict) or "@context" not in doc:
        raise CredentialError("the document must be a JSON-LD object with an @context")
    if not isinstance(verification_method, str) or not verification_method:
        raise CredentialError("verification_method must be a non-empty string")
    options = {"type": PROOF_TYPE, "created": _datetime(created, "created"), "verificationMethod": verification_method,
               "cryptosuite": CRYPTOSUITE, "proofPurpose": PROOF_PURPOSE}
    secured = copy.deepcopy(doc)
    existing = secured.pop("proof", [])
    existing = existing if isinstance(existing, list) else [existing]
    signature = private_key.sign(_hash_data(secured, options))
    secured["proof"] = [*existing, {**options, "proofValue": "z" + base58btc_encode(signature)}]
    return secured


def _proofs(doc: dict) -> list:
    proofs = doc.get("proof")
    return proofs if isinstance(proofs, list) else [proofs]


def _verify_one(doc: dict, proof, public_key: Ed25519PublicKey) -> bool:
    if not isinstance(proof, dict) or proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE \
            or proof.get("proofPurpose") != PROOF_PURPOSE:
        return False
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return False
    signature = base58btc_decode(proof_value[1:])
    if len(signature) != 64:
        return False
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    unsecured = {key: value for key, value in doc.items() if key != "proof"}
    if "@context" in options:  # the proof's context must be a prefix of the document's, in order
        contexts = options.pop("@context")
        contexts = contexts if isinstance(contexts, list) else [contexts]
        doc_contexts = unsecured["@context"] if isinstance(unsecured["@context"], list) else [unsecured["@context"]]
        if doc_contexts[:len(contexts)] != contexts:
            return False
        unsecured["@context"] = contexts
    try:
        public_key.verify(signature, _hash_data(unsecured, options))
    except InvalidSignature:
        return False
    return True


def verify_proof(doc: dict, public_key: Ed25519PublicKey) -> bool:
    """True when ``doc`` has an eddsa-rdfc-2022 assertionMethod proof that ``public_key`` verifies.

    Never raises: a malformed document, a term the contexts do not define or an unknown context
    give False. The caller resolves ``proof.verificationMethod`` to the key (for a did:key,
    :func:`public_key_from_multikey`) and checks validity dates and status."""
    try:
        if not isinstance(doc, dict) or "@context" not in doc or "proof" not in doc:
            return False
        return any(_verify_one(doc, proof, public_key) for proof in _proofs(doc))
    except Exception:
        return False


def proof_verification_methods(doc: dict) -> list[str]:
    """The ``verificationMethod`` of each proof in ``doc`` (to find the keys to verify with)."""
    if not isinstance(doc, dict) or "proof" not in doc:
        return []
    return [proof["verificationMethod"] for proof in _proofs(doc)
            if isinstance(proof, dict) and isinstance(proof.get("verificationMethod"), str)]
