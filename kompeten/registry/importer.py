"""Importing job seekers (persons) from an Excel workbook (.xlsx) or a CSV file.

How an import runs
------------------
1. The file is checked by its CONTENT, never by its name: at most ``settings.IMPORT_MAX_BYTES``;
   an .xlsx is a zip holding ``xl/workbook.xml`` whose directory promises at most
   ``settings.IMPORT_MAX_UNCOMPRESSED_BYTES`` and no member compressed more than 100 times (zip
   bombs; Python's zipfile refuses to inflate a member past the size its directory declares, so the
   check cannot be lied to). Anything else must be UTF-8 text without NUL bytes, read as CSV
   (comma, semicolon or tab, guessed from the header line). Old .xls files and images, PDFs,
   programs ... are refused with a message that says what to do.
2. First pass, streaming: every row is read (openpyxl read-only, formulas never evaluated; the csv
   module line by line) and validated; the valid rows are kept as compact tuples spooled to a
   temporary file in chunks, so memory does not grow with the file. Every problem is collected as
   (row as the spreadsheet shows it, column header as written, message).
3. Second pass, only if there are no errors (or ``valid_only=True``): inside ONE transaction the
   spooled rows are written in chunks of ``CHUNK`` rows: existing persons looked up by NIK one
   chunk at a time, new ones bulk-created with their registry consent (a signed paper form) and a
   "create" audit entry, changed ones bulk-updated with one "update" audit entry (before -> after)
   each, plus one "import" audit entry for the whole file. For each chunk's new and changed persons a background
   task is enqueued in the same transaction (kompeten/linkage/tasks.py ``link_registrations``): it keeps their
   registrations as source records and links them in one batch, after the import, so that linking does not slow the
   import down. Any failure rolls everything back, the enqueued tasks included.

Every import is recorded as an ``ImportJob`` (running -> done, rejected or failed). When the database fails
while the rows are written (the connection is killed, the server restarts), the transaction rolls back, the
job is marked FAILED with its file kept, the user gets a message instead of an error page, and
``retry_import(job)`` runs the same file again (tests/test_drills.py kills the connection mid-import).

Re-importing: a NIK is the key
------------------------------
A NIK that is already in the database is UPDATED from the row when a value differs, and counted as
``unchanged`` when nothing differs, so importing the same file twice creates no duplicates. The
update is deliberately conservative:

- only the columns present in the file are touched, and an EMPTY cell never erases a stored value
  (an import fills in and corrects; clearing a value is done in the person's form);
- ``registered_centre`` and ``source`` of an existing person are never changed: a person registered
  at another centre stays registered there;
- a user scoped to centres (an operator) may only update persons they can see
  (``Person.objects.visible_to``); a row whose NIK belongs to someone outside their scope is an
  error, so an import cannot be used to change, or to confirm the data of, another centre's people.
  The command line (``by=None``) and a province admin are not restricted.

NIK warnings (regency not in the list, birth date or sex disagreeing with the NIK) are not errors:
they are stored in ``Person.nik_warnings`` for an operator to confirm and listed in
``ImportReport.warnings``.
"""

from __future__ import annotations

import datetime
import functools
import io
import logging
import pickle
import re
import tempfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import build, diff, snapshot
from kompeten.core import cells
from kompeten.core.cells import CellProblem, RowError
from kompeten.core.spreadsheets import EXCEL_MAX_ROWS, FileRejected
from kompeten.linkage.tasks import link_registrations
from kompeten.reference.models import EducationLevel, dotted_region_code
from kompeten.reference.services import village_codes
from kompeten.registry.models import PERSON_AUDITED_FIELDS, Consent, ImportJob, Person, PersonSource
from kompeten.registry.nik import make_nik
from kompeten.registry.phone import PhoneError, normalise_phone
from kompeten.registry.services import CONSENT_TEXT_VERSION
from kompeten.registry.validation import NIK_MESSAGES, PHONE_MESSAGES, check_nik, issue_message
from kompeten.reporting.refresh import mark_stale

logger = logging.getLogger(__name__)

