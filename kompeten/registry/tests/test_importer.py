"""The person import: reading, Excel traps, hostile files, all-or-nothing, re-import and the template."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_person
from kompeten.audit.models import AuditEntry
from kompeten.core.exports import write_csv
from kompeten.registry.importer import (
    TEMPLATE_HEADERS,
    ImportReport,
    RowError,
    import_persons,
    template_csv,
    template_xlsx,
)
from kompeten.registry.models import Consent, Person
from kompeten.registry.nik import make_nik

HEADERS = list(TEMPLATE_HEADERS)
BORN = datetime.date(1999, 3, 12)
VILLAGE = "64.71.05.1008"


def row(serial=1, *, sex="P", born=BORN, district="64.71.05", **cells):
    """A valid row in HEADERS order; keyword arguments named after the headers override cells."""
    values = {
        "nik": make_nik(district, born, sex, serial), "nama": "Siti Aminah" if sex == "P" else "Budi Santoso",
        "jenis_kelamin": sex, "tempat_lahir": "Balikpapan", "tanggal_lahir": born.strftime("%d/%m/%Y"),
        "no_hp": "0812-3456-7890", "email": f"orang{serial}@example.com", "alamat": "Jl. Sudirman No. 1",
        "rt": "3", "rw": "11", "kode_wilayah": VILLAGE, "pendidikan": "SMK", "disabilitas": "tidak",
        "pernah_pelatihan": "ya",
    }
    values.update(cells)
    return [values[header] for header in HEADERS]


def book(path, rows, headers=HEADERS):
    """A real .xlsx written by openpyxl; a row None leaves that row empty."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(headers)
    for number, values in enumerate(rows, start=2):
        if values is None:
            continue
        for column, value in enumerate(values, start=1):
            sheet.cell(number, column, value)
    workbook.save(path)
    return path


def text_file(path, rows, headers=HEADERS, *, delimiter=",", bom=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for values in rows:
        writer.writerow(["" if v is None else v for v in values] if values else [])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def counts():
    return Person.objects.count(), AuditEntry.objects.count(), Consent.objects.count()


def places(report: ImportReport):
    return [(error.row, error.column) for error in report.errors]


def run(path, **kwargs):
    kwargs.setdefault("by", None)
    return import_persons(path, filename=path.name, **kwargs)


def assert_rejected(report: ImportReport, *phrases):
    assert report.file_error, report
    assert not report.written and report.errors == []
    for phrase in phrases:
        assert phrase in report.file_error


# --- the happy path ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_valid_workbook_creates_persons_with_consent_and_audit(tmp_path, balikpapan, operator_balikpapan):
    path = book(tmp_path / "pencaker.xlsx", [row(1), row(2, sex="L", pendidikan="s1", disabilitas="Ya")])
    before = counts()

    report = import_persons(path, filename="pencaker.xlsx", by=operator_balikpapan, centre=balikpapan)

    assert report == ImportReport(total_rows=2, created=2, updated=0, unchanged=0, errors=[], written=True)
    siti = Person.objects.get(nik=make_nik("64.71.05", BORN, "P", 1))
    assert (siti.full_name, siti.sex, siti.birth_date, siti.birth_place) == (
        "Siti Aminah", "P", BORN, "Balikpapan")
    assert (siti.phone, siti.email, siti.street) == (
        "+6281234567890", "orang1@example.com", "Jl. Sudirman No. 1")
    assert (siti.rt, siti.rw, siti.village_id, siti.education_id) == ("003", "011", VILLAGE, "SMK")
    assert (siti.disability, siti.declared_prior_training, siti.nik_warnings) == (False, True, [])
    assert (siti.source, siti.registered_centre) == ("import", balikpapan)
    budi = Person.objects.get(nik=make_nik("64.71.05", BORN, "L", 2))
    assert (budi.education_id, budi.disability) == ("S1", True)
    consent = siti.consents.get()
    assert (consent.purpose, consent.given, consent.channel, consent.recorded_by) == (
        "registry", True, "import", operator_balikpapan)
    assert counts() == (before[0] + 2, before[1] + 3, before[2] + 2)  # 2 created + 1 import entry
    created = AuditEntry.objects.for_object(siti).get()
    assert created.action == "create" and created.actor == operator_balikpapan
    assert created.changes["full_name"] == [None, "Siti Aminah"]
    summary = AuditEntry.objects.get(action="import")
    assert summary.object_label == "pencaker.xlsx" and "created 2" in summary.note


@pytest.mark.django_db
def test_english_headers_any_case_and_extra_columns_are_accepted(tmp_path):
    headers = [" NIK ", "Name", "SEX", "Birth Date", "Phone", "Village Code", "Catatan operator",
               "Prior Training"]
    nik = make_nik("64.71.05", BORN, "L", 7)
    values = [nik, "Budi", "laki-laki", "12-03-1999", "", "6471051008", "x", "no"]
    path = book(tmp_path / "english.xlsx", [values], headers)

    report = run(path)

    assert report.created == 1 and report.errors == []
    person = Person.objects.get(nik=nik)
    assert (person.sex, person.village_id, person.phone, person.declared_prior_training) == (
        "L", VILLAGE, "", False)


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "expected"), [
    ("L", "L"), ("p", "P"), ("Laki-laki", "L"), ("PEREMPUAN", "P"), ("M", "L"), ("F", "P"),
])
def test_sex_spellings(tmp_path, value, expected):
    sex = expected
    path = book(tmp_path / "sex.xlsx", [row(1, sex=sex, jenis_kelamin=value)])
    assert run(path).created == 1
    assert Person.objects.get().sex == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "expected"), [
    ("ya", True), ("Tidak", False), ("yes", True), ("no", False), ("Y", True), ("n", False), ("1", True),
    ("0", False), ("TRUE", True), ("false", False), (1, True), (0, False), (True, True), (False, False),
])
def test_yes_no_spellings(tmp_path, value, expected):
    path = book(tmp_path / "flags.xlsx", [row(1, disabilitas=value, pernah_pelatihan=value)])
    assert run(path).created == 1
    person = Person.objects.get()
    assert (person.disability, person.declared_prior_training) == (expected, expected)


