"""Dates and numbers as the interface language writes them (Django's FORMAT_MODULE_PATH, see settings.py).

Indonesian: "27 November 2026", "27 November 2026 14.30", "1.500", "Rp3.579.314", "12,5".
English: "27 November 2026", "27 November 2026 14:30", "1,500", "Rp3,579,314", "12.5".

Templates write dates with the named formats (``|date:"DATE_FORMAT"``, ``|date:"DATETIME_FORMAT"``), counts with
``|intcomma`` and money with ``|rupiah`` (kompeten/core/templatetags/kompeten_formats.py). Only the display formats
are set here: the input formats of forms stay Django's for each language.
"""

from django.utils.formats import get_format


def rupiah(amount) -> str:
    """3579314 -> "Rp3.579.314" in Indonesian, "Rp3,579,314" in English (whole rupiah, rounded); "" for None
    or an empty value."""
    if amount is None or amount == "":
        return ""
    value = round(float(amount))
    sign = "-" if value < 0 else ""
    grouped = f"{abs(value):,}".replace(",", str(get_format("THOUSAND_SEPARATOR")))
    return f"{sign}Rp{grouped}"
