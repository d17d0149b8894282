"""Shortlists (the best candidates for a vacancy) and recommendations (the best open vacancies for a person):
the Django side of matching. The scoring, its weights and hard filters are in scoring.py (pure); the design and
the measurements in docs/algorithms/jobs.md and docs/benchmarks.md.

Shortlist: every candidate profile is held in memory, per process, as NumPy columns (``scoring.CandidateIndex``:
about 30 bytes a person), built on the first call and then kept current incrementally:

- each call first compares the profiles changed in the last ``LAG`` (count and a checksum of their ``updated_at``)
  with the index; only on a difference does it read the changed rows — normally none or a few, by the
  ``updated_at`` index — so a call costs one small query when nothing changed. The window reaches ``LAG`` back so
  that a transaction committed late (its rows stamped before the previous call, visible only after it) is still
  seen; a change larger than a fifth of the index rebuilds it;
- all candidates are scored at once (``scoring.points_many``) and the best taken without sorting everyone
  (``scoring.top_positions``);
- the best ones are then read again from the database by primary key and scored one by one with the fresh rows:
  a person whose consent was withdrawn a moment ago is never shown, whatever the index says. Rows that differ
  from the index are written into it and the top is computed again (a refill), until the top agrees with the
  database.

Recommendations score the open vacancies (a few thousand) for one person in plain Python, the same score from the
other side (``scoring.points`` for all, ``scoring.score`` with its reasons for the best).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import logging
import threading
import time

import numpy as np
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.jobs import scoring
from kompeten.jobs.models import CandidateProfile, Vacancy

logger = logging.getLogger(__name__)
LAG = datetime.timedelta(seconds=120)  # how late a transaction may commit rows it stamped, and still be seen
REBUILD_SHARE = 0.2  # more changed rows than this share of the index (and than REBUILD_MIN): rebuild it
REBUILD_MIN = 10_000
MAX_ROUNDS = 8  # refills of one shortlist call
FETCH_CHUNK = 500
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

REASON_TEXTS = {
    "wanted_certificate": _("Current competency certificate in the wanted scheme (%(scheme)s)"),
    "certificate": _("Current competency certificate (not the wanted scheme)"),
    "wanted_training": _("Completed training in a wanted vocation (%(vocations)s)"),
    "training": _("Completed a training (not a wanted vocation)"),
    "same_regency": _("Lives in the regency/city of the work location (%(regency)s)"),
    "neighbouring_regency": _("Lives in a neighbouring regency/city (%(regency)s)"),
    "same_province": _("Lives in the same province (%(regency)s)"),
    "available": _("Available for work now"),
    "recently_trained": _("Completed a training in the last 6 months"),
}
# The same reasons as a job seeker reads them about a vacancy.
REASON_TEXTS_FOR_SEEKER = {
    **REASON_TEXTS,
    "wanted_certificate": _("Your competency certificate is the one wanted (%(scheme)s)"),
    "certificate": _("You hold a competency certificate (another scheme)"),
    "wanted_training": _("Your training is one of the wanted vocations (%(vocations)s)"),
    "training": _("You completed a training (another vocation)"),
    "same_regency": _("Work in your regency/city (%(work)s)"),
    "neighbouring_regency": _("Work in a neighbouring regency/city (%(work)s)"),
    "same_province": _("Work in your province (%(work)s)"),
    "available": _("You are available for work"),
    "recently_trained": _("You completed a training in the last 6 months"),
}


@dataclasses.dataclass(frozen=True)
class Row:
    """A shortlisted candidate: score, its parts by component, and the reasons as text (each with its points,
    best first; they sum to the score). ``explained`` has the same reasons as codes, for APIs."""

    person_id: int
    score: int
    components: dict[str, int]
    reasons: list[str]
    explained: tuple[scoring.Reason, ...] = ()


@dataclasses.dataclass(frozen=True)
class Recommendation:
    vacancy_id: int
    score: int
    components: dict[str, int]
    reasons: list[str]
    explained: tuple[scoring.Reason, ...] = ()
    vacancy: Vacancy | None = None


# --- reading profiles -----------------------------------------------------------------------------


def _expressions(vendor: str) -> dict[str, str]:
    quote = connection.ops.quote_name
    if vendor == "postgresql":
        return {
            "birth": f"({quote('birth_date')} - DATE '0001-01-01') + 1",
            "last_completed": f"COALESCE(({quote('last_completed')} - DATE '0001-01-01') + 1, 0)",
            "vocation_ids": f"{quote('vocation_ids')}::text",
            "scheme_codes": f"{quote('scheme_codes')}::text",
            "updated_us": f"round(date_part('epoch', {quote('updated_at')}) * 1000000)::bigint",
        }
    if vendor == "sqlite":
        return {  # julianday('0001-01-01') = 1721425.5 is ordinal 1; updated_at is stored as UTC text
            "birth": f"CAST(julianday({quote('birth_date')}) - 1721424.5 AS INTEGER)",
            "last_completed": f"COALESCE(CAST(julianday({quote('last_completed')}) - 1721424.5 AS INTEGER), 0)",
            "vocation_ids": quote("vocation_ids"),
            "scheme_codes": quote("scheme_codes"),
            "updated_us": (f"(CAST(strftime('%%s', {quote('updated_at')}) AS INTEGER) * 1000000 "
                           f"+ COALESCE(CAST(substr({quote('updated_at')}, 21, 6) AS INTEGER), 0))"),
        }
    raise NotImplementedError(vendor)


def _select(where: str) -> str:
    quote = connection.ops.quote_name
    expressions = _expressions(connection.vendor)
    columns = [quote("person_id"), quote("shown"), quote("available"), quote("regency"), quote("sex"),
               expressions["birth"], quote("education_order"), quote("trained"), expressions["last_completed"],
               expressions["vocation_ids"], expressions["scheme_codes"], quote("certificates"),
               expressions["updated_us"]]
    # Identifiers and expressions are constants of this module; values always go as parameters.
    return (f"SELECT {', '.join(columns)} FROM {quote(CandidateProfile._meta.db_table)} {where} "  # noqa: S608
            f"ORDER BY {quote('person_id')}")


def _empty_columns() -> dict[str, list]:
    return {name: [] for name in scoring.COLUMNS}


def _extend(columns: dict[str, list], rows) -> None:
    if not rows:
        return
    values = list(zip(*rows, strict=True))
    for position, name in enumerate(scoring.COLUMNS):
        if name == "vocation_ids":
            columns[name].extend(scoring.parse_id_list(text) for text in values[position])
        elif name == "scheme_codes":
            columns[name].extend(scoring.parse_json_list(text) for text in values[position])
        else:
            columns[name].extend(values[position])


def _us(moment: datetime.datetime) -> int:
    return (moment - EPOCH) // datetime.timedelta(microseconds=1)


def _orm_columns(queryset) -> dict[str, list]:
    """The columns through the ORM (databases other than PostgreSQL and SQLite)."""
    columns = _empty_columns()
    rows = [(p.person_id, p.shown, p.available, p.regency, p.sex, p.birth_date.toordinal(), p.education_order,
             p.trained, p.last_completed.toordinal() if p.last_completed else 0, p.vocation_ids, p.scheme_codes,
             p.certificates, _us(p.updated_at)) for p in queryset.order_by("person_id")]
    _extend(columns, rows)
    return columns


def load_all() -> dict[str, list]:
    """Every profile as scoring.COLUMNS (a server-side cursor on PostgreSQL)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return _orm_columns(CandidateProfile.objects.all())
    columns = _empty_columns()
    with connection.chunked_cursor() as cursor:
        cursor.execute(_select(""), [])
        while rows := cursor.fetchmany(20_000):
            _extend(columns, rows)
    return columns


