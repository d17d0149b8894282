"""The end-to-end journeys' fixtures: the demo as ``make run`` serves it, driven by a real Chromium.

One demo site for the journeys' module (``demo_site``): ``kompeten demo --addr 127.0.0.1:PORT`` in a process of its
own — migrate, reference data, the Kaltim 2025 demo, the background worker and the server, on the demo's clock
(DEMO_TODAY, kompeten/core/clock.py) — on its own database: a SQLite file, or a PostgreSQL database beside the test
database when the suite runs on PostgreSQL. The journeys touch nothing else of the test session: they see the system
as its users do, through the pages (and, for a few lookups a user makes by knowing their work, ``site.query``).

All journeys run on one pytest-xdist worker (``xdist_group``; the Makefile runs pytest with ``--dist loadgroup``), in
file order, on one demo: the job seeker applies before the operator runs the round. Each journey finds its own starting
state in the demo, so that a journey also passes alone (``-k``) on a fresh demo.

The test artefacts are in var/journeys/<backend>/: a screenshot of each step, the demo server's output (server.log)
and the measured page weights (page-weight.json). KOMPETEN_SCREENSHOTS sends the screenshots elsewhere: ``make
screenshots`` writes the user guide's, docs/guide/img/.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kompeten.core.browser import chromium_path, launched_chromium

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "kompeten-demo-2025"  # noqa: S105 - the published password of the demo accounts (kompeten/core/demo.py)
PERSONS = int(os.environ.get("KOMPETEN_JOURNEY_PERSONS", "2000"))
READY_TIMEOUT = float(os.environ.get("KOMPETEN_JOURNEY_READY_TIMEOUT", "1200"))  # s: building the demo on a busy CI
TIMEOUT = 30_000  # ms per browser action; the shared CI machine is slow
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TABLET = {"viewport": {"width": 800, "height": 1280}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
LOGINS = {
    "admin": "admin@kompeten.demo",
    "operator_balikpapan": "operator.balikpapan@kompeten.demo",
    "operator_bontang": "operator.bontang@kompeten.demo",
    "assessor": "asesor@kompeten.demo",
    "lsp": "lsp@kompeten.demo",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


@contextlib.contextmanager
def _database(workdir: Path):
    """A database URL of the journeys' own: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    url = _postgres_url()
    if not url:
        yield f"sqlite:///{workdir / 'journeys.sqlite3'}"
        return
    import psycopg

    base, _sep, name = url.rpartition("/")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # never two sessions on one database
    name = f"{name.split('?')[0]}_journeys{worker}"[:63]
    admin_url = f"{base}/postgres"

    def execute(sql):
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class DemoSite:
    url: str
    env: dict
    log: Path
    shots: Path
    process: subprocess.Popen | None
    artefacts: Path
    started: float = field(default_factory=time.time)
    taken: list = field(default_factory=list)

    def now(self) -> datetime.datetime:
        """The demo server's clock: DEMO_TODAY at nine when it started, ticking since."""
        from kompeten.core.management.commands.demo import demo_now

        return demo_now() + datetime.timedelta(seconds=time.time() - self.started)

    def query(self, code: str):
        """Run ``code`` in ``kompeten shell`` against the demo's database, on the demo's clock; it prints one JSON
        value, returned."""
        env = {**self.env, "KOMPETEN_CLOCK": self.now().isoformat()}
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "kompeten.cli", "shell", "-c", code], env=env, cwd=ROOT,
            capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise AssertionError(f"query failed:\n{code}\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_ready(site: DemoSite):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if site.process.poll() is not None:
            pytest.fail(f"the demo server stopped (exit {site.process.returncode}):\n{site.log_tail()}")
        try:
            with urllib.request.urlopen(f"{site.url}/healthz", timeout=5) as response:  # noqa: S310 - our server
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    pytest.fail(f"the demo server was not ready in {READY_TIMEOUT:.0f} s:\n{site.log_tail()}")


def _artefact_dir() -> Path:
    """The test artefacts: the demo server's log and the measured page weights (and the screenshots, unless
    KOMPETEN_SCREENSHOTS sends them elsewhere)."""
    return ROOT / "var" / "journeys" / ("postgresql" if _postgres_url() else "sqlite")


def _screenshot_dir() -> Path:
    configured = os.environ.get("KOMPETEN_SCREENSHOTS")
    return Path(configured).resolve() if configured else _artefact_dir()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    if not chromium_path() and not os.environ.get("KOMPETEN_REQUIRE_BROWSER"):
        pytest.skip("no Chromium for the end-to-end journeys (apt-get install chromium)")
    workdir = tmp_path_factory.mktemp("journeys")
    shots, artefacts = _screenshot_dir(), _artefact_dir()
    shots.mkdir(parents=True, exist_ok=True)
    artefacts.mkdir(parents=True, exist_ok=True)
    running = os.environ.get("KOMPETEN_JOURNEY_URL")
    if running:  # a developer's demo that is already running (kompeten demo), with its KOMPETEN_VAR_DIR/DATABASE_URL
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kompeten.settings", "PYTHONPATH": str(ROOT)}
        yield DemoSite(url=running.rstrip("/"), env=env, log=artefacts / "server.log", shots=shots, process=None,
                       artefacts=artefacts)
        return
    log = artefacts / "server.log"
    port = _free_port()
    with _database(workdir) as database_url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kompeten.settings",
            "DATABASE_URL": database_url,
            "KOMPETEN_VAR_DIR": str(workdir / "var"),
            "KOMPETEN_HTTPS": "0",
            "DEBUG": "0",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "KOMPETEN_BASE_URL": f"http://127.0.0.1:{port}",  # the certificates' QR codes point here
        }
        env.pop("KOMPETEN_CLOCK", None)
        started = time.time()
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "kompeten.cli", "demo", "--addr", f"127.0.0.1:{port}", "--persons",
                 str(PERSONS)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        site = DemoSite(url=f"http://127.0.0.1:{port}", env=env, log=log, shots=shots, artefacts=artefacts,
                        process=process, started=started)
        try:
            _wait_until_ready(site)
            yield site
        finally:
            _stop(process)


