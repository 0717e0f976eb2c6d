"""HIST (imx.solvers.hist): its certificate against brute force on tiny graphs, determinism,
the pilot rule and its helpers."""
from __future__ import annotations

import math

import numpy as np
import pytest

import imx
from imx.errors import ParameterError
from imx.graph.generate import chung_lu
from imx.sampling import exact_spread
from imx.solvers import maximize_influence
from imx.sampling.collection import RRCollection
from imx.solvers.hist import (HIST_MIN_MEAN_SIZE, _OutDegreeOrder, choose_sentinel_count, hist,
                              validation_multiple)
from tests.tiny import brute_optimum, tiny_graph

APPROX = 1 - 1 / math.e


# ---------------------------------------------------------------- HIST vs brute force
@pytest.mark.parametrize("model,scheme,gseed", [("ic", "uniform:0.5", 1), ("ic", "wc", 2),
                                                ("lt", "wc", 3), ("ic", "uniform:0.3", 4)])
def test_hist_certificate_holds_against_brute_force(model, scheme, gseed):
    g = tiny_graph(gseed, scheme, n=8, m=16)
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


def _collection(n, sets):
    sizes = [len(x) for x in sets]
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return RRCollection(n, np.concatenate(sets).astype(np.int32), offsets)


def test_sentinel_prefix_prefers_hubs_among_statistical_ties():
    # out-degrees: node 5 is the hub (5 arcs), node 6 next (3), the others 0 or 1
    g = imx.Graph.from_arrays([5, 5, 5, 5, 5, 6, 6, 6, 0], [0, 1, 2, 3, 4, 0, 1, 2, 9], n=10)
    order = _OutDegreeOrder(g)
    core = [0, 1, 2, 3, 4, 5, 6]
    # 30 large sets hold the whole core; node 0 alone is in 3 more: 33 against 30 is
    # within two standard deviations (2 sqrt(33) = 11.5), so the hub goes first
    sets = [np.array(core)] * 30 + [np.array([0, 7])] * 3 + [np.array([8, 9])] * 20
    picks, gains = order.sentinel_prefix(_collection(10, sets), 3)
    assert picks[0] == 5 and gains[0] == 30
    # then node 8/9's 20 sets against node 0's 3: a clear gap, the gain decides
    assert picks[1] in (8, 9) and gains[1] == 20
    # then 3 sets left (node 0 or 7): within 2 sqrt(3) of zero, so any node may do,
    # and the largest out-degree left is node 6's (gain 0)
    assert picks[2] == 6 and gains[2] == 0
    # the gains are the marginal coverage of each pick in turn
    covered = np.zeros(len(sets), dtype=bool)
    for v, gain in zip(picks, gains):
        hit = np.array([v in x for x in sets]) & ~covered
        assert gain == hit.sum()
        covered |= hit


def test_sentinel_prefix_follows_the_gain_when_it_is_clear():
    g = imx.Graph.from_arrays([3, 3, 3, 3], [0, 1, 2, 4], n=5)  # node 3 is the hub
    order = _OutDegreeOrder(g)
    # node 1: 160 sets, node 0: 100 (below 160 - 2 sqrt(160) = 134.7); then nodes 2
    # and 4: 40 each, the hub 3 only 2 (below 40 - 2 sqrt(40) = 27.4)
    sets = [np.array([0, 1])] * 100 + [np.array([1])] * 60 + [np.array([2, 4])] * 40 \
        + [np.array([3])] * 2
    picks, gains = order.sentinel_prefix(_collection(5, sets), 2)
    assert list(picks) == [1, 2] and list(gains) == [160, 40]
