"""Reading spreadsheets safely: recognise a file by its content, refuse zip bombs, stream the rows.

Shared by every import: an .xlsx (openpyxl in read-only mode, formulas never evaluated) or a UTF-8
CSV, checked before parsing; the readers yield raw cell values row by row with bounded memory.
"""

import codecs
import contextlib
import csv
import io
import itertools
import os
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
BOMB_RATIO = 100
BOMB_MEMBER_BYTES = 1024 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = [
    (b"\x89PNG", "PNG"), (b"%PDF", "PDF"), (b"\x7fELF", "ELF"), (b"GIF8", "GIF"), (b"\xff\xd8\xff", "JPEG"),
    (b"\x1f\x8b", "gzip"), (b"7z\xbc\xaf", "7-Zip"), (b"Rar!", "RAR"), (b"PK", "zip"),
]
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class FileRejected(Exception):
    """The whole file is refused; the message is for the user."""

@dataclass(frozen=True)
class Formula:
    text: str


@dataclass(frozen=True)
class ExcelError:
    text: str



# ---------------------------------------------------------------------------------------------
# Opening and recognising the file


@contextlib.contextmanager
def open_stream(source):
    """A seekable binary stream over the source; a path is opened and closed here, a file object
    (an UploadedFile) is left open for its owner."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise FileRejected(_("The file %(name)s does not exist.") % {"name": path.name}) from None
        except IsADirectoryError:
            raise FileRejected(_("%(name)s is a folder, not a file.") % {"name": path.name}) from None
        except OSError as exc:
            raise FileRejected(_("The file %(name)s could not be opened: %(reason)s")
                               % {"name": path.name, "reason": exc.strerror}) from None
        with handle:
            yield handle
        return
    seekable = getattr(source, "seekable", None)
    if callable(seekable) and seekable():
        source.seek(0)
        yield source
        return
    # A stream that cannot seek: copy it (at most one byte over the limit) into a temporary file.
    with tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024) as spool:
        limit = settings.IMPORT_MAX_BYTES + 1
        while limit > 0 and (chunk := source.read(min(limit, 1 << 16))):
            spool.write(chunk)
            limit -= len(chunk)
        spool.seek(0)
        yield spool


def stream_size(stream) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def detect(stream) -> str:
    """'xlsx' or 'csv', decided by the content; raises FileRejected for anything else."""
    size = stream_size(stream)
    if size == 0:
        raise FileRejected(_("The file is empty."))
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRejected(
            _("The file is %(size)s; the limit is %(limit)s. Split the data into smaller files.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
        )
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        check_zip(stream)
        return "xlsx"
    if head.startswith(_OLE2):
        raise FileRejected(_(
            "This is an old Excel 97-2003 workbook (.xls) or a password-protected workbook. Open it in "
            "Excel, remove any password and save it as \"Excel Workbook (.xlsx)\", then upload that file."
        ))
    if head.startswith(_UTF16_BOMS):
        raise FileRejected(_(
            "This text file is UTF-16 (\"Unicode Text\"). Save it from Excel as \"CSV UTF-8 (Comma "
            "delimited)\" or as an Excel Workbook (.xlsx)."
        ))
    for magic, kind in _BINARY_MAGIC:
        if head.startswith(magic):
            raise FileRejected(not_a_spreadsheet(kind))
    check_text(stream)
    return "csv"


def not_a_spreadsheet(kind: str = "") -> str:
    if kind:
        return _(
            "This file is not a spreadsheet (it is a %(kind)s file, whatever its name says). Upload an "
            "Excel workbook (.xlsx) or a CSV file saved as UTF-8."
        ) % {"kind": kind}
    return _(
        "This file is not a spreadsheet: it is neither an Excel workbook (.xlsx) nor a text CSV file. "
        "Upload an Excel workbook (.xlsx) or a CSV file saved as UTF-8."
    )


def check_zip(stream) -> None:
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRejected(_(
            "The workbook is damaged (it cannot be unpacked). Open it in Excel and save it again as .xlsx."
        )) from None
    finally:
        stream.seek(0)
    if not any(member.filename == "xl/workbook.xml" for member in members):
        raise FileRejected(_(
            "This is a zip archive, not an Excel workbook (.xlsx). If it is an OpenDocument or Numbers "
            "spreadsheet, save it as \"Excel Workbook (.xlsx)\" first."
        ))
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    total = sum(member.file_size for member in members)
    if total > limit:
        raise FileRejected(
            _("The workbook unpacks to %(size)s, more than the limit of %(limit)s, so it is refused (it "
              "may be a \"zip bomb\"). Split the data into smaller files.")
            % {"size": filesizeformat(total), "limit": filesizeformat(limit)}
        )
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > BOMB_MEMBER_BYTES and ratio > BOMB_RATIO:
            raise FileRejected(
                _("The part %(part)s of the workbook is compressed %(ratio)s times, far more than real data "
                  "allows, so the file is refused (it may be a \"zip bomb\"). Save the data again in a new "
                  "workbook.")
                % {"part": member.filename[:80], "ratio": ratio}
            )


def _not_utf8(line: int) -> str:
    return _("The file is not UTF-8 text (the first bad character is on line %(line)s). In Excel use Save "
             "As -> \"CSV UTF-8 (Comma delimited)\", or upload the workbook as .xlsx.") % {"line": line}


def check_text(stream) -> None:
    """UTF-8 (a BOM is fine) without NUL bytes, or FileRejected."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        while chunk := stream.read(1 << 16):
            if b"\x00" in chunk:
                raise FileRejected(not_a_spreadsheet())
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, max(exc.start, 0))
                raise FileRejected(_not_utf8(line)) from None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRejected(_not_utf8(line)) from None
    finally:
        stream.seek(0)


