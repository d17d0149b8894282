"""The engine: batch dedupe, one pair explained, the incremental index, on records built here (a tiny seeded
generator of standardised records: families with twins, duplicates with the registry's errors)."""

import datetime
import random
import statistics
import time
from collections import Counter, defaultdict

import numpy as np
import pytest

from kompeten.linkage.blocking import record_keys
from kompeten.linkage.compare import Frame, compare_arrays
from kompeten.linkage.engine import Linker, Pair, blocking_keys, conflicts, default_model
from kompeten.linkage.records import Record

GIVEN = {"L": ["muhammad", "ahmad", "rizki", "budi", "agus", "fajar", "hendra", "yusuf", "ilham", "arif", "bayu",
               "dimas", "hasan", "irfan", "lukman", "reza", "taufik", "umar", "wahyu", "zainal"],
         "P": ["siti", "nur", "dewi", "putri", "ayu", "fitri", "indah", "rina", "dian", "aisyah", "fatimah",
               "aminah", "hayati", "lestari", "wulan", "yuli", "zahra", "anisa", "citra", "intan"]}
FAMILY = ["saputra", "hidayat", "pratama", "setiawan", "wijaya", "rahman", "hakim", "gunawan", "siregar", "lubis",
          "baso", "tiro", "mappa", "syahrani", "bakri", "anwar", "", "", ""]


def record(id, p, **changes) -> Record:
    values = {**p, **changes}
    tokens = tuple(values["name"].split())
    return Record(id=id, nik=values["nik"], nik15=values["nik"][:15], nik_problems=values.get("problems", ()),
                  name=values["name"], name_tokens=tokens, name_key="".join(tokens), sex=values["sex"],
                  birth_date=values["birth"], birth_place=values["place"], phone=values["phone"],
                  address=values["address"], region=values["region"], kk=values["kk"])


def population(n_persons: int, seed: int = 1) -> tuple[list[Record], dict[str, int]]:
    """Persons in families (siblings share KK, address, region; 10 % twins), 40 % with 1-2 duplicate records that
    carry the registry's errors. Returns shuffled records and record id -> person."""
    rnd = random.Random(seed)
    serials: Counter = Counter()
    persons = []
    while len(persons) < n_persons:
        district = f"64{rnd.choice(['71', '72', '02'])}{rnd.randint(1, 6):02d}"
        region = f"{district[:2]}.{district[2:4]}.{district[4:]}.{rnd.randint(1001, 1012)}"
        kk = district + f"{rnd.randint(1, 28):02d}{rnd.randint(1, 12):02d}{rnd.randint(10, 23):02d}" \
            + f"{rnd.randint(1, 999):04d}"
        family = rnd.choice(FAMILY)
        address = f"jalan {rnd.choice(['merdeka', 'pramuka', 'juanda', 'antasari'])} no {rnd.randint(1, 99)}"
        first = datetime.date(1985, 1, 1) + datetime.timedelta(days=rnd.randrange(7000))
        births = [first]
        for _ in range(rnd.choice([0, 0, 1, 2])):
            births.append(births[-1] if rnd.random() < 0.3 else births[-1] + datetime.timedelta(
                days=rnd.randint(500, 2500)))
        for birth in births:
            sex = rnd.choice("LP")
            name = " ".join(x for x in (rnd.choice(GIVEN[sex]), rnd.choice(GIVEN[sex]), family) if x)
            code = district + f"{birth.day + (40 if sex == 'P' else 0):02d}{birth.month:02d}{birth.year % 100:02d}"
            serials[code] += 1
            persons.append({"nik": code + f"{serials[code]:04d}", "name": name, "sex": sex, "birth": birth,
                                "place": rnd.choice(["samarinda", "balikpapan", "tenggarong"]),
                                "phone": "08" + "".join(rnd.choice("0123456789") for _ in range(10)),
                                "address": address, "region": region, "kk": kk})
    records, truth = [], {}
    for person_id, p in enumerate(persons):
        copies = [{}] + [None] * (rnd.random() < 0.4) * rnd.choice([1, 1, 2])
        for copy in copies:
            changes = {} if copy == {} else _errors(rnd, p)
            rid = f"r{len(records)}"
            records.append(record(rid, p, **changes))
            truth[rid] = person_id
    rnd.shuffle(records)
    return records, truth


def _errors(rnd, p) -> dict:
    c: dict = {}
    roll = rnd.random()
    nik = p["nik"]
    if roll < 0.12:
        c["nik"] = ""
    elif roll < 0.18:
        i = rnd.randrange(12)
        c["nik"] = nik[:i] + str((int(nik[i]) + rnd.randint(1, 9)) % 10) + nik[i + 1:]
    elif roll < 0.24:
        c["nik"], c["problems"] = nik[:15] + "0", ("excel_zeroed",)
    elif roll < 0.28:
        c["nik"], c["problems"] = p["kk"], ("kk_suspect",)
    b = p["birth"]
    if rnd.random() < 0.06 and b.day <= 12 and b.day != b.month:
        c["birth"] = datetime.date(b.year, b.day, b.month)
    tokens = p["name"].split()
    roll = rnd.random()
    if roll < 0.12:
        i = rnd.randrange(len(tokens))
        word = tokens[i]
        j = rnd.randrange(len(word))
        tokens[i] = word[:j] + word[j + 1:] if len(word) > 3 else word
    elif roll < 0.2 and len(tokens) > 2:
        tokens.pop(1)
    c["name"] = " ".join(tokens)
    if rnd.random() < 0.4:
        c["phone"] = ""
    if rnd.random() < 0.3:
        c["address"] = ""
    if rnd.random() < 0.3:
        c["region"] = p["region"][:8]
    return c


