"""``kompeten backup``: a consistent copy of the database with a manifest of row counts; restore; verify.

    kompeten backup [--output FILE]                          # back up the database of DATABASE_URL
    kompeten backup --restore FILE --database-url URL        # restore into an EMPTY database, then verify
    kompeten backup --verify FILE --database-url URL         # compare a database's row counts with the manifest

PostgreSQL: ``pg_dump --format=custom`` (restored with ``pg_restore``). The row counts are taken inside a
REPEATABLE READ transaction whose snapshot pg_dump shares (``--snapshot``), so the manifest describes exactly
the dumped data while the application keeps writing. SQLite: the sqlite3 online backup API (a consistent copy
of a live WAL database), counted on the copy.

The manifest is FILE.manifest.json: engine, time, SHA-256 of the file, the applied migrations and the row
count of every table. docs/operations.md describes schedules, retention, encryption and the restore drill.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FORMAT = "kompeten-backup/1"


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def pg_environment(params: dict) -> dict:
    """libpq environment variables for pg_dump / pg_restore from a Django database settings dict."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                      ("NAME", "PGDATABASE")):
        if params.get(key):
            env[name] = str(params[key])
    if params.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = params["OPTIONS"]["sslmode"]
    return env


def pg_connect(params: dict):
    import psycopg

    return psycopg.connect(dbname=params.get("NAME") or None, user=params.get("USER") or None,
                           password=params.get("PASSWORD") or None, host=params.get("HOST") or None,
                           port=params.get("PORT") or None)


def pg_counts(cursor) -> dict[str, int]:
    from psycopg import sql

    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def pg_migrations(cursor) -> list[list[str]]:
    cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [list(row) for row in cursor.fetchall()]


def pg_backup(params: dict, output: Path) -> dict:
    """pg_dump in the snapshot in which the rows are counted."""
    with pg_connect(params) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = pg_counts(cursor)
            migrations = pg_migrations(cursor)
            run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 f"--file={output}"], env=pg_environment(params))
        conn.rollback()
    return {"engine": "postgresql", "tables": counts, "migrations": migrations}


def pg_restore(path: Path, params: dict) -> None:
    with pg_connect(params) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        if cursor.fetchone()[0]:
            raise CommandError(_("The database %(name)s is not empty: restore into a new, empty database.")
                               % {"name": params.get("NAME")})
    run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={params.get('NAME')}", str(path)], env=pg_environment(params))


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CommandError(_("%(tool)s is not installed (the PostgreSQL client tools, Debian package "
                             "postgresql-client).") % {"tool": name})
    return found


