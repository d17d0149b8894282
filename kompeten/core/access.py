"""The shared step of every app's fetch helper: one object of an already scoped queryset, or 404."""

from django.http import Http404


def get_or_404(queryset, pk):
    """The object with this key in ``queryset`` (scoped by ``visible_to``); 404 when it is missing,
    belongs to someone else or the key is malformed — the same answer in every case, never 403."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
