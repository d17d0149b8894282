"""Reading spreadsheet cells: the plain functions the imports share (kompeten/registry/importer.py for job seekers,
kompeten/jobs/importer.py for vacancies).

A cell arrives as kompeten/core/spreadsheets.py reads it: None, a str, an int or float, a bool, a date, a datetime,
a time, a Formula or an ExcelError. Each function here takes one such value and returns the cleaned value, or
raises ``CellProblem`` with a message for the user; the import records it as a ``RowError`` (the row as the
spreadsheet shows it, the column header as written, the message) and goes on with the next cell, so that one pass
reports every problem of the file.

- text: stray, non-breaking and zero-width spaces and control characters removed, inner runs collapsed; a text
  beginning with "=" is refused (it would be a formula in whoever opens the file next). ``code_text`` also drops
  the apostrophe typed to keep a number as text; ``limited`` caps the length.
- dates: a date cell, an Excel serial number, DD/MM/YYYY (with /, - or .), YYYY-MM-DD (a time of day ignored), or
  a day, a month name and a year in Indonesian or English ("5 Mei 2025", "1 Juli 2025", "3 Sept. 2025").
  ``format_date`` writes DD/MM/YYYY back.
- sex: L or P from the ways people write it (L, Laki-laki, Pria, M, Male; P, Perempuan, Wanita, F, ...).
- headers: ``header_key`` normalises a header to look it up among a file's accepted spellings, ``read_columns``
  finds the columns of row 1.
- the file: ``open_sheet`` recognises it by its content and gives its reader, ``data_rows`` its rows below the
  header that hold anything.
- the template users download: ``template_workbook``, ``workbook_bytes`` and ``template_csv``.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kompeten.core.exports import FORMULA_PREFIXES
from kompeten.core.spreadsheets import (
    EXCEL_MAX_ROWS,
    CsvReader,
    ExcelError,
    FileRejected,
    Formula,
    Guarded,
    XlsxReader,
    detect,
    open_stream,
)


@dataclass
class RowError:
    """A problem of an import, as the import page and the command line report it."""

    row: int  # as the spreadsheet shows it: the header is row 1, the first data row is 2
    column: str  # the column header as written in the file, or "" for the whole row
    message: str


class CellProblem(Exception):
    """A cell's value is refused; the message is for the user."""


class ErrorRows:
    """For the report of an import (a dataclass with ``errors: list[RowError]``)."""

    @property
    def error_rows(self) -> int:
        """How many rows have at least one error (in valid-only mode: the rows left out)."""
        return len({error.row for error in self.errors})


_BLANKS = re.compile(r"[\s\x00-\x1f\x7f\u00a0\u2007\u202f]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_DMY = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})")
_YMD = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"  # an optional time of day is ignored
                  r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?")
_D_MONTH_Y = re.compile(r"([0-9]{1,2})[\s\-/.]+([a-z]+)\.?[\s\-/.]+([0-9]{4})")

# Month names and abbreviations, Indonesian (with the older spellings) and English, in lower case.
MONTHS = {
    "januari": 1, "jan": 1, "january": 1, "februari": 2, "feb": 2, "pebruari": 2, "february": 2, "maret": 3,
    "mar": 3, "march": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "jun": 6, "june": 6, "juli": 7,
    "jul": 7, "july": 7, "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8, "september": 9,
    "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "oct": 10, "october": 10, "november": 11, "nov": 11,
    "nopember": 11, "desember": 12, "des": 12, "dec": 12, "december": 12,
}

# The spellings of the sex, as sex() normalises them (lower case, letters and digits only).
SEX = {
    "l": "L", "lk": "L", "laki": "L", "lakilaki": "L", "pria": "L", "m": "L", "male": "L",
    "p": "P", "pr": "P", "perempuan": "P", "wanita": "P", "f": "P", "female": "P",
}
# "Men and women alike", for what is open to both (a vacancy).
ANY_SEX = {
    "lp", "semua", "bebas", "any", "all", "lakilakiperempuan", "priawanita", "lakilakidanperempuan",
    "lakilakiatauperempuan", "tidakditentukan",
}


# ---------------------------------------------------------------------------------------------
# Any cell


def read(value, function: Callable, *args, **kwargs):
    """``function(value, *args, **kwargs)``, for a cell that holds a value: a formula or an Excel error (#N/A,
    #REF!, ...) is a CellProblem whatever the column."""
    if isinstance(value, Formula):
        raise CellProblem(_("Formulas are not allowed; paste values only (Paste Special -> Values)."))
    if isinstance(value, ExcelError):
        raise CellProblem(_("The cell shows the Excel error %(value)s; type the value itself.")
                          % {"value": value.text[:20]})
    return function(value, *args, **kwargs)


