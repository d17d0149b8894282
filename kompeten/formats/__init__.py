"""Dates and numbers as the interface language writes them (Django's FORMAT_MODULE_PATH, see settings.py).

Indonesian: "27 November 2026", "27 November 2026 14.30", "1.500", "Rp3.579.314", "12,5".
English: "27 November 2026", "27 November 2026 14:30", "1,500", "Rp3.579.314", "12.5" (rupiah amounts are written
the Indonesian way in both languages, as on every wage slip and in the agreements).

Templates write dates with the named formats (``|date:"DATE_FORMAT"``, ``|date:"DATETIME_FORMAT"``), counts with
``|intcomma`` and money with ``|rupiah`` (kompeten/core/templatetags/kompeten_formats.py). Only the display formats
are set here: the input formats of forms stay Django's for each language.
"""


def rupiah(amount) -> str:
    """3579314 -> "Rp3.579.314" (whole rupiah, rounded; dots between thousands in both languages); "" for None
    or an empty value."""
    if amount is None or amount == "":
        return ""
    value = round(float(amount))
    sign = "-" if value < 0 else ""
    grouped = f"{abs(value):,}".replace(",", ".")
    return f"{sign}Rp{grouped}"


def long_date(day) -> str:
    """A date in a sentence, as people write it: "17 November 2025" (the month in the interface language); numeric
    forms (17-11-2025) stay for files and printed lists."""
    from django.utils import formats

    return formats.date_format(day, "j F Y")
