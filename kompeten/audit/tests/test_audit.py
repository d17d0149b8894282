import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from kompeten.audit.models import AppendOnlyError, AuditEntry
from kompeten.audit.services import record

pytestmark = pytest.mark.django_db


def test_entries_cannot_be_changed_or_deleted(person_balikpapan, province_admin):
    entry = record("update", person_balikpapan, by=province_admin, changes={"phone": ["", "+62811"]})
    entry.note = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_database_refuses_raw_update(person_balikpapan, province_admin):
    entry = record("update", person_balikpapan, by=province_admin)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET note = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).note == ""


def test_log_is_for_province_admins_only(client, province_admin, operator_balikpapan, person_balikpapan):
    record("view_nik", person_balikpapan, by=operator_balikpapan)
    client.force_login(operator_balikpapan)
    assert client.get(reverse("audit:list")).status_code == 404
    client.force_login(province_admin)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert "Operator Balikpapan" in response.content.decode()


def test_log_view_masks_nik(client, province_admin, person_balikpapan):
    record("create", person_balikpapan, by=province_admin, changes={"nik": [None, person_balikpapan.nik]})
    client.force_login(province_admin)
    content = client.get(reverse("audit:list")).content.decode()
    assert person_balikpapan.nik not in content and person_balikpapan.nik[-4:] in content
