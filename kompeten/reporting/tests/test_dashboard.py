"""The province dashboard, the persons behind its numbers and its table exports: the numbers shown are the
figures', each number's list has as many persons as the number says, an operator sees their centre only, bad
parameters are 404s, exports are formula-neutralised, charts are well-formed SVG and the query count does not
grow with the data."""

import csv
import datetime
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from defusedxml import ElementTree as ET
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_batch, make_person
from kompeten.certificates import services as certificates
from kompeten.certificates.tests.helpers import approve_all
from kompeten.programmes.models import Target, TrainingCentre
from kompeten.reference.models import Region
from kompeten.registry.models import Person
from kompeten.reporting import queries, refresh
from kompeten.reporting.models import FUNNEL, Dimension, Stage, StalePerson
from kompeten.reporting.views import dashboard as views
from kompeten.training.models import Enrolment, EnrolmentStatus

pytestmark = pytest.mark.django_db

URL = reverse("reporting:dashboard")
PERSONS = reverse("reporting:persons")
TODAY = datetime.date(2025, 7, 1)
SVG = "{http://www.w3.org/2000/svg}"


def at(year, month, day, hour=10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


@pytest.fixture(autouse=True)
def frozen():
    """The clock at 1 July 2025: the persons register in the programme year, half of it has passed."""
    with time_machine.travel(at(2025, 7, 1), tick=False):
        yield


def bontang_batch(bontang, programme_year, *, serial, completed=2, dropped=1, month=5):
    """A finished Bontang batch: ``completed`` persons completed (alternately women and men), ``dropped`` did not;
    all living in Kota Bontang."""
    batch = make_batch(bontang, programme_year, status="completed", start=datetime.date(2025, month, 5),
                       end=datetime.date(2025, month + 1, 13))
    for i in range(completed + dropped):
        person = make_person(full_name=f"Peserta Bontang {serial + i}", sex="P" if i % 2 == 0 else "L",
                             district="64.74.02", serial=serial + i, registered_centre=bontang,
                             birth_date=datetime.date(1990 + i, 5, 1), village_id="64.74.01.1001")
        Enrolment.objects.create(batch=batch, person=person, source="operator",
                                 status=EnrolmentStatus.COMPLETED if i < completed else EnrolmentStatus.NOT_COMPLETED)
    return batch


@pytest.fixture
def world(candidates, assessor, lsp_admin, balikpapan, bontang, programme_year):
    """2025: at Balikpapan three persons trained, assessed Kompeten and certified (20 April); at Bontang two
    completed and one did not; one job seeker registered without a centre. Targets: certified 1,500 (Balikpapan
    1,000, Bontang 500), trained 2,000, apprentices 400."""
    for assessment in approve_all(candidates, assessor, lsp_admin):
        certificates.issue_competency(assessment, issued_at=at(2025, 4, 20))
    bontang_batch(bontang, programme_year, serial=31)
    make_person(full_name="Tanpa Pusat", serial=41)
    for kind, centre, number in [("certified", None, 1500), ("certified", balikpapan, 1000),
                                 ("certified", bontang, 500), ("trained", None, 2000),
                                 ("apprentices_placed", None, 400)]:
        Target.objects.create(programme_year=programme_year, kind=kind, centre=centre, number=number)
    refresh.rebuild()
    return programme_year


def get(client, user, url=URL, **params):
    client.force_login(user)
    return client.get(url, params)


def linked(table) -> list:
    return [cell for row in table.rows for cell in row if cell.href]


def count_behind(client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    return response.context["page"].paginator.count


# --- the numbers ----------------------------------------------------------------------------------------------


def test_dashboard_shows_the_figures(client, province_admin, world, balikpapan, bontang):
    response = get(client, province_admin, year=2025)
    assert response.status_code == 200
    figures = queries.Figures(2025)
    funnel = dict(figures.funnel())
    assert (funnel[Stage.CERTIFIED], funnel[Stage.COMPLETED], funnel[Stage.DROPPED]) == (3, 5, 1)
    assert funnel[Stage.REGISTERED] == 7
    shown = {row[0].value: row[1].value for row in response.context["funnel"].rows}
    assert shown == {str(stage.label): funnel[stage] for stage in views.STAGES}
    # The headline: certified 3 of 1,500, trained 5 of 2,000, apprentices 0 of 400.
    cards = {card["kind"]: card for card in response.context["cards"]}
    assert (cards["certified"]["done"], cards["certified"]["target"], cards["certified"]["percent"]) == (3, 1500, 0)
    assert (cards["trained"]["done"], cards["trained"]["target"]) == (5, 2000)
    assert (cards["apprentices_placed"]["done"], cards["apprentices_placed"]["target"]) == (0, 400)
    html = response.content.decode()
    assert "1,500" in html and "2,000" in html
    assert f'<a href="{PERSONS}?year=2025&amp;stage=certified">3</a>' in html
    # Per centre: Balikpapan, Bontang, then the persons under no centre.
    centres = {row[0].value: [cell.value for cell in row[1:]] for row in response.context["centres"].rows}
    expected = {row.label: [row[stage] for stage in views.STAGES] for row in figures.by_centre()}
    assert centres == expected and set(centres) == {"BLKI Balikpapan", "BLKI Bontang", "no centre"}
    assert centres["BLKI Balikpapan"][views.STAGES.index(Stage.CERTIFIED)] == 3
    assert centres["BLKI Bontang"][views.STAGES.index(Stage.COMPLETED)] == 2
    # Target rows: each centre and the province.
    rows = response.context["centre_rows"]
    assert [r["centre"] for r in rows] == [balikpapan, bontang, None]
    assert [r["kinds"][0]["target"] for r in rows] == [1000, 500, 1500]
    # The breakdown (sector by default) sums to the total.
    breakdown = response.context["breakdown"]
    column = views.STAGES.index(Stage.COMPLETED) + 1
    assert sum(row[column].value for row in breakdown.rows) == 5
    # Months: certified in April, cumulative from April on, the target path reaching 1,500 in December.
    months = response.context["months"].rows
    certified = views.STAGES.index(Stage.CERTIFIED) + 1
    assert [row[certified].value for row in months] == [0, 0, 0, 3] + [0] * 8
    assert [row[-2].value for row in months] == [0, 0, 0] + [3] * 9
    assert months[-1][-1].value == 1500 and months[5][-1].value == 750


@pytest.mark.parametrize("by", [str(d) for d in views.BREAKDOWNS])
def test_every_breakdown_sums_to_the_total(client, province_admin, world, by):
    response = get(client, province_admin, year=2025, by=by, stage="completed")
    assert response.status_code == 200 and response.context["by"] == by
    figures = queries.Figures(2025)
    for stage in views.STAGES:
        column = views.STAGES.index(stage) + 1
        assert sum(row[column].value for row in response.context["breakdown"].rows) == figures.count(stage)
    ET.fromstring(str(response.context["breakdown_chart"]))


def test_every_number_links_to_as_many_persons(client, province_admin, world):
    response = get(client, province_admin, year=2025, by="sex")
    context = response.context
    cells = [*linked(context["funnel"]), *linked(context["centres"]), *linked(context["breakdown"]),
             *linked(context["months"])]
    assert len(cells) > 30
    for cell in cells:
        assert count_behind(client, cell.href) == cell.value, cell.href
    for card in context["cards"]:
        if card["done"]:
            assert count_behind(client, card["href"]) == card["done"]


def test_the_list_shows_who_and_never_their_nik(client, province_admin, world):
    response = get(client, province_admin, PERSONS, year=2025, stage="certified", dimension="sex", key="P")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["heading"] == "Certificate issued · Sex: Female (P) · 2025"
    assert [row["name"] for row in response.context["rows"]] == ["Dewi Lestari"]
    dewi = response.context["rows"][0]
    assert dewi["centre"] == "BLKI Balikpapan" and dewi["regency"] == ""  # no village recorded
    assert dewi["sex"] == "Female (P)" and dewi["age_band"] == "25-29"
    assert reverse("registry:person_detail", args=[dewi["person_id"]]) in html
    assert "20 April 2025" in html  # DATE_FORMAT: the full month (kompeten/formats/)
    person = Person.objects.get(pk=dewi["person_id"])
    assert person.nik not in html and person.birth_date.isoformat() not in html
    assert "12 Mar 1999" not in html and person.birth_date.strftime("%d-%m-%Y") not in html


def test_the_list_names_the_regency(client, province_admin, world, bontang):
    response = get(client, province_admin, PERSONS, year=2025, stage="completed", dimension="regency", key="64.74")
    assert response.context["heading"] == "Completed training · Regency / city of domicile: Kota Bontang · 2025"
    assert [row["regency"] for row in response.context["rows"]] == ["Kota Bontang"] * 2
    assert Region.objects.get(code="64.74").name == "Kota Bontang"


def test_the_heading_names_the_centre_and_month(client, province_admin, world, balikpapan):
    response = get(client, province_admin, PERSONS, year=2025, stage="certified", centre=balikpapan.pk, month=4)
    assert response.context["heading"] == "Certificate issued · BLKI Balikpapan · April · 2025"
    assert response.context["page"].paginator.count == 3
    response = get(client, province_admin, PERSONS, year=2025, stage="registered", centre=0)
    assert response.context["heading"] == "Registered this year · no centre · 2025"
    assert [row["name"] for row in response.context["rows"]] == ["Tanpa Pusat"]


def test_the_list_is_paginated(client, province_admin, world, bontang, programme_year):
    bontang_batch(bontang, programme_year, serial=100, completed=55, dropped=0, month=8)
    refresh.rebuild()
    response = get(client, province_admin, PERSONS, year=2025, stage="completed", centre=bontang.pk)
    assert response.context["page"].paginator.count == 57
    assert len(response.context["rows"]) == 50
    html = response.content.decode()
    assert "page=2" in html and "centre=" in html
    response = get(client, province_admin, PERSONS, year=2025, stage="completed", centre=bontang.pk, page=2)
    assert len(response.context["rows"]) == 7


@pytest.mark.parametrize("params", [
    {}, {"year": "2025"}, {"year": "abc", "stage": "certified"}, {"year": "2025", "stage": "nope"},
    {"year": "2025", "stage": "certified", "dimension": "nope"},
    {"year": "2025", "stage": "certified", "month": "13"}, {"year": "2025", "stage": "certified", "month": "x"},
    {"year": "2025", "stage": "certified", "month": "0"},
    {"year": "2025", "stage": "certified", "centre": "x"}, {"year": "2025", "stage": "certified", "centre": "99999"},
    {"year": "2025", "stage": "certified", "dimension": "vocation", "key": "welding"},
    {"year": "2025", "stage": "certified", "dimension": "disability", "key": "yes"},
    {"year": "2025", "stage": "certified", "dimension": "sex", "key": "x" * 41},
    {"year": "99999999999", "stage": "certified"},
])
def test_bad_parameters_are_404(client, province_admin, world, params):
    assert get(client, province_admin, PERSONS, **params).status_code == 404


def test_odd_dashboard_parameters_fall_back(client, province_admin, world):
    response = get(client, province_admin, year="x", by="nope", stage="<script>")
    assert response.status_code == 200
    assert (response.context["year"], response.context["by"], response.context["shown"]) == (2025, "sector",
                                                                                             "certified")
    assert get(client, province_admin, year="1999").context["year"] == 2025


def test_no_programme_year_yet(client, province_admin):
    response = get(client, province_admin)
    assert response.status_code == 200 and "There is no programme year yet" in response.content.decode()
    assert get(client, province_admin, reverse("reporting:table_export", args=["funnel", "csv"])).status_code == 404


def test_a_year_without_figures_yet(client, province_admin, programme_year):
    from kompeten.programmes.models import ProgrammeYear

    ProgrammeYear.objects.create(year=2026, name="Program 2026")
    response = get(client, province_admin, year=2026)
    assert response.status_code == 200 and response.context["year"] == 2026
    assert all(row[1].value == 0 for row in response.context["funnel"].rows)
    assert response.context["breakdown"].rows == [] and response.context["monthly_reports"] == []
    assert "Nothing counted yet." in response.content.decode()
    ET.fromstring(str(response.context["months_chart"]))
    assert get(client, province_admin).context["year"] == 2026  # the latest year by default


def test_who_may_see_it(client, job_seeker, company_user, assessor, world):
    for user in (job_seeker, company_user, assessor):
        assert get(client, user).status_code == 404
        assert get(client, user, PERSONS, year=2025, stage="certified").status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302


# --- an operator's scope ----------------------------------------------------------------------------------------


def test_operator_sees_their_centre_only(client, operator_balikpapan, world, balikpapan, bontang):
    response = get(client, operator_balikpapan, year=2025, by="regency")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bontang" not in html and "Tanpa Pusat" not in html
    figures = queries.Figures(2025, {balikpapan.pk})
    assert {row[0].value: row[1].value for row in response.context["funnel"].rows} == {
        str(stage.label): count for stage, count in figures.funnel()}
    assert [row[0].value for row in response.context["centres"].rows] == ["BLKI Balikpapan"]
    # Targets: Balikpapan's only, no province row, no province total anywhere.
    assert [r["centre"] for r in response.context["centre_rows"]] == [balikpapan]
    cards = {card["kind"]: card for card in response.context["cards"]}
    assert cards["certified"]["target"] == 1000 and cards["certified"]["done"] == 3
    assert cards["trained"]["target"] is None and cards["trained"]["done"] == 3  # the province's 2,000 is not theirs
    assert "1,500" not in html and "2,000" not in html
    completed = views.STAGES.index(Stage.COMPLETED) + 1
    assert sum(row[completed].value for row in response.context["breakdown"].rows) == 3
    for cell in [*linked(response.context["funnel"]), *linked(response.context["breakdown"])]:
        assert count_behind(client, cell.href) == cell.value


def test_operator_lists_never_hold_another_centres_persons(client, operator_balikpapan, world, bontang):
    response = get(client, operator_balikpapan, PERSONS, year=2025, stage="completed")
    names = {row["name"] for row in response.context["rows"]}
    assert names == {"Andi Pratama", "Dewi Lestari", "Eko Saputra"}
    response = get(client, operator_balikpapan, PERSONS, year=2025, stage="registered")
    assert "Tanpa Pusat" not in {row["name"] for row in response.context["rows"]}
    assert all(not row["name"].startswith("Peserta Bontang") for row in response.context["rows"])
    assert get(client, operator_balikpapan, PERSONS, year=2025, stage="completed",
               centre=bontang.pk).status_code == 404
    assert get(client, operator_balikpapan, PERSONS, year=2025, stage="registered", centre=0).status_code == 404
    # Bontang's drop-out is not theirs.
    assert get(client, operator_balikpapan, PERSONS, year=2025, stage="dropped").context["page"].paginator.count == 0


def test_operator_exports_hold_their_centre_only(client, operator_balikpapan, world):
    client.force_login(operator_balikpapan)
    response = client.get(reverse("reporting:table_export", args=["centres", "csv"]), {"year": 2025})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["BLKI Balikpapan"]
    response = client.get(reverse("reporting:table_export", args=["targets", "csv"]), {"year": 2025})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == {"BLKI Balikpapan"} and "1500" not in response.content.decode()


# --- exports ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(views.TABLES))
def test_every_table_exports_as_xlsx_and_csv(client, province_admin, world, table):
    from openpyxl import load_workbook

    headers, rows = views.TABLES[table](queries.Figures(2025))
    client.force_login(province_admin)
    response = client.get(reverse("reporting:table_export", args=[table, "xlsx"]), {"year": 2025})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == [str(h) for h in headers]
    assert values[1:] == [[None if v is None else (str(v) if isinstance(v, str) else v) for v in row]
                          for row in rows]
    response = client.get(reverse("reporting:table_export", args=[table, "csv"]), {"year": 2025})
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(lines) == len(rows) + 1


def test_exports_are_formula_neutralised(client, province_admin, world, balikpapan):
    from openpyxl import load_workbook

    TrainingCentre.objects.filter(pk=balikpapan.pk).update(short_name="=HYPERLINK(\"http://x\",\"y\")")
    client.force_login(province_admin)
    response = client.get(reverse("reporting:table_export", args=["centres", "xlsx"]), {"year": 2025})
    sheet = load_workbook(io.BytesIO(response.content)).active
    labels = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in labels
    assert all(row[0].data_type == "s" for row in sheet.iter_rows(min_row=2))
    response = client.get(reverse("reporting:table_export", args=["centres", "csv"]), {"year": 2025})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "'=HYPERLINK(\"http://x\",\"y\")" in [row[0] for row in rows]


def test_unknown_table_or_format_is_404(client, province_admin, world):
    client.force_login(province_admin)
    assert client.get(reverse("reporting:table_export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("reporting:table_export", args=["funnel", "pdf"])).status_code == 404
    assert client.get(reverse("reporting:table_export", args=["total", "csv"])).status_code == 404


def test_export_is_audited(client, province_admin, world):
    from kompeten.audit.models import AuditEntry

    client.force_login(province_admin)
    client.get(reverse("reporting:table_export", args=["funnel", "csv"]), {"year": 2025})
    entry = AuditEntry.objects.filter(action="export", object_type="reporting.cell").get()
    assert entry.object_label.startswith("laporan-funnel-2025")


# --- charts on the page ----------------------------------------------------------------------------------------


def test_charts_are_well_formed_accessible_svg(client, province_admin, world):
    response = get(client, province_admin, year=2025, by="age")
    html = response.content.decode()
    charts = re.findall(r"<svg xmlns.*?</svg>", html, flags=re.S)
    assert len(charts) == 3
    for markup in charts:
        root = ET.fromstring(markup)
        linked = root.find(f".//{SVG}a") is not None  # an image may hold no links (axe: nested-interactive)
        assert root.get("role") == ("group" if linked else "img") and root.find(f"{SVG}title").text
    funnel = ET.fromstring(str(response.context["funnel_chart"]))
    labels = [t.text for t in funnel.iter(f"{SVG}text")]
    assert str(Stage.CERTIFIED.label) in labels and "3" in labels
    links = [unescape(a.get("href")) for a in funnel.iter(f"{SVG}a")]
    assert f"{PERSONS}?year=2025&stage=certified" in links
    # The funnel's bars are the funnel stages, the target ticks where targets are: completed and certified (the
    # apprentices' target is in the table, beside the funnel).
    assert len(funnel.findall(f"{SVG}g")) == len(FUNNEL)
    assert len([line for line in funnel.iter(f"{SVG}line") if line.get("stroke") == "#c0392b"]) == 2


def test_the_months_chart_stops_today(client, province_admin, world):
    response = get(client, province_admin, year=2025)
    root = ET.fromstring(str(response.context["months_chart"]))
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2  # certified so far, the target path
    assert len(lines[0].get("points").split()) == 7 and len(lines[1].get("points").split()) == 12


# --- freshness -------------------------------------------------------------------------------------------------


def test_the_page_counts_what_changed_first(client, province_admin, world, bontang, programme_year):
    batch = bontang_batch(bontang, programme_year, serial=60, completed=1, dropped=0, month=6)
    assert StalePerson.objects.exists()
    response = get(client, province_admin, year=2025)
    assert not StalePerson.objects.exists()
    assert dict(queries.Figures(2025).funnel())[Stage.COMPLETED] == 6
    assert {row[0].value: row[1].value for row in response.context["funnel"].rows}[
        str(Stage.COMPLETED.label)] == 6
    assert "still being counted" not in response.content.decode()
    assert batch.enrolments.count() == 1


def test_changes_beyond_the_limit_are_announced(client, province_admin, world, bontang, programme_year,
                                               monkeypatch):
    bontang_batch(bontang, programme_year, serial=70, completed=3, dropped=0, month=6)
    monkeypatch.setattr(refresh, "REQUEST_LIMIT", 1)
    response = get(client, province_admin, year=2025)
    assert response.context["stale"] == refresh.stale_count() > 0
    html = response.content.decode()
    assert f"{response.context['stale']} changes are still being counted" in html
    assert "Last counted at" in html


# --- the forecast -----------------------------------------------------------------------------------------------


def test_the_forecast_is_shown_with_its_advice(client, province_admin, world, bontang):
    from kompeten.reporting import forecast

    response = get(client, province_admin, year=2025)
    expected = forecast.forecast(2025, None, today=TODAY)
    shown = response.context["forecast"]
    assert shown["total"]["expected"] == round(expected.total.expected)
    assert (shown["total"]["low"], shown["total"]["high"], shown["total"]["gap"]) == (
        expected.total.low, expected.total.high, expected.total.gap)
    html = response.content.decode()
    assert "90 % interval" in html
    by_centre = {cf.centre_id: cf for cf in expected.centres}
    assert set(shown["centres"]) == set(by_centre)
    total = expected.total
    if total.gap > 0:
        assert f"Short by {total.gap:,}" in unescape(html)


def test_the_advice_sentence(monkeypatch, bontang):
    from kompeten.programmes.models import TrainingPackage, Vocation

    vocation = Vocation.objects.filter(centres=bontang).order_by("code").first()
    package = TrainingPackage.objects.create(centre=bontang, vocation=vocation, code="las", name="Las",
                                             hours=160, required_documents=[])

    class Advice:
        vocation_id, vocation_name, package_id, batches, per_batch = vocation.pk, "Welding", package.pk, 8, 15.0
        latest_start = datetime.date(2025, 9, 1)

    class Short:
        centre_id, name, target, realised, expected = None, "Province", 1500, 900, 1380.0
        low, high, gap, pending, advice = 1300, 1450, 120, {}, [Advice()]

    sentence = views.advice_sentence(Short(), {package.pk: "BLKI Bontang"})
    assert sentence == "Short by 120: 8 more batches of Welding at BLKI Bontang starting by 1 Sep 2025 would close it."
    Short.gap, Short.advice = 0, []
    assert views.advice_sentence(Short(), {}).startswith("On course")
    Short.gap = 5
    assert views.advice_sentence(Short(), {}) == "Short by 5."
    Short.target = None
    assert views.advice_sentence(Short(), {}) == ""


def test_the_forecast_is_reused_while_the_figures_stay_the_same(client, province_admin, world, balikpapan):
    first = queries_for(client, province_admin, year=2025)
    again = queries_for(client, province_admin, year=2025, clear=False)
    assert again < first  # the forecast's aggregates were not read again
    # Figures changed, but the forecast is younger than its cache time: reused (its rates move slowly) ...
    person = make_person(full_name="Baru", serial=990, registered_centre=balikpapan)
    assert queries_for(client, province_admin, year=2025, clear=False) > again  # (the refresh of the new person)
    # ... and made again once it is older.
    from kompeten.reporting import forecast

    key = "reporting:forecast:2025:*"
    hit = cache.get(key)
    old = hit["at"] - forecast.CACHE_SECONDS - 1
    cache.set(key, {**hit, "at": old})
    response = get(client, province_admin, year=2025)
    assert response.status_code == 200 and cache.get(key)["at"] > old
    assert person.pk


def test_operator_forecast_is_their_centres(client, operator_balikpapan, world, balikpapan):
    response = get(client, operator_balikpapan, year=2025)
    shown = response.context["forecast"]
    assert set(shown["centres"]) == {balikpapan.pk}
    assert shown["total"]["target"] == shown["centres"][balikpapan.pk]["target"] == 1000
    assert shown["total"]["realised"] == 3
    cards = {card["kind"]: card for card in response.context["cards"]}
    assert cards["certified"]["forecast"] == shown["total"]
    html = unescape(response.content.decode())
    assert "1,500" not in html and "Bontang" not in html


# --- queries ----------------------------------------------------------------------------------------------------


def queries_for(client, user, url=URL, *, clear=True, **params) -> int:
    """The queries of one request; ``clear``: with nothing cached (the forecast), the most a page reads."""
    if clear:
        cache.clear()
    client.force_login(user)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


# Per page: the session and user (3), the refresh check (4), the year, the cells, the targets and centres, the
# breakdown's labels, the forecast's aggregates (6) and the audit entry of an export.
MAX_QUERIES = {URL: 30, PERSONS: 16}


def test_query_count_does_not_grow_with_the_data(client, province_admin, operator_balikpapan, world, bontang,
                                                 balikpapan, programme_year, django_assert_max_num_queries):
    export = reverse("reporting:table_export", args=["sector", "xlsx"])
    pages = [(province_admin, URL, {"year": 2025, "by": "vocation"}),
             (operator_balikpapan, URL, {"year": 2025, "by": "regency"}),
             (province_admin, PERSONS, {"year": 2025, "stage": "completed"}),
             (province_admin, export, {"year": 2025})]
    few = [queries_for(client, user, url, **params) for user, url, params in pages]
    for month in (6, 8, 9):
        bontang_batch(bontang, programme_year, serial=200 + 40 * month, completed=20, dropped=5, month=month)
    make_batch(balikpapan, programme_year, status="open", start=datetime.date(2025, 9, 1),
               end=datetime.date(2025, 10, 10))
    refresh.rebuild()
    many = [queries_for(client, user, url, **params) for user, url, params in pages]
    assert many == few
    for user, url, params in pages:
        client.force_login(user)
        cache.clear()
        with django_assert_max_num_queries(MAX_QUERIES.get(url, 16)):
            assert client.get(url, params).status_code == 200


def test_links_carry_every_parameter(client, province_admin, world, balikpapan):
    response = get(client, province_admin, year=2025, by="age")
    cell = next(c for c in linked(response.context["breakdown"]))
    query = parse_qs(urlsplit(cell.href).query, keep_blank_values=True)
    assert query["year"] == ["2025"] and query["dimension"] == ["age"] and "key" in query and "stage" in query
    cell = linked(response.context["months"])[0]
    assert "month" in parse_qs(urlsplit(cell.href).query)
    cell = next(c for c in linked(response.context["centres"]))
    assert parse_qs(urlsplit(cell.href).query)["centre"] == [str(balikpapan.pk)]
    assert Dimension.TOTAL not in views.BREAKDOWNS
