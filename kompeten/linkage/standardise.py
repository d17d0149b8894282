"""Standardising one source record (a row of this year's registrations, an old BLK participant spreadsheet, a
SIAPkerja / Skillhub export, a BNSP list) into a ``records.Record`` for the linkage. Pure Python: no database; the
reference regions are read once from the package's CSV files (kompeten/reference/data) at import.

Nothing here raises on bad input: what cannot be read becomes "" / None, and what is wrong with a NIK becomes a
problem code (NIK_PROBLEMS).

NIK (``clean_nik``), what can and cannot be inferred:

- Separators (spaces, dots, dashes) and a leading apostrophe are dropped. A value that holds other characters gets
  "not_digits"; a single run of 15 or 16 digits inside it is still used.
- 16 digits: the NIK, checked. 15 digits: the 16th was lost (province codes start with 1-9, so no leading zero can
  have been lost) -> ``nik15`` only, "length". Other lengths: "length", nothing kept.
- A number cell (int / float, or text such as "6471054203990010.0"): Excel keeps 15 significant digits and makes
  the 16th a 0. That 0 is the only signal, so a 16-digit number ending in 0 gets "excel_zeroed" (``nik`` keeps
  the digits as read, ``nik15`` the 15 that can be trusted). A text NIK ending in 0 is not flagged, except with
  serial "0000" (impossible; the last digit was lost on the way). Number cells not ending in 0 came through
  intact (a tool other than Excel wrote them) and are used as they are.
- Scientific notation ("6.47105E+15", "6,47105E+15"): only the digits written are trustworthy -> "scientific";
  with 15 of them ``nik15`` (and ``nik`` padded with 0, "excel_zeroed"), with 16 the whole NIK, with fewer
  nothing.
- "bad_region": province, regency (current or retired in the 2022 Papua splits) or district 00 unknown.
  "bad_date": digits 7-12 are no date (DD 01-31 for men, 41-71 for women, MM 01-12).
- Against the stated birth date and sex (when given): "date_mismatch" when day, month and year (2 digits) of the
  NIK are not the stated ones (a day/month swap of the stated date is not a mismatch: ``swapped``),
  "sex_mismatch" when the day encodes the other sex. "kk_suspect" when the digits look like a family card (KK)
  number instead: a KK has the same region prefix but digits 7-12 are its issue date (never +40), so the date
  part is a real date from 2000 to today, after the birth date and in a later year, and differs from the birth
  date in at least two of day, month and year (one differing field is more likely a typo). A date part that is no
  date at all is "bad_date", not "kk_suspect": a KK's issue date is a real date too. Also "kk_suspect" when the
  KK given (``kk=``; ``standardise`` passes the record's ``kk`` column) is the same number.
- "placeholder": one digit repeated, digits 7-16 all zero, or 1234567890123456: a filler, dropped (it would
  otherwise make one huge block of unrelated people).

Birth dates (``parse_birth_date``): date / datetime cells, Excel serial numbers (1900 system; from 10000, 18 May
1927: smaller numbers are years or junk), DD/MM/YYYY with /,
- or . (also 2-digit years, the century as for NIKs), YYYY-MM-DD (a time ignored), YYYY/MM/DD, "12 Maret 1999"
(Indonesian or English month names, old spellings, kompeten.core.cells.MONTHS), 8 digits DDMMYYYY or YYYYMMDD,
7 digits DMMYYYY (a number that lost its leading zero), and a date inside a longer text ("Samarinda, 12-03-1999";
``standardise`` also takes place and date from ``tempat_lahir`` when ``tanggal_lahir`` is empty). When the
day-first reading is impossible because the month exceeds 12 while the day does not, the month-first (US) reading
is taken. Only dates from 1900 to today.

Region (``Record.region``): ``kode_wilayah`` (dotted or compact; village, district or regency). In Kalimantan
Timur, whose every code is in the reference data, the longest prefix that exists is kept; elsewhere (regencies
only in the reference data) the code is kept when its regency exists. Without a usable code, ``kabupaten_kota``
is resolved by name or alias (REGENCY_ALIASES; Kalimantan Timur wins a name shared with another province) and
``kecamatan`` by name among Kalimantan Timur's districts (of that regency when one is known; otherwise only a
name that is unique). Both are dictionary lookups. A code also made more precise by a district name within it.

``Record.sex`` and ``Record.birth_date`` are the stated values; what the NIK encodes is ``nik_facts(nik)``.
"""

from __future__ import annotations

import csv
import datetime
import math
import re
import time
import unicodedata
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.cells import MONTHS, SEX
from kompeten.linkage.names import modern_spelling, name_tokens, normalise_name
from kompeten.linkage.records import Record
from kompeten.registry.nik import make_nik, normalise_nik, parse_nik
from kompeten.registry.phone import PhoneError, normalise_phone

