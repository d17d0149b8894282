"""The QR payload codec: format, size, real QR decoding (zxing-cpp), pycose interoperability,
malformed input, and properties on random claims (hypothesis). No database, no mocks."""

import io
import random
import subprocess
import sys
import zlib
from dataclasses import replace

import cbor2
import pytest
import segno
import zxingcpp
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from kompeten.certificates import codec, keys
from kompeten.certificates.codec import CertificateClaims, CodecError

ISS = "https://kompeten.kaltimprov.go.id/issuers/lsp-tik-kaltim"
LOCAL = "http://127.0.0.1:8000"
PRODUCTION = "https://kompeten.kaltimprov.go.id"
IAT = 1751270400  # 2025-06-30T08:00:00Z
HOLDER_ID = bytes.fromhex("8f3a11c09e5d2b74")
UNITS = tuple(f"J.620100.{unit:03d}.02" for unit in (4, 5, 9, 10, 11, 12, 15, 16, 22, 25))
SMALL = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_claims(**changes) -> CertificateClaims:
    """A realistic competency certificate at the sizes the QR must hold: 10 unit codes, a 40-character
    holder name, an 80-character scheme title, 40-character issuer and centre names."""
    claims = CertificateClaims(
        number="LSP-TIK/KLT/2025/001234",
        kind="competency",
        holder_name="Muhammad Rizky Pratama Wijayakusuma Putr",
        holder_birth_date="1999-03-12",
        title="Skema Sertifikasi Okupasi Junior Web Developer Bidang Pengembangan Perangkat Lunak"[:80],
        scheme_code="SKM.TIK.JWD.2023",
        units=UNITS,
        kkni_level=4,
        issuer_name="LSP Teknologi Informasi Kalimantan Timur",
        centre_name="UPTD Balai Latihan Kerja Industri Samari",
        holder_id=HOLDER_ID,
        issued_on="2025-06-30",
        public_code="K7QM9XHT",
        valid_until="2028-06-29",
        iss=ISS,
        iat=IAT,
    )
    return replace(claims, **changes)


def training_claims(**changes) -> CertificateClaims:
    return make_claims(kind="training", holder_birth_date=None, title="Pelatihan Operator Alat Berat Excavator",
                       scheme_code=None, units=(), kkni_level=None, issuer_name="UPTD BLKI Balikpapan",
                       centre_name=None, valid_until=None, number="BLKI-BPN/2025/0042", **changes)


@pytest.fixture(scope="module")
def key():
    return keys.generate_private_key()


@pytest.fixture(scope="module")
def kid(key):
    return keys.kid_for(key.public_key())


@pytest.fixture(scope="module")
def ring(key, kid):
    ring = keys.Keyring()
    ring.add(kid, key.public_key(), ISS, IAT - 86400)
    return ring


@pytest.fixture(scope="module")
def digits(key, kid):
    return codec.to_digits(codec.sign(make_claims(), key, kid))


def test_the_claims_sizes_are_the_realistic_ones():
    claims = make_claims()
    assert (len(claims.holder_name), len(claims.title), len(claims.issuer_name), len(claims.centre_name)) == \
        (40, 80, 40, 40)
    assert len(claims.units) == 10 and len(claims.units[0]) == len("J.620100.004.02")


# --- format --------------------------------------------------------------------------------------

def test_round_trip(digits, ring):
    result = codec.verify(digits, ring, now=IAT)
    assert (result.ok, result.reason, result.competence_expired) == (True, "valid", False)
    assert result.claims == make_claims()


