"""The synthetic reranking instance generator (imx.solvers.hetero.synthetic)."""
from __future__ import annotations

import numpy as np
import pytest

from imx.solvers.hetero.synthetic import synthetic_hetero


# ----------------------------------------------------------------- synthetic
def test_synthetic_is_seeded_and_consistent():
    from imx.graph.generate import chung_lu

    g = chung_lu(2000, 16000, seed=3)
    a = synthetic_hetero(g, inviters=50, seed=4)
    b = synthetic_hetero(g, inviters=50, seed=4)
    c = synthetic_hetero(g, inviters=50, seed=5)
    assert np.array_equal(a.willingness, b.willingness)
    assert np.array_equal(a.observed_heads, b.observed_heads)
    assert not np.array_equal(a.willingness, c.willingness)
    live = a.true_willingness * a.true_accept[np.asarray(g.out_targets)]
    onward = g.out_degree[np.asarray(g.out_targets)].mean()
    assert live.mean() == pytest.approx(0.5 / onward, rel=1e-6)
    assert a.inviters.shape[0] == 50
    assert np.all(g.out_degree[a.inviters] >= 3)
    tails, heads = g.arcs()
    keys = set(zip(tails.tolist(), heads.tolist()))
    assert all((u, v) in keys for u, v in zip(a.observed_tails.tolist(), a.observed_heads.tolist()))
    # every inviter was seen inviting someone
    assert set(a.inviters.tolist()) <= set(a.observed_tails.tolist())
    assert 0 <= a.willingness.min() and a.willingness.max() <= 1
