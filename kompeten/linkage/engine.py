"""The linkage engine: blocking, comparison, the model's three-way decision and guarded clustering, in memory.

``Linker.dedupe(records)`` links a batch (the ``kompeten dedup`` command, imports); ``Linker.index(records)`` keeps
an in-memory blocking index for incremental linking (``Index.match(record)``: the scored candidates of one new
record); ``Linker.score_pair(a, b)`` explains one pair. ``blocking_keys(record)`` are the keys the database stores for
the incremental search. No database here. docs/algorithms/linkage.md explains the model for an auditor.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from kompeten.linkage import blocking
from kompeten.linkage.cluster import guarded_clusters
from kompeten.linkage.compare import FIELDS, LEVELS, Frame, compare_arrays, level, same_home
from kompeten.linkage.model import Model, NameFrequencies, crowd
from kompeten.linkage.model import default_model as _default_model
from kompeten.linkage.records import Record

DECISIONS = ("non_link", "review", "link")
TF_FROM_BATCH = 5000  # a batch at least this large counts its own name-word shares
MAX_PAIRS = 120_000_000  # candidate pairs a batch may make (counted before they are made)
MAX_CLUSTER = 25

_NIK_SIBLING = (level("nik", "sibling"), level("nik", "sex_day"))
_NAME_AGREES = (level("name", "exact"), level("name", "jw>=0.95"), level("name", "subset"))
_NAME_EXACT = level("name", "exact")
_NIK_STRONG = tuple(level("nik", lab) for lab in ("exact", "excel15", "typo"))
_NIK = FIELDS.index("nik")
_NAME = FIELDS.index("name")
_SEX = FIELDS.index("sex")
_DOB = FIELDS.index("birth_date")
_PHONE, _PHONE_EXACT = FIELDS.index("phone"), level("phone", "exact")
_EMAIL, _EMAIL_EXACT = FIELDS.index("email"), level("email", "exact")


@dataclass
class Pair:
    left: str
    right: str  # record ids
    weight: float  # total log2 Bayes factor (prior included)
    score: float  # match probability 0..1
    decision: str  # "link" | "review" | "non_link"
    contributions: dict[str, float]  # field -> weight contribution ("prior" and "name_tf" included: they sum up)
    levels: dict[str, str]  # field -> comparison level label


@dataclass
class PairTable:
    """All scored candidate pairs as arrays (what Result.pairs materialises only in part)."""

    ids: list[str]
    left: np.ndarray
    right: np.ndarray
    codes: np.ndarray  # (pairs, fields) int8 level codes
    tf: np.ndarray  # name term-frequency adjustment
    crowd: np.ndarray  # the pair's crowd (model.crowd)
    weight: np.ndarray
    decision: np.ndarray  # 0 non_link, 1 review, 2 link

    def pair(self, k: int, model: Model) -> Pair:
        codes = self.codes[k].tolist()
        w = float(self.weight[k])
        tables = _rounded(model)
        contributions = {"prior": tables[0]}
        for name, c, table in zip(FIELDS, codes, tables[1], strict=True):
            contributions[name] = table[c]
        contributions["name_tf"] = round(float(self.tf[k]) * model.tf_scale, 3)
        contributions["crowd"] = round(float(self.crowd[k]) * model.crowd_scale, 3)
        return Pair(left=self.ids[int(self.left[k])], right=self.ids[int(self.right[k])], weight=round(w, 3),
                    score=1.0 / (1.0 + 2.0 ** -w), decision=DECISIONS[int(self.decision[k])],
                    contributions=contributions,
                    levels={name: LEVELS[name][c] for name, c in zip(FIELDS, codes, strict=True)})


def _rounded(model: Model) -> tuple[float, list[list[float]]]:
    """The model's weights rounded for display (cached on the model)."""
    cached = getattr(model, "_rounded", None)
    if cached is None:
        cached = (round(model.prior_weight, 3), [[round(float(x), 3) for x in t] for t in model.weight_table()])
        model._rounded = cached
    return cached


