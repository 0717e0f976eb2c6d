"""Formats and libraries people already have: NetworkX graphs and edge lists, SciPy and
Matrix Market, and what `imx convert` writes for other tools."""
from __future__ import annotations

import gzip
import json

import networkx as nx
import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

import imx
from imx.errors import InputError, ParameterError
from imx.graph.core import Graph
from tests import KARATE as KARATE_PATH

KARATE = str(KARATE_PATH)


def arc_probs(g: Graph) -> dict:
    tails, heads = g.arcs()
    labels = g.label_list(range(g.n))
    return {(labels[u], labels[v]): p for u, v, p in
            zip(tails.tolist(), heads.tolist(), g.clean_probs().tolist())}


# ----------------------------------------------------------------- networkx
def test_from_networkx_weights_that_are_not_probabilities_name_the_way_out():
    G = nx.karate_club_graph()
    with pytest.raises(ParameterError, match=r"edge \(0, 1\): 'weight' is 4, not a probability"
                                             r".*probs='wc'"):
        Graph.from_networkx(G, weight="weight")
    g = Graph.from_networkx(G, weight="weight", probs="wc")  # the named way out works
    assert g.scheme == "wc" and g.m == 2 * G.number_of_edges()


def test_from_networkx_weight_on_only_some_edges_is_an_error_naming_one():
    G = nx.DiGraph([("a", "b", {"p": 0.5}), ("b", "c", {}), ("c", "a", {"p": 0.2})])
    with pytest.raises(ParameterError, match=r"edge \('b', 'c'\) has no 'p' attribute"):
        Graph.from_networkx(G)
    # no edge has it: the probability scheme decides, as documented
    assert Graph.from_networkx(nx.DiGraph([(0, 1), (1, 2)])).scheme == "wc"


def test_to_networkx_and_to_scipy_give_clean_float64_probabilities():
    g = Graph.from_arrays([0, 1, 2], [1, 2, 0], [0.4, 0.1, 1 / 3])
    G = g.to_networkx()
    assert G[0][1]["p"] == 0.4 and G[1][2]["p"] == 0.1  # not 0.4000000059604645
    assert G[2][0]["p"] == float(np.float32(1 / 3).astype(str))
    mat = g.to_scipy()
    assert isinstance(mat, sp.csr_array) and mat.dtype == np.float64
    assert mat[0, 1] == 0.4
    assert arc_probs(Graph.from_networkx(G)) == arc_probs(g)


# ----------------------------------------------------------------- files
def test_networkx_edge_list_file_is_read(tmp_path):
    G = nx.DiGraph([(1, 2, {"weight": 0.3}), (2, 3, {"weight": 0.5}), (5, 1, {"weight": 1.0})])
    path = tmp_path / "nx.txt"
    nx.write_edgelist(G, path)
    assert path.read_text().splitlines()[0] == "1 2 {'weight': 0.3}"
    g = imx.load_graph(path)
    assert g.scheme == "given" and arc_probs(g) == {(1, 2): 0.3, (2, 3): 0.5, (5, 1): 1.0}
    both = imx.load_graph(path, directed=False)
    assert both.m == 6 and not both.directed
    gz = tmp_path / "nx.txt.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert arc_probs(imx.load_graph(gz)) == arc_probs(g)


def test_networkx_edge_list_errors_name_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("a b {'p': 0.5}\nb c {'p': oops}\n")
    with pytest.raises(InputError, match=r"bad.txt:2: .*not a dict literal"):
        imx.load_graph(path)
    path.write_text("a b {'weight': 3}\n")
    with pytest.raises(InputError, match=r"bad.txt: .*not a probability.*probs='wc'"):
        imx.load_graph(path)
    assert imx.load_graph(path, probs="wc").scheme == "wc"


def test_matrix_market_is_read_with_scipy(tmp_path):
    path = tmp_path / "g.mtx"
    scipy.io.mmwrite(path, sp.coo_array(([0.5, 0.25, 1.0], ([0, 1, 3], [1, 2, 0])), shape=(4, 4)))
    g = imx.load_graph(path)
    # Matrix Market numbers nodes from 1: those are the labels
    assert g.n == 4 and arc_probs(g) == {(1, 2): 0.5, (2, 3): 0.25, (4, 1): 1.0}
    sym = tmp_path / "s.mtx"
    sym.write_text("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 1\n")
    s = imx.load_graph(sym)
    assert not s.directed and s.scheme == "wc" and set(arc_probs(s)) == {
        (1, 2), (2, 1), (1, 3), (3, 1)}
    weights = tmp_path / "w.mtx"
    weights.write_text("%%MatrixMarket matrix coordinate integer general\n3 3 2\n2 1 4\n3 1 1\n")
    with pytest.raises(InputError, match=r"entry \(2, 1\) is 4, not a probability.*--probs wc"):
        imx.load_graph(weights)
    assert imx.load_graph(weights, probs="wc").m == 2


def test_konect_files_read_with_percent_comments(tmp_path):
    konect = tmp_path / "out.test"
    konect.write_text("% sym unweighted\n% 3 3 3\n1 2\n2 3\n3 1\n")
    g = imx.load_graph(konect)
    assert (g.n, g.m) == (3, 3) and g.labels.tolist() == [1, 2, 3]
    gz = tmp_path / "out.test.gz"
    gz.write_bytes(gzip.compress(konect.read_bytes()))
    assert imx.load_graph(gz).m == 3
    # a file of '%' lines only has no edges (not an edge from node '%')
    only = tmp_path / "pct.txt"
    only.write_text("% b\n")
    with pytest.raises(InputError, match="no edges"):
        imx.load_graph(only)


def test_unknown_formats_and_folders_get_a_hint(tmp_path):
    G = nx.path_graph(3)
    nx.write_graphml(G, tmp_path / "g.graphml")
    with pytest.raises(InputError, match="GraphML.*networkx.read_graphml"):
        imx.load_graph(tmp_path / "g.graphml")
    nx.write_gml(G, tmp_path / "g.gml")
    with pytest.raises(InputError, match="GML.*networkx.read_gml"):
        imx.load_graph(tmp_path / "g.gml")
    with pytest.raises(InputError, match="is a folder"):
        imx.load_graph(tmp_path)


@pytest.mark.parametrize("name,fmt", [("k.txt", "edgelist"), ("k.txt.gz", "edgelist"),
                                      ("k.mtx", "mtx"), ("k.mtx.gz", "mtx"), ("k.imxg", "imxg"),
                                      ("k.data", "mtx")])
def test_convert_writes_what_other_tools_read(tmp_path, name, fmt, run_cli):
    out = tmp_path / name
    args = ["convert", KARATE, "--undirected", "--probs", "trivalency", str(out), "--json"]
    if name == "k.data":
        args += ["--format", "mtx"]
    res = run_cli(args)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["format"] == fmt
    original = imx.load_graph(KARATE, directed=False, probs="trivalency")
    back = imx.load_graph(out)
    if fmt == "mtx":  # rows are numbered from 1
        assert arc_probs(back) == {(u + 1, v + 1): p for (u, v), p in arc_probs(original).items()}
        if not name.endswith(".gz"):
            assert scipy.io.mmread(out).nnz == original.m
    else:
        assert arc_probs(back) == arc_probs(original)
