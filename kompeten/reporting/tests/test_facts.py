"""The funnel's rules on plain rows (kompeten/reporting/facts.py): no database."""

import datetime
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from kompeten.reporting.facts import (
    DATE_FIELDS,
    PersonRows,
    Where,
    age_band,
    contributions,
    facts_for,
    month_in,
    stage_days,
)
from kompeten.reporting.models import AGE_BANDS, Dimension, Stage

D = datetime.date
BPN = Where(centre=1, vocation=10, sector="mining")
BTG = Where(centre=2, vocation=20, sector="construction")


def person(**extra) -> PersonRows:
    values = {"id": 7, "sex": "P", "birth_date": D(2000, 5, 1), "registered_on": D(2025, 2, 3),
              "village": "64.71.05.1008", "education": "SMK", "registered_centre": 1}
    values.update(extra)
    return PersonRows(**values)


def test_age_band_is_the_age_on_the_first_of_january():
    assert age_band(D(2005, 1, 2), 2025) == "<20"  # 19 on 1 January 2025
    assert age_band(D(2005, 1, 1), 2025) == "20-24"  # 20 that very day
    assert age_band(D(1990, 6, 1), 2025) == "30-34"
    assert age_band(D(1960, 6, 1), 2025) == "40+"


def test_a_registration_alone_is_a_fact_of_its_year():
    (fact,) = facts_for(person())
    assert fact["year"] == 2025 and fact["registered_on"] == D(2025, 2, 3)
    assert fact["applied_on"] is None and fact["centre_id"] == 1 and fact["regency"] == "64.71"
    assert fact["trained_before"] is False


def test_the_whole_funnel_in_one_year():
    rows = person(
        applications=[{"year": 2025, "on": D(2025, 3, 1), "eligible": True, "decided_on": D(2025, 3, 10),
                       "where": BTG}],
        offers=[{"year": 2025, "on": D(2025, 3, 12), "where": BPN}],
        enrolments=[{"year": 2025, "status": "completed", "start": D(2025, 4, 1), "end": D(2025, 5, 30),
                     "where": BPN}],
        assessments=[{"year": 2025, "on": D(2025, 6, 10), "decided": True, "competent": True, "where": BPN}],
        certificates=[{"year": 2025, "on": D(2025, 7, 1)}],
        employment=[D(2025, 9, 1)],
    )
    days = stage_days(rows, 2025)
    assert days[Stage.APPLIED] == D(2025, 3, 1) and days[Stage.ELIGIBLE] == D(2025, 3, 10)
    assert days[Stage.ENROLLED] == D(2025, 4, 1) and days[Stage.COMPLETED] == D(2025, 5, 30)
    assert days[Stage.DROPPED] is None and days[Stage.CERTIFIED] == D(2025, 7, 1)
    assert days[Stage.PLACED] == days[Stage.EMPLOYED] == D(2025, 9, 1) and days[Stage.APPRENTICED] is None
    (fact,) = facts_for(rows)
    # Counted where the person trained, not where the first choice was.
    assert (fact["centre_id"], fact["vocation_id"], fact["sector_id"]) == (1, 10, "mining")


def test_withdrawn_before_the_start_is_not_enrolled_and_a_dropout_who_completed_another_is_not_dropped():
    rows = person(enrolments=[
        {"year": 2025, "status": "withdrawn", "start": D(2025, 2, 1), "end": D(2025, 3, 1), "where": BTG},
        {"year": 2025, "status": "not_completed", "start": D(2025, 4, 1), "end": D(2025, 5, 1), "where": BTG},
    ])
    days = stage_days(rows, 2025)
    assert days[Stage.ENROLLED] == D(2025, 4, 1) and days[Stage.DROPPED] == D(2025, 5, 1)
    rows.enrolments.append({"year": 2025, "status": "completed", "start": D(2025, 6, 2), "end": D(2025, 7, 1),
                            "where": BPN})
    days = stage_days(rows, 2025)
    assert days[Stage.DROPPED] is None and days[Stage.COMPLETED] == D(2025, 7, 1)


