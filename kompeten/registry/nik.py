"""Indonesian NIK (Nomor Induk Kependudukan) rules.

A NIK is 16 digits: PP RR DD DDMMYY SSSS.

- PP, RR, DD: province, regency (kabupaten/kota) and district (kecamatan) codes,
  exposed here in the dotted Kemendagri form "64", "64.71", "64.71.05".
- DDMMYY: birth date; women have 40 added to the day (41..71).
- SSSS: serial, never "0000".

The century is a guess: YY is 20YY unless that date is after today, then 19YY.
An unknown province is an error; an unknown regency only a warning, because codes
survive regency splits and reference lists lag behind.
This module is pure Python and imports nothing from Django.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"

_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"[0-9]+")
_DISTRICT = re.compile(r"([0-9]{2})\.?([0-9]{2})\.?([0-9]{2})")


@dataclass(frozen=True)
class NikIssue:
    code: str
    severity: str
    params: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province_code: str
    regency_code: str
    district_code: str
    birth_date: datetime.date | None
    sex: str | None
    serial: str


@dataclass(frozen=True)
class NikResult:
    info: NikInfo | None
    issues: tuple[NikIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[NikIssue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == ERROR)

    @property
    def warnings(self) -> tuple[NikIssue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == WARNING)


def normalise_nik(value) -> str:
    """Strip the value and drop spaces, dots and dashes; nothing else."""
    if value is None:
        return ""
    return _SEPARATORS.sub("", str(value).strip())


def _resolve_birth_date(day: int, month: int, yy: int, today: datetime.date) -> datetime.date | None:
    """Return the birth date, choosing 20YY unless that is after today; None if not a real date."""
    try:
        candidate = datetime.date(2000 + yy, month, day)
    except ValueError:
        candidate = None
    if candidate is not None and candidate <= today:
        return candidate
    try:
        return datetime.date(1900 + yy, month, day)
    except ValueError:
        return None


def parse_nik(
    value,
    *,
    province_codes: Collection[str],
    regency_codes: Collection[str] | None = None,
    today: datetime.date | None = None,
) -> NikResult:
    nik = normalise_nik(value)
    if not nik:
        return NikResult(None, (NikIssue("nik_required", ERROR, {}),))
    if not _DIGITS.fullmatch(nik):
        return NikResult(None, (NikIssue("nik_not_digits", ERROR, {}),))
    if len(nik) != 16:
        return NikResult(None, (NikIssue("nik_length", ERROR, {"length": len(nik)}),))

    # Local calendar date on purpose: a birth date has no time zone.
    today = today or datetime.date.today()  # noqa: DTZ011
    issues: list[NikIssue] = []
    province, regency = nik[0:2], f"{nik[0:2]}.{nik[2:4]}"
    day_field, month_field, year_field, serial = nik[6:8], nik[8:10], nik[10:12], nik[12:16]

    if province not in province_codes:
        issues.append(NikIssue("nik_province_unknown", ERROR, {"province": province}))

    month = int(month_field)
    month_ok = 1 <= month <= 12
    if not month_ok:
        issues.append(NikIssue("nik_month_invalid", ERROR, {"month": month_field}))

    raw_day = int(day_field)
    sex = "L" if 1 <= raw_day <= 31 else "P" if 41 <= raw_day <= 71 else None
    day = raw_day - 40 if sex == "P" else raw_day
    if sex is None:
        issues.append(NikIssue("nik_day_invalid", ERROR, {"day": day_field}))

    birth_date = None
    if month_ok and sex is not None:
        birth_date = _resolve_birth_date(day, month, int(year_field), today)
        if birth_date is None:
            stated = f"{day:02d}-{month_field}-{year_field}"
            issues.append(NikIssue("nik_date_invalid", ERROR, {"date": stated}))

    if serial == "0000":
        issues.append(NikIssue("nik_serial_zero", ERROR, {}))

    if regency_codes is not None and regency not in regency_codes:
        issues.append(NikIssue("nik_regency_unknown", WARNING, {"regency": regency}))

    info = NikInfo(
        nik=nik,
        province_code=province,
        regency_code=regency,
        district_code=f"{regency}.{nik[4:6]}",
        birth_date=birth_date,
        sex=sex,
        serial=serial,
    )
    return NikResult(info, tuple(issues))


def _dmy(value: datetime.date) -> tuple[int, int, int]:
    return value.day, value.month, value.year % 100


def compare_with_person(
    info: NikInfo, *, birth_date: datetime.date | None, sex: str | None
) -> tuple[NikIssue, ...]:
    """Warn when stated birth date or sex disagree with the NIK; the century is not compared."""
    issues: list[NikIssue] = []
    encoded = info.birth_date
    if birth_date is not None and encoded is not None and _dmy(encoded) != _dmy(birth_date):
        params = {"nik_date": encoded.isoformat(), "stated": birth_date.isoformat()}
        issues.append(NikIssue("nik_birth_date_mismatch", WARNING, params))
    if sex is not None and info.sex is not None and str(sex).strip().upper() != info.sex:
        issues.append(NikIssue("nik_sex_mismatch", WARNING, {"nik_sex": info.sex, "stated": sex}))
    return tuple(issues)


def make_nik(district_code: str, birth_date: datetime.date, sex: str, serial: int) -> str:
    """Build a valid NIK from a dotted ("64.71.05") or compact ("647105") district code."""
    match = _DISTRICT.fullmatch(district_code) if isinstance(district_code, str) else None
    if match is None:
        raise ValueError(f"invalid district code: {district_code!r}")
    if not isinstance(birth_date, datetime.date):
        raise ValueError(f"invalid birth date: {birth_date!r}")
    if sex not in ("L", "P"):
        raise ValueError(f"sex must be 'L' or 'P', not {sex!r}")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= 9999:
        raise ValueError(f"serial must be an integer 1..9999, not {serial!r}")
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{''.join(match.groups())}{day:02d}{birth_date:%m}{birth_date.year % 100:02d}{serial:04d}"


def mask_nik(nik: str) -> str:
    """Mask for display: 16 chars show only the last 4; otherwise never reveal positions 1-12."""
    value = "" if nik is None else str(nik)
    if len(value) == 16:
        return "*" * 12 + value[12:]
    # Up to the last 4 chars, but never a char at positions 7-12 of a truncated NIK.
    visible = min(4, max(0, len(value) - 12)) if len(value) >= 8 else 0
    return "*" * (len(value) - visible) + value[len(value) - visible :]
