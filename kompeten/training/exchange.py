"""Participant lists exchanged with SIAPkerja / Skillhub (Kemnaker) and with BNSP through an LSP.

Neither SIAPkerja nor BNSP publishes a column specification that Kompeten could follow to the letter, so the
formats here are Kompeten's own: the columns the two systems' users exchange in practice, with the names they use
(docs/formats.md, "Participant lists: SIAPkerja / Skillhub and BNSP", says which and why). A registry of formats
(``FORMATS``) names each format's columns in order; the functions below build the rows of a batch's participants or
of an assessment event's candidates in a format, write them as CSV (UTF-8 with BOM, for Excel) or .xlsx through
kompeten/core/exports.py (formula-neutralised), and read such a list back.

Reading a list back goes through record linkage (kompeten/linkage/importer.py, the kind of the format:
``siapkerja`` or ``bnsp``): the rows are kept as source records of a list and linked to the registered job seekers,
so a person already registered is found, never created a second time. Before that, this module checks what is
particular to the format (the NIK present, the dates of the training, the status words) and reports every problem
as (row, column as written, message); a file with any error writes nothing.

Access is decided by the callers (the pages, the API, the command): the files carry the NIK, so only the staff who
may see it (the province admin, the operators of the batch's or the event's centre) may download them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core import cells
from kompeten.core.cells import CellProblem, RowError
from kompeten.core.exports import write_csv, write_xlsx
from kompeten.core.spreadsheets import FileRejected

DATE_FORMAT = "%d/%m/%Y"  # day first, as Indonesian forms and every Kompeten import write dates


def format_date(day: datetime.date | None) -> str:
    return day.strftime(DATE_FORMAT) if day else ""


@dataclass(frozen=True)
class Column:
    header: str  # as written in row 1
    help: str  # what the column holds (a lazy translation)
    check: str = ""  # what an import checks: "required", "sex", "date", "status", "decision", "" nothing


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    columns: tuple[Column, ...]
    linkage_kind: str  # the kind of the source list an import makes (kompeten/linkage/models.py SourceKind)
    filename: str  # the stem of the downloaded file

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


# Status words of the SIAPkerja list (status_kelulusan), by enrolment status.
TRAINING_STATUS = {
    "enrolled": "PESERTA", "completed": "LULUS", "not_completed": "TIDAK LULUS", "withdrawn": "MENGUNDURKAN DIRI",
}
# Status words of the BNSP list (status_asesmen), by candidate status; a participant not yet a candidate: "".
ASSESSMENT_STATUS = {
    "registered": "TERDAFTAR", "assessed": "MENUNGGU KEPUTUSAN", "approved": "DIPUTUSKAN", "absent": "TIDAK HADIR",
}
ROUTE = {"training": "PELATIHAN", "rpl": "RPL"}
FUNDING = {"apbd": "APBD", "apbn": "APBN", "csr": "CSR", "other": "LAINNYA"}

_PERSON = (
    Column("nik", gettext_lazy("NIK, 16 digits, as text."), "required"),
    Column("nama_lengkap", gettext_lazy("Full name as on the ID card."), "required"),
    Column("jenis_kelamin", gettext_lazy("L or P."), "sex"),
    Column("tempat_lahir", gettext_lazy("Place of birth.")),
    Column("tanggal_lahir", gettext_lazy("Date of birth, DD/MM/YYYY.")),
    Column("pendidikan_terakhir", gettext_lazy("Highest education: SD, SMP, SMA, SMK, D1-D4, S1-S3 ...")),
    Column("alamat", gettext_lazy("Street address with RT/RW.")),
    Column("kode_wilayah", gettext_lazy("Kemendagri village code, e.g. 64.71.05.1008.")),
    Column("kecamatan", gettext_lazy("District.")),
    Column("kabupaten_kota", gettext_lazy("Regency or city.")),
    Column("provinsi", gettext_lazy("Province.")),
    Column("no_hp", gettext_lazy("Mobile phone, 08...")),
    Column("email", gettext_lazy("E-mail address.")),
)

SIAPKERJA = Format(
    key="siapkerja", label=gettext_lazy("SIAPkerja / Skillhub participant list"), linkage_kind="siapkerja",
    filename="siapkerja-peserta",
    columns=(
        Column("no", gettext_lazy("Row number.")),
        *_PERSON,
        Column("lembaga_pelatihan", gettext_lazy("Training centre (BLK) name.")),
        Column("kejuruan", gettext_lazy("Kejuruan (the trade), the vocation's name when it has none.")),
        Column("sub_kejuruan", gettext_lazy("The training programme (program pelatihan) taken.")),
        Column("kode_angkatan", gettext_lazy("Batch code: centre/package/year/number.")),
        Column("angkatan", gettext_lazy("Batch number within the package and year.")),
        Column("tahun", gettext_lazy("Year of the training programme.")),
        Column("tanggal_mulai", gettext_lazy("First day of the training, DD/MM/YYYY."), "date"),
        Column("tanggal_selesai", gettext_lazy("Last day of the training, DD/MM/YYYY."), "date"),
        Column("jumlah_jp", gettext_lazy("Training hours (JP).")),
        Column("sumber_dana", gettext_lazy("Funding: APBN, APBD, CSR, LAINNYA.")),
        Column("status_kelulusan", gettext_lazy("PESERTA, LULUS, TIDAK LULUS or MENGUNDURKAN DIRI."), "status"),
        Column("no_sertifikat", gettext_lazy("Number of the training certificate, when issued.")),
    ),
)

BNSP = Format(
    key="bnsp", label=gettext_lazy("BNSP candidate and result list (via the LSP)"), linkage_kind="bnsp",
    filename="bnsp-asesi",
    columns=(
        Column("no", gettext_lazy("Row number.")),
        Column("no_registrasi", gettext_lazy("Kompeten's candidate number (KPT-<id>); empty before registration.")),
        *_PERSON,
        Column("kode_skema", gettext_lazy("Certification scheme code.")),
        Column("nama_skema", gettext_lazy("Certification scheme title.")),
        Column("level_kkni", gettext_lazy("KKNI level of the scheme, when it has one.")),
        Column("lsp", gettext_lazy("The LSP's name.")),
        Column("no_lisensi_lsp", gettext_lazy("The LSP's BNSP licence number.")),
        Column("kode_tuk", gettext_lazy("The TUK's code.")),
        Column("nama_tuk", gettext_lazy("The TUK's name.")),
        Column("jenis_tuk", gettext_lazy("SEWAKTU, TEMPAT KERJA or MANDIRI.")),
        Column("tanggal_uji", gettext_lazy("Day of the assessment, DD/MM/YYYY."), "date"),
        Column("asesor", gettext_lazy("The assessor's name.")),
        Column("no_reg_asesor", gettext_lazy("The assessor's registration number (MET).")),
        Column("jalur", gettext_lazy("PELATIHAN (after a training) or RPL (work experience).")),
        Column("lembaga_pelatihan", gettext_lazy("Training centre of the candidate.")),
        Column("kode_angkatan", gettext_lazy("Batch code of the training, when any.")),
        Column("status_asesmen", gettext_lazy("TERDAFTAR, MENUNGGU KEPUTUSAN, DIPUTUSKAN or TIDAK HADIR."), "status"),
        Column("rekomendasi", gettext_lazy("K (Kompeten) or BK (Belum Kompeten); empty while open."), "decision"),
        Column("tanggal_keputusan", gettext_lazy("Day of the LSP's decision, DD/MM/YYYY."), "date"),
        Column("nomor_sertifikat", gettext_lazy("Number of the competency certificate, when issued.")),
        Column("nomor_blanko", gettext_lazy("BNSP blank form number: filled in by the LSP, empty from Kompeten.")),
        Column("berlaku_sampai", gettext_lazy("Last valid day of the competency certificate, DD/MM/YYYY."), "date"),
    ),
)

FORMATS: dict[str, Format] = {f.key: f for f in (SIAPKERJA, BNSP)}
STATUS_WORDS = {"siapkerja": set(TRAINING_STATUS.values()), "bnsp": set(ASSESSMENT_STATUS.values())}


def get_format(key: str) -> Format:
    """The format named ``key``; ValueError naming the known ones otherwise."""
    try:
        return FORMATS[key]
    except KeyError:
        raise ValueError(_("Unknown format %(value)s; use one of %(formats)s.")
                         % {"value": str(key)[:40], "formats": ", ".join(FORMATS)}) from None


# ---------------------------------------------------------------------------------------------------------------
# Batch codes


def batch_code(batch) -> str:
    """A batch as the lists name it: ``<centre code>/<package code>/<year>/<number>``, e.g.
    ``blki_balikpapan/las-smaw/2025/3`` (codes are slugs: they hold no "/")."""
    return f"{batch.centre.code}/{batch.package.code}/{batch.programme_year.year}/{batch.number}"


def find_batch(text: str, queryset=None):
    """The batch of a batch code, or of its id (digits); None when there is none in ``queryset``."""
    from kompeten.programmes.models import Batch

    queryset = Batch.objects.all() if queryset is None else queryset
    text = (text or "").strip()
    if text.isdigit():
        return queryset.filter(pk=int(text)).first()
    parts = text.split("/")
    if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
        return None
    centre, package, year, number = parts
    return queryset.filter(centre__code=centre, package__code=package, programme_year__year=int(year),
                           number=int(number)).first()


# ---------------------------------------------------------------------------------------------------------------
# Building the rows


def _person_values(person) -> list:
    village = person.village
    district = village.parent if village is not None else None
    regency = district.parent if district is not None else None
    province = regency.parent if regency is not None else None
    street = " ".join(part for part in (person.street, f"RT {person.rt}" if person.rt else "",
                                        f"RW {person.rw}" if person.rw else "") if part)
    return [
        person.nik, person.full_name, person.sex, person.birth_place, format_date(person.birth_date),
        person.education_id or "", street, person.village_id or "", district.name if district else "",
        regency.name if regency else "", province.name if province else "", national_phone(person.phone),
        person.email,
    ]


def national_phone(phone: str) -> str:
    """+6281234567890 as Indonesian lists write it, 081234567890 (a leading "+" would be neutralised as a
    formula)."""
    return "0" + phone[3:] if phone.startswith("+62") else phone


_PERSON_RELATED = ("person__village__parent__parent__parent",)


def _certificate_numbers(kind: str, field_name: str, ids) -> dict[int, tuple[str, datetime.date | None]]:
    """{enrolment or assessment id: (number, valid until)} of the current (not replaced) certificates."""
    from kompeten.certificates.models import Certificate

    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    rows = (Certificate.objects.filter(kind=kind, replaced_by__isnull=True, **{f"{field_name}__in": ids})
            .order_by("issued_at").values_list(field_name, "number", "valid_until"))
    return {owner: (number, valid_until) for owner, number, valid_until in rows}


def batch_enrolments(batch):
    from kompeten.training.models import Enrolment

    return (Enrolment.objects.filter(batch=batch).select_related(*_PERSON_RELATED)
            .order_by("person__full_name", "pk"))


def siapkerja_rows(batch) -> list[list]:
    """The SIAPkerja list of a batch: every enrolment (withdrawn ones too), by name."""
    from kompeten.certificates.models import CertificateKind

    enrolments = list(batch_enrolments(batch))
    certificates = _certificate_numbers(CertificateKind.TRAINING, "enrolment", [e.pk for e in enrolments])
    vocation, package = batch.package.vocation, batch.package
    rows = []
    for number, enrolment in enumerate(enrolments, start=1):
        rows.append([
            number, *_person_values(enrolment.person), batch.centre.name, vocation.kejuruan or vocation.name,
            package.name, batch_code(batch), batch.number, batch.programme_year.year, format_date(batch.start_date),
            format_date(batch.end_date), package.hours, FUNDING.get(batch.funding_source, batch.funding_source.upper()),
            TRAINING_STATUS.get(enrolment.status, ""), certificates.get(enrolment.pk, ("", None))[0],
        ])
    return rows


def _candidates(queryset):
    from kompeten.assessment.models import UnitResult

    return queryset.select_related(
        *_PERSON_RELATED, "event__scheme", "event__lsp", "event__tuk", "event__centre", "assessor__user",
        "enrolment__batch__centre",
        "enrolment__batch__package", "enrolment__batch__programme_year",
    ).prefetch_related(Prefetch("results", queryset=UnitResult.objects.only("assessment_id", "result")))


def _recommendation(candidate) -> str:
    from kompeten.assessment.models import CandidateStatus
    from kompeten.assessment.services import recommendation

    if candidate.status == CandidateStatus.APPROVED:
        return candidate.decision
    if candidate.status == CandidateStatus.ASSESSED:
        return recommendation(r.result for r in candidate.results.all()) or ""
    return ""


def _bnsp_row(number, person, candidate, scheme, *, batch, certificates) -> list:
    event = candidate.event if candidate is not None else None
    if batch is None and candidate is not None and candidate.enrolment_id:
        batch = candidate.enrolment.batch
    certificate, valid_until = certificates.get(candidate.pk, ("", None)) if candidate is not None else ("", None)
    assessor = candidate.assessor if candidate is not None else None
    return [
        number, f"KPT-{candidate.pk}" if candidate is not None else "", *_person_values(person),
        scheme.code if scheme else "", scheme.title if scheme else "",
        scheme.kkni_level if scheme and scheme.kkni_level else "",
        event.lsp.name if event else "", event.lsp.licence_number if event else "",
        event.tuk.code if event else "", event.tuk.name if event else "",
        event.tuk.tuk_type.replace("_", " ").upper() if event else "",
        format_date(event.date) if event else "",
        assessor.user.full_name if assessor else "", assessor.registration_number if assessor else "",
        ROUTE.get(candidate.route, "") if candidate is not None else ROUTE["training"],
        batch.centre.name if batch is not None else (event.centre.name if event and event.centre else ""),
        batch_code(batch) if batch is not None else "",
        ASSESSMENT_STATUS.get(candidate.status, "") if candidate is not None else "",
        _recommendation(candidate) if candidate is not None else "",
        format_date(timezone.localdate(candidate.decided_at)) if candidate is not None and candidate.decided_at else "",
        certificate, "", format_date(valid_until),
    ]


def bnsp_event_rows(event, *, candidates=None) -> list[list]:
    """The BNSP list of an assessment event: its candidates (``candidates``: a narrower queryset), by name."""
    from kompeten.assessment.models import Assessment
    from kompeten.certificates.models import CertificateKind

    queryset = candidates if candidates is not None else Assessment.objects.filter(event=event)
    found = list(_candidates(queryset).order_by("person__full_name", "pk"))
    certificates = _certificate_numbers(CertificateKind.COMPETENCY, "assessment", [c.pk for c in found])
    return [_bnsp_row(number, c.person, c, event.scheme, batch=None, certificates=certificates)
            for number, c in enumerate(found, start=1)]


def bnsp_batch_rows(batch) -> list[list]:
    """The BNSP list of a batch's participants (withdrawn ones left out): each with their latest assessment when
    they were a candidate, otherwise with the package's scheme only (the list to register them for assessment)."""
    from kompeten.assessment.models import Assessment
    from kompeten.certificates.models import CertificateKind
    from kompeten.training.models import EnrolmentStatus

    enrolments = list(batch_enrolments(batch).exclude(status=EnrolmentStatus.WITHDRAWN))
    latest = {}
    for candidate in _candidates(Assessment.objects.filter(enrolment__in=[e.pk for e in enrolments])
                                 ).order_by("event__date", "attempt", "pk"):
        latest[candidate.enrolment_id] = candidate
    certificates = _certificate_numbers(CertificateKind.COMPETENCY, "assessment", [c.pk for c in latest.values()])
    rows = []
    for number, enrolment in enumerate(enrolments, start=1):
        candidate = latest.get(enrolment.pk)
        scheme = candidate.event.scheme if candidate is not None else batch.package.scheme
        rows.append(_bnsp_row(number, enrolment.person, candidate, scheme, batch=batch, certificates=certificates))
    return rows


