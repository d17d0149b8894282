"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def placement_list(request, pk=None):
    raise Http404


def placement_create(request, pk=None):
    raise Http404


def placement_detail(request, pk=None):
    raise Http404


def placement_transition(request, pk=None):
    raise Http404


def agreement_pdf(request, pk=None):
    raise Http404


def scan_upload(request, pk=None):
    raise Http404


def scan_download(request, pk=None):
    raise Http404


def placement_transfer(request, pk=None):
    raise Http404


def visit_add(request, pk=None):
    raise Http404


def placement_complete(request, pk=None):
    raise Http404


def logbook_write(request, pk=None):
    raise Http404


def logbook_confirm(request, pk=None):
    raise Http404

