"""Log scan: a pytest plugin that fails the run when any log record of it holds a secret or personal data.

Registered in the root conftest.py (``pytest_plugins = ["tests.logscan"]``). For the whole run it lowers every
logger to DEBUG and captures every record (all loggers, all levels: django.request, django.server, django.template,
and django.db.backends when the debug cursor is on, the project's own, the libraries') into
``<the run's basetemp>/logscan-<process>.log``, one line per record: logger, level, message, exception text.
Handlers that were there before keep the level they had (the console shows what it showed before).

At the end of the session each process (the main one, or each pytest-xdist worker) scans its own file for:

- a NIK: 16 digits standing alone;
- an Indonesian mobile number: 08…, +628… or +62 8… (with or without spaces, dots or dashes);
- an API token: ``kpt_`` and 16 or more token characters (the 8-character prefix shown in lists is not one);
- a password of the test fixtures: module-level constants whose name has PASSWORD in it and the literal strings
  given as a password (``password=``, ``"password": …``, ``new_password1`` …) in the test modules of the run;
- a session id that Django made during the run (the plugin records each new session key).

Records of the loggers in ``NOT_SCANNED`` (the SQL echo of django.db.backends) are captured but not scanned: the
echo holds every value of every query by design and exists only under the debug cursor, never in production.

A worker hands its findings to the controller (``workeroutput``); the controller (or the single process) prints
them, the secret itself masked, and sets the exit status to "tests failed". Set KOMPETEN_LOGSCAN=0 to switch the
scan off for one run (for example to read a log while debugging).
"""

from __future__ import annotations

import ast
import logging
import os
import re
import sys
from pathlib import Path

import pytest

NIK = re.compile(r"(?<![\d])\d{16}(?![\d])")
PHONE = re.compile(r"(?<![\w+])(?:\+62[\s.-]?|0)8\d{1,3}(?:[\s.-]?\d{2,4}){2,3}(?!\d)")
TOKEN = re.compile(r"kpt_[A-Za-z0-9_-]{16,}")
SESSION_KEY = re.compile(r"(?<![a-z0-9])[a-z0-9]{32}(?![a-z0-9])")
MIN_PASSWORD = 8  # shorter literals are not taken as passwords (they would match ordinary words)
# Loggers captured but not scanned, and why. The SQL echo carries every value of every query by design; Django emits
# it only through the debug cursor (DEBUG on, or a test counting queries), never with the production settings, whose
# DEBUG is off (tests/test_security_headers.py loads them, and `check --deploy` refuses DEBUG on).
NOT_SCANNED = {"django.db.backends": "SQL echo of the debug cursor (test query counts only; off in production)"}

_NEWLINE = " \u23ce "  # a record's own line breaks, so that each record stays on one line of the file
_state: dict = {}


def enabled(config) -> bool:
    return os.environ.get("KOMPETEN_LOGSCAN", "1") != "0" and not config.getoption("collectonly", False)


