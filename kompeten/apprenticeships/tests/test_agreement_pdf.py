"""The agreement of apprenticeship (perjanjian pemagangan) as PDF: it parses, and holds what Permenaker 6/2020
art. 13 asks for: the agreement number, both parties, the period, the allowance, the rights and duties, and the
approving authority."""

import datetime
import io

import pytest
from pypdf import PdfReader

from kompeten.apprenticeships import services
from kompeten.apprenticeships.documents import agreement_pdf, authority_title

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def placement(offer, trained, province_admin, company):
    company.nib = "1234567890123"
    company.address = "Jl. Mulawarman No. 8"
    company.region_id = "64.71"
    company.save(update_fields=["nib", "address", "region"])
    offer.authority, offer.authority_region_id, offer.approval_number = "regency", "64.71", "560/77/DISNAKER-BPP"
    offer.save(update_fields=["authority", "authority_region", "approval_number"])
    person = trained[0]
    person.street, person.rt, person.rw, person.village_id = "Jl. Sepinggan Raya 12", "003", "007", "64.71.05.1008"
    person.save(update_fields=["street", "rt", "rw", "village"])
    return services.place_direct(person, offer, by=province_admin, reason="Uji dokumen")


def test_the_agreement_holds_the_parties_and_the_period(placement):
    content = agreement_pdf(placement, day=datetime.date(2025, 6, 20))
    assert content.startswith(b"%PDF")
    text = _text(content)
    assert placement.agreement_number in text
    assert "PERJANJIAN PEMAGANGAN" in text
    assert "PT Tambang Maju" in text and "Andi Pratama" in text
    assert "1 Juli 2025 s.d. 31 Desember 2025" in text
    assert placement.person.nik in text  # the apprentice's own agreement carries the full NIK
    assert "1234567890123" in text and "Jl. Mulawarman No. 8" in text
    assert "Jl. Sepinggan Raya 12" in text and "RT 003 / RW 007" in text
    assert "Rp2.500.000 per bulan" in text
    assert "teori 20% dan praktik 80%" in text
    assert "BPJS Ketenagakerjaan" in text
    assert "Joko Widodo" in text  # the mentor
    assert "Mengetahui" in text and "Kepala Dinas Tenaga Kerja Kota Balikpapan" in text
    assert "560/77/DISNAKER-BPP" in text
    assert "Balikpapan, 20 Juni 2025" in text
    assert "memperoleh bimbingan dari Pembimbing Pemagangan" in text
    assert "menyediakan alat pelindung diri" in text


def test_authority_titles(offer):
    offer.authority, offer.authority_region_id = "province", "64"
    assert authority_title(offer) == "Kepala Dinas Tenaga Kerja dan Transmigrasi Provinsi Kalimantan Timur"
    offer.authority, offer.authority_region_id = "ministry", None
    assert "Kementerian Ketenagakerjaan" in authority_title(offer)
    offer.authority = ""
    assert "Kalimantan Timur" in authority_title(offer)


def test_a_sparse_agreement_still_prints(offer, trained, province_admin):
    """No NIB, no address, no mentor, no approval number: blanks to fill in by hand, not an error."""
    offer.mentors.clear()
    placement = services.place_direct(trained[1], offer, by=province_admin, reason="Uji")
    assert placement.mentor is None
    text = _text(agreement_pdf(placement))
    assert placement.agreement_number in text and "Dewi Lestari" in text
    assert "ditunjuk oleh Pihak Pertama" in text


def test_the_page_serves_the_pdf(client, placement, apprentice_user):
    from django.urls import reverse

    client.force_login(apprentice_user)
    response = client.get(reverse("apprenticeships:agreement_pdf", args=[placement.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="perjanjian-{placement.agreement_number.replace("/", "-")}.pdf"')
    assert placement.agreement_number in _text(response.content)
