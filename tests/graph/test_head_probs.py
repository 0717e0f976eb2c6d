"""Graphs whose probabilities depend on the head only (wc, wc-variant, uniform) hold one
value per node: the same float32 values as the per-arc arrays they replace, the same
plans, RR sets, simulations and seeds, for less memory."""
from __future__ import annotations

import numpy as np
import pytest

import imx
from imx import Graph
from imx.errors import ParameterError
from imx.graph.generate import chung_lu
from imx.graph.probs import compute_probabilities
from imx.sampling import sample_rr_sets
from imx.sampling.montecarlo import simulate_runs
from imx.sampling.plan import IC_COIN, IC_COIN_SHARED, IC_SORTED, SamplingPlan, build_plan
from imx.sampling.rr import draw_block
from imx.sampling.sampler import graph_arrays

HEAD_SCHEMES = ["wc", "wc-variant:3", "uniform:0.1", "uniform:0.6"]


def per_arc_twin(g: Graph) -> Graph:
    """``g`` with its probabilities as per-arc arrays, as every graph held them before."""
    return Graph(n=g.n, out_offsets=g.out_offsets, out_targets=g.out_targets,
                 out_probs=g.out_probs, in_offsets=g.in_offsets, in_sources=g.in_sources,
                 in_probs=g.in_probs, labels=g.labels, directed=g.directed, scheme=g.scheme)


@pytest.fixture(scope="module", params=HEAD_SCHEMES)
def pair(request):
    g = chung_lu(3000, 24000, seed=4, probs=request.param, threads=1)
    return g, per_arc_twin(g)


def test_head_schemes_hold_no_per_arc_arrays(pair):
    g, twin = pair
    assert g.head_probs is not None and g.head_probs.shape == (g.n,)
    assert g.arrays().keys() == {"out_offsets", "out_targets", "in_offsets", "in_sources",
                                 "head_probs"}
    assert g.nbytes == twin.nbytes - 8 * g.m + 4 * g.n
    assert g.kernel_probs("in")[0].shape == (0,) and g.kernel_probs("out")[0].shape == (0,)


def test_per_arc_values_are_bit_identical_to_the_computed_ones(pair):
    g, _ = pair
    expected = compute_probabilities(g.scheme, g.out_targets, g.in_degree)
    assert np.array_equal(g.out_probs.view(np.uint32), expected.view(np.uint32))
    heads = np.repeat(np.arange(g.n), g.in_degree)
    assert np.array_equal(g.in_probs, expected[np.argsort(g.out_targets, kind="stable")])
    assert np.array_equal(g.in_probs, g.head_probs[heads])


@pytest.mark.parametrize("model", ["ic", "lt"])
@pytest.mark.parametrize("method", ["auto", "coin", "skip"])
def test_plans_are_those_of_the_per_arc_graph(pair, model, method):
    g, twin = pair
    if model == "lt" and g.scheme != "wc":
        return  # LT weights are wc (the others break the bound or repeat the IC case)
    mine, theirs = build_plan(g, model, method), build_plan(twin, model, method)
    for name in ("info", "alt_sources", "alt_values", "alt_probs"):
        assert np.array_equal(getattr(mine, name), getattr(theirs, name)), name
    if model == "ic":  # the per-arc array the kernels get is empty: nothing may read it
        assert not np.isin(mine.mode, [IC_COIN, IC_SORTED]).any()


