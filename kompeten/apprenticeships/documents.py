"""The agreement of apprenticeship (perjanjian pemagangan) as PDF, with what Permenaker 6/2020 art. 13 asks it to
hold: the parties, the programme, its period and place, the share of theory and practice, the allowance (uang
saku), the social security, the rights and duties of both parties; signed by both, and acknowledged
("mengetahui") by the authority that approved the programme.

A plain function returning PDF bytes (reportlab platypus, A4 portrait), built with the blocks of the training
documents (kompeten/training/documents.py): Indonesian labels with small English sub-labels, read the same
whatever the UI language; the views decide the response.

Privacy: the agreement carries the apprentice's full NIK and address, as a contract does; only the parties and
the administrators who see the placement download it (views/placements.py, audited).
Performance: a fixed handful of queries.
"""

from __future__ import annotations

import datetime
import io
import re

from django.conf import settings
from django.utils import timezone

from kompeten.apprenticeships.models import Authority, Placement
from kompeten.formats import rupiah
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

LABEL_WIDTH = 48 * _MM  # of the "label : value" tables

MINISTRY = "Direktur Jenderal Pembinaan Pelatihan Vokasi dan Produktivitas, Kementerian Ketenagakerjaan RI"

# Permenaker 6/2020 art. 14-15: the rights and duties of the apprentice and of the company (standard clauses).
APPRENTICE_RIGHTS = [
    ("memperoleh bimbingan dari Pembimbing Pemagangan", "guidance from the mentor"),
    ("memperoleh pemenuhan hak sesuai dengan Perjanjian Pemagangan", "what this agreement promises"),
    ("memperoleh fasilitas keselamatan dan kesehatan kerja (K3) selama mengikuti Pemagangan",
     "occupational safety and health facilities"),
    ("memperoleh uang saku yang meliputi biaya transportasi, uang makan, dan insentif",
     "the allowance: transport, meals, incentive"),
    ("diikutsertakan dalam program jaminan sosial", "social security cover"),
    ("memperoleh sertifikat Pemagangan atau surat keterangan telah mengikuti Pemagangan",
     "a certificate or a statement of apprenticeship"),
]
APPRENTICE_DUTIES = [
    ("menaati Perjanjian Pemagangan", "keep this agreement"),
    ("mengikuti program Pemagangan sampai selesai", "follow the programme to its end"),
    ("menaati tata tertib yang berlaku di Penyelenggara Pemagangan", "keep the company's rules"),
    ("menjaga nama baik Penyelenggara Pemagangan", "protect the company's good name"),
    ("mengisi buku kegiatan (logbook) setiap minggu", "write the logbook every week"),
]
COMPANY_RIGHTS = [
    ("memanfaatkan hasil kerja Peserta Pemagangan", "use the apprentice's work"),
    ("memberlakukan tata tertib dan Perjanjian Pemagangan", "apply its rules and this agreement"),
]
COMPANY_DUTIES = [
    ("membimbing Peserta Pemagangan sesuai dengan program Pemagangan", "guide the apprentice by the programme"),
    ("memenuhi hak Peserta Pemagangan sesuai dengan Perjanjian Pemagangan", "give the apprentice their rights"),
    ("menyediakan alat pelindung diri sesuai dengan persyaratan K3", "provide protective equipment"),
    ("memberikan uang saku kepada Peserta Pemagangan", "pay the allowance"),
    ("mengikutsertakan Peserta Pemagangan dalam program jaminan sosial", "insure the apprentice"),
    ("mengevaluasi Peserta Pemagangan", "assess the apprentice"),
    ("memberikan sertifikat Pemagangan atau surat keterangan telah mengikuti Pemagangan",
     "give a certificate or a statement of apprenticeship"),
]

END_CLAUSES = [
    ("Perjanjian ini berakhir pada akhir jangka waktu Pemagangan, atau lebih awal apabila salah satu pihak tidak "
     "memenuhi kewajibannya; penghentian dicatat dengan alasannya.",
     "ends with the period, or earlier with the reason recorded"),
    ("Perselisihan diselesaikan secara musyawarah; apabila tidak tercapai, diselesaikan melalui dinas yang "
     "membidangi ketenagakerjaan.", "disputes: by agreement, else through the manpower office"),
    ("Perjanjian ini dibuat rangkap 3 (tiga): untuk Pihak Pertama, Pihak Kedua, dan dinas yang mengetahui.",
     "made in three copies"),
]


