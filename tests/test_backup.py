"""``kompeten backup``: back up the test database, restore it into a fresh database, check the copy.

PostgreSQL: pg_dump (custom format) of the test database, pg_restore into a new database on the same server,
``migrate --check`` and a smoke request against it, row counts equal to the manifest, and a damaged copy is
caught. SQLite: the online backup API; the copy opens, passes ``migrate --check`` and has the same counts.
The backups see what is committed: the reference data that conftest loads once per test database.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kompeten.programmes.models import TrainingCentre
from kompeten.reference.models import Region

LOSE_A_ROW = "DELETE FROM programmes_vocation_centres WHERE id = (SELECT min(id) FROM programmes_vocation_centres)"

# `migrate --check` (exits 1 when a migration is not applied), then a few requests, in one process.
SMOKE = """
import django, sys
django.setup()
from django.core.management import call_command
call_command("migrate", check_unapplied=True, verbosity=0)
from django.test import Client
from kompeten.programmes.models import TrainingCentre
client = Client()
for url in ("/healthz", "/pencari-kerja/daftar/", "/verify/?q=TIDAK-ADA-123"):
    status = client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code
    assert status == 200, (url, status)
assert TrainingCentre.objects.filter(code="blki_balikpapan").exists()
print("smoke ok")
"""


def kompeten(*, database_url: str, var_dir: Path, script: str):
    """Run a script in a new process with the app's settings against another database."""
    env = {**os.environ, "DATABASE_URL": database_url, "KOMPETEN_VAR_DIR": str(var_dir), "KOMPETEN_HTTPS": "0",
           "DJANGO_SETTINGS_MODULE": "kompeten.settings_test"}
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def backup(path: Path) -> dict:
    call_command("backup", output=str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    manifest = json.loads(path.with_name(path.name + ".manifest.json").read_text())
    # The manifest counts what is committed: here the reference data loaded for the test database.
    assert manifest["tables"]["reference_region"] == Region.objects.count() > 0
    assert manifest["tables"]["programmes_trainingcentre"] == TrainingCentre.objects.count() > 0
    assert ["registry", "0005_importjob"] in manifest["migrations"]
    assert (path.stat().st_mode & 0o777) == 0o600
    return manifest


@pytest.fixture
def fresh_postgres_database():
    """A new, empty database on the test server, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (pg_dump / pg_restore): run with DATABASE_URL=postgres://...")
    import psycopg

    params = connection.settings_dict
    name = f"kompeten_restore_{os.getpid()}"
    admin = psycopg.connect(dbname="postgres", user=params["USER"] or None, password=params["PASSWORD"] or None,
                            host=params["HOST"] or None, port=params["PORT"] or None, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    yield f"postgres://{auth}@{params['HOST'] or 'localhost'}:{params['PORT'] or 5432}/{name}", name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.django_db
def test_postgresql_backup_restores_into_a_fresh_database_that_passes_the_checks(tmp_path, fresh_postgres_database):
    url, name = fresh_postgres_database
    path = tmp_path / "kompeten.dump"
    manifest = backup(path)
    assert manifest["engine"] == "postgresql"
    assert path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    call_command("backup", restore=str(path), database_url=url, stdout=open(os.devnull, "w"))  # noqa: SIM115

    result = kompeten(database_url=url, var_dir=tmp_path, script=SMOKE)
    assert result.returncode == 0 and "smoke ok" in result.stdout, result.stdout + result.stderr

    # A restore never overwrites: the database is not empty now.
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", restore=str(path), database_url=url)

    # --verify catches a copy that lost rows.
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(LOSE_A_ROW)
    with pytest.raises(CommandError, match="1 table"):
        call_command("backup", verify=str(path), database_url=url, stderr=open(os.devnull, "w"))  # noqa: SIM115


@pytest.mark.django_db
def test_sqlite_backup_is_a_consistent_copy_that_restores(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only (the sqlite3 backup API); the PostgreSQL test above covers pg_dump")
    path = tmp_path / "kompeten.sqlite3"
    manifest = backup(path)
    assert manifest["engine"] == "sqlite"

    copy = sqlite3.connect(path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM reference_region").fetchone()[0] == Region.objects.count()
    finally:
        copy.close()

    restored = tmp_path / "restored.sqlite3"
    call_command("backup", restore=str(path), database_url=f"sqlite:///{restored}",
                 stdout=open(os.devnull, "w"))  # noqa: SIM115
    result = kompeten(database_url=f"sqlite:///{restored}", var_dir=tmp_path, script=SMOKE)
    assert result.returncode == 0 and "smoke ok" in result.stdout, result.stdout + result.stderr

    with sqlite3.connect(restored) as conn:
        conn.execute(LOSE_A_ROW)
    with pytest.raises(CommandError, match="1 table"):
        call_command("backup", verify=str(path), database_url=f"sqlite:///{restored}",
                     stderr=open(os.devnull, "w"))  # noqa: SIM115


def test_a_damaged_backup_is_refused(tmp_path):
    path = tmp_path / "kompeten.dump"
    path.write_bytes(b"PGDMP not really")
    path.with_name(path.name + ".manifest.json").write_text(json.dumps(
        {"format": "kompeten-backup/1", "sha256": "0" * 64, "engine": "postgresql", "tables": {}}))
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("backup", verify=str(path), database_url="sqlite:///unused.sqlite3")