CHUNK = 1000
MIN_AGE = 15
MAX_AGE = 100

# Person fields filled from a row, in the order of the compact row tuples.
FIELDS = (
    "nik", "full_name", "sex", "birth_place", "birth_date", "phone", "email", "street", "rt", "rw",
    "village", "education", "disability", "declared_prior_training",
)
ATTNAMES = {"village": "village_id", "education": "education_id"}
REQUIRED = ("nik", "full_name", "sex", "birth_date")

# The template's (Indonesian) headers, and every accepted spelling (after normalising) -> field.
HEADERS = {
    "nik": "nik", "nama": "full_name", "jenis_kelamin": "sex", "tempat_lahir": "birth_place",
    "tanggal_lahir": "birth_date", "no_hp": "phone", "email": "email", "alamat": "street", "rt": "rt",
    "rw": "rw", "kode_wilayah": "village", "pendidikan": "education", "disabilitas": "disability",
    "pernah_pelatihan": "declared_prior_training",
}
ALIASES = {
    **HEADERS,
    "name": "full_name", "full_name": "full_name", "sex": "sex", "birth_place": "birth_place",
    "birth_date": "birth_date", "phone": "phone", "street": "street", "address": "street",
    "village_code": "village", "village": "village", "education": "education", "disability": "disability",
    "prior_training": "declared_prior_training",
}
TEMPLATE_HEADERS = list(HEADERS)

_TRUE = {"ya", "y", "yes", "1", "true", "benar"}
_FALSE = {"tidak", "tdk", "n", "no", "0", "false", "salah"}
_ROMAN_DIPLOMA = {"DI": "D1", "DII": "D2", "DIII": "D3", "DIV": "D4"}

_ALL_SPACE = re.compile(r"\s+")
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")
_RT = re.compile(r"[0-9]{1,3}")
_REGION = re.compile(r"[0-9.\s]+")
_EDUCATION_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass
class ImportReport(cells.ErrorRows):
    total_rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]
    written: bool  # False when nothing was written (errors, or the file was rejected)
    file_error: str = ""  # the whole file was rejected
    warnings: list[RowError] = field(default_factory=list)  # NIK warnings, stored for an operator
    job_id: int | None = field(default=None, compare=False)  # the ImportJob that records this run


# ---------------------------------------------------------------------------------------------
# Cleaning one cell (the general readers are in kompeten/core/cells.py)


def _nik_text(value) -> str:
    if cells.is_number(value):
        raise CellProblem(_(
            "The NIK was stored as a number. Excel keeps only 15 significant digits, so the 16th digit may "
            "have been lost and the NIK cannot be trusted. Format the NIK column as Text and type the NIKs "
            "again (or paste them from the source)."
        ))
    text = _ALL_SPACE.sub("", cells.code_text(value))
    if not text:
        raise CellProblem(str(NIK_MESSAGES["nik_required"]))
    if _SCIENTIFIC.fullmatch(text):
        raise CellProblem(_(
            "The NIK is in scientific notation (%(value)s): Excel turned it into a number and lost its last "
            "digits. Format the NIK column as Text and type the NIKs again (or paste them from the source)."
        ) % {"value": text[:20]})
    return text


def _not_a_date(shown=None) -> str:
    if shown is None:
        return _("This is not a date; write it as DD/MM/YYYY, for example 17/08/1995.")
    return _("%(value)s is not a date; write it as DD/MM/YYYY, for example 17/08/1995.") % {"value": shown}


_date = functools.partial(cells.date, not_a_date=_not_a_date)


def _birth_date(value, epoch, today: datetime.date) -> datetime.date:
    born = _date(value, epoch)
    if born is None:
        raise CellProblem(_("The date of birth is required."))
    if born > today:
        raise CellProblem(_("The date of birth %(date)s is in the future.") % {"date": cells.format_date(born)})
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < MIN_AGE:
        raise CellProblem(_("The date of birth %(date)s makes the person %(age)s years old; job seekers "
                            "must be at least %(min)s.")
                          % {"date": cells.format_date(born), "age": age, "min": MIN_AGE})
    if age > MAX_AGE:
        raise CellProblem(_("The date of birth %(date)s makes the person %(age)s years old, more than "
                            "%(max)s; check the year.")
                          % {"date": cells.format_date(born), "age": age, "max": MAX_AGE})
    return born


