"""The printed forms of a candidate's file (the BNSP forms an LSP archives): FR.APL.01 (application),
FR.APL.02 (self-assessment) and FR.AK.02 (the assessor's record, with the LSP's decision).

Plain functions returning PDF bytes (reportlab platypus, A4 portrait), in the style of the training documents
(kompeten/training/documents.py, whose building blocks they use): Indonesian labels with small English
sub-labels, read the same whatever the UI language; the views decide the response.

Privacy: these are the LSP's archive copies. FR.APL.01 is the official application and carries the full NIK,
as the candidate gave it (from the FR.APL.01 snapshot); the other forms carry no NIK. None of them is for a
public page.
Performance: a fixed handful of queries per form.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.utils import timezone

from kompeten.assessment.models import (
    Amendment,
    Appeal,
    AppealStatus,
    Assessment,
    CompetencyUnit,
    Decision,
    EvidenceMethod,
    Route,
    SchemeType,
    UnitResult,
)
from kompeten.assessment.services import APL01_FIELDS, recommendation
from kompeten.reference.models import EducationLevel, Region
from kompeten.registry.models import DocumentKind
from kompeten.training.documents import (
    _MM,
    _bi,
    _heading,
    _numbered_canvas,
    _p,
    _pairs_table,
    _plain,
    _printable,
    _styles,
    _title,
    _usable_width,
    tanggal,
)

DOCUMENTS_ID = {  # how FR.APL.01 names the supporting documents
    DocumentKind.KTP: "Fotokopi KTP",
    DocumentKind.IJAZAH: "Fotokopi ijazah pendidikan terakhir",
    DocumentKind.AK1: "Kartu Tanda Bukti Pendaftaran Pencari Kerja (AK/1)",
    DocumentKind.PHOTO: "Pas foto berwarna 3x4",
    DocumentKind.OTHER: "Dokumen pendukung lain",
}
SCHEME_TYPES_ID = {SchemeType.KKNI: "KKNI", SchemeType.OCCUPATION: "Okupasi", SchemeType.CLUSTER: "Klaster"}
TUK_TYPES_ID = {"sewaktu": "TUK Sewaktu", "tempat_kerja": "TUK Tempat Kerja", "mandiri": "TUK Mandiri"}
DECISIONS_ID = {Decision.K: "Kompeten", Decision.BK: "Belum Kompeten"}
APPEALS_ID = {AppealStatus.FILED: "Diajukan, menunggu keputusan", AppealStatus.UPHELD: "Diterima: asesmen ulang",
              AppealStatus.REJECTED: "Ditolak: keputusan tetap"}
# FR.AK.02's evidence columns, in the order of the BNSP form: (method, Indonesian, English).
METHOD_COLUMNS = [
    (EvidenceMethod.OBSERVATION, "Observasi demonstrasi", "Observation"),
    (EvidenceMethod.WRITTEN, "Pertanyaan tertulis", "Written"),
    (EvidenceMethod.ORAL, "Pertanyaan lisan", "Oral"),
    (EvidenceMethod.PORTFOLIO, "Portofolio", "Portfolio"),
    (EvidenceMethod.THIRD_PARTY, "Laporan pihak ketiga", "Third party"),
]
PURPOSES = [("Sertifikasi", "Certification"), ("Sertifikasi Ulang", "Re-certification"),
            ("Pengakuan Kompetensi Terkini (PKT)", "Current competency"),
            ("Rekognisi Pembelajaran Lampau (RPL)", "Prior learning"), ("Lainnya", "Other")]

# Marks from the ZapfDingbats standard font (not in Windows-1252, so kept out of _printable: see _pd).
_DINGBATS = "\u2714\u25a0\u2751"
_TICK = "<font name='ZapfDingbats'>\u2714</font>"  # a check mark
_BOX_ON = "<font name='ZapfDingbats'>\u25a0</font>"  # a filled box: the option chosen
_BOX_OFF = "<font name='ZapfDingbats'>\u2751</font>"  # an empty box


def _box(on: bool) -> str:
    return _BOX_ON if on else _BOX_OFF


def _pd(markup: str, style):
    """A Paragraph of markup that may hold the ZapfDingbats marks: the rest made printable as _p does."""
    from reportlab.platypus import Paragraph

    parts = re.split(f"([{_DINGBATS}])", markup)
    return Paragraph("".join(part if part and part in _DINGBATS else _printable(part) for part in parts), style)


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


# --- data -------------------------------------------------------------------------------------------------

@dataclass
class _Context:
    candidate: Assessment
    results: list[UnitResult]
    amendments: list[Amendment] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)

    @property
    def event(self):
        return self.candidate.event

    @property
    def scheme(self):
        return self.candidate.event.scheme

    @property
    def lsp(self):
        return self.candidate.event.lsp

    @property
    def assessor(self):
        return self.candidate.assessor

    @property
    def units(self) -> list[CompetencyUnit]:
        """The units of this file: the scheme's, or the BK units only for a re-assessment."""
        return [r.unit for r in self.results]

    @property
    def place(self) -> str:
        """The city for "Balikpapan, 14 April 2025": the TUK's centre, else the event's, else the LSP's."""
        for centre in (self.event.tuk.centre, self.event.centre, self.lsp.centre):
            if centre is None:
                continue
            node = centre.region
            while node is not None:
                if node.level == "regency":
                    return re.sub(r"^(Kota|Kabupaten|Kab\.)\s+", "", node.name)
                node = node.parent
        return ""