def test_a_year_of_training_makes_the_next_year_trained_before():
    rows = person(registered_on=D(2024, 5, 1), enrolments=[
        {"year": 2024, "status": "completed", "start": D(2024, 6, 1), "end": D(2024, 7, 1), "where": BPN},
        {"year": 2025, "status": "completed", "start": D(2025, 6, 1), "end": D(2025, 7, 1), "where": BTG}])
    first, second = facts_for(rows)
    assert (first["year"], first["trained_before"], first["registered_on"]) == (2024, False, D(2024, 5, 1))
    assert (second["year"], second["trained_before"], second["registered_on"]) == (2025, True, None)
    assert second["centre_id"] == 2
    assert facts_for(person(declared_prior_training=True))[0]["trained_before"] is True


def test_a_late_certificate_counts_in_december_of_its_programme_year():
    assert month_in(D(2026, 1, 15), 2025) == 12
    assert month_in(D(2024, 12, 31), 2025) == 1
    rows = person(certificates=[{"year": 2025, "on": D(2026, 1, 15)}])
    (fact,) = facts_for(rows)
    cells = [c for c in contributions(fact) if c[5] == Stage.CERTIFIED]
    assert {c[4] for c in cells} == {12}


def test_a_person_with_nothing_in_a_year_has_no_fact_for_it():
    rows = person(registered_on=D(2024, 1, 5), employment=[D(2026, 3, 1)])
    assert [f["year"] for f in facts_for(rows)] == [2024, 2026]


# Property: every fact counts once per stage reached in every breakdown, so each breakdown sums to the total. ------

days = st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 12, 31))
wheres = st.builds(Where, centre=st.sampled_from([None, 1, 2]), vocation=st.sampled_from([None, 10, 20]),
                   sector=st.sampled_from([None, "mining", "trade"]))
years = st.integers(2024, 2025)
rows_strategy = st.builds(
    PersonRows,
    id=st.just(1), sex=st.sampled_from(["L", "P"]), birth_date=st.dates(D(1960, 1, 1), D(2008, 12, 31)),
    registered_on=days, village=st.sampled_from([None, "64.71.05.1008", "64.74.02.1001"]),
    education=st.sampled_from([None, "SMA", "S1"]), disability=st.booleans(), declared_prior_training=st.booleans(),
    registered_centre=st.sampled_from([None, 1, 2]),
    applications=st.lists(st.fixed_dictionaries({"year": years, "on": days, "eligible": st.booleans(),
                                                 "decided_on": days, "where": st.one_of(st.none(), wheres)}),
                          max_size=3),
    offers=st.lists(st.fixed_dictionaries({"year": years, "on": days, "where": wheres}), max_size=2),
    enrolments=st.lists(st.fixed_dictionaries({
        "year": years, "status": st.sampled_from(["enrolled", "completed", "not_completed", "withdrawn"]),
        "start": days, "end": days, "where": wheres}), max_size=3),
    assessments=st.lists(st.fixed_dictionaries({"year": years, "on": days, "decided": st.booleans(),
                                                "competent": st.booleans(), "where": wheres}), max_size=2),
    certificates=st.lists(st.fixed_dictionaries({"year": years, "on": days}), max_size=2),
    placements=st.lists(st.fixed_dictionaries({"year": years, "on": days}), max_size=2),
    employment=st.lists(days, max_size=2),
)


@given(rows_strategy)
def test_every_breakdown_sums_to_the_total(rows):
    facts = facts_for(rows)
    assert len({f["year"] for f in facts}) == len(facts)  # one fact per year
    for fact in facts:
        assert fact["age_band"] in AGE_BANDS
        cells = list(contributions(fact))
        totals = Counter((c[4], c[5]) for c in cells if c[2] == Dimension.TOTAL)
        for dimension in Dimension.values:
            assert Counter((c[4], c[5]) for c in cells if c[2] == dimension) == totals, dimension
        reached = {stage for stage in Stage if fact[DATE_FIELDS[stage]] is not None}
        assert {c[5] for c in cells} == {str(s) for s in reached}
        assert all(1 <= c[4] <= 12 for c in cells)
        # Placed is apprenticed or working, at the earlier day.
        if fact["placed_on"]:
            assert fact["placed_on"] == min(d for d in (fact["apprenticed_on"], fact["employed_on"]) if d)
