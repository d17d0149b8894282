"""Benchmark: the seat allocation engine (kompeten/selection/engine.py) and `kompeten allocate`.

    .venv/bin/python bench/allocation.py [--sizes 100000,1000000,10000000] [--runs 3] [--cli-size 1000000]
                                         [--matching] [--matching-size 100000] [--seed 20250101]

1. Engine alone: for each size, a seeded instance (below) is saved under bench/out/ (gitignored) and a
   fresh process pinned to one core loads it and times `allocate` --runs times (median; wall and CPU),
   without and with reserves, reporting its peak RSS (VmHWM; it includes the instance's own arrays,
   also printed).
2. CLI end to end: the --cli-size instance is written as CSV files to bench/out/allocation-N/ and
   `kompeten allocate DIR --out RESULT.csv --time` is timed in a subprocess pinned to one core (wall,
   CPU and peak RSS from os.wait4), Django start-up, reading and writing included; RESULT.csv is
   checked against the engine's assignment.
3. --matching: the same problem solved by the pure-Python `matching` library (HospitalResident's
   algorithm, `matching.algorithms.hospital_resident`, called on its Player/Hospital objects: building
   a HospitalResident game with its input checks takes far longer still), once, at --matching-size;
   the matchings must be identical. `matching` is a bench-only tool, not a project dependency:
       .venv/bin/pip install matching==1.4.3

The instance ("realistic"): P = clamp(A / 200, 100, 5000) programmes of capacity 16; each applicant
wants 1-5 choices (uniform), drawn by programme popularity (Zipf weights 1/k^0.8, shuffled; a repeated
draw is dropped, so some applicants rank fewer); score = an applicant's ability N(60, 15) plus
N(0, 8) noise per application, rounded and clipped to 0-100 (ties are common); lottery = a uniform
random permutation of 1..A. With reserves: 50% of applicants are women, 3% persons with disabilities;
each programme reserves 4 seats for women and 1 for persons with disabilities.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
KOMPETEN = Path(sys.executable).parent / "kompeten"
SEED = 20250101
# The measured processes run on one core; OpenBLAS's idle threads (NumPy starts them, the engine uses no
# BLAS) would otherwise spin on the other core for a while and blur the CPU times.
ONE_THREAD = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
CAPACITY = 16
MAX_CHOICES = 5

sys.path.insert(0, str(ROOT))
from kompeten.selection.engine import Instance, allocate  # noqa: E402


def generate(applicants: int, seed: int = SEED, reserves: bool = False) -> Instance:
    """The seeded instance described in the module docstring."""
    rng = np.random.default_rng(seed)
    programmes = int(min(max(applicants // 200, 100), 5000))
    weights = 1.0 / np.arange(1, programmes + 1) ** 0.8
    rng.shuffle(weights)
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    wanted = rng.integers(1, MAX_CHOICES + 1, applicants)
    draws = np.searchsorted(cumulative, rng.random((applicants, MAX_CHOICES)), side="right").astype(np.int32)
    keep = np.arange(MAX_CHOICES)[None, :] < wanted[:, None]
    for j in range(1, MAX_CHOICES):
        for i in range(j):
            keep[:, j] &= draws[:, j] != draws[:, i]
    app_applicant = np.repeat(np.arange(applicants, dtype=np.int32), keep.sum(axis=1))
    app_programme = draws[keep]
    app_rank = np.cumsum(keep, axis=1, dtype=np.int8)[keep]
    del draws, keep, wanted
    ability = rng.normal(60, 15, applicants)
    noise = rng.normal(0, 8, app_applicant.size)
    app_score = np.clip(np.rint(ability[app_applicant] + noise), 0, 100).astype(np.float32)
    del noise, ability
    lottery = rng.permutation(applicants).astype(np.int64) + 1
    groups, reserved = {}, {}
    if reserves:
        groups = {"women": rng.random(applicants) < 0.5, "disability": rng.random(applicants) < 0.03}
        reserved = {"women": np.full(programmes, 4, dtype=np.int32),
                    "disability": np.full(programmes, 1, dtype=np.int32)}
    return Instance(capacities=np.full(programmes, CAPACITY, dtype=np.int32), lottery=lottery,
                    app_applicant=app_applicant, app_programme=app_programme, app_rank=app_rank,
                    app_score=app_score, reserves=reserved, groups=groups)


def instance_bytes(instance: Instance) -> int:
    arrays = [instance.capacities, instance.lottery, instance.app_applicant, instance.app_programme,
              instance.app_rank, instance.app_score, *instance.reserves.values(), *instance.groups.values()]
    return sum(np.asarray(a).nbytes for a in arrays)


def save(instance: Instance, path: Path) -> None:
    arrays = {name: getattr(instance, name) for name in
              ("capacities", "lottery", "app_applicant", "app_programme", "app_rank", "app_score")}
    arrays.update({f"reserve__{g}": v for g, v in instance.reserves.items()})
    arrays.update({f"group__{g}": v for g, v in instance.groups.items()})
    np.savez(path, **arrays)


def load(path: Path) -> Instance:
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    reserves = {name[len("reserve__"):]: arrays.pop(name) for name in list(arrays) if name.startswith("reserve__")}
    groups = {name[len("group__"):]: arrays.pop(name) for name in list(arrays) if name.startswith("group__")}
    return Instance(**arrays, reserves=reserves, groups=groups)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(path: Path, runs: int) -> None:
    """Run in a fresh process, on one core: load the instance, time `allocate`, print JSON."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    instance = load(path)
    loaded = peak_rss_mb()
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = allocate(instance)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(json.dumps({"times": times, "cpu": cpu, "rounds": result.rounds,
                      "assigned": int((result.assignment >= 0).sum()), "rss_loaded_mb": loaded,
                      "rss_mb": peak_rss_mb()}))