def _context(candidate: Assessment, *, history: bool = False) -> _Context:
    region = "region__parent__parent__parent"
    candidate = (Assessment.objects.select_related(
        "event__scheme", f"event__lsp__centre__{region}", f"event__tuk__centre__{region}",
        f"event__centre__{region}", "person", "assessor__user", "enrolment__batch__package",
        "enrolment__batch__centre", "decided_by", "previous__event").get(pk=candidate.pk))
    results = list(candidate.results.select_related("unit").order_by("unit__order", "unit__code"))
    ctx = _Context(candidate=candidate, results=results)
    if history:
        ctx.amendments = list(candidate.amendments.select_related("unit", "created_by").order_by("created_at", "pk"))
        ctx.appeals = list(candidate.appeals.select_related("decided_by").order_by("filed_at", "pk"))
    return ctx


def _scheme_kind(scheme) -> str:
    kind = SCHEME_TYPES_ID.get(scheme.scheme_type, scheme.scheme_type)
    return f"{kind} Level {scheme.kkni_level}" if scheme.kkni_level else kind


def _assessor_text(ctx: _Context) -> str:
    assessor = ctx.assessor
    if assessor is None:
        return "-"
    return f"{assessor.user.full_name} (No. Reg. {assessor.registration_number})"


def _event_pairs(ctx: _Context, *, candidate: bool = True) -> list[tuple[str, str, str]]:
    scheme, event = ctx.scheme, ctx.event
    tuk = event.tuk
    pairs = [
        ("Skema Sertifikasi", "Certification scheme", scheme.title),
        ("Nomor Skema", "Scheme code", scheme.code),
        ("Jenis Skema", "Scheme type", _scheme_kind(scheme)),
        ("TUK", "Test site", f"{tuk.name} ({TUK_TYPES_ID.get(tuk.tuk_type, tuk.tuk_type)})"),
        ("Tanggal Uji", "Assessment date", tanggal(event.date)),
        ("Asesor", "Assessor", _assessor_text(ctx)),
    ]
    if candidate:
        pairs.append(("Asesi", "Candidate", ctx.candidate.person.full_name))
    if ctx.candidate.attempt > 1:
        previous = ctx.candidate.previous
        since = f" (asesmen {tanggal(previous.event.date)})" if previous else ""
        pairs.append(("Asesmen ke-", "Attempt", f"{ctx.candidate.attempt}: uji ulang{since}"))
    return pairs


# --- building blocks --------------------------------------------------------------------------------------

def _letterhead(ctx: _Context, styles) -> list:
    from reportlab.platypus import HRFlowable, Spacer

    lsp = ctx.lsp
    story = [_p("LEMBAGA SERTIFIKASI PROFESI", styles["owner"]), _p(lsp.name.upper(), styles["centre"])]
    licence = f"Nomor Lisensi BNSP: {lsp.licence_number}" if lsp.licence_number else "Lisensi BNSP"
    story.append(_p(f"{licence} · LSP {lsp.lsp_type}", styles["address"]))
    if lsp.address:
        story.append(_p(lsp.address, styles["address"]))
    story += [
        Spacer(1, 3),
        HRFlowable(width="100%", thickness=1.8, color="black", spaceBefore=0, spaceAfter=1),
        HRFlowable(width="100%", thickness=0.5, color="black", spaceBefore=0, spaceAfter=6),
    ]
    return story


