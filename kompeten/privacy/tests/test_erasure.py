"""Erasure leaves none of the person's identifying values in any table (the audit log included), keeps the
certificates under the retention rule, and their public verification still works without the name."""

import datetime

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models.functions import Cast

from kompeten.audit.models import AppendOnlyError, AuditEntry
from kompeten.certificates import verification
from kompeten.certificates.models import Certificate
from kompeten.privacy import services
from kompeten.privacy.models import Erasure
from kompeten.privacy.tests.conftest import BIRTH, EMAIL, NAME, PHONE, STREET
from kompeten.registry.models import Person
from kompeten.registry.services import current_consents

pytestmark = pytest.mark.django_db


def _found_anywhere(tokens, dates=()) -> list[str]:
    """Every (table.column) of every installed model whose text, JSON or date values contain one of ``tokens``."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        manager = model._base_manager
        for field in model._meta.concrete_fields:
            column = f"{model._meta.db_table}.{field.column}"
            if isinstance(field, models.JSONField):
                query = manager.annotate(_text=Cast(field.name, models.TextField()))
                for token in tokens:
                    if query.filter(_text__icontains=token).exists():
                        found.append(f"{column} ~ {token}")
            elif isinstance(field, models.CharField | models.TextField) and not field.is_relation:
                for token in tokens:
                    if manager.filter(**{f"{field.name}__icontains": token}).exists():
                        found.append(f"{column} ~ {token}")
            elif type(field) is models.DateField:
                for day in dates:
                    if manager.filter(**{field.name: day}).exists():
                        found.append(f"{column} = {day}")
    return found


def test_erasure_leaves_no_personal_value_anywhere(rich_person, province_admin):
    nik = rich_person.nik
    tokens = [nik, NAME, NAME.upper(), PHONE, "081200000001", EMAIL, STREET, BIRTH.isoformat(), "23-11-1996",
              "6471050101960001"]
    # The set-up really spread the values: the audit log, the linkage records, the certificate hold them.
    before = _found_anywhere(tokens, [BIRTH])
    for place in ("audit_auditentry.changes", "audit_auditentry.object_label", "linkage_sourcerecord.raw",
                  "certificates_certificate.holder_name", "registry_person.nik", "accounts_user.email",
                  "jobs_outcome.note", "training_enrolment.outcome_note"):
        assert any(hit.startswith(place) for hit in before), place

    erasure = services.erase_person(rich_person, by=province_admin)

    assert _found_anywhere(tokens, [BIRTH]) == []
    assert erasure.summary["audit.AuditEntry"] >= 3
    person = Person.objects.get(pk=rich_person.pk)
    assert person.full_name == services.ERASED and person.user is None and person.phone == ""
    assert not person.prior_trainings.exists()
    # Nothing is processed any more: every consent withdrawn, by a new record.
    assert not any(c.given for c in current_consents(person).values())
    # The erasure itself is in the log, without personal data.
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.ERASE).get()
    assert entry.object_id == str(person.pk)


def test_certificates_keep_number_scheme_dates_status_and_verify_without_the_name(rich_person, province_admin):
    cert = rich_person.certificate
    kept = {name: getattr(cert, name) for name in ("number", "kind", "title", "scheme_code", "issued_on",
                                                    "valid_until", "status", "public_code", "issuer_name")}
    assert verification.verify_code(cert.public_code)["status"] == verification.VALID

    services.erase_person(rich_person, by=province_admin)

    cert = Certificate.objects.get(pk=cert.pk)
    assert {name: getattr(cert, name) for name in kept} == kept
    assert cert.holder_name == services.ERASED and cert.holder_birth_date is None
    answer = verification.verify_code(cert.public_code)
    assert answer["status"] == verification.VALID
    assert NAME not in str(answer) and answer["certificate"]["number"] == cert.number


def test_erasure_is_once_and_the_audit_log_stays_append_only(rich_person, province_admin):
    services.erase_person(rich_person, by=province_admin)
    with pytest.raises(Exception, match="already"):
        services.erase_person(Person.objects.get(pk=rich_person.pk), by=province_admin)
    assert Erasure.objects.count() == 1
    entry = AuditEntry.objects.first()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="x")
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET note = 'x' WHERE id = %s", [entry.pk])


def test_other_persons_are_untouched(rich_person, province_admin, person_balikpapan):
    services.erase_person(rich_person, by=province_admin)
    other = Person.objects.get(pk=person_balikpapan.pk)
    assert other.full_name == "Budi Santoso" and other.birth_date == datetime.date(2001, 7, 4)


# Fields the personal-data detector flags that erasure keeps, and why.
KEPT = {
    "registry.Person.nik": "replaced by a pseudonym (unique, required) in erase_person",
    "registry.Person.nik_confirmed_at": "a time, not the NIK",
    "assessment.Assessment.apl01_at": "a time, not the APL-01 data",
    "certificates.Certificate.issuer_name": "the issuer's name, not the holder's",
    "certificates.Certificate.centre_name": "the training centre's name",
    "certificates.Certificate.holder_id": "8 random bytes, never derived from the person; in the ledger",
}


def test_every_personal_field_has_an_erasure_rule():
    """A personal field added later without an erasure rule fails here, naming it."""
    from kompeten.privacy.tests.test_model_walk import is_personal, reachable_models

    missing = []
    for model in reachable_models():
        label = model._meta.label
        rule = services.ERASE.get(label, {})
        for field in model._meta.concrete_fields:
            name = f"{label}.{field.name}"
            if is_personal(field) and rule is not services.DELETE and field.name not in rule and name not in KEPT:
                missing.append(name)
    assert not missing, "personal fields without an erasure rule (privacy.services.ERASE): " + ", ".join(missing)
