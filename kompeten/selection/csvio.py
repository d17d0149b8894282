"""The CSV files of ``kompeten allocate``: read an allocation problem from a folder, write the result.

The folder holds three UTF-8 CSV files with a header line (other columns are ignored):

- ``programmes.csv``: ``programme_id,capacity`` and optional ``reserve_<group>`` columns, the seats
  reserved for a group (processed in the order of these columns, see engine.py);
- ``applicants.csv``: ``applicant_id,lottery`` and, for each reserve, a 0/1 column ``<group>``;
- ``applications.csv``: ``applicant_id,rank,programme_id,score`` (rank 1 = first choice; ranks of
  an applicant must differ and may skip numbers; higher score = higher priority).

The result holds ``applicant_id,programme_id,rank``, one row per applicant in the order of
applicants.csv, with empty programme_id and rank when the applicant got no seat.

Reading is vectorised with NumPy for speed: the common file (no quotes, ``\\n`` or ``\\r\\n`` line ends)
is split on its delimiters in one pass, whole numbers are parsed digit by digit over all rows at once
and ids are matched through 64-bit keys. Anything else (quoted fields, odd line ends, wrong field
counts) goes through the csv module, which also finds the line of a malformed row. Every problem is
reported with file, line and column, and nothing is written then.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _
from numpy.lib.stride_tricks import sliding_window_view

from .engine import Instance, Result, allocate

PROGRAMMES = "programmes.csv"
APPLICANTS = "applicants.csv"
APPLICATIONS = "applications.csv"
RESERVE_PREFIX = "reserve_"
RESULT_HEADER = b"applicant_id,programme_id,rank\n"
MAX_REPORTED = 10
_BOM = b"\xef\xbb\xbf"
_NEWLINE, _COMMA, _MINUS, _ZERO = 10, 44, 45, 48
_DELIMITER = np.zeros(256, dtype=bool)
_DELIMITER[[_NEWLINE, _COMMA]] = True
_SEPARATOR = b"\x1f"  # between the fields of a table read by the csv module
_PADDING = 32  # zero bytes after the data, so that fixed-width windows never run past it
_CHUNK = 1 << 20
_WORD_MASKS = np.array([((1 << 64) - 1) ^ ((1 << (64 - 8 * n)) - 1) for n in range(9)], dtype=np.uint64)


class CsvError(Exception):
    """Bad input files: ``messages`` says what and where, one line each."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class Table:
    """A CSV file's data rows as bytes and field boundaries: the fields, row after row, are
    ``raw[bounds[f] + 1:bounds[f + 1]]`` for f = 0 .. rows x columns - 1."""

    file: str
    raw: bytes
    header: list[str]
    bounds: np.ndarray
    lines: np.ndarray | None = None  # line number of each row when not simply row + 2
    plain: bool = True  # read by the fast path: no field can hold a comma, quote or line end
    _spans: dict = field(default_factory=dict, repr=False)

    @property
    def rows(self) -> int:
        return (self.bounds.size - 1) // len(self.header)

    def line(self, row: int) -> int:
        return int(self.lines[row]) if self.lines is not None else row + 2

    def col(self, name: str) -> int:
        return self.header.index(name)

    def span(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(starts, ends) of the column's values, one per row."""
        if column not in self._spans:
            j, width = self.col(column), len(self.header)
            self._spans[column] = (self.bounds[j:-1:width] + 1, np.ascontiguousarray(self.bounds[j + 1::width]))
        return self._spans[column]

    @property
    def padded(self) -> np.ndarray:
        """``raw`` as bytes, followed by zeros."""
        if "" not in self._spans:
            self._spans[""] = np.frombuffer(self.raw + bytes(_PADDING), dtype=np.uint8)
        return self._spans[""]

    def text(self, row: int, column: str) -> str:
        starts, ends = self.span(column)
        return self.raw[starts[row]:ends[row]].decode("utf-8")


@dataclass
class Problem:
    """What :func:`read_problem` returns: the engine's instance and the tables for writing the result."""

    instance: Instance
    programmes: Table
    applicants: Table


def _fail(table: Table, rows, message) -> None:
    """Raise a CsvError for the given rows; ``message(row)`` is the text for one row (no prefix)."""
    rows = [int(r) for r in rows]
    messages = [_("%(file)s line %(line)s: %(problem)s") % {
        "file": table.file, "line": table.line(row), "problem": message(row)} for row in rows[:MAX_REPORTED]]
    if len(rows) > MAX_REPORTED:
        messages.append(_("… and %(count)s more row(s) with the same problem.") % {"count": len(rows) - MAX_REPORTED})
    raise CsvError(messages)


def _fail_file(message: str) -> None:
    raise CsvError([message])


# --------------------------------------------------------------------------------------------------
# Reading a table
# --------------------------------------------------------------------------------------------------


def read_table(path: Path, required: list[str]) -> Table:
    """Read ``path`` and check its header holds the ``required`` columns."""
    file = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        _fail_file(_("%(file)s was not found in %(folder)s.") % {"file": file, "folder": path.parent})
    except OSError as error:
        _fail_file(_("%(file)s cannot be read: %(reason)s") % {"file": file, "reason": error.strerror})
    if raw.startswith(_BOM):
        raw = raw[len(_BOM):]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        _fail_file(_("%(file)s line %(line)s: the file is not UTF-8 text.")
                   % {"file": file, "line": raw.count(b"\n", 0, error.start) + 1})
    if not raw.strip():
        _fail_file(_("%(file)s is empty: its first line must be the header %(columns)s.")
                   % {"file": file, "columns": ",".join(required)})
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    table = None if b'"' in raw or b"\r" in raw else _read_plain(file, raw)
    if table is None:
        table = _read_with_csv(file, raw.decode("utf-8"))
    _check_header(table, required)
    return table


def _read_plain(file: str, raw: bytes) -> Table | None:
    """The fast path; None when the file needs the csv module (or has a malformed row)."""
    header_end = raw.find(b"\n")
    if header_end < 0:
        header_end = len(raw)
        raw += b"\n"
    header = [name.strip() for name in raw[:header_end].decode("utf-8").split(",")]
    end = len(raw)
    while end > header_end + 1 and raw[end - 1] == _NEWLINE:
        end -= 1  # ignore blank lines at the end
    if end == header_end + 1:  # no data rows
        return Table(file, raw, header, np.array([header_end], dtype=np.int64))
    if end == len(raw):
        raw += b"\n"
    end += 1  # keep one line end
    columns = len(header)
    data = np.frombuffer(raw, dtype=np.uint8)
    rows = raw.count(b"\n", header_end + 1, end)
    bounds = np.flatnonzero(_DELIMITER[data[header_end:end]])  # starts with the header's line end
    bounds += header_end
    if bounds.size != rows * columns + 1 or not np.all(data[bounds[columns::columns]] == _NEWLINE):
        return None
    return Table(file, raw, header, bounds)


def _read_with_csv(file: str, text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    fields: list[bytes] = []
    lines: list[int] = []
    wrong: list[tuple[int, int]] = []
    try:
        header = [name.strip() for name in next(reader)]
        for row in reader:
            if not row:
                continue  # blank line
            if len(row) != len(header):
                wrong.append((reader.line_num, len(row)))
                continue
            lines.append(reader.line_num)
            fields.extend(value.encode("utf-8") for value in row)
    except csv.Error as error:
        _fail_file(_("%(file)s line %(line)s: %(reason)s") % {"file": file, "line": reader.line_num,
                                                              "reason": str(error)})
    if wrong:
        messages = [_("%(file)s line %(line)s: %(count)s fields where the header has %(expected)s.")
                    % {"file": file, "line": line, "count": count, "expected": len(header)}
                    for line, count in wrong[:MAX_REPORTED]]
        if len(wrong) > MAX_REPORTED:
            messages.append(_("… and %(count)s more row(s) with the same problem.")
                            % {"count": len(wrong) - MAX_REPORTED})
        raise CsvError(messages)
    lengths = np.fromiter(map(len, fields), dtype=np.int64, count=len(fields))
    bounds = np.concatenate(([-1], np.cumsum(lengths + 1) - 1))
    return Table(file, _SEPARATOR.join(fields), header, bounds, np.array(lines, dtype=np.int64), plain=False)


def _check_header(table: Table, required: list[str]) -> None:
    seen = set()
    for name in table.header:
        if name in seen:
            _fail_file(_("%(file)s line 1: the column %(column)s appears twice in the header.")
                       % {"file": table.file, "column": name})
        seen.add(name)
    for name in required:
        if name not in seen:
            _fail_file(_("%(file)s line 1: the column %(column)s is missing (the header has: %(header)s).")
                       % {"file": table.file, "column": name, "header": ",".join(table.header)})


# --------------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------------


def _field_bytes(table: Table, column: str, rows) -> list[bytes]:
    starts, ends = table.span(column)
    return [table.raw[s:e] for s, e in zip(starts[rows].tolist(), ends[rows].tolist(), strict=True)]


def _digits(table: Table, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers written as plain digits (optionally after a minus), parsed for all rows at once.
    Returns (values, parsed): rows not parsed here (other spellings) are left to Python."""
    starts, ends = table.span(column)
    data = table.padded
    negative = (ends > starts) & (data[starts] == _MINUS)
    first = starts + negative
    length = ends - first
    parsed = (length > 0) & (length <= 18)
    values = np.zeros(table.rows, dtype=np.int64)
    width = int(min(length.max(), 18)) if table.rows else 0
    if not width:
        return values, parsed
    windows = sliding_window_view(data, width)
    for chunk in range(0, table.rows, _CHUNK):  # bounded memory: rows x width bytes at a time
        rows = slice(chunk, chunk + _CHUNK)
        digits = windows[first[rows]] - np.uint8(_ZERO)  # (rows, width); not a digit: 10 or more
        size, number, ok = length[rows], values[rows], parsed[rows]
        for k in range(width):
            inside = size > k
            ok &= ~inside | (digits[:, k] < 10)
            number[:] = np.where(inside, number * 10 + digits[:, k], number)
    values[~parsed] = 0
    values[negative] *= -1
    return values, parsed


def _numbers(table: Table, column: str, *, whole: bool) -> np.ndarray:
    """A numeric column (int64 if ``whole`` else float64); bad values raise CsvError."""
    values, parsed = _digits(table, column)
    values = values if whole else values.astype(np.float64)
    rest = np.flatnonzero(~parsed)
    bad, too_large = [], []
    for row, text in zip(rest.tolist(), _field_bytes(table, column, rest), strict=True):
        try:
            number = float(text.decode("utf-8"))
        except ValueError:
            bad.append(row)
            continue
        if whole and np.isfinite(number) and number == int(number) and abs(number) >= 2**62:
            too_large.append(row)
        elif not np.isfinite(number) or (whole and number != int(number)):
            bad.append(row)
        else:
            values[row] = int(number) if whole else number
    if too_large:
        _fail(table, too_large, lambda row: _("column %(column)s: '%(value)s' is too large.")
              % {"column": column, "value": table.text(row, column)})
    if bad:
        if whole:
            _fail(table, bad, lambda row: _("column %(column)s: '%(value)s' is not a whole number.")
                  % {"column": column, "value": table.text(row, column)})
        _fail(table, bad, lambda row: _("column %(column)s: '%(value)s' is not a number.")
              % {"column": column, "value": table.text(row, column)})
    return values


def _not_negative(table: Table, column: str, values: np.ndarray) -> None:
    bad = np.flatnonzero(values < 0)
    if bad.size:
        _fail(table, bad, lambda row: _("column %(column)s: %(value)s is negative.")
              % {"column": column, "value": table.text(row, column)})


class _Ids:
    """An id column whose values must be unique (programme_id, applicant_id): value -> row."""

    def __init__(self, table: Table, column: str):
        self.table, self.column = table, column
        self.keys, self.exact = _keys(table, column)
        self.order = np.argsort(self.keys, kind="stable")
        self.sorted = self.keys[self.order]
        self.fallback = None
        same = np.flatnonzero(self.sorted[1:] == self.sorted[:-1])
        if not same.size:
            return
        texts = [(table.text(int(self.order[i]), column), table.text(int(self.order[i + 1]), column)) for i in same]
        duplicates = [(int(self.order[i]), int(self.order[i + 1])) for i, (a, b) in zip(same, texts, strict=True)
                      if a == b]
        if duplicates:
            first = {later: earlier for earlier, later in duplicates}
            _fail(table, sorted(first), lambda row: _("column %(column)s: %(value)s already appears on line "
                                                      "%(first)s.") % {"column": column,
                                                                         "value": table.text(row, column),
                                                                         "first": table.line(first[row])})
        # Two different ids with the same 64-bit hash: rare enough to fall back to a dictionary.
        self.fallback = {text: row for row, text in enumerate(_field_bytes(table, column, np.arange(table.rows)))}

    def lookup(self, table: Table, column: str, other_file: str) -> np.ndarray:
        """The row of each value of ``table[column]`` here; unknown values raise CsvError."""
        if self.fallback is not None:
            found = np.fromiter((self.fallback.get(text, -1) for text in
                                 _field_bytes(table, column, np.arange(table.rows))), dtype=np.int64, count=table.rows)
        else:
            keys, _exact = _keys(table, column, hashed=not self.exact)
            found = np.full(table.rows, -1, dtype=np.int64)
            if self.sorted.size and table.rows:
                # Look up each run of equal values once (applications come grouped by applicant).
                head = np.ones(table.rows, dtype=bool)
                head[1:] = keys[1:] != keys[:-1]
                heads = keys[head]
                at = np.minimum(np.searchsorted(self.sorted, heads), self.sorted.size - 1)
                found = np.repeat(np.where(self.sorted[at] == heads, self.order[at], -1),
                                  np.diff(np.append(np.flatnonzero(head), table.rows)))
            if self.exact:  # a key is the value's first 8 bytes, padded: the lengths must agree too
                mine_starts, mine_ends = self.table.span(self.column)
                starts, ends = table.span(column)
                found[(mine_ends - mine_starts)[np.maximum(found, 0)] != ends - starts] = -1
            else:
                found[~_same_text(table, column, self.table, self.column, found)] = -1
        unknown = np.flatnonzero(found < 0)
        if unknown.size:
            _fail(table, unknown, lambda row: _("%(column)s '%(value)s' is not in %(other)s.")
                  % {"column": column, "value": table.text(row, column), "other": other_file})
        return found


def _keys(table: Table, column: str, hashed: bool | None = None) -> tuple[np.ndarray, bool]:
    """A 64-bit key per value: the bytes themselves when every value fits in 8 bytes (exact), else a hash.

    With ``hashed=False`` the caller knows the exact keys it compares with hold at most 8 bytes, so a
    longer value gets the key of its first 8 bytes and the caller must reject it by its length."""
    starts, ends = table.span(column)
    length = ends - starts
    empty = np.flatnonzero(length == 0)
    if empty.size:
        _fail(table, empty, lambda row: _("column %(column)s: the value is empty.") % {"column": column})
    widest = int(length.max()) if table.rows else 0
    if hashed is None:
        hashed = widest > 8 or b"\x00" in table.raw  # NUL bytes would make padded keys ambiguous
    if not hashed:
        return _word(table, starts, length), True
    keys = np.full(table.rows, 0xCBF29CE484222325, dtype=np.uint64)
    for chunk in range(0, widest, 8):
        mixed = (keys ^ _word(table, starts + chunk, length - chunk)) * np.uint64(0x100000001B3)
        keys = np.where(length > chunk, mixed, keys)
    keys ^= length.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return keys, False


def _word(table: Table, starts: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The (up to) 8 bytes of each value from ``starts`` as a big-endian number, so that keys sort like
    the text; bytes past ``length`` count as zero."""
    windows = sliding_window_view(table.padded, 8)
    word = windows[np.minimum(starts, windows.shape[0] - 1)].view(">u8").ravel().astype(np.uint64)
    word &= _WORD_MASKS[np.clip(length, 0, 8)]
    return word


def _same_text(table: Table, column: str, other: Table, other_column: str, rows: np.ndarray) -> np.ndarray:
    """Whether table[column] equals other[other_column] at ``rows`` (row -1: False)."""
    starts, ends = table.span(column)
    length = ends - starts
    safe = np.maximum(rows, 0)
    other_starts, other_ends = (array[safe] for array in other.span(other_column))
    same = (rows >= 0) & (other_ends - other_starts == length)
    data, other_data = np.frombuffer(table.raw, dtype=np.uint8), np.frombuffer(other.raw, dtype=np.uint8)
    for position in range(int(length.max()) if table.rows else 0):
        inside = same & (length > position)
        same[inside] = data[starts[inside] + position] == other_data[other_starts[inside] + position]
    return same


# --------------------------------------------------------------------------------------------------
# The problem
# --------------------------------------------------------------------------------------------------


def read_problem(folder: Path) -> Problem:
    """Read and check the three files of ``folder``; raise CsvError on the first bad file."""
    programmes = read_table(folder / PROGRAMMES, ["programme_id", "capacity"])
    applicants = read_table(folder / APPLICANTS, ["applicant_id", "lottery"])
    applications = read_table(folder / APPLICATIONS, ["applicant_id", "rank", "programme_id", "score"])

    programme_ids = _Ids(programmes, "programme_id")
    capacities = _numbers(programmes, "capacity", whole=True)
    _not_negative(programmes, "capacity", capacities)
    reserves: dict[str, np.ndarray] = {}
    for column in programmes.header:
        if not column.startswith(RESERVE_PREFIX):
            continue
        group = column[len(RESERVE_PREFIX):]
        if not group or group == "open":
            _fail_file(_("%(file)s line 1: %(column)s is not a valid reserve column: name a group after "
                         "%(prefix)s (not \"open\").") % {"file": PROGRAMMES, "column": column,
                                                          "prefix": RESERVE_PREFIX})
        if group not in applicants.header:
            _fail_file(_("%(file)s line 1: the column %(column)s is missing: %(other)s reserves seats for "
                         "that group in %(reserve)s.") % {"file": APPLICANTS, "column": group,
                                                          "other": PROGRAMMES, "reserve": column})
        reserves[group] = _numbers(programmes, column, whole=True)
        _not_negative(programmes, column, reserves[group])
    if reserves:
        total = sum(reserves.values())
        over = np.flatnonzero(total > capacities)
        if over.size:
            _fail(programmes, over, lambda row: _("the reserved seats (%(reserved)s) exceed the capacity "
                                                  "(%(capacity)s).") % {"reserved": int(total[row]),
                                                                        "capacity": int(capacities[row])})

    applicant_ids = _Ids(applicants, "applicant_id")
    lottery = _numbers(applicants, "lottery", whole=False)
    groups = {}
    for group in reserves:
        flags = _numbers(applicants, group, whole=True)
        bad = np.flatnonzero((flags != 0) & (flags != 1))
        if bad.size:
            _fail(applicants, bad, lambda row: _("column %(column)s: '%(value)s' must be 0 or 1.")
                  % {"column": group, "value": applicants.text(row, group)})  # noqa: B023 (raised at once)
        groups[group] = flags.astype(bool)

    applicant = applicant_ids.lookup(applications, "applicant_id", APPLICANTS)
    programme = programme_ids.lookup(applications, "programme_id", PROGRAMMES)
    rank = _numbers(applications, "rank", whole=True)
    bad = np.flatnonzero(rank < 1)
    if bad.size:
        _fail(applications, bad, lambda row: _("column rank: %(value)s is not a rank (1 = first choice).")
              % {"value": applications.text(row, "rank")})
    score = _numbers(applications, "score", whole=False)
    order = _by_applicant_and_rank(applications, applicant, rank)
    if order is not None:
        applicant, programme, rank, score = applicant[order], programme[order], rank[order], score[order]
    _no_programme_twice(applications, applicant, programme, order)

    instance = Instance(capacities=capacities, lottery=lottery, app_applicant=applicant, app_programme=programme,
                        app_rank=rank, app_score=score, reserves=reserves, groups=groups)
    return Problem(instance, programmes, applicants)


@dataclass
class Ids:
    """The ids of the files, by index: ``applicants[a]``, ``programmes[p]``."""

    applicants: list[str]
    programmes: list[str]


def read_dir(folder: Path) -> tuple[Instance, Ids]:
    """The instance of ``folder`` and its ids (for callers that do not write a result file)."""
    problem = read_problem(Path(folder))
    ids = Ids([problem.applicants.text(a, "applicant_id") for a in range(problem.applicants.rows)],
              [problem.programmes.text(p, "programme_id") for p in range(problem.programmes.rows)])
    return problem.instance, ids


def allocate_dir(folder: Path) -> dict[str, str]:
    """Allocate the problem of ``folder``: applicant_id -> programme_id ("" when unassigned), as RESULT.csv says."""
    instance, ids = read_dir(folder)
    assignment = allocate(instance).assignment.tolist()
    return {ids.applicants[a]: (ids.programmes[p] if p >= 0 else "") for a, p in enumerate(assignment)}


def _by_applicant_and_rank(table: Table, applicant: np.ndarray, rank: np.ndarray) -> np.ndarray | None:
    """The order that sorts the applications by applicant then rank (None: already sorted); a rank
    given twice for one applicant raises CsvError."""
    if not table.rows:
        return None
    span = int(rank.max()) + 1
    if span * (int(applicant.max()) + 1) < 2**62:
        key = applicant * span + rank
        order = None if np.all(key[1:] > key[:-1]) else np.argsort(key, kind="stable")
        ordered = key if order is None else key[order]
    else:
        order = np.lexsort((rank, applicant))
        ordered = None
    rows = np.arange(table.rows) if order is None else order
    if ordered is not None:
        twice = np.flatnonzero(ordered[1:] == ordered[:-1])
    else:
        twice = np.flatnonzero((applicant[order][1:] == applicant[order][:-1]) & (rank[order][1:] == rank[order][:-1]))
    if twice.size:
        first = {int(rows[i + 1]): int(rows[i]) for i in twice}
        _fail(table, sorted(first), lambda row: _("applicant %(applicant)s has rank %(rank)s twice (also on "
                                                  "line %(first)s).")
              % {"applicant": table.text(row, "applicant_id"), "rank": int(rank[row]),
                 "first": table.line(first[row])})
    return order


def _no_programme_twice(table: Table, applicant, programme, order) -> None:
    rows = np.arange(table.rows) if order is None else order
    same = applicant[1:] == applicant[:-1]
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    longest = int(np.diff(np.append(starts, applicant.size)).max()) if applicant.size else 0
    first: dict[int, int] = {}
    if longest <= 8:
        for shift in range(1, longest):
            for i in np.flatnonzero((applicant[shift:] == applicant[:-shift])
                                    & (programme[shift:] == programme[:-shift])).tolist():
                first.setdefault(int(rows[i + shift]), int(rows[i]))
    else:
        pairs = np.argsort(applicant * (int(programme.max()) + 1) + programme, kind="stable")
        for i in np.flatnonzero((applicant[pairs][1:] == applicant[pairs][:-1])
                                & (programme[pairs][1:] == programme[pairs][:-1])).tolist():
            first.setdefault(int(rows[pairs[i + 1]]), int(rows[pairs[i]]))
    if first:
        _fail(table, sorted(first), lambda row: _("applicant %(applicant)s applies to %(programme)s twice (also on "
                                                  "line %(first)s).")
              % {"applicant": table.text(row, "applicant_id"), "programme": table.text(row, "programme_id"),
                 "first": table.line(first[row])})


# --------------------------------------------------------------------------------------------------
# Writing the result
# --------------------------------------------------------------------------------------------------


def write_result(path: Path, problem: Problem, result: Result) -> None:
    """Write RESULT.csv atomically: to a temporary file beside it, renamed only once complete."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_result_bytes(problem, result))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _needs_quoting(table: Table) -> bool:
    return not table.plain and any(special in table.raw for special in (b",", b'"', b"\n", b"\r"))


def _result_bytes(problem: Problem, result: Result) -> bytes:
    applicants, programmes = problem.applicants, problem.programmes
    assignment = result.assignment.astype(np.int64)
    assigned = assignment >= 0
    if _needs_quoting(applicants) or _needs_quoting(programmes):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["applicant_id", "programme_id", "rank"])
        for row, (programme, rank) in enumerate(zip(assignment.tolist(), result.assigned_rank.tolist(), strict=True)):
            writer.writerow([applicants.text(row, "applicant_id"),
                             programmes.text(programme, "programme_id") if programme >= 0 else "",
                             rank if programme >= 0 else ""])
        return out.getvalue().encode("utf-8")

    ranks, rank_index = np.unique(np.where(assigned, result.assigned_rank, 0), return_inverse=True)
    rank_texts = [str(int(r)).encode() if r > 0 else b"" for r in ranks]
    rank_lengths = np.array([len(text) for text in rank_texts], dtype=np.int64)
    rank_starts = np.cumsum(rank_lengths) - rank_lengths
    applicant_starts, applicant_ends = applicants.span("applicant_id")
    programme_starts, programme_ends = (array[np.maximum(assignment, 0)] for array in programmes.span("programme_id"))
    pieces = [
        (applicants.raw, applicant_starts, applicant_ends - applicant_starts),
        b",",
        (programmes.raw, programme_starts, np.where(assigned, programme_ends - programme_starts, 0)),
        b",",
        (b"".join(rank_texts), rank_starts[rank_index], rank_lengths[rank_index]),
        b"\n",
    ]
    return RESULT_HEADER + _assemble(pieces, applicants.rows)


def _assemble(pieces: list, rows: int) -> bytes:
    """Concatenate, row by row, byte slices (source, starts, lengths) and one-byte separators."""
    width = np.zeros(rows, dtype=np.int64)
    for piece in pieces:
        width += 1 if isinstance(piece, bytes) else piece[2]
    position = np.cumsum(width) - width
    out = np.empty(int(width.sum()), dtype=np.uint8)
    for piece in pieces:
        if isinstance(piece, bytes):
            out[position] = piece[0]
            position += 1
            continue
        source, starts, lengths = piece
        total = int(lengths.sum())
        if total:
            within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            out[np.repeat(position, lengths) + within] = np.frombuffer(source, dtype=np.uint8)[
                np.repeat(starts, lengths) + within]
        position += lengths
    return out.tobytes()
