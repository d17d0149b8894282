"""The monthly report as PDF and XLSX (stub; being built)."""

from django.http import Http404

from kompeten.accounts.decorators import operator_or_admin_required


@operator_or_admin_required
def monthly(request, year, month, fmt):
    raise Http404
