"""The printed certificate (pdf.py): its text, no NIK, and a QR code that a scanner reads from the page at 150 dpi;
and the fast QR encoder (qrfast.py) that draws it, module for module the symbol of codec.make_qr (segno)."""

import io
import random

import numpy as np
import pypdfium2
import pytest
import segno
import zxingcpp
from pypdf import PdfReader

from kompeten.certificates import codec, keystore, pdf, qrfast, services
from kompeten.certificates.models import Certificate
from kompeten.certificates.tests.helpers import approve_all, at

A4_LANDSCAPE = (841.89, 595.28)


@pytest.fixture
def competency(candidates, assessor, lsp_admin):
    approved = approve_all(candidates, assessor, lsp_admin)
    person = approved[0].person
    person.birth_place = "Samarinda"
    person.save(update_fields=["birth_place"])
    return services.issue_competency(approved[0], issued_at=at(2025, 5, 10))


@pytest.fixture
def training(completed_batch):
    enrolment = completed_batch.enrolments.order_by("pk").first()
    return services.issue_training(enrolment, issued_at=at(2025, 4, 20))


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def content_streams(data: bytes) -> bytes:
    """Every page's decompressed content (the PDF's streams are compressed: its raw bytes hide text)."""
    return b"".join(page.get_contents().get_data() for page in PdfReader(io.BytesIO(data)).pages)


def scan(data: bytes, page: int = 0, dpi: int = 150) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


def one_digit_changed(text: str) -> str:
    index = len(text) - 20
    return text[:index] + ("1" if text[index] != "1" else "2") + text[index + 1:]


# --- content --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_competency_certificate_pages(competency):
    data = pdf.render(competency)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_LANDSCAPE, abs=0.1)
    front, back = pages_text(data)
    for expected in ("SERTIFIKAT KOMPETENSI", "Certificate of Competence", "BADAN NASIONAL SERTIFIKASI PROFESI",
                     "LSP BLKI TEST", "BNSP-LSP-999-ID", competency.number, competency.holder_name,
                     "Samarinda, 12 Maret 1999", "Place and date of birth", "Mekanik Sepeda Motor", "SKM-TEST-01",
                     "Kualifikasi Nasional Indonesia Level II", "10 Mei 2025", "Berlaku sampai", "9 Mei 2028",
                     "Ketua LSP", "Pindai untuk verifikasi", services.format_code(competency.public_code)):
        assert expected in front, expected
    assert "DAFTAR UNIT KOMPETENSI" in back and "List of Units of Competency" in back
    assert competency.holder_name in back and competency.number in back
    assert len(competency.units) == 4
    for code, title in competency.units:
        assert code in back and title in back
    assert "TUK Sewaktu BLKI Balikpapan" in back or "BLKI Balikpapan" in back


@pytest.mark.django_db
def test_training_certificate_pages(training, completed_batch):
    data = pdf.render(training)
    front, back = pages_text(data)
    for expected in ("SERTIFIKAT PELATIHAN", "Certificate of Training", "DINAS TENAGA KERJA DAN TRANSMIGRASI",
                     "UPTD BALAI LATIHAN KERJA INDUSTRI (BLKI) BALIKPAPAN", training.number, training.holder_name,
                     training.title, "160 jam pelajaran", "3 Maret 2025 s.d. 4 April 2025", "Kepala UPTD BLKI",
                     "20 April 2025"):
        assert expected in front, expected
    assert "Berlaku sampai" not in front  # a training certificate does not expire
    assert "RINGKASAN PROGRAM PELATIHAN" in back
    for expected in (completed_batch.package.code, "160 JP", completed_batch.centre.name, "SKM-TEST-01"):
        assert expected in back, expected


@pytest.mark.django_db
def test_the_nik_is_nowhere_in_the_pdf(competency, training):
    data = pdf.render_many([competency, training])
    text = "".join(pages_text(data))
    streams = content_streams(data)
    for cert in (competency, training):
        nik = cert.person.nik
        assert nik not in text
        assert nik.encode() not in data and nik.encode() not in streams
        assert cert.holder_name in text  # the holder's own document: the name and the birth date are on it


@pytest.mark.django_db
def test_render_many_keeps_the_order_two_pages_each(competency, training):
    data = pdf.render_many([training, competency])
    texts = pages_text(data)
    assert len(texts) == 4
    assert training.number in texts[0] and "SERTIFIKAT PELATIHAN" in texts[0]
    assert competency.number in texts[2] and "SERTIFIKAT KOMPETENSI" in texts[2]


