"""Spreadsheet exports that are safe to open in Excel or LibreOffice.

Every export goes through ``write_xlsx`` or ``write_csv``; both pass each text cell through
``safe_cell``, which defuses formula injection ("CSV injection"): a text that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return could be run as a formula when the file is opened,
so it gets a leading single quote. Numbers, dates and booleans are left as they are (a negative
number is a number, not a formula).

The importer (``kompeten.registry.importer``) drops that quote again, so an export can be edited
and imported back.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils import timezone
from django.utils.functional import Promise

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Characters that XML 1.0 (and so xlsx) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    """The value, with a text that could start a formula prefixed by a single quote."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value):
    """A value openpyxl can write: aware datetimes in local time without zone, other objects as text."""
    if value is None or isinstance(value, bool | int | float | Decimal | str):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date | datetime.time):
        return value
    return str(value)


def _xlsx_cell(value):
    value = safe_cell(_plain(value))
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
    return value


def write_xlsx(rows: Iterable[Sequence], headers: Sequence, *, sheet_title: str = "Data") -> bytes:
    """An .xlsx workbook (one sheet: the header row, then the rows), streamed with a write-only workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([_xlsx_cell(h) for h in headers])
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_cell(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def write_csv(rows: Iterable[Sequence], headers: Sequence, *, delimiter: str = ",", bom: bool = False) -> str:
    """CSV text (header row first). ``bom=True`` starts it with a UTF-8 byte order mark, which Excel
    needs to read non-ASCII letters correctly; ``delimiter=";"`` suits Excel set to Indonesian."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([_csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue()
