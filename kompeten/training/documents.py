"""The documents an operator prints for a batch (angkatan): Daftar Peserta and Daftar Hadir.

Plain functions returning bytes (PDF via reportlab platypus, XLSX via openpyxl); the views decide
the response. The labels are Indonesian, written literally with small English sub-labels: these
are forms printed in Indonesia and read the same whatever the UI language.

Privacy: the documents may be posted on a wall, so the NIK is always masked (PDF and XLSX).
Performance: every document costs a fixed handful of queries, whatever the batch size.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone

from kompeten.core.exports import safe_cell
from kompeten.programmes.models import Batch, BatchSession
from kompeten.training.models import Attendance, AttendanceStatus, Enrolment, EnrolmentStatus
from kompeten.training.services import attendance_percentages

MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember"]
WEEKDAYS_ID = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]

MARKS = {
    AttendanceStatus.PRESENT: "H",  # hadir
    AttendanceStatus.LATE: "T",  # terlambat
    AttendanceStatus.EXCUSED: "I",  # izin
    AttendanceStatus.ABSENT: "A",  # alpa
}
FUNDING_ID = {"apbd": "APBD Provinsi", "apbn": "APBN", "csr": "CSR Perusahaan", "other": "Lainnya"}

MAX_DATE_COLUMNS = 12  # per page of the attendance sheet
_MM = 72 / 25.4  # points per millimetre

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- data -------------------------------------------------------------------------------------------------

def tanggal(day: datetime.date | None) -> str:
    """A date the Indonesian way: "3 Februari 2025"."""
    if day is None:
        return ""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def _regency(person) -> str:
    """The regency/city of the person's address, without the "Kabupaten"/"Kota" prefix noise."""
    village = person.village
    return village.parent.parent.name if village and village.parent and village.parent.parent else "-"


def _phone(value: str) -> str:
    """A stored "+62812..." as Indonesians write it: "0812..."."""
    value = value or ""
    return "0" + value[3:] if value.startswith("+62") else value


def _plain(value) -> str:
    return _CONTROL.sub("", "" if value is None else str(value))


@dataclass
class _Context:
    batch: Batch
    place: str  # the city of the centre, for "Balikpapan, 3 Februari 2025"
    head_title: str  # "Kepala UPTD BLKI Balikpapan"
    enrolments: list[Enrolment]


def _context(batch: Batch) -> _Context:
    """The batch with its centre, package and year (one query), and its participants (one query)."""
    batch = (Batch.objects
             .select_related("programme_year", "package", "centre__region__parent__parent__parent")
             .get(pk=batch.pk))
    centre = batch.centre
    place, node = "", centre.region
    while node is not None:
        if node.level == "regency":
            place = re.sub(r"^(Kota|Kabupaten|Kab\.)\s+", "", node.name)
            break
        node = node.parent if node.parent_id else None
    head = f"Kepala {'UPTD ' if centre.name.startswith('UPTD') else ''}{centre.short_name}"
    enrolments = list(
        Enrolment.objects.filter(batch=batch).exclude(status=EnrolmentStatus.WITHDRAWN)
        .select_related("person__village__parent__parent").order_by("person__full_name", "person__id")
    )
    return _Context(batch=batch, place=place or centre.short_name, head_title=head, enrolments=enrolments)


def _sessions(batch: Batch, sessions) -> list[BatchSession]:
    if sessions is None:
        sessions = BatchSession.objects.filter(batch=batch)
    return sorted(sessions, key=lambda s: (s.date, s.start_time))


def _marks(enrolments, sessions) -> dict[tuple[int, int], str]:
    """{(enrolment_id, session_id): "H"/"T"/"I"/"A"} in one query."""
    if not enrolments or not sessions:
        return {}
    rows = Attendance.objects.filter(
        enrolment_id__in=[e.pk for e in enrolments], session_id__in=[s.pk for s in sessions]
    ).values_list("enrolment_id", "session_id", "status")
    return {(e, s): MARKS.get(status, "?") for e, s, status in rows}


def _percentages(batch: Batch) -> tuple[dict[int, Decimal], datetime.date | None]:
    """Attendance percentages over the sessions held so far (attendance taken), and the last of those."""
    last_held = (BatchSession.objects.filter(batch=batch, attendance__isnull=False).order_by("-date")
                 .values_list("date", flat=True).first())
    if last_held is None:
        return {}, None
    return attendance_percentages(batch, held_only=True), last_held