def pairwise(clusters: dict[str, str], truth: dict[str, int]) -> tuple[float, float]:
    def pairs(groups):
        return sum(len(g) * (len(g) - 1) // 2 for g in groups)

    by_c, by_t, by_both = defaultdict(list), defaultdict(list), defaultdict(list)
    for rid, cid in clusters.items():
        by_c[cid].append(rid)
        by_t[truth[rid]].append(rid)
        by_both[(cid, truth[rid])].append(rid)
    hits = pairs(by_both.values())
    return hits / max(pairs(by_c.values()), 1), hits / max(pairs(by_t.values()), 1)


@pytest.fixture(scope="module")
def data():
    return population(1500, seed=3)


@pytest.fixture(scope="module")
def result(data):
    return Linker().dedupe(data[0])


def test_dedupe_finds_the_duplicates_and_keeps_twins_apart(data, result):
    records, truth = data
    assert set(result.clusters) == {r.id for r in records}
    precision, recall = pairwise(result.clusters, truth)
    assert precision >= 0.985 and recall >= 0.9, (precision, recall)


def test_clusters_are_named_by_their_first_record(data, result):
    records, _truth = data
    seen = {}
    for r in records:
        seen.setdefault(result.clusters[r.id], r.id)
    assert all(cid == first for cid, first in seen.items())


def test_stats_and_pairs(result):
    stats = result.stats
    assert set(stats["candidate_pairs_per_rule"]) == {"nik", "nik12", "kk", "name_md", "name_year", "dob_place",
                                                      "phone", "email", "home"}
    assert sum(stats["decisions"].values()) == stats["candidate_pairs"] == len(result.table.left)
    assert {"blocking", "comparison", "clustering", "total"} <= set(stats["timings"])
    assert stats["skipped_blocks"] == []
    assert 0 <= stats["review_share"] <= 0.1
    assert len(result.pairs) == stats["decisions"]["link"] + stats["decisions"]["review"]
    for pair in result.pairs[:50]:
        assert isinstance(pair, Pair) and pair.decision in ("link", "review")
        assert sum(pair.contributions.values()) == pytest.approx(pair.weight, abs=0.02)
        assert pair.score == pytest.approx(1 / (1 + 2 ** -pair.weight), rel=1e-3)
        assert set(pair.levels) >= {"nik", "name", "birth_date"}
    assert sum(1 for _ in result.iter_pairs()) == stats["candidate_pairs"]


def test_no_cluster_holds_a_conflict_or_a_strong_non_match(data, result):
    records, _truth = data
    linker = Linker()
    position = {r.id: i for i, r in enumerate(records)}
    by_cluster = defaultdict(list)
    for r in records:
        by_cluster[result.clusters[r.id]].append(position[r.id])
    left, right = [], []
    for members in by_cluster.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                left.append(a)
                right.append(b)
    frame = Frame.build(records)
    codes = compare_arrays(frame, np.array(left), np.array(right))
    assert not conflicts(codes).any()
    assert (linker.model.score(codes) > linker.model.veto).all()


def test_all_pairs_and_no_pairs(data):
    records = data[0][:300]
    linker = Linker()
    every = linker.dedupe(records, all_pairs=True)
    assert len(every.pairs) == every.stats["candidate_pairs"]
    assert linker.dedupe(records, materialise=False).pairs == []


def test_duplicate_ids_are_refused():
    a = Record(id="x", name="ani")
    with pytest.raises(ValueError, match="duplicate record id"):
        Linker().dedupe([a, a])


def test_empty_and_single():
    assert Linker().dedupe([]).clusters == {}
    assert Linker().dedupe([Record(id="only")]).clusters == {"only": "only"}


def base_person(**kw):
    p = {"nik": "6472054203990003", "name": "siti aminah", "sex": "P", "birth": datetime.date(1999, 3, 2),
             "place": "samarinda", "phone": "081234567890", "address": "jalan merdeka no 12", "region": "64.72.05.1001",
             "kk": "6472051506150007"}
    p.update(kw)
    return p


def test_score_pair_same_person_with_errors_links():
    p = base_person()
    a = record("a", p)
    b = record("b", p, nik="", name="siti aminah", birth=datetime.date(1999, 2, 3), phone="")
    pair = Linker().score_pair(a, b)
    assert pair.decision == "link" and pair.levels["birth_date"] == "swap"
    assert pair.left == "a" and pair.right == "b"


def test_score_pair_twins_never_link():
    p = base_person()
    twin = base_person(nik="6472054203990004", name="siti aminah", phone="081234567890")
    twin["name"] = "siti rahmah"
    pair = Linker().score_pair(record("a", p), record("b", twin))
    assert pair.levels["nik"] == "sibling"
    assert pair.decision != "link"
    brother = base_person(nik="6472050203990003", name="ahmad fauzi", sex="L")
    pair = Linker().score_pair(record("a", p), record("b", brother))
    assert pair.levels["nik"] == "sex_day" and pair.decision == "non_link"


def test_conflicts():
    linker = Linker()
    p = base_person()
    twin = record("b", base_person(nik="6472054203990004", name="siti rahmah"))
    table = linker.dedupe([record("a", p), twin], all_pairs=True).table
    assert conflicts(table.codes).tolist() == [True]


def test_a_typed_sex_error_is_no_conflict_when_the_names_are_equal():
    linker = Linker()
    p = base_person()
    registration = record("a", p)
    # An old list without the NIK, the sex typed wrong: the same name, birth date, address and phone.
    old = record("b", p, nik="", sex="L")
    pair = linker.score_pair(registration, old)
    assert pair.levels["sex"] == "disagree" and pair.levels["name"] == "exact"
    assert pair.decision == "link"
    # The twin brother (different name, the other sex's NIK day) stays a conflict whatever else agrees.
    brother = record("c", p, nik="", sex="L", name="ahmad fauzi")
    codes = linker.dedupe([registration, brother], all_pairs=True).table.codes
    assert conflicts(codes).tolist() == [True]


def test_namesakes_count_other_persons_records_once():
    from kompeten.linkage import blocking
    from kompeten.linkage.engine import _nik_numbers, namesakes

    p = base_person()
    own = [record(f"own{k}", p) for k in range(3)]  # one person's three records, one NIK
    others = [record(f"x{k}", p, nik=f"64720542039900{10 + k}") for k in range(2)]  # two namesakes, same date
    records = own + others
    blocks = blocking.build_blocks(records)
    counts = namesakes(blocks, len(records), blocking.DEFAULT_CAP, _nik_numbers(records))
    # Each of the person's records meets the two namesakes (in name_md and name_year: counted once), not itself.
    assert counts[:3].tolist() == [2, 2, 2]
    assert counts[3:].tolist() == [4, 4]
    # Without NIKs every other record counts.
    assert namesakes(blocks, len(records), blocking.DEFAULT_CAP).tolist() == [4] * 5
    # The index counts the same way.
    index = Linker().index(records)
    assert index._namesakes(records[0]) - 1 == 2


def test_a_shared_phone_email_or_home_lifts_the_crowd():
    linker = Linker()
    p = base_person()
    crowd = 16 * np.ones(2)  # many namesakes each
    frame = Frame.build([record("a", p), record("b", p, nik="")])
    rec_tf = np.zeros(2, dtype=np.float32)
    _codes, _tf, crowds, _w = linker._score(frame, np.array([0]), np.array([1]), rec_tf, crowd)
    assert crowds.tolist() == [0.0]  # same phone and home
    frame = Frame.build([record("a", p), record("b", p, nik="", phone="", address="jalan juanda no 3")])
    _codes, _tf, crowds, _w = linker._score(frame, np.array([0]), np.array([1]), rec_tf, crowd)
    assert crowds[0] > 0


def test_thresholds():
    assert Linker(low=0.2, high=0.8).model.high == 0.8
    with pytest.raises(ValueError):
        Linker(low=0.9, high=0.5)
    assert default_model().low < default_model().high


def test_blocking_keys_are_the_blocking_rules():
    r = record("a", base_person())
    assert blocking_keys(r) == record_keys(r)


def test_index_matches_like_the_batch(data):
    records, truth = data
    linker = Linker()
    stored, new = records[:-200], records[-200:]
    index = linker.index(stored)
    assert len(index) == len(stored)
    found = missed = 0
    for r in new:
        pairs = index.match(r)
        assert all(pairs[i].weight >= pairs[i + 1].weight for i in range(len(pairs) - 1))
        assert all(p.left == r.id for p in pairs)
        same = [s for s in stored if truth[s.id] == truth[r.id]]
        links = {p.right for p in pairs if p.decision == "link"}
        for s in same:
            found += s.id in links
            missed += s.id not in links
        assert all(truth[rid] == truth[r.id] for rid in links)
    assert found / max(found + missed, 1) > 0.85
    index.add(new[0])
    assert len(index) == len(stored) + 1
    with pytest.raises(ValueError):
        index.add(new[0])
    assert new[0].id not in {c.id for c in index.candidates(new[0])}


def test_index_request_time():
    records, _truth = population(6000, seed=5)
    index = Linker().index(records[:-100])
    times = []
    for r in records[-100:]:
        started = time.perf_counter()
        index.match(r)
        times.append(time.perf_counter() - started)
    p95 = statistics.quantiles(times, n=20)[-1]
    assert p95 < 0.3, p95
