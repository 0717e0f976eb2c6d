"""HeteroIR (imx.solvers.hetero.heteroir): the formulas by hand, known orders, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from imx import Graph, InputError, ParameterError
from imx.solvers.hetero import (HeteroInstance, beta_scores, hetero_im, hetero_inf,
                                hetero_ir, rerank)
from tests.tiny import arc_id, subtree_graph


# ----------------------------------------------------------------- HeteroIR
def test_hetero_inf_and_beta_by_hand():
    # 0 -> 1, 2, 3 ; 1 -> 4, 5, 6, 7 ; 2 -> 4 ; accept U
    src = [0, 0, 0, 1, 1, 1, 1, 2]
    dst = [1, 2, 3, 4, 5, 6, 7, 4]
    p = [0.9, 0.6, 0.3, 0.5, 0.4, 0.2, 0.1, 1.0]
    g = Graph.from_arrays(src, dst, p)
    U = np.array([1.0, 0.5, 1.0, 1.0, 0.8, 1.0, 0.5, 1.0])
    inst = HeteroInstance(g, accept=U)
    inf = hetero_inf(inst, c=2)
    # node 1: P*U over its arcs = 0.5*0.8, 0.4*1, 0.2*0.5, 0.1*1 -> top-2 = 0.4 + 0.4
    assert inf[1] == pytest.approx(0.8)
    assert inf[2] == pytest.approx(0.8)          # one arc, 1.0 * U_4 = 0.8
    assert inf[3] == 0.0 and inf[4] == 0.0
    assert inf[0] == pytest.approx(0.9 * 0.5 + 0.6 * 1.0)
    beta = beta_scores(inst, c=2)
    assert beta[arc_id(g, 0, 1)] == pytest.approx(0.9 * 0.5 * (1 + 0.8))
    assert beta[arc_id(g, 0, 2)] == pytest.approx(0.6 * 1.0 * (1 + 0.8))
    assert beta[arc_id(g, 0, 3)] == pytest.approx(0.3 * 1.0 * (1 + 0.0))
    r = hetero_ir(inst, [0], k=3, c=2)
    assert [v for v, _ in r.as_dict()[0]] == [2, 1, 3]
    # c = 1 changes node 1's HeteroInf to 0.4
    assert hetero_inf(inst, c=1)[1] == pytest.approx(0.4)


def test_heteroir_subtree_beats_leaf_and_ties_by_willingness():
    g = subtree_graph()
    assert [v for v, _ in hetero_ir(HeteroInstance(g), [0], k=2).as_dict()[0]] == [1, 2]
    # two leaves with equal beta: the more willing one first, then the smaller id
    g2 = Graph.from_arrays([0, 0, 0], [1, 2, 3], [0.25, 0.25, 0.5])
    w = np.array([0.25, 0.25, 0.5])
    inst = HeteroInstance(g2, willingness=w, accept=np.array([1, 1, 1, 0.5]))
    assert [v for v, _ in hetero_ir(inst, [0], k=3).as_dict()[0]] == [3, 1, 2]


def test_bad_parameters_and_inputs():
    g = subtree_graph()
    inst = HeteroInstance(g)
    with pytest.raises(ParameterError):
        hetero_ir(inst, [0], k=0)
    with pytest.raises(ParameterError):
        hetero_ir(inst, [0], c=0)
    with pytest.raises(InputError, match="inviter 99"):
        hetero_ir(inst, [99])
    with pytest.raises(ParameterError):
        rerank(g, [0], solver="pagerank")
    with pytest.raises(ParameterError):
        HeteroInstance(g, accept=np.full(g.n, 1.5))
    with pytest.raises(ParameterError):
        HeteroInstance(g, willingness=np.zeros(3))
    with pytest.raises(ParameterError):
        hetero_im(inst, [0], k=0)
    with pytest.raises(ParameterError):
        hetero_im(inst, [0], eps=0.7)


def test_inviter_without_friends_gets_empty_list():
    g = subtree_graph()
    for method in ("heteroir", "willingness", "degree"):
        r = rerank(g, [3, 0], k=2, solver=method)
        assert r.as_dict()[3] == [] and len(r.as_dict()[0]) == 2
    r = rerank(g, [3, 4], k=2, solver="heteroim")
    assert r.as_dict() == {3: [], 4: []}
