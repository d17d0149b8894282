"""Finding a Chromium for the browser tests (Playwright). Used by tests only.

Without Playwright or a Chromium, the browser tests are skipped with the reason, on a developer's machine; CI sets
KOMPETEN_REQUIRE_BROWSER=1 (``.ci/run`` installs Chromium), and there a missing browser fails the run instead.
"""

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
