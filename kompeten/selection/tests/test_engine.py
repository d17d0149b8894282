"""The seat allocation engine: properties on random instances (hypothesis) and worked examples.

Pure: no database. The stability checks use the choice function written plainly
(`choose_reference`), so they test the fast engine against the definition, not against itself.
"""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kompeten.selection import engine
from kompeten.selection.engine import (
    OPEN,
    Instance,
    InstanceError,
    allocate,
    allocate_reference,
    category_name,
    choose_reference,
    priority_key,
)

GROUPS = ("women", "disability")
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------------
# Random instances
# --------------------------------------------------------------------------------------------------


@st.composite
def problems(draw, max_applicants=8, max_programmes=4, with_reserves=True, float_scores=True):
    """A dict with every programme's score for every applicant (``scores[a][p]``), so that a
    misreported list can be scored too; ``instance(problem)`` builds the engine's input."""
    programmes = draw(st.integers(1, max_programmes))
    applicants = draw(st.integers(0, max_applicants))
    capacities = draw(st.lists(st.integers(0, 3), min_size=programmes, max_size=programmes))
    names = GROUPS[:draw(st.integers(0, len(GROUPS)))] if with_reserves else ()
    reserves = {g: [draw(st.integers(0, c)) for c in capacities] for g in names}
    for p, capacity in enumerate(capacities):
        for g in names:  # keep the reserved seats within the capacity
            reserves[g][p] = min(reserves[g][p], capacity - sum(reserves[h][p] for h in names if h != g))
    groups = {g: draw(st.lists(st.booleans(), min_size=applicants, max_size=applicants)) for g in names}
    values = st.sampled_from([0, 0.5, 1, 2.25]) if float_scores and draw(st.booleans()) else st.integers(0, 3)
    scores = [[draw(values) for _ in range(programmes)] for _ in range(applicants)]
    lottery = draw(st.lists(st.integers(0, applicants), min_size=applicants, max_size=applicants))  # ties too
    prefs = []
    for _ in range(applicants):
        order = draw(st.permutations(range(programmes)))
        prefs.append(list(order[:draw(st.integers(0, programmes))]))
    return {"capacities": capacities, "reserves": reserves, "groups": groups, "scores": scores,
            "lottery": lottery, "prefs": prefs}


def instance(problem, prefs=None) -> Instance:
    prefs = problem["prefs"] if prefs is None else prefs
    return Instance.from_lists(
        capacities=problem["capacities"], lottery=problem["lottery"], choices=prefs,
        scores=[[problem["scores"][a][p] for p in row] for a, row in enumerate(prefs)],
        reserves=problem["reserves"], groups=problem["groups"])


def choose(problem, p, applicants) -> dict:
    """Programme p's choice from ``applicants``, by the plainly written choice function."""
    names = list(problem["reserves"])
    candidates = [((*priority_key(problem["scores"][a][p], problem["lottery"][a]), a), a) for a in applicants]
    members = [{a for a, member in enumerate(problem["groups"][g]) if member} for g in names]
    return choose_reference(candidates, problem["capacities"][p], [problem["reserves"][g][p] for g in names],
                            members)


def prefers(problem, a, p, assignment) -> bool:
    """Applicant a would rather have p than what she got."""
    prefs = problem["prefs"][a]
    if p not in prefs:
        return False
    return assignment[a] < 0 or prefs.index(p) < prefs.index(assignment[a])


def blocking_pairs(problem, assignment) -> list:
    """Pairs (applicant, programme) that would both rather be matched, given the choice function;
    plus (None, programme) when a programme would drop someone it holds."""
    pairs = []
    for p in range(len(problem["capacities"])):
        held = [a for a, q in enumerate(assignment) if q == p]
        if set(choose(problem, p, held)) != set(held):
            pairs.append((None, p))
        for a in range(len(assignment)):
            if prefers(problem, a, p, assignment) and a in choose(problem, p, [*held, a]):
                pairs.append((a, p))
    return pairs


def outcome(result) -> tuple:
    return result.assignment.tolist(), result.assigned_rank.tolist(), result.seat_category.tolist()


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------