def _phone(value) -> str | None:
    text = cells.code_text(value)
    if not text:
        return None
    try:
        return normalise_phone(text)
    except PhoneError as exc:
        raise CellProblem(str(PHONE_MESSAGES.get(exc.code, PHONE_MESSAGES["phone_invalid"]))) from None


_email_validator = EmailValidator()


def _email(value) -> str | None:
    text = cells.text(value)
    if not text:
        return None
    if len(text) > 254:
        raise CellProblem(_("At most %(limit)s characters are allowed; this has %(length)s.")
                          % {"limit": 254, "length": len(text)})
    try:
        _email_validator(text)
    except ValidationError:
        raise CellProblem(_("%(value)s is not a valid email address.") % {"value": text[:60]}) from None
    return text


def _rt_rw(value) -> str | None:
    text = cells.code_text(value)
    if not text:
        return None
    if not _RT.fullmatch(text):
        raise CellProblem(_("Write a number of 1 to 3 digits, for example 001."))
    return text.zfill(3)


def _village(value) -> str | None:
    text = cells.code_text(value)
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if not _REGION.fullmatch(text) or len(digits) != 10:
        raise CellProblem(_("%(value)s is not a village code; a village (kelurahan/desa) code has 10 "
                            "digits, for example 64.71.05.1008.") % {"value": text[:40]})
    code = dotted_region_code(digits)
    if code not in village_codes():
        raise CellProblem(_("%(code)s is not a village (kelurahan/desa) code in the reference list.")
                          % {"code": code})
    return code


