"""The pure scoring (jobs/scoring.py): hard filters, reasons that add up, monotonicity, the vectorised index equal to
the one-by-one score, incremental index changes, the top-N selection, and the regency neighbours."""

import csv
import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kompeten.jobs import scoring
from kompeten.jobs.scoring import Candidate, CandidateIndex, Geography, VacancySpec

GEOGRAPHY = Geography.load()
KALTIM = ["64.01", "64.02", "64.03", "64.07", "64.08", "64.09", "64.11", "64.71", "64.72", "64.74"]
SCHEMES = ["SKM.OTO.01", "SKM.TAM.02", "SKM.KON.03", "SKM.PAR.04"]
VOCATIONS = [1, 2, 3, 4, 5, 6]
TODAY = datetime.date(2025, 6, 30)

dates = st.dates(min_value=datetime.date(1955, 1, 1), max_value=datetime.date(2012, 12, 31))
days = st.dates(min_value=datetime.date(2023, 1, 1), max_value=datetime.date(2030, 12, 31))


_CANDIDATE_FACTS = st.tuples(
    dates, st.sampled_from(["L", "P"]), st.booleans(), st.booleans(), st.sampled_from([*KALTIM, "", "63.71", "31.74"]),
    st.integers(0, 12), st.booleans(),
    st.none() | st.dates(min_value=datetime.date(2022, 1, 1), max_value=datetime.date(2030, 12, 31)),
    st.frozensets(st.sampled_from(VOCATIONS), max_size=3), st.frozensets(st.sampled_from(SCHEMES), max_size=2),
    st.integers(0, 1))


def _candidate(person_id, facts) -> Candidate:
    birth, sex, shown, available, regency, education, trained, last, vocation_ids, scheme_codes, extra = facts
    return Candidate(person_id=person_id, birth_date=birth, sex=sex, shown=shown, available=available,
                     regency=regency, education_order=education, trained=bool(vocation_ids) or trained,
                     last_completed=last, vocation_ids=vocation_ids, scheme_codes=scheme_codes,
                     certificates=len(scheme_codes) + extra)


def candidates(person_id=None):
    ids = st.just(person_id) if person_id is not None else st.integers(1, 10**9)
    return st.builds(_candidate, ids, _CANDIDATE_FACTS)


vacancies_strategy = st.builds(
    VacancySpec, vacancy_id=st.integers(1, 10**6), regency=st.sampled_from(KALTIM),
    scheme_code=st.sampled_from(["", *SCHEMES, "SKM.LAIN.99"]),
    vocation_ids=st.frozensets(st.sampled_from([*VOCATIONS, 99]), max_size=3),
    min_age=st.none() | st.integers(15, 40), max_age=st.none() | st.integers(18, 60),
    sex=st.sampled_from(["", "", "L", "P"]), min_education=st.none() | st.integers(0, 10))


def vacancies():
    return vacancies_strategy


def populations(min_size=0, max_size=40):
    return st.lists(st.tuples(st.integers(1, 5000), _CANDIDATE_FACTS), min_size=min_size, max_size=max_size,
                    unique_by=lambda pair: pair[0]).map(lambda pairs: [_candidate(pid, f) for pid, f in pairs])


def expected_filters(c: Candidate, v: VacancySpec, today, require_consent=True) -> set[str]:
    """The hard filters, written out independently of scoring.py."""
    age = today.year - c.birth_date.year
    if (today.month, today.day) < (c.birth_date.month, c.birth_date.day):
        age -= 1
    failed = set()
    if require_consent and not c.shown:
        failed.add("not_shown")
    if v.min_age is not None and age < v.min_age:
        failed.add("too_young")
    if v.max_age is not None and age > v.max_age:
        failed.add("too_old")
    if v.sex and c.sex != v.sex:
        failed.add("sex")
    if v.min_education is not None and c.education_order < v.min_education:
        failed.add("education")
    return failed


# --- one by one -----------------------------------------------------------------------------------


