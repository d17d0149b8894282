"""Open Badges 3.0 with a Data Integrity eddsa-rdfc-2022 proof: 1EdTech's test vector reproduced
byte for byte, our credentials against 1EdTech's JSON Schema, tampering, the offline loader.
No database, no network."""

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from kompeten.certificates import keys, openbadge
from kompeten.certificates.statuslist import status_entry

DATA = Path(__file__).parent / "data"
VECTOR = json.loads((DATA / "ldp-eddsa-rdfc-2022-test-vector.json").read_text())
SCHEMA = json.loads((DATA / "achievementcredential.json").read_text())
ISSUER = "https://kompeten.kaltimprov.go.id/issuers/lsp-tik"
LIST_URL = "https://kompeten.kaltimprov.go.id/status/lsp-tik/1"


def vector_key() -> Ed25519PrivateKey:
    private = bytes.fromhex(VECTOR["keyPair"]["privateKeyHex"])  # seed || public key
    key = Ed25519PrivateKey.from_private_bytes(private[:32])
    assert key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == private[32:]
    return key


# --- 1EdTech's test vector -----------------------------------------------------------------------

def test_vector_canonical_forms_and_hashes():
    unsigned = VECTOR["unsignedCredential"]
    proof_config = {"@context": unsigned["@context"], **VECTOR["proofOptions"]}
    document_nquads = openbadge.canonicalize(unsigned)
    proof_nquads = openbadge.canonicalize(proof_config)
    assert document_nquads == VECTOR["canonicalDocumentNQuads"]
    assert proof_nquads == VECTOR["canonicalProofNQuads"]
    assert hashlib.sha256(document_nquads.encode()).hexdigest() == VECTOR["documentHashHex"]
    assert hashlib.sha256(proof_nquads.encode()).hexdigest() == VECTOR["proofHashHex"]
    assert openbadge._hash_data(unsigned, VECTOR["proofOptions"]).hex() == VECTOR["dataToSignHex"]


def test_vector_signature_and_proof_value_reproduced():
    options = VECTOR["proofOptions"]
    signed = openbadge.add_proof(VECTOR["unsignedCredential"], vector_key(), options["verificationMethod"],
                                 options["created"])
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    assert signed["proof"][0] == VECTOR["signedCredential"]["proof"]
    assert signed["proof"][0]["proofValue"] == VECTOR["proofValue"]
    signature = openbadge.base58btc_decode(VECTOR["proofValue"][1:])
    assert signature.hex() == VECTOR["signatureHex"]
    assert {key: value for key, value in signed.items() if key != "proof"} == VECTOR["unsignedCredential"]


def test_vector_signed_credential_verifies():
    public_key = openbadge.public_key_from_multikey(VECTOR["keyPair"]["publicKeyMultibase"])
    assert openbadge.verify_proof(VECTOR["signedCredential"], public_key)  # its proof is a single object
    other = Ed25519PublicKey.from_public_bytes(bytes(32))
    assert not openbadge.verify_proof(VECTOR["signedCredential"], other)


def test_vector_multikey():
    key = vector_key()
    assert openbadge.multikey(key.public_key()) == VECTOR["keyPair"]["publicKeyMultibase"]
    assert openbadge.did_key(key.public_key()) == "did:key:" + VECTOR["keyPair"]["publicKeyMultibase"]
    method = VECTOR["keyPair"]["verificationMethod"]
    assert openbadge.public_key_from_multikey(method.split("#")[1]).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex() == VECTOR["keyPair"]["publicKeyHex"]


@pytest.mark.parametrize("data", [b"", b"\0", b"\0\0\1", b"\xff" * 40, bytes(range(64))])
def test_base58btc_round_trip(data):
    assert openbadge.base58btc_decode(openbadge.base58btc_encode(data)) == data


def test_did_key_verification_method_round_trip():
    key = keys.generate_private_key()
    method = openbadge.did_key_verification_method(key.public_key())
    assert method.startswith("did:key:z6Mk") and method.split("#")[0] == openbadge.did_key(key.public_key())
    assert openbadge.public_key_from_multikey(method).public_bytes(serialization.Encoding.Raw,
                                                                   serialization.PublicFormat.Raw) == \
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with pytest.raises(openbadge.CredentialError):
        openbadge.public_key_from_multikey("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme")  # secp256k1


# --- our credentials -----------------------------------------------------------------------------

UNITS = [
    {"targetName": "Menggunakan Struktur Data", "targetCode": "J.620100.004.02", "targetFramework": "SKKNI 282/2016"},
    {"targetName": "Mengimplementasikan User Interface", "targetCode": "J.620100.009.02",
     "targetFramework": "SKKNI 282/2016", "targetUrl": "https://kompeten.kaltimprov.go.id/units/J.620100.009.02",
     "targetType": "ceasn:Competency"},
]