# PostgreSQL: the whole table in one statement (one snapshot) as a few arrays in binary form, read with NumPy views —
# no Python object per row. The small facts of a person are packed into one int8 (bits: 0-19 birth and 20-39 last
# completion as days since 1800-01-01 (+1; 0 none), 40-47 education order, 48-55 certificates, 56 shown,
# 57 available, 58 trained, 59-60 sex: 1 L, 2 P, 0 other). A vocation pair is person id << 20 | vocation id.
_PACKED = ("""GREATEST("birth_date" - DATE '1800-01-01', 0)::int8
  | (GREATEST(COALESCE("last_completed" - DATE '1800-01-01' + 1, 0), 0)::int8 << 20)
  | (LEAST("education_order", 255)::int8 << 40) | (LEAST("certificates", 255)::int8 << 48)
  | ("shown"::int::int8 << 56) | ("available"::int::int8 << 57) | ("trained"::int::int8 << 58)
  | ((CASE "sex" WHEN 'L' THEN 1 WHEN 'P' THEN 2 ELSE 0 END)::int8 << 59)""")
_WHOLE_TABLE = """SELECT array_send(array_agg("person_id"::int8)),
  array_send(array_agg(round(date_part('epoch', "updated_at") * 1000000)::int8)),
  array_send(array_agg("regency"::char(8))), array_send(array_agg({packed})),
  (SELECT array_send(array_agg((p."person_id"::int8 << 20) | v::int8))
     FROM {table} p, jsonb_array_elements_text(p."vocation_ids") v WHERE p."vocation_ids" <> '[]'::jsonb),
  (SELECT array_agg(p."person_id"::text || ':' || s)
     FROM {table} p, jsonb_array_elements_text(p."scheme_codes") s WHERE p."scheme_codes" <> '[]'::jsonb)
FROM {table}"""
_DAY_ZERO = datetime.date(1800, 1, 1).toordinal()