def batch_rows(batch, key: str) -> tuple[Format, list[list]]:
    fmt = get_format(key)
    return fmt, (siapkerja_rows(batch) if fmt is SIAPKERJA else bnsp_batch_rows(batch))


def event_rows(event, key: str, *, candidates=None) -> tuple[Format, list[list]]:
    fmt = get_format(key)
    if fmt is not BNSP:
        raise ValueError(_("An assessment event's candidates are exported in the bnsp format only."))
    return fmt, bnsp_event_rows(event, candidates=candidates)


# ---------------------------------------------------------------------------------------------------------------
# Writing the file

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_TYPES = ("csv", "xlsx")


def render(fmt: Format, rows: list[list], file_type: str = "csv") -> bytes:
    """The file: CSV (comma separated, UTF-8 with BOM, every value text) or .xlsx (every value a text cell, so
    that a NIK never becomes a number)."""
    text_rows = [["" if value is None else str(value) for value in row] for row in rows]
    if file_type == "xlsx":
        return write_xlsx(text_rows, fmt.headers, sheet_title="Data")
    if file_type != "csv":
        raise ValueError(file_type)
    return write_csv(text_rows, fmt.headers, bom=True).encode("utf-8")


def filename(fmt: Format, subject: str, file_type: str = "csv") -> str:
    stamp = timezone.localdate().isoformat()
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in subject)
    return f"{fmt.filename}-{safe}-{stamp}.{file_type}"


