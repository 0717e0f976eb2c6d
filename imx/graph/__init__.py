"""Graph core: the CSR :class:`Graph`, probability schemes, generators.

Reading and writing graphs (edge lists, the ``.imxg`` binary form) is :mod:`imx.io`'s.
"""
from .core import Graph
from .probs import Scheme, parse_scheme, SCHEME_HELP

__all__ = ["Graph", "Scheme", "parse_scheme", "SCHEME_HELP"]
