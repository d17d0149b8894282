"""The apprenticeship rules that need no database (rules.py): Permenaker 6/2020 limits, the approving authority,
month arithmetic, the order of unranked applicants and the logbook gap. Pure: no database."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompeten.apprenticeships import rules
from kompeten.apprenticeships.rules import (
    LOGBOOK_GAP_DAYS,
    CandidateFacts,
    add_months,
    authority_for,
    check_offer,
    company_score,
    criteria_score,
    end_date,
    is_flagged,
    logbook_gap,
    max_apprentices,
    overlaps,
    week_start,
)

D = datetime.date
CRITERIA = ("certificate", "vocation", "education", "nearby", "early")


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def check(*, employees=200, slots=4, months=6, theory_percent=20, other_slots=0):
    return codes(check_offer(employees=employees, slots=slots, months=months, theory_percent=theory_percent,
                             other_slots=other_slots))


# --- Permenaker 6/2020 limits ----------------------------------------------------------------------


def test_a_plain_offer_is_within_the_limits():
    assert check() == []


@pytest.mark.parametrize(("employees", "limit"), [(0, 0), (4, 0), (5, 1), (9, 1), (10, 2), (200, 40), (201, 40),
                                                  (204, 40), (205, 41)])
def test_max_apprentices_is_20_percent_rounded_down(employees, limit):
    assert max_apprentices(employees) == limit


def test_exactly_20_percent_is_allowed_and_one_more_is_refused():
    assert check(employees=200, slots=40) == []
    assert check(employees=200, slots=41) == ["over_quota"]
    # The other current offers count towards the same 20 %.
    assert check(employees=200, slots=30, other_slots=10) == []
    problems = check_offer(employees=200, slots=30, months=6, theory_percent=20, other_slots=11)
    assert codes(problems) == ["over_quota"]
    assert problems[0].field == "slots"
    assert problems[0].params == {"slots": 30, "other": 11, "limit": 40, "employees": 200, "share": 20}


def test_a_company_of_four_employees_may_take_no_apprentice():
    assert check(employees=4, slots=1) == ["over_quota"]
    assert check(employees=5, slots=1) == []


@pytest.mark.parametrize(("months", "expected"), [(1, []), (11, []), (12, []), (13, ["too_long"]),
                                                  (24, ["too_long"])])
def test_at_most_12_months(months, expected):
    assert check(months=months) == expected


def test_too_long_names_the_field_and_numbers():
    [problem] = check_offer(employees=200, slots=1, months=13, theory_percent=20, other_slots=0)
    assert (problem.code, problem.field, problem.params) == ("too_long", "months", {"months": 13, "max": 12})


@pytest.mark.parametrize(("percent", "expected"), [
    (0, ["theory_share"]), (9, ["theory_share"]), (10, []), (11, []), (20, []), (24, []), (25, []),
    (26, ["theory_share"]), (100, ["theory_share"])])
def test_theory_between_10_and_25_percent(percent, expected):
    assert check(theory_percent=percent) == expected


def test_every_broken_limit_is_reported():
    problems = check_offer(employees=10, slots=3, months=13, theory_percent=30, other_slots=0)
    assert codes(problems) == ["too_long", "theory_share", "over_quota"]
    assert [p.field for p in problems] == ["months", "theory_percent", "slots"]


@given(employees=st.integers(0, 100_000), slots=st.integers(1, 5_000), other=st.integers(0, 5_000))
def test_over_quota_exactly_when_more_than_a_fifth(employees, slots, other):
    refused = "over_quota" in check(employees=employees, slots=slots, other_slots=other)
    assert refused == ((slots + other) * 5 > employees)


# --- the approving authority -----------------------------------------------------------------------


def test_one_regency_is_approved_by_its_disnaker():
    assert authority_for(["64.71"]) == ("regency", "64.71")
    assert authority_for(["64.74", "64.74"]) == ("regency", "64.74")


def test_districts_of_one_regency_are_one_regency():
    assert authority_for(["64.71.05", "64.71.01", "64.71"]) == ("regency", "64.71")


def test_two_regencies_of_one_province_go_to_the_province():
    assert authority_for(["64.71", "64.74"]) == ("province", "64")
    assert authority_for(["64.02.01", "64.72"]) == ("province", "64")


def test_two_provinces_go_to_the_ministry():
    assert authority_for(["64.71", "63.71"]) == ("ministry", "")
    assert authority_for(["64.71", "64.74", "31.71"]) == ("ministry", "")


def test_no_place_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        authority_for([])


# --- months and weeks ------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2025, 1, 15), 1, D(2025, 2, 15)),
    (D(2025, 1, 31), 1, D(2025, 2, 28)),  # a shorter month: its last day
    (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
    (D(2025, 3, 31), 1, D(2025, 4, 30)),
    (D(2025, 8, 31), 6, D(2026, 2, 28)),
    (D(2025, 11, 30), 2, D(2026, 1, 30)),
    (D(2025, 12, 1), 1, D(2026, 1, 1)),  # across the year
    (D(2025, 7, 1), 12, D(2026, 7, 1)),
    (D(2025, 7, 1), 0, D(2025, 7, 1)),
    (D(2025, 5, 31), 25, D(2027, 6, 30)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("start", "months", "expected"), [
    (D(2025, 7, 1), 6, D(2025, 12, 31)),
    (D(2025, 1, 1), 12, D(2025, 12, 31)),
    (D(2025, 2, 1), 1, D(2025, 2, 28)),
    (D(2024, 2, 1), 1, D(2024, 2, 29)),
    (D(2025, 8, 1), 6, D(2026, 1, 31)),
    (D(2025, 3, 15), 3, D(2025, 6, 14)),
])
def test_end_date_is_the_last_day_of_the_period(start, months, expected):
    assert end_date(start, months) == expected


@given(start=st.dates(D(2000, 1, 1), D(2090, 12, 31)), months=st.integers(1, 24))
def test_end_date_lies_within_the_period(start, months):
    end = end_date(start, months)
    assert start < end < add_months(start, months)
    assert end + datetime.timedelta(days=1) == add_months(start, months)
    assert add_months(start, months).day <= start.day  # clamped to the month's end, never spilling over


def test_overlaps_is_inclusive():
    assert overlaps(D(2025, 1, 1), D(2025, 6, 30), D(2025, 6, 30), D(2025, 12, 31))
    assert not overlaps(D(2025, 1, 1), D(2025, 6, 30), D(2025, 7, 1), D(2025, 12, 31))
    assert overlaps(D(2025, 7, 1), D(2025, 12, 31), D(2025, 1, 1), D(2025, 7, 1))
    assert overlaps(D(2025, 1, 1), D(2025, 12, 31), D(2025, 3, 1), D(2025, 3, 2))  # one inside the other


def test_week_start_is_the_monday():
    assert week_start(D(2025, 7, 7)) == D(2025, 7, 7)  # a Monday
    assert week_start(D(2025, 7, 13)) == D(2025, 7, 7)  # the Sunday of that week
    assert week_start(D(2025, 7, 10)) == D(2025, 7, 7)
    assert week_start(D(2025, 7, 1)) == D(2025, 6, 30)  # across a month


# --- the order of applicants the company did not rank -----------------------------------------------


def plain_value(facts: CandidateFacts, criterion: str) -> int:
    """The value of one criterion, written plainly: higher is better."""
    if criterion == "certificate":
        return 2 if facts.has_wanted_certificate else 1 if facts.has_certificate else 0
    if criterion == "vocation":
        return 2 if facts.trained_in_wanted_vocation else 1 if facts.completed_training else 0
    if criterion == "education":
        return min(max(facts.education_order, 0), 99)
    if criterion == "nearby":
        return int(facts.lives_nearby)
    if criterion == "early":
        return -min(max(facts.applied_order, 0), 9999)
    raise AssertionError(criterion)


def lexicographic(facts, criteria) -> tuple:
    return tuple(plain_value(facts, c) for c in criteria)


facts_strategy = st.builds(
    CandidateFacts,
    has_wanted_certificate=st.booleans(), has_certificate=st.booleans(), trained_in_wanted_vocation=st.booleans(),
    completed_training=st.booleans(), education_order=st.integers(-2, 120), lives_nearby=st.booleans(),
    applied_order=st.integers(-2, 12_000),
)


@st.composite
def criteria_lists(draw):
    """A company's criteria: some of the five, each at most once, in any order."""
    order = draw(st.permutations(CRITERIA))
    return list(order[:draw(st.integers(0, len(CRITERIA)))])


