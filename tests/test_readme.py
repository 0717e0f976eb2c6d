"""The README's code blocks run as written, in order, so they cannot rot.

Blocks are taken from README.md: the Python example and the quick commands on the bundled
graph run in the default suite; the tour on ``../shared/graphs`` (``$G``) is slow and is
skipped when those graphs are absent (``IMX_SHARED_GRAPHS`` names another folder).  The
set-up block (``pip install``) belongs to tests/test_install.py.  ``imx`` runs as
``python -m imx`` of this checkout; each bash block runs with ``set -e`` in a fresh folder
that holds the checkout's ``graphs/``, as a clean clone would.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, flags=re.S | re.M)
BASH = [code for lang, code in BLOCKS if lang == "bash" and "pip install" not in code]
QUICK = [code for code in BASH if "$G" not in code]
TOUR = [code for code in BASH if "$G" in code]
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
SHARED = Path(os.environ.get("IMX_SHARED_GRAPHS", ROOT.parent / "shared" / "graphs"))


def test_the_readme_has_the_blocks_this_test_runs():
    assert len(QUICK) == 1 and len(TOUR) == 1 and len(PYTHON) == 1
    assert TOUR[0].startswith("G=../shared/graphs\n")


@pytest.fixture
def clone(tmp_path, monkeypatch):
    (tmp_path / "graphs").symlink_to(ROOT / "graphs", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run_bash(code: str, folder: Path, timeout: float) -> subprocess.CompletedProcess:
    script = "set -euo pipefail\nimx() { \"$IMX_PYTHON\" -m imx \"$@\"; }\n" + code
    env = dict(os.environ, IMX_PYTHON=sys.executable,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_python_example_runs(clone):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(PYTHON[0], "README.md", "exec"), {"__name__": "readme"})
    text = out.getvalue()
    assert "IMResult(solver='opim-c'" in text and "SimulationResult(" in text, text


def test_quick_commands_run(clone):
    run = _run_bash(QUICK[0], clone, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (clone / "seeds.txt").read_text().count("\n") == 5
    assert (clone / "karate.mtx").read_text().startswith("%%MatrixMarket")


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"no shared graphs at {SHARED}")
def test_tour_on_real_graphs_runs(clone):
    code = TOUR[0].replace("G=../shared/graphs", f"G={SHARED}", 1)
    run = _run_bash(code, clone, timeout=3600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    for made in ("slashdot.imxg", "cl.imxg", "seeds.txt", "assignment.tsv", "ranked.tsv",
                 "fit.json", "values.csv", "final.csv"):
        assert (clone / made).stat().st_size > 0, made
