"""Downloads of participant lists for SIAPkerja / Skillhub and BNSP (kompeten/training/exchange.py): a batch's
participants from the batch page, an assessment event's candidates from the event page. The files carry the NIK:
only the province admin and the operators of the batch's (event's) centre get them; everyone else gets 404."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from kompeten.accounts.decorators import operator_or_admin_required
from kompeten.training import exchange


def _response(export: exchange.ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@operator_or_admin_required
def batch_list(request, batch_pk, fmt, file_type):
    batch = exchange.get_batch_for_export(request.user, batch_pk)
    if fmt not in exchange.FORMATS or file_type not in exchange.FILE_TYPES:
        raise Http404
    return _response(exchange.export_batch(batch, fmt, file_type, by=request.user, request=request))


@require_GET
@operator_or_admin_required
def event_list(request, event_pk, fmt, file_type):
    event = exchange.get_event_for_export(request.user, event_pk)
    if fmt != exchange.BNSP.key or file_type not in exchange.FILE_TYPES:
        raise Http404
    return _response(exchange.export_event(event, fmt, file_type, by=request.user, request=request))