def _binary_array(data, kind: str) -> np.ndarray:
    """A one-dimensional array without nulls in PostgreSQL's binary form (array_send) of fixed-width elements."""
    if data is None:
        return np.zeros(0, np.dtype(kind).newbyteorder("="))
    data = bytes(data)
    if int.from_bytes(data[0:4], "big") == 0:  # no dimension: empty
        return np.zeros(0, np.dtype(kind).newbyteorder("="))
    dtype = np.dtype([("length", ">i4"), ("value", kind)])
    values = np.frombuffer(data, dtype=dtype, offset=20)
    if np.any(values["length"] != np.dtype(kind).itemsize):
        raise ValueError("unexpected array element width")
    return values["value"]


def _load_index_postgres() -> scoring.CandidateIndex:
    table = connection.ops.quote_name(CandidateProfile._meta.db_table)
    connection.ensure_connection()
    # A binary cursor of the driver (psycopg 3): the arrays come as raw bytes, not hex text. The table name and the
    # SQL are constants of this module.
    import psycopg

    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_WHOLE_TABLE.format(table=table, packed=_PACKED), binary=True)
        ids, stamps, regencies, packed, vocations, schemes = cursor.fetchone()
    ids = _binary_array(ids, ">i8").astype(np.int64)
    stamps = _binary_array(stamps, ">i8").astype(np.int64)
    regencies = _binary_array(regencies, ">u8")  # char(8): the code padded with spaces, read as a number
    packed = _binary_array(packed, ">i8").astype(np.int64)
    vocations = _binary_array(vocations, ">i8").astype(np.int64)
    schemes = [item.split(":", 1) for item in schemes or []]
    distinct, regency = np.unique(regencies, return_inverse=True)
    codes = [int(code).to_bytes(8, "big").decode().strip() for code in distinct.tolist()]
    if "" in codes:  # no regency: code -1, as CandidateIndex has it
        empty = codes.index("")
        regency = np.where(regency == empty, -1, regency - (regency > empty))
        codes.pop(empty)

    def bits(shift: int, width: int) -> np.ndarray:
        return (packed >> shift) & ((1 << width) - 1)

    last = bits(20, 20)
    sex = bits(59, 2)
    return scoring.CandidateIndex.from_arrays(
        ids=ids, shown=bits(56, 1).astype(bool), available=bits(57, 1).astype(bool), regency=regency,
        regency_codes=codes, sex=np.where(sex == 0, -1, sex - 1), birth=bits(0, 20) + _DAY_ZERO,
        education=bits(40, 8), trained=bits(58, 1).astype(bool),
        last_completed=np.where(last > 0, last - 1 + _DAY_ZERO, 0), certificates=bits(48, 8), updated_us=stamps,
        vocation_person=vocations >> 20, vocation_id=vocations & ((1 << 20) - 1),
        scheme_person=[int(person) for person, _code in schemes], scheme_code=[code for _person, code in schemes])


def load_index() -> scoring.CandidateIndex:
    """Every profile as a CandidateIndex (binary COPY on PostgreSQL, rows elsewhere)."""
    if connection.vendor == "postgresql":
        try:
            return _load_index_postgres()
        except ValueError:  # an element of unexpected width (data this loader does not expect): read rows instead
            logger.warning("shortlist: the binary loader refused the data; reading the profiles row by row")
    return scoring.CandidateIndex.build(load_all())


