"""Bitstring Status List v1.0: bit order, encoding, a list made by another implementation, the
credential and entry shapes, bad input. No database."""

import base64
import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompeten.certificates import openbadge
from kompeten.certificates.statuslist import (
    MIN_SIZE,
    StatusList,
    StatusListError,
    status_entry,
    status_list_credential,
)

DATA = Path(__file__).parent / "data"
LIST_URL = "https://kompeten.kaltimprov.go.id/status/lsp-tik/1"


def raw_bits(encoded: str) -> bytes:
    assert encoded.startswith("u")
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def test_a_new_list_has_the_minimum_size_all_clear():
    status_list = StatusList()
    assert status_list.size == MIN_SIZE == 131072
    assert raw_bits(status_list.encode()) == bytes(MIN_SIZE // 8)
    assert not status_list.get(0) and not status_list.get(MIN_SIZE - 1)


def test_bit_0_is_the_leftmost_bit_of_the_first_byte():
    status_list = StatusList()
    status_list.set(0, True)
    status_list.set(9, True)
    status_list.set(MIN_SIZE - 1, True)
    bits = raw_bits(status_list.encode())
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert status_list.set_indices() == [0, 9, MIN_SIZE - 1]
    status_list.set(9, False)
    assert not status_list.get(9) and status_list.get(0)


def test_encoding_is_multibase_base64url_without_padding_and_deterministic():
    first, second = StatusList(), StatusList()
    for status_list in (first, second):
        status_list.set(12345, True)
    encoded = first.encode()
    assert encoded == second.encode()
    assert encoded[0] == "u"
    assert set(encoded[1:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(encoded) < 200  # 16 KiB of almost all zeros compresses to almost nothing


def test_decodes_a_list_made_by_another_implementation():
    credential = json.loads((DATA / "statuslist-e5WK8CbZ1GjycuPombrj.json").read_text())
    status_list = StatusList.decode(credential["credentialSubject"]["encodedList"])
    assert status_list.size == 100000  # shorter than we issue; still read
    assert status_list.set_indices() == [2, 6, 8]
    assert status_list.get(8) and not status_list.get(9)


@settings(max_examples=50, deadline=None)
@given(indices=st.sets(st.integers(0, MIN_SIZE * 2 - 1), max_size=200))
def test_round_trip(indices):
    status_list = StatusList(MIN_SIZE * 2)
    for index in indices:
        status_list.set(index, True)
    decoded = StatusList.decode(status_list.encode())
    assert decoded.size == MIN_SIZE * 2
    assert decoded.set_indices() == sorted(indices)


@pytest.mark.parametrize("size", [MIN_SIZE - 8, MIN_SIZE + 1, 0, -8, True, "131072"])
def test_refuses_sizes_below_the_minimum_or_not_whole_bytes(size):
    with pytest.raises(StatusListError):
        StatusList(size)


@pytest.mark.parametrize("index", [-1, MIN_SIZE, 2**70, True, "3", 1.0])
def test_refuses_indices_outside_the_list(index):
    status_list = StatusList()
    with pytest.raises(StatusListError):
        status_list.get(index)
    with pytest.raises(StatusListError):
        status_list.set(index, True)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("encoded, message", [
    ("", "multibase"),
    ("zAAAA", "multibase"),
    ("u" + b64(gzip.compress(bytes(16))) + "==", "multibase"),
    ("u+/AA", "multibase"),
    ("uA", "multibase"),
    ("u" + b64(b"not gzip at all"), "not GZIP"),
    ("u" + b64(gzip.compress(bytes(16))[:-4]), "truncated"),
    ("u" + b64(gzip.compress(b"")), "empty"),
    ("u" + b64(gzip.compress(bytes(17 * 1024 * 1024))), "inflates beyond"),  # a zip bomb
    (None, "multibase"),
], ids=["empty", "base58", "padded", "not-url-safe", "too-short", "not-gzip", "truncated", "inflates-empty",
        "zip-bomb", "none"])  # explicit ids: gzip stamps the time, so generated ids differ between xdist workers
def test_decode_refuses(encoded, message):
    with pytest.raises(StatusListError, match=message):
        StatusList.decode(encoded)


def test_status_list_credential():
    status_list = StatusList()
    credential = status_list_credential(id=LIST_URL, issuer="https://kompeten.kaltimprov.go.id/issuers/lsp-tik",
                                        purpose="revocation", encoded=status_list.encode(),
                                        valid_from="2025-06-30T00:00:00Z")
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "https://kompeten.kaltimprov.go.id/issuers/lsp-tik",
        "validFrom": "2025-06-30T00:00:00Z",
        "credentialSubject": {"id": LIST_URL + "#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": status_list.encode()},
    }
    # every term is defined by the VC 2.0 context: it canonicalizes (and so can be signed) as is
    nquads = openbadge.canonicalize(credential)
    assert "<https://www.w3.org/ns/credentials/status#BitstringStatusListCredential>" in nquads
    assert "<https://www.w3.org/ns/credentials/status#encodedList>" in nquads


def test_status_entry():
    assert status_entry(LIST_URL, 42, "suspension") == {
        "id": LIST_URL + "#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }


@pytest.mark.parametrize("purpose", ["revoked", "message", ""])
def test_refuses_unknown_purposes(purpose):
    with pytest.raises(StatusListError):
        status_entry(LIST_URL, 1, purpose)
    with pytest.raises(StatusListError):
        status_list_credential(id=LIST_URL, issuer="x", purpose=purpose, encoded="u", valid_from="x")


def test_refuses_negative_entry_indices():
    with pytest.raises(StatusListError):
        status_entry(LIST_URL, -1, "revocation")
