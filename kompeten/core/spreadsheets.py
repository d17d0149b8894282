"""Reading spreadsheets safely: recognise a file by its content, refuse zip bombs, stream the rows.

Shared by every import: an .xlsx (openpyxl in read-only mode, formulas never evaluated) or a UTF-8
CSV, checked before parsing; the readers yield raw cell values row by row with bounded memory.
"""

import contextlib
import csv
import io
import itertools
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

# The checks of the file itself (size, type by content, zip and XML bombs) are in kompeten/core/uploads.py, shared
# with the other uploads; these names stay importable from here.
from kompeten.core.uploads import (  # noqa: F401
    BOMB_MEMBER_BYTES,
    BOMB_RATIO,
    FileRejected,
    check_text,
    check_zip,
    detect,
    not_a_spreadsheet,
    stream_size,
)

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384


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