def test_digits_are_version_1_zlib_of_a_tagged_cose_sign1(digits, kid):
    number = int(digits)
    data = number.to_bytes((number.bit_length() + 7) // 8, "big")
    assert data[0] == 1
    cose = zlib.decompress(data[1:])
    assert codec.from_digits(digits) == cose
    message = cbor2.loads(cose)
    assert isinstance(message, cbor2.CBORTag) and message.tag == 18
    protected, unprotected, payload, signature = message.value
    assert cbor2.loads(protected) == {1: -8, 4: kid}  # alg EdDSA, kid in the protected header
    assert unprotected == {}
    assert len(signature) == 64
    cwt = cbor2.loads(payload)
    assert cwt[1] == ISS and cwt[6] == IAT
    assert cwt[4] == 1845936000  # 2028-06-30T00:00:00Z, the day after valid_until
    # Dates are day numbers since 1970-01-01, the kind 2 = competency; valid_until is exp's day before.
    assert cwt[-65537] == {1: "LSP-TIK/KLT/2025/001234", 2: 2, 3: make_claims().holder_name,
                           4: 10662, 5: "SKM.TIK.JWD.2023", 6: make_claims().title, 7: list(UNITS), 8: 4,
                           9: "LSP Teknologi Informasi Kalimantan Timur",
                           10: "UPTD Balai Latihan Kerja Industri Samari", 11: HOLDER_ID, 12: 20269,
                           13: "K7QM9XHT"}
    assert set(cwt) == {1, 4, 6, -65537}


def test_absent_values_are_omitted_not_null(key, kid, ring):
    cose = codec.sign(training_claims(), key, kid)
    cwt = cbor2.loads(cbor2.loads(cose).value[2])
    assert set(cwt) == {1, 6, -65537}  # no exp: a training certificate does not expire
    assert set(cwt[-65537]) == {1, 2, 3, 6, 9, 11, 12, 13}
    assert None not in cwt[-65537].values()
    result = codec.verify(codec.to_digits(cose), ring, now=2**40)
    assert result.ok and result.claims == training_claims() and not result.competence_expired


def test_competence_expiry_is_not_a_signature_failure(digits, ring):
    exp = make_claims().exp
    assert codec.verify(digits, ring, now=exp - 1).competence_expired is False
    result = codec.verify(digits, ring, now=exp)
    assert (result.ok, result.reason, result.competence_expired) == (True, "valid", True)


def test_claims_to_dict_is_json_ready():
    data = make_claims().to_dict()
    assert data["holder_id"] == keys.b64url(HOLDER_ID) and data["units"] == list(UNITS)
    assert "nik" not in {name.lower() for name in data}


@pytest.mark.parametrize("changes", [
    {"kind": "diploma"}, {"number": ""}, {"holder_birth_date": "12-03-1999"}, {"issued_on": "2025-02-30"},
    {"valid_until": "2028-06-29T00:00:00"}, {"holder_id": b"short"}, {"kkni_level": -1}, {"kkni_level": True},
    {"units": ["J.620100.004.02"]}, {"units": ("",)}, {"centre_name": ""}, {"iat": -1}, {"iss": ""},
    {"holder_name": "\ud800"},
])
def test_sign_refuses_invalid_claims(key, kid, changes):
    with pytest.raises(CodecError):
        codec.sign(make_claims(**changes), key, kid)


def test_sign_refuses_a_bad_kid(key):
    with pytest.raises(CodecError):
        codec.sign(make_claims(), key, b"\1\2\3")


# --- pycose interoperability (and so the cbor2 5.x / pycose pair) --------------------------------

def test_pycose_decodes_and_verifies_what_we_sign(key, kid):
    from pycose.headers import KID, Algorithm
    from pycose.keys import OKPKey
    from pycose.keys.curves import Ed25519
    from pycose.messages import CoseMessage, Sign1Message

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    message = CoseMessage.decode(codec.from_digits(codec.to_digits(codec.sign(make_claims(), key, kid))))
    assert isinstance(message, Sign1Message)
    message.key = OKPKey(crv=Ed25519, x=raw)
    assert message.verify_signature()
    assert message.phdr[KID] == kid and message.phdr[Algorithm].identifier == -8  # both protected
    assert message.uhdr == {}
    assert cbor2.loads(message.payload)[-65537][3] == make_claims().holder_name


def test_we_verify_a_cose_sign1_built_without_pycose(key, kid, ring):
    """An independent construction from RFC 9052 (cbor2 + cryptography) verifies here and in pycose."""
    from pycose.keys import OKPKey
    from pycose.keys.curves import Ed25519
    from pycose.messages import CoseMessage

    payload = codec.encode_claims(make_claims())
    protected = cbor2.dumps({1: -8, 4: kid})
    signature = key.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    assert codec.verify(codec.to_digits(cose), ring).ok
    message = CoseMessage.decode(cose)
    message.key = OKPKey(crv=Ed25519, x=key.public_key().public_bytes(serialization.Encoding.Raw,
                                                                       serialization.PublicFormat.Raw))
    assert message.verify_signature()


def test_cbor2_is_the_5x_series_pycose_needs():
    from importlib.metadata import version

    assert version("cbor2").split(".")[0] == "5"


# --- QR ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("base_url", [LOCAL, PRODUCTION])
def test_worst_case_certificate_fits(digits, base_url):
    """10 units, 40-character names, an 80-character title, a long URL as ``iss``: up to version 22 at level Q
    (the signature and kid alone are 72 bytes that do not compress); see the codec's docstring."""
    qr = codec.make_qr(base_url, digits)
    assert qr.version <= 22 <= codec.MAX_QR_VERSION
    assert qr.error == "Q"


@pytest.mark.parametrize("base_url", [LOCAL, PRODUCTION])
def test_typical_competency_certificate_fits_version_17(key, kid, base_url):
    """Six units (most schemes of the programme have four to eight), names and title of usual length, no
    public code (Kompeten leaves it out of the QR): version 17 at level Q."""
    claims = make_claims(holder_name="Muhammad Rizky Pratama", title="Mekanik Sepeda Motor",
                         scheme_code="SKM-OTO-MSM-02", units=tuple(f"T.45OTO00.{i:03d}.1" for i in range(1, 7)),
                         issuer_name="LSP BLKI Kalimantan Timur", centre_name="BLKI Balikpapan", public_code=None,
                         number="LSP-BLKI-KALTIM/2025/00001", iss="lsp-blki-kaltim", status_index=1234)
    digits = codec.to_digits(codec.sign(claims, key, kid))
    assert codec.make_qr(base_url, digits).version <= 17


def test_qr_has_a_byte_segment_then_a_numeric_segment(digits):
    segments = codec.qr_segments(PRODUCTION, digits)
    code = segno.encoder.encode(segments, error="q", boost_error=False, micro=False)
    assert [segment.mode for segment in code.segments] == [segno.consts.MODE_BYTE, segno.consts.MODE_NUMERIC]
    assert code.segments[0].char_count == len(PRODUCTION + "/v#")
    assert code.segments[1].char_count == len(digits)
    qr = codec.make_qr(PRODUCTION, digits)
    assert qr.matrix == code.matrix and qr.version == code.version
    # the mixed encoding is what makes it fit: the same text in one byte-mode segment is far bigger
    assert segno.make(codec.qr_text(PRODUCTION, digits), error="q", boost_error=False).version > qr.version + 8


@pytest.mark.parametrize("base_url", [LOCAL, PRODUCTION])
def test_qr_image_decodes_with_zxing_and_verifies(digits, ring, base_url):
    qr = codec.make_qr(base_url, digits)
    png = io.BytesIO()
    qr.save(png, kind="png", scale=4, border=4)
    png.seek(0)
    found = zxingcpp.read_barcodes(Image.open(png))
    assert len(found) == 1
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    assert found[0].text == codec.qr_text(base_url, digits)
    assert codec.verify(found[0].text, ring).ok


def test_make_qr_refuses_above_the_maximum_version(key, kid):
    many = tuple(f"M.{unit:06d}.{unit % 1000:03d}.01" for unit in range(60))
    digits = codec.to_digits(codec.sign(make_claims(units=many), key, kid))
    with pytest.raises(CodecError, match=f"at most {codec.MAX_QR_VERSION}"):
        codec.make_qr(PRODUCTION, digits)


def test_training_certificate_fits_version_17(key, kid):
    digits = codec.to_digits(codec.sign(training_claims(), key, kid))
    assert codec.make_qr(PRODUCTION, digits).version <= 17


# --- QR text -------------------------------------------------------------------------------------

def test_qr_text(digits):
    assert codec.qr_text(PRODUCTION, digits) == f"{PRODUCTION}/v#{digits}"
    assert codec.qr_text(PRODUCTION + "/", digits) == f"{PRODUCTION}/v#{digits}"
    assert codec.qr_text("https://example.go.id/kompeten", "123") == "https://example.go.id/kompeten/v#123"


@pytest.mark.parametrize("base_url", ["kompeten.kaltimprov.go.id", "ftp://x.go.id", "https://x.go.id/?a=1",
                                      "https://x.go.id/#", "https://kompetén.id", "https://x .id", ""])
def test_qr_text_refuses_bad_base_urls(base_url):
    with pytest.raises(CodecError):
        codec.qr_text(base_url, "123")


@pytest.mark.parametrize("text", [
    "{p}/v#{d}", "http://127.0.0.1:8000/v#{d}", "/v#{d}", "{d}", "  {p}/v#{d}\n", "{d1}\n{d2}", "https://x.id/a/b/v#{d}",
])
def test_digits_from_text_accepts(digits, text):
    half = len(digits) // 2
    text = text.format(p=PRODUCTION, d=digits, d1=digits[:half], d2=digits[half:])
    assert codec.digits_from_text(text) == digits


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "#123", "v#123", "https://x.id/w#123", "https://x.id/v#", "https://x.id/v#12a", "12 3x",
    "https://x.id/v?q=1#123", "javascript:/v#123", "0123", "١٢٣", "1" * 4001, None, 123,
])
def test_digits_from_text_refuses(text):
    with pytest.raises(CodecError):
        codec.digits_from_text(text)


