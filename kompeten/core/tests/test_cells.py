"""The shared cell readers of the imports (kompeten/core/cells.py), tested directly."""

import csv
import datetime
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904, to_excel

from kompeten.core import cells
from kompeten.core.cells import CellProblem
from kompeten.core.spreadsheets import ExcelError, FileRejected, Formula


def not_a_date(shown=None) -> str:
    return f"NOT A DATE: {shown}"


def read_date(value, epoch=None):
    return cells.date(value, epoch, not_a_date=not_a_date)


# --- text ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""),
    ("  Siti\u00a0\u00a0Aminah\u200b ", "Siti Aminah"),
    ("a\tb\nc\x00d", "a b c d"),
    (12.0, "12"),
    (12.5, "12.5"),
    (7, "7"),
    ("'+62812", "+62812"),  # the quote an export put before a formula character
    ("'0812", "'0812"),  # any other leading quote is kept by text() ...
])
def test_text_is_cleaned(value, expected):
    assert cells.text(value) == expected


def test_code_text_drops_the_apostrophe_that_forces_text():
    assert cells.code_text("'0812 ") == "0812"  # ... and dropped by code_text()
    assert cells.code_text(" 64.71 ") == "64.71"


@pytest.mark.parametrize("value", ["=1+1", " =SUM(A1)", "'=HYPERLINK(\"x\")"])
def test_text_beginning_with_equals_is_refused(value):
    with pytest.raises(CellProblem, match="formula"):
        cells.text(value)


def test_limited():
    assert cells.limited(" abc ", 3) == "abc"
    with pytest.raises(CellProblem, match="At most 3 characters are allowed; this has 4"):
        cells.limited("abcd", 3)


@pytest.mark.parametrize(("value", "expected"), [(1, True), (1.5, True), (True, False), ("1", False), (None, False)])
def test_is_number(value, expected):
    assert cells.is_number(value) is expected


def test_read_refuses_formulas_and_excel_errors_before_the_function():
    assert cells.read(" x ", cells.limited, 5) == "x"
    with pytest.raises(CellProblem, match="Formulas are not allowed"):
        cells.read(Formula("=1+1"), cells.text)
    with pytest.raises(CellProblem, match="Excel error #N/A"):
        cells.read(ExcelError("#N/A"), cells.text)


def test_blank_rows():
    assert cells.is_blank_row([None, "", " \u00a0\t", "\x00"])
    assert not cells.is_blank_row([None, "x"])
    assert not cells.is_blank_row([None, 0])


# --- dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "16/03/1999", "16-03-1999", "16.03.1999", "16/3/1999", "1999-03-16", "1999-03-16 00:00:00",
    "1999-03-16T08:30", "'16/03/1999", datetime.date(1999, 3, 16), datetime.datetime(1999, 3, 16, 10, 0),
    36235, 36235.0, "16 Maret 1999", "16 maret 1999", "16 March 1999", "16 Mar 1999", "16-Mar-1999",
    "16 Mar. 1999",
])
def test_accepted_dates(value):
    assert read_date(value) == datetime.date(1999, 3, 16)


@pytest.mark.parametrize(("value", "expected"), [
    ("5 Mei 2025", datetime.date(2025, 5, 5)),
    ("1 Agustus 2025", datetime.date(2025, 8, 1)),
    ("17 Agt 1945", datetime.date(1945, 8, 17)),
    ("3 Sept 2025", datetime.date(2025, 9, 3)),
    ("30 Nopember 2024", datetime.date(2024, 11, 30)),
    ("31 DESEMBER 2025", datetime.date(2025, 12, 31)),
])
def test_month_names(value, expected):
    assert read_date(value) == expected


@pytest.mark.parametrize("value", [None, "", "  ", "\u200b"])
def test_empty_date_is_none(value):
    assert read_date(value) is None


@pytest.mark.parametrize(("value", "message"), [
    ("kemarin", "NOT A DATE: kemarin"),
    ("12/03/99", "NOT A DATE: 12/03/99"),
    ("5 Bulan 2025", "NOT A DATE: 5 Bulan 2025"),
    (-5, "NOT A DATE: -5"),
    (0, "NOT A DATE: 0"),
    (datetime.time(10, 0), "NOT A DATE: None"),
    (True, "NOT A DATE: None"),
    ("x" * 60, "NOT A DATE: " + "x" * 40),
])
def test_not_a_date_is_worded_by_the_caller(value, message):
    with pytest.raises(CellProblem) as problem:
        read_date(value)
    assert str(problem.value) == message


@pytest.mark.parametrize("value", ["31/02/1999", "13/13/1999", "2025-02-29", "30 Februari 2024"])
def test_impossible_dates(value):
    with pytest.raises(CellProblem, match="is not a real date"):
        read_date(value)


def test_serial_numbers_of_1904_workbooks():
    assert read_date(0.0 + 1, CALENDAR_MAC_1904) == datetime.date(1904, 1, 2)


