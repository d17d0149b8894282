"""Benchmark: the reporting summary tables and the dashboards over 1,000,000 persons (kompeten.reporting).

    .venv/bin/python bench/reporting.py [--persons 1000000] [--applications 2000000] [--enrolments 300000]
                                        [--certificates 500000] [--batches 900] [--runs 3] [--rebuild-runs 3]
                                        [--requests 30] [--regenerate] [--skip-rebuild] [--drop]

Database: PostgreSQL only — a database of its own, ``kompeten_bench_reporting`` on 127.0.0.1:5432, user postgres
(trust auth; override with --postgres URL), created if missing and migrated, with the reference data
(``load_all``). Nothing else is touched. --drop removes the database at the end.

Data (seeded, deterministic, generated once and kept; --regenerate makes it again): the 2025 programme year as it
stands on 15 September 2025 (TODAY), with the 2024 year as history, at the two centres of the reference data:

- one training package per vocation and centre (the vocations each centre offers; the others shared out), each with
  a certification scheme; --batches classes, a third in 2024 and two thirds in 2025, in five selection windows a
  year (at the default size 730 of 900 completed or closed, 82 running, 88 open: the last 2025 round is still open);
- --persons job seekers registered 2024-01-01 .. TODAY (ids in registration order), regency/city by the 2025
  population of each (3 % from outside the province), ages 18-55 skewed young, 56 % men, education as the jobs
  benchmark, 2 % with a disability, 12 % declaring earlier training (3 % with a PriorTraining row);
- --applications applications (exactly) to the rounds open after each person registered (most apply in the first
  round after registering), 1-3 ranked choices of the round's batches; statuses admitted / not_admitted / ineligible
  / withdrawn, submitted in the open round;
- --enrolments enrolments (exactly; at most one a person and year) in the started batches of the round applied to,
  each with the accepted offer (plus 12 % more offers declined or expired); completed 80 % / not_completed 11 % /
  withdrawn 9 % in completed batches, enrolled 92 % / withdrawn 8 % in running ones;
- assessments: one event per completed batch (92 % of its completers assessed, 88 % K) and fortnightly RPL events
  per scheme, so that exactly --certificates competency certificates are issued (LSP issuer and signing key rows,
  unique number / public code / status index, plausible dummy QR digits; 0.5 % revoked, 0.3 % suspended);
- apprenticeship placements (1.5 % of persons, after a completed training) and job outcomes (8 %);
- targets for 2025, a province admin and an operator of BLKI Balikpapan.

Written with COPY (text format), then ANALYZE. Then, in this order, each in a fresh process pinned to one CPU:

1. --rebuild-runs times ``refresh.rebuild()`` (wall, CPU of the process, peak RSS, facts and cells), each
   committed, followed by VACUUM ANALYZE of the summary tables (not timed); --skip-rebuild keeps the tables;
2. --runs measuring runs: ``Figures(2025)`` (load, all breakdowns, targets) for the province and for one centre;
   the dashboard page through django.test.Client as the province admin and as the operator (--requests requests
   each after a first one: p50 / p95 / max; the queries of one request); the drill-down list (five kinds of
   number, --requests requests in turn); the monthly report as PDF and as XLSX (August 2025, twice each);
   ``forecast(2025)``; ``refresh_stale()`` of 100, 1,000 and 10,000 stale persons and a dashboard request with
   1,000 stale persons — each inside a transaction rolled back, so that every run sees the same data.

Prints each run and the medians over the runs. Goals (issue 9): dashboard p95 under 300 ms and the monthly report
built in under 10 s at this size on PostgreSQL. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime
import itertools
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DATA = ROOT / "kompeten" / "reference" / "data"
POSTGRES = "postgres://postgres@127.0.0.1:5432/kompeten_bench_reporting"
SEED = 20250915
TODAY = datetime.date(2025, 9, 15)
REGISTRATION_START = datetime.date(2024, 1, 1)
YEAR = 2025
REPORT_MONTH = 8  # the monthly report measured: August 2025, the last whole month before TODAY
ADMIN_EMAIL = "admin@bench.kompeten"
OPERATOR_EMAIL = "operator.balikpapan@bench.kompeten"
BALIKPAPAN, BONTANG = "blki_balikpapan", "blki_bontang"
BONTANG_REGENCIES = {"64.74", "64.08", "64.03"}
EDUCATION = [("TS", 0.01), ("BTSD", 0.01), ("SD", 0.08), ("SMP", 0.12), ("SMA", 0.30), ("SMK", 0.28), ("D3", 0.07),
             ("S1", 0.13)]
AGES = [((18, 24), 0.45), ((25, 34), 0.30), ((35, 44), 0.17), ((45, 55), 0.08)]
D = datetime.date
# Batch start windows of each year (Mondays in [start, end)); one selection round each, closing two weeks before.
WINDOWS = {
    2024: [(D(2024, 2, 5), D(2024, 4, 1)), (D(2024, 4, 1), D(2024, 6, 3)), (D(2024, 6, 3), D(2024, 8, 5)),
           (D(2024, 8, 5), D(2024, 10, 7)), (D(2024, 10, 7), D(2024, 11, 11))],
    2025: [(D(2025, 1, 13), D(2025, 3, 3)), (D(2025, 3, 3), D(2025, 5, 5)), (D(2025, 5, 5), D(2025, 7, 7)),
           (D(2025, 7, 7), D(2025, 9, 15)), (D(2025, 10, 6), D(2025, 11, 17))],
}
OFFSET = "+08"  # Asia/Makassar, the settings' TIME_ZONE: local days are the days written
COPY_LINES = 20_000


def setup_django(url: str) -> None:
    (OUT / "var" / "static").mkdir(parents=True, exist_ok=True)  # (whitenoise warns without it)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "kompeten.settings", "DATABASE_URL": url, "KOMPETEN_VAR_DIR": str(OUT / "var"),
        "KOMPETEN_HTTPS": "0", "KOMPETEN_MANIFEST_STATIC": "0", "OPENBLAS_NUM_THREADS": "1",
    })
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def create_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    print(f"dropped database {name}")


def vacuum_summary_tables(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE reporting_fact, reporting_cell, reporting_staleperson")


# --- generating -----------------------------------------------------------------------------------


def _regions():
    weights = {}
    with open(DATA / "kaltim_regency_stats.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["code"].count(".") == 1 and row["population_total_2025"]:
                weights[row["code"]] = int(row["population_total_2025"])
    villages: dict[str, list[str]] = {}
    with open(DATA / "kaltim_regions.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "village" and row["code"][:5] in weights:
                villages.setdefault(row["code"][:5], []).append(row["code"])
    regencies = sorted(r for r in weights if r in villages)
    return regencies, [weights[r] for r in regencies], villages


class Days:
    """ISO strings of day ordinals, cached (a few hundred distinct days)."""

    def __init__(self):
        self._cache: dict[int, str] = {}

    def __call__(self, ordinal: int) -> str:
        text = self._cache.get(ordinal)
        if text is None:
            text = self._cache[ordinal] = datetime.date.fromordinal(int(ordinal)).isoformat()
        return text

    def at(self, ordinal: int, seconds: int) -> str:
        seconds = int(seconds)
        return f"{self(ordinal)} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{OFFSET}"


def _copy(connection, table: str, columns: list[str], rows) -> int:
    """COPY rows (dicts of str by column; "\\N" for NULL) into ``table``; returns the rows written. The columns
    written are the model's ``columns`` the rows have: a column added to the model since this script was written
    is left to its default (and named, in case it has none)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    missing = [c for c in columns if c not in first]
    if missing:
        print(f"note: {table}: not written (default or NULL): {', '.join(missing)}", file=sys.stderr)
    columns = [c for c in columns if c in first]
    raw = connection.connection
    count = 0
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        buffer = []
        for row in itertools.chain([first], rows):
            buffer.append("\t".join([row[c] for c in columns]))
            if len(buffer) >= COPY_LINES:
                copy.write("\n".join(buffer) + "\n")
                count += len(buffer)
                buffer.clear()
        if buffer:
            copy.write("\n".join(buffer) + "\n")
            count += len(buffer)
    return count


