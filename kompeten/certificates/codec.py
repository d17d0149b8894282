"""The certificate QR payload: a signed CWT in a COSE_Sign1, carried as decimal digits after a URL.

Pure: imports nothing from Django.

QR text::

    {BASE_URL}/v#{DIGITS}

The URL part (``{BASE_URL}/v#``) is a byte-mode QR segment and the digits a numeric-mode segment
(3.33 bits a digit, so the binary payload costs 8.02 bits a byte). A phone camera opens the public
verification page; the fragment never reaches the server, the page's script (or an offline
verifier, or the ``kompeten certificates verify`` command) reads the digits.

``DIGITS`` = the decimal string of ``int.from_bytes(b"\\x01" + zlib.compress(COSE, 9), "big")``.
The leading ``0x01`` is the format version (and keeps leading zero bytes). ``COSE`` is a tagged
COSE_Sign1 (RFC 9052, CBOR tag 18) with, in the *protected* header, ``alg`` EdDSA (-8) and ``kid``
(8 bytes, see :mod:`kompeten.certificates.keys`); the unprotected header is empty and the payload is
a CWT claims set (RFC 8392):

======== ===== ===================================================================================
claim    type  value
======== ===== ===================================================================================
1 iss    text  the issuer's id (must equal the ``iss`` of the signing key in the keyring)
6 iat    uint  signing time, seconds since the epoch (checked against the key's nbf/exp window)
4 exp    uint  only when the competence expires: 00:00:00 UTC of the day after ``valid_until``
-65537   map   what is printed on the certificate, below (a private claim)
======== ===== ===================================================================================

The printed-fields map (small integer keys; an absent value is omitted, never null; unknown keys
are ignored by this verifier so that later versions can add fields):

==== ================== ===== =========================================================================
key  field              type  value
==== ================== ===== =========================================================================
1    number             text  certificate number as printed
2    kind               uint  1 training, 2 competency, 3 apprenticeship
3    holder_name        text  holder's name as printed
4    holder_birth_date  uint  days since 1970-01-01 (absent when not printed)
5    scheme_code        text  certification scheme code (absent for a training certificate)
6    title              text  scheme title, or the training programme title
7    units              array unit codes only, e.g. ``"J.620100.004.02"`` (absent when none)
8    kkni_level         uint  KKNI level (absent when none)
9    issuer_name        text  issuer's name (the LSP, or the training centre for a training certificate)
10   centre_name        text  training centre / assessment venue name (absent when none)
11   holder_id          bytes 8 random bytes identifying the holder across certificates (never a NIK)
12   issued_on          uint  date of issue, days since 1970-01-01
13   public_code        text  the short look-up code (optional; Kompeten leaves it out to save space)
15   status_index       uint  the certificate's index in its issuer's status lists (absent when none)
==== ================== ===== =========================================================================

The competence's last valid day is not repeated in the map: it is the day before ``exp`` (UTC).
Dates are day numbers and the kind a small integer because every byte counts: a competency
certificate with six units fits QR version 17 at level Q.

No NIK, ever: the QR can be read by anyone who sees the paper.

:func:`verify` never raises; it answers with one of the stable reason codes in :data:`REASONS`:

- ``valid``: signed by a key of the keyring that vouches for ``iat`` and belongs to ``iss``;
- ``malformed``: not our QR text, bad digits or zlib, not an EdDSA COSE_Sign1 with a protected
  kid, or (under a valid signature) claims that are missing or mistyped;
- ``unknown_key``: the kid is not in the keyring;
- ``bad_signature``: the signature does not verify with the key of that kid;
- ``key_not_valid_at_issue``: ``iat`` is outside the key's nbf/exp window;
- ``key_compromised``: ``iat`` is at or after the key's ``compromised_at``;
- ``issuer_mismatch``: ``iss`` is not the issuer the key belongs to.

A competence past ``exp`` still verifies (``ok`` True, ``competence_expired`` True): expiry is not a
signature failure. Revocation is not in the QR; it is checked online (status list).

Size. The Ed25519 signature and the kid are 72 bytes that do not compress, and names compress poorly
in short texts; so dates are day numbers, the kind a small integer, the public code left out and the
last valid day carried only by ``exp``. A typical competency certificate (six units, usual names, an
issuer code as ``iss``) takes about 775 digits: QR version 17 at error correction level Q (85 x 85
modules), as does any training certificate; ten units take version 18. A worst case (10 units,
40-character names, an 80-character title, a URL as ``iss``) takes version 22. :func:`make_qr`
refuses anything above :data:`MAX_QR_VERSION` (25). Keep ``iss`` short: it is in every QR.
Revocation is not in the QR: it is checked online, or offline with the issuer's status list at
``status_index``.
"""