DATES = st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(9999, 12, 31))


@given(DATES)
def test_format_date_round_trips(day):
    assert cells.format_date(day) == f"{day.day:02d}/{day.month:02d}/{day.year}"
    assert read_date(cells.format_date(day)) == day
    assert read_date(day.isoformat()) == day


@given(DATES, st.sampled_from(sorted(cells.MONTHS)), st.sampled_from([" ", "-", " - ", ". ", "/"]))
def test_month_name_round_trips(day, name, separator):
    month = cells.MONTHS[name]
    try:
        expected = day.replace(month=month)
    except ValueError:  # 31 of a shorter month
        with pytest.raises(CellProblem, match="not a real date"):
            read_date(f"{day.day}{separator}{name}{separator}{day.year}")
        return
    assert read_date(f"{day.day}{separator}{name.title()}{separator}{day.year}") == expected


@given(st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 30)))
def test_excel_serial_round_trips(day):
    assert read_date(to_excel(day)) == day


# --- sex -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("L", "L"), ("p", "P"), ("Laki-laki", "L"), ("laki laki", "L"), ("PEREMPUAN", "P"), ("M", "L"), ("F", "P"),
    (" Pria ", "L"), ("Wanita", "P"), ("Lk.", "L"),
])
def test_sex(value, expected):
    assert cells.sex(value) == expected
    assert cells.sex(value, anyone=True) == expected


def test_a_person_has_a_sex():
    with pytest.raises(CellProblem, match="The sex is required"):
        cells.sex(None)
    with pytest.raises(CellProblem, match="The sex is required"):
        cells.sex(" - ")
    for value in ("L/P", "semua", "x"):
        with pytest.raises(CellProblem, match="Write the sex as L"):
            cells.sex(value)


@pytest.mark.parametrize("value", [None, "", "L/P", "Semua", "bebas", "Laki-laki / Perempuan", "Pria/Wanita",
                                   "laki-laki dan perempuan", "Tidak ditentukan"])
def test_anyone(value):
    assert cells.sex(value, anyone=True) == ""


def test_anyone_unknown_spelling():
    with pytest.raises(CellProblem, match="when the work requires it"):
        cells.sex("x", anyone=True)


# --- headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("Jenis Kelamin", "jenis_kelamin"), (" jenis-kelamin ", "jenis_kelamin"), ("JENIS_KELAMIN", "jenis_kelamin"),
    ("No. HP", "no_hp"), ("\ufeffnik", "nik"), (7, "7"),
])
def test_header_key(value, expected):
    assert cells.header_key(value) == expected


def test_header_label():
    assert cells.header_label("  Jenis\u00a0 Kelamin ") == "Jenis Kelamin"
    assert len(cells.header_label("x" * 100)) == 60


HEADERS = {"nik": "nik", "nama": "full_name", "catatan": "note"}
ALIASES = {**HEADERS, "name": "full_name"}


def columns(values):
    return cells.read_columns(values, aliases=ALIASES, headers=HEADERS, required=("nik", "full_name"))


def test_read_columns():
    assert columns([None, " NIK ", "Extra", Formula("=A1"), "Name"]) == {"nik": (1, "NIK"), "full_name": (4, "Name")}


@pytest.mark.parametrize(("values", "phrase"), [
    (["nik", "NIK", "nama"], "appears twice"),
    (["foo", "bar"], "Row 1 must hold the column names (nik, nama, catatan)"),
    (["nik", "catatan"], "required column(s) nama are missing"),
])
def test_read_columns_rejects_the_file(values, phrase):
    with pytest.raises(FileRejected) as rejected:
        columns(values)
    assert phrase in str(rejected.value)


# --- the template ----------------------------------------------------------------------------------------


def test_template_workbook_and_csv(tmp_path):
    rows = [["0812", datetime.date(2025, 7, 1), "x"]]
    book = cells.template_workbook(["kode", "tanggal", "lain"], rows, guide=[("kode", "wajib", "Kode.")],
                                   notes=["Catatan."], date_columns=("tanggal",), text_columns=("kode",))
    path = tmp_path / "template.xlsx"
    path.write_bytes(cells.workbook_bytes(book))
    loaded = openpyxl.load_workbook(path)
    data, guide = loaded["Data"], loaded["Petunjuk"]
    assert [c.value for c in data[1]] == ["kode", "tanggal", "lain"]
    assert data["A2"].number_format == "@" and data["B2"].number_format == "DD/MM/YYYY"
    assert data["B2"].value.date() == datetime.date(2025, 7, 1) and data.freeze_panes == "A2"
    assert [c.value for c in guide[2]] == ["kode", "wajib", "Kode."] and guide["A4"].value == "Catatan."

    text = cells.template_csv(["kode", "tanggal", "lain"], rows)
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [["kode", "tanggal", "lain"],
                                                                     ["0812", "01/07/2025", "x"]]
