"""The RR-set engine against ground truth: exact spread, determinism, distributions.

Statistical tolerances: an estimate from N independent draws is compared with
the exact value within Z = 4.5 standard errors (two-sided normal tail 7e-6 per
comparison, well under 1% for the whole file).  Seeds are fixed, so every test
is deterministic; a real bias (wrong probability, lost arc) moves the estimates
by many standard errors at these sample sizes.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import imx
from imx.errors import MemoryBudgetError, ParameterError
from imx.sampling import (RRCollection, build_node_index, exact_spread, mc_spread, rr_spread,
                          sample_rr_sets)
from imx.graph.generate import chung_lu, erdos_renyi
from imx.sampling.plan import IC_COIN, IC_SKIP, IC_SORTED, LT_CUMULATIVE, LT_UNIFORM, build_plan
from tests.tiny import tiny_graph

Z = 4.5


CASES = [("ic", "wc"), ("ic", "uniform:0.4"), ("ic", "random"),
         ("lt", "wc"), ("lt", "uniform:0.3"), ("lt", "random")]


@pytest.mark.parametrize("model,scheme", CASES)
def test_rr_estimates_match_exact_spread(model, scheme):
    count = 120_000
    for gseed in (1, 2):
        g = tiny_graph(gseed, scheme, model)
        if model == "lt" and scheme == "uniform:0.3" and g.in_degree.max() > 3:
            g = tiny_graph(gseed + 10, scheme, model, m=10)
        rr = sample_rr_sets(g, count, model=model, seed=gseed)
        for seeds in ([0], [1, 4], [2, 3, 6]):
            exact = exact_spread(g, seeds, model=model)
            p = exact / g.n
            tol = Z * g.n * math.sqrt(p * (1 - p) / count) + 1e-9
            assert abs(rr.estimate(seeds) - exact) <= tol, (model, scheme, gseed, seeds)


@pytest.mark.parametrize("model,scheme", CASES)
def test_monte_carlo_matches_exact_spread(model, scheme):
    g = tiny_graph(3, scheme, model, m=12)
    for seeds in ([0], [1, 5]):
        exact = exact_spread(g, seeds, model=model)
        est = mc_spread(g, seeds, runs=40_000, model=model, seed=7)
        assert abs(est.mean - exact) <= Z * est.stderr + 1e-9
        assert est.ci_low <= est.mean <= est.ci_high
        assert est.runs == 40_000


def star_graph(scheme: str):
    """Node 0 with 12 in-arcs of varied probability, plus a few arcs around (m = 18)."""
    src = list(range(1, 13)) + [13, 13, 0, 5, 6, 0]
    dst = [0] * 12 + [1, 2, 13, 6, 7, 5]
    if scheme == "skewed":
        prob = [0.9, 0.6, 0.3, 0.2, 0.1, 0.08, 0.05, 0.04, 0.02, 0.01, 0.5, 0.7,
                0.5, 0.5, 0.4, 0.3, 0.6, 0.2]
        return imx.Graph.from_arrays(src, dst, prob, n=14)
    return imx.Graph.from_arrays(src, dst, n=14, probs=scheme)


@pytest.mark.parametrize("scheme", ["wc", "uniform:0.15", "skewed"])
@pytest.mark.parametrize("method", ["coin", "skip", "auto"])
def test_node_inclusion_frequency_is_exact_for_every_ic_method(scheme, method):
    # P(u in an RR set) = sigma({u}) / n: checks each node's inclusion rate.
    g = star_graph(scheme)
    plan = build_plan(g, "ic", method)
    if method == "skip":
        assert plan.mode[0] == (IC_SORTED if scheme == "skewed" else IC_SKIP)
    count = 150_000
    rr = sample_rr_sets(g, count, seed=11, method=method)
    freq = np.bincount(rr.nodes, minlength=g.n) / count
    for u in range(g.n):
        p = exact_spread(g, [u]) / g.n
        assert abs(freq[u] - p) <= Z * math.sqrt(p * (1 - p) / count) + 1e-12, (u, freq[u], p)


def test_auto_thins_tied_probabilities_only_where_the_cost_model_says_so():
    # Node 0: 12 arcs over {0.1, 0.01, 0.001} (ties): thinning's ~8 coins per
    # candidate x (1 + 0.37 + ln 100) is far more than 12 coins -> IC_COIN.
    # Node 1: 200 such arcs -> thinning pays -> IC_SORTED.  Node 2: 12 arcs with
    # distinct probabilities (no tie) keeps thinning, as before the model.
    tri = [0.1, 0.01, 0.001]
    src = list(range(3, 15)) + list(range(15, 215)) + list(range(215, 227))
    dst = [0] * 12 + [1] * 200 + [2] * 12
    prob = [tri[i % 3] for i in range(212)] + [0.02 * (i + 1) for i in range(12)]
    g = imx.Graph.from_arrays(src, dst, prob, n=227)
    assert list(build_plan(g, "ic", "auto").mode[:3]) == [IC_COIN, IC_SORTED, IC_SORTED]
    assert list(build_plan(g, "ic", "skip").mode[:3]) == [IC_SORTED] * 3


def _compact_sorted_graph():
    # node 0: 3 in-arcs (coins); nodes 1 and 2: 5 and 4 in-arcs with distinct
    # probabilities (thinning), so their arcs start at 3 and 8 in the in-CSR but at
    # 0 and 5 in the plan's sorted arrays; node 3 feeds the others
    src = [4, 5, 6] + [0, 4, 5, 6, 7] + [0, 3, 5, 7] + [1, 2]
    dst = [0, 0, 0] + [1] * 5 + [2] * 4 + [3, 3]
    prob = [0.5, 0.3, 0.2] + [0.15, 0.7, 0.35, 0.05, 0.55] + [0.6, 0.25, 0.45, 0.1] + [0.4, 0.8]
    return imx.Graph.from_arrays(src, dst, prob, n=8)


def test_plan_keeps_sorted_arcs_of_thinning_nodes_only():
    g = _compact_sorted_graph()
    plan = build_plan(g, "ic", "auto")
    sorted_nodes = np.flatnonzero(plan.mode == IC_SORTED)
    assert list(sorted_nodes) == [1, 2]
    assert plan.alt_sources.shape[0] == g.in_degree[sorted_nodes].sum() == 9
    assert plan.alt_probs.shape[0] == plan.alt_values.shape[0] == 9
    in_offsets, in_sources, in_probs = g.in_offsets, g.in_sources, g.in_probs
    for v in sorted_nodes:
        lo, hi = plan.info[4 * v], plan.info[4 * v + 1] >> 4
        assert hi - lo == g.in_degree[v]
        arcs = range(in_offsets[v], in_offsets[v + 1])
        want = sorted(arcs, key=lambda i: (-in_probs[i], i))
        assert list(plan.alt_sources[lo:hi]) == [in_sources[i] for i in want]
        assert list(plan.alt_probs[lo:hi]) == [in_probs[i] for i in want]
        np.testing.assert_array_equal(
            plan.alt_values[lo:hi], 1.0 / np.log1p(-plan.alt_probs[lo:hi].astype(np.float64)))
    # the other nodes' records still point into the in-CSR
    assert plan.info[0] == 0 and plan.info[1] >> 4 == 3


def test_inclusion_frequency_with_compact_sorted_arcs_is_exact():
    g = _compact_sorted_graph()
    count = 150_000
    rr = sample_rr_sets(g, count, seed=13, method="auto")
    freq = np.bincount(rr.nodes, minlength=g.n) / count
    for u in range(g.n):
        p = exact_spread(g, [u]) / g.n
        assert abs(freq[u] - p) <= Z * math.sqrt(p * (1 - p) / count) + 1e-12, (u, freq[u], p)


@pytest.mark.parametrize("scheme", ["wc", "random"])
def test_lt_uniform_and_cumulative_picks_agree_with_exact(scheme):
    g = tiny_graph(5, scheme, "lt", n=8, m=16)
    fast = build_plan(g, "lt", "auto")
    plain = build_plan(g, "lt", "coin")
    assert np.all(plain.mode[g.in_degree > 0] == LT_CUMULATIVE)
    if scheme == "wc":
        assert np.all(fast.mode[g.in_degree > 0] == LT_UNIFORM)
    count = 100_000
    for method in ("auto", "coin"):
        rr = sample_rr_sets(g, count, model="lt", seed=2, method=method)
        freq = np.bincount(rr.nodes, minlength=g.n) / count
        for u in range(g.n):
            p = exact_spread(g, [u], model="lt") / g.n
            assert abs(freq[u] - p) <= Z * math.sqrt(p * (1 - p) / count) + 1e-12


@pytest.mark.parametrize("scheme", ["wc", "exp", "uniform:0.05"])
def test_geometric_skip_equals_coin_flips_in_distribution(scheme):
    # Larger graph (no exact answer): two-sample tests between the methods on
    # the RR-set size distribution (chi-square) and per-node inclusion counts.
    g = chung_lu(400, 6000, seed=3, probs=scheme)
    count = 40_000
    a = sample_rr_sets(g, count, seed=1, method="coin")
    b = sample_rr_sets(g, count, seed=2, method="skip")
    sa, sb = a.sizes(), b.sizes()
    edges = np.unique(np.quantile(np.concatenate((sa, sb)), np.linspace(0, 1, 21)))
    ha = np.histogram(sa, bins=edges)[0]
    hb = np.histogram(sb, bins=edges)[0]
    keep = (ha + hb) > 0
    _, pvalue, _, _ = stats.chi2_contingency(np.vstack((ha[keep], hb[keep])))
    assert pvalue > 1e-4
    ca = np.bincount(a.nodes, minlength=g.n)
    cb = np.bincount(b.nodes, minlength=g.n)
    pooled = (ca + cb) / (2 * count)
    sd = np.sqrt(np.maximum(2 * count * pooled * (1 - pooled), 1e-12))
    assert np.max(np.abs(ca - cb) / sd) < 5.0  # 400 nodes: Bonferroni-sized bound


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_collections_are_identical_for_any_thread_count(model):
    g = chung_lu(2000, 20000, seed=5, probs="wc")
    one = sample_rr_sets(g, 30_000, model=model, seed=9, threads=1)
    two = sample_rr_sets(g, 30_000, model=model, seed=9, threads=2)
    assert np.array_equal(one.nodes, two.nodes)
    assert np.array_equal(one.offsets, two.offsets)
    # numbering: the same sets drawn in two batches, from index 0 and 12345
    head = sample_rr_sets(g, 12_345, model=model, seed=9, threads=2)
    tail = sample_rr_sets(g, 30_000 - 12_345, model=model, seed=9, start=12_345, threads=1)
    head.extend(tail)
    assert np.array_equal(head.nodes, one.nodes)
    assert np.array_equal(head.offsets, one.offsets)
    other = sample_rr_sets(g, 30_000, model=model, seed=10, threads=2)
    assert not np.array_equal(other.nodes[:1000], one.nodes[:1000])


def test_sets_bigger_than_the_arena_are_redrawn_identically():
    # every RR set of a p = 1 cycle is the whole graph: far over the pilot's guess
    n = 3000
    src = np.arange(n)
    g = imx.Graph.from_arrays(src, (src + 1) % n, n=n, directed=False, probs="uniform:1")
    one = sample_rr_sets(g, 600, seed=4, threads=1)
    two = sample_rr_sets(g, 600, seed=4, threads=2)
    assert np.array_equal(one.nodes, two.nodes) and np.array_equal(one.offsets, two.offsets)
    assert np.all(one.sizes() == n)
    for j in (0, 299, 599):
        assert sorted(one[j].tolist()) == list(range(n))


def test_sets_are_distinct_nodes_with_root_first():
    g = chung_lu(500, 5000, seed=1, probs="uniform:0.2")
    rr = sample_rr_sets(g, 2000, seed=3)
    roots = rr.nodes[rr.offsets[:-1]]
    assert np.unique(roots).size > 400  # roots spread over the nodes
    for j in range(0, 2000, 97):
        s = rr[j]
        assert s.size == np.unique(s).size
        assert s[0] == roots[j]


def test_monte_carlo_is_identical_for_any_thread_count():
    g = chung_lu(1000, 8000, seed=2, probs="wc")
    for model in ("ic", "lt"):
        one = mc_spread(g, [0, 1, 2], runs=3000, model=model, seed=5, threads=1)
        two = mc_spread(g, [0, 1, 2], runs=3000, model=model, seed=5, threads=2)
        assert one == two


def test_rr_spread_stopping_rule_is_within_eps():
    g = tiny_graph(8, "uniform:0.5", "ic", n=8, m=16)
    for seeds in ([0], [2, 5]):
        exact = exact_spread(g, seeds)
        est = rr_spread(g, seeds, eps=0.02, delta=1e-3, seed=3)
        assert abs(est.mean - exact) <= 0.02 * exact
        assert est.method == "rr" and est.runs > 0
        again = rr_spread(g, seeds, eps=0.02, delta=1e-3, seed=3, threads=1)
        assert again == est
    capped = rr_spread(g, [0], eps=0.01, max_rr_sets=5000, seed=1)
    assert capped.runs == 5000 and capped.ci_low <= capped.mean <= capped.ci_high


def test_exact_spread_known_values():
    path = imx.Graph.from_arrays([0, 1], [1, 2], probs="uniform:0.5")
    assert exact_spread(path, [0]) == pytest.approx(1.75)
    assert exact_spread(path, [0, 2]) == pytest.approx(2.5)
    assert exact_spread(path, []) == 0.0
    # LT: node 2 has in-arcs from 0 and 1 with weight 1/2 each (WC)
    vee = imx.Graph.from_arrays([0, 1], [2, 2], probs="wc")
    assert exact_spread(vee, [0], model="lt") == pytest.approx(1.5)
    assert exact_spread(vee, [0, 1], model="lt") == pytest.approx(3.0)
    big = erdos_renyi(10, 40, seed=1)
    with pytest.raises(ParameterError):
        exact_spread(big, [0])


def test_node_index_and_coverage_match_brute_force(monkeypatch):
    g = chung_lu(300, 3000, seed=4, probs="uniform:0.1")
    rr = sample_rr_sets(g, 5000, seed=2)
    offsets, sets = rr.node_index()
    assert offsets.dtype == np.int64 and sets.dtype == np.int64
    expected = [[] for _ in range(g.n)]
    for j in range(rr.count):
        for v in rr[j]:
            expected[v].append(j)
    for v in range(g.n):
        assert sets[offsets[v]:offsets[v + 1]].tolist() == expected[v]
    o32, s32 = rr.node_index32()
    assert np.array_equal(o32, offsets) and np.array_equal(s32, sets)
    seeds = [3, 17, 42]
    brute = sum(1 for j in range(rr.count) if set(rr[j].tolist()) & set(seeds))
    assert rr.coverage(seeds) == brute
    assert rr.estimate(seeds) == pytest.approx(g.n * brute / rr.count)
    from imx.sampling import collection

    monkeypatch.setattr(collection, "PARALLEL_MIN_WORK", 0)  # the per-range path
    assert rr.coverage(seeds) == rr.coverage(seeds, threads=2) == brute


@pytest.mark.parametrize("n", [1, 300, 9000])
def test_node_index_paths_agree(monkeypatch, n):
    """Small work builds the index as one part, large work in parts, and kernels build
    small ones by a counting sort; all must give the brute-force index (node order, set
    ids ascending)."""
    from imx.sampling import collection
    from imx.sampling.collection import fill_node_index

    rng = np.random.default_rng(n)
    sizes = rng.integers(0, 9, size=700)
    offsets = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    nodes = rng.integers(0, n, size=int(offsets[-1])).astype(np.int32)
    set_of_entry = np.repeat(np.arange(sizes.size), sizes)
    order = np.argsort(nodes, kind="stable")
    want_sets = set_of_entry[order]
    want_offsets = np.concatenate([[0], np.cumsum(np.bincount(nodes, minlength=n))])
    built = [build_node_index(nodes, offsets, n, dtype, threads=2)
             for dtype in (np.int32, np.int64)]
    for dtype in (np.int32, np.int64):  # the kernels' own small index
        idx_offsets, idx_sets = np.empty(n + 1, np.int64), np.empty(nodes.size, dtype)
        fill_node_index(nodes, offsets, n, idx_sets, idx_offsets)
        built.append((idx_offsets, idx_sets))
    monkeypatch.setattr(collection, "PARALLEL_MIN_WORK", 0)
    built += [build_node_index(nodes, offsets, n, dtype, threads=threads)
              for dtype in (np.int32, np.int64) for threads in (1, 2)]
    for idx_offsets, idx_sets in built:
        assert np.array_equal(idx_offsets, want_offsets)
        assert np.array_equal(idx_sets, want_sets)


def test_coverage_takes_id_arrays_and_lists_and_refuses_bad_ids():
    c = RRCollection(5, [0, 1, 2, 4, 3, 3, 1], [0, 2, 3, 4, 5, 7])
    for seeds in ([4, 0], np.array([4, 0]), np.array([4, 0], np.int32), np.array([4, 0], np.uint8)):
        assert c.coverage(seeds) == 2  # sets {0,1} and {4}
    assert c.coverage(np.array([], np.int64)) == 0
    for bad in ([7], np.array([5]), np.array([-1]), np.array([2, 9], np.int32)):
        with pytest.raises(ParameterError, match="seed ids must be in 0..4"):
            c.coverage(bad)


def test_collection_growth_and_validation():
    a = RRCollection(5, [0, 1, 2, 4], [0, 2, 3, 4])
    b = RRCollection(5, [3, 3, 1], [0, 1, 3])
    a.extend(b)
    assert a.count == 5 and a.total_size == 7
    assert a.sizes().tolist() == [2, 1, 1, 1, 2]
    assert a.nodes.tolist() == [0, 1, 2, 4, 3, 3, 1]
    with pytest.raises(ParameterError):
        a.extend(RRCollection(6))
    with pytest.raises(ParameterError):
        RRCollection(3, [0, 5], [0, 2])
    with pytest.raises(ValueError):
        a.nodes[0] = 1  # read-only view


def test_memory_budget_is_enforced_from_a_pilot():
    g = chung_lu(2000, 20000, seed=5, probs="wc")
    with pytest.raises(MemoryBudgetError, match="RR sets"):
        sample_rr_sets(g, 10_000_000, max_memory=50_000_000)


def test_bad_parameters_raise():
    g = tiny_graph(1, "wc")
    with pytest.raises(ParameterError):
        sample_rr_sets(g, 10, model="sir")
    with pytest.raises(ParameterError):
        sample_rr_sets(g, 10, seed=-1)
    with pytest.raises(ParameterError):
        mc_spread(g, [0], runs=0)
    heavy = imx.Graph.from_arrays([0, 1], [2, 2], [0.8, 0.8])
    with pytest.raises(ParameterError, match="sum"):
        sample_rr_sets(heavy, 10, model="lt")


def test_parallel_for_covers_every_item_once_and_reraises():
    from imx._pool import parallel_for, resolve_threads

    seen = np.zeros(1000, dtype=np.int64)
    workers = set()

    def body(worker, item):
        seen[item] += 1
        workers.add(worker)

    parallel_for(1000, body, 3)
    assert np.all(seen == 1) and workers <= {0, 1, 2}

    def boom(worker, item):
        if item == 17:
            raise ValueError("item 17")

    with pytest.raises(ValueError, match="item 17"):
        parallel_for(100, boom, 2)
    assert resolve_threads(3) == 3 and resolve_threads(None) >= 1
    with pytest.raises(ParameterError):
        resolve_threads(0)
