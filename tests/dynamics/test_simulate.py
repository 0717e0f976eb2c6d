"""Bounded-confidence dynamics: textbook properties, brute-force checks, determinism."""
from __future__ import annotations

import numpy as np
import pytest

from imx import Graph
from imx.errors import MemoryBudgetError, ParameterError
from imx.dynamics import simulate
from imx.graph.generate import barabasi_albert, erdos_renyi


def complete_graph(n: int) -> Graph:
    src, dst = np.nonzero(~np.eye(n, dtype=bool))
    return Graph.from_arrays(src, dst, n=n)


@pytest.fixture(scope="module")
def ba():
    return barabasi_albert(120, 3, seed=4)


@pytest.fixture(scope="module")
def x0(ba):
    return np.random.default_rng(11).random((ba.n, 5))


# ------------------------------------------------------------ textbook properties
@pytest.mark.parametrize("model", ["dw", "hk", "ego"])
@pytest.mark.parametrize("distance", ["dimension", "vector"])
def test_epsilon_zero_changes_nothing(ba, x0, model, distance):
    r = simulate(ba, x0, model=model, epsilon=0.0, mu=0.5, steps=30, seed=3, distance=distance)
    assert np.array_equal(r.state, x0)
    # the same run with a positive epsilon does move values (the test can fail)
    moved = simulate(ba, x0, model=model, epsilon=0.3, mu=0.5, steps=30, seed=3,
                     distance=distance)
    assert np.abs(moved.state - x0).max() > 1e-3


def test_dw_conserves_each_interacting_pair(ba, x0):
    # one interaction per step: the rows changed by step s are exactly one pair
    r = simulate(ba, x0, model="dw", epsilon=0.4, mu=0.3, steps=400, seed=9, interactions=1,
                 record="all")
    traj = r.trajectory
    interacted = 0
    for s in range(1, traj.shape[0]):
        changed = np.flatnonzero(np.any(traj[s] != traj[s - 1], axis=1))
        assert changed.size in (0, 2)
        if changed.size == 2:
            interacted += 1
            before = traj[s - 1][changed].sum(axis=0)
            after = traj[s][changed].sum(axis=0)
            np.testing.assert_allclose(after, before, rtol=0, atol=1e-14)
    assert interacted > 100
    np.testing.assert_allclose(r.state.sum(axis=0), x0.sum(axis=0), atol=1e-11)


def test_dw_pair_moves_by_mu_towards_each_other():
    g = Graph.from_arrays([0], [1], n=2, directed=False)
    x = np.array([[0.2, 0.1], [0.6, 0.9]])
    r = simulate(g, x, model="dw", epsilon=[0.5, 0.5], mu=0.25, steps=1, interactions=1)
    # dimension 0 is within epsilon (0.4), dimension 1 is not (0.8)
    np.testing.assert_allclose(r.state, [[0.3, 0.1], [0.5, 0.9]])


def test_hk_complete_graph_reaches_mean_in_one_step():
    g = complete_graph(25)
    x = np.random.default_rng(1).random((25, 5))
    for eps in (1.0, 1.7):
        r = simulate(g, x, model="hk", epsilon=eps, steps=1)
        np.testing.assert_allclose(r.state, np.broadcast_to(x.mean(axis=0), x.shape), atol=1e-12)
    # a small epsilon does not (the property is not trivially true)
    r = simulate(g, x, model="hk", epsilon=0.2, steps=1)
    assert np.abs(r.state - x.mean(axis=0)).max() > 0.05


@pytest.mark.parametrize("distance", ["dimension", "vector"])
def test_dw_half_mu_large_epsilon_reaches_consensus(ba, x0, distance):
    r = simulate(ba, x0, model="dw", epsilon=1.0, mu=0.5, steps=400, seed=2, distance=distance)
    assert np.ptp(r.state, axis=0).max() < 1e-3
    # the mean is conserved by DW, so consensus is at the initial mean
    np.testing.assert_allclose(r.state.mean(axis=0), x0.mean(axis=0), atol=1e-9)
    small = simulate(ba, x0, model="dw", epsilon=0.05, mu=0.5, steps=400, seed=2,
                     distance=distance)
    assert np.ptp(small.state, axis=0).max() > 0.5