def run(command: list[str], *, env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (our argv)
    if result.returncode != 0:
        raise CommandError(_("%(tool)s failed: %(error)s") % {"tool": Path(command[0]).name,
                                                               "error": result.stderr.strip()[-2000:]})


# --- SQLite -------------------------------------------------------------------------------------------------


def sqlite_counts(conn) -> dict[str, int]:
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def sqlite_migrations(conn) -> list[list[str]]:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone():
        return []
    return [list(row) for row in conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")]


def sqlite_copy(source: Path, target: Path) -> None:
    """The online backup API: a consistent copy even while others write (WAL)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def sqlite_backup(params: dict, output: Path) -> dict:
    sqlite_copy(Path(params["NAME"]), output)
    conn = sqlite3.connect(output)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise CommandError(_("The copy failed its integrity check."))
        return {"engine": "sqlite", "tables": sqlite_counts(conn), "migrations": sqlite_migrations(conn)}
    finally:
        conn.close()


# --- the target of a restore or a verification --------------------------------------------------------------


def target_params(url: str) -> dict:
    import dj_database_url

    params = dj_database_url.parse(url)
    if params["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise CommandError(_("Only PostgreSQL and SQLite databases are supported: %(url)s") % {"url": url})
    return params


def target_counts(params: dict) -> dict[str, int]:
    if params["ENGINE"] == "django.db.backends.sqlite3":
        if not Path(params["NAME"]).exists():
            raise CommandError(_("No such database file: %(name)s") % {"name": params["NAME"]})
        conn = sqlite3.connect(params["NAME"])
        try:
            return sqlite_counts(conn)
        finally:
            conn.close()
    with pg_connect(params) as conn, conn.cursor() as cursor:
        return pg_counts(cursor)


def compare(expected: dict[str, int], actual: dict[str, int]) -> list[str]:
    problems = []
    for table in sorted(expected.keys() | actual.keys()):
        if table not in actual:
            problems.append(_("%(table)s: missing") % {"table": table})
        elif table not in expected:
            problems.append(_("%(table)s: not in the backup") % {"table": table})
        elif expected[table] != actual[table]:
            problems.append(_("%(table)s: %(actual)s rows, the backup has %(expected)s")
                            % {"table": table, "actual": actual[table], "expected": expected[table]})
    return problems


class Command(BaseCommand):
    help = gettext_lazy("Back up the database with a manifest of row counts, restore a backup into an empty "
                        "database, or verify a database against a backup's manifest.")

    def add_arguments(self, parser):
        parser.add_argument("--output", help=gettext_lazy(
            "File to write (default: KOMPETEN_VAR_DIR/backups/kompeten-<time>.dump or .sqlite3)."))
        parser.add_argument("--restore", metavar="FILE", help=gettext_lazy(
            "Restore this backup into the (empty) database given by --database-url, then verify it."))
        parser.add_argument("--verify", metavar="FILE", help=gettext_lazy(
            "Compare the row counts of the database given by --database-url with this backup's manifest."))
        parser.add_argument("--database-url", help=gettext_lazy("Target database of --restore or --verify."))

    def handle(self, *args, **options):
        if options["restore"] or options["verify"]:
            if not options["database_url"]:
                raise CommandError(_("--restore and --verify need --database-url."))
            path = Path(options["restore"] or options["verify"])
            manifest = self.read_manifest(path)
            params = target_params(options["database_url"])
            if options["restore"]:
                self.restore(path, manifest, params)
            self.verify(manifest, params)
            return
        self.backup(options["output"])

    def backup(self, output: str | None) -> None:
        params = connection.settings_dict
        engine = connection.vendor
        if engine not in ("postgresql", "sqlite"):
            raise CommandError(_("Only PostgreSQL and SQLite databases are supported."))
        started = datetime.datetime.now(tz=datetime.UTC)
        if output:
            path = Path(output)
        else:
            suffix = ".dump" if engine == "postgresql" else ".sqlite3"
            path = Path(settings.VAR_DIR) / "backups" / f"kompeten-{started:%Y%m%dT%H%M%SZ}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            raise CommandError(_("%(path)s exists already; choose another --output.") % {"path": path})
        info = pg_backup(params, path) if engine == "postgresql" else sqlite_backup(params, path)
        path.chmod(0o600)  # personal data
        manifest = {"format": FORMAT, "created_at": started.isoformat(), "database": str(params.get("NAME")),
                    "file": path.name, "size": path.stat().st_size, "sha256": sha256(path), **info}
        target = manifest_path(path)
        target.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        target.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(
            _("Backup written: %(path)s (%(size)s bytes, %(tables)s tables, %(rows)s rows); manifest %(manifest)s")
            % {"path": path, "size": manifest["size"], "tables": len(info["tables"]),
               "rows": sum(info["tables"].values()), "manifest": target}))

    def read_manifest(self, path: Path) -> dict:
        if not path.exists():
            raise CommandError(_("No such backup file: %(path)s") % {"path": path})
        try:
            manifest = json.loads(manifest_path(path).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(_("The manifest %(path)s cannot be read: %(error)s")
                               % {"path": manifest_path(path), "error": exc}) from None
        if manifest.get("format") != FORMAT:
            raise CommandError(_("%(path)s is not a Kompeten backup manifest.") % {"path": manifest_path(path)})
        if sha256(path) != manifest["sha256"]:
            raise CommandError(_("%(path)s does not match its manifest (SHA-256 differs): the file is damaged or "
                                 "not the one backed up.") % {"path": path})
        return manifest

    def restore(self, path: Path, manifest: dict, params: dict) -> None:
        engine = "sqlite" if params["ENGINE"] == "django.db.backends.sqlite3" else "postgresql"
        if engine != manifest["engine"]:
            raise CommandError(_("This is a %(backup)s backup; restore it into a %(backup)s database.")
                               % {"backup": manifest["engine"]})
        if engine == "postgresql":
            pg_restore(path, params)
        else:
            target = Path(params["NAME"])
            if target.exists() and target.stat().st_size:
                raise CommandError(_("%(path)s exists: restore into a new file.") % {"path": target})
            sqlite_copy(path, target)
        self.stdout.write(_("Restored %(path)s into %(name)s.") % {"path": path, "name": params["NAME"]})

    def verify(self, manifest: dict, params: dict) -> None:
        problems = compare(manifest["tables"], target_counts(params))
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(_("%(count)s table(s) differ from the backup.") % {"count": len(problems)})
        self.stdout.write(self.style.SUCCESS(
            _("Verified: %(tables)s tables, %(rows)s rows, as in the backup of %(time)s.")
            % {"tables": len(manifest["tables"]), "rows": sum(manifest["tables"].values()),
               "time": manifest["created_at"]}))