def bench_engine(sizes: list[int], runs: int, seed: int) -> list[dict]:
    rows = []
    for size in sizes:
        for reserves in (False, True):
            instance = generate(size, seed, reserves)
            path = OUT / f"allocation-{size}{'-reserves' if reserves else ''}.npz"
            save(instance, path)
            facts = {"applicants": size, "applications": int(instance.app_applicant.size),
                     "programmes": int(instance.capacities.size), "reserves": reserves,
                     "instance_mb": instance_bytes(instance) / 2**20}
            del instance
            output = subprocess.run([sys.executable, __file__, "--worker", str(path), "--runs", str(runs)],
                                    check=True, capture_output=True, text=True, env=ONE_THREAD).stdout
            path.unlink()
            facts.update(json.loads(output.strip().splitlines()[-1]))
            facts["median_s"] = statistics.median(facts["times"])
            rows.append(facts)
            print(f"engine  A={size:>10,}  apps={facts['applications']:>11,}  P={facts['programmes']:>5}  "
                  f"reserves={'yes' if reserves else 'no ':3}  median {facts['median_s']:.3f} s "
                  f"(CPU {statistics.median(facts['cpu']):.3f} s)  "
                  f"runs {', '.join(f'{t:.3f}' for t in facts['times'])}  rounds {facts['rounds']}  "
                  f"peak RSS {facts['rss_mb']:.0f} MB (instance {facts['instance_mb']:.0f} MB, "
                  f"after loading {facts['rss_loaded_mb']:.0f} MB)", flush=True)
    return rows


# --------------------------------------------------------------------------------------------------
# CLI end to end
# --------------------------------------------------------------------------------------------------


