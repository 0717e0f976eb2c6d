"""`imx cim` and `imx cim-eval`: the CLI end to end, solver names, bad input."""
from __future__ import annotations

import json

import pytest

from imx.solvers.cim import SOLVERS


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


def test_cli_cim_and_cim_eval(tmp_path, small_files, run_cli):
    gpath, aps = small_files
    out = str(tmp_path / "assign.tsv")
    r = run_cli(["cim", gpath, "--aps", aps, "--ap-line", "2", "-k", "3", "--json", "--out", out],
                catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["aps"] == 8 and data["approx_ratio"] >= 0.4 and data["solver"] == "rr-opim+"
    rows = open(out).read().splitlines()
    assert rows[0] == "ap\tseed" and len(rows) == 1 + data["num_seeds"]
    r = run_cli(["cim-eval", gpath, "--aps", aps, "--ap-line", "2", "--assignment", out, "-k", "3",
                 "--json", "--eps", "0.05"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    ev = json.loads(r.output)
    assert ev["violations"] == [] and ev["num_seeds"] == data["num_seeds"]
    assert ev["low"] <= data["spread"] * 1.1 and data["spread"] <= ev["high"] * 1.1
    over_capacity = ["cim-eval", gpath, "--aps", aps, "--ap-line", "2", "--assignment", out,
                     "-k", "1", "--mc", "500"]
    r = run_cli(over_capacity, catch_exceptions=False)
    assert r.exit_code == 1 and "more than k = 1" in r.output and "spread" not in r.output
    r = run_cli(over_capacity + ["--allow-infeasible"], catch_exceptions=False)
    assert r.exit_code == 0 and "feasible    no" in r.output and "mc, 500" in r.output
    r = run_cli(["cim", gpath, "--ap-sample", "0.05", "-k", "2", "--solver", "degree"],
                catch_exceptions=False)
    assert r.exit_code == 0 and "APs         20" in r.output and "assignment" in r.output


def test_cli_help_and_solver_names(run_cli):
    from imx.cli.cim import cim as cim_command

    solver_option = next(p for p in cim_command.params if p.name == "solver")
    assert tuple(solver_option.type.choices) == SOLVERS
    for args in (["cim", "--help"], ["cim-eval", "--help"]):
        r = run_cli(args, catch_exceptions=False)
        assert r.exit_code == 0 and "Usage" in r.output


def test_cli_bad_input_exits_2_with_one_line(tmp_path, small_files, capsys, run_cli):
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
    r = run_cli(["cim", gpath, "--aps", aps, "-k", "0"])
    assert r.exit_code == 2
