"""Drill: restart PostgreSQL under load; how long until requests succeed again, without restarting the app?

    .venv/bin/python bench/restart_drill.py [--runs 3] [--threads 4] [--workers 2] [--port 5439] [--keep]

Never touches the shared server on 5432: it creates a THROWAWAY cluster in a temporary folder (initdb, as the
``postgres`` user, on --port, default 5439), migrates a database there and loads the reference data (not
timed), and starts gunicorn on loopback (--workers sync workers, bench/bench_settings.py: the production
settings, persistent connections CONN_MAX_AGE=60 with CONN_HEALTH_CHECKS). --threads client threads then
request, round robin, the registration page and the public verification page (both read the database) with a
5 s timeout. For each of --runs restarts (``pg_ctl restart -m fast``, which kills every session): wait until
every request of 3 s succeeds, restart, and measure

- down: seconds the ``pg_ctl restart`` took (PostgreSQL refuses connections meanwhile);
- recovered: seconds from the start of the restart until the end of the last failed request, after which
  every request succeeded for 5 s (0 if none failed); the goal (issue "Trust") is under 30 s;
- failed: requests that failed (HTTP 5xx or no answer) in that time, of how many.

Prints one line per restart and the medians. The cluster and the server are removed at the end (--keep
leaves the folder for a look at the logs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PAGES = ["/pencari-kerja/daftar/", "/verify/KMP-TIDAK-ADA-0001/"]
RECOVERY_LIMIT = 30.0
STABLE = 5.0


def as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=check, capture_output=True,
                          text=True, cwd="/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    def __init__(self, folder: Path, port: int):
        self.data, self.port = folder / "data", port
        self.log = folder / "postgresql.log"

    def create(self) -> None:
        probe = subprocess.run([PG_BIN / "pg_isready", "-h", "127.0.0.1", "-p", str(self.port)], check=False,
                               capture_output=True)
        if probe.returncode != 2:  # 2: no answer; anything else: something listens there already
            raise SystemExit(f"port {self.port} is in use: choose another with --port")
        as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.pg_ctl("start")
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-c",
                        "CREATE DATABASE kompeten"], check=True)

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        as_postgres(str(PG_BIN / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                    "-o", options, *extra)

    def stop(self) -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w", check=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/kompeten"


class Load:
    """Client threads requesting the pages; every outcome is kept as (end time, ok)."""

    def __init__(self, base: str, threads: int):
        self.base, self.threads = base, threads
        self.outcomes: list[tuple[float, bool]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def work(self, index: int) -> None:
        n = index
        while not self.stopping.is_set():
            url = self.base + PAGES[n % len(PAGES)]
            n += 1
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                    response.read()
                    ok = response.status < 500
            except urllib.error.HTTPError as error:
                ok = error.code < 500
            except (urllib.error.URLError, OSError):
                ok = False
            with self.lock:
                self.outcomes.append((time.monotonic(), ok))
            if not ok:
                time.sleep(0.05)  # a failing server answers at once: do not spin

    def start(self) -> None:
        self.workers = [threading.Thread(target=self.work, args=(i,), daemon=True) for i in range(self.threads)]
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.join(10)

    def since(self, start: float) -> list[tuple[float, bool]]:
        with self.lock:
            return [o for o in self.outcomes if o[0] >= start]

    def wait_stable(self, seconds: float, limit: float) -> bool:
        """True once every request of the last ``seconds`` succeeded (and some were made)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = time.monotonic()
            recent = self.since(now - seconds)
            last_failure = max((t for t, ok in self.since(now - limit) if not ok), default=None)
            if recent and all(ok for _t, ok in recent) and (last_failure is None or now - last_failure >= seconds):
                return True
        return False


def wait_for_server(base: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 (loopback)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5439)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="kompeten-restart-drill-"))
    shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, args.port)
    server = None
    load = None
    try:
        print(f"throwaway cluster in {folder} on port {args.port}", flush=True)
        cluster.create()
        var = folder / "var"
        var.mkdir()
        env = {**os.environ, "DATABASE_URL": cluster.url, "KOMPETEN_VAR_DIR": str(var), "DEBUG": "0",
               "KOMPETEN_HTTPS": "0", "KOMPETEN_MANIFEST_STATIC": "0", "SECRET_KEY": "restart-drill-" + "x" * 40,
               "ALLOWED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT / "bench"),
               "DJANGO_SETTINGS_MODULE": "bench_settings", "LOG_LEVEL": "CRITICAL"}
        started = time.monotonic()
        for command in (["migrate", "--noinput", "-v", "0"], ["load_reference"]):
            subprocess.run([str(BIN / "kompeten"), *command], env=env, check=True, capture_output=True, cwd=ROOT)
        print(f"migrated and loaded the reference data in {time.monotonic() - started:.0f} s", flush=True)

        http_port = free_port()
        base = f"http://127.0.0.1:{http_port}"
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "kompeten.wsgi", "--bind", f"127.0.0.1:{http_port}", "--workers",
             str(args.workers), "--timeout", "30", "--log-level", "critical"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(folder / "gunicorn.log").open("w"))
        wait_for_server(base)
        load = Load(base, args.threads)
        load.start()

        results = []
        for run in range(1, args.runs + 1):
            if not load.wait_stable(3.0, 60):
                raise SystemExit("the requests do not succeed before the restart: see gunicorn.log")
            t0 = time.monotonic()
            cluster.pg_ctl("restart", "-m", "fast")
            down = time.monotonic() - t0
            stable = load.wait_stable(STABLE, RECOVERY_LIMIT + STABLE)
            outcomes = load.since(t0)
            failures = [t for t, ok in outcomes if not ok]
            recovered = (max(failures) - t0) if failures else 0.0
            results.append((down, recovered, len(failures), len(outcomes)))
            verdict = "ok" if stable and recovered < RECOVERY_LIMIT else "NOT RECOVERED"
            print(f"restart {run}: down {down:.2f} s, recovered {recovered:.2f} s after the restart began, "
                  f"{len(failures)} of {len(outcomes)} requests failed [{verdict}]", flush=True)
        print(f"median of {len(results)}: down {statistics.median(r[0] for r in results):.2f} s, recovered "
              f"{statistics.median(r[1] for r in results):.2f} s, failed requests "
              f"{statistics.median(r[2] for r in results):.0f}")
        print(f"({args.threads} client threads, {args.workers} gunicorn sync workers, pages: {', '.join(PAGES)})")
    finally:
        if load is not None:
            load.stop()
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        cluster.stop()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
