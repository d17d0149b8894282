"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def home(request, pk=None):
    raise Http404

