"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def demand(request, pk=None):
    raise Http404


def planning(request, pk=None):
    raise Http404

