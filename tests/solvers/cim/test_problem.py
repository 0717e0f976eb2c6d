"""CIM: the instance (candidates, passive graph), AP and assignment files, the CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from imx.cli.main import cli
from imx.errors import InputError, ParameterError
from imx.graph.core import Graph
from imx.io.cim_files import load_aps, read_ap_tokens, read_assignment, write_assignment
from imx.sampling.exact import exact_spread
from imx.solvers.cim import SOLVERS, build_problem, check_assignment, cim, prepare, sample_aps


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


# ------------------------------------------------------------------ files
@pytest.fixture
def labelled_graph():
    # string-free integer labels that are not 0..n-1
    return Graph.from_arrays([0, 1, 2, 3], [1, 2, 3, 0], n=4, labels=np.array([10, 20, 30, 40]))


@pytest.mark.parametrize("text", ["10\n30\n", "10, 30\n", "10 30", "# APs\n[10,30]\n",
                                  "10;30\n\n"])
def test_ap_file_forms(tmp_path, labelled_graph, text):
    path = tmp_path / "aps.txt"
    path.write_text(text)
    assert load_aps(path, labelled_graph).tolist() == [0, 2]


def test_nested_ap_file(tmp_path, labelled_graph):
    path = tmp_path / "x.ap"
    path.write_text("10\n10,20\n10,20,30\n")
    assert load_aps(path, labelled_graph, ap_line=2).tolist() == [0, 1]
    assert [t for t, _ in read_ap_tokens(path, ap_line=3)] == ["10", "20", "30"]
    with pytest.raises(ParameterError, match="--ap-line"):
        load_aps(path, labelled_graph)
    with pytest.raises(ParameterError, match="past the end"):
        load_aps(path, labelled_graph, ap_line=4)
    # a one-line .ap file needs no ap_line; comma lists on several lines are nested too
    (tmp_path / "one.ap").write_text("20,30\n")
    assert load_aps(tmp_path / "one.ap", labelled_graph).tolist() == [1, 2]
    (tmp_path / "two.txt").write_text("20,30\n10,20\n")
    with pytest.raises(ParameterError, match="2 AP lists"):
        load_aps(tmp_path / "two.txt", labelled_graph)


def test_bad_ap_files_name_file_and_line(tmp_path, labelled_graph):
    path = tmp_path / "aps.txt"
    path.write_text("10\n\n20\n99\n")
    with pytest.raises(InputError) as err:
        load_aps(path, labelled_graph)
    assert str(err.value).startswith(f"{path}:4:") and "99" in str(err.value)
    path.write_text("10, 20\n30, 10\n")
    with pytest.raises(ParameterError):  # two comma lists: nested, ambiguous
        load_aps(path, labelled_graph)
    path.write_text("10 20\n30 10\n")
    with pytest.raises(InputError, match=r":2: AP '10' is listed twice \(first on line 1\)"):
        load_aps(path, labelled_graph)
    path.write_text("# nothing\n")
    with pytest.raises(InputError, match="no AP labels"):
        load_aps(path, labelled_graph)
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="text"):
        load_aps(path, labelled_graph)


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


def test_assignment_round_trip_and_errors(tmp_path, labelled_graph):
    path = tmp_path / "a.tsv"
    write_assignment(path, [(10, 20), (10, 40), (30, 40)])
    assert path.read_text().splitlines()[0] == "ap\tseed"
    aps = np.array([0, 2])
    pos, seeds = read_assignment(path, labelled_graph, aps)
    assert pos.tolist() == [0, 0, 1] and seeds.tolist() == [1, 3, 3]
    cases = [("ap seed\n", None), ("ap\tseed\n10\t77\n", ":2:"), ("ap\tseed\n20\t30\n", ":2:"),
             ("ap\tseed\n10\t30\n", "is an AP"), ("ap\tseed\n10\t20\t1\n", "2 tab-separated"),
             ("seed\tap\n", ":1:")]
    for text, where in cases:
        path.write_text(text)
        if where is None:
            pos, seeds = read_assignment(path, labelled_graph, aps)
            assert pos.size == 0
            continue
        with pytest.raises(InputError) as err:
            read_assignment(path, labelled_graph, aps)
        assert where in str(err.value)


# -------------------------------------------------------------------- CLI
def _run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.fixture
def small_files(tmp_path):
    from imx.graph.generate import chung_lu

    g = chung_lu(400, 3000, seed=2)
    tails, heads = g.arcs()
    gpath = tmp_path / "g.txt"
    gpath.write_text("".join(f"{u} {v}\n" for u, v in zip(tails.tolist(), heads.tolist())))
    aps = tmp_path / "aps.ap"
    aps.write_text("1,2,3\n1,2,3,4,5,6,7,8\n")
    return str(gpath), str(aps)


def test_cli_cim_and_cim_eval(tmp_path, small_files):
    gpath, aps = small_files
    out = str(tmp_path / "assign.tsv")
    r = _run(["cim", gpath, "--aps", aps, "--ap-line", "2", "-k", "3", "--json", "--out", out])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["aps"] == 8 and data["approx_ratio"] >= 0.4 and data["solver"] == "rr-opim+"
    rows = open(out).read().splitlines()
    assert rows[0] == "ap\tseed" and len(rows) == 1 + data["num_seeds"]
    r = _run(["cim-eval", gpath, "--aps", aps, "--ap-line", "2", "--assignment", out, "-k", "3",
              "--json", "--eps", "0.05"])
    assert r.exit_code == 0, r.output
    ev = json.loads(r.output)
    assert ev["violations"] == [] and ev["num_seeds"] == data["num_seeds"]
    assert ev["low"] <= data["spread"] * 1.1 and data["spread"] <= ev["high"] * 1.1
    over_capacity = ["cim-eval", gpath, "--aps", aps, "--ap-line", "2", "--assignment", out,
                     "-k", "1", "--mc", "500"]
    r = _run(over_capacity)
    assert r.exit_code == 1 and "more than k = 1" in r.output and "spread" not in r.output
    r = _run(over_capacity + ["--allow-infeasible"])
    assert r.exit_code == 0 and "feasible    no" in r.output and "mc, 500" in r.output
    r = _run(["cim", gpath, "--ap-sample", "0.05", "-k", "2", "--solver", "degree"])
    assert r.exit_code == 0 and "APs         20" in r.output and "assignment" in r.output


def test_cli_help_and_solver_names():
    from imx.cli.cim import cim as cim_command

    solver_option = next(p for p in cim_command.params if p.name == "solver")
    assert tuple(solver_option.type.choices) == SOLVERS
    for args in (["cim", "--help"], ["cim-eval", "--help"]):
        r = _run(args)
        assert r.exit_code == 0 and "Usage" in r.output


def test_cli_bad_input_exits_2_with_one_line(tmp_path, small_files, capsys):
    from imx.cli.main import main

    gpath, aps = small_files
    bad = tmp_path / "bad.txt"
    bad.write_text("1\n2\n9999\n")
    dup = tmp_path / "dup.txt"
    dup.write_text("1 2 1\n")
    cases = [
        (["cim", gpath, "--aps", str(bad), "-k", "2"], "bad.txt:3"),
        (["cim", gpath, "--aps", str(dup), "-k", "2"], "dup.txt:1"),
        (["cim", gpath, "--aps", aps, "-k", "2"], "--ap-line"),
        (["cim", gpath, "--aps", aps, "--ap-line", "1", "-k", "0"], "-k"),
        (["cim", gpath, "-k", "2"], "--aps"),
        (["cim", gpath, "--aps", aps, "--ap-line", "1", "-k", "2", "--solver", "x"], "solver"),
    ]
    for args, where in cases:
        with pytest.raises(SystemExit) as ex:
            main(args)
        assert ex.value.code == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert any(where in line for line in err), (args, err)
        assert not any("Traceback" in line for line in err)
        if where in ("bad.txt:3", "dup.txt:1", "--ap-line"):
            assert len(err) == 1 and err[0].startswith("imx: error: "), err
    # click-level errors give exit 2 through the plain group too
    r = CliRunner().invoke(cli, ["cim", gpath, "--aps", aps, "-k", "0"])
    assert r.exit_code == 2
