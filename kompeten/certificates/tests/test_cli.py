"""``kompeten certificates``: list, verify (offline with a keys file and status lists, or online), pdf, issue,
revoke / suspend, keys, rotate-key, ledger, openbadge; bad input is a clear message and exit code 2."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kompeten.certificates import keystore, services, statuslists
from kompeten.certificates.models import Certificate, CertificateStatus
from kompeten.certificates.tests.helpers import approve_all, at
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def competency(candidates, assessor, lsp_admin):
    approved = approve_all(candidates, assessor, lsp_admin)
    return services.issue_competency(approved[0], issued_at=at(2025, 5, 10))


@pytest.fixture
def training(completed_batch):
    return services.issue_training(completed_batch.enrolments.order_by("pk").first(), issued_at=at(2025, 4, 20))


@pytest.fixture
def keys_file(competency, training, tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(keystore.jwks()))
    return path


def run(*args) -> tuple[str, CommandError | None]:
    """(stdout, the CommandError raised or None)."""
    out = io.StringIO()
    try:
        call_command("certificates", *[str(arg) for arg in args], stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def run_json(*args):
    out, error = run(*args)
    return json.loads(out), error


def tampered(text: str) -> str:
    index = len(text) - 30
    return text[:index] + ("7" if text[index] != "7" else "8") + text[index + 1:]


def status_list_file(tmp_path, cert, purpose, name=None):
    path = tmp_path / (name or f"{purpose}.json")
    path.write_text(json.dumps(statuslists.credential(cert.issuer, purpose)))
    return path


# --- list -----------------------------------------------------------------------------------------


def test_list_json_for_scripts(competency, training):
    rows, error = run_json("list", "--json")
    assert error is None
    assert {row["number"] for row in rows} == {competency.number, training.number}
    row = next(row for row in rows if row["number"] == competency.number)
    assert row == {"number": competency.number, "public_code": competency.public_code, "kind": "competency",
                   "holder_name": competency.holder_name, "status": "active", "issuer": competency.issuer.code,
                   "issued": "2025-05-10", "expires": "2028-05-09"}
    assert next(row for row in rows if row["number"] == training.number)["expires"] is None


def test_list_filters_by_issuer_and_status(competency, training):
    services.revoke(training, reason="Data peserta salah", by=None)
    rows, _error = run_json("list", "--json", "--status", "revoked")
    assert [row["number"] for row in rows] == [training.number]
    rows, _error = run_json("list", "--json", "--issuer", competency.issuer.code)
    assert [row["number"] for row in rows] == [competency.number]
    out, error = run("list")
    assert competency.number in out and "2 certificates" in out


def test_list_with_an_unknown_issuer_says_which(competency):
    _out, error = run("list", "--issuer", "no-such-lsp")
    assert error.returncode == 2
    assert "no-such-lsp" in str(error) and competency.issuer.code in str(error)


# --- verify offline ---------------------------------------------------------------------------------


def test_verify_offline_valid_without_touching_the_database(competency, keys_file, django_assert_num_queries):
    text = services.qr_text(competency)
    with django_assert_num_queries(0):
        answer, error = run_json("verify", text, "--keys", keys_file)
    assert error is None  # exit 0
    assert answer["status"] == "valid" and answer["reason"] == "valid"
    assert answer["certificate"]["number"] == competency.number
    assert answer["certificate"]["holder_name"] == competency.holder_name
    assert answer["certificate"]["units"] == [code for code, _title in competency.units]
    assert "holder_birth_date" not in answer["certificate"]
    status = next(check for check in answer["checks"] if check["check"] == "status")
    assert status["ok"] is None and "no status list" in status["detail"]
    assert "status_list_age_seconds" not in answer


def test_verify_offline_digits_alone(training, keys_file):
    answer, error = run_json("verify", training.qr_digits, "--keys", keys_file)
    assert error is None and answer["status"] == "valid"


def test_verify_offline_tampered_is_invalid_exit_1(competency, keys_file):
    answer, error = run_json("verify", tampered(services.qr_text(competency)), "--keys", keys_file)
    assert error is not None and error.returncode == 1
    assert answer["status"] == "invalid" and answer["certificate"] is None
    assert answer["reason"] in ("bad_signature", "malformed")


def test_verify_offline_with_keys_of_another_installation(competency, tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"keys": []}))
    answer, error = run_json("verify", services.qr_text(competency), "--keys", path)
    assert error.returncode == 1 and answer["reason"] == "unknown_key"


def test_verify_offline_expired_competence(competency, keys_file):
    answer, error = run_json("verify", services.qr_text(competency), "--keys", keys_file, "--now", "2028-05-11")
    assert error.returncode == 1
    assert answer["status"] == "expired"
    assert next(c for c in answer["checks"] if c["check"] == "competence")["ok"] is False
    answer, error = run_json("verify", services.qr_text(competency), "--keys", keys_file, "--now", "2028-05-09")
    assert error is None and answer["status"] == "valid"


def test_verify_offline_birth_date_check(competency, keys_file):
    text = services.qr_text(competency)
    answer, _error = run_json("verify", text, "--keys", keys_file, "--birth-date", "1999-03-12")
    assert answer["certificate"]["birth_date_matches"] is True
    answer, _error = run_json("verify", text, "--keys", keys_file, "--birth-date", "1999-03-13")
    assert answer["certificate"]["birth_date_matches"] is False


def test_verify_offline_with_status_lists(competency, training, keys_file, tmp_path):
    text = services.qr_text(competency)
    before = status_list_file(tmp_path, competency, "revocation", "before.json")
    suspension = status_list_file(tmp_path, competency, "suspension")
    other_issuer = status_list_file(tmp_path, training, "revocation", "centre.json")
    answer, error = run_json("verify", text, "--keys", keys_file, "--status-list", before, "--status-list",
                             suspension, "--status-list", other_issuer)
    assert error is None and answer["status"] == "valid"
    listed = [check for check in answer["checks"] if check["check"] == "status"]
    assert {check["purpose"] for check in listed} == {"revocation", "suspension"}  # the centre's list is not its
    assert all(check["ok"] for check in listed)
    assert 0 <= answer["status_list_age_seconds"] < 600

    services.revoke(competency, reason="Dokumen palsu", by=None)
    after = status_list_file(tmp_path, competency, "revocation", "after.json")
    answer, error = run_json("verify", text, "--keys", keys_file, "--status-list", after)
    assert error.returncode == 1
    assert answer["status"] == "revoked"
    assert next(c for c in answer["checks"] if c["check"] == "status")["ok"] is False
    # The old list still says valid: the verifier sees how old its list is.
    later = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)).isoformat()
    answer, error = run_json("verify", text, "--keys", keys_file, "--status-list", before, "--now", later)
    assert error is None and answer["status"] == "valid"
    assert answer["status_list_age_seconds"] >= 2 * 86400 - 600


def test_verify_offline_suspended(competency, keys_file, tmp_path):
    services.suspend(competency, reason="Dalam pemeriksaan", by=None)
    path = status_list_file(tmp_path, competency, "suspension")
    answer, error = run_json("verify", services.qr_text(competency), "--keys", keys_file, "--status-list", path)
    assert error.returncode == 1 and answer["status"] == "suspended"


def test_a_forged_status_list_is_refused(competency, keys_file, tmp_path):
    services.revoke(competency, reason="Dokumen palsu", by=None)
    document = statuslists.credential(competency.issuer, "revocation")
    clean = statuslists.statuslist.StatusList(131072)  # the forger clears the revoked bit
    document["credentialSubject"]["encodedList"] = clean.encode()
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document))
    _out, error = run("verify", services.qr_text(competency), "--keys", keys_file, "--status-list", path)
    assert error.returncode == 2
    assert str(path) in str(error) and "proof" in str(error)


# --- verify online ------------------------------------------------------------------------------------


def test_verify_online_uses_the_register(competency):
    answer, error = run_json("verify", services.qr_text(competency))
    assert error is None and answer["status"] == "valid"
    services.revoke(competency, reason="Dokumen palsu", by=None)
    answer, error = run_json("verify", services.qr_text(competency))
    assert error.returncode == 1 and answer["status"] == "revoked"
    answer, error = run_json("verify", tampered(services.qr_text(competency)))
    assert error.returncode == 1 and answer["status"] == "invalid"


# --- bad input to verify ----------------------------------------------------------------------------


def test_verify_bad_files_and_options_name_what_is_wrong(competency, keys_file, tmp_path):
    text = services.qr_text(competency)
    missing = tmp_path / "missing.json"
    _out, error = run("verify", text, "--keys", missing)
    assert error.returncode == 2 and str(missing) in str(error)

    broken = tmp_path / "broken.json"
    broken.write_text('{"keys": [')
    _out, error = run("verify", text, "--keys", broken)
    assert error.returncode == 2 and str(broken) in str(error) and "line 1" in str(error)

    not_jwks = tmp_path / "not-jwks.json"
    not_jwks.write_text(json.dumps({"keys": [{"kty": "RSA"}]}))
    _out, error = run("verify", text, "--keys", not_jwks)
    assert error.returncode == 2 and str(not_jwks) in str(error) and "keys[0]" in str(error)

    not_a_list = tmp_path / "not-a-list.json"
    not_a_list.write_text(json.dumps({"hello": "world"}))
    _out, error = run("verify", text, "--keys", keys_file, "--status-list", not_a_list)
    assert error.returncode == 2 and str(not_a_list) in str(error)

    _out, error = run("verify", text, "--keys", keys_file, "--now", "next tuesday")
    assert error.returncode == 2 and "--now" in str(error)
    _out, error = run("verify", text, "--keys", keys_file, "--birth-date", "12/03/1999")
    assert error.returncode == 2 and "--birth-date" in str(error)


# --- pdf, openbadge -----------------------------------------------------------------------------------


def test_pdf_by_number_or_code(competency, tmp_path):
    out_file = tmp_path / "sertifikat.pdf"
    out, error = run("pdf", competency.number, "--out", out_file)
    assert error is None and competency.number in out
    assert out_file.read_bytes().startswith(b"%PDF")
    by_code = tmp_path / "by-code.pdf"
    _out, error = run("pdf", services.format_code(competency.public_code).lower(), "--out", by_code)
    assert error is None and by_code.read_bytes().startswith(b"%PDF")


def test_pdf_bad_input(competency, tmp_path):
    _out, error = run("pdf", "LSP-TEST/2025/99999", "--out", tmp_path / "x.pdf")
    assert error.returncode == 2 and "LSP-TEST/2025/99999" in str(error)
    target = tmp_path / "no-such-folder" / "x.pdf"
    _out, error = run("pdf", competency.number, "--out", target)
    assert error.returncode == 2 and str(target) in str(error)


def test_openbadge(competency):
    badge, error = run_json("openbadge", competency.number)
    assert error is None
    assert "OpenBadgeCredential" in badge["type"]
    assert badge["credentialSubject"]["achievement"]["name"] == competency.title


# --- issue, resume, revoke, suspend -----------------------------------------------------------------


def test_issue_a_batch_in_process(completed_batch):
    out, error = run("issue", "--batch", completed_batch.pk, "--sync")
    assert error is None and "3 of 3" in out
    assert Certificate.objects.filter(enrolment__batch=completed_batch).count() == 3
    out, error = run("issue", "--batch", completed_batch.pk, "--sync")  # idempotent
    assert error is None and Certificate.objects.filter(enrolment__batch=completed_batch).count() == 3


def test_issue_an_event(candidates, assessor, lsp_admin, event):
    approve_all(candidates, assessor, lsp_admin)
    out, error = run("issue", "--event", event.pk, "--sync")
    assert error is None
    assert Certificate.objects.filter(assessment__event=event).count() == 3


def test_issue_unknown_sources(db):
    _out, error = run("issue", "--batch", 999999)
    assert error.returncode == 2 and "999999" in str(error) and "--batch" in str(error)
    _out, error = run("issue", "--event", 999999)
    assert error.returncode == 2 and "--event" in str(error)
    _out, error = run("issue")  # one of --batch / --event is required
    assert error is not None


def test_resume_with_nothing_to_do(db):
    out, error = run("resume")
    assert error is None and "No unfinished" in out


def test_revoke_and_suspend(competency, training):
    out, error = run("revoke", competency.number, "--reason", "Dokumen palsu")
    assert error is None and competency.number in out
    competency.refresh_from_db()
    assert competency.status == CertificateStatus.REVOKED and competency.status_reason == "Dokumen palsu"
    _out, error = run("revoke", competency.number, "--reason", "lagi")
    assert error.returncode == 2 and competency.number in str(error) and "already revoked" in str(error)
    _out, error = run("suspend", training.public_code, "--reason", "Dalam pemeriksaan")
    assert error is None
    training.refresh_from_db()
    assert training.status == CertificateStatus.SUSPENDED
    _out, error = run("suspend", "NO-SUCH-CODE", "--reason", "x")
    assert error.returncode == 2 and "NO-SUCH-CODE" in str(error)
    _out, error = run("suspend", training.number, "--reason", "   ")
    assert error.returncode == 2


# --- keys, rotate-key, ledger --------------------------------------------------------------------------


def test_keys_to_stdout_and_file(competency, tmp_path):
    printed, error = run_json("keys")
    assert error is None and printed == keystore.jwks()
    path = tmp_path / "keys.json"
    _out, error = run("keys", "--out", path)
    assert error is None and json.loads(path.read_text()) == keystore.jwks()


def test_rotate_key_keeps_old_certificates_valid(competency, tmp_path):
    old_kid = competency.key.kid
    out, error = run("rotate-key", competency.issuer.code)
    assert error is None
    new_kid = keystore.active_key(competency.issuer).kid
    assert new_kid != old_kid and new_kid in out
    keys_path = tmp_path / "keys.json"
    run("keys", "--out", keys_path)
    answer, error = run_json("verify", services.qr_text(competency), "--keys", keys_path)
    assert error is None and answer["status"] == "valid"
    _out, error = run("rotate-key", "no-such-issuer")
    assert error.returncode == 2 and "no-such-issuer" in str(error)


def test_ledger_verify_and_sign_head(competency):
    report, error = run_json("ledger", "verify")
    assert error is None and report["ok"] and report["entries"] >= 2
    head, error = run_json("ledger", "sign-head", "--day", datetime.date.today().isoformat())
    assert error is None and head["seq"] >= 1
    _out, error = run("ledger", "sign-head", "--day", "kemarin")
    assert error.returncode == 2 and "--day" in str(error)


def test_remind_sends_the_30_day_reminder_once(competency, mailoutbox, django_capture_on_commit_callbacks):
    competency.person.email = "holder@example.test"
    competency.person.save(update_fields=["email"])
    day = (competency.valid_until - datetime.timedelta(days=30)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):  # the holder's email goes out after the commit
        out, error = run("remind", "--today", day)
    assert error is None and "1" in out
    assert any("holder@example.test" in message.to for message in mailoutbox)
    out, error = run("remind", "--today", day)
    assert error is None and "0" in out


def test_remind_with_a_bad_day_names_the_option():
    _out, error = run("remind", "--today", "31-12-2025")
    assert error is not None and "--today" in str(error)


def test_compromise_key_lists_what_to_reissue(training):
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):  # signed an hour after `training`
        later = services.issue_training(
            Enrolment.objects.filter(batch=training.enrolment.batch).exclude(pk=training.enrolment_id).first())
    entry = later.ledger_entries.get(action="issue")
    out, error = run("compromise-key", later.key.kid, "--since", entry.at.isoformat())
    assert error is None
    answer = json.loads(out)
    assert later.number in answer["reissue"] and training.number not in answer["reissue"]
    from kompeten.certificates import verification

    assert verification.verify_code(later.public_code)["status"] == "invalid"
    assert verification.verify_code(training.public_code)["status"] == "valid"


def test_compromise_key_with_a_bad_kid_or_moment_says_which():
    _out, error = run("compromise-key", "nope", "--since", "2025-01-01")
    assert error is not None and "nope" in str(error)