# ---------------------------------------------------------------------------------------------
# Readers: header() -> list of raw values; rows(width) -> (row number, list of raw values)


class XlsxReader:
    def __init__(self, stream):
        from openpyxl import load_workbook

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.workbook = load_workbook(stream, read_only=True, data_only=False, keep_links=False)
        except Exception:  # openpyxl raises many kinds on damaged files
            raise FileRejected(_damaged()) from None
        sheets = self.workbook.worksheets
        if not sheets:
            self.workbook.close()
            raise FileRejected(_("The workbook has no worksheet."))
        self.sheet = next((s for s in sheets if s.title.strip().lower() == "data"), sheets[0])
        self.sheet.reset_dimensions()  # some writers store wrong dimensions; read what is there
        self.epoch = self.workbook.epoch

    def header(self) -> list:
        for cells in self.sheet.iter_rows(min_row=1, max_row=1, max_col=EXCEL_MAX_COLUMNS):
            return [self._value(cell) for cell in cells]
        return []

    def rows(self, width: int):
        value = self._value
        for number, cells in enumerate(self.sheet.iter_rows(min_row=2, max_col=width), start=2):
            yield number, [value(cell) for cell in cells]

    @staticmethod
    def _value(cell):
        data_type = cell.data_type
        if data_type == "f":
            return Formula(str(cell.value))
        if data_type == "e":
            return ExcelError(str(cell.value))
        return cell.value

    def close(self):
        self.workbook.close()


class CsvReader:
    def __init__(self, stream):
        self.stream = stream
        self.text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        first = self.text.readline()
        counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
        self.reader = csv.reader(itertools.chain([first], self.text), delimiter=delimiter)
        self.epoch = None

    def header(self) -> list:
        return next(self.reader, [])

    def rows(self, width: int):
        yield from enumerate(self.reader, start=2)

    def close(self):
        self.text.detach()  # leave the caller's stream open


def _damaged() -> str:
    return _("The workbook could not be read (it may be damaged). Open it in Excel and save it again as "
             ".xlsx.")


def _unreadable(kind: str, exc: Exception) -> str:
    if kind == "csv":
        return _("The CSV file could not be read: %(reason)s") % {"reason": str(exc)[:200]}
    return _damaged()


class Guarded:
    """A reader whose own failures (openpyxl, csv or zipfile on a hostile file) become FileRejected;
    only the reading is guarded, so a bug in the validation below still shows as a bug."""

    def __init__(self, reader, kind: str):
        self.reader, self.kind, self.epoch = reader, kind, reader.epoch

    def header(self) -> list:
        try:
            return self.reader.header()
        except FileRejected:
            raise
        except Exception as exc:  # any failure of the parser on hostile input
            raise FileRejected(_unreadable(self.kind, exc)) from None

    def rows(self, width: int):
        iterator = self.reader.rows(width)
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                return
            except FileRejected:
                raise
            except Exception as exc:  # any failure of the parser on hostile input
                raise FileRejected(_unreadable(self.kind, exc)) from None
            yield item


