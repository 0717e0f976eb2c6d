"""Graph files in the formats other tools write: NetworkX's edge list and Matrix Market.

:func:`imx.load_graph` asks :func:`sniff_format` first; the plain edge-list
tokenizer reads everything it does not claim.

* NetworkX edge list (``networkx.write_edgelist``'s default): ``u v {'p': 0.3}``
  a line, the attributes a Python dict literal.  The probability is the ``p``
  attribute, else ``weight`` (the scheme ``given``); without either, the
  probability scheme (default ``wc``).
* KONECT's ``out.*`` files: ``%`` comment lines on top (``% sym unweighted``,
  ``% m n n``), then ``u v`` lines: a plain edge list whose comments are
  ``%`` lines (:data:`KONECT`).  A file whose first line starts with ``%``
  is read so.
* Matrix Market coordinate files (``.mtx``, read by :func:`scipy.io.mmread`):
  entry ``(i, j)`` is arc ``i -> j``; nodes are labelled ``1..n`` as in the file.
  ``pattern`` files have no values (scheme ``wc`` unless told); ``symmetric``
  ones are undirected.

Files that look like other graph formats (GraphML, GML, JSON, Pajek) get an
error that says how to read them.
"""
from __future__ import annotations

import ast
import bz2
import contextlib
import gzip
import lzma
import os
from typing import IO, Any, Callable, Iterator

import numpy as np

from .._names import GRAPH_WRITE_FORMATS
from ..errors import InputError, ParameterError
from ..graph.core import Graph
from ..graph.probs import Scheme, parse_scheme
from .atomic import atomic_open

__all__ = ["KONECT", "sniff_format", "read_graph_format", "read_networkx_edgelist", "read_matrix_market",
           "write_matrix_market", "WRITE_FORMATS", "output_format"]

MATRIX_MARKET = "matrix-market"
NETWORKX_EDGELIST = "networkx-edgelist"
#: A plain edge list with '%' comment lines (KONECT), read by the edge-list tokenizer.
KONECT = "konect"

#: Formats ``imx convert`` writes, by name; :func:`output_format` picks one from a file name.
WRITE_FORMATS = GRAPH_WRITE_FORMATS

_SNIFF_BYTES = 1 << 16
_OPENERS: dict[str, Callable[..., Any]] = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}

# (how the first text of the file starts, what it is, how to read it)
_FOREIGN = (
    ("<?xml", "an XML file (GraphML?)", "networkx.read_graphml"),
    ("<graphml", "a GraphML file", "networkx.read_graphml"),
    ("graph [", "a GML file", "networkx.read_gml"),
    ("graph\n", "a GML file", "networkx.read_gml"),
    ("*vertices", "a Pajek file", "networkx.read_pajek"),
    ("{", "a JSON file", "networkx.node_link_graph(json.load(...))"),
    ("[", "a JSON file", "networkx.node_link_graph(json.load(...))"),
)


@contextlib.contextmanager
def _open_binary(path: str) -> Iterator[IO[bytes]]:
    from .edgelist import detect_compression

    kind = detect_compression(path)
    opener = _OPENERS.get(kind) if kind else None
    with (opener(path, "rb") if opener else open(path, "rb")) as fh:
        yield fh


def _head(path: str) -> tuple[str, bool]:
    """The first bytes of ``path`` as text, and whether that is the whole file."""
    try:
        with _open_binary(path) as fh:
            raw = fh.read(_SNIFF_BYTES)
    except (OSError, EOFError, lzma.LZMAError):
        return "", True  # the edge-list reader reports damaged files with its own message
    return raw.decode("utf-8", errors="replace"), len(raw) < _SNIFF_BYTES