# --- Excel traps ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("nik", [6471055203990001, 6471055203990001.0, 647105520399000])
def test_nik_typed_as_a_number_is_refused(tmp_path, nik):
    path = book(tmp_path / "number.xlsx", [row(1), row(2, nik=nik)])
    before = counts()

    report = run(path)

    assert places(report) == [(3, "nik")]
    assert "15 significant digits" in report.errors[0].message and "Text" in report.errors[0].message
    assert not report.written and counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("nik", ["6.47105E+15", "6,47106E+15", "6.47106e15"])
def test_nik_in_scientific_notation_is_refused(tmp_path, nik):
    report = run(book(tmp_path / "sci.xlsx", [row(1, nik=nik)]))
    assert places(report) == [(2, "nik")]
    assert "scientific notation" in report.errors[0].message and "Text" in report.errors[0].message
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_excel_serial_date_is_converted(tmp_path):
    born = datetime.date(1999, 3, 16)
    report = run(book(tmp_path / "serial.xlsx", [row(1, born=born, tanggal_lahir=36235)]))
    assert report.errors == [] and report.warnings == []
    assert Person.objects.get().birth_date == born


@pytest.mark.django_db
@pytest.mark.parametrize("value", [
    "16/03/1999", "16-03-1999", "1999-03-16", "16/3/1999", datetime.datetime(1999, 3, 16),
    datetime.date(1999, 3, 16), "1999-03-16 00:00:00", 36235.0,
])
def test_accepted_dates(tmp_path, value):
    born = datetime.date(1999, 3, 16)
    report = run(book(tmp_path / "dates.xlsx", [row(1, born=born, tanggal_lahir=value)]))
    assert report.errors == []
    assert Person.objects.get().birth_date == born


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "phrase"), [
    ("31/02/1999", "not a real date"),
    ("13/13/1999", "not a real date"),
    ("kemarin", "not a date"),
    ("12/03/99", "not a date"),
    ("01/01/2100", "in the future"),
    ("", "required"),
    (-5, "not a date"),
])
def test_impossible_dates_are_errors(tmp_path, value, phrase):
    report = run(book(tmp_path / "bad-date.xlsx", [row(1, tanggal_lahir=value)]))
    assert places(report) == [(2, "tanggal_lahir")]
    assert phrase in report.errors[0].message
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_age_must_be_15_to_100(tmp_path):
    today = datetime.date.today()
    too_young = today.replace(year=today.year - 14)
    too_old = datetime.date(today.year - 102, 1, 1)
    just_15 = today.replace(year=today.year - 15) - datetime.timedelta(days=1)
    rows = [row(1, born=too_young), row(2, born=too_old), row(3, born=just_15)]

    report = run(book(tmp_path / "ages.xlsx", rows))

    assert places(report) == [(2, "tanggal_lahir"), (3, "tanggal_lahir")]
    assert "at least 15" in report.errors[0].message
    assert "more than 100" in report.errors[1].message