@dataclass
class Result:
    pairs: list[Pair]  # scored candidate pairs: by default those that are not clear non-links (all_pairs: every one)
    clusters: dict[str, str]  # record id -> cluster id (every record; alone = own cluster)
    stats: dict  # candidate pairs per blocking rule, skipped blocks, timings, counts per decision
    table: PairTable | None = field(default=None, repr=False)
    model: Model | None = field(default=None, repr=False)

    def iter_pairs(self) -> Iterator[Pair]:
        """Every scored candidate pair, made one at a time (for writing millions of them)."""
        if self.table is None:
            yield from self.pairs
            return
        for k in range(len(self.table.left)):
            yield self.table.pair(k, self.model)


def conflicts(codes: np.ndarray) -> np.ndarray:
    """Hard contradictions (bool per pair): never in one cluster, whatever the total weight.

    * a sibling-pattern NIK (same region and birth date, other serial; or the other sex's day) and names that do not
      agree (exact, Jaro-Winkler >= 0.95, or one name's words within the other's): twins and same-day neighbours;
    * different sexes, unless the NIKs agree (exact, lost 16th digit, one typo) or the names are equal: a typed sex
      is then the error (the sex compared is already the NIK's when the NIK encodes the stated birth date, see
      compare._sex_code; twins of the other sex never share a name, so they stay apart);
    * birth dates far apart (not equal, not swapped, more than one of day, month, year different), unless the NIKs
      agree."""
    codes = np.asarray(codes)
    nik, name = codes[:, _NIK], codes[:, _NAME]
    sibling = np.isin(nik, _NIK_SIBLING) & ~np.isin(name, _NAME_AGREES)
    nik_ok = np.isin(nik, _NIK_STRONG)
    sex = (codes[:, _SEX] == level("sex", "disagree")) & ~nik_ok & (name != _NAME_EXACT)
    dob = (codes[:, _DOB] == level("birth_date", "else")) & ~nik_ok
    return sibling | sex | dob


NAME_RULES = ("name_md", "name_year")


def namesakes(blocks: Sequence[blocking.Blocks], n: int, cap: int, nik: np.ndarray | None = None) -> np.ndarray:
    """Per record, how many *other persons' records* look like it: the distinct records that share one of its name
    blocking keys (same name and day/month, or same name, regency and year), not counting those with the same NIK
    (``nik``: int64 per record, 0 when none; those are the record's own duplicates, not look-alikes). The measure
    of a pair's crowd (model.crowd). A record met through both name rules counts once."""
    name_blocks = [b for b in blocks if b.rule in NAME_RULES]
    out = np.zeros(n, dtype=np.int64)
    if not name_blocks or not n:
        return out
    left, right = blocking.pairs_of(name_blocks, cap)
    if nik is not None and len(left):
        own = (nik[left] != 0) & (nik[left] == nik[right])
        left, right = left[~own], right[~own]
    out += np.bincount(left, minlength=n)
    out += np.bincount(right, minlength=n)
    return out


def _nik_numbers(records: Sequence[Record]) -> np.ndarray:
    """The 16-digit NIK of every record as an integer (0 when none, or when it looks like a KK number)."""
    return np.array([int(r.nik) if len(r.nik) == 16 and r.nik.isdigit() and "kk_suspect" not in r.nik_problems
                     else 0 for r in records], dtype=np.int64)


def blocking_keys(record: Record) -> list[str]:
    """The keys stored in the database for the incremental candidate search ("rule:value", at most 80 characters)."""
    return blocking.record_keys(record)


def default_model() -> Model:
    return _default_model()


