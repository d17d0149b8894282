"""Database triggers that keep the audit log append-only even against raw SQL.

PostgreSQL refuses UPDATE and DELETE of rows (TRUNCATE, an administrator's act, stays possible).
SQLite refuses UPDATE; DELETE stays possible there because the test suite's flush needs it.
"""

from django.db import migrations

PG_UP = ["""
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql
""", """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_append_only()
"""]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_append_only()",
]
SQLITE_UP = ["""
CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
"""]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_auditentry_no_update"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": PG_UP, "sqlite": SQLITE_UP}.get(vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
