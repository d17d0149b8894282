"""The printed certificate: A4 landscape, two pages, Indonesian with English sub-labels.

Page 1: a decorative border, the issuer (an LSP licensed by BNSP, a training centre, or the provincial
manpower office), the title ("SERTIFIKAT KOMPETENSI" / "SERTIFIKAT PELATIHAN" / "SERTIFIKAT PEMAGANGAN"), the
number, the holder's name, place and date of birth (as BNSP certificates show them; never the NIK), the scheme
with its KKNI level, the training programme with its hours, or the apprenticeship with its company, period and
the company's final score, the dates, the signature block, and the QR code (the signed payload,
``services.qr_text``) with the public verification code. Page 2: the units of competency (competency
certificate) or the programme summary (training certificate, certificate of apprenticeship).

What the certificate says comes from the certificate row (copied at issue time and signed into the QR); only
the place of birth, the LSP's licence number, the centre's address, the batch particulars and the placement's
particulars (period, agreement, final score) are read from the live records.

Speed (the year's 1,500 certificates signed, QR'd and rendered in under 5 s on one core): drawing goes
straight to a reportlab canvas; the border and the fixed labels of each kind of page are a form XObject drawn
once per document; the QR matrix comes from :mod:`kompeten.certificates.qrfast` (the same symbol as
``codec.make_qr``, built with NumPy) and is drawn as a 1-bit image mask (one bit a module); text and rules are
written as PDF operators, not through reportlab's per-string objects. Only the standard
PDF fonts are used (Helvetica, Times, Courier: WinAnsi text), so names are shown with the accents those fonts
have ("Nguyễn" prints as "Nguyên").
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfgen.canvas import Canvas

from kompeten.certificates import codec, qrfast
from kompeten.certificates.models import Certificate, CertificateKind
from kompeten.certificates.services import format_code
from kompeten.training.documents import _printable, tanggal

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
CENTRE_X = PAGE_WIDTH / 2
QR_SIZE = 50 * MM  # the symbol without its quiet zone: 0.5 mm a module up to version 21 (101 modules)
QR_X, QR_Y = 25 * MM, 17 * MM  # lower left corner of the symbol
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"]

# Colours (RGB 0-1): a deep blue for competency, a deep green for training, a deep maroon for apprenticeship,
# gold ornaments, grey sub-labels.
ACCENT = {CertificateKind.COMPETENCY: (0.07, 0.22, 0.42), CertificateKind.TRAINING: (0.05, 0.32, 0.2),
          CertificateKind.APPRENTICESHIP: (0.45, 0.11, 0.15)}
GOLD = (0.72, 0.56, 0.2)
GREY = (0.35, 0.35, 0.35)
INK = (0.08, 0.08, 0.1)
RULE_GREY = (0.75, 0.75, 0.75)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CITY_PREFIX = re.compile(r"^(Kota|Kabupaten|Kab\.)\s+")


# --- text -------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def printable(text) -> str:
    """Text the standard PDF fonts can show (Windows-1252; see training.documents), control characters as spaces."""
    return _printable(_CONTROL.sub(" ", "" if text is None else str(text)))


# Strings go straight into the content stream: WinAnsi bytes, with ( ) \\ and non-ASCII bytes escaped.
_ESCAPES = {code: chr(code) if 32 <= code < 127 else f"\\{code:03o}" for code in range(256)}
_ESCAPES.update({ord("("): "\\(", ord(")"): "\\)", ord("\\"): "\\\\"})


def _pdf_string(text: str) -> str:
    return text.encode("cp1252").decode("latin-1").translate(_ESCAPES)


@functools.cache
def _widths(font: str) -> list[int]:
    return getFont(font).widths


def width(text: str, font: str, size: float) -> float:
    """The width of printable ``text`` in a standard font (what reportlab's stringWidth gives, sooner)."""
    return sum(map(_widths(font).__getitem__, text.encode("cp1252"))) * size / 1000


def _fit(text: str, font: str, size: float, room: float, smallest: float) -> tuple[float, float]:
    """(size, text width): the size, down to ``smallest``, at which ``text`` fits ``room``."""
    measured = width(text, font, size)
    if measured > room:
        size = max(smallest, size * room / measured)
        measured = width(text, font, size)
    return size, measured


def _ellipsis(text: str, font: str, size: float, room: float) -> str:
    if width(text, font, size) <= room:
        return text
    while text and width(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, font: str, size: float, room: float) -> list[str]:
    """Greedy word wrap; a word longer than the room is cut with an ellipsis."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and width(candidate, font, size) > room:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return [_ellipsis(item, font, size, room) for item in lines] or [""]


class _Text:
    """The text of one page or form, written as PDF operators in one BT ... ET block (``flush``): reportlab's
    drawString costs ten times more, and a year of certificates has 70,000 strings."""

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        self.parts: list[str] = []
        self.font = None
        self.colour = None

    def use(self, font: str, size: float, colour=INK):
        if (font, size) != self.font:
            self.parts.append(f"{_font_name(self.canvas, font)} {size:.2f} Tf")
            self.font = (font, size)
        if colour != self.colour:
            self.parts.append("{:.3f} {:.3f} {:.3f} rg".format(*colour))
            self.colour = colour

    def show(self, x: float, y: float, text: str) -> None:
        self.parts.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm ({_pdf_string(text)}) Tj")

    def text(self, x, y, text, font="Helvetica", size=9.0, colour=INK, align="left", room=None, smallest=None):
        """Draw ``text`` (made printable); shrunk to fit ``room`` down to ``smallest``, then cut short."""
        text = printable(text)
        if room is not None:
            size, measured = _fit(text, font, size, room, smallest or size)
            if measured > room:
                text = _ellipsis(text, font, size, room)
                measured = width(text, font, size)
        elif align != "left":
            measured = width(text, font, size)
        self.use(font, size, colour)
        if align == "centre":
            x -= measured / 2
        elif align == "right":
            x -= measured
        self.show(x, y, text)
        return size

    def pair(self, x, y, indonesian, english, *, size=9.0, font="Helvetica", align="left", colour=INK,
             separator=" / "):
        """An Indonesian label followed by its English sub-label (smaller, italic, grey) on one line."""
        indonesian, english = printable(indonesian), printable(separator + english)
        small = size * 0.82
        first = width(indonesian, font, size)
        total = first + width(english, "Helvetica-Oblique", small)
        start = x - total / 2 if align == "centre" else x - total if align == "right" else x
        self.use(font, size, colour)
        self.show(start, y, indonesian)
        self.use("Helvetica-Oblique", small, GREY)
        self.show(start + first, y, english)
        return start + total

    def label_value(self, x, y, indonesian, english, value, *, size=9.5, align="left", room=None):
        """"Label / English: value" as one line, the value bold (cut short to keep the line within ``room``)."""
        indonesian, english, value = printable(indonesian), printable(f" / {english}: "), printable(value)
        small = size * 0.82
        label = width(indonesian, "Helvetica", size) + width(english, "Helvetica-Oblique", small)
        if room is not None:
            value = _ellipsis(value, "Helvetica-Bold", size, max(room - label, 20 * MM))
        widths = (width(indonesian, "Helvetica", size), width(english, "Helvetica-Oblique", small),
                  width(value, "Helvetica-Bold", size))
        if align == "centre":
            x -= sum(widths) / 2
        self.use("Helvetica", size)
        self.show(x, y, indonesian)
        self.use("Helvetica-Oblique", small, GREY)
        self.show(x + widths[0], y, english)
        self.use("Helvetica-Bold", size)
        self.show(x + widths[0] + widths[1], y, value)

    def flush(self) -> None:
        if self.parts:
            self.canvas.addLiteral("BT\n" + "\n".join(self.parts) + "\nET")
        self.parts = []
        self.font = self.colour = None


def _font_name(canvas: Canvas, font: str) -> str:
    """The document's resource name of a standard font ("/F1"), registering it on first use."""
    return canvas._doc.getInternalFontName(font)


# --- what a certificate shows besides its own fields ---------------------------------------------------

@dataclass
class _Extra:
    """Particulars that are not on the certificate row (read once per certificate, with the row)."""

    birth_place: str
    place: str  # city of the issue ("Balikpapan"), for the signature line
    authority: str  # the top line over the issuer's name
    authority_en: str
    subline: str  # the LSP's licence or the centre's address
    signer: str  # "Ketua LSP ..." / "Kepala UPTD BLKI ..."
    signer_en: str
    batch: object | None = None  # training: the batch (package, dates, centre)
    placement: object | None = None  # apprenticeship: the placement (offer, company, period, final score)


def _city(centre) -> str:
    """The city or regency of a training centre ("Balikpapan"), from its region."""
    if centre is None:
        return ""
    node = centre.region
    while node is not None:
        if node.level == "regency":
            return _CITY_PREFIX.sub("", node.name)
        node = node.parent if node.parent_id else None
    return centre.short_name


def _office_province() -> str:
    """The name of the office's province ("Kalimantan Timur"), from the region table; "" when unknown."""
    from kompeten.reference.models import Region

    return Region.objects.filter(code=settings.KOMPETEN_OFFICE_PROVINCE).values_list("name", flat=True).first() or ""


def _extra(cert: Certificate) -> _Extra:
    issuer = cert.issuer
    birth_place = cert.person.birth_place if cert.person_id else ""
    if cert.kind == CertificateKind.APPRENTICESHIP:
        # Signed in the name of the provincial manpower office, which approved the programme.
        province = _office_province()
        return _Extra(
            birth_place=birth_place, place="",
            authority=f"PEMERINTAH PROVINSI {province}".upper() if province else "PEMERINTAH PROVINSI",
            authority_en="Provincial Government",
            subline="Pemagangan di Dalam Negeri sesuai Permenaker No. 6 Tahun 2020",
            signer="Kepala Dinas", signer_en="Head of the Manpower Office",
            placement=cert.placement if cert.placement_id else None)
    if cert.kind == CertificateKind.COMPETENCY:
        lsp = issuer.lsp
        licence = lsp.licence_number if lsp else ""
        return _Extra(
            birth_place=birth_place, place=_city(lsp.centre if lsp else None),
            authority="BADAN NASIONAL SERTIFIKASI PROFESI",
            authority_en="Indonesian Professional Certification Authority",
            subline=f"Lisensi BNSP No. {licence}" if licence else "Lembaga Sertifikasi Profesi berlisensi BNSP",
            signer="Ketua LSP", signer_en="Chair of the Professional Certification Body (LSP)", batch=None)
    centre = issuer.centre
    batch = cert.enrolment.batch if cert.enrolment_id else None
    head = "Kepala " + ("UPTD " if centre and centre.name.startswith("UPTD") else "") + (
        centre.short_name if centre else cert.issuer_name)
    return _Extra(
        birth_place=birth_place, place=_city(centre),
        authority=(centre.owner if centre and centre.owner else "Kementerian Ketenagakerjaan RI").upper(),
        authority_en="Vocational training centre", subline=centre.address if centre else "",
        signer=head, signer_en="Head of the training centre", batch=batch)


def _period(placement) -> str:
    """The apprenticeship's period: from the agreement's start to the day it ended (its planned end before)."""
    return f"{tanggal(placement.start_date)} s.d. {tanggal(placement.ended_on or placement.end_date)}"


# --- the QR code --------------------------------------------------------------------------------------

def qr_symbol(cert: Certificate) -> qrfast.Symbol:
    """The certificate's QR code: the same symbol as ``codec.make_qr(KOMPETEN_BASE_URL, cert.qr_digits)``."""
    try:
        return qrfast.encode(codec.qr_segments(settings.KOMPETEN_BASE_URL, cert.qr_digits), codec.QR_ERROR,
                             max_version=codec.MAX_QR_VERSION)
    except qrfast.QRError as exc:
        raise codec.CodecError(str(exc)) from exc


def _draw_qr(canvas: Canvas, symbol: qrfast.Symbol, x: float, y: float, size: float) -> None:
    """The symbol as a 1-bit stencil (an inline image mask, one bit a module, never interpolated) on a white
    quiet zone of 4 modules: 1.3 kB in the page instead of 30 kB of rectangles, sharp at any resolution."""
    module = size / symbol.size
    quiet = 4 * module
    bits = np.packbits(symbol.matrix, axis=1).tobytes().hex()
    canvas.addLiteral(
        f"q 1 g {x - quiet:.2f} {y - quiet:.2f} {size + 2 * quiet:.2f} {size + 2 * quiet:.2f} re f 0 g\n"
        f"{size:.3f} 0 0 {size:.3f} {x:.3f} {y:.3f} cm\n"
        f"BI /W {symbol.size} /H {symbol.size} /IM true /D [1 0] /I false /F /AHx ID\n{bits}>\nEI Q")


# --- the fixed parts (form XObjects) -------------------------------------------------------------------

def _border(canvas: Canvas, accent) -> None:
    """A double frame with a gold band of small diamonds, corner rosettes and a faint guilloche."""
    c = canvas
    outer, inner = 7 * MM, 11 * MM
    c.setStrokeColorRGB(*accent)
    c.setLineWidth(2.4)
    c.rect(outer, outer, PAGE_WIDTH - 2 * outer, PAGE_HEIGHT - 2 * outer)
    c.setLineWidth(0.8)
    c.rect(inner, inner, PAGE_WIDTH - 2 * inner, PAGE_HEIGHT - 2 * inner)
    # The band between the frames: a chain of diamonds.
    band = (outer + inner) / 2
    step = 4 * MM
    half = 1.1 * MM
    path = c.beginPath()

    def diamond(cx, cy):
        path.moveTo(cx - half, cy)
        path.lineTo(cx, cy + half)
        path.lineTo(cx + half, cy)
        path.lineTo(cx, cy - half)
        path.close()

    x = inner + step
    while x < PAGE_WIDTH - inner - step / 2:
        diamond(x, band)
        diamond(x, PAGE_HEIGHT - band)
        x += step
    y = inner + step
    while y < PAGE_HEIGHT - inner - step / 2:
        diamond(band, y)
        diamond(PAGE_WIDTH - band, y)
        y += step
    c.setFillColorRGB(*GOLD)
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(0.3)
    c.drawPath(path, stroke=0, fill=1)
    # Corner rosettes.
    for cx, cy in ((band, band), (band, PAGE_HEIGHT - band), (PAGE_WIDTH - band, band),
                   (PAGE_WIDTH - band, PAGE_HEIGHT - band)):
        c.setFillColorRGB(1, 1, 1)
        c.circle(cx, cy, 3.4 * MM, stroke=0, fill=1)
        c.setStrokeColorRGB(*accent)
        c.setLineWidth(0.9)
        c.circle(cx, cy, 3.4 * MM, stroke=1, fill=0)
        c.setStrokeColorRGB(*GOLD)
        c.setLineWidth(0.5)
        c.circle(cx, cy, 2.2 * MM, stroke=1, fill=0)
        c.setFillColorRGB(*accent)
        c.circle(cx, cy, 0.9 * MM, stroke=0, fill=1)
    # A faint guilloche rosette behind the middle of the page.
    c.saveState()
    c.setStrokeColorRGB(*[1 - (1 - v) * 0.09 for v in accent])
    c.setLineWidth(0.35)
    c.translate(CENTRE_X, PAGE_HEIGHT / 2 + 6 * MM)
    for _index in range(36):
        c.ellipse(-62 * MM, -19 * MM, 62 * MM, 19 * MM, stroke=1, fill=0)
        c.rotate(5)
    c.restoreState()


def _ornament_line(canvas: Canvas, y: float, half_width: float, accent) -> None:
    c = canvas
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(0.7)
    c.line(CENTRE_X - half_width, y, CENTRE_X - 3 * MM, y)
    c.line(CENTRE_X + 3 * MM, y, CENTRE_X + half_width, y)
    c.setFillColorRGB(*accent)
    path = c.beginPath()
    path.moveTo(CENTRE_X - 2 * MM, y)
    path.lineTo(CENTRE_X, y + 1.3 * MM)
    path.lineTo(CENTRE_X + 2 * MM, y)
    path.lineTo(CENTRE_X, y - 1.3 * MM)
    path.close()
    c.drawPath(path, stroke=0, fill=1)


TITLES = {
    CertificateKind.COMPETENCY: ("SERTIFIKAT KOMPETENSI", "Certificate of Competence"),
    CertificateKind.TRAINING: ("SERTIFIKAT PELATIHAN", "Certificate of Training"),
    CertificateKind.APPRENTICESHIP: ("SERTIFIKAT PEMAGANGAN", "Certificate of Apprenticeship"),
}

# Heights (from the bottom of the page) of the lines of page 1.
Y_AUTHORITY, Y_AUTHORITY_EN, Y_ISSUER, Y_SUBLINE, Y_RULE = 187 * MM, 183 * MM, 175.5 * MM, 170.5 * MM, 166 * MM
Y_TITLE, Y_TITLE_EN, Y_NUMBER = 152 * MM, 145 * MM, 138.5 * MM
Y_AWARDED, Y_NAME, Y_NAME_RULE, Y_BIRTH = 129.5 * MM, 118.5 * MM, 115.5 * MM, 109.5 * MM
Y_STATEMENT, Y_SUBJECT = 101 * MM, 92 * MM
X_MIDDLE = 84 * MM  # the middle column of the bottom band (dates, verification code)
X_SIGN = PAGE_WIDTH - 62 * MM  # centre of the signature block
WIDE = 240 * MM  # the widest centred line

UNIT_HEADERS = [("No", "", 12 * MM), ("Kode Unit", "Unit Code", 52 * MM), ("Judul Unit", "Unit Title", 0)]
TABLE_LEFT, TABLE_RIGHT = 22 * MM, PAGE_WIDTH - 22 * MM
VALUE_X = TABLE_LEFT + 65 * MM  # values beside the labels of page 2
Y_INFO = 166 * MM  # first label line of page 2
Y_TABLE = 142 * MM  # top of the units table
Y_TABLE_BOTTOM = 31 * MM  # the units table ends above this; its total line below


def _front_form(canvas: Canvas, kind: str) -> None:
    """Page 1's fixed drawing: border, title, fixed labels."""
    accent = ACCENT[kind]
    c = canvas
    _border(c, accent)
    _ornament_line(c, Y_RULE, 70 * MM, accent)
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(0.6)
    c.line(CENTRE_X - 85 * MM, Y_NAME_RULE, CENTRE_X + 85 * MM, Y_NAME_RULE)
    text = _Text(c)
    title, title_en = TITLES[kind]
    text.text(CENTRE_X, Y_TITLE, title, "Helvetica-Bold", 30, accent, align="centre")
    text.text(CENTRE_X, Y_TITLE_EN, title_en, "Times-Italic", 14, GREY, align="centre")
    text.pair(CENTRE_X, Y_AWARDED, "diberikan kepada", "awarded to", size=10, align="centre")
    if kind == CertificateKind.COMPETENCY:
        text.pair(CENTRE_X, Y_STATEMENT, "telah dinyatakan KOMPETEN pada skema sertifikasi",
                  "has been assessed COMPETENT in the certification scheme", size=10, align="centre")
    elif kind == CertificateKind.APPRENTICESHIP:
        text.pair(CENTRE_X, Y_STATEMENT, "telah menyelesaikan program pemagangan sebagai",
                  "has completed an apprenticeship as", size=10, align="centre")
    else:
        text.pair(CENTRE_X, Y_STATEMENT, "telah mengikuti dan dinyatakan LULUS program pelatihan",
                  "has successfully completed the training programme", size=10, align="centre")
    text.pair(X_MIDDLE, 61 * MM, "Tanggal terbit", "Date of issue", size=8)
    if kind == CertificateKind.COMPETENCY:
        text.pair(X_MIDDLE, 49.5 * MM, "Berlaku sampai", "Valid until", size=8)
    text.pair(X_MIDDLE, 25 * MM, "Pindai untuk verifikasi", "Scan to verify", size=8.5, font="Helvetica-Bold")
    text.pair(X_MIDDLE, 20.5 * MM, "Kode verifikasi", "Verification code", size=7.5)
    text.text(X_SIGN, 30 * MM, "( " + "." * 52 + " )", "Helvetica", 9, align="centre")
    text.text(X_SIGN, 25 * MM, "Ditandatangani secara elektronik dengan kode QR", "Helvetica-Oblique", 6.5, GREY,
              align="centre")
    text.text(X_SIGN, 22 * MM, "Electronically signed: the QR code carries the issuer's signature",
              "Helvetica-Oblique", 6.5, GREY, align="centre")
    text.flush()


def _back_form(canvas: Canvas, kind: str) -> None:
    """Page 2's fixed drawing: border, heading, labels, the units table's header (competency)."""
    accent = ACCENT[kind]
    c = canvas
    _border(c, accent)
    _ornament_line(c, 174 * MM, 60 * MM, accent)
    text = _Text(c)
    labels = [("Nama", "Name"), ("Nomor sertifikat", "Certificate number")]
    if kind == CertificateKind.COMPETENCY:
        text.text(CENTRE_X, 185 * MM, "DAFTAR UNIT KOMPETENSI", "Helvetica-Bold", 18, accent, align="centre")
        text.text(CENTRE_X, 179 * MM, "List of Units of Competency", "Times-Italic", 12, GREY, align="centre")
        labels += [("Skema sertifikasi", "Certification scheme"), ("Tempat Uji Kompetensi", "Assessment venue")]
    elif kind == CertificateKind.APPRENTICESHIP:
        text.text(CENTRE_X, 185 * MM, "RINGKASAN PROGRAM PEMAGANGAN", "Helvetica-Bold", 18, accent, align="centre")
        text.text(CENTRE_X, 179 * MM, "Apprenticeship Programme Summary", "Times-Italic", 12, GREY, align="centre")
    else:
        text.text(CENTRE_X, 185 * MM, "RINGKASAN PROGRAM PELATIHAN", "Helvetica-Bold", 18, accent, align="centre")
        text.text(CENTRE_X, 179 * MM, "Training Programme Summary", "Times-Italic", 12, GREY, align="centre")
    for index, (indonesian, english) in enumerate(labels):
        y = Y_INFO - index * 5.5 * MM
        text.pair(TABLE_LEFT, y, indonesian, english, size=9)
        text.text(VALUE_X - 3 * MM, y, ":", "Helvetica", 9)
    if kind == CertificateKind.COMPETENCY:
        c.setFillColorRGB(*[1 - (1 - v) * 0.12 for v in accent])
        c.rect(TABLE_LEFT, Y_TABLE - 10 * MM, TABLE_RIGHT - TABLE_LEFT, 10 * MM, stroke=0, fill=1)
        c.setStrokeColorRGB(*accent)
        c.setLineWidth(0.8)
        c.line(TABLE_LEFT, Y_TABLE, TABLE_RIGHT, Y_TABLE)
        c.line(TABLE_LEFT, Y_TABLE - 10 * MM, TABLE_RIGHT, Y_TABLE - 10 * MM)
        x = TABLE_LEFT
        for indonesian, english, column in UNIT_HEADERS:
            text.text(x + 2 * MM, Y_TABLE - 4.3 * MM, indonesian, "Helvetica-Bold", 9, accent)
            if english:
                text.text(x + 2 * MM, Y_TABLE - 8 * MM, english, "Helvetica-Oblique", 7.5, GREY)
            x += column
    # The holder's own signature, as on BNSP certificates.
    c.setStrokeColorRGB(*GREY)
    c.setLineWidth(0.5)
    c.line(PAGE_WIDTH - 82 * MM, 20 * MM, PAGE_WIDTH - 24 * MM, 20 * MM)
    text.pair(PAGE_WIDTH - 53 * MM, 16.5 * MM, "Tanda tangan pemilik", "Holder's signature", size=7.5,
              align="centre")
    text.flush()


def _rules(canvas: Canvas, heights: list[float], colour, line_width: float) -> None:
    """Horizontal rules across the table at ``heights`` (PDF operators: reportlab's line() costs more)."""
    if heights:
        path = " ".join(f"{TABLE_LEFT:.2f} {y:.2f} m {TABLE_RIGHT:.2f} {y:.2f} l" for y in heights)
        canvas.addLiteral("q {:.3f} {:.3f} {:.3f} RG {:.2f} w ".format(*colour, line_width) + path + " S Q")


# --- the pages --------------------------------------------------------------------------------------

class _Document:
    def __init__(self, buffer, title: str):
        self.canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor("Kompeten")
        self.canvas.setCreator("Kompeten")
        self.forms: set[str] = set()
        self.host = re.sub(r"^https?://", "", settings.KOMPETEN_BASE_URL)

    def form(self, name: str, draw, kind: str) -> None:
        if name not in self.forms:
            self.canvas.beginForm(name)
            draw(self.canvas, kind)
            self.canvas.endForm()
            self.forms.add(name)
        self.canvas.doForm(name)

    def certificate(self, cert: Certificate) -> None:
        extra = _extra(cert)
        self.front(cert, extra)
        self.canvas.showPage()
        self.back(cert, extra)
        self.canvas.showPage()

    def front(self, cert: Certificate, extra: _Extra) -> None:
        c = self.canvas
        kind = cert.kind
        accent = ACCENT[kind]
        self.form(f"front-{kind}", _front_form, kind)
        _draw_qr(c, qr_symbol(cert), QR_X, QR_Y, QR_SIZE)
        text = _Text(c)
        text.text(CENTRE_X, Y_AUTHORITY, extra.authority, "Helvetica-Bold", 9.5, accent, align="centre", room=WIDE,
                  smallest=7)
        text.text(CENTRE_X, Y_AUTHORITY_EN, extra.authority_en, "Helvetica-Oblique", 7.5, GREY, align="centre")
        text.text(CENTRE_X, Y_ISSUER, cert.issuer_name.upper(), "Helvetica-Bold", 16, INK, align="centre", room=WIDE,
                  smallest=10)
        if extra.subline:
            text.text(CENTRE_X, Y_SUBLINE, extra.subline, "Helvetica", 8, GREY, align="centre", room=WIDE, smallest=6)
        text.text(CENTRE_X, Y_NUMBER, f"No. {cert.number}", "Helvetica", 11, INK, align="centre")
        text.text(CENTRE_X, Y_NAME, cert.holder_name, "Times-Bold", 28, INK, align="centre", room=200 * MM,
                  smallest=14)
        if cert.holder_birth_date:
            born = ", ".join(part for part in (extra.birth_place.strip(), tanggal(cert.holder_birth_date)) if part)
            text.label_value(CENTRE_X, Y_BIRTH, "Tempat, tanggal lahir", "Place and date of birth", born, size=9,
                             align="centre")
        # The subject: the scheme or programme title (up to two lines), then its particulars.
        title = printable(cert.title)
        size = 17
        lines = _wrap(title, "Helvetica-Bold", size, WIDE)
        if len(lines) > 1:
            size = 14
            lines = _wrap(title, "Helvetica-Bold", size, WIDE)[:2]
        y = Y_SUBJECT
        for line in lines:
            text.text(CENTRE_X, y, line, "Helvetica-Bold", size, accent, align="centre")
            y -= size * 1.2
        y -= 1.5 * MM
        if kind == CertificateKind.COMPETENCY:
            if cert.scheme_code:
                text.label_value(CENTRE_X, y, "Kode skema", "Scheme code", cert.scheme_code, align="centre")
                y -= 5.5 * MM
            if cert.kkni_level:
                level = ROMAN[cert.kkni_level] if cert.kkni_level < len(ROMAN) else str(cert.kkni_level)
                text.pair(CENTRE_X, y, f"Kualifikasi Nasional Indonesia Level {level}",
                          f"Indonesian National Qualifications Framework (KKNI) Level {level}", size=9.5,
                          font="Helvetica-Bold", align="centre")
        elif kind == CertificateKind.APPRENTICESHIP:
            text.label_value(CENTRE_X, y, "Tempat pemagangan", "Place of apprenticeship", cert.centre_name or "-",
                             align="centre", room=WIDE)
            placement = extra.placement
            if placement is not None:
                y -= 5.5 * MM
                text.label_value(CENTRE_X, y, "Periode pemagangan", "Apprenticeship period", _period(placement),
                                 align="centre")
                if placement.final_score is not None:
                    y -= 5.5 * MM
                    text.label_value(CENTRE_X, y, "Nilai akhir dari perusahaan", "Company's final assessment",
                                     f"{placement.final_score}/100", align="centre")
        else:
            batch = extra.batch
            if batch is not None:
                hours = batch.package.hours
                text.pair(CENTRE_X, y, f"Pelatihan Berbasis Kompetensi, {hours} jam pelajaran (JP)",
                          f"Competency-based training, {hours} lesson hours", size=9.5, align="centre")
                y -= 5.5 * MM
                text.label_value(CENTRE_X, y, "Tanggal pelatihan", "Training dates",
                                 f"{tanggal(batch.start_date)} s.d. {tanggal(batch.end_date)}", align="centre")
        # The bottom band: dates and verification code beside the QR code, the signature block on the right.
        text.text(X_MIDDLE, 56.5 * MM, tanggal(cert.issued_on), "Helvetica-Bold", 10.5)
        if cert.valid_until:
            text.text(X_MIDDLE, 45 * MM, tanggal(cert.valid_until), "Helvetica-Bold", 10.5)
        text.text(X_MIDDLE, 15.5 * MM, format_code(cert.public_code), "Courier-Bold", 12, accent)
        text.text(X_MIDDLE + 43 * MM, 15.5 * MM, f"{self.host}/verify", "Helvetica", 7, GREY)
        place = f"{extra.place}, " if extra.place else ""
        text.text(X_SIGN, 60 * MM, place + tanggal(cert.issued_on), "Helvetica", 9.5, align="centre")
        text.text(X_SIGN, 55 * MM, extra.signer, "Helvetica-Bold", 9.5, align="centre", room=80 * MM, smallest=7)
        text.text(X_SIGN, 51.5 * MM, extra.signer_en, "Helvetica-Oblique", 7, GREY, align="centre", room=80 * MM,
                  smallest=5.5)
        if kind in (CertificateKind.COMPETENCY, CertificateKind.APPRENTICESHIP):
            text.text(X_SIGN, 48.5 * MM, cert.issuer_name, "Helvetica", 7.5, GREY, align="centre", room=80 * MM,
                      smallest=5.5)
        text.flush()

    def back(self, cert: Certificate, extra: _Extra) -> None:
        kind = cert.kind
        self.form(f"back-{kind}", _back_form, kind)
        text = _Text(self.canvas)
        room = TABLE_RIGHT - VALUE_X
        text.text(VALUE_X, Y_INFO, cert.holder_name, "Helvetica-Bold", 9, room=room, smallest=7)
        text.text(VALUE_X, Y_INFO - 5.5 * MM, cert.number, "Helvetica", 9)
        if kind == CertificateKind.COMPETENCY:
            scheme = f"{cert.title} ({cert.scheme_code})" if cert.scheme_code else cert.title
            text.text(VALUE_X, Y_INFO - 11 * MM, scheme, "Helvetica", 9, room=room, smallest=6.5)
            text.text(VALUE_X, Y_INFO - 16.5 * MM, cert.centre_name or "-", "Helvetica", 9, room=room, smallest=6.5)
            self._units(text, cert)
        elif kind == CertificateKind.APPRENTICESHIP:
            self._apprenticeship(text, cert, extra)
        else:
            self._programme(text, cert, extra)
        text.text(TABLE_LEFT, 21 * MM, f"Nomor {cert.number} · diterbitkan {tanggal(cert.issued_on)} · "
                  f"Halaman 2 dari 2 / Page 2 of 2", "Helvetica", 7.5, GREY)
        text.text(TABLE_LEFT, 17 * MM, f"Periksa keaslian / Verify: {self.host}/verify · kode / code "
                  f"{format_code(cert.public_code)}", "Helvetica", 7.5, GREY)
        text.flush()

    def _units(self, text: _Text, cert: Certificate) -> None:
        """The units table: every unit on the page, the font made smaller (down to 4.5 pt) for long lists."""
        c = self.canvas
        units = [(printable(code), printable(title)) for code, title in cert.units]
        title_x = TABLE_LEFT + UNIT_HEADERS[0][2] + UNIT_HEADERS[1][2]
        title_room = TABLE_RIGHT - title_x - 4 * MM
        top = Y_TABLE - 10 * MM
        for size in (9.5, 8.5, 7.5, 7, 6.5, 6, 5.5, 5, 4.5):
            leading = size * 1.2
            wrapped = [_wrap(title, "Helvetica", size, title_room) for _code, title in units]
            heights = [len(lines) * leading + size * 0.8 for lines in wrapped]
            if sum(heights) <= top - Y_TABLE_BOTTOM:
                break
        rules = []
        y = top
        for number, ((code, _title), lines, height) in enumerate(zip(units, wrapped, heights, strict=True), start=1):
            if y - height < Y_TABLE_BOTTOM:  # more than even the smallest size holds
                text.text(title_x + 2 * MM, y - size * 1.4, f"… ({len(units) - number + 1} lagi / more)",
                          "Helvetica-Oblique", size, GREY)
                y -= leading + size * 0.8
                break
            baseline = y - size * 0.4 - size
            text.text(TABLE_LEFT + 2 * MM, baseline, str(number), "Helvetica", size)
            text.text(TABLE_LEFT + UNIT_HEADERS[0][2] + 2 * MM, baseline, code, "Courier-Bold", size,
                      room=UNIT_HEADERS[1][2] - 4 * MM, smallest=4)
            for index, line in enumerate(lines):
                text.text(title_x + 2 * MM, baseline - index * leading, line, "Helvetica", size)
            y -= height
            rules.append(y)
        if not units:
            text.text(title_x + 2 * MM, top - 6 * MM, "-", "Helvetica", 9)
            y = top - 9 * MM
        _rules(c, rules[:-1], RULE_GREY, 0.4)
        _rules(c, [y], ACCENT[cert.kind], 0.8)
        text.pair(TABLE_LEFT, y - 4.5 * MM, f"Jumlah: {len(units)} unit kompetensi",
                  f"Total: {len(units)} units of competency", size=8)

    def _programme(self, text: _Text, cert: Certificate, extra: _Extra) -> None:
        batch = extra.batch
        rows = [("Program pelatihan", "Training programme", cert.title)]
        if batch is not None:
            package, centre = batch.package, batch.centre
            rows += [
                ("Kode program", "Programme code", package.code),
                ("Jumlah jam pelajaran", "Lesson hours", f"{package.hours} JP"),
                ("Angkatan", "Batch", f"{batch.number} (Tahun Program {batch.programme_year.year})"),
                ("Tanggal pelaksanaan", "Training dates",
                 f"{tanggal(batch.start_date)} s.d. {tanggal(batch.end_date)}"),
                ("Lembaga pelatihan", "Training centre", centre.name),
                ("Alamat", "Address", centre.address or "-"),
            ]
            if batch.location:
                rows.append(("Tempat pelatihan", "Workshop", batch.location))
        else:
            rows.append(("Lembaga pelatihan", "Training centre", cert.issuer_name))
        if cert.scheme_code:
            rows.append(("Skema sertifikasi terkait", "Related scheme", cert.scheme_code))
        rows.append(("Tanggal terbit", "Date of issue", tanggal(cert.issued_on)))
        self._rows(text, rows, "Pelatihan Berbasis Kompetensi sesuai standar Kementerian Ketenagakerjaan RI / "
                   "Competency-based training to the standards of the Ministry of Manpower of the Republic of "
                   "Indonesia")

    def _apprenticeship(self, text: _Text, cert: Certificate, extra: _Extra) -> None:
        placement = extra.placement
        # Labels short enough for the label column (VALUE_X): the page's heading says "apprenticeship" already.
        rows = [("Program pemagangan", "Programme", cert.title),
                ("Perusahaan", "Company", cert.centre_name or "-")]
        if placement is not None:
            offer = placement.offer
            if offer.occupation_id:
                rows.append(("Jabatan (KBJI)", "Occupation (KBJI)",
                             f"{offer.occupation.code} {offer.occupation.name}"))
            rows += [
                ("Alamat tempat kerja", "Workplace address", offer.address or placement.company.address or "-"),
                ("Nomor perjanjian", "Agreement number", placement.agreement_number),
                ("Periode pemagangan", "Period", _period(placement)),
                ("Teori / praktik", "Theory / practice",
                 f"{offer.theory_percent}% / {100 - offer.theory_percent}%"),
            ]
            if placement.mentor_id:
                rows.append(("Pembimbing", "Mentor", placement.mentor.name))
            if placement.final_score is not None:
                rows.append(("Nilai akhir perusahaan", "Company's score",
                             f"{placement.final_score}/100 (lulus / passed)"))
            if offer.approval_number:
                rows.append(("Persetujuan program", "Programme approval", offer.approval_number))
        rows.append(("Tanggal terbit", "Date of issue", tanggal(cert.issued_on)))
        self._rows(text, rows, "Pemagangan di dalam negeri sesuai Peraturan Menteri Ketenagakerjaan No. 6 Tahun 2020 / "
                   "Domestic apprenticeship under Minister of Manpower Regulation No. 6 of 2020")

    def _rows(self, text: _Text, rows: list[tuple[str, str, str]], note: str) -> None:
        """Page 2's summary: a label, its English sub-label and the value on each ruled line, then a note."""
        y = 150 * MM
        rules = []
        for indonesian, english, value in rows:
            text.pair(TABLE_LEFT, y, indonesian, english, size=9.5)
            text.text(VALUE_X - 3 * MM, y, ":", "Helvetica", 9.5)
            text.text(VALUE_X, y, value, "Helvetica-Bold", 9.5, room=TABLE_RIGHT - VALUE_X, smallest=6.5)
            rules.append(y - 2.6 * MM)
            y -= 8.5 * MM
        _rules(self.canvas, rules, RULE_GREY, 0.4)
        text.text(TABLE_LEFT, y - 2 * MM, note, "Helvetica-Oblique", 8, GREY, room=TABLE_RIGHT - TABLE_LEFT,
                  smallest=6)

    def save(self) -> None:
        # Binary (Flate) streams without the ASCII85 layer reportlab adds by default: a third smaller, and
        # reportlab's pure-Python ASCII85 encoder (without its optional C accelerator) costs more than the
        # rest of the document. rl_config is read while saving; the setting is restored afterwards.
        previous = rl_config.useA85
        rl_config.useA85 = 0
        try:
            self.canvas.save()
        finally:
            rl_config.useA85 = previous


def _loaded(certs) -> list[Certificate]:
    """The certificates with everything the pages show, in one query, in the order given."""
    certs = list(certs)
    related = ("issuer__lsp__centre__region__parent__parent", "issuer__centre__region__parent__parent", "person",
               "enrolment__batch__package", "enrolment__batch__centre", "enrolment__batch__programme_year",
               "placement__offer__occupation", "placement__company", "placement__mentor")
    by_pk = Certificate.objects.select_related(*related).in_bulk([cert.pk for cert in certs])
    return [by_pk[cert.pk] for cert in certs]


def render_many(certs) -> bytes:
    """One PDF with two pages per certificate, in the order given."""
    certs = _loaded(certs)
    buffer = io.BytesIO()
    title = f"Sertifikat {certs[0].number}" if len(certs) == 1 else f"Sertifikat ({len(certs)})"
    document = _Document(buffer, title)
    for cert in certs:
        document.certificate(cert)
    if not certs:
        document.canvas.showPage()
    document.save()
    return buffer.getvalue()


def render(cert: Certificate) -> bytes:
    """The PDF of one certificate (A4 landscape, two pages)."""
    return render_many([cert])