@settings(max_examples=400)
@given(a=facts_strategy, b=facts_strategy, criteria=criteria_lists())
def test_criteria_score_is_lexicographic(a, b, criteria):
    """An earlier criterion always decides before any later one: the score orders exactly as the tuple of the
    criteria values does."""
    key_a, key_b = lexicographic(a, criteria), lexicographic(b, criteria)
    score_a, score_b = criteria_score(a, criteria), criteria_score(b, criteria)
    assert (score_a > score_b) == (key_a > key_b)
    assert (score_a == score_b) == (key_a == key_b)


@settings(max_examples=200)
@given(criteria=criteria_lists().filter(lambda c: len(c) >= 2), data=st.data())
def test_the_first_criterion_dominates_the_best_of_all_later_ones(criteria, data):
    """Better on the first criterion and worst on all others beats worse on the first and best on all others."""
    first = criteria[0]
    best = CandidateFacts(has_wanted_certificate=True, has_certificate=True, trained_in_wanted_vocation=True,
                          completed_training=True, education_order=99, lives_nearby=True, applied_order=0)
    worst = CandidateFacts(education_order=0, applied_order=9999)
    better_first = {
        "certificate": {"has_certificate": True},
        "vocation": {"completed_training": True},
        "education": {"education_order": data.draw(st.integers(1, 99))},
        "nearby": {"lives_nearby": True},
        "early": {"applied_order": data.draw(st.integers(0, 9998))},
    }[first]
    winner = CandidateFacts(**{**worst.__dict__, **better_first})
    loser = CandidateFacts(**{**best.__dict__, **{
        "certificate": {"has_wanted_certificate": False, "has_certificate": False},
        "vocation": {"trained_in_wanted_vocation": False, "completed_training": False},
        "education": {"education_order": 0},
        "nearby": {"lives_nearby": False},
        "early": {"applied_order": 9999},
    }[first]})
    assert criteria_score(winner, criteria) > criteria_score(loser, criteria)


