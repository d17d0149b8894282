"""Benchmark: record linkage (``kompeten dedup``) on the synthetic Kaltim registry of bench/linkage_data.py.

    .venv/bin/python bench/linkage.py [--sizes 10000,100000,1000000] [--runs 3] [--seed 2025] [--regenerate]
                                      [--mode cli|engine|nik] [--examples 8] [--explain] [--all-pairs]
    .venv/bin/python bench/linkage.py --fit [100000 [7]]     # the model's weights fitted again (fit_weights)

For each size: the data (INPUT.csv, TRUTH.csv in bench/out/linkage_<size>/) is generated once (seeded) and kept;
then each run is a fresh process, timed from outside (wall clock; CPU time and peak RSS from ``os.wait4``):

- ``--mode cli`` (default): ``kompeten dedup INPUT.csv --out CLUSTERS.csv --pairs PAIRS.csv`` — Django start-up,
  reading, standardising, linking and writing (the link and review pairs) included; ``--all-pairs`` passes
  ``--all-pairs`` (every candidate pair written: the diagnostics can then tell a non-link from a pair never
  compared, and report the blocking recall);
- ``--mode engine``: this script in a fresh process reads INPUT.csv with the csv module, standardises every row
  (``kompeten.linkage.standardise.standardise``), runs ``Linker().dedupe`` and writes CLUSTERS.csv and PAIRS.csv the
  same way (for when the command is not there, or to see the engine's own stage timings);
- ``--mode nik``: the plain rule "same NIK (16 digits after removing spaces and dots) = same person", for reference.

Measured against the truth (the last run's output; every run's CLUSTERS.csv must be the same):

- pairwise precision, recall and F1: a pair of records is predicted when both are in one cluster and true when both
  are one person; counted per cluster / person / (cluster, person) with n(n-1)/2, not pair by pair;
- the review queue: records in a ``review`` pair whose two records ended in different clusters, as a share of this
  year's applicants (records of source ``pendaftaran_2025``) and of all records;
- the "never trained" flag of an applicant (a ``pendaftaran_2025`` record) is "trained" when its cluster holds a
  record of an earlier BLK participant list (source ``blk_YYYY``).
  *Slipping through*: a registration of a person who is on an earlier BLK list, whose cluster holds none of that
  person's BLK records — as a share of the registrations of earlier trainees.
  *Denied priority wrongly*: a registration of a person on no BLK list whose cluster holds a BLK record (of someone
  else) — as a share of all registrations (this year's applicants);
- diagnostics (to bench/out/linkage_<size>/failures_<mode>.txt): the missed true pairs by the error codes of their two
  records (and the share of each code's pairs missed), the false pairs by relation (twins, siblings, strangers) and
  examples of each with the input rows.

Results are printed and saved in bench/out/linkage_results.json; docs/benchmarks.md has the recorded numbers.
The goals (issue 10): F1 >= 0.98 with precision >= 0.985; slipping through <= 1 %; denied wrongly <= 0.1 %; review
queue <= 3 % of applicants; 1,000,000 records in <= 20 minutes and <= 8 GB.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))

import linkage_data  # noqa: E402 - bench/ is not a package

REGISTRATION = linkage_data.REGISTRATION
GOALS = {"f1": 0.98, "precision": 0.985, "slipping": 0.01, "denied": 0.001, "review_applicants": 0.03,
         "wall_1m": 20 * 60, "rss_1m_mb": 8 * 1024}
csv.field_size_limit(1 << 24)
ALL_PAIRS = [False]  # --all-pairs


# --- the measured process ---------------------------------------------------------------------------------------------


def _command(mode: str, input_path: Path, clusters: Path, pairs: Path) -> list[str]:
    if mode == "cli":
        script = Path(sys.executable).parent / "kompeten"
        head = [str(script)] if script.exists() else [sys.executable, "-m", "kompeten.cli"]
        extra = ["--all-pairs"] if ALL_PAIRS[0] else []
        return [*head, "dedup", str(input_path), "--out", str(clusters), "--pairs", str(pairs), *extra]
    return [sys.executable, __file__, "--worker", mode, str(input_path), str(clusters), str(pairs)]


def outputs(folder: Path, mode: str, own: bool) -> tuple[Path, Path]:
    """CLUSTERS and PAIRS of this process (own: named with its pid, so that two benchmarks running at once do not
    write each other's files) or the kept ones of the last finished benchmark."""
    suffix = f"{mode}_{os.getpid()}" if own else mode
    return folder / f"CLUSTERS_{suffix}.csv", folder / f"PAIRS_{suffix}.csv"


def keep_outputs(folder: Path, mode: str) -> None:
    for own, kept in zip(outputs(folder, mode, own=True), outputs(folder, mode, own=False), strict=True):
        if own.exists():
            os.replace(own, kept)


def run_once(mode: str, folder: Path, run: int) -> dict:
    input_path = folder / "INPUT.csv"
    clusters, pairs = outputs(folder, mode, own=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kompeten.settings", "KOMPETEN_VAR_DIR": str(OUT / "var"),
           "KOMPETEN_HTTPS": "0"}
    log = folder / f"run_{mode}_{run}_{os.getpid()}.log"
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(_command(mode, input_path, clusters, pairs), stdout=handle, stderr=subprocess.STDOUT,
                                   env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"run failed (exit {code}), see {log}:\n{log.read_text(encoding='utf-8')[-3000:]}")
    digest = hashlib.sha256(clusters.read_bytes()).hexdigest()[:16]
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "clusters_sha": digest, "log": log.read_text(encoding="utf-8")[-4000:]}


