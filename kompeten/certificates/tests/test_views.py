"""Certificate pages: public verification (no login, no personal data, rate-limited), published keys and status
lists, the staff pages scoped to the user's centre or LSP, status changes, batch issuance with its progress bar,
and the job seeker's own certificates."""

import datetime
import json

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from conftest import make_person, make_user
from kompeten.certificates import services, verification
from kompeten.certificates.models import Certificate, CertificateStatus, IssuanceJob, JobStatus
from kompeten.certificates.tests.helpers import approve_all, at
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1999, 3, 12)  # conftest.make_person's default birth date


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def approved(candidates, assessor, lsp_admin):
    return approve_all(candidates, assessor, lsp_admin)


@pytest.fixture
def cert(approved):
    """Andi Pratama's competency certificate (LSP BLKI Test, assessed at BLKI Balikpapan)."""
    return services.issue_competency(approved[0], issued_at=at(2025, 5, 10))


@pytest.fixture
def training_cert(completed_batch, operator_balikpapan):
    """A training certificate of BLKI Balikpapan."""
    enrolment = completed_batch.enrolments.order_by("pk").first()
    return services.issue_training(enrolment, by=operator_balikpapan, issued_at=at(2025, 4, 10))


@pytest.fixture
def bontang_cert(bontang, programme_year, operator_bontang):
    from conftest import make_batch

    batch = make_batch(bontang, programme_year, status="completed")
    person = make_person(full_name="Rina Wati", serial=31, district="64.74.02", registered_centre=bontang)
    enrolment = Enrolment.objects.create(batch=batch, person=person, source="operator", status="completed",
                                         final_test_passed=True)
    return services.issue_training(enrolment, by=operator_bontang, issued_at=at(2025, 4, 11))


@pytest.fixture
def own_cert(job_seeker, completed_batch, operator_balikpapan):
    """The job seeker persona's own training certificate."""
    enrolment = Enrolment.objects.create(batch=completed_batch, person=job_seeker.person, source="operator",
                                         status="completed", final_test_passed=True)
    return services.issue_training(enrolment, by=operator_balikpapan, issued_at=at(2025, 4, 12))


def page(response) -> str:
    return response.content.decode()


def assert_no_personal_data(text: str, cert: Certificate) -> None:
    person = cert.person
    birth = person.birth_date
    for secret in (person.nik, person.masked_nik, birth.isoformat(), birth.strftime("%d-%m-%Y"),
                   birth.strftime("%d/%m/%Y"), f"{birth.day} {birth:%B} {birth.year}", f"{birth:%B} {birth.day}, "):
        assert secret not in text, secret
    if person.phone:
        assert person.phone not in text


# --- public pages ---------------------------------------------------------------------------------


