"""The operator's centre dashboard (stub; being built)."""

from django.http import Http404

from kompeten.accounts.decorators import operator_or_admin_required


@operator_or_admin_required
def centre_dashboard(request):
    raise Http404