@given(candidates(), vacancies(), days, st.booleans())
def test_hard_filters_and_reasons_that_sum_to_the_score(candidate, vacancy, today, consent_needed):
    scored = scoring.score(candidate, vacancy, today, GEOGRAPHY, require_consent=consent_needed)
    failed = expected_filters(candidate, vacancy, today, consent_needed)
    assert set(scored.excluded) == failed
    assert scored.eligible == (not failed)
    total = sum(r.points for r in scored.reasons)
    assert total == sum(scored.components.values())
    assert scored.score == (total if scored.eligible else 0)
    assert scoring.points(candidate, vacancy, today, GEOGRAPHY, require_consent=consent_needed) == (
        scored.score if scored.eligible else -1)
    assert all(r.points > 0 for r in scored.reasons)
    assert set(scored.components) == set(scoring.COMPONENTS)
    assert 0 <= total <= 99


@given(candidates(), vacancies(), days)
def test_a_wanted_certificate_or_training_never_lowers_the_score(candidate, vacancy, today):
    before = scoring.score(candidate, vacancy, today, GEOGRAPHY)
    if vacancy.scheme_code:
        certified = Candidate(**{**candidate.__dict__, "scheme_codes": candidate.scheme_codes | {vacancy.scheme_code},
                                 "certificates": candidate.certificates + 1})
        after = scoring.score(certified, vacancy, today, GEOGRAPHY)
        assert after.score >= before.score and after.eligible == before.eligible
        assert after.components["certificate"] == scoring.WEIGHTS["wanted_certificate"]
    if vacancy.vocation_ids:
        wanted = min(vacancy.vocation_ids)
        trained = Candidate(**{**candidate.__dict__, "vocation_ids": candidate.vocation_ids | {wanted},
                               "trained": True})
        after = scoring.score(trained, vacancy, today, GEOGRAPHY)
        assert after.score >= before.score
        assert after.components["training"] == scoring.WEIGHTS["wanted_training"]
    # Any certificate or training, too.
    more = Candidate(**{**candidate.__dict__, "certificates": candidate.certificates + 1, "trained": True})
    assert scoring.score(more, vacancy, today, GEOGRAPHY).score >= before.score


def test_the_weights_and_an_example():
    vacancy = VacancySpec(vacancy_id=1, regency="64.71", scheme_code="SKM.OTO.01", vocation_ids=frozenset({1}),
                          min_age=18, max_age=35, sex="L", min_education=4)
    andi = Candidate(person_id=7, birth_date=datetime.date(2000, 5, 1), sex="L", shown=True, available=True,
                     regency="64.09", education_order=5, trained=True, last_completed=datetime.date(2025, 4, 4),
                     vocation_ids=frozenset({1}), scheme_codes=frozenset({"SKM.OTO.01"}), certificates=1)
    scored = scoring.score(andi, vacancy, TODAY, GEOGRAPHY)
    assert scored.eligible
    assert scored.components == {"certificate": 40, "training": 25, "distance": 12, "availability": 14}
    assert [(r.code, r.points) for r in scored.reasons] == [
        ("wanted_certificate", 40), ("wanted_training", 25), ("neighbouring_regency", 12), ("available", 10),
        ("recently_trained", 4)]
    assert scored.score == 91
    # The same person from the other side needs no consent; for the shortlist the consent is a hard filter.
    hidden = Candidate(**{**andi.__dict__, "shown": False})
    assert not scoring.score(hidden, vacancy, TODAY, GEOGRAPHY).eligible
    assert scoring.score(hidden, vacancy, TODAY, GEOGRAPHY, require_consent=False).score == 91


@given(dates, days, st.integers(0, 80))
def test_born_by_is_the_age_boundary(birth, today, years):
    assert (scoring.age_on(birth, today) >= years) == (birth <= scoring.born_by(today, years))


def test_age_boundaries_on_29_february():
    leapling = datetime.date(2008, 2, 29)
    assert scoring.age_on(leapling, datetime.date(2026, 2, 28)) == 17
    assert scoring.age_on(leapling, datetime.date(2026, 3, 1)) == 18
    assert scoring.born_by(datetime.date(2028, 2, 29), 18) == datetime.date(2010, 2, 28)


# --- all at once ----------------------------------------------------------------------------------


def scalar_points(population, vacancy, today, require_consent=True) -> dict[int, int]:
    points = {}
    for c in population:
        s = scoring.score(c, vacancy, today, GEOGRAPHY, require_consent=require_consent)
        points[c.person_id] = s.score if s.eligible else -1
    return points