@FAST
@given(problems())
def test_same_result_as_the_reference(problem):
    fast, slow = allocate(instance(problem)), allocate_reference(instance(problem))
    assert outcome(fast) == outcome(slow)
    np.testing.assert_array_equal(fast.cutoff_score, slow.cutoff_score)
    np.testing.assert_array_equal(fast.cutoff_lottery, slow.cutoff_lottery)


@FAST
@given(problems(max_applicants=10, max_programmes=4))
def test_stable_within_capacity_and_reserves_honoured(problem):
    result = allocate(instance(problem))
    assignment = result.assignment.tolist()
    assert blocking_pairs(problem, assignment) == []
    names = list(problem["reserves"])
    assert result.categories == [OPEN, *names]
    for a, p in enumerate(assignment):
        if p >= 0:
            assert result.assigned_rank[a] == problem["prefs"][a].index(p) + 1
        else:
            assert result.assigned_rank[a] == 0 and result.seat_category[a] == -1
    for p, capacity in enumerate(problem["capacities"]):
        held = [a for a, q in enumerate(assignment) if q == p]
        assert len(held) <= capacity
        # The seat categories are the choice function's.
        assert {a: int(result.seat_category[a]) for a in held} == choose(problem, p, held)
        wanting = [a for a in range(len(assignment)) if prefers(problem, a, p, assignment)]
        if len(held) < capacity:
            assert wanting == [], "a seat was left empty while someone wanted it"
        for g, name in enumerate(names, start=1):
            in_category = [a for a in held if result.seat_category[a] == g]
            assert len(in_category) <= problem["reserves"][name][p]
            assert all(problem["groups"][name][a] for a in in_category)
            if len(in_category) < problem["reserves"][name][p]:
                assert not [a for a in wanting if problem["groups"][name][a]], "a reserved seat was denied to a member"


def stable_matchings(problem) -> list[list[int]]:
    """Every stable matching, by brute force (each applicant: one of her choices, or nothing)."""
    options = [[-1, *prefs] for prefs in problem["prefs"]]
    return [list(m) for m in itertools.product(*options) if not blocking_pairs(problem, list(m))]


@settings(max_examples=200, deadline=None)
@given(problems(max_applicants=4, max_programmes=3))
def test_applicant_optimal_among_all_stable_matchings(problem):
    ours = allocate(instance(problem)).assignment.tolist()
    stable = stable_matchings(problem)
    assert ours in stable

    def position(a, p):
        return problem["prefs"][a].index(p) if p >= 0 else len(problem["prefs"][a])

    for other in stable:
        assert all(position(a, ours[a]) <= position(a, other[a]) for a in range(len(ours)))


@settings(max_examples=200, deadline=None)
@given(problems(max_applicants=4, max_programmes=3, with_reserves=False))
def test_without_reserves_the_applicant_optimal_stable_matching(problem):
    ours = allocate(instance(problem)).assignment.tolist()
    stable = stable_matchings(problem)

    def position(a, p):
        return problem["prefs"][a].index(p) if p >= 0 else len(problem["prefs"][a])

    best = [min(position(a, m[a]) for m in stable) for a in range(len(ours))]
    assert [position(a, ours[a]) for a in range(len(ours))] == best


def all_lists(programmes: int):
    for length in range(programmes + 1):
        yield from (list(p) for p in itertools.permutations(range(programmes), length))


@settings(max_examples=100, deadline=None)
@given(problems(max_applicants=4, max_programmes=3))
def test_no_applicant_gains_by_misreporting(problem):
    truthful = allocate(instance(problem)).assignment.tolist()
    programmes = len(problem["capacities"])
    for a, true_list in enumerate(problem["prefs"]):

        def value(p, true_list=true_list):  # smaller is better; an unlisted programme is worse than nothing
            if p < 0:
                return len(true_list)
            return true_list.index(p) if p in true_list else len(true_list) + 1

        for lie in all_lists(programmes):
            prefs = [*problem["prefs"][:a], lie, *problem["prefs"][a + 1:]]
            got = allocate(instance(problem, prefs)).assignment[a]
            assert value(truthful[a]) <= value(int(got)), (a, lie)


