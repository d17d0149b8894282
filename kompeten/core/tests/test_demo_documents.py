"""The demo's documents: everyone who applied or enrolled, and the demo job seeker, has a KTP and an ijazah,
pointing at one shared placeholder file per kind."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from kompeten.core import demo
from kompeten.core.demo import JOB_SEEKER_EMAIL, load_demo
from kompeten.registry.documents import missing_documents
from kompeten.registry.models import Person, PersonDocument
from kompeten.selection.models import Application
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return load_demo(persons=200, batch_share=0.2)


def test_applicants_enrolled_and_the_job_seeker_have_ktp_and_ijazah(loaded):
    assert loaded["documents"] > 0
    persons = (set(Application.objects.values_list("person_id", flat=True))
               | set(Enrolment.objects.values_list("person_id", flat=True))
               | {Person.objects.get(user__email=JOB_SEEKER_EMAIL).pk})
    for person in Person.objects.filter(pk__in=persons):
        assert missing_documents(person, ["ktp", "ijazah"]) == [], person
    assert set(PersonDocument.objects.values_list("person_id", flat=True)) == persons
    assert PersonDocument.objects.count() == 2 * len(persons)
    # Uploaded when they registered, so before they applied.
    for document in PersonDocument.objects.select_related("person"):
        assert document.uploaded_at == document.person.created_at and document.uploaded_by is None


def test_one_shared_valid_file_per_kind(loaded):
    files = dict(PersonDocument.objects.values_list("kind", "file").distinct())
    assert files == {"ktp": "demo/ktp.png", "ijazah": "demo/ijazah.pdf"}
    root = Path(settings.MEDIA_ROOT)
    assert sorted(p.name for p in (root / "demo").iterdir()) == ["ijazah.pdf", "ktp.png"]
    png, pdf = (root / "demo/ktp.png").read_bytes(), (root / "demo/ijazah.pdf").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 1000
    assert len(PdfReader(io.BytesIO(pdf), strict=True).pages) == 1
    document = PersonDocument.objects.filter(kind="ktp").first()
    assert (document.content_type, document.size, document.sha256) == (
        "image/png", len(png), hashlib.sha256(png).hexdigest())


def test_running_again_adds_none_and_restores_a_missing_file(loaded):
    count = PersonDocument.objects.count()
    (Path(settings.MEDIA_ROOT) / "demo/ktp.png").unlink()
    assert demo.make_documents() == 0
    assert PersonDocument.objects.count() == count
    assert (Path(settings.MEDIA_ROOT) / "demo/ktp.png").read_bytes() == demo.placeholder_png()