from __future__ import annotations

import datetime
import functools
import re
import time
import zlib
from dataclasses import asdict, dataclass

import cbor2
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from kompeten.certificates.keys import KID_BYTES, Keyring, b64url, raw_public_key

# CWT claim keys (RFC 8392) and our private claim.
CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_CERTIFICATE = -65537

# Keys of the printed-fields map (see the module docstring).
NUMBER = 1
KIND = 2
HOLDER_NAME = 3
HOLDER_BIRTH_DATE = 4
SCHEME_CODE = 5
TITLE = 6
UNITS = 7
KKNI_LEVEL = 8
ISSUER_NAME = 9
CENTRE_NAME = 10
HOLDER_ID = 11
ISSUED_ON = 12
PUBLIC_CODE = 13
STATUS_INDEX = 15

KINDS = ("training", "competency", "apprenticeship")
HOLDER_ID_BYTES = 8

# COSE (RFC 9052 / RFC 9053).
COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_CRIT = 2
HEADER_KID = 4
ALG_EDDSA = -8

FORMAT_VERSION = 1
MAX_DIGITS = 4000  # below Python's 4,300-digit int/str conversion limit
MAX_COSE_BYTES = 4096  # inflate no further than this (zip bombs)
MAX_QR_VERSION = 25  # see "Size" in the module docstring
QR_ERROR = "q"
VERIFY_PATH = "/v#"

REASONS = ("valid", "malformed", "unknown_key", "bad_signature", "key_not_valid_at_issue", "key_compromised",
           "issuer_mismatch")

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[1-9][0-9]*")
_BASE_URL = re.compile(r"https?://[^\s/?#]+(?:/[^\s?#]*)?", re.IGNORECASE)
_EPOCH_ORDINAL = 719163  # datetime.date(1970, 1, 1).toordinal()


class CodecError(ValueError):
    """The QR text, digits or payload are malformed, or a QR code would be too large."""


@dataclass(frozen=True, slots=True)
class CertificateClaims:
    number: str
    kind: str
    holder_name: str
    holder_birth_date: str | None
    title: str
    scheme_code: str | None
    units: tuple[str, ...]
    kkni_level: int | None
    issuer_name: str
    centre_name: str | None
    holder_id: bytes
    issued_on: str
    public_code: str | None
    valid_until: str | None
    iss: str
    iat: int
    status_index: int | None = None

    def to_dict(self) -> dict:
        """JSON-ready: ``holder_id`` as unpadded base64url, ``units`` as a list."""
        data = asdict(self)
        data["holder_id"] = b64url(self.holder_id)
        data["units"] = list(self.units)
        return data

    @property
    def exp(self) -> int | None:
        """The CWT ``exp``: 00:00:00 UTC of the day after ``valid_until``, or None."""
        return None if self.valid_until is None else _day_after_utc(self.valid_until)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    reason: str
    kid: bytes | None = None
    claims: CertificateClaims | None = None
    competence_expired: bool = False


# --- the claims set ------------------------------------------------------------------------------

def _day_after_utc(iso: str) -> int:
    return (datetime.date.fromisoformat(iso).toordinal() - _EPOCH_ORDINAL + 1) * 86400


def _is_iso_date(value) -> bool:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value, name: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise CodecError(f"{name} must be a non-empty string{' or absent' if optional else ''}")
    return value