def _example_note(ctx: _Context, styles) -> list:
    if not ctx.scheme.is_example:
        return []
    return [_p(_bi("Skema contoh: kode unit bukan kode SKKNI resmi.",
                   "Example scheme: the unit codes are not official SKKNI codes.", sep=" "),
               styles["small"], raw=True)]


def _grid(rows, widths, *, header_rows: int = 1, extra=()):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e3e3e3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *extra,
    ]))
    return table


def _signature_block(styles, width: float, blocks: list[tuple[str, str, str, str, datetime.date | None]],
                     place: str):
    """Side-by-side signature blocks: (Indonesian role, English role, name, second line, date)."""
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    cells = []
    for role, english, name, second, day in blocks:
        when = tanggal(day) if day else "." * 24
        if place:
            when = f"{place}, {when}"
        cells.append([
            _p(when, styles["sign"]),
            _p(_bi(role, english, size=6.5), styles["sign"], raw=True),
            Spacer(1, 30),
            _p(f"( {name} )" if name else "(" + "." * 46 + ")", styles["sign"]),
            _p(second, styles["sign"]),
        ])
    table = Table([cells], colWidths=[width / len(cells)] * len(cells))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 8), table])


def _build(story, *, title: str, ctx: _Context, form: str, name: str = "") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    name = name or ctx.candidate.person.full_name  # FR.APL.01: the name as the candidate applied
    buffer = io.BytesIO()
    margin = 12 * _MM
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=8 * _MM,
                            bottomMargin=12 * _MM, title=f"{form} {title}", author=ctx.lsp.name,
                            subject=f"{ctx.scheme.code} · {name}", creator="Kompeten")
    footer = f"{form} · {ctx.scheme.code} · {name} · dicetak {timezone.localdate():%d-%m-%Y}"
    doc.build(story, canvasmaker=_numbered_canvas(_printable(_plain(footer))))
    return buffer.getvalue()


def _units_elements(unit: CompetencyUnit) -> str:
    """Markup: the unit's code and title in bold, its elements numbered below."""
    text = f"<b>{escape(unit.code)}</b> {escape(unit.title)}"
    elements = [e if isinstance(e, str) else str(e.get("title", "")) for e in unit.elements or []]
    if elements:
        listed = "<br/>".join(f"{n}. {escape(_plain(e))}" for n, e in enumerate(elements, start=1))
        text += f"<br/><font size='7' color='#333333'>Elemen: <br/>{listed}</font>"
    return text


# --- FR.APL.01 ------------------------------------------------------------------------------------------

def _applicant(ctx: _Context) -> tuple[dict, list[dict], bool]:
    """The personal data and documents of FR.APL.01: its snapshot when recorded, else the person as now."""
    data = dict(ctx.candidate.apl01_data or {})
    if ctx.candidate.apl01_at and data:
        return data, list(data.get("documents") or []), True
    person = ctx.candidate.person
    current = {name: getattr(person, person._meta.get_field(name).attname) for name in APL01_FIELDS}
    documents = [{"id": d.pk, "kind": d.kind, "name": d.original_name}
                 for d in person.documents.order_by("kind", "pk")]
    return current, documents, False


def _address(data: dict) -> str:
    street = data.get("street") or ""
    rt, rw = data.get("rt") or "", data.get("rw") or ""
    parts = [street] if street else []
    if rt or rw:
        parts.append(f"RT {rt or '-'} / RW {rw or '-'}")
    village = Region.objects.filter(pk=data.get("village")).select_related("parent__parent").first() \
        if data.get("village") else None
    node = village
    while node is not None and node.level != "province":
        kind = node.kind.title()
        parts.append(node.name if not kind or node.name.startswith(kind) else f"{kind} {node.name}")
        node = node.parent
    return ", ".join(parts)


def _birth(data: dict) -> str:
    value = data.get("birth_date")
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            value = None
    place = data.get("birth_place") or "-"
    return f"{place}, {tanggal(value)}" if value else place


def _education(data: dict) -> str:
    code = data.get("education")
    name = EducationLevel.objects.filter(pk=code).values_list("name", flat=True).first() if code else None
    major = data.get("major") or ""
    text = name or code or "-"
    return f"{text} ({major})" if major else text


