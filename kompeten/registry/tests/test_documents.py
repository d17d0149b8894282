"""A job seeker's documents: recognised by content, kept with their history, seen only by who may see the person."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_user
from kompeten.audit.models import AuditEntry
from kompeten.core.errors import DomainError
from kompeten.registry.documents import current_documents, missing_documents, upload_document
from kompeten.registry.models import PersonDocument

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOT_DOCUMENTS = {
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(60),
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(60),
    "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its files in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "documents"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class TestUpload:
    def test_png_renamed_pdf_is_accepted_as_png(self, person_balikpapan, operator_balikpapan):
        document = upload_document(person_balikpapan, "ktp", upload("ktp-saya.pdf", PNG), by=operator_balikpapan)
        document.refresh_from_db()
        assert (document.kind, document.content_type, document.original_name) == ("ktp", "image/png", "ktp-saya.pdf")
        assert document.size == len(PNG) and document.sha256 == hashlib.sha256(PNG).hexdigest()
        assert document.uploaded_by == operator_balikpapan
        # Stored in the private folder, under a random name with the extension of the content.
        path = Path(document.file.path)
        assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "documents" / str(person_balikpapan.pk))
        assert path.suffix == ".png" and "ktp-saya" not in path.name and path.read_bytes() == PNG
        entry = AuditEntry.objects.get(action="create", object_type="registry.persondocument")
        assert entry.object_id == str(document.pk) and entry.actor == operator_balikpapan
        assert entry.changes["sha256"] == [None, document.sha256]

    @pytest.mark.parametrize(("name", "content", "content_type"), [
        ("ijazah.pdf", PDF, "application/pdf"), ("foto.jpeg", JPEG, "image/jpeg"), ("scan", PNG, "image/png"),
    ])
    def test_recognised_by_content(self, person_balikpapan, name, content, content_type):
        document = upload_document(person_balikpapan, "ijazah", upload(name, content, "text/plain"), by=None)
        assert document.content_type == content_type

    @pytest.mark.parametrize("kind", sorted(NOT_DOCUMENTS))
    def test_other_files_named_pdf_are_refused(self, person_balikpapan, kind):
        with pytest.raises(DomainError) as error:
            upload_document(person_balikpapan, "ktp", upload("ktp.pdf", NOT_DOCUMENTS[kind]), by=None)
        assert error.value.code == "document_type"
        assert "PDF, JPEG or PNG" in error.value.message
        assert not PersonDocument.objects.exists() and not stored_files()

    def test_too_big_and_empty_are_refused(self, person_balikpapan, settings):
        settings.DOCUMENT_MAX_BYTES = 1024
        with pytest.raises(DomainError) as error:
            upload_document(person_balikpapan, "ktp", upload("ktp.pdf", PDF + bytes(1024)), by=None)
        assert error.value.code == "document_too_big" and "1.0\xa0KB" in error.value.message
        with pytest.raises(DomainError) as error:
            upload_document(person_balikpapan, "ktp", upload("ktp.pdf", b""), by=None)
        assert error.value.code == "document_empty"
        with pytest.raises(DomainError) as error:
            upload_document(person_balikpapan, "passport", upload("paspor.pdf", PDF), by=None)
        assert error.value.code == "document_kind_unknown"
        assert not PersonDocument.objects.exists()

    def test_the_default_limit_is_5_mb(self):
        assert settings.DOCUMENT_MAX_BYTES == 5 * 1024 * 1024

    def test_replacing_keeps_history(self, person_balikpapan, operator_balikpapan):
        assert missing_documents(person_balikpapan, ["ktp", "ijazah"]) == ["ktp", "ijazah"]
        first = upload_document(person_balikpapan, "ktp", upload("lama.pdf", PDF), by=operator_balikpapan)
        second = upload_document(person_balikpapan, "ktp", upload("baru.png", PNG), by=operator_balikpapan)
        assert set(PersonDocument.objects.values_list("pk", flat=True)) == {first.pk, second.pk}
        assert Path(first.file.path).exists() and Path(second.file.path).exists()
        assert current_documents(person_balikpapan) == {"ktp": second}
        assert missing_documents(person_balikpapan, ["ktp", "ijazah"]) == ["ijazah"]
        assert missing_documents(person_balikpapan, []) == []
        assert AuditEntry.objects.filter(action="create", object_type="registry.persondocument").count() == 2


class TestMyDocuments:
    def test_job_seeker_uploads_and_sees_own(self, client, job_seeker):
        client.force_login(job_seeker)
        page = client.get(reverse("registry:my_profile")).content.decode()
        assert 'enctype="multipart/form-data"' in page and 'accept="application/pdf,image/jpeg,image/png' in page
        response = client.post(reverse("registry:my_document_upload"),
                               {"kind": "ijazah", "file": upload("ijazah.pdf", PDF)})
        assert response.status_code == 302 and response["Location"].endswith("#documents")
        document = PersonDocument.objects.get()
        assert document.person == job_seeker.person and document.uploaded_by == job_seeker
        page = client.get(reverse("registry:my_profile")).content.decode()
        assert "ijazah.pdf" in page and reverse("registry:document_download", args=[document.pk]) in page

    def test_refused_file_shows_the_reason(self, client, job_seeker):
        client.force_login(job_seeker)
        response = client.post(reverse("registry:my_document_upload"),
                               {"kind": "ktp", "file": upload("ktp.pdf", NOT_DOCUMENTS["html"])})
        assert response.status_code == 400
        assert "not a PDF, JPEG or PNG file" in response.content.decode()
        assert not PersonDocument.objects.exists()

    def test_own_download(self, client, job_seeker):
        document = upload_document(job_seeker.person, "ktp", upload("KTP Siti.pdf", PNG), by=job_seeker)
        client.force_login(job_seeker)
        response = client.get(reverse("registry:document_download", args=[document.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment;") and "KTP Siti.png" in response[
            "Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert not AuditEntry.objects.filter(action="export").exists()  # one's own document is not logged

    def test_other_job_seeker_and_outsider_operator_get_404(self, client, job_seeker, operator_bontang,
                                                            company_user):
        document = upload_document(job_seeker.person, "ktp", upload("ktp.pdf", PDF), by=job_seeker)
        other = make_user("rudi@example.test", "job_seeker")
        url = reverse("registry:document_download", args=[document.pk])
        for outsider in (other, operator_bontang, company_user):
            client.force_login(outsider)
            assert client.get(url).status_code == 404, outsider
        assert not AuditEntry.objects.filter(action="export").exists()

    def test_anonymous_and_wrong_method(self, client, job_seeker):
        document = upload_document(job_seeker.person, "ktp", upload("ktp.pdf", PDF), by=job_seeker)
        url = reverse("registry:document_download", args=[document.pk])
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))
        client.force_login(job_seeker)
        assert client.post(url).status_code == 405
        assert client.get(reverse("registry:my_document_upload")).status_code == 405

    def test_staff_cannot_use_the_job_seekers_upload(self, client, operator_balikpapan):
        client.force_login(operator_balikpapan)
        response = client.post(reverse("registry:my_document_upload"), {"kind": "ktp", "file": upload("k.pdf", PDF)})
        assert response.status_code == 404 and not PersonDocument.objects.exists()


class TestStaff:
    def test_staff_download_is_audited(self, client, job_seeker, operator_balikpapan, province_admin):
        document = upload_document(job_seeker.person, "ktp", upload("ktp.pdf", PDF), by=job_seeker)
        url = reverse("registry:document_download", args=[document.pk])
        for user in (operator_balikpapan, province_admin):
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        entries = AuditEntry.objects.filter(action="export", object_type="registry.persondocument",
                                            object_id=str(document.pk))
        assert {e.actor for e in entries} == {operator_balikpapan, province_admin}

    def test_operator_uploads_on_the_person_page(self, client, operator_balikpapan, person_balikpapan):
        client.force_login(operator_balikpapan)
        url = reverse("registry:person_document_upload", args=[person_balikpapan.pk])
        response = client.post(url, {"kind": "ak1", "file": upload("ak1.jpg", JPEG)})
        assert response.status_code == 302
        document = PersonDocument.objects.get()
        assert (document.person, document.kind, document.uploaded_by) == (person_balikpapan, "ak1",
                                                                          operator_balikpapan)
        page = client.get(reverse("registry:person_detail", args=[person_balikpapan.pk])).content.decode()
        assert "ak1.jpg" in page and url in page
        response = client.post(url, {"kind": "ak1", "file": upload("ak1.pdf", NOT_DOCUMENTS["zip"])}, follow=True)
        assert "not a PDF, JPEG or PNG file" in response.content.decode()
        assert PersonDocument.objects.count() == 1
        assert client.get(url).status_code == 405

    def test_outsider_operator_cannot_upload(self, client, operator_bontang, person_balikpapan):
        client.force_login(operator_bontang)
        url = reverse("registry:person_document_upload", args=[person_balikpapan.pk])
        assert client.post(url, {"kind": "ktp", "file": upload("ktp.pdf", PDF)}).status_code == 404
        assert not PersonDocument.objects.exists()

    def test_person_page_query_count(self, client, operator_balikpapan, person_balikpapan,
                                     django_assert_max_num_queries):
        for index in range(6):
            upload_document(person_balikpapan, ["ktp", "ijazah", "photo"][index % 3], upload(f"{index}.pdf", PDF),
                            by=operator_balikpapan)
        client.force_login(operator_balikpapan)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("registry:person_detail", args=[person_balikpapan.pk]))
        assert response.status_code == 200
        assert response.content.decode().count("replaced") == 3
