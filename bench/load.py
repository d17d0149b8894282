"""Load: wrk against gunicorn on loopback, the Kaltim 2025 demo data: the public verification page of a real
certificate and the registration page.

    .venv/bin/python bench/load.py [--runs 3] [--duration 10] [--connections 8] [--threads 2] [--workers 2]
                                   [--database-url URL] [--regenerate]

The demo database (``kompeten demo --no-serve``: SQLite, the default persons) is built once into
bench/out/load-demo/ (about 1.5 min; --regenerate builds it again); --database-url uses a database that holds
the demo data already (PostgreSQL). A certificate that verifies as valid is picked from it. gunicorn
(--workers sync workers, bench/bench_settings.py: production settings, DEBUG off, the rate limiter's cache
turned off because all requests come from one address) serves on 127.0.0.1; for each page, --runs runs of
``wrk -t THREADS -c CONNECTIONS -d DURATION --latency`` (bounded: DURATION seconds each) measure requests per
second and the latency percentiles; the medians are printed. wrk comes from Debian (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out" / "load-demo"

FIND_CODE = """
import django
django.setup()
from kompeten.certificates.models import Certificate
from kompeten.certificates.services import format_code
from kompeten.certificates.verification import VALID, verify_code
for cert in Certificate.objects.order_by("pk")[:200]:
    if verify_code(cert.public_code)["status"] == VALID:
        print(format_code(cert.public_code))
        break
from kompeten.registry.models import Person
print(Person.objects.count(), Certificate.objects.count())
"""


def environment(args, var: Path) -> dict:
    env = {**os.environ, "KOMPETEN_VAR_DIR": str(var), "DEBUG": "0", "KOMPETEN_HTTPS": "0",
           "KOMPETEN_MANIFEST_STATIC": "0", "SECRET_KEY": "load-bench-" + "x" * 40, "ALLOWED_HOSTS": "127.0.0.1",
           "PYTHONPATH": str(ROOT / "bench"), "DJANGO_SETTINGS_MODULE": "bench_settings", "LOG_LEVEL": "CRITICAL"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def build_demo(env: dict, regenerate: bool) -> None:
    stamp = OUT / "built"  # written once the demo command finished: an interrupted build is built again
    if stamp.exists() and not regenerate:
        return
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    print("building the demo database (kompeten demo --no-serve) ...", flush=True)
    started = time.monotonic()
    result = subprocess.run([str(BIN / "kompeten"), "demo", "--no-serve"], env={
        **env, "KOMPETEN_VAR_DIR": str(OUT), "DJANGO_SETTINGS_MODULE": "kompeten.settings", "LOG_LEVEL": "WARNING"},
        cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"kompeten demo failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    stamp.write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    print(f"built in {time.monotonic() - started:.0f} s", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, limit: float = 60) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url} within {limit} s")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def millis(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([a-z]+)", text).groups()
    return float(number) * UNITS[unit]


def wrk(url: str, args) -> dict:
    result = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
                             "--timeout", "10s", "--latency", url], capture_output=True, text=True, check=True,
                            timeout=args.duration + 60)
    text = result.stdout
    percentiles = {p: millis(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.MULTILINE)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1)),
            "requests": int(re.search(r"(\d+) requests in", text).group(1)),
            "p50": percentiles["50"], "p90": percentiles["90"], "p99": percentiles["99"],
            "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database-url", help="a database with the demo data (default: SQLite in bench/out)")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    var = OUT
    env = environment(args, var)
    if not args.database_url:
        build_demo(env, args.regenerate)
    found = subprocess.run([sys.executable, "-c", FIND_CODE], env=env, cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split("\n")
    code, (persons, certificates) = found[0].strip(), found[1].split()
    if not code or " " in code:
        raise SystemExit("no valid certificate in the database: is the demo data loaded?")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pages = {"verification": f"/verify/{code}/", "registration": "/pencari-kerja/daftar/"}
    log = (var / "gunicorn-load.log").open("w")
    server = subprocess.Popen([str(BIN / "gunicorn"), "kompeten.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
                               str(args.workers), "--log-level", "warning"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=log)
    try:
        for name, path in pages.items():
            status = wait_for(base + path)
            if status != 200:
                raise SystemExit(f"{name} page {path} answered {status}, not 200")
        page = urllib.request.urlopen(base + pages["verification"], timeout=10).read().decode()  # noqa: S310
        if "valid" not in page.lower():
            raise SystemExit("the verification page does not show a valid certificate")
        print(f"data: {persons} persons, {certificates} certificates; certificate {code}", flush=True)
        print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; gunicorn {args.workers} sync "
              f"workers; {args.runs} runs per page; {os.cpu_count()} CPUs, Python {platform.python_version()}")
        print(f"{'page':<13} {'run':>3} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
              f"{'sock err':>8}")
        for name, path in pages.items():
            runs = []
            for run in range(1, args.runs + 1):
                result = wrk(base + path, args)
                runs.append(result)
                print(f"{name:<13} {run:>3} {result['rps']:>8.1f} {result['p50']:>8.1f} {result['p90']:>8.1f} "
                      f"{result['p99']:>8.1f} {result['non2xx']:>8} {result['socket_errors']:>8}", flush=True)
            median = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p90", "p99")}
            print(f"{name:<13} {'med':>3} {median['rps']:>8.1f} {median['p50']:>8.1f} {median['p90']:>8.1f} "
                  f"{median['p99']:>8.1f}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


if __name__ == "__main__":
    main()
