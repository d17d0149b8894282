"""The explainable match model: Fellegi–Sunter with a term-frequency adjustment for names.

For each compared field (compare.LEVELS) and each comparison level ``l`` the model keeps

* ``m[l]`` = P(level l | the two records are the same person),
* ``u[l]`` = P(level l | they are two people), both among *candidate pairs* (pairs that share a blocking key),

and the level's weight is the log2 Bayes factor ``log2(m[l] / u[l])``. A pair's total weight is the prior log-odds
``log2(prior / (1 - prior))`` plus the sum of its fields' weights (a missing field adds 0), plus, when the names are
exactly equal, the name's term-frequency adjustment: ``clip(surprise(name) - reference, lo, hi)`` where
``surprise(name) = sum(-log2 f(token))`` over the name's words and ``f`` is a word's share of the records
(Muhammad, Siti, Nur are common: two "Muhammad Rizki" agree less than two "Yohanes Kristianto"). The match probability
is ``2**w / (1 + 2**w)``. Every part of the sum is shown per field (``Pair.contributions``), so a decision can be
explained and checked by hand.

Parameters come from documented priors (DEFAULT_M / DEFAULT_U below, see docs/algorithms/linkage.md), can be
re-estimated by expectation maximisation on candidate pairs (:func:`em`) and are updated from reviewers' decisions
by :func:`calibrate`. A model is saved as JSON with a version string.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from kompeten.linkage.compare import FIELDS, LEVELS

MODEL_VERSION = "fs-2025.2"
# Levels that weigh 0 by definition: no value to compare, or the NIK level already counted it.
ZERO_LEVELS = ("missing", "implied")
EPS = 1e-6

# The default parameters (fs-2025.2), fitted on candidate pairs of the synthetic registry bench/linkage_data.py
# (100,000 records, seed 7 — the benchmark measures seed 2025) as compared by this version of the engine
# (``bench/linkage.py --fit``): m and u counted from the ground truth, the weights W fitted jointly (see fit), with
# one manual change (e-mail, marked). Levels in the order of compare.LEVELS; "missing" and
# "implied" weigh 0. docs/algorithms/linkage.md discusses every weight.
DEFAULT_M: dict[str, list[float]] = {
    "nik": [1, 0.85515, 0.06163, 0.05108, 0.01495, 0.0111, 0.0021, 0.00033, 0.00157, 0.00209],
    "name": [1, 0.84436, 0.05154, 0.07602, 0.02441, 0.00368],
    "birth_date": [1, 0.82237, 0.16704, 0.00226, 0.00825, 9e-05],
    "sex": [1, 0.82095, 0.1779, 0.00116],
    "birth_place": [1, 0.95052, 0.02289, 0.02659],
    "address": [1, 0.61127, 0.31472, 0.0407, 0.03332],
    "region": [1, 0.01969, 0.73576, 0.22234, 0.02221],
    "phone": [1, 0.86363, 0.13637],
    "email": [1, 0.92984, 0.07016],
    "kk": [1, 0.96362, 0.03638],
}
DEFAULT_U: dict[str, list[float]] = {
    "nik": [1, 0.00046, 0.00161, 0.00204, 0.00181, 0.0073, 0.06817, 0.02327, 0.14677, 0.74858],
    "name": [1, 0.24168, 0.00533, 0.00243, 0.0096, 0.74097],
    "birth_date": [1, 0.085, 0.40108, 0.14352, 0.07535, 0.29506],
    "sex": [1, 0.08506, 0.59399, 0.32095],
    "birth_place": [1, 0.76733, 0.00377, 0.2289],
    "address": [1, 0.11868, 0.07171, 0.44016, 0.36945],
    "region": [1, 0.0636, 0.16643, 0.64614, 0.12384],
    "phone": [1, 0.06084, 0.93916],
    "email": [1, 2e-05, 0.99998],
    "kk": [1, 0.31268, 0.68732],
}
DEFAULT_W: dict[str, list[float]] = {
    "nik": [0, 10.1, 4.05, 4.04, -0.01, 0.63, -5.51, -6.87, -5.27, -6.69],
    "name": [0, 8.1, 0.82, 4.55, -0.3, -7.34],
    "birth_date": [0, 0, 2.37, -0.71, -3.98, -11.63],
    "sex": [0, 0, 0.21, -4.86],
    "birth_place": [0, -0.08, -0.69, -3.95],
    "address": [0, 0.58, 0.28, -1.08, -1.68],
    "region": [0, -4.18, 2.33, -0.2, -1.69],
    "phone": [0, 4.07, -3.28],
    "email": [0, 10, -3.92],  # fitted 10.53: no shared address in the synthetic data; capped
    "kk": [0, -0.18, -2.29],
}
DEFAULT_PRIOR = 0.472
DEFAULT_TF_SCALE = 0.346
NAME_REFERENCE = 16.22
# The 150 most common name words of that sample (share of the names that have the word); others: DEFAULT_TOKEN_FREQ.
COMMON_TOKENS: dict[str, float] = {
    "muhammad": 0.05048, "siti": 0.02989, "nur": 0.02617, "ahmad": 0.02388, "andi": 0.02186, "hidayat": 0.01408,
    "yusuf": 0.01389, "anwar": 0.01275, "akbar": 0.01219, "rahmat": 0.01168, "ilham": 0.01132, "rahmawati": 0.01128,
    "ridwan": 0.01025, "arif": 0.00927, "abdul": 0.00907, "rahmah": 0.0087, "rahayu": 0.00839, "lestari": 0.0079,
    "wulandari": 0.00785, "handayani": 0.00781, "hasan": 0.00775, "rahman": 0.00768, "utami": 0.00756, "fitriani":
    0.00733, "nurul": 0.00705, "juk": 0.00683, "rizki": 0.0068, "fajar": 0.00651, "fikri": 0.00637, "agustina":
    0.00626, "kurniawan": 0.00625, "pratiwi": 0.00624, "sri": 0.00615, "anggraini": 0.00614, "lahang": 0.00614,
    "syahrul": 0.00607, "bilung": 0.00607, "ngau": 0.00605, "setiawan": 0.00605, "ibrahim": 0.00605, "fauzi":
    0.00604, "oktaviani": 0.00596, "laila": 0.00586, "ping": 0.00583, "ajang": 0.00579, "amalia": 0.00578, "arifin":
    0.00571, "yuliani": 0.0057, "nuraini": 0.00566, "zainal": 0.00565, "ding": 0.0056, "halim": 0.00554,
    "nurhasanah": 0.00548, "hafiz": 0.00543, "sari": 0.00535, "novitasari": 0.00535, "bayu": 0.00533, "gusti":
    0.00533, "khairunnisa": 0.00529, "aulia": 0.00527, "eka": 0.00524, "syahrir": 0.00522, "hidayah": 0.00499,
    "dwi": 0.00496, "safitri": 0.00496, "kurniasih": 0.00483, "rasyid": 0.00477, "dewi": 0.00476, "azzahra":
    0.00473, "hakim": 0.00466, "pratama": 0.00465, "wahyu": 0.00462, "puspitasari": 0.0046, "marlina": 0.00458,
    "puji": 0.00455, "wijaya": 0.00451, "b": 0.00448, "damayanti": 0.00446, "tri": 0.00443, "jamaluddin": 0.00443,
    "permatasari": 0.00441, "prasetya": 0.00437, "rina": 0.00436, "saputra": 0.00431, "maharani": 0.00423,
    "baharuddin": 0.00423, "aisyah": 0.00421, "maulana": 0.00418, "taufik": 0.00416, "aini": 0.00411, "ramadhani":
    0.00409, "ismail": 0.00408, "syamsuddin": 0.00407, "latif": 0.00405, "malik": 0.004, "aziz": 0.00394, "husin":
    0.00391, "irfan": 0.0039, "fadillah": 0.00387, "firmansyah": 0.00387, "hajrah": 0.00386, "ramadani": 0.00379,
    "prasetyo": 0.00376, "nor": 0.0037, "wahab": 0.00369, "hendra": 0.00366, "said": 0.00363, "hasanah": 0.00359,
    "haryanto": 0.00359, "karim": 0.00357, "habib": 0.00356, "alfian": 0.00356, "amelia": 0.00351, "hasnah":
    0.00351, "fitri": 0.0035, "haris": 0.00349, "ardiansyah": 0.00348, "alauddin": 0.00346, "ayu": 0.00346, "rizal":
    0.00344, "imam": 0.00343, "jufri": 0.00342, "hidayatullah": 0.00341, "nasution": 0.00341, "irwan": 0.0034,
    "purwanti": 0.00339, "sutrisno": 0.00336, "wahyuni": 0.00335, "nabila": 0.00333, "nasruddin": 0.00333,
    "ramadhan": 0.00332, "nugraha": 0.0033, "dimas": 0.0033, "ihsan": 0.0033, "syahputra": 0.00329, "aditya":
    0.00328, "indah": 0.00327, "sudirman": 0.00326, "salsabila": 0.00326, "hamzah": 0.00326, "firman": 0.00324,
    "asri": 0.00322, "reza": 0.00322, "naufal": 0.00322, "hamka": 0.00322, "hafizh": 0.00321, "nurlina": 0.0032,
    "yulia": 0.0032, "iqbal": 0.00319, "lukman": 0.00318
}
DEFAULT_TOKEN_FREQ = 1e-5  # the share of a name word not in COMMON_TOKENS
TF_CLIP = (-6.0, 4.0)
DEFAULT_CROWD_SCALE = -2.342


def crowd(partners_left, partners_right):
    """The crowd of pairs (bits): log2 of the geometric mean of how many namesakes each record has (other persons'
    records sharing a name blocking key, engine.namesakes), beyond 2 (0 up to 2); the engine sets it to 0 for a
    pair tied by a shared phone, e-mail or home. Among ten look-alikes of a record at most one or
    two are the same person: the more look-alikes, the lower each one's prior odds. Its weight (crowd_scale,
    fitted) is negative."""
    g = np.sqrt(np.asarray(partners_left, dtype=np.float64) * np.asarray(partners_right, dtype=np.float64))
    return np.log2(np.maximum(g / 2.0, 1.0))


@dataclass
class NameFrequencies:
    """Word shares for the names' term-frequency adjustment."""

    tokens: dict[str, float] = field(default_factory=lambda: dict(COMMON_TOKENS))
    default: float = DEFAULT_TOKEN_FREQ
    reference: float | None = NAME_REFERENCE  # the median name's surprise (bits)

    def surprise(self, tokens: Sequence[str]) -> float:
        return float(sum(-math.log2(self.tokens.get(t, self.default)) for t in tokens))

    @classmethod
    def count(cls, names: Iterable[Sequence[str]], *, minimum: int = 2) -> NameFrequencies:
        """Word shares counted from the records themselves (words seen fewer than ``minimum`` times get the
        default share 1/records)."""
        counter: Counter[str] = Counter()
        total = 0
        surprise_names = []
        for tokens in names:
            total += 1
            counter.update(set(tokens))
            surprise_names.append(tokens)
        total = max(total, 1)
        freq = {t: c / total for t, c in counter.items() if c >= minimum}
        out = cls(tokens=freq, default=1 / total)
        surprises = [out.surprise(t) for t in surprise_names if t]
        out.reference = float(np.median(surprises)) if surprises else 0.0
        return out

    def adjustment(self, tokens: Sequence[str]) -> float:
        """clip(surprise - reference): below 0 for a common name, above for a rare one (bits)."""
        ref = self.reference if self.reference is not None else NAME_REFERENCE
        return float(np.clip(self.surprise(tokens) - ref, *TF_CLIP))


