"""Issuing, numbering, status changes, re-issue and look-up of certificates (services.py)."""

import datetime
import hashlib
import re

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import assess, make_batch, make_person
from kompeten.assessment import services as assessment
from kompeten.certificates import codec, keystore, services, verification
from kompeten.certificates.models import (
    Certificate,
    CertificateStatus,
    IssuerKind,
    LedgerEntry,
    NumberCounter,
    StatusChange,
)
from kompeten.certificates.tests.helpers import approve_all, at, completed_enrolments
from kompeten.core.errors import DomainError
from kompeten.training.models import Enrolment, EnrolmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(candidates, assessor, lsp_admin):
    return approve_all(candidates, assessor, lsp_admin)


@pytest.fixture
def enrolments(completed_batch):
    return list(completed_batch.enrolments.order_by("pk"))


def seqs(issuer, year):
    return sorted(Certificate.objects.filter(issuer=issuer, year=year).values_list("seq", flat=True))


# --- numbering --------------------------------------------------------------------------------------


def test_numbers_follow_the_pattern_and_are_gapless_per_issuer_and_year(enrolments, operator_balikpapan):
    certs = [services.issue_training(e, by=operator_balikpapan, issued_at=at(2025, 5, 10)) for e in enrolments]
    issuer = certs[0].issuer
    assert issuer.kind == IssuerKind.CENTRE
    assert [c.seq for c in certs] == [1, 2, 3]
    assert [c.number for c in certs] == [f"{issuer.number_prefix}/2025/{n:05d}" for n in (1, 2, 3)]
    assert len({c.number for c in certs}) == 3
    assert NumberCounter.objects.get(issuer=issuer, year=2025).last == 3


def test_a_new_year_restarts_at_one(enrolments):
    first = services.issue_training(enrolments[0], issued_at=at(2025, 12, 31, 23, 0))
    second = services.issue_training(enrolments[1], issued_at=at(2026, 1, 1, 0, 30))
    third = services.issue_training(enrolments[2], issued_at=at(2025, 12, 31, 23, 30))  # late entry, old year
    assert (first.year, first.seq) == (2025, 1)
    assert (second.year, second.seq) == (2026, 1) and "/2026/00001" in second.number
    assert (third.year, third.seq) == (2025, 2)


def test_the_issuer_number_pattern_is_used(enrolments):
    cert = services.issue_training(enrolments[0], issued_at=at(2025, 5, 10))
    issuer = cert.issuer
    issuer.number_pattern = "{seq:04d}/{issuer}/PELATIHAN/{year}"
    issuer.save()
    cert = services.issue_training(enrolments[1], issued_at=at(2025, 5, 10))
    assert cert.number == f"0002/{issuer.number_prefix}/PELATIHAN/2025"


def test_a_failed_issue_leaves_no_gap(enrolments, monkeypatch):
    services.issue_training(enrolments[0], issued_at=at(2025, 5, 10))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.ledger, "append", broken)
    with pytest.raises(RuntimeError):
        services.issue_training(enrolments[1], issued_at=at(2025, 5, 10))
    monkeypatch.undo()
    cert = services.issue_training(enrolments[2], issued_at=at(2025, 5, 10))
    assert cert.seq == 2
    assert not Certificate.objects.filter(enrolment=enrolments[1]).exists()


NUMBERING = st.lists(st.tuples(st.sampled_from([0, 1]), st.sampled_from([2025, 2026])), min_size=1, max_size=10)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=NUMBERING)
def test_property_numbers_per_issuer_and_year_are_exactly_one_to_n(plan, balikpapan, bontang, programme_year):
    """Any interleaving of issues across two issuers and two years: each (issuer, year) gets 1..n."""
    with transaction.atomic():
        batches = [make_batch(balikpapan, programme_year, status="completed"),
                   make_batch(bontang, programme_year, status="completed")]
        enrolments = [completed_enrolments(batch, len(plan), first_serial=1000 * (i + 1))
                      for i, batch in enumerate(batches)]
        for position, (which, year) in enumerate(plan):
            services.issue_training(enrolments[which][position], issued_at=at(year, 6, 1))
        issuers = {which: services.issuer_for_centre(batch.centre) for which, batch in enumerate(batches)}
        for (which, year) in set(plan):
            n = plan.count((which, year))
            assert seqs(issuers[which], year) == list(range(1, n + 1))
            numbers = Certificate.objects.filter(issuer=issuers[which], year=year).values_list("number", flat=True)
            assert len(set(numbers)) == n
        transaction.set_rollback(True)


# --- public codes and holder ids ----------------------------------------------------------------------


