"""W3C Bitstring Status List v1.0: the revocation and suspension lists of issued certificates.

Pure: imports nothing from Django.

A list is a bitstring, one bit per certificate (``statusListIndex``); bit 0 is the left-most
(most significant) bit of the first byte. ``encodedList`` is the GZIP-compressed bitstring,
base64url-encoded without padding, with the multibase prefix ``u``. Lists are issued with at least
:data:`MIN_SIZE` (131,072) entries, the Recommendation's minimum for group privacy; a shorter list
made by someone else still decodes.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib

MIN_SIZE = 131072
MAX_DECODED_BYTES = 16 * 1024 * 1024  # 134 million entries; refuse to inflate beyond (zip bombs)
PURPOSES = ("revocation", "suspension")
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class StatusListError(ValueError):
    """An encoded list or an index is invalid."""


class StatusList:
    """A bitstring of ``size`` entries, all 0 (not revoked / not suspended) to begin with."""

    __slots__ = ("_bits", "size")

    def __init__(self, size: int = MIN_SIZE) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < MIN_SIZE or size % 8:
            raise StatusListError(f"a status list has at least {MIN_SIZE} entries, a multiple of 8")
        self.size = size
        self._bits = bytearray(size // 8)

    def _check(self, index: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < self.size:
            raise StatusListError(f"status list index must be 0 to {self.size - 1}, not {index!r}")

    def set(self, index: int, value: bool) -> None:
        self._check(index)
        mask = 0x80 >> (index % 8)
        if value:
            self._bits[index // 8] |= mask
        else:
            self._bits[index // 8] &= ~mask & 0xFF

    def get(self, index: int) -> bool:
        self._check(index)
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def set_indices(self) -> list[int]:
        """The indices whose bit is 1, ascending."""
        return [byte_index * 8 + bit for byte_index, byte in enumerate(self._bits) if byte
                for bit in range(8) if byte & (0x80 >> bit)]

    def encode(self) -> str:
        """Multibase ``u`` + base64url (no padding) of the GZIP-compressed bitstring (deterministic)."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str) -> StatusList:
        """Inverse of :meth:`encode`; accepts lists shorter than MIN_SIZE made elsewhere."""
        if not isinstance(encoded, str) or not encoded.startswith("u") or not _BASE64URL.fullmatch(encoded[1:]) \
                or len(encoded[1:]) % 4 == 1:
            raise StatusListError("encodedList must be multibase base64url: 'u' then base64url without padding")
        try:
            compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        except (binascii.Error, ValueError) as exc:
            raise StatusListError(f"encodedList is not base64url: {exc}") from exc
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing
        try:
            bits = inflater.decompress(compressed, MAX_DECODED_BYTES)
        except zlib.error as exc:
            raise StatusListError(f"encodedList is not GZIP data: {exc}") from exc
        if inflater.unconsumed_tail:
            raise StatusListError(f"encodedList inflates beyond {MAX_DECODED_BYTES} bytes")
        if not inflater.eof or inflater.unused_data:
            raise StatusListError("encodedList is truncated or has trailing bytes")
        if not bits:
            raise StatusListError("encodedList is empty")
        status_list = cls.__new__(cls)
        status_list.size = len(bits) * 8
        status_list._bits = bytearray(bits)
        return status_list


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise StatusListError(f"statusPurpose must be one of {', '.join(PURPOSES)}")


def status_list_credential(*, id: str, issuer: str | dict, purpose: str, encoded: str, valid_from: str,
                           valid_until: str | None = None) -> dict:
    """The unsigned VC 2.0 ``BitstringStatusListCredential`` publishing ``encoded`` at ``id``."""
    _check_purpose(purpose)
    credential = {
        "@context": [VC_V2_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = {
        "id": f"{id}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encoded,
    }
    return credential


def status_entry(list_url: str, index: int, purpose: str) -> dict:
    """The ``BitstringStatusListEntry`` a credential carries in ``credentialStatus``."""
    _check_purpose(purpose)
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise StatusListError("statusListIndex must be a non-negative integer")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }
