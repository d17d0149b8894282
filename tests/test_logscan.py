"""The log scan (tests/logscan.py) finds what it must, masks it in its report and fails the run, with and without
pytest-xdist; a run that logs nothing personal passes."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.logscan import passwords_in_source, scan_line

ROOT = Path(__file__).resolve().parent.parent
NIK = "6471055203990001"


@pytest.mark.parametrize(("text", "label"), [
    (f"registered {NIK} today", "NIK"),
    ("SMS to 081234567890: hello", "phone number"),
    ("SMS to 0812-3456-7890: hello", "phone number"),
    ("SMS to +62 812 3456 7890", "phone number"),
    ("SMS to +6281234567890", "phone number"),
    ("Authorization: Bearer kpt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_ab", "API token"),
])
def test_finds(text, label):
    assert [found for found, _excerpt in scan_line(text, set(), set())] == [label]


@pytest.mark.parametrize("text", [
    "Not Found: /pencari-kerja/12/", "certificate 2025/BLKI-BPN/000123 issued at 2025-05-10 08:12:33",
    "token kpt_AbCd1234 revoked",  # the 8-character prefix shown in lists is not the token
    f"a number of 17 digits {NIK}7", "sha256 " + "ab12" * 16, "masked 0812****7890",
])
def test_ignores(text):
    assert list(scan_line(text, set(), set())) == []


def test_passwords_and_session_keys():
    key = "k" * 31 + "7"
    found = list(scan_line(f"login with rahasia-99 session {key}", {"rahasia-99"}, {key}))
    assert sorted(label for label, _ in found) == ["password", "session id"]
    assert all("rahasia-99" not in excerpt and key not in excerpt for _, excerpt in found)


def test_passwords_are_read_from_test_sources():
    source = textwrap.dedent('''
        PASSWORD = "kata-sandi-uji-123"
        OTHER_PASSWORD: str = "sandi-lain-456"
        def test(client, make_user):
            client.post("/", {"username": "a", "password": "dari-form-789", "new_password1": "baru-sekali-0"})
            make_user("a@b.test", password="kata-kunci-kw")
            User.objects.create_user("b@c.test", "posisi-kedua-1")
            NAME = "not a password at all"
    ''')
    assert passwords_in_source(source) == {"kata-sandi-uji-123", "sandi-lain-456", "dari-form-789", "baru-sekali-0",
                                           "kata-kunci-kw", "posisi-kedua-1"}


LEAKY = f'''
import logging

PASSWORD = "rahasia-sekali-99"


def test_logs_personal_data():
    log = logging.getLogger("kompeten.scratch")
    log.debug("registered %s", "{NIK}")
    log.info("SMS to %s", "0812-3456-7890")
    log.warning("token %s", "kpt_" + "Ab1" * 14)
    log.error("login with %s", PASSWORD)
'''
CLEAN = '''
import logging


def test_logs_nothing_personal():
    logging.getLogger("kompeten.scratch").warning("person %s updated", 12)
    # The SQL echo of the debug cursor is captured, not scanned (tests/logscan.py NOT_SCANNED).
    logging.getLogger("django.db.backends").debug("SELECT ... WHERE nik = %s", "6471055203990001")
'''


def run(tmp_path, source: str, *options: str) -> subprocess.CompletedProcess:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_scratch.py").write_text(source)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.logscan", "-p", "no:django", "-p",
                           "no:cacheprovider", "--basetemp", str(tmp_path / "base"), "-q", *options,
                           "test_scratch.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("options", [(), ("-n", "2")], ids=["one process", "xdist"])
def test_a_run_that_logs_personal_data_fails(tmp_path, options):
    result = run(tmp_path, LEAKY, *options)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 passed" in output  # the test itself passed: the scan failed the run
    for label in ("NIK", "phone number", "API token", "password"):
        assert f": {label}: " in output, output
    assert NIK not in output and "rahasia-sekali-99" not in output and "0812-3456-7890" not in output
    assert list((tmp_path / "base").rglob("logscan-*.log"))


@pytest.mark.parametrize("options", [(), ("-n", "2")], ids=["one process", "xdist"])
def test_a_clean_run_passes(tmp_path, options):
    result = run(tmp_path, CLEAN, *options)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "log scan:" in result.stdout and "no NIK" in result.stdout
