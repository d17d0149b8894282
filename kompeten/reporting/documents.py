"""The monthly report (laporan bulanan) as PDF: A4 landscape, the office's letterhead, the summary (targets against
realisation, the forecast, the funnel), the month's and the year to date's tables, and a signature block for the
head of the office.

Built with reportlab platypus and the blocks of the training documents (kompeten/training/documents.py); the
figures come ready from kompeten/reporting/monthly.py, so this module only lays them out. Unlike the batch
documents (forms read the same in any language) the report is printed in the language it is built in: every
label is a translation, numbers and dates are formatted for that language.

Long tables break across pages with their header repeated; every page has "page x of y" and the time the report
was made; pages after the first carry the report's title at the top.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kompeten.reporting.monthly import Report, Table
from kompeten.training.documents import _MM, _p, _plain, _printable, _styles, _usable_width

ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
MARGIN = 12 * _MM
HEADER_GREY = "#e3e3e3"
TOTAL_GREY = "#f0f0f0"
STRIPE = "#f8f8f8"


# --- text ---------------------------------------------------------------------------------------------------

def office_lines() -> tuple[str, str]:
    """ "Pemerintah Provinsi Kalimantan Timur" and "Dinas Tenaga Kerja dan Transmigrasi" (the office's name
    without its province, which the first line says), from the settings and the region table."""
    from kompeten.reference.models import Region

    province = Region.objects.filter(code=settings.KOMPETEN_OFFICE_PROVINCE).values_list("name", flat=True).first()
    office = settings.KOMPETEN_OFFICE_NAME
    if not province:
        return "", office
    short = re.sub(r"\s+Provinsi\s+" + re.escape(province) + r"\s*$", "", office, flags=re.IGNORECASE)
    return f"Pemerintah Provinsi {province}", short


def number(value, kind: str = "int") -> str:
    """A value as printed: grouped the way of the active language; "–" for none."""
    if value is None or value == "":
        return "–"
    if kind == "percent":
        return f"{formats.number_format(value, force_grouping=True)}%"
    if kind == "date":
        return formats.date_format(value, "j M Y")
    if kind in ("int", "number"):
        return formats.number_format(round(value), force_grouping=True)
    return str(value)


def title_text(report: Report) -> str:
    return _("Monthly report of the training and certification programme — %(month)s") % {
        "month": report.month_label}


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i") if moment else "–"


# --- building blocks ------------------------------------------------------------------------------------

def _more_styles(styles):
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    base = styles["base"]
    return {
        **styles,
        "office": ParagraphStyle("office", base, fontName="Helvetica-Bold", fontSize=15, leading=18,
                                 alignment=TA_CENTER),
        "section": ParagraphStyle("section", base, fontName="Helvetica-Bold", fontSize=11, leading=13.5,
                                  spaceBefore=4, spaceAfter=4, keepWithNext=True),
        "table_title": ParagraphStyle("table_title", base, fontName="Helvetica-Bold", fontSize=9, leading=11,
                                      spaceBefore=8, spaceAfter=3, keepWithNext=True),
        "note": ParagraphStyle("note", base, fontName="Helvetica-Oblique", fontSize=7, leading=8.5,
                               textColor="#555555", spaceBefore=2),
        "meta": ParagraphStyle("meta", base, fontSize=8.5, leading=11, alignment=TA_CENTER),
        "th": ParagraphStyle("th", base, fontName="Helvetica-Bold", fontSize=7, leading=8.2, alignment=TA_CENTER),
        "td": ParagraphStyle("td", base, fontSize=7.5, leading=9),
        "td_total": ParagraphStyle("td_total", base, fontName="Helvetica-Bold", fontSize=7.5, leading=9),
        "num": ParagraphStyle("num", base, fontSize=7.5, leading=9, alignment=TA_RIGHT),
    }


def letterhead(styles) -> list:
    from reportlab.platypus import HRFlowable, Spacer

    government, office = office_lines()
    story = []
    if government:
        story.append(_p(government.upper(), styles["owner"]))
    story += [
        _p(office.upper(), styles["office"]),
        Spacer(1, 3),
        HRFlowable(width="100%", thickness=1.8, color="black", spaceBefore=0, spaceAfter=1),
        HRFlowable(width="100%", thickness=0.5, color="black", spaceBefore=0, spaceAfter=8),
    ]
    return story


def _title_block(report: Report, styles) -> list:
    from reportlab.platypus import Spacer

    meta = [
        _("Programme year %(year)s · Scope: %(scope)s") % {"year": report.year, "scope": report.scope},
        _("Figures as of %(when)s · made %(made)s") % {"when": _when(report.refreshed_at),
                                                      "made": _when(report.generated_at)},
    ]
    return [_p(f"<u>{escape(_plain(title_text(report)))}</u>", styles["title"], raw=True), Spacer(1, 3),
            *[_p(line, styles["meta"]) for line in meta], Spacer(1, 6)]


def _widths(table: Table, width: float) -> list[float]:
    """Numbers in equal columns (narrower when there are many); the label column(s) take the rest, at most
    95 mm each (a short table is then narrower than the page)."""
    texts = sum(1 for c in table.columns if c.kind == "text")
    numbers = len(table.columns) - texts
    if not numbers:
        return [width / texts] * texts
    per_number = min(28 * _MM if numbers <= 7 else 16.5 * _MM, (width - texts * 45 * _MM) / numbers)
    per_text = min((width - per_number * numbers) / texts, 95 * _MM) if texts else 0
    return [per_text if c.kind == "text" else per_number for c in table.columns]


def table_flowable(table: Table, styles, width: float):
    """A ``Table`` as a platypus table: header (with a group row when the columns have groups) repeated on every
    page, the total row in bold, light stripes."""
    from reportlab.lib import colors
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    columns = table.columns
    grouped = any(c.group for c in columns)
    header_rows = []
    spans = []
    if grouped:
        top, sub = [], []
        index = 0
        while index < len(columns):
            column = columns[index]
            if not column.group:
                top.append(_p(column.label, styles["th"]))
                sub.append("")
                spans.append(("SPAN", (index, 0), (index, 1)))
                index += 1
                continue
            end = index
            while end + 1 < len(columns) and columns[end + 1].group == column.group:
                end += 1
            top += [_p(column.group, styles["th"])] + [""] * (end - index)
            sub += [_p(c.label, styles["th"]) for c in columns[index:end + 1]]
            if end > index:
                spans.append(("SPAN", (index, 0), (end, 0)))
            index = end + 1
        header_rows = [top, sub]
    else:
        header_rows = [[_p(c.label, styles["th"]) for c in columns]]

    def cells(row, total=False):
        out = []
        for column, value in zip(columns, row, strict=False):
            if column.kind == "text":
                out.append(_p(value if value not in (None, "") else "–", styles["td_total" if total else "td"]))
            else:
                out.append(_printable(number(value, column.kind)))
        return out

    body = [cells(row) for row in table.rows]
    if not body:
        body = [[_p(_("No one reached a stage in this period."), styles["td"])] + [""] * (len(columns) - 1)]
        spans.append(("SPAN", (0, len(header_rows)), (-1, len(header_rows))))
    rows = header_rows + body
    if table.total:
        rows.append(cells(table.total, total=True))
    n_head = len(header_rows)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
        ("BACKGROUND", (0, 0), (-1, n_head - 1), colors.HexColor(HEADER_GREY)),
        ("VALIGN", (0, 0), (-1, n_head - 1), "MIDDLE"),
        ("VALIGN", (0, n_head), (-1, -1), "MIDDLE"),
        ("FONT", (0, n_head), (-1, -1), "Helvetica", 7.5),
        ("ALIGN", (0, n_head), (-1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("ROWBACKGROUNDS", (0, n_head), (-1, -1), [colors.white, colors.HexColor(STRIPE)]),
        *spans,
    ]
    if table.total:
        style += [("BACKGROUND", (0, -1), (-1, -1), colors.HexColor(TOTAL_GREY)),
                  ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 7.5),
                  ("LINEABOVE", (0, -1), (-1, -1), 0.9, colors.black)]
    flowable = PdfTable(rows, colWidths=_widths(table, width), repeatRows=n_head, hAlign="LEFT")
    flowable.setStyle(TableStyle(style))
    return flowable


def _tables(section_number: int, tables: list[Table], styles, width: float) -> list:
    from reportlab.platypus import CondPageBreak

    story = []
    for number_in_section, table in enumerate(tables, start=1):
        story += [CondPageBreak(38 * _MM),
                  _p(f"{section_number}.{number_in_section}  {table.title}", styles["table_title"]),
                  table_flowable(table, styles, width)]
        if table.note:
            story.append(_p(table.note, styles["note"]))
    return story


def signature_block(report: Report, styles, width: float):
    """The date, "Head of the Office" (Kepala Dinas) and the office, room to sign, a blank name line and the
    NIP line, on the right."""
    from reportlab.platypus import KeepTogether, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    annexes = ", ".join(ROMAN[i] for i in range(2, len(report.sections) + 1))
    closing = _p(_("The tables of the month and of the year to date follow in sections %(sections)s.")
                 % {"sections": annexes}, styles["base"]) if annexes else Spacer(1, 0)
    right = [
        _p(formats.date_format(timezone.localdate(report.generated_at), "j F Y"), styles["sign"]),
        _p("<b>" + escape(_("Head of the Office")) + "</b>", styles["sign"], raw=True),
        _p(settings.KOMPETEN_OFFICE_NAME, styles["sign"]),
        Spacer(1, 46),
        _p("(" + "." * 52 + ")", styles["sign"]),
        _p(_("NIP") + ". " + "." * 44, styles["sign"]),
    ]
    table = PdfTable([["", right]], colWidths=[width * 0.6, width * 0.4])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 8), closing, Spacer(1, 6), table])


def _canvas(running_title: str, footer: str, page_text: str):
    """A canvas class that writes the footer ("page x of y", when made) on every page and the report's title
    at the top of every page after the first."""
    from reportlab.pdfgen import canvas

    class ReportCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int):
            width, height = self._pagesize
            self.saveState()
            self.setFillColorRGB(0.35, 0.35, 0.35)
            self.setStrokeColorRGB(0.6, 0.6, 0.6)
            self.setLineWidth(0.4)
            if self._pageNumber > 1:
                self.setFont("Helvetica", 7)
                self.drawString(MARGIN, height - 6.5 * _MM, running_title)
                self.line(MARGIN, height - 7.5 * _MM, width - MARGIN, height - 7.5 * _MM)
            self.line(MARGIN, 9.5 * _MM, width - MARGIN, 9.5 * _MM)
            self.setFont("Helvetica", 7)
            self.drawString(MARGIN, 6.5 * _MM, footer)
            self.drawRightString(width - MARGIN, 6.5 * _MM,
                                 page_text % {"page": self._pageNumber, "pages": total})
            self.restoreState()

    return ReportCanvas


def monthly_pdf(report: Report) -> bytes:
    """The report as PDF bytes (A4 landscape), in the active language."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    pagesize = landscape(A4)
    styles = _more_styles(_styles())
    width = _usable_width(pagesize)
    story = letterhead(styles) + _title_block(report, styles)
    for index, section in enumerate(report.sections, start=1):
        if index > 1:
            story.append(PageBreak())
        story.append(_p(f"{ROMAN[index]}. {section.title}", styles["section"]))
        story += _tables(index, section.tables, styles, width)
        if index == 1:  # the head of the office signs the summary; the detailed tables follow it
            story.append(signature_block(report, styles, width))
    title = title_text(report)
    footer = _("Kompeten · %(title)s · %(scope)s · made %(made)s") % {
        "title": title, "scope": report.scope, "made": _when(report.generated_at)}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=10 * _MM,
                            bottomMargin=13 * _MM, title=_printable(_plain(title)),
                            author=_printable(settings.KOMPETEN_OFFICE_NAME), subject=_printable(report.scope),
                            creator="Kompeten")
    doc.build(story, canvasmaker=_canvas(_printable(_plain(title)), _printable(_plain(footer)),
                                         _printable(_("Page %(page)s of %(pages)s"))))
    return buffer.getvalue()
