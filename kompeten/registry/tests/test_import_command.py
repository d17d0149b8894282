"""`kompeten import persons FILE`: summary, error lines, exit status, never a traceback."""

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kompeten.audit.models import AuditEntry
from kompeten.registry.models import Person
from kompeten.registry.tests.test_importer import book, row, text_file


def call(*args):
    out = StringIO()
    call_command("import", *[str(a) for a in args], "--lang", "en", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_import_prints_a_summary(tmp_path):
    output = call("persons", book(tmp_path / "ok.xlsx", [row(1), row(2)]))
    assert "2 row(s) read: 2 created, 0 updated, 0 unchanged." in output
    assert Person.objects.count() == 2
    assert Person.objects.first().registered_centre is None


@pytest.mark.django_db
def test_errors_are_listed_and_the_command_fails(tmp_path):
    path = book(tmp_path / "bad.xlsx", [row(1), row(2, nik=6471055203990002), row(3, rt="abcd")])
    out = StringIO()
    with pytest.raises(CommandError, match=r"Nothing was written: 2 error\(s\) in 2 of 3 row\(s\)"):
        call_command("import", "persons", str(path), "--lang", "en", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("row 3, column nik: The NIK was stored as a number.")
    assert lines[1].startswith("row 4, column rt: ")
    assert Person.objects.count() == 0 and AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_valid_only_writes_the_good_rows_and_succeeds(tmp_path, balikpapan):
    path = text_file(tmp_path / "bad.csv", [row(1), row(2, nik="123")], delimiter=";")
    output = call("persons", path, "--valid-only", "--centre", "blki_balikpapan", "--lang", "en")
    assert "row 3, column nik: NIK must have exactly 16 digits" in output
    assert "2 row(s) read: 1 created" in output and "1 row(s) with errors were skipped." in output
    assert Person.objects.get().registered_centre == balikpapan


@pytest.mark.django_db
def test_warnings_are_printed(tmp_path):
    output = call("persons", book(tmp_path / "warn.xlsx", [row(1, jenis_kelamin="L")]))
    assert "Warnings" in output and "row 2, column nik: The NIK is that of a P person" in output


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (["persons", "/nonexistent/file.xlsx"], "does not exist"),
    (["persons", "FILE", "--centre", "blki_nowhere"], "Unknown training centre blki_nowhere"),
    (["companies", "FILE"], "invalid choice: 'companies'"),
    (["persons", "FILE", "--lang", "fr"], "invalid choice: 'fr'"),
])
def test_bad_invocations_fail_cleanly(tmp_path, args, message):
    path = book(tmp_path / "ok.xlsx", [row(1)])
    with pytest.raises(CommandError, match=message):
        call(*[str(path) if a == "FILE" else a for a in args])
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_a_rejected_file_fails(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CommandError, match="The file was rejected: This file is not a spreadsheet"):
        call("persons", path)


def kompeten_bin() -> Path:
    return Path(sys.executable).parent / "kompeten"


def test_console_script_exit_codes_and_output(tmp_path):
    """The real `kompeten` console script against a fresh SQLite database (skipped if setup is slow)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
           "KOMPETEN_VAR_DIR": str(tmp_path), "KOMPETEN_HTTPS": "0",
           "DJANGO_SETTINGS_MODULE": "kompeten.settings"}

    def kompeten(*args):
        return subprocess.run([str(kompeten_bin()), *map(str, args)], env=env, capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)

    started = time.monotonic()
    for setup in (["migrate", "--noinput"], ["load_reference"]):
        result = kompeten(*setup)
        assert result.returncode == 0, result.stderr
    if time.monotonic() - started > 20:
        pytest.skip("database setup for the console script took more than 20 s")

    good = kompeten("import", "persons", book(tmp_path / "ok.xlsx", [row(1)]), "--centre", "blki_balikpapan",
                    "--lang", "en")
    assert good.returncode == 0, good.stderr
    assert "1 row(s) read: 1 created" in good.stdout

    again = kompeten("import", "persons", tmp_path / "ok.xlsx", "--lang", "en")
    assert again.returncode == 0 and "0 created, 0 updated, 1 unchanged" in again.stdout

    bad = kompeten("import", "persons", book(tmp_path / "bad.xlsx", [row(2, tanggal_lahir="31/02/1999")]),
                   "--lang", "en")
    assert bad.returncode == 1
    assert "row 2, column tanggal_lahir: 31/02/1999 is not a real date" in bad.stdout
    assert "Nothing was written" in bad.stderr and "Traceback" not in bad.stderr

    for args in (["persons", tmp_path / "missing.xlsx"], ["persons", tmp_path], ["persons"]):
        failed = kompeten("import", *args)
        assert failed.returncode != 0 and "Traceback" not in failed.stderr, failed.stderr


@pytest.mark.django_db
def test_retry_runs_a_failed_job_once(tmp_path):
    """An import that a database failure interrupted (tests/test_drills.py makes one for real) kept its file; the
    command runs it again, once."""
    from kompeten.registry.models import ImportJob

    path = text_file(tmp_path / "peserta.csv", [row(1), row(2)])
    job = ImportJob.objects.create(filename="peserta.csv", content=path.read_bytes(),
                                   status=ImportJob.Status.FAILED, error="connection lost")
    output = call("persons", "--retry", job.pk)
    assert "2 row(s) read: 2 created" in output and Person.objects.count() == 2
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportJob.Status.DONE, 2)
    with pytest.raises(CommandError, match="cannot be retried"):
        call("persons", "--retry", job.pk)
    with pytest.raises(CommandError, match="No import job 999999"):
        call("persons", "--retry", 999999)
    with pytest.raises(CommandError, match="Give the file to import"):
        call("persons")
    assert Person.objects.count() == 2