def sniff_format(path: str | os.PathLike) -> str | None:
    """``'matrix-market'``, ``'konect'`` (``%`` comments), ``'networkx-edgelist'`` or
    None (a plain edge list), from the first lines of ``path`` (decompressed).

    Raises InputError, with how to read it, for a file in another graph format.
    """
    path = os.fspath(path)
    head, whole = _head(path)
    if head.startswith("%%MatrixMarket"):
        return MATRIX_MARKET
    if head.lstrip().startswith("%"):
        return KONECT
    start = head.lstrip().lower()
    for prefix, what, reader in _FOREIGN:
        if start.startswith(prefix):
            raise InputError(f"this looks like {what}, which imx does not read; read it with "
                             f"{reader} and pass the graph to imx.Graph.from_networkx (or write "
                             "it with networkx.write_edgelist, which imx reads)", path=path)
    lines = head.splitlines()
    for line in lines if whole else lines[:-1]:  # a last line may be cut by the sniff limit
        text = line.strip()
        if not text or text.startswith(("#", "%")):
            continue
        parts = text.split(None, 2)
        return NETWORKX_EDGELIST if len(parts) == 3 and parts[2].startswith("{") else None
    return None


def read_graph_format(path: str | os.PathLike, fmt: str, *, directed: bool = True,
                      probs: str | Scheme | None = None, seed: int = 1,
                      keep_self_loops: bool = False) -> Graph:
    """Read ``path`` in format ``fmt`` (as :func:`sniff_format` names it)."""
    read = read_matrix_market if fmt == MATRIX_MARKET else read_networkx_edgelist
    return read(path, directed=directed, probs=probs, seed=seed, keep_self_loops=keep_self_loops)


def _ids_from_text(tokens: list[str]) -> list[Any]:
    """Integer labels when every token is an integer, else the tokens themselves."""
    try:
        return [int(t) for t in tokens]
    except ValueError:
        return tokens


def read_networkx_edgelist(path: str | os.PathLike, *, directed: bool = True,
                           probs: str | Scheme | None = None, seed: int = 1,
                           keep_self_loops: bool = False) -> Graph:
    """Read NetworkX's default edge list (``u v {'weight': 0.3}`` a line).

    The probability is the ``p`` attribute, else ``weight``; node labels are
    integers when every node is one, else strings.  Errors name the file and line.
    """
    import networkx as nx

    path = os.fspath(path)
    tails: list[str] = []
    heads: list[str] = []
    attrs: list[dict] = []
    with _open_binary(path) as raw:
        for number, line in enumerate(raw, start=1):
            try:
                text = line.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise InputError("not a UTF-8 text file", path=path, line=number) from None
            if not text or text.startswith("#"):
                continue
            parts = text.split(None, 2)
            if len(parts) < 2:
                raise InputError(f"expected 'u v {{attributes}}', got {text!r}", path=path,
                                 line=number)
            data: Any = {}
            if len(parts) == 3:
                try:
                    data = ast.literal_eval(parts[2])
                except (ValueError, SyntaxError):
                    data = None
                if not isinstance(data, dict):
                    raise InputError(f"the attributes {parts[2]!r} are not a dict literal",
                                     path=path, line=number)
            tails.append(parts[0])
            heads.append(parts[1])
            attrs.append(data)
    nodes = _ids_from_text(tails + heads)
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_edges_from(zip(nodes[:len(tails)], nodes[len(tails):], attrs))
    weight = "p" if any("p" in d for d in attrs) else "weight"
    try:
        return Graph.from_networkx(G, weight=weight, probs=probs, seed=seed,
                                   keep_self_loops=keep_self_loops)
    except ParameterError as exc:
        raise InputError(str(exc), path=path) from None


