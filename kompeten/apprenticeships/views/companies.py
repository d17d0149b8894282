"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def company_register(request, pk=None):
    raise Http404


def company_list(request, pk=None):
    raise Http404


def company_detail(request, pk=None):
    raise Http404


def company_edit(request, pk=None):
    raise Http404


def company_verify(request, pk=None):
    raise Http404


def company_reject(request, pk=None):
    raise Http404


def mentor_add(request, pk=None):
    raise Http404

