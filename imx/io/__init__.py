"""Reading and writing graphs and result files."""
from __future__ import annotations

import os

from ..errors import InputError
from ..graph.core import Graph
from ..graph.probs import Scheme
from .binary import is_binary_graph, load_binary_graph, save_graph
from .npz import ZIP_MAGIC

__all__ = ["load_graph", "save_graph", "read_edgelist", "load_edgelist", "write_edgelist"]


def read_edgelist(path, **kwargs):
    """Parse an edge-list file; see :func:`imx.io.edgelist.read_edgelist`."""
    from .edgelist import read_edgelist as _read

    return _read(path, **kwargs)


def load_edgelist(path: str | os.PathLike, **kwargs) -> Graph:
    """Read an edge-list file into a Graph; see :func:`imx.io.edgelist.load_edgelist`."""
    from .edgelist import load_edgelist as _load

    return _load(path, **kwargs)


def write_edgelist(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` as a text edge list; see :func:`imx.io.edgelist.write_edgelist`."""
    from .edgelist import write_edgelist as _write

    _write(graph, path)


def load_graph(path: str | os.PathLike, *, directed: bool = True,
               probs: str | Scheme | None = None, seed: int = 1,
               keep_self_loops: bool = False, mmap: bool = True, ids: str = "auto",
               progress=None) -> Graph:
    """Load a graph from an edge list, an ``.imxg`` binary file, a Matrix Market ``.mtx``
    file or NetworkX's edge list (``u v {'p': 0.3}``; see :mod:`imx.io.formats`).

    A binary file keeps its stored structure and probabilities unless ``probs``
    names another scheme; ``directed``/``keep_self_loops`` only apply to edge
    lists, as does ``ids`` (``auto``, ``int`` or ``str``: see
    :data:`imx.io.edgelist.IDS_RULES`), and ``progress(bytes_read, total, label)``
    (the text parse of an edge list reports per chunk).  A missing path, a folder, an
    unreadable file or a damaged one raises InputError.

    Examples
    --------
    >>> g = load_graph("graphs/karate.txt", directed=False)
    >>> g.n, g.m
    (34, 156)
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise InputError("is a folder; expected a graph file (an edge list, a Matrix Market "
                         ".mtx or an .imxg graph)", path=path)
    if not os.path.exists(path):
        raise InputError("no such file", path=path)
    try:
        if is_binary_graph(path):
            graph = load_binary_graph(path, mmap=mmap)
            if probs is not None and str(probs) not in ("given", graph.scheme):
                graph = graph.with_probabilities(probs, seed=seed)
            return graph
        if _starts_like_zip(path):
            raise InputError("a truncated or damaged .imxg graph (or a zip archive that is not "
                             "one); make it again with 'imx convert'", path=path)
        from .formats import KONECT, read_graph_format, sniff_format

        fmt = sniff_format(path) if os.path.isfile(path) else None
        if fmt not in (None, KONECT):
            return read_graph_format(path, fmt, directed=directed, probs=probs, seed=seed,
                                     keep_self_loops=keep_self_loops)
        return load_edgelist(path, directed=directed, probs=probs, seed=seed,
                             comment="%" if fmt == KONECT else "#",
                             keep_self_loops=keep_self_loops, ids=ids, progress=progress)
    except OSError as exc:  # permission denied, I/O error, a path that vanished meanwhile
        raise InputError(f"cannot read the file ({exc.strerror or exc})", path=path) from None


def _starts_like_zip(path: str | os.PathLike) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(ZIP_MAGIC)) == ZIP_MAGIC
    except OSError:
        return False  # the edge-list reader reports it
