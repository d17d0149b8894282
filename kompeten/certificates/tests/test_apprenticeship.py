"""The certificate of apprenticeship (kind 3), issued when a company assesses its apprentice as passed: signed by
the provincial manpower office, its QR payload decodes and verifies, it prints, it is an Open Badge of type
ApprenticeshipCertificate, and only the province admin manages it."""

import datetime
import io
import json
import re
from pathlib import Path

import cbor2
import jsonschema
import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pypdf import PdfReader

from conftest import make_user
from kompeten.certificates import access, badges, codec, keystore, pdf, services, statuslists, verification
from kompeten.certificates.models import Certificate, CertificateKind, CertificateStatus, IssuerKind
from kompeten.core.errors import DomainError

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "data" / "achievementcredential.json").read_text())
START = datetime.date(2025, 7, 1)
ENDED = datetime.date(2025, 12, 30)


# --- fixtures: an approved offer of ``company`` and a placement of a trained person, completed and passed ------


@pytest.fixture
def offer(company, programme_year):
    from kompeten.apprenticeships.models import Mentor, Offer
    from kompeten.reference.models import Kbji

    mentor = Mentor.objects.create(company=company, name="Joko Widodo", position="Supervisor Workshop")
    offer = Offer.objects.create(
        company=company, programme_year=programme_year, title="Mekanik Alat Berat",
        occupation=Kbji.objects.filter(code__startswith="7233").order_by("code").first(), slots=4,
        start_date=START, months=6, theory_percent=20, allowance=2_500_000, status="approved",
        address="Jl. Mulawarman No. 8, Balikpapan", approval_number="500.15/123/DTKT/2025")
    offer.locations.set(["64.71"])
    offer.mentors.add(mentor)
    return offer


@pytest.fixture
def apprentice(completed_batch):
    enrolment = completed_batch.enrolments.select_related("person").order_by("person__full_name").first()
    person = enrolment.person
    person.birth_place = "Balikpapan"
    person.save(update_fields=["birth_place"])
    return person


def running_placement(person, offer, province_admin):
    from kompeten.apprenticeships import services as apprenticeships

    placement = apprenticeships.place_direct(person, offer, by=province_admin, reason="penempatan langsung",
                                             today=datetime.date(2025, 6, 1))
    apprenticeships.transition(placement, "signed", by=province_admin)
    return apprenticeships.transition(placement, "active", by=province_admin, on=START)


@pytest.fixture
def placement(apprentice, offer, province_admin):
    return running_placement(apprentice, offer, province_admin)


@pytest.fixture
def cert(placement, company_user):
    from kompeten.apprenticeships import services as apprenticeships

    issued = apprenticeships.complete(placement, passed=True, score=80, notes="Disiplin dan terampil.",
                                      by=company_user, on=ENDED)
    assert isinstance(issued, Certificate)
    return issued


@pytest.fixture
def lsp_manager(lsp_admin):
    return lsp_admin


def decoded_cwt(digits: str) -> dict:
    return cbor2.loads(cbor2.loads(codec.from_digits(digits)).value[2])


def scan(data: bytes, page: int = 0, dpi: int = 150) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


# --- issuing ----------------------------------------------------------------------------------------------


def test_complete_issues_a_certificate_of_apprenticeship_signed_by_the_office(cert, placement, company):
    cert.refresh_from_db()
    assert cert.kind == CertificateKind.APPRENTICESHIP and cert.placement_id == placement.pk
    assert cert.issuer.kind == IssuerKind.OFFICE and cert.issuer.code == settings.KOMPETEN_OFFICE_CODE
    assert cert.issuer.centre_id is None and cert.issuer.lsp_id is None
    assert cert.issuer_name == settings.KOMPETEN_OFFICE_NAME
    assert cert.number == "MAG/2025/00001"
    assert cert.title == "Mekanik Alat Berat" and cert.centre_name == company.name
    assert (cert.scheme_code, cert.units, cert.kkni_level, cert.valid_until) == ("", [], None, None)
    assert cert.issued_on == ENDED
    assert cert.status == CertificateStatus.ACTIVE
    assert cert.ledger_entries.filter(action="issue").count() == 1


def test_issue_apprenticeship_is_idempotent(cert, placement):
    again = services.issue_apprenticeship(placement)
    assert again.pk == cert.pk
    assert Certificate.objects.filter(placement=placement).count() == 1