def audit_export(fmt: Format, subject, *, rows: int, by, name: str, request=None) -> None:
    """One "export" entry in the audit log for the file (what, in which format, how many persons)."""
    from kompeten.audit.models import AuditEntry
    from kompeten.audit.services import record

    record(AuditEntry.Action.EXPORT, subject, by=by, request=request, note=f"{fmt.key} list: {rows} row(s), {name}")


# ---------------------------------------------------------------------------------------------------------------
# Who may download: the staff who may see the NIK (404 for everyone else, never 403)


def may_export(user) -> bool:
    return user.is_authenticated and (user.is_province_admin or bool(user.centre_ids))


def get_batch_for_export(user, pk):
    """A batch whose list the user may download: the province admin, an operator of the batch's centre."""
    from django.http import Http404

    from kompeten.programmes.access import get_batch_for_user

    if not may_export(user):
        raise Http404
    return get_batch_for_user(user, pk, write=True)


def get_event_for_export(user, pk):
    """An event whose list the user may download: the province admin, an operator of the event's centre (an LSP
    manager or an assessor sees the event but not its candidates' NIKs)."""
    from django.http import Http404

    from kompeten.assessment.models import AssessmentEvent
    from kompeten.core.access import get_or_404

    if not may_export(user):
        raise Http404
    event = get_or_404(AssessmentEvent.objects.visible_to(user).select_related("scheme", "tuk", "lsp", "centre"), pk)
    if not (user.is_province_admin or event.centre_id in user.centre_ids):
        raise Http404
    return event


