"""Turning node labels read from a file into internal ids, with file:line errors."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..errors import InputError
from ..graph.core import Graph
from .text import open_text

__all__ = ["node_of_token", "ids_of_tokens", "read_label_file"]


def node_of_token(graph: Graph, token: str, *, what: str, path: str, line: int) -> int:
    """Internal id of the label ``token``; InputError naming the file and line if it is
    not a node of ``graph`` (``what`` names the role, e.g. ``"seed"``)."""
    try:
        return graph.index_of(token)
    except KeyError:
        raise InputError(f"{what} {token!r} is not a node of the graph", path=path,
                         line=line) from None


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
        node = node_of_token(graph, token, what=what, path=path, line=number)
        if node in seen:
            raise InputError(f"{what} {token!r} is listed twice (first on line {seen[node]})",
                             path=path, line=number)
        seen[node] = number
        ids.append(node)
    return np.asarray(ids, dtype=np.int32)


def _line_tokens(path: str, what: str):
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if len(text.split()) > 1:
                raise InputError(f"expected one node label per line, got {text!r}", path=path,
                                 line=number)
            yield text, number


def read_label_file(path: str, graph: Graph, *, what: str) -> np.ndarray:
    """Internal ids (int32, file order) of a file of node labels, one per line.

    Blank lines and ``#`` lines are skipped.  Raises InputError naming the
    file (and line) for an unknown or repeated label, a line with two labels,
    undecodable bytes, or a file without labels.
    """
    ids = ids_of_tokens(graph, _line_tokens(path, what), what=what, path=path)
    if not ids.size:
        raise InputError(f"no {what}s in the file", path=path)
    return ids
