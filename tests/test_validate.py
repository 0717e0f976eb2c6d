"""Numbers that are not what they claim are ParameterErrors at every library entry point.

Python and numpy convert silently (``int(2.5) == 2``, ``True == 1``, node id
``0.5`` -> 0, seed ``2**64`` -> 0 in a 64-bit key); each row below was once a
silently different run, or a traceback from deep inside a bound.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import imx
from imx import _validate
from imx.errors import InputError, ParameterError


@pytest.fixture(scope="module")
def g():
    return imx.Graph.from_arrays([0, 0, 0, 1, 2], [1, 2, 3, 2, 3], probs="uniform:0.5")


# ------------------------------------------------------------------ validators
@pytest.mark.parametrize("value, expected", [(3, 3), (np.int32(3), 3), (3.0, 3), (np.float64(4), 4),
                                             (0, 0)])
def test_count_accepts_whole_numbers(value, expected):
    got = _validate.count(value, "k")
    assert got == expected and type(got) is int


@pytest.mark.parametrize("value, fragment", [
    (2.5, "whole number"), (True, "whole number"), (np.bool_(False), "whole number"),
    ("3", "whole number"), (None, "whole number"), (math.nan, "whole number"),
    (math.inf, "whole number"), (-1, "at least 0"), (2**63, "at most"),
])
def test_count_refuses(value, fragment):
    with pytest.raises(ParameterError, match=fragment):
        _validate.count(value, "k")


@pytest.mark.parametrize("value", [0, 1, 2**63 - 1, np.uint64(5)])
def test_seed_range(value):
    assert _validate.seed(value) == int(value)


@pytest.mark.parametrize("value", [-1, 2**63, 2**64, 1.5, True])
def test_seed_refuses(value):
    with pytest.raises(ParameterError, match="seed"):
        _validate.seed(value)


def test_probability_and_bounds():
    assert _validate.probability(0.5, "p") == 0.5
    assert _validate.probability(1.0, "p", high_open=False) == 1.0
    for bad in (0.0, 1.0, math.nan, -0.1, "0.5", True):
        with pytest.raises(ParameterError, match=r"p must be a number in \(0, 1\)"):
            _validate.probability(bad, "p")
    with pytest.raises(ParameterError, match="too small .below 1e-09"):
        _validate.error_bound(1e-300)
    with pytest.raises(ParameterError, match="too small .below 1e-300"):
        _validate.failure_probability(1e-320)
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ParameterError, match="finite number > 0"):
            _validate.positive(bad, "x")
    assert _validate.positive(0.0, "x", allow_zero=True) == 0.0


@pytest.mark.parametrize("values, fragment", [
    ([0.5], "whole node ids, got 0.5"), ([True], "integer node ids"), (["a"], "integer node ids"),
    ([None], "integer node ids"), ([[0, 1]], "flat sequence"), (0, "sequence of node ids"),
    ("01", "sequence of node ids"), ([4], "node id 4 is not in 0..3"), ([-1], "node id -1"),
    (np.array([math.nan]), "whole node ids"),
])
def test_node_ids_refuses(values, fragment):
    with pytest.raises(ParameterError, match=fragment):
        _validate.node_ids(values, 4)


def test_node_ids_accepts():
    assert _validate.node_ids([3, 0, 3], 4).tolist() == [3, 0, 3]
    assert _validate.node_ids(np.array([2.0, 1.0]), 4).dtype == np.int64
    assert _validate.node_ids((i for i in [1]), 4).tolist() == [1]
    assert _validate.node_ids([], 4).size == 0


# ------------------------------------------------------- library entry points
@pytest.mark.parametrize("call, fragment", [
    (lambda g: imx.maximize_influence(g, 2.5), "k must be a whole number"),
    (lambda g: imx.maximize_influence(g, True), "k must be a whole number"),
    (lambda g: imx.maximize_influence(g, 9), "between 1 and the number of nodes"),
    (lambda g: imx.maximize_influence(g, 1, seed=2**64), "seed must be below 2"),
    (lambda g: imx.maximize_influence(g, 1, seed=-1), "seed must be at least 0"),
    (lambda g: imx.maximize_influence(g, 1, solver="degree", seed=1.5), "seed"),
    (lambda g: imx.maximize_influence(g, 1, eps=1e-300), "eps = 1e-300 is too small"),
    (lambda g: imx.maximize_influence(g, 1, eps=math.nan), "eps must be a number"),
    (lambda g: imx.maximize_influence(g, 1, delta=1e-320), "delta = 1e-320 is too small"),
    (lambda g: imx.maximize_influence(g, 1, solver="imm", max_rr_sets=10.5), "max_rr_sets"),
    (lambda g: imx.maximize_influence(g, 1, threads=10**20), "threads must be at most"),
    (lambda g: imx.maximize_influence(g, 1, solver="celf", mc_runs=2.5), "mc_runs"),
    (lambda g: imx.maximize_influence(g, 1, time_budget="1"), "time_budget .seconds. must be"),
    (lambda g: imx.maximize_influence(g, 1, max_memory=math.nan), "max_memory must be a finite"),
    (lambda g: imx.maximize_influence(g, 1, max_memory=0.5), "max_memory must be at least 1"),
    (lambda g: imx.mc_spread(g, [0], runs=10.5), "runs must be a whole number"),
    (lambda g: imx.mc_spread(g, [0], seed=2**64), "seed"),
    (lambda g: imx.rr_spread(g, [0], eps=1e-300), "eps = 1e-300"),
    (lambda g: imx.rr_spread(g, [0], delta=0.0), "delta must be a number"),
    (lambda g: imx.sample_rr_sets(g, 10, seed=2**64), "seed"),
    (lambda g: imx.sample_rr_sets(g, 2.5), "count must be a whole number"),
])
def test_im_entry_points_refuse(g, call, fragment):
    with pytest.raises(ParameterError, match=fragment):
        call(g)


@pytest.mark.parametrize("call, fragment", [
    (lambda g: imx.mc_spread(g, [0.5]), "seed 0.5 is not in the graph"),
    (lambda g: imx.mc_spread(g, [True]), "seed True is not in the graph"),
    (lambda g: imx.mc_spread(g, [0.5], labels=False), "seed ids must be integers"),
    (lambda g: imx.mc_spread(g, [True], labels=False), "seed ids must be integers"),
    (lambda g: imx.rr_spread(g, [7], labels=False), "seed id 7 is not in 0..3"),
    (lambda g: imx.exact_spread(g, [0.5], labels=False), "seed ids must be integers"),
])
def test_node_ids_are_never_rounded(g, call, fragment):
    """Seeds resolve through Graph.node_ids: 0.5 is neither a label nor node 0."""
    with pytest.raises(InputError, match=fragment):
        call(g)


def test_whole_floats_still_work(g):
    assert list(imx.maximize_influence(g, 2.0, seed=1).seeds) == \
        list(imx.maximize_influence(g, 2, seed=1).seeds)


def test_cim_entry_points_refuse(g):
    from imx.solvers.cim import build_problem, cim

    with pytest.raises(ParameterError, match="k must be a whole number"):
        build_problem(g, [0], 1.5)
    with pytest.raises(ParameterError, match="APs must be whole node ids"):
        build_problem(g, [0.5], 1)
    with pytest.raises(ParameterError, match="seed must be below"):
        cim(g, [0], 1, solver="degree", seed=2**64)
    with pytest.raises(ParameterError, match="delta"):
        cim(g, [0], 1, delta=2.0)


def test_cim_infeasible_assignment_is_refused_unless_allowed(g):
    from imx.solvers.cim import build_problem
    from imx.solvers.cim.evaluate import evaluate_assignment

    problem = build_problem(g, [0], 1)
    # the passive ids of nodes 1 and 2, both friends of AP 0: two seeds over capacity 1
    seeds = problem.passive_of[np.array([1, 2])]
    with pytest.raises(ParameterError, match="infeasible .1 violations: AP 0 has 2 seeds"):
        evaluate_assignment(problem, np.array([0, 0]), seeds, method="mc", runs=10)
    estimate, violations = evaluate_assignment(problem, np.array([0, 0]), seeds,
                                               allow_infeasible=True, method="mc", runs=10)
    assert violations == ["AP 0 has 2 seeds, more than k = 1"] and estimate.spread >= 2


def test_hetero_index_refuses_bad_numbers(g):
    from imx.solvers.hetero import HeteroIndex

    for kwargs, fragment in (({"k": 2.5}, "K must be a whole number"),
                             ({"seed": 2**64}, "seed"), ({"eps": 1e-300}, "eps"),
                             ({"rr_sets": 0}, "rr_sets must be at least 1")):
        with pytest.raises(ParameterError, match=fragment):
            HeteroIndex.build(g, **kwargs)


def test_dynamics_refuse_bad_numbers_and_shapes(g):
    values = np.full((g.n, 1), 0.5)
    with pytest.raises(ParameterError, match="n x d array"):
        imx.dynamics.simulate(g, values[:, 0])
    for kwargs, fragment in (({"steps": 2.5}, "steps"), ({"seed": 2**64}, "seed"),
                             ({"interactions": -1}, "interactions"), ({"tol": math.nan}, "tol")):
        with pytest.raises(ParameterError, match=fragment):
            imx.dynamics.simulate(g, values, **kwargs)


def test_generators_refuse_bad_numbers():
    from imx.graph.generate import barabasi_albert, chung_lu, erdos_renyi

    with pytest.raises(ParameterError, match="m must be a whole number"):
        erdos_renyi(10, 5.5)
    with pytest.raises(ParameterError, match="seed"):
        erdos_renyi(10, 5, seed=2**64)
    with pytest.raises(ParameterError, match="k must be a whole number"):
        barabasi_albert(10, True)
    with pytest.raises(ParameterError, match="exponent"):
        chung_lu(10, 5, exponent=math.nan)


def test_generate_egos_honours_min_friends():
    from imx.graph.generate import barabasi_albert

    ba = barabasi_albert(60, 2, seed=1)
    most = int(np.asarray(ba.out_degree).max())
    with pytest.raises(ParameterError, match=f"at least {most + 1} friends .the most is {most}"):
        imx.dynamics.generate_egos(ba, count=2, size=5, min_friends=most + 1, seed=1)
    egos = imx.dynamics.generate_egos(ba, count=1, size=5, min_friends=most, seed=1)
    hubs = set(np.flatnonzero(np.asarray(ba.out_degree) >= most).tolist())
    assert {int(name) for name in egos.names} <= hubs
    with pytest.raises(ParameterError, match="noise must be a finite number"):
        imx.dynamics.generate_egos(ba, count=2, size=5, noise=math.inf, seed=1)