def is_blank_row(values) -> bool:
    """Whether a row holds nothing but empty cells and spaces (such rows are passed over)."""
    return all(v is None or (isinstance(v, str) and not _BLANKS.sub("", v)) for v in values)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------
# Text


def text(value) -> str:
    """Text with stray, non-breaking and zero-width spaces and control characters removed, inner runs of spaces
    collapsed; a quote that an export put in front of a formula character dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = _BLANKS.sub(" ", _ZERO_WIDTH.sub("", value if isinstance(value, str) else str(value))).strip()
    if cleaned.startswith("'") and cleaned[1:2] and cleaned[1] in FORMULA_PREFIXES:
        cleaned = cleaned[1:]
    if cleaned.startswith("="):
        raise CellProblem(_("Text may not begin with \"=\" (it would be read as a formula); remove the "
                            "\"=\"."))
    return cleaned


def code_text(value) -> str:
    """Like text(), for codes and numbers: also drops a leading apostrophe typed to force text."""
    cleaned = text(value)
    return cleaned[1:].strip() if cleaned.startswith("'") else cleaned


def limited(value, limit: int) -> str:
    """text(), refused when longer than ``limit`` characters."""
    cleaned = text(value)
    if len(cleaned) > limit:
        raise CellProblem(_("At most %(limit)s characters are allowed; this has %(length)s.")
                          % {"limit": limit, "length": len(cleaned)})
    return cleaned


# ---------------------------------------------------------------------------------------------
# Dates


def format_date(day: datetime.date) -> str:
    """DD/MM/YYYY, as the imports read dates and the templates show them."""
    return day.strftime("%d/%m/%Y")


def date(value, epoch, *, not_a_date: Callable[[object], str]) -> datetime.date | None:
    """The date in a cell, or None for an empty cell.

    Read: a date or datetime cell; an Excel serial number (days since 1900, or since 1904 when ``epoch`` says
    so for an old Mac workbook); DD/MM/YYYY with /, - or . (day first, as Indonesia writes dates); YYYY-MM-DD with
    an optional time of day; a day, a month name (MONTHS) and a year. ``not_a_date(shown)`` words the refusal of
    anything else, each import with its own example: ``shown`` is the value (cut to 40 characters), or None for a
    cell that is no date at all (a time, a duration, yes/no).
    """
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if is_number(value):
        if not 1 <= value < 2958466:  # 2958466 is 1 January 10000
            raise CellProblem(not_a_date(value))
        return from_excel(value, epoch or CALENDAR_WINDOWS_1900).date()
    if isinstance(value, datetime.time | datetime.timedelta | bool):
        raise CellProblem(not_a_date(None))
    cleaned = code_text(value)
    if not cleaned:
        return None
    if match := _DMY.fullmatch(cleaned):
        day, month, year = (int(part) for part in match.groups())
    elif match := _YMD.fullmatch(cleaned):
        year, month, day = (int(part) for part in match.groups())
    elif (match := _D_MONTH_Y.fullmatch(cleaned.lower())) and match.group(2) in MONTHS:
        day, month, year = int(match.group(1)), MONTHS[match.group(2)], int(match.group(3))
    else:
        raise CellProblem(not_a_date(cleaned[:40]))
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellProblem(_("%(value)s is not a real date (dates are read as DD/MM/YYYY); check the day and the "
                            "month.") % {"value": cleaned[:40]}) from None


# ---------------------------------------------------------------------------------------------
# Sex


def sex(value, *, anyone: bool = False) -> str:
    """"L" or "P" (SEX; case, spaces and punctuation ignored). A person has one: the cell is required. With
    ``anyone=True`` (what is open to men and women alike, a vacancy), an empty cell and the ANY_SEX spellings
    (L/P, semua, bebas, ...) give ""."""
    key = _NOT_WORD.sub("", text(value).lower())
    if anyone and (not key or key in ANY_SEX):
        return ""
    if not key:
        raise CellProblem(_("The sex is required: L (laki-laki) or P (perempuan)."))
    try:
        return SEX[key]
    except KeyError:
        if anyone:
            raise CellProblem(_("Write L (laki-laki) or P (perempuan) when the work requires it, or leave the "
                                "cell empty.")) from None
        raise CellProblem(_("Write the sex as L (laki-laki) or P (perempuan).")) from None


# ---------------------------------------------------------------------------------------------
# Headers


def header_key(value) -> str:
    """A header as looked up among the accepted spellings: lower case, every run of anything but letters and
    digits one "_" ("Jenis Kelamin", "jenis-kelamin", "JENIS_KELAMIN " -> "jenis_kelamin")."""
    return _NOT_WORD.sub("_", str(value).casefold()).strip("_")


def header_label(value) -> str:
    """A header as written in the file (spaces tidied, cut to 60 characters), to name the column in messages."""
    return _BLANKS.sub(" ", str(value)).strip()[:60]


def read_columns(values: list, *, aliases: dict[str, str], headers: dict[str, str],
                 required) -> dict[str, tuple[int, str]]:
    """The columns row 1 names: field -> (index, header as written). ``aliases`` maps every accepted spelling
    (after header_key) to a field, ``headers`` the template's headers to theirs; other columns are ignored. A
    field named twice, a row 1 naming none, or a ``required`` field missing reject the file (FileRejected)."""
    columns: dict[str, tuple[int, str]] = {}
    for index, value in enumerate(values):
        if value is None or isinstance(value, Formula | ExcelError):
            continue
        name = aliases.get(header_key(value))
        if name is None:
            continue  # an extra column: ignored
        label = header_label(value)
        if name in columns:
            raise FileRejected(_("The column %(first)s appears twice (also as %(second)s); keep only one.")
                               % {"first": columns[name][1], "second": label})
        columns[name] = (index, label)
    if not columns:
        raise FileRejected(_("Row 1 must hold the column names (%(columns)s), as in the template; none of them was "
                             "found.") % {"columns": ", ".join(headers)})
    missing = [header for header, name in headers.items() if name in required and name not in columns]
    if missing:
        raise FileRejected(_("The required column(s) %(columns)s are missing from row 1; download the template to "
                             "see the expected columns.") % {"columns": ", ".join(missing)})
    return columns


# ---------------------------------------------------------------------------------------------
# The file


@contextlib.contextmanager
def open_sheet(source) -> Iterator[Guarded]:
    """The reader of an .xlsx or CSV file (a path or a binary file object), recognised by its content
    (kompeten/core/spreadsheets.py: FileRejected for anything else); a failure of the parser on a hostile file is
    FileRejected too. openpyxl's warnings are silenced while it reads; the reader is closed after (and the file,
    when it was given as a path)."""
    with open_stream(source) as stream:
        kind = detect(stream)
        reader = XlsxReader(stream) if kind == "xlsx" else CsvReader(stream)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield Guarded(reader, kind)
        finally:
            reader.close()


def data_rows(reader: Guarded, width: int) -> Iterator[tuple[int, list]]:
    """(row number as the spreadsheet shows it, the first ``width`` values) of each row after the header that
    holds anything; a sheet longer than Excel allows is rejected."""
    for number, values in reader.rows(width):
        if number > EXCEL_MAX_ROWS:
            raise FileRejected(_("The sheet has more than %(max)s rows.") % {"max": EXCEL_MAX_ROWS})
        if not is_blank_row(values):
            yield number, values


# ---------------------------------------------------------------------------------------------
# The template users download


def template_workbook(headers: list[str], rows: list[list], *, guide: list[tuple[str, str, str]], notes: list[str],
                      date_columns=(), text_columns=()):
    """An openpyxl Workbook: the sheet "Data" (the headers in bold, the example rows, the header row frozen;
    ``date_columns`` shown as DD/MM/YYYY, ``text_columns`` formatted as Text so that Excel keeps codes as typed)
    and the instructions sheet "Petunjuk" (``guide``: column, required?, what to write; then the ``notes``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    bold = Font(bold=True)
    examples = range(2, len(rows) + 2)
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        sheet.cell(1, index).font = bold
        sheet.column_dimensions[letter].width = max(12, len(header) + 4)
        if header in text_columns:
            sheet.column_dimensions[letter].number_format = "@"
            for row in examples:
                sheet.cell(row, index).number_format = "@"
        if header in date_columns:
            for row in examples:
                sheet.cell(row, index).number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"

    sheet_guide = workbook.create_sheet("Petunjuk")
    sheet_guide.append([_("Column"), _("Required"), _("What to write")])
    for cell in sheet_guide[1]:
        cell.font = bold
    for line in guide:
        sheet_guide.append(list(line))
    sheet_guide.append([])
    for note in notes:
        sheet_guide.append([note])
    sheet_guide.column_dimensions["A"].width = 20
    sheet_guide.column_dimensions["B"].width = 12
    sheet_guide.column_dimensions["C"].width = 100
    for line in sheet_guide.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(headers: list[str], rows: list[list]) -> str:
    """The template as CSV (comma separated): the header row and the example rows, dates as DD/MM/YYYY."""
    from kompeten.core.exports import write_csv

    return write_csv([[format_date(v) if isinstance(v, datetime.date) else v for v in row] for row in rows], headers)