def process_name(config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"


# --- capturing ------------------------------------------------------------------------------------------------


class CaptureHandler(logging.Handler):
    """Writes every record it sees, on one line: logger, level, message, exception."""

    def __init__(self, path: Path):
        super().__init__(logging.NOTSET)
        self.path = path
        self.stream = path.open("a", encoding="utf-8", errors="backslashreplace")
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its message: keep both
            message = f"{record.msg!r} % {record.args!r}"
        parts = [message]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        text = " | ".join(parts).replace("\r", "").replace("\n", _NEWLINE)
        self.stream.write(f"{record.name}\t{record.levelname}\t{text}\n")
        self.records += 1

    def close(self) -> None:
        self.stream.close()
        super().close()


def _install(path: Path) -> CaptureHandler:
    handler = CaptureHandler(path)
    manager = logging.Logger.manager
    root = logging.getLogger()
    changed_levels, changed_handlers, extra = [], [], []
    loggers = [root] + [logger for logger in manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    for logger in loggers:
        before = logger.getEffectiveLevel()
        for existing in logger.handlers:
            if existing.level == logging.NOTSET:  # keeps showing what it showed before
                changed_handlers.append(existing)
                existing.setLevel(before)
        if logger.level != logging.DEBUG and (logger is root or logger.level != logging.NOTSET):
            changed_levels.append((logger, logger.level))
            logger.setLevel(logging.DEBUG)
        if logger is not root and not logger.propagate:  # django.server, for one: its records never reach root
            logger.addHandler(handler)
            extra.append(logger)
    root.addHandler(handler)
    _state.update(handler=handler, levels=changed_levels, handlers=changed_handlers, extra=extra)
    return handler


def _uninstall() -> None:
    handler = _state.get("handler")
    if handler is None:
        return
    logging.getLogger().removeHandler(handler)
    for logger in _state["extra"]:
        logger.removeHandler(handler)
    for logger, level in _state["levels"]:
        logger.setLevel(level)
    for existing in _state["handlers"]:
        existing.setLevel(logging.NOTSET)
    handler.close()


def _watch_session_keys() -> None:
    """Record every session key Django makes, to look for it in the logs."""
    try:
        from django.contrib.sessions.backends.base import SessionBase
    except ImportError:  # pragma: no cover - a run without Django
        return
    keys: set[str] = _state.setdefault("session_keys", set())
    original = SessionBase._get_new_session_key

    def _get_new_session_key(self):
        key = original(self)
        keys.add(key)
        return key

    SessionBase._get_new_session_key = _get_new_session_key
    _state["restore_session"] = (SessionBase, original)


# --- the passwords of the test fixtures -----------------------------------------------------------------------


def _is_password_name(name: str | None) -> bool:
    return bool(name) and "password" in name.lower()


def passwords_in_source(source: str) -> set[str]:
    """String literals that a test module uses as passwords."""
    found: set[str] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found

    def take(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= MIN_PASSWORD:
            found.add(node.value)

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_is_password_name(getattr(target, "id", None) or getattr(target, "attr", None))
                   for target in targets):
                take(node.value)
        elif isinstance(node, ast.keyword) and _is_password_name(node.arg):
            take(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and _is_password_name(key.value):
                    take(value)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("create_user", "set_password"):
            for argument in node.args[1:2] if node.func.attr == "create_user" else node.args[:1]:
                take(argument)
    return found


def fixture_passwords(rootdir: Path) -> set[str]:
    """The passwords in the conftest files and test modules loaded in this process."""
    passwords: set[str] = set()
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None) or ""
        if not filename.endswith(".py"):
            continue
        path = Path(filename)
        if not (path.name == "conftest.py" or path.name.startswith("test_") or "tests" in path.parts):
            continue
        try:
            if not path.resolve().is_relative_to(rootdir):
                continue
            passwords |= passwords_in_source(path.read_text(encoding="utf-8"))
        except OSError:
            continue
    return passwords


# --- scanning -------------------------------------------------------------------------------------------------


def _spans(text: str, passwords: set[str], session_keys: set[str]):
    for label, pattern in (("NIK", NIK), ("phone number", PHONE), ("API token", TOKEN)):
        for match in pattern.finditer(text):
            yield label, match.start(), match.end()
    for password in passwords:
        index = text.find(password)
        while index >= 0:
            yield "password", index, index + len(password)
            index = text.find(password, index + 1)
    if session_keys:
        for match in SESSION_KEY.finditer(text):
            if match.group() in session_keys:
                yield "session id", match.start(), match.end()


def scan_line(text: str, passwords: set[str], session_keys: set[str]):
    """(what, excerpt) for each secret in one captured record; in the excerpts every secret found is masked (its
    first two characters, then stars)."""
    spans = list(_spans(text, passwords, session_keys))
    if not spans:
        return
    masked = list(text)
    for _label, start, end in spans:
        masked[start + 2:end] = "*" * max(end - start - 2, 0)
    masked_text = "".join(masked)
    for label, start, end in spans:
        yield label, masked_text[max(0, start - 60):end + 40].strip()


def scan_file(path: Path, passwords: set[str], session_keys: set[str], *, limit: int = 50) -> list[str]:
    findings: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            logger, level, text = (line.rstrip("\n").split("\t", 2) + ["", ""])[:3]
            if logger in NOT_SCANNED:
                continue
            for label, excerpt in scan_line(text, passwords, session_keys):
                findings.append(f"{path.name}:{number} {logger} {level}: {label}: {excerpt}")
                if len(findings) >= limit:
                    return findings
    return findings


# --- hooks ----------------------------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    config = session.config
    if not enabled(config):
        return
    folder = config._tmp_path_factory.getbasetemp()
    path = folder / f"logscan-{process_name(config)}.log"
    _install(path)
    _watch_session_keys()
    _state["findings"] = []


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    handler = _state.get("handler")
    if handler is None:
        return
    restore = _state.pop("restore_session", None)
    if restore:
        restore[0]._get_new_session_key = restore[1]
    _uninstall()
    findings = scan_file(handler.path, fixture_passwords(Path(str(config.rootpath)).resolve()),
                         _state.get("session_keys", set()))
    _state["scanned"] = (handler.path, handler.records)
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller reports
        workeroutput["logscan"] = findings
        workeroutput["logscan_records"] = handler.records
        return
    _state["findings"].extend(findings)
    if _state["findings"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist, in the controller: a worker finished; keep what its scan found."""
    output = getattr(node, "workeroutput", None) or {}
    _state.setdefault("findings", []).extend(output.get("logscan", []))
    _state["worker_records"] = _state.get("worker_records", 0) + output.get("logscan_records", 0)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if "scanned" not in _state:
        return
    path, records = _state["scanned"]
    records += _state.get("worker_records", 0)
    findings = _state.get("findings", [])
    if findings:
        terminalreporter.section("log scan: personal data or secrets in the logs", sep="=", red=True, bold=True)
        for finding in findings:
            terminalreporter.line(finding)
        terminalreporter.line(f"{len(findings)} finding(s) in {records} log records; the logs are in {path.parent}",
                              red=True)
    else:
        terminalreporter.line(f"log scan: {records} log records, no NIK, phone number, password, token or session id")
