"""Field comparisons: each compared field of a pair of records gets one *comparison level* (a small integer code into
the field's list of level labels). The model (model.py) gives every level a weight; this module only decides levels.

Records are first turned into a :class:`Frame` (NumPy arrays, strings mapped to integer ids), and pairs are compared
as arrays of record indexes, so that millions of candidate pairs cost a few array operations plus one C-level
rapidfuzz call per fuzzy field on the *distinct* value pairs only. Level 0 of every field is ``missing`` (one side or
both have no value: no evidence either way).

NIK structure (16 digits): ``PPKKCC DDMMYY SSSS`` — province, regency, district of issue; birth date with the day
plus 40 for women; a serial among the people of that district and birth date. So:

* ``exact``      all 16 digits equal;
* ``excel15``    the first 15 equal and one side lost its 16th digit in a spreadsheet (flagged by standardise, or
                 a text NIK ending in 0 when the names agree: see compare_nik);
* ``typo``       one substitution or one transposition of adjacent digits in the first 12 digits (region or date);
* ``serial``     same first 12 digits, the serial differs by one substitution or transposition but is not within 2
                 of the other (a typo in the serial; twins and same-day neighbours get consecutive serials);
* ``kk_swap``    one side's NIK is the other's family card (KK) number: the NIK says nothing;
* ``sibling``    same region and birth-date digits, any other serial difference (consecutive serials above all):
                 twins, or strangers born on the same day in the same district — evidence *against* unless the
                 names agree;
* ``sex_day``    equal but for the day's tens digit differing by 4 (the +40 for women): a twin of the other sex;
* ``region``     same first 6 digits (district of issue) only;
* ``else``       anything else.

When both NIKs are there and agree on the birth-date digits (exact, excel15, sibling, sex_day) the birth date and the
sex fields are ``implied`` (weight 0): the NIK has already counted them, and counting a birth date twice is what
makes generic tools call a twin a near match.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from kompeten.linkage.blocking import address_core
from kompeten.linkage.records import Record

# field -> level labels; index 0 is always "missing" (weight 0).
LEVELS: dict[str, tuple[str, ...]] = {
    "nik": ("missing", "exact", "excel15", "typo", "serial", "kk_swap", "sibling", "sex_day", "region", "else"),
    "name": ("missing", "exact", "jw>=0.95", "subset", "jw>=0.88", "else"),
    "birth_date": ("missing", "implied", "exact", "swap", "one_part", "else"),
    "sex": ("missing", "implied", "agree", "disagree"),
    "birth_place": ("missing", "exact", "jw>=0.90", "else"),
    "address": ("missing", "exact", "ts>=0.85", "ts>=0.60", "else"),
    "region": ("missing", "village", "district", "regency", "else"),
    "phone": ("missing", "exact", "else"),
    "email": ("missing", "exact", "else"),
    "kk": ("missing", "exact", "else"),
}
FIELDS: tuple[str, ...] = tuple(LEVELS)


def level(field: str, label: str) -> int:
    return LEVELS[field].index(label)


# NIK levels that carry the birth-date digits of both records (so birth date and sex are implied).
NIK_IMPLIES_DATE = tuple(level("nik", lab) for lab in ("exact", "excel15", "sibling", "sex_day"))
# standardise.NIK_PROBLEMS codes: the 16th digit was lost (only the first 15 count); the number is a KK, not a NIK.
NIK_EXCEL_CODES = ("excel_zeroed", "scientific", "length")
NIK_KK_CODES = ("kk_suspect",)
# Name levels that let a text NIK ending in 0 count as one that lost its 16th digit (see compare_nik).
_NAME_SAME_PERSON = (1, 3)  # LEVELS["name"].index("exact"), .index("subset")

CHUNK = 1_000_000  # pairs compared at once (bounds the memory of the NIK digit matrices)


def _has_code(problems: Sequence[str], codes: Sequence[str]) -> bool:
    return any(p in codes for p in problems)


# A NIK that encodes the stated birth date is the record's own: the sex it encodes (day + 40 for women) is the
# record's sex, and a typed sex that disagrees is the typing error (see _sex_code).
NIK_DATE_DOUBT = ("date_mismatch", "bad_date", "kk_suspect", "placeholder")


def _sex_code(r: Record, is_kk: bool, sexes: dict[str, int]) -> int:
    """The sex compared: the one the NIK encodes when the NIK is 16 digits and encodes the stated birth date (day,
    month and 2-digit year, or the same with day and month swapped; checked here, and not when standardise flagged
    the NIK as a KK number or its date as doubtful), else the typed sex. Such a NIK has the wrong sex only when a
    typo changed the day's tens digit by exactly 4 (one NIK typo in about 150, i.e. a few records in 100,000), while
    a typed L/P is wrong in 0.2-0.5 % of the records of most sources: the NIK is the better witness."""
    nik, d = r.nik, r.birth_date
    if (d is not None and not is_kk and len(nik) == 16 and nik.isdigit()
            and not _has_code(r.nik_problems, NIK_DATE_DOUBT)):
        day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
        woman = day > 40
        day -= 40 if woman else 0
        if yy == d.year % 100 and ((day, month) == (d.day, d.month) or (day, month) == (d.month, d.day)):
            return 2 if woman else 1
    return sexes.get(r.sex, 0)


_DOUBLED = re.compile(r"([a-z])\1+")
_FINAL_Y = re.compile(r"(?<=[^aeiouy])y$")


def name_sound(tokens: Sequence[str]) -> str:
    """The name key without the spelling choices Indonesian names are written with either way: a word-final y after a
    consonant is i (Rizky / Rizki, Sity / Siti, Dedy / Dedi), dh is d (Ramadhan / Ramadan), a doubled letter is
    single (Nasruddin / Nasrudin, Fadillah / Fadilah, Anna / Ana). Two names with the same sound are compared as
    ``exact``: they are one name in two spellings (twins are not given such names)."""
    key = "".join(_FINAL_Y.sub("i", _DOUBLED.sub(r"\1", t)) if len(t) >= 3 else t for t in tokens)
    previous = None
    while key != previous:
        previous, key = key, _DOUBLED.sub(r"\1", key.replace("dh", "d"))
    return key


def _digits_int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) <= 18 else 0


@dataclass
class Frame:
    """The compared fields of a list of records as arrays (index i = records[i])."""

    ids: list[str]
    nik_digits: np.ndarray  # (n, 16) uint8
    has_nik: np.ndarray  # bool
    nik_int: np.ndarray  # int64, 0 when none
    nik15: np.ndarray  # int64 of the trusted first 15 digits, 0 when none
    excel: np.ndarray  # bool: the 16th digit was lost
    name: np.ndarray  # int32 id of name_key
    name_full: np.ndarray  # int32 id of the spaced name
    name_values: list[str]  # name_key per id
    name_sound: np.ndarray  # int32 id of the name's spelling-free key (name_sound) per name id
    name_full_values: list[str]
    birth: np.ndarray  # int32 yyyymmdd, 0 when none
    sex: np.ndarray  # int8: 0 none, 1 L, 2 P
    birth_place: np.ndarray
    birth_place_values: list[str]
    address: np.ndarray
    address_values: list[str]
    home: np.ndarray  # int32 id of the address's core (blocking.address_core: street and house number), 0 when none
    village: np.ndarray  # int32 ids of the region code at each precision (0 when not that precise)
    district: np.ndarray
    regency: np.ndarray
    phone: np.ndarray  # int64
    email: np.ndarray  # int32
    kk: np.ndarray  # int64
    name_tokens: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, records: Sequence[Record]) -> Frame:
        n = len(records)
        digits = np.zeros((n, 16), dtype=np.uint8)
        has_nik = np.zeros(n, dtype=bool)
        nik_int = np.zeros(n, dtype=np.int64)
        nik15 = np.zeros(n, dtype=np.int64)
        excel = np.zeros(n, dtype=bool)
        # Strings to dense ids (0 = empty), one dict per kind of value.
        names, fulls, places, addresses, regions, emails = ({"": 0} for _ in range(6))
        name, name_full, place, address, village, district, regency, email = ([0] * n for _ in range(8))
        birth, sex, phone, kk = [0] * n, [0] * n, [0] * n, [0] * n
        nik_text = bytearray()
        nik_rows = []
        sexes = {"L": 1, "P": 2}
        for i, r in enumerate(records):
            problems = r.nik_problems
            is_kk = bool(problems) and _has_code(problems, NIK_KK_CODES)
            if len(r.nik) == 16 and r.nik.isdigit():
                nik_int[i] = int(r.nik)  # also a KK typed as NIK: it can still meet the other's KK (kk_swap)
                if not is_kk:
                    has_nik[i] = True
                    nik_rows.append(i)
                    nik_text += r.nik.encode()
            if r.nik15 and not is_kk:
                nik15[i] = _digits_int(r.nik15)
                excel[i] = bool(problems) and _has_code(problems, NIK_EXCEL_CODES)
            key = r.name_key or r.name.replace(" ", "")
            name[i] = names.setdefault(key, len(names))
            name_full[i] = fulls.setdefault(r.name or key, len(fulls))
            d = r.birth_date
            if d is not None:
                birth[i] = d.year * 10000 + d.month * 100 + d.day
            sex[i] = _sex_code(r, is_kk, sexes)
            place[i] = places.setdefault(r.birth_place, len(places))
            address[i] = addresses.setdefault(r.address, len(addresses))
            region = r.region
            if len(region) >= 5:
                regency[i] = regions.setdefault(region[:5], len(regions))
                if len(region) >= 8:
                    district[i] = regions.setdefault(region[:8], len(regions))
                    if len(region) >= 13:
                        village[i] = regions.setdefault(region[:13], len(regions))
            if r.phone:
                phone[i] = _digits_int(r.phone)
            if r.email:
                email[i] = emails.setdefault(r.email, len(emails))
            if r.kk:
                kk[i] = _digits_int(r.kk)
        sounds: dict[str, int] = {"": 0}
        sound_of = np.zeros(len(names), dtype=np.int32)
        for i, r in enumerate(records):
            k = name[i]
            if k and not sound_of[k]:
                sound_of[k] = sounds.setdefault(name_sound(r.name_tokens or tuple(r.name.split())), len(sounds))
        home_of = {0: 0}
        homes: dict[str, int] = {"": 0}
        for value, k in addresses.items():
            if k:
                core = address_core(value)
                home_of[k] = homes.setdefault(core, len(homes)) if any(c.isdigit() for c in core) else 0
        home = [home_of[k] for k in address]
        if nik_rows:
            digits[np.array(nik_rows)] = (np.frombuffer(bytes(nik_text), dtype=np.uint8).reshape(-1, 16) - 48)

        def ints(values, dtype=np.int32):
            return np.array(values, dtype=dtype)

        return cls(ids=[r.id for r in records], nik_digits=digits, has_nik=has_nik, nik_int=nik_int, nik15=nik15,
                   excel=excel, name=ints(name), name_full=ints(name_full), name_values=list(names),
                   name_sound=sound_of, name_full_values=list(fulls), birth=ints(birth), sex=ints(sex, np.int8),
                   birth_place=ints(place), birth_place_values=list(places), address=ints(address),
                   address_values=list(addresses), home=ints(home), village=ints(village), district=ints(district),
                   regency=ints(regency), phone=ints(phone, np.int64), email=ints(email),
                   kk=ints(kk, np.int64),
                   name_tokens=[r.name_tokens or tuple(r.name.split()) for r in records])


# ---------------------------------------------------------------------------------------------------------------
# Field by field. Each takes the frame and the left/right index arrays and returns int8 level codes.


def _missing_or(both: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return np.where(both, codes, 0).astype(np.int8)


def compare_nik(f: Frame, left: np.ndarray, right: np.ndarray, name_codes: np.ndarray | None = None) -> np.ndarray:
    """NIK levels (module docstring). With ``name_codes`` (compare_name's), also: a NIK typed as text that ends in 0,
    whose first 15 digits equal the other NIK's, is compared as ``excel15`` when the names agree exactly or one is
    within the other (``subset``). BLK and BNSP lists pass through Excel number cells and are exported again as
    text: the lost 16th digit then arrives as an unflagged 0 (a 16-digit text ending in 0 cannot be flagged alone:
    one real serial in ten ends in 0). With names that differ the pair keeps its sibling / serial level: twins
    have consecutive serials (...0020 and ...0021 share the first 15 digits) and never the same name."""
    lv = {lab: i for i, lab in enumerate(LEVELS["nik"])}
    dl, dr = f.nik_digits[left], f.nik_digits[right]
    neq = dl != dr
    ndiff = neq.sum(axis=1)
    both = f.has_nik[left] & f.has_nik[right]
    exact = ndiff == 0
    first12 = ~neq[:, :12].any(axis=1)
    region6 = ~neq[:, :6].any(axis=1)
    n15l, n15r = f.nik15[left], f.nik15[right]
    excel15 = (n15l != 0) & (n15l == n15r) & (f.excel[left] | f.excel[right])
    # One adjacent transposition: exactly two neighbouring positions differ, crosswise equal.
    trans = np.zeros(len(left), dtype=bool)
    two = np.flatnonzero(ndiff == 2)
    if two.size:
        pos = np.argmax(neq[two], axis=1)
        nxt = np.minimum(pos + 1, 15)
        rows = np.arange(two.size)
        a, b = dl[two], dr[two]
        trans[two] = (neq[two, nxt] & (a[rows, pos] == b[rows, nxt]) & (a[rows, nxt] == b[rows, pos]))
    # Day's tens digit differs by 4 (women: day + 40), region/month/year equal, serial free.
    others = neq[:, [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11]].any(axis=1)
    sex_day = neq[:, 6] & ~others & (np.abs(dl[:, 6].astype(np.int8) - dr[:, 6].astype(np.int8)) == 4)
    kk_swap = ((f.nik_int[left] != 0) & (f.nik_int[left] == f.kk[right])) | (
        (f.nik_int[right] != 0) & (f.nik_int[right] == f.kk[left]))
    codes = np.full(len(left), lv["else"], dtype=np.int8)
    # Assigned weakest first so that the strongest applicable level wins.
    codes[region6] = lv["region"]
    codes[sex_day] = lv["sex_day"]
    codes[first12 & ~exact] = lv["sibling"]
    serial_l = (dl[:, 12:].astype(np.int32) * np.array([1000, 100, 10, 1], dtype=np.int32)).sum(axis=1)
    serial_r = (dr[:, 12:].astype(np.int32) * np.array([1000, 100, 10, 1], dtype=np.int32)).sum(axis=1)
    codes[first12 & ((ndiff == 1) | trans) & (np.abs(serial_l - serial_r) > 2)] = lv["serial"]
    codes[(ndiff == 1) & ~first12 & ~sex_day] = lv["typo"]
    codes[trans & ~first12] = lv["typo"]
    codes[kk_swap & ~exact] = lv["kk_swap"]
    codes[excel15 & ~exact] = lv["excel15"]
    if name_codes is not None:
        names_agree = np.isin(name_codes, _NAME_SAME_PERSON)
        zero_l, zero_r = dl[:, 15] == 0, dr[:, 15] == 0
        text_zeroed = (n15l != 0) & (n15l == n15r) & (zero_l ^ zero_r) & names_agree & ~kk_swap
        codes[text_zeroed & ~exact] = lv["excel15"]
    codes[exact] = lv["exact"]
    codes = np.where(both, codes, 0).astype(np.int8)
    # A lost 16th digit on one side: its 15 trusted digits still compare.
    one_damaged = ~both & (n15l != 0) & (n15l == n15r) & (f.excel[left] | f.excel[right])
    codes[one_damaged] = lv["excel15"]
    kk_only = ~both & kk_swap
    codes[kk_only] = lv["kk_swap"]
    return codes


def _fuzzy(values: list[str], ids_l: np.ndarray, ids_r: np.ndarray, scorer, **kwargs) -> np.ndarray:
    """Similarity of each (left, right) value pair, computed once per distinct pair of ids."""
    out = np.zeros(len(ids_l), dtype=np.float32)
    if not len(ids_l):
        return out
    key = ids_l.astype(np.int64) * (len(values) + 1) + ids_r
    uniq, inverse = np.unique(key, return_inverse=True)
    ul, ur = uniq // (len(values) + 1), uniq % (len(values) + 1)
    sims = process.cpdist([values[i] for i in ul], [values[i] for i in ur], scorer=scorer, dtype=np.float32,
                          **kwargs)
    return np.asarray(sims, dtype=np.float32)[inverse.reshape(-1)]


def compare_name(f: Frame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    lv = {lab: i for i, lab in enumerate(LEVELS["name"])}
    nl, nr = f.name[left], f.name[right]
    both = (nl != 0) & (nr != 0)
    codes = np.full(len(left), lv["else"], dtype=np.int8)
    codes[f.name_sound[nl] == f.name_sound[nr]] = lv["exact"]
    todo = np.flatnonzero(both & (codes != lv["exact"]))
    if todo.size:
        jw = _fuzzy(f.name_values, nl[todo], nr[todo], JaroWinkler.normalized_similarity)
        fl, fr = f.name_full[left][todo], f.name_full[right][todo]
        sort = _fuzzy(f.name_full_values, fl, fr, fuzz.token_sort_ratio) / 100
        tset = _fuzzy(f.name_full_values, fl, fr, fuzz.token_set_ratio) / 100
        sub = np.full(todo.size, lv["else"], dtype=np.int8)
        sub[(jw >= 0.88) | (tset >= 0.85)] = lv["jw>=0.88"]
        sub[tset >= 0.999] = lv["subset"]
        sub[(jw >= 0.95) | (sort >= 0.95)] = lv["jw>=0.95"]
        rest = np.flatnonzero(sub == lv["else"])
        if rest.size:
            head = _fuzzy_head(f.name_values, nl[todo][rest], nr[todo][rest])
            sub[rest[head]] = lv["jw>=0.88"]
        codes[todo] = sub
    return _missing_or(both, codes)


HEAD_MIN = 6  # letters of the shorter key


def _fuzzy_head(values: list[str], ids_l: np.ndarray, ids_r: np.ndarray) -> np.ndarray:
    """Whether the shorter name key (at least HEAD_MIN letters) is, up to one typo (Levenshtein distance 1), the
    beginning of the longer key, which has at least two letters more: a name written with a typo *and* with the
    father's name or a last name added ("Fiitriani Yusuf" / "Fitriani"). Counted as the similar level
    (``jw>=0.88``), never as agreeing names (what the cluster guard asks of twins' NIKs)."""
    out = np.zeros(len(ids_l), dtype=bool)
    if not len(ids_l):
        return out
    key = ids_l.astype(np.int64) * (len(values) + 1) + ids_r
    uniq, inverse = np.unique(key, return_inverse=True)
    shorter, heads, keep = [], ([], [], []), []
    for k, code in enumerate(uniq.tolist()):
        a, b = values[code // (len(values) + 1)], values[code % (len(values) + 1)]
        if len(a) > len(b):
            a, b = b, a
        if len(a) >= HEAD_MIN and len(b) > len(a) + 1:
            shorter.append(a)
            for cut, head in zip((-1, 0, 1), heads, strict=True):  # a letter dropped or added by the typo
                head.append(b[:len(a) + cut])
            keep.append(k)
    if not keep:
        return out
    close = np.zeros(len(uniq), dtype=bool)
    close[np.array(keep)] = np.min([process.cpdist(shorter, head, scorer=Levenshtein.distance, dtype=np.int32)
                                    for head in heads], axis=0) <= 1
    return close[inverse.reshape(-1)]


def _swap(ymd: np.ndarray) -> np.ndarray:
    y, m, d = ymd // 10000, ymd // 100 % 100, ymd % 100
    return y * 10000 + d * 100 + m


def compare_birth_date(f: Frame, left: np.ndarray, right: np.ndarray, nik_codes: np.ndarray) -> np.ndarray:
    lv = {lab: i for i, lab in enumerate(LEVELS["birth_date"])}
    bl, br = f.birth[left], f.birth[right]
    both = (bl != 0) & (br != 0)
    yl, ml, dl = bl // 10000, bl // 100 % 100, bl % 100
    yr, mr, dr = br // 10000, br // 100 % 100, br % 100
    parts = (yl == yr).astype(np.int8) + (ml == mr) + (dl == dr)
    codes = np.full(len(left), lv["else"], dtype=np.int8)
    codes[parts == 2] = lv["one_part"]
    codes[(_swap(bl) == br) & (ml != dl)] = lv["swap"]
    codes[bl == br] = lv["exact"]
    codes = _missing_or(both, codes)
    codes[np.isin(nik_codes, NIK_IMPLIES_DATE)] = lv["implied"]
    return codes


def compare_sex(f: Frame, left: np.ndarray, right: np.ndarray, nik_codes: np.ndarray) -> np.ndarray:
    lv = {lab: i for i, lab in enumerate(LEVELS["sex"])}
    sl, sr = f.sex[left], f.sex[right]
    codes = np.where(sl == sr, lv["agree"], lv["disagree"]).astype(np.int8)
    codes = _missing_or((sl != 0) & (sr != 0), codes)
    codes[np.isin(nik_codes, NIK_IMPLIES_DATE)] = lv["implied"]
    return codes


def compare_birth_place(f: Frame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    lv = {lab: i for i, lab in enumerate(LEVELS["birth_place"])}
    pl, pr = f.birth_place[left], f.birth_place[right]
    both = (pl != 0) & (pr != 0)
    codes = np.full(len(left), lv["else"], dtype=np.int8)
    codes[pl == pr] = lv["exact"]
    todo = np.flatnonzero(both & (pl != pr))
    if todo.size:
        jw = _fuzzy(f.birth_place_values, pl[todo], pr[todo], JaroWinkler.normalized_similarity)
        codes[todo[jw >= 0.90]] = lv["jw>=0.90"]
    return _missing_or(both, codes)


def compare_address(f: Frame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    lv = {lab: i for i, lab in enumerate(LEVELS["address"])}
    al, ar = f.address[left], f.address[right]
    both = (al != 0) & (ar != 0)
    codes = np.full(len(left), lv["else"], dtype=np.int8)
    codes[al == ar] = lv["exact"]
    todo = np.flatnonzero(both & (al != ar))
    if todo.size:
        ts = _fuzzy(f.address_values, al[todo], ar[todo], fuzz.token_set_ratio) / 100
        sub = np.full(todo.size, lv["else"], dtype=np.int8)
        sub[ts >= 0.60] = lv["ts>=0.60"]
        sub[ts >= 0.85] = lv["ts>=0.85"]
        codes[todo] = sub
    return _missing_or(both, codes)


def compare_region(f: Frame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    lv = {lab: i for i, lab in enumerate(LEVELS["region"])}
    gl, gr = f.regency[left], f.regency[right]
    codes = np.full(len(left), lv["else"], dtype=np.int8)
    codes[gl == gr] = lv["regency"]
    dl, dr = f.district[left], f.district[right]
    codes[(dl != 0) & (dl == dr)] = lv["district"]
    vl, vr = f.village[left], f.village[right]
    codes[(vl != 0) & (vl == vr)] = lv["village"]
    return _missing_or((gl != 0) & (gr != 0), codes)


def _compare_equal(field: str, al: np.ndarray, ar: np.ndarray) -> np.ndarray:
    lv = LEVELS[field]
    codes = np.where(al == ar, lv.index("exact"), lv.index("else")).astype(np.int8)
    return _missing_or((al != 0) & (ar != 0), codes)


def compare_arrays(f: Frame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Level codes of every field for the pairs (left[k], right[k]): an int8 array of shape (pairs, fields)."""
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    out = np.zeros((len(left), len(FIELDS)), dtype=np.int8)
    for start in range(0, len(left), CHUNK):
        lo, hi = left[start:start + CHUNK], right[start:start + CHUNK]
        name = compare_name(f, lo, hi)
        nik = compare_nik(f, lo, hi, name)
        cols = {
            "nik": nik,
            "name": name,
            "birth_date": compare_birth_date(f, lo, hi, nik),
            "sex": compare_sex(f, lo, hi, nik),
            "birth_place": compare_birth_place(f, lo, hi),
            "address": compare_address(f, lo, hi),
            "region": compare_region(f, lo, hi),
            "phone": _compare_equal("phone", f.phone[lo], f.phone[hi]),
            "email": _compare_equal("email", f.email[lo], f.email[hi]),
            "kk": _compare_equal("kk", f.kk[lo], f.kk[hi]),
        }
        for j, field in enumerate(FIELDS):
            out[start:start + CHUNK, j] = cols[field]
    return out


def same_home(f: Frame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether the two records give the same home: the same street and house number (blocking.address_core: RT/RW
    and boilerplate words aside)."""
    hl, hr = f.home[left], f.home[right]
    return (hl != 0) & (hl == hr)


def compare_records(a: Record, b: Record) -> dict[str, str]:
    """The level label of every field for one pair (slow path: for explanations and tests)."""
    codes = compare_arrays(Frame.build([a, b]), np.array([0]), np.array([1]))[0]
    return {field: LEVELS[field][int(c)] for field, c in zip(FIELDS, codes, strict=True)}


def birth_date_of(ymd: int) -> datetime.date | None:
    return datetime.date(ymd // 10000, ymd // 100 % 100, ymd % 100) if ymd else None
