"""Finding a Chromium for the browser tests (Playwright). Used by tests only.

Without Playwright or a Chromium, the browser tests are skipped with the reason, on a developer's machine; CI sets
KOMPETEN_REQUIRE_BROWSER=1 (``.ci/run`` installs Chromium), and there a missing browser fails the run instead.
"""

import contextlib
import os
import shutil

import pytest


def chromium_path() -> str | None:
    """KOMPETEN_CHROMIUM, else a Chromium on the PATH; None: Playwright's own browser, if it was installed."""
    configured = os.environ.get("KOMPETEN_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args() -> list[str]:
    """Chromium refuses to start its sandbox as root (CI containers run as root)."""
    return ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def no_browser(reason: str):
    """Skip (a developer's machine) or fail (CI, KOMPETEN_REQUIRE_BROWSER=1): the browser tests cannot run."""
    if os.environ.get("KOMPETEN_REQUIRE_BROWSER"):
        pytest.fail(f"the browser tests must run here: {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def launched_chromium(monkeypatch):
    """A launched Chromium (Playwright's sync API) for a browser test, closed afterwards; skips or fails through
    ``no_browser`` when Playwright or a Chromium is missing or does not start."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        no_browser("Playwright is not installed (pip install playwright)")
    executable = chromium_path()
    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test body are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=chromium_args())
        except Exception as exc:  # no binary, or one Playwright cannot drive
            no_browser(f"Chromium does not start ({executable or 'the one of Playwright'}): {exc}")
        try:
            yield browser
        finally:
            browser.close()