# --- malformed digits ----------------------------------------------------------------------------

def digits_of(data: bytes) -> str:
    return str(int.from_bytes(data, "big"))


@pytest.mark.parametrize("data, message", [
    (b"\x02" + zlib.compress(b"cose"), "unknown payload format 2"),
    (b"\x01not zlib at all", "not zlib"),
    (b"\x01" + zlib.compress(b"cose")[:-3], "truncated"),
    (b"\x01" + zlib.compress(b"cose") + b"\0", "trailing"),
    (b"\x01" + zlib.compress(bytes(10**6), 9), "inflates beyond"),  # a zip bomb: 1 MB of zeros in ~1 kB
])
def test_from_digits_refuses(data, message):
    with pytest.raises(CodecError, match=message):
        codec.from_digits(digits_of(data))


def test_from_digits_refuses_too_many_digits():
    with pytest.raises(CodecError, match="too many digits"):
        codec.from_digits("1" * (codec.MAX_DIGITS + 1))


def test_to_digits_refuses_oversized_messages():
    with pytest.raises(CodecError):
        codec.to_digits(random.Random(1).randbytes(codec.MAX_COSE_BYTES + 1))
    with pytest.raises(CodecError, match="too large"):
        codec.to_digits(random.Random(1).randbytes(2000))  # incompressible: over 4,000 digits