@pytest.mark.django_db
def test_formula_cell_is_refused_never_evaluated(tmp_path):
    path = book(tmp_path / "formula.xlsx", [row(1, nama='=CONCAT("Siti"," Aminah")'), row(2, rt="=1+2")])
    before = counts()

    report = run(path)

    assert places(report) == [(2, "nama"), (3, "rt")]
    assert all("Formulas are not allowed; paste values only" in e.message for e in report.errors)
    assert counts() == before


@pytest.mark.django_db
def test_excel_error_cell_is_reported(tmp_path):
    report = run(book(tmp_path / "error.xlsx", [row(1, kode_wilayah="#N/A")]))
    assert places(report) == [(2, "kode_wilayah")]
    assert "#N/A" in report.errors[0].message


@pytest.mark.django_db
def test_stray_spaces_are_stripped_silently(tmp_path):
    nik = make_nik("64.71.05", BORN, "P", 1)
    spaced = f"\u00a0{nik[:4]} {nik[4:8]}\u00a0{nik[8:12]} {nik[12:]} "
    values = row(1, nik=spaced, nama="  Siti\u00a0\u00a0Aminah\u200b ", jenis_kelamin=" P ",
                 pendidikan=" smk\u00a0", rt=" 3 ", kode_wilayah=" 64.71.05.1008\u00a0",
                 email=" a@example.com ")
    path = book(tmp_path / "spaces.xlsx", [values])
    report = run(path)
    assert report.errors == []
    person = Person.objects.get()
    assert (person.nik, person.full_name, person.education_id, person.rt, person.email) == (
        nik, "Siti Aminah", "SMK", "003", "a@example.com")


@pytest.mark.django_db
def test_same_nik_twice_is_an_error_on_the_later_row(tmp_path):
    duplicate = row(1, nama="Siti A.")
    path = book(tmp_path / "dupes.xlsx", [row(1), row(2), duplicate])

    report = run(path)

    assert places(report) == [(4, "nik")]
    assert "row 2" in report.errors[0].message
    assert Person.objects.count() == 0


# --- every error, all or nothing, valid-only ---------------------------------------------------------


def bad_rows():
    """Rows 2-11 as the sheet shows them; row 5 is empty and skipped; 4 valid persons, 5 bad rows."""
    return [
        row(1),                                                   # 2 valid
        row(2, nik="12345", tanggal_lahir="31/02/1999"),          # 3 nik + date
        row(3, no_hp="12345", email="not-an-email", rt="1234"),   # 4 phone, email, rt
        None,                                                     # 5 empty
        row(4),                                                   # 6 valid
        row(5, kode_wilayah="64.71.05.9999", pendidikan="SMU"),   # 7 village, education
        row(6, jenis_kelamin="X", disabilitas="mungkin"),         # 8 sex, disability
        row(7, nama="", sex="L"),                                 # 9 name
        row(8),                                                   # 10 valid
        row(9, sex="L"),                                          # 11 valid
    ]


EXPECTED_PLACES = [
    (3, "nik"), (3, "tanggal_lahir"), (4, "no_hp"), (4, "email"), (4, "rt"), (7, "kode_wilayah"),
    (7, "pendidikan"), (8, "jenis_kelamin"), (8, "disabilitas"), (9, "nama"),
]


