"""The monthly report as one workbook: one sheet per table of kompeten/reporting/monthly.py, then a sheet saying
what the report is (title, office, scope, when).

Each table sheet: the header row in bold, frozen with the label column; the label column as wide as its labels;
counts as numbers (percent as a whole number shown with "%", the forecast's decimals as decimals, dates as
dates); every text through ``safe_cell`` (a label beginning with "=" is text, never a formula).
"""

from __future__ import annotations

import datetime
import io
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kompeten.core.exports import safe_cell
from kompeten.reporting.monthly import Report, Table

NUMBER_FORMATS = {"int": "#,##0", "percent": '0"%"', "number": "#,##0.0", "date": "DD-MM-YYYY"}
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _text(value):
    value = safe_cell("" if value is None else str(value))
    return _ILLEGAL_XML.sub("", value)


def _value(value, kind: str):
    if kind == "text":
        return _text(value) if value not in (None, "") else None
    if value is None or isinstance(value, int | float | datetime.date):
        return value
    return _text(value)


def sheet_names(tables: list[Table]) -> list[str]:
    """Each table's sheet name: at most 31 characters, none that Excel forbids, no two alike."""
    names, seen = [], set()
    for table in tables:
        base = _SHEET_FORBIDDEN.sub("-", str(table.sheet)).strip("' ") or "Sheet"
        name, n = base[:31], 2
        while name.lower() in seen:
            suffix = f" {n}"
            name, n = base[:31 - len(suffix)] + suffix, n + 1
        seen.add(name.lower())
        names.append(name)
    return names


def _header(column) -> str:
    return f"{column.group}: {column.label}" if column.group else column.label


def _write_table(sheet, table: Table) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E3E3E3")
    sheet.append([_text(_header(c)) for c in table.columns])
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rows = list(table.rows) + ([table.total] if table.total else [])
    for row in rows:
        sheet.append([_value(v, c.kind) for c, v in zip(table.columns, row, strict=False)])
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        if column.kind == "text":
            longest = max([len(str(r[index - 1] or "")) for r in rows] + [len(_header(column))])
            sheet.column_dimensions[letter].width = min(max(longest + 2, 14), 60)
        else:
            sheet.column_dimensions[letter].width = min(max(len(_header(column)) * 0.55 + 2, 11), 24)
    if table.total:
        line = Side(style="thin")
        for cell in sheet[sheet.max_row]:
            cell.font, cell.border = bold, Border(top=line)
    sheet.row_dimensions[1].height = 45
    first_number = next((i for i, c in enumerate(table.columns, start=1) if c.kind != "text"), 1)
    sheet.freeze_panes = f"{get_column_letter(first_number)}2"


def monthly_xlsx(report: Report) -> bytes:
    """The report as .xlsx bytes, its texts in the active language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from kompeten.reporting.documents import title_text

    workbook = Workbook()
    workbook.remove(workbook.active)
    tables = report.tables
    names = sheet_names([*tables, Table(key="about", title="", sheet=_("About"), columns=[])])
    for table, name in zip(tables, names, strict=False):
        _write_table(workbook.create_sheet(title=name), table)

    about = workbook.create_sheet(title=names[-1])
    about.append([_text(title_text(report))])
    about["A1"].font = Font(bold=True, size=12)
    local = lambda moment: timezone.localtime(moment).replace(tzinfo=None) if moment else None  # noqa: E731
    for label, value in [
        (_("Office"), _text(settings.KOMPETEN_OFFICE_NAME)),
        (_("Programme year"), report.year),
        (_("Month"), _text(report.month_label)),
        (_("Year to date"), _text(report.period_label)),
        (_("Scope"), _text(report.scope)),
        (_("Figures as of"), local(report.refreshed_at)),
        (_("Made"), local(report.generated_at)),
        (_("Forecast as of"), report.forecast_as_of),
    ]:
        about.append([_text(label), value])
        cell = about.cell(row=about.max_row, column=2)
        if isinstance(value, datetime.datetime):
            cell.number_format = "DD-MM-YYYY HH:MM"
        elif isinstance(value, datetime.date):
            cell.number_format = "DD-MM-YYYY"
    about.append([])
    about.append([_text(_("Sheet")), _text(_("Table"))])
    about.cell(row=about.max_row, column=1).font = Font(bold=True)
    about.cell(row=about.max_row, column=2).font = Font(bold=True)
    for table, name in zip(tables, names, strict=False):
        about.append([_text(name), _text(table.title)])
        if table.note:
            about.append([None, _text(table.note)])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