def _flag(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if cells.is_number(value) and value in (0, 1):
        return bool(value)
    text = cells.text(value).lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem(_("Write ya or tidak (yes or no)."))


# ---------------------------------------------------------------------------------------------
# The import


class _Importer:
    def __init__(self, *, filename, by, centre, valid_only):
        self.filename = filename or ""
        self.by = by if by is not None and getattr(by, "is_authenticated", False) else None
        self.centre = centre
        self.valid_only = valid_only
        self.errors: list[tuple[int, int, RowError]] = []
        self.warnings: list[RowError] = []
        self.total_rows = 0
        self.valid_rows = 0
        self.today = timezone.localdate()
        self.first_row_of_nik: dict[str, int] = {}
        self.pending_warnings: dict[int, list[RowError]] = {}
        levels = list(EducationLevel.objects.order_by("order").values_list("code", "name"))
        self.education_codes = [code for code, _name in levels]
        self.education = {}
        for code, name in levels:
            self.education[self._education_key(code)] = code
            self.education[self._education_key(name)] = code
        self.education.update(_ROMAN_DIPLOMA)
        self.scoped = self.by is not None and not self.by.is_province_admin

    @staticmethod
    def _education_key(value: str) -> str:
        return _EDUCATION_SEPARATORS.sub("", value.upper())

    def _education(self, value) -> str | None:
        text = cells.code_text(value)
        if not text:
            return None
        try:
            return self.education[self._education_key(text)]
        except KeyError:
            raise CellProblem(_("%(value)s is not an education level; use one of %(codes)s.")
                              % {"value": text[:40], "codes": ", ".join(self.education_codes)}) from None

    # -- header ---------------------------------------------------------------------------------

    def read_header(self, values: list) -> None:
        columns = cells.read_columns(values, aliases=ALIASES, headers=HEADERS, required=REQUIRED)
        self.columns = columns
        self.width = max(index for index, _label in columns.values()) + 1
        self.present = tuple(name in columns for name in FIELDS)
        indexes = sorted(index for index, _label in columns.values())
        self.order = {index: position for position, index in enumerate(indexes)}

    # -- rows -------------------------------------------------------------------------------------

    def _error(self, row: int, name: str | None, message: str) -> None:
        if name is None:
            self.errors.append((row, -1, RowError(row, "", message)))
        else:
            index, label = self.columns[name]
            self.errors.append((row, self.order[index], RowError(row, label, message)))

    def clean_row(self, number: int, values: list, epoch):
        """The compact row (number, values in FIELDS order, NIK warning codes), or None on errors."""
        columns = self.columns
        raw = {}
        for name, (index, _label) in columns.items():
            raw[name] = values[index] if index < len(values) else None
        failed = False
        cleaned: dict = {}

        def run(name, function, *args):
            nonlocal failed
            if name not in raw:
                return None
            try:
                result = cells.read(raw[name], function, *args)
            except CellProblem as problem:
                self._error(number, name, str(problem))
                failed = True
                return None
            cleaned[name] = result
            return result

        nik_text = run("nik", _nik_text)
        full_name = run("full_name", cells.limited, 150)
        if "full_name" in cleaned and not full_name:
            self._error(number, "full_name", _("The name is required."))
            failed = True
        sex = run("sex", cells.sex)
        birth_date = run("birth_date", _birth_date, epoch, self.today)
        run("birth_place", cells.limited, 100)
        run("phone", _phone)
        run("email", _email)
        run("street", cells.limited, 255)
        run("rt", _rt_rw)
        run("rw", _rt_rw)
        run("village", _village)
        run("education", self._education)
        run("disability", _flag)
        run("declared_prior_training", _flag)

        warning_codes: tuple[str, ...] = ()
        if nik_text is not None:
            result, nik_errors, nik_warnings = check_nik(nik_text, birth_date=birth_date, sex=sex)
            for message in nik_errors:
                self._error(number, "nik", message)
            if nik_errors:
                failed = True
            if result.info is not None:
                nik = result.info.nik
                cleaned["nik"] = nik
                first = self.first_row_of_nik.setdefault(nik, number)
                if first != number:
                    self._error(number, "nik", _("This NIK already appears in row %(row)s of this file.")
                                % {"row": first})
                    failed = True
                if not failed and nik_warnings:
                    warning_codes = tuple(sorted({issue.code for issue in nik_warnings}))
                    self.pending_warnings[number] = [
                        RowError(number, columns["nik"][1], issue_message(issue)) for issue in nik_warnings
                    ]
        if failed:
            return None
        for name in ("full_name", "birth_place", "street"):  # empty text is "not given"
            if cleaned.get(name) == "":
                cleaned[name] = None
        return number, tuple(cleaned.get(name) for name in FIELDS), warning_codes

    def check_scope(self, chunk: list) -> list:
        """Rows whose NIK belongs to a person the (operator) user may not change become errors."""
        if not self.scoped or not chunk:
            return chunk
        niks = [row[1][0] for row in chunk]
        existing = set(Person.objects.filter(nik__in=niks).values_list("nik", flat=True))
        if not existing:
            return chunk
        # The edit rule of registry.access.can_edit: only the persons registered at the user's centres.
        visible = set(
            Person.objects.filter(nik__in=existing, registered_centre__in=self.by.centre_ids)
            .values_list("nik", flat=True)
        )
        kept = []
        for row in chunk:
            if row[1][0] in existing and row[1][0] not in visible:
                self._error(row[0], "nik", _(
                    "This NIK belongs to a person registered elsewhere (another training centre or online); "
                    "you may not change their data. Leave the row out, or ask that centre or the province "
                    "admin."
                ))
            else:
                kept.append(row)
        return kept

    def validate(self, reader, spool) -> None:
        """First pass: read and validate every row; spool the valid ones in chunks."""
        self.read_header(reader.header())
        chunk: list = []
        for number, values in cells.data_rows(reader, self.width):
            self.total_rows += 1
            row = self.clean_row(number, values, reader.epoch)
            if row is not None:
                chunk.append(row)
            if len(chunk) >= CHUNK:
                self._spool(spool, chunk)
                chunk = []
        self._spool(spool, chunk)

    def _spool(self, spool, chunk: list) -> None:
        chunk = self.check_scope(chunk)
        for number, _values, codes in chunk:
            if codes:
                self.warnings.extend(self.pending_warnings.get(number, ()))
        self.pending_warnings.clear()
        if chunk:
            self.valid_rows += len(chunk)
            pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)

    # -- writing ------------------------------------------------------------------------------------

    def write(self, spool) -> tuple[int, int, int]:
        """Second pass, in one transaction: create, update or leave each spooled row."""
        created = updated = unchanged = 0
        present = [name for name, given in zip(FIELDS, self.present, strict=True) if given]
        update_fields = [*present, "nik_warnings", "nik_confirmed_at", "nik_confirmed_by", "updated_at"]
        recorder = self.by
        spool.seek(0)
        with transaction.atomic():
            while True:
                try:
                    chunk = pickle.load(spool)  # noqa: S301 - our own temporary file, written above
                except EOFError:
                    break
                niks = [row[1][0] for row in chunk]
                existing = {p.nik: p for p in Person.objects.select_for_update().filter(nik__in=niks)}
                new_people, changed, entries = [], [], []
                now = timezone.now()
                for _number, values, warning_codes in chunk:
                    person = existing.get(values[0])
                    if person is None:
                        data = {ATTNAMES.get(name, name): value
                                for name, value in zip(FIELDS, values, strict=True) if value is not None}
                        new_people.append(Person(**data, source=PersonSource.IMPORT,
                                                 registered_centre=self.centre,
                                                 nik_warnings=list(warning_codes)))
                        continue
                    before = snapshot(person, PERSON_AUDITED_FIELDS)
                    for name, value in zip(FIELDS, values, strict=True):
                        if value is not None:
                            setattr(person, ATTNAMES.get(name, name), value)
                    changes = diff(before, snapshot(person, PERSON_AUDITED_FIELDS))
                    if not changes:
                        unchanged += 1
                        continue
                    if {"birth_date", "sex"} & changes.keys():
                        person.nik_warnings = list(warning_codes)
                        person.nik_confirmed_at = None
                        person.nik_confirmed_by = None
                    person.updated_at = now
                    changed.append(person)
                    entries.append(build(AuditEntry.Action.UPDATE, person, by=recorder, changes=changes,
                                         note="import"))
                if new_people:
                    Person.objects.bulk_create(new_people, batch_size=CHUNK)
                    Consent.objects.bulk_create(
                        [Consent(person=person, purpose=Consent.Purpose.REGISTRY, given=True,
                                 text_version=CONSENT_TEXT_VERSION, channel=Consent.Channel.IMPORT,
                                 recorded_by=recorder, at=now) for person in new_people],
                        batch_size=CHUNK,
                    )
                    for person in new_people:
                        after = snapshot(person, PERSON_AUDITED_FIELDS)
                        changes = {key: [None, value] for key, value in after.items()
                                   if value not in (None, "", False)}
                        entries.append(build(AuditEntry.Action.CREATE, person, by=recorder, note="import",
                                             changes=changes))
                if changed:
                    Person.objects.bulk_update(changed, update_fields, batch_size=CHUNK)
                mark_stale(p.pk for p in [*new_people, *changed])  # bulk: no signals for the dashboards
                # Record linkage: the chunk's registrations as source records, linked in one batch by a background
                # task (enqueued in this transaction, so a failed import links nothing; tests run it at once).
                if new_people or changed:
                    link_registrations.enqueue([p.pk for p in [*new_people, *changed]],
                                               recorder.pk if recorder is not None else None)
                AuditEntry.objects.bulk_create(entries, batch_size=CHUNK)
                created += len(new_people)
                updated += len(changed)
            AuditEntry.objects.bulk_create([build(
                AuditEntry.Action.IMPORT, by=recorder, object_type="registry.person", object_id="",
                object_label=self.filename,
                note=(f"created {created}, updated {updated}, unchanged {unchanged}, "
                      f"rows with errors {self.error_rows()}"),
            )])
        return created, updated, unchanged

    def error_rows(self) -> int:
        return len({row for row, _order, _error in self.errors})

    def sorted_errors(self) -> list[RowError]:
        return [error for _row, _order, error in sorted(self.errors, key=lambda item: (item[0], item[1]))]


