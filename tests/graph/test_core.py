"""The CSR graph core: construction, probability schemes, labels, conversions."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from imx import Graph
from imx.errors import InputError, ParameterError
from imx.graph.probs import parse_scheme
from tests.tiny import arc_dict, assert_same_graph

def random_graph(n=30, m=120, seed=0, probs=True) -> Graph:
    rng = np.random.default_rng(seed)
    p = rng.random(m) if probs else None
    return Graph.from_arrays(rng.integers(0, n, m), rng.integers(0, n, m), p, n=n)


# ------------------------------------------------------------- structure
def test_csr_matches_arc_list():
    src = [0, 0, 1, 3, 3, 3, 2]
    dst = [2, 1, 2, 0, 2, 1, 3]
    g = Graph.from_arrays(src, dst, n=5)
    assert (g.n, g.m) == (5, 7)
    assert g.out_offsets.dtype == np.int64 and g.out_targets.dtype == np.int32
    assert g.out_probs.dtype == np.float32 and g.in_sources.dtype == np.int32
    for u in range(5):
        assert g.out_neighbors(u).tolist() == sorted(v for a, v in zip(src, dst) if a == u)
        assert g.in_neighbors(u).tolist() == sorted(a for a, v in zip(src, dst) if v == u)
    assert g.out_degree.tolist() == [2, 1, 1, 3, 0]
    assert g.in_degree.tolist() == [1, 2, 3, 1, 0]
    assert not g.out_targets.flags.writeable


def test_in_and_out_orders_hold_the_same_probabilities():
    g = random_graph()
    from_in = {}
    for v in range(g.n):
        for k in range(g.in_offsets[v], g.in_offsets[v + 1]):
            from_in[(int(g.in_sources[k]), v)] = float(g.in_probs[k])
    assert from_in == arc_dict(g)


def test_self_loops_dropped_by_default_and_kept_on_request():
    g = Graph.from_arrays([0, 1, 1], [0, 1, 2], n=3)
    assert set(arc_dict(g)) == {(1, 2)}
    assert g.edges_read == 3 and g.n == 3
    kept = Graph.from_arrays([0, 1, 1], [0, 1, 2], n=3, keep_self_loops=True)
    assert set(arc_dict(kept)) == {(0, 0), (1, 1), (1, 2)}


def test_undirected_adds_both_arcs():
    g = Graph.from_arrays([0, 1], [1, 2], [0.3, 0.4], directed=False)
    assert arc_dict(g) == pytest.approx({(0, 1): 0.3, (1, 0): 0.3, (1, 2): 0.4, (2, 1): 0.4})
    assert not g.directed


@pytest.mark.parametrize("merge,expected", [("ic", 1 - 0.5 * 0.8 * 0.9), ("lt", 0.5 + 0.2 + 0.1),
                                            ("max", 0.5), ("first", 0.2)])
def test_duplicate_arcs_merge(merge, expected):
    g = Graph.from_arrays([0, 0, 0, 1], [1, 1, 1, 2], [0.2, 0.5, 0.1, 0.3], merge=merge)
    assert g.m == 2
    assert arc_dict(g) == pytest.approx({(0, 1): expected, (1, 2): 0.3}, rel=1e-6)


def test_ic_merge_of_certain_arcs():
    g = Graph.from_arrays([0, 0], [1, 1], [1.0, 1.0], merge="ic")
    assert arc_dict(g) == {(0, 1): 1.0}


def test_lt_merge_over_the_bound_is_refused():
    with pytest.raises(ParameterError, match="LT weights into node 1 sum to 1.3"):
        Graph.from_arrays([0, 0], [1, 1], [0.7, 0.6], merge="lt")
    with pytest.raises(ParameterError):
        Graph.from_arrays([0, 1], [1, 1], [0.5], merge="lt")  # length mismatch
    with pytest.raises(ParameterError, match="merge"):
        Graph.from_arrays([0], [1], merge="sum")


def test_bad_arrays():
    with pytest.raises(ParameterError, match="non-negative"):
        Graph.from_arrays([-1], [0])
    with pytest.raises(ParameterError, match="out of range"):
        Graph.from_arrays([0], [5], n=3)
    with pytest.raises(ParameterError, match="integer"):
        Graph.from_arrays([0.5], [1.0])
    with pytest.raises(ParameterError, match="not in"):
        Graph.from_arrays([0], [1], [1.5])


# ------------------------------------------------------------- probability schemes
def small_multi_graph() -> Graph:
    # in-degrees: node 1 <- {0, 2, 3}; node 2 <- {0}; node 3 <- {1, 2}; duplicate 0->1 merged
    return Graph.from_arrays([0, 0, 2, 3, 0, 1, 2], [1, 1, 1, 1, 2, 3, 3], n=5)


def test_weighted_cascade():
    g = small_multi_graph()
    assert g.scheme == "wc"
    indeg = np.bincount(g.out_targets, minlength=g.n)
    assert g.in_degree.tolist() == indeg.tolist() == [0, 3, 1, 2, 0]
    for (u, v), p in arc_dict(g).items():
        assert p == pytest.approx(1 / indeg[v])
    g.check_lt()


def test_wc_variant_uniform_and_given():
    g = small_multi_graph()
    variant = g.with_probabilities("wc-variant:2")
    assert variant.scheme == "wc-variant:2"
    for (u, v), p in arc_dict(variant).items():
        assert p == pytest.approx(min(1.0, 2 / g.in_degree[v]))
    uniform = g.with_probabilities("uniform:0.1")
    assert set(np.round(uniform.out_probs, 7)) == {np.float32(0.1)}
    assert g.with_probabilities("given") is g
    assert g.scheme == "wc" and arc_dict(g)[(0, 2)] == 1.0  # the original is unchanged
    with pytest.raises(ParameterError, match="given"):
        Graph.from_arrays([0], [1], probs="given")


def test_trivalency_is_seeded():
    g = random_graph(n=200, m=2000, probs=False)
    a = g.with_probabilities("trivalency", seed=3)
    b = g.with_probabilities("trivalency", seed=3)
    c = g.with_probabilities("trivalency", seed=4)
    assert set(np.unique(a.out_probs).tolist()) == {np.float32(v) for v in (0.1, 0.01, 0.001)}
    np.testing.assert_array_equal(a.out_probs, b.out_probs)
    assert not np.array_equal(a.out_probs, c.out_probs)
    np.testing.assert_array_equal(a.in_probs, a.out_probs[np.argsort(a.out_targets, kind="stable")])


def test_in_order_values_matches_the_stable_sort_and_refuses_misfits():
    from imx import _edgelist

    g = random_graph(n=300, m=4000, probs=False)
    values = np.random.default_rng(1).random(g.m).astype(np.float32)
    got = _edgelist.in_order_values(g.out_offsets, g.out_targets, values, g.in_offsets)
    np.testing.assert_array_equal(got, values[np.argsort(g.out_targets, kind="stable")])
    with pytest.raises(ValueError, match="lengths"):
        _edgelist.in_order_values(g.out_offsets, g.out_targets, values[:-1], g.in_offsets)
    shifted = g.in_offsets.copy()
    v = int(np.flatnonzero(g.in_degree > 0)[0])
    shifted[v + 1] -= 1  # one slot too few for node v, one too many for v + 1
    with pytest.raises(ValueError, match="do not match"):
        _edgelist.in_order_values(g.out_offsets, g.out_targets, values, shifted)
    wild = np.array(g.out_targets)
    wild[0] = g.n
    with pytest.raises(ValueError, match="do not match"):
        _edgelist.in_order_values(g.out_offsets, wild, values, g.in_offsets)


@pytest.mark.parametrize("scheme", ["exp", "exp:2", "weibull", "weibull:1.5"])
def test_skewed_schemes_are_normalised_per_node(scheme):
    g = random_graph(n=100, m=1500, probs=False)
    h = g.with_probabilities(scheme, seed=7)
    sums = np.bincount(h.out_targets, weights=h.out_probs.astype(np.float64), minlength=g.n)
    has_in = g.in_degree > 0
    np.testing.assert_allclose(sums[has_in], 1.0, rtol=1e-5)
    assert np.all((h.out_probs > 0) & (h.out_probs <= 1))
    assert len(np.unique(h.out_probs)) > 100  # skewed, not 1/indeg
    np.testing.assert_array_equal(h.out_probs, g.with_probabilities(scheme, seed=7).out_probs)
    h.check_lt()


@pytest.mark.parametrize("text", ["bogus", "uniform", "uniform:2", "uniform:x", "wc:3",
                                  "exp:-1", "wc-variant"])
def test_bad_schemes(text):
    with pytest.raises(ParameterError):
        parse_scheme(text)


def test_check_lt():
    # nodes 4 and 5 have no arcs at all (this once broke the in-weight sums)
    ok = Graph.from_arrays([0, 1, 2], [3, 3, 3], n=6, probs="uniform:0.3")
    ok.check_lt()
    over = Graph.from_arrays([0, 1, 2], [3, 3, 3], n=6, probs="uniform:0.5",
                             labels=np.arange(6) * 10)
    with pytest.raises(ParameterError, match="node 30 sum to 1.5"):
        over.check_lt()


# ------------------------------------------------------------- labels
def test_labels_and_lookups():
    g = Graph.from_arrays([0, 1], [1, 2], n=3, labels=np.array(["x", "y", "z"]))
    assert g.index_of("y") == 1
    assert g.indices_of(["z", "x"]).tolist() == [2, 0]
    assert g.label_list([2, 0]) == ["z", "x"]
    with pytest.raises(KeyError):
        g.index_of("w")
    with pytest.raises(InputError, match="seed 'w' is not in the graph"):
        g.indices_of(["x", "w"], what="seed")
    ints = Graph.from_arrays([0, 1], [1, 2], n=3, labels=np.array([10, 20, 30]))
    assert ints.index_of(20) == 1 and ints.index_of("30") == 2
    rng = Graph.from_arrays([0, 1], [1, 2])
    assert rng.index_of(2) == 2 and rng.index_of("1") == 1
    with pytest.raises(KeyError):
        rng.index_of(3)
    # labels 0..n-1: many integer labels resolve at once, with the same errors and the
    # same refusals (a bool is never a label, a string goes the long way)
    assert rng.indices_of([2, 0, 1]).tolist() == [2, 0, 1]
    assert rng.indices_of(np.array([1, 1], dtype=np.int64)).tolist() == [1, 1]
    assert rng.indices_of(iter([0, 2])).tolist() == [0, 2]
    assert rng.indices_of(["1", 2]).tolist() == [1, 2]
    with pytest.raises(InputError, match="AP 3 is not in the graph"):
        rng.indices_of([0, 3], what="AP")
    with pytest.raises(InputError, match="node -1 is not in the graph"):
        rng.indices_of(np.array([-1]))
    with pytest.raises(InputError, match="True"):
        rng.indices_of([True])


def test_info_summary():
    g = small_multi_graph()
    d = g.info()
    assert (d["nodes"], d["arcs"], d["edges_read"], d["directed"]) == (5, 6, 7, True)
    assert d["isolated_nodes"] == 1
    assert d["in_degree"]["max"] == 3 and d["out_degree"]["min"] == 0
    assert d["prob_max"] == 1.0 and d["memory_bytes"] == g.nbytes > 0


# ------------------------------------------------------------- conversions
def test_networkx_round_trip_keeps_labels_and_probabilities():
    g = Graph.from_arrays([0, 1, 2, 2], [1, 2, 0, 3], [0.5, 0.25, 0.125, 1.0], n=5,
                          labels=np.array([7, 3, 11, 40, 5]))
    G = g.to_networkx()
    assert isinstance(G, nx.DiGraph)
    assert set(G.nodes) == {7, 3, 11, 40, 5}
    assert G[11][40]["p"] == 1.0 and G[7][3]["p"] == 0.5
    back = Graph.from_networkx(G)
    assert back.scheme == "given"
    assert_same_graph(back, g)


def test_from_networkx_undirected_and_string_nodes():
    G = nx.Graph()
    G.add_edges_from([("a", "b"), ("b", "c")])
    G.add_node("lonely")
    g = Graph.from_networkx(G, weight=None)
    assert (g.n, g.m, g.directed) == (4, 4, False)
    back = g.to_networkx()
    assert set(back.edges) == {("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")}
    assert "lonely" in back.nodes
    karate = nx.karate_club_graph()
    k = Graph.from_networkx(karate, weight=None)
    assert (k.n, k.m) == (34, 2 * karate.number_of_edges())


def test_scipy_round_trip():
    g = random_graph(n=40, m=300, seed=2)
    mat = g.to_scipy()
    assert mat.shape == (40, 40) and mat.nnz == g.m
    dense = mat.toarray()
    for (u, v), p in arc_dict(g).items():
        assert np.float32(dense[u, v]) == np.float32(p)
    assert_same_graph(Graph.from_scipy(mat), g)


def test_from_scipy_matrix_values_are_probabilities():
    mat = sp.csr_matrix(np.array([[0, 0.5, 0], [0, 0, 0.25], [1.0, 0, 0]]))
    g = Graph.from_scipy(mat)
    assert arc_dict(g) == {(0, 1): 0.5, (1, 2): 0.25, (2, 0): 1.0}
    assert Graph.from_scipy(mat, probs="wc").scheme == "wc"
    with pytest.raises(ParameterError, match="square"):
        Graph.from_scipy(sp.csr_matrix(np.ones((2, 3))))
