"""One place that checks an uploaded file before anything parses or keeps it.

Every upload path calls this module: the spreadsheet imports (job seekers, vacancies, participant lists for record
linkage, through kompeten/core/spreadsheets.py and cells.open_sheet) and the scans and photos that are kept
(a job seeker's documents and the signed apprenticeship agreements, through kompeten/registry/documents.py).
A file is judged by its content, never by its name or the content type the browser claims:

- size: at most ``settings.IMPORT_MAX_BYTES`` (spreadsheets) or ``settings.DOCUMENT_MAX_BYTES`` (documents);
- type by its first bytes: an .xlsx is a zip archive with ``xl/workbook.xml``, a CSV is UTF-8 text without NUL
  bytes, a document is PDF, JPEG or PNG by signature; anything else (a program, an archive, an old .xls ...) is
  refused with a message naming what it really is;
- zip bombs: at most ``ZIP_MAX_MEMBERS`` parts, at most ``settings.IMPORT_MAX_UNCOMPRESSED_BYTES`` unpacked in all,
  no part (nor the whole) of more than 1 MB compressed more than ``BOMB_RATIO`` times. The sizes are those the
  archive declares, and they bind: Python's zipfile never unpacks a part beyond its declared size;
- XML bombs: no part may declare a document type or entities (OOXML never does); each part's prolog is read with
  defusedxml (forbid_dtd), and openpyxl itself parses with defusedxml when it is installed (it is a dependency).

A refused file raises ``FileRejected``: its message says what is wrong, for the user, and ``code`` is stable.
Nothing has been written when it is raised: the callers check before they store or import.
"""

import codecs
import io
import zipfile

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import iterparse as safe_iterparse
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

BOMB_RATIO = 100
BOMB_MEMBER_BYTES = 1024 * 1024
ZIP_MAX_MEMBERS = 2000  # a real workbook has a few dozen parts
XML_PROLOG_BYTES = 1024 * 1024  # a part whose root element has not begun after this much is refused

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# (first bytes, what the file is) for the kinds we name when we refuse a file.
_BINARY_MAGIC = [
    (b"\x89PNG", "PNG"), (b"%PDF", "PDF"), (b"\x7fELF", "ELF"), (b"GIF8", "GIF"), (b"\xff\xd8\xff", "JPEG"),
    (b"\x1f\x8b", "gzip"), (b"7z\xbc\xaf", "7-Zip"), (b"Rar!", "RAR"), (b"PK", "zip"),
    (_OLE2, "Microsoft Office 97-2003"), (b"\xca\xfe\xba\xbe", "Mach-O/Java program"),
]
# Two letters only: a program for Windows (EXE, DLL) is named so when the file is not text (it has NUL bytes).
_EXE = (b"MZ", "Windows program (EXE)")
# Documents we keep: (first bytes, content type, file extension).
DOCUMENT_SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]


class FileRejected(Exception):
    """The whole file is refused; the message is for the user, ``code`` for programs and tests."""

    def __init__(self, message, code: str = "file_rejected"):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code


def stream_size(stream) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def sniff(head: bytes) -> str:
    """What the first bytes (at least 16) say the file is ("PDF", "zip", ...), or "" when they say nothing we
    know."""
    for magic, kind in _BINARY_MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(_EXE[0]) and b"\x00" in head:
        return _EXE[1]
    return ""


# ---------------------------------------------------------------------------------------------
# Spreadsheets (imports)


