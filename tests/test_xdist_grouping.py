"""The Makefile runs pytest with ``--dist loadgroup`` so that the end-to-end journeys (tests/journeys/) stay on one
worker with their one demo server. pytest-xdist groups through the tests' node ids, which pytest 9.2 stopped reading
(pyproject.toml pins pytest below it): this checks the grouping on the pinned pair, in a pytest of its own."""

import re
import subprocess
import sys

PROBE = """
import pytest

pytestmark = pytest.mark.xdist_group("probe")


def test_a():
    pass


def test_b():
    pass


def test_c():
    pass
"""


def test_loadgroup_keeps_a_group_on_one_worker(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
         "-p", "no:django", "test_probe.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    workers = re.findall(r"\[(gw\d+)\].*PASSED test_probe\.py::test_\w+@probe", done.stdout)
    assert len(workers) == 3 and len(set(workers)) == 1, done.stdout[-2000:]
