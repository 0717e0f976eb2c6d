"""Fixtures shared by the test modules: the CLI runner, exact tiny graphs, the sample and
the real graphs."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from imx import Graph, load_graph
from imx.cli.main import cli
from tests import KARATE, SHARED_GRAPHS


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., Result]:
    """``run_cli(args, env=None, catch_exceptions=True, ...)`` runs imx's click group in click's
    CliRunner and returns its Result; each argument goes through ``str`` (paths welcome).

    The runner is click's default: ``result.stderr`` holds stderr alone, ``result.stdout``
    stdout alone and ``result.output`` both, interleaved as a terminal would show them.
    """
    runner = CliRunner()

    def run(args, **kwargs) -> Result:
        return runner.invoke(cli, [str(a) for a in args], **kwargs)

    return run


@pytest.fixture(scope="session")
def karate() -> Graph:
    """The bundled sample graph graphs/karate.txt read as undirected: 34 nodes, 156 arcs; its
    arrays are read-only, so one copy serves every test (module-scoped fixtures build on it)."""
    return load_graph(KARATE, directed=False)


@pytest.fixture(scope="session")
def shared_graphs() -> Path:
    """The real graphs folder ``../shared/graphs`` (relative to the repo root); skip if absent."""
    if not SHARED_GRAPHS.is_dir():
        pytest.skip("../shared/graphs is not present")
    return SHARED_GRAPHS


@pytest.fixture
def labelled_graph() -> Graph:
    """The 4-cycle 10 -> 20 -> 30 -> 40 -> 10: integer labels that are not 0..n-1."""
    return Graph.from_arrays([0, 1, 2, 3], [1, 2, 3, 0], n=4, labels=np.array([10, 20, 30, 40]))
