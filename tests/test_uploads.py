"""Hostile uploads are refused by content, with a message that says what is wrong, and nothing is written.

kompeten/core/uploads.py checks every uploaded file: the spreadsheet imports (job seekers, vacancies, participant
lists) and the scans and photos that are kept (documents, signed agreements). Each hostile file here goes through a
real entry point (the import page, the document upload page, the importers' functions) and the test checks the
message, that no row or file was written, and that a harmless file of the same kind passes the same check (so that
the refusal is about the hostile content, not about the way the test builds files).
"""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kompeten.audit.models import AuditEntry
from kompeten.core import uploads
from kompeten.core.uploads import FileRejected, check_document, check_spreadsheet
from kompeten.registry.models import Person, PersonDocument

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# The first bytes of a real Windows program (the DOS stub header of a PE file).
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(47) + b"PE\x00\x00" + bytes(200)
BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
               for i in range(1, 10))
    + b"]>\n"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def workbook_bytes() -> bytes:
    """A real, harmless .xlsx of the job seekers' import (openpyxl)."""
    from kompeten.registry.importer import TEMPLATE_HEADERS

    workbook = openpyxl.Workbook()
    workbook.active.title = "Data"
    workbook.active.append(list(TEMPLATE_HEADERS))
    workbook.active.append(["6471055203990001", "Siti Aminah", "P"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def without_declaration(part: bytes) -> bytes:
    return part.split(b"?>", 1)[1] if part.startswith(b"<?xml") else part


def rewrite(data: bytes, changes: dict[str, bytes], *, extra: dict[str, bytes] | None = None) -> bytes:
    """The workbook ``data`` with some parts replaced (``changes``) or added (``extra``)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, changes.get(info.filename, source.read(info.filename)))
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook whose sheet unpacks to 50 MB of one repeated byte: about 50 KB on the wire."""
    data = workbook_bytes()
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * 50_000_000)
    return rewrite(data, {"xl/worksheets/sheet1.xml": padded})


def xml_bomb() -> bytes:
    """A workbook whose workbook.xml opens with the "billion laughs" entities (a few hundred bytes, 3 GB when
    expanded)."""
    data = workbook_bytes()
    part = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    body = without_declaration(part)
    return rewrite(data, {"xl/workbook.xml": BILLION_LAUGHS + body.replace(b"<sheets>", b"<sheets>&lol9;", 1)})


def import_page(client, user, name: str, content: bytes):
    client.force_login(user)
    return client.post(reverse("registry:import"), {"file": SimpleUploadedFile(name, content)})


def assert_nothing_imported(before: tuple[int, int]):
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


# --- spreadsheets ---------------------------------------------------------------------------------------------


def test_a_harmless_workbook_passes_the_check():
    assert check_spreadsheet(io.BytesIO(workbook_bytes())) == "xlsx"
    assert check_spreadsheet(io.BytesIO(b"nik;nama\n6471055203990001;Siti Aminah\n")) == "csv"


def test_zip_bomb_disguised_as_xlsx_is_refused_on_the_import_page(client, province_admin):
    bomb = zip_bomb()
    assert len(bomb) < 200_000
    assert openpyxl.load_workbook(io.BytesIO(bomb), read_only=True).worksheets[0]["B2"].value == "Siti Aminah"
    before = (Person.objects.count(), AuditEntry.objects.count())
    response = import_page(client, province_admin, "peserta.xlsx", bomb)
    page = response.content.decode()
    assert response.status_code == 200 and "zip bomb" in page and "xl/worksheets/sheet1.xml" in page
    assert_nothing_imported(before)


def test_xml_bomb_inside_an_xlsx_is_refused(client, province_admin):
    bomb = xml_bomb()
    with pytest.raises(FileRejected) as refused:
        check_spreadsheet(io.BytesIO(bomb))
    assert refused.value.code == "xml_bomb"
    assert "XML bomb" in refused.value.message and "xl/workbook.xml" in refused.value.message
    before = (Person.objects.count(), AuditEntry.objects.count())
    page = import_page(client, province_admin, "peserta.xlsx", bomb).content.decode()
    assert "XML bomb" in page
    assert_nothing_imported(before)


def test_openpyxl_itself_never_expands_entities():
    """Had our check missed it, openpyxl would not expand the entities either: it reads sheets with defusedxml's
    iterparse, and the workbook part with lxml without entity resolution (lxml comes with PyLD)."""
    import defusedxml.ElementTree
    from defusedxml import DefusedXmlException
    from openpyxl.xml import functions

    assert functions.iterparse is defusedxml.ElementTree.iterparse
    with pytest.raises(Exception) as refused:  # noqa: B017, PT011 - DefusedXmlException or lxml's XMLSyntaxError
        openpyxl.load_workbook(io.BytesIO(xml_bomb()), read_only=True)
    assert isinstance(refused.value, DefusedXmlException) or "entity" in str(refused.value).lower()


def test_a_dtd_after_a_long_comment_is_still_found():
    data = workbook_bytes()
    part = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    comment = b"<!--" + b"x" * 200_000 + b"-->"
    padded = b'<?xml version="1.0"?>' + comment + without_declaration(BILLION_LAUGHS) + without_declaration(part)
    with pytest.raises(FileRejected) as refused:
        check_spreadsheet(io.BytesIO(rewrite(data, {"xl/workbook.xml": padded})))
    assert refused.value.code == "xml_bomb"


def test_a_pdf_renamed_xlsx_is_refused(client, province_admin):
    before = (Person.objects.count(), AuditEntry.objects.count())
    page = import_page(client, province_admin, "peserta.xlsx", PDF).content.decode()
    assert "This file is not a spreadsheet (it is a PDF file, whatever its name says)" in page
    assert_nothing_imported(before)


def test_a_program_renamed_csv_is_named_as_a_program():
    with pytest.raises(FileRejected) as refused:
        check_spreadsheet(io.BytesIO(EXE))
    assert "Windows program" in refused.value.message


def test_an_oversized_spreadsheet_is_refused(client, province_admin):
    data = workbook_bytes()
    with override_settings(IMPORT_MAX_BYTES=len(data) - 1):
        page = import_page(client, province_admin, "peserta.xlsx", data).content.decode()
    assert "the limit is" in page
    assert not Person.objects.exists()


def test_too_many_parts_are_refused():
    data = rewrite(workbook_bytes(), {}, extra={f"xl/media/p{i}.bin": b"" for i in range(uploads.ZIP_MAX_MEMBERS)})
    with pytest.raises(FileRejected) as refused:
        check_spreadsheet(io.BytesIO(data))
    assert refused.value.code == "zip_bomb" and "parts" in refused.value.message


def test_many_small_parts_that_add_up_to_a_bomb_are_refused():
    """Each part stays under the 1 MB a single part may unpack to at any ratio; together they are 40 MB."""
    parts = {f"xl/media/p{i}.bin": b"\x00" * 1_000_000 for i in range(40)}
    data = rewrite(workbook_bytes(), {}, extra=parts)
    with pytest.raises(FileRejected) as refused:
        check_spreadsheet(io.BytesIO(data))
    assert refused.value.code == "zip_bomb"


@pytest.mark.parametrize("importer", ["jobs", "linkage"])
def test_the_other_importers_use_the_same_checks(importer, province_admin):
    if importer == "jobs":
        from kompeten.jobs.importer import import_vacancies

        report = import_vacancies(io.BytesIO(xml_bomb()), filename="lowongan.xlsx", by=province_admin)
    else:
        from kompeten.linkage.importer import import_list

        report = import_list(io.BytesIO(zip_bomb()), filename="daftar.xlsx", kind="blk_list", year=2024,
                             by=province_admin)
    assert "bomb" in report.file_error and not report.written


# --- documents (kept files) -----------------------------------------------------------------------------------


def upload(client, user, name: str, content: bytes):
    client.force_login(user)
    return client.post(reverse("registry:my_document_upload"),
                       {"kind": "ktp", "file": SimpleUploadedFile(name, content, content_type="application/pdf")})


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_stored(client, job_seeker, media_root):
    response = upload(client, job_seeker, "ktp.pdf", EXE)
    assert response.status_code == 400
    assert "This file is a Windows program (EXE) file, not a PDF, JPEG or PNG file" in response.content.decode()
    assert not PersonDocument.objects.exists() and stored(media_root) == []


def test_an_oversized_document_is_refused_and_nothing_is_stored(client, job_seeker, media_root, settings):
    settings.DOCUMENT_MAX_BYTES = len(PDF) - 1
    response = upload(client, job_seeker, "ktp.pdf", PDF)
    assert response.status_code == 400 and "the limit is" in response.content.decode()
    assert not PersonDocument.objects.exists() and stored(media_root) == []


def test_a_real_pdf_is_kept_outside_the_web_root_and_served_only_through_the_scoped_view(
        client, job_seeker, media_root, operator_bontang, settings):
    assert upload(client, job_seeker, "ktp.pdf", PDF).status_code == 302
    document = PersonDocument.objects.get()
    path = Path(document.file.path).resolve()
    assert path.is_relative_to(media_root.resolve()) and path.read_bytes() == PDF
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"  # no URL prefix serves the folder
    client.logout()
    assert client.get("/" + document.file.name).status_code == 404
    assert client.get("/media/" + document.file.name).status_code == 404
    url = reverse("registry:document_download", args=[document.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(operator_bontang)  # another centre's operator
    assert client.get(url).status_code == 404
    client.force_login(job_seeker)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(("content", "content_type"), [
    (PDF, "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40), "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40), "image/png"),
])
def test_documents_are_recognised_by_signature(content, content_type):
    assert check_document(SimpleUploadedFile("any.name", content)) == content_type
