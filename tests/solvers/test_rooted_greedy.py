"""The rooted greedy (picks by marginal coverage minus the sets rooted at the node):
against a naive implementation, the streams' roots, and exact spreads."""
from __future__ import annotations

import numpy as np
import pytest

from imx.sampling import RRCollection, exact_spread, sample_rr_sets
from imx.sampling.rr import rr_roots
from imx.solvers.coverage import greedy_max_coverage
from tests.tiny import tiny_graph


def naive_rooted_greedy(sets: list[list[int]], n: int, k: int, allowed=None):
    """Seeds, plain gains and prefix upper bounds, straight from the definition."""
    rooted = np.bincount([s[0] for s in sets], minlength=n)
    pool = [v for v in range(n) if allowed is None or v in allowed]
    covered = [False] * len(sets)
    chosen: list[int] = []
    gains, prefix = [], []

    def marginal(v):
        return sum(1 for j, s in enumerate(sets) if not covered[j] and v in s)

    for step in range(min(k, len(pool)) + 1):
        prefix.append(sum(covered) + sum(sorted((marginal(v) for v in pool), reverse=True)[:k]))
        if step == min(k, len(pool)):
            break
        # max score, ties to the smaller id
        best = max((v for v in pool if v not in chosen),
                   key=lambda v: (marginal(v) - rooted[v], -v))
        gains.append(marginal(best))
        chosen.append(best)
        for j, s in enumerate(sets):
            covered[j] = covered[j] or best in s
    return chosen, gains, prefix


def random_collection(rng, n: int, count: int):
    sets = [rng.choice(n, size=int(rng.integers(1, min(n, 4) + 1)), replace=False).tolist()
            for _ in range(count)]
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    nodes = np.concatenate(sets).astype(np.int32) if sets else np.zeros(0, np.int32)
    return sets, RRCollection(n, nodes, offsets)


def test_rooted_greedy_matches_its_definition():
    rng = np.random.default_rng(5)
    for _ in range(150):
        n = int(rng.integers(1, 12))
        sets, rr = random_collection(rng, n, int(rng.integers(1, 40)))
        k = int(rng.integers(1, n + 2))
        allowed = None
        if rng.random() < 0.3:
            allowed = set(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False).tolist())
        got = greedy_max_coverage(rr, k, None if allowed is None else sorted(allowed),
                                  rooted=True)
        seeds, gains, prefix = naive_rooted_greedy(sets, n, k, allowed)
        assert got.seeds.tolist() == seeds
        assert got.gains.tolist() == gains
        assert got.prefix_upper.tolist() == prefix


def test_rooted_greedy_prefers_reach_over_lucky_roots():
    # node 0 roots four sets and reaches nobody; node 1 roots one and reaches node 2's sets
    rr = RRCollection(3, [0, 0, 0, 0, 1, 2, 1, 2, 1], [0, 1, 2, 3, 4, 5, 7, 9])
    assert greedy_max_coverage(rr, 1).seeds.tolist() == [0]
    assert greedy_max_coverage(rr, 1, rooted=True).seeds.tolist() == [1]


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_stream_roots_are_the_sets_first_nodes(model):
    g = tiny_graph(2, "wc", n=7, m=13)
    rr = sample_rr_sets(g, 500, model=model, seed=9, start=1234)
    np.testing.assert_array_equal(rr.root_counts(), rr_roots(9, g.n, 1234, 500))


def test_rooted_picks_spread_more_from_few_sets():
    """Where sets are mostly their root alone (small p), the plain greedy chases lucky
    roots; the rooted one finds more spread from the same sets (exact spreads)."""
    plain = rooted = 0.0
    for seed in range(40):
        g = tiny_graph(seed % 8, "uniform:0.15", n=12, m=18)
        rr = sample_rr_sets(g, 60, seed=seed)
        plain += exact_spread(g, greedy_max_coverage(rr, 2).seeds)
        rooted += exact_spread(g, greedy_max_coverage(rr, 2, rooted=True).seeds)
    assert rooted > 1.01 * plain