def test_a_placement_not_passed_gets_no_certificate(placement, company_user):
    from kompeten.apprenticeships import services as apprenticeships

    assert apprenticeships.complete(placement, passed=False, score=40, notes="Belum memenuhi.", by=company_user,
                                    on=ENDED) is None
    with pytest.raises(DomainError):
        services.issue_apprenticeship(placement)
    assert not Certificate.objects.filter(placement=placement).exists()


def test_numbers_run_on_per_year_under_the_office_prefix(cert, trained_second, offer, province_admin, company_user):
    from kompeten.apprenticeships import services as apprenticeships

    second = running_placement(trained_second, offer, province_admin)
    other = apprenticeships.complete(second, passed=True, score=None, notes="", by=company_user, on=ENDED)
    assert other.number == "MAG/2025/00002" and other.issuer_id == cert.issuer_id
    assert other.status_index == cert.status_index + 1


@pytest.fixture
def trained_second(completed_batch, apprentice):
    return completed_batch.enrolments.exclude(person=apprentice).order_by("person__full_name").first().person


# --- the QR payload -----------------------------------------------------------------------------------------


def test_the_qr_payload_has_kind_3_and_verifies(cert, company):
    cwt = decoded_cwt(cert.qr_digits)
    printed = cwt[codec.CLAIM_CERTIFICATE]
    assert printed[codec.KIND] == 3
    assert printed[codec.CENTRE_NAME] == company.name and printed[codec.TITLE] == "Mekanik Alat Berat"
    assert codec.CLAIM_EXP not in cwt and codec.UNITS not in printed and codec.SCHEME_CODE not in printed
    assert cwt[codec.CLAIM_ISS] == settings.KOMPETEN_OFFICE_CODE
    result = codec.verify(cert.qr_digits, keystore.keyring())
    assert result.ok and result.claims.kind == "apprenticeship" and result.claims.valid_until is None
    assert result.claims.status_index == cert.status_index


def test_verify_qr_and_verify_code_say_valid(cert, company):
    for answer in (verification.verify_qr(services.qr_text(cert)), verification.verify_qr(cert.qr_digits),
                   verification.verify_code(cert.public_code), verification.verify_code(cert.number)):
        assert answer["status"] == verification.VALID, answer
        assert {check["check"]: check["ok"] for check in answer["checks"]} == {
            "signature": True, "issuer": True, "status": True, "competence": True}
        printed = answer["certificate"]
        assert printed["kind"] == "apprenticeship" and printed["centre"] == company.name
        assert printed["issuer"] == settings.KOMPETEN_OFFICE_NAME
        assert printed["valid_until"] is None and printed["units"] == [] and printed["scheme_code"] is None


def test_the_codec_rejects_kind_4(cert):
    """A payload signed by a published key but with kind 4 is malformed, not a fourth kind."""
    key = cert.key
    private = keystore.private_key(key)
    cwt = decoded_cwt(cert.qr_digits)
    cwt[codec.CLAIM_CERTIFICATE][codec.KIND] = 4
    payload = cbor2.dumps(cwt, canonical=True)
    protected = cbor2.dumps({1: -8, 4: keystore.keys.b64url_decode(key.kid)})
    signature = private.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    digits = codec.to_digits(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])))
    result = codec.verify(digits, keystore.keyring())
    assert (result.ok, result.reason) == (False, "malformed")
    with pytest.raises(codec.CodecError, match="kind"):
        codec._claims_from_cwt(cwt)
    assert verification.verify_qr(digits)["status"] == verification.INVALID
    # The same forged payload with kind 3 verifies: it is the kind alone that is refused.
    cwt[codec.CLAIM_CERTIFICATE][codec.KIND] = 3
    assert codec._claims_from_cwt(cwt).kind == "apprenticeship"
    assert codec.KINDS == ("training", "competency", "apprenticeship")


# --- the printed certificate ------------------------------------------------------------------------------