def load_ids(ids) -> dict[str, list]:
    """The profiles of these person ids that exist, as scoring.COLUMNS."""
    ids = sorted({int(i) for i in ids})
    if connection.vendor not in ("postgresql", "sqlite"):
        return _orm_columns(CandidateProfile.objects.filter(pk__in=ids))
    columns = _empty_columns()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), FETCH_CHUNK):
            chunk = ids[start:start + FETCH_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(_select(f"WHERE {connection.ops.quote_name('person_id')} IN ({marks})"), chunk)
            _extend(columns, cursor.fetchall())
    return columns


def _window(after: datetime.datetime) -> tuple[int, int]:
    """(count, checksum) of the profiles updated after ``after``, as CandidateIndex.window computes them."""
    if connection.vendor not in ("postgresql", "sqlite"):
        stamps = [_us(t) for t in CandidateProfile.objects.filter(updated_at__gt=after)
                  .values_list("updated_at", flat=True)]
        return len(stamps), sum(s % scoring.CHECKSUM_MODULUS for s in stamps)
    quote = connection.ops.quote_name
    stamp = _expressions(connection.vendor)["updated_us"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM({stamp} %% {scoring.CHECKSUM_MODULUS}), 0) "  # noqa: S608
                       f"FROM {quote(CandidateProfile._meta.db_table)} WHERE {quote('updated_at')} > %s",
                       [connection.ops.adapt_datetimefield_value(after)])
        count, checksum = cursor.fetchone()
    return int(count), int(checksum)


def _window_stamps(after: datetime.datetime) -> tuple[np.ndarray, np.ndarray]:
    """(person ids, updated_us) of the profiles updated after ``after``."""
    if connection.vendor not in ("postgresql", "sqlite"):
        pairs = [(pk, _us(t)) for pk, t in CandidateProfile.objects.filter(updated_at__gt=after)
                 .values_list("person_id", "updated_at")]
    else:
        quote = connection.ops.quote_name
        stamp = _expressions(connection.vendor)["updated_us"]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quote('person_id')}, {stamp} FROM {quote(CandidateProfile._meta.db_table)} "  # noqa: S608
                           f"WHERE {quote('updated_at')} > %s",
                           [connection.ops.adapt_datetimefield_value(after)])
            pairs = cursor.fetchall()
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ids, stamps = zip(*pairs, strict=True)
    return np.asarray(ids, np.int64), np.asarray(stamps, np.int64)


# --- the index, per process -----------------------------------------------------------------------


class _State:
    def __init__(self):
        self.lock = threading.RLock()
        self.index: scoring.CandidateIndex | None = None
        self.database = None
        self.polled_at: datetime.datetime | None = None
        self.stats: dict = {}


_state = _State()


def _database_key():
    settings = connection.settings_dict
    return (connection.alias, connection.vendor, settings.get("NAME"), settings.get("HOST"), settings.get("PORT"))


def invalidate() -> None:
    """Forget the index of this process (the next call builds it again)."""
    with _state.lock:
        _state.index = None
        _state.polled_at = None


def _release_memory() -> None:
    """Give the freed memory of the build (a few times the index) back to the system (glibc only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _build() -> scoring.CandidateIndex:
    started = time.perf_counter()
    moment = timezone.now()
    index = load_index()
    _release_memory()
    _state.index, _state.database, _state.polled_at = index, _database_key(), moment
    _state.stats = {"built_seconds": time.perf_counter() - started, "built_at": moment, "rows": index.n,
                    "bytes": index.nbytes, "refreshes": 0, "rows_reloaded": 0}
    return index


def _refresh(index: scoring.CandidateIndex) -> scoring.CandidateIndex:
    """Bring the index up to date with the profiles changed since the last call (see the module docstring)."""
    moment = timezone.now()
    low = _state.polled_at - LAG
    low_us = _us(low)
    if _window(low) != index.window(low_us):
        ids, stamps = _window_stamps(low)
        positions = index.positions(ids)
        ours_stamps = index.updated_us[np.maximum(positions, 0)] if index.n else np.zeros(len(ids), np.int64)
        changed = ids[(positions < 0) | (ours_stamps != stamps)]
        ours = index.ids[index.live & (index.updated_us > low_us)]
        vanished = np.setdiff1d(ours, ids, assume_unique=True)  # deleted, or changed back in time
        todo = np.union1d(changed, vanished)
        if len(todo) > max(REBUILD_MIN, REBUILD_SHARE * index.n):
            return _build()
        columns = load_ids(todo.tolist())
        index.upsert(columns)
        index.remove(np.setdiff1d(todo, np.asarray(columns["person_id"], np.int64)))
        _state.stats["rows_reloaded"] = _state.stats.get("rows_reloaded", 0) + len(todo)
    _state.stats["refreshes"] = _state.stats.get("refreshes", 0) + 1
    _state.polled_at = moment
    return index


def candidate_index() -> scoring.CandidateIndex:
    """The index of every candidate profile, current as of now (built on first use)."""
    with _state.lock:
        if _state.index is None or _state.database != _database_key():
            return _build()
        return _refresh(_state.index)


def index_stats() -> dict:
    """Build time, rows, bytes and refresh counts of this process's index (for the benchmark and the CLI)."""
    return dict(_state.stats)