def test_public_pages_need_no_login_and_show_no_personal_data(client, cert):
    assert cert.person.birth_date == BIRTH and cert.holder_birth_date == BIRTH
    for url in (reverse("certificates:verify_fragment"), reverse("certificates:verify")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_personal_data(page(response), cert)
    assert reverse("certificates:verify_fragment") == "/v"
    response = client.get(reverse("certificates:verify_code", args=[cert.public_code]))
    assert response.status_code == 200
    text = page(response)
    assert "Andi Pratama" in text and cert.number in text and 'data-status="valid"' in text
    assert "T.45OTO00.001.1" in text and "Merawat mesin sepeda motor" in text
    assert_no_personal_data(text, cert)


def test_verify_page_has_the_footer_link_everywhere(client):
    assert reverse("certificates:verify") in page(client.get(reverse("core:home")))


def test_verify_by_code_with_dashes_and_lowercase(client, cert):
    code = services.format_code(cert.public_code).lower()
    assert "-" in code
    response = client.get(reverse("certificates:verify"), {"q": f"  {code} "})
    assert response.status_code == 200
    text = page(response)
    assert 'data-status="valid"' in text and "Andi Pratama" in text
    for check in ("signature", "issuer", "status", "competence"):
        assert f'data-check="{check}" data-ok="1"' in text
    assert_no_personal_data(text, cert)
    # The same through the form (POST), by number, and by the pasted QR text.
    for q in (code, cert.number, services.qr_text(cert), cert.qr_digits):
        response = client.post(reverse("certificates:verify"), {"q": q})
        assert 'data-status="valid"' in page(response), q


def test_unknown_and_tampered_get_one_generic_answer(client, cert):
    answers = set()
    digits = cert.qr_digits
    flipped = digits[:200] + str((int(digits[200]) + 1) % 10) + digits[201:]  # always a different digit
    for q in ("AAAA-BBBB-CCCC", "nonsense", digits[:-1], flipped):
        response = client.post(reverse("certificates:verify"), {"q": q})
        assert response.status_code == 200
        text = page(response)
        assert 'data-status="invalid"' in text and "Andi Pratama" not in text and 'data-check=' not in text
        answers.add(text.split('data-status="invalid"')[1].split("</div>")[0])
    assert len(answers) == 1  # no oracle: the same words whatever failed


def test_revoked_shows_the_reason_and_since_when(client, cert, lsp_admin):
    services.revoke(cert, reason="Evidence was forged", by=lsp_admin)
    response = client.get(reverse("certificates:verify_code", args=[services.format_code(cert.public_code)]))
    text = page(response)
    assert 'data-status="revoked"' in text and "Evidence was forged" in text
    assert 'data-check="status" data-ok="0"' in text and "Revoked since" in text


def test_reissued_points_to_the_replacement(client, cert, lsp_admin):
    new = services.reissue(cert, reason="Name corrected", by=lsp_admin)
    text = page(client.get(reverse("certificates:verify_code", args=[cert.public_code])))
    assert 'data-status="revoked"' in text and "Name corrected" in text
    assert reverse("certificates:verify_code", args=[services.format_code(new.public_code)]) in text


def test_suspended_and_expired(client, cert, lsp_admin):
    services.suspend(cert, reason="Appeal pending", by=lsp_admin)
    text = page(client.get(reverse("certificates:verify_code", args=[cert.public_code])))
    assert 'data-status="suspended"' in text and "Appeal pending" in text
    services.reinstate(cert, reason="Appeal rejected", by=lsp_admin)
    with time_machine.travel(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)):  # past its valid_until
        text = page(client.get(reverse("certificates:verify_code", args=[cert.public_code])))
    assert 'data-status="expired"' in text and 'data-check="competence" data-ok="0"' in text


def test_birth_date_check_answers_only_match_or_not(client, cert):
    url = reverse("certificates:verify_code", args=[cert.public_code])
    text = page(client.get(url, {"birth_date": BIRTH.isoformat()}))
    assert 'data-birth="match"' in text
    text = page(client.get(url, {"birth_date": "1999-03-13"}))
    assert 'data-birth="no-match"' in text
    assert_no_personal_data(text, cert)
    text = page(client.post(reverse("certificates:verify"), {"q": cert.public_code, "birth_date": "1999-03-12"}))
    assert 'data-birth="match"' in text
    text = page(client.get(url, {"birth_date": "not a date"}))
    assert "data-birth" not in text and 'data-status="valid"' in text


def test_rate_limited_after_the_limit(client, cert, monkeypatch):
    monkeypatch.setattr(verification, "RATE_LIMIT", 3)
    url = reverse("certificates:verify_code", args=[cert.public_code])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Wait a minute" in page(response) and "Andi Pratama" not in page(response)
    assert client.post(reverse("certificates:verify"), {"q": cert.public_code}).status_code == 429
    # The form itself and the QR page stay available: they verify nothing on the server.
    assert client.get(reverse("certificates:verify")).status_code == 200
    assert client.get(reverse("certificates:verify_fragment")).status_code == 200


def test_verify_code_is_get_only(client, cert):
    assert client.post(reverse("certificates:verify_code", args=[cert.public_code])).status_code == 405