def test_the_pdf_pages_and_their_qr_code(cert, company, placement):
    data = pdf.render(cert)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    front, back = (page.extract_text() for page in reader.pages)
    for expected in ("SERTIFIKAT PEMAGANGAN", "Certificate of Apprenticeship", "has completed an apprenticeship as",
                     "Mekanik Alat Berat", "Place of apprenticeship", company.name, "Apprenticeship period",
                     "1 Juli 2025 s.d. 30 Desember 2025", "Company's final assessment", "80/100", "Kepala Dinas",
                     settings.KOMPETEN_OFFICE_NAME.upper(), cert.number, cert.holder_name,
                     services.format_code(cert.public_code)):
        assert expected in front, expected
    assert "Berlaku sampai" not in front  # no expiry
    for expected in ("RINGKASAN PROGRAM PEMAGANGAN", "Apprenticeship Programme Summary", placement.agreement_number,
                     "Jl. Mulawarman No. 8, Balikpapan", "Joko Widodo", "20% / 80%", "500.15/123/DTKT/2025",
                     "Peraturan Menteri Ketenagakerjaan No. 6 Tahun 2020"):
        assert expected in back, expected
    assert cert.person.nik not in front + back
    # The printed QR code reads back as the certificate's QR text, which verifies.
    assert scan(data) == [services.qr_text(cert)]
    assert verification.verify_qr(scan(data)[0])["status"] == verification.VALID


def test_the_pdf_without_a_score(trained_second, offer, province_admin, company_user):
    from kompeten.apprenticeships import services as apprenticeships

    second = running_placement(trained_second, offer, province_admin)
    cert = apprenticeships.complete(second, passed=True, score=None, notes="", by=company_user, on=ENDED)
    front = PdfReader(io.BytesIO(pdf.render(cert))).pages[0].extract_text()
    assert "Place of apprenticeship" in front and "Company's final assessment" not in front


def test_a_long_company_name_and_title_still_print(placement, company, company_user, offer):
    """The longest names a company and an offer may have: the QR code still fits, the lines are cut to the page."""
    from kompeten.apprenticeships import services as apprenticeships

    company.name = "PT " + "Perusahaan Pertambangan dan Energi Kalimantan Timur Sejahtera " * 3
    company.save(update_fields=["name"])
    offer.title = "Teknisi Perawatan dan Perbaikan Alat Berat Pertambangan Batubara Terbuka " * 2
    offer.save(update_fields=["title"])
    cert = apprenticeships.complete(placement, passed=True, score=95, notes="", by=company_user, on=ENDED)
    data = pdf.render(cert)
    assert scan(data) == [services.qr_text(cert)]


# --- Open Badges 3.0 --------------------------------------------------------------------------------------


def test_the_open_badge_is_an_apprenticeship_certificate(cert, company, placement):
    badge = badges.openbadge_for(cert)
    validator = jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
    assert [error.message for error in validator.iter_errors(badge)] == []
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "ApprenticeshipCertificate"
    assert achievement["name"] == "Mekanik Alat Berat" and company.name in achievement["description"]
    assert "alignment" not in achievement and "humanCode" not in achievement
    assert achievement["id"] == (f"{settings.KOMPETEN_BASE_URL}/issuers/{cert.issuer.code}/apprenticeships/"
                                 f"{placement.offer_id}")
    assert badge["issuer"]["name"] == settings.KOMPETEN_OFFICE_NAME
    assert badge["issuer"]["id"] == statuslists.issuer_id(cert.issuer)
    assert "validUntil" not in badge
    assert badge["credentialStatus"]["statusListCredential"] == statuslists.list_url(cert.issuer, "revocation")
    assert badges.verify_openbadge(badge)
    assert badges.openbadge_for(cert) == badge


# --- who manages it ---------------------------------------------------------------------------------------


def test_only_the_province_admin_manages_it(cert, province_admin, lsp_manager, operator_balikpapan, company_user,
                                             apprentice_account):
    assert access.can_manage(province_admin, cert)
    for user in (lsp_manager, operator_balikpapan, company_user, apprentice_account):
        assert not access.can_manage(user, cert), user


@pytest.fixture
def apprentice_account(apprentice):
    user = make_user("magang@example.test", "job_seeker", full_name=apprentice.full_name)
    apprentice.user = user
    apprentice.save(update_fields=["user"])
    return user


def test_revocation_by_the_province_admin(cert, province_admin, client):
    client.force_login(province_admin)
    response = client.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": "perjanjian dipalsukan"})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED
    answer = verification.verify_code(cert.public_code)
    assert answer["status"] == verification.REVOKED and answer["reason"] == "perjanjian dipalsukan"
    revoked = statuslists.bits(cert.issuer, "revocation")
    assert revoked.get(cert.status_index)


@pytest.mark.parametrize("who", ["lsp_manager", "operator_balikpapan"])
@pytest.mark.parametrize("action", ["revoke", "suspend", "reissue"])
def test_an_lsp_manager_or_an_operator_cannot_change_it(cert, client, request, who, action):
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse(f"certificates:{action}", args=[cert.pk]), {"reason": "coba"})
    assert response.status_code == 404
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.ACTIVE