@dataclass
class Model:
    version: str = MODEL_VERSION
    prior: float = DEFAULT_PRIOR
    m: dict[str, list[float]] = field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_M.items()})
    u: dict[str, list[float]] = field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_U.items()})
    low: float = 0.30  # match probability below which a pair is a non-link
    high: float = 0.90  # at or above which it is a link; in between: clerical review
    veto: float = -12.0  # a weight at or below which a pair is a strong non-match: never in one cluster
    names: NameFrequencies = field(default_factory=NameFrequencies)
    # Jointly fitted weights (log2 Bayes factors per level, see fit); None: the plain FS weights log2(m/u).
    w: dict[str, list[float]] | None = field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_W.items()})
    tf_scale: float = DEFAULT_TF_SCALE  # bits of weight per bit of the name's term-frequency adjustment
    crowd_scale: float = DEFAULT_CROWD_SCALE  # bits of weight per bit of crowd (see crowd())
    note: str = ""

    def __post_init__(self):
        self._table = None
        self._rounded = None

    # ---- weights
    def fs_weights(self, name: str) -> np.ndarray:
        """The plain Fellegi–Sunter weights log2(m/u) of a field's levels (0 for missing)."""
        m = np.asarray(self.m[name], dtype=np.float64)
        u = np.asarray(self.u[name], dtype=np.float64)
        w = np.log2(np.maximum(m, EPS) / np.maximum(u, EPS))
        for k, label in enumerate(LEVELS[name]):
            if label in ZERO_LEVELS:
                w[k] = 0.0
        return w

    def weights(self, name: str) -> np.ndarray:
        if self.w is None:
            return self.fs_weights(name)
        w = np.asarray(self.w[name], dtype=np.float64).copy()
        for k, label in enumerate(LEVELS[name]):
            if label in ZERO_LEVELS:
                w[k] = 0.0
        return w

    def weight_table(self) -> list[np.ndarray]:
        if self._table is None:
            self._table = [self.weights(name) for name in FIELDS]
        return self._table

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    @property
    def low_weight(self) -> float:
        return _logit2(self.low)

    @property
    def high_weight(self) -> float:
        return _logit2(self.high)

    def score(self, codes: np.ndarray, tf: np.ndarray | None = None, crowd: np.ndarray | None = None) -> np.ndarray:
        """Total weights (float32) of pairs given their level codes (pairs x fields), name tf adjustments and
        crowds."""
        total = np.full(len(codes), self.prior_weight, dtype=np.float64)
        for j, table in enumerate(self.weight_table()):
            total += table[codes[:, j]]
        if tf is not None:
            total += self.tf_scale * np.asarray(tf, dtype=np.float64)
        if crowd is not None:
            total += self.crowd_scale * np.asarray(crowd, dtype=np.float64)
        return total.astype(np.float32)

    def contributions(self, codes: Sequence[int], tf: float = 0.0, crowd: float = 0.0) -> dict[str, float]:
        out = {"prior": round(self.prior_weight, 3)}
        for j, (name, table) in enumerate(zip(FIELDS, self.weight_table(), strict=True)):
            out[name] = round(float(table[int(codes[j])]), 3)
        out["name_tf"] = round(float(tf) * self.tf_scale, 3)
        out["crowd"] = round(float(crowd) * self.crowd_scale, 3)
        return out

    def decide(self, weights: np.ndarray) -> np.ndarray:
        """0 non_link, 1 review, 2 link."""
        return (weights >= self.low_weight).astype(np.int8) + (weights >= self.high_weight)

    # ---- JSON
    def to_dict(self) -> dict:
        return {
            "version": self.version, "prior": self.prior, "low": self.low, "high": self.high, "veto": self.veto,
            "levels": {name: list(LEVELS[name]) for name in FIELDS},
            "m": self.m, "u": self.u, "w": self.w, "tf_scale": self.tf_scale,
            "crowd_scale": self.crowd_scale, "note": self.note,
            "names": {"tokens": self.names.tokens, "default": self.names.default,
                      "reference": self.names.reference},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        levels = data.get("levels", {})
        for name in FIELDS:
            if name in levels and tuple(levels[name]) != LEVELS[name]:
                raise ValueError(f"model {data.get('version')}: the levels of {name} differ from this code's")
        names = data.get("names") or {}
        return cls(version=data["version"], prior=float(data["prior"]), low=float(data["low"]),
                   high=float(data["high"]), veto=float(data.get("veto", -12.0)),
                   m={k: [float(x) for x in v] for k, v in data["m"].items()},
                   u={k: [float(x) for x in v] for k, v in data["u"].items()},
                   w=({k: [float(x) for x in v] for k, v in data["w"].items()} if data.get("w") else None),
                   tf_scale=float(data.get("tf_scale", 1.0)) if data.get("w") else 1.0,
                   crowd_scale=float(data.get("crowd_scale", 0.0)),
                   names=NameFrequencies(tokens=dict(names.get("tokens", COMMON_TOKENS)),
                                         default=float(names.get("default", DEFAULT_TOKEN_FREQ)),
                                         reference=names.get("reference")),
                   note=data.get("note", ""))

    @classmethod
    def from_json(cls, text: str) -> Model:
        return cls.from_dict(json.loads(text))


def _logit2(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


def probability(weights):
    """Match probability of total weights (log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-np.asarray(weights, dtype=np.float64)))


# ---------------------------------------------------------------------------------------------------------------
# Estimation


def _normalise(counts: np.ndarray) -> list[float]:
    counts = np.maximum(counts, 0)
    total = counts[1:].sum()
    if total <= 0:
        return [1.0] + [1.0 / (len(counts) - 1)] * (len(counts) - 1)
    out = counts / total
    out[0] = 1.0
    return [float(x) for x in out]


def _level_counts(codes: np.ndarray, weights: np.ndarray, j: int) -> np.ndarray:
    return np.bincount(codes[:, j], weights=weights, minlength=len(LEVELS[FIELDS[j]])).astype(np.float64)


def em(model: Model, codes: np.ndarray, *, iterations: int = 25, fix_u: bool = False, fix_prior: bool = False,
       pseudo: float = 1.0, tol: float = 1e-5) -> Model:
    """Expectation maximisation of m, u (and the prior) from the level codes of unlabelled candidate pairs.

    Starts from ``model``; ``fix_u`` keeps u (e.g. estimated from random pairs); ``pseudo`` counts of the starting
    values keep rare levels from collapsing to 0. Returns a new model (same thresholds, version noted)."""
    codes = np.asarray(codes, dtype=np.int64)
    m = {k: np.asarray(v, dtype=np.float64) for k, v in model.m.items()}
    u = {k: np.asarray(v, dtype=np.float64) for k, v in model.u.items()}
    prior = model.prior
    for _ in range(iterations):
        logit = np.full(len(codes), math.log2(prior / (1 - prior)))
        for j, name in enumerate(FIELDS):
            w = np.log2(np.maximum(m[name], EPS) / np.maximum(u[name], EPS))
            w[0] = 0.0
            logit += w[codes[:, j]]
        p = 1.0 / (1.0 + np.exp2(-logit))
        new_prior = float(np.clip(p.mean(), 1e-6, 1 - 1e-6)) if not fix_prior else prior
        change = abs(new_prior - prior)
        for j, name in enumerate(FIELDS):
            cm = _level_counts(codes, p, j) + pseudo * m[name] * 10
            new_m = np.asarray(_normalise(cm))
            change = max(change, float(np.abs(new_m - m[name]).max()))
            m[name] = new_m
            if not fix_u:
                cu = _level_counts(codes, 1 - p, j) + pseudo * u[name] * 10
                new_u = np.asarray(_normalise(cu))
                change = max(change, float(np.abs(new_u - u[name]).max()))
                u[name] = new_u
        prior = new_prior
        if change < tol:
            break
    return replace(model, prior=prior, m={k: [float(x) for x in v] for k, v in m.items()},
                   u={k: [float(x) for x in v] for k, v in u.items()}, w=None,
                   version=model.version + "+em", note=(model.note + f" em({len(codes)} pairs)").strip())


def estimate_u(model: Model, codes: np.ndarray) -> Model:
    """u from the level codes of pairs known (or almost surely) to be different people, e.g. random pairs."""
    codes = np.asarray(codes, dtype=np.int64)
    ones = np.ones(len(codes))
    u = {name: _normalise(_level_counts(codes, ones, j) + 0.5) for j, name in enumerate(FIELDS)}
    return replace(model, u=u, w=None, version=model.version + "+u")


def _counted(model: Model, codes: np.ndarray, is_match: np.ndarray, pseudo: float) -> tuple[dict, dict]:
    m, u = {}, {}
    for j, name in enumerate(FIELDS):
        m[name] = _normalise(_level_counts(codes[is_match], np.ones(int(is_match.sum())), j) + pseudo)
        u[name] = _normalise(_level_counts(codes[~is_match], np.ones(int((~is_match).sum())), j) + pseudo)
    return m, u


def fit_labelled(model: Model, codes: np.ndarray, is_match: np.ndarray, *, pseudo: float = 0.5) -> Model:
    """Plain Fellegi–Sunter from labelled candidate pairs: m, u and the prior counted (weights log2(m/u))."""
    codes = np.asarray(codes, dtype=np.int64)
    is_match = np.asarray(is_match, dtype=bool)
    m, u = _counted(model, codes, is_match, pseudo)
    prior = float(np.clip(is_match.mean(), 1e-4, 1 - 1e-4)) if len(is_match) else model.prior
    return replace(model, m=m, u=u, prior=prior, w=None, version=model.version + "+fs")


def _design(codes: np.ndarray, tf: np.ndarray, crowd: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """One column per level of every field (but missing and implied, which weigh 0), then the name tf
    adjustment and the crowd."""
    columns = [(j, k) for j, name in enumerate(FIELDS) for k in range(1, len(LEVELS[name]))
               if LEVELS[name][k] not in ZERO_LEVELS]
    x = np.zeros((len(codes), len(columns) + 2), dtype=np.float64)
    for c, (j, k) in enumerate(columns):
        x[:, c] = codes[:, j] == k
    x[:, -2] = tf
    x[:, -1] = crowd
    return x, columns


def fit(model: Model, codes: np.ndarray, is_match: np.ndarray, tf: np.ndarray | None = None,
        crowd: np.ndarray | None = None, *,
        sample_weight: np.ndarray | None = None, ridge: float = 1.0, fit_prior: bool = True,
        iterations: int = 50) -> Model:
    """Weights fitted jointly on labelled candidate pairs: a logistic regression of "same person" on the level
    indicators (and the name tf adjustment), penalised by ``ridge`` * (weight - the model's current weight)^2.

    Fellegi–Sunter multiplies the fields' Bayes factors as if the fields were independent given match status; they
    are not (a family shares KK, address, phone and region; a NIK carries the birth date; blocking on the name makes
    name agreement common among candidate pairs). The joint fit keeps the FS form — one additive log2 weight per
    level, 0 for missing — but each weight is the level's evidence *given the other fields*. Levels absent from the
    data keep their current weight. m and u are also counted from the labels (shown in the documentation).
    Returns a new model."""
    codes = np.asarray(codes, dtype=np.int64)
    y = np.asarray(is_match, dtype=np.float64)
    tf = np.zeros(len(codes)) if tf is None else np.asarray(tf, dtype=np.float64)
    crowd = np.zeros(len(codes)) if crowd is None else np.asarray(crowd, dtype=np.float64)
    sw = np.ones(len(codes)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    # Compress to distinct (levels, tf) patterns with their weighted match / non-match counts.
    radix = np.int64(16)
    key = np.zeros(len(codes), dtype=np.int64)
    for j in range(codes.shape[1]):
        key = key * radix + codes[:, j]
    tf_q = np.round(tf * 8).astype(np.int64)
    key = key * 4096 + (tf_q + 2048)
    crowd_q = np.round(crowd * 4).astype(np.int64)
    key = key * 256 + np.clip(crowd_q, 0, 255)
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    pos = np.bincount(inverse, weights=sw * y, minlength=len(uniq))
    neg = np.bincount(inverse, weights=sw * (1 - y), minlength=len(uniq))
    x, columns = _design(codes[first], tf_q[first] / 8, np.clip(crowd_q[first], 0, 255) / 4)
    ln2 = math.log(2)
    current = model.weight_table()
    centre = np.array([current[j][k] * ln2 for j, k in columns] + [model.tf_scale * ln2, model.crowd_scale * ln2])
    theta = centre.copy()
    b = model.prior_weight * ln2
    total = pos + neg

    def loss(th, bb):
        z = bb + x @ th
        return float(np.sum(total * np.logaddexp(0, z) - pos * z) + ridge * np.sum((th - centre) ** 2))

    current_loss = loss(theta, b)
    for _ in range(iterations):
        z = b + x @ theta
        p = 1 / (1 + np.exp(-z))
        r = total * p - pos  # gradient of the log loss by z
        g = np.concatenate([[r.sum()] if fit_prior else [0.0], x.T @ r + 2 * ridge * (theta - centre)])
        h_diag = total * p * (1 - p)
        xa = np.hstack([np.ones((len(x), 1)), x])
        hess = (xa * h_diag[:, None]).T @ xa
        hess[1:, 1:] += 2 * ridge * np.eye(len(theta))
        hess[0, 0] += 1e-6
        if not fit_prior:
            hess[0, :] = 0
            hess[:, 0] = 0
            hess[0, 0] = 1
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(hess)), g)
        t = 1.0
        while t > 1e-4:
            nb, nt = b - t * step[0], theta - t * step[1:]
            new_loss = loss(nt, nb)
            if new_loss <= current_loss:
                break
            t /= 2
        else:
            break
        improvement = current_loss - new_loss
        b, theta, current_loss = nb, nt, new_loss
        if improvement < 1e-7 * max(1.0, abs(current_loss)):
            break
    w = {name: [0.0] * len(LEVELS[name]) for name in FIELDS}
    for c, (j, k) in enumerate(columns):
        w[FIELDS[j]][k] = round(float(theta[c] / ln2), 4)
    is_match = y > 0.5
    m, u = _counted(model, codes, is_match, 0.5) if len(codes) else (model.m, model.u)
    prior = float(1 / (1 + math.exp(-b)))
    return replace(model, w=w, tf_scale=round(float(theta[-2] / ln2), 4),
                   crowd_scale=round(float(theta[-1] / ln2), 4), prior=prior, m=m, u=u,
                   version=model.version + "+fit")


@dataclass
class Decision:
    """A reviewer's answer about one pair: its comparison levels (field -> label, as in Pair.levels), whether the
    two records are the same person, and the name's term-frequency adjustment (bits, before tf_scale)."""

    levels: dict[str, str]
    same: bool
    tf: float = 0.0
    crowd: float = 0.0


def _decision(item, model: Model) -> Decision:
    if isinstance(item, Decision):
        return item
    pair, same = item
    if isinstance(pair, dict):
        return Decision(levels=pair, same=bool(same))
    contributions = getattr(pair, "contributions", {}) or {}
    tf = contributions.get("name_tf", 0.0) / model.tf_scale if model.tf_scale else 0.0
    crowd = contributions.get("crowd", 0.0) / model.crowd_scale if model.crowd_scale else 0.0
    return Decision(levels=pair.levels, same=bool(same), tf=tf, crowd=crowd)


def calibrate(model: Model, decisions: Iterable, *, strength: float = 20.0) -> Model:
    """The model updated with reviewers' decisions (labelled pairs): a Decision, or ``(Pair or levels, same)``.

    The weights are refitted jointly (:func:`fit`) on the decisions, penalised towards the current weights with
    ``strength`` (so a few decisions move them a little, thousands decide); the prior is kept, since reviewed pairs
    come from the uncertain band, not from all candidate pairs. m and u are updated with the decisions counted in
    against the current values (worth ``10 * strength`` pairs per field). The version records how many decisions
    were used."""
    items = [_decision(item, model) for item in decisions]
    if not items:
        return model
    codes = np.zeros((len(items), len(FIELDS)), dtype=np.int64)
    for i, d in enumerate(items):
        for j, name in enumerate(FIELDS):
            label = d.levels.get(name, "missing")
            codes[i, j] = LEVELS[name].index(label) if label in LEVELS[name] else 0
    same = np.array([d.same for d in items])
    tf = np.array([d.tf for d in items], dtype=np.float64)
    crowd = np.array([d.crowd for d in items], dtype=np.float64)
    fitted = fit(model, codes, same, tf, crowd, ridge=strength, fit_prior=False)
    prior_counts = 10 * strength
    m = {k: np.asarray(v, dtype=np.float64) * prior_counts for k, v in model.m.items()}
    u = {k: np.asarray(v, dtype=np.float64) * prior_counts for k, v in model.u.items()}
    for d, row in zip(items, codes, strict=True):
        target = m if d.same else u
        for j, name in enumerate(FIELDS):
            if row[j]:
                target[name][row[j]] += 1.0
    version = model.version.split("+cal")[0] + f"+cal{len(items)}"
    return replace(fitted, prior=model.prior, m={k: _normalise(v) for k, v in m.items()},
                   u={k: _normalise(v) for k, v in u.items()}, version=version,
                   note=(model.note + f" calibrated with {len(items)} decisions").strip())


def default_model() -> Model:
    return Model()
