"""Issuer signing keys: Ed25519 key files, key ids, the public JWK set and the verifier's keyring.

Pure: imports nothing from Django.

Key id (``kid``): the first 8 bytes of SHA-256 over the raw 32-byte Ed25519 public key. It goes in
the protected header of every signed QR payload and, base64url-encoded, names the key's PEM file
and its entry in the public JWK set (``/.well-known/kompeten/keys.json``).

Private keys are PKCS#8 PEM files, unencrypted, one per key, ``<directory>/<b64url(kid)>.pem``; the
directory is created ``0o700`` and each file ``0o600`` from the start (never readable by others,
not even for a moment). A key file that group or others can access is refused when loaded.

Which signatures a key vouches for (:meth:`KeyInfo.check`), by the ``iat`` the signed payload
claims:

- ``nbf <= iat`` and, when the key has an ``exp``, ``iat <= exp``: otherwise
  ``"key_not_valid_at_issue"``. A *retired* key (no longer used to sign) keeps verifying what it
  signed inside its window.
- a *compromised* key verifies nothing signed at or after ``compromised_at`` (``"key_compromised"``);
  without a ``compromised_at`` it verifies nothing at all. What it signed before stays valid: a
  holder's certificate does not die with the key, but whoever holds the stolen key can backdate
  ``iat``, so set ``compromised_at`` to the earliest moment the key may have leaked and re-issue
  what was signed after that.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KID_BYTES = 8
STATUSES = ("active", "retired", "compromised")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class KeyFileError(Exception):
    """A private key file is missing, unreadable, too open or does not hold the expected key."""


class KeyringError(ValueError):
    """A JWK set or key entry is malformed."""


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_for(public_key: Ed25519PublicKey) -> bytes:
    """The key id: first 8 bytes of SHA-256 over the raw public key."""
    return hashlib.sha256(raw_public_key(public_key)).digest()[:KID_BYTES]


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url`; raises ValueError on anything that is not unpadded base64url."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError(f"not unpadded base64url: {text!r}")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not unpadded base64url: {text!r}") from exc


def key_path(directory: Path, kid: bytes) -> Path:
    return Path(directory) / f"{b64url(kid)}.pem"


def save_private_key(directory: Path, kid: bytes, key: Ed25519PrivateKey) -> Path:
    """Write ``key`` as unencrypted PKCS#8 PEM to ``directory/<b64url kid>.pem``, mode 0o600.

    The directory is created with mode 0o700 if it does not exist. An existing file is never
    overwritten (KeyFileError)."""
    if kid != kid_for(key.public_key()):
        raise KeyFileError(f"kid {b64url(kid)} is not the kid of this key ({b64url(kid_for(key.public_key()))})")
    directory = Path(directory)
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask; make it exact
    path = key_path(directory, kid)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError as exc:
        raise KeyFileError(f"private key file {path} already exists; refusing to overwrite it") from exc
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is filtered by the umask too; 0o600 is the most we allow
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def load_private_key(directory: Path, kid: bytes) -> Ed25519PrivateKey:
    """Read the key saved by :func:`save_private_key`.

    Raises KeyFileError when the file is missing, accessible by group or others, not an Ed25519
    PKCS#8 PEM, or holds a key whose kid is not ``kid``."""
    path = key_path(directory, kid)
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise KeyFileError(f"no private key file for kid {b64url(kid)}: {path} does not exist") from exc
    if not stat.S_ISREG(st.st_mode):
        raise KeyFileError(f"private key {path} is not a regular file")
    if st.st_mode & 0o077:
        raise KeyFileError(f"private key {path} is accessible by group or others "
                           f"(mode {stat.S_IMODE(st.st_mode):#o}); run: chmod 600 {path}")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"private key {path} is not an unencrypted PKCS#8 PEM key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"private key {path} is not an Ed25519 key")
    if kid_for(key.public_key()) != kid:
        raise KeyFileError(f"private key {path} does not match its kid {b64url(kid)}")
    return key


