"""Importing vacancies (lowongan) from an Excel workbook (.xlsx) or a CSV file: the province's list of reported
vacancies (Perpres 57/2023), typed by the office. The columns are documented in docs/formats.md ("Vacancies
(lowongan) import") and in the template's "Petunjuk" sheet.

How an import runs
------------------
1. The file is checked by its content (kompeten/core/spreadsheets.py): at most ``settings.IMPORT_MAX_BYTES``, an
   .xlsx that is not a zip bomb, or UTF-8 text read as CSV; at most ``MAX_ROWS`` vacancies per file.
2. Every row is read (formulas never evaluated: a formula cell is an error) and checked; every problem is
   collected as (row as the spreadsheet shows it, column header as written, what is wrong). Companies, KBJI and
   KBLI codes, sectors, education levels, schemes, vocations and regencies are looked up in memory.
3. Only if no row has an error (or ``valid_only=True``), inside ONE transaction, each row becomes a vacancy
   through services.save_vacancy (which checks the company again and writes the audit entry), plus one "import"
   audit entry for the file. Any failure rolls everything back: nothing is ever half-written.

A row equal to a vacancy already stored (same company, job title, KBJI occupation, work location and start
date) is skipped and counted as ``skipped``, so importing the same file twice creates no duplicates; the same
vacancy twice in one file is an error on the later row.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kompeten.apprenticeships.models import Company
from kompeten.assessment.models import Scheme
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core import cells
from kompeten.core.cells import CellProblem, RowError
from kompeten.core.errors import DomainError
from kompeten.core.spreadsheets import FileRejected
from kompeten.jobs import services
from kompeten.jobs.models import Vacancy, VacancySource
from kompeten.linkage.standardise import REGENCY_ALIASES  # Kaltim's regencies as offices write them
from kompeten.programmes.models import Vocation
from kompeten.reference.models import EducationLevel, Kbji, Kbli, Region, Sector

MAX_ROWS = 5000
MIN_AGE, MAX_AGE = 15, 100
MAX_EXPERIENCE = 60
MAX_NEEDED = 100_000
MAX_WAGE = 999_999_999

# The template's (Indonesian) headers -> field, in the template's order.
HEADERS = {
    "perusahaan": "company", "jabatan": "title", "kbji": "occupation", "sektor": "sector", "kbli": "kbli",
    "jumlah": "number_needed", "berlaku_dari": "valid_from", "berlaku_sampai": "valid_until",
    "usia_min": "min_age", "usia_max": "max_age", "jenis_kelamin": "sex", "pendidikan_min": "min_education",
    "kejuruan": "vocations", "sertifikat": "scheme", "pengalaman_tahun": "experience_years",
    "upah_min": "wage_min", "upah_max": "wage_max", "lokasi": "region", "keterangan": "description",
}
# Every accepted spelling (after normalising: lower case, anything but letters and digits -> "_").
ALIASES = {
    **HEADERS,
    "nama_perusahaan": "company", "nib": "company", "perusahaan_nib": "company", "company": "company",
    "nama_jabatan": "title", "jabatan_pekerjaan": "title", "posisi": "title", "job_title": "title",
    "title": "title", "kode_kbji": "occupation", "occupation": "occupation", "sector": "sector",
    "kode_kbli": "kbli", "jumlah_kebutuhan": "number_needed", "jumlah_dibutuhkan": "number_needed",
    "kebutuhan": "number_needed", "number_needed": "number_needed", "tanggal_mulai": "valid_from",
    "valid_from": "valid_from", "tanggal_berakhir": "valid_until", "berlaku_hingga": "valid_until",
    "valid_until": "valid_until", "umur_min": "min_age", "usia_minimal": "min_age", "min_age": "min_age",
    "umur_max": "max_age", "usia_maks": "max_age", "usia_maksimal": "max_age", "max_age": "max_age",
    "sex": "sex", "pendidikan": "min_education", "pendidikan_minimal": "min_education",
    "min_education": "min_education", "kompetensi": "vocations", "pelatihan": "vocations",
    "vocations": "vocations", "skema": "scheme", "sertifikat_skema": "scheme", "skema_sertifikasi": "scheme",
    "scheme": "scheme", "pengalaman": "experience_years", "pengalaman_kerja": "experience_years",
    "experience_years": "experience_years", "gaji_min": "wage_min", "wage_min": "wage_min",
    "gaji_max": "wage_max", "wage_max": "wage_max", "lokasi_kerja": "region", "kabupaten_kota": "region",
    "kab_kota": "region", "region": "region", "deskripsi": "description", "description": "description",
}
REQUIRED = ("company", "title", "occupation", "number_needed", "valid_from", "valid_until", "region")
TEMPLATE_HEADERS = list(HEADERS)

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_DOT_THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")
_COMMA_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DECIMAL = re.compile(r"[0-9]+(?:[.,][0-9]{1,2})?")
_MILLIONS = re.compile(r"([0-9]+(?:[.,][0-9]+)?)\s*(?:juta|jt)")
_LIST_SEPARATORS = re.compile(r"[;\n]+")
_LEGAL_FORM = re.compile(r"^(?:pt|cv|ud|pd|koperasi)\s+|\s+(?:pt|tbk|persero)$")
_REGENCY_PREFIX = re.compile(r"^(?:kota|kabupaten|kab)\s+")


@dataclass
class ImportReport(cells.ErrorRows):
    total_rows: int
    created: int
    skipped: int  # rows equal to a vacancy already stored
    errors: list[RowError]
    written: bool  # False when nothing was written (errors, or the file was rejected)
    file_error: str = ""
    vacancy_ids: list[int] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Cleaning one cell (the general readers are in kompeten/core/cells.py)


def _key(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def _whole(value, *, low: int, high: int) -> int | None:
    if cells.is_number(value):
        if float(value) != int(value):
            raise CellProblem(_("%(value)s is not a whole number.") % {"value": value})
        number = int(value)
    else:
        text = cells.code_text(value).replace(" ", "")
        if not text:
            return None
        if not (text.isascii() and text.isdigit()):
            raise CellProblem(_("%(value)s is not a whole number.") % {"value": text[:40]})
        number = int(text)
    if not low <= number <= high:
        raise CellProblem(_("Give a number from %(low)s to %(high)s; this is %(value)s.")
                          % {"low": low, "high": high, "value": number})
    return number


def _rupiah(value) -> int | None:
    """3500000, "3.500.000", "Rp3.500.000,00", "3,500,000", "3,5 juta" -> 3500000."""
    if cells.is_number(value):
        amount = round(value)
    else:
        text = cells.code_text(value).lower().replace("rp", "").replace(" ", "").removesuffix(",-")
        if not text or text == "-":
            return None
        if match := _MILLIONS.fullmatch(text):
            amount = round(float(match.group(1).replace(",", ".")) * 1_000_000)
        elif _DOT_THOUSANDS.fullmatch(text):
            amount = round(float(text.replace(".", "").replace(",", ".")))
        elif _COMMA_THOUSANDS.fullmatch(text):
            amount = round(float(text.replace(",", "")))
        elif _DECIMAL.fullmatch(text):
            amount = round(float(text.replace(",", ".")))
        else:
            raise CellProblem(_("%(value)s is not an amount in rupiah; write it as 3500000 or 3.500.000.")
                              % {"value": cells.text(value)[:40]})
    if not 0 <= amount <= MAX_WAGE:
        raise CellProblem(_("%(value)s is not a monthly wage in rupiah.") % {"value": amount})
    return amount


def _not_a_date(shown=None) -> str:
    example = _("write it as DD/MM/YYYY, for example 01/07/2025")
    if shown is None:
        return _("This is not a date; %(example)s.") % {"example": example}
    return _("%(value)s is not a date; %(example)s.") % {"value": shown, "example": example}


_date = functools.partial(cells.date, not_a_date=_not_a_date)
_sex = functools.partial(cells.sex, anyone=True)  # empty (or L/P, semua, ...) when the work does not require one


# ---------------------------------------------------------------------------------------------
# Looking things up


def _company_key(name: str) -> str:
    return _LEGAL_FORM.sub("", _key(name)).strip()


class _Lookups:
    """Every reference the rows name, read once."""

    def __init__(self):
        self.companies_by_nib: dict[str, Company] = {}
        self.companies_by_name: dict[str, list[Company]] = {}
        for company in Company.objects.only("pk", "name", "nib", "status", "sector_id"):
            if company.nib:
                self.companies_by_nib[company.nib] = company
            for key in {_key(company.name), _company_key(company.name)}:
                self.companies_by_name.setdefault(key, []).append(company)
        self.kbji = set(Kbji.objects.values_list("code", flat=True))
        self.kbli = {code: pk for pk, code in Kbli.objects.filter(version="2020").values_list("pk", "code")}
        self.kbli_sector = {}
        for kbli_id, sector_id in (Kbli.sectors.through.objects.filter(kbli__version="2020")
                                   .order_by("sector__order", "sector_id").values_list("kbli_id", "sector_id")):
            self.kbli_sector.setdefault(kbli_id, sector_id)
        self.sectors = {}
        for key, name, name_en in Sector.objects.values_list("key", "name", "name_en"):
            for spelling in (key, name, name_en):
                if spelling:
                    self.sectors[_key(spelling)] = key
        levels = list(EducationLevel.objects.order_by("order").values_list("code", "name"))
        self.education_codes = [code for code, _name in levels]
        self.education = {}
        for code, name in levels:
            self.education[_key(code).replace(" ", "")] = code
            self.education[_key(name).replace(" ", "")] = code
        self.education.update({"di": "D1", "dii": "D2", "diii": "D3", "div": "D4", "slta": "SMA", "sltp": "SMP"})
        self.schemes = {code.casefold(): (pk, active) for pk, code, active in
                        Scheme.objects.values_list("pk", "code", "is_active")}
        self.vocations = {}
        for pk, code, name in Vocation.objects.values_list("pk", "code", "name"):
            self.vocations[code.casefold()] = pk
            self.vocations.setdefault(_key(name), pk)
        self.regency_codes = set()
        self.regency_names: dict[str, set[str]] = {}
        province = settings.KOMPETEN_OFFICE_PROVINCE
        ours: dict[str, set[str]] = {}
        for code, name, parent in Region.objects.filter(level=Region.Level.REGENCY).values_list(
                "code", "name", "parent_id"):
            self.regency_codes.add(code)
            names = {_key(name), _REGENCY_PREFIX.sub("", _key(name))}
            if parent == province:
                names.update(REGENCY_ALIASES.get(code, ()))
                for spelling in names:
                    ours.setdefault(spelling, set()).add(code)
            else:
                for spelling in names:
                    self.regency_names.setdefault(spelling, set()).add(code)
        self.regency_names.update(ours)  # a name in the office's province wins over the same name elsewhere

    def company(self, value) -> Company:
        text = cells.code_text(value)
        if not text:
            raise CellProblem(_("The company is required: its name as registered in Kompeten, or its NIB."))
        digits = text.replace(" ", "").replace(".", "")
        if digits.isascii() and digits.isdigit():
            company = self.companies_by_nib.get(digits)
            if company is None:
                raise CellProblem(_("No company with NIB %(nib)s is registered in Kompeten; the company registers "
                                    "first (or write its name).") % {"nib": digits[:20]})
        else:
            found = self.companies_by_name.get(_key(text)) or self.companies_by_name.get(_company_key(text)) or []
            found = list({c.pk: c for c in found}.values())
            if not found:
                raise CellProblem(_("No company named %(name)s is registered in Kompeten; check the spelling, or "
                                    "write its NIB.") % {"name": text[:80]})
            if len(found) > 1:
                raise CellProblem(_("%(count)s companies are named %(name)s; write the NIB instead.")
                                  % {"count": len(found), "name": text[:80]})
            company = found[0]
        if not company.is_verified:
            raise CellProblem(str(services.MESSAGES["company_not_verified"] % {"company": company.name}))
        return company

    def occupation(self, value) -> str | None:
        text = cells.code_text(value)
        if not text:
            return None
        code = text.split(" ", 1)[0].replace(".", "")
        if code not in self.kbji:
            raise CellProblem(_("%(value)s is not a KBJI 2014 occupation code in the reference list, for example "
                                "7233.") % {"value": text[:40]})
        return code

    def kbli_code(self, value) -> int | None:
        text = cells.code_text(value)
        if not text:
            return None
        code = text.split(" ", 1)[0].replace(".", "")
        if code not in self.kbli and code.isdigit() and "0" + code in self.kbli:
            code = "0" + code  # a leading zero lost when the cell was a number
        if code not in self.kbli:
            raise CellProblem(_("%(value)s is not a KBLI 2020 code in the reference list.") % {"value": text[:40]})
        return self.kbli[code]

    def sector(self, value) -> str | None:
        text = cells.text(value)
        if not text:
            return None
        try:
            return self.sectors[_key(text)]
        except KeyError:
            raise CellProblem(_("%(value)s is not a sector; use one of %(sectors)s.") % {
                "value": text[:40], "sectors": ", ".join(Sector.objects.values_list("key", flat=True))}) from None

    def education_level(self, value) -> str | None:
        text = cells.code_text(value)
        if not text:
            return None
        try:
            return self.education[_key(text).replace(" ", "")]
        except KeyError:
            raise CellProblem(_("%(value)s is not an education level; use one of %(codes)s.")
                              % {"value": text[:40], "codes": ", ".join(self.education_codes)}) from None

    def scheme(self, value) -> int | None:
        text = cells.code_text(value)
        if not text:
            return None
        found = self.schemes.get(text.casefold())
        if found is None:
            raise CellProblem(_("%(value)s is not the code of a certification scheme in Kompeten.")
                              % {"value": text[:60]})
        if not found[1]:
            raise CellProblem(_("The scheme %(value)s is no longer used.") % {"value": text[:60]})
        return found[0]

    def vocation_ids(self, value) -> list[int]:
        text = cells.text(value)
        if not text:
            return []
        parts = [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]
        if len(parts) == 1 and "," in parts[0] and _key(parts[0]) not in self.vocations:
            parts = [part.strip() for part in parts[0].split(",") if part.strip()]
        ids, unknown = [], []
        for part in parts:
            pk = self.vocations.get(part.casefold()) or self.vocations.get(_key(part))
            if pk is None:
                unknown.append(part[:60])
            elif pk not in ids:
                ids.append(pk)
        if unknown:
            raise CellProblem(_("Unknown vocation(s): %(names)s. Write the vocations as Kompeten names them, "
                                "separated by semicolons.") % {"names": "; ".join(unknown)})
        return ids

    def regency(self, value) -> str | None:
        text = cells.code_text(value)
        if not text:
            return None
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits and re.fullmatch(r"[0-9.\s]+", text):
            code = f"{digits[:2]}.{digits[2:4]}" if len(digits) == 4 else ""
            if code not in self.regency_codes:
                raise CellProblem(_("%(value)s is not a regency / city code; write it as 64.71 (or 6471), or "
                                    "write the name, for example Balikpapan.") % {"value": text[:40]})
            return code
        spelling = _key(text)
        codes = self.regency_names.get(spelling) or self.regency_names.get(_REGENCY_PREFIX.sub("", spelling))
        if not codes:
            raise CellProblem(_("%(value)s is not a regency or city in the reference list; write its name (for "
                                "example Balikpapan, Samarinda, Kutai Kartanegara) or its code (64.71).")
                              % {"value": text[:60]})
        if len(codes) > 1:
            raise CellProblem(_("%(value)s names more than one regency / city; write \"Kota ...\" or "
                                "\"Kabupaten ...\", or the code.") % {"value": text[:60]})
        return next(iter(codes))


# ---------------------------------------------------------------------------------------------
# The import


class _Importer:
    def __init__(self, *, filename, by, valid_only):
        self.filename = filename or ""
        self.by = by if by is not None and getattr(by, "is_authenticated", False) else None
        self.valid_only = valid_only
        self.lookups = _Lookups()
        self.errors: list[tuple[int, int, RowError]] = []
        self.rows: list[tuple[int, dict, list[int]]] = []
        self.total_rows = 0
        self.first_row: dict[tuple, int] = {}

    # -- header ---------------------------------------------------------------------------------

    def read_header(self, values: list) -> None:
        columns = cells.read_columns(values, aliases=ALIASES, headers=HEADERS, required=REQUIRED)
        self.columns = columns
        self.width = max(index for index, _label in columns.values()) + 1
        self.order = {index: position for position, index in enumerate(sorted(i for i, _l in columns.values()))}

    def label(self, name: str) -> str:
        return self.columns[name][1] if name in self.columns else next(
            (header for header, field_name in HEADERS.items() if field_name == name), "")

    def _error(self, row: int, name: str | None, message: str) -> None:
        if name is None or name not in self.columns:
            self.errors.append((row, len(self.order) if name else -1, RowError(row, self.label(name) if name else "",
                                                                               message)))
        else:
            index, label = self.columns[name]
            self.errors.append((row, self.order[index], RowError(row, label, message)))

    # -- rows -------------------------------------------------------------------------------------

    def clean_row(self, number: int, values: list, epoch) -> None:
        raw = {name: (values[index] if index < len(values) else None) for name, (index, _l) in self.columns.items()}
        failed = False
        cleaned: dict = {}
        lookups = self.lookups

        def run(name, function, *args, required_message=None, **kwargs):
            nonlocal failed
            if name not in raw:
                return None
            try:
                result = cells.read(raw[name], function, *args, **kwargs)
            except CellProblem as problem:
                self._error(number, name, str(problem))
            else:
                if result not in (None, "") or not required_message:
                    cleaned[name] = result
                    return result
                self._error(number, name, str(required_message))
            failed = True
            return None

        company = run("company", lookups.company)
        run("title", cells.limited, 200, required_message=_("The job title is required."))
        run("occupation", lookups.occupation, required_message=_("The KBJI occupation code is required."))
        kbli_id = run("kbli", lookups.kbli_code)
        run("sector", lookups.sector)
        run("number_needed", _whole, low=1, high=MAX_NEEDED,
            required_message=_("Give the number of people needed (at least 1)."))
        run("valid_from", _date, epoch, required_message=_("The date the vacancy opens is required."))
        run("valid_until", _date, epoch, required_message=_("The date the vacancy closes is required."))
        run("min_age", _whole, low=MIN_AGE, high=MAX_AGE)
        run("max_age", _whole, low=MIN_AGE, high=MAX_AGE)
        run("sex", _sex)
        run("min_education", lookups.education_level)
        vocation_ids = run("vocations", lookups.vocation_ids) or []
        run("scheme", lookups.scheme)
        run("experience_years", _whole, low=0, high=MAX_EXPERIENCE)
        run("wage_min", _rupiah)
        run("wage_max", _rupiah)
        run("region", lookups.regency, required_message=_("The work location (regency or city) is required."))
        run("description", cells.limited, 4000)

        # The sector: the column, else the KBLI's, else the company's.
        if "sector" not in cleaned or cleaned["sector"] is None:
            sector = lookups.kbli_sector.get(kbli_id) if kbli_id else None
            sector = sector or (company.sector_id if company is not None else None)
            if sector is None and company is not None and not failed:
                self._error(number, "sector", _("Give the sector (sektor): neither the KBLI code nor the company "
                                                "tells it."))
                failed = True
            cleaned["sector"] = sector

        for field_name, error in services.vacancy_problems(
                valid_from=cleaned.get("valid_from"), valid_until=cleaned.get("valid_until"),
                min_age=cleaned.get("min_age"), max_age=cleaned.get("max_age"), wage_min=cleaned.get("wage_min"),
                wage_max=cleaned.get("wage_max")):
            self._error(number, field_name, error.message)
            failed = True
        if failed:
            return
        data = {
            "company": company, "title": cleaned["title"], "occupation_id": cleaned["occupation"],
            "sector_id": cleaned["sector"], "kbli_id": kbli_id, "number_needed": cleaned["number_needed"],
            "valid_from": cleaned["valid_from"], "valid_until": cleaned["valid_until"],
            "min_age": cleaned.get("min_age"), "max_age": cleaned.get("max_age"), "sex": cleaned.get("sex") or "",
            "min_education_id": cleaned.get("min_education"), "scheme_id": cleaned.get("scheme"),
            "experience_years": cleaned.get("experience_years") or 0, "wage_min": cleaned.get("wage_min"),
            "wage_max": cleaned.get("wage_max"), "region_id": cleaned["region"],
            "description": cleaned.get("description") or "",
        }
        key = self.key(data)
        first = self.first_row.setdefault(key, number)
        if first != number:
            self._error(number, None, _("The same vacancy as row %(row)s (same company, job title, occupation, work "
                                        "location and start date).") % {"row": first})
            return
        self.rows.append((number, data, vocation_ids))

    @staticmethod
    def key(data: dict) -> tuple:
        return (data["company"].pk, data["title"].casefold(), data["occupation_id"], data["region_id"],
                data["valid_from"])

    def validate(self, reader) -> None:
        self.read_header(reader.header())
        for number, values in cells.data_rows(reader, self.width):
            self.total_rows += 1
            if self.total_rows > MAX_ROWS:
                raise FileRejected(_("The file has more than %(max)s vacancies; split it into smaller files.")
                                   % {"max": MAX_ROWS})
            self.clean_row(number, values, reader.epoch)

    # -- writing ------------------------------------------------------------------------------------

    def existing_keys(self) -> set[tuple]:
        companies = {data["company"].pk for _n, data, _v in self.rows}
        starts = {data["valid_from"] for _n, data, _v in self.rows}
        return {
            (company, title.casefold(), occupation, region, start)
            for company, title, occupation, region, start in Vacancy.objects.filter(
                company__in=companies, valid_from__in=starts).values_list(
                "company_id", "title", "occupation_id", "region_id", "valid_from")}

    def write(self) -> tuple[int, int, list[int]]:
        created, skipped, ids = 0, 0, []
        with transaction.atomic():
            existing = self.existing_keys()
            for number, data, vocation_ids in self.rows:
                if self.key(data) in existing:
                    skipped += 1
                    continue
                vacancy = Vacancy(**data, source=VacancySource.IMPORT)
                try:
                    services.save_vacancy(vacancy, vocations=vocation_ids, by=self.by)
                except DomainError as error:
                    raise _WriteFailed(RowError(number, self.label("company"), error.message)) from None
                created += 1
                ids.append(vacancy.pk)
            record(AuditEntry.Action.IMPORT, by=self.by, object_type="jobs.vacancy", object_id="",
                   object_label=self.filename,
                   note=f"created {created}, skipped {skipped}, rows with errors {self.error_rows()}")
        return created, skipped, ids

    def error_rows(self) -> int:
        return len({row for row, _order, _error in self.errors})

    def sorted_errors(self) -> list[RowError]:
        return [error for _row, _order, error in sorted(self.errors, key=lambda item: (item[0], item[1]))]


class _WriteFailed(Exception):
    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


def import_vacancies(source, *, filename: str, by, valid_only: bool = False) -> ImportReport:
    """Import vacancies from an .xlsx or CSV file (a path or a binary file object); see the module docstring.
    Never raises for bad input: problems come back in the report."""
    importer = None
    try:
        importer = _Importer(filename=filename, by=by, valid_only=valid_only)
        with cells.open_sheet(source) as reader:
            importer.validate(reader)
        if importer.total_rows == 0:
            raise FileRejected(_("The file has column names but no data rows."))
        errors = importer.sorted_errors()
        if (errors and not valid_only) or not importer.rows:
            return ImportReport(importer.total_rows, 0, 0, errors, False)
        try:
            created, skipped, ids = importer.write()
        except _WriteFailed as failure:
            return ImportReport(importer.total_rows, 0, 0, [*errors, failure.error], False)
        except IntegrityError:
            raise FileRejected(_("The vacancies changed while the file was being imported; nothing was written. "
                                 "Import the file again.")) from None
        return ImportReport(importer.total_rows, created, skipped, errors, True, vacancy_ids=ids)
    except FileRejected as exc:
        total = importer.total_rows if importer is not None else 0
        return ImportReport(total, 0, 0, [], False, file_error=str(exc))


# ---------------------------------------------------------------------------------------------
# The template users download


def _template_rows() -> list[list]:
    return [[
        "PT Contoh Karya Mandiri", "Mekanik Alat Berat", "7233", "", "", 4, datetime.date(2025, 7, 1),
        datetime.date(2025, 8, 31), 18, 35, "", "SMK", "Mekanik Dasar Alat Berat", "", 1, "Rp4.500.000",
        "Rp6.000.000", "Balikpapan", "Penempatan di workshop Kariangau.",
    ]]


def template_help() -> list[tuple[str, str, str]]:
    """(column, required?, explanation), for the template's instructions sheet and the import page."""
    required, optional = _("required"), _("optional")
    return [
        ("perusahaan", required, _("The company as registered (and verified) in Kompeten: its name, or its NIB "
                                   "(13 digits).")),
        ("jabatan", required, _("The job title, for example Mekanik Alat Berat.")),
        ("kbji", required, _("The occupation's KBJI 2014 code, for example 7233.")),
        ("sektor", optional, _("The sector (its key or name); when empty, the KBLI code's or the company's.")),
        ("kbli", optional, _("The KBLI 2020 code of the job's business field, for example 45201.")),
        ("jumlah", required, _("How many people are needed (at least 1).")),
        ("berlaku_dari", required, _("The date the vacancy opens, DD/MM/YYYY (or a date cell, or 1 Juli 2025).")),
        ("berlaku_sampai", required, _("The date the vacancy closes, not before berlaku_dari.")),
        ("usia_min", optional, _("Minimum age, %(min)s to %(max)s.") % {"min": MIN_AGE, "max": MAX_AGE}),
        ("usia_max", optional, _("Maximum age, not below usia_min.")),
        ("jenis_kelamin", optional, _("L or P only when the work itself requires it; empty (or L/P) for anyone.")),
        ("pendidikan_min", optional, _("Minimum education: SD, SMP, SMA, SMK, D1, D2, D3, D4, S1, S2 or S3.")),
        ("kejuruan", optional, _("Vocations (training) wanted, as Kompeten names them, separated by semicolons.")),
        ("sertifikat", optional, _("The code of the certification scheme wanted (also as column skema).")),
        ("pengalaman_tahun", optional, _("Years of experience needed; 0 or empty when none.")),
        ("upah_min", optional, _("Lowest monthly wage in rupiah, for example 4500000 or Rp4.500.000.")),
        ("upah_max", optional, _("Highest monthly wage in rupiah, not below upah_min.")),
        ("lokasi", required, _("The work location: a regency / city code (64.71) or name (Balikpapan, Samarinda, "
                               "Kutai Kartanegara or Kukar, ...).")),
        ("keterangan", optional, _("A description of the job.")),
    ]


def _template_notes() -> list[str]:
    return [
        _("Row 1 holds the column names; each following row is one vacancy. Extra columns are ignored."),
        _("Formulas are not allowed: paste values only."),
        _("If any row has an error, nothing is imported unless you choose to import only the valid rows."),
        _("A vacancy already imported (same company, job title, occupation, location and start date) is skipped."),
        _("Upload this workbook as .xlsx, or save it as \"CSV UTF-8\" (comma or semicolon separated)."),
    ]


def template_xlsx() -> bytes:
    """The downloadable template: header row, one example row, and an instructions sheet "Petunjuk"."""
    workbook = cells.template_workbook(TEMPLATE_HEADERS, _template_rows(), guide=template_help(),
                                       notes=_template_notes(), date_columns=("berlaku_dari", "berlaku_sampai"),
                                       text_columns=("kbji", "kbli"))
    return cells.workbook_bytes(workbook)


def template_csv() -> str:
    """The template as CSV (comma separated): the header row and one example row."""
    return cells.template_csv(TEMPLATE_HEADERS, _template_rows())