@pytest.mark.parametrize("model", ["dw", "hk", "ego"])
def test_stubborn_nodes_never_move(ba, x0, model):
    stubborn = np.arange(0, ba.n, 7)
    r = simulate(ba, x0, model=model, epsilon=0.5, mu=0.5, steps=60, seed=5, stubborn=stubborn,
                 record="all")
    free = np.setdiff1d(np.arange(ba.n), stubborn)
    for state in r.trajectory:
        assert np.array_equal(state[stubborn], x0[stubborn])
    assert np.abs(r.state[free] - x0[free]).max() > 1e-3
    mask = np.zeros(ba.n, dtype=bool)
    mask[stubborn] = True
    r2 = simulate(ba, x0, model=model, epsilon=0.5, mu=0.5, steps=60, seed=5, stubborn=mask)
    assert np.array_equal(r2.state, r.state)


# ----------------------------------------------------------- brute-force checks
def brute_step(graph, x, eps, mu, *, include_self, weights=None, vector=False):
    """One synchronous HK / ego step written plainly."""
    n, d = x.shape
    out = x.copy()
    for i in range(n):
        lo, hi = graph.in_offsets[i], graph.in_offsets[i + 1]
        nbrs = graph.in_sources[lo:hi]
        w = np.ones(hi - lo) if weights is None else weights[lo:hi]
        self_w = 0.0
        if include_self:
            self_w = 1.0 if weights is None or hi == lo else w.mean()
        for k in range(d):
            acc, tot = 0.0, self_w
            for j, wj in zip(nbrs, w):
                if vector:
                    inside = np.sqrt(np.mean((x[j] - x[i]) ** 2)) <= eps
                else:
                    inside = abs(x[j, k] - x[i, k]) <= eps
                if inside:
                    acc += wj * (x[j, k] - x[i, k])
                    tot += wj
            if tot > 0:
                out[i, k] = x[i, k] + mu * acc / tot
    return out


