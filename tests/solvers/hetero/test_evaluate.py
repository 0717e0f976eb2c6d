"""Reranking pipeline: score/accept/inviter files, metrics by hand, the synthetic
generator, and the CLI end to end (generate -> hetero -> hetero-eval)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from imx import Graph, InputError, save_graph
from imx.cli.main import cli
from imx.io.hetero_files import read_accept, read_inviters, read_ranked, read_scores
from imx.solvers.hetero.evaluate import best_subset, evaluate_ranking
from imx.solvers.hetero.synthetic import synthetic_hetero


@pytest.fixture
def small():
    # labels 10..15 (not a range) so label handling is exercised
    src = np.array([0, 0, 1, 1, 2, 3])
    dst = np.array([1, 2, 3, 4, 5, 5])
    return Graph.from_arrays(src, dst, n=6, labels=np.arange(10, 16))


# ------------------------------------------------------------------------ io
def test_read_scores_joins_onto_arcs(tmp_path, small):
    f = tmp_path / "s.txt"
    f.write_text("# u v p\n10 11 0.25\n11\t14\t1\n13,15,0\n")
    w = read_scores(f, small)
    tails, heads = small.arcs()
    got = {(int(small.labels[t]), int(small.labels[h])): x for t, h, x in zip(tails, heads, w)}
    assert got == {(10, 11): 0.25, (10, 12): 0.0, (11, 13): 0.0, (11, 14): 1.0, (12, 15): 0.0,
                   (13, 15): 0.0}


@pytest.mark.parametrize("text, message, line", [
    ("10 11 0.5\n10 12 1.5\n", "outside", 2),
    ("10 11 0.5\n\n12 11 0.5\n", "not an arc", 3),
    ("10 99 0.5\n", "node '99' is not in the graph", 1),
    ("10 11 x\n", "not a number", 1),
    ("10 11\n", "expected 3 columns", 1),
    ("10 11 0.1\n10 11 0.2\n", "second score", 2),
    ("10 11 -0.1\n", "outside", 1),
])
def test_read_scores_errors_name_file_and_line(tmp_path, small, text, message, line):
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        read_scores(f, small)
    assert info.value.line == line and str(info.value).startswith(f"{f}:{line}:")


def test_read_accept_and_inviters(tmp_path, small):
    f = tmp_path / "a.txt"
    f.write_text("11 0.5\n15 0\n")
    U = read_accept(f, small)
    assert U.tolist() == [1, 0.5, 1, 1, 1, 0]
    f.write_text("11 1.2\n")
    with pytest.raises(InputError, match="outside"):
        read_accept(f, small)
    inv = tmp_path / "i.txt"
    inv.write_text("12, 10\n10 11\n")
    assert read_inviters(inv, small).tolist() == [2, 0, 1]
    inv.write_text("10\n77\n")
    with pytest.raises(InputError, match="inviter '77'") as info:
        read_inviters(inv, small)
    assert info.value.line == 2


# ------------------------------------------------------------------- metrics
def test_metrics_by_hand():
    observed = [("a", "x"), ("a", "y"), ("x", "p"), ("x", "q"), ("y", "r"), ("b", "z"),
                ("z", "a")]
    ranked = {"a": ["w", "y", "x"], "b": ["z", "k", "l"], "c": ["x"]}
    res = evaluate_ranking(ranked, observed, max_k=3)
    # a: hits at ranks 2 and 3 of 2 observed; b: hit at rank 1 of 1; c has no observations
    assert res["evaluated"] == 2 and res["skipped"] == 1
    assert res["recall"] == pytest.approx([(0 + 1) / 2, (0.5 + 1) / 2, (1 + 1) / 2])
    d2, d3 = 1 / np.log2(3), 1 / np.log2(4)
    ndcg_a = [0.0, d2 / (1 + d2), (d2 + d3) / (1 + d2)]
    assert res["ndcg"] == pytest.approx([(ndcg_a[k] + 1.0) / 2 for k in range(3)])
    # Spread@1: b's hit z reaches z and a;  @2: + y, r;  @3: + x, p, q
    assert res["spread"] == [2, 4, 7]
    # ideal: a's best single invitee is x ({x, p, q}); b: z reaches {z} (a discounted? no: a != b)
    assert best_subset("a", 1, {k: set(v) for k, v in _obs(observed).items()}) == ("x",)
    assert res["ispread"] == [3 + 2, 5 + 2, 5 + 2]
    assert res["nspread"] == pytest.approx([2 / 5, 4 / 7, 1.0])


def _obs(pairs):
    out = {}
    for u, v in pairs:
        out.setdefault(u, []).append(v)
    return out


def test_reach_excludes_the_inviter():
    observed = [("a", "x"), ("x", "a"), ("x", "b")]
    res = evaluate_ranking({"a": ["x"]}, observed, max_k=1)
    assert res["spread"] == [2] and res["ispread"] == [2] and res["nspread"] == [1.0]


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


# ----------------------------------------------------------------------- CLI
def _run(args):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result


def test_cli_end_to_end(tmp_path):
    from imx.graph.generate import chung_lu

    g = chung_lu(3000, 24000, seed=1)
    gpath = str(tmp_path / "g.imxg")
    save_graph(g, gpath)
    prefix = str(tmp_path / "syn")
    r = _run(["generate", "hetero", gpath, "-o", prefix, "--inviters", "60", "--seed", "2",
              "--json"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.output)
    assert made["inviters_count"] == 60
    outs = {}
    for method in ("heteroim", "heteroir", "willingness", "degree"):
        out = str(tmp_path / f"{method}.tsv")
        r = _run(["hetero", gpath, "--inviters", made["inviters"], "--scores", made["scores"],
                  "--accept", made["accept"], "-K", "3", "--method", method, "--seed", "3",
                  "--out", out, "--json"])
        assert r.exit_code == 0, r.output
        info = json.loads(r.output)
        assert info["rows"] == 180 and info["inviters"] == 60
        lines = open(out).read().splitlines()
        assert lines[0] == "inviter\tinvitee\tscore\trank" and len(lines) == 181
        assert set(len(v) for v in read_ranked(out).values()) == {3}
        outs[method] = out
    r = _run(["hetero-eval", *outs.values(), "--observed", made["observed"], "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["evaluated"] == 60
    for item in res["results"]:
        assert all(0 <= x <= 1 for key in ("recall", "ndcg", "nspread") for x in item[key])
    # the default output is TSV on stdout
    r = _run(["hetero", gpath, "--inviters", made["inviters"], "--scores", made["scores"],
              "--method", "heteroir", "-K", "1"])
    assert r.exit_code == 0 and r.output.splitlines()[0].startswith("inviter\tinvitee")
    assert len(r.output.splitlines()) == 61
    r = _run(["hetero-eval", outs["heteroir"], "--observed", made["observed"]])
    assert r.exit_code == 0 and "NSpread" in r.output


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    from imx.cli.main import main

    g = Graph.from_arrays([0, 0, 1], [1, 2, 2], [0.5, 0.5, 0.5])
    gpath = str(tmp_path / "g.imxg")
    save_graph(g, gpath)
    inv = tmp_path / "inv.txt"
    inv.write_text("0\n")
    bad = tmp_path / "scores.txt"
    bad.write_text("0 1 0.5\n0 2 3.0\n")
    cases = [
        (["hetero", gpath, "--inviters", str(inv), "--scores", str(bad)], "scores.txt:2"),
        (["hetero", gpath, "--inviters", str(inv), "-K", "0"], "-K"),
    ]
    (tmp_path / "inv2.txt").write_text("0\n5\n")
    cases.append((["hetero", gpath, "--inviters", str(tmp_path / "inv2.txt")], "inv2.txt:2"))
    for args, where in cases:
        with pytest.raises(SystemExit) as ex:
            main(args)
        assert ex.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert any(where in line for line in err), err
        assert not any("Traceback" in line for line in err)
    bad_err = [line for line in err]
    assert len(bad_err) == 1


def test_cli_help_for_every_command():
    for args in (["hetero", "--help"], ["hetero-eval", "--help"], ["generate", "hetero", "--help"]):
        r = _run(args)
        assert r.exit_code == 0 and "Usage" in r.output