def make_credential(**changes):
    arguments = {
        "credential_id": "https://kompeten.kaltimprov.go.id/c/K7QM9XHT",
        "issuer": {"id": ISSUER, "name": "LSP Teknologi Informasi Kalimantan Timur",
                   "url": "https://kompeten.kaltimprov.go.id"},
        "holder_name": "Ni Luh Putu Ayu Widyasari",
        "achievement": {
            "id": "https://kompeten.kaltimprov.go.id/schemes/SKM.TIK.JWD.2023",
            "name": "Junior Web Developer",
            "description": "Skema Sertifikasi Okupasi Junior Web Developer (KKNI level 4).",
            "criteria": "Dinyatakan Kompeten pada semua unit kompetensi skema ini oleh asesor LSP.",
            "alignment": UNITS,
            "achievementType": "Certification",
            "humanCode": "SKM.TIK.JWD.2023",
        },
        "valid_from": "2025-06-30T00:00:00Z",
        "valid_until": "2028-06-30T00:00:00Z",
        "status_entries": [status_entry(LIST_URL, 42, "revocation")],
    }
    arguments.update(changes)
    return openbadge.build_credential(**arguments)


@pytest.fixture(scope="module")
def key():
    return keys.generate_private_key()


@pytest.fixture(scope="module")
def signed(key):
    return openbadge.add_proof(make_credential(), key, openbadge.did_key_verification_method(key.public_key()),
                               "2025-06-30T08:00:00Z")


def schema_errors(document) -> list[str]:
    validator = jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


def test_credential_shape():
    credential = make_credential()
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                                      "identityHash": "Ni Luh Putu Ayu Widyasari"}]
    assert "id" not in subject  # the holder by name only
    alignment = subject["achievement"]["alignment"]
    assert alignment[0]["targetUrl"] == "https://kompeten.kaltimprov.go.id/schemes/SKM.TIK.JWD.2023#J.620100.004.02"
    assert alignment[1]["targetUrl"] == UNITS[1]["targetUrl"] and alignment[1]["targetType"] == "ceasn:Competency"
    assert subject["achievement"]["criteria"] == {"narrative": make_credential()["credentialSubject"]["achievement"]
                                                  ["criteria"]["narrative"]}
    assert credential["credentialStatus"] == status_entry(LIST_URL, 42, "revocation")


def test_unsigned_and_signed_credentials_validate_against_the_1edtech_schema(signed):
    assert schema_errors(make_credential()) == []
    assert schema_errors(signed) == []
    assert isinstance(signed["proof"], list)
    assert schema_errors(make_credential(valid_until=None, status_entries=None,
                                         achievement={"id": "urn:uuid:0b5b7e7e-1", "name": "Pelatihan Las",
                                                      "description": "Pelatihan berbasis kompetensi 160 JP.",
                                                      "criteria": {"narrative": "Lulus."}})) == []


def test_schema_catches_what_it_should(signed):
    """The copy of the schema is live: a proof as a single object and a missing issuer fail it."""
    assert schema_errors({**signed, "proof": signed["proof"][0]})
    assert schema_errors({key: value for key, value in signed.items() if key != "issuer"})


def test_two_status_entries_become_a_list():
    entries = [status_entry(LIST_URL, 1, "revocation"), status_entry(LIST_URL + "s", 1, "suspension")]
    assert make_credential(status_entries=entries)["credentialStatus"] == entries
    assert "credentialStatus" not in make_credential(status_entries=[])


def test_signed_credential_verifies(signed, key):
    assert openbadge.verify_proof(signed, key.public_key())
    assert openbadge.verify_proof(json.loads(json.dumps(signed)), key.public_key())
    assert openbadge.proof_verification_methods(signed) == [openbadge.did_key_verification_method(key.public_key())]
    assert not openbadge.verify_proof(signed, keys.generate_private_key().public_key())


def test_add_proof_leaves_its_input_alone(key):
    credential = make_credential()
    before = copy.deepcopy(credential)
    openbadge.add_proof(credential, key, "did:example:1#key", "2025-06-30T08:00:00Z")
    assert credential == before


def test_a_second_proof_is_appended_and_both_verify(signed, key):
    other = keys.generate_private_key()
    both = openbadge.add_proof(signed, other, openbadge.did_key_verification_method(other.public_key()),
                               "2025-07-01T00:00:00Z")
    assert len(both["proof"]) == 2
    assert openbadge.verify_proof(both, key.public_key()) and openbadge.verify_proof(both, other.public_key())


def _set(path, value):
    def change(document):
        target = document
        for step in path[:-1]:
            target = target[step]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


