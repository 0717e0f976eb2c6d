"""Cross-check against ndlib (optional dependency): AlgorithmicBiasModel with gamma = 0 is
Deffuant-Weisbuch with mu = 0.5 and ndlib's pair order (a uniform node, then a uniform
neighbour), so both must show the same statistical behaviour on the same graph."""
from __future__ import annotations

import random

import numpy as np
import pytest

pytest.importorskip("ndlib.models.opinions")  # needs scikit-learn too
pytest.importorskip("networkx")

from imx.dynamics import simulate  # noqa: E402
from imx.graph.generate import barabasi_albert  # noqa: E402

RUNS = 10
STEPS = 12


def disagreement(g, x):
    """Mean |x_u - x_v| over the arcs: how far local agreement has come."""
    tails, heads = g.arcs()
    return float(np.abs(x[tails] - x[heads]).mean())


def ndlib_final(G, x0, epsilon, seed):
    import ndlib.models.ModelConfig as mc
    import ndlib.models.opinions as op

    random.seed(seed)
    model = op.AlgorithmicBiasModel(G, seed=seed)
    config = mc.Configuration()
    config.add_model_parameter("epsilon", epsilon)
    config.add_model_parameter("gamma", 0)
    model.set_initial_status(config)
    model.status = {i: float(x0[i]) for i in range(len(x0))}
    for _ in range(STEPS + 1):  # ndlib's first iteration only reports the initial state
        it = model.iteration()
    return np.array([it["status"][i] for i in range(len(x0))])


@pytest.mark.parametrize("epsilon", [0.2, 0.5])
def test_dw_matches_ndlib_algorithmic_bias(epsilon):
    g = barabasi_albert(300, 3, seed=5)
    G = g.to_networkx().to_undirected()
    x0 = np.random.default_rng(2).random(g.n)
    ours = np.array([disagreement(g, simulate(g, x0, model="dw", epsilon=epsilon, mu=0.5,
                                              steps=STEPS, pairing="node", seed=s).state)
                     for s in range(RUNS)])
    theirs = np.array([disagreement(g, ndlib_final(G, x0, epsilon, s)) for s in range(RUNS)])
    se = np.sqrt(ours.var(ddof=1) / RUNS + theirs.var(ddof=1) / RUNS)
    assert abs(ours.mean() - theirs.mean()) < 4 * se, (ours.mean(), theirs.mean(), se)
    # the check has power: a slower convergence rate is told apart
    slower = np.array([disagreement(g, simulate(g, x0, model="dw", epsilon=epsilon, mu=0.2,
                                                steps=STEPS, pairing="node", seed=s).state)
                       for s in range(RUNS)])
    assert abs(slower.mean() - theirs.mean()) > 4 * se
