"""imx: influence maximization with reverse-reachable sets.

Heavy modules (numba kernels) are imported on first use, so ``import imx`` and
``imx --help`` stay fast.  Public names are listed in ``__all__``.
"""
from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

from ._cache import configure_kernel_cache  # noqa: E402

configure_kernel_cache()  # before any kernel module imports numba


from .errors import ImxError, InputError, MemoryBudgetError, ParameterError  # noqa: E402
from .graph import Graph, save_graph  # noqa: E402
from .io import load_graph  # noqa: E402

# name -> "module:attribute" (an empty attribute means the module itself).
_LAZY = {
    "RRCollection": "imx.sampling:RRCollection",
    "sample_rr_sets": "imx.sampling:sample_rr_sets",
    "exact_spread": "imx.sampling:exact_spread",
    "mc_spread": "imx.sampling:mc_spread",
    "rr_spread": "imx.sampling:rr_spread",
    "maximize_influence": "imx.solvers:maximize_influence",
    "opim_c": "imx.solvers:opim_c",
    "imm": "imx.solvers:imm",
    "cim": "imx.solvers.cim:cim",
    "HeteroIndex": "imx.solvers.hetero:HeteroIndex",
    "dynamics": "imx.dynamics:",
}

__all__ = ["__version__", "ImxError", "InputError", "MemoryBudgetError", "ParameterError",
           "Graph", "load_graph", "save_graph", *_LAZY]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'imx' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value
