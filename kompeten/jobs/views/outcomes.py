"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def survey(request, token=None):
    raise Http404


def rates(request, pk=None):
    raise Http404


def followups(request, pk=None):
    raise Http404


def followup(request, pk=None):
    raise Http404


def person_outcome(request, pk=None):
    raise Http404


def ak1_list(request, pk=None):
    raise Http404


def ak1_report(request, pk=None):
    raise Http404