@functools.lru_cache(maxsize=1)
def geography() -> scoring.Geography:
    return scoring.Geography.load()


# --- shortlist ------------------------------------------------------------------------------------


def vacancy_spec(vacancy: Vacancy, vocation_ids=None) -> scoring.VacancySpec:
    """What scoring needs of a vacancy (two small queries unless the related rows are loaded)."""
    if vocation_ids is None:
        vocation_ids = vacancy.vocations.values_list("pk", flat=True)
    cached = vacancy._state.fields_cache
    if (vacancy.scheme_id and "scheme" not in cached) or (vacancy.min_education_id and "min_education" not in cached):
        scheme_code, min_education = Vacancy.objects.filter(pk=vacancy.pk).values_list(
            "scheme__code", "min_education__order").get()
        scheme_code = scheme_code or ""
    else:
        scheme_code = vacancy.scheme.code if vacancy.scheme_id else ""
        min_education = vacancy.min_education.order if vacancy.min_education_id else None
    return scoring.VacancySpec(
        vacancy_id=vacancy.pk, regency=(vacancy.region_id or "")[:5], scheme_code=scheme_code,
        vocation_ids=frozenset(vocation_ids), min_age=vacancy.min_age, max_age=vacancy.max_age,
        sex=vacancy.sex or "", min_education=min_education)


def _rows_by_id(columns: dict[str, list]) -> dict[int, dict]:
    names = scoring.COLUMNS
    return {int(values[0]): dict(zip(names, values, strict=True))
            for values in zip(*(columns[name] for name in names), strict=True)}


