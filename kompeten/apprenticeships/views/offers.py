"""PLACEHOLDER: being written (a helper owns this module)."""

from django.http import Http404


def offer_list(request, pk=None):
    raise Http404


def offer_create(request, pk=None):
    raise Http404


def offer_detail(request, pk=None):
    raise Http404


def offer_edit(request, pk=None):
    raise Http404


def offer_submit(request, pk=None):
    raise Http404


def offer_approve(request, pk=None):
    raise Http404


def offer_reject(request, pk=None):
    raise Http404


def offer_close(request, pk=None):
    raise Http404


def offer_applicants(request, pk=None):
    raise Http404


def applicant_detail(request, pk=None):
    raise Http404

