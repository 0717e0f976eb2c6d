"""The names of the models, solvers and methods, each list once.

The library's dispatch checks against these tuples and the CLI offers them as
``click.Choice``; this module imports nothing, so ``imx --help`` and every
subcommand's ``--help`` read them without loading numba.  The order is the
order shown in help texts and error messages.
"""
from __future__ import annotations

__all__ = ["DIFFUSION_MODELS", "IM_SOLVERS", "CERTIFIED_IM_SOLVERS", "CIM_SOLVERS",
           "HETERO_SOLVERS", "BCM_MODELS", "BCM_DISTANCES", "BCM_PAIRINGS", "BCM_FIT_METHODS",
           "BCM_SECOND_STAGES", "GRAPH_WRITE_FORMATS"]

#: Diffusion models: independent cascade, linear threshold.
DIFFUSION_MODELS = ("ic", "lt")

#: Classic IM solvers of :func:`imx.maximize_influence` and ``imx im --solver``.
IM_SOLVERS = ("opim-c", "imm", "degree", "pagerank", "random", "celf")

#: The IM solvers with an (eps, delta) guarantee, which take ``eps``/``delta``/``time_budget``.
CERTIFIED_IM_SOLVERS = ("opim-c", "imm")

#: Capacity-constrained IM solvers of :func:`imx.cim` and ``imx cim --solver``.
CIM_SOLVERS = ("rr-opim+", "rr-opim", "mg-opim", "rr-greedy", "mg-greedy", "rr-greedy-cov",
               "mg-greedy-cov", "degree", "pagerank", "local-opim")

#: Reranking methods of :func:`imx.rerank`, :class:`imx.HeteroIndex` and ``imx hetero --method``.
HETERO_SOLVERS = ("heteroim", "heteroir", "willingness", "degree")

#: Bounded-confidence models of :func:`imx.dynamics.simulate` and ``imx bcm``.
BCM_MODELS = ("dw", "hk", "ego")

#: How a bounded-confidence model measures the distance between two value vectors.
BCM_DISTANCES = ("dimension", "vector")

#: How the Deffuant-Weisbuch model draws its interacting pairs.
BCM_PAIRINGS = ("arc", "node")

#: Optimisers of :func:`imx.dynamics.fit`: particle swarm, differential evolution.
BCM_FIT_METHODS = ("pso", "de")

#: Graph formats ``imx convert`` writes (:func:`imx.io.formats.output_format`).
GRAPH_WRITE_FORMATS = ("edgelist", "mtx", "imxg")

#: Second-stage regressors of :func:`imx.dynamics.evaluate` (``"none"``: no second stage).
BCM_SECOND_STAGES = ("none", "ridge", "svr", "auto")
