"""Candidate–vacancy matching: a pure, explainable score, and the same score for a million candidates at once.

Plain Python and NumPy; nothing from Django (shortlist.py loads the data and calls this). One function,
``score(candidate, vacancy, today, geography)``, scores one candidate for one vacancy and says why, point by point;
it serves both directions: a company's shortlist for a vacancy and a job seeker's recommended vacancies.
``CandidateIndex`` holds every candidate profile as NumPy columns and ``points_many`` computes exactly the same
points for all of them in one vectorised pass (tests check the two agree on random data).

Hard filters (a candidate failing one is out, whatever the points):

- consent: the person consents to being shown to companies, now (``shown``; the shortlist direction only — a
  job seeker looking at vacancies for themself needs no consent to be shown to anyone);
- age on the given day within the vacancy's minimum and maximum age, when set;
- sex, when the job requires one;
- education: the person's education level (its order: SD 2, SMP 3, SMA 4, SMK 5, D3 8, S1 10 …) at least the
  vacancy's minimum, when set (an unknown education level counts as none).

Points (integers; the reasons list every non-zero part, and the parts sum to the score):

| component    | fact                                                                  | points |
|--------------|-----------------------------------------------------------------------|--------|
| certificate  | a current competency certificate in the vacancy's wanted scheme      | 40     |
|              | otherwise any current competency certificate                          | 15     |
| training     | a completed training in one of the vacancy's wanted vocations         | 25     |
|              | otherwise any completed training                                      | 10     |
| distance     | lives in the regency/city of the work location                        | 20     |
|              | lives in a neighbouring regency/city (land border)                    | 12     |
|              | lives elsewhere in the same province                                  | 5      |
|              | elsewhere, or unknown                                                 | 0      |
| availability | available for work now (not working, not in an apprenticeship)        | 10     |
|              | plus: completed a training in the last 180 days                       | 4      |

The maximum is 40 + 25 + 20 + 14 = 99. The order of the weights is the order of what a company needs to know:
a certificate in the wanted scheme (the assessed competence) outweighs everything else together except a wanted
training; a wanted training outweighs where the person lives; living nearby outweighs availability. Within one
score, candidates are ordered by person id (earlier registration first), so the order is total and stable.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

WEIGHTS: dict[str, int] = {
    "wanted_certificate": 40,
    "certificate": 15,
    "wanted_training": 25,
    "training": 10,
    "same_regency": 20,
    "neighbouring_regency": 12,
    "same_province": 5,
    "available": 10,
    "recently_trained": 4,
}
RECENT_DAYS = 180
COMPONENTS = ("certificate", "training", "distance", "availability")
# Reason codes by component, in the order reasons are listed.
REASON_COMPONENT = {
    "wanted_certificate": "certificate", "certificate": "certificate",
    "wanted_training": "training", "training": "training",
    "same_regency": "distance", "neighbouring_regency": "distance", "same_province": "distance",
    "available": "availability", "recently_trained": "availability",
}
HARD_FILTERS = ("not_shown", "too_young", "too_old", "sex", "education")
SEX_CODES = {"L": 0, "P": 1}
NEIGHBOURS_CSV = Path(__file__).resolve().parent / "data" / "regency_neighbours.csv"


# --- the facts ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Candidate:
    """What matching knows of a person (a CandidateProfile row)."""

    person_id: int
    birth_date: datetime.date
    sex: str = ""
    shown: bool = False
    available: bool = True
    regency: str = ""  # "64.71"; "" unknown
    education_order: int = 0
    trained: bool = False
    last_completed: datetime.date | None = None
    vocation_ids: frozenset[int] = frozenset()
    scheme_codes: frozenset[str] = frozenset()
    certificates: int = 0


@dataclasses.dataclass(frozen=True)
class VacancySpec:
    """What matching needs of a vacancy."""

    vacancy_id: int
    regency: str  # the work location, "64.71"
    scheme_code: str = ""  # the competency certificate wanted; "" none
    vocation_ids: frozenset[int] = frozenset()  # the trainings wanted
    min_age: int | None = None
    max_age: int | None = None
    sex: str = ""  # "" any
    min_education: int | None = None  # an education level's order


@dataclasses.dataclass(frozen=True)
class Reason:
    """One part of a score: a code (WEIGHTS), its points and what it is about (a scheme code, the vocations
    matched, the regencies)."""

    code: str
    points: int
    detail: tuple = ()

    def as_dict(self) -> dict:
        return {"code": self.code, "points": self.points, "detail": list(self.detail)}


@dataclasses.dataclass(frozen=True)
class Scored:
    eligible: bool
    score: int  # 0 when not eligible
    components: dict[str, int]
    reasons: tuple[Reason, ...]
    excluded: tuple[str, ...] = ()  # the hard filters failed (HARD_FILTERS codes)


class Geography:
    """Regencies/cities and their land neighbours: same regency > neighbour > same province > elsewhere."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        self.neighbours: dict[str, set[str]] = {}
        for a, b in pairs:
            if a == b:
                continue
            self.neighbours.setdefault(a, set()).add(b)
            self.neighbours.setdefault(b, set()).add(a)

    @classmethod
    def load(cls, path: Path | str = NEIGHBOURS_CSV) -> Geography:
        with open(path, newline="", encoding="utf-8") as handle:
            return cls((row["regency"], row["neighbour"]) for row in csv.DictReader(handle))

    def relation(self, home: str, work: str) -> str | None:
        """The distance reason code of living in ``home`` and working in ``work`` (None: elsewhere)."""
        if not home or not work:
            return None
        if home == work:
            return "same_regency"
        if home in self.neighbours.get(work, ()):
            return "neighbouring_regency"
        if province(home) == province(work):
            return "same_province"
        return None