def index_points(index, vacancy, today, require_consent=True) -> dict[int, int]:
    points = scoring.points_many(index, vacancy, today, GEOGRAPHY, require_consent=require_consent)
    return {int(pid): int(p) for pid, p, live in zip(index.ids, points, index.live, strict=True) if live}


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(populations(), vacancies(), days, st.booleans())
def test_vectorised_points_equal_the_one_by_one_score(population, vacancy, today, consent_needed):
    index = CandidateIndex.build(scoring.columns_from_candidates(population))
    assert index_points(index, vacancy, today, consent_needed) == scalar_points(population, vacancy, today,
                                                                                 consent_needed)
    assert list(index.ids) == sorted(c.person_id for c in population)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(populations(), vacancies(), days, st.integers(0, 70))
def test_top_positions_is_the_ranking_and_never_holds_a_filtered_candidate(population, vacancy, today, limit):
    index = CandidateIndex.build(scoring.columns_from_candidates(population))
    points = scoring.points_many(index, vacancy, today, GEOGRAPHY)
    top = [int(index.ids[p]) for p in scoring.top_positions(index, points, limit)]
    ranked = scoring.rank(((c.person_id, scoring.score(c, vacancy, today, GEOGRAPHY)) for c in population), limit)
    assert top == [pid for pid, _s in ranked]
    by_id = {c.person_id: c for c in population}
    for pid in top:
        assert not expected_filters(by_id[pid], vacancy, today)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(populations(min_size=1), st.data(), vacancies(), days)
def test_incremental_changes_equal_a_fresh_build(population, data, vacancy, today):
    index = CandidateIndex.build(scoring.columns_from_candidates(population, updated_us=[1] * len(population)))
    current = {c.person_id: c for c in population}
    for _step in range(3):
        changed = data.draw(st.lists(st.sampled_from(sorted(current)), unique=True, max_size=5)) if current else []
        new_ids = data.draw(st.lists(st.integers(1, 6000).filter(lambda i: i not in current), unique=True,
                                     max_size=4))  # may be below the largest id: the index sorts itself
        batch = [_candidate(pid, data.draw(_CANDIDATE_FACTS)) for pid in [*changed, *new_ids]]
        index.upsert(scoring.columns_from_candidates(batch, updated_us=[2] * len(batch)))
        current.update({c.person_id: c for c in batch})
        removed = data.draw(st.lists(st.sampled_from(sorted(current)), unique=True, max_size=3)) if current else []
        index.remove(removed + [999_999])  # an unknown id is ignored
        for pid in removed:
            del current[pid]
        assert len(index) == len(current)
        assert index_points(index, vacancy, today) == scalar_points(current.values(), vacancy, today)
        assert list(index.ids) == sorted(index.ids.tolist())
    for position in range(index.n):
        if index.live[position]:
            row = index.columns_of(position)
            assert scoring.candidate_from_columns(row) == current[row["person_id"]]
    # A removed person comes back when upserted again.
    if removed:
        back = _candidate(removed[0], data.draw(_CANDIDATE_FACTS))
        index.upsert(scoring.columns_from_candidates([back]))
        current[back.person_id] = back
        assert index_points(index, vacancy, today) == scalar_points(current.values(), vacancy, today)


def test_window_counts_and_checksums_recent_live_rows():
    people = [Candidate(person_id=i, birth_date=datetime.date(2000, 1, 1)) for i in (1, 2, 3)]
    index = CandidateIndex.build(scoring.columns_from_candidates(people, updated_us=[10, 20, 30]))
    assert index.window(15) == (2, 50)
    index.remove([3])
    assert index.window(15) == (1, 20)
    assert index.window(100) == (0, 0)


def test_an_empty_index():
    index = CandidateIndex.build(scoring.columns_from_candidates([]))
    vacancy = VacancySpec(vacancy_id=1, regency="64.71")
    points = scoring.points_many(index, vacancy, TODAY, GEOGRAPHY)
    assert len(points) == 0 and len(scoring.top_positions(index, points, 10)) == 0
    assert len(index) == 0 and index.positions([5]).tolist() == [-1]