def _phone(value) -> str:
    value = value or ""
    return "0" + value[3:] if value.startswith("+62") else value


def _background(ctx: _Context) -> tuple[str, str, str]:
    candidate = ctx.candidate
    if candidate.route == Route.TRAINING and candidate.enrolment is not None:
        batch = candidate.enrolment.batch
        text = (f"{batch.package.name}, angkatan {batch.number}, {batch.centre.short_name} "
                f"({tanggal(batch.start_date)} s.d. {tanggal(batch.end_date)})")
        return "Pelatihan yang diikuti", "Training completed", text
    return "Pengalaman kerja", "Work experience", candidate.work_experience or "-"


def apl01_pdf(candidate: Assessment) -> bytes:
    """FR.APL.01 Permohonan Sertifikasi Kompetensi, as the candidate applied (their data then, full NIK)."""
    from reportlab.platypus import Spacer

    ctx = _context(candidate)
    styles = _styles()
    width = _usable_width(_a4())
    data, documents, recorded = _applicant(ctx)
    sex = {"L": "Laki-laki", "P": "Perempuan"}.get(data.get("sex") or "", data.get("sex") or "-")

    story = _letterhead(ctx, styles)
    story += _title("FR.APL.01. PERMOHONAN SERTIFIKASI KOMPETENSI", "Application for competency certification",
                    styles)
    if not recorded:
        story.append(_p(_bi("Permohonan belum direkam: data pemohon saat ini.",
                            "Not recorded yet: the applicant's current data.", sep=" "), styles["small"], raw=True))

    story += _heading("Bagian 1: Rincian Data Pemohon Sertifikasi", "Part 1: the applicant's details", styles)
    story.append(_p(_bi("a. Data Pribadi", "Personal data", sep=" "), styles["label"], raw=True))
    story.append(_pairs_table([
        ("Nama lengkap", "Full name", data.get("full_name") or ""),
        ("No. KTP / NIK", "ID number", data.get("nik") or ""),
        ("Tempat / tgl. lahir", "Place / date of birth", _birth(data)),
        ("Jenis kelamin", "Sex", sex),
        ("Kebangsaan", "Nationality", "Indonesia"),
        ("Alamat rumah", "Home address", _address(data)),
        ("No. HP", "Mobile phone", _phone(data.get("phone"))),
        ("Email", "Email", data.get("email") or ""),
        ("Pendidikan terakhir", "Education", _education(data)),
    ], styles, width))
    story.append(_p(_bi("b. Data Pelatihan / Pekerjaan", "Training / work", sep=" "), styles["label"], raw=True))
    story.append(_pairs_table([_background(ctx)], styles, width))

    story += _heading("Bagian 2: Data Sertifikasi", "Part 2: the certification applied for", styles)
    scheme = ctx.scheme
    purposes = "&nbsp;&nbsp; ".join(f"{_box(index == 0)} {escape(idn)} <i><font size='6' color='#555555'>"
                                    f"({escape(en)})</font></i>" for index, (idn, en) in enumerate(PURPOSES))
    story.append(_pairs_table([
        ("Judul skema", "Scheme title", scheme.title),
        ("Nomor skema", "Scheme code", scheme.code),
        ("Jenis skema", "Scheme type", _scheme_kind(scheme)),
        ("TUK / tanggal uji", "Test site / date", f"{ctx.event.tuk.name}, {tanggal(ctx.event.date)}"),
    ], styles, width))
    story += [Spacer(1, 2), _pd(_bi("Tujuan asesmen", "Purpose", size=6, sep=" ") + ": &nbsp;" + purposes,
                                styles["label"])]
    story += _example_note(ctx, styles)
    unit_rows = [[_p("No", styles["head"]), _p(_bi("Kode Unit", "Unit code"), styles["head"], raw=True),
                  _p(_bi("Judul Unit Kompetensi", "Unit title"), styles["head"], raw=True)]]
    for number, unit in enumerate(ctx.units, start=1):
        unit_rows.append([_p(str(number), styles["cell_c"]), _p(unit.code, styles["cell"]),
                          _p(unit.title, styles["cell"])])
    story += [Spacer(1, 3), _p(_bi("Daftar unit kompetensi", "Units of competency", sep=" "), styles["label"],
                                  raw=True), Spacer(1, 2), _grid(unit_rows, [10 * _MM, 38 * _MM, width - 48 * _MM])]

    story += _heading("Bagian 3: Bukti Kelengkapan Pemohon", "Part 3: supporting documents", styles)
    doc_rows = [[_p("No", styles["head"]), _p(_bi("Bukti Persyaratan Dasar", "Requirement"), styles["head"], raw=True),
                 _p(_bi("Berkas", "File"), styles["head"], raw=True),
                 _p(_bi("Ada", "Present"), styles["head"], raw=True)]]
    items = [(DOCUMENTS_ID.get(d.get("kind"), d.get("kind") or "-"), d.get("name") or "") for d in documents]
    if ctx.candidate.route == Route.TRAINING and ctx.candidate.enrolment is not None:
        items.append(("Surat keterangan telah menyelesaikan pelatihan", ctx.candidate.enrolment.batch.package.name))
    for number, (kind, name) in enumerate(items, start=1):
        doc_rows.append([_p(str(number), styles["cell_c"]), _p(kind, styles["cell"]), _p(name, styles["cell"]),
                         _pd(_TICK, styles["mark"])])
    if not items:
        doc_rows.append(["", _p("Belum ada dokumen (no documents)", styles["cell"]), "", ""])
    story.append(_grid(doc_rows, [10 * _MM, 82 * _MM, width - 110 * _MM, 18 * _MM]))

    story += _heading("Rekomendasi (diisi oleh LSP)", "Recommendation (by the LSP)", styles)
    accepted = ctx.candidate.apl01_at is not None
    story.append(_pd(f"Berdasarkan ketentuan persyaratan dasar, pemohon: &nbsp; {_box(accepted)} Diterima &nbsp; "
                     f"{_box(False)} Tidak diterima &nbsp; sebagai peserta sertifikasi. <i><font size='6' "
                     f"color='#555555'>(Based on the basic requirements, the applicant is accepted / not accepted.)"
                     f"</font></i>", styles["base"]))
    story.append(_signature_block(styles, width, [
        ("Pemohon", "Applicant", data.get("full_name") or ctx.candidate.person.full_name, "",
         _day(ctx.candidate.apl01_at)),
        ("Admin LSP", "LSP administrator", "", "", _day(ctx.candidate.apl01_at)),
    ], ctx.place))
    return _build(story, title="Permohonan Sertifikasi Kompetensi", ctx=ctx, form="FR.APL.01",
                  name=data.get("full_name") or "")