def _columns(model, *skip: str) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if f.column not in skip]


def _ordered(values: dict, columns: list[str]) -> dict:
    """A row for ``_copy`` (which picks the columns): checks that it names no column the model lacks."""
    if len(values) > len(columns):
        raise ValueError(f"not columns of the model: {sorted(set(values) - set(columns))}")
    return values


N = "\\N"


def _b(value: bool) -> str:
    return "t" if value else "f"


def generate(options) -> dict:  # noqa: C901, PLR0912, PLR0915 (one straight script, in the order of the tables)
    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction

    from kompeten.accounts.models import Membership, Role, User
    from kompeten.apprenticeships.models import Company, Placement
    from kompeten.apprenticeships.models import Offer as ApprenticeshipOffer
    from kompeten.assessment.models import Assessment, AssessmentEvent, Lsp, LspType, Scheme, Tuk
    from kompeten.certificates.models import Certificate, Issuer, NumberCounter, SigningKey
    from kompeten.jobs.models import Outcome
    from kompeten.programmes.models import Batch, ProgrammeYear, Target, TrainingCentre, TrainingPackage, Vocation
    from kompeten.reference.loader import load_all
    from kompeten.reference.models import Kbji
    from kompeten.registry.models import Person, PriorTraining
    from kompeten.registry.nik import make_nik
    from kompeten.selection.models import Application, Choice, Offer, RoundBatch, SelectionRound
    from kompeten.training.models import Enrolment

    started_all = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    load_all()
    print(f"migrated and loaded the reference data in {time.perf_counter() - started_all:.1f} s")
    with connection.cursor() as cursor:  # everything this script makes (CASCADE: what refers to it too)
        cursor.execute("TRUNCATE registry_person, accounts_user, programmes_programmeyear, "
                       "programmes_trainingpackage, assessment_scheme, assessment_lsp, certificates_issuer, "
                       "apprenticeships_company, reporting_fact, reporting_cell, reporting_staleperson, "
                       "reporting_reportstate RESTART IDENTITY CASCADE")

    rng = random.Random(SEED)
    gen = np.random.default_rng(SEED)
    days = Days()
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}
    today = TODAY.toordinal()

    # --- the programme: years, schemes, packages, batches, rounds ------------------------------------
    step = time.perf_counter()
    centres = {c.code: c for c in TrainingCentre.objects.filter(code__in=[BALIKPAPAN, BONTANG])}
    years = {y: ProgrammeYear.objects.create(year=y, name=f"Program Pelatihan {y} (bench)") for y in WINDOWS}
    vocations = list(Vocation.objects.order_by("code").prefetch_related("centres"))
    schemes = {}
    for vocation in vocations:
        schemes[vocation.pk] = Scheme.objects.create(
            code=f"BENCH.{vocation.code.upper()}"[:60], title=f"Skema {vocation.name}", sector_id=vocation.sector_id,
            validity_months=36)
    packages = []
    unoffered = 0
    for vocation in vocations:
        at = sorted(c.code for c in vocation.centres.all() if c.code in centres)
        if not at:
            at = [(BALIKPAPAN, BONTANG)[unoffered % 2]]
            unoffered += 1
        for code in at:
            packages.append(TrainingPackage.objects.create(
                centre=centres[code], vocation=vocation, code=vocation.code, name=vocation.name,
                hours=vocation.typical_hours or 160, class_size=16, scheme=schemes[vocation.pk], min_age=17,
                max_age=45))
    popularity = [1 / (rank + 1) ** 0.7 for rank in range(len(packages))]
    rng.shuffle(popularity)

    # Rounds: one per window, in order of closing.
    rounds = []  # dicts: year, opens, closes, results (ordinals), open (bool), batches (indexes)
    for year, windows in WINDOWS.items():
        share = [((end - start).days + 6) // 7 for start, end in windows]
        year_batches = round(options.batches / 3) if year == 2024 else options.batches - round(options.batches / 3)
        per_window = [round(year_batches * s / sum(share)) for s in share]
        per_window[-1] = year_batches - sum(per_window[:-1])
        for number, ((start, end), count) in enumerate(zip(windows, per_window, strict=True), start=1):
            first = start.toordinal()
            rounds.append({"year": year, "number": number, "start": first, "end": end.toordinal(),
                           "opens": first - 42, "closes": first - 14, "results": first - 9,
                           "open": first - 14 > today, "count": count, "batches": []})
    rounds.sort(key=lambda r: r["closes"])
    batches = []  # dicts: round, package, start, end, status
    for index, round_ in enumerate(rounds):
        mondays = list(range(round_["start"], round_["end"], 7))
        for number in range(round_["count"]):
            package = rng.choices(packages, popularity)[0]
            start = mondays[number * len(mondays) // round_["count"]]
            weeks = min(12, max(2, round(package.hours / 32)))
            end = min(start + 7 * weeks - 3, D(round_["year"], 12, 19).toordinal())
            if end < today:
                status = "closed" if end < today - 60 and rng.random() < 0.5 else "completed"
            elif start <= today:
                status = "running"
            else:
                status = "open" if round_["open"] else "selecting"
            round_["batches"].append(len(batches))
            batches.append({"round": index, "year": round_["year"], "package": package, "start": start, "end": end,
                            "status": status})
    started = lambda b: batches[b]["start"] <= today  # noqa: E731
    timings["programme"] = time.perf_counter() - step

    # --- persons -------------------------------------------------------------------------------------
    step = time.perf_counter()
    persons = options.persons
    regencies, regency_weights, villages = _regions()
    span = today - REGISTRATION_START.toordinal() + 1
    moments = np.sort(gen.integers(0, span, persons) * 86400 + gen.integers(7 * 3600, 21 * 3600, persons))
    reg_day = (moments // 86400 + REGISTRATION_START.toordinal()).astype(np.int64)  # index 0 = person 1
    reg_sec = (moments % 86400).astype(np.int64)
    outside = gen.random(persons) < 0.03
    regency_index = gen.choice(len(regencies), persons, p=np.array(regency_weights) / sum(regency_weights))
    sexes = np.where(gen.random(persons) < 0.56, "L", "P")
    education_codes = [code for code, _share in EDUCATION]
    education = gen.choice(len(EDUCATION), persons, p=[share for _code, share in EDUCATION])
    age_band = gen.choice(len(AGES), persons, p=[share for _band, share in AGES])
    disability = gen.random(persons) < 0.02
    declared = gen.random(persons) < 0.12
    centre_draw = gen.random(persons)
    source_draw = gen.random(persons)
    birth = np.zeros(persons, dtype=np.int64)
    niks: list[str] = [""] * persons
    serials: dict[tuple, int] = {}
    kinds = ["physical", "sensory", "intellectual", "mental", "multiple"]
    person_columns = _columns(Person)
    centre_ids = {code: centres[code].pk for code in centres}

    def person_rows():
        for i in range(persons):
            pid = i + 1
            regency = regencies[regency_index[i]]
            village = None if outside[i] else rng.choice(villages[regency])
            district = "63.71.01" if outside[i] else village[:8]
            low, high = AGES[age_band[i]][0]
            age = rng.randint(low, high)
            registered = datetime.date.fromordinal(int(reg_day[i]))
            born = datetime.date(registered.year - age - 1, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            birth[i] = born.toordinal()
            sex = str(sexes[i])
            key = (district, born, sex)
            serial = serials[key] = serials.get(key, 0) + 1
            niks[i] = nik = make_nik(district, born, sex, serial)
            centre = N
            if not outside[i] and centre_draw[i] < 0.65:
                centre = str(centre_ids[BONTANG if regency in BONTANG_REGENCIES else BALIKPAPAN])
            stamp = days.at(reg_day[i], reg_sec[i])
            values = {
                "id": str(pid), "nik": nik, "full_name": f"Peserta {pid}", "sex": sex, "birth_place": "",
                "birth_date": born.isoformat(), "phone": "", "email": "", "street": "", "rt": "", "rw": "",
                "village_id": village or N, "education_id": education_codes[education[i]], "major": "",
                "disability": _b(disability[i]), "disability_kind": rng.choice(kinds) if disability[i] else "",
                "employment_status": "unemployed", "ak1_number": "", "ak1_expires": N, "ak1_closed_on": N,
                "declared_prior_training": _b(declared[i]), "nik_warnings": "[]", "nik_confirmed_by_id": N,
                "nik_confirmed_at": N, "user_id": N, "registered_centre_id": centre,
                "source": "self" if source_draw[i] < 0.5 else "operator" if source_draw[i] < 0.85 else "import",
                "created_at": stamp, "updated_at": stamp,
            }
            yield _ordered(values, person_columns)

    with transaction.atomic():
        counts["persons"] = _copy(connection, Person._meta.db_table, person_columns, person_rows())
        prior_columns = _columns(PriorTraining, "id")
        prior = np.flatnonzero(gen.random(persons) < 0.03) + 1
        counts["prior_trainings"] = _copy(connection, PriorTraining._meta.db_table, prior_columns, (
            _ordered({"person_id": str(pid), "source": rng.choice(["blk", "lpk", "company", "online", "other"]),
                      "year": str(rng.randint(2015, 2023)), "institution": "LPK Bench", "vocation": "Pelatihan",
                      "certificate": "", "declared": "t",
                      "created_at": days.at(reg_day[pid - 1], reg_sec[pid - 1])}, prior_columns)
            for pid in prior.tolist()))
    timings["persons"] = time.perf_counter() - step
    print(f"{counts['persons']:,} persons in {timings['persons']:.0f} s", flush=True)

    # --- applications: how many a person, to which rounds ---------------------------------------------
    step = time.perf_counter()
    closes = np.array([r["closes"] for r in rounds])
    first_round = np.searchsorted(closes, reg_day, side="left")  # rounds closing on or after registration
    eligible_rounds = len(rounds) - first_round
    target = options.applications
    wants = gen.random(persons) >= 0.10
    extra = np.maximum(eligible_rounds - 1, 0)
    p = min(1.0, max(0.0, (target / 0.9 - persons) / max(1, int(extra.sum()))))
    k = np.where(wants, 1 + gen.binomial(extra, p), 0)
    k = np.minimum(k, eligible_rounds)
    while (difference := target - int(k.sum())) != 0:  # exactly ``target``: one more / less for random persons
        room = np.flatnonzero(k < eligible_rounds) if difference > 0 else np.flatnonzero(k > 0)
        picked = gen.choice(room, min(abs(difference), len(room)), replace=False)
        k[picked] += 1 if difference > 0 else -1
    app_person, app_round = [], []
    for i in np.flatnonzero(k).tolist():
        first, n = int(first_round[i]), int(k[i])
        rest = list(range(first + 1, len(rounds)))
        if rng.random() < 0.85 or not rest:
            chosen = [first, *rng.sample(rest, n - 1)]
        else:
            chosen = rng.sample(range(first, len(rounds)), n)
        chosen.sort()
        app_person += [i + 1] * n
        app_round += chosen
    app_person = np.array(app_person, dtype=np.int64)
    app_round = np.array(app_round, dtype=np.int64)
    apps = len(app_person)
    round_open = np.array([r["opens"] for r in rounds])[app_round]
    round_close = np.minimum(closes[app_round], today)
    person_day = reg_day[app_person - 1]
    low_day = np.maximum(round_open, person_day)
    submit_day = low_day + (gen.random(apps) * (round_close - low_day + 1)).astype(np.int64)
    submit_sec = np.where(submit_day == person_day, np.maximum(reg_sec[app_person - 1] + 60, 8 * 3600),
                          gen.integers(8 * 3600, 22 * 3600, apps))
    submit_sec = np.minimum(submit_sec, 86399)

    # Enrolments: exactly --enrolments applications of closed rounds with a started batch, one a person and year.
    is_open = np.array([r["open"] for r in rounds])
    has_started = np.array([any(started(b) for b in r["batches"]) for r in rounds])
    candidates = np.flatnonzero(~is_open[app_round] & has_started[app_round])
    year_of_round = np.array([r["year"] for r in rounds])
    order = gen.permutation(candidates)
    keys = app_person[order] * 4 + (year_of_round[app_round[order]] - 2024)
    _unique, first_seen = np.unique(keys, return_index=True)
    first_seen.sort()
    enrolled_apps = order[first_seen[:options.enrolments]]
    if len(enrolled_apps) < options.enrolments:
        print(f"note: only {len(enrolled_apps):,} applications can become enrolments", file=sys.stderr)
    enrolled_apps.sort()
    started_of_round = [[b for b in r["batches"] if started(b)] for r in rounds]
    enrol_batch = np.empty(len(enrolled_apps), dtype=np.int64)
    for index, members in enumerate(started_of_round):
        mask = app_round[enrolled_apps] == index
        if mask.any():
            enrol_batch[mask] = np.array(members)[gen.integers(0, len(members), int(mask.sum()))]
    offered = dict(zip(enrolled_apps.tolist(), enrol_batch.tolist(), strict=True))
    declined_pool = np.setdiff1d(candidates, enrolled_apps)
    declined = gen.choice(declined_pool, min(len(declined_pool), int(0.12 * len(enrolled_apps))), replace=False)
    declined_set = set(declined.tolist())
    timings["plan_applications"] = time.perf_counter() - step

    # Applications and their choices; offers.
    step = time.perf_counter()
    application_columns = _columns(Application)
    choice_columns = _columns(Choice, "id")
    status_draw = gen.random(apps)
    choice_draw = gen.random(apps)
    declined_batch: dict[int, int] = {}

    def application_rows():
        for a in range(apps):
            r = int(app_round[a])
            if a in offered or a in declined_set:
                status = "admitted"
            elif is_open[r]:
                status = "submitted" if status_draw[a] < 0.95 else "withdrawn"
            else:
                s = status_draw[a]
                status = "not_admitted" if s < 0.55 else "ineligible" if s < 0.88 else "withdrawn"
            values = {
                "id": str(a + 1), "public_ref": f"{(a + 1) * 0x9E3779B1 % (1 << 48):012X}", "round_id": "",
                "person_id": str(int(app_person[a])), "status": status,
                "submitted_at": days.at(submit_day[a], submit_sec[a]), "documents_ok": N, "documents_by_id": N,
                "documents_at": N, "test_score": N, "test_by_id": N, "test_at": N, "interview_score": N,
                "interview_by_id": N, "interview_at": N, "lottery": "", "assigned_choice_id": N,
                "seat_category": "", "groups": "[]"}
            values["round_id"] = str(rounds[r]["id"])
            yield _ordered(values, application_columns)

    def choice_rows():
        for a in range(apps):
            members = rounds[int(app_round[a])]["batches"]
            c = choice_draw[a]
            n = min(len(members), 1 if c < 0.40 else 2 if c < 0.75 else 3)
            picks = rng.sample(members, n)
            wanted = offered.get(a)
            if a in declined_set:
                declined_batch[a] = picks[0]
            elif wanted is not None:
                if wanted in picks:
                    picks.remove(wanted)
                else:
                    picks.pop()
                picks.insert(0 if n == 1 or rng.random() < 0.75 else 1, wanted)
            eligible = _b(status_draw[a] < 0.55 or a in offered or a in declined_set or is_open[app_round[a]])
            for rank, b in enumerate(picks, start=1):
                yield _ordered({"application_id": str(a + 1), "rank": str(rank), "batch_id": str(batches[b]["id"]),
                                "eligible": eligible, "ineligible_reasons": "[]" if eligible == "t" else '["age"]',
                                "priority": "[]"}, choice_columns)

    # The ORM rows the big tables refer to: batches and rounds (with their ids), the LSP, issuer and key.
    with transaction.atomic():
        numbers: dict[tuple, int] = defaultdict(int)
        objects = []
        enrolled_per_batch = np.bincount(enrol_batch, minlength=len(batches))
        for index, b in enumerate(sorted(range(len(batches)), key=lambda b: (batches[b]["start"], b))):
            batch = batches[b]
            numbers[(batch["package"].pk, batch["year"])] += 1
            objects.append(Batch(
                programme_year=years[batch["year"]], centre=batch["package"].centre, package=batch["package"],
                number=numbers[(batch["package"].pk, batch["year"])],
                start_date=datetime.date.fromordinal(batch["start"]), end_date=datetime.date.fromordinal(batch["end"]),
                capacity=max(16, int(enrolled_per_batch[b])), instructors="Instruktur Bench",
                location=f"Workshop {index % 7 + 1}", status=batch["status"]))
            batch["object"] = objects[-1]
        Batch.objects.bulk_create(objects, batch_size=1000)
        for batch in batches:
            batch["id"] = batch.pop("object").pk
        zone = datetime.timezone(datetime.timedelta(hours=8))

        def at(ordinal, hour):
            return datetime.datetime.combine(datetime.date.fromordinal(ordinal), datetime.time(hour), zone)

        for round_ in rounds:
            created = SelectionRound.objects.create(
                programme_year=years[round_["year"]], name=f"Seleksi {round_['year']} gelombang {round_['number']}",
                opens_at=at(round_["opens"], 8), closes_at=at(round_["closes"], 23),
                results_at=at(round_["results"], 10),
                rules=["never_trained", "domicile", "unemployed_longer"],
                status="open" if round_["open"] else "finished", seed="", seed_hash="")
            created.centres.set(list(centres.values()))
            RoundBatch.objects.bulk_create([RoundBatch(round=created, batch_id=batches[b]["id"],
                                                       seats=max(16, int(enrolled_per_batch[b])))
                                            for b in round_["batches"]])
            round_["id"] = created.pk
        lsp = Lsp.objects.create(code="lsp-bench-kaltim", name="LSP P2 BLKI Kalimantan Timur (bench)",
                                 lsp_type=LspType.P2, centre=centres[BALIKPAPAN],
                                 licensed_from=D(2023, 1, 1), licensed_until=D(2027, 12, 31))
        lsp.schemes.set(list(schemes.values()))
        tuks = {code: Tuk.objects.create(lsp=lsp, code=f"tuk-{code}", name=f"TUK {centre.short_name}",
                                         centre=centre) for code, centre in centres.items()}
        issuer = Issuer.objects.create(code="lsp-bench", name=lsp.name, kind="lsp", lsp=lsp,
                                       iss="https://bench.kompeten/lsp", number_prefix="LSP-BLKI-KT",
                                       number_pattern="{issuer}/{year}/{seq:06d}")
        key = SigningKey.objects.create(issuer=issuer, purpose="certificate", kid="YmVuY2gtbHNwLWtleS0x",
                                        public_key="QkVOQ0gtUFVCTElDLUtFWS1OT1QtQS1SRUFMLUtFWS0wMQ",
                                        not_before=datetime.datetime(2023, 12, 1, tzinfo=datetime.UTC))

    with transaction.atomic():
        counts["applications"] = _copy(connection, Application._meta.db_table, application_columns,
                                       application_rows())
        counts["choices"] = _copy(connection, Choice._meta.db_table, choice_columns, choice_rows())
        offer_columns = _columns(Offer, "id")
        offer_draw = gen.random(len(enrolled_apps) + len(declined_set))

        def offer_rows():
            for n, (a, b) in enumerate([*offered.items(), *sorted(declined_batch.items())]):
                round_ = rounds[int(app_round[a])]
                accepted = a in offered
                status = "accepted" if accepted else "declined" if offer_draw[n] < 0.6 else "expired"
                yield _ordered({
                    "application_id": str(a + 1), "batch_id": str(batches[b]["id"]), "status": status,
                    "from_reserve_list": "f", "created_at": days.at(round_["results"], 36000),
                    "expires_at": days.at(round_["results"] + 3, 57600),
                    "answered_at": N if status == "expired" else days.at(round_["results"] + 1, 43200)},
                    offer_columns)

        counts["offers"] = _copy(connection, Offer._meta.db_table, offer_columns, offer_rows())
    timings["applications"] = time.perf_counter() - step
    print(f"{counts['applications']:,} applications, {counts['choices']:,} choices, {counts['offers']:,} offers "
          f"in {timings['applications'] + timings['plan_applications']:.0f} s", flush=True)

    # --- enrolments ----------------------------------------------------------------------------------
    step = time.perf_counter()
    enrolment_columns = _columns(Enrolment)
    enrol_status = []
    draw = gen.random(len(enrolled_apps))
    for n, b in enumerate(enrol_batch.tolist()):
        if batches[b]["end"] < today:
            enrol_status.append("completed" if draw[n] < 0.80 else "not_completed" if draw[n] < 0.91 else "withdrawn")
        else:
            enrol_status.append("enrolled" if draw[n] < 0.92 else "withdrawn")

    def enrolment_rows():
        for n, a in enumerate(enrolled_apps.tolist()):
            b = int(enrol_batch[n])
            batch, status = batches[b], enrol_status[n]
            finished = status in ("completed", "not_completed")
            yield _ordered({
                "id": str(n + 1), "batch_id": str(batch["id"]), "person_id": str(int(app_person[a])),
                "status": status, "source": "selection",
                "enrolled_at": days.at(rounds[batch["round"]]["results"] + 2, 32400), "enrolled_by_id": N,
                "final_test_passed": ("t" if status == "completed" else "f") if finished else N,
                "attendance_percent": (f"{rng.uniform(82, 100):.1f}" if status == "completed"
                                       else f"{rng.uniform(40, 79):.1f}") if finished else N,
                "outcome_reason": rng.choice(["attendance", "final_test", "found_work"])
                if status == "not_completed" else "",
                "outcome_note": "", "completed_at": days.at(batch["end"], 57600) if finished else N,
            }, enrolment_columns)

    with transaction.atomic():
        counts["enrolments"] = _copy(connection, Enrolment._meta.db_table, enrolment_columns, enrolment_rows())
    timings["enrolments"] = time.perf_counter() - step

    # --- assessments and certificates ----------------------------------------------------------------
    step = time.perf_counter()
    events = []  # dicts: scheme, centre, date, issue (ordinals), batch or None

    def event_status(day: int) -> str:
        return "completed" if day <= today - 7 else "planned"

    completed_by_batch = defaultdict(list)
    for n, status in enumerate(enrol_status):
        if status == "completed":
            completed_by_batch[int(enrol_batch[n])].append(n)
    for b in sorted(completed_by_batch):
        batch = batches[b]
        day = batch["end"] + 10
        events.append({"scheme": batch["package"].scheme_id, "centre": batch["package"].centre.code, "date": day,
                       "issue": day + rng.randint(7, 21), "batch": b})
    scheme_centre = {}
    for package in packages:
        scheme_centre.setdefault(package.scheme_id, package.centre.code)
    first_rpl = D(2024, 1, 15).toordinal()
    for offset, scheme_id in enumerate(sorted(scheme_centre)):
        for day in range(first_rpl + offset % 14, today - 2, 14):
            events.append({"scheme": scheme_id, "centre": scheme_centre[scheme_id], "date": day,
                           "issue": day + rng.randint(7, 21), "batch": None})
    event_objects = [AssessmentEvent(
        lsp=lsp, scheme_id=e["scheme"], tuk=tuks[e["centre"]], centre=centres[e["centre"]],
        date=datetime.date.fromordinal(e["date"]), status=event_status(e["date"])) for e in events]
    AssessmentEvent.objects.bulk_create(event_objects, batch_size=1000)
    for event, made in zip(events, event_objects, strict=True):
        event["id"] = made.pk

    # Training route: 92 % of a completed batch's completers; decided a week after the event.
    assessments = []  # (event index, person, enrolment id or None, status, decision, certified)
    certified_training = 0
    for index, event in enumerate(events):
        if event["batch"] is None:
            continue
        for n in completed_by_batch[event["batch"]]:
            if rng.random() >= 0.92:
                continue
            person = int(app_person[int(enrolled_apps[n])])
            if event["date"] > today:
                assessments.append((index, person, n + 1, "registered", "", False))
            elif rng.random() < 0.03:
                assessments.append((index, person, n + 1, "absent", "", False))
            else:
                decision = "K" if rng.random() < 0.88 else "BK"
                decided = event["date"] <= today - 7
                certify = (decided and decision == "K" and event["issue"] <= today
                           and certified_training < options.certificates)
                certified_training += certify
                assessments.append((index, person, n + 1, "approved" if decided else "assessed", decision, certify))
    # RPL: candidates in proportion to the persons registered by each event, exactly the remaining certificates.
    wanted = options.certificates - certified_training
    rpl = [i for i, e in enumerate(events) if e["batch"] is None]
    pool = np.array([int(np.searchsorted(reg_day, events[i]["date"] - 3, side="right")) for i in rpl])
    can_certify = np.array([events[i]["issue"] <= today and events[i]["date"] <= today - 7 for i in rpl])
    share = pool[can_certify].sum() / max(1, pool.sum())
    total = int(wanted / 0.85 / max(share, 1e-9)) + 1
    sizes = gen.multinomial(total, pool / pool.sum()) if pool.sum() else np.zeros(len(rpl), dtype=np.int64)
    rpl_candidates = []  # (event index, person)
    for i, size, limit in zip(rpl, sizes.tolist(), pool.tolist(), strict=True):
        if size and limit:
            for person in np.unique(gen.integers(1, limit + 1, size)).tolist():
                rpl_candidates.append((i, person))
    certifiable = [c for c, (i, _p) in enumerate(rpl_candidates)
                   if events[i]["issue"] <= today and events[i]["date"] <= today - 7]
    if len(certifiable) < wanted:
        print(f"note: only {len(certifiable):,} RPL candidates can be certified ({wanted:,} wanted)", file=sys.stderr)
    chosen = set(gen.choice(len(certifiable), min(wanted, len(certifiable)), replace=False).tolist())
    chosen = {certifiable[c] for c in chosen}
    for c, (i, person) in enumerate(rpl_candidates):
        day = events[i]["date"]
        if c in chosen:
            assessments.append((i, person, None, "approved", "K", True))
        elif day > today - 7:
            assessments.append((i, person, None, "assessed", "K" if rng.random() < 0.85 else "BK", False))
        elif events[i]["issue"] > today and rng.random() < 0.85:
            assessments.append((i, person, None, "approved", "K", False))  # decided, certificate not issued yet
        elif rng.random() < 0.7:
            assessments.append((i, person, None, "approved", "BK", False))
        else:
            assessments.append((i, person, None, "absent", "", False))
    assessment_columns = _columns(Assessment)

    def assessment_rows():
        for n, (i, person, enrolment, status, decision, _certified) in enumerate(assessments):
            event = events[i]
            decided = status == "approved"
            yield _ordered({
                "id": str(n + 1), "event_id": str(event["id"]), "person_id": str(person),
                "route": "training" if enrolment else "rpl", "enrolment_id": str(enrolment) if enrolment else N,
                "work_experience": "" if enrolment else "Pengalaman kerja 2 tahun", "previous_id": N,
                "attempt": "1", "assessor_id": N, "apl01_at": days.at(event["date"] - 14, 36000), "apl01_data": "{}",
                "apl02_at": days.at(event["date"] - 10, 36000), "ak01_at": days.at(event["date"], 28800),
                "ak01_by_id": N, "status": status,
                "submitted_at": days.at(event["date"], 61200) if status in ("assessed", "approved") else N,
                "decision": decision if status in ("assessed", "approved") else "",
                "decided_at": days.at(event["date"] + 3, 36000) if decided else N, "decided_by_id": N,
                "created_at": days.at(event["date"] - 14, 36000)}, assessment_columns)

    with transaction.atomic():
        counts["assessment_events"] = len(events)
        counts["assessments"] = _copy(connection, Assessment._meta.db_table, assessment_columns, assessment_rows())
    timings["assessments"] = time.perf_counter() - step

    step = time.perf_counter()
    certified = sorted(((events[i]["issue"], n) for n, (i, _p, _e, _s, _d, c) in enumerate(assessments) if c))
    scheme_rows = {s.pk: s for s in schemes.values()}
    certificate_columns = _columns(Certificate)
    digits = "".join(str(rng.randrange(10)) for _ in range(680))
    status_draw = gen.random(len(certified))
    sequence: dict[int, int] = defaultdict(int)

    def certificate_rows():
        for n, (issue, a) in enumerate(certified):
            i, person, _enrolment, _status, _decision, _certify = assessments[a]
            event = events[i]
            day = datetime.date.fromordinal(issue)
            sequence[day.year] += 1
            cid = n + 1
            scheme = scheme_rows[event["scheme"]]
            s = status_draw[n]
            status = "revoked" if s < 0.005 else "suspended" if s < 0.008 else "active"
            yield _ordered({
                "id": str(cid), "kind": "competency", "issuer_id": str(issuer.pk), "key_id": str(key.pk),
                "number": f"LSP-BLKI-KT/{day.year}/{sequence[day.year]:06d}", "year": str(day.year),
                "seq": str(sequence[day.year]), "public_code": f"{cid * 0x9E3779B97F4A7C15 % (1 << 64):016X}",
                "person_id": str(person), "enrolment_id": N, "assessment_id": str(a + 1), "placement_id": N,
                "holder_name": f"Peserta {person}", "holder_birth_date": days(birth[person - 1]),
                "holder_id": niks[person - 1], "title": scheme.title, "scheme_code": scheme.code, "units": "[]",
                "kkni_level": N, "issuer_name": issuer.name, "centre_name": centres[event["centre"]].name,
                "issued_at": days.at(issue, 36000), "issued_on": days(issue),
                "valid_until": days(issue + 3 * 365), "qr_digits": f"{digits}{cid:020d}", "status": status,
                "status_reason": "" if status == "active" else "Bench", "status_changed_at": N
                if status == "active" else days.at(min(today, issue + 30), 36000),
                "status_index": str(cid - 1), "replaced_by_id": N, "issued_by_id": N, "job_id": N}, certificate_columns)

    with transaction.atomic():
        counts["certificates"] = _copy(connection, Certificate._meta.db_table, certificate_columns,
                                       certificate_rows())
        Issuer.objects.filter(pk=issuer.pk).update(next_status_index=counts["certificates"])
        NumberCounter.objects.bulk_create([NumberCounter(issuer=issuer, year=y, last=n) for y, n in sequence.items()])
    timings["certificates"] = time.perf_counter() - step
    print(f"{counts['enrolments']:,} enrolments, {counts['assessments']:,} assessments, "
          f"{counts['certificates']:,} certificates in "
          f"{timings['enrolments'] + timings['assessments'] + timings['certificates']:.0f} s", flush=True)

    # --- apprenticeships and job outcomes -------------------------------------------------------------
    step = time.perf_counter()
    sectors = ["mining", "trade", "construction", "motorcycle_repair", "housekeeping", "other"]
    region = {BALIKPAPAN: "64.71", BONTANG: "64.74"}
    companies = Company.objects.bulk_create([
        Company(name=f"PT Bench Mitra {n + 1}", sector_id=sectors[n % len(sectors)],
                region_id=region[(BALIKPAPAN, BONTANG)[n % 3 == 2]], status="verified", employees=50 + 10 * n)
        for n in range(60)])
    occupation = Kbji.objects.filter(level="subgolongan").order_by("code").first()
    apprenticeship_offers = []
    month = D(2024, 3, 1)
    while month <= TODAY:
        for n in range(6):
            apprenticeship_offers.append(ApprenticeshipOffer(
                company=companies[(len(apprenticeship_offers)) % len(companies)], programme_year=years[month.year],
                title=f"Pemagangan {month:%Y-%m} {n + 1}", occupation=occupation, slots=200, start_date=month,
                months=rng.choice([3, 6]), theory_percent=25, allowance=3_000_000, status="approved",
                authority="province"))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    ApprenticeshipOffer.objects.bulk_create(apprenticeship_offers)
    starts = [o.start_date.toordinal() for o in apprenticeship_offers]
    completed = [(int(app_person[int(enrolled_apps[n])]), batches[int(enrol_batch[n])]["end"])
                 for n, status in enumerate(enrol_status) if status == "completed"]
    completed.sort()
    seen, placed = set(), []
    for person, end in completed:
        if person in seen:
            continue
        seen.add(person)
        if rng.random() < options.persons * 0.015 / max(1, len(completed)):
            at = bisect.bisect_left(starts, end + 14)
            if at < len(starts) and starts[at] <= today:
                placed.append((person, apprenticeship_offers[at + rng.randrange(min(6, len(starts) - at))]))
    placement_columns = _columns(Placement, "id")

    def placement_rows():
        for n, (person, offer) in enumerate(placed):
            start = offer.start_date
            end = (start + datetime.timedelta(days=30 * offer.months))
            stopped = rng.random() < 0.05
            status = "stopped" if stopped else "completed" if end < TODAY else "active"
            yield _ordered({
                "person_id": str(person), "offer_id": str(offer.pk), "company_id": str(offer.company_id),
                "application_id": N, "source": "direct", "previous_id": N, "mentor_id": N,
                "agreement_number": f"PKS/BENCH/{n + 1:07d}", "start_date": start.isoformat(),
                "end_date": end.isoformat(), "status": status, "status_reason": "",
                "started_on": start.isoformat(), "ended_on": end.isoformat() if status == "completed" else N,
                "signed_scan": "", "signed_scan_sha256": "", "signed_scan_uploaded_at": N, "final_passed": N,
                "final_score": N, "final_notes": "", "final_by_id": N, "final_at": N, "created_by_id": N,
                "created_at": days.at(start.toordinal() - 7, 36000)}, placement_columns)

    outcome_columns = _columns(Outcome, "id")
    surveyed = [c for c in completed if c[1] + 90 <= today]
    surveyed = [surveyed[i] for i in sorted(gen.choice(len(surveyed), min(len(surveyed), int(persons * 0.08)),
                                                       replace=False).tolist())] if surveyed else []

    def outcome_rows():
        for person, end in surveyed:
            s = rng.random()
            status = ("employed" if s < 0.45 else "self_employed" if s < 0.60 else "unemployed" if s < 0.90
                      else "studying" if s < 0.95 else "apprentice")
            yield _ordered({
                "person_id": str(person), "survey_id": N, "status": status, "employer": "", "company_id": N,
                "sector_id": N, "wage_band": "", "source": "self", "on": days(end + 90), "note": "",
                "recorded_by_id": N, "recorded_at": days.at(end + 90, 36000)}, outcome_columns)

    with transaction.atomic():
        counts["placements"] = _copy(connection, Placement._meta.db_table, placement_columns, placement_rows())
        counts["outcomes"] = _copy(connection, Outcome._meta.db_table, outcome_columns, outcome_rows())
    timings["apprenticeships_outcomes"] = time.perf_counter() - step

    # --- targets, users, sequences, statistics --------------------------------------------------------
    per_centre = defaultdict(int)
    for b in enrol_batch.tolist():
        batch = batches[b]
        if batch["year"] == YEAR:
            per_centre[batch["package"].centre_id] += 1
    Target.objects.bulk_create(
        [Target(programme_year=years[YEAR], kind="trained", centre_id=c, number=round(n * 0.9 / 100) * 100)
         for c, n in per_centre.items()]
        + [Target(programme_year=years[YEAR], kind="certified", number=round(options.certificates * 0.45, -3)),
           Target(programme_year=years[YEAR], kind="apprentices_placed", number=round(persons * 0.01, -2))]
        + [Target(programme_year=years[YEAR], kind="certified", sector_id=s, number=round(options.certificates
                                                                                          * 0.07, -3))
           for s in sectors[:5]])
    admin = User.objects.create_user(ADMIN_EMAIL, None, full_name="Admin Provinsi (bench)")
    Membership.objects.create(user=admin, role=Role.PROVINCE_ADMIN)
    operator = User.objects.create_user(OPERATOR_EMAIL, None, full_name="Operator BLKI Balikpapan (bench)")
    Membership.objects.create(user=operator, role=Role.CENTRE_OPERATOR, centre=centres[BALIKPAPAN])
    with connection.cursor() as cursor:
        for model in (Person, Application, Enrolment, Assessment, Certificate):
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM "  # noqa: S608
                           + model._meta.db_table + "))", [model._meta.db_table])
        cursor.execute("ANALYZE")
    counts["batches"] = len(batches)
    counts["rounds"] = len(rounds)
    counts["batches_by_status"] = dict(sorted(
        (s, sum(1 for b in batches if b["status"] == s)) for s in {b["status"] for b in batches}))
    counts["enrolments_by_status"] = {s: enrol_status.count(s) for s in sorted(set(enrol_status))}
    timings["total"] = time.perf_counter() - started_all
    manifest = {"options": _data_options(options), "counts": counts, "timings": timings}
    _manifest_path(options).write_text(json.dumps(manifest, indent=1))
    print(f"generated in {timings['total'] / 60:.1f} min: {json.dumps(counts)}")
    return manifest


def _data_options(options) -> dict:
    return {k: getattr(options, k) for k in ("persons", "applications", "enrolments", "certificates", "batches")}


def _manifest_path(options) -> Path:
    return OUT / f"reporting_{options.postgres.rsplit('/', 1)[1]}.json"


def has_data(options) -> bool:
    from django.core.management import call_command

    from kompeten.certificates.models import Certificate
    from kompeten.registry.models import Person

    call_command("migrate", verbosity=0, interactive=False)
    path = _manifest_path(options)
    if not path.exists():
        return False
    manifest = json.loads(path.read_text())
    return (manifest["options"] == _data_options(options) and Person.objects.count() == options.persons
            and Certificate.objects.count() == manifest["counts"]["certificates"])


# --- measuring ------------------------------------------------------------------------------------


def _rss_mb() -> tuple[float, float]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def measure_rebuild() -> dict:
    from django.db import connection

    from kompeten.reporting import refresh

    connection.ensure_connection()
    rss_before, _peak = _rss_mb()
    last = [0.0]

    def progress(done, total):
        if done / total - last[0] >= 0.1 or done >= total:
            last[0] = done / total
            print(f"  rebuild {100 * done / total:.0f} % ({time.perf_counter() - started:.0f} s)", file=sys.stderr,
                  flush=True)

    started, cpu = time.perf_counter(), _cpu()
    made = refresh.rebuild(progress=progress)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    _rss, peak = _rss_mb()
    return {"rebuild": wall, "rebuild_cpu": cpu, "peak_rss_mb": peak, "rss_before_mb": rss_before, **made,
            "server": _server(connection)}


def _timed(function, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(requests: int) -> dict:  # noqa: PLR0915
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kompeten.accounts.models import User
    from kompeten.programmes.models import TrainingCentre
    from kompeten.registry.models import Person
    from kompeten.reporting import queries, refresh
    from kompeten.reporting.models import FUNNEL, Cell, Dimension, Fact, Stage

    connection.ensure_connection()
    out: dict = {"server": _server(connection), "facts": Fact.objects.count(),
                 "cells": Cell.objects.filter(year=YEAR).count()}
    centre = TrainingCentre.objects.get(code=BALIKPAPAN).pk
    out["operator_cells"] = Cell.objects.filter(year=YEAR, centre_key=centre).count()

    # 1. The figures themselves (what every page sums from).
    def breakdowns(figures):
        figures.funnel()
        for dimension in Dimension:
            figures.breakdown(dimension)
        figures.by_centre()
        figures.by_month()
        for stage in FUNNEL:
            figures.cumulative(stage)
        queries.target_rows(figures)

    for label, scope in (("province", None), ("operator", {centre})):
        out[f"figures_load_{label}"], figures = _timed(lambda scope=scope: queries.Figures(YEAR, scope), 5)
        out[f"figures_breakdowns_{label}"], _ = _timed(lambda figures=figures: breakdowns(figures), 5)

    # 2. The pages, through the test client.
    admin, operator = User.objects.get(email=ADMIN_EMAIL), User.objects.get(email=OPERATOR_EMAIL)

    def page(client, urls, count):
        urls = [urls] if isinstance(urls, str) else urls
        try:
            started = time.perf_counter()
            response = client.get(urls[0])
            first = time.perf_counter() - started
            if response.status_code != 200:
                return {"status": response.status_code}
            times = []
            for n in range(count):
                started = time.perf_counter()
                response = client.get(urls[n % len(urls)])
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                times.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(urls[0])
        except Exception as error:  # noqa: BLE001 (a page still being built: recorded, the run goes on)
            return {"status": f"error {type(error).__name__}: {error}"[:300]}
        return {"status": response.status_code, "first": first, "p50": percentile(times, 0.5),
                "p95": percentile(times, 0.95), "max": max(times), "queries": len(captured),
                "per_url": len(urls)}

    dashboard = f"{reverse('reporting:dashboard')}?year={YEAR}"
    for label, user in (("admin", admin), ("operator", operator)):
        client = Client()
        client.force_login(user)
        out[f"dashboard_{label}"] = page(client, dashboard, requests)
    client = Client()
    client.force_login(admin)
    persons_url = reverse("reporting:persons")
    drill = [f"{persons_url}?year={YEAR}&stage={stage}&dimension={dimension}&key={key}{extra}"
             for stage, dimension, key, extra in (
                 (Stage.COMPLETED, Dimension.TOTAL, "", ""), (Stage.CERTIFIED, Dimension.REGENCY, "64.71", ""),
                 (Stage.ENROLLED, Dimension.SEX, "P", f"&centre={centre}"), (Stage.APPLIED, Dimension.TOTAL, "",
                                                                            "&month=3"),
                 (Stage.REGISTERED, Dimension.AGE, "20-24", ""))]
    out["drilldown"] = page(client, drill, requests)

    # 3. The monthly report.
    for fmt in ("pdf", "xlsx"):
        url = reverse("reporting:monthly", args=[YEAR, REPORT_MONTH, fmt])
        times, status, size = [], None, 0
        try:
            for _ in range(2):
                started = time.perf_counter()
                response = client.get(url)
                body = (b"".join(response.streaming_content) if hasattr(response, "streaming_content")
                        else response.content)
                times.append(time.perf_counter() - started)
                status, size = response.status_code, len(body)
                if status != 200:
                    break
        except Exception as error:  # noqa: BLE001
            status = f"error {type(error).__name__}: {error}"[:300]
        out[f"monthly_{fmt}"] = {"status": status, "time": statistics.median(times) if times else None,
                                 "first": times[0] if times else None, "bytes": size}

    # 4. The forecast.
    try:
        from kompeten.reporting.forecast import forecast
    except ImportError as error:
        out["forecast"] = {"error": str(error)}
    else:
        try:
            out["forecast"] = {"province": _timed(lambda: forecast(YEAR, None), 3)[0],
                               "operator": _timed(lambda: forecast(YEAR, {centre}), 3)[0]}
        except Exception as error:  # noqa: BLE001
            out["forecast"] = {"error": f"{type(error).__name__}: {error}"[:300]}

    # 5. Incremental refresh of stale persons, and a dashboard request that refreshes them itself (rolled back).
    rng = random.Random(SEED + 1)
    count = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    for size in (100, 1000, 10000):
        ids = rng.sample(range(1, count + 1), min(size, count))
        with transaction.atomic():
            started = time.perf_counter()
            refresh.mark_stale(ids)
            marked = time.perf_counter() - started
            started = time.perf_counter()
            refreshed = refresh.refresh_stale()
            out[f"refresh_{size}"] = {"mark": marked, "refresh": time.perf_counter() - started,
                                      "persons": refreshed}
            transaction.set_rollback(True)
    ids = rng.sample(range(1, count + 1), min(1000, count))
    client = Client()
    client.force_login(admin)
    with transaction.atomic():
        refresh.mark_stale(ids)
        started = time.perf_counter()
        try:
            status = client.get(dashboard).status_code
        except Exception as error:  # noqa: BLE001
            status = f"error {type(error).__name__}: {error}"[:300]
        out["dashboard_after_1000_stale"] = {"time": time.perf_counter() - started, "status": status,
                                             "left_stale": refresh.stale_count()}
        transaction.set_rollback(True)
    out["peak_rss_mb"] = _rss_mb()[1]
    return out


def _server(connection) -> str:
    return f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (f"{os.cpu_count()} CPU(s) ({model}), {memory:.0f} GB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def _ms(seconds) -> str:
    return f"{seconds * 1000:.0f} ms" if isinstance(seconds, (int, float)) else "n/a"


def _page_line(name: str, result: dict) -> str:
    if result["status"] != 200:
        return f"{name}: HTTP {result['status']}"
    return (f"{name}: first {_ms(result['first'])}, p50 {_ms(result['p50'])}, p95 {_ms(result['p95'])}, "
            f"max {_ms(result['max'])}, {result['queries']} queries")


def _run_child(child: list[str], flag: str) -> dict:
    process = subprocess.run([*child, flag], check=False, capture_output=True, text=True)
    if process.returncode:
        sys.stderr.write(process.stderr)
        raise SystemExit(f"{flag} failed ({process.returncode})")
    sys.stderr.write("".join(line + "\n" for line in process.stderr.splitlines() if "rebuild" in line))
    return json.loads(process.stdout.strip().splitlines()[-1])


def main() -> int:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=2_000_000)
    parser.add_argument("--enrolments", type=int, default=300_000)
    parser.add_argument("--certificates", type=int, default=500_000)
    parser.add_argument("--batches", type=int, default=900)
    parser.add_argument("--runs", type=int, default=3, help="measuring runs (fresh processes)")
    parser.add_argument("--rebuild-runs", type=int, default=3, help="timed full rebuilds (fresh processes)")
    parser.add_argument("--requests", type=int, default=30, help="requests per page and run (after a first one)")
    parser.add_argument("--postgres", default=POSTGRES, help=f"PostgreSQL database URL (default {POSTGRES})")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--skip-rebuild", action="store_true", help="keep the summary tables as they are")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rebuild-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    url = options.postgres

    if options.generate_only or options.rebuild_only or options.measure_only:
        setup_django(url)
        if options.generate_only:
            if options.regenerate or not has_data(options):
                generate(options)
            else:
                print("data present: not generated again (--regenerate to force)")
            return 0
        from django.core.management import call_command

        try:
            call_command("migrate", verbosity=0, interactive=False)  # the schema of the code measured
        except Exception as error:  # noqa: BLE001 (a migration being rewritten elsewhere: measure what is there)
            print(f"note: migrate failed, measuring the schema as it is: {error}", file=sys.stderr)
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        print(json.dumps(measure_rebuild() if options.rebuild_only else measure(options.requests)))
        return 0

    create_postgres_database(url)
    child = [sys.executable, __file__, *(a for a in sys.argv[1:] if a not in ("--regenerate", "--drop"))]
    subprocess.run([*child, *(["--regenerate"] if options.regenerate else []), "--generate-only"], check=True)
    manifest = json.loads(_manifest_path(options).read_text())
    print(f"data: {json.dumps(manifest['counts'])}")
    print(f"machine: {machine()}")
    print(f"load average before the runs: {os.getloadavg()[0]:.2f}")

    rebuilds = []
    for number in range(1, 0 if options.skip_rebuild else options.rebuild_runs + 1):
        result = _run_child(child, "--rebuild-only")
        rebuilds.append(result)
        vacuum_summary_tables(url)
        print(f"rebuild {number} ({result['server']}): {result['rebuild']:.1f} s wall, {result['rebuild_cpu']:.1f} s "
              f"CPU, peak RSS {result['peak_rss_mb']:.0f} MB; {result['facts']:,} facts, {result['cells']:,} cells",
              flush=True)
    if rebuilds:
        print(f"rebuild median of {len(rebuilds)}: {statistics.median(r['rebuild'] for r in rebuilds):.1f} s wall, "
              f"{statistics.median(r['rebuild_cpu'] for r in rebuilds):.1f} s CPU, peak RSS "
              f"{statistics.median(r['peak_rss_mb'] for r in rebuilds):.0f} MB", flush=True)

    results = []
    for number in range(1, options.runs + 1):
        r = _run_child(child, "--measure-only")
        results.append(r)
        print(f"run {number} ({r['server']}, {r['facts']:,} facts, {r['cells']:,} cells of {YEAR}, "
              f"{r['operator_cells']:,} of the centre; load {os.getloadavg()[0]:.1f}):")
        print(f"  Figures({YEAR}) load {_ms(r['figures_load_province'])}, breakdowns "
              f"{_ms(r['figures_breakdowns_province'])}; one centre: {_ms(r['figures_load_operator'])}, "
              f"{_ms(r['figures_breakdowns_operator'])}")
        print("  " + _page_line("dashboard (province admin)", r["dashboard_admin"]))
        print("  " + _page_line("dashboard (operator)", r["dashboard_operator"]))
        print("  " + _page_line("drill-down", r["drilldown"]))
        for fmt in ("pdf", "xlsx"):
            m = r[f"monthly_{fmt}"]
            print(f"  monthly report {fmt}: " + (f"{m['time']:.2f} s (first {m['first']:.2f} s), {m['bytes']:,} bytes"
                                                 if m["status"] == 200 else f"HTTP {m['status']}"))
        f = r["forecast"]
        print("  forecast: " + (f["error"] if "error" in f else
                                f"{_ms(f['province'])} (province), {_ms(f['operator'])} (one centre)"))
        for size in (100, 1000, 10000):
            x = r[f"refresh_{size}"]
            print(f"  refresh of {size:,} stale persons: {x['refresh']:.2f} s (+ marking {_ms(x['mark'])})")
        x = r["dashboard_after_1000_stale"]
        print(f"  dashboard with 1,000 stale persons: {_ms(x['time'])} (HTTP {x['status']}, "
              f"{x['left_stale']} left stale); peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)

    def median(*path):
        values = []
        for r in results:
            value = r
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, (int, float)):
                values.append(value)
        return statistics.median(values) if values else None

    if results:
        print(f"median of {len(results)} run(s):")
        print(f"  Figures({YEAR}) load {_ms(median('figures_load_province'))} + breakdowns "
              f"{_ms(median('figures_breakdowns_province'))}; one centre {_ms(median('figures_load_operator'))} + "
              f"{_ms(median('figures_breakdowns_operator'))}")
        for name, key in (("dashboard, province admin", "dashboard_admin"), ("dashboard, operator",
                                                                            "dashboard_operator"),
                          ("drill-down", "drilldown")):
            print(f"  {name}: p50 {_ms(median(key, 'p50'))}, p95 {_ms(median(key, 'p95'))} "
                  f"(goal < 300 ms for the dashboard), max {_ms(median(key, 'max'))}, first "
                  f"{_ms(median(key, 'first'))}, {median(key, 'queries')} queries")
        for fmt in ("pdf", "xlsx"):
            value = median(f"monthly_{fmt}", "time")
            print(f"  monthly report {fmt}: " + (f"{value:.2f} s (goal < 10 s)" if value is not None else "n/a"))
        print(f"  forecast({YEAR}): {_ms(median('forecast', 'province'))}")
        print(f"  refresh_stale: 100 persons {median('refresh_100', 'refresh'):.2f} s, "
              f"1,000 persons {median('refresh_1000', 'refresh'):.2f} s, 10,000 persons "
              f"{median('refresh_10000', 'refresh'):.2f} s; dashboard with 1,000 stale "
              f"{_ms(median('dashboard_after_1000_stale', 'time'))}")
    code = {str(path.relative_to(ROOT)): datetime.datetime.fromtimestamp(path.stat().st_mtime).isoformat()
            for path in sorted((ROOT / "kompeten" / "reporting").rglob("*.py")) if "tests" not in path.parts}
    summary = {"machine": machine(), "manifest": manifest, "rebuilds": rebuilds, "runs": results,
               "date": datetime.date.today().isoformat(), "code_modified": code}
    (OUT / f"reporting_results_{time.strftime('%Y%m%d_%H%M%S')}.json").write_text(json.dumps(summary, indent=1))
    if options.drop:
        drop_postgres_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
