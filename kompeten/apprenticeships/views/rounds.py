"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def round_list(request, pk=None):
    raise Http404


def round_create(request, pk=None):
    raise Http404


def round_detail(request, pk=None):
    raise Http404


def round_close(request, pk=None):
    raise Http404


def round_match(request, pk=None):
    raise Http404


def round_publish(request, pk=None):
    raise Http404


def round_apply(request, pk=None):
    raise Http404


def my_apprenticeship(request, pk=None):
    raise Http404

