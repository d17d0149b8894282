"""Importing old participant lists (an earlier year's BLK participant spreadsheet, a SIAPkerja / Skillhub export, a
BNSP certificate holders list) for record linkage: each row kept as it came and standardised, then linked in batch.

How an import runs
------------------
1. The file is checked by its content and read as kompeten/registry/importer.py reads job seekers (the same
   limits: ``settings.IMPORT_MAX_BYTES``, zip bombs refused, .xlsx or UTF-8 CSV only; kompeten/core/cells.py and
   spreadsheets.py). Row 1 names the columns: the job seekers' import template's (nik, nama, jenis_kelamin,
   tempat_lahir, tanggal_lahir, no_hp, email, alamat, kecamatan, kabupaten_kota, kode_wilayah, pendidikan) plus
   kk, kejuruan (the vocation trained), tahun (the training year of the row) and no_sertifikat, under any of
   the usual spellings (ALIASES); only ``nama`` is required, other columns are ignored (and kept).
2. First pass: every row is checked. Old lists are messy on purpose here — a damaged NIK, a swapped day and
   month, a name in capitals with titles are exactly what the linkage repairs, so they are no errors (NIK
   problems are listed as warnings). Errors are what makes a row unusable or unsafe: a formula or an Excel
   error in a cell, text beginning with "=", no name, a text longer than its column allows, a training year
   that is no year. Errors are reported as (row, column as written, message); the valid rows are spooled to a
   temporary file.
3. Second pass, only without errors (or with ``valid_only``), in ONE transaction: the list (``SourceList``), then
   per chunk of CHUNK rows the source records (``raw`` as the row came, its standardised fields), their
   blocking keys and the batch linking (kompeten/linkage/services.py ``link_records``: for each record link,
   review or nothing, with the same model and review flow as a registration). A failure rolls everything back.

The report counts the records linked (to a registered job seeker: a confirmed prior training), those waiting in
the review queue and those that matched nobody (kept: a later registration may still find them).
"""

from __future__ import annotations

import datetime
import math
import pickle
import tempfile
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import build
from kompeten.core import cells
from kompeten.core.cells import CellProblem, RowError
from kompeten.core.spreadsheets import FileRejected
from kompeten.linkage import services
from kompeten.linkage.models import TRAINING_SOURCES, SourceKind, SourceList, SourceRecord

CHUNK = 1000
MAX_WARNINGS = 500
MAX_EXTRA_COLUMNS = 20
EXTRA_LIMIT = 200  # characters kept of a column the linkage does not read
FIRST_YEAR = 1970

# The template's headers (those of the job seekers' import plus the list's own) -> the raw key.
HEADERS = {name: name for name in (
    "nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "no_hp", "email", "alamat", "kecamatan",
    "kabupaten_kota", "kode_wilayah", "pendidikan", "kk", "kejuruan", "tahun", "no_sertifikat")}
ALIASES = {
    **HEADERS,
    "no_ktp": "nik", "nomor_ktp": "nik", "nik_ktp": "nik", "nomor_induk_kependudukan": "nik",
    "name": "nama", "nama_lengkap": "nama", "nama_peserta": "nama", "full_name": "nama",
    "jk": "jenis_kelamin", "l_p": "jenis_kelamin", "sex": "jenis_kelamin", "gender": "jenis_kelamin",
    "tmp_lahir": "tempat_lahir", "birth_place": "tempat_lahir", "ttl": "tempat_lahir",
    "tempat_tanggal_lahir": "tempat_lahir", "tempat_tgl_lahir": "tempat_lahir",
    "tgl_lahir": "tanggal_lahir", "birth_date": "tanggal_lahir", "date_of_birth": "tanggal_lahir",
    "hp": "no_hp", "no_telp": "no_hp", "no_telepon": "no_hp", "telepon": "no_hp", "phone": "no_hp",
    "nomor_hp": "no_hp", "no_wa": "no_hp", "e_mail": "email",
    "address": "alamat", "alamat_lengkap": "alamat", "district": "kecamatan",
    "kabupaten": "kabupaten_kota", "kota": "kabupaten_kota", "kab_kota": "kabupaten_kota",
    "regency": "kabupaten_kota", "village_code": "kode_wilayah", "education": "pendidikan",
    "pendidikan_terakhir": "pendidikan", "no_kk": "kk", "nomor_kk": "kk",
    "vocation": "kejuruan", "kejuruan_pelatihan": "kejuruan", "program": "kejuruan",
    "program_pelatihan": "kejuruan", "nama_pelatihan": "kejuruan", "pelatihan": "kejuruan", "jurusan": "kejuruan",
    "year": "tahun", "tahun_pelatihan": "tahun", "angkatan_tahun": "tahun",
    "sertifikat": "no_sertifikat", "nomor_sertifikat": "no_sertifikat", "no_sert": "no_sertifikat",
    "certificate": "no_sertifikat",
}
REQUIRED = ("nama",)
LIMITS = {"nama": 200, "kejuruan": 200, "no_sertifikat": 100, "email": 254, "tempat_lahir": 100}
TEXT_LIMIT = 255
KINDS = [(value, label) for value, label in SourceKind.choices if value in TRAINING_SOURCES]


