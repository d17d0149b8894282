"""The shared step of every app's fetch helper: one object of an already scoped queryset, or 404."""

from django.http import Http404


def get_or_404(queryset, pk):
    """The object with this key in ``queryset`` (scoped by ``visible_to``); 404 when it is missing,
    belongs to someone else or the key is malformed — the same answer in every case, never 403."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def int_param(value, *, default=None, maximum: int = 2**31 - 1):
    """A whole number from a query or form parameter: ASCII digits only, at most ``maximum``; else ``default``.

    ``str.isdigit`` accepts "²" and "١", which ``int`` then refuses, and an unbounded number overflows
    the database's integer: both would be a 500 instead of the page without the filter.
    """
    if isinstance(value, str) and 0 < len(value) <= 10 and value.isascii() and value.isdigit():
        number = int(value)
        if number <= maximum:
            return number
    return default
