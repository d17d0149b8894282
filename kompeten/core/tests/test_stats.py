import json
from io import StringIO

from django.core.management import call_command

from conftest import make_person
from kompeten.core.stats import count, record_counts

KEYS = {
    "persons", "users", "centres", "batches", "applications", "enrolments", "schemes", "assessments",
    "competent", "certificates", "companies", "placements", "vacancies", "outcomes",
}


def test_empty_database_has_every_key_as_int(db):
    counts = record_counts()
    assert set(counts) == KEYS
    assert all(type(value) is int for value in counts.values())
    assert counts["persons"] == 0
    assert counts["centres"] == 2  # the two BLKI of the reference data


def test_a_new_person_is_counted(db):
    before = record_counts()["persons"]
    make_person()
    assert record_counts()["persons"] == before + 1


def test_missing_model_counts_zero_and_callables_are_called(db):
    assert count(("jobs", "NoSuchModel")) == 0
    assert count(("no_such_app", "Thing")) == 0
    assert count(lambda: 7) == 7


def test_command_json_is_one_object(db, company):
    out = StringIO()
    call_command("stats", "--json", stdout=out)
    counts = json.loads(out.getvalue())
    assert set(counts) == KEYS
    assert counts["companies"] == 1


def test_command_table_lists_every_count(db):
    out = StringIO()
    call_command("stats", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1 + len(KEYS)
    assert lines[-1].split()[-1] == "0"  # outcomes