def event_candidates_for(user, event):
    """The candidates of the event whose personal data the user may see (an operator: the persons in their
    centre's scope, registry Person.objects.visible_to; ``None``, the command line: all of them)."""
    from kompeten.assessment.models import Assessment
    from kompeten.registry.models import Person

    candidates = Assessment.objects.filter(event=event)
    if user is not None and not user.is_province_admin:
        candidates = candidates.filter(person__in=Person.objects.visible_to(user))
    return candidates


@dataclass
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int


def export_batch(batch, key: str, file_type: str = "csv", *, by, request=None) -> ExportFile:
    """The batch's list in the format ``key``, audited as an export (the caller checked access)."""
    fmt, rows = batch_rows(batch, key)
    return _export(fmt, rows, batch, f"{batch.centre.code}-{batch.pk}", file_type, by=by, request=request)


def export_event(event, key: str, file_type: str = "csv", *, by, request=None) -> ExportFile:
    """The event's candidates in the format ``key`` (bnsp), those ``by`` may see, audited as an export."""
    fmt, rows = event_rows(event, key, candidates=event_candidates_for(by, event))
    return _export(fmt, rows, event, f"{event.scheme.code}-{event.date:%Y%m%d}-{event.pk}", file_type, by=by,
                   request=request)


def _export(fmt, rows, subject, stem, file_type, *, by, request) -> ExportFile:
    if file_type not in FILE_TYPES:
        raise ValueError(_("Unknown file type %(value)s; use csv or xlsx.") % {"value": str(file_type)[:10]})
    name = filename(fmt, stem, file_type)
    content = render(fmt, rows, file_type)
    audit_export(fmt, subject, rows=len(rows), by=by, name=name, request=request)
    return ExportFile(content, name, CSV_CONTENT_TYPE if file_type == "csv" else XLSX_CONTENT_TYPE, len(rows))


