"""Province dashboard: target against realisation along the funnel (stub; being built)."""

from django.http import Http404

from kompeten.accounts.decorators import operator_or_admin_required

TABLES: dict = {}


@operator_or_admin_required
def dashboard(request):
    raise Http404


@operator_or_admin_required
def persons(request):
    raise Http404


@operator_or_admin_required
def table_export(request, table, fmt):
    raise Http404
