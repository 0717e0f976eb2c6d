"""Graph core: the CSR :class:`Graph`, probability schemes, binary form, generators."""
from .core import Graph
from .probs import Scheme, parse_scheme, SCHEME_HELP
from .binary import save_graph, load_binary_graph, is_binary_graph

__all__ = ["Graph", "Scheme", "parse_scheme", "SCHEME_HELP", "save_graph", "load_binary_graph",
           "is_binary_graph"]
