"""Blocking keys, counting candidate pairs before making them, and the block-size cap."""

import datetime
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompeten.linkage import blocking
from kompeten.linkage.blocking import TooManyPairs, build_blocks, candidate_pairs, count_pairs, pairs_of, record_keys
from kompeten.linkage.records import Record


def rec(id, name="siti aminah", **kw) -> Record:
    tokens = tuple(name.split())
    return Record(id=id, name=name, name_tokens=tokens, name_key="".join(tokens), **kw)


def test_keys_of_a_full_record():
    r = rec("a", nik="6472054203990003", nik15="647205420399000", kk="6472051506150007",
            birth_date=datetime.date(1999, 3, 2), birth_place="samarinda", region="64.72.05.1001",
            phone="081234567890", email="siti@example.id")
    keys = record_keys(r)
    assert "nik:6472054203990003" in keys
    assert "nik12:647205420399" in keys
    assert "kk:6472051506150007" in keys and "kk:6472054203990003" in keys  # the NIK meets a KK typed as NIK
    assert "name_md:sitiaminah|0203" in keys  # day and month unordered: a swap meets the right date
    assert "name_year:sitiaminah|64.72|1999" in keys
    assert "dob_place:19990203|samarinda" in keys
    assert "phone:081234567890" in keys and "email:siti@example.id" in keys
    assert all(len(k) <= 80 for k in keys)


def test_address_key_a_name_word_at_one_home():
    from kompeten.linkage.blocking import address_core

    assert address_core("jalan pramuka nomor 75 rt 51") == "pramuka 75"
    assert address_core("gang durian nomor 8 rt 36 rw 2") == "durian 8"
    assert address_core("perumahan villa kenanga blok d nomor 2 rt 15") == "perumahan villa kenanga blok d 2"
    reg = rec("a", name="dewi damayanti", address="jalan kutilang nomor 94 rt 22", region="64.08.15.2006")
    old = rec("b", name="dewi damayanti saleh", address="jalan kutilang nomor 94", region="64.08.15")
    assert "home:dewi|64.08|kutilang 94" in record_keys(reg)
    assert set(record_keys(reg)) & set(record_keys(old))  # no NIK, no date: still a candidate pair
    # Another house, another regency, or no house number: no shared address key.
    for other in (rec("c", name="dewi damayanti", address="jalan kutilang nomor 95", region="64.08.15"),
                  rec("d", name="dewi damayanti", address="jalan kutilang nomor 94", region="64.72.01")):
        assert not {k for k in set(record_keys(reg)) & set(record_keys(other)) if k.startswith("home:")}
    assert not [k for k in record_keys(rec("e", address="jalan kutilang", region="64.08.15"))
                if k.startswith("home:")]


def test_an_empty_record_has_no_keys_and_long_values_are_cut():
    assert record_keys(Record(id="x")) == []
    long = rec("y", name="a" * 300, birth_date=datetime.date(2000, 1, 1))
    assert all(len(k) <= 80 for k in record_keys(long))


def test_swapped_day_and_month_share_a_key():
    a = rec("a", birth_date=datetime.date(1999, 3, 2))
    b = rec("b", birth_date=datetime.date(1999, 2, 3))
    assert set(record_keys(a)) & set(record_keys(b))


def test_lost_16th_digit_shares_nik12():
    a = rec("a", name="x", nik="6472054203990003", nik15="647205420399000")
    b = rec("b", name="y", nik="", nik15="647205420399000", nik_problems=("length",))
    assert "nik12:647205420399" in set(record_keys(a)) & set(record_keys(b))


def test_count_before_making_and_cap_with_report():
    phone = "081111111111"  # a placeholder everybody typed
    records = [rec(str(i), name=f"person{i}", phone=phone) for i in range(30)]
    records += [rec("a1", name="ani", nik="6472054203990003"), rec("a2", name="ani", nik="6472054203990003")]
    report = count_pairs(records, cap=10)
    assert report.pairs["nik"] == 1
    assert report.pairs["phone"] == 0 and report.pairs_uncapped["phone"] == 30 * 29 // 2
    assert report.skipped == [{"rule": "phone", "key": f"phone:{phone}", "size": 30, "pairs": 435}]
    left, right, made = candidate_pairs(records, cap=10)
    assert made.unique_pairs == len(left) == 1
    assert {records[left[0]].id, records[right[0]].id} == {"a1", "a2"}
    with pytest.raises(TooManyPairs) as error:
        candidate_pairs(records, cap=100, max_pairs=100)
    assert error.value.report.pairs["phone"] == 435


def test_skipped_key_of_a_rule_with_two_values():
    kk = "6472051506150007"
    records = [rec(str(i), name=f"p{i}", kk=kk, nik=f"64720542039900{i:02d}") for i in range(5)]
    report = count_pairs(records, cap=3)
    assert {"rule": "kk", "key": f"kk:{kk}", "size": 5, "pairs": 10} in report.skipped


def brute_force(records, rules, cap):
    keys = [set(record_keys(r, rules)) for r in records]
    blocks = {}
    for i, ks in enumerate(keys):
        for k in ks:
            blocks.setdefault(k, []).append(i)
    pairs = set()
    for members in blocks.values():
        if len(members) <= cap:
            pairs.update(itertools.combinations(sorted(members), 2))
    return pairs


names = st.sampled_from(["siti aminah", "nur hayati", "ahmad", "budi santoso"])
records_strategy = st.lists(st.builds(
    lambda name, day, phone, nik: (name, day, phone, nik),
    names, st.integers(1, 3), st.sampled_from(["", "0811", "0822"]),
    st.sampled_from(["", "6472054203990003", "6472054203990004", "6401010101010001"])), max_size=25)


@settings(max_examples=60, deadline=None)
@given(records_strategy, st.integers(2, 8))
def test_pairs_are_exactly_the_shared_key_pairs_within_the_cap(items, cap):
    records = [rec(str(i), name=name, birth_date=datetime.date(2000, 1, day), phone=phone, nik=nik,
                   nik15=nik[:15], region="64.72.05")
               for i, (name, day, phone, nik) in enumerate(items)]
    left, right, report = candidate_pairs(records, cap=cap)
    got = set(zip(left.tolist(), right.tolist(), strict=True))
    assert got == brute_force(records, blocking.RULES, cap)
    assert all(a < b for a, b in got)
    assert report.unique_pairs == len(got) <= report.total  # the count is an upper bound (repeats across rules)
    counted = count_pairs(records, cap=cap)
    assert counted.pairs == report.pairs


def test_pairs_of_nothing():
    left, right = pairs_of(build_blocks([]))
    assert len(left) == len(right) == 0
    assert np.asarray(left).dtype.kind == "i"