def _date(value, name: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not _is_iso_date(value):
        raise CodecError(f"{name} must be an ISO date YYYY-MM-DD{' or absent' if optional else ''}")
    return value


def _day_number(iso: str | None) -> int | None:
    """Days since 1970-01-01 (negative before it: people born in the 1960s hold certificates too)."""
    return None if iso is None else datetime.date.fromisoformat(iso).toordinal() - _EPOCH_ORDINAL


def _iso(day_number: int) -> str:
    return datetime.date.fromordinal(day_number + _EPOCH_ORDINAL).isoformat()


def _day(value, name: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not _is_int(value) or not -_EPOCH_ORDINAL < value < 2932897:  # 0001-01-01 .. 9999-12-31
        raise CodecError(f"{name} must be a day number{' or absent' if optional else ''}")
    return _iso(value)


def _claims_from_cwt(cwt) -> CertificateClaims:
    """The claims from a decoded CWT claims set; CodecError if anything is missing or mistyped."""
    if not isinstance(cwt, dict):
        raise CodecError("the payload is not a CWT claims map")
    cert = cwt.get(CLAIM_CERTIFICATE)
    if not isinstance(cert, dict):
        raise CodecError("the certificate claim is missing")
    iat = cwt.get(CLAIM_IAT)
    if not _is_int(iat) or iat < 0:
        raise CodecError("iat must be a non-negative integer")
    kind_number = cert.get(KIND)
    if not _is_int(kind_number) or not 1 <= kind_number <= len(KINDS):
        raise CodecError("kind must be 1 (training), 2 (competency) or 3 (apprenticeship)")
    kind = KINDS[kind_number - 1]
    status_index = cert.get(STATUS_INDEX)
    if status_index is not None and (not _is_int(status_index) or status_index < 0):
        raise CodecError("status_index must be a non-negative integer or absent")
    exp = cwt.get(CLAIM_EXP)
    if exp is not None and (not _is_int(exp) or exp % 86400):
        raise CodecError("exp must be 00:00 UTC of a day")
    units = cert.get(UNITS, [])
    if not isinstance(units, list) or (not units and UNITS in cert):
        raise CodecError("units must be a non-empty list or absent")
    for unit in units:
        _text(unit, "unit code")
    kkni = cert.get(KKNI_LEVEL)
    if kkni is not None and (not _is_int(kkni) or kkni < 0):
        raise CodecError("kkni_level must be a non-negative integer or absent")
    holder_id = cert.get(HOLDER_ID)
    if not isinstance(holder_id, bytes) or len(holder_id) != HOLDER_ID_BYTES:
        raise CodecError(f"holder_id must be {HOLDER_ID_BYTES} bytes")
    claims = CertificateClaims(
        number=_text(cert.get(NUMBER), "number"),
        kind=kind,
        holder_name=_text(cert.get(HOLDER_NAME), "holder_name"),
        holder_birth_date=_day(cert.get(HOLDER_BIRTH_DATE), "holder_birth_date", optional=True),
        title=_text(cert.get(TITLE), "title"),
        scheme_code=_text(cert.get(SCHEME_CODE), "scheme_code", optional=True),
        units=tuple(units),
        kkni_level=kkni,
        issuer_name=_text(cert.get(ISSUER_NAME), "issuer_name"),
        centre_name=_text(cert.get(CENTRE_NAME), "centre_name", optional=True),
        holder_id=holder_id,
        issued_on=_day(cert.get(ISSUED_ON), "issued_on"),
        public_code=_text(cert.get(PUBLIC_CODE), "public_code", optional=True),
        valid_until=None if exp is None else _iso(exp // 86400 - 1),
        iss=_text(cwt.get(CLAIM_ISS), "iss"),
        iat=iat,
        status_index=status_index,
    )
    return claims


def _cwt_from_claims(claims: CertificateClaims) -> dict:
    cert = {
        NUMBER: claims.number,
        KIND: KINDS.index(claims.kind) + 1 if claims.kind in KINDS else claims.kind,
        HOLDER_NAME: claims.holder_name,
        HOLDER_BIRTH_DATE: _day_number(claims.holder_birth_date),
        SCHEME_CODE: claims.scheme_code,
        TITLE: claims.title,
        UNITS: list(claims.units) or None,
        KKNI_LEVEL: claims.kkni_level,
        ISSUER_NAME: claims.issuer_name,
        CENTRE_NAME: claims.centre_name,
        HOLDER_ID: claims.holder_id,
        ISSUED_ON: _day_number(claims.issued_on),
        PUBLIC_CODE: claims.public_code,
        STATUS_INDEX: claims.status_index,
    }
    cwt = {CLAIM_ISS: claims.iss, CLAIM_IAT: claims.iat}
    if claims.valid_until is not None:
        cwt[CLAIM_EXP] = claims.exp
    cwt[CLAIM_CERTIFICATE] = {key: value for key, value in cert.items() if value is not None}
    return cwt


def encode_claims(claims: CertificateClaims) -> bytes:
    """The CWT claims set as deterministic CBOR. Raises CodecError if a field is invalid."""
    if not isinstance(claims, CertificateClaims):
        raise CodecError("claims must be a CertificateClaims")
    if not isinstance(claims.units, tuple):
        raise CodecError("units must be a tuple of unit codes")
    if claims.valid_until is not None and not _is_iso_date(claims.valid_until):
        raise CodecError("valid_until must be an ISO date YYYY-MM-DD or absent")
    try:
        payload = cbor2.dumps(_cwt_from_claims(claims), canonical=True)
    except (cbor2.CBOREncodeError, UnicodeError, TypeError, ValueError) as exc:
        raise CodecError(f"cannot encode the claims: {exc}") from exc
    if _claims_from_cwt(cbor2.loads(payload)) != claims:  # also validates every field
        raise CodecError("the claims do not survive encoding")
    return payload


# --- COSE_Sign1 ----------------------------------------------------------------------------------

def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign(claims: CertificateClaims, private_key: Ed25519PrivateKey, kid: bytes) -> bytes:
    """The tagged COSE_Sign1 (EdDSA, ``kid`` protected) over the claims. Raises CodecError on bad claims."""
    # pycose is the reference implementation here; imported on first use so that a verify-only
    # process (the public page, the CLI) does not pay its ~0.1 s import.
    from pycose.algorithms import EdDSA
    from pycose.headers import KID, Algorithm
    from pycose.keys import OKPKey
    from pycose.keys.curves import Ed25519
    from pycose.messages import Sign1Message

    if not isinstance(kid, bytes) or len(kid) != KID_BYTES:
        raise CodecError(f"kid must be {KID_BYTES} bytes")
    payload = encode_claims(claims)
    seed = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                     serialization.NoEncryption())
    message = Sign1Message(phdr={Algorithm: EdDSA, KID: kid}, payload=payload)
    message.key = OKPKey(crv=Ed25519, d=seed)
    return message.encode(tag=True)


def _parse_sign1(cose: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """(kid, protected, payload, signature) of a tagged EdDSA COSE_Sign1; CodecError otherwise."""
    outer = cbor2.loads(cose)
    if not isinstance(outer, cbor2.CBORTag) or outer.tag != COSE_SIGN1_TAG:
        raise CodecError("not a tagged COSE_Sign1")
    value = outer.value
    if not isinstance(value, list) or len(value) != 4:
        raise CodecError("a COSE_Sign1 is an array of 4")
    protected, unprotected, payload, signature = value
    if not isinstance(protected, bytes) or not isinstance(unprotected, dict) or not isinstance(payload, bytes) \
            or not isinstance(signature, bytes) or len(signature) != 64:
        raise CodecError("malformed COSE_Sign1 fields")
    header = cbor2.loads(protected) if protected else {}
    if not isinstance(header, dict) or header.get(HEADER_ALG) != ALG_EDDSA or HEADER_CRIT in header:
        raise CodecError("the protected header must say alg EdDSA and nothing critical")
    kid = header.get(HEADER_KID)
    if not isinstance(kid, bytes) or len(kid) != KID_BYTES:
        raise CodecError("the protected header has no 8-byte kid")
    return kid, protected, payload, signature


# --- digits and QR text --------------------------------------------------------------------------

def _check_digits(digits) -> str:
    if not isinstance(digits, str) or not digits:
        raise CodecError("no digits")
    if len(digits) > MAX_DIGITS:
        raise CodecError(f"too many digits ({len(digits)} > {MAX_DIGITS})")
    if not _DIGITS.fullmatch(digits):
        raise CodecError("the payload must be decimal digits 0-9, not starting with 0")
    return digits


def to_digits(cose: bytes) -> str:
    """The decimal digits for a COSE message (see the module docstring)."""
    if not isinstance(cose, bytes) or not cose or len(cose) > MAX_COSE_BYTES:
        raise CodecError(f"a COSE message is 1 to {MAX_COSE_BYTES} bytes")
    data = bytes([FORMAT_VERSION]) + zlib.compress(cose, 9)
    if len(data) * 2.41 > MAX_DIGITS:  # 8 bits are log10(256) = 2.408 digits
        raise CodecError("the payload is too large")
    digits = str(int.from_bytes(data, "big"))
    if len(digits) > MAX_DIGITS:
        raise CodecError("the payload is too large")
    return digits


def from_digits(digits: str) -> bytes:
    """The COSE message back from its digits; CodecError on anything malformed."""
    number = int(_check_digits(digits))
    data = number.to_bytes((number.bit_length() + 7) // 8, "big")
    if data[0] != FORMAT_VERSION:
        raise CodecError(f"unknown payload format {data[0]}")
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(data[1:], MAX_COSE_BYTES)
    except zlib.error as exc:
        raise CodecError(f"the payload is not zlib data: {exc}") from exc
    if inflater.unconsumed_tail:
        raise CodecError(f"the payload inflates beyond {MAX_COSE_BYTES} bytes")
    if not inflater.eof:
        raise CodecError("the payload is truncated")
    if inflater.unused_data:
        raise CodecError("the payload has trailing bytes")
    return cose


def _base(base_url: str) -> str:
    if not isinstance(base_url, str) or not base_url.isascii():
        raise CodecError("the base URL must be an ASCII string")
    base = base_url.rstrip("/")
    if not _BASE_URL.fullmatch(base):
        raise CodecError(f"not a base URL (http(s)://host[/path], no query or fragment): {base_url!r}")
    return base


def qr_text(base_url: str, digits: str) -> str:
    """``{base_url}/v#{digits}``."""
    return _base(base_url) + VERIFY_PATH + _check_digits(digits)


def digits_from_text(text: str) -> str:
    """The digits from a scanned or pasted QR text: the full URL, ``/v#...``, or bare digits.

    Whitespace anywhere is dropped (line breaks from copying). CodecError otherwise."""
    if not isinstance(text, str):
        raise CodecError("the QR text must be a string")
    if len(text) > 4 * MAX_DIGITS:
        raise CodecError("the QR text is too long")
    compact = "".join(text.split())
    if "#" in compact:
        prefix, _hash, digits = compact.rpartition("#")
        if not prefix.endswith("/v") or not (prefix == "/v" or _BASE_URL.fullmatch(prefix)):
            raise CodecError("not a Kompeten verification link (…/v#digits)")
    else:
        digits = compact
    return _check_digits(digits)


def qr_segments(base_url: str, digits: str) -> list[tuple[bytes | str, int]]:
    """The two QR segments: the URL part in byte mode, the digits in numeric mode."""
    return [((_base(base_url) + VERIFY_PATH).encode("ascii"), segno.consts.MODE_BYTE),
            (_check_digits(digits), segno.consts.MODE_NUMERIC)]


def make_qr(base_url: str, digits: str) -> segno.QRCode:
    """The QR code (level Q, not boosted); CodecError if it would need a version above MAX_QR_VERSION."""
    try:
        qr = segno.make(qr_segments(base_url, digits), error=QR_ERROR, boost_error=False, micro=False)
    except segno.DataOverflowError as exc:
        raise CodecError("the payload does not fit in any QR code") from exc
    if qr.version > MAX_QR_VERSION:
        raise CodecError(f"the QR code would need version {qr.version} (at most {MAX_QR_VERSION}); "
                         "shorten the printed fields")
    return qr


# --- verification --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _verify_key(raw: bytes) -> VerifyKey:
    """libsodium's Ed25519 (PyNaCl) verifies about twice as fast as cryptography's here: the offline
    verification rate is what the benchmark measures (bench/certificate_codec.py)."""
    return VerifyKey(raw)


def verify(text_or_digits: str, keyring: Keyring, now: int | None = None) -> Verification:
    """Check a scanned QR text (or its digits) against the keyring. Never raises.

    ``ok`` is True only for a valid signature by a key of the keyring that vouches for the claimed
    ``iat`` and belongs to the claimed ``iss``; ``claims`` is set only then."""
    try:
        try:
            kid, protected, payload, signature = _parse_sign1(from_digits(digits_from_text(text_or_digits)))
        except Exception:
            return Verification(False, "malformed")
        info = keyring.lookup(kid)
        if info is None:
            return Verification(False, "unknown_key", kid)
        try:
            _verify_key(raw_public_key(info.public_key)).verify(_sig_structure(protected, payload), signature)
        except (BadSignatureError, InvalidSignature):
            return Verification(False, "bad_signature", kid)
        try:
            claims = _claims_from_cwt(cbor2.loads(payload))
        except Exception:
            return Verification(False, "malformed", kid)
        reason = info.check(claims.iat)
        if reason is not None:
            return Verification(False, reason, kid)
        if claims.iss != info.iss:
            return Verification(False, "issuer_mismatch", kid)
        if now is None:
            now = int(time.time())
        expired = claims.valid_until is not None and now >= claims.exp
        return Verification(True, "valid", kid, claims, expired)
    except Exception:
        return Verification(False, "malformed")
