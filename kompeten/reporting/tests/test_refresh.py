"""Keeping the summary tables current (kompeten/reporting/refresh.py, signals.py): whatever changes through the
services — saves with signals and the bulk paths without — the incremental refresh ends where a full rebuild does."""

import datetime
import io

import pytest
from django.utils import timezone

from conftest import make_batch, make_person
from kompeten.programmes.models import BatchStatus
from kompeten.registry.importer import import_persons
from kompeten.reporting import refresh
from kompeten.reporting.models import Cell, Fact, StalePerson
from kompeten.reporting.queries import Figures
from kompeten.training import services as training
from kompeten.training.models import Enrolment, EnrolmentStatus

REGISTERED = datetime.datetime(2025, 2, 3, 9, 0, tzinfo=datetime.UTC)


def person(name, serial, **extra):
    """A job seeker registered in February 2025."""
    return make_person(full_name=name, serial=serial, created_at=REGISTERED, **extra)


def cells() -> dict:
    return {(c.year, c.centre_key, c.dimension, c.key, c.month, c.stage): c.n for c in Cell.objects.all()}


def facts() -> list:
    return sorted(Fact.objects.values_list(
        "person_id", "year", "centre_id", "sex", "enrolled_on", "completed_on", "dropped_on", "registered_on"))


def assert_same_as_rebuild():
    refresh.refresh_stale()
    assert not StalePerson.objects.exists()
    incremental, incremental_facts = cells(), facts()
    refresh.rebuild()
    assert cells() == incremental
    assert facts() == incremental_facts


@pytest.fixture
def year(programme_year, balikpapan, bontang):
    refresh.rebuild()
    return programme_year


def running(centre, programme_year, **extra):
    batch = make_batch(centre, programme_year, status="open", start=datetime.date(2025, 5, 5),
                       end=datetime.date(2025, 6, 27), **extra)
    batch.package.attendance_threshold = 0
    batch.package.has_final_test = False
    batch.package.save()
    return batch


def test_saves_and_bulk_paths_leave_the_figures_as_a_rebuild_would(year, balikpapan, bontang, operator_balikpapan,
                                                                   province_admin):
    a = person("Ani", 21, registered_centre=balikpapan)
    b = person("Bayu", 22, sex="L", registered_centre=bontang, district="64.74.02")
    c = person("Citra", 23, registered_centre=balikpapan)
    assert StalePerson.objects.filter(person_id__in=[a.pk, b.pk, c.pk]).count() == 3  # saved: marked
    assert_same_as_rebuild()
    assert Figures(2025).count("registered") == 3

    batch_bpn, batch_btg = running(balikpapan, year), running(bontang, year)
    training.enrol(batch_bpn, a, by=operator_balikpapan)
    enrolment_b = training.enrol(batch_btg, b, by=province_admin)
    training.enrol(batch_bpn, c, by=operator_balikpapan)
    assert_same_as_rebuild()
    figures = Figures(2025)
    assert figures.count("enrolled", centre=balikpapan.pk) == 2 and figures.count("enrolled", centre=bontang.pk) == 1
    assert figures.count("enrolled", dimension="sex", key="L") == 1

    # Bulk: a whole batch completed (bulk_update), another cancelled (withdraw_all).
    for batch in (batch_bpn, batch_btg):
        batch.status = BatchStatus.RUNNING
        batch.save(update_fields=["status"])
    training.complete_batch(batch_bpn, {}, by=operator_balikpapan)
    assert StalePerson.objects.filter(person_id__in=[a.pk, c.pk]).count() == 2
    assert_same_as_rebuild()
    assert Figures(2025).count("completed", centre=balikpapan.pk) == 2

    # A change of the person's own fields moves them between keys of a breakdown.
    b.sex = "P"
    b.save()
    Enrolment.objects.filter(pk=enrolment_b.pk).update(status=EnrolmentStatus.WITHDRAWN)  # no signal ...
    refresh.mark_stale([b.pk])  # ... so the caller marks, as the services' bulk paths do
    assert_same_as_rebuild()
    figures = Figures(2025)
    assert figures.count("enrolled", centre=bontang.pk) == 0
    assert figures.count("enrolled", dimension="sex", key="L") == 0

    # A batch moved to other dates moves its participants' months.
    batch_bpn.start_date, batch_bpn.end_date = datetime.date(2025, 8, 4), datetime.date(2025, 9, 26)
    batch_bpn.save()
    assert_same_as_rebuild()
    assert Figures(2025).count("completed", months=[9]) == 2

    # A person erased: out of every figure.
    d = person("Dodi", 24, registered_centre=bontang)
    refresh.refresh_stale()
    before = Figures(2025).count("registered")
    d.delete()
    assert Figures(2025).count("registered") == before - 1
    assert_same_as_rebuild()


def test_an_import_marks_its_persons(year, operator_balikpapan, balikpapan):
    data = ("nik,nama,jenis_kelamin,tempat_lahir,tanggal_lahir,no_hp,email,alamat,kode_wilayah,pendidikan\n"
            "6471054506990001,Sari Dewi,P,Balikpapan,05-06-1999,081234567890,,Jl. Mawar 1,64.71.05.1008,SMK\n")
    report = import_persons(io.BytesIO(data.encode()), filename="data.csv", by=operator_balikpapan,
                            centre=balikpapan)
    assert report.created == 1, report
    assert StalePerson.objects.count() == 1
    assert_same_as_rebuild()
    this_year = timezone.localdate().year  # registered by the import today
    assert Figures(this_year, {balikpapan.pk}).count("registered") == 1
    assert Fact.objects.get().centre == balikpapan


def test_refresh_stale_takes_the_oldest_first_and_leaves_the_rest(year, balikpapan):
    people = [person(f"P{i}", 30 + i, registered_centre=balikpapan) for i in range(5)]
    assert refresh.refresh_stale(limit=2) == 2
    assert refresh.stale_count() == 3
    assert refresh.refresh_stale() == 3
    assert Fact.objects.filter(person__in=people).count() == 5
    state = refresh.state()
    assert state.version >= 2 and state.refreshed_at is not None