@pytest.mark.parametrize("model", ["hk", "ego"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("vector", [False, True])
def test_sync_step_matches_brute_force(model, weighted, vector):
    g = erdos_renyi(40, 200, seed=3, directed=True, probs="uniform:0.3").with_probabilities(
        "exp", seed=1)
    x = np.random.default_rng(5).random((g.n, 3))
    w = np.asarray(g.in_probs, dtype=np.float64) if weighted else None
    r = simulate(g, x, model=model, epsilon=0.35, mu=0.7, steps=1,
                 weights="graph" if weighted else None,
                 distance="vector" if vector else "dimension")
    expect = brute_step(g, x, 0.35, 0.7, include_self=model == "hk", weights=w, vector=vector)
    np.testing.assert_allclose(r.state, expect, atol=1e-12)
    assert np.abs(expect - x).max() > 1e-3


def test_weight_array_equals_graph_weights():
    g = erdos_renyi(30, 150, seed=8, probs="trivalency")
    x = np.random.default_rng(2).random((g.n, 2))
    a = simulate(g, x, model="hk", epsilon=0.4, steps=3, weights="graph")
    b = simulate(g, x, model="hk", epsilon=0.4, steps=3, weights=np.asarray(g.in_probs) * 10)
    np.testing.assert_allclose(a.state, b.state, atol=1e-12)  # weights are relative
    c = simulate(g, x, model="hk", epsilon=0.4, steps=3)
    assert np.abs(c.state - a.state).max() > 1e-4


def test_per_dimension_parameters():
    g = complete_graph(10)
    x = np.random.default_rng(0).random((10, 3))
    r = simulate(g, x, model="hk", epsilon=[0.0, 2.0, 0.0], mu=[1.0, 1.0, 1.0], steps=1)
    assert np.array_equal(r.state[:, [0, 2]], x[:, [0, 2]])
    np.testing.assert_allclose(r.state[:, 1], x[:, 1].mean(), atol=1e-12)
    r = simulate(g, x, model="hk", epsilon=2.0, mu=[0.0, 0.5, 1.0], steps=1)
    assert np.array_equal(r.state[:, 0], x[:, 0])
    np.testing.assert_allclose(r.state[:, 1], 0.5 * (x[:, 1] + x[:, 1].mean()), atol=1e-12)


# ------------------------------------------------------- determinism and options
def test_dw_is_reproducible_and_seeded(ba, x0):
    a = simulate(ba, x0, model="dw", epsilon=0.3, steps=40, seed=21)
    b = simulate(ba, x0, model="dw", epsilon=0.3, steps=40, seed=21)
    c = simulate(ba, x0, model="dw", epsilon=0.3, steps=40, seed=22)
    assert np.array_equal(a.state, b.state)
    assert not np.array_equal(a.state, c.state)
    progress_calls = []
    d = simulate(ba, x0, model="dw", epsilon=0.3, steps=40, seed=21,
                 progress=lambda done, total, label: progress_calls.append(done))
    assert np.array_equal(d.state, a.state) and progress_calls[-1] == 40


@pytest.mark.parametrize("model", ["hk", "ego"])
def test_sync_models_do_not_depend_on_threads(ba, x0, model):
    a = simulate(ba, x0, model=model, epsilon=0.3, steps=10, threads=1)
    b = simulate(ba, x0, model=model, epsilon=0.3, steps=10, threads=2)
    assert np.array_equal(a.state, b.state)


def test_node_pairing_and_record(ba, x0):
    r = simulate(ba, x0, model="dw", epsilon=0.3, steps=12, seed=1, pairing="node",
                 record="all")
    assert r.trajectory.shape == (13, ba.n, 5)
    assert np.array_equal(r.trajectory[0], x0) and np.array_equal(r.trajectory[-1], r.state)
    arc = simulate(ba, x0, model="dw", epsilon=0.3, steps=12, seed=1, pairing="arc")
    assert not np.array_equal(arc.state, r.state)


def test_convergence_stop(ba, x0):
    r = simulate(ba, x0, model="hk", epsilon=0.3, steps=10_000, tol=1e-9)
    assert r.converged and r.steps < 10_000 and r.max_change < 1e-9
    full = simulate(ba, x0, model="hk", epsilon=0.3, steps=5)
    assert not full.converged and full.steps == 5
    dw = simulate(ba, x0, model="dw", epsilon=0.1, mu=0.5, steps=10_000, tol=1e-6, seed=1)
    assert dw.converged and dw.steps < 10_000


def test_bad_parameters(ba, x0):
    with pytest.raises(ParameterError, match="model"):
        simulate(ba, x0, model="voter")
    with pytest.raises(ParameterError, match="mu"):
        simulate(ba, x0, mu=1.5)
    with pytest.raises(ParameterError, match="epsilon"):
        simulate(ba, x0, epsilon=[0.1, 0.2])
    with pytest.raises(ParameterError, match="vector distance"):
        simulate(ba, x0, epsilon=[0.1, 0.2, 0.3, 0.4, 0.5], distance="vector")
    with pytest.raises(ParameterError, match="not in"):
        simulate(ba, x0 + 1.0)
    with pytest.raises(ParameterError, match="rows"):
        simulate(ba, x0[:10])
    with pytest.raises(ParameterError, match="stubborn"):
        simulate(ba, x0, stubborn=[ba.n])
    with pytest.raises(MemoryBudgetError):
        simulate(ba, x0, steps=1000, record="all", max_memory=10_000)
