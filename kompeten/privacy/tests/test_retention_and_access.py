"""The retention command, and breach readiness: the access report from the audit log alone."""

import datetime
import json

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from conftest import make_person
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.privacy import services
from kompeten.privacy.models import Erasure
from kompeten.registry import documents
from kompeten.registry.models import Person, PersonDocument

pytestmark = pytest.mark.django_db
OLD = datetime.datetime(2018, 5, 2, 8, 0, tzinfo=datetime.UTC)


def _document(person, at):
    doc = PersonDocument(person=person, kind="ktp", original_name="ktp.jpg", content_type="image/jpeg", size=3,
                         sha256="0" * 64, uploaded_at=at)
    doc.file.save("ktp.jpg", ContentFile(b"abc"), save=False)
    doc.save()
    return doc


def test_retention_erases_inactive_persons_and_old_documents(balikpapan, capsys):
    with time_machine.travel(OLD, tick=False):
        inactive = make_person(full_name="Lama Sekali", serial=31, registered_centre=balikpapan)
    active = make_person(full_name="Masih Aktif", serial=32, registered_centre=balikpapan)
    old_doc_of_active = _document(active, OLD)
    newer_doc = _document(active, OLD + datetime.timedelta(days=30))
    _document(active, datetime.datetime.now(datetime.UTC))
    today = datetime.date(2025, 6, 1)

    call_command("privacy", "retention", "--dry-run", "--json", "--today", today.isoformat())
    planned = json.loads(capsys.readouterr().out)
    assert planned["persons_erased"] == [inactive.pk]
    assert set(planned["documents_deleted"]) == {old_doc_of_active.pk, newer_doc.pk}
    assert not Erasure.objects.exists() and PersonDocument.objects.count() == 3

    call_command("privacy", "retention", "--today", today.isoformat())
    assert "1" in capsys.readouterr().out
    erasure = Erasure.objects.get()
    assert erasure.person_id == inactive.pk and erasure.reason == "retention"
    assert Person.objects.get(pk=inactive.pk).full_name == services.ERASED
    assert Person.objects.get(pk=active.pk).full_name == "Masih Aktif"
    assert PersonDocument.objects.count() == 1
    # Applied again: nothing more to do.
    call_command("privacy", "retention", "--json", "--today", today.isoformat())
    again = json.loads(capsys.readouterr().out)
    assert again["persons_erased"] == [] and again["documents_deleted"] == []


def test_retention_keeps_a_person_with_a_running_enrolment(balikpapan, batch_balikpapan):
    from kompeten.training.models import Enrolment

    with time_machine.travel(OLD, tick=False):
        person = make_person(full_name="Sedang Pelatihan", serial=33, registered_centre=balikpapan)
        Enrolment.objects.create(batch=batch_balikpapan, person=person, source="operator", status="enrolled")
    assert services.apply_retention(datetime.date(2025, 6, 1))["persons_erased"] == []


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_access_report_names_the_persons_viewed_or_exported(operator_balikpapan, province_admin, balikpapan,
                                                            capsys):
    from kompeten.reference.models import Region

    village = Region.objects.filter(level="village", code__startswith="64.71").first()
    viewed = make_person(full_name="Dilihat Satu", serial=51, registered_centre=balikpapan, village=village)
    nik_seen = make_person(full_name="Nik Dibuka", serial=52, registered_centre=balikpapan,
                           district="64.74.02")
    exported = make_person(full_name="Diekspor Tiga", serial=53, registered_centre=balikpapan)
    outside = make_person(full_name="Di Luar Waktu", serial=54, registered_centre=balikpapan)
    downloaded = make_person(full_name="Dokumen Diunduh", serial=55, registered_centre=balikpapan)
    document = _document(downloaded, OLD)
    start = datetime.datetime(2025, 11, 3, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start - datetime.timedelta(hours=1), tick=False):
        services.log_view(_request(operator_balikpapan), outside)
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        services.log_view(_request(operator_balikpapan), viewed)
        services.log_view(_request(operator_balikpapan), viewed, page="certificate")
        record(AuditEntry.Action.VIEW_NIK, nik_seen, by=operator_balikpapan)
        services.log_export(_request(operator_balikpapan), [exported.pk, viewed.pk], "pencari-kerja.xlsx")
        services.log_view(_request(province_admin), outside)  # another user
        documents.record_download(document, by=operator_balikpapan)
    end = start + datetime.timedelta(hours=2)

    report = services.access_report(operator_balikpapan, start, end)
    assert [row["person_id"] for row in report["persons"]] == sorted([viewed.pk, nik_seen.pk, exported.pk,
                                                                      downloaded.pk])
    by_id = {row["person_id"]: row for row in report["persons"]}
    assert by_id[viewed.pk]["actions"] == {"view": 2, "export": 1}
    assert "nik" in by_id[nik_seen.pk]["data"] and "certificate" in by_id[viewed.pk]["data"]
    letter = report["letter"]
    assert letter["number_of_persons"] == 4
    assert "documents" in by_id[downloaded.pk]["data"]
    assert "full NIK" in letter["kinds_of_data"] and "certificates" in letter["kinds_of_data"]
    regencies = {item["code"]: item["persons"] for item in letter["per_regency"]}
    assert regencies.get("64.74") == 1 and sum(regencies.values()) == 4
    assert letter["time_window"] == {"from": start.isoformat(), "to": end.isoformat()}

    call_command("privacy", "access-report", "--user", "OPERATOR@blki-balikpapan.test", "--from",
                 "2025-11-03T08:00:00+00:00", "--to", "2025-11-03T10:00:00+00:00", "--json")
    assert json.loads(capsys.readouterr().out)["letter"]["number_of_persons"] == 4
    call_command("privacy", "access-report", "--user", "operator@blki-balikpapan.test", "--from",
                 "2025-11-03T08:00:00+00:00", "--to", "2025-11-03T10:00:00+00:00")
    out = capsys.readouterr().out
    assert "Dilihat Satu" in out and "persons affected: 4" in out
    with pytest.raises(CommandError, match="no user"):
        call_command("privacy", "access-report", "--user", "x@y.test", "--from", "2025-11-03", "--to", "2025-11-04")
    with pytest.raises(CommandError, match="--from"):
        call_command("privacy", "access-report", "--user", "operator@blki-balikpapan.test", "--from", "yesterday",
                     "--to", "2025-11-04")
    with pytest.raises(CommandError, match="after its start"):
        call_command("privacy", "access-report", "--user", "operator@blki-balikpapan.test", "--from",
                     "2025-11-04", "--to", "2025-11-03")