@settings(max_examples=40, deadline=None)
@given(problems(max_applicants=8, max_programmes=3))
def test_packed_keys_and_lexsort_agree(problem):
    packed = allocate(instance(problem))
    saved = engine._KEY_BITS
    engine._KEY_BITS = 0  # force the np.lexsort path
    try:
        sorted_ = allocate(instance(problem))
    finally:
        engine._KEY_BITS = saved
    assert outcome(packed) == outcome(sorted_)


# --------------------------------------------------------------------------------------------------
# Worked examples
# --------------------------------------------------------------------------------------------------


def women_example(scores, women, capacity=2, reserved=1, lottery=None):
    """One programme; every applicant applies to it."""
    n = len(scores)
    return Instance.from_lists(capacities=[capacity], lottery=lottery or list(range(n)), choices=[[0]] * n,
                               scores=[[s] for s in scores], reserves={"women": [reserved]},
                               groups={"women": women})


def test_reserved_seats_are_processed_after_the_open_seats():
    # Priorities W1 > M1 > M2 > W2. W1 wins the open seat on her own; the reserved seat goes to W2.
    result = allocate(women_example([90, 80, 70, 60], [True, False, False, True]))
    assert result.assignment.tolist() == [0, -1, -1, 0]
    assert [category_name(result, a) for a in range(4)] == ["open", "", "", "women"]
    # (Reserved seats first would have given W1 the reserved seat and M1 the open one.)
    assert outcome(result) == outcome(allocate_reference(women_example([90, 80, 70, 60], [True, False, False, True])))


def test_unfilled_reserved_seats_revert_to_open():
    result = allocate(women_example([90, 80, 70], [False, False, False]))
    assert result.assignment.tolist() == [0, 0, -1]
    assert result.seat_category.tolist() == [0, 0, -1]  # both seats count as open
    assert result.cutoff(0, OPEN) == (80.0, 1.0)
    assert result.cutoff(0, "women") is None


def test_reserved_seats_revert_only_after_every_group_had_its_turn():
    # Capacity 2, one seat for women and one for persons with disabilities, no open seat.
    # A (90) is both, B (80) a woman, C (85) neither. A takes the women's seat (the first category),
    # so the disability seat has no member left and reverts: it goes to the best remaining, C, as an
    # open seat; B does not get it, the women's reserve being already filled.
    both = Instance.from_lists(capacities=[2], lottery=[1, 2, 3], choices=[[0], [0], [0]], scores=[[90], [80], [85]],
                               reserves={"women": [1], "disability": [1]},
                               groups={"women": [True, True, False], "disability": [True, False, False]})
    result = allocate(both)
    assert result.assignment.tolist() == [0, -1, 0]
    assert [category_name(result, a) for a in range(3)] == ["women", "", "open"]
    assert outcome(result) == outcome(allocate_reference(both))


def test_an_applicant_in_two_groups_counts_for_the_first_category_in_order():
    rows = {"choices": [[0], [0]], "scores": [[90], [80]], "lottery": [1, 2], "capacities": [2]}
    groups = {"women": [True, False], "disability": [True, True]}
    first = allocate(Instance.from_lists(**rows, reserves={"women": [1], "disability": [1]}, groups=groups))
    assert [category_name(first, a) for a in range(2)] == ["women", "disability"]
    second = allocate(Instance.from_lists(**rows, reserves={"disability": [1], "women": [1]}, groups=groups))
    assert [category_name(second, a) for a in range(2)] == ["disability", "open"]


def test_ties_broken_by_lottery_then_applicant_order():
    result = allocate(women_example([50, 50, 50], [False] * 3, capacity=1, reserved=0, lottery=[7, 3, 3]))
    assert result.assignment.tolist() == [-1, 0, -1]  # lottery 3 beats 7; of the two 3s the first applicant
    assert result.cutoff(0) == (50.0, 3.0)
    assert priority_key(50, 3) < priority_key(50, 7) < priority_key(40, 1)