def _regency_name(name: str) -> str:
    """ "Kota Balikpapan" -> "Balikpapan" (for "Balikpapan, 1 Juli 2025")."""
    return re.sub(r"^(Kota|Kabupaten|Kab\.)\s+", "", name)


def _address(person) -> str:
    parts = [person.street] if person.street else []
    if person.rt or person.rw:
        parts.append(f"RT {person.rt or '-'} / RW {person.rw or '-'}")
    node = person.village
    while node is not None:
        kind = (node.kind or "").title()
        parts.append(node.name if not kind or node.name.startswith(kind) else f"{kind} {node.name}")
        node = node.parent
    return ", ".join(parts) or "-"


def _birth(person) -> str:
    return f"{person.birth_place}, {tanggal(person.birth_date)}" if person.birth_place else tanggal(person.birth_date)


def _phone(value: str) -> str:
    value = value or ""
    return "0" + value[3:] if value.startswith("+62") else value


def authority_title(offer) -> str:
    """Who acknowledges the agreement: the head of the office that approved the programme."""
    region = offer.authority_region
    if offer.authority == Authority.REGENCY and region is not None:
        return f"Kepala Dinas Tenaga Kerja {region.name}"
    if offer.authority == Authority.PROVINCE and region is not None:
        return f"Kepala Dinas Tenaga Kerja dan Transmigrasi Provinsi {region.name}"
    if offer.authority == Authority.MINISTRY:
        return MINISTRY
    return f"Kepala {settings.KOMPETEN_OFFICE_NAME}"


def _place(placement) -> str:
    """The city for "Balikpapan, 1 Juli 2025": the first place of the programme, else the company's regency."""
    locations = sorted(placement.offer.locations.all(), key=lambda r: r.code)
    for region in [*locations, placement.company.region]:
        if region is not None:
            return _regency_name(region.name)
    return ""


# --- building blocks ------------------------------------------------------------------------------


def _section(indonesian: str, english: str, styles, content: list):
    """A heading kept on the same page as its clauses."""
    from reportlab.platypus import KeepTogether

    return KeepTogether([*_heading(indonesian, english, styles), *content])


def _clauses(items, styles) -> list:
    """Lettered clauses (a., b., …), each with its English gloss."""
    from reportlab.lib.styles import ParagraphStyle

    style = ParagraphStyle("clause", styles["base"], leftIndent=5 * _MM, firstLineIndent=-4 * _MM)
    return [_p(f"{chr(ord('a') + n)}. " + _bi(text, english, size=6.5, sep=" "), style, raw=True)
            for n, (text, english) in enumerate(items)]


def _signatures(placement, styles, width: float, *, day: datetime.date):
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    offer, company, person = placement.offer, placement.company, placement.person
    mentor = placement.mentor
    blank = "(" + "." * 46 + ")"
    first = [
        _p(_bi("PIHAK KEDUA", "The apprentice", size=6.5), styles["sign"], raw=True),
        _p("Peserta Pemagangan", styles["sign"]),
        Spacer(1, 34),
        _p(f"( {person.full_name} )", styles["sign"]),
    ]
    second = [
        _p(_bi("PIHAK PERTAMA", "The company", size=6.5), styles["sign"], raw=True),
        _p(company.name, styles["sign"]),
        _p("<font size='6.5' color='#777777'>meterai / stamp</font>", styles["sign"], raw=True),
        Spacer(1, 26),
        _p(blank, styles["sign"]),
        _p("Nama dan jabatan", styles["sign"]),
    ]
    top = Table([[first, "", second]], colWidths=[width * 0.40, width * 0.20, width * 0.40])
    acknowledged = [
        _p(_bi("Mengetahui,", "Acknowledged by", size=6.5), styles["sign"], raw=True),
        _p(authority_title(offer), styles["sign"]),
        _p(f"Persetujuan program No. {offer.approval_number}" if offer.approval_number
           else "Persetujuan program No. " + "." * 30, styles["sign"]),
        Spacer(1, 30),
        _p(blank, styles["sign"]),
        _p("NIP. " + "." * 38, styles["sign"]),
    ]
    bottom = Table([["", acknowledged, ""]], colWidths=[width * 0.2, width * 0.6, width * 0.2])
    for table in (top, bottom):
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    place = _place(placement)
    when = f"{place}, {tanggal(day)}" if place else tanggal(day)
    story = [Spacer(1, 8), _p(when, styles["sign"]), Spacer(1, 4), top, Spacer(1, 10), bottom]
    if mentor is not None:
        story += [Spacer(1, 6), _p(_bi(f"Pembimbing Pemagangan: {mentor.name}"
                                       + (f", {mentor.position}" if mentor.position else ""),
                                       "Mentor", size=6.5, sep=" "), styles["small"], raw=True)]
    return KeepTogether(story)


