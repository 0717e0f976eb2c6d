"""HIST: sentinel-stopped RR sets checked against full ones and against exact
spreads, and HIST's certificate against brute force on tiny graphs."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import imx
from imx.errors import ParameterError
from imx.graph.generate import chung_lu
from imx.sampling import RRCollection, exact_spread, sample_rr_sets
from imx.sampling.sentinel import (StoppedSets, append_stopped_sets, count_stopped_hits,
                                   stop_mask)
from imx.solvers import maximize_influence
from imx.solvers.hist import (HIST_MIN_MEAN_SIZE, choose_sentinel_count, hist,
                              validation_multiple)

APPROX = 1 - 1 / math.e


def tiny(seed, scheme="wc", n=7, m=13):
    rng = np.random.default_rng(seed)
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    pick = rng.choice(len(pairs), size=m, replace=False)
    return imx.Graph.from_arrays([pairs[i][0] for i in pick], [pairs[i][1] for i in pick],
                                 n=n, probs=scheme)


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
    g = tiny(gseed, scheme, n=8, m=15)
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
    g = tiny(1)
    with pytest.raises(ParameterError):
        StoppedSets(g.n, [g.n], seed=1)
    with pytest.raises(ParameterError):
        count_stopped_hits(g, np.zeros(3, dtype=np.uint8), 10)
    with pytest.raises(ParameterError):
        append_stopped_sets(StoppedSets(g.n + 1, [0]), g, 10)


# ---------------------------------------------------------------- HIST vs brute force
def brute_optimum(g, k, model):
    return max(exact_spread(g, c, model=model) for c in itertools.combinations(range(g.n), k))


@pytest.mark.parametrize("model,scheme,gseed", [("ic", "uniform:0.5", 1), ("ic", "wc", 2),
                                                ("lt", "wc", 3), ("ic", "uniform:0.3", 4)])
def test_hist_certificate_holds_against_brute_force(model, scheme, gseed):
    g = tiny(gseed, scheme, n=8, m=16)
    for k in (2, 3):
        res = hist(g, k, model=model, eps=0.1, delta=0.01, seed=5)
        counters = res.record.counters
        opt = brute_optimum(g, k, model)
        achieved = exact_spread(g, res.seed_ids, model=model)
        assert res.solver == "hist" and counters["hist"]
        assert len(set(res.seeds)) == k
        assert 1 <= counters["sentinels"] < k
        assert res.lower_bound <= achieved + 1e-5
        assert res.upper_bound >= opt - 1e-5
        assert res.approx_ratio == pytest.approx(res.lower_bound / res.upper_bound)
        assert counters["stop"] in ("converged", "quality cap")
        assert res.approx_ratio >= APPROX - 0.1
        assert achieved >= (APPROX - 0.1) * opt - 1e-5


def test_hist_on_a_high_influence_graph_is_deterministic_and_cheap():
    g = chung_lu(3000, 30000, seed=1, probs="uniform:0.2")
    one = hist(g, 10, seed=7, threads=1)
    two = hist(g, 10, seed=7, threads=2)
    assert one.seeds == two.seeds
    assert one.spread == two.spread and one.upper_bound == two.upper_bound
    c = one.record.counters
    assert c["stop"] in ("converged", "quality cap")
    fast = hist(g, 10, seed=7, fast=True)
    assert fast.record.counters["stop"] == "certified"
    assert fast.record.counters["rounds"] == c["certified_round"]
    assert fast.rr_sets <= one.rr_sets
    # the point of HIST: stopped sets are much smaller than full ones
    assert c["mean_stopped_rr_size"] < 0.5 * c["mean_full_rr_size"]
    assert one.lower_bound <= one.spread <= one.upper_bound
    # same answer quality as OPIM-C's, by an independent estimate
    plain = imx.opim_c(g, 10, seed=7)
    ours = imx.rr_spread(g, one.seeds, eps=0.02, seed=99).mean
    theirs = imx.rr_spread(g, plain.seeds, eps=0.02, seed=99).mean
    assert ours >= 0.95 * theirs


def test_pilot_rule_and_api_switches():
    low = chung_lu(2000, 10000, seed=2, probs="wc")
    high = chung_lu(2000, 20000, seed=2, probs="uniform:0.2")
    auto_low = maximize_influence(low, 5, seed=1)
    assert auto_low.solver == "opim-c"
    assert auto_low.record.counters["hist_pilot_mean"] < HIST_MIN_MEAN_SIZE
    auto_high = maximize_influence(high, 5, seed=1)
    assert auto_high.solver == "hist"
    assert auto_high.record.counters["hist_pilot_mean"] >= HIST_MIN_MEAN_SIZE
    assert maximize_influence(high, 5, seed=1, hist=False).solver == "opim-c"
    forced = maximize_influence(low, 5, seed=1, hist=True)
    assert forced.solver == "hist" and forced.approx_ratio >= APPROX - 0.1
    with pytest.raises(ParameterError):
        maximize_influence(low, 5, solver="imm", hist=True)


def test_helpers():
    assert validation_multiple(1000.0, 10.0) == 8
    assert validation_multiple(1000.0, 50.0) == 4
    assert validation_multiple(1000.0, 200.0) == 2
    assert validation_multiple(1000.0, 900.0) == 1
    gains = np.array([500, 100, 50, 10, 5, 1], dtype=np.int64)
    b = choose_sentinel_count(gains, 700.0, 20, 5, 0.05, 0.001)
    assert 1 <= b <= 5
    assert choose_sentinel_count(np.zeros(6, dtype=np.int64), 1.0, 20, 5, 0.05, 0.001) == 5


# ---------------------------------------------------------------- the default stopping rule
def test_paired_gain_matches_its_definition():
    from imx.solvers.quality import paired_gain

    rng = np.random.default_rng(3)
    old = (rng.random(5000) < 0.3).astype(np.uint8)
    new = old.copy()
    new[rng.random(5000) < 0.05] = 1
    new[rng.random(5000) < 0.01] = 0
    gain, stderr = paired_gain(int(np.sum(new > old)), int(np.sum(old > new)), 5000, 1000)
    diff = new.astype(float) - old
    assert gain == pytest.approx(1000 * diff.mean())
    assert stderr == pytest.approx(1000 * diff.std(ddof=1) / math.sqrt(5000))
    assert paired_gain(0, 0, 10, 1000) == (0.0, 0.0)
    with pytest.raises(ValueError):
        paired_gain(6, 5, 10, 1000)


def test_keep_improving_decisions():
    from imx.solvers.quality import KeepImproving

    # four validation sets; node v covers the sets listed
    sets = {1: {0}, 2: {0, 1, 2}, 3: {0, 1, 2}}

    def coverage_of(nodes):
        return len(set().union(*(sets[int(v)] for v in nodes)))

    rule = KeepImproving(4, 1, 0.1)
    assert rule.compare(np.array([1]), coverage_of, 4) == 1
    assert rule.decide(False, 100) is None             # not certified: OPIM-C goes on
    assert rule.compare(np.array([2]), coverage_of, 4) == 3
    assert rule.gain == 2.0 and rule.decide(True, 200) is None   # still improving
    rule.compare(np.array([3]), coverage_of, 4)
    assert rule.gain == 0.0 and rule.decide(True, 400) == "converged"
    counters = rule.counters()
    assert counters["certified_round"] == 2 and counters["rounds_after_certified"] == 1
    # the cap: the next round's R1 would pass an eighth of IMM's (eps = 0.05) sample
    capped = KeepImproving(4, 1, 0.1)
    capped.compare(np.array([2]), coverage_of, 4)
    cap = capped.lambda_star / 3.0 / 8
    assert capped.decide(True, int(cap / 2) - 1) is None   # first round: nothing to compare
    assert capped.decide(True, int(cap / 2) + 1) == "quality cap"