def _stop(process: subprocess.Popen):
    """SIGINT first: the demo command then stops its background worker; then the whole process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the journeys' module, closed with it: Playwright's event loop and the async-unsafe switch
    it needs (DJANGO_ALLOW_ASYNC_UNSAFE) end there, before the worker's next tests (a deploy check refuses it)."""
    with pytest.MonkeyPatch.context() as patch, launched_chromium(patch) as launched:
        yield launched


class Journey:
    """One user's way through the pages: a browser context of their device, their language, and screenshots."""

    def __init__(self, site: DemoSite, browser, name: str, device: dict, *, language: str = "id"):
        self.site, self.name, self.device, self.language = site, name, device, language
        self.context = browser.new_context(accept_downloads=True, locale="id-ID" if language == "id" else "en-GB",
                                           timezone_id="Asia/Makassar", **device)
        self.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
        self.context.set_default_timeout(TIMEOUT)
        # The browser's clock agrees with the demo server's ("checked on …", date pickers); timers run as usual.
        self.context.clock.set_system_time(site.now())
        self.problems: list[str] = []
        self.page = self.new_page()

    def new_page(self):
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: script error: {error}"))
        page.on("console", lambda message: message.type == "error" and not message.text.startswith(
            "Failed to load resource") and self.problems.append(f"{page.url}: console error: {message.text}"))
        # A page's own status is the test's business (a 404 on purpose); its scripts, styles, images must load.
        page.on("response", lambda response: response.status >= 400 and response.request.resource_type != "document"
                and self.problems.append(f"{page.url}: {response.status} for {response.url}"))
        return page

    def goto(self, path: str, *, page=None):
        page = page or self.page
        response = page.goto(path if path.startswith("http") else f"{self.site.url}{path}")
        page.wait_for_load_state()
        return response

    def log_in(self, email: str, *, password: str = PASSWORD):
        page = self.page
        self.goto("/akun/masuk/")
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.press("#id_password", "Enter")  # the page's first submit button is the language switch
        page.wait_for_load_state()
        assert "/akun/masuk/" not in page.url, f"{email} could not log in: {page.locator('main').inner_text()[:500]}"

    def submit(self, button, *, then: str | None = None):
        """Click a form's button and wait for the next page; with ``then`` (a regular expression), the next page's
        address must match it, else the assertion shows the form's messages (what the user would read)."""
        page = self.page
        before = page.url
        with page.expect_navigation():
            button.click()
        page.wait_for_load_state()
        if then and not re.search(then, page.url):
            errors = page.locator(".invalid-feedback, .alert, .errorlist").all_inner_texts()
            raise AssertionError(f"after submitting on {before}, now on {page.url}; the page says: {errors}")

    def shot(self, step: str, *, page=None, full_page: bool = True, image=None):
        """Save a screenshot of this step as <journey>-<step>.png (e.g. j2-06-attendance-grid.png); ``image``: a
        rendered document page (PIL) instead of the browser's page."""
        from PIL import Image

        path = self.site.shots / f"{self.name}-{step}.png"
        if image is None:
            image = Image.open(io.BytesIO((page or self.page).screenshot(full_page=full_page)))
        # 256 colours are plenty for pages and documents: a third of the bytes in the user guide.
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
        self.site.taken.append(path.name)
        return path

    def download(self, locator):
        """Click a link that downloads; the file's bytes and its suggested name."""
        with self.page.expect_download() as got:
            locator.click()
        download = got.value
        return Path(download.path()).read_bytes(), download.suggested_filename

    def fetch(self, path: str) -> tuple[bytes, str]:
        """A document the page links to and the browser opens inline (a PDF), fetched with the user's session: its
        bytes and content type."""
        response = self.context.request.get(f"{self.site.url}{path}")
        assert response.ok, f"{path}: {response.status}"
        return response.body(), response.headers.get("content-type", "")

    def check(self, *, page=None):
        """The page is accessible (no serious or critical axe-core violations) and ran without script errors."""
        page = page or self.page
        from kompeten.core.a11y import axe_violations, format_violations

        violations = axe_violations(page)
        assert not violations, f"{page.url}:\n{format_violations(violations)}"
        assert not self.problems, "\n".join(self.problems)

    def first_load_bytes(self, path: str) -> int:
        """What a first visit to ``path`` transfers (compressed bodies and headers of the page and everything it
        loads), in a fresh browser context of the same device: an empty cache, as on a phone that never came."""
        context = self.context.browser.new_context(**self.device)
        context.add_cookies([{"name": "django_language", "value": self.language, "url": self.site.url}])
        page = context.new_page()
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(f"{self.site.url}{path}")
        page.wait_for_load_state("networkidle")
        elsewhere = [r.url for r in responses if not r.url.startswith(self.site.url)]
        assert not elsewhere, f"{path} loads from elsewhere (no CDN: everything is served by Kompeten): {elsewhere}"
        total = 0
        for response in responses:
            sizes = response.request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        context.close()
        return total

    def close(self):
        self.context.close()


@pytest.fixture
def journey(demo_site, browser):
    """journey(name, device, language="id") -> Journey; closed at the end of the test."""
    opened = []

    def open_journey(name: str, device: dict = DESKTOP, **options) -> Journey:
        opened.append(Journey(demo_site, browser, name, device, **options))
        return opened[-1]

    yield open_journey
    for each in opened:
        each.close()


def pdf_pages(data: bytes, *, dpi: int = 110):
    """The PDF's pages rendered as PIL images (pypdfium2), to look at and to scan."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return [document[index].render(scale=dpi / 72).to_pil() for index in range(len(document))]
    finally:
        document.close()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_codes(image) -> list[str]:
    import zxingcpp

    return [found.text for found in zxingcpp.read_barcodes(image) if found.format == zxingcpp.BarcodeFormat.QRCode]