# --- the agreement --------------------------------------------------------------------------------


def _load(placement) -> Placement:
    placement = (Placement.objects.select_related(
        "person__village__parent__parent__parent", "person__education", "company__region", "mentor",
        "offer__occupation", "offer__authority_region", "offer__programme_year")
        .prefetch_related("offer__locations").get(pk=placement.pk))
    return placement


def agreement_pdf(placement, *, day: datetime.date | None = None) -> bytes:
    """The perjanjian pemagangan of ``placement``, A4 portrait."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Spacer

    placement = _load(placement)
    offer, company, person = placement.offer, placement.company, placement.person
    styles = _styles()
    width = _usable_width(A4)
    day = day or timezone.localdate(placement.created_at)

    story = [_p(settings.KOMPETEN_OFFICE_NAME.upper(), styles["owner"]), Spacer(1, 6)]
    story += _title("PERJANJIAN PEMAGANGAN", "Apprenticeship agreement (Permenaker 6/2020)", styles)
    story += [_p(f"Nomor: {placement.agreement_number}", styles["address"]), Spacer(1, 8)]
    story.append(_p(_bi("Pada tanggal " + tanggal(day) + ", yang bertanda tangan di bawah ini:",
                        "On the date above, the undersigned:", size=6.5, sep=" "), styles["base"], raw=True))

    story += _heading("I. PIHAK PERTAMA (Penyelenggara Pemagangan)", "The company", styles)
    story.append(_pairs_table([
        ("Nama perusahaan", "Company", company.name),
        ("Alamat", "Address", ", ".join(x for x in [company.address, company.region.name if company.region
                                                    else ""] if x)),
        ("NIB", "Business number", company.nib),
        ("Diwakili oleh", "Represented by", "." * 40 + "  Jabatan: " + "." * 30),
    ], styles, width, label_width=LABEL_WIDTH))

    story += _heading("II. PIHAK KEDUA (Peserta Pemagangan)", "The apprentice", styles)
    story.append(_pairs_table([
        ("Nama", "Name", person.full_name),
        ("NIK", "ID number", person.nik),
        ("Tempat, tanggal lahir", "Place and date of birth", _birth(person)),
        ("Jenis kelamin", "Sex", {"L": "Laki-laki", "P": "Perempuan"}.get(person.sex, person.sex)),
        ("Pendidikan", "Education", person.education.name if person.education_id else "-"),
        ("Alamat", "Address", _address(person)),
        ("No. HP", "Phone", _phone(person.phone)),
    ], styles, width, label_width=LABEL_WIDTH))

    story.append(Spacer(1, 6))
    story.append(_p(_bi("Kedua belah pihak sepakat mengadakan Perjanjian Pemagangan dengan ketentuan sebagai "
                        "berikut:", "Both parties agree as follows:", size=6.5, sep=" "), styles["base"], raw=True))

    story += _heading("Pasal 1. Program Pemagangan", "Art. 1. The programme", styles)
    places = ", ".join(r.name for r in sorted(offer.locations.all(), key=lambda r: r.code))
    practice = 100 - offer.theory_percent
    months = offer.months
    story.append(_pairs_table([
        ("Program / jabatan", "Programme / occupation", f"{offer.title} (KBJI {offer.occupation.code} "
                                                        f"{offer.occupation.name})"),
        ("Jangka waktu", "Period", f"{tanggal(placement.start_date)} s.d. {tanggal(placement.end_date)} "
                                   f"(program {months} bulan)"),
        ("Tempat", "Place", ", ".join(x for x in [offer.address, places] if x)),
        ("Komposisi", "Theory / practice", f"teori {offer.theory_percent}% dan praktik {practice}% "
                                           f"({offer.hours_per_week} jam per minggu)"),
        ("Pembimbing", "Mentor", (f"{placement.mentor.name}" + (f", {placement.mentor.position}"
                                                                if placement.mentor.position else ""))
         if placement.mentor else "ditunjuk oleh Pihak Pertama"),
        ("Persetujuan program", "Programme approval", (f"No. {offer.approval_number}, {authority_title(offer)}"
                                                       if offer.approval_number else "-")),
    ], styles, width, label_width=LABEL_WIDTH))

    insurance = ("Pihak Pertama mengikutsertakan Pihak Kedua dalam program jaminan sosial BPJS Ketenagakerjaan "
                 "(Jaminan Kecelakaan Kerja dan Jaminan Kematian) selama Pemagangan."
                 if offer.insurance else
                 "Pihak Pertama menjamin perlindungan kecelakaan kerja dan kematian Pihak Kedua selama "
                 "Pemagangan sesuai ketentuan peraturan perundang-undangan.")
    story.append(_section("Pasal 2. Uang saku dan jaminan sosial", "Art. 2. Allowance and social security", styles,
                          _clauses([
                              (f"Pihak Pertama memberikan uang saku sebesar {rupiah(offer.allowance)} per bulan, "
                               "meliputi biaya transportasi, uang makan, dan insentif.",
                               f"a monthly allowance of {rupiah(offer.allowance)}"),
                              (insurance, "social security (BPJS Ketenagakerjaan)" if offer.insurance
                               else "accident and death cover"),
                          ], styles)))
    story.append(_section("Pasal 3. Hak dan kewajiban Peserta Pemagangan", "Art. 3. The apprentice", styles, [
        _p(_bi("Pihak Kedua berhak:", "Rights", size=6.5, sep=" "), styles["base"], raw=True),
        *_clauses(APPRENTICE_RIGHTS, styles),
        _p(_bi("Pihak Kedua wajib:", "Duties", size=6.5, sep=" "), styles["base"], raw=True),
        *_clauses(APPRENTICE_DUTIES, styles),
    ]))
    story.append(_section("Pasal 4. Hak dan kewajiban Penyelenggara Pemagangan", "Art. 4. The company", styles, [
        _p(_bi("Pihak Pertama berhak:", "Rights", size=6.5, sep=" "), styles["base"], raw=True),
        *_clauses(COMPANY_RIGHTS, styles),
        _p(_bi("Pihak Pertama wajib:", "Duties", size=6.5, sep=" "), styles["base"], raw=True),
        *_clauses(COMPANY_DUTIES, styles),
    ]))
    story.append(_section("Pasal 5. Berakhirnya perjanjian dan perselisihan", "Art. 5. End and disputes", styles,
                          _clauses(END_CLAUSES, styles)))

    story.append(_signatures(placement, styles, width, day=day))

    buffer = io.BytesIO()
    margin = 12 * _MM
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=10 * _MM,
                            bottomMargin=14 * _MM, title=f"Perjanjian Pemagangan {placement.agreement_number}",
                            author=_printable(_plain(company.name)),
                            subject=_printable(_plain(f"{offer.title} · {person.full_name}")), creator="Kompeten")
    footer = (f"Perjanjian Pemagangan {placement.agreement_number} · {company.name} · {person.full_name} · "
              f"dicetak {timezone.localdate():%d-%m-%Y}")
    doc.build(story, canvasmaker=_numbered_canvas(_printable(_plain(footer))))
    return buffer.getvalue()

