"""Sentinel-stopped RR sets (imx.sampling.sentinel) checked against the full sets drawn from
the same streams and against exact spreads."""
from __future__ import annotations

import math

import numpy as np
import pytest

from imx.errors import ParameterError
from imx.graph.generate import chung_lu
from imx.sampling import RRCollection, exact_spread, sample_rr_sets
from imx.sampling.sentinel import (StoppedSets, append_stopped_sets, count_stopped_hits,
                                   stop_mask)
from tests.tiny import tiny_graph


def full_sets(rr: RRCollection):
    return [set(rr[j].tolist()) for j in range(rr.count)]


# ---------------------------------------------------------------- kernel vs full sets
@pytest.mark.parametrize("model,scheme", [("ic", "uniform:0.3"), ("ic", "trivalency"),
                                          ("ic", "wc"), ("lt", "wc")])
def test_stopped_sets_are_the_full_sets_cut_at_the_sentinels(model, scheme):
    # same streams: set j stops at a sentinel exactly when full set j holds
    # one, and a set that meets none is the full set, node for node
    g = chung_lu(400, 3000, seed=3, probs=scheme)
    sentinels = [0, 5, 17]
    full = sample_rr_sets(g, 3000, model=model, seed=9, threads=1)
    flags = np.array([bool(s & set(sentinels)) for s in full_sets(full)])
    for threads in (1, 2):
        stopped = StoppedSets(g.n, sentinels, model=model, seed=9)
        append_stopped_sets(stopped, g, 1000, threads=threads)
        append_stopped_sets(stopped, g, 2000, threads=threads)
        assert stopped.drawn == 3000
        assert stopped.hits == int(flags.sum())
        kept = [j for j in range(3000) if not flags[j]]
        assert stopped.rest.count == len(kept)
        for i, j in enumerate(kept):
            assert stopped.rest[i].tolist() == full[j].tolist()
        hits, visited = count_stopped_hits(g, stop_mask(g.n, sentinels), 3000, model=model,
                                           seed=9, threads=threads)
        assert hits == stopped.hits and visited == stopped.visited
        assert visited <= full.total_size
    # a window of the family: sets 1000..2999
    hits, _ = count_stopped_hits(g, stop_mask(g.n, sentinels), 2000, model=model, seed=9,
                                 start=1000)
    assert hits == int(flags[1000:].sum())


@pytest.mark.parametrize("model,scheme,gseed", [("ic", "uniform:0.4", 1), ("ic", "wc", 2),
                                                ("lt", "wc", 3)])
def test_truncated_estimator_matches_exact_spreads(model, scheme, gseed):
    # for S holding the sentinels, n (hits + coverage of S in the stored sets) /
    # drawn is unbiased for sigma(S): compare with live-edge enumeration
    g = tiny_graph(gseed, scheme, n=8, m=15)
    sentinels = [0]
    stopped = StoppedSets(g.n, sentinels, model=model, seed=4)
    draws = 200_000
    append_stopped_sets(stopped, g, draws)
    for extra in ([], [3], [3, 6]):
        seeds = sentinels + extra
        p = (stopped.hits + stopped.rest.coverage(seeds)) / draws
        exact = exact_spread(g, seeds, model=model)
        stderr = g.n * math.sqrt(max(p * (1 - p), 1e-12) / draws)
        assert abs(g.n * p - exact) <= 5 * stderr + 1e-5, (seeds, g.n * p, exact)
    assert stopped.rest.count < draws  # sets that hit were not stored


def test_stopped_sets_bad_input():
    g = tiny_graph(1)
    with pytest.raises(ParameterError):
        StoppedSets(g.n, [g.n], seed=1)
    with pytest.raises(ParameterError):
        count_stopped_hits(g, np.zeros(3, dtype=np.uint8), 10)
    with pytest.raises(ParameterError):
        append_stopped_sets(StoppedSets(g.n + 1, [0]), g, 10)