def test_reissue_gives_a_new_office_number(cert, province_admin):
    new = services.reissue(cert, reason="nama dikoreksi", by=province_admin)
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED and cert.replaced_by_id == new.pk
    assert new.kind == CertificateKind.APPRENTICESHIP and new.placement_id == cert.placement_id
    assert re.fullmatch(r"MAG/\d{4}/\d{5}", new.number) and new.number != cert.number  # issued today
    assert new.issuer_id == cert.issuer_id
    assert verification.verify_code(new.public_code)["status"] == verification.VALID


# --- pages -----------------------------------------------------------------------------------------------


def test_the_verification_page_shows_the_company_as_the_place(cert, company, client):
    response = client.get(reverse("certificates:verify_code", args=[cert.public_code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Place of apprenticeship" in page and company.name in page
    assert "Certificate of apprenticeship" in page
    assert "Training centre / venue" not in page


def test_the_browser_strings_know_the_kind(client):
    response = client.get(reverse("certificates:verify_fragment"))
    strings = response.context["strings"]
    assert strings["kinds"]["apprenticeship"] == str(CertificateKind.APPRENTICESHIP.label)
    assert strings["fields"]["place"] == "Place of apprenticeship"


def test_the_list_filters_by_the_new_kind(cert, province_admin, client, completed_batch):
    services.issue_training(completed_batch.enrolments.order_by("pk").first())
    client.force_login(province_admin)
    response = client.get(reverse("certificates:list"), {"kind": "apprenticeship"})
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"]] == [cert.pk]
    assert ("apprenticeship", CertificateKind.APPRENTICESHIP.label) in response.context["form"].fields["kind"].choices


def test_the_detail_page_for_the_province_admin(cert, company, province_admin, client):
    client.force_login(province_admin)
    response = client.get(reverse("certificates:detail", args=[cert.pk]))
    assert response.status_code == 200 and response.context["manage"] is True
    assert "Place of apprenticeship" in response.content.decode()


def test_the_apprentice_downloads_pdf_and_badge(cert, client, apprentice_account):
    client.force_login(apprentice_account)
    assert client.get(reverse("certificates:pdf", args=[cert.pk])).status_code == 200
    assert client.get(reverse("certificates:openbadge", args=[cert.pk])).status_code == 200


# --- the command line -------------------------------------------------------------------------------------


def run(*args) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("certificates", *[str(arg) for arg in args], stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_cli_list_verify_and_pdf(cert, completed_batch, tmp_path):
    services.issue_training(completed_batch.enrolments.order_by("pk").first())
    out, error = run("list", "--json", "--kind", "apprenticeship")
    assert error is None
    rows = json.loads(out)
    assert [(row["number"], row["kind"], row["issuer"], row["expires"]) for row in rows] == [
        (cert.number, "apprenticeship", settings.KOMPETEN_OFFICE_CODE, None)]
    out, error = run("list")
    assert error is None and "2 certificates" in out
    line = next(line for line in out.splitlines() if line.startswith(cert.number))
    assert "apprenticeship" in line
    # Online (the register) and offline (a keys file).
    out, error = run("verify", services.qr_text(cert))
    assert error is None and json.loads(out)["certificate"]["kind"] == "apprenticeship"
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(keystore.jwks()))
    revocation = tmp_path / "revocation.json"
    revocation.write_text(json.dumps(statuslists.credential(cert.issuer, "revocation")))
    out, error = run("verify", services.qr_text(cert), "--keys", keys_file, "--status-list", revocation)
    answer = json.loads(out)
    assert error is None and answer["status"] == "valid"
    assert answer["certificate"]["kind"] == "apprenticeship" and answer["certificate"]["centre"] == cert.centre_name
    assert answer["certificate"]["iss"] == settings.KOMPETEN_OFFICE_CODE
    target = tmp_path / "magang.pdf"
    out, error = run("pdf", cert.public_code, "--out", target)
    assert error is None and cert.number in out
    assert scan(target.read_bytes()) == [services.qr_text(cert)]


def test_api_verify_answers_for_a_certificate_of_apprenticeship(client, cert):
    """POST /api/v1/verify (the "check status online" button of /v) knows the apprenticeship kind."""
    response = client.post("/api/v1/verify", {"code": cert.public_code},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "valid"
    assert body["certificate"]["kind"] == "apprenticeship"