class Linker:
    def __init__(self, model: Model | None = None, *, low: float | None = None, high: float | None = None,
                 cap: int = blocking.DEFAULT_CAP, max_pairs: int = MAX_PAIRS, max_cluster: int = MAX_CLUSTER,
                 rules: Sequence[blocking.Rule] = blocking.RULES):
        self.model = model or default_model()
        if low is not None or high is not None:
            self.model = replace(self.model, low=self.model.low if low is None else low,
                                 high=self.model.high if high is None else high)
        if not 0 < self.model.low <= self.model.high < 1:
            raise ValueError("thresholds: need 0 < low <= high < 1")
        self.cap = cap
        self.max_pairs = max_pairs
        self.max_cluster = max_cluster
        self.rules = tuple(rules)

    # ---- scoring
    def _name_tf(self, frame: Frame, names: NameFrequencies) -> np.ndarray:
        """The name term-frequency adjustment of every record's name (used when both names are equal)."""
        per_id: dict[int, float] = {}
        out = np.zeros(len(frame), dtype=np.float32)
        for i, name_id in enumerate(frame.name.tolist()):
            if not name_id:
                continue
            got = per_id.get(name_id)
            if got is None:
                got = per_id[name_id] = names.adjustment(frame.name_tokens[i])
            out[i] = got
        return out

    def _score(self, frame: Frame, left: np.ndarray, right: np.ndarray, rec_tf: np.ndarray, partners: np.ndarray):
        codes = compare_arrays(frame, left, right)
        exact = codes[:, _NAME] == level("name", "exact")
        tf = np.where(exact, np.minimum(rec_tf[left], rec_tf[right]), 0).astype(np.float32)
        crowds = crowd(partners[left], partners[right])
        # Namesakes compete for a record only while nothing personal ties the pair: a shared phone number, e-mail
        # or home (street and house number) is not shared with the other namesakes. Such a pair has no crowd.
        tied = ((codes[:, _PHONE] == _PHONE_EXACT) | (codes[:, _EMAIL] == _EMAIL_EXACT)
                | same_home(frame, left, right))
        crowds = np.where(tied, 0.0, crowds).astype(np.float32)
        weight = self.model.score(codes, tf, crowds)
        return codes, tf, crowds, weight

    def score_pair(self, a: Record, b: Record) -> Pair:
        frame = Frame.build([a, b])
        rec_tf = self._name_tf(frame, self.model.names)
        codes, tf, crowds, weight = self._score(frame, np.array([0]), np.array([1]), rec_tf, np.ones(2))
        decision = self.model.decide(weight)
        if decision[0] == 2 and conflicts(codes)[0]:
            decision[0] = 1
        table = PairTable([a.id, b.id], np.array([0]), np.array([1]), codes, tf, crowds, weight, decision)
        return table.pair(0, self.model)

    # ---- batch
    def score_candidates(self, records: Sequence[Record], stats: dict | None = None):
        """Blocking (counted first: TooManyPairs over max_pairs) and comparison of a batch: (frame, left, right,
        level codes, name tf adjustments, crowds, weights, per-record tf, per-record number of namesakes).
        ``stats`` gets the counts and timings."""
        stats = stats if stats is not None else {"timings": {}}
        t0 = time.perf_counter()
        blocks = blocking.build_blocks(records, self.rules)
        report = blocking.count_pairs(records, self.rules, cap=self.cap, blocks=blocks)
        stats["candidate_pairs_per_rule"] = dict(report.pairs)
        stats["skipped_blocks"] = report.skipped
        if report.total > self.max_pairs:
            raise blocking.TooManyPairs(report, self.max_pairs)
        left, right = blocking.pairs_of(blocks, self.cap)
        partners = namesakes(blocks, len(records), self.cap, _nik_numbers(records))
        del blocks
        stats["candidate_pairs"] = len(left)
        t1 = time.perf_counter()
        stats["timings"]["blocking"] = round(t1 - t0, 3)
        frame = Frame.build(records)
        names = (NameFrequencies.count(frame.name_tokens) if len(records) >= TF_FROM_BATCH else self.model.names)
        rec_tf = self._name_tf(frame, names)
        codes, tf, crowds, weight = self._score(frame, left, right, rec_tf, partners)
        stats["timings"]["comparison"] = round(time.perf_counter() - t1, 3)
        return frame, left, right, codes, tf, crowds, weight, rec_tf, partners

    def dedupe(self, records: Sequence[Record], *, all_pairs: bool = False, materialise: bool = True) -> Result:
        """Link a batch: every record gets a cluster id. ``Result.pairs`` holds the link and review pairs (every
        scored candidate pair with ``all_pairs``; none with ``materialise=False``, for millions of records: then
        ``Result.table`` has them as arrays and ``Result.iter_pairs`` makes them one at a time)."""
        records = list(records)
        seen: set[str] = set()
        for r in records:
            if r.id in seen:
                raise ValueError(f"duplicate record id {r.id!r}")
            seen.add(r.id)
        stats: dict = {"records": len(records), "timings": {}}
        t0 = time.perf_counter()
        scored = self.score_candidates(records, stats)
        frame, left, right, codes, tf, crowds, weight, rec_tf, partners = scored
        decision = self.model.decide(weight)
        t2 = time.perf_counter()

        link = decision == 2
        # Known (link and review) pairs: their weight and conflict flag, for the cluster guard.
        n = len(records)
        known_idx = np.flatnonzero(decision >= 1)
        known_key = left[known_idx] * n + right[known_idx]
        known_order = np.argsort(known_key)
        known_key = known_key[known_order]
        known_idx = known_idx[known_order]
        known_conflict = conflicts(codes[known_idx])

        def cross(xs: np.ndarray, ys: np.ndarray):
            lo, hi = np.minimum(xs, ys), np.maximum(xs, ys)
            key = lo * n + hi
            pos = np.searchsorted(known_key, key)
            pos = np.minimum(pos, max(len(known_key) - 1, 0))
            hit = (known_key[pos] == key) if len(known_key) else np.zeros(len(key), dtype=bool)
            w = np.empty(len(key), dtype=np.float64)
            c = np.empty(len(key), dtype=bool)
            w[hit] = weight[known_idx[pos[hit]]]
            c[hit] = known_conflict[pos[hit]]
            miss = ~hit
            if miss.any():
                mcodes, _tf, _crowd, mw = self._score(frame, lo[miss], hi[miss], rec_tf, partners)
                w[miss] = mw
                c[miss] = conflicts(mcodes)
            return w, c

        edge_conflict = np.zeros(len(left), dtype=bool)
        edge_conflict[link] = conflicts(codes[link])
        groups = guarded_clusters(n, left, right, weight, link=self.model.high_weight, low=self.model.low_weight,
                                  veto=self.model.veto, cross=cross, max_size=self.max_cluster,
                                  conflict=edge_conflict)
        t3 = time.perf_counter()
        stats["timings"]["clustering"] = round(t3 - t2, 3)

        # A link the guard refused goes to review.
        refused_reasons: dict[str, int] = {}
        if groups.refused:
            ref = np.array([(min(i, j), max(i, j)) for i, j, _ in groups.refused], dtype=np.int64)
            ref_key = np.sort(ref[:, 0] * n + ref[:, 1])
            pair_key = left * n + right
            refused_mask = np.isin(pair_key, ref_key) & link
            decision[refused_mask] = 1
            for _i, _j, reason in groups.refused:
                refused_reasons[reason] = refused_reasons.get(reason, 0) + 1
        labels = groups.labels
        first_of = {}
        for i, lab in enumerate(labels.tolist()):
            first_of.setdefault(lab, records[i].id)
        clusters = {r.id: first_of[lab] for r, lab in zip(records, labels.tolist(), strict=True)}

        review = decision == 1
        across = review & (labels[left] != labels[right])
        queue_records = np.unique(np.concatenate([left[across], right[across]]))
        sizes = np.bincount(labels) if n else np.zeros(0, dtype=np.int64)
        stats.update({
            "decisions": {name: int((decision == k).sum()) for k, name in enumerate(DECISIONS)},
            "refused_links": refused_reasons,
            "review_queue_pairs": int(across.sum()),
            "review_queue_records": int(len(queue_records)),
            "review_share": round(len(queue_records) / n, 5) if n else 0.0,
            "clusters": int(len(sizes)),
            "largest_cluster": int(sizes.max()) if n else 0,
            "model": self.model.version,
            "thresholds": {"low": self.model.low, "high": self.model.high},
        })
        table = PairTable([r.id for r in records], left, right, codes, tf, crowds, weight, decision)
        chosen = range(len(left)) if all_pairs else np.flatnonzero(decision >= 1).tolist()
        pairs = [table.pair(k, self.model) for k in chosen] if materialise else []
        stats["timings"]["total"] = round(time.perf_counter() - t0, 3)
        return Result(pairs=pairs, clusters=clusters, stats=stats, table=table, model=self.model)

    # ---- incremental
    def index(self, records: Iterable[Record]) -> Index:
        return Index(self, records)


