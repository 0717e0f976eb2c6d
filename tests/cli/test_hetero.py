"""`imx hetero` and `imx hetero-eval` end to end (generate -> hetero -> hetero-eval), bad
input, help."""
from __future__ import annotations

import json

import pytest

from imx import Graph, save_graph
from imx.io.hetero_files import read_ranked


def test_cli_end_to_end(tmp_path, run_cli):
    from imx.graph.generate import chung_lu

    g = chung_lu(3000, 24000, seed=1)
    gpath = str(tmp_path / "g.imxg")
    save_graph(g, gpath)
    prefix = str(tmp_path / "syn")
    r = run_cli(["generate", "hetero", gpath, "-o", prefix, "--inviters", "60", "--seed", "2",
                 "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    made = json.loads(r.output)
    assert made["inviters_count"] == 60
    outs = {}
    for method in ("heteroim", "heteroir", "willingness", "degree"):
        out = str(tmp_path / f"{method}.tsv")
        r = run_cli(["hetero", gpath, "--inviters", made["inviters"], "--scores", made["scores"],
                     "--accept", made["accept"], "-K", "3", "--method", method, "--seed", "3",
                     "--out", out, "--json"], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        info = json.loads(r.output)
        assert info["rows"] == 180 and info["inviters"] == 60
        lines = open(out).read().splitlines()
        assert lines[0] == "inviter\tinvitee\tscore\trank" and len(lines) == 181
        assert set(len(v) for v in read_ranked(out).values()) == {3}
        outs[method] = out
    r = run_cli(["hetero-eval", *outs.values(), "--observed", made["observed"], "--json"],
                catch_exceptions=False)
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["evaluated"] == 60
    for item in res["results"]:
        assert all(0 <= x <= 1 for key in ("recall", "ndcg", "nspread") for x in item[key])
    # the default output is TSV on stdout
    r = run_cli(["hetero", gpath, "--inviters", made["inviters"], "--scores", made["scores"],
                 "--method", "heteroir", "-K", "1"], catch_exceptions=False)
    assert r.exit_code == 0 and r.output.splitlines()[0].startswith("inviter\tinvitee")
    assert len(r.output.splitlines()) == 61
    r = run_cli(["hetero-eval", outs["heteroir"], "--observed", made["observed"]],
                catch_exceptions=False)
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


def test_cli_help_for_every_command(run_cli):
    for args in (["hetero", "--help"], ["hetero-eval", "--help"], ["generate", "hetero", "--help"]):
        r = run_cli(args, catch_exceptions=False)
        assert r.exit_code == 0 and "Usage" in r.output
