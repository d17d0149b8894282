"""The monthly report (laporan bulanan): its tables (kompeten/reporting/monthly.py), the PDF and the workbook, and
the view that serves them (the operator's scope, bad months and years, the refresh before reading).

The data: a March batch at BLKI Balikpapan whose three participants completed, were assessed Kompeten in April and
certified in May; November batches at Balikpapan (2 completed, 1 did not) and at Bontang (4 completed, Bontang
residents). The report of November 2025 shows November's and January–November's figures.
"""

import datetime
import io
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import make_batch
from kompeten.certificates import services as certificates
from kompeten.certificates.models import Certificate, CertificateKind
from kompeten.certificates.tests.helpers import approve_all, at
from kompeten.programmes.models import Target
from kompeten.registry.models import Person
from kompeten.registry.nik import make_nik
from kompeten.reporting import monthly, queries, refresh
from kompeten.reporting.models import Stage
from kompeten.training.models import Enrolment, EnrolmentStatus

pytestmark = pytest.mark.django_db

NOVEMBER = (datetime.date(2025, 11, 3), datetime.date(2025, 11, 28))
BALIKPAPAN_VILLAGE = "64.71.05.1008"  # Sepinggan Baru, Kota Balikpapan
BONTANG_VILLAGE = "64.74.02.1005"  # Bontang Lestari, Kota Bontang


def participants(batch, count, *, first_serial, village, status=EnrolmentStatus.COMPLETED, sex="L"):
    """``count`` new persons living in ``village`` with an enrolment of ``status`` in ``batch``."""
    persons = Person.objects.bulk_create(
        Person(nik=make_nik(village[:8], datetime.date(2001, 5, 5), sex, serial), full_name=f"Peserta {serial}",
               sex=sex, birth_date=datetime.date(2001, 5, 5), source="operator", registered_centre=batch.centre,
               village_id=village)
        for serial in range(first_serial, first_serial + count))
    Enrolment.objects.bulk_create(Enrolment(batch=batch, person=p, source="operator", status=status,
                                            final_test_passed=status == EnrolmentStatus.COMPLETED)
                                  for p in persons)
    refresh.mark_stale(p.pk for p in persons)
    return persons


@pytest.fixture
def report_data(candidates, assessor, lsp_admin, programme_year, balikpapan, bontang, completed_batch):
    """The year's data, its targets, and the summary tables rebuilt from it."""
    Person.objects.filter(enrolments__batch=completed_batch).update(village_id=BALIKPAPAN_VILLAGE)
    for assessment in approve_all(candidates, assessor, lsp_admin):
        certificates.issue_competency(assessment, issued_at=at(2025, 5, 10))
    november_bpp = make_batch(balikpapan, programme_year, status="completed", start=NOVEMBER[0], end=NOVEMBER[1],
                              package=completed_batch.package)
    participants(november_bpp, 2, first_serial=200, village=BALIKPAPAN_VILLAGE)
    participants(november_bpp, 1, first_serial=210, village=BALIKPAPAN_VILLAGE, status=EnrolmentStatus.NOT_COMPLETED)
    november_btg = make_batch(bontang, programme_year, status="completed", start=NOVEMBER[0], end=NOVEMBER[1])
    participants(november_btg, 4, first_serial=300, village=BONTANG_VILLAGE, sex="P")
    for kind, centre, number in [("certified", balikpapan, 1000), ("certified", bontang, 500),
                                 ("certified", None, 1500), ("trained", balikpapan, 1000), ("trained", bontang, 500),
                                 ("trained", None, 1500), ("apprentices_placed", None, 400)]:
        Target.objects.create(programme_year=programme_year, kind=kind, centre=centre, number=number)
    refresh.rebuild()
    return {"balikpapan": balikpapan, "bontang": bontang}


def completed(centre=None, *, month=None) -> int:
    """Persons who completed a training of 2025 (in ``month``): straight from the enrolments."""
    rows = Enrolment.objects.filter(batch__programme_year__year=2025, status=EnrolmentStatus.COMPLETED)
    if centre is not None:
        rows = rows.filter(batch__centre=centre)
    if month is not None:
        rows = rows.filter(batch__end_date__month=month)
    return rows.values("person").distinct().count()


