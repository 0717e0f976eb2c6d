"""Turning node labels read from a file into internal ids, with file:line errors."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..errors import InputError
from ..graph.core import Graph

__all__ = ["ids_of_tokens"]


def ids_of_tokens(graph: Graph, tokens: Iterable[tuple[str, int]], *, what: str,
                  path: str) -> np.ndarray:
    """Internal ids (int32, file order) of ``(label, line number)`` pairs.

    Raises InputError naming the file and line of the first label that is not
    a node of ``graph`` or that repeats an earlier one (``what`` names the role,
    e.g. ``"seed"`` or ``"AP"``).
    """
    ids: list[int] = []
    seen: dict[int, int] = {}
    for token, number in tokens:
        try:
            node = graph.index_of(token)
        except KeyError:
            raise InputError(f"{what} {token!r} is not a node of the graph", path=path,
                             line=number) from None
        if node in seen:
            raise InputError(f"{what} {token!r} is listed twice (first on line {seen[node]})",
                             path=path, line=number)
        seen[node] = number
        ids.append(node)
    return np.asarray(ids, dtype=np.int32)
