"""Guarded clustering: from scored pairs to groups of records that are one person.

Plain transitive closure of the link pairs chains strangers: A looks like B, B like C, ... and at a million records
people born on the same day in the same district (NIKs differing only in the serial) end in one giant cluster. Here
link edges (weight at or above the link threshold) are taken strongest first, and two clusters join only when

1. the joined cluster has at most ``max_size`` records;
2. no pair across the two clusters is a contradiction: a weight at or below the veto (a strong non-match) or a
   hard conflict (``cross`` says so: a sibling-pattern NIK with different names, different sexes, birth dates far
   apart — see engine.conflicts);
3. when both clusters already have more than one record, at least ``support`` of the pairs across them are not
   non-links (weight at or above ``low``): one look-alike pair is not enough to merge two established groups.

Every link edge that was not followed is returned with its reason, so the pair can go to clerical review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# cross(xs, ys) -> (weights, conflicts): the total weight and the hard-conflict flag of each pair (xs[k], ys[k]).
Cross = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class Clusters:
    labels: np.ndarray  # cluster number of every record (0..k-1, numbered by first record)
    refused: list[tuple[int, int, str]] = field(default_factory=list)  # (i, j, "size" | "conflict" | "support")
    merges: int = 0

    def groups(self) -> list[list[int]]:
        order = np.argsort(self.labels, kind="stable")
        cut = np.flatnonzero(np.diff(self.labels[order])) + 1
        return [list(map(int, g)) for g in np.split(order, cut)] if len(order) else []


def guarded_clusters(n: int, left: np.ndarray, right: np.ndarray, weight: np.ndarray, *, link: float, low: float,
                     veto: float, cross: Cross, max_size: int = 25, support: float = 0.5,
                     conflict: np.ndarray | None = None) -> Clusters:
    """Cluster ``n`` records given scored pairs (left[k], right[k], weight[k]); see the module docstring.

    ``conflict`` (optional, per pair): the hard-conflict flag of the pairs themselves, so that joining two single
    records needs no call to ``cross``."""
    parent = list(range(n))
    members: dict[int, list[int]] = {}
    refused: list[tuple[int, int, str]] = []

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root


    weight = np.asarray(weight, dtype=np.float64)
    edges = np.flatnonzero(weight >= link)
    edges = edges[np.argsort(-weight[edges], kind="stable")]
    edge_left = np.asarray(left)[edges].tolist()
    edge_right = np.asarray(right)[edges].tolist()
    edge_weight = weight[edges].tolist()
    edge_conflict = (np.asarray(conflict)[edges].tolist() if conflict is not None else [None] * len(edges))
    merges = 0
    for i, j, wk, ck in zip(edge_left, edge_right, edge_weight, edge_conflict, strict=True):
        a, b = find(i), find(j)
        if a == b:
            continue
        ma, mb = members.get(a), members.get(b)
        size_a, size_b = (len(ma) if ma else 1), (len(mb) if mb else 1)
        if size_a + size_b > max_size:
            refused.append((i, j, "size"))
            continue
        if ck is not None and size_a == 1 and size_b == 1:
            bad = ck or wk <= veto
        else:
            ma, mb = ma or [a], mb or [b]
            xs = np.repeat(np.asarray(ma), len(mb))
            ys = np.tile(np.asarray(mb), len(ma))
            w, flags = cross(xs, ys)
            w = np.asarray(w, dtype=np.float64)
            bad = bool(np.any(flags)) or bool(np.any(w <= veto))
            if not bad and size_a > 1 and size_b > 1 and float(np.mean(w >= low)) < support:
                refused.append((i, j, "support"))
                continue
        if bad:
            refused.append((i, j, "conflict"))
            continue
        ma, mb = ma or [a], mb or [b]
        if size_a < size_b:
            a, b, ma, mb = b, a, mb, ma
        parent[b] = a
        members[a] = ma + mb
        members.pop(b, None)
        merges += 1
    roots = np.asarray(parent, dtype=np.int64)
    while True:  # full path compression, vectorised
        up = roots[roots]
        if np.array_equal(up, roots):
            break
        roots = up
    # Number the clusters in the order of their first record.
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out = rank[inverse.reshape(-1)] if n else np.zeros(0, dtype=np.int64)
    return Clusters(labels=out, refused=refused, merges=merges)