def _percent_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def _chunks(items: list, size: int) -> list[list]:
    """At most ``size`` per chunk, spread evenly (20 -> 10 + 10, not 12 + 8); one empty chunk for none."""
    if not items:
        return [[]]
    count = -(-len(items) // size)
    base, extra = divmod(len(items), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + base + (1 if index < extra else 0)
        chunks.append(items[start:end])
        start = end
    return chunks


def _info_pairs(ctx: _Context) -> list[tuple[str, str, str]]:
    batch = ctx.batch
    return [
        ("Program Pelatihan", "Package", batch.package.name),
        ("Angkatan", "Batch", str(batch.number)),
        ("Tahun Program", "Year", str(batch.programme_year.year)),
        ("Tanggal Pelaksanaan", "Dates", f"{tanggal(batch.start_date)} s.d. {tanggal(batch.end_date)}"),
        ("Tempat", "Location", batch.location or batch.centre.short_name),
        ("Instruktur", "Instructors", batch.instructors or "-"),
        ("Sumber Dana", "Funding", FUNDING_ID.get(batch.funding_source, batch.funding_source)),
    ]


# --- PDF building blocks --------------------------------------------------------------------------------

def _styles():
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName="Helvetica", fontSize=8.5, leading=10.5)
    return {
        "base": base,
        "owner": ParagraphStyle("owner", base, fontName="Helvetica-Bold", fontSize=11, leading=13,
                                alignment=TA_CENTER),
        "centre": ParagraphStyle("centre", base, fontName="Helvetica-Bold", fontSize=13, leading=15.5,
                                 alignment=TA_CENTER),
        "address": ParagraphStyle("address", base, fontSize=8.5, leading=10, alignment=TA_CENTER),
        "title": ParagraphStyle("title", base, fontName="Helvetica-Bold", fontSize=14, leading=16,
                                alignment=TA_CENTER, spaceBefore=2),
        "subtitle": ParagraphStyle("subtitle", base, fontName="Helvetica-Oblique", fontSize=8, leading=10,
                                   alignment=TA_CENTER, textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=9.5),
        "cell_c": ParagraphStyle("cell_c", base, fontSize=8, leading=9.5, alignment=TA_CENTER),
        "cell_s": ParagraphStyle("cell_s", base, fontSize=6.5, leading=7.3),
        "cell_xs": ParagraphStyle("cell_xs", base, fontSize=5.5, leading=6),
        "head": ParagraphStyle("head", base, fontName="Helvetica-Bold", fontSize=8, leading=9.5,
                               alignment=TA_CENTER),
        "mark": ParagraphStyle("mark", base, fontName="Helvetica-Bold", fontSize=9, leading=10,
                               alignment=TA_CENTER),
        "sign_no": ParagraphStyle("sign_no", base, fontSize=6.5, leading=7.5,
                                  textColor=colors.HexColor("#666666")),
        "sign_no_r": ParagraphStyle("sign_no_r", base, fontSize=6.5, leading=7.5, leftIndent=15 * _MM,
                                    textColor=colors.HexColor("#666666")),
        "label": ParagraphStyle("label", base, fontSize=8, leading=10),
        "small": ParagraphStyle("small", base, fontSize=7.5, leading=9.5),
        "sign": ParagraphStyle("sign", base, fontSize=9, leading=11.5, alignment=TA_CENTER),
    }


def _printable(text: str) -> str:
    """Text the standard PDF fonts can show (Windows-1252): "Nguyễn" becomes "Nguyên", not a black box."""
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFKD", char)
        while decomposed:
            candidate = unicodedata.normalize("NFC", decomposed)
            try:
                candidate.encode("cp1252")
            except UnicodeEncodeError:
                decomposed = decomposed[:-1]  # drop the last accent and try again
                continue
            out.append(candidate)
            break
        else:
            out.append("?")
    return "".join(out)


def _p(text, style, *, raw: bool = False):
    from reportlab.platypus import Paragraph

    return Paragraph(_printable(text if raw else escape(_plain(text))), style)


def _fit(text, styles, width: float, height: float):
    """A cell paragraph that fits a fixed row: the normal size, else smaller, else cut short with "…"."""
    for name in ("cell", "cell_s", "cell_xs"):
        paragraph = _p(text, styles[name])
        if paragraph.wrap(width, 1e6)[1] <= height:
            return paragraph
    words = _plain(text).split()
    while len(words) > 1:
        words.pop()
        paragraph = _p(" ".join(words) + " …", styles["cell_xs"])
        if paragraph.wrap(width, 1e6)[1] <= height:
            break
    return paragraph


def _bi(indonesian: str, english: str, *, size: float = 6, sep: str = "<br/>") -> str:
    """An Indonesian label with its English sub-label (markup for Paragraph)."""
    return (f"{escape(indonesian)}{sep}<font name='Helvetica-Oblique' size='{size}' color='#555555'>"
            f"{escape(english)}</font>")


def _letterhead(ctx: _Context, styles, width: float) -> list:
    from reportlab.platypus import HRFlowable, Spacer

    centre = ctx.batch.centre
    story = []
    if centre.owner:
        story.append(_p(centre.owner.upper(), styles["owner"]))
    story.append(_p(centre.name.upper(), styles["centre"]))
    if centre.address:
        story.append(_p(centre.address, styles["address"]))
    story += [
        Spacer(1, 3),
        HRFlowable(width="100%", thickness=1.8, color="black", spaceBefore=0, spaceAfter=1),
        HRFlowable(width="100%", thickness=0.5, color="black", spaceBefore=0, spaceAfter=6),
    ]
    return story


def _title(indonesian: str, english: str, styles) -> list:
    return [_p(f"<u>{escape(indonesian)}</u>", styles["title"], raw=True), _p(english, styles["subtitle"])]


def _heading(indonesian: str, english: str, styles) -> list:
    """A section heading: the Indonesian in bold, the English after it, small and grey."""
    from reportlab.platypus import Spacer

    return [Spacer(1, 7), _p(f"<b>{escape(indonesian)}</b> <font name='Helvetica-Oblique' size='7' "
                             f"color='#555555'>{escape(english)}</font>", styles["base"], raw=True), Spacer(1, 3)]


def _pairs_table(pairs, styles, width: float, *, label_width: float = 46 * _MM):
    """"label : value" rows, the label Indonesian with its English sub-label."""
    from reportlab.platypus import Table, TableStyle

    rows = [[_p(_bi(label, english, size=6, sep=" "), styles["label"], raw=True), _p(":", styles["base"]),
             _p(value or "-", styles["base"])] for label, english, value in pairs]
    table = Table(rows, colWidths=[label_width, 3 * _MM, width - label_width - 3 * _MM], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 0.8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.8),
    ]))
    return table


