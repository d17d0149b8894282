"""The vacancy import: row and column messages, all or nothing, keep-valid-rows, regency aliases, re-import,
formulas and hostile files, and the page (province admin only)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kompeten.apprenticeships.models import Company
from kompeten.audit.models import AuditEntry
from kompeten.jobs.importer import TEMPLATE_HEADERS, import_vacancies, template_csv, template_xlsx
from kompeten.jobs.models import Vacancy
from kompeten.programmes.models import Vocation

HEADERS = list(TEMPLATE_HEADERS)


@pytest.fixture
def companies(company):
    company.nib = "1234567890123"
    company.save(update_fields=["nib"])
    pending = Company.objects.create(name="CV Belum Terverifikasi", sector_id="trade", status="pending")
    return company, pending


def row(**cells) -> list:
    values = {
        "perusahaan": "PT Tambang Maju", "jabatan": "Mekanik Alat Berat", "kbji": "7233", "sektor": "", "kbli": "",
        "jumlah": "4", "berlaku_dari": "01/07/2025", "berlaku_sampai": "31/08/2025", "usia_min": "18",
        "usia_max": "35", "jenis_kelamin": "", "pendidikan_min": "SMK", "kejuruan": "", "sertifikat": "",
        "pengalaman_tahun": "1", "upah_min": "Rp4.500.000", "upah_max": "6.000.000", "lokasi": "Balikpapan",
        "keterangan": "",
    }
    values.update(cells)
    return [values[header] for header in HEADERS]


def csv_file(path, rows, headers=HEADERS, *, delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def book(path, rows, headers=HEADERS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(headers)
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(number, column, value)
    workbook.save(path)
    return path


def places(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


def message(report, row, column) -> str:
    return " ".join(e.message for e in report.errors if (e.row, e.column) == (row, column))


def test_valid_rows_create_vacancies_with_audit(tmp_path, companies, province_admin):
    vocation = Vocation.objects.order_by("name").first()
    path = book(tmp_path / "lowongan.xlsx", [
        row(),
        row(perusahaan="1234567890123", jabatan="Kasir", kbji="5230", sektor="trade", lokasi="Kukar",
            berlaku_dari=datetime.date(2025, 7, 1), berlaku_sampai="1 September 2025", usia_min=None, usia_max=None,
            upah_min=3_500_000, upah_max="3,5 juta", jenis_kelamin="P", kejuruan=vocation.name),
        row(jabatan="Operator Dump Truck", lokasi="64.72", kbli=510, jumlah=2),
    ])
    report = import_vacancies(path, filename="lowongan.xlsx", by=province_admin)
    assert report.errors == [] and report.written and (report.created, report.skipped) == (3, 0)
    first, kasir, truck = Vacancy.objects.order_by("pk")
    assert (first.company.name, first.occupation_id, first.region_id, first.number_needed) == (
        "PT Tambang Maju", "7233", "64.71", 4)
    assert (first.valid_from, first.valid_until) == (datetime.date(2025, 7, 1), datetime.date(2025, 8, 31))
    assert (first.min_age, first.max_age, first.min_education_id, first.experience_years) == (18, 35, "SMK", 1)
    assert (first.wage_min, first.wage_max, first.sector_id, first.source) == (4_500_000, 6_000_000, "mining",
                                                                               "import")
    assert (kasir.region_id, kasir.sex, kasir.wage_min, kasir.wage_max, kasir.sector_id) == (
        "64.02", "P", 3_500_000, 3_500_000, "trade")
    assert kasir.valid_until == datetime.date(2025, 9, 1) and list(kasir.vocations.all()) == [vocation]
    assert (truck.region_id, truck.kbli.code, truck.sector_id) == ("64.72", "0510", "mining")
    assert first.created_by == province_admin
    assert AuditEntry.objects.filter(action="create", object_type="jobs.vacancy").count() == 3
    summary = AuditEntry.objects.get(action="import", object_type="jobs.vacancy")
    assert summary.object_label == "lowongan.xlsx" and "created 3" in summary.note

    again = import_vacancies(path, filename="lowongan.xlsx", by=province_admin)  # re-import: no duplicates
    assert again.written and (again.created, again.skipped) == (0, 3) and Vacancy.objects.count() == 3


def test_errors_name_row_and_column_and_nothing_is_written(tmp_path, companies, province_admin):
    path = csv_file(tmp_path / "bad.csv", [
        row(),                                           # row 2: fine
        row(berlaku_dari="31/02/2025"),                  # row 3: not a real date
        row(perusahaan="PT Tidak Ada"),                  # row 4: unknown company
        row(lokasi="Atlantis"),                          # row 5: unknown regency
        row(usia_min="40", usia_max="25"),               # row 6: maximum age below minimum
        row(perusahaan="CV Belum Terverifikasi"),        # row 7: not verified
        row(berlaku_dari="kemarin", upah_max="1000"),    # row 8: two problems
        row(),                                           # row 9: the same vacancy as row 2
    ], delimiter=";")
    before = AuditEntry.objects.count()
    report = import_vacancies(path, filename="bad.csv", by=province_admin)
    assert not report.written and Vacancy.objects.count() == 0 and AuditEntry.objects.count() == before
    assert places(report) == [(3, "berlaku_dari"), (4, "perusahaan"), (5, "lokasi"), (6, "usia_max"),
                              (7, "perusahaan"), (8, "berlaku_dari"), (8, "upah_max"), (9, "")]
    assert "31/02/2025 is not a real date" in message(report, 3, "berlaku_dari")
    assert "No company named PT Tidak Ada" in message(report, 4, "perusahaan")
    assert "Atlantis is not a regency or city" in message(report, 5, "lokasi")
    assert message(report, 6, "usia_max") == "The maximum age is below the minimum age."
    assert "not verified" in message(report, 7, "perusahaan")
    assert "kemarin is not a date" in message(report, 8, "berlaku_dari")
    assert "highest wage is below the lowest" in message(report, 8, "upah_max")
    assert "same vacancy as row 2" in message(report, 9, "")
    assert report.error_rows == 7


def test_keep_valid_rows_writes_the_good_ones_and_reports_the_rest(tmp_path, companies, province_admin):
    path = csv_file(tmp_path / "mixed.csv", [row(), row(lokasi="Atlantis", jabatan="Juru Las"),
                                             row(jabatan="Kasir", kbji="5230", lokasi="Samarinda")])
    report = import_vacancies(path, filename="mixed.csv", by=province_admin, valid_only=True)
    assert report.written and report.created == 2 and places(report) == [(3, "lokasi")]
    assert sorted(Vacancy.objects.values_list("title", "region_id")) == [("Kasir", "64.72"),
                                                                        ("Mekanik Alat Berat", "64.71")]


def test_formulas_are_refused_never_evaluated(tmp_path, companies, province_admin):
    path = book(tmp_path / "formula.xlsx", [row(jabatan='=CONCAT("Mekanik"," Alat Berat")'), row(jumlah="=2+2")])
    report = import_vacancies(path, filename="formula.xlsx", by=province_admin)
    assert not report.written and places(report) == [(2, "jabatan"), (3, "jumlah")]
    assert all("Formulas are not allowed" in e.message for e in report.errors)
    path = csv_file(tmp_path / "formula.csv", [row(jabatan="=HYPERLINK(\"http://x\")")])
    report = import_vacancies(path, filename="formula.csv", by=province_admin)
    assert places(report) == [(2, "jabatan")] and "formula" in report.errors[0].message


@pytest.mark.parametrize("value, code", [
    ("Balikpapan", "64.71"), ("Kota Balikpapan", "64.71"), ("kukar", "64.02"), ("Kab. Kutai Kartanegara", "64.02"),
    ("SAMARINDA", "64.72"), ("6474", "64.74"), ("64.09", "64.09"), ("PPU", "64.09"), ("Kutim", "64.08"),
])
def test_regency_aliases(tmp_path, companies, value, code):
    report = import_vacancies(csv_file(tmp_path / "lokasi.csv", [row(lokasi=value)]), filename="x.csv", by=None)
    assert report.written, report.errors
    assert Vacancy.objects.get().region_id == code


def test_missing_columns_and_non_spreadsheets_are_refused(tmp_path, companies):
    headers = [h for h in HEADERS if h != "lokasi"]
    path = csv_file(tmp_path / "short.csv", [row()[:-2]], headers=headers)
    report = import_vacancies(path, filename="short.csv", by=None)
    assert not report.written and "lokasi" in report.file_error
    pdf = tmp_path / "x.csv"
    pdf.write_bytes(b"%PDF-1.7 hello")
    assert "not a spreadsheet" in import_vacancies(pdf, filename="x.csv", by=None).file_error
    assert Vacancy.objects.count() == 0


def test_templates_have_the_documented_columns(tmp_path):
    assert template_csv().splitlines()[0].lstrip("\ufeff").split(",") == HEADERS
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_xlsx())
    workbook = openpyxl.load_workbook(path)
    assert [c.value for c in workbook["Data"][1]] == HEADERS and "Petunjuk" in workbook.sheetnames


# --- the page ---------------------------------------------------------------------------------------


def test_import_page_is_for_the_province_admin(client, companies, province_admin, company_user, operator_balikpapan):
    url = reverse("jobs:vacancy_import")
    for user in (company_user, operator_balikpapan):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(province_admin)
    assert client.get(url).status_code == 200
    assert client.get(url, {"template": "xlsx"})["Content-Disposition"].endswith('template-lowongan.xlsx"')

    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, row(), row(lokasi="Atlantis", jabatan="Juru Las")])
    upload = SimpleUploadedFile("lowongan.csv", buffer.getvalue().encode(), content_type="text/csv")
    response = client.post(url, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and not response.context["report"].written
    assert "Atlantis is not a regency or city" in html and "nothing was imported" in html
    assert Vacancy.objects.count() == 0

    upload = SimpleUploadedFile("lowongan.csv", buffer.getvalue().encode(), content_type="text/csv")
    response = client.post(url, {"file": upload, "valid_only": "on"})
    assert response.context["report"].written and Vacancy.objects.count() == 1