def read_matrix_market(path: str | os.PathLike, *, directed: bool = True,
                       probs: str | Scheme | None = None, seed: int = 1,
                       keep_self_loops: bool = False) -> Graph:
    """Read a Matrix Market coordinate file with :func:`scipy.io.mmread`.

    Entry ``(i, j)`` is arc ``i -> j`` with probability its value (scheme
    ``given``; ``pattern`` files: ``wc`` unless ``probs`` says otherwise).  A
    ``symmetric`` file is an undirected graph.  Node ``i`` of the file has label ``i``.
    """
    import scipy.io

    path = os.fspath(path)
    from .edgelist import detect_compression

    try:
        if detect_compression(path) is None:
            # a path, not a file object: scipy's threaded reader aborts the process at exit
            # when handed an open plain file
            rows, cols, _, layout, field, symmetry = scipy.io.mminfo(path)
            matrix = scipy.io.mmread(path)
        else:
            with _open_binary(path) as fh:
                rows, cols, _, layout, field, symmetry = scipy.io.mminfo(fh)
            with _open_binary(path) as fh:
                matrix = scipy.io.mmread(fh)
    except (ValueError, OSError, EOFError, IndexError) as exc:
        raise InputError(f"not a readable Matrix Market file ({exc})", path=path) from None
    if layout != "coordinate":
        raise InputError("a dense (array) Matrix Market file; expected a sparse 'coordinate' "
                         "one", path=path)
    if rows != cols:
        raise InputError(f"the matrix is {rows} x {cols}; an adjacency matrix is square",
                         path=path)
    if field == "complex":
        raise InputError("complex values cannot be probabilities", path=path)
    coo = matrix.tocoo()
    row, col, values = coo.row, coo.col, coo.data.astype(np.float64)
    if symmetry != "general":  # mmread filled in the mirror image; keep the stored triangle
        stored = row >= col
        row, col, values = row[stored], col[stored], values[stored]
        directed = False
    use_values = field != "pattern" and (probs is None or parse_scheme(probs).name == "given")
    if use_values:
        bad = ~((values >= 0) & (values <= 1))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"entry ({row[i] + 1}, {col[i] + 1}) is {values[i]:g}, not a probability in "
                f"[0, 1] (values up to {values.max():g}); choose a probability scheme "
                "(--probs wc, uniform:P, trivalency...; probs= in the library) to ignore "
                "the values", path=path)
    return Graph.from_arrays(row, col, values if use_values else None, n=int(rows),
                             directed=directed, probs=probs, seed=seed,
                             keep_self_loops=keep_self_loops,
                             labels=np.arange(1, int(rows) + 1, dtype=np.int64), source=path)


def write_matrix_market(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` as a Matrix Market coordinate file (one entry per arc), atomically.

    Node ``i`` (internal id) is row/column ``i + 1``; the comment lines say
    what the rows are when the labels are not ``1..n``.  The values are the
    probabilities as :meth:`Graph.clean_probs` gives them.
    """
    import scipy.io

    from .edgelist import compressing_writer

    path = os.fspath(path)
    labels = graph.labels
    comment = (f" imx graph: {graph.n} nodes, {graph.m} arcs, probabilities {graph.scheme}; "
               "entry (i, j) is the arc i -> j")
    if labels.dtype.kind in "iu" and not np.array_equal(labels, np.arange(1, graph.n + 1)):
        comment += "; row i is the node with label " + (
            "i - 1" if np.array_equal(labels, np.arange(graph.n)) else "labels[i - 1] of the "
            "graph (the labels are not written)")
    elif labels.dtype.kind not in "iu":
        comment += "; rows are the nodes in imx's internal order (the labels are not written)"
    with atomic_open(path, "wb") as raw:
        wrapped = compressing_writer(raw, path)
        target = wrapped if wrapped is not None else raw
        scipy.io.mmwrite(target, graph.to_scipy(), comment=comment)
        if wrapped is not None:
            wrapped.close()


def output_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format to write ``path`` in: ``fmt`` when given, else from the suffix
    (``.imxg``; ``.mtx`` with an optional compression suffix; anything else an edge list)."""
    if fmt is not None:
        if fmt not in WRITE_FORMATS:
            raise ParameterError(f"unknown output format {fmt!r}; expected one of "
                                 f"{', '.join(WRITE_FORMATS)}")
        return fmt
    name = os.fspath(path).lower()
    for suffix in (".gz", ".bz2", ".xz"):
        name = name.removesuffix(suffix)
    if name.endswith(".imxg"):
        return "imxg"
    if name.endswith(".mtx"):
        return "mtx"
    return "edgelist"