TAMPERING = {
    "holder name": _set(["credentialSubject", "identifier", 0, "identityHash"], "Budi Santoso"),
    "unit code": _set(["credentialSubject", "achievement", "alignment", 0, "targetCode"], "J.620100.005.02"),
    "unit removed": _set(["credentialSubject", "achievement", "alignment"], [UNITS[1] | {"type": ["Alignment"]}]),
    "achievement name": _set(["credentialSubject", "achievement", "name"], "Senior Web Developer"),
    "issuer name": _set(["issuer", "name"], "LSP Lain"),
    "issuer id": _set(["issuer", "id"], "https://example.com/issuer"),
    "valid from": _set(["validFrom"], "2024-06-30T00:00:00Z"),
    "valid until": _set(["validUntil"], "2038-06-30T00:00:00Z"),
    "valid until removed": _set(["validUntil"], KeyError),
    "status index": _set(["credentialStatus", "statusListIndex"], "43"),
    "status removed": _set(["credentialStatus"], KeyError),
    "credential id": _set(["id"], "https://kompeten.kaltimprov.go.id/c/OTHER"),
    "type": _set(["type"], ["VerifiableCredential", "OpenBadgeCredential", "EndorsementCredential"]),
    "added field": _set(["description"], "Tambahan"),
    "added undefined field": _set(["credentialSubject", "nik"], "6471051203990001"),
    "added keyword-like key": _set(["@foo"], "x"),  # JSON-LD would drop it silently; we refuse
    "unknown context": _set(["@context"], ["https://www.w3.org/ns/credentials/v2",
                                            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"]),
    "proof created": _set(["proof", 0, "created"], "2025-06-30T08:00:01Z"),
    "proof method": _set(["proof", 0, "verificationMethod"], "did:example:other#key"),
    "proof purpose": _set(["proof", 0, "proofPurpose"], "authentication"),
    "proof cryptosuite": _set(["proof", 0, "cryptosuite"], "eddsa-jcs-2022"),
    "proof value": _set(["proof", 0, "proofValue"], "z" + openbadge.base58btc_encode(bytes(64))),
    "proof value garbage": _set(["proof", 0, "proofValue"], "z0OIl"),
    "proof removed": _set(["proof"], KeyError),
    "proof not an object": _set(["proof"], ["x"]),
}


@pytest.mark.parametrize("change", TAMPERING.values(), ids=TAMPERING.keys())
def test_any_change_breaks_the_proof(signed, key, change):
    tampered = copy.deepcopy(signed)
    change(tampered)
    assert tampered != signed
    assert openbadge.verify_proof(tampered, key.public_key()) is False


@pytest.mark.parametrize("document", [None, [], {}, {"proof": []}, {"@context": [], "proof": [{}]}, "x"])
def test_verify_proof_never_raises(key, document):
    assert openbadge.verify_proof(document, key.public_key()) is False


@pytest.mark.parametrize("changes, message", [
    ({"credential_id": ""}, "credential_id"),
    ({"holder_name": ""}, "holder_name"),
    ({"issuer": {"id": ISSUER}}, "issuer.name"),
    ({"valid_from": "2025-06-30"}, "valid_from"),
    ({"valid_until": "2028-06-30T00:00:00"}, "valid_until"),
    ({"achievement": {"id": "x", "name": "x", "description": "x"}}, "criteria"),
    ({"achievement": {"id": "x", "name": "x", "description": "x", "criteria": "x", "alignment": [{}]}},
     "targetName"),
])
def test_build_credential_refuses_bad_input(changes, message):
    with pytest.raises(openbadge.CredentialError, match=message):
        make_credential(**changes)


# --- offline contexts ----------------------------------------------------------------------------

def test_loader_serves_only_the_bundled_contexts():
    for url in openbadge.CONTEXT_FILES:
        assert openbadge.document_loader(url, {})["document"]["@context"]
    for url in ("https://www.w3.org/2018/credentials/v1", "https://example.com/context.json", "file:///etc/passwd"):
        with pytest.raises(jsonld.JsonLdError):
            openbadge.document_loader(url, {})


def test_vc2_context_is_the_one_the_recommendation_pins():
    data = (Path(openbadge.__file__).parent / "contexts" / "credentials-v2.jsonld").read_bytes()
    assert hashlib.sha256(data).hexdigest() == "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"


def test_canonicalize_refuses_unknown_contexts_and_undefined_terms():
    with pytest.raises(jsonld.JsonLdError):
        openbadge.canonicalize({"@context": "https://example.com/context.json", "name": "x"})
    with pytest.raises(jsonld.JsonLdError):
        openbadge.canonicalize({**VECTOR["unsignedCredential"], "@foo": "x"})