def certified(centre=None) -> int:
    rows = Certificate.objects.filter(kind=CertificateKind.COMPETENCY, issued_on__year=2025)
    if centre is not None:
        rows = rows.filter(assessment__enrolment__batch__centre=centre)
    return rows.values("person").distinct().count()


def pdf_text(content: bytes) -> str:
    """The PDF's text with every run of white space as one space (a table's cells come out a line each)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def sheet_rows(book, name) -> dict:
    """{first cell: {header: value}} of a sheet."""
    rows = list(book[name].iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def column(stage) -> str:
    """A stage's column header, in the active language (English in the tests)."""
    return str(monthly.STAGE_HEADERS[stage])


def done() -> str:
    return column(Stage.COMPLETED)


# --- the tables -----------------------------------------------------------------------------------------------

def test_build_tables_agree_with_figures_and_direct_counts(report_data):
    bpp, btg = report_data["balikpapan"], report_data["bontang"]
    report = monthly.build(2025, 11)
    figures = queries.Figures(2025)
    assert report.month_label == "November 2025" and report.period_label == "January – November 2025"
    assert [s.title for s in report.sections] == ["Summary", "The month: November 2025",
                                                   "The year to date: January – November 2025"]

    targets = report.table("targets")
    trained, certified_kind = (str(Target.Kind(k).label) for k in ("trained", "certified"))
    assert targets.value(bpp.short_name, f"{trained}: Target") == 1000
    assert targets.value(bpp.short_name, f"{trained}: November 2025") == completed(bpp, month=11) == 2
    assert targets.value(bpp.short_name, f"{trained}: To date") == completed(bpp) == 5
    assert targets.value(bpp.short_name, f"{trained}: %") == 0  # 5 of 1,000: 0.5 rounds to even
    assert targets.value(bpp.short_name, f"{certified_kind}: To date") == certified(bpp) == 3
    assert targets.value(btg.short_name, f"{trained}: To date") == completed(btg) == 4
    assert targets.value("Province total", f"{trained}: To date") == completed() == 9
    assert targets.value("Province total", f"{certified_kind}: Target") == 1500

    month_centres = report.table("month-centre")
    in_november = figures.count(Stage.COMPLETED, centre=bpp.pk, months=[11])
    assert month_centres.value(bpp.short_name, done()) == in_november == 2
    assert month_centres.value(bpp.short_name, column(Stage.DROPPED)) == 1
    assert month_centres.value(bpp.short_name, column(Stage.CERTIFIED)) == 0  # certified in May
    assert month_centres.value("Total", done()) == completed(month=11) == 6
    ytd_centres = report.table("ytd-centre")
    assert ytd_centres.value(bpp.short_name, column(Stage.CERTIFIED)) == certified(bpp) == 3
    to_date = figures.count(Stage.COMPLETED, months=range(1, 12))
    assert ytd_centres.value("Total", done()) == to_date == 9

    by_month = report.table("ytd-month")
    assert [row[0] for row in by_month.rows] == ["January", "February", "March", "April", "May", "June", "July",
                                                 "August", "September", "October", "November"]
    assert by_month.value("April", done()) == 3
    assert by_month.value("May", column(Stage.CERTIFIED)) == 3
    assert by_month.value("November", done()) == 6

    regencies = report.table("ytd-regency")
    assert regencies.value("Kota Bontang", done()) == 4
    assert regencies.value("Kota Balikpapan", done()) == 5
    sexes = report.table("month-sex")
    assert sexes.value("Female (P)", done()) == 4 and sexes.value("Male (L)", done()) == 2

    # Every breakdown adds up to its total, in each period.
    for table in report.tables:
        if table.key.startswith(("month-", "ytd-")):
            index = [c.label for c in table.columns].index(done())
            assert sum(row[index] for row in table.rows) == table.total[index], table.key

    funnel = report.table("funnel")
    completed_training = str(Stage.COMPLETED.label)
    assert funnel.value(completed_training, "November 2025") == 6
    assert funnel.value(completed_training, report.period_label) == 9


