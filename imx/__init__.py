"""imx: influence maximization with reverse-reachable sets.

Heavy modules (numba kernels) are imported on first use, so ``import imx`` and
``imx --help`` stay fast.  Public names are listed in ``__all__``.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from .errors import ImxError, InputError, MemoryBudgetError, ParameterError  # noqa: E402
from .graph import Graph, save_graph  # noqa: E402
from .io import load_graph  # noqa: E402

# name -> module that defines it; filled in as solver packages land.
_LAZY = {
    "RRCollection": "imx.sampling",
    "sample_rr_sets": "imx.sampling",
    "exact_spread": "imx.sampling",
    "mc_spread": "imx.sampling",
    "rr_spread": "imx.sampling",
    "maximize_influence": "imx.solvers",
    "opim_c": "imx.solvers",
    "imm": "imx.solvers",
    "cim": "imx.solvers.cim",
    "HeteroIndex": "imx.solvers.hetero",
    "dynamics": "imx.dynamics",
}

__all__ = ["__version__", "ImxError", "InputError", "MemoryBudgetError", "ParameterError",
           "Graph", "load_graph", "save_graph", *_LAZY]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'imx' has no attribute {name!r}")
    module = importlib.import_module(target)
    value = module if target.endswith("." + name) else getattr(module, name)
    globals()[name] = value
    return value
