"""The monthly report (laporan bulanan) as PDF and XLSX: /laporan/bulanan/<year>/<month>.<pdf|xlsx>.

A province admin gets the province, an operator the figures of their own centres only. The summary tables are
brought up to date first (as the dashboard does: at most ``refresh.REQUEST_LIMIT`` stale persons in the request).
The document is in the language of the request.
"""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from kompeten.accounts.decorators import operator_or_admin_required

CONTENT_TYPES = {"pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def filename(year: int, month: int, fmt: str, centres=None) -> str:
    """ "laporan-bulanan-2025-11.pdf"; an operator's report adds the centre: "...-11-blki_balikpapan.pdf"."""
    from kompeten.programmes.models import TrainingCentre

    name = f"laporan-bulanan-{year}-{month:02d}"
    if centres is not None:
        codes = sorted(TrainingCentre.objects.filter(pk__in=centres).values_list("code", flat=True))
        name += "".join(f"-{code}" for code in codes)
    return f"{name}.{fmt}"


@require_GET
@operator_or_admin_required
def monthly(request, year, month, fmt):
    from kompeten.programmes.models import ProgrammeYear
    from kompeten.reporting import monthly as report_data
    from kompeten.reporting.queries import centres_for
    from kompeten.reporting.refresh import REQUEST_LIMIT, refresh_stale

    if fmt not in CONTENT_TYPES or not 1 <= month <= 12 or not ProgrammeYear.objects.filter(year=year).exists():
        raise Http404
    refresh_stale(limit=REQUEST_LIMIT)
    centres = centres_for(request.user)
    report = report_data.build(year, month, centres)
    if fmt == "pdf":
        from kompeten.reporting.documents import monthly_pdf

        content = monthly_pdf(report)
    else:
        from kompeten.reporting.xlsx import monthly_xlsx

        content = monthly_xlsx(report)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename(year, month, fmt, centres)}"'
    response["Cache-Control"] = "private, no-store"
    return response
