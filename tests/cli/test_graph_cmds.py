"""`imx info`, `imx convert`, `imx generate`, and how the CLI reports bad graph files."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest

from imx.cli.main import main
from imx.io import load_graph
from tests import KARATE as KARATE_PATH, ROOT

KARATE = str(KARATE_PATH)


def test_info_human_and_json(run_cli):
    res = run_cli(["info", KARATE, "--undirected"])
    assert res.exit_code == 0, res.output
    assert "nodes        34" in res.output and "arcs         156" in res.output
    res = run_cli(["info", KARATE, "--json", "--probs", "uniform:0.1"])
    assert res.exit_code == 0
    d = json.loads(res.output)
    assert (d["nodes"], d["arcs"], d["edges_read"]) == (34, 78, 78)
    assert d["probabilities"] == "uniform:0.1"


def test_info_bad_scheme_is_a_usage_error(run_cli):
    res = run_cli(["info", KARATE, "--probs", "bogus"])
    assert res.exit_code == 2 and "unknown probability scheme" in res.output


def test_convert_then_info_on_binary(tmp_path, run_cli, karate):
    out = tmp_path / "k.imxg"
    res = run_cli(["convert", KARATE, out, "--undirected", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["arcs"] == 156
    res = run_cli(["info", out, "--json"])
    d = json.loads(res.output)
    assert (d["nodes"], d["arcs"], d["directed"], d["edges_read"]) == (34, 156, False, 78)
    assert load_graph(out).out_targets.tolist() == karate.out_targets.tolist()


@pytest.mark.parametrize("args,nodes,arcs", [
    (["er", "-n", "60", "-m", "50"], 60, 50),
    (["er", "-n", "60", "-m", "50", "--undirected"], 60, 100),
    (["chung-lu", "-n", "200", "-m", "600"], 200, 600),
    (["ba", "-n", "50", "-k", "2"], 50, 2 * 2 * 48),
])
@pytest.mark.parametrize("suffix", [".txt", ".imxg"])
def test_generate_writes_a_graph_that_reads_back(tmp_path, args, nodes, arcs, suffix, run_cli):
    out = tmp_path / ("g" + suffix)
    res = run_cli(["generate", *args, "--seed", "3", "-o", out])
    assert res.exit_code == 0, res.output
    g = load_graph(out)
    assert (g.n, g.m) == (nodes, arcs)  # isolated nodes survive the text form
    again = tmp_path / ("h" + suffix)
    run_cli(["generate", *args, "--seed", "3", "-o", again])
    assert again.read_bytes() == out.read_bytes() or suffix == ".imxg"
    if suffix == ".txt":
        lines = out.read_text().splitlines()
        assert lines[1] == f"{nodes}\t{arcs}" and len(lines) == arcs + 2


BAD_FILES = [
    ("bad_prob.txt", "1 2 0.5\n2 3 1.5\n", ":2: column 3: probability 1.5 is not in [0, 1]"),
    ("not_number.txt", "1 2 0.5\n2 3 x\n", ":2: column 3: 'x' is not a number"),
    ("missing.txt", "1 2 0.5\n2 3 0.1\n4 5\n", ":3: found 2 columns"),
    ("nan.txt", "# h\n1 2 nan\n", ":2: column 3: probability is NaN"),
    ("negative.txt", "1 2\n2 -3\n", ":2: column 2: negative node id -3"),
    ("overflow.txt", "1 2\n2 9223372036854775808\n", ":2: column 2: node id 9223372036854775808"),
    ("empty.txt", "# nothing\n", ": no edges found"),
    ("trunc.txt.gz", gzip.compress(b"1 2\n" * 5000)[:-3], ": gzip data is truncated"),
    ("junk.gz", b"\x1f\x8b" + bytes(range(256)) * 4, ": corrupt gzip data"),
]


@pytest.mark.parametrize("name,content,problem", BAD_FILES)
def test_bad_file_gives_one_line_and_exit_2(tmp_path, capsys, name, content, problem, run_cli):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(SystemExit) as exit_info:
        main(["info", str(path)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"imx: error: {path}")
    assert problem in lines[0]
    assert "Traceback" not in captured.err
    res = run_cli(["info", path])  # the click group itself reports it too (embedding callers)
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [lines[0]]


def test_missing_file_is_a_usage_error(run_cli):
    res = run_cli(["info", "/nonexistent/graph.txt"])
    assert res.exit_code == 2 and "does not exist" in res.output


def test_subprocess_exit_code_and_single_stderr_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 0.5\n2 3 0.5\n3 4 2.5\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "imx", "info", str(bad)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"imx: error: {bad}:3: column 3: probability 2.5 is not in [0, 1]"]
    good = subprocess.run([sys.executable, "-m", "imx", "info", "--json", KARATE],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert good.returncode == 0 and json.loads(good.stdout)["nodes"] == 34
