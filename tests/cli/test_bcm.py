"""``imx bcm``: simulate, generate, fit, evaluate through click's CliRunner."""
from __future__ import annotations

import json

import numpy as np
import pytest

from imx.dynamics import SCHWARTZ_VALUES, read_values, write_values
from imx.graph.generate import barabasi_albert
from imx.io.binary import save_graph


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("bcm")
    g = barabasi_albert(300, 4, seed=3)
    graph = root / "g.imxg"
    save_graph(g, graph)
    values = root / "v.csv"
    x = np.random.default_rng(1).random((g.n, 5))
    write_values(values, g.label_list(range(g.n)), SCHWARTZ_VALUES, x)
    return {"root": root, "graph": str(graph), "values": str(values), "x": x, "n": g.n}


@pytest.mark.parametrize("sub", [[], ["simulate"], ["fit"], ["generate"], ["evaluate"]])
def test_help(sub, run_cli):
    result = run_cli(["bcm", *sub, "--help"], catch_exceptions=False)
    assert result.exit_code == 0 and "Usage:" in result.output


def test_simulate_writes_final_state_and_trajectory(files, run_cli):
    out = files["root"] / "out.csv"
    traj = files["root"] / "traj.csv"
    result = run_cli(["bcm", "simulate", files["graph"], "--values", files["values"],
                      "--model", "hk", "--epsilon", "0.3", "--steps", "5", "--out", str(out),
                      "--trajectory", str(traj), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["steps"] == 5 and data["nodes"] == files["n"]
    final = read_values(out)
    assert final.dims == SCHWARTZ_VALUES and len(final) == files["n"]
    lines = traj.read_text().splitlines()
    assert lines[0] == "step,node," + ",".join(SCHWARTZ_VALUES)
    assert len(lines) == 1 + 6 * files["n"]
    from imx.dynamics import simulate
    from imx.io.binary import load_binary_graph

    expect = simulate(load_binary_graph(files["graph"]), files["x"], model="hk", epsilon=0.3,
                      steps=5)
    assert np.array_equal(final.values, expect.state)
    # the written state reads back as an input: a second run continues from it
    again = run_cli(["bcm", "simulate", files["graph"], "--values", str(out), "--model", "dw",
                     "--epsilon", "0.1,0.2,0.3,0.4,0.5", "--mu", "0.3", "--steps", "3",
                     "--seed", "4"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "dw on 300 nodes, 3 steps" in again.output


def test_simulate_stubborn_and_tol(files, run_cli):
    stub = files["root"] / "stubborn.txt"
    stub.write_text("# nodes that never move\n0\n5\n")
    out = files["root"] / "s.csv"
    result = run_cli(["bcm", "simulate", files["graph"], "--values", files["values"],
                      "--model", "ego", "--epsilon", "0.4", "--steps", "5000", "--tol", "1e-6",
                      "--stubborn", str(stub), "--out", str(out), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["converged"] and data["steps"] < 5000
    final = read_values(out).values
    assert np.array_equal(final[[0, 5]], files["x"][[0, 5]])


@pytest.mark.parametrize("row, where", [
    ("1,0.5,0.5,1.5,0.5,0.5", ":3: column conservation: value 1.5 is outside [0, 1]"),
    ("1,0.5,0.5,x,0.5,0.5", ":3: column conservation: 'x' is not a number"),
    ("1,0.5,0.5,0.5,0.5", ":3: column hedonism: missing value"),
    ("999,0.5,0.5,0.5,0.5,0.5", ":3: column node: node '999' is not in the graph"),
])
def test_bad_value_file_exits_2_with_one_line(files, row, where, run_cli):
    bad = files["root"] / "bad.csv"
    good = files["values"]
    lines = open(good).read().splitlines()
    bad.write_text("\n".join([lines[0], lines[1], row] + lines[3:]) + "\n")
    result = run_cli(["bcm", "simulate", files["graph"], "--values", str(bad)])
    assert result.exit_code == 2
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("imx: error: ") and where in err[0], err
    assert "bad.csv" in err[0] and "Traceback" not in result.output


def test_missing_node_and_bad_flags(files, run_cli):
    short = files["root"] / "short.csv"
    short.write_text("\n".join(open(files["values"]).read().splitlines()[:-1]) + "\n")
    result = run_cli(["bcm", "simulate", files["graph"], "--values", str(short)])
    assert result.exit_code == 2 and "node 299 of the graph has no values" in result.stderr
    result = run_cli(["bcm", "simulate", files["graph"], "--values",
                      files["values"], "--epsilon", "abc"])
    assert result.exit_code == 2 and "--epsilon" in result.output
    result = run_cli(["bcm", "simulate", files["graph"], "--values",
                      files["values"], "--mu", "1.5"])
    assert result.exit_code == 2 and "mu = 1.5" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_generate_fit_evaluate_pipeline(files, run_cli):
    egos = files["root"] / "egos"
    result = run_cli(["bcm", "generate", files["graph"], "--out", str(egos), "--count", "40",
                      "--size", "30", "--epsilon", "0.3", "--mu", "0.4", "--noise", "0.005",
                      "--seed", "2", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    gen = json.loads(result.stdout)
    assert gen["egos"] == 40 and (egos / "planted.json").exists()
    again = run_cli(["bcm", "generate", files["graph"], "--out", str(egos),
                     "--count", "5", "--size", "30"])
    assert again.exit_code == 2 and "already holds" in again.stderr
    assert len(list(egos.glob("*.csv"))) > 40  # untouched
    params = files["root"] / "params.json"
    result = run_cli(["bcm", "fit", "--egos", str(egos), "--iterations", "30", "--out", str(params),
                      "--seed", "3", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    fitted = json.loads(result.stdout)
    assert abs(fitted["epsilon"] - 0.3) < 0.03 and abs(fitted["mu"] - 0.4) < 0.03
    assert fitted["mse"] < fitted["baselines"]["no_change"]
    assert fitted["mse"] < fitted["baselines"]["mean_of_friends"]
    assert json.loads(params.read_text())["history"]
    result = run_cli(["bcm", "evaluate", "--egos", str(egos), "--params", str(params),
                      "--second-stage", "ridge", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    ev = json.loads(result.stdout)
    assert ev["best"] == "bcm" and set(ev["metrics"]) == {"bcm", "no_change", "mean_of_friends",
                                                          "second_stage"}
    assert ev["metrics"]["bcm"]["mse"] == pytest.approx(fitted["mse"])
    human = run_cli(["bcm", "evaluate", "--egos", str(egos), "--epsilon", "0.3", "--mu", "0.4"],
                    catch_exceptions=False)
    assert human.exit_code == 0 and "mean_of_friends" in human.output
    single = files["root"] / "one.csv"
    result = run_cli(["bcm", "generate", files["graph"], "--out", str(single), "--count", "10",
                      "--size", "20", "--dims", "a,b", "--weighted"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert single.read_text().startswith("ego,node,time,weight,a,b\n")
    result = run_cli(["bcm", "fit", "--egos", str(single), "--method", "de", "--iterations", "5",
                      "--weighted", "--per-dimension"], catch_exceptions=False)
    assert result.exit_code == 0 and "epsilon  [" in result.output


def test_evaluate_needs_parameters(files, run_cli):
    result = run_cli(["bcm", "evaluate", "--egos", files["values"]])
    assert result.exit_code == 2 and "--epsilon" in result.output
    bad = files["root"] / "p.json"
    bad.write_text("{not json")
    result = run_cli(["bcm", "evaluate", "--egos", files["values"], "--params",
                      str(bad)])
    assert result.exit_code == 2 and "not valid JSON" in result.stderr
    # a value file is not an ego file: the header check names it
    result = run_cli(["bcm", "fit", "--egos", files["values"]])
    assert result.exit_code == 2 and "header must start with ego,node,time" in result.stderr
