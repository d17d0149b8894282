"""Issuer keys: key ids, key files and their permissions, the JWK set, and which signatures a key
vouches for (retired and compromised keys) as codec.verify applies it. No database."""

import hashlib
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from kompeten.certificates import codec, keys
from kompeten.certificates.keys import KeyFileError, Keyring, KeyringError
from kompeten.certificates.tests.test_codec import ISS, make_claims

T2024 = 1704067200  # 2024-01-01T00:00:00Z
T2025 = 1735689600  # 2025-01-01T00:00:00Z
T2026 = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400


@pytest.fixture
def key():
    return keys.generate_private_key()


def kid_of(key):
    return keys.kid_for(key.public_key())


def signed(key, iat, iss=ISS):
    return codec.to_digits(codec.sign(make_claims(iat=iat, iss=iss), key, kid_of(key)))


# --- kid and base64url ---------------------------------------------------------------------------

def test_kid_is_the_first_8_bytes_of_sha256_of_the_raw_public_key(key):
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(raw) == 32
    assert keys.kid_for(key.public_key()) == hashlib.sha256(raw).digest()[:8]


@pytest.mark.parametrize("data", [b"", b"\xff", b"\xfb\xff", b"\x00\x01\x02", bytes(range(256))])
def test_b64url_round_trip_without_padding(data):
    text = keys.b64url(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert keys.b64url_decode(text) == data


@pytest.mark.parametrize("text", ["a+b/", "AA==", "A", "AB C", "ÅB", None, "AAAAA"])
def test_b64url_decode_rejects_anything_else(text):
    with pytest.raises(ValueError):
        keys.b64url_decode(text)


# --- key files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_saved_key_is_0600_in_a_0700_directory_whatever_the_umask(tmp_path, key, umask):
    directory = tmp_path / "keys" / "lsp"
    old = os.umask(umask)
    try:
        path = keys.save_private_key(directory, kid_of(key), key)
    finally:
        os.umask(old)
    assert path == directory / f"{keys.b64url(kid_of(key))}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted


def test_load_returns_the_saved_key(tmp_path, key):
    keys.save_private_key(tmp_path, kid_of(key), key)
    loaded = keys.load_private_key(tmp_path, kid_of(key))
    message = b"sertifikat"
    key.public_key().verify(loaded.sign(message), message)


def test_save_never_overwrites_a_key(tmp_path, key):
    keys.save_private_key(tmp_path, kid_of(key), key)
    with pytest.raises(KeyFileError, match="already exists"):
        keys.save_private_key(tmp_path, kid_of(key), key)


def test_save_refuses_a_kid_that_is_not_the_keys(tmp_path, key):
    with pytest.raises(KeyFileError, match="not the kid"):
        keys.save_private_key(tmp_path, b"\0" * 8, key)


def test_load_missing_key_says_which(tmp_path, key):
    with pytest.raises(KeyFileError, match=f"no private key file for kid {keys.b64url(kid_of(key))}"):
        keys.load_private_key(tmp_path, kid_of(key))


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o620, 0o660])
def test_load_refuses_a_key_file_others_can_access(tmp_path, key, mode):
    path = keys.save_private_key(tmp_path, kid_of(key), key)
    path.chmod(mode)
    with pytest.raises(KeyFileError, match="accessible by group or others.*chmod 600"):
        keys.load_private_key(tmp_path, kid_of(key))


def test_load_refuses_a_file_whose_key_does_not_match_its_kid(tmp_path, key):
    other = keys.generate_private_key()
    path = keys.save_private_key(tmp_path, kid_of(other), other)
    path.rename(keys.key_path(tmp_path, kid_of(key)))
    with pytest.raises(KeyFileError, match="does not match its kid"):
        keys.load_private_key(tmp_path, kid_of(key))


def test_load_refuses_a_file_that_is_not_a_key(tmp_path, key):
    path = keys.key_path(tmp_path, kid_of(key))
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.write(fd, b"not a key")
    os.close(fd)
    with pytest.raises(KeyFileError, match="not an unencrypted PKCS#8 PEM"):
        keys.load_private_key(tmp_path, kid_of(key))


# --- JWK and keyring -----------------------------------------------------------------------------

def test_public_jwk_members(key):
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = keys.public_jwk(key.public_key(), kid_of(key), iss=ISS, nbf=T2024, exp=None, status="active")
    assert jwk == {"kty": "OKP", "crv": "Ed25519", "x": keys.b64url(raw), "kid": keys.b64url(kid_of(key)),
                   "iss": ISS, "nbf": T2024, "status": "active"}
    jwk = keys.public_jwk(key.public_key(), kid_of(key), iss=ISS, nbf=T2024, exp=T2026, status="compromised",
                          compromised_at=T2025)
    assert jwk["exp"] == T2026 and jwk["status"] == "compromised" and jwk["compromised_at"] == T2025