__all__ = [
    "NIK_PROBLEMS", "REGENCY_ALIASES", "clean_nik", "nik_facts", "repair_hints", "normalise_name", "name_tokens",
    "parse_birth_date", "swapped", "normalise_place", "normalise_address", "normalise_phone_number",
    "normalise_email", "region_code", "education_code", "standardise",
]

NIK_PROBLEMS: dict[str, str] = {
    "not_digits": gettext_lazy("The NIK holds characters other than digits."),
    "length": gettext_lazy("The NIK does not have 16 digits."),
    "scientific": gettext_lazy("The NIK was written in scientific notation (e.g. 6.47105E+15): only the digits "
                               "shown survive."),
    "excel_zeroed": gettext_lazy("The NIK went through a number cell in Excel, which keeps 15 digits: the 16th "
                                 "became 0 and only the first 15 can be trusted."),
    "placeholder": gettext_lazy("The NIK is a filler (repeated or zero digits), not a real number."),
    "bad_region": gettext_lazy("The NIK's region code (digits 1-6) does not exist."),
    "bad_date": gettext_lazy("Digits 7-12 of the NIK are not a date of birth (DDMMYY, 40 added to the day for "
                             "women)."),
    "date_mismatch": gettext_lazy("The birth date encoded in the NIK is not the stated birth date."),
    "sex_mismatch": gettext_lazy("The sex encoded in the NIK (40 added to the day for women) is not the stated "
                                 "sex."),
    "kk_suspect": gettext_lazy("The number looks like a family card (KK) number typed as the NIK: digits 7-12 "
                               "look like an issue date, not the birth date."),
}

# ---------------------------------------------------------------------------------------------
# Reference regions (read once)

_DATA = Path(__file__).resolve().parent.parent / "reference" / "data"

# Regency codes that are no longer current but still begin NIKs issued before the 2022 Papua splits
# (kompeten/reference/data/README.md, "Retired codes").
RETIRED_REGENCIES = frozenset(
    [f"91.{n:02d}" for n in (1, 2, 4, 7, 8, 9, 12, 13, 14, 16, 17, 18, *range(21, 29))]
    + ["92.01", "92.04", "92.05", "92.09", "92.10", "92.71"]
)