def import_persons(source, *, filename: str, by, centre=None, valid_only: bool = False,
                   job: ImportJob | None = None) -> ImportReport:
    """Import job seekers from an .xlsx or CSV file (a path or a binary file object); see the module
    docstring. Never raises for bad input: problems come back in the report. The run is recorded in ``job``
    (a new ImportJob unless one is given: ``retry_import``)."""
    if job is None:
        job = ImportJob.objects.create(
            filename=(filename or "")[:255], centre=centre, valid_only=valid_only,
            requested_by=by if by is not None and getattr(by, "is_authenticated", False) else None)
    try:
        report = _import(source, filename=filename, by=by, centre=centre, valid_only=valid_only)
    except DatabaseError as exc:
        # The database failed while the rows were written (connection lost, server restarted): the transaction
        # rolled back and nothing was written. Keep the file so that the job can be retried.
        logger.exception("import job %s failed", job.pk)
        _job_failed(job, source, exc)
        return ImportReport(0, 0, 0, 0, [], False, job_id=job.pk, file_error=_(
            "The import was interrupted by a database failure; nothing was written. Try again in a moment "
            "(import job %(job)s can be retried)."
        ) % {"job": job.pk})
    except Exception as exc:  # a bug: recorded on the job (which can be retried once it is fixed), then raised
        _job_failed(job, source, exc)
        raise
    job.status = ImportJob.Status.DONE if report.written else ImportJob.Status.REJECTED
    job.total_rows, job.created, job.updated, job.unchanged = (report.total_rows, report.created, report.updated,
                                                               report.unchanged)
    job.error, job.content, job.finished_at = report.file_error[:2000], None, timezone.now()
    job.save()
    report.job_id = job.pk
    return report


