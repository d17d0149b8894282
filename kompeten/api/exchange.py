"""API: participant lists exchanged with SIAPkerja / Skillhub and BNSP (kompeten/api/base.py says what every router
follows; the formats are in kompeten/training/exchange.py and docs/formats.md).

- ``GET /participant-lists/formats``: the formats and their columns (no personal data).
- ``GET /batches/{batch_id}/participant-list?format=siapkerja|bnsp&file=csv|xlsx``: a batch's participants.
- ``GET /assessment-events/{event_id}/candidate-list?format=bnsp&file=csv|xlsx``: an event's candidates.
- ``POST /participant-lists/import`` (multipart: ``file``, ``format``, ``centre``, ``year``): a SIAPkerja (or BNSP)
  list read back through record linkage; all or nothing.

The files carry the NIK: only the province admin and the operators of the batch's (event's) centre get them; for
anyone else the batch or event does not exist (404 ``not_found``). Every download is logged as an export.
"""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from kompeten.api.base import AUTH, ApiError, ErrorOut, not_found, require_role, user_of
from kompeten.api.idempotency import idempotent

router = Router(auth=AUTH)

FILE_RESPONSE = {"200": {"description": "The list as a file: CSV (UTF-8 with BOM) or .xlsx.", "content": {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}},
}}}


class ColumnOut(Schema):
    header: str
    description: str


class FormatOut(Schema):
    key: str
    label: str
    importable: bool
    date_format: str
    columns: list[ColumnOut]


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    format: str
    written: bool
    rows: int
    year: int | None
    list: int | None
    records: int
    linked: int
    review: int
    unmatched: int
    warnings: list[RowErrorOut]


def _invalid(detail: str) -> ApiError:
    return ApiError(422, "invalid", detail)


def _file_type(value: str) -> str:
    from kompeten.training import exchange

    if value not in exchange.FILE_TYPES:
        raise _invalid(_("Unknown file type %(value)s; use csv or xlsx.") % {"value": value[:10]})
    return value


def _download(export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/participant-lists/formats", response={200: list[FormatOut]}, url_name="exchange_formats",
            summary="The participant list formats (SIAPkerja / Skillhub, BNSP) and their columns")
def formats(request):
    from kompeten.training import exchange

    return [{"key": f.key, "label": str(f.label), "importable": True, "date_format": "DD/MM/YYYY",
             "columns": [{"header": c.header, "description": str(c.help)} for c in f.columns]}
            for f in exchange.FORMATS.values()]


@router.get("/batches/{batch_id}/participant-list", response={404: ErrorOut, 422: ErrorOut},
            url_name="exchange_batch_list", openapi_extra={"responses": FILE_RESPONSE},
            summary="A batch's participants as a SIAPkerja or BNSP list (CSV or .xlsx, with NIK)")
def batch_list(request, batch_id: int, format: str = "siapkerja", file: str = "csv"):  # noqa: A002 - the query
    from kompeten.training import exchange

    user = user_of(request)
    try:
        batch = exchange.get_batch_for_export(user, batch_id)
    except Http404:
        raise not_found() from None
    if format not in exchange.FORMATS:
        raise _invalid(_("Unknown format %(value)s; use one of %(formats)s.")
                       % {"value": format[:40], "formats": ", ".join(exchange.FORMATS)})
    return _download(exchange.export_batch(batch, format, _file_type(file), by=user, request=request))


@router.get("/assessment-events/{event_id}/candidate-list", response={404: ErrorOut, 422: ErrorOut},
            url_name="exchange_event_list", openapi_extra={"responses": FILE_RESPONSE},
            summary="An assessment event's candidates and results as a BNSP list (CSV or .xlsx, with NIK)")
def event_list(request, event_id: int, format: str = "bnsp", file: str = "csv"):  # noqa: A002 - the query
    from kompeten.training import exchange

    user = user_of(request)
    try:
        event = exchange.get_event_for_export(user, event_id)
    except Http404:
        raise not_found() from None
    if format != exchange.BNSP.key:
        raise _invalid(_("An assessment event's candidates are exported in the bnsp format only."))
    return _download(exchange.export_event(event, format, _file_type(file), by=user, request=request))


@router.post("/participant-lists/import", response={200: ImportOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             url_name="exchange_import",
             summary="Import a SIAPkerja / Skillhub (or BNSP) participant list through record linkage")
@idempotent
def import_list(request, file: File[UploadedFile], format: Form[str] = "siapkerja",  # noqa: A002 - the form field
                centre: Form[str] = "", year: Form[int | None] = None):
    """All or nothing: a file with any error writes nothing and is answered 422 ``invalid_rows`` with ``errors``
    (row, column as written, message), or 422 ``file_rejected`` when the whole file is refused. The rows are kept as
    a source list of the format's kind and linked to the registered job seekers: a person already registered is
    found (their prior training), never registered a second time."""
    from kompeten.linkage.importer import FIRST_YEAR
    from kompeten.programmes.models import TrainingCentre
    from kompeten.training import exchange

    user = user_of(request)
    require_role(request, "province_admin", "centre_operator")
    if format not in exchange.FORMATS:
        raise _invalid(_("Unknown format %(value)s; use one of %(formats)s.")
                       % {"value": format[:40], "formats": ", ".join(exchange.FORMATS)})
    if year is not None and not FIRST_YEAR <= year <= timezone.localdate().year:
        raise _invalid(_("year must be a year from %(first)s to this year, not %(value)s.")
                       % {"first": FIRST_YEAR, "value": year})
    centres = TrainingCentre.objects.visible_to(user)
    if centre:
        found = centres.filter(code=centre).first()
        if found is None:
            raise not_found(_("There is no training centre %(code)s of yours.") % {"code": centre[:40]})
    else:
        found = None if user.is_province_admin else centres.order_by("pk").first()
    report = exchange.import_participants(file, key=format, filename=file.name or "", year=year, centre=found,
                                          by=user)
    if report.file_error:
        raise ApiError(422, "file_rejected", report.file_error)
    if not report.written:
        raise ApiError(422, "invalid_rows",
                       _("Nothing was written: %(errors)s error(s) in %(rows)s of %(total)s row(s).")
                       % {"errors": len(report.errors), "rows": report.error_rows, "total": report.total_rows},
                       errors=[vars(e) for e in report.errors])
    data = report.as_dict()
    data["warnings"] = [vars(w) for w in report.warnings]
    return data
