"""Collection rules for the whole checkout (tests/conftest.py holds the shared fixtures).

The default run collects tests/ and, with ``--doctest-modules``, every module of imx/ for its
docstring examples.  Importing a module to read its examples must not need an optional
package that may be absent, so modules built on one are left out when it is missing; tools/
(atheris fuzzers), bench/ (benchmark scripts) and the build are never test modules.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

collect_ignore = ["setup.py", "tools", "bench", "build", "docs", "graphs"]

# module or package of imx -> the optional packages it imports at module level
_OPTIONAL = {"imx/distributed": ("dask", "distributed")}
collect_ignore += [path for path, packages in _OPTIONAL.items()
                   if any(importlib.util.find_spec(name) is None for name in packages)]


@pytest.fixture(autouse=True)
def _examples_run_from_the_checkout(request: pytest.FixtureRequest,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Docstring examples read ``graphs/karate.txt`` as a user in a checkout would."""
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.chdir(ROOT)
