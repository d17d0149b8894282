"""Turning the pure NIK and phone checks into messages a person can act on.

Shared by the forms, the importer and the API: each returns translated messages, never raises.
"""

import datetime

from django.utils.translation import gettext_lazy as _

from kompeten.reference.services import province_codes, regency_codes
from kompeten.registry.nik import NikResult, compare_with_person, parse_nik

NIK_MESSAGES = {
    "nik_required": _("NIK is required."),
    "nik_not_digits": _("NIK may contain only digits."),
    "nik_length": _("NIK must have exactly 16 digits; this one has %(length)s."),
    "nik_province_unknown": _("NIK starts with province code %(province)s, which does not exist."),
    "nik_month_invalid": _("NIK digits 9-10 (birth month) are %(month)s; a month is 01 to 12."),
    "nik_day_invalid": _("NIK digits 7-8 (birth day) are %(day)s; a day is 01-31, or 41-71 for women."),
    "nik_date_invalid": _("NIK digits 7-12 hold the birth date %(date)s, which is not a real date."),
    "nik_serial_zero": _("NIK digits 13-16 are 0000, which is never issued."),
    "nik_regency_unknown": _("NIK regency code %(regency)s is not in the current list (it may predate a split)."),
    "nik_birth_date_mismatch": _("The birth date in the NIK (%(nik_date)s) differs from the stated %(stated)s."),
    "nik_sex_mismatch": _("The NIK is that of a %(nik_sex)s person, but the stated sex is %(stated)s."),
    "nik_taken": _("This NIK is already registered."),
}

# Short labels for the warnings stored on a person (Person.nik_warnings), shown until confirmed.
NIK_WARNING_LABELS = {
    "nik_regency_unknown": _("The regency code in the NIK is not in the current list."),
    "nik_birth_date_mismatch": _("The birth date in the NIK differs from the stated date of birth."),
    "nik_sex_mismatch": _("The sex encoded in the NIK differs from the stated sex."),
}

PHONE_MESSAGES = {
    "phone_invalid": _("Not a valid Indonesian phone number (for example 0812-3456-7890)."),
}


def issue_message(issue) -> str:
    return str(NIK_MESSAGES[issue.code]) % issue.params if issue.params else str(NIK_MESSAGES[issue.code])


def check_nik(value, *, birth_date: datetime.date | None = None, sex: str | None = None):
    """(result, errors, warnings): NIK rules plus agreement with the stated birth date and sex."""
    result: NikResult = parse_nik(value, province_codes=province_codes(), regency_codes=regency_codes())
    issues = list(result.issues)
    if result.info is not None and result.info.birth_date is not None:
        issues.extend(compare_with_person(result.info, birth_date=birth_date, sex=sex))
    errors = [issue_message(i) for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity == "warning"]
    return result, errors, warnings