def test_public_codes_are_random_unambiguous_and_not_sequential(balikpapan, programme_year):
    batch = make_batch(balikpapan, programme_year, status="completed")
    certs = [services.issue_training(e) for e in completed_enrolments(batch, 8)]
    codes = [c.public_code for c in certs]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == services.CODE_LENGTH == 12
        assert set(code) <= set(services.CODE_ALPHABET)
        assert not set(code) & set("01OILU")
    # Not a counter: consecutive certificates share no long common prefix, and the order is not sorted.
    assert len({code[:6] for code in codes}) == len(codes)
    assert codes != sorted(codes) or codes != sorted(codes, reverse=True)
    assert services.new_public_code() != services.new_public_code()


def test_holder_id_is_the_same_on_all_of_a_persons_certificates_and_not_from_the_nik(
        completed_batch, approved, enrolments):
    person = approved[0].person
    training = services.issue_training(Enrolment.objects.get(batch=completed_batch, person=person))
    competency = services.issue_competency(approved[0])
    other = services.issue_competency(approved[1])
    assert training.holder_id == competency.holder_id != other.holder_id
    assert re.fullmatch(r"[0-9a-f]{16}", training.holder_id)
    ring = keystore.keyring()
    for cert in (training, competency):
        verification = codec.verify(cert.qr_digits, ring)
        assert verification.ok
        claims = verification.claims.to_dict()
        text = repr(claims) + cert.holder_id + verification.claims.holder_id.hex()
        assert person.nik not in text
        assert person.nik[6:12] not in text  # the birth-date part
        for digest in (hashlib.sha256, hashlib.md5, hashlib.sha1):
            assert digest(person.nik.encode()).hexdigest()[:16] != cert.holder_id
        assert claims["holder_name"] == person.full_name


# --- eligibility and validity -------------------------------------------------------------------------


def test_training_certificate_needs_a_completed_enrolment(balikpapan, programme_year):
    batch = make_batch(balikpapan, programme_year, status="completed")
    [enrolment] = completed_enrolments(batch, 1, status=EnrolmentStatus.NOT_COMPLETED)
    with pytest.raises(DomainError) as error:
        services.issue_training(enrolment)
    assert error.value.code == "not_completed"
    assert not Certificate.objects.exists()
    assert not NumberCounter.objects.filter(last__gt=0).exists()


def test_competency_certificate_needs_an_approved_k(candidates, assessor, lsp_admin):
    not_decided = assess(candidates[0], assessor)  # submitted, not yet decided by the LSP
    bk = approve_all([candidates[1]], assessor, lsp_admin, {"T.45OTO00.002.1": "BK"})[0]
    for candidate in (not_decided, bk):
        with pytest.raises(DomainError) as error:
            services.issue_competency(candidate)
        assert error.value.code == "not_competent"
    assessment.approve(not_decided, by=lsp_admin)
    not_decided.refresh_from_db()
    assert services.issue_competency(not_decided).kind == "competency"


def test_validity_comes_from_the_scheme(approved, enrolments, scheme):
    cert = services.issue_competency(approved[0], issued_at=at(2025, 5, 10))
    assert scheme.validity_months == 36
    assert cert.issued_on == datetime.date(2025, 5, 10)
    assert cert.valid_until == datetime.date(2028, 5, 9)
    assert cert.scheme_code == scheme.code and [u[0] for u in cert.units] == list(
        scheme.units.order_by("order").values_list("code", flat=True))
    training = services.issue_training(enrolments[0], issued_at=at(2025, 5, 10))
    assert training.valid_until is None


@pytest.mark.parametrize("issued, months, until", [
    (datetime.date(2025, 5, 10), 36, datetime.date(2028, 5, 9)),
    (datetime.date(2025, 1, 31), 1, datetime.date(2025, 2, 27)),  # no 31 February: the 28th, less a day
    (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 27)),
    (datetime.date(2025, 12, 1), 1, datetime.date(2025, 12, 31)),
    (datetime.date(2025, 5, 10), 0, None),
])
def test_valid_until_arithmetic(issued, months, until):
    assert services._valid_until(issued, months) == until


def test_issuing_is_idempotent(approved, enrolments):
    first = services.issue_competency(approved[0])
    assert services.issue_competency(approved[0]) == first
    training = services.issue_training(enrolments[0])
    assert services.issue_training(enrolments[0]) == training
    assert Certificate.objects.count() == 2
    assert LedgerEntry.objects.filter(action="issue").count() == 2


def test_issuer_not_accredited_on_the_issue_date(approved, lsp):
    with pytest.raises(DomainError) as error:
        services.issue_competency(approved[0], issued_at=at(2029, 1, 2))
    assert error.value.code == "not_accredited"
    assert not Certificate.objects.exists()


# --- status -------------------------------------------------------------------------------------------


