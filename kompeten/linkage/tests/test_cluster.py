"""Guarded clustering: a partition, no strong non-match or conflict inside a cluster, size limits, and no chaining
of established clusters through one look-alike pair."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kompeten.linkage.cluster import guarded_clusters

LINK, LOW, VETO = 5.0, -3.0, -12.0


def matrix_cross(w: np.ndarray, conflict: np.ndarray):
    def cross(xs, ys):
        return w[xs, ys], conflict[xs, ys]
    return cross


def run(w: np.ndarray, conflict: np.ndarray | None = None, *, edges=None, max_size: int = 25, **kw):
    n = len(w)
    conflict = np.zeros_like(w, dtype=bool) if conflict is None else conflict
    if edges is None:
        edges = list(itertools.combinations(range(n), 2))
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    weight = w[left, right] if len(edges) else np.zeros(0)
    return guarded_clusters(n, left, right, weight, link=LINK, low=LOW, veto=VETO,
                            cross=matrix_cross(w, conflict), max_size=max_size,
                            conflict=conflict[left, right] if len(edges) else None, **kw)


def symmetric(values, n):
    w = np.zeros((n, n))
    iu = np.triu_indices(n, 1)
    w[iu] = values
    return w + w.T


@st.composite
def graphs(draw, max_n=12):
    n = draw(st.integers(1, max_n))
    m = n * (n - 1) // 2
    levels = st.sampled_from([-20.0, -13.0, -5.0, 0.0, 4.9, 5.0, 8.0, 15.0])
    w = symmetric(draw(st.lists(levels, min_size=m, max_size=m)), n)
    c = symmetric(draw(st.lists(st.booleans(), min_size=m, max_size=m)), n).astype(bool) if m else \
        np.zeros((n, n), dtype=bool)
    return w, c


@settings(max_examples=200, deadline=None)
@given(graphs(), st.integers(2, 6))
def test_clusters_are_a_partition_without_contradictions(graph, max_size):
    w, conflict = graph
    n = len(w)
    result = run(w, conflict, max_size=max_size)
    labels = result.labels
    assert len(labels) == n
    groups = result.groups()
    assert sorted(i for g in groups for i in g) == list(range(n))  # every record in exactly one cluster
    assert sorted(set(labels.tolist())) == list(range(len(groups)))  # numbered 0..k-1
    for group in groups:
        assert len(group) <= max_size
        for a, b in itertools.combinations(group, 2):
            assert w[a, b] > VETO, "a strong non-match inside a cluster"
            assert not conflict[a, b], "a conflicting pair inside a cluster"


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_weak_edges_never_join(graph):
    w, conflict = graph
    strong_only = [(a, b) for a, b in itertools.combinations(range(len(w)), 2) if w[a, b] >= LINK]
    assert (run(w, conflict).labels == run(w, conflict, edges=strong_only).labels).all()


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 6), st.integers(2, 6), st.sampled_from([-5.0, 0.0, 4.9]))
def test_a_weak_edge_never_chains_two_strong_clusters(size_a, size_b, weak):
    n = size_a + size_b
    w = np.full((n, n), -5.0)  # across the two groups: non-links
    w[:size_a, :size_a] = 10.0
    w[size_a:, size_a:] = 10.0
    w[0, size_a] = w[size_a, 0] = weak
    labels = run(w).labels
    assert len(set(labels[:size_a].tolist())) == 1 and len(set(labels[size_a:].tolist())) == 1
    assert labels[0] != labels[size_a]


def test_one_look_alike_link_does_not_merge_two_established_clusters():
    w = np.full((4, 4), -5.0)
    w[0, 1] = w[1, 0] = 12.0
    w[2, 3] = w[3, 2] = 12.0
    w[1, 2] = w[2, 1] = 9.0  # a link, but 0-2, 0-3, 1-3 are non-links
    result = run(w)
    assert result.labels[0] == result.labels[1] != result.labels[2] == result.labels[3]
    assert (1, 2, "support") in result.refused


def test_twins_are_not_chained_through_a_shared_record():
    """A (twin 1) - B (a record of twin 1 with a mistyped NIK) - C (twin 2): A-C is a conflict (sibling NIK,
    other name). The strongest edge wins, the other is refused."""
    w = np.array([[0, 9.0, -2.0], [9.0, 0, 7.0], [-2.0, 7.0, 0]])
    conflict = np.zeros((3, 3), dtype=bool)
    conflict[0, 2] = conflict[2, 0] = True
    result = run(w, conflict)
    assert result.labels.tolist() == [0, 0, 1]
    assert (1, 2, "conflict") in result.refused


def test_a_link_that_is_itself_a_conflict_is_refused():
    w = np.array([[0, 20.0], [20.0, 0]])
    conflict = np.array([[False, True], [True, False]])
    result = run(w, conflict)
    assert result.labels.tolist() == [0, 1]
    assert result.refused == [(0, 1, "conflict")]


def test_size_limit():
    n = 6
    w = np.full((n, n), 10.0)
    result = run(w, max_size=4)
    assert max(np.bincount(result.labels)) <= 4
    assert any(reason == "size" for *_, reason in result.refused)


def test_numbered_in_order_of_first_record():
    w = np.full((4, 4), -5.0)
    w[1, 3] = w[3, 1] = 10.0
    assert run(w).labels.tolist() == [0, 1, 2, 1]
    assert run(np.zeros((0, 0))).labels.tolist() == []