def shortlist(vacancy: Vacancy, limit: int = 50, today: datetime.date | None = None) -> list[Row]:
    """The ``limit`` best candidates for ``vacancy`` on ``today``, best first (score, then person id), each with
    its reasons. Only persons who consent to being shown to companies now, checked against the database."""
    today = today or timezone.localdate()
    spec = vacancy_spec(vacancy)
    where = geography()
    want = limit + max(10, limit // 2)  # a few more than needed, so that a drop-out needs no second round
    scored: dict[int, scoring.Scored] = {}
    ids: list[int] = []
    with _state.lock:
        index = candidate_index()
        for _round in range(MAX_ROUNDS):
            points = scoring.points_many(index, spec, today, where)
            positions = scoring.top_positions(index, points, want)
            ids = index.ids[positions].tolist()
            fresh = _rows_by_id(load_ids(ids))
            scored = {pid: scoring.score(scoring.candidate_from_columns(row), spec, today, where)
                      for pid, row in fresh.items()}
            stale = []
            for pid, position in zip(ids, positions.tolist(), strict=True):
                row = fresh.get(pid)
                now_points = scored[pid].score if pid in scored and scored[pid].eligible else -1
                if row is None or now_points != points[position] or row["updated_us"] != index.updated_us[position]:
                    stale.append(pid)
            if stale:
                gone = [pid for pid in stale if pid not in fresh]
                changed = [fresh[pid] for pid in stale if pid in fresh]
                index.upsert({name: [row[name] for row in changed] for name in scoring.COLUMNS})
                index.remove(gone)
            if all(points[p] == (scored[i].score if i in scored and scored[i].eligible else -1)
                   for i, p in zip(ids, positions.tolist(), strict=True)):
                break
    ranked = scoring.rank(((pid, scored[pid]) for pid in ids if pid in scored), limit)
    names, templates = _names(), _templates(False)
    return [Row(person_id=pid, score=s.score, components=s.components,
                reasons=[describe(r, names, templates=templates) for r in _best_first(s.reasons)],
                explained=s.reasons)
            for pid, s in ranked]


# --- recommendations ------------------------------------------------------------------------------


def open_vacancies(today: datetime.date):
    return Vacancy.objects.open_on(today).filter(filled__lt=F("number_needed"))


def recommendations(person, limit: int = 20, today: datetime.date | None = None) -> list[Recommendation]:
    """The ``limit`` open vacancies that suit ``person`` best on ``today`` (the same score, from the other side;
    no consent needed to look), best first (score, then vacancy id), each with its reasons. Every open vacancy is
    scored from plain values; only the best are loaded as objects."""
    from kompeten.jobs.profiles import refresh_profiles

    today = today or timezone.localdate()
    rows = _rows_by_id(load_ids([person.pk]))
    if person.pk not in rows:
        refresh_profiles([person.pk])
        rows = _rows_by_id(load_ids([person.pk]))
        if person.pk not in rows:
            return []
    candidate = scoring.candidate_from_columns(rows[person.pk])
    specs = {pk: scoring.VacancySpec(vacancy_id=pk, regency=(region or "")[:5], scheme_code=scheme or "",
                                     min_age=min_age, max_age=max_age, sex=sex or "", min_education=education)
             for pk, region, scheme, education, min_age, max_age, sex in open_vacancies(today).values_list(
                 "pk", "region_id", "scheme__code", "min_education__order", "min_age", "max_age", "sex")}
    wanted: dict[int, set[int]] = {}
    for vacancy_id, vocation_id in (Vacancy.vocations.through.objects.filter(vacancy__in=open_vacancies(today))
                                    .values_list("vacancy_id", "vocation_id")):
        wanted.setdefault(vacancy_id, set()).add(vocation_id)
    for pk, vocation_ids in wanted.items():
        if pk in specs:
            specs[pk] = dataclasses.replace(specs[pk], vocation_ids=frozenset(vocation_ids))
    where = geography()
    points = sorted((-p, pk) for pk, spec in specs.items()
                    if (p := scoring.points(candidate, spec, today, where, require_consent=False)) >= 0)
    best = [pk for _points, pk in points[:limit]]
    scored = [(pk, scoring.score(candidate, specs[pk], today, where, require_consent=False)) for pk in best]
    vacancies = Vacancy.objects.select_related("company", "scheme", "min_education", "region").in_bulk(best)
    names, templates = _names(), _templates(True)
    return [Recommendation(vacancy_id=pk, score=s.score, components=s.components,
                           reasons=[describe(r, names, templates=templates) for r in _best_first(s.reasons)],
                           explained=s.reasons, vacancy=vacancies.get(pk))
            for pk, s in scored]


# --- reasons as text ------------------------------------------------------------------------------


def _best_first(reasons) -> list[scoring.Reason]:
    return sorted(reasons, key=lambda r: -r.points)


NAMES_TTL = 300.0  # seconds the vocation and regency names are kept in a process
_names_cache: dict = {"at": -NAMES_TTL, "vocations": {}, "regencies": {}}


def _names() -> dict:
    """Names of the vocations and of the regencies/cities (small tables, read once every NAMES_TTL)."""
    from kompeten.programmes.models import Vocation
    from kompeten.reference.models import Region

    if time.monotonic() - _names_cache["at"] > NAMES_TTL:
        _names_cache["vocations"] = dict(Vocation.objects.values_list("pk", "name"))
        _names_cache["regencies"] = dict(Region.objects.filter(level=Region.Level.REGENCY).values_list("code", "name"))
        _names_cache["at"] = time.monotonic()
    return _names_cache


def describe(reason: scoring.Reason, names: dict | None = None, *, seeker: bool = False,
             templates: dict[str, str] | None = None) -> str:
    """One reason as text, with its points: "Completed training in a wanted vocation (Las) (+25)"."""
    names = names or {"vocations": {}, "regencies": {}}
    texts = templates or _templates(seeker)
    params = {}
    if reason.code == "wanted_certificate":
        params["scheme"] = reason.detail[0] if reason.detail else ""
    elif reason.code == "wanted_training":
        params["vocations"] = ", ".join(str(names["vocations"].get(v, v)) for v in reason.detail)
    elif reason.code in ("same_regency", "neighbouring_regency", "same_province"):
        home, work = (reason.detail + ("", ""))[:2]
        params["regency"] = names["regencies"].get(home, home)
        params["work"] = names["regencies"].get(work, work)
    return f"{texts[reason.code] % params} (+{reason.points})"


def _templates(seeker: bool) -> dict[str, str]:
    """The reason texts in the active language, translated once per language (not once per reason)."""
    from django.utils import translation

    key = (translation.get_language(), seeker)
    found = _translated.get(key)
    if found is None:
        texts = REASON_TEXTS_FOR_SEEKER if seeker else REASON_TEXTS
        found = _translated[key] = {code: str(text) for code, text in texts.items()}
    return found


_translated: dict[tuple, dict[str, str]] = {}