def test_revoke_suspend_reinstate_with_reasons_never_delete(approved, operator_balikpapan):
    cert = services.issue_competency(approved[0])
    with pytest.raises(DomainError) as error:
        services.suspend(cert, reason="   ", by=operator_balikpapan)
    assert error.value.code == "reason_required"

    cert = services.suspend(cert, reason="Under investigation", by=operator_balikpapan)
    assert cert.status == CertificateStatus.SUSPENDED and cert.status_reason == "Under investigation"
    with pytest.raises(DomainError) as error:
        services.suspend(cert, reason="again", by=operator_balikpapan)
    assert error.value.code == "same_status"
    cert = services.reinstate(cert, reason="Cleared", by=operator_balikpapan)
    assert cert.status == CertificateStatus.ACTIVE
    with pytest.raises(DomainError) as error:
        services.reinstate(cert, reason="Cleared", by=operator_balikpapan)
    assert error.value.code in ("same_status", "not_suspended")
    cert = services.revoke(cert, reason="Fraudulent evidence", by=operator_balikpapan)
    assert cert.status == CertificateStatus.REVOKED and cert.status_changed_at is not None
    with pytest.raises(DomainError) as error:
        services.reinstate(cert, reason="oops", by=operator_balikpapan)
    assert error.value.code == "already_revoked"

    assert Certificate.objects.filter(pk=cert.pk).exists()  # never deleted
    changes = list(StatusChange.objects.filter(certificate=cert).values_list("old_status", "new_status", "reason"))
    assert changes == [("active", "suspended", "Under investigation"), ("suspended", "active", "Cleared"),
                       ("active", "revoked", "Fraudulent evidence")]
    assert list(LedgerEntry.objects.filter(certificate=cert).values_list("action", flat=True)) == [
        "issue", "suspended", "reinstate", "revoked"]


def test_a_certificate_cannot_be_deleted_while_it_has_history(approved):
    from django.db.models import ProtectedError

    cert = services.issue_competency(approved[0])
    with pytest.raises(ProtectedError):
        cert.delete()


def test_reissue_revokes_the_old_certificate_with_a_pointer_to_the_new(approved, operator_balikpapan):
    cert = services.issue_competency(approved[0])
    person = approved[0].person
    person.full_name = "Andi Pratama Putra"
    person.save()
    with pytest.raises(DomainError):
        services.reissue(cert, reason=" ", by=operator_balikpapan)
    new = services.reissue(cert, reason="Name corrected", by=operator_balikpapan)
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED and cert.status_reason == "Name corrected"
    assert cert.replaced_by == new
    assert new.status == CertificateStatus.ACTIVE and new.holder_name == "Andi Pratama Putra"
    assert new.number != cert.number and new.public_code != cert.public_code and new.seq == cert.seq + 1
    assert new.holder_id == cert.holder_id and new.assessment == cert.assessment
    assert cert.holder_name == "Andi Pratama"  # what was signed stays as it was
    assert services.issue_competency(approved[0]) == new


# --- look-up ------------------------------------------------------------------------------------------


def test_find_by_code_in_any_form_and_by_number(approved):
    cert = services.issue_competency(approved[0])
    code = cert.public_code
    for text in (code, code.lower(), services.format_code(code), services.format_code(code).lower(),
                 f"  {code[:4]} {code[4:8]} {code[8:]} "):
        assert services.find(text) == cert
    assert services.find(cert.number) == cert
    assert services.find(cert.number.lower()) is None
    assert services.find("") is None and services.find("X" * 200) is None
    assert services.find("2345-6789-ABCD") is None


def test_people_are_not_confused_by_unrelated_records(completed_batch, approved):
    """The eligible lists: completed enrolments and approved K results without a current certificate."""
    assert set(services.eligible_assessments(approved[0].event)) == set(approved)
    services.issue_competency(approved[0])
    assert set(services.eligible_assessments(approved[0].event)) == set(approved[1:])
    make_person(full_name="Tidak Terdaftar", serial=77)
    assert services.eligible_enrolments(completed_batch).count() == 3


def test_an_amendment_that_withdraws_kompeten_revokes_the_certificate(candidates, assessor, lsp_admin):
    approved = assessment.approve(assess(candidates[0], assessor), by=lsp_admin)
    cert = services.issue_competency(approved, by=lsp_admin)
    unit = approved.results.first().unit_id
    assessment.amend(approved, unit, new_result="BK", reason="bukti ternyata palsu", by=lsp_admin)
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED and "bukti ternyata palsu" in cert.status_reason
    assert verification.verify_code(cert.public_code)["status"] == "revoked"


def test_a_row_changed_behind_the_signature_is_invalid(completed_batch):
    cert = services.issue_training(completed_batch.enrolments.order_by("pk").first())
    assert verification.verify_code(cert.public_code)["status"] == "valid"
    Certificate.objects.filter(pk=cert.pk).update(holder_name="Nama Lain")
    assert verification.verify_code(cert.public_code)["status"] == "invalid"
    assert verification.verify_qr(services.qr_text(cert))["status"] == "invalid"


def test_find_refuses_control_characters(completed_batch):
    cert = services.issue_training(completed_batch.enrolments.order_by("pk").first())
    assert services.find(cert.number) == cert
    assert services.find(cert.number + "\x00") is None
