"""Online verification by QR text or code/number: valid, expired, revoked, suspended, invalid, and privacy."""

import datetime
import json
import logging

import pytest

from kompeten.certificates import codec, services, verification
from kompeten.certificates.tests.helpers import approve_all, at

pytestmark = pytest.mark.django_db

INVALID = {"status": "invalid", "reason": "invalid", "checks": [], "certificate": None}


@pytest.fixture
def cert(candidates, assessor, lsp_admin):
    approved = approve_all(candidates, assessor, lsp_admin)
    return services.issue_competency(approved[0], issued_at=at(2025, 5, 10))


def test_valid_by_qr_and_by_code(cert):
    for answer in (verification.verify_qr(services.qr_text(cert), today=datetime.date(2025, 6, 1)),
                   verification.verify_qr(cert.qr_digits, today=datetime.date(2025, 6, 1)),
                   verification.verify_code(services.format_code(cert.public_code).lower(),
                                            today=datetime.date(2025, 6, 1)),
                   verification.verify_code(cert.number, today=datetime.date(2025, 6, 1))):
        assert answer["status"] == "valid"
        assert {c["check"]: c["ok"] for c in answer["checks"]} == {
            "signature": True, "issuer": True, "status": True, "competence": True}
        printed = answer["certificate"]
        assert printed["number"] == cert.number and printed["holder_name"] == "Andi Pratama"
        assert printed["valid_until"] == "2028-05-09" and printed["scheme_code"] == "SKM-TEST-01"
        assert len(printed["units"]) == 4


def test_expired_competence_still_verifies_as_expired(cert):
    assert verification.verify_code(cert.public_code, today=datetime.date(2028, 5, 9))["status"] == "valid"
    answer = verification.verify_code(cert.public_code, today=datetime.date(2028, 5, 10))
    assert answer["status"] == "expired"
    assert answer["certificate"]["number"] == cert.number
    checks = {c["check"]: c for c in answer["checks"]}
    assert checks["signature"]["ok"] and not checks["competence"]["ok"]
    assert verification.verify_qr(services.qr_text(cert), today=datetime.date(2030, 1, 1))["status"] == "expired"


def test_revoked_with_reason_and_replacement(cert, operator_balikpapan):
    services.revoke(cert, reason="Evidence was forged", by=operator_balikpapan)
    for answer in (verification.verify_code(cert.public_code), verification.verify_qr(services.qr_text(cert))):
        assert answer["status"] == "revoked" and answer["reason"] == "Evidence was forged"
        status_check = next(c for c in answer["checks"] if c["check"] == "status")
        assert status_check["status"] == "revoked" and status_check["since"]


def test_reissued_points_to_the_new_certificate(cert, operator_balikpapan):
    new = services.reissue(cert, reason="Name corrected", by=operator_balikpapan)
    answer = verification.verify_code(cert.public_code)
    assert answer["status"] == "revoked" and answer["replaced_by"] == services.format_code(new.public_code)
    assert verification.verify_code(new.public_code)["status"] == "valid"


def test_suspended(cert, operator_balikpapan):
    services.suspend(cert, reason="Appeal pending", by=operator_balikpapan)
    answer = verification.verify_code(cert.public_code, today=datetime.date(2025, 6, 1))
    assert answer["status"] == "suspended" and answer["reason"] == "Appeal pending"
    services.reinstate(cert, reason="Appeal rejected", by=operator_balikpapan)
    assert verification.verify_code(cert.public_code, today=datetime.date(2025, 6, 1))["status"] == "valid"


def tampered_digits(cert) -> list[str]:
    digits = cert.qr_digits
    middle = len(digits) // 2
    flipped = digits[:middle] + str((int(digits[middle]) + 1) % 10) + digits[middle + 1:]
    # A well-formed payload with a changed claim and the original signature.
    cose = codec.from_digits(digits)
    forged = cose.replace(b"Andi Pratama", b"Andi Pratame")
    assert forged != cose
    return [flipped, digits[:-1], digits + "7", codec.to_digits(forged), "9" * 50, "", "abc"]


def test_tampered_or_garbage_qr_is_one_generic_invalid(cert, caplog):
    with caplog.at_level(logging.WARNING, logger="kompeten.verify"):
        for text in tampered_digits(cert):
            assert verification.verify_qr(text, ip="203.0.113.9") == INVALID
    assert "203.0.113.9" in caplog.text  # the real reason is logged, not answered


def test_unknown_code_is_the_same_generic_invalid(cert):
    other = "".join("2" if ch != "2" else "3" for ch in cert.public_code)
    for text in (other, "LSP-TEST/2025/99999", "x", "", "'; DROP TABLE x; --", "A" * 500):
        assert verification.verify_code(text) == INVALID


def test_a_signed_payload_not_in_the_register_is_invalid(cert):
    """A valid signature whose number or code is not ours (e.g. the row was changed) says nothing more."""
    type(cert).objects.filter(pk=cert.pk).update(number="LSP-TEST/2025/99999")
    assert verification.verify_qr(services.qr_text(cert)) == INVALID


def test_a_row_changed_after_signing_fails_by_code(cert):
    type(cert).objects.filter(pk=cert.pk).update(qr_digits=tampered_digits(cert)[0])
    assert verification.verify_code(cert.public_code) == INVALID


def test_no_personal_data_in_answers(cert):
    person = cert.person
    person.phone = "081234567890"
    person.email = "andi@example.test"
    person.save()
    answer = verification.verify_code(cert.public_code, today=datetime.date(2025, 6, 1))
    text = json.dumps(answer)
    assert set(answer["certificate"]) == {"number", "code", "kind", "holder_name", "title", "scheme_code", "units",
                                          "kkni_level", "issuer", "centre", "issued_on", "valid_until"}
    for secret in (person.nik, person.birth_date.isoformat(), person.birth_date.strftime("%d-%m-%Y"), person.phone,
                   person.email, cert.holder_id):
        assert secret not in text
    if getattr(person, "street", ""):
        assert person.street not in text


def test_birth_date_can_be_checked_not_read(cert):
    assert verification.birth_date_matches(cert.public_code, cert.person.birth_date)
    assert not verification.birth_date_matches(cert.public_code, datetime.date(1990, 1, 1))
    assert not verification.birth_date_matches("nothing", cert.person.birth_date)


def test_rate_limit(cert):
    from django.core.cache import cache

    cache.clear()
    assert not any(verification.rate_limited("198.51.100.7") for _ in range(verification.RATE_LIMIT))
    assert verification.rate_limited("198.51.100.7")
    assert not verification.rate_limited("198.51.100.8")