@pytest.mark.django_db
def test_every_error_is_listed_and_nothing_is_written(tmp_path, province_admin):
    make_person(nik=make_nik("64.71.05", BORN, "P", 1), full_name="Old Name")
    before = counts()

    report = run(book(tmp_path / "bad.xlsx", bad_rows()), by=province_admin)

    assert places(report) == EXPECTED_PLACES
    assert report.total_rows == 9 and report.error_rows == 5
    assert (report.created, report.updated, report.unchanged, report.written) == (0, 0, 0, False)
    assert counts() == before
    assert Person.objects.get(nik=make_nik("64.71.05", BORN, "P", 1)).full_name == "Old Name"
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "16 digits" in messages[(3, "nik")]
    assert "phone" in messages[(4, "no_hp")]
    assert "64.71.05.9999" in messages[(7, "kode_wilayah")]
    assert "SMK" in messages[(7, "pendidikan")]


@pytest.mark.django_db
def test_valid_only_writes_the_valid_rows_and_reports_the_rest(tmp_path):
    before = counts()

    report = run(book(tmp_path / "bad.xlsx", bad_rows()), valid_only=True)

    assert places(report) == EXPECTED_PLACES
    assert (report.created, report.written) == (4, True)
    assert counts()[0] == before[0] + 4
    assert Person.objects.filter(nik=make_nik("64.71.05", BORN, "P", 3)).count() == 0


@pytest.mark.django_db
def test_valid_only_with_no_valid_row_writes_nothing(tmp_path):
    before = counts()
    report = run(book(tmp_path / "bad.xlsx", [row(1, nik="1")]), valid_only=True)
    assert not report.written and places(report) == [(2, "nik")]
    assert counts() == before


# --- re-import ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reimport_creates_no_duplicates_and_counts_unchanged(tmp_path):
    path = book(tmp_path / "again.xlsx", [row(1), row(2), row(3)])
    assert run(path).created == 3
    persons, entries, consents = counts()

    report = run(path)

    assert (report.created, report.updated, report.unchanged, report.written) == (0, 0, 3, True)
    assert counts() == (persons, entries + 1, consents)  # only the import entry


@pytest.mark.django_db
def test_reimport_with_a_changed_cell_updates_and_audits_before_after(tmp_path, province_admin):
    run(book(tmp_path / "v1.xlsx", [row(1), row(2)]))
    entries = AuditEntry.objects.count()

    report = run(book(tmp_path / "v2.xlsx", [row(1), row(2, nama="Siti Rahma", rt="7")]), by=province_admin)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    person = Person.objects.get(nik=make_nik("64.71.05", BORN, "P", 2))
    assert (person.full_name, person.rt) == ("Siti Rahma", "007")
    update = AuditEntry.objects.get(action="update")
    assert update.object_id == str(person.pk) and update.actor == province_admin
    assert update.changes == {"full_name": ["Siti Aminah", "Siti Rahma"], "rt": ["003", "007"]}
    assert AuditEntry.objects.count() == entries + 2  # the update and the import


@pytest.mark.django_db
def test_empty_cells_and_absent_columns_never_erase(tmp_path):
    nik = make_nik("64.71.05", BORN, "P", 1)
    make_person(nik=nik, phone="+6281111111111", street="Jl. Lama", email="lama@example.com", major="Las")
    path = book(tmp_path / "sparse.xlsx", [[nik, "Siti Aminah", "P", "12/03/1999", "", ""]],
                ["nik", "nama", "jenis_kelamin", "tanggal_lahir", "no_hp", "alamat"])

    report = run(path)

    assert (report.updated, report.unchanged) == (0, 1)
    person = Person.objects.get()
    assert (person.phone, person.street, person.email, person.major) == (
        "+6281111111111", "Jl. Lama", "lama@example.com", "Las")


@pytest.mark.django_db
def test_person_of_another_centre_keeps_the_centre(tmp_path, province_admin, balikpapan, person_bontang):
    values = row(3, born=person_bontang.birth_date, district="64.74.02", nama="Rina Wati Putri")
    report = run(book(tmp_path / "bontang.xlsx", [values]), by=province_admin, centre=balikpapan)

    assert report.updated == 1
    person_bontang.refresh_from_db()
    assert person_bontang.full_name == "Rina Wati Putri"
    assert person_bontang.registered_centre.code == "blki_bontang" and person_bontang.source == "operator"


@pytest.mark.django_db
def test_operator_cannot_change_a_person_outside_their_centre(tmp_path, operator_balikpapan, balikpapan,
                                                              person_bontang):
    values = row(3, born=person_bontang.birth_date, district="64.74.02", nama="Rina Wati Putri")
    before = counts()

    report = run(book(tmp_path / "bontang.xlsx", [row(1), values]), by=operator_balikpapan, centre=balikpapan)

    assert places(report) == [(3, "nik")]
    assert "registered elsewhere" in report.errors[0].message
    assert counts() == before
    person_bontang.refresh_from_db()
    assert person_bontang.full_name == "Rina Wati"