@pytest.mark.parametrize("text", [
    "", "hello", "0", "1", digits_of(b"\x01" + zlib.compress(b"not cbor \xff")),
    digits_of(b"\x01" + zlib.compress(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"", b""])))),
    digits_of(b"\x01" + zlib.compress(cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b"\0" * 64])))),
    digits_of(b"\x01" + zlib.compress(cbor2.dumps([cbor2.dumps({1: -8, 4: b"\0" * 8}), {}, b"", b"\0" * 64]))),
    digits_of(b"\x01" + zlib.compress(cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7, 4: b"\0" * 8}), {}, b"",
                                                                     b"\0" * 64])))),
    digits_of(b"\x01" + zlib.compress(cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -8}), {4: b"\0" * 8}, b"",
                                                                     b"\0" * 64])))),
    digits_of(b"\x01" + zlib.compress(b"\x9f" * 3000)),  # deeply nested indefinite arrays
    None, 42, b"123",
])
def test_verify_answers_malformed_and_never_raises(ring, text):
    result = codec.verify(text, ring)
    assert (result.ok, result.reason, result.claims) == (False, "malformed", None)


def test_valid_signature_over_a_malformed_payload_is_malformed(key, kid, ring):
    payload = cbor2.dumps({1: ISS, 6: IAT, -65537: {1: "no other fields"}})
    protected = cbor2.dumps({1: -8, 4: kid})
    signature = key.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    result = codec.verify(codec.to_digits(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))), ring)
    assert (result.ok, result.reason, result.kid) == (False, "malformed", kid)


def test_signature_by_another_key_under_a_known_kid(kid, ring):
    impostor = keys.generate_private_key()
    result = codec.verify(codec.to_digits(codec.sign(make_claims(), impostor, kid)), ring)
    assert (result.ok, result.reason, result.kid, result.claims) == (False, "bad_signature", kid, None)


# --- tampering -----------------------------------------------------------------------------------

def test_every_single_digit_change_is_caught(digits, ring):
    for position in range(len(digits)):
        for shift in (1, 5):
            changed = digits[:position] + str((int(digits[position]) + shift) % 10) + digits[position + 1:]
            result = codec.verify(changed, ring)
            assert not result.ok and result.reason in ("malformed", "bad_signature", "unknown_key"), position


