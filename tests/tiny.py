"""Exact tiny graphs that several test files build, each small enough to check by hand, and the
comparisons of graphs they share."""
from __future__ import annotations

import numpy as np

from imx import Graph


ARRAYS = ("out_offsets", "out_targets", "out_probs", "in_offsets", "in_sources", "in_probs")


def assert_same_graph(a: Graph, b: Graph) -> None:
    assert a.n == b.n
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.labels.tolist() == b.labels.tolist()


def arc_dict(g: Graph) -> dict:
    tails, heads = g.arcs()
    return {(int(u), int(v)): float(p) for u, v, p in zip(tails, heads, g.out_probs)}


def arc_id(g: Graph, u: int, v: int) -> int:
    lo, hi = int(g.out_offsets[u]), int(g.out_offsets[u + 1])
    return lo + int(np.flatnonzero(np.asarray(g.out_targets[lo:hi]) == v)[0])


def subtree_graph(p_ab=0.5, p_tree=0.8, leaves=4):
    """Inviter 0 with equally willing friends 1 (root of a star of `leaves`) and 2 (a leaf)."""
    src = [0, 0] + [1] * leaves
    dst = [1, 2] + list(range(3, 3 + leaves))
    return Graph.from_arrays(src, dst, [p_ab, p_ab] + [p_tree] * leaves)