def write_csv(instance: Instance, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    programmes = np.asarray(instance.capacities).size
    with open(folder / "programmes.csv", "w", encoding="utf-8") as out:
        names = list(instance.reserves)
        out.write(",".join(["programme_id", "capacity", *(f"reserve_{g}" for g in names)]) + "\n")
        for p in range(programmes):
            out.write(",".join([f"P{p:05d}", str(instance.capacities[p]),
                                *(str(instance.reserves[g][p]) for g in names)]) + "\n")
    lottery = np.asarray(instance.lottery).tolist()
    with open(folder / "applicants.csv", "w", encoding="utf-8") as out:
        names = list(instance.groups)
        out.write(",".join(["applicant_id", "lottery", *names]) + "\n")
        flags = [np.asarray(instance.groups[g]).astype(int).tolist() for g in names]
        out.writelines(",".join([f"A{a:07d}", str(lottery[a]), *(str(f[a]) for f in flags)]) + "\n"
                       for a in range(len(lottery)))
    with open(folder / "applications.csv", "w", encoding="utf-8") as out:
        out.write("applicant_id,rank,programme_id,score\n")
        columns = (np.asarray(instance.app_applicant).tolist(), np.asarray(instance.app_rank).tolist(),
                   np.asarray(instance.app_programme).tolist(), np.asarray(instance.app_score).astype(int).tolist())
        out.writelines(f"A{a:07d},{r},P{p:05d},{s}\n" for a, r, p, s in zip(*columns, strict=True))


# Starts the command and writes its wall time, CPU time and peak RSS (os.wait4) to the file argv[1]. A small
# process of its own, because a child's ru_maxrss starts from its parent's resident size at fork.
LAUNCHER = """
import json, os, subprocess, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, inherited by the command
started = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"wall": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime,
               "rss_mb": usage.ru_maxrss / 1024, "status": status}, out)
"""

CALL_COMMAND = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kompeten.settings")
import django
django.setup()
from django.core.management import call_command
from kompeten.selection.management.commands.allocate import Command
call_command(Command(), *sys.argv[1:])
"""


def allocate_command() -> list[str]:
    """`kompeten allocate` when the selection app is installed; else the same Command through call_command."""
    known = subprocess.run([str(KOMPETEN), "help", "allocate"], capture_output=True, text=True)
    if known.returncode == 0:
        return [str(KOMPETEN), "allocate"]
    print("(`kompeten allocate` is not registered yet: timing the same Command through call_command)")
    return [sys.executable, "-c", CALL_COMMAND]


def bench_cli(size: int, runs: int, seed: int) -> dict:
    instance = generate(size, seed)
    folder = OUT / f"allocation-{size}"
    stamp = folder / "stamp.txt"
    wanted = f"size={size} seed={seed} capacity={CAPACITY}\n"
    if not stamp.exists() or stamp.read_text() != wanted:
        started = time.perf_counter()
        write_csv(instance, folder)
        stamp.write_text(wanted)
        print(f"wrote {folder} in {time.perf_counter() - started:.1f} s")
    sizes = {name: (folder / name).stat().st_size / 2**20 for name in
             ("programmes.csv", "applicants.csv", "applications.csv")}
    command = [*allocate_command(), str(folder), "--out", str(folder / "result.csv"), "--time"]
    report = OUT / "allocation-cli.json"
    times, cpu, peaks = [], [], []
    for _ in range(runs):
        (folder / "result.csv").unlink(missing_ok=True)
        launched = subprocess.run([sys.executable, "-c", LAUNCHER, str(report), *command], capture_output=True,
                                  text=True, env=ONE_THREAD)
        measured = json.loads(report.read_text())
        if launched.returncode or measured["status"]:
            raise SystemExit(f"the command failed:\n{launched.stdout}{launched.stderr}")
        times.append(measured["wall"])
        cpu.append(measured["cpu"])
        peaks.append(measured["rss_mb"])
    print(launched.stdout.strip())
    expected = allocate(instance).assignment
    check_result(folder / "result.csv", expected)
    facts = {"applicants": size, "applications": int(instance.app_applicant.size), "times": times,
             "median_s": statistics.median(times), "rss_mb": max(peaks), "files_mb": sizes}
    print(f"cli     A={size:>10,}  median {facts['median_s']:.2f} s (CPU {statistics.median(cpu):.2f} s)  "
          f"runs {', '.join(f'{t:.2f}' for t in times)}  peak RSS {facts['rss_mb']:.0f} MB  "
          f"files {sum(sizes.values()):.0f} MB; result checked", flush=True)
    return facts


def check_result(path: Path, expected: np.ndarray) -> None:
    with open(path, encoding="utf-8") as handle:
        assert handle.readline() == "applicant_id,programme_id,rank\n"
        got = [int(line.split(",")[1][1:]) if line.split(",")[1] else -1 for line in handle]
    if not np.array_equal(np.array(got), expected):
        raise SystemExit("RESULT.csv differs from the engine's assignment")


# --------------------------------------------------------------------------------------------------
# The `matching` library
# --------------------------------------------------------------------------------------------------


def bench_matching(size: int, seed: int) -> dict:
    try:
        import matching
        from matching.algorithms.hospital_resident import hospital_resident
        from matching.players import Hospital, Player
    except ImportError:
        raise SystemExit("--matching needs the `matching` library: .venv/bin/pip install matching==1.4.3") from None
    instance = generate(size, seed)
    capacities = np.asarray(instance.capacities)
    started = time.perf_counter()
    hospitals = [Hospital(p, int(c)) for p, c in enumerate(capacities.tolist())]
    residents = [Player(a) for a in range(size)]
    applicant, programme = instance.app_applicant.tolist(), instance.app_programme.tolist()
    choices: list[list] = [[] for _ in range(size)]
    for a, p in zip(applicant, programme, strict=True):
        choices[a].append(hospitals[p])
    for resident, prefs in zip(residents, choices, strict=True):
        resident.set_prefs(prefs)
    # Each programme ranks its applicants by score (higher first), then lottery (smaller first).
    order = np.lexsort((np.asarray(instance.lottery)[instance.app_applicant], -instance.app_score.astype(np.float64),
                        instance.app_programme))
    ranked: list[list] = [[] for _ in capacities]
    for i in order.tolist():
        ranked[programme[i]].append(residents[applicant[i]])
    for hospital, prefs in zip(hospitals, ranked, strict=True):
        hospital.set_prefs(prefs)
    built = time.perf_counter() - started
    print(f"matching {matching.__version__}: players built in {built:.1f} s; running its algorithm once …", flush=True)
    started = time.perf_counter()
    hospital_resident([r for r in residents if r.prefs], hospitals, optimal="resident")
    theirs_s = time.perf_counter() - started
    theirs = np.array([r.matching.name if r.matching is not None else -1 for r in residents])

    times = []
    for _ in range(3):
        started = time.perf_counter()
        ours = allocate(instance).assignment
        times.append(time.perf_counter() - started)
    ours_s = statistics.median(times)
    same = bool(np.array_equal(ours, theirs))
    facts = {"applicants": size, "applications": len(applicant), "matching_s": theirs_s, "build_s": built,
             "ours_s": ours_s, "ratio": theirs_s / ours_s, "same": same}
    print(f"matching A={size:,}: its algorithm {theirs_s:.1f} s; ours {ours_s * 1000:.1f} ms (median of 3); "
          f"{facts['ratio']:,.0f} times faster; same matching: {same}", flush=True)
    if not same:
        raise SystemExit("the matchings differ")
    return facts


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return (f"{datetime.date.today()}: nproc {os.cpu_count()}, {model}, {memory / 2**20:.0f} GiB RAM, "
            f"Python {platform.python_version()}, NumPy {np.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000,10000000", help="Applicant counts for the engine.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cli-size", type=int, default=1_000_000, help="0 to skip the CLI benchmark.")
    parser.add_argument("--matching", action="store_true", help="Compare with the `matching` library.")
    parser.add_argument("--matching-size", type=int, default=100_000)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.runs)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    print(machine(), flush=True)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    if sizes:
        bench_engine(sizes, args.runs, args.seed)
    if args.cli_size:
        bench_cli(args.cli_size, args.runs, args.seed)
    if args.matching:
        bench_matching(args.matching_size, args.seed)


if __name__ == "__main__":
    main()
