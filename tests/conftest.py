"""Fixtures shared by the test modules."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imx import Graph

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_graphs() -> Path:
    """The real graphs folder ``../shared/graphs`` (relative to the repo root); skip if absent."""
    path = REPO_ROOT.parent / "shared" / "graphs"
    if not path.is_dir():
        pytest.skip("../shared/graphs is not present")
    return path


@pytest.fixture
def labelled_graph() -> Graph:
    """The 4-cycle 10 -> 20 -> 30 -> 40 -> 10: integer labels that are not 0..n-1."""
    return Graph.from_arrays([0, 1, 2, 3], [1, 2, 3, 0], n=4, labels=np.array([10, 20, 30, 40]))