def _job_failed(job: ImportJob, source, exc: Exception) -> None:
    """Mark the job FAILED and keep its file; on a new connection, since the old one may be dead."""
    try:
        if hasattr(source, "read"):
            source.seek(0)
            content = source.read()
        else:
            with open(source, "rb") as file:
                content = file.read()
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, content=content,
                                                   error=str(exc)[:2000], finished_at=timezone.now())
    except Exception:  # the database is still away: the job stays "running"
        logger.exception("import job %s could not be marked failed", job.pk)


def retry_import(job: ImportJob, *, by=None) -> ImportReport:
    """Run a FAILED import job again with the file it kept; ValueError for any other job."""
    job.refresh_from_db()
    if job.status != ImportJob.Status.FAILED or job.content is None:
        raise ValueError(_("Import job %(job)s cannot be retried (status: %(status)s).")
                         % {"job": job.pk, "status": job.get_status_display()})
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=job.attempts + 1,
                                               error="", finished_at=None)
    job.refresh_from_db()
    return import_persons(io.BytesIO(bytes(job.content)), filename=job.filename, by=by or job.requested_by,
                          centre=job.centre, valid_only=job.valid_only, job=job)


def _import(source, *, filename: str, by, centre, valid_only: bool) -> ImportReport:
    importer = None
    try:
        importer = _Importer(filename=filename, by=by, centre=centre, valid_only=valid_only)
        with tempfile.TemporaryFile() as spool:
            with cells.open_sheet(source) as reader:
                importer.validate(reader, spool)
            if importer.total_rows == 0:
                raise FileRejected(_("The file has column names but no data rows."))
            errors = importer.sorted_errors()
            if (errors and not valid_only) or importer.valid_rows == 0:
                return ImportReport(importer.total_rows, 0, 0, 0, errors, False, warnings=importer.warnings)
            try:
                created, updated, unchanged = importer.write(spool)
            except IntegrityError:
                raise FileRejected(_(
                    "Someone changed the same persons while the file was being imported; nothing was "
                    "written. Import the file again."
                )) from None
            return ImportReport(importer.total_rows, created, updated, unchanged, errors, True,
                                warnings=importer.warnings)
    except FileRejected as exc:
        total = importer.total_rows if importer is not None else 0
        return ImportReport(total, 0, 0, 0, [], False, file_error=str(exc))


