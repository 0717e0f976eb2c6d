"""The ``.imxg`` binary graph form: an uncompressed ``.npz`` loaded by memory mapping.

Each array is a stored (uncompressed) zip member holding a ``.npy`` file, so
it can be mapped in place: loading a graph costs a few system calls, whatever
its size.  No pickles are written or read (``allow_pickle`` stays off); string
labels are stored as fixed-width unicode.  Writes go to a temporary file in the
target folder, then ``os.replace`` it, so a reader never sees half a file.
"""
from __future__ import annotations

import json
import os
import struct
import zipfile

import numpy as np

from .._npz import ZIP_MAGIC, load_npz_members, save_npz_aligned
from ..errors import InputError
from .core import Graph

__all__ = ["save_graph", "load_binary_graph", "is_binary_graph", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_ARRAYS = ("out_offsets", "out_targets", "out_probs", "in_offsets", "in_sources", "in_probs",
           "labels")


def is_binary_graph(path: str | os.PathLike) -> bool:
    """True if ``path`` looks like an ``.imxg`` file (a zip holding ``meta.npy``)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as fh:
        if fh.read(4) != ZIP_MAGIC:
            return False
    try:
        with zipfile.ZipFile(path) as zf:
            return "meta.npy" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def save_graph(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` to ``path`` in the ``.imxg`` form, atomically."""
    path = os.fspath(path)
    labels = graph.labels
    if labels.dtype == object:
        labels = np.array([str(x) for x in labels.tolist()], dtype=str)
    meta = {
        "format": "imxg", "version": FORMAT_VERSION, "n": graph.n, "directed": graph.directed,
        "scheme": graph.scheme, "source": graph.source, "edges_read": graph.edges_read,
    }
    arrays = {name: np.ascontiguousarray(getattr(graph, name)) for name in _ARRAYS[:-1]}
    arrays["labels"] = np.ascontiguousarray(labels)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    save_npz_aligned(path, arrays)


def load_binary_graph(path: str | os.PathLike, mmap: bool = True) -> Graph:
    """Load an ``.imxg`` file written by :func:`save_graph` (memory-mapped by default).

    A damaged file raises InputError.  The offsets are checked (one pass over
    O(n) values); the O(m) arc arrays are not scanned, so loading stays cheap.
    """
    path = os.fspath(path)
    try:
        arrays = load_npz_members(path, mmap)
    except (zipfile.BadZipFile, ValueError, OSError, struct.error) as exc:
        raise InputError(f"not a readable .imxg graph file ({exc})", path=path) from None
    missing = [a for a in _ARRAYS + ("meta",) if a not in arrays]
    if missing:
        raise InputError(f"not an .imxg graph file (missing {', '.join(missing)})", path=path)
    try:
        meta = json.loads(bytes(arrays["meta"]).decode())
        n = int(meta["n"])
        directed, scheme = bool(meta["directed"]), str(meta["scheme"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InputError(f"damaged .imxg graph (bad metadata: {exc.__class__.__name__})",
                         path=path) from None
    if meta.get("format") != "imxg" or meta.get("version") != FORMAT_VERSION:
        raise InputError("unsupported .imxg format version", path=path)
    problems = []
    for offsets, items, probs, what in (
            (arrays["out_offsets"], arrays["out_targets"], arrays["out_probs"], "out"),
            (arrays["in_offsets"], arrays["in_sources"], arrays["in_probs"], "in")):
        if (offsets.shape != (n + 1,) or int(offsets[0]) != 0
                or int(offsets[-1]) != items.shape[0] or probs.shape != items.shape
                or bool((np.diff(offsets) < 0).any())):
            problems.append(f"{what}-arc arrays")
    if arrays["out_targets"].shape != arrays["in_sources"].shape:
        problems.append("arc counts")
    if arrays["labels"].shape != (n,):
        problems.append("labels")
    if problems:
        raise InputError(f"damaged .imxg graph (inconsistent {', '.join(problems)}); make it "
                         "again with 'imx convert'", path=path)
    return Graph(n=n, out_offsets=arrays["out_offsets"], out_targets=arrays["out_targets"],
                 out_probs=arrays["out_probs"], in_offsets=arrays["in_offsets"],
                 in_sources=arrays["in_sources"], in_probs=arrays["in_probs"],
                 labels=arrays["labels"], directed=directed, scheme=scheme,
                 source=meta.get("source"), edges_read=meta.get("edges_read"))
