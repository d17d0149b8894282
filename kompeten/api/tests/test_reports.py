"""The reports API: targets against realisation per centre and the funnel, the dashboard's figures, in scope."""

import datetime

import pytest

from conftest import make_batch, make_person
from kompeten.api.tests.domain_helpers import assert_error, call
from kompeten.programmes.models import Target
from kompeten.reporting import queries, refresh
from kompeten.training.models import Enrolment, EnrolmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(completed_batch, balikpapan, bontang, programme_year):
    """2025: three completed at Balikpapan (completed_batch), two of three at Bontang; trained targets 10 and 5,
    and 1,500 certified for the province."""
    batch = make_batch(bontang, programme_year, status="completed", start=datetime.date(2025, 3, 3),
                       end=datetime.date(2025, 4, 4))
    for serial in range(31, 34):
        person = make_person(full_name=f"Peserta Bontang {serial}", serial=serial, district="64.74.02",
                             registered_centre=bontang)
        Enrolment.objects.create(batch=batch, person=person, source="operator",
                                 status=EnrolmentStatus.COMPLETED if serial < 33 else EnrolmentStatus.NOT_COMPLETED)
    for kind, centre, number in [("trained", balikpapan, 10), ("trained", bontang, 5), ("certified", None, 1500)]:
        Target.objects.create(programme_year=programme_year, kind=kind, centre=centre, number=number)
    refresh.rebuild()
    return programme_year


def _trained(row) -> dict:
    return next(f for f in row["figures"] if f["kind"] == "trained")


def test_targets_for_the_province_and_for_an_operator(client, world, province_admin, operator_balikpapan,
                                                      balikpapan, bontang):
    answer = call(client, province_admin, "get", "/reports/targets", year=2025)
    assert answer.status_code == 200, answer.content
    rows = {row["centre_id"]: row for row in answer.json()["rows"]}
    assert answer.json()["province"] is True and set(rows) >= {balikpapan.pk, bontang.pk, None}
    assert _trained(rows[balikpapan.pk]) == {"kind": "trained", "target": 10, "done": 3, "percent": 30}
    assert _trained(rows[bontang.pk]) == {"kind": "trained", "target": 5, "done": 2, "percent": 40}
    province = rows[None]
    assert _trained(province)["done"] == 5 and _trained(province)["target"] == 15  # the centres' sum
    assert next(f for f in province["figures"] if f["kind"] == "certified")["target"] == 1500
    # The same numbers as the figures the dashboard reads.
    figures = queries.Figures(2025)
    assert _trained(province)["done"] == figures.count("completed")
    mine = call(client, operator_balikpapan, "get", "/reports/targets", year=2025).json()
    assert mine["province"] is False and [row["centre_id"] for row in mine["rows"]] == [balikpapan.pk]
    assert _trained(mine["rows"][0]) == _trained(rows[balikpapan.pk])


def test_funnel_in_scope(client, world, province_admin, operator_balikpapan, operator_bontang, balikpapan):
    whole = call(client, province_admin, "get", "/reports/funnel", year=2025).json()
    stages = {s["stage"]: s for s in whole["stages"]}
    assert stages["enrolled"]["persons"] == 6 and stages["completed"]["persons"] == 5
    assert stages["completed"]["percent_of_previous"] == 83 and stages["dropped"]["persons"] == 1
    mine = call(client, operator_balikpapan, "get", "/reports/funnel", year=2025).json()
    assert {s["stage"]: s["persons"] for s in mine["stages"]}["completed"] == 3
    one = call(client, province_admin, "get", "/reports/funnel", year=2025, centre=balikpapan.pk).json()
    assert one["stages"] == mine["stages"] and one["centre_id"] == balikpapan.pk
    assert_error(call(client, operator_bontang, "get", "/reports/funnel", year=2025, centre=balikpapan.pk), 404,
                 "not_found")


def test_reports_errors(client, world, province_admin, company_user, assessor, job_seeker):
    for user in (company_user, assessor, job_seeker):
        assert_error(call(client, user, "get", "/reports/targets", year=2025), 403, "forbidden")
        assert_error(call(client, user, "get", "/reports/funnel", year=2025), 403, "forbidden")
    assert_error(call(client, province_admin, "get", "/reports/targets", year=2031), 404, "not_found")
    assert_error(call(client, province_admin, "get", "/reports/targets"), 422, "invalid")
    assert_error(call(client, province_admin, "get", "/reports/funnel", year=2025, centre=999_999), 404, "not_found")