def check_spreadsheet(stream) -> str:
    """'xlsx' or 'csv', decided by the content of a seekable binary stream; FileRejected for anything else."""
    size = stream_size(stream)
    if size == 0:
        raise FileRejected(_("The file is empty."), "empty")
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRejected(
            _("The file is %(size)s; the limit is %(limit)s. Split the data into smaller files.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}, "too_big"
        )
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        check_zip(stream)
        return "xlsx"
    if head.startswith(_OLE2):
        raise FileRejected(_(
            "This is an old Excel 97-2003 workbook (.xls) or a password-protected workbook. Open it in "
            "Excel, remove any password and save it as \"Excel Workbook (.xlsx)\", then upload that file."
        ), "xls")
    if head.startswith(_UTF16_BOMS):
        raise FileRejected(_(
            "This text file is UTF-16 (\"Unicode Text\"). Save it from Excel as \"CSV UTF-8 (Comma "
            "delimited)\" or as an Excel Workbook (.xlsx)."
        ), "utf16")
    kind = sniff(head)
    if kind:
        raise FileRejected(not_a_spreadsheet(kind), "type")
    check_text(stream)
    return "csv"


detect = check_spreadsheet  # the name kompeten/core/spreadsheets.py and cells.py use


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


def _zip_bomb(part: str, ratio: int) -> FileRejected:
    return FileRejected(
        _("The part %(part)s of the workbook is compressed %(ratio)s times, far more than real data "
          "allows, so the file is refused (it may be a \"zip bomb\"). Save the data again in a new "
          "workbook.")
        % {"part": part[:80], "ratio": ratio}, "zip_bomb"
    )


def check_zip(stream) -> None:
    """An .xlsx: a zip archive with a workbook in it, neither a zip bomb nor an XML bomb."""
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            _check_members(members)
            for member in members:
                _check_xml_part(archive, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError):  # RuntimeError: an encrypted part
        raise FileRejected(_(
            "The workbook is damaged (it cannot be unpacked). Open it in Excel and save it again as .xlsx."
        ), "damaged") from None
    finally:
        stream.seek(0)


def _check_members(members) -> None:
    if len(members) > ZIP_MAX_MEMBERS:
        raise FileRejected(
            _("The workbook has %(count)s parts, more than the %(limit)s a real workbook may have, so it is "
              "refused (it may be a \"zip bomb\").") % {"count": len(members), "limit": ZIP_MAX_MEMBERS},
            "zip_bomb",
        )
    if not any(member.filename == "xl/workbook.xml" for member in members):
        raise FileRejected(_(
            "This is a zip archive, not an Excel workbook (.xlsx). If it is an OpenDocument or Numbers "
            "spreadsheet, save it as \"Excel Workbook (.xlsx)\" first."
        ), "type")
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    total = sum(member.file_size for member in members)
    if total > limit:
        raise FileRejected(
            _("The workbook unpacks to %(size)s, more than the limit of %(limit)s, so it is refused (it "
              "may be a \"zip bomb\"). Split the data into smaller files.")
            % {"size": filesizeformat(total), "limit": filesizeformat(limit)}, "zip_bomb"
        )
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > BOMB_MEMBER_BYTES and ratio > BOMB_RATIO:
            raise _zip_bomb(member.filename, ratio)
    # Many small parts, each under the per-part threshold, can still add up to a bomb.
    compressed = sum(member.compress_size for member in members)
    ratio = total // max(compressed, 1)
    if total > BOMB_MEMBER_BYTES and ratio > BOMB_RATIO:
        raise _zip_bomb("*", ratio)


class _PrologTooLong(Exception):
    pass


class _Bounded(io.RawIOBase):
    """At most XML_PROLOG_BYTES of a zip part: the document type, if any, comes before the root element."""

    def __init__(self, handle):
        self.handle, self.left = handle, XML_PROLOG_BYTES

    def readable(self) -> bool:
        return True

    def read(self, size=-1):
        if self.left <= 0:
            raise _PrologTooLong
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        return data


def _check_xml_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Refuse a part that declares a DTD or entities (billion laughs, external entities); stop reading at the
    first element, so that only the prolog is ever unpacked. A part that is not XML is left to the parser."""
    if member.is_dir() or member.file_size == 0:
        return
    with archive.open(member) as handle:
        try:
            for _event, _element in safe_iterparse(_Bounded(handle), events=("start",), forbid_dtd=True):
                return  # the root element began: no document type can follow
        except DefusedXmlException:
            raise FileRejected(
                _("The part %(part)s of the workbook declares a document type or entities, which no Excel "
                  "workbook has, so the file is refused (it may be an \"XML bomb\"). Save the data again in a "
                  "new workbook.") % {"part": member.filename[:80]}, "xml_bomb"
            ) from None
        except _PrologTooLong:
            raise FileRejected(
                _("The part %(part)s of the workbook does not begin like XML within %(limit)s, so the file is "
                  "refused. Save the data again in a new workbook.")
                % {"part": member.filename[:80], "limit": filesizeformat(XML_PROLOG_BYTES)}, "xml_bomb"
            ) from None
        except (ParseError, SyntaxError, UnicodeError, LookupError):
            return  # not XML, or damaged: the workbook parser reports it as a damaged workbook


def _not_utf8(line: int) -> str:
    return _("The file is not UTF-8 text (the first bad character is on line %(line)s). In Excel use Save "
             "As -> \"CSV UTF-8 (Comma delimited)\", or upload the workbook as .xlsx.") % {"line": line}


def check_text(stream) -> None:
    """UTF-8 (a BOM is fine) without NUL bytes, or FileRejected. Other encodings (Windows-1252, Latin-1) are
    refused rather than guessed: a wrong guess would silently change the letters of people's names."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        while chunk := stream.read(1 << 16):
            if b"\x00" in chunk:
                raise FileRejected(not_a_spreadsheet(), "type")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, max(exc.start, 0))
                raise FileRejected(_not_utf8(line), "encoding") from None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRejected(_not_utf8(line), "encoding") from None
    finally:
        stream.seek(0)


# ---------------------------------------------------------------------------------------------
# Documents (scans and photos that are kept)

def check_document(uploaded_file, *, max_bytes: int | None = None) -> str:
    """The content type of an uploaded scan or photo (PDF, JPEG or PNG), decided by its first bytes; FileRejected
    (code document_empty, document_too_big or document_type) otherwise."""
    size = uploaded_file.size
    if not size:
        raise FileRejected(_("The file is empty."), "document_empty")
    limit = settings.DOCUMENT_MAX_BYTES if max_bytes is None else max_bytes
    if size > limit:
        raise FileRejected(
            _("The file is %(size)s; the limit is %(limit)s. Upload a smaller scan or photo.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}, "document_too_big"
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    for magic, content_type, _extension in DOCUMENT_SIGNATURES:
        if head.startswith(magic):
            return content_type
    kind = sniff(head)
    if kind:
        raise FileRejected(
            _("This file is a %(kind)s file, not a PDF, JPEG or PNG file, whatever its name says. Scan or "
              "photograph the document and upload it as PDF, JPG or PNG.") % {"kind": kind}, "document_type"
        )
    raise FileRejected(
        _("This file is not a PDF, JPEG or PNG file, whatever its name says. Scan or photograph the document and "
          "upload it as PDF, JPG or PNG."), "document_type"
    )
