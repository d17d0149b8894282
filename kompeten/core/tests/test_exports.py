"""Spreadsheet exports never hand a formula to Excel."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from kompeten.core.exports import FORMULA_PREFIXES, safe_cell, write_csv, write_xlsx


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://evil","klik")', '\'=HYPERLINK("http://evil","klik")'),
    ("+6281234567890", "'+6281234567890"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("Siti Aminah", "Siti Aminah"),
    (" =1", " =1"),
    ("", ""),
    ("'=already", "'=already"),
    (-5, -5),
    (3.5, 3.5),
    (None, None),
    (True, True),
    (datetime.date(2025, 1, 2), datetime.date(2025, 1, 2)),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_cell_lazy_text():
    assert safe_cell(gettext_lazy("=lazy")) == "'=lazy"


@given(st.text())
def test_safe_cell_never_returns_a_formula_start(text):
    result = safe_cell(text)
    assert not result.startswith(FORMULA_PREFIXES)
    assert result in (text, "'" + text)


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.dates(), st.booleans(), st.none()))
def test_safe_cell_leaves_non_text_alone(value):
    assert safe_cell(value) == value


def read_xlsx(data: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_write_xlsx_neutralises_text_and_keeps_types():
    makassar = zoneinfo.ZoneInfo("Asia/Makassar")
    aware = datetime.datetime(2025, 1, 2, 1, 30, tzinfo=datetime.UTC)
    rows = [
        ["=cmd|'/c calc'!A1", -5, Decimal("1.5"), datetime.date(2025, 1, 2), aware, None, "ok\x00\x07"],
        ["+62812", "@x", "-x", True, 7, "", "Siti"],
    ]
    data = write_xlsx(rows, ["nama", "angka", "desimal", "tanggal", "waktu", "kosong", "=header"])
    sheet, values = read_xlsx(data)

    assert values[0] == ["nama", "angka", "desimal", "tanggal", "waktu", "kosong", "'=header"]
    assert values[1][0] == "'=cmd|'/c calc'!A1" and values[1][1] == -5 and values[1][2] == 1.5
    assert values[1][3].date() == datetime.date(2025, 1, 2)
    assert values[1][4] == aware.astimezone(makassar).replace(tzinfo=None)  # local time, no zone
    assert values[1][5] is None and values[1][6] == "ok"
    assert values[2] == ["'+62812", "'@x", "'-x", True, 7, None, "Siti"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_write_csv_neutralises_text_and_keeps_numbers():
    text = write_csv([["=1+1", -5, None, datetime.date(2025, 1, 2), True, "a;b", "+62812"]],
                     ["a", "b", "c", "d", "e", "f", "@g"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["a", "b", "c", "d", "e", "f", "'@g"],
        ["'=1+1", "-5", "", "2025-01-02", "1", "a;b", "'+62812"],
    ]


def test_write_csv_bom_and_semicolon():
    text = write_csv([["Jl. A; No. 1", "x"]], ["alamat", "y"], delimiter=";", bom=True)
    assert text.startswith("\ufeffalamat;y\r\n")
    assert list(csv.reader(io.StringIO(text[1:]), delimiter=";"))[1] == ["Jl. A; No. 1", "x"]


@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=4), max_size=5))
def test_write_csv_no_cell_starts_a_formula(rows):
    text = write_csv(rows, ["h"] * max([len(r) for r in rows] + [1]))
    for row in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(FORMULA_PREFIXES) for cell in row)
