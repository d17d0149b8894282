"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def mine(request, pk=None):
    raise Http404


def answer(request, pk=None):
    raise Http404