def test_shared_coins_draw_the_sets_per_arc_coins_drew(pair):
    """IC_COIN_SHARED compares each draw with the node's p, IC_COIN with the arc's
    (float32) p: the same comparisons, so the same sets bit for bit."""
    _, twin = pair
    plan = build_plan(twin, "ic", "coin")
    mode = plan.info[1::4] & 15
    assert (mode == IC_COIN_SHARED).any()
    info = plan.info.copy()
    info[1::4] = np.where(mode == IC_COIN_SHARED, (info[1::4] & ~15) | IC_COIN, info[1::4])
    per_arc = SamplingPlan(plan.model, plan.method, info, plan.alt_sources, plan.alt_values,
                           plan.alt_probs)
    sets = []
    for p in (plan, per_arc):
        out = np.empty(1 << 22, dtype=np.int32)
        sizes = np.zeros(1000, dtype=np.int32)
        end = draw_block(0, twin.n, *graph_arrays(twin, p), 9, 0, 0, 1000, out,
                         np.zeros(twin.n, dtype=np.uint8), sizes, np.zeros(0, dtype=np.uint8))
        assert end > 0
        sets.append((out[:end].copy(), sizes))
    assert np.array_equal(sets[0][0], sets[1][0]) and np.array_equal(sets[0][1], sets[1][1])


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_rr_sets_simulations_and_seeds_are_unchanged(pair, model):
    g, twin = pair
    if model == "lt" and g.scheme != "wc":
        return  # uniform weights over 1/indeg are no LT graph
    for method in ("auto", "coin"):
        a = sample_rr_sets(g, 5000, model=model, seed=3, method=method, threads=2)
        b = sample_rr_sets(twin, 5000, model=model, seed=3, method=method, threads=2)
        assert np.array_equal(a.nodes, b.nodes) and np.array_equal(a.offsets, b.offsets)
    ids = np.array([0, 5, 17], dtype=np.int64)
    assert np.array_equal(simulate_runs(g, ids, model, 5, 0, 300, threads=2),
                          simulate_runs(twin, ids, model, 5, 0, 300, threads=2))
    mine = imx.maximize_influence(g, 5, model=model, eps=0.3, seed=2, threads=1)
    theirs = imx.maximize_influence(twin, 5, model=model, eps=0.3, seed=2, threads=1)
    assert list(mine.seeds) == list(theirs.seeds) and mine.spread == theirs.spread


def test_construction_takes_one_kind_of_probabilities_of_the_right_length():
    g = Graph.from_arrays([0, 1, 2], [1, 2, 0])
    common = dict(n=3, out_offsets=g.out_offsets, out_targets=g.out_targets,
                  in_offsets=g.in_offsets, in_sources=g.in_sources, labels=g.labels,
                  directed=True, scheme="wc")
    with pytest.raises(ParameterError, match="not both"):
        Graph(**common, head_probs=g.head_probs, out_probs=g.out_probs, in_probs=g.in_probs)
    with pytest.raises(ParameterError, match="needs out_probs and in_probs, or head_probs"):
        Graph(**common, out_probs=g.out_probs)
    with pytest.raises(ParameterError, match="one value per node"):
        Graph(**common, head_probs=np.ones(2, dtype=np.float32))
    with pytest.raises(ParameterError, match="one value per arc"):
        Graph(**common, out_probs=g.out_probs[:2], in_probs=g.in_probs)


def test_schemes_switch_between_the_two_forms():
    g = Graph.from_arrays([0, 0, 1, 2], [1, 2, 2, 0], probs="trivalency")
    assert g.head_probs is None
    wc = g.with_probabilities("wc")
    assert wc.head_probs.tolist() == [1.0, 1.0, 0.5]
    assert wc.with_probabilities("trivalency").head_probs is None
    given = Graph.from_arrays([0, 1], [1, 0], [0.5, 0.25])
    assert given.head_probs is None and given.out_probs.tolist() == [0.5, 0.25]


def test_lt_bound_is_checked_on_per_node_weights():
    g = Graph.from_arrays([0, 1, 2, 3], [3, 3, 3, 0], probs="uniform:0.4")
    with pytest.raises(ParameterError, match="sum to 1.2 > 1"):
        g.check_lt()
    Graph.from_arrays([0, 1, 2, 3], [3, 3, 3, 0], probs="uniform:0.3").check_lt()


def test_cim_passive_graph_keeps_per_node_probabilities(pair):
    from imx.solvers.cim.problem import passive_graph

    g, twin = pair
    removed = np.arange(0, g.n, 7)
    mine, _, original_of = passive_graph(g, removed)
    theirs, _, _ = passive_graph(twin, removed)
    assert mine.head_probs is not None and theirs.head_probs is None
    assert np.array_equal(mine.head_probs, g.head_probs[original_of])
    for name in ("out_offsets", "out_targets", "out_probs", "in_offsets", "in_sources",
                 "in_probs"):
        assert np.array_equal(getattr(mine, name), getattr(theirs, name)), name
