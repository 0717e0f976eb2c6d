"""Graph generators: exact structure, seed-only determinism, degree laws against theory,
Ctrl-C within a second."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy import stats

from imx import Graph
from imx.errors import ParameterError
from imx.io.binary import load_binary_graph
from imx.graph.generate import (_Blocks, _weighted_graph, barabasi_albert, chung_lu,
                                chung_lu_weights, erdos_renyi)
from tests import ROOT
from tests.tiny import ARRAYS

GENERATORS = {
    "er": lambda **kw: erdos_renyi(3000, 40000, **kw),
    "er-undirected": lambda **kw: erdos_renyi(3000, 20000, directed=False, **kw),
    "chung-lu": lambda **kw: chung_lu(5000, 60000, **kw),
    "chung-lu-undirected": lambda **kw: chung_lu(5000, 30000, directed=False, **kw),
    "ba": lambda **kw: barabasi_albert(4000, 5, **kw),
}


def same_graph(a: Graph, b: Graph) -> bool:
    return all(np.array_equal(getattr(a, name), getattr(b, name)) for name in ARRAYS)


@pytest.mark.parametrize("name", GENERATORS)
def test_graph_depends_on_the_seed_only(name):
    make = GENERATORS[name]
    one = make(seed=5, threads=1)
    assert same_graph(one, make(seed=5, threads=2))
    assert same_graph(one, make(seed=5, threads=3))
    other = make(seed=6, threads=2)
    assert not np.array_equal(one.out_targets, other.out_targets)


@pytest.mark.parametrize("name", GENERATORS)
def test_csr_is_what_the_graph_builder_makes_of_the_same_arcs(name):
    """Rows sorted, no self loop, no repeated arc, in-CSR the transpose of out-CSR, the
    probabilities of the scheme: exactly what Graph.from_arrays builds from the arc list."""
    g = GENERATORS[name](seed=2, probs="wc")
    tails, heads = g.arcs()
    assert not np.any(tails == heads)
    rebuilt = Graph.from_arrays(tails, heads, n=g.n, directed=True, probs="wc")
    assert rebuilt.m == g.m  # nothing was merged away: no duplicates
    assert same_graph(g, rebuilt)
    assert g.labels.tolist() == list(range(g.n))


@pytest.mark.parametrize("name,arcs", [("er", 40000), ("er-undirected", 40000),
                                       ("chung-lu", 60000), ("chung-lu-undirected", 60000),
                                       ("ba", 2 * 5 * (4000 - 5))])
def test_arc_counts_and_symmetry(name, arcs):
    g = GENERATORS[name](seed=3)
    assert g.m == arcs
    if name.endswith("undirected") or name == "ba":
        assert not g.directed
        assert np.array_equal(g.in_offsets, g.out_offsets)
        assert np.array_equal(g.in_sources, g.out_targets)  # every arc has its reverse


@pytest.mark.parametrize("scheme", ["uniform:0.2", "wc-variant:2", "exp"])
def test_probabilities_are_the_schemes(scheme):
    g = chung_lu(800, 6000, seed=3, probs=scheme, threads=2)
    tails, heads = g.arcs()
    assert same_graph(g, Graph.from_arrays(tails, heads, n=g.n, probs=scheme, seed=3))


def test_random_probability_schemes_are_seeded():
    a = chung_lu(500, 4000, seed=1, probs="trivalency", threads=1)
    b = chung_lu(500, 4000, seed=1, probs="trivalency", threads=2)
    assert same_graph(a, b) and a.scheme == "trivalency"
    assert np.allclose(np.unique(a.out_probs), [0.001, 0.01, 0.1])
    with pytest.raises(ParameterError, match="no given probabilities"):
        erdos_renyi(10, 5, probs="given")


# ------------------------------------------------------------- degree laws
def test_chung_lu_weights_follow_pareto_plus_one():
    w = chung_lu_weights(200000, exponent=2.5, seed=4)
    assert w.min() >= 1.0
    # pareto(2.5) + 1 is scipy's Pareto law with b = 2.5: P(W > x) = x ** -2.5
    assert stats.kstest(w, "pareto", args=(2.5,)).pvalue > 0.001
    assert abs(w.mean() - 2.5 / 1.5) < 0.02
    assert np.array_equal(w, chung_lu_weights(200000, exponent=2.5, seed=4, threads=2))


def _grouped_ratio(weights, degrees, expected, groups=10):
    """Observed / expected degree totals in groups of nodes of similar weight (the heaviest
    1% are a group of their own)."""
    order = np.argsort(weights)
    n = weights.size
    cuts = np.linspace(0, n - n // 100, groups).astype(int).tolist() + [n]
    return np.array([degrees[order[a:b]].sum() / expected[order[a:b]].sum()
                     for a, b in zip(cuts[:-1], cuts[1:])])


def test_chung_lu_expected_degrees_are_proportional_to_weights():
    n, m = 20000, 200000
    w = chung_lu_weights(n, seed=7)
    g = chung_lu(n, m, seed=7)
    assert g.m == m and g.out_degree.mean() == m / n
    # P(u -> v) = w[u] w[v] / (W^2 - sum w^2) for u != v
    total, square = w.sum(), (w * w).sum()
    expected = m * w * (total - w) / (total * total - square)
    for degree in (g.out_degree, g.in_degree):
        ratio = _grouped_ratio(w, degree, expected)
        assert np.all(np.abs(ratio - 1) < 0.04), ratio
    # the degree of one node is binomial around its expectation
    z = (g.in_degree - expected) / np.sqrt(expected)
    assert abs(z.mean()) < 0.05 and 0.9 < z.std() < 1.1


def test_undirected_chung_lu_expected_degrees():
    n, m = 20000, 100000
    w = chung_lu_weights(n, seed=8)
    g = chung_lu(n, m, seed=8, directed=False)
    degree = g.out_degree
    assert degree.sum() == 2 * m
    total, square = w.sum(), (w * w).sum()
    expected = m * w * (total - w) / ((total * total - square) / 2)
    ratio = _grouped_ratio(w, degree, expected)
    assert np.all(np.abs(ratio - 1) < 0.04), ratio


def test_erdos_renyi_degrees_are_binomial():
    n, m = 10000, 200000
    g = erdos_renyi(n, m, seed=9)
    p = 1 / n
    for degree in (g.out_degree, g.in_degree):
        assert degree.mean() == m / n
        assert abs(degree.var() / (m * p * (1 - p)) - 1) < 0.05
    # heads uniform: in-degrees pass a chi-square test of equal expected counts
    assert stats.chisquare(g.in_degree).pvalue > 0.001


def test_barabasi_albert_degree_tail_follows_the_linear_preference_law():
    n, k = 60000, 3
    g = barabasi_albert(n, k, seed=10)
    degree = g.out_degree
    assert degree[k:].min() >= k and degree.sum() == 2 * k * (n - k)
    # P(D >= d) = k (k + 1) / (d (d + 1)) for d >= k (Bollobas et al. 2001)
    for d in (6, 12, 24):
        law = k * (k + 1) / (d * (d + 1))
        assert abs(np.mean(degree >= d) / law - 1) < 0.08, d


# ------------------------------------------------------------- edge cases
def test_complete_graphs_when_every_pair_is_asked_for():
    g = erdos_renyi(7, 42, seed=1)
    assert g.m == 42 and np.all(g.out_degree == 6)
    g = erdos_renyi(7, 21, seed=1, directed=False)
    assert g.m == 42 and np.all(g.out_degree == 6)
    g = chung_lu(8, 56, seed=2)
    assert np.all(g.out_degree == 7) and np.all(g.in_degree == 7)
    g = barabasi_albert(5, 4, seed=1)
    assert g.m == 8 and sorted(g.out_degree.tolist()) == [1, 1, 1, 1, 4]


@pytest.mark.parametrize("call,match", [
    (lambda: erdos_renyi(5, 21), "cannot place 21 distinct arcs on 5 nodes"),
    (lambda: erdos_renyi(5, 11, directed=False), "cannot place 11 distinct edges"),
    (lambda: erdos_renyi(1, 1), "erdos_renyi n must be at least 2"),
    (lambda: chung_lu(10, 0), "chung_lu m must be at least 1"),
    (lambda: chung_lu(10, 5, exponent=1.0), "exponent must be > 1"),
    (lambda: barabasi_albert(3, 3), "1 <= k < n"),
    (lambda: erdos_renyi(10, 5, threads=0), "threads must be at least 1"),
    # a hub 1e7 times heavier than the others: nodes needing all 9 heads keep drawing the
    # hub (or, for the hub, itself) and give up instead of looping for ever
    (lambda: _weighted_graph(np.array([1e7] + [1.0] * 9), 90, seed=1, directed=True,
                             probs="wc", blocks=_Blocks(1, None), what="test"),
     "could not find 9 distinct neighbours"),
])
def test_impossible_requests_raise_parameter_errors(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_progress_reports_every_phase_up_to_its_total():
    seen: dict[str, list[tuple[int, int]]] = {}
    chung_lu(3000, 30000, seed=1, directed=False, threads=2,
             progress=lambda done, total, label: seen.setdefault(label, []).append((done, total)))
    assert set(seen) == {"weights", "tail sums", "out-degrees", "heads", "symmetrise",
                         "probabilities", "transpose"}
    for calls in seen.values():
        assert calls[-1][0] == calls[-1][1]
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# ------------------------------------------------------------------- CLI
def test_cli_binary_output_is_identical_for_any_thread_count(tmp_path):
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"g{threads}.imxg"
        proc = subprocess.run([sys.executable, "-m", "imx", "generate", "chung-lu", "-n", "3000",
                               "-m", "20000", "--seed", "4", "--threads", str(threads),
                               "-o", str(out)], cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert same_graph(load_binary_graph(tmp_path / "g1.imxg"), chung_lu(3000, 20000, seed=4))


def test_ctrl_c_stops_a_big_generation_within_two_seconds(tmp_path):
    out = tmp_path / "big.imxg"
    proc = subprocess.Popen([sys.executable, "-m", "imx", "generate", "chung-lu", "-n", "2000000",
                             "-m", "40000000", "--threads", "2", "-o", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_cpu_seconds(proc.pid, 3.0, deadline=60.0)  # imports done, kernels running
        assert proc.poll() is None, "the generation finished before it could be interrupted"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert waited < 2.0, f"took {waited:.1f} s to stop"
    # click turns KeyboardInterrupt into Abort: the CLI's one line for either, exit 130
    assert proc.returncode == 130, err
    assert err.strip() in ("imx: aborted", "imx: interrupted"), err
    assert list(tmp_path.iterdir()) == []  # no output, not even a temporary file


def _wait_for_cpu_seconds(pid: int, seconds: float, deadline: float) -> None:
    """Wait until process ``pid`` has used ``seconds`` of CPU time (user + system)."""
    tick = os.sysconf("SC_CLK_TCK")
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / tick >= seconds:
            return
        time.sleep(0.05)
    raise AssertionError("the generator did not start in time")