@pytest.mark.django_db
def test_seeing_a_participant_is_not_changing_them(tmp_path, operator_bontang, bontang, person_balikpapan,
                                                   programme_year):
    """A Balikpapan person enrolled in a Bontang batch is visible to Bontang's operator, not editable."""
    from conftest import make_batch
    from kompeten.training.models import Enrolment

    Enrolment.objects.create(batch=make_batch(bontang, programme_year), person=person_balikpapan,
                             source="operator", status="withdrawn")
    values = row(2, sex="L", born=person_balikpapan.birth_date, nama="Budi Diganti")
    report = run(book(tmp_path / "other.xlsx", [values]), by=operator_bontang, centre=bontang)
    assert places(report) == [(2, "nik")] and not report.written
    person_balikpapan.refresh_from_db()
    assert person_balikpapan.full_name == "Budi Santoso"


@pytest.mark.django_db
def test_operator_updates_own_centre_person(tmp_path, operator_balikpapan, balikpapan, person_balikpapan):
    values = row(2, sex="L", born=person_balikpapan.birth_date, nama="Budi Santoso Jr")
    report = run(book(tmp_path / "own.xlsx", [values]), by=operator_balikpapan, centre=balikpapan)
    assert report.updated == 1 and report.errors == []


@pytest.mark.django_db
def test_nik_warnings_are_stored_and_reported_not_errors(tmp_path):
    mismatch = row(1, jenis_kelamin="L")  # a woman's NIK, stated male
    unknown_regency = row(2, district="64.99.01")
    path = book(tmp_path / "warn.xlsx", [mismatch, unknown_regency, row(3)])

    report = run(path)

    assert report.errors == [] and report.created == 3
    assert [(w.row, w.column) for w in report.warnings] == [(2, "nik"), (3, "nik")]
    assert "stated sex" in report.warnings[0].message
    assert Person.objects.get(nik=mismatch[0]).nik_warnings == ["nik_sex_mismatch"]
    assert Person.objects.get(nik=unknown_regency[0]).nik_warnings == ["nik_regency_unknown"]
    assert Person.objects.get(nik=make_nik("64.71.05", BORN, "P", 3)).nik_warnings == []


@pytest.mark.django_db
def test_a_failure_while_writing_leaves_nothing_half_written(tmp_path, monkeypatch):
    from django.db import IntegrityError

    calls = []

    def fail_on_second_chunk(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise IntegrityError("duplicate key value violates unique constraint")
        return original(objs, *args, **kwargs)

    original = Consent.objects.bulk_create
    monkeypatch.setattr("kompeten.registry.importer.CHUNK", 2)
    monkeypatch.setattr(Consent.objects, "bulk_create", fail_on_second_chunk)
    before = counts()

    report = run(book(tmp_path / "race.xlsx", [row(1), row(2), row(3)]))

    assert calls == [2, 1]  # the first chunk was written, then the second failed
    assert_rejected(report, "nothing was written")
    assert counts() == before


# --- CSV ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", False), (";", True), ("\t", False)])
def test_csv_comma_or_semicolon(tmp_path, delimiter, bom):
    rows = [row(1), row(2, alamat="Jl. A, No. 5; RT 1")]
    path = text_file(tmp_path / "data.csv", rows, delimiter=delimiter, bom=bom)
    report = run(path)
    assert report.errors == [] and report.created == 2
    assert Person.objects.filter(street="Jl. A, No. 5; RT 1").count() == 1


@pytest.mark.django_db
def test_csv_errors_have_spreadsheet_row_numbers(tmp_path):
    path = text_file(tmp_path / "data.csv", [row(1), [], row(2, nik="6.47105E+15")], delimiter=";")
    report = run(path)
    assert places(report) == [(4, "nik")]


@pytest.mark.django_db
def test_csv_text_starting_with_equals_is_refused(tmp_path):
    report = run(text_file(tmp_path / "inject.csv", [row(1, nama='=HYPERLINK("http://x","klik")')]))
    assert places(report) == [(2, "nama")]
    assert "formula" in report.errors[0].message


@pytest.mark.django_db
def test_a_csv_named_xlsx_is_read_as_csv(tmp_path):
    report = run(text_file(tmp_path / "really-a-csv.xlsx", [row(1)], delimiter=";"))
    assert report.created == 1


@pytest.mark.django_db
def test_csv_not_utf8_is_rejected_with_advice(tmp_path):
    path = tmp_path / "ansi.csv"
    content = ",".join(HEADERS) + "\r\n" + ",".join(str(v) for v in row(1, nama="José Ñúñez"))
    path.write_bytes(content.encode("cp1252"))
    assert_rejected(run(path), "UTF-8", "line 2")


# --- hostile files ------------------------------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "kind"), [
    (PNG, "PNG"),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n", "PDF"),
    (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40, "ELF"),
    (b"nik,nama\x00\x00\x00binary", ""),
])
def test_binary_files_named_csv_are_rejected_by_content(tmp_path, content, kind):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    before = counts()
    assert_rejected(run(path), "not a spreadsheet", kind)
    assert counts() == before


