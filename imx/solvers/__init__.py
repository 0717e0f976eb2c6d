"""Influence-maximization solvers on RR sets.

``maximize_influence`` (the front door), ``opim_c``, ``imm`` (module imm_solver:
a module named imm would shadow the function), the baselines,
and :mod:`imx.solvers.bounds` (pure formulas) and
:mod:`imx.solvers.coverage` (greedy maximum coverage).  Submodules load on
first use, so importing the bounds does not compile any kernel.
"""
from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "IMResult": "imx.solvers.result",
    "maximize_influence": "imx.solvers.api",
    "SOLVERS": "imx.solvers.api",
    "opim_c": "imx.solvers.opim",
    "imm": "imx.solvers.imm_solver",
    "degree": "imx.solvers.baselines",
    "pagerank": "imx.solvers.baselines",
    "random_seeds": "imx.solvers.baselines",
    "celf": "imx.solvers.baselines",
    "greedy_max_coverage": "imx.solvers.coverage",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'imx.solvers' has no attribute {name!r}")
    value = getattr(importlib.import_module(target), name)
    globals()[name] = value
    return value
