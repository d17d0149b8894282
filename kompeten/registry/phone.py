"""Indonesian phone numbers, normalised to E.164 ("+62...").

Accepted input: "+62 812...", "62812...", "0812-3456-7890", "(0542) 123456" and mobile
numbers without the trunk zero ("812..."). Spaces, dashes, dots and parentheses are
ignored. The national significant number (after 62) must be 8-12 digits and must not
start with 0. Other country codes are rejected.
This module is pure Python and imports nothing from Django.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-()]")
_NATIONAL = re.compile(r"[1-9][0-9]{7,11}")


class PhoneError(ValueError):
    def __init__(self, code: str = "phone_invalid"):
        super().__init__(code)
        self.code = code


def normalise_phone(value: str) -> str:
    if not isinstance(value, str):
        raise PhoneError("phone_invalid")
    number = _SEPARATORS.sub("", value.strip())
    if number.startswith("+62"):
        national = number[3:]
    elif number.startswith("62"):
        national = number[2:]
    elif number.startswith("0"):
        national = number[1:]
    elif number.startswith("8"):
        national = number
    else:
        raise PhoneError("phone_invalid")
    if not _NATIONAL.fullmatch(national):
        raise PhoneError("phone_invalid")
    return f"+62{national}"