def province(regency: str) -> str:
    return regency.split(".", 1)[0]


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def born_by(day: datetime.date, years: int) -> datetime.date:
    """The latest birth date of a person at least ``years`` old on ``day`` (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --- one candidate, one vacancy -------------------------------------------------------------------


def hard_filters(candidate: Candidate, vacancy: VacancySpec, today: datetime.date, *,
                 require_consent: bool = True) -> tuple[str, ...]:
    failed = []
    if require_consent and not candidate.shown:
        failed.append("not_shown")
    age = age_on(candidate.birth_date, today)
    if vacancy.min_age is not None and age < vacancy.min_age:
        failed.append("too_young")
    if vacancy.max_age is not None and age > vacancy.max_age:
        failed.append("too_old")
    if vacancy.sex and candidate.sex != vacancy.sex:
        failed.append("sex")
    if vacancy.min_education is not None and candidate.education_order < vacancy.min_education:
        failed.append("education")
    return tuple(failed)


def score(candidate: Candidate, vacancy: VacancySpec, today: datetime.date, geography: Geography, *,
          require_consent: bool = True) -> Scored:
    """The score of ``candidate`` for ``vacancy`` on ``today``, with its parts (see the module docstring)."""
    reasons = []
    if vacancy.scheme_code and vacancy.scheme_code in candidate.scheme_codes:
        reasons.append(Reason("wanted_certificate", WEIGHTS["wanted_certificate"], (vacancy.scheme_code,)))
    elif candidate.certificates > 0:
        reasons.append(Reason("certificate", WEIGHTS["certificate"], (candidate.certificates,)))
    wanted = sorted(vacancy.vocation_ids & candidate.vocation_ids)
    if wanted:
        reasons.append(Reason("wanted_training", WEIGHTS["wanted_training"], tuple(wanted)))
    elif candidate.trained:
        reasons.append(Reason("training", WEIGHTS["training"]))
    relation = geography.relation(candidate.regency, vacancy.regency)
    if relation is not None:
        reasons.append(Reason(relation, WEIGHTS[relation], (candidate.regency, vacancy.regency)))
    if candidate.available:
        reasons.append(Reason("available", WEIGHTS["available"]))
    if candidate.last_completed is not None and (today - candidate.last_completed).days <= RECENT_DAYS:
        reasons.append(Reason("recently_trained", WEIGHTS["recently_trained"], (candidate.last_completed.isoformat(),)))
    components = dict.fromkeys(COMPONENTS, 0)
    for reason in reasons:
        components[REASON_COMPONENT[reason.code]] += reason.points
    excluded = hard_filters(candidate, vacancy, today, require_consent=require_consent)
    total = sum(components.values())
    return Scored(eligible=not excluded, score=0 if excluded else total, components=components,
                  reasons=tuple(reasons), excluded=excluded)


def points(candidate: Candidate, vacancy: VacancySpec, today: datetime.date, geography: Geography, *,
           require_consent: bool = True) -> int:
    """``score(...).score`` when eligible, else -1, without building the reasons (for ranking many vacancies)."""
    if (require_consent and not candidate.shown) or (vacancy.sex and candidate.sex != vacancy.sex) or (
            vacancy.min_education is not None and candidate.education_order < vacancy.min_education):
        return -1
    if vacancy.min_age is not None or vacancy.max_age is not None:
        age = age_on(candidate.birth_date, today)
        if (vacancy.min_age is not None and age < vacancy.min_age) or (
                vacancy.max_age is not None and age > vacancy.max_age):
            return -1
    total = 0
    if vacancy.scheme_code and vacancy.scheme_code in candidate.scheme_codes:
        total += WEIGHTS["wanted_certificate"]
    elif candidate.certificates > 0:
        total += WEIGHTS["certificate"]
    if not vacancy.vocation_ids.isdisjoint(candidate.vocation_ids):
        total += WEIGHTS["wanted_training"]
    elif candidate.trained:
        total += WEIGHTS["training"]
    relation = geography.relation(candidate.regency, vacancy.regency)
    if relation is not None:
        total += WEIGHTS[relation]
    if candidate.available:
        total += WEIGHTS["available"]
    if candidate.last_completed is not None and (today - candidate.last_completed).days <= RECENT_DAYS:
        total += WEIGHTS["recently_trained"]
    return total


def rank(scored: Iterable[tuple[int, Scored]], limit: int | None = None) -> list[tuple[int, Scored]]:
    """(key, Scored) pairs of the eligible, best first: score descending, then key (person or vacancy id)."""
    ordered = sorted(((key, s) for key, s in scored if s.eligible), key=lambda pair: (-pair[1].score, pair[0]))
    return ordered if limit is None else ordered[:limit]


# --- every candidate at once ----------------------------------------------------------------------

# The columns of a profile row, as loaders give them to CandidateIndex: dates as proleptic ordinals
# (datetime.date.toordinal(); 0 = none), updated_us = updated_at in microseconds since the epoch.
COLUMNS = ("person_id", "shown", "available", "regency", "sex", "birth", "education", "trained", "last_completed",
           "vocation_ids", "scheme_codes", "certificates", "updated_us")
CHECKSUM_MODULUS = 1_000_000_007


def candidate_from_columns(row: Mapping) -> Candidate:
    return Candidate(
        person_id=int(row["person_id"]), birth_date=datetime.date.fromordinal(int(row["birth"])), sex=row["sex"],
        shown=bool(row["shown"]), available=bool(row["available"]), regency=row["regency"] or "",
        education_order=int(row["education"]), trained=bool(row["trained"]),
        last_completed=datetime.date.fromordinal(int(row["last_completed"])) if row["last_completed"] else None,
        vocation_ids=frozenset(int(v) for v in row["vocation_ids"]),
        scheme_codes=frozenset(str(s) for s in row["scheme_codes"]), certificates=int(row["certificates"]))


def columns_from_candidates(candidates: Sequence[Candidate], updated_us: Sequence[int] | None = None) -> dict:
    """The columns of ``candidates`` (for tests and small loads)."""
    return {
        "person_id": [c.person_id for c in candidates],
        "shown": [c.shown for c in candidates],
        "available": [c.available for c in candidates],
        "regency": [c.regency for c in candidates],
        "sex": [c.sex for c in candidates],
        "birth": [c.birth_date.toordinal() for c in candidates],
        "education": [c.education_order for c in candidates],
        "trained": [c.trained for c in candidates],
        "last_completed": [c.last_completed.toordinal() if c.last_completed else 0 for c in candidates],
        "vocation_ids": [sorted(c.vocation_ids) for c in candidates],
        "scheme_codes": [sorted(c.scheme_codes) for c in candidates],
        "certificates": [c.certificates for c in candidates],
        "updated_us": list(updated_us) if updated_us is not None else [0] * len(candidates),
    }


def parse_json_list(text) -> list:
    """A JSON list column as the database returns it (text, or already a list)."""
    if text is None or text == "[]":
        return []
    if isinstance(text, list):
        return text
    return json.loads(text)


def parse_id_list(text) -> list[int]:
    """A JSON list of integers, fast ("[3, 12]": no JSON parser for the common case)."""
    if text is None or text == "[]":
        return []
    if isinstance(text, list):
        return [int(v) for v in text]
    try:
        return [int(v) for v in text[1:-1].split(",")]
    except ValueError:
        return [int(v) for v in json.loads(text)]


_SCALARS = {  # column: dtype
    "ids": np.int64, "shown": np.bool_, "available": np.bool_, "live": np.bool_, "regency": np.int16,
    "sex": np.int8, "birth": np.int32, "education": np.int16, "trained": np.bool_, "last_completed": np.int32,
    "certificates": np.int16, "updated_us": np.int64,
}


class CandidateIndex:
    """Every candidate profile as NumPy columns, sorted by person id, updated in place.

    Scalar facts are one array each; the vocations and schemes of each person are (row, value) pairs (COO),
    where a changed person's old pairs are blanked (value -1) and the new ones appended. A person removed stays
    as a tombstone (``live`` False) until the index is rebuilt. Arrays keep spare capacity, so that adding a
    few persons does not copy a million rows.
    """

    def __init__(self):
        self.n = 0
        self._capacity = 0
        for name, dtype in _SCALARS.items():
            setattr(self, "_" + name, np.zeros(0, dtype))
        self.voc_rows = np.zeros(0, np.int32)
        self.voc_ids = np.zeros(0, np.int32)
        self.scheme_rows = np.zeros(0, np.int32)
        self.scheme_ids = np.zeros(0, np.int32)
        self.regencies: list[str] = []
        self.regency_lookup: dict[str, int] = {}
        self.schemes: list[str] = []
        self.scheme_lookup: dict[str, int] = {}
        self._blanked = 0
        # Caches of vacancy-independent parts, kept up to date row by row by upsert/remove:
        self._base: tuple[int, np.ndarray] | None = None  # (today's ordinal, base points)
        self._distance: dict[str, np.ndarray] = {}  # work regency -> distance points
        self._geography: Geography | None = None
        self._recent: np.ndarray | None = None  # rows whose updated_us may be above _recent_floor
        self._recent_floor = 0

    # column views (length n)
    def __getattr__(self, name):
        if name in _SCALARS:
            return self.__dict__["_" + name][: self.__dict__["n"]]
        raise AttributeError(name)

    @classmethod
    def build(cls, columns: Mapping[str, Sequence]) -> CandidateIndex:
        index = cls()
        index.upsert(columns)
        return index

    @classmethod
    def from_arrays(cls, *, ids, shown, available, regency, regency_codes: Sequence[str], sex, birth, education,
                    trained, last_completed, certificates, updated_us, vocation_person, vocation_id, scheme_person,
                    scheme_code: Sequence[str]) -> CandidateIndex:
        """An index from whole columns at once (a bulk loader's fast path): scalar arrays of one entry per person
        (``regency`` indexes ``regency_codes``, -1 none; ``sex`` as SEX_CODES, -1 other), and the (person id,
        value) pairs of the vocations and schemes. Pairs of a person not in ``ids`` are dropped."""
        index = cls()
        ids = np.asarray(ids, np.int64)
        order = np.argsort(ids, kind="stable") if len(ids) > 1 and np.any(np.diff(ids) <= 0) else None
        n = len(ids)
        index._reserve(n)
        columns = {"ids": ids, "shown": shown, "available": available, "regency": regency, "sex": sex,
                   "birth": birth, "education": education, "trained": trained, "last_completed": last_completed,
                   "certificates": certificates, "updated_us": updated_us}
        for name, values in columns.items():
            values = np.asarray(values, _SCALARS[name])
            index.__dict__["_" + name][:n] = values if order is None else values[order]
        index._live[:n] = True
        index.n = n
        index.regencies = list(regency_codes)
        index.regency_lookup = {code: position for position, code in enumerate(index.regencies)}
        known = index.ids

        def rows_of(persons) -> tuple[np.ndarray, np.ndarray]:
            persons = np.asarray(persons, np.int64)
            if not n or not len(persons):
                return np.zeros(0, np.int32), np.zeros(len(persons), bool)
            found = np.minimum(np.searchsorted(known, persons), n - 1)
            return found.astype(np.int32), known[found] == persons

        rows, hit = rows_of(vocation_person)
        index.voc_rows, index.voc_ids = rows[hit], np.asarray(vocation_id, np.int32)[hit]
        rows, hit = rows_of(scheme_person)
        codes = np.fromiter((index._scheme_code(str(code)) for code in scheme_code), np.int32, len(scheme_code))
        index.scheme_rows, index.scheme_ids = rows[hit], codes[hit]
        return index

    def __len__(self) -> int:
        return int(np.count_nonzero(self.live))

    @property
    def nbytes(self) -> int:
        arrays = [self.__dict__["_" + name] for name in _SCALARS]
        arrays += [self.voc_rows, self.voc_ids, self.scheme_rows, self.scheme_ids]
        return int(sum(a.nbytes for a in arrays))

    # --- codes

    def _regency_code(self, code: str) -> int:
        if not code:
            return -1
        found = self.regency_lookup.get(code)
        if found is None:
            found = self.regency_lookup[code] = len(self.regencies)
            self.regencies.append(code)
        return found

    def _scheme_code(self, code: str) -> int:
        found = self.scheme_lookup.get(code)
        if found is None:
            found = self.scheme_lookup[code] = len(self.schemes)
            self.schemes.append(code)
        return found

    # --- changes

    def positions(self, ids) -> np.ndarray:
        """Row of each person id (-1: not in the index)."""
        ids = np.asarray(ids, np.int64)
        if self.n == 0:
            return np.full(len(ids), -1, np.int64)
        known = self.ids
        found = np.minimum(np.searchsorted(known, ids), self.n - 1)
        return np.where(known[found] == ids, found, -1)

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= self._capacity:
            return
        capacity = max(need, int(self._capacity * 1.25) + 1024)
        for name, dtype in _SCALARS.items():
            grown = np.zeros(capacity, dtype)
            grown[: self.n] = self.__dict__["_" + name][: self.n]
            setattr(self, "_" + name, grown)
        self._capacity = capacity

    def upsert(self, columns: Mapping[str, Sequence]) -> None:
        """Add or replace the persons of ``columns`` (COLUMNS; one entry per person, each person once)."""
        count = len(columns["person_id"])
        if count == 0:
            return
        ids = np.asarray(columns["person_id"], np.int64)
        positions = self.positions(ids)
        new = positions < 0
        added = int(np.count_nonzero(new))
        if added:
            self._reserve(added)
            positions = positions.copy()
            positions[new] = np.arange(self.n, self.n + added)
            self._ids[self.n: self.n + added] = ids[new]
            was_sorted = self.n == 0 or ids[new].min() > self._ids[self.n - 1]
            new_ids_sorted = bool(np.all(np.diff(ids[new]) > 0)) if added > 1 else True
            self.n += added
        else:
            was_sorted = new_ids_sorted = True
        old = positions[~new]
        if len(old):  # blank the old vocation and scheme pairs of the persons replaced
            touched = np.zeros(self.n, bool)
            touched[old] = True
            if len(self.voc_rows):
                dead = touched[self.voc_rows] & (self.voc_ids >= 0)
                self._blanked += int(np.count_nonzero(dead))
                self.voc_ids[dead] = -1
            if len(self.scheme_rows):
                dead = touched[self.scheme_rows] & (self.scheme_ids >= 0)
                self._blanked += int(np.count_nonzero(dead))
                self.scheme_ids[dead] = -1
        self._ids[positions] = ids
        self._live[positions] = True
        self._shown[positions] = np.asarray(columns["shown"], np.bool_)
        self._available[positions] = np.asarray(columns["available"], np.bool_)
        self._regency[positions] = np.fromiter((self._regency_code(c or "") for c in columns["regency"]), np.int16,
                                               count)
        self._sex[positions] = np.fromiter((SEX_CODES.get(s, -1) for s in columns["sex"]), np.int8, count)
        self._birth[positions] = np.asarray(columns["birth"], np.int32)
        self._education[positions] = np.asarray(columns["education"], np.int16)
        self._trained[positions] = np.asarray(columns["trained"], np.bool_)
        self._last_completed[positions] = np.asarray(columns["last_completed"], np.int32)
        self._certificates[positions] = np.asarray(columns["certificates"], np.int16)
        self._updated_us[positions] = np.asarray(columns["updated_us"], np.int64)
        self._append_pairs(positions, columns["vocation_ids"], columns["scheme_codes"])
        self._touch(positions)
        if not (was_sorted and new_ids_sorted):
            self._sort()
        if self._blanked > max(1024, (len(self.voc_ids) + len(self.scheme_ids)) // 2):
            self._compact()

    def _append_pairs(self, positions: np.ndarray, vocations: Sequence, schemes: Sequence) -> None:
        rows, values = [], []
        for position, items in zip(positions.tolist(), vocations, strict=True):
            for item in items:
                rows.append(position)
                values.append(int(item))
        if rows:
            self.voc_rows = np.concatenate([self.voc_rows, np.asarray(rows, np.int32)])
            self.voc_ids = np.concatenate([self.voc_ids, np.asarray(values, np.int32)])
        rows, values = [], []
        for position, items in zip(positions.tolist(), schemes, strict=True):
            for item in items:
                rows.append(position)
                values.append(self._scheme_code(str(item)))
        if rows:
            self.scheme_rows = np.concatenate([self.scheme_rows, np.asarray(rows, np.int32)])
            self.scheme_ids = np.concatenate([self.scheme_ids, np.asarray(values, np.int32)])

    def remove(self, ids) -> int:
        """Persons no longer there: tombstoned (never matched again unless upserted). Returns how many."""
        positions = self.positions(ids)
        positions = positions[positions >= 0]
        self._live[positions] = False
        self._shown[positions] = False
        self._touch(positions)
        return len(positions)

    def _touch(self, positions: np.ndarray) -> None:
        """Bring the caches up to date for the rows at ``positions`` (just written)."""
        def grown(array: np.ndarray) -> np.ndarray:  # new persons were appended
            return array if len(array) == self.n else np.concatenate([array, np.zeros(self.n - len(array), np.int8)])

        if self._base is not None:
            day, base = self._base
            base = grown(base)
            base[positions] = self._base_points(day, positions)
            self._base = (day, base)
        for work, points in list(self._distance.items()):
            points = self._distance[work] = grown(points)
            points[positions] = self._distance_table(work)[self._regency[positions]]
        if self._recent is not None:
            self._recent = np.union1d(self._recent, positions)

    def _sort(self) -> None:
        order = np.argsort(self.ids, kind="stable")
        for name in _SCALARS:
            array = self.__dict__["_" + name]
            array[: self.n] = array[: self.n][order]
        self._base, self._distance, self._recent = None, {}, None
        new_row = np.empty(self.n, np.int32)
        new_row[order] = np.arange(self.n, dtype=np.int32)
        self.voc_rows = new_row[self.voc_rows] if len(self.voc_rows) else self.voc_rows
        self.scheme_rows = new_row[self.scheme_rows] if len(self.scheme_rows) else self.scheme_rows

    def _compact(self) -> None:
        keep = self.voc_ids >= 0
        self.voc_rows, self.voc_ids = self.voc_rows[keep], self.voc_ids[keep]
        keep = self.scheme_ids >= 0
        self.scheme_rows, self.scheme_ids = self.scheme_rows[keep], self.scheme_ids[keep]
        self._blanked = 0

    # --- reading back

    def columns_of(self, position: int) -> dict:
        """One row back as COLUMNS (for checks and tests; O(pairs))."""
        return {
            "person_id": int(self.ids[position]), "shown": bool(self.shown[position]),
            "available": bool(self.available[position]),
            "regency": self.regencies[self.regency[position]] if self.regency[position] >= 0 else "",
            "sex": {v: k for k, v in SEX_CODES.items()}.get(int(self.sex[position]), ""),
            "birth": int(self.birth[position]), "education": int(self.education[position]),
            "trained": bool(self.trained[position]), "last_completed": int(self.last_completed[position]),
            "vocation_ids": sorted(int(v) for v in self.voc_ids[(self.voc_rows == position) & (self.voc_ids >= 0)]),
            "scheme_codes": sorted(self.schemes[s] for s in
                                   self.scheme_ids[(self.scheme_rows == position) & (self.scheme_ids >= 0)]),
            "certificates": int(self.certificates[position]), "updated_us": int(self.updated_us[position]),
        }

    def window(self, after_us: int) -> tuple[int, int]:
        """(count, checksum) of the live rows updated after ``after_us``: compared with the database's to see
        whether anything changed (checksum: the sum of updated_us modulo CHECKSUM_MODULUS)."""
        if self._recent is None or after_us < self._recent_floor:
            self._recent = np.flatnonzero(self.updated_us > after_us)
        else:  # the window only moves forward: keep the rows still in it
            self._recent = self._recent[self._updated_us[self._recent] > after_us]
        self._recent_floor = after_us
        rows = self._recent[self._live[self._recent]]
        return len(rows), int((self._updated_us[rows] % CHECKSUM_MODULUS).sum())

    # --- cached parts of the points

    def _base_points(self, day: int, rows=slice(None)) -> np.ndarray:
        """The points that do not depend on the vacancy (int8): any certificate, any training, availability,
        recent training."""
        zero = np.int8(0)
        base = np.where(self._certificates[: self.n][rows] > 0, np.int8(WEIGHTS["certificate"]), zero)
        base += np.where(self._trained[: self.n][rows], np.int8(WEIGHTS["training"]), zero)
        base += np.where(self._available[: self.n][rows], np.int8(WEIGHTS["available"]), zero)
        last = self._last_completed[: self.n][rows]
        base += np.where((last > 0) & (last >= day - RECENT_DAYS), np.int8(WEIGHTS["recently_trained"]), zero)
        return base

    def base_points(self, today: datetime.date) -> np.ndarray:
        day = today.toordinal()
        if self._base is None or self._base[0] != day or len(self._base[1]) != self.n:
            self._base = (day, self._base_points(day))
        return self._base[1]

    def _distance_table(self, work: str) -> np.ndarray:
        table = np.zeros(len(self.regencies) + 1, np.int8)  # the last entry: no regency (code -1)
        for code, position in self.regency_lookup.items():
            relation = self._geography.relation(code, work)
            table[position] = WEIGHTS[relation] if relation else 0
        return table

    def distance_points(self, work: str, geography: Geography) -> np.ndarray:
        if geography is not self._geography:
            self._geography, self._distance = geography, {}
        points = self._distance.get(work)
        if points is None or len(points) != self.n:
            points = self._distance[work] = self._distance_table(work)[self.regency]
        return points


def points_many(index: CandidateIndex, vacancy: VacancySpec, today: datetime.date, geography: Geography, *,
                require_consent: bool = True) -> np.ndarray:
    """Every indexed candidate's score for ``vacancy`` (int8), -1 where a hard filter fails: the same numbers
    as ``score`` gives one by one. The parts that do not depend on the vacancy are cached in the index."""
    if index.n == 0:
        return np.zeros(0, np.int8)
    ok = index.live.copy()
    if require_consent:
        ok &= index.shown
    if vacancy.min_age is not None:
        ok &= index.birth <= born_by(today, vacancy.min_age).toordinal()
    if vacancy.max_age is not None:
        ok &= index.birth > born_by(today, vacancy.max_age + 1).toordinal()
    if vacancy.sex:
        ok &= index.sex == SEX_CODES.get(vacancy.sex, 99)
    if vacancy.min_education is not None:
        ok &= index.education >= vacancy.min_education

    points = index.base_points(today) + index.distance_points(vacancy.regency, geography)
    # The wanted scheme and vocations replace "any certificate" and "any training" on the few rows that have them
    # (a row listed twice gets the same value twice).
    scheme = index.scheme_lookup.get(vacancy.scheme_code) if vacancy.scheme_code else None
    if scheme is not None and len(index.scheme_ids):
        rows = index.scheme_rows[index.scheme_ids == scheme]
        anyone = np.where(index.certificates[rows] > 0, np.int8(WEIGHTS["certificate"]), np.int8(0))
        points[rows] = points[rows] - anyone + np.int8(WEIGHTS["wanted_certificate"])
    if vacancy.vocation_ids and len(index.voc_ids):
        wanted = np.zeros(len(index.voc_ids), bool)
        for vocation in vacancy.vocation_ids:
            wanted |= index.voc_ids == vocation
        rows = index.voc_rows[wanted]
        anyone = np.where(index.trained[rows], np.int8(WEIGHTS["training"]), np.int8(0))
        points[rows] = points[rows] - anyone + np.int8(WEIGHTS["wanted_training"])
    # -1 where a filter fails, by arithmetic (a boolean-mask assignment is several times slower at a million).
    points += np.int8(1)
    np.multiply(points, ok, out=points)
    points -= np.int8(1)
    return points


def top_positions(index: CandidateIndex, points: np.ndarray, limit: int) -> np.ndarray:
    """Rows of the ``limit`` best eligible candidates, best first (score descending, then person id)."""
    if limit <= 0 or not len(points):
        return np.zeros(0, np.int64)
    eligible = int(np.count_nonzero(points >= 0))
    limit = min(limit, eligible)
    if limit == 0:
        return np.zeros(0, np.int64)
    # The threshold: the highest score t with at least ``limit`` candidates scoring t or more (a binary search
    # over the few possible scores; each step one pass of a cheap comparison).
    low, high = 0, int(points.max())  # count(points >= low) >= limit holds
    while low < high:
        middle = (low + high + 1) // 2
        if np.count_nonzero(points >= middle) >= limit:
            low = middle
        else:
            high = middle - 1
    threshold = low
    better = np.flatnonzero(points > threshold)
    tied = np.flatnonzero(points == threshold)[: limit - len(better)]  # rows are sorted by person id
    chosen = np.concatenate([better, tied])
    order = np.lexsort((index.ids[chosen], -points[chosen].astype(np.int16)))
    return chosen[order]
