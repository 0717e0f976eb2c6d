"""Exact tiny graphs that several test files build, each small enough to check by hand, and the
comparisons of graphs they share."""
from __future__ import annotations

import itertools

import numpy as np

from imx import Graph
from imx.sampling import exact_spread


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


def tiny_graph(seed: int, scheme: str = "wc", model: str = "ic", n: int = 7,
               m: int = 13) -> Graph:
    """A random digraph with m distinct arcs on n nodes (m <= 20 for exact_spread).

    ``scheme`` is a probability scheme, or ``"random"`` for uniform random probabilities (for
    ``model="lt"`` scaled so that every node's in-weights sum to at most 0.9)."""
    rng = np.random.default_rng(seed)
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    chosen = rng.choice(len(pairs), size=m, replace=False)
    src = np.array([pairs[i][0] for i in chosen])
    dst = np.array([pairs[i][1] for i in chosen])
    if scheme == "random":
        prob = rng.uniform(0.05, 0.95, size=m)
        if model == "lt":  # in-weights of each node sum to at most 0.9
            sums = np.bincount(dst, weights=prob, minlength=n)
            prob = 0.9 * prob / np.maximum(sums, 0.9)[dst]
        return Graph.from_arrays(src, dst, prob, n=n)
    return Graph.from_arrays(src, dst, n=n, probs=scheme)


def brute_optimum(g: Graph, k: int, model: str) -> float:
    """The best expected spread of any k seeds, by exact spread of every k-subset."""
    return max(exact_spread(g, c, model=model) for c in itertools.combinations(range(g.n), k))