def test_keyring_from_jwks_round_trips_through_json(key):
    retired = keys.generate_private_key()
    ring = Keyring()
    ring.add(kid_of(key), key.public_key(), ISS, T2025)
    ring.add(kid_of(retired), retired.public_key(), ISS, T2024, T2025, "retired")
    again = Keyring.from_jwks(json.loads(json.dumps(ring.to_jwks())))
    assert len(again) == 2
    info = again.lookup(kid_of(retired))
    assert (info.iss, info.nbf, info.exp, info.status) == (ISS, T2024, T2025, "retired")
    assert info.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == \
        retired.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert again.lookup(b"\0" * 8) is None


def _jwk(key, **changes):
    jwk = keys.public_jwk(key.public_key(), kid_of(key), iss=ISS, nbf=T2024, exp=None, status="active")
    jwk.update(changes)
    return {key: value for key, value in jwk.items() if value is not None}


@pytest.mark.parametrize("changes, message", [
    ({"kty": "EC"}, "only"),
    ({"crv": "Ed448"}, "only"),
    ({"x": "AAAA"}, "32 bytes"),
    ({"x": "not base64!"}, "base64url"),
    ({"kid": "AAAAAAAAAAA"}, "not the kid"),
    ({"kid": "AAAA"}, "8 bytes"),
    ({"status": "revoked"}, "status"),
    ({"nbf": "2024"}, "nbf"),
    ({"exp": 1}, "exp"),
    ({"iss": ""}, "iss"),
    ({"compromised_at": T2025}, "compromised_at"),
])
def test_keyring_from_jwks_rejects_bad_entries(key, changes, message):
    with pytest.raises(KeyringError, match=message):
        Keyring.from_jwks({"keys": [_jwk(key, **changes)]})


def test_keyring_rejects_duplicates_and_non_sets(key):
    with pytest.raises(KeyringError, match="duplicate"):
        Keyring.from_jwks({"keys": [_jwk(key), _jwk(key)]})
    with pytest.raises(KeyringError, match="keys"):
        Keyring.from_jwks([_jwk(key)])


# --- which signatures a key vouches for ----------------------------------------------------------

def ring_with(key, **fields):
    ring = Keyring()
    ring.add(kid_of(key), key.public_key(), fields.pop("iss", ISS), **fields)
    return ring


def test_active_key_verifies(key):
    result = codec.verify(signed(key, T2025), ring_with(key, nbf=T2024))
    assert (result.ok, result.reason, result.kid) == (True, "valid", kid_of(key))


def test_retired_key_still_verifies_what_it_signed_in_its_window(key):
    ring = ring_with(key, nbf=T2024, exp=T2025, status="retired")
    for iat in (T2024, T2024 + 100 * DAY, T2025):
        assert codec.verify(signed(key, iat), ring).reason == "valid"


@pytest.mark.parametrize("iat", [T2024 - 1, T2025 + 1, T2026])
def test_key_does_not_vouch_outside_its_window(key, iat):
    result = codec.verify(signed(key, iat), ring_with(key, nbf=T2024, exp=T2025, status="retired"))
    assert (result.ok, result.reason, result.claims) == (False, "key_not_valid_at_issue", None)


def test_compromised_key_rejects_what_was_signed_at_or_after_compromise(key):
    ring = ring_with(key, nbf=T2024, exp=None, status="compromised", compromised_at=T2025)
    assert codec.verify(signed(key, T2025 - 1), ring).reason == "valid"
    for iat in (T2025, T2025 + 1, T2026):
        result = codec.verify(signed(key, iat), ring)
        assert (result.ok, result.reason, result.claims) == (False, "key_compromised", None)


def test_compromised_key_without_a_time_verifies_nothing(key):
    ring = ring_with(key, nbf=T2024, exp=None, status="compromised")
    assert codec.verify(signed(key, T2024 + DAY), ring).reason == "key_compromised"


def test_unknown_kid(key):
    other = keys.generate_private_key()
    result = codec.verify(signed(key, T2025), ring_with(other, nbf=T2024))
    assert (result.ok, result.reason, result.kid, result.claims) == (False, "unknown_key", kid_of(key), None)


def test_a_key_vouches_only_for_its_own_issuer(key):
    result = codec.verify(signed(key, T2025, iss="lsp-lain"), ring_with(key, nbf=T2024))
    assert (result.ok, result.reason) == (False, "issuer_mismatch")


def test_verify_with_a_keyring_loaded_from_the_published_jwks(key):
    jwks = json.dumps(ring_with(key, nbf=T2024).to_jwks())
    assert codec.verify(signed(key, T2025), Keyring.from_jwks(json.loads(jwks))).ok