def test_keys_json_is_public_cached_briefly_and_cors(client, cert):
    response = client.get("/.well-known/kompeten/keys.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=300" in response["Cache-Control"]
    kids = {key["kid"] for key in response.json()["keys"]}
    assert cert.key.kid in kids


def test_status_list_is_public_with_cors(client, cert, lsp_admin):
    services.revoke(cert, reason="Forged", by=lsp_admin)
    url = f"/status/{cert.issuer.code}/revocation"
    assert reverse("certificates:status_list", args=[cert.issuer.code, "revocation"]) == url
    response = client.get(url)
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert "BitstringStatusListCredential" in document["type"]
    assert client.get(f"/status/{cert.issuer.code}/suspension").status_code == 200
    assert client.get(f"/status/{cert.issuer.code}/other").status_code == 404
    assert client.get("/status/no-such-issuer/revocation").status_code == 404


# --- staff pages ----------------------------------------------------------------------------------


def test_staff_list_and_detail_are_scoped(client, training_cert, bontang_cert, operator_balikpapan, operator_bontang,
                                          province_admin):
    detail = reverse("certificates:detail", args=[training_cert.pk])
    client.force_login(operator_bontang)
    assert client.get(detail).status_code == 404
    text = page(client.get(reverse("certificates:list")))
    assert bontang_cert.number in text and training_cert.number not in text
    client.force_login(operator_balikpapan)
    response = client.get(detail)
    assert response.status_code == 200
    text = page(response)
    assert training_cert.number in text and services.qr_text(training_cert) in text
    text = page(client.get(reverse("certificates:list")))
    assert training_cert.number in text and bontang_cert.number not in text
    client.force_login(province_admin)
    text = page(client.get(reverse("certificates:list")))
    assert training_cert.number in text and bontang_cert.number in text


def test_list_filters(client, cert, training_cert, operator_balikpapan):
    client.force_login(operator_balikpapan)
    url = reverse("certificates:list")
    text = page(client.get(url, {"kind": "competency"}))
    assert cert.number in text and training_cert.number not in text
    text = page(client.get(url, {"q": services.format_code(training_cert.public_code)[:9].lower()}))
    assert training_cert.number in text and cert.number not in text
    text = page(client.get(url, {"q": "andi"}))
    assert cert.number in text or training_cert.number in text
    text = page(client.get(url, {"status": "revoked"}))
    assert cert.number not in text and training_cert.number not in text


def test_lsp_manager_revokes_a_competency_certificate(client, cert, lsp_admin):
    client.force_login(lsp_admin)
    url = reverse("certificates:revoke", args=[cert.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.ACTIVE  # a reason is required
    response = client.post(url, {"reason": "Evidence was forged"}, follow=True)
    assert "Certificate revoked." in page(response)
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED and cert.status_reason == "Evidence was forged"
    assert cert.status_changes.get().by == lsp_admin


def test_suspend_and_reinstate(client, cert, lsp_admin):
    client.force_login(lsp_admin)
    client.post(reverse("certificates:suspend", args=[cert.pk]), {"reason": "Appeal pending"})
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.SUSPENDED
    client.post(reverse("certificates:reinstate", args=[cert.pk]), {"reason": "Appeal rejected"})
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.ACTIVE
    text = page(client.get(reverse("certificates:detail", args=[cert.pk])))
    assert "Appeal pending" in text and "Appeal rejected" in text


def test_operator_cannot_revoke_another_centres_certificate(client, training_cert, cert, operator_bontang,
                                                            operator_balikpapan):
    client.force_login(operator_bontang)
    assert client.post(reverse("certificates:revoke", args=[training_cert.pk]), {"reason": "x"}).status_code == 404
    training_cert.refresh_from_db()
    assert training_cert.status == CertificateStatus.ACTIVE
    # The Balikpapan operator sees the LSP's competency certificate assessed at its centre, but only the LSP
    # changes it.
    client.force_login(operator_balikpapan)
    assert client.get(reverse("certificates:detail", args=[cert.pk])).status_code == 200
    assert client.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("certificates:revoke", args=[training_cert.pk]), {"reason": "Typo"}).status_code == 302
    training_cert.refresh_from_db()
    assert training_cert.status == CertificateStatus.REVOKED


def test_reissue(client, cert, lsp_admin):
    client.force_login(lsp_admin)
    response = client.post(reverse("certificates:reissue", args=[cert.pk]), {"reason": "Name corrected"})
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED and cert.replaced_by is not None
    assert response["Location"] == reverse("certificates:detail", args=[cert.replaced_by.pk])


def test_job_seekers_and_assessors_have_no_staff_pages(client, cert, job_seeker, assessor):
    for user in (job_seeker, assessor):
        client.force_login(user)
        assert client.get(reverse("certificates:list")).status_code == 404
        assert client.get(reverse("certificates:detail", args=[cert.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, cert):
    for url in (reverse("certificates:list"), reverse("certificates:detail", args=[cert.pk]),
                reverse("certificates:mine"), reverse("certificates:pdf", args=[cert.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# --- the job seeker's own certificates ------------------------------------------------------------


def test_job_seeker_sees_own_certificates_only(client, job_seeker, own_cert, training_cert):
    client.force_login(job_seeker)
    text = page(client.get(reverse("certificates:mine")))
    assert own_cert.number in text and training_cert.number not in text
    assert client.get(reverse("certificates:openbadge", args=[training_cert.pk])).status_code == 404
    assert client.get(reverse("certificates:pdf", args=[training_cert.pk])).status_code == 404
    assert client.get(reverse("certificates:detail", args=[own_cert.pk])).status_code == 404  # a staff page
    response = client.get(reverse("certificates:openbadge", args=[own_cert.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert "OpenBadgeCredential" in document["type"]
    assert own_cert.person.nik not in response.content.decode()


def test_pdf_download(client, job_seeker, own_cert, operator_balikpapan, operator_bontang):
    pytest.importorskip("kompeten.certificates.pdf", reason="pdf.py (the certificate PDF) is not written yet")
    for user in (job_seeker, operator_balikpapan):
        client.force_login(user)
        response = client.get(reverse("certificates:pdf", args=[own_cert.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response).startswith(b"%PDF")
    client.force_login(operator_bontang)
    assert client.get(reverse("certificates:pdf", args=[own_cert.pk])).status_code == 404


# --- issuing a whole batch or event ---------------------------------------------------------------


def test_issue_all_of_a_batch(client, completed_batch, operator_balikpapan, django_capture_on_commit_callbacks):
    client.force_login(operator_balikpapan)
    url = reverse("certificates:issue_batch", args=[completed_batch.pk])
    text = page(client.get(url))
    assert 'id="eligible-count">3<' in text and "Andi Pratama" in text
    text = page(client.get(reverse("certificates:list")))
    assert url in text  # "ready to issue"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = IssuanceJob.objects.get(batch=completed_batch)
    assert response["Location"] == reverse("certificates:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == job.total == 3
    text = page(client.get(response["Location"]))
    assert "100%" in text and 'data-status="done"' in text
    fragment = page(client.get(reverse("certificates:job_progress", args=[job.pk])))
    assert "100%" in fragment and "hx-trigger" not in fragment  # done: the polling stops
    assert Certificate.objects.filter(enrolment__batch=completed_batch).count() == 3
    text = page(client.get(url))
    assert 'id="eligible-count">0<' in text
    text = page(client.get(reverse("certificates:list"), {"job": job.pk}))
    assert text.count(reverse("certificates:detail", args=[0])[:-2]) >= 3


def test_a_running_job_polls(client, completed_batch, operator_balikpapan):
    job = IssuanceJob.objects.create(batch=completed_batch, total=3, done=1, status=JobStatus.RUNNING)
    client.force_login(operator_balikpapan)
    fragment = page(client.get(reverse("certificates:job_progress", args=[job.pk])))
    assert 'hx-trigger="every 1s"' in fragment and "33%" in fragment
    # Asking to issue again while a job runs leads to that job instead of a second one.
    response = client.post(reverse("certificates:issue_batch", args=[completed_batch.pk]))
    assert response["Location"] == reverse("certificates:job", args=[job.pk])


def test_issue_batch_is_for_its_centre(client, completed_batch, operator_bontang, lsp_admin):
    url = reverse("certificates:issue_batch", args=[completed_batch.pk])
    for user in (operator_bontang, lsp_admin):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not IssuanceJob.objects.exists()


def test_issue_all_of_an_event_by_the_lsp(client, approved, event, lsp_admin, operator_balikpapan,
                                          django_capture_on_commit_callbacks):
    url = reverse("certificates:issue_event", args=[event.pk])
    client.force_login(operator_balikpapan)  # sees the event, does not decide it
    assert client.get(url).status_code == 404
    other = make_user("manajer@lsp-lain.test", "lsp_admin", lsp=_other_lsp(), full_name="LSP Lain")
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(lsp_admin)
    assert 'id="eligible-count">3<' in page(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = IssuanceJob.objects.get(event=event)
    assert response["Location"] == reverse("certificates:job", args=[job.pk])
    assert "100%" in page(client.get(response["Location"]))
    assert Certificate.objects.filter(assessment__event=event, kind="competency").count() == 3
    client.force_login(operator_balikpapan)  # the centre's operator follows the job of its event
    assert client.get(response["Location"]).status_code == 200


def _other_lsp():
    from kompeten.assessment.models import Lsp

    return Lsp.objects.create(code="lsp-lain", name="LSP Lain", licence_number="BNSP-LSP-998-ID", lsp_type="P3",
                              licensed_from=datetime.date(2024, 1, 1), licensed_until=datetime.date(2028, 12, 31))
