"""Issuer keys with the database: rotation, compromise, where the private halves live, the published JWK set."""

import datetime
import io
import os
import stat

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management import call_command

from kompeten.certificates import keys, keystore, services, verification
from kompeten.certificates.models import KeyPurpose, KeyStatus, SigningKey
from kompeten.certificates.tests.helpers import approve_all, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(candidates, assessor, lsp_admin):
    return approve_all(candidates, assessor, lsp_admin)


def status(cert, **kwargs):
    return verification.verify_code(cert.public_code, **kwargs)["status"]


def test_rotation_keeps_old_certificates_valid_and_new_ones_use_the_new_key(approved):
    with time_machine.travel(at(2025, 5, 1), tick=True):
        old = services.issue_competency(approved[0])
    issuer = old.issuer
    with time_machine.travel(at(2025, 6, 1), tick=True):
        new_key = keystore.rotate(issuer)
        new = services.issue_competency(approved[1])
    old_key = SigningKey.objects.get(pk=old.key_id)
    assert old_key.status == KeyStatus.RETIRED and old_key.not_after is not None
    assert new.key == new_key != old_key and new_key.status == KeyStatus.ACTIVE
    assert SigningKey.objects.filter(issuer=issuer, status=KeyStatus.ACTIVE).count() == 1
    assert status(old, today=datetime.date(2025, 7, 1)) == "valid"
    assert status(new, today=datetime.date(2025, 7, 1)) == "valid"
    assert verification.verify_qr(services.qr_text(old), today=datetime.date(2025, 7, 1))["status"] == "valid"
    # A second rotation: both earlier keys keep verifying what they signed.
    with time_machine.travel(at(2025, 8, 1), tick=True):
        keystore.rotate(issuer)
        third = services.issue_competency(approved[2])
    assert [status(c, today=datetime.date(2025, 9, 1)) for c in (old, new, third)] == ["valid"] * 3
    assert len({old.key_id, new.key_id, third.key_id}) == 3


def test_a_compromised_key_invalidates_what_it_signed_from_then_on(approved):
    with time_machine.travel(at(2025, 5, 1, 9), tick=True):
        before = services.issue_competency(approved[0])
    with time_machine.travel(at(2025, 5, 1, 11), tick=True):
        after = services.issue_competency(approved[1])
    assert before.key == after.key
    with time_machine.travel(at(2025, 5, 2), tick=True):
        keystore.mark_compromised(before.key, since=at(2025, 5, 1, 10))
        replacement = services.issue_competency(approved[2])  # a new active key is made on first use
    assert status(before, today=datetime.date(2025, 6, 1)) == "valid"
    assert verification.verify_qr(services.qr_text(before), today=datetime.date(2025, 6, 1))["status"] == "valid"
    assert status(after, today=datetime.date(2025, 6, 1)) == "invalid"
    assert verification.verify_qr(services.qr_text(after))["status"] == "invalid"
    assert replacement.key != before.key and status(replacement, today=datetime.date(2025, 6, 1)) == "valid"
    entry = next(e for e in keystore.jwks()["keys"] if e["kid"] == before.key.kid)
    assert entry["status"] == "compromised" and entry["compromised_at"] == int(at(2025, 5, 1, 10).timestamp())


def test_private_keys_are_files_0600_and_never_in_the_database(approved):
    cert = services.issue_competency(approved[0])
    ledger_head_key = keystore.active_key(None, purpose=KeyPurpose.LEDGER)
    for key in (cert.key, ledger_head_key):
        path = keys.key_path(settings.KOMPETEN_KEY_DIR, keys.b64url_decode(key.kid))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(settings.KOMPETEN_KEY_DIR).st_mode) == 0o700
        private = keystore.private_key(key)
        seed = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                     serialization.NoEncryption())
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        body = "".join(pem.splitlines()[1:-1])
        dump = io.StringIO()
        call_command("dumpdata", "certificates", "audit", stdout=dump)
        for secret in (keys.b64url(seed), seed.hex(), body, body[:40]):
            assert secret not in dump.getvalue()
        assert keys.b64url(keys.raw_public_key(private.public_key())) == key.public_key
    assert not {f.name for f in SigningKey._meta.get_fields()} & {"private_key", "secret", "seed", "d"}


def test_a_private_key_file_opened_to_others_is_refused(approved):
    cert = services.issue_competency(approved[0])
    path = keys.key_path(settings.KOMPETEN_KEY_DIR, keys.b64url_decode(cert.key.kid))
    os.chmod(path, 0o644)
    try:
        with pytest.raises(keys.KeyFileError):
            keystore.private_key(cert.key)
    finally:
        os.chmod(path, 0o600)


def test_keys_json(approved):
    with time_machine.travel(at(2025, 5, 1), tick=True):
        cert = services.issue_competency(approved[0])
    with time_machine.travel(at(2025, 6, 1), tick=True):
        keystore.rotate(cert.issuer)
    published = keystore.jwks()
    assert set(published) == {"keys"}
    certificate_keys = [e for e in published["keys"] if "use" not in e]
    assert len(certificate_keys) == 2
    retired, active = certificate_keys
    for entry in certificate_keys:
        assert entry["kty"] == "OKP" and entry["crv"] == "Ed25519"
        assert len(keys.b64url_decode(entry["x"])) == 32 and len(keys.b64url_decode(entry["kid"])) == 8
        assert entry["iss"] == cert.issuer.iss
        assert isinstance(entry["nbf"], int)
        assert "d" not in entry  # never the private part
    assert retired["kid"] == cert.key.kid and retired["status"] == "retired"
    assert retired["exp"] == int(at(2025, 6, 1).timestamp()) and retired["nbf"] <= int(at(2025, 5, 1).timestamp())
    assert active["status"] == "active" and "exp" not in active
    # What an offline verifier builds from it verifies the certificate.
    assert keys.Keyring.from_jwks(published) is not None
    from kompeten.certificates import codec

    result = codec.verify(cert.qr_digits, keys.Keyring.from_jwks({"keys": certificate_keys}))
    assert result.ok and result.claims.number == cert.number
