"""Fitting recovers planted epsilon/mu on generated ego networks; evaluation and baselines."""
from __future__ import annotations

import os

import numpy as np
import pytest

from imx import Graph
from imx.errors import ParameterError
from imx.dynamics import error_metrics, evaluate, fit, generate_egos, predict, pso
from imx.dynamics.evaluation import have_sklearn, kfold_indices, ridge_fit, ridge_predict
from imx.graph.generate import barabasi_albert
from tests import SHARED_GRAPHS

FACEBOOK = SHARED_GRAPHS / "facebook_combined.txt.gz"

# Recovery tolerance stated in the docs: |fitted - planted| <= 0.03 for epsilon and mu with
# 100 ego networks and noise sd 0.01.
TOL = 0.03


def real_graph() -> Graph:
    """facebook_combined when present (the test data), else a BA graph of similar density."""
    if os.path.exists(FACEBOOK):
        edges = np.loadtxt(FACEBOOK, dtype=np.int64)
        return Graph.from_arrays(edges[:, 0], edges[:, 1], directed=False)
    return barabasi_albert(4000, 22, seed=1)


@pytest.fixture(scope="module")
def graph():
    return real_graph()


@pytest.fixture(scope="module")
def planted(graph):
    return generate_egos(graph, count=100, size=80, epsilon=0.3, mu=0.4, noise=0.01, seed=7)


def test_generated_data_shape(planted, graph):
    assert len(planted) == 100
    assert planted.sizes.max() <= 80 and planted.sizes.min() >= 40
    assert planted.meta["planted"]["epsilon"] == 0.3
    # egos are nodes of the graph and their friends are graph neighbours
    net = planted[0]
    ego_label = int(net.graph.labels[net.ego])
    nbrs = set(graph.out_neighbors(ego_label).tolist())
    assert {int(v) for v in net.graph.labels if int(v) != ego_label} <= nbrs


@pytest.mark.parametrize("method", ["pso", "de"])
def test_fit_recovers_planted_parameters(planted, method):
    res = fit(planted, method=method, particles=24, iterations=40, seed=1)
    assert abs(res.epsilon - 0.3) <= TOL, res.epsilon
    assert abs(res.mu - 0.4) <= TOL, res.mu
    ev = evaluate(planted, params=res)
    m = ev.metrics
    assert m["bcm"]["mse"] < 0.5 * m["no_change"]["mse"]
    assert m["bcm"]["mse"] < 0.5 * m["mean_of_friends"]["mse"]
    assert m["bcm"]["mse"] < 2 * 0.01 ** 2  # down to the planted noise
    assert ev.best == "bcm"
    assert res.history[-1]["best_mse"] == pytest.approx(res.mse)
    assert all(a["best_mse"] >= b["best_mse"] for a, b in zip(res.history, res.history[1:]))


def test_fit_recovers_another_point(graph):
    egos = generate_egos(graph, count=100, size=80, epsilon=0.15, mu=0.75, noise=0.01, seed=8)
    res = fit(egos, iterations=40, seed=2)
    assert abs(res.epsilon - 0.15) <= TOL and abs(res.mu - 0.75) <= TOL


def test_fit_per_dimension_weighted(graph):
    eps = [0.15, 0.25, 0.35, 0.45, 0.2]
    mu = [0.3, 0.5, 0.7, 0.4, 0.6]
    egos = generate_egos(graph, count=120, size=80, epsilon=eps, mu=mu, noise=0.005,
                         weighted=True, seed=9)
    res = fit(egos, per_dimension=True, weighted=True, particles=20, iterations=50, seed=3)
    assert np.abs(np.array(res.epsilon) - eps).max() <= 0.05, res.epsilon
    assert np.abs(np.array(res.mu) - mu).max() <= 0.05, res.mu
    unweighted = evaluate(egos, epsilon=res.epsilon, mu=res.mu, weighted=False)
    assert res.mse < unweighted.metrics["bcm"]["mse"]
    assert res.history[-1]["best"]["epsilon"] == res.epsilon
    de = fit(egos, method="de", per_dimension=True, weighted=True, iterations=30, seed=3)
    assert np.abs(np.array(de.epsilon) - eps).max() <= 0.05, de.epsilon
    assert np.abs(np.array(de.mu) - mu).max() <= 0.05, de.mu


def test_fit_steps_profile_finds_planted_steps(graph):
    egos = generate_egos(graph, count=60, size=60, epsilon=0.25, mu=0.3, steps=3, noise=0.0,
                         seed=4)
    res = fit(egos, fit_steps=True, max_steps=6, iterations=30, seed=5)
    planted = evaluate(egos, epsilon=0.25, mu=0.3, steps=3).metrics["bcm"]["mse"]
    assert planted < 1e-12
    assert [p["steps"] for p in res.profile] == [1, 2, 3, 4, 5, 6]
    assert res.steps == 3 and res.mse == min(p["mse"] for p in res.profile) and res.mse < 1e-6
    assert abs(res.mu - 0.3) <= TOL and abs(res.epsilon - 0.25) <= TOL
    assert res.profile[0]["mse"] > 100 * res.mse  # one step cannot explain three


