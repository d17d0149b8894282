"""Blocking: which pairs of records are compared at all.

A blocking rule turns a record into zero or more key values; two records are a candidate pair when they share a key
of some rule. Keys are written ``"rule:value"`` (at most 80 characters: the database stores them in an index for the
incremental search, linkage.models.BlockingKey).

The rules (RULES) and what each catches:

=========== ================================================ ==================================================
rule        value                                            catches
=========== ================================================ ==================================================
nik         the 16 digits                                    the same NIK (most duplicates)
nik12       region + birth-date digits (first 12)            a lost 16th digit, serial typos — and twins,
                                                             which the comparison then tells apart
kk          the family card number; also the NIK             a KK typed in the NIK field
name_md     name key + day and month of birth (unordered)    missing or mistyped NIK, swapped day and month,
                                                             a mistyped year
name_year   name key + regency + year of birth (or none)     missing NIK with a mistyped day or month; two
                                                             records without birth date in one regency
dob_place   birth date (unordered) + birth place             name variants the standardiser does not unify
phone       the mobile number                                missing NIK
email       the e-mail address                               missing NIK
home        a name word (first or last) + regency + street   missing or mistyped NIK *and* a missing or
            address without RT/RW and boilerplate words      mistyped birth date, at the same address
=========== ================================================ ==================================================

A plain "same name in the same regency" rule finds a few more pairs, but its blocks grow with the registry (a common
name in Samarinda): its pair count grows with the square of the size (1.3 million pairs at 200,000 records, some
30 million at a million), so it was split into name_md and name_year, whose blocks stay small.

A block (the records sharing one key) with more than ``cap`` records is skipped and reported: a placeholder phone
number or a very common name would otherwise make millions of pairs. ``count_pairs`` counts the
candidate pairs per rule *before* any pair is made, so a rule whose counts explode is seen before it runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from kompeten.linkage.records import Record

DEFAULT_CAP = 400  # records per block; a block of 400 makes 79,800 pairs
KEY_MAX = 80


def _dob(d: datetime.date | None) -> str:
    if d is None:
        return ""
    lo, hi = sorted((d.month, d.day))
    return f"{d.year:04d}{lo:02d}{hi:02d}"


def _name(r: Record) -> str:
    return (r.name_key or r.name.replace(" ", ""))[:40]


def _nik(r: Record) -> list[str]:
    return [r.nik] if len(r.nik) == 16 else []


def _nik12(r: Record) -> list[str]:
    digits = r.nik15 or r.nik
    return [digits[:12]] if len(digits) >= 12 else []


def _kk(r: Record) -> list[str]:
    out = [r.kk] if r.kk else []
    if len(r.nik) == 16 and r.nik != r.kk:
        out.append(r.nik)
    return out


def _name_md(r: Record) -> list[str]:
    name, dob = _name(r), _dob(r.birth_date)
    return [f"{name}|{dob[4:]}"] if name and dob else []


def _name_year(r: Record) -> list[str]:
    name = _name(r)
    if not name or len(r.region) < 5:
        return []
    return [f"{name}|{r.region[:5]}|{r.birth_date.year if r.birth_date else ''}"]


def _dob_place(r: Record) -> list[str]:
    dob = _dob(r.birth_date)
    return [f"{dob}|{r.birth_place[:30]}"] if dob and r.birth_place else []


# Boilerplate of Indonesian street addresses (as standardise.normalise_address writes them) and the neighbourhood
# units RT / RW with their numbers: left out of the address key (sources write them or not, and differently).
_ADDRESS_BOILERPLATE = frozenset({"jalan", "gang", "nomor", "no", "rt", "rw", "kelurahan", "kecamatan", "desa",
                                  "dusun", "kabupaten", "kota"})


def address_core(address: str) -> str:
    """The street address without the RT / RW units and their numbers and without boilerplate words ("jalan
    pramuka nomor 75 rt 51" -> "pramuka 75")."""
    words = address.split()
    out = []
    skip_number = False
    for word in words:
        if skip_number and word.isdigit():
            skip_number = False
            continue
        skip_number = word in ("rt", "rw")
        if word not in _ADDRESS_BOILERPLATE:
            out.append(word)
    return " ".join(out)


def _home(r: Record) -> list[str]:
    """A first or last name word at one street address of one regency: the records of one person who gave no
    usable NIK and no usable birth date (or a mistyped one) but the same home. Household members share the address
    and rarely a name word, so the blocks stay at a household's size."""
    tokens = r.name_tokens
    if not tokens or not r.address or len(r.region) < 5:
        return []
    core = address_core(r.address)
    if not any(ch.isdigit() for ch in core) or len(core) < 6:  # no house number: a street, not a home
        return []
    words = dict.fromkeys(w for w in (tokens[0], tokens[-1]) if len(w) >= 3)
    return [f"{w[:16]}|{r.region[:5]}|{core[:48]}" for w in words]


def _phone(r: Record) -> list[str]:
    return [r.phone] if r.phone else []


def _email(r: Record) -> list[str]:
    return [r.email[:70]] if r.email else []


@dataclass(frozen=True)
class Rule:
    name: str
    values: Callable[[Record], list[str]]


RULES: tuple[Rule, ...] = (
    Rule("nik", _nik), Rule("nik12", _nik12), Rule("kk", _kk), Rule("name_md", _name_md),
    Rule("name_year", _name_year), Rule("dob_place", _dob_place), Rule("phone", _phone), Rule("email", _email),
    Rule("home", _home),
)


def record_keys(record: Record, rules: Sequence[Rule] = RULES) -> list[str]:
    """The record's blocking keys, "rule:value" (each at most 80 characters)."""
    out = []
    for rule in rules:
        for value in rule.values(record):
            out.append(f"{rule.name}:{value}"[:KEY_MAX])
    return out


@dataclass
class Blocks:
    """One rule's blocks: record indexes sorted by key, and the start and size of every block of 2 or more."""

    rule: str
    order: np.ndarray  # record indexes, grouped by key
    starts: np.ndarray
    sizes: np.ndarray

    def pairs_in(self, cap: int) -> int:
        s = self.sizes[self.sizes <= cap].astype(np.int64)
        return int((s * (s - 1) // 2).sum())


@dataclass
class BlockingReport:
    cap: int
    pairs: dict[str, int] = field(default_factory=dict)  # rule -> candidate pairs within the cap (with repeats)
    pairs_uncapped: dict[str, int] = field(default_factory=dict)  # rule -> pairs had no block been skipped
    skipped: list[dict] = field(default_factory=list)  # {"rule", "key", "size", "pairs"} of every skipped block
    unique_pairs: int | None = None  # distinct candidate pairs over all rules (after generation)

    @property
    def total(self) -> int:
        return sum(self.pairs.values())

    def as_dict(self) -> dict:
        return {"cap": self.cap, "pairs": dict(self.pairs), "pairs_uncapped": dict(self.pairs_uncapped),
                "skipped": list(self.skipped), "total": self.total, "unique_pairs": self.unique_pairs}


def _hash(value: str) -> int:
    return hash(value)  # 64 bits, stable within the process: enough to group (a collision only adds a pair)


def build_blocks(records: Sequence[Record], rules: Sequence[Rule] = RULES,
                 keys: Sequence[Sequence[str]] | None = None) -> list[Blocks]:
    """Group the records by key, per rule (``keys``: the records' record_keys when already known)."""
    per_rule: dict[str, tuple[list[int], list[int]]] = {rule.name: ([], []) for rule in rules}
    if keys is None:
        for i, r in enumerate(records):
            for rule in rules:
                idx, hashes = per_rule[rule.name]
                for value in rule.values(r):
                    idx.append(i)
                    hashes.append(_hash(value))
    else:
        for i, record_keys_ in enumerate(keys):
            for key in record_keys_:
                name, _, value = key.partition(":")
                if name in per_rule:
                    idx, hashes = per_rule[name]
                    idx.append(i)
                    hashes.append(_hash(value))
    out = []
    for rule in rules:
        idx, hashes = per_rule.pop(rule.name)
        index = np.asarray(idx, dtype=np.int64)
        h = np.asarray(hashes, dtype=np.int64)
        order = np.argsort(h, kind="stable")
        h, index = h[order], index[order]
        if len(h):
            boundary = np.flatnonzero(np.diff(h)) + 1
            starts = np.concatenate([[0], boundary])
            sizes = np.diff(np.concatenate([starts, [len(h)]]))
        else:
            starts = sizes = np.zeros(0, dtype=np.int64)
        multi = sizes >= 2
        out.append(Blocks(rule.name, index, starts[multi], sizes[multi]))
    return out


def _key_of(records: Sequence[Record], rule: Rule, member: int, others: np.ndarray) -> str:
    """The key value a block's first member shares with the rest (a rule may give a record several values)."""
    values = rule.values(records[member])
    if len(values) > 1:
        other = set(rule.values(records[int(others[0])]))
        values = [v for v in values if v in other] or values
    return f"{rule.name}:{values[0]}"[:KEY_MAX] if values else rule.name


def count_pairs(records: Sequence[Record], rules: Sequence[Rule] = RULES, *, cap: int = DEFAULT_CAP,
                blocks: list[Blocks] | None = None) -> BlockingReport:
    """Candidate pairs per rule, counted from the block sizes before any pair is made; blocks over ``cap`` records
    are listed as skipped (largest first)."""
    blocks = blocks if blocks is not None else build_blocks(records, rules)
    by_name = {rule.name: rule for rule in rules}
    report = BlockingReport(cap=cap)
    for b in blocks:
        s = b.sizes.astype(np.int64)
        report.pairs[b.rule] = b.pairs_in(cap)
        report.pairs_uncapped[b.rule] = int((s * (s - 1) // 2).sum())
        for k in np.flatnonzero(b.sizes > cap)[np.argsort(-b.sizes[b.sizes > cap], kind="stable")]:
            start, size = int(b.starts[k]), int(b.sizes[k])
            members = b.order[start:start + size]
            report.skipped.append({"rule": b.rule,
                                   "key": _key_of(records, by_name[b.rule], int(members[0]), members[1:]),
                                   "size": size, "pairs": size * (size - 1) // 2})
    return report


def pairs_of(blocks: Iterable[Blocks], cap: int = DEFAULT_CAP) -> tuple[np.ndarray, np.ndarray]:
    """The distinct candidate pairs (left < right, sorted) of all blocks up to ``cap`` records."""
    codes = []
    n_max = 0
    for b in blocks:
        if len(b.order):
            n_max = max(n_max, int(b.order.max()) + 1)
    for b in blocks:
        keep = b.sizes <= cap
        starts, sizes = b.starts[keep], b.sizes[keep]
        for size in np.unique(sizes):
            size = int(size)
            st = starts[sizes == size]
            members = b.order[st[:, None] + np.arange(size)[None, :]]  # (blocks, size)
            iu, ju = np.triu_indices(size, 1)
            a, c = members[:, iu].ravel(), members[:, ju].ravel()
            lo, hi = np.minimum(a, c), np.maximum(a, c)
            pair = lo * n_max + hi
            codes.append(pair[lo != hi])
    if not codes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    allp = np.unique(np.concatenate(codes))
    return allp // n_max, allp % n_max


def candidate_pairs(records: Sequence[Record], rules: Sequence[Rule] = RULES, *, cap: int = DEFAULT_CAP,
                    max_pairs: int | None = None) -> tuple[np.ndarray, np.ndarray, BlockingReport]:
    """Count, then make the candidate pairs; refuses (ValueError with the report) when the count is over
    ``max_pairs``."""
    blocks = build_blocks(records, rules)
    report = count_pairs(records, rules, cap=cap, blocks=blocks)
    if max_pairs is not None and report.total > max_pairs:
        raise TooManyPairs(report, max_pairs)
    left, right = pairs_of(blocks, cap)
    report.unique_pairs = len(left)
    return left, right, report


class TooManyPairs(ValueError):
    def __init__(self, report: BlockingReport, limit: int):
        self.report = report
        self.limit = limit
        super().__init__(f"{report.total} candidate pairs counted, more than the limit of {limit}: {report.pairs}")
