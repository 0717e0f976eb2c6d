"""The ``.imxg`` binary graph form: an uncompressed ``.npz`` loaded by memory mapping.

Each array is a stored (uncompressed) zip member holding a ``.npy`` file, so
it can be mapped in place: loading a graph costs a few system calls, whatever
its size.  No pickles are written or read (``allow_pickle`` stays off); string
labels are stored as fixed-width unicode.  Writes go to a temporary file in the
target folder, then ``os.replace`` it, so a reader never sees half a file.

Format versions: 1 holds the probabilities per arc in both orders
(``out_probs``, ``in_probs``); 2 holds either those or, for a graph whose
probabilities depend on the head only (``wc``, ``uniform``, ...),
``head_probs``, one value per node.  Both versions load.
"""
from __future__ import annotations

import json
import os
import zlib

import numpy as np

from ..errors import InputError, ParameterError
from ..graph.core import Graph
from ..graph.probs import parse_scheme
from .npz import meta_bytes, npz_member_names, read_npz_file, save_npz_aligned

__all__ = ["save_graph", "load_binary_graph", "is_binary_graph", "check_arrays", "FORMAT_VERSION"]

FORMAT_VERSION = 2
_READABLE_VERSIONS = (1, 2)
_STRUCTURE = ("out_offsets", "out_targets", "in_offsets", "in_sources", "labels")
_ARC_PROBS = ("out_probs", "in_probs")
_HEAD_PROBS = ("head_probs",)
# the dtypes Graph builds and the kernels are compiled for
_DTYPES = {"out_offsets": np.int64, "out_targets": np.int32, "out_probs": np.float32,
           "in_offsets": np.int64, "in_sources": np.int32, "in_probs": np.float32,
           "head_probs": np.float32}
_NO_PROBS = np.zeros(0, dtype=np.float32)


def is_binary_graph(path: str | os.PathLike) -> bool:
    """True if ``path`` looks like an ``.imxg`` file (a zip holding ``meta.npy``)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        return False
    return "meta.npy" in (npz_member_names(path) or ())


def save_graph(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` to ``path`` in the ``.imxg`` form, atomically."""
    path = os.fspath(path)
    labels = graph.labels
    if labels.dtype == object:
        labels = np.array([str(x) for x in labels.tolist()], dtype=str)
    labels = np.ascontiguousarray(labels)
    meta = {
        "format": "imxg", "version": FORMAT_VERSION, "n": graph.n, "directed": graph.directed,
        "scheme": graph.scheme, "source": graph.source, "edges_read": graph.edges_read,
        "labels_crc32": zlib.crc32(labels),
    }
    arrays = {name: np.ascontiguousarray(a) for name, a in graph.arrays().items()}
    if "head_probs" in arrays:  # stored once, so nothing cross-checks it: a checksum does
        meta["head_probs_crc32"] = zlib.crc32(arrays["head_probs"])
    arrays["labels"] = labels
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    save_npz_aligned(path, arrays)


def _meta_value(meta: dict, key: str, kinds: tuple, path: str, optional: bool = False):
    value = meta.get(key)
    if value is None and optional:
        return None
    # bool is an int to Python; JSON true must not pass as a node count, nor 1.5 as one
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise InputError(f"damaged .imxg graph (metadata {key!r} is {value!r})", path=path)
    return value