@pytest.mark.django_db
def test_long_names_accents_and_many_units_stay_on_the_page(competency):
    units = [[f"J.620100.{n:03d}.01", f"Unit kompetensi nomor {n} dengan judul yang cukup panjang untuk dua baris "
              f"pada tabel daftar unit kompetensi sertifikat ini"] for n in range(1, 31)]
    Certificate.objects.filter(pk=competency.pk).update(
        holder_name="Nguyễn Thị Ánh Raden Ajeng Kartini Wulandari Putri Kusumawardhani", units=units,
        title="Skema Sertifikasi Okupasi Operator Alat Berat Excavator pada Pertambangan Mineral dan Batubara "
              "Kalimantan Timur")
    competency.refresh_from_db()
    front, back = pages_text(pdf.render(competency))
    assert "Nguyên Th" in front  # the standard fonts have no "ễ": the accent they lack is dropped
    for code, _title in units:
        assert code in back
    assert "Jumlah: 30 unit kompetensi" in back


def test_printable_keeps_what_the_standard_fonts_show():
    assert pdf.printable("Siti Aminah") == "Siti Aminah"
    assert pdf.printable("Nguyễn Văn Ánh") == "Nguyên Van Ánh"
    assert pdf.printable("a\x00b\nc") == "a b c"


# --- the QR code on the page --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["competency", "training"])
def test_the_qr_code_scans_from_the_page_at_150_dpi_and_verifies(kind, request):
    cert = request.getfixturevalue(kind)
    found = scan(pdf.render(cert), page=0, dpi=150)
    assert found == [services.qr_text(cert)]
    keyring = keystore.keyring()
    result = codec.verify(found[0], keyring)
    assert result.ok and result.claims.number == cert.number and result.claims.holder_name == cert.holder_name
    assert not codec.verify(one_digit_changed(found[0]), keyring).ok


@pytest.mark.django_db
def test_the_qr_code_is_large_enough(competency):
    symbol = pdf.qr_symbol(competency)
    assert pdf.QR_SIZE >= 45 * pdf.MM
    assert pdf.QR_SIZE / symbol.size >= 0.45 * pdf.MM  # at least ~0.5 mm a module
    assert scan(pdf.render(competency), page=0, dpi=100) == [services.qr_text(competency)]


@pytest.mark.django_db
def test_the_page_draws_the_symbol_of_make_qr(competency):
    reference = codec.make_qr(pdf.settings.KOMPETEN_BASE_URL, competency.qr_digits)
    symbol = pdf.qr_symbol(competency)
    assert (symbol.version, symbol.mask) == (reference.version, reference.mask)
    assert np.array_equal(symbol.matrix, np.array(reference.matrix, dtype=np.uint8))


# --- qrfast against segno -----------------------------------------------------------------------------


def segno_matrix(segments, error):
    qr = segno.make(segments, error=error, boost_error=False, micro=False)
    return qr.version, qr.mask, np.array(qr.matrix, dtype=np.uint8)


@pytest.mark.parametrize("seed", range(6))
def test_qrfast_builds_segnos_symbol(seed):
    """Random certificate-like payloads at every error level, versions 1 to 40: same version, mask and modules."""
    rng = random.Random(seed)
    for _ in range(8):
        length = rng.choice([rng.randint(1, 60), rng.randint(60, 1200), rng.randint(1200, 3900)])
        digits = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(length - 1))
        base = rng.choice(["https://kompeten.kaltimprov.go.id", "http://127.0.0.1:8000", "https://a.id/x"])
        segments = codec.qr_segments(base, digits)
        error = rng.choice("lmqh")
        try:
            version, mask, matrix = segno_matrix(segments, error)
        except segno.DataOverflowError:
            with pytest.raises(qrfast.QRError):
                qrfast.encode(segments, error)
            continue
        symbol = qrfast.encode(segments, error)
        assert (symbol.version, symbol.mask) == (version, mask), (length, error)
        assert np.array_equal(symbol.matrix, matrix), (length, error)


def test_qrfast_with_a_given_mask_and_byte_text():
    segments = [(b"https://kompeten.kaltimprov.go.id/v#", segno.consts.MODE_BYTE), ("12345678901", 1)]
    for mask in range(8):
        qr = segno.make(segments, error="q", boost_error=False, micro=False, mask=mask)
        assert np.array_equal(qrfast.encode(segments, "q", mask=mask).matrix, np.array(qr.matrix, dtype=np.uint8))


def test_qrfast_refuses_what_does_not_fit():
    with pytest.raises(qrfast.QRError, match="version"):
        qrfast.encode([("1" * 900, 1)], "q", max_version=10)
    with pytest.raises(qrfast.QRError):
        qrfast.encode([("1" * 8000, 1)], "h")
    with pytest.raises(qrfast.QRError):
        qrfast.encode([("12a", 1)], "q")
