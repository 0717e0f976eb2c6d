"""imx: influence maximization with reverse-reachable sets.

The public names are those in ``__all__`` (``dir(imx)`` lists exactly them);
docs/api.md describes the vocabulary they share.  Heavy modules (numba
kernels) are imported on first use, so ``import imx`` and ``imx --help`` stay
fast.
"""
from __future__ import annotations

import importlib as _importlib
import typing as _typing

from ._version import __version__

from ._cache import configure_kernel_cache as _configure_kernel_cache  # noqa: E402

_configure_kernel_cache()  # before any kernel module imports numba

from .errors import ImxError, InputError, MemoryBudgetError, ParameterError  # noqa: E402
from .graph import Graph  # noqa: E402
from .io import load_graph, save_graph  # noqa: E402
from .record import RunRecord  # noqa: E402

if _typing.TYPE_CHECKING:  # what the lazy names below resolve to (``X as X``: re-exported)
    from . import dynamics as dynamics
    from .sampling import RRCollection as RRCollection
    from .sampling import SpreadEstimate as SpreadEstimate
    from .sampling import exact_spread as exact_spread
    from .sampling import mc_spread as mc_spread
    from .sampling import rr_spread as rr_spread
    from .sampling import sample_rr_sets as sample_rr_sets
    from .solvers.api import maximize_influence as maximize_influence
    from .solvers.cim import CIMResult as CIMResult
    from .solvers.cim import cim as cim
    from .solvers.hetero import HeteroIndex as HeteroIndex
    from .solvers.hetero import Ranking as Ranking
    from .solvers.hetero import rerank as rerank
    from .solvers.imm_solver import imm as imm
    from .solvers.opim import opim_c as opim_c
    from .solvers.result import IMResult as IMResult

# name -> "module:attribute" (an empty attribute means the module itself).
_LAZY = {
    "maximize_influence": "imx.solvers.api:maximize_influence",
    "opim_c": "imx.solvers.opim:opim_c",
    "imm": "imx.solvers.imm_solver:imm",
    "IMResult": "imx.solvers.result:IMResult",
    "mc_spread": "imx.sampling:mc_spread",
    "rr_spread": "imx.sampling:rr_spread",
    "exact_spread": "imx.sampling:exact_spread",
    "SpreadEstimate": "imx.sampling:SpreadEstimate",
    "sample_rr_sets": "imx.sampling:sample_rr_sets",
    "RRCollection": "imx.sampling:RRCollection",
    "cim": "imx.solvers.cim:cim",
    "CIMResult": "imx.solvers.cim:CIMResult",
    "rerank": "imx.solvers.hetero:rerank",
    "HeteroIndex": "imx.solvers.hetero:HeteroIndex",
    "Ranking": "imx.solvers.hetero:Ranking",
    "dynamics": "imx.dynamics:",
}

__all__ = ["__version__", "ImxError", "InputError", "MemoryBudgetError", "ParameterError",
           "Graph", "load_graph", "save_graph", "RunRecord", *_LAZY]


def __getattr__(name: str) -> _typing.Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'imx' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    module = _importlib.import_module(module_name)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
