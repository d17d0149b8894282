"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def vacancy_list(request, pk=None):
    raise Http404


def vacancy_create(request, pk=None):
    raise Http404


def vacancy_import(request, pk=None):
    raise Http404


def vacancy_detail(request, pk=None):
    raise Http404


def vacancy_edit(request, pk=None):
    raise Http404


def vacancy_close(request, pk=None):
    raise Http404


def shortlist(request, pk=None):
    raise Http404


def invite(request, pk=None):
    raise Http404


def hire(request, pk=None):
    raise Http404


def candidate(request, pk=None):
    raise Http404

