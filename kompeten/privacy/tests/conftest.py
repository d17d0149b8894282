"""A job seeker with data in most of the tables that hold personal data (the erasure and export tests)."""

import datetime

import pytest

from conftest import make_person, make_user

NAME = "Yohanes Kurniawan"
PHONE = "081234567891"
EMAIL = "yohanes.k@example.test"
BIRTH = datetime.date(1996, 11, 23)
STREET = "Jl. Mulawarman Gg. Melati No. 17"


@pytest.fixture
def rich_person(completed_batch, operator_balikpapan, balikpapan):
    """Yohanes: registered with an account, consents, a prior training, a phone change in the audit log, a
    completed enrolment with a training certificate, a linked participant-list record and an outcome."""
    from kompeten.audit.models import AuditEntry
    from kompeten.audit.services import record
    from kompeten.certificates import services as certificates
    from kompeten.jobs.models import Outcome
    from kompeten.linkage.models import SourceRecord
    from kompeten.registry import services as registry
    from kompeten.registry.models import Consent, PriorTraining
    from kompeten.training.models import Enrolment

    user = make_user(EMAIL, "job_seeker", full_name=NAME)
    person = make_person(full_name=NAME, sex="L", birth_date=BIRTH, serial=21, registered_centre=balikpapan,
                         user=user, birth_place="Samarinda", phone="081200000001", street=STREET, rt="004",
                         rw="002", email=EMAIL, source="self", major="Teknik Mesin")
    for purpose in ("registry", "share_companies", "outcome_surveys"):
        registry.record_consent(person, purpose=purpose, given=True, channel=Consent.Channel.WEB, by=user)
    # A phone change: the audit log holds the old and the new number; the registration's linkage record too.
    registry.update_person(person, data={"phone": PHONE}, by=operator_balikpapan)
    PriorTraining.objects.create(person=person, source="lpk", year=2019, institution="LPK Maju",
                                 vocation="Las listrik", certificate="LPK-2019-77")
    enrolment = Enrolment.objects.create(batch=completed_batch, person=person, source="operator",
                                         status="completed", final_test_passed=True,
                                         outcome_note=f"{NAME} finished early")
    cert = certificates.issue_training(enrolment, by=operator_balikpapan)
    SourceRecord.objects.create(kind="blk_list", raw={"NIK": person.nik, "Nama": NAME, "HP": PHONE,
                                                      "Alamat": STREET, "Tgl Lahir": "23-11-1996"},
                                nik=person.nik, name=NAME.upper(), birth_date=BIRTH, phone=PHONE, address=STREET,
                                kk="6471050101960001", person=person, training_year=2018)
    Outcome.objects.create(person=person, status="employed", employer="PT Kaltim Jaya", source="self",
                           on=datetime.date(2025, 10, 1), note=f"called {PHONE}")
    record(AuditEntry.Action.VIEW_NIK, person, by=operator_balikpapan)
    person.refresh_from_db()
    person.certificate = cert
    return person
