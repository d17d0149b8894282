"""The printed forms of a candidate's file (kompeten/assessment/documents.py): FR.APL.01, FR.APL.02 and FR.AK.02,
rendered and read back with pypdf."""

import io
import re

import pytest
from pypdf import PdfReader

from conftest import assess
from kompeten.assessment import documents, services
from kompeten.assessment.models import Decision

pytestmark = pytest.mark.django_db

U1, U2, U3, U4 = "T.45OTO00.001.1", "T.45OTO00.002.1", "T.45OTO00.003.1", "T.45OTO00.004.1"
MET = "MET.000.000001 2021"
TICK = "\u2714"


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 portrait
    return "\n".join(page.extract_text(extraction_mode="layout") for page in reader.pages)


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


@pytest.fixture
def decided(candidates, assessor_profile, operator_balikpapan, lsp_admin):
    """The first candidate: FR.APL.01 and FR.APL.02 (U3 self-assessed BK), assessed with U2 BK, decided by the LSP."""
    candidate = candidates[0]
    units = {r.unit.code: r.unit_id for r in candidate.results.select_related("unit")}
    services.record_apl02(candidate, {pk: Decision.BK if code == U3 else Decision.K for code, pk in units.items()},
                          by=operator_balikpapan)
    assess(candidate, assessor_profile.user, {U2: "BK"})
    return services.approve(candidate, by=lsp_admin)


def test_apl01_has_the_application_as_recorded_with_the_full_nik(decided, scheme, event):
    person = decided.person
    nik, name = person.nik, person.full_name
    person.full_name = "Nama Sesudah Perubahan"
    person.save()  # changed after FR.APL.01: the form shows what the LSP saw
    text = text_of(documents.apl01_pdf(decided))
    assert "FR.APL.01" in text and "PERMOHONAN SERTIFIKASI KOMPETENSI" in text
    assert name in text and "Nama Sesudah Perubahan" not in text
    assert nik in text  # the official application (the LSP's archive) carries the full NIK
    assert scheme.code in text and scheme.title in text
    for code in (U1, U2, U3, U4):
        assert code in text
    assert "Sertifikasi" in text and "Tujuan asesmen" in text
    assert event.tuk.name in text and "LSP BLKI TEST" in text and "BNSP-LSP-999-ID" in text
    assert "Fotokopi" not in text and "Surat keterangan telah menyelesaikan pelatihan" in text


def test_apl01_before_it_is_recorded_shows_the_current_data(event, completed_batch, operator_balikpapan):
    candidate = services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)[0]
    text = text_of(documents.apl01_pdf(candidate))
    assert "belum direkam" in text and candidate.person.full_name in text and candidate.person.nik in text


def test_apl01_lists_the_uploaded_documents(candidates, operator_balikpapan):
    from kompeten.registry.models import PersonDocument

    candidate = candidates[1]
    PersonDocument.objects.create(person=candidate.person, kind="ktp", file="demo/ktp.png", original_name="ktp.png",
                                  content_type="image/png", size=10, sha256="0" * 64)
    services.record_apl01(candidate, by=operator_balikpapan)
    text = text_of(documents.apl01_pdf(candidate))
    assert "Fotokopi KTP" in text and "ktp.png" in text


def test_apl02_has_the_self_assessment_per_unit_and_no_nik(decided, scheme):
    text = text_of(documents.apl02_pdf(decided))
    assert "FR.APL.02" in text and "ASESMEN MANDIRI" in text
    assert decided.person.full_name in text and scheme.code in text and MET in text
    for code in (U1, U2, U4):
        assert line_with(text, code).rstrip().endswith(" K"), line_with(text, code)
    assert line_with(text, U3).rstrip().endswith(" BK")
    assert "Merawat mesin sepeda motor" in text
    assert decided.person.nik not in text and decided.person.masked_nik not in text


def test_ak02_has_the_record_the_decision_and_the_assessor(decided, scheme, lsp_admin):
    text = text_of(documents.ak02_pdf(decided))
    assert "FR.AK.02" in text and "REKAMAN ASESMEN KOMPETENSI" in text
    assert decided.person.full_name in text and scheme.code in text
    assert MET in text and "Asesor Kompetensi" in text
    for code in (U1, U3, U4):
        assert re.search(rf"{re.escape(code)}.*{TICK}.*\sK$", line_with(text, code)), line_with(text, code)
    assert re.search(rf"{re.escape(U2)}.*{TICK}.*\sBK$", line_with(text, U2))
    assert text.count(TICK) == 4 + 1  # observation for each unit (conftest.assess), and the instruction's tick
    for label in ("Observasi", "tertulis", "lisan", "Portofolio", "pihak", "ketiga"):
        assert label in text
    assert f"Uji ulang unit {U2}" in text
    assert "BELUM KOMPETEN (BK)" in text and lsp_admin.full_name in text
    assert decided.person.nik not in text


def test_ak02_shows_amendments_and_appeals(decided, lsp_admin):
    u2 = decided.results.get(unit__code=U2).unit_id
    services.amend(decided, u2, new_result="K", reason="Salah input: bukti observasi menunjukkan kompeten.",
                   by=lsp_admin)
    services.file_appeal(decided, grounds="Peralatan rusak saat uji.", by=lsp_admin)
    decided.refresh_from_db()
    text = text_of(documents.ak02_pdf(decided))
    assert "Amendments" in text and "Salah input" in text and "BK » K" in text
    assert "FR.AK.04" in text and "Peralatan rusak saat uji." in text
    assert "KOMPETEN (K)" in text  # the decision as amended


def test_ak02_of_an_open_file(candidates, assessor_profile):
    candidate = candidates[2]
    row = candidate.results.select_related("unit").first()
    services.record_unit(candidate, row.unit_id, result="K", methods=["written", "oral"], version=row.version,
                         by=assessor_profile.user)
    text = text_of(documents.ak02_pdf(candidate))
    assert "Belum diputuskan" in text and "not every unit is" in text
    assert text.count(TICK) == 2 + 1


def test_reassessment_lists_only_its_units(decided, scheme, tuk_balikpapan, assessor_profile, operator_balikpapan):
    import datetime

    from conftest import ASSESSMENT_DAY

    later = services.create_event(scheme=scheme, tuk=tuk_balikpapan, date=ASSESSMENT_DAY + datetime.timedelta(days=21),
                                  assessors=[assessor_profile], by=operator_balikpapan)
    again = services.add_reassessment(later, decided, by=operator_balikpapan)
    services.record_apl01(again, by=operator_balikpapan)
    for render in (documents.apl01_pdf, documents.apl02_pdf, documents.ak02_pdf):
        text = text_of(render(again))
        assert U2 in text and U1 not in text and U3 not in text
    assert "uji ulang" in text_of(documents.ak02_pdf(again))