def test_cutoffs_only_for_full_categories():
    inst = Instance.from_lists(capacities=[2, 3], lottery=[0.5, 0.25, 0.75], choices=[[0, 1], [0], [0, 1]],
                               scores=[[70, 10], [90], [60, 20]], reserves={"women": [1, 1]},
                               groups={"women": [False, True, True]})
    result = allocate(inst)
    # Programme 0: open seat -> applicant 1 (90); women's seat -> applicant 2 (60); applicant 0 rejected.
    assert result.assignment.tolist() == [1, 0, 0]
    assert result.cutoff(0, OPEN) == (90.0, 0.25)
    assert result.cutoff(0, "women") == (60.0, 0.75)
    assert result.cutoff(1, OPEN) is None  # one of three seats taken
    assert result.cutoffs == {"open": [(90.0, 0.25), None], "women": [(60.0, 0.75), None]}


def test_a_rejected_applicant_proposes_to_her_next_choice():
    inst = Instance.from_lists(capacities=[1, 1], lottery=[1, 2], choices=[[0, 1], [1, 0]], scores=[[50, 50], [60, 40]])
    result = allocate(inst)
    assert result.assignment.tolist() == [0, 1]
    assert result.assigned_rank.tolist() == [1, 1]
    inst = Instance.from_lists(capacities=[1, 1], lottery=[1, 2], choices=[[0, 1], [0, 1]], scores=[[50, 50], [60, 40]])
    result = allocate(inst)
    assert result.assignment.tolist() == [1, 0]
    assert result.assigned_rank.tolist() == [2, 1]
    assert result.rounds == 2


def test_empty_instances():
    result = allocate(Instance(capacities=[], lottery=[], app_applicant=[], app_programme=[], app_rank=[],
                               app_score=[]))
    assert result.assignment.size == 0 and result.cutoff_score.shape == (0, 1)
    result = allocate(Instance(capacities=[3, 0], lottery=[1, 2], app_applicant=[], app_programme=[], app_rank=[],
                               app_score=[]))
    assert result.assignment.tolist() == [-1, -1] and result.cutoff(0) is None


def test_numpy_arrays_of_compact_types():
    inst = Instance(capacities=np.array([1, 1], dtype=np.int32), lottery=np.array([2, 1], dtype=np.int64),
                    app_applicant=np.array([0, 0, 1], dtype=np.int32),
                    app_programme=np.array([1, 0, 1], dtype=np.int32),
                    app_rank=np.array([1, 2, 1], dtype=np.int8), app_score=np.array([5, 5, 5], dtype=np.float32))
    assert allocate(inst).assignment.tolist() == [0, 1]  # applicant 1 wins programme 1 by lottery


def base(**changes):
    fields = {"capacities": [1, 1], "lottery": [1, 2], "app_applicant": [0, 0, 1], "app_programme": [0, 1, 0],
              "app_rank": [1, 2, 1], "app_score": [1, 1, 1]}
    fields.update(changes)
    return Instance(**fields)


@pytest.mark.parametrize(("changes", "words"), [
    ({"capacities": [1, -1]}, "negative"),
    ({"app_programme": [0, 2, 0]}, "outside"),
    ({"app_applicant": [0, 0, 2]}, "outside"),
    ({"app_applicant": [1, 0, 0]}, "sorted"),
    ({"app_rank": [2, 1, 1]}, "sorted"),
    ({"app_rank": [1, 1, 1]}, "sorted"),
    ({"app_programme": [0, 0, 0]}, "twice"),
    ({"app_rank": [1, 2, 0]}, "1 or more"),
    ({"app_score": [1, float("nan"), 1]}, "finite"),
    ({"app_score": [1, 1]}, "same length"),
    ({"reserves": {"women": [2, 0]}, "groups": {"women": [True, False]}}, "exceed"),
    ({"reserves": {"women": [1, 0]}}, "membership"),
    ({"reserves": {"open": [1, 0]}, "groups": {"open": [True, True]}}, "not a valid group"),
    ({"reserves": {"women": [1, 0]}, "groups": {"women": [True]}}, "one entry per applicant"),
])
def test_malformed_instances(changes, words):
    with pytest.raises(InstanceError, match=words):
        allocate(base(**changes))
