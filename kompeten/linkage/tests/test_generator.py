"""The synthetic registry of bench/linkage_data.py (the linkage benchmark's data): seeded, complete ground truth,
about a quarter of the true pairs missed by a plain same-NIK rule, and twins whose NIKs differ only in the serial
or in the sex-encoded day. No database."""

from __future__ import annotations

import datetime
import importlib.util
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from kompeten.linkage.records import COLUMNS
from kompeten.registry.nik import parse_nik

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def data():
    spec = importlib.util.spec_from_file_location("linkage_data", ROOT / "bench" / "linkage_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("linkage_data", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sample(data):
    return list(data.iter_shuffled(6000, 2025, block=2500))


def test_seeded_and_deterministic(data):
    rows, truth = data.generate(800, seed=11)
    again, truth_again = data.generate(800, seed=11)
    other, _ = data.generate(800, seed=12)
    assert rows == again and truth == truth_again
    assert rows != other


def test_rows_are_text_with_the_input_columns_and_all_have_truth(data):
    rows, truth = data.generate(1500)
    assert data.COLUMNS == COLUMNS
    assert len(rows) == 1500
    ids = [row["record_id"] for row in rows]
    assert len(set(ids)) == len(ids) and set(ids) == set(truth)
    for row in rows:
        assert list(row) == ["record_id", *COLUMNS]
        assert all(isinstance(value, str) for value in row.values())
        assert row["source"]
    assert all(entity.startswith("P") for entity in truth.values())
    # Several sources per person, and most persons registered this year.
    sizes = Counter(Counter(truth.values()).values())
    assert sizes[1] < sum(sizes.values()) * 0.6 and max(sizes) >= 4
    assert sum(row["source"] == data.REGISTRATION for row in rows) > 0.35 * len(rows)


def test_a_plain_same_nik_rule_misses_about_a_quarter_of_true_pairs(data, sample):
    by_entity = defaultdict(list)
    for _, values, info in sample:
        by_entity[info[0]].append(data.naive_key(values[0]))
    true_pairs = same = 0
    for keys in by_entity.values():
        true_pairs += len(keys) * (len(keys) - 1) // 2
        same += sum(c * (c - 1) // 2 for c in Counter(k for k in keys if k).values())
    assert true_pairs > 3000
    assert 0.68 < same / true_pairs < 0.82


def test_the_error_kinds_of_the_issue_all_occur(data, sample):
    errors = Counter(code for *_, info in sample for code in info[4].split(";") if code)
    for code in ("nik_missing", "nik_typo", "nik_transposed", "nik_digit16", "nik_scientific", "nik_kk",
                 "date_swapped", "date_typo", "name_muhammad", "name_nur_merged", "name_nur_split",
                 "name_old_spelling", "name_dropped", "name_typo", "name_degree", "name_bin", "phone_old", "moved"):
        assert errors[code] > 0, code
    niks = [values[0] for _, values, _ in sample]
    assert any("E+" in nik for nik in niks)  # 6.47105E+15


def _clean_nik(values, info) -> str:
    return "" if any(code.startswith("nik_") for code in info[4].split(";")) else values[0].replace(" ", "").replace(
        ".", "")


def test_twins_have_niks_differing_only_in_serial_or_sex_day(data, sample):
    nik_of: dict[str, str] = {}
    household: dict[str, str] = {}
    for _, values, info in sample:
        if info[2]:
            household[info[0]] = info[1]
            nik = _clean_nik(values, info)
            if nik:
                nik_of[info[0]] = nik
    members = defaultdict(list)
    for entity, house in household.items():
        if entity in nik_of:
            members[house].append(nik_of[entity])
    kinds = Counter()
    for niks in members.values():
        if len(niks) < 2:
            continue
        a, b = niks[0], niks[1]
        assert a != b and a[:6] == b[:6] and a[8:12] == b[8:12]
        if a[6:8] == b[6:8]:
            kinds["serial"] += 1
            assert abs(int(a[12:]) - int(b[12:])) == 1
        else:
            kinds["sex_day"] += 1
            assert abs(int(a[6:8]) - int(b[6:8])) == 40 and a[12:] == b[12:]
    assert kinds["serial"] > 0 and kinds["sex_day"] > 0


def test_clean_niks_agree_with_the_stated_birth_date_and_sex(data, sample):
    checked = 0
    for _, values, info in sample:
        if info[3] != "registration" or info[4] or values[2] not in ("L", "P"):
            continue
        day, month, year = (int(part) for part in values[4].split("/")) if "/" in values[4] else \
            reversed([int(part) for part in values[4].split("-")])
        result = parse_nik(values[0], province_codes={values[0][:2]}, today=datetime.date(2025, 12, 31))
        assert result.ok, values
        assert result.info.sex == values[2]
        assert (result.info.birth_date.day, result.info.birth_date.month) == (day, month)
        assert result.info.birth_date.year % 100 == year % 100
        checked += 1
    assert checked > 1000