# --- FR.APL.02 ------------------------------------------------------------------------------------------

def apl02_pdf(candidate: Assessment) -> bytes:
    """FR.APL.02 Asesmen Mandiri: the candidate's own K / BK for each unit, with the unit's elements."""
    ctx = _context(candidate)
    styles = _styles()
    width = _usable_width(_a4())
    story = _letterhead(ctx, styles)
    story += _title("FR.APL.02. ASESMEN MANDIRI", "Self-assessment", styles)
    story += [_pairs_table(_event_pairs(ctx), styles, width)]
    story += _example_note(ctx, styles)
    story += _heading("Panduan Asesmen Mandiri", "Instructions", styles)
    story.append(_p("Baca setiap unit kompetensi dan elemennya. Tulis <b>K</b> bila Anda yakin dapat melakukan "
                    "tugas yang dijelaskan, atau <b>BK</b> bila belum. <i><font size='6' color='#555555'>(Read "
                    "each unit and its elements; K if you are confident you can do it, BK if not yet.)</font></i>",
                    styles["base"], raw=True))
    story.append(_p("", styles["base"]))
    rows = [[_p("No", styles["head"]), _p(_bi("Unit Kompetensi dan Elemen", "Unit and elements"), styles["head"],
                                          raw=True),
             _p(_bi("K", "Competent"), styles["head"], raw=True),
             _p(_bi("BK", "Not yet"), styles["head"], raw=True)]]
    for number, result in enumerate(ctx.results, start=1):
        mark = result.self_assessment
        rows.append([_p(str(number), styles["cell_c"]), _p(_units_elements(result.unit), styles["cell"], raw=True),
                     _p("K" if mark == Decision.K else "", styles["mark"]),
                     _p("BK" if mark == Decision.BK else "", styles["mark"])])
    if not ctx.results:
        rows.append(["", _p("Belum ada unit (no units)", styles["cell"]), "", ""])
    story.append(_grid(rows, [10 * _MM, width - 42 * _MM, 16 * _MM, 16 * _MM], extra=[("VALIGN", (0, 1), (1, -1),
                                                                                          "TOP")]))
    story += _heading("Rekomendasi Asesor", "The assessor's recommendation", styles)
    proceed = ctx.candidate.apl02_at is not None
    story.append(_pd(f"Asesmen {_box(proceed)} dapat dilanjutkan &nbsp; {_box(False)} tidak dapat dilanjutkan "
                     f"<i><font size='6' color='#555555'>(the assessment may / may not proceed)</font></i>",
                     styles["base"]))
    assessor = ctx.assessor
    story.append(_signature_block(styles, width, [
        ("Asesi", "Candidate", ctx.candidate.person.full_name, "", _day(ctx.candidate.apl02_at)),
        ("Asesor", "Assessor", assessor.user.full_name if assessor else "",
         f"No. Reg. {assessor.registration_number}" if assessor else "No. Reg. " + "." * 30,
         _day(ctx.candidate.ak01_at)),
    ], ctx.place))
    return _build(story, title="Asesmen Mandiri", ctx=ctx, form="FR.APL.02")