def public_jwk(public_key: Ed25519PublicKey, kid: bytes, *, iss: str, nbf: int, exp: int | None, status: str,
               compromised_at: int | None = None) -> dict:
    """The public JWK (RFC 8037 OKP) with Kompeten's validity members, for the JWK set."""
    _check_key_fields(kid, iss, nbf, exp, status, compromised_at)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw_public_key(public_key)), "kid": b64url(kid),
           "iss": iss, "nbf": nbf}
    if exp is not None:
        jwk["exp"] = exp
    jwk["status"] = status
    if compromised_at is not None:
        jwk["compromised_at"] = compromised_at
    return jwk


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_key_fields(kid, iss, nbf, exp, status, compromised_at) -> None:
    if not isinstance(kid, bytes) or len(kid) != KID_BYTES:
        raise KeyringError(f"kid must be {KID_BYTES} bytes")
    if not isinstance(iss, str) or not iss:
        raise KeyringError("iss must be a non-empty string")
    if not _is_int(nbf):
        raise KeyringError("nbf must be an integer (seconds since the epoch)")
    if exp is not None and (not _is_int(exp) or exp < nbf):
        raise KeyringError("exp must be an integer not before nbf")
    if status not in STATUSES:
        raise KeyringError(f"status must be one of {', '.join(STATUSES)}")
    if compromised_at is not None and not _is_int(compromised_at):
        raise KeyringError("compromised_at must be an integer")
    if compromised_at is not None and status != "compromised":
        raise KeyringError("compromised_at is only for a compromised key")


@dataclass(frozen=True)
class KeyInfo:
    kid: bytes
    public_key: Ed25519PublicKey
    iss: str
    nbf: int
    exp: int | None
    status: str
    compromised_at: int | None = None

    def check(self, iat: int) -> str | None:
        """None when this key vouches for a signature made at ``iat``, else the reason code."""
        if self.status == "compromised" and (self.compromised_at is None or iat >= self.compromised_at):
            return "key_compromised"
        if iat < self.nbf or (self.exp is not None and iat > self.exp):
            return "key_not_valid_at_issue"
        return None

    def to_jwk(self) -> dict:
        return public_jwk(self.public_key, self.kid, iss=self.iss, nbf=self.nbf, exp=self.exp, status=self.status,
                          compromised_at=self.compromised_at)


class Keyring:
    """The public keys a verifier trusts, by kid."""

    def __init__(self) -> None:
        self._keys: dict[bytes, KeyInfo] = {}

    def add(self, kid: bytes, public_key: Ed25519PublicKey, iss: str, nbf: int, exp: int | None = None,
            status: str = "active", compromised_at: int | None = None) -> KeyInfo:
        _check_key_fields(kid, iss, nbf, exp, status, compromised_at)
        if not isinstance(public_key, Ed25519PublicKey):
            raise KeyringError("public_key must be an Ed25519 public key")
        if kid_for(public_key) != kid:
            raise KeyringError(f"kid {b64url(kid)} is not the kid of its public key")
        if kid in self._keys:
            raise KeyringError(f"duplicate kid {b64url(kid)}")
        info = KeyInfo(kid, public_key, iss, nbf, exp, status, compromised_at)
        self._keys[kid] = info
        return info

    def lookup(self, kid: bytes) -> KeyInfo | None:
        return self._keys.get(kid)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[KeyInfo]:
        return iter(self._keys.values())

    @classmethod
    def from_jwks(cls, jwks: Mapping) -> Keyring:
        """Build from a JWK set ``{"keys": [...]}`` as made by :meth:`to_jwks`/:func:`public_jwk`.

        Raises KeyringError (a ValueError) naming the first bad entry."""
        if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
            raise KeyringError('a JWK set is an object with a "keys" list')
        ring = cls()
        for position, jwk in enumerate(jwks["keys"]):
            try:
                if not isinstance(jwk, Mapping):
                    raise KeyringError("not an object")
                if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                    raise KeyringError('only {"kty": "OKP", "crv": "Ed25519"} keys are supported')
                try:
                    raw = b64url_decode(jwk.get("x"))
                    kid = b64url_decode(jwk.get("kid"))
                except ValueError as exc:
                    raise KeyringError(f"bad base64url: {exc}") from exc
                if len(raw) != 32:
                    raise KeyringError("x must be 32 bytes")
                ring.add(kid, Ed25519PublicKey.from_public_bytes(raw), jwk.get("iss"), jwk.get("nbf"),
                         jwk.get("exp"), jwk.get("status"), jwk.get("compromised_at"))
            except KeyringError as exc:
                raise KeyringError(f"keys[{position}]: {exc}") from exc
        return ring

    def to_jwks(self) -> dict:
        return {"keys": [info.to_jwk() for info in self]}
