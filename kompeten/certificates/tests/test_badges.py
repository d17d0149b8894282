"""Open Badges 3.0 credentials of certificates, and the status lists they point into."""

import copy
import datetime
import json
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.conf import settings

from kompeten.certificates import badges, keystore, openbadge, services, statuslists
from kompeten.certificates.statuslist import MIN_SIZE, StatusList
from kompeten.certificates.tests.helpers import approve_all, at
from kompeten.core.errors import DomainError

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "data" / "achievementcredential.json").read_text())
BASE = settings.KOMPETEN_BASE_URL


def schema_errors(document) -> list[str]:
    validator = jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


@pytest.fixture
def approved(candidates, assessor, lsp_admin):
    return approve_all(candidates, assessor, lsp_admin)


@pytest.fixture
def certs(approved):
    with time_machine.travel(at(2025, 5, 10), tick=True):
        return [services.issue_competency(a) for a in approved]


@pytest.fixture
def badge(certs):
    return badges.openbadge_for(certs[0])


def test_the_credential_validates_against_the_1edtech_schema(badge):
    assert schema_errors(badge) == []
    assert isinstance(badge["proof"], list) and len(badge["proof"]) == 1


def test_the_credential_content(badge, certs, scheme):
    cert = certs[0]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"] == f"{BASE}/verify/{cert.public_code}"
    assert badge["issuer"]["id"] == f"{BASE}/issuers/{cert.issuer.code}"
    assert badge["issuer"]["name"] == "LSP BLKI Test"
    assert badge["validFrom"] == "2025-05-10T02:00:00Z"  # 10:00 WITA
    assert badge["validUntil"] == "2028-05-10T00:00:00Z"  # valid until 9 May 2028 inclusive
    subject = badge["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Andi Pratama"
    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE}/schemes/{scheme.code}" and achievement["name"] == scheme.title
    assert achievement["humanCode"] == scheme.code and achievement["achievementType"] == "Certification"
    assert [(a["targetCode"], a["targetName"], a["targetFramework"]) for a in achievement["alignment"]] == [
        (u.code, u.title, "SKKNI") for u in scheme.units.order_by("order")]
    status = badge["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"{BASE}/status/{cert.issuer.code}/revocation"
    assert status["statusListIndex"] == str(cert.status_index)
    assert status["id"] == f"{BASE}/status/{cert.issuer.code}/revocation#{cert.status_index}"


def test_no_personal_data_in_the_badge(badge, certs):
    person = certs[0].person
    text = json.dumps(badge)
    for secret in (person.nik, person.birth_date.isoformat(), certs[0].holder_id):
        assert secret not in text


def test_the_proof_verifies_with_the_certificate_key(badge, certs):
    key = keystore.private_key(certs[0].key).public_key()
    assert badge["proof"][0]["verificationMethod"] == openbadge.did_key_verification_method(key)
    assert openbadge.verify_proof(badge, key)
    assert badges.verify_openbadge(badge)
    assert badges.verify_openbadge(json.loads(json.dumps(badge)))
    # The same key is published in the JWK set.
    assert certs[0].key.kid in {entry["kid"] for entry in keystore.jwks()["keys"]}


def test_the_badge_is_the_same_on_every_request(badge, certs):
    assert badges.openbadge_for(certs[0]) == badge
    assert badges.openbadge_for(certs[1]) != badge


CHANGES = {
    "holder": (["credentialSubject", "identifier", 0, "identityHash"], "Budi Santoso"),
    "unit": (["credentialSubject", "achievement", "alignment", 0, "targetCode"], "X.000"),
    "scheme": (["credentialSubject", "achievement", "name"], "Ahli Lain"),
    "valid until": (["validUntil"], "2038-05-10T00:00:00Z"),
    "status index": (["credentialStatus", "statusListIndex"], "99"),
    "issuer": (["issuer", "name"], "LSP Palsu"),
    "id": (["id"], f"{BASE}/verify/XXXXXXXXXXXX"),
    "created": (["proof", 0, "created"], "2025-05-10T02:00:01Z"),
}


@pytest.mark.parametrize("path, value", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_fails(badge, path, value):
    tampered = copy.deepcopy(badge)
    target = tampered
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert not badges.verify_openbadge(tampered)


def test_a_badge_signed_by_a_key_not_ours_fails(badge):
    stranger = keystore.keys.generate_private_key()
    unsigned = {key: value for key, value in badge.items() if key != "proof"}
    forged = openbadge.add_proof(unsigned, stranger, openbadge.did_key_verification_method(stranger.public_key()),
                                 badge["proof"][0]["created"])
    assert openbadge.verify_proof(forged, stranger.public_key())
    assert not badges.verify_openbadge(forged)


def test_another_issuers_key_cannot_sign_for_this_issuer(badge, batch_bontang):
    other = services.issuer_for_centre(batch_bontang.centre)
    key = keystore.private_key(keystore.active_key(other))
    unsigned = {k: v for k, v in badge.items() if k != "proof"}
    forged = openbadge.add_proof(unsigned, key, openbadge.did_key_verification_method(key.public_key()),
                                 badge["proof"][0]["created"])
    assert not badges.verify_openbadge(forged)


def test_after_rotation_old_badges_still_verify_and_keep_their_key(badge, certs):
    with time_machine.travel(at(2025, 7, 1), tick=True):
        keystore.rotate(certs[0].issuer)
    assert badges.verify_openbadge(badge)
    assert badges.openbadge_for(certs[0]) == badge


def test_a_compromised_key_fails_what_it_signed_after(badge, certs):
    keystore.mark_compromised(certs[0].key, since=at(2025, 5, 9))
    assert not badges.verify_openbadge(badge)
    with pytest.raises(DomainError):
        badges.openbadge_for(certs[0])


def test_a_training_certificate_badge(completed_batch):
    cert = services.issue_training(completed_batch.enrolments.order_by("pk").first())
    badge = badges.openbadge_for(cert)
    assert schema_errors(badge) == []
    assert badges.verify_openbadge(badge)
    assert "validUntil" not in badge
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "CertificateOfCompletion" and "alignment" not in achievement
    assert achievement["id"].startswith(f"{BASE}/issuers/{cert.issuer.code}/programmes/")


# --- status lists -------------------------------------------------------------------------------------


def listed(issuer, purpose, index) -> bool:
    document = statuslists.credential(issuer, purpose)
    return StatusList.decode(document["credentialSubject"]["encodedList"]).get(index)


def test_the_status_list_credential(certs):
    issuer = certs[0].issuer
    document = statuslists.credential(issuer, "revocation")
    assert document["id"] == f"{BASE}/status/{issuer.code}/revocation"
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == f"{BASE}/issuers/{issuer.code}"
    subject = document["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and subject["type"] == "BitstringStatusList"
    bits = StatusList.decode(subject["encodedList"])
    assert bits.size == MIN_SIZE and bits.set_indices() == []
    assert statuslists.verify_credential(document)
    tampered = copy.deepcopy(document)
    hidden = StatusList()
    hidden.set(5, True)  # claims a certificate is revoked
    tampered["credentialSubject"]["encodedList"] = hidden.encode()
    assert not statuslists.verify_credential(tampered)
    assert sorted(c.status_index for c in certs) == [0, 1, 2]


def test_the_badge_status_entry_bit_flips_on_revoke(badge, certs, operator_balikpapan):
    cert = certs[0]
    entry = badge["credentialStatus"]
    assert entry["statusListCredential"] == statuslists.credential(cert.issuer, "revocation")["id"]
    index = int(entry["statusListIndex"])
    assert not listed(cert.issuer, "revocation", index)
    services.revoke(cert, reason="Forged evidence", by=operator_balikpapan)
    assert listed(cert.issuer, "revocation", index)
    assert not listed(cert.issuer, "revocation", certs[1].status_index)
    assert not listed(cert.issuer, "suspension", index)
    assert badges.verify_openbadge(badge)  # the signature stands; the list says it is revoked


def test_suspension_list_sets_and_clears(certs, operator_balikpapan):
    cert = certs[1]
    services.suspend(cert, reason="Appeal", by=operator_balikpapan)
    assert listed(cert.issuer, "suspension", cert.status_index)
    assert statuslists.encoded_list(cert.issuer, "suspension") != statuslists.encoded_list(cert.issuer, "revocation")
    services.reinstate(cert, reason="Appeal rejected", by=operator_balikpapan)
    assert not listed(cert.issuer, "suspension", cert.status_index)


def test_status_lists_are_per_issuer(certs, completed_batch, operator_balikpapan):
    training = services.issue_training(completed_batch.enrolments.order_by("pk").first())
    assert training.status_index == 0 == certs[0].status_index and training.issuer != certs[0].issuer
    services.revoke(training, reason="Wrong batch", by=operator_balikpapan)
    assert listed(training.issuer, "revocation", 0)
    assert not listed(certs[0].issuer, "revocation", 0)


def test_unknown_purpose_is_refused(certs):
    with pytest.raises(ValueError):
        statuslists.encoded_list(certs[0].issuer, "expiry")


def test_status_list_valid_from_is_now(certs):
    moment = datetime.datetime(2025, 9, 1, 3, 4, 5, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        document = statuslists.credential(certs[0].issuer, "suspension")
    assert document["validFrom"] == "2025-09-01T03:04:05Z" == document["proof"][0]["created"]