def test_compaction_keeps_the_pairs_right():
    people = [Candidate(person_id=i, birth_date=datetime.date(2000, 1, 1), shown=True, trained=True,
                        vocation_ids=frozenset({1, 2}), scheme_codes=frozenset({"A"}), certificates=1)
              for i in range(1, 1001)]
    index = CandidateIndex.build(scoring.columns_from_candidates(people))
    vacancy = VacancySpec(vacancy_id=1, regency="64.71", scheme_code="A", vocation_ids=frozenset({2}))
    for _round in range(3):  # each round blanks 3,000 pairs: compaction runs
        people = [Candidate(**{**c.__dict__, "vocation_ids": frozenset({3}) if c.person_id % 2 else c.vocation_ids})
                  for c in people]
        index.upsert(scoring.columns_from_candidates(people))
    assert len(index.voc_ids) < 3 * 2000
    assert index_points(index, vacancy, TODAY) == scalar_points(people, vacancy, TODAY)


def test_a_large_random_index_agrees_on_a_sample(size=50_000):
    """Not a timing test (bench/jobs_shortlist.py measures): a large random index agrees with the one-by-one score."""
    rng = np.random.default_rng(1)
    n = size
    columns = {
        "person_id": np.arange(1, n + 1).tolist(), "shown": (rng.random(n) < 0.7).tolist(),
        "available": (rng.random(n) < 0.8).tolist(), "regency": rng.choice(KALTIM, n).tolist(),
        "sex": rng.choice(["L", "P"], n).tolist(),
        "birth": rng.integers(datetime.date(1965, 1, 1).toordinal(), datetime.date(2008, 1, 1).toordinal(), n).tolist(),
        "education": rng.integers(0, 12, n).tolist(), "trained": (rng.random(n) < 0.3).tolist(),
        "last_completed": [0] * n, "vocation_ids": [[int(v)] if v else [] for v in rng.integers(0, 7, n)],
        "scheme_codes": [[SCHEMES[int(s)]] if s < 4 else [] for s in rng.integers(0, 40, n)],
        "certificates": [0] * n, "updated_us": [0] * n,
    }
    columns["certificates"] = [len(s) for s in columns["scheme_codes"]]
    index = CandidateIndex.build(columns)
    vacancy = VacancySpec(vacancy_id=1, regency="64.72", scheme_code=SCHEMES[0], vocation_ids=frozenset({2, 3}),
                          min_age=20, max_age=40)
    points = scoring.points_many(index, vacancy, TODAY, GEOGRAPHY)
    for position in rng.integers(0, n, 200):
        candidate = scoring.candidate_from_columns(index.columns_of(int(position)))
        s = scoring.score(candidate, vacancy, TODAY, GEOGRAPHY)
        assert points[position] == (s.score if s.eligible else -1)
    assert index.nbytes < 60 * n


# --- neighbours -----------------------------------------------------------------------------------


def test_neighbours_are_symmetric_known_regencies_of_the_province():
    path = Path(scoring.NEIGHBOURS_CSV)
    regions = Path(__file__).resolve().parents[2] / "reference" / "data" / "kaltim_regions.csv"
    with open(regions, newline="", encoding="utf-8") as handle:
        regencies = {row["code"]: row["name"] for row in csv.DictReader(handle) if row["level"] == "regency"}
    assert sorted(regencies) == KALTIM
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pairs = [(row["regency"], row["neighbour"]) for row in rows]
    assert len(pairs) == len(set(pairs)) == 14
    for row in rows:
        assert row["regency"] < row["neighbour"]
        assert regencies[row["regency"]] == row["regency_name"]
        assert regencies[row["neighbour"]] == row["neighbour_name"]
        assert row["source"]
    for code, around in GEOGRAPHY.neighbours.items():
        assert code not in around
        for other in around:
            assert code in GEOGRAPHY.neighbours[other]
    assert set(GEOGRAPHY.neighbours) == set(KALTIM)  # every regency has a neighbour in the province
    assert GEOGRAPHY.neighbours["64.72"] == {"64.02"}  # Samarinda: an enclave of Kutai Kartanegara
    assert "64.02" not in GEOGRAPHY.neighbours["64.01"]  # Paser and Kutai Kartanegara no longer touch


@pytest.mark.parametrize("home, work, relation", [
    ("64.71", "64.71", "same_regency"), ("64.71", "64.09", "neighbouring_regency"),
    ("64.09", "64.71", "neighbouring_regency"), ("64.71", "64.74", "same_province"),
    ("63.71", "64.71", None), ("", "64.71", None),
])
def test_relation(home, work, relation):
    assert GEOGRAPHY.relation(home, work) == relation
