"""The library's one vocabulary (docs/api.md): nodes as labels everywhere, the same names for
the same quantities, frozen results with short reprs, to_dict and a RunRecord, a small
namespace."""
from __future__ import annotations

import dataclasses
import inspect
import json
import subprocess
import sys

import numpy as np
import pytest

import imx
from imx.errors import InputError

# a path a -> b -> c -> d with string labels, and an isolated e
NAMES = np.array(["a", "b", "c", "d", "e"])


@pytest.fixture(scope="module")
def named():
    return imx.Graph.from_arrays([0, 1, 2], [1, 2, 3], [0.5, 0.5, 0.5], n=5, labels=NAMES)


def test_every_function_taking_nodes_takes_labels_or_ids(named):
    assert imx.exact_spread(named, ["a"]) == pytest.approx(1 + 0.5 + 0.25 + 0.125)
    assert imx.exact_spread(named, [0], labels=False) == imx.exact_spread(named, ["a"])
    mc = imx.mc_spread(named, ["a"], runs=4000, seed=3)
    assert mc == imx.mc_spread(named, [0], runs=4000, seed=3, labels=False)
    rr = imx.rr_spread(named, ["a"], eps=0.1, seed=3)
    assert rr == imx.rr_spread(named, np.array([0]), eps=0.1, seed=3, labels=False)
    plan = imx.cim(named, aps=["a"], k=1, solver="degree")
    assert plan.assignment == {"a": ["b"]}
    assert imx.cim(named, aps=[0], k=1, solver="degree", labels=False).assignment == {"a": ["b"]}
    ranking = imx.rerank(named, ["a", "b"], k=1, solver="heteroir")
    assert ranking.as_dict() == imx.rerank(named, [0, 1], k=1, solver="heteroir",
                                           labels=False).as_dict()
    index = imx.HeteroIndex.build(named, solver="heteroir")
    assert [v for v, _ in index.rerank("a", k=1)] == ["b"]
    for call in (lambda: imx.mc_spread(named, ["zed"], runs=10),
                 lambda: imx.exact_spread(named, [7], labels=False),
                 lambda: imx.cim(named, aps=["zed"], k=1)):
        with pytest.raises(InputError, match="zed|7"):
            call()


def test_results_feed_back_in_as_labels(named):
    res = imx.maximize_influence(named, 1, seed=1)
    assert res.seeds == ["a"] and res.seed_ids.tolist() == [0]
    assert imx.exact_spread(named, res.seeds) == pytest.approx(1.875)
    plan = imx.cim(named, aps=["a"], k=1)
    assert imx.exact_spread(named, plan.seeds) == pytest.approx(1.75)


def _ego_networks():
    from imx.graph.generate import barabasi_albert

    return imx.dynamics.generate_egos(barabasi_albert(200, 4, seed=1), count=5, size=12)


EGOS = _ego_networks()


def _results(named):
    values = np.full((named.n, 2), 0.5)
    return [imx.maximize_influence(named, 2, seed=1),
            imx.maximize_influence(named, 2, solver="degree"),
            imx.cim(named, aps=["a"], k=1),
            imx.rerank(named, ["a"], k=2, solver="heteroim"),
            imx.dynamics.simulate(named, values, model="dw", epsilon=0.3, mu=0.5, steps=2),
            imx.mc_spread(named, ["a"], runs=100), imx.rr_spread(named, ["a"], eps=0.2),
            imx.dynamics.evaluate(EGOS, epsilon=0.3, mu=0.4)]


def test_results_are_frozen_with_short_reprs_dicts_and_records(named):
    for res in _results(named):
        assert dataclasses.is_dataclass(res) and type(res).__dataclass_params__.frozen
        with pytest.raises(dataclasses.FrozenInstanceError):
            res.record = None
        assert isinstance(res.record, imx.RunRecord)
        text = repr(res)
        assert text.startswith(type(res).__name__ + "(") and len(text) < 400, text
        assert "RunRecord" not in text and "array(" not in text
        data = json.loads(json.dumps(res.to_dict()))
        assert data["record"]["total_seconds"] >= 0


def test_the_bounds_have_one_name(named):
    im, _, plan, ranking = _results(named)[:4]
    for res in (im, plan, ranking):
        for name in ("spread", "lower_bound", "upper_bound", "approx_ratio"):
            assert hasattr(res, name), (type(res).__name__, name)
        assert res.approx_ratio == pytest.approx(res.lower_bound / res.upper_bound)
    for old in ("spread_lower", "opt_upper", "ratio", "seed_labels"):
        assert old not in plan.to_dict() and old not in im.to_dict()


def test_one_seed_default_one_solver_keyword_one_k():
    entry_points = [imx.maximize_influence, imx.opim_c, imx.imm, imx.mc_spread, imx.rr_spread,
                    imx.sample_rr_sets, imx.cim, imx.rerank, imx.HeteroIndex.build,
                    imx.dynamics.simulate, imx.dynamics.fit, imx.dynamics.evaluate,
                    imx.dynamics.generate_egos, imx.load_graph, imx.Graph.from_arrays,
                    imx.Graph.from_networkx]
    for fn in entry_points:
        params = inspect.signature(fn).parameters
        assert params["seed"].default == 1, fn.__qualname__
        assert "K" not in params, fn.__qualname__
        # method= is kept only for how a step is done (RR sampling routine, fit's optimiser)
        assert "method" not in params or fn in (imx.dynamics.fit, imx.mc_spread, imx.rr_spread,
                                                imx.sample_rr_sets, imx.opim_c, imx.imm), fn
    for fn in (imx.maximize_influence, imx.cim, imx.rerank, imx.HeteroIndex.build):
        assert "solver" in inspect.signature(fn).parameters


def test_namespace_is_small_and_lazy():
    assert set(dir(imx)) == set(imx.__all__)
    assert {"maximize_influence", "IMResult", "CIMResult", "Ranking", "RunRecord",
            "SpreadEstimate"} <= set(dir(imx))
    assert not {"Any", "annotations", "importlib"} & set(dir(imx))
    code = "import sys, imx; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