def worker(mode: str, input_path: str, clusters_path: str, pairs_path: str) -> None:
    """--mode engine / nik, in the fresh measured process."""
    started = time.perf_counter()
    with open(input_path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    read = time.perf_counter()
    if mode == "nik":
        clusters, first = {}, {}
        for row in rows:
            key = linkage_data.naive_key(row["nik"])
            clusters[row["record_id"]] = first.setdefault(key, row["record_id"]) if key else row["record_id"]
        with open(clusters_path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("record_id", "cluster_id"))
            writer.writerows(clusters.items())
        Path(pairs_path).write_text("left,right,weight,decision\n", encoding="utf-8")
        print(json.dumps({"timings": {"read": round(read - started, 3), "total": round(time.perf_counter() - started,
                                                                                        3)}}))
        return
    import django

    django.setup()
    from kompeten.linkage.engine import DECISIONS, Linker
    from kompeten.linkage.standardise import standardise

    records = [standardise(row, id=row["record_id"]) for row in rows]
    del rows
    standardised = time.perf_counter()
    try:
        result = Linker().dedupe(records, materialise=False)
    except TypeError:  # an engine without the option
        result = Linker().dedupe(records)
    linked = time.perf_counter()
    with open(clusters_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("record_id", "cluster_id"))
        writer.writerows(result.clusters.items())
    table = result.table
    with open(pairs_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("left", "right", "weight", "decision"))
        for k in np.flatnonzero(table.decision >= 1).tolist():
            writer.writerow((table.ids[int(table.left[k])], table.ids[int(table.right[k])],
                             round(float(table.weight[k]), 3), DECISIONS[int(table.decision[k])]))
    stats = result.stats
    stats["timings"].update({"read": round(read - started, 3), "standardise": round(standardised - read, 3),
                             "dedupe": round(linked - standardised, 3),
                             "write": round(time.perf_counter() - linked, 3)})
    print(json.dumps(stats, default=str))


# --- reading the outputs ----------------------------------------------------------------------------------------------


class Truth:
    def __init__(self, folder: Path):
        ids, entity, household, twin, kind, errors = [], [], [], [], [], []
        with open(folder / "TRUTH.csv", newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                ids.append(row["record_id"])
                entity.append(row["entity_id"])
                household.append(row["household_id"])
                twin.append(row["twin"] == "1")
                kind.append(row["source_kind"])
                errors.append(row["errors"])
        self.ids = ids
        self.index = {record_id: i for i, record_id in enumerate(ids)}
        self.entity = _codes(entity)
        self.household = _codes(household)
        self.twin = np.array(twin)
        self.kind = np.array(kind)
        self.errors = errors
        self.registration = self.kind == "registration"
        self.blk = self.kind == "blk"


def _codes(values: list[str]) -> np.ndarray:
    _unique, inverse = np.unique(np.array(values), return_inverse=True)
    return inverse.astype(np.int64)


def _column(header: list[str], *names: str) -> int:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    raise SystemExit(f"none of the columns {names} in {header}")


def read_clusters(path: Path, truth: Truth) -> np.ndarray:
    labels = np.full(len(truth.ids), -1, dtype=np.int64)
    names: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rid, cid = _column(header, "record_id", "id"), _column(header, "cluster_id", "cluster", "person_id")
        for row in reader:
            labels[truth.index[row[rid]]] = names.setdefault(row[cid], len(names))
    missing = np.flatnonzero(labels < 0)  # a record the output leaves out is alone
    labels[missing] = np.arange(len(names), len(names) + len(missing))
    return labels


def read_pairs(path: Path, truth: Truth, labels: np.ndarray) -> tuple[np.ndarray, dict, dict]:
    """The review queue (records in a review pair whose records ended in different clusters), where the queue's pairs
    come from, and the decision of every candidate pair that is a true match ((i, j) -> decision)."""
    queued = np.zeros(len(truth.ids), dtype=bool)
    kinds = Counter()
    true_candidates: dict[tuple[int, int], str] = {}
    if not path.exists():
        return queued, {}, true_candidates
    entity, index = truth.entity, truth.index
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        left = _column(header, "record_id_l", "left", "record_id_1")
        right = _column(header, "record_id_r", "right", "record_id_2")
        decision = _column(header, "decision")
        for row in reader:
            i, j = index[row[left]], index[row[right]]
            same = entity[i] == entity[j]
            if same:
                true_candidates[(i, j) if i < j else (j, i)] = row[decision]
            if row[decision] != "review" or labels[i] == labels[j]:
                continue
            queued[i] = queued[j] = True
            kinds["true match" if same else "non-match"] += 1
    return queued, dict(kinds), true_candidates


# --- measures ---------------------------------------------------------------------------------------------------------


def _pairs(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def pairwise(entity: np.ndarray, labels: np.ndarray) -> dict:
    true = _pairs(np.bincount(entity))
    predicted = _pairs(np.bincount(labels))
    _keys, both = np.unique(labels * (int(entity.max()) + 1) + entity, return_counts=True)
    tp = _pairs(both)
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"true_pairs": true, "predicted_pairs": predicted, "true_positive_pairs": tp,
            "false_positive_pairs": predicted - tp, "false_negative_pairs": true - tp,
            "precision": precision, "recall": recall, "f1": f1}


def never_trained(truth: Truth, labels: np.ndarray) -> dict:
    entity, reg, blk = truth.entity, truth.registration, truth.blk
    size = int(entity.max()) + 1
    trained = np.zeros(size, dtype=bool)
    trained[entity[blk]] = True
    cluster_has_blk = np.zeros(int(labels.max()) + 1, dtype=bool)
    cluster_has_blk[labels[blk]] = True
    own_keys = np.unique(labels[blk] * size + entity[blk])
    reg_keys = labels * size + entity
    with_own = np.isin(reg_keys, own_keys)
    trainees = reg & trained[entity]
    others = reg & ~trained[entity]
    slipping = trainees & ~with_own
    denied = others & cluster_has_blk[labels]
    return {
        "applicants": int(reg.sum()), "applicants_trained": int(trainees.sum()),
        "slipping": int(slipping.sum()), "slipping_share": float(slipping.sum() / max(trainees.sum(), 1)),
        "denied": int(denied.sum()), "denied_share": float(denied.sum() / max(reg.sum(), 1)),
        "denied_share_of_untrained": float(denied.sum() / max(others.sum(), 1)),
        "_slipping": np.flatnonzero(slipping), "_denied": np.flatnonzero(denied),
    }


def diagnose(truth: Truth, labels: np.ndarray, true_candidates: dict) -> dict:
    """Missed pairs by error code (and the share of each code's true pairs that were missed); false pairs by
    relation; example groups."""
    by_entity = defaultdict(list)
    for i, e in enumerate(truth.entity.tolist()):
        by_entity[e].append(i)
    code_pairs, code_missed = Counter(), Counter()
    missed_decision = Counter()
    missed_examples = defaultdict(list)
    for members in by_entity.values():
        if len(members) < 2:
            continue
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1:]:
                codes = set(filter(None, truth.errors[a].split(";") + truth.errors[b].split(";"))) or {"(none)"}
                missed = labels[a] != labels[b]
                for code in codes:
                    code_pairs[code] += 1
                    if missed:
                        code_missed[code] += 1
                if missed:
                    absent = "not a candidate" if ALL_PAIRS[0] else "non_link or not a candidate"
                    missed_decision[true_candidates.get((a, b), absent) if true_candidates else "?"] += 1
                    key = "+".join(sorted(c for c in codes if c.startswith(("nik", "date", "name"))) or ["other"])
                    if len(missed_examples[key]) < 3:
                        missed_examples[key].append((a, b))
    by_cluster = defaultdict(list)
    for i, c in enumerate(labels.tolist()):
        by_cluster[c].append(i)
    relation_pairs = Counter()
    false_examples = defaultdict(list)
    for members in by_cluster.values():
        if len(members) < 2:
            continue
        groups = defaultdict(list)
        for i in members:
            groups[int(truth.entity[i])].append(i)
        if len(groups) < 2:
            continue
        entities = list(groups.values())
        for x_pos, xs in enumerate(entities):
            for ys in entities[x_pos + 1:]:
                a, b = xs[0], ys[0]
                if truth.household[a] == truth.household[b]:
                    relation = "twins" if truth.twin[a] and truth.twin[b] else "siblings"
                else:
                    relation = "strangers"
                relation_pairs[relation] += len(xs) * len(ys)
                if len(false_examples[relation]) < 6:
                    false_examples[relation].append(members)
    missed_by_code = {code: {"missed": code_missed[code], "pairs": code_pairs[code],
                             "missed_share": round(code_missed[code] / code_pairs[code], 4)}
                      for code in sorted(code_pairs, key=lambda c: -code_missed[c])}
    return {"missed_by_code": missed_by_code, "false_pairs_by_relation": dict(relation_pairs),
            "missed_by_decision": dict(missed_decision.most_common()),
            "blocking_recall": (len(true_candidates) / max(_pairs(np.bincount(truth.entity)), 1)
                                if ALL_PAIRS[0] else None),
            "_missed_examples": dict(missed_examples), "_false_examples": dict(false_examples)}


def _explainer():
    """score(row_a, row_b) -> "weight decision field=level ...", with the engine, when it can be imported."""
    try:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kompeten.settings")
        os.environ.setdefault("KOMPETEN_VAR_DIR", str(OUT / "var"))
        django.setup()
        from kompeten.linkage.engine import Linker
        from kompeten.linkage.standardise import standardise
    except Exception as error:  # noqa: BLE001 - diagnostics only
        print(f"  (no pair explanations: {error})")
        return None
    linker = Linker()
    header = ("record_id", *linkage_data.COLUMNS)

    def score(a: list[str], b: list[str]) -> str:
        ra, rb = (standardise(dict(zip(header, row, strict=True)), id=row[0]) for row in (a, b))
        pair = linker.score_pair(ra, rb)
        levels = " ".join(f"{k}={v}" for k, v in pair.levels.items())
        return f"weight {pair.weight:+.1f} {pair.decision}: {levels}"

    return score


def write_failures(folder: Path, mode: str, truth: Truth, labels: np.ndarray, diagnosis: dict, trained: dict,
                   examples: int, explain: bool = False) -> Path:
    wanted: set[int] = set()
    missed = {k: v[:examples] for k, v in diagnosis["_missed_examples"].items()}
    false = {k: v[:examples] for k, v in diagnosis["_false_examples"].items()}
    for pairs in missed.values():
        for a, b in pairs:
            wanted.update((a, b))
    for groups in false.values():
        for members in groups:
            wanted.update(members[:12])
    slipping = trained["_slipping"][:examples].tolist()
    denied = trained["_denied"][:examples].tolist()
    by_entity: dict[int, list[int]] = {}
    by_cluster: dict[int, list[int]] = {}
    for i in slipping + denied:
        by_entity.setdefault(int(truth.entity[i]), [])
        by_cluster.setdefault(int(labels[i]), [])
    for i in range(len(truth.ids)):
        if int(truth.entity[i]) in by_entity:
            by_entity[int(truth.entity[i])].append(i)
        if int(labels[i]) in by_cluster:
            by_cluster[int(labels[i])].append(i)
    for i in slipping + denied:
        wanted.update(by_entity[int(truth.entity[i])][:10])
        wanted.update(by_cluster[int(labels[i])][:10])
    rows = {}
    with open(folder / "INPUT.csv", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        ids = {truth.ids[i]: i for i in wanted}
        for row in reader:
            if row[0] in ids:
                rows[ids[row[0]]] = row

    def line(i: int) -> str:
        row = rows.get(i, [truth.ids[i]])
        return (f"    {row[0]} person={truth.entity[i]} household={truth.household[i]} cluster={labels[i]} "
                f"errors={truth.errors[i] or '-'}\n      " + " | ".join(row[1:]))

    score = _explainer() if explain else None

    def explained(a: int, b: int) -> str:
        if score is None or a not in rows or b not in rows:
            return ""
        return f"    -> {score(rows[a], rows[b])}\n"

    path = folder / f"failures_{mode}.txt"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("MISSED TRUE PAIRS BY ERROR CODE (missed / true pairs with the code in either record)\n")
        for code, counts in diagnosis["missed_by_code"].items():
            handle.write(f"  {code:22s} {counts['missed']:>9,} / {counts['pairs']:>9,}  {counts['missed_share']:.1%}\n")
        recall = diagnosis["blocking_recall"]
        handle.write(f"\nMISSED TRUE PAIRS BY THE ENGINE'S DECISION: {diagnosis['missed_by_decision']} (blocking "
                     f"recall {'- (run with --all-pairs)' if recall is None else format(recall, '.4f')})\n")
        handle.write(f"\nFALSE PAIRS BY RELATION: {diagnosis['false_pairs_by_relation']}\n")
        handle.write("\nMISSED TRUE PAIRS (examples by the NIK/date/name error codes of the pair)\n")
        for key, pairs in sorted(missed.items()):
            handle.write(f"\n  [{key}]\n")
            for a, b in pairs:
                handle.write(line(a) + "\n" + line(b) + "\n" + explained(a, b) + "\n")
        handle.write("\nFALSE CLUSTERS (clusters with more than one person)\n")
        for relation, groups in false.items():
            handle.write(f"\n  [{relation}]\n")
            for members in groups:
                for i in members[:12]:
                    handle.write(line(i) + "\n")
                for x, a in enumerate(members[:6]):
                    for b in members[x + 1:6]:
                        if truth.entity[a] != truth.entity[b]:
                            handle.write(f"  {truth.ids[a]}~{truth.ids[b]}" + explained(a, b).lstrip())
                handle.write("\n")
        handle.write("\nSLIPPING THROUGH (registration of an earlier trainee not linked to the person's BLK record)\n")
        for i in slipping:
            handle.write("  registration and the person's records:\n")
            for j in by_entity[int(truth.entity[i])][:10]:
                handle.write(line(j) + "\n")
                if truth.blk[j]:
                    handle.write(explained(i, j))
            handle.write("\n")
        handle.write("\nDENIED WRONGLY (registration linked to someone else's BLK record)\n")
        for i in denied:
            handle.write(f"  registration {truth.ids[i]} and its cluster:\n")
            for j in by_cluster[int(labels[i])][:10]:
                handle.write(line(j) + "\n")
                if truth.blk[j] and truth.entity[j] != truth.entity[i]:
                    handle.write(explained(i, j))
            handle.write("\n")
    return path


def evaluate(folder: Path, mode: str, examples: int, explain: bool = False, own: bool = True) -> dict:
    truth = Truth(folder)
    clusters, pairs = outputs(folder, mode, own)
    labels = read_clusters(clusters, truth)
    queued, review_kinds, true_candidates = read_pairs(pairs, truth, labels)
    metrics = pairwise(truth.entity, labels)
    trained = never_trained(truth, labels)
    diagnosis = diagnose(truth, labels, true_candidates)
    failures = write_failures(folder, mode, truth, labels, diagnosis, trained, examples, explain)
    reg = truth.registration
    return {
        **metrics,
        "review_records": int(queued.sum()), "review_share": float(queued.sum() / len(queued)),
        "review_applicants": int((queued & reg).sum()),
        "review_share_applicants": float((queued & reg).sum() / max(reg.sum(), 1)),
        "review_pairs": review_kinds,
        **{k: v for k, v in trained.items() if not k.startswith("_")},
        **{k: v for k, v in diagnosis.items() if not k.startswith("_")},
        "clusters": int(len(np.unique(labels))), "largest_cluster": int(np.bincount(labels).max()),
        "failures_file": str(failures.relative_to(ROOT)),
    }


# --- main -------------------------------------------------------------------------------------------------------------


def ensure_data(size: int, seed: int, regenerate: bool) -> tuple[Path, dict | None]:
    folder = OUT / f"linkage_{size}" if seed == linkage_data.SEED else OUT / f"linkage_{size}_seed{seed}"
    if not regenerate and (folder / "INPUT.csv").exists() and (folder / "TRUTH.csv").exists() \
            and (folder / "data.json").exists():
        return folder, json.loads((folder / "data.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    summary = linkage_data.Summary()
    linkage_data.write(size, seed, folder, summary)
    report = summary.report()
    report["generated_seconds"] = round(time.perf_counter() - started, 1)
    report["input_mb"] = round((folder / "INPUT.csv").stat().st_size / 1e6, 1)
    (folder / "data.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"generated {size:,} records in {report['generated_seconds']} s ({report['input_mb']} MB)")
    return folder, report


def machine() -> str:
    def first(path: str, prefix: str) -> str:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError:
            return ""
        return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(prefix)), "")

    cpu = first("/proc/cpuinfo", "model name") or platform.processor()
    kb = first("/proc/meminfo", "MemTotal").split(" ")[0]
    memory = f", {int(kb) / 1024 / 1024:.0f} GB RAM" if kb.isdigit() else ""
    return (f"{os.cpu_count()} CPUs ({cpu}){memory}, Linux {platform.release()}, Python {platform.python_version()}, "
            f"NumPy {np.__version__}")


def _fmt_share(value: float) -> str:
    return f"{value:.2%}" if value >= 0.001 else f"{value:.3%}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=linkage_data.SEED)
    parser.add_argument("--mode", choices=("cli", "engine", "nik"), default="cli")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--examples", type=int, default=8)
    parser.add_argument("--explain", action="store_true", help="score the failing examples' pairs with the engine")
    parser.add_argument("--evaluate-only", action="store_true", help="no runs: evaluate the last output again")
    parser.add_argument("--all-pairs", action="store_true",
                        help="the command writes every candidate pair (non-links too) for the diagnostics")
    options = parser.parse_args(argv)
    ALL_PAIRS[0] = options.all_pairs
    sizes = [int(s.replace("_", "")) for s in options.sizes.split(",") if s.strip()]
    print(machine())
    results_path = OUT / "linkage_results.json"
    for size in sizes:
        folder, data = ensure_data(size, options.seed, options.regenerate)
        print(f"\n== {size:,} records, {data['entities']:,} persons, {data['true_pairs']:,} true pairs "
              f"(plain same-NIK rule finds {data['naive_recall']:.1%}); mode {options.mode}")
        if options.runs <= 0 and not options.evaluate_only:
            continue  # --runs 0: only make the data
        runs = []
        if options.evaluate_only:
            runs.append({"wall": 0.0, "cpu": 0.0, "rss_mb": 0.0, "clusters_sha": "", "log": ""})
        for run in range(0 if options.evaluate_only else options.runs):
            got = run_once(options.mode, folder, run)
            runs.append(got)
            print(f"  run {run + 1}: wall {got['wall']:.1f} s, CPU {got['cpu']:.1f} s, peak RSS {got['rss_mb']:,.0f} MB"
                  f", clusters {got['clusters_sha']}")
        if len({r["clusters_sha"] for r in runs}) > 1:
            print("  WARNING: the runs' clusters differ")
        measured = evaluate(folder, options.mode, options.examples, options.explain, own=not options.evaluate_only)
        if not options.evaluate_only:
            keep_outputs(folder, options.mode)
        summary = {
            "size": size, "mode": options.mode, "seed": options.seed, "runs": len(runs),
            "wall_median": statistics.median(r["wall"] for r in runs), "walls": [round(r["wall"], 1) for r in runs],
            "cpu_median": statistics.median(r["cpu"] for r in runs),
            "rss_mb_max": max(r["rss_mb"] for r in runs), "data": data, **measured,
            "stats_last_run": _last_json(runs[-1]["log"]),
            "machine": machine(), "date": time.strftime("%Y-%m-%d"),
        }
        results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else {}
        key = f"{options.mode}:{size}:{options.seed}"
        if options.evaluate_only and key in results:  # keep the timings of the runs evaluated again
            summary.update({name: results[key][name] for name in ("runs", "wall_median", "walls", "cpu_median",
                                                                   "rss_mb_max", "stats_last_run", "date")
                            if name in results[key]})
        results[key] = summary
        results_path.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
        print(f"  precision {summary['precision']:.4f}  recall {summary['recall']:.4f}  F1 {summary['f1']:.4f}  "
              f"(false pairs {summary['false_positive_pairs']:,}, missed {summary['false_negative_pairs']:,})")
        print(f"  review queue: {summary['review_applicants']:,} applicants = "
              f"{_fmt_share(summary['review_share_applicants'])} of {summary['applicants']:,}; "
              f"{summary['review_records']:,} records = {_fmt_share(summary['review_share'])}; pairs "
              f"{summary['review_pairs']}")
        print(f"  never trained: slipping {summary['slipping']:,} of {summary['applicants_trained']:,} trainees' "
              f"registrations = {_fmt_share(summary['slipping_share'])}; denied wrongly {summary['denied']:,} = "
              f"{_fmt_share(summary['denied_share'])} of applicants")
        print(f"  false pairs by relation: {summary['false_pairs_by_relation']}; missed pairs by decision: "
              f"{summary['missed_by_decision']}; blocking recall "
              f"{'-' if summary['blocking_recall'] is None else format(summary['blocking_recall'], '.4f')}")
        top = list(summary["missed_by_code"].items())[:10]
        print("  missed pairs by code: " + ", ".join(f"{k} {v['missed']:,}/{v['pairs']:,}" for k, v in top))
        print(f"  wall median {summary['wall_median']:.1f} s, CPU {summary['cpu_median']:.1f} s, "
              f"peak RSS {summary['rss_mb_max']:,.0f} MB; details in {summary['failures_file']}")
    print(f"\nresults: {results_path.relative_to(ROOT)}")


def fit_weights(size: int = 100_000, seed: int = 7, out: Path | None = None) -> dict:
    """The model's default weights, fitted again (``--fit``): the labelled candidate pairs of the synthetic registry
    (``size`` records, ``seed`` — not the measured seed), compared by the current engine, a joint logistic fit
    (kompeten.linkage.model.fit, ridge 1 towards the current weights). Writes the fitted prior, weights, m, u,
    tf_scale and crowd_scale as JSON (default bench/out/linkage_fit_<size>_seed<seed>.json) for model.py; e-mail
    ``exact`` is capped at +10 there by hand (no two people share an e-mail address in the synthetic data)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kompeten.settings")
    os.environ.setdefault("KOMPETEN_VAR_DIR", str(OUT / "var"))
    django.setup()
    from kompeten.linkage import model as linkage_model
    from kompeten.linkage.compare import FIELDS, LEVELS
    from kompeten.linkage.engine import Linker
    from kompeten.linkage.standardise import standardise

    folder, _data = ensure_data(size, seed, False)
    with open(folder / "INPUT.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(folder / "TRUTH.csv", newline="", encoding="utf-8") as handle:
        entity = {row["record_id"]: row["entity_id"] for row in csv.DictReader(handle)}
    records = [standardise(row, id=row["record_id"]) for row in rows]
    linker = Linker()
    _frame, left, right, codes, tf, crowds, _weight, _rec_tf, _partners = linker.score_candidates(records)
    people = np.array([entity[r.id] for r in records])
    same = people[left] == people[right]
    fitted = linkage_model.fit(linker.model, codes, same, tf, crowds, ridge=1.0)
    result = {"size": size, "seed": seed, "pairs": int(len(left)), "matches": int(same.sum()),
              "prior": fitted.prior, "tf_scale": fitted.tf_scale, "crowd_scale": fitted.crowd_scale,
              "w": fitted.w, "m": fitted.m, "u": fitted.u}
    for name in FIELDS:
        print(f"  {name}: " + ", ".join(f"{label} {w:+.2f}" for label, w in zip(LEVELS[name], fitted.w[name],
                                                                                strict=True)))
    print(f"  prior {fitted.prior:.4f}, tf_scale {fitted.tf_scale}, crowd_scale {fitted.crowd_scale}; "
          f"{len(left):,} candidate pairs, {int(same.sum()):,} matches")
    out = out or OUT / f"linkage_fit_{size}_seed{seed}.json"
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}")
    return result


def _last_json(log: str):
    for line in reversed(log.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:6])
    elif len(sys.argv) > 1 and sys.argv[1] == "--fit":  # --fit [SIZE [SEED]]
        fit_weights(*(int(x) for x in sys.argv[2:4]))
    else:
        main()
