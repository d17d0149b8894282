"""Dates in sentences as people read them: "17 November 2025" in Indonesian and in English (month names follow the
active language). Numeric forms (17-11-2025) stay for files and printed lists."""

import datetime

from django.utils import formats

LONG = "j F Y"


def long_date(day: datetime.date) -> str:
    return formats.date_format(day, LONG)