class Index:
    """An in-memory blocking index of stored records, for linking one new record at a time (the request path does
    the same through the database's BlockingKey table)."""

    def __init__(self, linker: Linker, records: Iterable[Record] = ()):
        self.linker = linker
        self.records: list[Record] = []
        self.position: dict[str, int] = {}
        self.blocks: dict[str, list[int]] = {}
        self._nik: list[int] = []
        for r in records:
            self.add(r)
        self.names = (NameFrequencies.count(r.name_tokens or tuple(r.name.split()) for r in self.records)
                      if len(self.records) >= TF_FROM_BATCH else linker.model.names)

    def __len__(self) -> int:
        return len(self.records)

    def add(self, record: Record) -> None:
        if record.id in self.position:
            raise ValueError(f"record {record.id!r} is already in the index")
        i = len(self.records)
        self.records.append(record)
        self._nik.append(int(_nik_numbers([record])[0]))
        self.position[record.id] = i
        for key in blocking.record_keys(record, self.linker.rules):
            self.blocks.setdefault(key, []).append(i)

    def _namesakes(self, record: Record, new: bool = False) -> int:
        """As engine.namesakes, among the stored records and the new one: the distinct records sharing one of the
        record's name keys, without those of the same NIK (a stored record counts the new record when it is a
        candidate through a name rule: counted as 1, the usual case)."""
        own = _nik_numbers([record])[0]
        found: set[int] = set()
        for key in blocking.record_keys(record, self.linker.rules):
            if key.partition(":")[0] in NAME_RULES:
                members = self.blocks.get(key, ())
                if len(members) + (1 if new else 0) <= self.linker.cap:
                    found.update(members)
        me = self.position.get(record.id)
        found.discard(me)
        count = sum(1 for i in found if not own or self._nik[i] != own)
        return count + (0 if new else 1)

    def candidates(self, record: Record) -> list[Record]:
        """Stored records sharing a blocking key with ``record`` (blocks over the cap are skipped)."""
        found: dict[int, None] = {}
        for key in blocking.record_keys(record, self.linker.rules):
            members = self.blocks.get(key, ())
            if len(members) > self.linker.cap:
                continue
            for i in members:
                found[i] = None
        return [self.records[i] for i in found if self.records[i].id != record.id]

    def match(self, record: Record) -> list[Pair]:
        """The record's candidates scored, best first (decision as for a batch pair; a conflict is never a link)."""
        cands = self.candidates(record)
        if not cands:
            return []
        frame = Frame.build([record, *cands])
        rec_tf = self.linker._name_tf(frame, self.names)
        right = np.arange(1, len(cands) + 1)
        left = np.zeros(len(cands), dtype=np.int64)
        partners = np.array([self._namesakes(record, new=True), *(self._namesakes(c) for c in cands)],
                            dtype=np.float64)
        codes, tf, crowds, weight = self.linker._score(frame, left, right, rec_tf, partners)
        decision = self.linker.model.decide(weight)
        decision[(decision == 2) & conflicts(codes)] = 1
        table = PairTable(frame.ids, left, right, codes, tf, crowds, weight, decision)
        order = np.argsort(-weight, kind="stable")
        return [table.pair(int(k), self.linker.model) for k in order]