@pytest.mark.django_db
def test_old_xls_is_rejected_with_advice(tmp_path):
    path = tmp_path / "data.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert_rejected(run(path), ".xls", ".xlsx")


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_is_rejected(tmp_path):
    path = tmp_path / "data.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    assert_rejected(run(path), "not an Excel workbook")


@pytest.mark.django_db
def test_a_damaged_workbook_is_rejected(tmp_path):
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook><this is not xml")
    assert_rejected(run(path), "could not be read")


@pytest.mark.django_db
def test_a_truncated_workbook_is_rejected(tmp_path):
    data = book(tmp_path / "ok.xlsx", [row(1)]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert_rejected(run(path), "damaged")


def padded_workbook(tmp_path, padding: int):
    """A valid .xlsx whose sheet XML carries `padding` spaces: tiny compressed, large unpacked."""
    source = zipfile.ZipFile(book(tmp_path / "plain.xlsx", [row(1)]))
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert b"<sheetData>" in data
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * padding)
            archive.writestr(info.filename, data)
    return path


@pytest.mark.django_db
def test_zip_bomb_ratio_is_refused_before_parsing(tmp_path):
    path = padded_workbook(tmp_path, 5_000_000)
    member = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    assert member.file_size > 100 * member.compress_size and path.stat().st_size < 50_000
    assert openpyxl.load_workbook(path, read_only=True).worksheets[0]["A2"].value  # a valid workbook
    before = counts()
    assert_rejected(run(path), "zip bomb", "sheet1.xml")
    assert counts() == before


@pytest.mark.django_db
def test_uncompressed_size_limit(tmp_path):
    path = padded_workbook(tmp_path, 50_000)  # a ratio a real file can have, but above the lowered limit
    with override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=40_000):
        assert_rejected(run(path), "unpacks to", "zip bomb")
    assert run(path).created == 1  # under the default limit the same file is fine


@pytest.mark.django_db
def test_file_size_limit(tmp_path):
    path = book(tmp_path / "big.xlsx", [row(1)])
    with override_settings(IMPORT_MAX_BYTES=1000):
        assert_rejected(run(path), "the limit is")
    assert Person.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "rows", "phrase"), [
    (["nik", "nama", "jenis_kelamin"], [["1", "a", "L"]], "tanggal_lahir"),
    (["foo", "bar"], [["1", "2"]], "Row 1 must hold the column names"),
    (["nik", "NIK", "nama", "jenis_kelamin", "tanggal_lahir"], [], "appears twice"),
    (HEADERS, [], "no data rows"),
])
def test_header_problems_reject_the_file(tmp_path, headers, rows, phrase):
    assert_rejected(run(book(tmp_path / "head.xlsx", rows, headers)), phrase)


@pytest.mark.django_db
def test_missing_and_empty_files_are_rejected(tmp_path):
    assert_rejected(run(tmp_path / "nowhere.xlsx"), "does not exist")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert_rejected(run(empty), "empty")
    assert_rejected(run(tmp_path), "folder")


