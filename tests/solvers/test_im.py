"""Classic IM solvers: bounds maths, greedy coverage, OPIM-C, IMM and baselines,
checked against brute force with exact spreads on tiny graphs."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import imx
from imx.errors import MemoryBudgetError, ParameterError
from imx.graph.generate import chung_lu
from imx.sampling import RRCollection, exact_spread, sample_rr_sets
from imx.sampling.spread import stopping_rule_threshold
from imx.solvers import bounds, imm, maximize_influence, opim_c
from imx.solvers.baselines import pagerank_scores, top_k
from imx.solvers.coverage import greedy_max_coverage
from tests.tiny import tiny_graph
from tests.tiny import brute_optimum

APPROX = 1 - 1 / math.e


# ---------------------------------------------------------------- bounds
def test_log_comb_matches_math_comb():
    for n, k in [(10, 3), (50, 0), (50, 50), (1000, 17), (10**6, 50)]:
        assert bounds.log_comb(n, k) == pytest.approx(math.log(math.comb(n, k)), rel=1e-12,
                                                      abs=1e-9)
    with pytest.raises(ValueError):
        bounds.log_comb(5, 6)


def test_opim_sample_sizes_reproduce_the_reference_implementation():
    # SUBSIM / OPIM-C on n = 1e6, k = 50, delta = 1/n: 905 sets first, 115,840 after
    # 7 doublings (the reference run); soc-Slashdot0902 k = 50: 705 << 9 = 360,960.
    n = 10**6
    assert bounds.opim_theta_zero(n, 50, 1 / n) == 905
    assert 905 << 7 == 115_840
    assert bounds.opim_theta_zero(82168, 50, 1 / 82168) << 9 == 360_960
    theta_max = bounds.opim_theta_max(n, 50, 0.01, 1 / n)
    assert theta_max == pytest.approx(905 * n / (50 * 0.01**2), rel=1e-3)
    assert bounds.opim_iterations(905, theta_max) == int(math.log2(theta_max // 905)) + 1
    assert bounds.opim_confidence(0.3, 10) == pytest.approx(0.01)


def test_opim_lower_and_upper_shapes():
    delta = 1e-3
    a = math.log(1 / delta)
    assert bounds.opim_lower(0, delta) == 0.0
    assert bounds.opim_lower(1000, delta) < 1000 < bounds.opim_upper(1000, delta)
    assert bounds.opim_lower(1000, delta) == pytest.approx(
        (math.sqrt(1000 + 2 * a / 9) - math.sqrt(a / 2)) ** 2 - a / 18)
    assert bounds.opim_upper(1000, delta) == pytest.approx(
        (math.sqrt(1000 + a / 2) + math.sqrt(a / 2)) ** 2)
    values = [bounds.opim_lower(c, delta) for c in range(0, 2000, 50)]
    assert values == sorted(values)
    # tighter with more confidence budget, relatively tighter with more data
    assert bounds.opim_lower(1000, 0.1) > bounds.opim_lower(1000, 1e-6)
    assert bounds.opim_lower(10**6, delta) / 10**6 > bounds.opim_lower(100, delta) / 100
    with pytest.raises(ValueError):
        bounds.opim_lower(10, 1.5)


def test_opim_bounds_fail_at_most_delta_of_the_time():
    rng = np.random.default_rng(0)
    trials, N, p, delta = 20000, 2000, 0.03, 0.05
    counts = rng.binomial(N, p, size=trials)
    low_fail = np.mean([bounds.opim_lower(c, delta) > N * p for c in counts])
    up_fail = np.mean([bounds.opim_upper(c, delta) < N * p for c in counts])
    assert low_fail <= delta and up_fail <= delta


def test_imm_and_stopping_rule_formulas():
    n, k, eps = 10**5, 10, 0.1
    ell = bounds.imm_ell(n, 1 / n)
    assert ell == pytest.approx(1 + math.log(2) / math.log(n))
    lam = bounds.imm_lambda_star(n, k, eps, ell)
    alpha = math.sqrt(ell * math.log(n) + math.log(2))
    beta = math.sqrt(APPROX * (bounds.log_comb(n, k) + ell * math.log(n) + math.log(2)))
    assert lam == pytest.approx(2 * n * (APPROX * alpha + beta) ** 2 / eps**2)
    ep = bounds.imm_epsilon_prime(eps)
    lp = bounds.imm_lambda_prime(n, k, ep, ell)
    assert lp == pytest.approx((2 + 2 / 3 * ep) * (bounds.log_comb(n, k) + ell * math.log(n)
                                                   + math.log(math.log2(n))) * n / ep**2)
    assert stopping_rule_threshold(0.1, 0.05) == pytest.approx(
        1 + 1.1 * 4 * (math.e - 2) * math.log(40) / 0.01)
    with pytest.raises(ParameterError, match="too small"):
        stopping_rule_threshold(1e-300, 0.05)


# ---------------------------------------------------------------- greedy coverage
def naive_greedy(sets, n, k, allowed=None):
    covered = [False] * len(sets)
    chosen = []
    for _ in range(min(k, n if allowed is None else len(allowed))):
        best, best_gain = None, -1
        for v in range(n):
            if v in chosen or (allowed is not None and v not in allowed):
                continue
            gain = sum(1 for j, s in enumerate(sets) if not covered[j] and v in s)
            if gain > best_gain:
                best, best_gain = v, gain
        chosen.append(best)
        for j, s in enumerate(sets):
            if best in s:
                covered[j] = True
    return chosen


def best_coverage(sets, n, k):
    return max(sum(1 for s in sets if s & set(c)) for c in itertools.combinations(range(n), k))


@pytest.mark.parametrize("seed", range(6))
def test_greedy_matches_naive_greedy_and_bounds_the_optimum(seed):
    rng = np.random.default_rng(seed)
    n, count, k = 9, 60, 3
    sets = [set(rng.choice(n, size=rng.integers(1, 4), replace=False).tolist())
            for _ in range(count)]
    offsets = np.cumsum([0] + [len(s) for s in sets])
    rr = RRCollection(n, np.concatenate([sorted(s) for s in sets]), offsets)
    res = greedy_max_coverage(rr, k)
    assert res.seeds.tolist() == naive_greedy(sets, n, k)
    assert res.coverage == sum(1 for s in sets if s & set(res.seeds.tolist()))
    assert list(res.gains) == sorted(res.gains, reverse=True)
    opt = best_coverage(sets, n, k)
    assert res.coverage <= opt <= res.upper_bound
    assert np.all(res.prefix_upper >= opt)
    allowed = [1, 4, 5, 7]
    restricted = greedy_max_coverage(rr, k, candidates=allowed)
    assert restricted.seeds.tolist() == naive_greedy(sets, n, k, set(allowed))


def test_greedy_fills_k_with_zero_gain_nodes_in_id_order():
    rr = RRCollection(6, [2, 2, 2], [0, 1, 2, 3])
    res = greedy_max_coverage(rr, 3)
    assert res.seeds.tolist() == [2, 0, 1]
    assert res.gains.tolist() == [3, 0, 0]
    few = greedy_max_coverage(rr, 5, candidates=[4, 5])
    assert few.seeds.tolist() == [4, 5]


# ---------------------------------------------------------------- solvers vs brute force
@pytest.mark.parametrize("model,scheme,gseed", [("ic", "wc", 1), ("ic", "uniform:0.4", 2),
                                                ("lt", "wc", 3), ("ic", "uniform:0.3", 4)])
def test_opim_c_is_certified_against_brute_force(model, scheme, gseed):
    g = tiny_graph(gseed, scheme)
    eps, delta = 0.1, 0.01
    for k, fast in ((1, False), (2, False), (2, True)):
        res = opim_c(g, k, model=model, eps=eps, delta=delta, seed=3, fast=fast)
        opt = brute_optimum(g, k, model)
        achieved = exact_spread(g, res.seeds, model=model)
        assert len(set(res.seeds)) == k
        assert achieved >= (APPROX - eps) * opt - 1e-9
        assert res.lower_bound <= achieved + 1e-9
        assert res.upper_bound >= opt - 1e-9
        assert res.approx_ratio == pytest.approx(res.lower_bound / res.upper_bound)
        assert res.approx_ratio >= APPROX - eps
        # fast: the paper's stop; default: doubling on past certification while
        # the seeds improve (imx.solvers.quality)
        stop = res.record.counters["stop"]
        assert stop == "certified" if fast else stop in ("converged", "quality cap")
        assert res.rr_sets == res.record.counters["r1_sets"] * 2


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_imm_reaches_the_guarantee_against_brute_force(model):
    g = tiny_graph(5, "wc")
    for k in (1, 2):
        res = imm(g, k, model=model, eps=0.1, delta=0.01, seed=2)
        opt = brute_optimum(g, k, model)
        assert exact_spread(g, res.seeds, model=model) >= (APPROX - 0.1) * opt - 1e-9
        assert res.upper_bound >= opt - 1e-9
        assert res.lower_bound is None and res.solver == "imm"


def test_celf_and_baselines_on_tiny_graphs():
    g = tiny_graph(6, "uniform:0.5")
    opt = brute_optimum(g, 2, "ic")
    res = maximize_influence(g, 2, solver="celf", mc_runs=3000, seed=1)
    assert exact_spread(g, res.seeds) >= 0.9 * opt
    star = imx.Graph.from_arrays([0, 0, 0, 0, 5], [1, 2, 3, 4, 6], probs="uniform:0.5")
    assert maximize_influence(star, 1, solver="degree").seeds == [0]
    assert maximize_influence(star, 1, solver="pagerank").seeds == [0]
    r1 = maximize_influence(star, 3, solver="random", seed=4)
    r2 = maximize_influence(star, 3, solver="random", seed=4)
    assert r1.seeds == r2.seeds and len(set(r1.seeds)) == 3
    assert r1.spread is not None and r1.spread >= 3


def test_pagerank_scores_rank_influencers():
    # 0 -> everything; reversed walk sends mass from the heads back to 0
    g = imx.Graph.from_arrays([0, 0, 0, 1], [1, 2, 3, 2], probs="wc")
    scores = pagerank_scores(g)
    assert scores.sum() == pytest.approx(1.0)
    assert top_k(scores, 1).tolist() == [0]
    assert top_k(np.array([1.0, 3.0, 3.0, 2.0]), 3).tolist() == [1, 2, 3]


# ---------------------------------------------------------------- determinism, budgets, errors
def test_solvers_are_identical_for_any_thread_count():
    g = chung_lu(3000, 30000, seed=1, probs="wc")
    for solver in ("opim-c", "imm"):
        one = maximize_influence(g, 10, solver=solver, seed=7, threads=1)
        two = maximize_influence(g, 10, solver=solver, seed=7, threads=2)
        assert one.seeds == two.seeds
        assert one.spread == two.spread and one.rr_sets == two.rr_sets
        assert one.upper_bound == two.upper_bound


def test_opim_c_online_mode_reports_the_ratio_reached():
    g = chung_lu(3000, 30000, seed=2, probs="wc")
    res = opim_c(g, 20, eps=0.001, max_rr_sets=3000, seed=1)
    counters = res.record.counters
    assert res.rr_sets <= 3000 and counters["stop"] == "budget"
    assert 0 < res.approx_ratio < APPROX - 0.001
    assert res.lower_bound <= res.spread <= res.upper_bound
    # a budget spent during the first round: that round completes, then it stops
    timed = opim_c(g, 20, eps=0.001, time_budget=1e-6, seed=1)
    assert timed.record.counters["stop"] == "budget"
    assert timed.record.counters["rounds"] == 1
    assert timed.approx_ratio == pytest.approx(timed.lower_bound / timed.upper_bound)


def test_opim_c_refuses_past_the_memory_budget():
    g = chung_lu(3000, 30000, seed=2, probs="wc")
    with pytest.raises(MemoryBudgetError):
        opim_c(g, 20, eps=0.01, max_memory=200_000)


def test_bad_parameters():
    g = tiny_graph(1)
    for kwargs in ({"k": 0}, {"k": 8}, {"k": 2, "eps": 0}, {"k": 2, "eps": 1.5},
                   {"k": 2, "delta": 2.0}, {"k": 2, "solver": "magic"},
                   {"k": 2, "model": "sis"}):
        with pytest.raises(ParameterError):
            maximize_influence(g, **kwargs)
    with pytest.raises(ParameterError):
        maximize_influence(g, 2, solver="imm", time_budget=1.0)


def test_result_to_dict_is_json_ready():
    import json

    g = tiny_graph(2)
    res = maximize_influence(g, 2, seed=1)
    data = json.loads(json.dumps(res.to_dict()))
    assert data["seeds"] == res.seeds and data["seed_ids"] == res.seed_ids.tolist()
    assert set(data["record"]["phases"]) >= {"sampling", "greedy", "validation"}
    assert data["rr_sets"] == res.rr_sets
    rr = sample_rr_sets(g, 100)
    assert rr.count == 100
