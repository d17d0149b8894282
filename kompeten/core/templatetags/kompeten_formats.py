"""Template filters for numbers in the interface language: ``{% load kompeten_formats %}``.

``{{ amount|rupiah }}``: "Rp3.579.314" (dots in both languages, kompeten.formats.rupiah). Counts use Django's
``intcomma`` (django.contrib.humanize), which follows the language's THOUSAND_SEPARATOR (kompeten/formats/).
"""

from django import template

from kompeten import formats

register = template.Library()


@register.filter
def rupiah(amount) -> str:
    try:
        return formats.rupiah(amount)
    except (TypeError, ValueError):
        return str(amount)