# ---------------------------------------------------------------------------------------------
# The template users download


def _template_rows() -> list[list]:
    example_birth = datetime.date(1999, 3, 12)
    return [[
        make_nik("64.71.05", example_birth, "P", 1), "Siti Aminah", "P", "Balikpapan", example_birth,
        "0812-3456-7890", "siti.aminah@example.com", "Jl. Jenderal Sudirman No. 12", "003", "011",
        "64.71.05.1008", "SMK", "tidak", "tidak",
    ]]


def _template_help() -> list[tuple[str, str, str]]:
    """(column, required?, explanation) for the instructions sheet."""
    required, optional = _("required"), _("optional")
    return [
        ("nik", required, _("16-digit NIK from the ID card (KTP). Keep this column formatted as Text: "
                            "Excel keeps only 15 digits of a number, so the last digit of a NIK typed as a "
                            "number is lost.")),
        ("nama", required, _("Full name as on the ID card.")),
        ("jenis_kelamin", required, _("L (laki-laki) or P (perempuan).")),
        ("tempat_lahir", optional, _("Place of birth.")),
        ("tanggal_lahir", required, _("Date of birth as DD/MM/YYYY (for example 12/03/1999), or a date cell. "
                                      "The person must be %(min)s to %(max)s years old.")
         % {"min": MIN_AGE, "max": MAX_AGE}),
        ("no_hp", optional, _("Mobile phone number, for example 0812-3456-7890.")),
        ("email", optional, _("Email address.")),
        ("alamat", optional, _("Street address (street, house number).")),
        ("rt", optional, _("RT, 1 to 3 digits (1 is stored as 001).")),
        ("rw", optional, _("RW, 1 to 3 digits (1 is stored as 001).")),
        ("kode_wilayah", optional, _("Village (kelurahan/desa) code, 10 digits, with or without dots, for "
                                     "example 64.71.05.1008.")),
        ("pendidikan", optional, _("Highest education: TS, BTSD, SD, SMP, SMA, SMK, D1, D2, D3, D4, S1, S2 "
                                   "or S3.")),
        ("disabilitas", optional, _("ya or tidak: does the person have a disability?")),
        ("pernah_pelatihan", optional, _("ya or tidak: has the person had vocational training before?")),
    ]


def _template_notes() -> list[str]:
    return [
        _("Row 1 holds the column names; each following row is one person. Do not rename the columns; "
          "extra columns are ignored."),
        _("Formulas are not allowed: paste values only."),
        _("A NIK that is already registered updates that person's data; empty cells never erase stored "
          "data."),
        _("If any row has an error, nothing is imported unless you choose to import only the valid rows."),
        _("Upload this workbook as .xlsx, or save it as \"CSV UTF-8\" (comma or semicolon separated)."),
    ]


TEXT_COLUMNS = ("nik", "no_hp", "rt", "rw", "kode_wilayah")


def template_xlsx() -> bytes:
    """The downloadable template: header row, one example row, and an instructions sheet "Petunjuk"."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = cells.template_workbook(TEMPLATE_HEADERS, _template_rows(), guide=_template_help(),
                                       notes=_template_notes(), date_columns=("tanggal_lahir",),
                                       text_columns=TEXT_COLUMNS)
    sheet = workbook["Data"]
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 28

    def choose(header: str, values: list[str]) -> None:
        letter = get_column_letter(TEMPLATE_HEADERS.index(header) + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        validation.add(f"{letter}2:{letter}{EXCEL_MAX_ROWS}")
        sheet.add_data_validation(validation)

    choose("jenis_kelamin", ["L", "P"])
    choose("disabilitas", ["ya", "tidak"])
    choose("pernah_pelatihan", ["ya", "tidak"])
    return cells.workbook_bytes(workbook)


def template_csv() -> str:
    """The template as CSV (comma separated): the header row and one example row."""
    return cells.template_csv(TEMPLATE_HEADERS, _template_rows())
