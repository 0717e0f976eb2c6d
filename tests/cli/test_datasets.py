"""`imx datasets list / fetch / path` through click's CliRunner, and their one-line errors."""
from __future__ import annotations

import json

import pytest

from tests.io.test_datasets import REQUIRED


def test_cli_list_fetch_path(tmp_path, run_cli):
    env = {"IMX_DATA": str(tmp_path)}
    out = run_cli(["datasets", "list", "--json"], env=env, catch_exceptions=False)
    assert out.exit_code == 0
    rows = json.loads(out.output)["datasets"]
    assert {r["name"] for r in rows} >= set(REQUIRED)
    assert next(r for r in rows if r["name"] == "karate")["status"] == "bundled"
    out = run_cli(["datasets", "fetch", "karate", "--json"], env=env, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    info = json.loads(out.output)["datasets"][0]
    assert info["nodes"] == 34 and info["sha256_verified"]
    out = run_cli(["datasets", "path", "karate"], env=env, catch_exceptions=False)
    assert out.output.strip() == str(tmp_path / "karate.imxg")
    assert "cached" in run_cli(["datasets", "list"], env=env, catch_exceptions=False).output


def test_cli_errors_are_one_line(tmp_path, capsys, monkeypatch):
    from imx.cli.main import main

    monkeypatch.setenv("IMX_DATA", str(tmp_path))
    for args in (["datasets", "fetch", "nosuch"], ["datasets", "fetch", "NetHEPT"],
                 ["datasets", "fetch", "com-Orkut", "--data-dir", str(tmp_path)]):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("imx: error: ") and err.count("\n") == 1, err