@pytest.mark.django_db
def test_uploaded_file_object_is_read_and_left_open(tmp_path):
    data = book(tmp_path / "up.xlsx", [row(1)]).read_bytes()
    upload = SimpleUploadedFile("up.xlsx", data)
    report = import_persons(upload, filename=upload.name, by=None)
    assert report.created == 1 and not upload.closed
    for serial, name in ((2, "up.csv"), (3, "big.xlsx")):
        temporary = TemporaryUploadedFile(name, "application/octet-stream", 0, None)  # a large upload
        content = text_file(tmp_path / name, [row(serial)]) if name.endswith(".csv") else book(
            tmp_path / name, [row(serial)])
        temporary.write(content.read_bytes())
        temporary.seek(0)
        assert import_persons(temporary, filename=name, by=None).created == 1 and not temporary.closed
        temporary.close()


@pytest.mark.django_db
def test_an_unseekable_stream_is_accepted(tmp_path):
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = book(tmp_path / "pipe.xlsx", [row(1)]).read_bytes()
    assert import_persons(Pipe(data), filename="pipe.xlsx", by=None).created == 1


# --- template -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_template_xlsx_has_instructions_text_nik_and_imports(tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_xlsx())
    workbook = openpyxl.load_workbook(path)
    data = workbook["Data"]
    assert workbook.sheetnames == ["Data", "Petunjuk"]
    assert [cell.value for cell in data[1]] == HEADERS
    assert data["A2"].number_format == "@" and isinstance(data["A2"].value, str)
    assert data.column_dimensions["A"].number_format == "@"
    guide = [row[0] for row in workbook["Petunjuk"].iter_rows(min_row=2, max_row=15, values_only=True)]
    assert guide == HEADERS

    report = run(path)
    assert report.created == 1 and report.errors == [] and report.warnings == []


@pytest.mark.django_db
def test_template_csv_imports(tmp_path):
    path = tmp_path / "template.csv"
    path.write_text(template_csv(), encoding="utf-8")
    assert path.read_text().splitlines()[0] == ",".join(HEADERS)
    assert run(path).created == 1


# --- property: what goes in comes out -------------------------------------------------------------------


LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ '.-"
names = st.text(alphabet=st.sampled_from(LETTERS), min_size=1, max_size=40).filter(
    lambda s: s.strip(" ") and not s.strip().startswith("'"))
people = st.lists(
    st.fixed_dictionaries({
        "sex": st.sampled_from("LP"),
        "born": st.dates(datetime.date(1960, 1, 1), datetime.date(2005, 12, 31)),
        "name": names,
        "phone": st.one_of(st.just(""), st.from_regex(r"8[1-9][0-9]{7,10}", fullmatch=True)),
        "rt": st.integers(1, 999),
        "education": st.sampled_from(["SD", "SMP", "SMA", "SMK", "D3", "S1", "", "ts", "btsd"]),
        "disability": st.booleans(),
    }),
    min_size=1, max_size=8,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=people, semicolon=st.booleans())
def test_property_valid_rows_round_trip(tmp_path, people, semicolon):
    Person.objects.all().delete()
    rows, expected = [], {}
    for serial, p in enumerate(people, start=1):
        nik = make_nik("64.72.01", p["born"], p["sex"], serial)
        phone = f"+62{p['phone']}" if p["phone"] else ""  # exported with safe_cell's quote: "'+62..."
        rows.append([nik, p["name"], p["sex"], p["born"].strftime("%d/%m/%Y"), phone, p["rt"], p["education"],
                     "ya" if p["disability"] else "tidak"])
        expected[nik] = (" ".join(p["name"].split()), p["sex"], p["born"], phone, f"{p['rt']:03d}",
                         p["education"].upper() or None, p["disability"])
    path = tmp_path / "roundtrip.csv"
    headers = ["nik", "nama", "jenis_kelamin", "tanggal_lahir", "no_hp", "rt", "pendidikan", "disabilitas"]
    path.write_text(write_csv(rows, headers, delimiter=";" if semicolon else ","), encoding="utf-8")

    report = run(path)

    assert report.errors == [] and report.created == len(people)
    stored = {p.nik: (p.full_name, p.sex, p.birth_date, p.phone, p.rt, p.education_id, p.disability)
              for p in Person.objects.all()}
    assert stored == expected


def test_row_error_is_a_plain_dataclass():
    assert RowError(2, "nik", "x") == RowError(row=2, column="nik", message="x")
