"""The seat race: concurrent enrolments never overbook a batch (docs/algorithms/locking.md).

Every request runs in a thread with its own database connection, and a barrier releases them together,
so the requests really overlap inside the database. The tests are therefore transactional: their data is
committed, or the other connections would not see it. They run on whatever database the suite runs on:
SQLite by default, PostgreSQL when DATABASE_URL points at one (CI runs both).

A transactional test ends with a flush that empties every table, the reference data that conftest loads
once per session included; the two fixtures below load it again, for these tests and for those after them.
"""

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.db import connection

from conftest import make_person
from kompeten.audit.models import AuditEntry
from kompeten.core.errors import DomainError
from kompeten.programmes.models import Batch, BatchStatus, ProgrammeYear, TrainingCentre, TrainingPackage, Vocation
from kompeten.reference.loader import load_all
from kompeten.registry.models import Person
from kompeten.registry.nik import make_nik
from kompeten.training import services
from kompeten.training.models import Enrolment
from kompeten.training.services import enrol

pytestmark = pytest.mark.django_db(transaction=True)

CAPACITY = 16
REQUESTS = 200
WORKERS = 32  # threads, each with its own connection; the 200 requests are shared out between them
BIRTH = datetime.date(2001, 8, 17)


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_module(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        load_all()  # the last test's flush emptied it; the modules that follow expect it


@pytest.fixture(autouse=True)
def reference_data():
    if not TrainingCentre.objects.filter(code="blki_balikpapan").exists():
        load_all()  # emptied by the flush that ended the previous test of this module


@pytest.fixture
def package(balikpapan):
    return TrainingPackage.objects.create(centre=balikpapan, vocation=Vocation.objects.filter(centres=balikpapan)
                                          .first(), code="race", name="Paket balapan kursi", hours=240)


def make_batch(package, number=1, capacity=CAPACITY):
    year, _ = ProgrammeYear.objects.get_or_create(year=2025, defaults={"name": "2025"})
    return Batch.objects.create(programme_year=year, centre=package.centre, package=package, number=number,
                                start_date=datetime.date(2025, 3, 3), end_date=datetime.date(2025, 4, 25),
                                capacity=capacity, status=BatchStatus.OPEN)


@pytest.fixture
def batch(package):
    return make_batch(package)


@pytest.fixture
def persons(balikpapan):
    return Person.objects.bulk_create(
        Person(nik=make_nik("64.71.05", BIRTH, "L", serial), full_name=f"Peserta {serial:03d}", sex="L",
               birth_date=BIRTH, source="operator", registered_centre=balikpapan)
        for serial in range(1, REQUESTS + 1)
    )


def race(calls, *, by, workers=WORKERS):
    """enrol(batch, person) for each (batch, person) in calls, from `workers` threads started together.

    Returns one (person_id, batch_id, outcome) per call; the outcome is the Enrolment, the DomainError's
    code, or any other exception (what a view would turn into a 500).
    """
    barrier = threading.Barrier(workers)

    def work(share):
        outcomes = []
        try:
            connection.ensure_connection()  # connect before the start, so that the requests overlap
            barrier.wait(timeout=60)
            for batch, person in share:
                try:
                    outcome = enrol(batch, person, by=by)
                except DomainError as error:
                    outcome = error.code
                except Exception as error:  # recorded, and asserted to be none
                    outcome = error
                outcomes.append((person.pk, batch.pk, outcome))
        finally:
            connection.close()
        return outcomes

    with ThreadPoolExecutor(max_workers=workers) as pool:
        shares = list(pool.map(work, [calls[i::workers] for i in range(workers)]))
    return [outcome for share in shares for outcome in share]


def kind(outcome) -> str:
    if isinstance(outcome, Enrolment):
        return "enrolled"
    return outcome if isinstance(outcome, str) else "error"


def assert_no_errors(outcomes):
    errors = [outcome for *_, outcome in outcomes if kind(outcome) == "error"]
    assert errors == [], f"{len(errors)} requests failed with an error (a 500): {errors[:3]!r}"


def slow_seats_taken_patch(delay=0.005):
    """Widen the window between counting the seats and inserting the enrolment (negative controls only).

    Without the lock the race is real but short on an idle machine; sleeping a few ms after the count
    makes the overbooking certain instead of likely.
    """
    real = services.seats_taken

    def slow_seats_taken(batch):
        taken = real(batch)
        time.sleep(delay)
        return taken

    return mock.patch.object(services, "seats_taken", slow_seats_taken)


def test_200_requests_for_16_seats_never_overbook(batch, persons, operator_balikpapan):
    outcomes = race([(batch, person) for person in persons], by=operator_balikpapan)

    assert_no_errors(outcomes)
    enrolled = {person_id for person_id, _, outcome in outcomes if kind(outcome) == "enrolled"}
    full = {person_id for person_id, _, outcome in outcomes if kind(outcome) == "batch_full"}
    assert len(outcomes) == REQUESTS
    assert len(enrolled) == CAPACITY
    assert len(full) == REQUESTS - CAPACITY
    assert enrolled | full == {person.pk for person in persons}  # nothing lost: every person got an answer
    assert set(Enrolment.objects.filter(batch=batch).values_list("person_id", flat=True)) == enrolled
    assert Enrolment.objects.count() == CAPACITY
    assert AuditEntry.objects.filter(object_type="training.enrolment", action="create").count() == CAPACITY
    assert services.seats_taken(batch) == CAPACITY


def test_negative_control_without_the_lock_overbooks(batch, persons, operator_balikpapan, settings):
    """Proves that the race test can see an overbooking: without the seat lock, PostgreSQL overbooks."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; BEGIN IMMEDIATE serialises the writers even without the seat "
                    "lock, so nothing overbooks there (see test_sqlite_serialises_writers_without_the_lock)")
    settings.KOMPETEN_SEAT_LOCK = False
    with slow_seats_taken_patch():
        outcomes = race([(batch, person) for person in persons], by=operator_balikpapan)

    assert_no_errors(outcomes)
    enrolled = Enrolment.objects.filter(batch=batch).count()
    assert enrolled > CAPACITY, "no overbooking without the lock: the race test could not detect one"
    assert sum(kind(outcome) == "enrolled" for *_, outcome in outcomes) == enrolled


def test_sqlite_serialises_writers_without_the_lock(batch, persons, operator_balikpapan, settings):
    """On SQLite the guarantee comes from BEGIN IMMEDIATE (select_for_update is a no-op there)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL relies on the row lock (see the negative control)")
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    settings.KOMPETEN_SEAT_LOCK = False
    with slow_seats_taken_patch(delay=0.002):
        outcomes = race([(batch, person) for person in persons], by=operator_balikpapan)

    assert_no_errors(outcomes)
    assert sorted({kind(outcome) for *_, outcome in outcomes}) == ["batch_full", "enrolled"]
    assert Enrolment.objects.filter(batch=batch).count() == CAPACITY


def test_same_person_ten_times_at_once_is_enrolled_once(batch, balikpapan, operator_balikpapan):
    person = make_person(serial=1, registered_centre=balikpapan)
    outcomes = race([(batch, person)] * 10, by=operator_balikpapan, workers=10)

    assert_no_errors(outcomes)
    assert sorted(kind(outcome) for *_, outcome in outcomes) == ["already_enrolled"] * 9 + ["enrolled"]
    assert Enrolment.objects.filter(person=person).count() == 1


def test_same_person_into_two_batches_at_once_is_enrolled_once(package, balikpapan, operator_balikpapan):
    first, second = make_batch(package, number=1), make_batch(package, number=2)
    person = make_person(serial=1, registered_centre=balikpapan)
    outcomes = race([(first, person), (second, person)] * 5, by=operator_balikpapan, workers=10)

    assert_no_errors(outcomes)
    winner = Enrolment.objects.get(person=person)  # exactly one, in either batch
    expected = {winner.batch_id: "already_enrolled", (second if winner.batch_id == first.pk else first).pk:
                "has_active_enrolment"}
    losers = [(batch_id, outcome) for _, batch_id, outcome in outcomes if kind(outcome) != "enrolled"]
    assert len(losers) == 9
    assert all(kind(outcome) == expected[batch_id] for batch_id, outcome in losers), losers
