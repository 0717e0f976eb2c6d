"""The real graphs of ../shared/graphs load with exactly the counts its README publishes."""
from __future__ import annotations

import json
import re

import numpy as np

from imx import Graph
from imx.io.binary import load_binary_graph, save_graph
from imx.io.edgelist import load_edgelist, read_edgelist


def published_counts(folder) -> dict:
    """file -> (nodes, edge lines) from the README table (rows with a node count)."""
    rows = {}
    for line in (folder / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        counted = len(cells) >= 3 and all(re.fullmatch(r"[\d,]+", c) for c in cells[1:3])
        if counted:
            rows[cells[0]] = (int(cells[1].replace(",", "")), int(cells[2].replace(",", "")))
    return rows


def test_readme_lists_the_graph_files(shared_graphs):
    counts = published_counts(shared_graphs)
    assert counts["wiki-Vote.txt"] == (7115, 103689)
    assert len(counts) >= 8
    for name in counts:
        assert (shared_graphs / name).is_file(), name


def test_every_published_graph_loads_with_its_counts(shared_graphs):
    for name, (nodes, lines) in published_counts(shared_graphs).items():
        data = read_edgelist(shared_graphs / name)
        assert (data.n, data.lines) == (nodes, lines), name
        g = Graph.from_arrays(data.src, data.dst, n=data.n, labels=data.labels,
                              edges_read=data.lines)
        assert (g.n, g.edges_read) == (nodes, lines), name
        assert g.m <= lines


def test_nethept_header_and_given_probabilities(shared_graphs):
    data = read_edgelist(shared_graphs / "NetHEPT.txt")
    assert data.header == (15233, 58891)
    assert data.labels.tolist() == list(range(15233))
    assert data.prob is not None and data.prob.min() > 0 and data.prob.max() <= 1
    g = load_edgelist(shared_graphs / "NetHEPT.txt", directed=False)
    assert g.scheme == "given" and g.n == 15233


def test_slashdot_crlf_gzip_self_loops(shared_graphs):
    g = load_edgelist(shared_graphs / "soc-Slashdot0902.txt.gz")
    assert (g.n, g.edges_read) == (82168, 948464)
    loops = load_edgelist(shared_graphs / "soc-Slashdot0902.txt.gz", keep_self_loops=True)
    tails, heads = loops.arcs()
    assert loops.m > g.m and np.count_nonzero(tails == heads) == loops.m - g.m


def test_wiki_vote_info_cli(shared_graphs, run_cli):
    path = shared_graphs / "wiki-Vote.txt"
    res = run_cli(["info", str(path)])
    assert res.exit_code == 0, res.output
    assert re.search(r"^nodes\s+7,115$", res.output, re.M)
    assert re.search(r"^arcs\s+103,689\b", res.output, re.M)
    d = json.loads(run_cli(["info", "--json", str(path)]).output)
    assert (d["nodes"], d["arcs"], d["edges_read"]) == (7115, 103689, 103689)


def test_binary_reload_of_a_real_graph(shared_graphs, tmp_path):
    g = load_edgelist(shared_graphs / "wiki-Vote.txt")
    save_graph(g, tmp_path / "w.imxg")
    back = load_binary_graph(tmp_path / "w.imxg")
    assert (back.n, back.m) == (g.n, g.m)
    np.testing.assert_array_equal(back.in_sources, g.in_sources)
    np.testing.assert_array_equal(back.labels, g.labels)