def test_criteria_examples():
    wanted = CandidateFacts(has_wanted_certificate=True, has_certificate=True)
    any_cert = CandidateFacts(has_certificate=True, lives_nearby=True, trained_in_wanted_vocation=True)
    assert criteria_score(wanted, ["certificate", "vocation", "nearby"]) > criteria_score(
        any_cert, ["certificate", "vocation", "nearby"])
    assert criteria_score(wanted, ["nearby", "certificate"]) < criteria_score(any_cert, ["nearby", "certificate"])
    assert criteria_score(wanted, []) == criteria_score(any_cert, []) == 0
    early, late = CandidateFacts(applied_order=0), CandidateFacts(applied_order=5)
    assert criteria_score(early, ["early"]) > criteria_score(late, ["early"])


def test_unknown_criterion_is_an_error():
    with pytest.raises(ValueError, match="unknown criterion"):
        criteria_score(CandidateFacts(), ["certificate", "charm"])


@settings(max_examples=300)
@given(rank=st.integers(1, 10**6), facts=facts_strategy, criteria=criteria_lists())
def test_any_ranked_applicant_comes_before_any_unranked_one(rank, facts, criteria):
    assert company_score(rank, 0.0) > company_score(None, criteria_score(facts, criteria))


@given(a=st.integers(1, 10**6), b=st.integers(1, 10**6))
def test_company_ranking_is_kept(a, b):
    assert (company_score(a, 0.0) > company_score(b, 5.0)) == (a < b)


def test_unranked_score_is_the_criteria_score():
    assert company_score(None, 42.0) == 42.0


# --- the logbook gap -------------------------------------------------------------------------------

START = D(2025, 7, 1)  # a Tuesday


def test_gap_from_the_start_without_a_confirmed_week():
    assert logbook_gap(today=START, started_on=START, last_confirmed_week=None) == 0
    assert logbook_gap(today=START - datetime.timedelta(days=3), started_on=START, last_confirmed_week=None) == 0
    assert logbook_gap(today=START + datetime.timedelta(days=20), started_on=START, last_confirmed_week=None) == 20
    assert not is_flagged(today=START + datetime.timedelta(days=20), started_on=START, last_confirmed_week=None)
    assert is_flagged(today=START + datetime.timedelta(days=21), started_on=START, last_confirmed_week=None)


def test_gap_from_the_end_of_the_last_confirmed_week():
    week = D(2025, 7, 7)  # confirmed; the week ends on Sunday 13 July, so the gap counts from Monday 14
    day_20 = D(2025, 7, 14) + datetime.timedelta(days=20)
    assert logbook_gap(today=day_20, started_on=START, last_confirmed_week=week) == 20
    assert not is_flagged(today=day_20, started_on=START, last_confirmed_week=week)
    assert logbook_gap(today=day_20 + datetime.timedelta(days=1), started_on=START, last_confirmed_week=week) == 21
    assert is_flagged(today=day_20 + datetime.timedelta(days=1), started_on=START, last_confirmed_week=week)
    assert LOGBOOK_GAP_DAYS == 21 == rules.LOGBOOK_GAP_DAYS


def test_a_confirmed_week_resets_the_gap():
    today = START + datetime.timedelta(days=40)
    assert is_flagged(today=today, started_on=START, last_confirmed_week=None)
    assert not is_flagged(today=today, started_on=START, last_confirmed_week=week_start(today))