@dataclass
class ListImportReport(cells.ErrorRows):
    total_rows: int
    errors: list[RowError]
    written: bool  # False when nothing was written (errors, or the file was rejected)
    file_error: str = ""
    warnings: list[RowError] = field(default_factory=list)
    source_list: SourceList | None = None
    records: int = 0
    linked: int = 0  # records that ended linked to a registered person
    review: int = 0  # records waiting in the review queue
    unmatched: int = 0


def _json_value(value):
    """A cell as JSON keeps it: dates as ISO text, numbers and text as they are."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time | datetime.timedelta):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:  # a NIK stays a float: standardise reads Excel's damage
            return int(value)
    return value


def _cell(value):
    """A recognised column's cell: formulas and Excel errors refused, text cleaned (never beginning with "="),
    other values kept as they came."""
    def clean(v):
        if isinstance(v, str):
            return cells.text(v)
        return v
    return cells.read(value, clean)


def _year(value, today: datetime.date) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        year = value.year
    elif cells.is_number(value) and float(value).is_integer():
        year = int(value)
    else:
        text = cells.code_text(value)
        if not (len(text) == 4 and text.isdigit()):
            raise CellProblem(_("%(value)s is not a year; write the training year as four digits, for example "
                                "2023.") % {"value": text[:20]})
        year = int(text)
    if not FIRST_YEAR <= year <= today.year:
        raise CellProblem(_("%(year)s is not a possible training year (%(first)s to %(last)s).")
                          % {"year": year, "first": FIRST_YEAR, "last": today.year})
    return year


class _Importer:
    def __init__(self, *, kind, year, by):
        self.kind, self.year = kind, year
        self.by = by if by is not None and getattr(by, "is_authenticated", False) else None
        self.errors: list[tuple[int, int, RowError]] = []
        self.warnings: list[RowError] = []
        self.total_rows = 0
        self.valid_rows = 0
        self.today = timezone.localdate()

    def read_header(self, values: list) -> None:
        self.columns = cells.read_columns(values, aliases=ALIASES, headers=HEADERS, required=REQUIRED)
        known = {index for index, _label in self.columns.values()}
        self.extra = [(index, cells.header_label(value)) for index, value in enumerate(values)
                      if index not in known and value not in (None, "") and isinstance(value, str | int | float)
                      ][:MAX_EXTRA_COLUMNS]
        indexes = [index for index, _label in self.columns.values()] + [index for index, _label in self.extra]
        self.width = max(indexes) + 1
        self.order = {index: position for position, index in enumerate(sorted(indexes))}

    def _error(self, row: int, name: str | None, message: str) -> None:
        if name is None:
            self.errors.append((row, -1, RowError(row, "", message)))
        else:
            index, label = self.columns[name]
            self.errors.append((row, self.order[index], RowError(row, label, message)))

    def _warn(self, row: int, name: str, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(RowError(row, self.columns[name][1], message))

    def clean_row(self, number: int, values: list):
        """(row, raw, training year, vocation, certificate number), or None on errors."""
        from kompeten.linkage.standardise import NIK_PROBLEMS, normalise_name, parse_birth_date, standardise

        raw: dict = {}
        failed: set[str] = set()  # the columns with an error
        for name, (index, _label) in self.columns.items():
            value = values[index] if index < len(values) else None
            try:
                value = _cell(value)
                if name == "tahun":
                    value = _year(value, self.today)
            except CellProblem as problem:
                self._error(number, name, str(problem))
                failed.add(name)
                continue
            if isinstance(value, str):
                limit = LIMITS.get(name, TEXT_LIMIT)
                if len(value) > limit:
                    self._error(number, name, _("At most %(limit)s characters are allowed; this has %(length)s.")
                                % {"limit": limit, "length": len(value)})
                    failed.add(name)
                    continue
            if value not in (None, ""):
                raw[name] = _json_value(value)
        if "nama" not in raw and "nama" not in failed:
            self._error(number, "nama", _("The name is required."))
            failed.add("nama")
        elif "nama" in raw and not normalise_name(raw["nama"]):
            self._error(number, "nama", _("The name has no letters."))
            failed.add("nama")
        if failed:
            return None
        extra = {}
        for index, label in self.extra:
            value = values[index] if index < len(values) else None
            if isinstance(value, str | int | float | datetime.date) and value not in ("", None):
                value = _json_value(value)
                extra[label] = value[:EXTRA_LIMIT] if isinstance(value, str) else value
        if extra:
            raw["_extra"] = extra
        # What the linkage will repair, for the operator to see (never the digits of a NIK).
        record = standardise(raw, id=str(number))
        problems = [str(NIK_PROBLEMS[code]) for code in record.nik_problems if code in NIK_PROBLEMS]
        if problems and "nik" in raw:
            self._warn(number, "nik", " ".join(problems))
        if "tanggal_lahir" in raw and record.birth_date is None and parse_birth_date(raw["tanggal_lahir"]) is None:
            self._warn(number, "tanggal_lahir", _("%(value)s could not be read as a date of birth; the row is kept "
                                                  "without it.") % {"value": str(raw["tanggal_lahir"])[:40]})
        return (number, raw, raw.get("tahun") or self.year, str(raw.get("kejuruan", ""))[:200],
                str(raw.get("no_sertifikat", ""))[:100])

    def validate(self, reader, spool) -> None:
        self.read_header(reader.header())
        chunk: list = []
        for number, values in cells.data_rows(reader, self.width):
            self.total_rows += 1
            row = self.clean_row(number, values)
            if row is not None:
                chunk.append(row)
                self.valid_rows += 1
            if len(chunk) >= CHUNK:
                pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)

    def write(self, spool, *, filename, institution, centre) -> tuple[SourceList, dict]:
        from kompeten.linkage.standardise import standardise

        counts = {"records": 0, "linked": 0, "review": 0, "unmatched": 0}
        spool.seek(0)
        with transaction.atomic():
            source_list = SourceList.objects.create(
                kind=self.kind, name=filename[:200] or _("Participant list"), year=self.year,
                institution=institution[:200], centre=centre, rows=self.valid_rows, imported_by=self.by)
            while True:
                try:
                    chunk = pickle.load(spool)  # noqa: S301 - our own temporary file, written above
                except EOFError:
                    break
                records = []
                for number, raw, year, vocation, certificate in chunk:
                    record = SourceRecord(kind=self.kind, source_list=source_list, row=number, raw=raw,
                                          training_year=year, vocation=vocation, certificate_number=certificate)
                    services.store(record, standardise(raw, id=str(number)))
                    records.append(record)
                SourceRecord.objects.bulk_create(records, batch_size=CHUNK)
                services.write_keys(records)
                outcome = services.link_records(records, by=self.by)["outcome"]
                counts["records"] += len(records)
                for value in outcome.values():
                    counts[value] += 1
            counts["rows_with_errors"] = self.error_rows()
            source_list.report = counts
            source_list.save(update_fields=["report"])
            AuditEntry.objects.bulk_create([build(
                AuditEntry.Action.IMPORT, source_list, by=self.by, object_label=source_list.name,
                note=(f"{self.kind} {self.year}: records {counts['records']}, linked {counts['linked']}, "
                      f"review {counts['review']}, unmatched {counts['unmatched']}, "
                      f"rows with errors {counts['rows_with_errors']}"))])
        return source_list, counts

    def error_rows(self) -> int:
        return len({row for row, _order, _error in self.errors})

    def sorted_errors(self) -> list[RowError]:
        return [error for _row, _order, error in sorted(self.errors, key=lambda item: (item[0], item[1]))]


def import_list(source, *, filename: str, kind: str, year: int, institution: str = "", centre=None, by=None,
                valid_only: bool = False) -> ListImportReport:
    """Import an old participant list (.xlsx or CSV, a path or a binary file object) and link its records; see
    the module docstring. Never raises for bad input: problems come back in the report."""
    if kind not in TRAINING_SOURCES:
        raise ValueError(f"not a list kind: {kind!r}")
    if not institution and centre is not None:
        institution = centre.name
    importer = None
    try:
        importer = _Importer(kind=kind, year=year, by=by)
        with tempfile.TemporaryFile() as spool:
            with cells.open_sheet(source) as reader:
                importer.validate(reader, spool)
            if importer.total_rows == 0:
                raise FileRejected(_("The file has column names but no data rows."))
            errors = importer.sorted_errors()
            if (errors and not valid_only) or importer.valid_rows == 0:
                return ListImportReport(importer.total_rows, errors, False, warnings=importer.warnings)
            source_list, counts = importer.write(spool, filename=filename or "", institution=institution or "",
                                                 centre=centre)
            return ListImportReport(importer.total_rows, errors, True, warnings=importer.warnings,
                                    source_list=source_list, records=counts["records"], linked=counts["linked"],
                                    review=counts["review"], unmatched=counts["unmatched"])
    except FileRejected as exc:
        total = importer.total_rows if importer is not None else 0
        return ListImportReport(total, [], False, file_error=str(exc))


# The template users download ------------------------------------------------------------------------------------

TEMPLATE_HEADERS = list(HEADERS)


def _template_rows() -> list[list]:
    from kompeten.registry.nik import make_nik

    born = datetime.date(1998, 11, 5)
    return [[make_nik("64.71.02", born, "L", 3), "Muhammad Rizki", "L", "Balikpapan", born, "0813-4567-8901", "",
             "Jl. Mulawarman No. 8", "Balikpapan Timur", "Balikpapan", "", "SMK", "", "Teknik Las SMAW", 2023,
             "0123/BLKI-BPN/2023"]]


def _template_help() -> list[tuple[str, str, str]]:
    required, optional = _("required"), _("optional")
    return [
        ("nik", optional, _("NIK as written in the list. Damaged NIKs (15 digits, a number cell, scientific "
                            "notation, a KK number) are kept and repaired where possible.")),
        ("nama", required, _("Name as written in the list (capitals, titles and old spellings are fine).")),
        ("jenis_kelamin", optional, _("L or P (also Laki-laki, Perempuan, Pria, Wanita).")),
        ("tempat_lahir", optional, _("Place of birth; \"Place, date\" in one cell is read too.")),
        ("tanggal_lahir", optional, _("Date of birth in any usual form (DD/MM/YYYY, a date cell, 12 Maret 1999).")),
        ("no_hp", optional, _("Mobile phone number.")),
        ("email", optional, _("Email address.")),
        ("alamat", optional, _("Street address.")),
        ("kecamatan", optional, _("District (kecamatan).")),
        ("kabupaten_kota", optional, _("Regency or city (abbreviations such as Kukar or BPN are understood).")),
        ("kode_wilayah", optional, _("Region code (village, district or regency), with or without dots.")),
        ("pendidikan", optional, _("Highest education.")),
        ("kk", optional, _("Family card (KK) number.")),
        ("kejuruan", optional, _("The vocation trained.")),
        ("tahun", optional, _("Training year of the row (default: the year chosen for the list).")),
        ("no_sertifikat", optional, _("Certificate number.")),
    ]


def _template_notes() -> list[str]:
    return [
        _("Row 1 holds the column names; each following row is one participant. Other columns are kept but not "
          "compared."),
        _("Formulas are not allowed: paste values only."),
        _("If any row has an error, nothing is imported unless you choose to import only the valid rows."),
        _("Each row is compared with the registered job seekers: a sure match becomes their prior training, an "
          "uncertain one waits in the review queue."),
    ]


def template_xlsx() -> bytes:
    workbook = cells.template_workbook(TEMPLATE_HEADERS, _template_rows(), guide=_template_help(),
                                       notes=_template_notes(), date_columns=("tanggal_lahir",),
                                       text_columns=("nik", "no_hp", "kode_wilayah", "kk"))
    return cells.workbook_bytes(workbook)


def template_csv() -> str:
    return cells.template_csv(TEMPLATE_HEADERS, _template_rows())