# --- FR.AK.02 -------------------------------------------------------------------------------------------

def ak02_pdf(candidate: Assessment) -> bytes:
    """FR.AK.02 Rekaman Asesmen Kompetensi: per unit the evidence methods and K / BK, the notes, the
    recommendation, the signatures, the LSP's decision, its amendments and any appeal (FR.AK.04)."""
    from reportlab.platypus import Spacer

    ctx = _context(candidate, history=True)
    styles = _styles()
    width = _usable_width(_a4())
    story = _letterhead(ctx, styles)
    story += _title("FR.AK.02. REKAMAN ASESMEN KOMPETENSI", "Record of competency assessment", styles)
    story += [_pairs_table(_event_pairs(ctx), styles, width)]
    story += _example_note(ctx, styles)
    story.append(Spacer(1, 4))
    story.append(_pd(f"Beri tanda {_TICK} pada kolom bukti yang digunakan untuk setiap unit kompetensi. "
                     "<i><font size='6' color='#555555'>(A tick for each kind of evidence used per unit.)</font></i>",
                     styles["small"]))
    story.append(Spacer(1, 3))

    method_w, mark_w, no_w, code_w = 15 * _MM, 10 * _MM, 8 * _MM, 27 * _MM
    title_w = width - no_w - code_w - len(METHOD_COLUMNS) * method_w - 2 * mark_w
    top = [_p("No", styles["head"]), _p(_bi("Kode Unit", "Unit code"), styles["head"], raw=True),
           _p(_bi("Judul Unit", "Unit title"), styles["head"], raw=True),
           _p(_bi("Bukti-bukti", "Evidence"), styles["head"], raw=True)] + [""] * (len(METHOD_COLUMNS) - 1)
    top += [_p(_bi("Hasil", "Result"), styles["head"], raw=True), ""]
    sub = ["", "", ""] + [_p(_bi(idn, en, size=5), styles["cell_xs"], raw=True) for _m, idn, en in METHOD_COLUMNS]
    sub += [_p("K", styles["head"]), _p("BK", styles["head"])]
    rows = [top, sub]
    for number, result in enumerate(ctx.results, start=1):
        methods = set(result.methods or [])
        rows.append([_p(str(number), styles["cell_c"]), _p(result.unit.code, styles["cell_s"]),
                     _p(result.unit.title, styles["cell"])]
                    + [_pd(_TICK if method in methods else "", styles["mark"])
                       for method, _i, _e in METHOD_COLUMNS]
                    + [_p("K" if result.result == Decision.K else "", styles["mark"]),
                       _p("BK" if result.result == Decision.BK else "", styles["mark"])])
    if not ctx.results:
        rows.append(["", "", _p("Belum ada unit (no units)", styles["cell"])] + [""] * (len(METHOD_COLUMNS) + 2))
    last_method = 2 + len(METHOD_COLUMNS)
    story.append(_grid(rows, [no_w, code_w, title_w] + [method_w] * len(METHOD_COLUMNS) + [mark_w, mark_w],
                       header_rows=2, extra=[
                           ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)), ("SPAN", (2, 0), (2, 1)),
                           ("SPAN", (3, 0), (last_method, 0)), ("SPAN", (last_method + 1, 0), (last_method + 2, 0)),
                       ]))

    story += _heading("Catatan Asesor", "The assessor's notes", styles)
    notes = [(r.unit.code, r.notes) for r in ctx.results if r.notes]
    if notes:
        for code, note in notes:
            story.append(_p(f"<b>{escape(code)}</b>: {escape(_plain(note))}", styles["small"], raw=True))
    else:
        story.append(_p("-", styles["small"]))

    advice = recommendation(r.result for r in ctx.results)
    story += _heading("Rekomendasi Hasil Asesmen", "Recommendation", styles)
    story.append(_pd(f"{_box(advice == Decision.K)} Kompeten &nbsp;&nbsp; {_box(advice == Decision.BK)} Belum "
                     f"Kompeten" + ("" if advice else " &nbsp; <i>(belum semua unit dinilai: not every unit is "
                                                     "judged yet)</i>"), styles["base"]))
    failed = [r.unit.code for r in ctx.results if r.result == Decision.BK]
    follow_up = f"Uji ulang unit {', '.join(failed)}" if failed else "-"
    story.append(_pairs_table([("Tindak lanjut", "Follow-up", follow_up)], styles, width))

    assessor = ctx.assessor
    story.append(_signature_block(styles, width, [
        ("Asesi", "Candidate", ctx.candidate.person.full_name, "", _day(ctx.candidate.ak01_at)),
        ("Asesor", "Assessor", assessor.user.full_name if assessor else "",
         f"No. Reg. {assessor.registration_number}" if assessor else "No. Reg. " + "." * 30,
         _day(ctx.candidate.submitted_at)),
    ], ctx.place))

    story += _heading("Keputusan LSP", "The LSP's decision", styles)
    decided = ctx.candidate.status == "approved" and ctx.candidate.decision
    if decided:
        decision = DECISIONS_ID.get(ctx.candidate.decision, ctx.candidate.decision)
        story.append(_pairs_table([
            ("Keputusan", "Decision", f"{decision.upper()} ({ctx.candidate.decision})"),
            ("Diputuskan oleh", "Decided by", ctx.candidate.decided_by.full_name if ctx.candidate.decided_by else "-"),
            ("Tanggal keputusan", "Decided on", tanggal(_day(ctx.candidate.decided_at))),
        ], styles, width))
    else:
        story.append(_p(_bi("Belum diputuskan.", "Not decided yet.", sep=" "), styles["base"], raw=True))
    if ctx.amendments:
        story += _heading("Perubahan Hasil (Amandemen)", "Amendments", styles)
        rows = [[_p(h, styles["head"], raw=True) for h in (
            "No", _bi("Unit", "Unit"), _bi("Semula", "Was"), _bi("Menjadi", "Now"), _bi("Keputusan", "Decision"),
            _bi("Alasan", "Reason"), _bi("Oleh / tanggal", "By / on"))]]
        for number, amendment in enumerate(ctx.amendments, start=1):
            rows.append([
                _p(str(number), styles["cell_c"]), _p(amendment.unit.code, styles["cell_s"]),
                _p(amendment.old_result, styles["cell_c"]), _p(amendment.new_result, styles["cell_c"]),
                _p(f"{amendment.old_decision} » {amendment.new_decision}", styles["cell_c"]),
                _p(amendment.reason, styles["cell_s"]),
                _p(f"{amendment.created_by.full_name}, {tanggal(_day(amendment.created_at))}", styles["cell_s"]),
            ])
        story.append(_grid(rows, [8 * _MM, 27 * _MM, 14 * _MM, 14 * _MM, 20 * _MM, width - 123 * _MM, 40 * _MM]))
    if ctx.appeals:
        story += _heading("Banding (FR.AK.04)", "Appeals", styles)
        for appeal in ctx.appeals:
            decided_on = f", {tanggal(_day(appeal.decided_at))}" if appeal.decided_at else ""
            story.append(_pairs_table([
                ("Diajukan", "Filed on", tanggal(_day(appeal.filed_at))),
                ("Alasan banding", "Grounds", appeal.grounds),
                ("Status", "Status", APPEALS_ID.get(appeal.status, appeal.status) + decided_on),
                ("Keputusan banding", "Outcome", appeal.outcome or "-"),
            ], styles, width))
    return _build(story, title="Rekaman Asesmen Kompetensi", ctx=ctx, form="FR.AK.02")


def _a4():
    from reportlab.lib.pagesizes import A4

    return A4
