"""Seat allocation: applicant-proposing deferred acceptance (DA) with reserves.

Pure: imports nothing from Django. Takes NumPy arrays (or lists) and returns NumPy arrays.

Priority. A programme ranks its applicants by the strict order of :func:`priority_key`: the higher
score first, then the smaller lottery number. Two applicants with the same score *and* the same
lottery number (lottery numbers should be distinct) are ordered by applicant index, the smaller first.

Choice function (how a programme picks from the applicants who propose to it or are held by it).
With capacity ``c`` and ``r_g`` seats reserved for each group ``g`` (``sum(r_g) <= c``):

1. open seats first: the ``c - sum(r_g)`` open seats go to the best applicants in priority order,
   whatever their groups. A member of a group competes for an open seat before a reserved one;
2. then reserved seats, one category after another in the order of ``Instance.reserves`` (the
   order of the ``reserve_<group>`` columns in programmes.csv): category ``g`` takes up to ``r_g``
   of the remaining members of ``g``, in priority order. An applicant in several groups is taken
   by the first category in that order that still has a seat for them, and counts for that one only;
3. reserved seats left empty revert to open: a last pass gives them to the remaining applicants in
   priority order, members or not. They are recorded as "open" seats.

Processing the reserved seats *after* the open seats ("reserved last") is the order that
maximises what the reserve does for its group (Dur, Kominers, Pathak and Sönmez 2018,
"Reserve design: unintended consequences and the demise of Boston's walk zones", JPE 126(6)):
with reserved seats first, a top-scoring member would use up a reserved seat she would have won
in open competition anyway; with reserved last she takes an open seat and the reserved seat goes
to the next member. Example: capacity 2, one seat reserved for women; priorities W1 > M1 > M2 > W2.
Reserved last admits W1 (open) and W2 (reserved); reserved first would admit W1 (reserved) and M1.

This choice function is substitutable (an applicant chosen from a set stays chosen from any
subset that contains her) and always takes ``min(c, number of applicants)`` (law of aggregate
demand), so DA ends in a stable matching — no applicant and programme that would both rather be
matched to each other, given the choice function — which every applicant weakly prefers to any
other stable matching, and ranking programmes honestly is a dominant strategy for applicants
(Hatfield and Milgrom 2005). Without reserves this is the applicant-optimal stable matching of
the college admissions problem (Gale and Shapley 1962), unique because priorities are strict.

:func:`allocate` runs DA by rounds, vectorised with NumPy: every round, all rejected applicants
propose to their next choice at once and every programme that received proposals applies its
choice function to the union of its held applicants and its new proposers. Each programme's
held applicants are kept in priority order in one flat array of seats. Applications are first
sorted once by (programme, priority), so a round only sorts integers. The result does not depend
on the order in which proposals are processed (with a substitutable choice function), which the
tests check against :func:`allocate_reference`, a plain-Python one-proposal-at-a-time DA.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

OPEN = "open"
UNASSIGNED = -1
_KEY_BITS = 63  # programme, score rank and lottery rank packed in one int64 when they fit


class InstanceError(ValueError):
    """The instance is malformed (sizes, ranges, order of the applications, reserves)."""


@dataclass(kw_only=True)
class Instance:
    """An allocation problem. Programmes are indexed 0..P-1, applicants 0..A-1.

    Applications are flat arrays of equal length, sorted by applicant then rank (rank 1 = first
    choice; ranks need not be consecutive but must increase); an applicant applies to a programme
    at most once. ``app_score`` is the applicant's score at that programme (higher = higher priority).
    """

    capacities: Any
    lottery: Any
    app_applicant: Any
    app_programme: Any
    app_rank: Any
    app_score: Any
    reserves: dict[str, Any] = field(default_factory=dict)  # group -> seats reserved per programme
    groups: dict[str, Any] = field(default_factory=dict)  # group -> membership per applicant

    @classmethod
    def from_lists(cls, *, capacities, lottery, choices, scores, reserves=None, groups=None) -> Instance:
        """Build an instance from per-applicant lists: ``choices[a]`` is applicant ``a``'s list of
        programme indices, first choice first, and ``scores[a][i]`` the score at ``choices[a][i]``."""
        applicant = [a for a, row in enumerate(choices) for _ in row]
        return cls(
            capacities=list(capacities),
            lottery=list(lottery),
            app_applicant=np.array(applicant, dtype=np.int64),
            app_programme=np.array([p for row in choices for p in row], dtype=np.int64),
            app_rank=np.array([i + 1 for row in choices for i in range(len(row))], dtype=np.int64),
            app_score=np.array([s for row in scores for s in row], dtype=np.float64),
            reserves=dict(reserves or {}),
            groups=dict(groups or {}),
        )


@dataclass
class Result:
    """The allocation. ``categories[0]`` is "open"; ``categories[k]`` the k-th reserve group."""

    assignment: np.ndarray  # per applicant: programme index, or -1
    assigned_rank: np.ndarray  # per applicant: rank of the assigned choice, or 0
    seat_category: np.ndarray  # per applicant: index into `categories`, or -1 when unassigned
    categories: list[str]
    cutoff_score: np.ndarray  # (programmes, categories): score of the last admitted; NaN if none
    cutoff_lottery: np.ndarray  # (programmes, categories): lottery of the last admitted; NaN if none
    rounds: int = 0

    def cutoff(self, programme: int, category: str = OPEN) -> tuple[float, float] | None:
        """(score, lottery) of the lowest-priority applicant admitted to ``programme`` in ``category``,
        or None when that category still had free seats (or admitted nobody).

        The open category counts the reverted reserved seats too and is full when the programme is.
        An applicant whose ``priority_key`` is smaller (better) than ``priority_key(*cutoff)`` of a
        category she is eligible for would have been admitted there.
        """
        k = self.categories.index(category)
        score = self.cutoff_score[programme, k]
        if np.isnan(score):
            return None
        return float(score), float(self.cutoff_lottery[programme, k])

    @property
    def cutoffs(self) -> dict[str, list[tuple[float, float] | None]]:
        """Category -> per programme: :meth:`cutoff`."""
        programmes = range(self.cutoff_score.shape[0])
        return {name: [self.cutoff(p, name) for p in programmes] for name in self.categories}


def priority_key(score, lottery) -> tuple:
    """The strict order programmes use: sorts the highest priority first (higher score, then smaller lottery)."""
    return (-score, lottery)


# --------------------------------------------------------------------------------------------------
# Validation and preparation
# --------------------------------------------------------------------------------------------------


def _int_array(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InstanceError(f"{name} must be one-dimensional")
    if array.size == 0:
        return array.astype(np.int64)
    if array.dtype.kind in "iu":
        return array
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        return array.astype(np.int64)
    raise InstanceError(f"{name} must hold whole numbers")


def _number_array(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InstanceError(f"{name} must be one-dimensional")
    if array.size == 0:
        return array.astype(np.float64)
    if array.dtype.kind not in "iuf":
        raise InstanceError(f"{name} must hold numbers")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise InstanceError(f"{name} must hold finite numbers")
    return array


@dataclass
class _Checked:
    capacities: np.ndarray  # int64 (P,)
    reserves: np.ndarray  # int64 (G, P)
    names: list[str]  # reserve groups, in processing order
    members: np.ndarray  # bool (G, A)
    lottery: np.ndarray  # (A,)
    applicant: np.ndarray
    programme: np.ndarray
    rank: np.ndarray
    score: np.ndarray


def _check(instance: Instance) -> _Checked:
    capacities = _int_array(instance.capacities, "capacities").astype(np.int64)
    n_programmes = capacities.size
    if n_programmes and capacities.min() < 0:
        raise InstanceError("capacities must not be negative")
    lottery = _number_array(instance.lottery, "lottery")
    n_applicants = lottery.size
    applicant = _int_array(instance.app_applicant, "app_applicant")
    programme = _int_array(instance.app_programme, "app_programme")
    rank = _int_array(instance.app_rank, "app_rank")
    score = _number_array(instance.app_score, "app_score")
    n = applicant.size
    if not programme.size == rank.size == score.size == n:
        raise InstanceError("app_applicant, app_programme, app_rank and app_score must have the same length")
    if n:
        if applicant.min() < 0 or applicant.max() >= n_applicants:
            raise InstanceError("app_applicant holds an index outside 0..len(lottery)-1")
        if programme.min() < 0 or programme.max() >= n_programmes:
            raise InstanceError("app_programme holds an index outside 0..len(capacities)-1")
        if rank.min() < 1:
            raise InstanceError("app_rank must be 1 or more")
        later = applicant[1:] > applicant[:-1]
        same = applicant[1:] == applicant[:-1]
        if not np.all(later | (same & (rank[1:] > rank[:-1]))):
            raise InstanceError("applications must be sorted by applicant then rank, with no rank twice")
        if _has_duplicate_choice(applicant, programme, same, n_programmes):
            raise InstanceError("an applicant applies to the same programme twice")

    names = list(instance.reserves)
    reserves = np.zeros((len(names), n_programmes), dtype=np.int64)
    members = np.zeros((len(names), n_applicants), dtype=bool)
    for g, name in enumerate(names):
        if name == OPEN:
            raise InstanceError(f'"{OPEN}" is not a valid group name')
        seats = _int_array(instance.reserves[name], f"reserves[{name!r}]")
        if seats.size != n_programmes:
            raise InstanceError(f"reserves[{name!r}] must have one entry per programme")
        if seats.size and seats.min() < 0:
            raise InstanceError(f"reserves[{name!r}] must not be negative")
        if name not in instance.groups:
            raise InstanceError(f"seats are reserved for {name!r} but groups has no membership for it")
        member = np.asarray(instance.groups[name]).astype(bool)
        if member.shape != (n_applicants,):
            raise InstanceError(f"groups[{name!r}] must have one entry per applicant")
        reserves[g] = seats
        members[g] = member
    if names and np.any(reserves.sum(axis=0) > capacities):
        raise InstanceError("the reserved seats of a programme exceed its capacity")
    return _Checked(capacities, reserves, names, members, lottery, applicant, programme, rank, score)


def _has_duplicate_choice(applicant, programme, same, n_programmes) -> bool:
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    longest = int(np.diff(np.append(starts, applicant.size)).max())
    if longest <= 8:  # short lists: compare each application with the next few of the same applicant
        for shift in range(1, longest):
            if np.any((applicant[shift:] == applicant[:-shift]) & (programme[shift:] == programme[:-shift])):
                return True
        return False
    pairs = np.sort(applicant.astype(np.int64) * n_programmes + programme)
    return bool(np.any(pairs[1:] == pairs[:-1]))


def _lottery_rank(lottery: np.ndarray) -> np.ndarray:
    """0 for the highest priority (smallest number); equal numbers keep applicant order."""
    order = np.argsort(lottery)
    ordered = lottery[order]
    if np.any(ordered[1:] == ordered[:-1]):
        order = np.argsort(lottery, kind="stable")
    ranks = np.empty(lottery.size, dtype=np.int64)
    ranks[order] = np.arange(lottery.size, dtype=np.int64)
    return ranks


def _score_rank(score: np.ndarray) -> tuple[np.ndarray, int]:
    """A whole number per application, 0 for the highest score, and the largest value."""
    if score.dtype.kind in "iu":
        score = score.astype(np.int64)
    if score.dtype.kind == "i" or np.all(score == np.round(score)):
        top, bottom = score.max(), score.min()
        if top - bottom < 2**32:
            return (top - score).astype(np.int64), int(top - bottom)
    unique, inverse = np.unique(score, return_inverse=True)
    return (unique.size - 1 - inverse).astype(np.int64), unique.size - 1


def _order_by_priority(c: _Checked) -> np.ndarray:
    """The applications sorted by programme then priority (the positions used by DA)."""
    n = c.applicant.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lottery_rank = _lottery_rank(c.lottery)
    score_rank, score_max = _score_rank(c.score)
    lottery_bits = max(int(c.lottery.size - 1).bit_length(), 1)
    score_bits = max(score_max.bit_length(), 1)
    programme_bits = max(int(c.capacities.size - 1).bit_length(), 1)
    if lottery_bits + score_bits + programme_bits > _KEY_BITS:
        return np.lexsort((lottery_rank[c.applicant], score_rank, c.programme))
    key = c.programme.astype(np.int64)
    key <<= score_bits + lottery_bits
    score_rank <<= lottery_bits
    key |= score_rank
    del score_rank
    key |= lottery_rank[c.applicant]
    return np.argsort(key)


# --------------------------------------------------------------------------------------------------
# The vectorised DA
# --------------------------------------------------------------------------------------------------


def _within_block(flags: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """For each element, how many flagged elements precede it in its block."""
    before = np.cumsum(flags, dtype=np.int64)
    before -= flags
    return before - np.repeat(before[starts], lengths)


def _choose(rank, starts, lengths, blocks, capacities, open_seats, reserves, member_bits):
    """The choice function applied to every block (programme) of candidates at once.

    ``rank`` is each candidate's place in its programme's priority order. Returns (chosen, category).
    """
    chosen = rank < np.repeat(open_seats[blocks], lengths)
    category = chosen.astype(np.int8) - 1  # 0 = open, -1 = not chosen
    for g in range(reserves.shape[0]):
        seats = reserves[g, blocks]
        if not seats.any():
            continue
        eligible = ~chosen & ((member_bits >> member_bits.dtype.type(g)) & 1).astype(bool)
        take = eligible & (_within_block(eligible, starts, lengths) < np.repeat(seats, lengths))
        chosen |= take
        category[take] = g + 1
    left = capacities[blocks] - np.add.reduceat(chosen, starts, dtype=np.int64)
    if left.any():  # reserved seats nobody of the group took revert to open
        rest = ~chosen
        take = rest & (_within_block(rest, starts, lengths) < np.repeat(left, lengths))
        chosen |= take
        category[take] = 0
    return chosen, category


def allocate(instance: Instance) -> Result:
    """Applicant-proposing deferred acceptance with reserves; see the module documentation."""
    c = _check(instance)
    n, n_programmes, n_applicants = c.applicant.size, c.capacities.size, c.lottery.size
    groups = len(c.names)
    index = np.int32 if n < 2**31 - 1 else np.int64

    app_of_pos = _order_by_priority(c).astype(index, copy=False)
    pos_of_app = np.empty(n, dtype=index)
    pos_of_app[app_of_pos] = np.arange(n, dtype=index)
    prog_of_pos = c.programme[app_of_pos]
    member_bits = None
    category_of_pos = None
    if groups:
        if groups > 64:
            raise InstanceError("at most 64 reserve groups")
        dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if np.iinfo(t).bits >= groups)
        bits = np.zeros(n_applicants, dtype=dtype)
        for g in range(groups):
            bits |= c.members[g].astype(dtype) << dtype(g)
        member_bits = bits[c.applicant[app_of_pos]]
        category_of_pos = np.zeros(n, dtype=np.int8)
    open_seats = c.capacities - c.reserves.sum(axis=0)

    # Held applicants: programme p's seats are slots[offset[p]:offset[p] + held[p]], in priority order;
    # a programme never holds more than its capacity, nor more than the applicants who applied to it.
    room = np.minimum(c.capacities, np.bincount(c.programme, minlength=n_programmes))
    offset = np.zeros(n_programmes + 1, dtype=np.int64)
    np.cumsum(room, out=offset[1:])
    slots = np.empty(int(offset[-1]), dtype=index)
    held = np.zeros(n_programmes, dtype=np.int64)

    first = np.ones(n, dtype=bool)
    first[1:] = c.applicant[1:] != c.applicant[:-1]
    proposals = pos_of_app[first]
    del first
    rounds = 0
    while proposals.size:
        rounds += 1
        proposals.sort()
        targets = prog_of_pos[proposals]
        new_block = np.ones(targets.size, dtype=bool)
        new_block[1:] = targets[1:] != targets[:-1]
        blocks = targets[new_block]  # the programmes that receive proposals, ascending
        counts = held[blocks]
        total = int(counts.sum())
        if total:
            source = np.repeat(offset[blocks] - (np.cumsum(counts) - counts), counts)
            source += np.arange(total)
            candidates = np.concatenate((slots[source], proposals))
            candidates.sort()
        else:
            candidates = proposals
        m = candidates.size
        starts = np.flatnonzero(np.concatenate(([True], np.diff(prog_of_pos[candidates]) != 0)))
        lengths = np.diff(np.append(starts, m))
        rank = np.arange(m, dtype=np.int64) - np.repeat(starts, lengths)
        if groups:
            chosen, category = _choose(rank, starts, lengths, blocks, c.capacities, open_seats, c.reserves,
                                       member_bits[candidates])
        else:
            chosen = rank < np.repeat(c.capacities[blocks], lengths)
        kept = candidates[chosen]
        kept_counts = np.add.reduceat(chosen, starts, dtype=np.int64)
        held[blocks] = kept_counts
        target = np.repeat(offset[blocks] - (np.cumsum(kept_counts) - kept_counts), kept_counts)
        target += np.arange(kept.size)
        slots[target] = kept
        if groups:
            category_of_pos[kept] = category[chosen]
        rejected = app_of_pos[candidates[~chosen]].astype(np.int64)
        following = rejected + 1
        has_next = following < n
        has_next[has_next] = c.applicant[following[has_next]] == c.applicant[rejected[has_next]]
        proposals = pos_of_app[following[has_next]]

    return _result(c, app_of_pos, prog_of_pos, slots, offset, room, held, category_of_pos, rounds)


def _result(c: _Checked, app_of_pos, prog_of_pos, slots, offset, room, held, category_of_pos, rounds) -> Result:
    n_programmes, n_applicants = c.capacities.size, c.lottery.size
    groups = len(c.names)
    filled = np.arange(slots.size) - np.repeat(offset[:-1], room) < np.repeat(held, room)
    positions = slots[filled]  # by programme, then priority
    apps = app_of_pos[positions]
    who = c.applicant[apps]
    assignment = np.full(n_applicants, UNASSIGNED, dtype=np.int32 if n_programmes < 2**31 else np.int64)
    assignment[who] = c.programme[apps]
    assigned_rank = np.zeros(n_applicants, dtype=np.int32)
    assigned_rank[who] = c.rank[apps]
    seat_category = np.full(n_applicants, UNASSIGNED, dtype=np.int8)
    category = category_of_pos[positions] if groups else np.zeros(positions.size, dtype=np.int8)
    seat_category[who] = category

    cutoff_score = np.full((n_programmes, groups + 1), np.nan)
    cutoff_lottery = np.full((n_programmes, groups + 1), np.nan)
    programme_of_seat = prog_of_pos[positions]
    for k in range(groups + 1):
        mine = category == k
        programmes = programme_of_seat[mine]
        if not programmes.size:
            continue
        last = np.ones(programmes.size, dtype=bool)
        last[:-1] = programmes[1:] != programmes[:-1]
        worst_apps, programmes = apps[mine][last], programmes[last]
        if k == 0:
            full = held[programmes] == c.capacities[programmes]
        else:
            count = np.bincount(programme_of_seat[mine], minlength=n_programmes)
            full = count[programmes] == c.reserves[k - 1, programmes]
        programmes, worst_apps = programmes[full], worst_apps[full]
        cutoff_score[programmes, k] = c.score[worst_apps]
        cutoff_lottery[programmes, k] = c.lottery[c.applicant[worst_apps]]
    return Result(assignment, assigned_rank, seat_category, [OPEN, *c.names], cutoff_score, cutoff_lottery, rounds)


# --------------------------------------------------------------------------------------------------
# The reference: plain Python, one proposal at a time, for the tests
# --------------------------------------------------------------------------------------------------


def choose_reference(candidates, capacity: int, reserved: list[int], members: list[set]) -> dict:
    """The choice function, written plainly. ``candidates``: list of (priority, applicant);
    ``reserved[g]``: seats reserved for group g; ``members[g]``: the applicants in group g.
    Returns {applicant: category}, category 0 for open and g + 1 for group g."""
    ordered = [a for _key, a in sorted(candidates)]
    chosen = dict.fromkeys(ordered[:capacity - sum(reserved)], 0)
    for g, seats in enumerate(reserved):
        for a in ordered:
            if seats == 0:
                break
            if a not in chosen and a in members[g]:
                chosen[a] = g + 1
                seats -= 1
    for a in ordered:
        if len(chosen) >= capacity:
            break
        chosen.setdefault(a, 0)
    return chosen


def allocate_reference(instance: Instance) -> Result:
    """DA one proposal at a time (McVitie and Wilson 1970): simple and slow. Same result as :func:`allocate`."""
    c = _check(instance)
    n_programmes, n_applicants = c.capacities.size, c.lottery.size
    names = c.names
    lottery = c.lottery.tolist()
    capacities = c.capacities.tolist()
    reserved = [[int(c.reserves[g, p]) for g in range(len(names))] for p in range(n_programmes)]
    members = [set(np.flatnonzero(c.members[g]).tolist()) for g in range(len(names))]
    choices: list[list[tuple[int, float, int]]] = [[] for _ in range(n_applicants)]
    for a, p, r, s in zip(c.applicant.tolist(), c.programme.tolist(), c.rank.tolist(), c.score.tolist(),
                          strict=True):
        choices[a].append((p, s, r))

    def priority(a: int, p: int) -> tuple:
        score = next(s for q, s, _r in choices[a] if q == p)
        return (*priority_key(score, lottery[a]), a)

    held: list[dict[int, int]] = [{} for _ in range(n_programmes)]  # programme -> {applicant: category}
    next_choice = [0] * n_applicants
    free = deque(range(n_applicants))
    while free:
        a = free.popleft()
        if next_choice[a] >= len(choices[a]):
            continue  # no choice left: stays unassigned
        p = choices[a][next_choice[a]][0]
        candidates = [(priority(b, p), b) for b in [*held[p], a]]
        chosen = choose_reference(candidates, capacities[p], reserved[p], members)
        for b in [*held[p], a]:
            if b not in chosen:
                next_choice[b] += 1
                free.append(b)
        held[p] = chosen

    assignment = np.full(n_applicants, UNASSIGNED, dtype=np.int64)
    assigned_rank = np.zeros(n_applicants, dtype=np.int64)
    seat_category = np.full(n_applicants, UNASSIGNED, dtype=np.int64)
    cutoff_score = np.full((n_programmes, len(names) + 1), np.nan)
    cutoff_lottery = np.full((n_programmes, len(names) + 1), np.nan)
    for p in range(n_programmes):
        for a, k in held[p].items():
            assignment[a], seat_category[a] = p, k
            assigned_rank[a] = choices[a][next_choice[a]][2]
        for k in range(len(names) + 1):
            admitted = [a for a, cat in held[p].items() if cat == k]
            seats = capacities[p] if k == 0 else reserved[p][k - 1]
            full = len(held[p]) == capacities[p] if k == 0 else len(admitted) == seats
            if admitted and full:
                worst = max(admitted, key=lambda b: priority(b, p))  # noqa: B023 (used at once)
                cutoff_score[p, k] = next(s for q, s, _r in choices[worst] if q == p)
                cutoff_lottery[p, k] = lottery[worst]
    return Result(assignment, assigned_rank, seat_category, [OPEN, *names], cutoff_score, cutoff_lottery)


def category_name(result: Result, applicant: int) -> str:
    """The seat category that admitted ``applicant``: "open", a reserve group, or "" when unassigned."""
    code = int(result.seat_category[applicant])
    return result.categories[code] if code >= 0 else ""