# ---------------------------------------------------------------------------------------------------------------
# Reading a list back


@dataclass
class ExchangeImportReport(cells.ErrorRows):
    format: str
    total_rows: int
    errors: list[RowError]
    written: bool
    file_error: str = ""
    warnings: list[RowError] = field(default_factory=list)
    year: int | None = None
    source_list: object = None
    records: int = 0
    linked: int = 0
    review: int = 0
    unmatched: int = 0

    def as_dict(self) -> dict:
        return {
            "format": self.format, "written": self.written, "file_error": self.file_error, "rows": self.total_rows,
            "year": self.year, "list": self.source_list.pk if self.source_list is not None else None,
            "records": self.records, "linked": self.linked, "review": self.review, "unmatched": self.unmatched,
            "errors": [vars(e) for e in self.errors], "warnings": [vars(w) for w in self.warnings],
        }


def _not_a_date(shown=None) -> str:
    if shown is None:
        return _("This is not a date; write it as DD/MM/YYYY, for example 03/03/2025.")
    return _("%(value)s is not a date; write it as DD/MM/YYYY, for example 03/03/2025.") % {"value": shown}


class _Checker:
    """The format's own checks of every row (the first pass); the linkage importer does the rest."""

    def __init__(self, fmt: Format):
        self.fmt = fmt
        self.errors: list[tuple[int, int, RowError]] = []
        self.total_rows = 0
        self.years: Counter = Counter()

    def read_header(self, values: list) -> None:
        known = {column.header: column for column in self.fmt.columns}
        self.columns: dict[str, tuple[int, str, Column]] = {}
        for index, value in enumerate(values):
            if value in (None, "") or not isinstance(value, str | int | float):
                continue
            key = cells.header_key(value)
            if key in known and key not in self.columns:
                self.columns[key] = (index, cells.header_label(value), known[key])
        missing = [c.header for c in self.fmt.columns if c.check == "required" and c.header not in self.columns]
        if missing:
            raise FileRejected(_("This is not a %(format)s: row 1 has no column %(columns)s. The columns are: "
                                 "%(all)s.") % {"format": self.fmt.label, "columns": ", ".join(missing),
                                                "all": ", ".join(self.fmt.headers)})
        self.width = max(index for index, _label, _column in self.columns.values()) + 1

    def _error(self, row: int, header: str, message: str) -> None:
        index, label, _column = self.columns[header]
        self.errors.append((row, index, RowError(row, label, message)))

    def check_row(self, number: int, values: list, epoch) -> None:
        dates = {}
        for header, (index, _label, column) in self.columns.items():
            value = values[index] if index < len(values) else None
            try:
                text = cells.read(value, cells.text)
                if column.check == "required" and not text:
                    raise CellProblem(_("The column %(column)s may not be empty in a %(format)s.")
                                      % {"column": column.header, "format": self.fmt.label})
                if column.check == "sex" and text:
                    cells.sex(text)
                elif column.check == "date":
                    dates[header] = cells.read(value, cells.date, epoch, not_a_date=_not_a_date)
                elif column.check == "status" and text and text.upper() not in STATUS_WORDS[self.fmt.key]:
                    raise CellProblem(_("%(value)s is not a status of this list; use one of %(words)s.")
                                      % {"value": text[:40],
                                         "words": ", ".join(sorted(STATUS_WORDS[self.fmt.key]))})
                elif column.check == "decision" and text and text.upper() not in ("K", "BK"):
                    raise CellProblem(_("Write K (Kompeten) or BK (Belum Kompeten), or leave the cell empty."))
            except CellProblem as problem:
                self._error(number, header, str(problem))
        start, end = dates.get("tanggal_mulai"), dates.get("tanggal_selesai")
        if start and end and end < start:
            self._error(number, "tanggal_selesai", _("The training ends (%(end)s) before it starts (%(start)s).")
                        % {"end": cells.format_date(end), "start": cells.format_date(start)})
        day = dates.get("tanggal_selesai") or dates.get("tanggal_mulai") or dates.get("tanggal_uji")
        if day is not None:
            self.years[day.year] += 1

    def run(self, reader) -> None:
        self.read_header(reader.header())
        for number, values in cells.data_rows(reader, self.width):
            self.total_rows += 1
            self.check_row(number, values, reader.epoch)

    def sorted_errors(self) -> list[RowError]:
        return [error for _row, _index, error in sorted(self.errors, key=lambda item: (item[0], item[1]))]


