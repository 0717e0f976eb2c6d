"""The CIM instance (imx.solvers.cim): candidates, the passive graph, bad instances,
assignment checks, AP sampling, the result's dict."""
from __future__ import annotations

import json

import numpy as np
import pytest

from imx.errors import InputError, ParameterError
from imx.graph.core import Graph
from imx.sampling.exact import exact_spread
from imx.solvers.cim import build_problem, check_assignment, cim, prepare, sample_aps


def chain_graph():
    """0 (AP) -> 1 -> 2 (AP) -> 3, and 1 -> 4, all arcs certain; 5 -> 0."""
    return Graph.from_arrays([0, 1, 2, 1, 5], [1, 2, 3, 4, 0], [1.0] * 5, n=6)


# ------------------------------------------------------------ the instance
def test_candidates_exclude_aps_and_keep_order():
    g = Graph.from_arrays([0, 0, 0, 0, 3, 3], [4, 1, 3, 2, 0, 5], n=6)
    p = build_problem(g, [3, 0], 2)
    assert p.k == 2 and p.aps.tolist() == [3, 0]
    labels = [p.seed_labels(p.candidates(i).tolist()) for i in range(2)]
    assert labels == [[5], [1, 2, 4]]
    assert p.passive.n == 4 and p.passive.labels.tolist() == [1, 2, 4, 5]
    assert p.passive_of.tolist() == [-1, 0, 1, -1, 2, 3]
    assert p.aps_without_candidates.tolist() == []
    q = build_problem(g, [5, 0], 1)
    assert q.aps_without_candidates.tolist() == [0]


def test_passive_graph_drops_aps_and_keeps_probabilities():
    g = Graph.from_arrays([0, 1, 2, 1, 5, 4], [1, 2, 3, 4, 0, 3], n=6, probs="wc")
    p = build_problem(g, [0, 2], 1)
    P = p.passive
    tails, heads = P.arcs()
    arcs = {(int(P.labels[u]), int(P.labels[v])) for u, v in zip(tails.tolist(), heads.tolist())}
    assert arcs == {(1, 4), (4, 3)}
    # weighted cascade from G: indeg(3) = 2 in G, so p(4, 3) stays 1/2
    prob = dict(zip(arcs_list(P), P.out_probs.tolist()))
    assert prob[(4, 3)] == pytest.approx(0.5) and prob[(1, 4)] == pytest.approx(1.0)
    # both CSR orders agree
    rebuilt = Graph.from_arrays(tails, heads, P.out_probs, n=P.n)
    assert np.array_equal(rebuilt.in_offsets, P.in_offsets)
    assert np.array_equal(rebuilt.in_sources, P.in_sources)
    assert np.allclose(rebuilt.in_probs, P.in_probs)


def arcs_list(P):
    tails, heads = P.arcs()
    return [(int(P.labels[u]), int(P.labels[v])) for u, v in zip(tails.tolist(), heads.tolist())]


def test_a_path_through_an_ap_never_counts():
    g = chain_graph()
    p = build_problem(g, [0, 2], 1)
    one = p.passive_of[1]
    # on G, node 1 reaches 2, 3 and 4; on P the AP 2 blocks the way to 3
    assert exact_spread(g, [1]) == 4.0
    assert exact_spread(p.passive, [one], labels=False) == 2.0
    for solver in ("rr-opim+", "mg-greedy", "degree"):
        res = cim(g, [0, 2], 1, solver=solver, mc_runs=50)
        assert res.assignment == {0: [1], 2: [3]}
        # seeds 1 and 3 plus 4: the APs are not counted
        assert res.spread == pytest.approx(3.0, rel=0.06)


def test_bad_instances():
    g = chain_graph()
    with pytest.raises(ParameterError, match="k must be"):
        build_problem(g, [0], 0)
    with pytest.raises(ParameterError, match="more than once"):
        build_problem(g, [0, 2, 0], 1)
    with pytest.raises(ParameterError, match="no active"):
        build_problem(g, [], 1)
    with pytest.raises(InputError, match="AP 9"):
        prepare(g, [0, 9], 1)
    with pytest.raises(ParameterError, match="unknown CIM solver"):
        cim(g, [0], 1, solver="best")
    with pytest.raises(ParameterError, match="eps"):
        cim(g, [0], 1, eps=0.6)


def test_no_candidates_is_reported_not_fatal():
    g = chain_graph()
    res = cim(g, [3, 0], 2)
    assert res.aps_without_candidates == [3]
    assert res.assignment == {3: [], 0: [1]}
    res = cim(g, [3], 2)
    assert res.assignment == {3: []} and res.num_seeds == 0 and res.spread == 0.0


def test_check_assignment_lists_violations():
    g = Graph.from_arrays([0, 0, 0, 5, 5], [1, 2, 3, 1, 4], n=6)
    p = build_problem(g, [0, 5], 1)
    pid = p.passive_of
    assert check_assignment(p, [0, 1], [pid[1], pid[4]]) == []
    bad = check_assignment(p, [0, 0, 1], [pid[1], pid[4], pid[1]])
    assert any("not a candidate" in b for b in bad)
    assert any("more than k" in b for b in bad)
    assert any("more than one AP" in b for b in bad)


def test_result_dict_is_json():
    res = cim(chain_graph(), [0, 2], 1)
    data = json.loads(json.dumps(res.to_dict()))
    assert data["assignment"] == [{"ap": 0, "seeds": [1]}, {"ap": 2, "seeds": [3]}]
    assert data["num_seeds"] == 2 and data["approx_ratio"] >= 0.4
    assert set(res.times) >= {"sampling", "selection", "bounds"}


def test_sample_aps_is_uniform_and_seeded(labelled_graph):
    from imx.graph.generate import erdos_renyi

    g = erdos_renyi(1000, 3000, seed=1)
    a = sample_aps(g, 0.05, seed=3)
    assert a.size == 50 and np.all(np.diff(a) > 0)
    assert np.array_equal(a, sample_aps(g, 0.05, seed=3))
    assert not np.array_equal(a, sample_aps(g, 0.05, seed=4))
    assert sample_aps(labelled_graph, 0.01).size == 1
    with pytest.raises(ParameterError):
        sample_aps(g, 0.0)
