"""`imx im` and `imx spread` through click's CliRunner and the real entry point."""
from __future__ import annotations

import json
import math

import pytest

from imx.cli.im import read_seeds
from imx.cli.options import parse_size
from imx.cli.main import main
from imx.errors import InputError
from imx.sampling import mc_spread
from tests import KARATE as KARATE_PATH

KARATE = str(KARATE_PATH)


def run_main(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_im_human_output_is_certified(run_cli):
    res = run_cli(["im", KARATE, "--undirected", "-k", "3"])
    assert res.exit_code == 0, res.output
    assert "solver      opim-c (IC, k=3, eps=0.1)" in res.output
    assert "target 0.532 met" in res.output and "RR sets" in res.output


def test_im_json_out_file_and_spread_roundtrip(tmp_path, run_cli, karate):
    out = tmp_path / "seeds.txt"
    res = run_cli(["im", KARATE, "--undirected", "-k", "4", "--json", "--out", out, "--seed", "3"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["k"] == 4 and len(data["seeds"]) == 4
    assert data["approx_ratio"] >= 1 - 1 / math.e - 0.1
    assert data["lower_bound"] <= data["spread"] <= data["upper_bound"]
    assert out.read_text() == "".join(f"{x}\n" for x in data["seeds"])
    res = run_cli(["spread", KARATE, "--undirected", "--seeds", out, "--mc", "2000", "--json"])
    assert res.exit_code == 0, res.output
    est = json.loads(res.output)
    ref = mc_spread(karate, read_seeds(str(out), karate), 2000, seed=1, labels=False)
    assert est["mean"] == pytest.approx(ref.mean) and est["runs"] == 2000
    assert est["ci_low"] <= est["mean"] <= est["ci_high"]
    res = run_cli(["spread", KARATE, "--undirected", "--seeds", out, "--rr-eps", "0.05"])
    assert res.exit_code == 0 and "method      rr" in res.output


def test_im_is_the_same_for_one_and_two_threads(run_cli):
    outs = []
    for threads in ("1", "2"):
        res = run_cli(["im", KARATE, "--undirected", "-k", "5", "--json", "--threads", threads])
        assert res.exit_code == 0
        outs.append(json.loads(res.output)["seeds"])
    assert outs[0] == outs[1]


@pytest.mark.parametrize("solver", ["imm", "degree", "pagerank", "random", "celf"])
def test_every_solver_runs(solver, run_cli):
    res = run_cli(["im", KARATE, "--undirected", "-k", "2", "--solver", solver, "--json",
                   "--mc-runs", "200"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["solver"] == solver and len(data["seeds"]) == 2


def test_online_budget_flags(run_cli):
    res = run_cli(["im", KARATE, "--undirected", "-k", "3", "--json", "--eps", "0.001",
                   "--max-rr-sets", "300"])
    data = json.loads(res.output)
    assert data["rr_sets"] <= 300 and data["record"]["counters"]["stop"] == "budget"
    res = run_cli(["im", KARATE, "--undirected", "-k", "3", "--json", "--time-budget", "0.2",
                   "--max-memory", "1G", "--model", "lt", "--probs", "wc"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["model"] == "lt"


@pytest.mark.parametrize("args", [
    ["-k", "0"], ["--model", "sir", "-k", "2"], ["--solver", "magic", "-k", "2"],
    ["--eps", "2", "-k", "2"], ["--max-memory", "lots", "-k", "2"], [],
    ["-k", "2", "--threads", "0"], ["-k", "2", "--time-budget", "-1"],
])
def test_bad_flags_exit_2(args, run_cli):
    res = run_cli(["im", KARATE, "--undirected", *args])
    assert res.exit_code == 2


def test_library_errors_become_one_line(capsys, tmp_path):
    code, out, err = run_main(capsys, "im", KARATE, "--undirected", "-k", "100")
    assert code == 2 and err.startswith("imx: error: k must be between") and "Traceback" not in err
    seeds = tmp_path / "s.txt"
    seeds.write_text("0\n# comment\n\n999\n")
    code, out, err = run_main(capsys, "spread", KARATE, "--undirected", "--seeds", seeds)
    assert code == 2 and f"{seeds}:4:" in err and "'999' is not a node" in err
    seeds.write_text("1\n1\n")
    code, out, err = run_main(capsys, "spread", KARATE, "--undirected", "--seeds", seeds)
    assert code == 2 and ":2:" in err and "listed twice (first on line 1)" in err
    code, out, err = run_main(capsys, "im", KARATE, "--undirected", "-k", "2", "--solver", "imm",
                              "--time-budget", "1")
    assert code == 2 and "time budget" in err


def test_read_seeds_and_sizes(tmp_path, karate):
    path = tmp_path / "s.txt"
    path.write_text("33\n0\n")
    assert read_seeds(str(path), karate) == [33, 0]
    path.write_text("\n")
    with pytest.raises(InputError):
        read_seeds(str(path), karate)
    assert parse_size("512M") == 512 * 2**20 and parse_size("2GiB") == 2 * 2**30
    assert parse_size("1000") == 1000
    with pytest.raises(ValueError):
        parse_size("-3G")


@pytest.mark.parametrize("command", ["im", "spread"])
def test_help(command, run_cli):
    res = run_cli([command, "--help"])
    assert res.exit_code == 0 and "Usage:" in res.output