def test_every_single_byte_change_of_the_cose_is_caught(key, kid, ring):
    cose = codec.sign(make_claims(), key, kid)
    for position in range(len(cose)):
        for mask in (0x01, 0x80, 0xFF):
            changed = bytearray(cose)
            changed[position] ^= mask
            result = codec.verify(codec.to_digits(bytes(changed)), ring)
            assert not result.ok and result.reason in ("malformed", "bad_signature", "unknown_key"), position


# --- properties on random claims -----------------------------------------------------------------

INDONESIAN_NAMES = st.sampled_from(["Siti Aminah", "Budi Santoso", "Rina Wati", "I Gusti Ngurah Rai",
                                    "Nur'aini binti Abdullah", "Maria Goreti Sinaga", "Andi Muh. Fadli S.Kom.",
                                    "Dayang Kartini-Sari", "Ni Luh Putu Ayu Widyasari", "Yohanes Ndun"])
CHARACTERS = st.characters(blacklist_categories=("Cs",))  # any Unicode but lone surrogates (not UTF-8)
TEXT = st.text(alphabet=CHARACTERS, min_size=1, max_size=40)
TITLES = st.text(alphabet=CHARACTERS, min_size=1, max_size=80)
NAMES = st.one_of(INDONESIAN_NAMES, TEXT)
DATES = st.dates().map(lambda day: day.isoformat()).filter(lambda iso: len(iso) == 10)


@st.composite
def random_claims(draw):
    return CertificateClaims(
        number=draw(TEXT),
        kind=draw(st.sampled_from(codec.KINDS)),
        holder_name=draw(NAMES),
        holder_birth_date=draw(st.none() | DATES),
        title=draw(TITLES),
        scheme_code=draw(st.none() | TEXT),
        units=tuple(draw(st.lists(st.from_regex(r"[A-Z]\.[0-9]{6}\.[0-9]{3}\.[0-9]{2}", fullmatch=True),
                                  max_size=12))),
        kkni_level=draw(st.none() | st.integers(1, 9)),
        issuer_name=draw(NAMES),
        centre_name=draw(st.none() | NAMES),
        holder_id=draw(st.binary(min_size=8, max_size=8)),
        issued_on=draw(DATES),
        public_code=draw(st.from_regex(r"[A-Z0-9]{8}", fullmatch=True)),
        valid_until=draw(st.none() | DATES),
        iss=ISS,
        iat=draw(st.integers(IAT - 86400, 2**40)),
    )


@SMALL
@given(claims=random_claims())
def test_any_claims_round_trip(key, kid, ring, claims):
    text = codec.qr_text(PRODUCTION, codec.to_digits(codec.sign(claims, key, kid)))
    result = codec.verify(text, ring)
    assert (result.ok, result.reason) == (True, "valid")
    assert result.claims == claims


@SMALL
@given(claims=random_claims(), data=st.data())
def test_any_single_change_is_caught(key, kid, ring, claims, data):
    cose = codec.sign(claims, key, kid)
    digits = codec.to_digits(cose)
    position = data.draw(st.integers(0, len(digits) - 1))
    replacement = data.draw(st.sampled_from("0123456789").filter(lambda digit: digit != digits[position]))
    changed = digits[:position] + replacement + digits[position + 1:]
    assert codec.verify(changed, ring).reason in ("malformed", "bad_signature", "unknown_key")
    position = data.draw(st.integers(0, len(cose) - 1))
    mask = data.draw(st.integers(1, 255))
    tampered = bytearray(cose)
    tampered[position] ^= mask
    assert codec.verify(codec.to_digits(bytes(tampered)), ring).reason in ("malformed", "bad_signature", "unknown_key")


@SMALL
@given(text=st.text(max_size=300) | st.from_regex(r"/v#[0-9]{1,400}", fullmatch=True))
def test_verify_never_raises(ring, text):
    result = codec.verify(text, ring)
    assert not result.ok and result.reason in codec.REASONS


# --- purity --------------------------------------------------------------------------------------

def test_the_engine_imports_nothing_from_django():
    code = ("import sys, kompeten.certificates.codec, kompeten.certificates.keys, kompeten.certificates.statuslist, "
            "kompeten.certificates.openbadge; "
            "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
            "print(bad); sys.exit(1 if bad else 0)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