def _info_table(ctx: _Context, styles, width: float, *, fractions: list[float]):
    """The batch's particulars as "label : value" pairs, in side-by-side blocks (fractions of the width)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Table, TableStyle

    pairs = _info_pairs(ctx)
    per_block = -(-len(pairs) // len(fractions))
    blocks = [pairs[i:i + per_block] for i in range(0, len(pairs), per_block)]
    colon_w = 3 * _MM
    widths = []
    for block, fraction in zip(blocks, fractions, strict=False):
        label_w = max(stringWidth(label + " ", "Helvetica", 8) + stringWidth(english, "Helvetica-Oblique", 6)
                      for label, english, _ in block) + 4
        widths += [label_w, colon_w, width * fraction - label_w - colon_w]
    rows = []
    for index in range(per_block):
        row = []
        for block in blocks:
            if index < len(block):
                label, english, value = block[index]
                row += [_p(_bi(label, english, size=6, sep=" "), styles["label"], raw=True),
                        _p(":", styles["base"]), _p(value, styles["base"])]
            else:
                row += ["", "", ""]
        rows.append(row)
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 6),  # the empty cells of a short block: no taller than the text
        ("LEADING", (0, 0), (-1, -1), 7),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 0.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
    ]))
    return table


def _signatures(ctx: _Context, styles, width: float, *, day: datetime.date, legend=None):
    """Place and date, "Mengetahui, Kepala UPTD ..." and "Instruktur" with room to sign; a legend left."""
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    instructor = (ctx.batch.instructors or "").split(",")[0].strip()
    blank = "(" + "." * 46 + ")"
    room = 30 if legend is not None else 40
    left = [
        _p("Mengetahui,", styles["sign"]),
        _p(_bi(ctx.head_title, "Head of the training centre", size=6.5), styles["sign"], raw=True),
        Spacer(1, room),
        _p(blank, styles["sign"]),
        _p("NIP. " + "." * 38, styles["sign"]),
    ]
    right = [
        _p(f"{ctx.place}, {tanggal(day)}", styles["sign"]),
        _p(_bi("Instruktur", "Instructor", size=6.5), styles["sign"], raw=True),
        Spacer(1, room),
        _p(f"( {instructor} )" if instructor else blank, styles["sign"]),
        _p("NIP. " + "." * 38, styles["sign"]),
    ]
    if legend is None:
        table = Table([[left, "", right]], colWidths=[width * 0.36, width * 0.28, width * 0.36])
    else:
        table = Table([[legend, left, right]], colWidths=[width * 0.42, width * 0.29, width * 0.29])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 6 if legend is None else 3), table])


def _numbered_canvas(footer: str):
    """A canvas class that writes "Halaman n dari N" and a footer line on every page."""
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
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
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int):
            width, _height = self._pagesize
            margin = 12 * _MM
            self.saveState()
            self.setStrokeColorRGB(0.6, 0.6, 0.6)
            self.setLineWidth(0.4)
            self.line(margin, 9.5 * _MM, width - margin, 9.5 * _MM)
            self.setFillColorRGB(0.35, 0.35, 0.35)
            self.setFont("Helvetica", 7)
            self.drawString(margin, 6.5 * _MM, footer)
            self.drawRightString(width - margin, 6.5 * _MM, f"Halaman {self._pageNumber} dari {total}")
            self.restoreState()

    return NumberedCanvas


def _build(story, *, pagesize, title: str, ctx: _Context, footer: str) -> bytes:
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    margin = 12 * _MM
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=margin, rightMargin=margin,
                            topMargin=8 * _MM, bottomMargin=12 * _MM, title=title,
                            author=ctx.batch.centre.name, subject=str(ctx.batch.package.name),
                            creator="Kompeten")
    doc.build(story, canvasmaker=_numbered_canvas(_printable(_plain(footer))))
    return buffer.getvalue()


def _usable_width(pagesize) -> float:
    """The frame's width: the page less the margins and the frame's own padding (6 pt a side)."""
    return pagesize[0] - 24 * _MM - 12


def _footer_text(kind: str, ctx: _Context) -> str:
    batch = ctx.batch
    return (f"{kind} · {batch.package.name} · Angkatan {batch.number} ({batch.programme_year.year}) · "
            f"dicetak {timezone.localdate():%d-%m-%Y}")


# --- Daftar Peserta -------------------------------------------------------------------------------------

# The printed list is signed in class and may be posted on a wall: it carries no phone number, no
# birth date and only the masked NIK (personal data is shown only to whom it concerns).
PARTICIPANT_HEADERS = [  # (Indonesian, English, width in mm on A4 portrait)
    ("No", "", 8),
    ("Nama", "Name", 42),
    ("NIK", "ID number", 26),
    ("L/P", "Sex", 8),
    ("Asal Kab/Kota", "Regency/city", 34),
    ("Pendidikan", "Education", 19),
    ("Tanda Tangan", "Signature", 0),  # the rest of the width
]


def participant_list_pdf(batch, *, day: datetime.date | None = None) -> bytes:
    """Daftar Peserta, A4 portrait: one row per participant with room to sign."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Spacer, Table, TableStyle

    ctx = _context(batch)
    styles = _styles()
    width = _usable_width(A4)
    story = _letterhead(ctx, styles, width)
    story += _title("DAFTAR PESERTA", "Participant list", styles)
    story += [Spacer(1, 6), _info_table(ctx, styles, width, fractions=[0.55, 0.45]), Spacer(1, 8)]

    widths = [w * _MM for _, _, w in PARTICIPANT_HEADERS]
    widths[-1] = width - sum(widths)
    header = [_p(_bi(idn, en) if en else escape(idn), styles["head"], raw=True)
              for idn, en, _ in PARTICIPANT_HEADERS]
    rows = [header]
    row_height = 9.5 * _MM
    for number, enrolment in enumerate(ctx.enrolments, start=1):
        person = enrolment.person
        rows.append([
            _p(str(number), styles["cell_c"]),
            _fit(person.full_name, styles, widths[1] - 6, row_height - 4),
            _p(person.masked_nik, styles["cell"]),
            _p(person.sex, styles["cell_c"]),
            _fit(_regency(person), styles, widths[4] - 6, row_height - 4),
            _p(person.education_id or "-", styles["cell_c"]),
            # The signature cell: the number on alternating sides, as on the paper forms.
            _p(f"{number}.", styles["sign_no"] if number % 2 else styles["sign_no_r"]),
        ])
    if not ctx.enrolments:
        rows.append(["", _p("Belum ada peserta (no participants yet)", styles["cell"])] + [""] * 5)
    table = Table(rows, colWidths=widths, repeatRows=1,
                  rowHeights=[None] + [row_height] * (len(rows) - 1))
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e3e3")),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-2, -1), "MIDDLE"),
        ("VALIGN", (-1, 1), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    story.append(table)
    story.append(_signatures(ctx, styles, width, day=day or timezone.localdate()))
    return _build(story, pagesize=A4, title="Daftar Peserta", ctx=ctx,
                  footer=_footer_text("Daftar Peserta", ctx))


# --- Daftar Hadir ---------------------------------------------------------------------------------------

def attendance_sheet_pdf(batch, *, sessions=None, day: datetime.date | None = None) -> bytes:
    """Daftar Hadir, A4 landscape: names by session dates, at most 12 dates a page.

    A cell shows the recorded mark (H/T/I/A) or stays empty for a signature; the last page has the
    attendance percentage over the sessions held so far.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import PageBreak, Spacer, Table, TableStyle

    ctx = _context(batch)
    sessions = _sessions(ctx.batch, sessions)
    marks = _marks(ctx.enrolments, sessions)
    percentages, held_until = _percentages(ctx.batch)
    styles = _styles()
    pagesize = landscape(A4)
    width = _usable_width(pagesize)
    chunks = _chunks(sessions, MAX_DATE_COLUMNS)
    numbers = {s.pk: index for index, s in enumerate(sessions, start=1)}
    threshold = ctx.batch.package.attendance_threshold
    row_height = 5.8 * _MM

    story = []
    for page, chunk in enumerate(chunks):
        last = page == len(chunks) - 1
        if page:
            story.append(PageBreak())
        story += _letterhead(ctx, styles, width)
        story += _title("DAFTAR HADIR PESERTA", "Attendance sheet", styles)
        story += [Spacer(1, 4), _info_table(ctx, styles, width, fractions=[0.34, 0.40, 0.26]), Spacer(1, 4)]

        no_w, name_w, pct_w = 8 * _MM, 58 * _MM, 15 * _MM
        free = width - no_w - name_w - (pct_w if last else 0)
        date_w = min(free / len(chunk), 26 * _MM) if chunk else 0
        widths = [no_w, name_w] + [date_w] * len(chunk) + ([pct_w] if last else [])
        if chunk:
            first, final = numbers[chunk[0].pk], numbers[chunk[-1].pk]
            span_label = _bi("Tanggal Pertemuan", f"Session dates ({first}-{final} of {len(sessions)})",
                             sep=" ")
        else:
            span_label = _bi("Belum ada jadwal", "No sessions yet", sep=" ")
        top = [_p("No", styles["head"]), _p(_bi("Nama", "Name"), styles["head"], raw=True)]
        top += [_p(span_label, styles["head"], raw=True)] + [""] * (len(chunk) - 1)
        sub = ["", ""] + [
            _p(f"{s.date:%d/%m}<br/><font size='6' color='#555555'>{WEEKDAYS_ID[s.date.weekday()]}"
               f" · ke-{numbers[s.pk]}</font>", styles["head"], raw=True)
            for s in chunk
        ]
        if last:
            top.append(_p(_bi("%", "Attend."), styles["head"], raw=True))
            sub.append("")
        rows = [top, sub] if chunk else [top]
        for number, enrolment in enumerate(ctx.enrolments, start=1):
            row = [_p(str(number), styles["cell_c"]),
                   _fit(enrolment.person.full_name, styles, name_w - 6, row_height - 3)]
            row += [_p(marks.get((enrolment.pk, s.pk), ""), styles["mark"]) for s in chunk]
            if last:
                row.append(_p(_percent_text(percentages.get(enrolment.pk)), styles["cell_c"]))
            rows.append(row)
        if not ctx.enrolments:
            rows.append(["", _p("Belum ada peserta (no participants yet)", styles["cell"])]
                        + [""] * (len(widths) - 2))
        header_rows = 2 if chunk else 1
        table = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT",
                      rowHeights=[None] * header_rows + [row_height] * (len(rows) - header_rows))
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e3e3e3")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        if chunk:
            style += [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)),
                      ("SPAN", (2, 0), (1 + len(chunk), 0))]
            if last:
                style.append(("SPAN", (-1, 0), (-1, 1)))
        table.setStyle(TableStyle(style))
        story.append(table)

        legend = ["<b>Keterangan</b> <i>(legend)</i>:", "H = Hadir <i>(present)</i>",
                  "T = Terlambat <i>(late)</i>", "I = Izin <i>(excused)</i>", "A = Alpa <i>(absent)</i>",
                  "Kolom kosong: tanda tangan/paraf peserta <i>(empty: participant signs)</i>"]
        if last:
            until = f"s.d. {tanggal(held_until)}" if held_until else "belum ada pertemuan"
            legend.append(f"% = kehadiran (H + T) {escape(until)}; minimal {threshold}% "
                          f"<i>(attendance so far; minimum {threshold}%)</i>")
        legend = "<br/>".join(legend)
        story.append(_signatures(ctx, styles, width, day=day or timezone.localdate(),
                                 legend=_p(legend, styles["small"], raw=True)))
    return _build(story, pagesize=pagesize, title="Daftar Hadir", ctx=ctx,
                  footer=_footer_text("Daftar Hadir", ctx))


# --- XLSX -----------------------------------------------------------------------------------------------

def _xlsx_value(value):
    value = safe_cell(value)
    return _plain(value) if isinstance(value, str) else value


def _workbook(title: str, headers: list[str], rows: list[list], ctx: _Context, *, widths: list[int],
              freeze: str) -> bytes:
    """A workbook: the data sheet (header row, then one row per participant) and a sheet of particulars."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([_xlsx_value(h) for h in headers])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD-MM-YYYY"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E3E3E3")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, column_width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width
    sheet.freeze_panes = freeze

    info = workbook.create_sheet("Keterangan")
    centre = ctx.batch.centre
    info.append([_xlsx_value(title.upper())])
    info["A1"].font = Font(bold=True, size=12)
    particulars = [("Lembaga", "Training centre", centre.name), ("Instansi", "Owner", centre.owner),
                   ("Alamat", "Address", centre.address), *_info_pairs(ctx)]
    for label, english, value in particulars:
        info.append([_xlsx_value(f"{label} ({english})"), _xlsx_value(value)])
    info.append([_xlsx_value("Dicetak (printed)"), timezone.localdate()])
    info.cell(row=info.max_row, column=2).number_format = "DD-MM-YYYY"
    info.append([_xlsx_value("NIK disamarkan (NIK masked: the document may be posted)")])
    info.column_dimensions["A"].width = 34
    info.column_dimensions["B"].width = 70
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def participant_list_xlsx(batch) -> bytes:
    """Daftar Peserta as data: one row per participant (NIK masked)."""
    ctx = _context(batch)
    headers = ["No", "Nama (Name)", "NIK (masked)", "L/P (Sex)", "Tempat Lahir (Place of birth)",
               "Tanggal Lahir (Date of birth)", "Pendidikan (Education)", "No HP (Phone)"]
    rows = []
    for number, enrolment in enumerate(ctx.enrolments, start=1):
        person = enrolment.person
        rows.append([number, person.full_name, person.masked_nik, person.sex, person.birth_place,
                     person.birth_date, person.education_id or "", _phone(person.phone)])
    return _workbook("Daftar Peserta", headers, rows, ctx, widths=[5, 32, 19, 9, 20, 14, 12, 16], freeze="C2")


def attendance_sheet_xlsx(batch) -> bytes:
    """Daftar Hadir as data: one row per participant, one column per session date (H/T/I/A), then %."""
    ctx = _context(batch)
    sessions = _sessions(ctx.batch, None)
    marks = _marks(ctx.enrolments, sessions)
    percentages, _until = _percentages(ctx.batch)
    headers = ["No", "Nama (Name)", "NIK (masked)"] + [f"{s.date:%d/%m/%Y}" for s in sessions]
    headers.append("% Kehadiran (Attendance)")
    rows = []
    for number, enrolment in enumerate(ctx.enrolments, start=1):
        row = [number, enrolment.person.full_name, enrolment.person.masked_nik]
        row += [marks.get((enrolment.pk, s.pk), "") or None for s in sessions]
        row.append(percentages.get(enrolment.pk))
        rows.append(row)
    widths = [5, 32, 19] + [11] * len(sessions) + [14]
    return _workbook("Daftar Hadir", headers, rows, ctx, widths=widths, freeze="D2")