def check_arrays(arrays: dict, n: int, meta: dict, path: str) -> None:
    """Refuse anything a kernel could misread: one O(n + m) pass over the arrays.

    Dtypes and shapes first (the native check relies on them), then
    :func:`imx._edgelist.check_arc_orders`: every id in ``[0, n)``,
    probabilities in ``[0, 1]``, offsets monotone, and the in-order arrays
    holding exactly the arcs of the out-order.  ``arrays`` holds per-arc
    ``out_probs`` and ``in_probs`` or per-node ``head_probs`` (in ``[0, 1]``).
    The labels and ``head_probs``, which nothing cross-checks, carry a CRC-32
    (files written before the labels' was added have none).
    """
    from .. import _edgelist

    def damaged(problem: str) -> InputError:
        return InputError(f"damaged .imxg graph ({problem}); make it again with 'imx convert'",
                          path=path)

    for name, dtype in _DTYPES.items():
        arr = arrays.get(name)
        if arr is not None and (arr.dtype != dtype or arr.ndim != 1):
            raise damaged(f"{name} is {arr.dtype}[{arr.ndim}-d], expected 1-d {dtype}")
    for name in ("out_offsets", "in_offsets"):
        if arrays[name].shape != (n + 1,):
            raise damaged(f"{name} has {arrays[name].shape[0]} entries for {n} nodes")
    labels = arrays["labels"]
    if labels.shape != (n,) or labels.dtype.kind not in "iuU":
        raise damaged(f"labels are {labels.dtype}{list(labels.shape)} for {n} nodes")
    head = arrays.get("head_probs")
    if head is not None:
        if head.shape != (n,):
            raise damaged(f"head_probs has {head.shape[0]} entries for {n} nodes")
        bad = np.flatnonzero(~((head >= 0) & (head <= 1)))
        if bad.size:
            raise damaged(f"node {int(bad[0])} has probability {head[bad[0]]}, outside [0, 1]")
        if meta.get("head_probs_crc32") != zlib.crc32(np.ascontiguousarray(head)):
            raise damaged("head_probs do not match their checksum")
    per_arc = [_NO_PROBS, _NO_PROBS] if head is not None else [arrays[a] for a in _ARC_PROBS]
    problem = _edgelist.check_arc_orders(arrays["out_offsets"], arrays["out_targets"], per_arc[0],
                                         arrays["in_offsets"], arrays["in_sources"], per_arc[1])
    if problem is not None:
        raise damaged(problem)
    crc = meta.get("labels_crc32")
    if crc is not None and crc != zlib.crc32(np.ascontiguousarray(labels)):
        raise damaged("labels do not match their checksum")
    if not _labels_unique(labels):
        raise damaged("two nodes share a label")


def _labels_unique(labels: np.ndarray) -> bool:
    if labels.shape[0] < 2:
        return True
    if labels.dtype.kind in "iu" and bool((labels[1:] > labels[:-1]).all()):
        return True  # edge-list graphs: labels in increasing order, no sort needed
    return np.unique(labels).shape[0] == labels.shape[0]


def load_binary_graph(path: str | os.PathLike, mmap: bool = True) -> Graph:
    """Load an ``.imxg`` file written by :func:`save_graph` (memory-mapped by default).

    The arrays are checked in one O(n + m) pass before any use (ids in range,
    probabilities in [0, 1], offsets monotone, in- and out-orders the same
    arcs, labels distinct and matching their checksum); a damaged file of any
    kind raises InputError and never reaches a kernel.
    """
    path = os.fspath(path)
    arrays = read_npz_file(path, mmap, ".imxg graph")
    probs = _HEAD_PROBS if "head_probs" in arrays else _ARC_PROBS
    missing = [a for a in _STRUCTURE + probs + ("meta",) if a not in arrays]
    if missing:
        raise InputError(f"not an .imxg graph file (missing {', '.join(missing)})", path=path)
    try:
        meta = json.loads(meta_bytes(arrays["meta"]).decode())
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError) as exc:
        detail = getattr(exc, "problem", exc.__class__.__name__)
        raise InputError(f"damaged .imxg graph (bad metadata: {detail})",
                         path=path) from None
    if not isinstance(meta, dict):
        raise InputError("damaged .imxg graph (metadata is not a JSON object)", path=path)
    version = meta.get("version")
    if meta.get("format") != "imxg" or type(version) is not int or \
            version not in _READABLE_VERSIONS:
        raise InputError("unsupported .imxg format version", path=path)
    if probs == _HEAD_PROBS and (version < 2 or any(a in arrays for a in _ARC_PROBS)):
        raise InputError("damaged .imxg graph (probabilities per node and per arc, or per node "
                         "in a version 1 file)", path=path)
    n = _meta_value(meta, "n", (int,), path)
    if not 0 <= n < 2**31 - 1:
        raise InputError(f"damaged .imxg graph (metadata n={n})", path=path)
    directed = _meta_value(meta, "directed", (bool,), path)
    scheme = _meta_value(meta, "scheme", (str,), path)
    try:
        parse_scheme(scheme)
    except ParameterError:
        raise InputError(f"damaged .imxg graph (metadata 'scheme' is {scheme!r})",
                         path=path) from None
    source = _meta_value(meta, "source", (str,), path, optional=True)
    edges_read = _meta_value(meta, "edges_read", (int,), path, optional=True)
    check_arrays(arrays, n, meta, path)
    return Graph(n=n, **{name: arrays[name] for name in _STRUCTURE + probs},
                 directed=directed, scheme=scheme, source=source, edges_read=edges_read)
