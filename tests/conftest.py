"""Fixtures shared by the test modules."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_graphs() -> Path:
    """The real graphs folder ``../shared/graphs`` (relative to the repo root); skip if absent."""
    path = REPO_ROOT.parent / "shared" / "graphs"
    if not path.is_dir():
        pytest.skip("../shared/graphs is not present")
    return path