@pytest.mark.parametrize("model", ["hk", "dw"])
def test_fit_whole_network_models(graph, model):
    egos = generate_egos(graph, count=40, size=30, epsilon=0.3, mu=0.5, steps=2, model=model,
                         noise=0.0, seed=6)
    # dw is random: fitting with the generator's seed replays the planted draws
    res = fit(egos, model=model, steps=2, iterations=25, seed=6)
    assert abs(res.epsilon - 0.3) <= 0.05 and abs(res.mu - 0.5) <= 0.05
    ev = evaluate(egos, params=res)
    assert res.mse < 0.1 * min(ev.metrics["no_change"]["mse"], ev.metrics["mean_of_friends"]["mse"])


def test_fit_is_reproducible_across_threads(planted):
    a = fit(planted, iterations=10, seed=4, threads=1)
    b = fit(planted, iterations=10, seed=4, threads=2)
    c = fit(planted, iterations=10, seed=5)
    assert a.history == b.history and a.epsilon == b.epsilon
    assert a.history != c.history


def test_pso_minimises_a_quadratic():
    target = np.array([0.2, -1.0, 3.0])
    f = lambda x: ((x - target) ** 2).sum(axis=1)
    best, value, history = pso(f, np.full(3, -5.0), np.full(3, 5.0), particles=20,
                               iterations=100, seed=0)
    np.testing.assert_allclose(best, target, atol=1e-3)
    assert value < 1e-6 and len(history) == 101
    best, value, history = pso(f, np.full(3, -5.0), np.full(3, 5.0), particles=20,
                               iterations=500, seed=0, patience=5)
    assert len(history) < 501


def test_fit_bad_parameters(planted):
    with pytest.raises(ParameterError, match="method"):
        fit(planted, method="grid")
    with pytest.raises(ParameterError, match="model"):
        fit(planted, model="voter")
    with pytest.raises(ParameterError, match="max_epsilon"):
        fit(planted, max_epsilon=0)


# ------------------------------------------------------------------ evaluation
def test_error_metrics_by_hand():
    pred = np.array([[0.1, 0.5], [0.3, 0.5]])
    truth = np.array([[0.2, 0.5], [0.1, 0.9]])
    m = error_metrics(pred, truth, ("a", "b"))
    assert m["mse"] == pytest.approx((0.01 + 0 + 0.04 + 0.16) / 4)
    assert m["rmse"] == pytest.approx(np.sqrt(m["mse"]))
    assert m["mae"] == pytest.approx((0.1 + 0 + 0.2 + 0.4) / 4)
    assert m["per_dimension"]["a"]["mse"] == pytest.approx(0.025)
    assert m["per_dimension"]["b"]["mae"] == pytest.approx(0.2)


def test_baselines_by_hand(planted):
    ev = evaluate(planted, epsilon=0.3, mu=0.4)
    no_change = ((planted.ego_t0 - planted.t1) ** 2).mean()
    assert ev.metrics["no_change"]["mse"] == pytest.approx(no_change)
    net = planted[5]
    friends = np.setdiff1d(np.arange(net.graph.n), [net.ego])
    np.testing.assert_allclose(planted.friends_mean()[5], net.t0[friends].mean(axis=0))
    zero = evaluate(planted, epsilon=0.3, mu=0.0)
    assert zero.metrics["bcm"]["mse"] == pytest.approx(no_change)
    full = evaluate(planted, epsilon=2.0, mu=1.0)
    assert full.metrics["bcm"]["mse"] == pytest.approx(ev.metrics["mean_of_friends"]["mse"])


def test_kfold_and_ridge():
    folds = kfold_indices(23, 5, seed=1)
    allidx = np.sort(np.concatenate(folds))
    assert np.array_equal(allidx, np.arange(23)) and len(folds) == 5
    rng = np.random.default_rng(0)
    X = rng.random((200, 4))
    W = rng.normal(size=(4, 2))
    Y = X @ W + 0.3
    model = ridge_fit(X, Y, alpha=1e-9)
    np.testing.assert_allclose(ridge_predict(model, X), Y, atol=1e-6)
    with pytest.raises(ParameterError):
        kfold_indices(3, 5, seed=0)


def test_second_stage(planted):
    ev = evaluate(planted, epsilon=0.3, mu=0.4, second_stage="ridge", folds=5, alpha=1e-3)
    assert ev.second_stage["regressor"] == "ridge"
    stage = ev.metrics["second_stage"]["mse"]
    assert stage < ev.metrics["no_change"]["mse"] and stage < ev.metrics["mean_of_friends"]["mse"]
    # a wrong BCM is partly repaired by the regressor
    wrong = evaluate(planted, epsilon=0.1, mu=0.1, second_stage="auto", alpha=1e-3)
    assert wrong.metrics["second_stage"]["mse"] < wrong.metrics["bcm"]["mse"]
    assert wrong.second_stage["regressor"] == ("svr-linear" if have_sklearn() else "ridge")
    pred = predict(planted, 0.3, 0.4)
    np.testing.assert_array_equal(pred, ev.prediction)
