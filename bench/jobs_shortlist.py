"""Benchmark: a vacancy's shortlist over 1,000,000 candidate profiles (kompeten.jobs.shortlist).

    .venv/bin/python bench/jobs_shortlist.py [--persons 1000000] [--sqlite] [--runs 3] [--repeat 5]
                                             [--vacancies 20] [--regenerate] [--drop]

Database: PostgreSQL by default — a database of its own, ``kompeten_bench_jobs`` on 127.0.0.1:5432, user postgres
(trust auth; override with --postgres URL), created if missing and migrated, with the reference data; --sqlite uses
bench/out/jobs_<persons>.sqlite3 instead. Nothing else is touched. --drop removes the database at the end.

Data (seeded, generated once and kept; --regenerate makes it again): --persons job seekers written directly in bulk
(COPY on PostgreSQL, executemany on SQLite) with their candidate profiles and, for those who consent, a
share-with-companies consent:

- regency/city by the 2025 population of each (kaltim_regency_stats.csv), a village of it (3 % from outside the
  province, no village); age 18–55 skewed young; 56 % men; education SD 8 %, SMP 12 %, SMA 30 %, SMK 28 %, D3 7 %,
  S1 13 %, lower 2 %;
- 30 % completed a training (1 vocation, 15 % of them 2; vocations by Zipf popularity) within the last 3 years;
  10 % hold a current competency certificate in one of 12 schemes (80 % of them among the trained);
- 70 % consent to being shown to companies; 80 % available for work;
- --vacancies open vacancies of one company with a mix of requirements (scheme, 1–3 vocations, regency, age
  range, sex, minimum education).

Each run is a fresh process (pinned to one CPU) that times, in this order:

1. cold: the first shortlist (building the in-memory index from the database), and the build alone;
2. warm: ``shortlist(vacancy, limit=50)`` --repeat times for each vacancy (p50, p95, max over all calls), the
   queries of one warm call, and ``recommendations(person)`` for 20 persons, over the --vacancies open vacancies
   and over 3,000 more (copies elsewhere in the province, created in a transaction rolled back afterwards);
3. refresh: 1,000 profiles changed in the database (consent, availability, regency; new ``updated_at``), then the
   next shortlist call (finding and reloading them) — inside a transaction rolled back afterwards, so that the data
   stay the same for every run; and ``refresh_profiles`` of 1,000 persons (rolled back too);
4. memory: the index's arrays (bytes) and the growth of the process's RSS while building it.

Prints each run and the medians over the runs. The goal (issue): warm p95 under 200 ms at 1,000,000 persons on
PostgreSQL. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DATA = ROOT / "kompeten" / "reference" / "data"
POSTGRES = "postgres://postgres@127.0.0.1:5432/kompeten_bench_jobs"
SEED = 20250101
SCHEMES = [f"BENCH.SKM.{n:02d}" for n in range(1, 13)]
EDUCATION = [("TS", 0.01), ("BTSD", 0.01), ("SD", 0.08), ("SMP", 0.12), ("SMA", 0.30), ("SMK", 0.28), ("D3", 0.07),
             ("S1", 0.13)]
AGES = [((18, 24), 0.45), ((25, 34), 0.30), ((35, 44), 0.17), ((45, 55), 0.08)]
TODAY = datetime.date(2025, 6, 30)
CHUNK = 50_000
MANY_VACANCIES = 3000
REGENCIES = ["64.01", "64.02", "64.03", "64.07", "64.08", "64.09", "64.11", "64.71", "64.72", "64.74"]


def database_url(options) -> str:
    if options.sqlite:
        return f"sqlite:///{OUT / f'jobs_{options.persons}.sqlite3'}"
    return options.postgres


def setup_django(url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "kompeten.settings", "DATABASE_URL": url, "KOMPETEN_VAR_DIR": str(OUT / "var"),
        "KOMPETEN_HTTPS": "0", "OPENBLAS_NUM_THREADS": "1",
    })
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    print(f"dropped database {name}")


# --- generating -----------------------------------------------------------------------------------


def _regions():
    weights = {}
    with open(DATA / "kaltim_regency_stats.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if "." in row["code"]:
                weights[row["code"]] = int(row["population_total_2025"])
    villages: dict[str, list[str]] = {}
    with open(DATA / "kaltim_regions.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "village":
                villages.setdefault(row["code"][:5], []).append(row["code"])
    return weights, villages


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return lambda: rng.choices(values, weights)[0]


def generate(persons: int, vacancies: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from kompeten.apprenticeships.models import Company
    from kompeten.assessment.models import Scheme
    from kompeten.jobs.models import CandidateProfile, Vacancy
    from kompeten.programmes.models import Vocation
    from kompeten.reference.loader import load_all
    from kompeten.reference.models import EducationLevel, Kbji
    from kompeten.registry.models import Consent, Person
    from kompeten.registry.nik import make_nik

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    load_all()
    print(f"migrated and loaded the reference data in {time.perf_counter() - started:.1f} s")

    rng = random.Random(SEED)
    weights, villages = _regions()
    regencies = sorted(weights)
    education_order = dict(EducationLevel.objects.values_list("code", "order"))
    vocation_ids = list(Vocation.objects.order_by("pk").values_list("pk", flat=True))
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(len(vocation_ids))]
    rng.shuffle(popularity)
    for code in SCHEMES:
        Scheme.objects.get_or_create(code=code, defaults={"title": f"Skema {code}", "validity_months": 36})
    pick_education = _weighted(rng, EDUCATION)
    pick_ages = _weighted(rng, AGES)

    started = time.perf_counter()
    tables = [CandidateProfile._meta.db_table, Consent._meta.db_table, Person._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (table names of the models)
            cursor.execute("DELETE FROM sqlite_sequence WHERE name IN (%s, %s)", tables[1:])

    person_columns = [f.column for f in Person._meta.concrete_fields]
    profile_columns = [f.column for f in CandidateProfile._meta.concrete_fields]
    consent_columns = [f.column for f in Consent._meta.concrete_fields if f.column != "id"]
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(days=1)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    serials: dict[tuple, int] = {}
    today_ordinal = TODAY.toordinal()

    def rows(start: int, stop: int):
        people, profiles, consents = [], [], []
        for pid in range(start, stop):
            outside = rng.random() < 0.03
            regency = rng.choices(regencies, [weights[r] for r in regencies])[0]
            village = None if outside else rng.choice(villages[regency])
            district = "63.71.01" if outside else village[:8]
            low, high = pick_ages()
            age = rng.randint(low, high)
            birth = datetime.date(TODAY.year - age - 1, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            sex = "L" if rng.random() < 0.56 else "P"
            key = (district, birth, sex)
            serial = serials[key] = serials.get(key, 0) + 1
            education = pick_education()
            trained = rng.random() < 0.30
            vocations = []
            last = None
            if trained:
                vocations = sorted(set(rng.choices(vocation_ids, popularity, k=2 if rng.random() < 0.15 else 1)))
                last = datetime.date.fromordinal(today_ordinal - rng.randrange(3 * 365))
            certified = rng.random() < (0.8 * 0.10 / 0.30 if trained else 0.2 * 0.10 / 0.70)
            schemes = [rng.choice(SCHEMES)] if certified else []
            shown = rng.random() < 0.70
            values = {
                "id": pid, "nik": make_nik(district, birth, sex, serial), "full_name": f"Pencaker {pid}", "sex": sex,
                "birth_place": "", "birth_date": birth.isoformat(), "phone": "", "email": "", "street": "", "rt": "",
                "rw": "", "village_id": village, "education_id": education, "major": "", "disability": False,
                "disability_kind": "", "employment_status": "unemployed", "ak1_number": "", "ak1_expires": None,
                "ak1_closed_on": None, "declared_prior_training": trained, "nik_warnings": "[]",
                "nik_confirmed_by_id": None, "nik_confirmed_at": None, "user_id": None,
                "registered_centre_id": None, "source": "demo", "created_at": stamp, "updated_at": stamp,
            }
            people.append([values[c] for c in person_columns])
            profiles.append({
                "person_id": pid, "shown": shown, "available": rng.random() < 0.80,
                "regency": "" if outside else regency, "sex": sex, "birth_date": birth.isoformat(),
                "education_order": education_order[education], "trained": trained,
                "last_completed": last.isoformat() if last else None, "vocation_ids": json.dumps(vocations),
                "scheme_codes": json.dumps(schemes), "certificates": len(schemes), "updated_at": stamp,
            })
            if shown:
                consents.append({"person_id": pid, "purpose": "share_companies", "given": True,
                                 "text_version": "2025-1", "channel": "demo", "at": stamp, "recorded_by_id": None})
        return (people, [[p[c] for c in profile_columns] for p in profiles],
                [[c[k] for k in consent_columns] for c in consents])

    def write(table, columns, values):
        if connection.vendor == "postgresql":
            raw = connection.connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                                   values)

    connection.ensure_connection()
    for start in range(1, persons + 1, CHUNK):
        stop = min(start + CHUNK, persons + 1)
        people, profiles, consents = rows(start, stop)
        with transaction.atomic():
            write(Person._meta.db_table, person_columns, people)
            write(Consent._meta.db_table, consent_columns, consents)
            write(CandidateProfile._meta.db_table, profile_columns, profiles)
        print(f"\r{stop - 1:>9,} persons written ({time.perf_counter() - started:.0f} s)", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Person._meta.db_table, persons])
            cursor.execute(f"ANALYZE {', '.join(tables)}")

    company = Company.objects.get_or_create(name="PT Bench Kalimantan Timur",
                                            defaults={"sector_id": "mining", "status": "verified",
                                                      "employees": 500})[0]
    Vacancy.objects.filter(company=company).delete()
    occupation = Kbji.objects.order_by("code").first()
    levels = {level.code: level for level in EducationLevel.objects.all()}
    schemes = {scheme.code: scheme for scheme in Scheme.objects.filter(code__in=SCHEMES)}
    for number in range(vacancies):
        vacancy = Vacancy.objects.create(
            company=company, title=f"Lowongan bench {number + 1}", occupation=occupation,
            sector_id=rng.choice(["mining", "trade", "construction", "motorcycle_repair", "housekeeping"]),
            number_needed=rng.randint(1, 20), valid_from=TODAY - datetime.timedelta(days=10),
            valid_until=TODAY + datetime.timedelta(days=80),
            region_id=rng.choices(regencies, [weights[r] for r in regencies])[0],
            scheme=schemes[rng.choice(SCHEMES)] if number % 2 == 0 else None,
            min_age=rng.choice([None, 18, 20]) if number % 3 else None,
            max_age=rng.choice([None, 30, 35, 40]) if number % 4 else None,
            sex=rng.choice(["L", "P"]) if number % 5 == 4 else "",
            min_education=levels[rng.choice(["SMP", "SMA", "SMK", "D3"])] if number % 3 == 1 else None,
            source="demo")
        vacancy.vocations.set(rng.sample(vocation_ids, rng.randint(0, 3)))
    print(f"generated {persons:,} persons, their profiles and consents, and {vacancies} vacancies in "
          f"{time.perf_counter() - started:.0f} s")


def has_data(persons: int, vacancies: int) -> bool:
    from django.core.management import call_command

    from kompeten.jobs.models import CandidateProfile, Vacancy

    call_command("migrate", verbosity=0, interactive=False)
    return (CandidateProfile.objects.count() == persons
            and Vacancy.objects.filter(company__name="PT Bench Kalimantan Timur").count() == vacancies)


# --- measuring ------------------------------------------------------------------------------------


def _rss_mb() -> tuple[float, float]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def measure(repeat: int) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from kompeten.jobs import shortlist
    from kompeten.jobs.models import CandidateProfile, Vacancy
    from kompeten.jobs.profiles import refresh_profiles
    from kompeten.registry.models import Person

    vacancies = list(Vacancy.objects.filter(company__name="PT Bench Kalimantan Timur").order_by("pk"))
    connection.ensure_connection()
    rss_before, _peak = _rss_mb()
    started = time.perf_counter()
    first = shortlist.shortlist(vacancies[0], limit=50, today=TODAY)
    cold = time.perf_counter() - started
    rss_after, peak = _rss_mb()
    stats = shortlist.index_stats()
    if len(first) < 50:
        print(f"note: the first vacancy has only {len(first)} candidates", file=sys.stderr)

    warm, per_vacancy = [], []
    for _round in range(repeat):
        for vacancy in vacancies:
            started = time.perf_counter()
            rows = shortlist.shortlist(vacancy, limit=50, today=TODAY)
            warm.append(time.perf_counter() - started)
            assert rows
    for vacancy in vacancies:
        per_vacancy.append(statistics.median(warm[vacancies.index(vacancy)::len(vacancies)]))
    with CaptureQueriesContext(connection) as queries:
        shortlist.shortlist(vacancies[1], limit=50, today=TODAY)
    rng = random.Random(SEED + 1)
    count = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    people = list(Person.objects.filter(pk__in=[rng.randint(1, count) for _ in range(20)]))
    recommended = []
    for person in people:
        started = time.perf_counter()
        shortlist.recommendations(person, limit=20, today=TODAY)
        recommended.append(time.perf_counter() - started)

    # Recommendations against a few thousand open vacancies (copies of the 20 elsewhere; rolled back).
    with transaction.atomic():
        copies = []
        for number in range(MANY_VACANCIES):
            source = vacancies[number % len(vacancies)]
            copies.append(Vacancy(
                company_id=source.company_id, title=f"{source.title} / {number}", occupation_id=source.occupation_id,
                sector_id=source.sector_id, number_needed=source.number_needed, valid_from=source.valid_from,
                valid_until=source.valid_until, region_id=rng.choice(REGENCIES), scheme_id=source.scheme_id,
                min_age=source.min_age, max_age=source.max_age, sex=source.sex,
                min_education_id=source.min_education_id, source="demo"))
        copies = Vacancy.objects.bulk_create(copies, batch_size=1000)
        through = Vacancy.vocations.through
        wanted = {v.pk: list(v.vocations.values_list("pk", flat=True)) for v in vacancies}
        through.objects.bulk_create([through(vacancy_id=copy.pk, vocation_id=vocation)
                                     for number, copy in enumerate(copies)
                                     for vocation in wanted[vacancies[number % len(vacancies)].pk]], batch_size=2000)
        many = []
        for person in people:
            started = time.perf_counter()
            shortlist.recommendations(person, limit=20, today=TODAY)
            many.append(time.perf_counter() - started)
        transaction.set_rollback(True)

    # 1,000 profiles change (as refresh_profiles would write them), then the next call; all rolled back.
    changed_ids = sorted(rng.sample(range(1, count + 1), 1000))
    with transaction.atomic():
        profiles = list(CandidateProfile.objects.filter(pk__in=changed_ids))
        moment = timezone.now()
        for profile in profiles:
            profile.updated_at = moment  # as refresh_profiles stamps them (bulk_update does not)
            profile.shown = not profile.shown
            profile.available = not profile.available
            profile.regency = rng.choice(["64.71", "64.72", "64.74"])
        started = time.perf_counter()
        CandidateProfile.objects.bulk_update(profiles, ["shown", "available", "regency", "updated_at"],
                                             batch_size=1000)
        write_seconds = time.perf_counter() - started
        reloaded_before = shortlist.index_stats().get("rows_reloaded", 0)
        started = time.perf_counter()
        shortlist.shortlist(vacancies[2], limit=50, today=TODAY)
        after_change = time.perf_counter() - started
        reloaded = shortlist.index_stats().get("rows_reloaded", 0) - reloaded_before
        started = time.perf_counter()
        shortlist.shortlist(vacancies[2], limit=50, today=TODAY)
        next_call = time.perf_counter() - started
        transaction.set_rollback(True)
    shortlist.invalidate()
    with transaction.atomic():
        started = time.perf_counter()
        refresh_profiles(changed_ids)
        refresh_seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "persons": stats["rows"], "cold": cold, "build": stats["built_seconds"], "index_mb": stats["bytes"] / 1e6,
        "rss_growth_mb": rss_after - rss_before, "peak_rss_mb": peak,
        "warm_p50": percentile(warm, 0.50), "warm_p95": percentile(warm, 0.95), "warm_max": max(warm),
        "warm_calls": len(warm), "per_vacancy_median": per_vacancy, "queries_per_warm_call": len(queries),
        "recommend_p50": percentile(recommended, 0.5), "recommend_p95": percentile(recommended, 0.95),
        "open_vacancies": len(vacancies), "change_write": write_seconds,
        "recommend_many_p50": percentile(many, 0.5), "recommend_many_p95": percentile(many, 0.95),
        "many_vacancies": MANY_VACANCIES + len(vacancies), "after_1000_changes": after_change,
        "rows_reloaded": reloaded, "call_after_that": next_call, "refresh_profiles_1000": refresh_seconds,
        "vendor": connection.vendor, "server": _server(connection),
    }


def _server(connection) -> str:
    if connection.vendor == "postgresql":
        return f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--vacancies", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5, help="warm calls per vacancy and run")
    parser.add_argument("--sqlite", action="store_true", help="SQLite (bench/out) instead of PostgreSQL")
    parser.add_argument("--postgres", default=POSTGRES, help=f"PostgreSQL database URL (default {POSTGRES})")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL database (or SQLite file) at the end")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    url = database_url(options)

    if options.generate_only or options.measure_only:
        setup_django(url)
        if options.generate_only:
            if options.regenerate or not has_data(options.persons, options.vacancies):
                generate(options.persons, options.vacancies)
            else:
                print("data present: not generated again (--regenerate to force)")
            return 0
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        print(json.dumps(measure(options.repeat)))
        return 0

    if not options.sqlite:
        create_postgres_database(url)
    child = [sys.executable, __file__, *sys.argv[1:]]
    subprocess.run([*child, "--generate-only"], check=True)
    print(f"machine: {machine()}")
    print(f"load average before the runs: {os.getloadavg()[0]:.2f}")
    results = []
    for number in range(1, options.runs + 1):
        output = subprocess.run([*child, "--measure-only"], check=True, capture_output=True, text=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        results.append(result)
        print(f"run {number} ({result['server']}, {result['persons']:,} profiles): cold {result['cold']:.2f} s "
              f"(build {result['build']:.2f} s), warm p50 {result['warm_p50'] * 1000:.1f} ms, "
              f"p95 {result['warm_p95'] * 1000:.1f} ms, max {result['warm_max'] * 1000:.1f} ms "
              f"({result['warm_calls']} calls, {result['queries_per_warm_call']} queries each); "
              f"after 1,000 changes {result['after_1000_changes'] * 1000:.0f} ms "
              f"({result['rows_reloaded']} rows reloaded), next {result['call_after_that'] * 1000:.1f} ms; "
              f"recommendations p50 {result['recommend_p50'] * 1000:.0f} ms / p95 "
              f"{result['recommend_p95'] * 1000:.0f} ms ({result['open_vacancies']} open vacancies), "
              f"{result['recommend_many_p50'] * 1000:.0f} / {result['recommend_many_p95'] * 1000:.0f} ms "
              f"({result['many_vacancies']} open vacancies); "
              f"refresh_profiles(1,000) {result['refresh_profiles_1000']:.2f} s; "
              f"index {result['index_mb']:.1f} MB, RSS +{result['rss_growth_mb']:.0f} MB while building")

    def median(key):
        return statistics.median(r[key] for r in results)

    print(f"median of {len(results)} run(s): cold {median('cold'):.2f} s (build {median('build'):.2f} s), "
          f"warm p50 {median('warm_p50') * 1000:.1f} ms, p95 {median('warm_p95') * 1000:.1f} ms "
          f"(goal < 200 ms), max {median('warm_max') * 1000:.1f} ms; after 1,000 changes "
          f"{median('after_1000_changes') * 1000:.0f} ms; recommendations p95 {median('recommend_p95') * 1000:.0f} ms "
          f"({results[0]['open_vacancies']} vacancies), {median('recommend_many_p95') * 1000:.0f} ms "
          f"({results[0]['many_vacancies']} vacancies); "
          f"refresh_profiles(1,000) {median('refresh_profiles_1000'):.2f} s; index {median('index_mb'):.1f} MB, "
          f"RSS +{median('rss_growth_mb'):.0f} MB")
    print("per-vacancy warm medians (ms):",
          ", ".join(f"{statistics.median(r['per_vacancy_median'][i] for r in results) * 1000:.0f}"
                    for i in range(len(results[0]['per_vacancy_median']))))
    if options.drop:
        if options.sqlite:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            drop_postgres_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
