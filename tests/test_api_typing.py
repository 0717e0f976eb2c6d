"""mypy on code that uses the public API: the package ships py.typed, and the
signatures and result types say what they return.  A second snippet misuses the
API (an old field name, a wrong argument type) and must be rejected, so the
check cannot pass by seeing nothing."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parent.parent

GOOD = '''
import numpy as np
import imx

g: imx.Graph = imx.load_graph("graphs/karate.txt", directed=False)
res: imx.IMResult = imx.maximize_influence(g, 5, model="ic", eps=0.1, seed=1)
seeds: list = res.seeds
ids: np.ndarray = res.seed_ids
bound: float | None = res.lower_bound
ratio: float | None = res.approx_ratio
record: imx.RunRecord = res.record
data: dict = res.to_dict()
est: imx.SpreadEstimate = imx.mc_spread(g, res.seeds, runs=100, seed=1)
low: float = est.ci_low
rr: imx.SpreadEstimate = imx.rr_spread(g, [0, 1], eps=0.1, seed=1)
exact: float = imx.exact_spread(imx.Graph.from_arrays([0], [1], [0.5]), [0])
plan: imx.CIMResult = imx.cim(g, aps=[0, 33], k=3)
cim_ratio: float | None = plan.approx_ratio
ranking: imx.Ranking = imx.rerank(g, [0], k=3, solver="heteroir")
index: imx.HeteroIndex = imx.HeteroIndex.build(g, solver="heteroir")
top: list = index.rerank(0, k=3)
sim: imx.dynamics.SimulationResult = imx.dynamics.simulate(
    g, np.zeros((g.n, 2)), model="dw", epsilon=0.3, mu=0.5, steps=2, seed=1)
try:
    imx.load_graph("missing.txt")
except imx.InputError as exc:
    print(exc.path)
'''

BAD = '''
import imx

g = imx.load_graph("graphs/karate.txt")
res = imx.maximize_influence(g, "five")
print(res.spread_lower)
plan = imx.cim(g, aps=[0], k=1)
print(plan.ratio)
'''


#: The modules that define the public signatures and result types: checked themselves too.
FRONT_DOOR = ["imx/__init__.py", "imx/errors.py", "imx/record.py", "imx/solvers/result.py",
              "imx/solvers/api.py", "imx/solvers/cim/__init__.py",
              "imx/solvers/hetero/__init__.py", "imx/io/__init__.py", "imx/io/formats.py",
              "imx/graph/core.py"]


def _mypy(tmp_path: Path, source: str | None) -> subprocess.CompletedProcess:
    if source is None:
        targets = [str(ROOT / name) for name in FRONT_DOOR]
    else:
        target = tmp_path / "use_imx.py"
        target.write_text(textwrap.dedent(source))
        targets = [str(target)]
    config = tmp_path / "mypy.ini"
    # the package's own modules are followed but not reported: the check is of what a
    # user's code sees through the public signatures
    config.write_text("[mypy]\nfollow_imports = silent\nignore_missing_imports = True\n"
                      "warn_unused_configs = True\n")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "imx" / "mypy"
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(config),
                           "--cache-dir", str(cache), "--no-error-summary", *targets],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_public_api_type_checks(tmp_path):
    assert (ROOT / "imx" / "py.typed").exists()
    run = _mypy(tmp_path, GOOD)
    assert run.returncode == 0, run.stdout + run.stderr


def test_misuse_of_the_public_api_is_caught(tmp_path):
    run = _mypy(tmp_path, BAD)
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout
    assert 'incompatible type "str"; expected "int"' in out
    assert '"IMResult" has no attribute "spread_lower"' in out
    assert '"CIMResult" has no attribute "ratio"' in out


def test_front_door_modules_type_check(tmp_path):
    run = _mypy(tmp_path, None)
    assert run.returncode == 0, run.stdout + run.stderr