# Kalimantan Timur's regencies and cities as people write them (the same as kompeten/jobs/importer.py's, plus
# abbreviations and towns seen in participant lists). Code -> spellings, lower case.
REGENCY_ALIASES: dict[str, tuple[str, ...]] = {
    "64.01": ("paser", "pasir", "tanah grogot", "tana grogot", "grogot", "tana paser"),
    "64.02": ("kukar", "kutai kartanegara", "kutai kertanegara", "kutai kartanagara", "tenggarong", "tgr"),
    "64.03": ("berau", "tanjung redeb", "tanjungredeb", "tg redeb"),
    "64.07": ("kubar", "kutai barat", "sendawar"),
    "64.08": ("kutim", "kutai timur", "sangatta", "sangata"),
    "64.09": ("ppu", "penajam", "penajam paser utara"),
    "64.11": ("mahulu", "mahakam ulu", "ujoh bilang"),
    "64.71": ("bpn", "bpp", "balikpapan", "kota balikpapan"),
    "64.72": ("smd", "smr", "samarinda", "kota samarinda"),
    "64.74": ("btg", "bontang", "kota bontang"),
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PLACE_PREFIX = re.compile(r"^(?:kabupaten|kab|kota|kotamadya|kodya|administrasi|adm|kecamatan|kec|kelurahan|kel|"
                           r"desa|ds|provinsi|prov)\b\s*")


def _ascii_lower(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.lower()


def _place_key(text: str) -> str:
    """Lower case ASCII words in modern spelling, administrative prefixes dropped ("Kab. Kutai Kartanegara")."""
    words = _NON_ALNUM.sub(" ", _ascii_lower(text).replace("'", "")).split()
    key = " ".join(modern_spelling(word) for word in words)
    while True:
        shorter = _PLACE_PREFIX.sub("", key)
        if shorter == key or not shorter:
            return key
        key = shorter


def _rows(name: str) -> list[dict]:
    with open(_DATA / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _load_regions():
    provinces: set[str] = set()
    regencies: set[str] = set(RETIRED_REGENCIES)
    kaltim: set[str] = set()
    regency_names: dict[str, str] = {}  # code -> canonical name (key form, prefix dropped)
    by_name: dict[str, str] = {}  # key -> regency code (Kalimantan Timur written last: it wins)
    ours: dict[str, str] = {}
    districts: dict[str, list[tuple[str, str]]] = {}  # key -> [(district code, regency code)]
    kota: dict[str, str] = {}  # key -> code of a "Kota ..." when a kabupaten shares its name
    for row in _rows("indonesia_regencies.csv"):
        if row["level"] == "province":
            provinces.add(row["code"])
        else:
            regencies.add(row["code"])
            key = _place_key(row["name"])
            regency_names[row["code"]] = key
            if row["type"] == "kota":
                kota[key] = row["code"]
            target = ours if row["code"].startswith("64.") else by_name
            if row["type"] == "kabupaten":
                target[key] = row["code"]  # "Bandung" without "Kota" is the kabupaten
            else:
                target.setdefault(key, row["code"])
    for row in _rows("kaltim_regions.csv"):
        kaltim.add(row["code"])
        if row["level"] == "district":
            districts.setdefault(_place_key(row["name"]), []).append((row["code"], row["parent_code"]))
    for code, spellings in REGENCY_ALIASES.items():
        for spelling in spellings:
            ours[_place_key(spelling)] = code
    by_name.update(ours)
    return frozenset(provinces), frozenset(regencies), frozenset(kaltim), regency_names, by_name, districts, kota


PROVINCES, REGENCIES, KALTIM_CODES, _REGENCY_NAMES, _REGENCY_BY_NAME, _DISTRICTS, _KOTA = _load_regions()
_REGENCIES_COMPACT = frozenset(code.replace(".", "") for code in REGENCIES)

# ---------------------------------------------------------------------------------------------
# NIK

_SCIENTIFIC = re.compile(r"([0-9]+)(?:[.,]([0-9]*))?[eE]\+?([0-9]{1,3})")
_FLOAT_TEXT = re.compile(r"([0-9]{15,16})[.,]0+")
_DIGIT_RUNS = re.compile(r"[0-9]+")
_INVISIBLE = re.compile(r"[\s\u00a0\u200b-\u200d\u2060\ufeff]+")


_TODAY: list = [0.0, None]  # [time.time() of the last look, today's date], looked up again after a minute


def _today() -> datetime.date:
    """Today (a birth date is a calendar date, no time zone); date.today() costs microseconds, so it is kept for a
    minute."""
    now = time.time()
    if not _TODAY[0] <= now < _TODAY[0] + 60:
        _TODAY[0], _TODAY[1] = now, datetime.date.today()  # noqa: DTZ011
    return _TODAY[1]


def _nik_digits(raw) -> tuple[str, list[str], bool]:
    """(digits as read, problems so far, whether the value went through a number). May be "" with problems."""
    if raw is None:
        return "", [], False
    if isinstance(raw, bool):
        return "", ["not_digits"], False
    if isinstance(raw, int):
        return (str(raw), [], True) if raw > 0 else ("", ["not_digits"], False)
    if isinstance(raw, float):
        if not math.isfinite(raw) or raw <= 0 or not raw.is_integer():
            return "", ["not_digits"], False
        return str(int(raw)), [], True
    if not isinstance(raw, str):
        return "", ["not_digits"], False
    text = raw
    if len(text) == 16 and text.isdigit() and text.isascii():
        return text, [], False
    text = _INVISIBLE.sub("", text).lstrip("'")
    if not text:
        return "", [], False
    if match := _FLOAT_TEXT.fullmatch(text):
        return match.group(1), [], True
    if match := _SCIENTIFIC.fullmatch(text):
        return _scientific(*match.groups())
    text = normalise_nik(text)
    if not text:  # "-": nothing given
        return "", [], False
    if text.isdigit() and text.isascii():
        return text, [], False
    runs = [run for run in _DIGIT_RUNS.findall(text) if len(run) >= 15]
    if len(runs) == 1 and len(runs[0]) <= 16:
        return runs[0], ["not_digits"], False
    return "", ["not_digits"], False


def _scientific(whole: str, fraction: str | None, exponent: str) -> tuple[str, list[str], bool]:
    """The digits of "6.47105420399001E+15": the integer, when it has 16 digits and 15 or more of them were
    written (the rest are zeros: "numeric", so that a lost 16th digit is flagged)."""
    fraction = fraction or ""
    written = (whole + fraction).lstrip("0")
    value = Decimal(f"{whole}.{fraction}E{exponent}")
    if not written or value != value.to_integral_value():
        return "", ["scientific", "not_digits"], True
    digits = str(int(value))
    if len(digits) != 16:
        return "", ["scientific", "length"], True
    if len(written) < 15:
        return "", ["scientific"], True
    return digits, ["scientific"], len(written) < 16


def _is_placeholder(digits: str) -> bool:
    return digits == digits[0] * 16 or digits[6:] == "0000000000" or digits == "1234567890123456"


def _issue_date(digits: str) -> datetime.date | None:
    """Digits 7-12 read as a KK's issue date (DDMMYY, no +40, 20YY), when that is a real date up to today."""
    try:
        issued = datetime.date(2000 + int(digits[10:12]), int(digits[8:10]), int(digits[6:8]))
    except ValueError:
        return None
    return issued if issued <= _today() else None


def _kk_like(digits: str, birth_date: datetime.date) -> bool:
    issued = _issue_date(digits)
    if issued is None or issued <= birth_date or issued.year <= birth_date.year:
        return False
    day = int(digits[6:8])
    day = day - 40 if day > 40 else day
    differing = (day != birth_date.day) + (int(digits[8:10]) != birth_date.month) \
        + (int(digits[10:12]) != birth_date.year % 100)
    return differing >= 2


def _same_day(a: datetime.date, b: datetime.date) -> bool:
    return a.day == b.day and a.month == b.month and a.year % 100 == b.year % 100


_SAMPLE_REGION = "640101"


@lru_cache(maxsize=1 << 17)
def _date_part(ddmmyy: str, today: datetime.date) -> tuple[datetime.date | None, str]:
    """(birth date, sex) that NIK digits 7-12 encode, by kompeten.registry.nik.parse_nik; (None, "") when they are
    no date. Cached: there are few distinct date parts."""
    info = parse_nik(_SAMPLE_REGION + ddmmyy + "0001", province_codes=PROVINCES, today=today).info
    if info is None or info.birth_date is None:
        return None, ""
    return info.birth_date, info.sex or ""


def _region_ok(digits: str) -> bool:
    return digits[:4] in _REGENCIES_COMPACT and digits[4:6] != "00"


def _check16(digits: str, problems: list[str], numeric: bool, birth_date, sex: str) -> None:
    if not _region_ok(digits):
        problems.append("bad_region")
    encoded, encoded_sex = _date_part(digits[6:12], _today())
    if encoded is None:
        problems.append("bad_date")
    if (numeric and digits[15] == "0") or digits[12:] == "0000":
        problems.append("excel_zeroed")
    if birth_date is not None:
        if encoded is None:
            matches = False
        else:
            day, month, yy = encoded.day, encoded.month, encoded.year % 100
            matches = yy == birth_date.year % 100 and (
                (day == birth_date.day and month == birth_date.month)
                or (day == birth_date.month and month == birth_date.day))  # the stated date swapped
        if not matches:
            if _kk_like(digits, birth_date):
                problems.append("kk_suspect")
            elif encoded is not None:
                problems.append("date_mismatch")
    if sex and encoded_sex and encoded_sex != sex:
        problems.append("sex_mismatch")


def _unique(problems: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(problems)) if problems else ()


def clean_nik(raw, *, birth_date=None, sex="", kk=None) -> tuple[str, tuple[str, ...], str]:
    """(the NIK's 16 digits or "", problem codes (NIK_PROBLEMS), the first 15 digits when trustworthy or "").

    ``birth_date``, ``sex`` ("L"/"P") and ``kk`` (the family card number) are the record's stated values, to check
    the NIK against; any may be missing. Never raises.
    """
    digits, problems, numeric = _nik_digits(raw)
    if isinstance(birth_date, datetime.datetime):
        birth_date = birth_date.date()
    elif birth_date is not None and not isinstance(birth_date, datetime.date):
        birth_date = parse_birth_date(birth_date)
    sex = _sex(sex) if sex else ""
    if len(digits) == 16:
        if _is_placeholder(digits):
            return "", _unique([*problems, "placeholder"]), ""
        _check16(digits, problems, numeric, birth_date, sex)
        if kk is not None and _kk(kk) == digits:
            problems.append("kk_suspect")
        return digits, _unique(problems), digits[:15]
    if not digits:
        return "", _unique(problems), ""
    if len(set(digits)) == 1:
        return "", _unique([*problems, "placeholder"]), ""
    problems.append("length")
    if len(digits) == 15 and digits[6:] != "000000000":
        if not _region_ok(digits):
            problems.append("bad_region")
        return "", _unique(problems), digits
    return "", _unique(problems), ""


def nik_facts(nik: str) -> tuple[datetime.date | None, str]:
    """The birth date and sex ("L"/"P") a NIK encodes ((None, "") when it cannot be decoded). The century is a
    guess: 20YY unless that is after today (kompeten.registry.nik)."""
    if not isinstance(nik, str) or len(nik) != 16 or not nik.isdigit() or not nik.isascii():
        return None, ""
    return _date_part(nik[6:12], _today())


def repair_hints(raw, *, birth_date=None, sex="", kk=None) -> list[str]:
    """What an operator can do about a NIK, in words (translated); [] when nothing is wrong."""
    birth_date = parse_birth_date(birth_date) if birth_date is not None else None
    sex = _sex(sex)
    nik, problems, nik15 = clean_nik(raw, birth_date=birth_date, sex=sex, kk=kk)
    digits, _read_problems, _numeric = _nik_digits(raw)
    hints: list[str] = []
    if "not_digits" in problems:
        hints.append(_("The NIK holds characters other than digits; only the digits count.") if digits else
                     _("The NIK holds no usable number; ask for the NIK on the KTP or family card."))
    if "scientific" in problems:
        if nik15:
            hints.append(_("The NIK was written in scientific notation; its first 15 digits (%(nik15)s) survive, "
                           "the 16th is lost. Ask for the NIK on the KTP.") % {"nik15": nik15})
        else:
            hints.append(_("The NIK was written in scientific notation (%(value)s); too few digits survive to "
                           "use it. Format the column as Text and ask for the NIK again.") % {"value": str(raw)[:20]})
    if "excel_zeroed" in problems and "scientific" not in problems:
        hints.append(_("The NIK went through an Excel number cell: its 16th digit was lost and shows as 0. Match on "
                       "the first 15 digits (%(nik15)s) and ask for the full NIK.") % {"nik15": nik15})
    if "length" in problems:
        if nik15:
            hints.append(_("The NIK has 15 digits: the last one was probably lost. The first 15 (%(nik15)s) can "
                           "still be matched; ask for the 16th.") % {"nik15": nik15})
        elif digits:
            hints.append(_("The NIK has %(length)s digits instead of 16; check it on the KTP.")
                         % {"length": len(digits)})
    if "placeholder" in problems:
        hints.append(_("The NIK %(value)s is a filler, not a real number; ask for the NIK.") % {"value": digits})
    if "bad_region" in problems:
        hints.append(_("The region code %(code)s at the start of the NIK does not exist; check the first 6 digits.")
                     % {"code": (nik or nik15)[:6]})
    if "bad_date" in problems:
        hints.append(_("Digits 7-12 (%(part)s) are not a date of birth (DDMMYY, 40 added to the day for women); "
                       "check them on the KTP.") % {"part": nik[6:12]})
    encoded, encoded_sex = nik_facts(nik)
    if "kk_suspect" in problems:
        issued = _issue_date(nik) if nik else None
        if issued is not None and birth_date is not None and _kk_like(nik, birth_date):
            hints.append(_("Digits 7-12 (%(part)s) are not the birth date %(birth)s but could be the issue date "
                           "%(issued)s of a family card: this is probably the KK number. Ask for the NIK on the "
                           "KTP.") % {"part": nik[6:12], "birth": birth_date.strftime("%d/%m/%Y"),
                                      "issued": issued.strftime("%d/%m/%Y")})
        if kk is not None and nik and _kk(kk) == nik:
            hints.append(_("The same number is given as the family card (KK) number: ask for the NIK on the KTP."))
    if "date_mismatch" in problems and encoded is not None and birth_date is not None:
        hints.append(_("The NIK encodes the birth date %(encoded)s, the record says %(stated)s; one of them is "
                       "wrong.") % {"encoded": encoded.strftime("%d/%m/%y"), "stated": birth_date.strftime("%d/%m/%Y")})
    if "sex_mismatch" in problems:
        hints.append(_("The NIK encodes %(encoded)s (women have 40 added to the day of birth), the record says "
                       "%(stated)s; one of them is wrong.") % {"encoded": encoded_sex, "stated": sex})
    if birth_date is not None and encoded is not None and not _same_day(encoded, birth_date):
        other = swapped(birth_date)
        if other is not None and _same_day(encoded, other):
            hints.append(_("The stated birth date %(stated)s has day and month swapped: the NIK encodes %(encoded)s.")
                         % {"stated": birth_date.strftime("%d/%m/%Y"), "encoded": other.strftime("%d/%m/%Y")})
    if nik and birth_date is not None and sex in ("L", "P") and {"date_mismatch", "sex_mismatch"} & set(problems):
        serial = int(nik[12:16])
        if serial:
            candidate = make_nik(nik[:6], birth_date, sex, serial)
            hints.append(_("If the birth date and sex are right, the NIK would be %(candidate)s.")
                         % {"candidate": candidate})
    return hints


# ---------------------------------------------------------------------------------------------
# Dates

_DMY = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4}|[0-9]{2})")
_YMD = re.compile(r"([0-9]{4})[/.\-]([0-9]{1,2})[/.\-]([0-9]{1,2})(?:[ T][0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}"
                  r"(?:\.[0-9]+)?)?(?:Z|[+-][0-9:]+)?)?")
_D_MONTH_Y = re.compile(r"([0-9]{1,2})(?:[\s\-/.,]+)([a-z]+)\.?(?:[\s\-/.,]+)([0-9]{4})")
_MONTH_D_Y = re.compile(r"([a-z]+)\.?\s+([0-9]{1,2}),?\s+([0-9]{4})")
_SERIAL_TEXT = re.compile(r"([0-9]{5})(?:[.,][0-9]+)?")
_FIRST_SERIAL = 10000  # 18 May 1927: smaller numbers are years or junk, not birth dates
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EARLIEST = datetime.date(1900, 1, 1)


def _ymd(year: int, month: int, day: int) -> datetime.date | None:
    if year < 100:
        today = _today()
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        if day <= 12 < month:  # month first (US order)
            try:
                value = datetime.date(year, day, month)
            except ValueError:
                return None
        else:
            return None
    return value if _EARLIEST <= value <= _today() else None


def _from_serial(number: float) -> datetime.date | None:
    if not _FIRST_SERIAL <= number < 2958466:
        return None
    value = _EXCEL_EPOCH + datetime.timedelta(days=int(number))
    return value if _EARLIEST <= value <= _today() else None


def _packed(digits: str) -> datetime.date | None:
    """8 digits DDMMYYYY or YYYYMMDD (a date typed without separators); 7 digits DMMYYYY (a lost leading zero)."""
    if len(digits) == 7:
        digits = "0" + digits
    if len(digits) != 8:
        return None
    if digits[:2] in ("19", "20") and (value := _ymd(int(digits[:4]), int(digits[4:6]), int(digits[6:]))):
        return value
    return _ymd(int(digits[4:]), int(digits[2:4]), int(digits[:2]))


@lru_cache(maxsize=1 << 16)
def _date_text(text: str) -> datetime.date | None:
    text = text.strip().lstrip("'").strip().lower()
    if not text:
        return None
    if match := _DMY.fullmatch(text):
        day, month, year = match.groups()
        return _ymd(int(year), int(month), int(day))
    if match := _YMD.fullmatch(text):
        year, month, day = match.groups()
        return _ymd(int(year), int(month), int(day))
    if text.isdigit():
        return _from_serial(int(text)) if len(text) <= 5 else _packed(text)
    if match := _SERIAL_TEXT.fullmatch(text):
        return _from_serial(int(match.group(1)))
    text = _ascii_lower(text)
    if (match := _D_MONTH_Y.fullmatch(text)) and match.group(2) in MONTHS:
        return _ymd(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
    if (match := _MONTH_D_Y.fullmatch(text)) and match.group(1) in MONTHS:
        return _ymd(int(match.group(3)), MONTHS[match.group(1)], int(match.group(2)))
    # A date inside a longer text ("Samarinda, 12-03-1999", "lahir 5 Mei 2001").
    for pattern in (_DMY, _YMD, _D_MONTH_Y):
        for match in pattern.finditer(text):
            if pattern is _D_MONTH_Y:
                if match.group(2) in MONTHS:
                    return _ymd(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
                continue
            if pattern is _DMY and len(match.group(3)) != 4:
                continue
            first, second, third = (int(part) for part in match.groups())
            value = _ymd(third, second, first) if pattern is _DMY else _ymd(first, second, third)
            if value is not None:
                return value
    return None


def parse_birth_date(raw) -> datetime.date | None:
    """A birth date from a cell value or text in any format the imports accept (module docstring); None when
    there is none, it is not a real date, or it is before 1900 or after today. Never raises."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return raw if _EARLIEST <= raw <= _today() else None
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            return None
        if 1_000_000 <= raw < 100_000_000:  # DDMMYYYY or YYYYMMDD typed as a number
            return _packed(str(int(raw))) if raw == int(raw) else None
        return _from_serial(raw)
    if isinstance(raw, str):
        return _date_text(raw) if len(raw) <= 80 else _date_text(raw[:80])
    return None


def swapped(date: datetime.date | None) -> datetime.date | None:
    """The date with day and month exchanged, when that is another real date (a day/month swap candidate)."""
    if date is None or date.day > 12 or date.day == date.month:
        return None
    try:
        return date.replace(month=date.day, day=date.month)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Places, addresses, regions


@lru_cache(maxsize=1 << 14)
def _place(text: str) -> str:
    key = _place_key(text)
    code = _REGENCY_BY_NAME.get(key)
    return _REGENCY_NAMES.get(code, key) if code else key


def normalise_place(raw) -> str:
    """A place (of birth) as lower case ASCII words in modern spelling, administrative prefixes dropped, and a
    regency or city name or alias resolved to the regency's name ("Kab. Kukar", "Tenggarong" ->
    "kutai kartanegara"; "Kota Balikpapan", "BPP" -> "balikpapan"). Other places are kept as written."""
    text = _text(raw)
    return _place(text) if text else ""


_ADDRESS_WORDS = {
    "jl": "jalan", "jln": "jalan", "jaln": "jalan", "gg": "gang", "no": "nomor", "nmr": "nomor", "nomer": "nomor",
    "kel": "kelurahan", "kec": "kecamatan", "kab": "kabupaten", "ds": "desa", "dsn": "dusun", "perum": "perumahan",
    "komp": "komplek", "kompl": "komplek", "kompleks": "komplek", "blk": "blok", "kp": "kampung", "kamp": "kampung",
    "prov": "provinsi", "ptk": "patok", "lr": "lorong",
}
# Words and numbers; a number's leading zeros are skipped ("003" -> "3", "0" stays).
_WORD_OR_NUMBER = re.compile(r"[a-z]+|[1-9][0-9]*|0(?![0-9])")


@lru_cache(maxsize=1 << 16)
def _address(text: str) -> str:
    text = _ascii_lower(text).replace("'", "")
    get = _ADDRESS_WORDS.get
    out = [get(word, word) for word in _WORD_OR_NUMBER.findall(text)]
    if "rt" in out:
        _rt_rw(out)
    return " ".join(out)


def _rt_rw(words: list[str]) -> None:
    """RT and RW numbers in one form: "rt rw 3 5" (from "RT/RW 03/05") and "rt 3 5" (from "RT 03/05") become
    "rt 3 rw 5"."""
    index = words.index("rt")
    after = words[index + 1:index + 4]
    if len(after) == 3 and after[0] == "rw" and after[1].isdigit() and after[2].isdigit():
        words[index + 1:index + 4] = [after[1], "rw", after[2]]
    elif len(after) >= 2 and after[0].isdigit() and after[1].isdigit():
        words[index + 1:index + 3] = [after[0], "rw", after[1]]


def normalise_address(raw) -> str:
    """A street address: lower case ASCII, punctuation as spaces, jl/jln -> jalan, gg -> gang, no -> nomor (and a
    few more: kel, kec, kab, ds, perum, komp, ...), RT/RW in one form ("RT. 003/RW. 05", "RT/RW 03/05",
    "RT 03/05" -> "rt 3 rw 5"), leading zeros of numbers dropped, letters and digits separated ("A12" -> "a 12")."""
    text = _text(raw)
    return _address(text) if text else ""


_NOT_DIGITS = re.compile(r"[^0-9]+")


def _code_text(raw) -> str:
    if isinstance(raw, float) and math.isfinite(raw) and not raw.is_integer():
        return f"{raw:.2f}" if raw < 100 else ""  # "64.71" read as a number
    return _text(raw)


@lru_cache(maxsize=1 << 12)
def _code_region(text: str) -> str:
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) not in (4, 6, 10):
        return ""
    parts = [digits[:2], digits[2:4], digits[4:6], digits[6:]]
    dotted = ".".join(part for part in parts if part)
    if digits[:2] == "64":
        while dotted and dotted not in KALTIM_CODES:
            dotted = dotted.rpartition(".")[0]
        return dotted if "." in dotted else ""
    return dotted if dotted[:5] in REGENCIES else ""


@lru_cache(maxsize=1 << 12)
def _regency_by_name(text: str) -> str:
    key = _place_key(text)
    if not key:
        return ""
    if text.lower().lstrip().startswith("kota") and key in _KOTA:
        return _KOTA[key]
    if key.endswith(" kota") and key[:-5] in _KOTA:  # "Balikpapan Kota": the city written name first
        return _KOTA[key[:-5]]
    return _REGENCY_BY_NAME.get(key, "")


@lru_cache(maxsize=1 << 12)
def _district_by_name(text: str, regency: str) -> str:
    candidates = _DISTRICTS.get(_place_key(text), ())
    if regency:
        candidates = [code for code, parent in candidates if parent == regency]
    else:
        candidates = [code for code, _parent in candidates]
    return candidates[0] if len(candidates) == 1 else ""


def region_code(kode_wilayah=None, kecamatan=None, kabupaten_kota=None) -> str:
    """The most precise dotted region code known (module docstring), or ""."""
    code_text = _code_text(kode_wilayah)
    region = _code_region(code_text) if code_text else ""
    if len(region) >= 8:
        return region
    return _region_by_names(region, _text(kecamatan), _text(kabupaten_kota))


@lru_cache(maxsize=1 << 14)
def _region_by_names(region: str, district_text: str, regency_text: str) -> str:
    regency = region[:5] if region else (_regency_by_name(regency_text) if regency_text else "")
    if district_text and (not regency or regency.startswith("64.")):
        district = _district_by_name(district_text, regency)
        if district and (not region or district.startswith(region)):
            return district
    return region or regency


# ---------------------------------------------------------------------------------------------
# Phone, e-mail, sex, education

_PHONE_SPLIT = re.compile(r"[/,;|]|\batau\b|\bor\b|\bdan\b")
_EMAIL = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")


def normalise_phone_number(raw) -> str:
    """The first valid Indonesian phone number in the value, as 0 and the national number ("08..."), or ""."""
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        raw = int(raw)
    text = _text(raw)
    if not text:
        return ""
    for part in _PHONE_SPLIT.split(text) if len(text) > 16 else (text,):
        part = part.strip().lstrip("'")
        try:
            return "0" + normalise_phone(part)[3:]
        except PhoneError:
            continue
    return ""


def normalise_email(raw) -> str:
    """The first e-mail address in the value, lower case, or ""."""
    text = _text(raw)
    if not text or "@" not in text:
        return ""
    text = text.lower()
    match = _EMAIL.search(text) or (_EMAIL.search(text.replace(" ", "")) if " " in text else None)
    return match.group(0).strip(".") if match else ""


@lru_cache(maxsize=1024)
def _sex_text(text: str) -> str:
    return SEX.get(_NON_ALNUM.sub("", _ascii_lower(text)), "")


def _sex(raw) -> str:
    if raw == "L" or raw == "P":
        return raw
    return _sex_text(raw) if isinstance(raw, str) and raw else ""


_EDUCATION_SEPARATORS = re.compile(r"[^0-9A-Z]+")


def _education_key(text: str) -> str:
    return _EDUCATION_SEPARATORS.sub("", _ascii_lower(text).upper())


def _load_education() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in _rows("education_levels.csv"):
        table[_education_key(row["code"])] = row["code"]
        table.setdefault(_education_key(row["label_id"]), row["code"])
        for piece in row["label_id"].split("/"):
            table.setdefault(_education_key(piece), row["code"])
    table.update({
        "DI": "D1", "DII": "D2", "DIII": "D3", "DIV": "D4", "DIPLOMAI": "D1", "DIPLOMAII": "D2", "DIPLOMAIII": "D3",
        "DIPLOMAIV": "D4", "DIPLOMA1": "D1", "DIPLOMA2": "D2", "DIPLOMA3": "D3", "DIPLOMA4": "D4",
        "SLTA": "SMA", "SLTASEDERAJAT": "SMA", "SMU": "SMA", "SMASEDERAJAT": "SMA", "MA": "SMA", "PAKETC": "SMA",
        "SLTP": "SMP", "SLTPSEDERAJAT": "SMP", "SMPSEDERAJAT": "SMP", "MTS": "SMP", "PAKETB": "SMP",
        "MI": "SD", "PAKETA": "SD", "SDSEDERAJAT": "SD", "TAMATSD": "SD", "TAMATSDSEDERAJAT": "SD",
        "SMK": "SMK", "MAK": "SMK", "STM": "SMK", "SMEA": "SMK", "SMKK": "SMK",
        "S1": "S1", "SARJANA": "S1", "STRATA1": "S1", "STRATAI": "S1", "SARJANATERAPAN": "D4",
        "S2": "S2", "MAGISTER": "S2", "STRATA2": "S2", "STRATAII": "S2", "S3": "S3", "DOKTOR": "S3",
        "TIDAKSEKOLAH": "TS", "BELUMSEKOLAH": "TS", "TIDAKBELUMSEKOLAH": "TS",
        "TIDAKTAMATSD": "BTSD", "BELUMTAMATSD": "BTSD", "BELUMTIDAKTAMATSD": "BTSD", "BELUMTAMATSDSEDERAJAT": "BTSD",
    })
    return table


_EDUCATION = _load_education()


def education_code(raw) -> str:
    """The EducationLevel code (kompeten/reference/data/education_levels.csv) of how a level is written, or ""."""
    text = _text(raw)
    return _education(text) if text else ""


@lru_cache(maxsize=1024)
def _education(text: str) -> str:
    code = _EDUCATION.get(_education_key(text), "")
    if code or "/" not in text:
        return code
    # "SD/MI", "SMP/MTs", "SMA/MA": a school and its madrasah equivalent, one level; "SMA/SMK" is upper secondary
    # (as SLTA). Pieces of different levels give nothing.
    codes = {_EDUCATION.get(_education_key(piece), "") for piece in text.split("/")}
    if codes == {"SMA", "SMK"}:
        return "SMA"
    return codes.pop() if len(codes) == 1 else ""


# ---------------------------------------------------------------------------------------------
# The record


def _text(value) -> str:
    """A cell value as text ("" for empty, formulas, errors and booleans); whole floats without ".0"."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""


def _kk(raw) -> str:
    digits, problems, _numeric = _nik_digits(raw)
    return digits if len(digits) == 16 and not problems and not _is_placeholder(digits) else ""


def standardise(raw: dict, *, id: str) -> Record:
    """The Record of one source row: ``raw`` maps the columns of records.COLUMNS to strings or cell values (any
    key may be absent). Never raises."""
    get = raw.get if isinstance(raw, dict) else getattr(raw, "get", {}.get)
    birth_raw, place_raw = get("tanggal_lahir"), get("tempat_lahir")
    birth_date = parse_birth_date(birth_raw)
    if birth_date is None and isinstance(place_raw, str) and "," in place_raw and not _text(birth_raw):
        place_part, _comma, date_part = place_raw.partition(",")  # "Samarinda, 12-03-1999" in one column
        birth_date = parse_birth_date(date_part)
        if birth_date is not None:
            place_raw = place_part
    sex = _sex(get("jenis_kelamin"))
    kk = _kk(get("kk"))
    nik, problems, nik15 = clean_nik(get("nik"), birth_date=birth_date, sex=sex, kk=kk or None)
    name = normalise_name(get("nama"))
    tokens = name_tokens(name)
    return Record(
        id=str(id),
        nik=nik,
        nik_problems=problems,
        nik15=nik15,
        name=name,
        name_tokens=tokens,
        name_key="".join(tokens),
        sex=sex,
        birth_date=birth_date,
        birth_place=normalise_place(place_raw),
        phone=normalise_phone_number(get("no_hp")),
        email=normalise_email(get("email")),
        address=normalise_address(get("alamat")),
        region=region_code(get("kode_wilayah"), get("kecamatan"), get("kabupaten_kota")),
        kk=kk,
        education=education_code(get("pendidikan")),
        source=_text(get("source")),
    )