def test_build_for_an_operator_has_only_their_centres(report_data):
    bpp, btg = report_data["balikpapan"], report_data["bontang"]
    report = monthly.build(2025, 11, {bpp.pk})
    assert report.scope == bpp.short_name
    targets = report.table("targets")
    assert [row[0] for row in targets.rows] == [bpp.short_name] and targets.total is None
    assert report.table("ytd-centre").row(btg.short_name) is None
    assert report.table("ytd-centre").value("Total", done()) == completed(bpp) == 5
    assert report.table("ytd-regency").row("Kota Bontang") is None


def test_build_costs_a_fixed_number_of_queries(report_data, django_assert_max_num_queries):
    monthly.build(2025, 11)  # warm the caches (content types, reference data)
    with django_assert_max_num_queries(40):
        monthly.build(2025, 11)


def test_january_year_to_date_is_the_month(report_data):
    report = monthly.build(2025, 1, forecast=False)
    assert report.period_label == "January 2025"
    assert [row[0] for row in report.table("ytd-month").rows] == ["January"]
    assert report.table("month-centre").rows == [] and report.table("month-centre").total[1:] == [0] * 13


# --- the PDF --------------------------------------------------------------------------------------------------

def test_pdf_for_the_province(report_data, client, province_admin):
    client.force_login(province_admin)
    response = client.get(reverse("reporting:monthly", args=[2025, 11, "pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="laporan-bulanan-2025-11.pdf"'
    text = pdf_text(response.content)
    assert "PEMERINTAH PROVINSI KALIMANTAN TIMUR" in text
    assert "DINAS TENAGA KERJA DAN TRANSMIGRASI" in text
    assert "Monthly report of the training and certification programme — November 2025" in text
    assert "Head of the Office" in text and "Dinas Tenaga Kerja dan Transmigrasi Provinsi Kalimantan Timur" in text
    assert "NIP. ...." in text
    pages = len(PdfReader(io.BytesIO(response.content)).pages)
    assert pages >= 3 and f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "BLKI Balikpapan" in text and "BLKI Bontang" in text and "Kota Bontang" in text
    # The targets row of Balikpapan: trained 1,000 / 2 in November / 5 to date / 1%; certified 1,000 / 0 / 3 / 0%.
    assert re.search(r"BLKI Balikpapan 1,000 2 5 0% 1,000 0 3 0% – 0 0 –", text), text[:3000]
    assert re.search(r"Province total 1,500 6 9 1% 1,500 0 3 0% 400 0 0 0%", text)
    # The forecast: certified so far.
    assert re.search(r"BLKI Balikpapan 1,000 3 ", text)


def test_pdf_in_indonesian_names_the_month_in_indonesian(report_data, client, province_admin):
    client.force_login(province_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    with translation.override("id"):
        response = client.get(reverse("reporting:monthly", args=[2025, 8, "pdf"]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Agustus 2025" in text and "PEMERINTAH PROVINSI KALIMANTAN TIMUR" in text
    assert "1.500" in text  # grouped the Indonesian way


def test_pdf_of_an_operator_leaves_other_centres_out(report_data, client, operator_balikpapan):
    client.force_login(operator_balikpapan)
    response = client.get(reverse("reporting:monthly", args=[2025, 11, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="laporan-bulanan-2025-11-blki_balikpapan.pdf"'
    text = pdf_text(response.content)
    assert "BLKI Balikpapan" in text and "Bontang" not in text
    assert "Province total" not in text


# --- the workbook --------------------------------------------------------------------------------------------

def test_xlsx_sheets_numbers_and_format(report_data, client, province_admin):
    bpp, btg = report_data["balikpapan"], report_data["bontang"]
    client.force_login(province_admin)
    response = client.get(reverse("reporting:monthly", args=[2025, 11, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="laporan-bulanan-2025-11.xlsx"'
    book = workbook(response.content)
    report = monthly.build(2025, 11)
    assert book.sheetnames[:5] == ["Targets", "Forecast", "Extra batches", "Funnel", "Centre (month)"]
    assert len(book.sheetnames) == len(report.tables) + 1 and book.sheetnames[-1] == "About"
    assert "Month (to date)" in book.sheetnames and "Regency (to date)" in book.sheetnames

    centres = sheet_rows(book, "Centre (to date)")
    assert centres[bpp.short_name][done()] == completed(bpp) == 5
    assert centres[btg.short_name][done()] == completed(btg) == 4
    assert centres[bpp.short_name][column(Stage.CERTIFIED)] == certified(bpp) == 3
    assert centres["Total"][done()] == 9
    assert isinstance(centres["Total"][done()], int)
    month = sheet_rows(book, "Centre (month)")
    assert month[bpp.short_name][column(Stage.DROPPED)] == 1
    assert month["Total"][done()] == completed(month=11)

    targets = sheet_rows(book, "Targets")
    trained = str(Target.Kind.TRAINED.label)
    assert targets[bpp.short_name][f"{trained}: Target"] == 1000
    assert targets[bpp.short_name][f"{trained}: To date"] == 5
    assert targets["Province total"][f"{trained}: %"] == 1
    # Every value equals the report's (dates as dates, the forecast's decimals to Excel's 15 digits).
    for table, name in zip(report.tables, book.sheetnames, strict=False):
        got = list(book[name].iter_rows(min_row=2, values_only=True))
        expected = table.rows + ([table.total] if table.total else [])
        assert len(got) == len(expected), name
        for got_row, row in zip(got, expected, strict=True):
            for value, want in zip(got_row, row, strict=True):
                if isinstance(want, float):
                    assert value == pytest.approx(want, rel=1e-12), name
                elif isinstance(want, datetime.date):
                    assert value.date() == want, name
                else:
                    assert value == want, name

    sheet = book["Centre (to date)"]
    assert sheet.freeze_panes == "B2" and sheet["A1"].font.b and sheet["B1"].font.b
    assert sheet.column_dimensions["A"].width >= 14
    assert sheet["B2"].number_format == "#,##0"
    assert book["Targets"]["E2"].number_format == '0"%"'


def test_xlsx_neutralises_formulas(report_data, client, province_admin):
    bontang = report_data["bontang"]
    bontang.short_name = "=HYPERLINK(\"http://evil.test\")"
    bontang.save()
    client.force_login(province_admin)
    book = workbook(client.get(reverse("reporting:monthly", args=[2025, 11, "xlsx"])).content)
    centres = sheet_rows(book, "Centre (to date)")
    assert "'=HYPERLINK(\"http://evil.test\")" in centres
    assert all(not (isinstance(cell, str) and cell.startswith("="))
               for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)


def test_xlsx_of_an_operator_leaves_other_centres_out(report_data, client, operator_balikpapan):
    client.force_login(operator_balikpapan)
    book = workbook(client.get(reverse("reporting:monthly", args=[2025, 11, "xlsx"])).content)
    cells = [str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert not [cell for cell in cells if "Bontang" in cell]
    assert sheet_rows(book, "Centre (to date)")["Total"][done()] == completed(report_data["balikpapan"])


# --- the view ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("year, month, fmt", [(2025, 0, "pdf"), (2025, 13, "pdf"), (2024, 11, "pdf"),
                                              (2025, 11, "csv"), (2030, 1, "xlsx")])
def test_bad_month_year_or_format_is_404(programme_year, client, province_admin, year, month, fmt):
    client.force_login(province_admin)
    assert client.get(reverse("reporting:monthly", args=[year, month, fmt])).status_code == 404


def test_only_operators_and_admins(programme_year, client, job_seeker, company_user):
    url = reverse("reporting:monthly", args=[2025, 11, "pdf"])
    assert client.get(url).status_code == 302  # to the login
    for user in (job_seeker, company_user):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_view_refreshes_stale_persons_first(report_data, client, province_admin, bontang, programme_year):
    batch = make_batch(bontang, programme_year, status="completed", start=NOVEMBER[0], end=NOVEMBER[1])
    person = Person.objects.create(nik=make_nik("64.74.02", datetime.date(2002, 2, 2), "L", 900), full_name="Baru",
                                   sex="L", birth_date=datetime.date(2002, 2, 2), source="operator")
    Enrolment.objects.create(batch=batch, person=person, source="operator", status="completed")  # signal: stale
    client.force_login(province_admin)
    book = workbook(client.get(reverse("reporting:monthly", args=[2025, 11, "xlsx"])).content)
    assert sheet_rows(book, "Centre (month)")[bontang.short_name][done()] == completed(bontang) == 5
    assert refresh.stale_count() == 0