def import_participants(source, *, key: str = "siapkerja", filename: str = "", year: int | None = None,
                        centre=None, by=None) -> ExchangeImportReport:
    """Read a participant list of the format ``key`` (.xlsx or CSV; a path or a binary file object) and link its
    rows to the registered job seekers through record linkage (a list of kind ``fmt.linkage_kind``). All or
    nothing: any error in any row, and nothing is written. ``year``: the year of the trainings; by default the year
    most of the rows' training (or assessment) dates fall in, else this year. Never raises for bad input."""
    from kompeten.linkage.importer import import_list

    fmt = get_format(key)
    checker = _Checker(fmt)
    try:
        with cells.open_sheet(source) as reader:
            checker.run(reader)
        if checker.total_rows == 0:
            raise FileRejected(_("The file has column names but no data rows."))
    except FileRejected as exc:
        return ExchangeImportReport(fmt.key, checker.total_rows, [], False, file_error=str(exc))
    errors = checker.sorted_errors()
    if year is None:
        year = checker.years.most_common(1)[0][0] if checker.years else timezone.localdate().year
    if errors:
        return ExchangeImportReport(fmt.key, checker.total_rows, errors, False, year=year)
    # The linkage importer reads the file again (a path is reopened, an uploaded file read from its start).
    report = import_list(source, filename=filename, kind=fmt.linkage_kind, year=year, centre=centre, by=by)
    return ExchangeImportReport(
        fmt.key, report.total_rows, report.errors, report.written, file_error=report.file_error,
        warnings=report.warnings, year=year, source_list=report.source_list, records=report.records,
        linked=report.linked, review=report.review, unmatched=report.unmatched)
