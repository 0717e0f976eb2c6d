"""The ``io`` task: how long reading a graph takes, one operation per run.

``op`` names the operation, timed ``repeats`` times (default 5) after one
warm-up call, the file in the page cache as on a second read; the run reports
the median wall and CPU time (``time.process_time``: all threads of the process;
on a shared machine the CPU time stretches much less than the wall time).

==================  ==============================================================
``read_edgelist``   ``imx.io.read_edgelist`` of the text file (the native tokenizer)
``loadtxt``         ``numpy.loadtxt`` of the same file (``dtype = "int64"`` or
                    ``"float64"``), the floor a user would otherwise reach for
``decompress``      the file's decompression alone (stdlib gzip / bz2 / xz), no parsing
``from_edgelist``   ``Graph.from_edgelist``: parse, CSR arrays, probabilities
``imxg_load``       ``load_binary_graph`` memory-mapped, with its validation
``imxg_load_copy``  the same, read into memory (``mmap=False``)
``imxg_map``        the mapping alone (no validation): ``imxg_load`` minus this is
                    what the validation costs
==================  ==============================================================

The text file is the one the graph was read from (a registry graph: its raw
file, e.g. from ``--data-dir``) or, for a generated graph, one written by
:func:`imx.io.write_edgelist` during set-up; ``text = "plain"`` decompresses a compressed file first.  The
``.imxg`` file is always written afresh (``save_graph``) into a scratch folder.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from typing import Callable

from .common import Outcome

__all__ = ["ReadingAdapter", "OPERATIONS"]

OPERATIONS = ("read_edgelist", "loadtxt", "decompress", "from_edgelist", "imxg_load",
              "imxg_load_copy", "imxg_map")


def _opener(kind: str | None) -> Callable:
    import bz2
    import gzip
    import lzma

    return {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}.get(kind or "", open)


def _decompress(path: str, kind: str | None) -> int:
    """Bytes of the decompressed file, read in 1 MiB chunks (stdlib only)."""
    total = 0
    with _opener(kind)(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            total += len(chunk)
    return total


def _write_plain(path: str, kind: str | None, out: str) -> None:
    import shutil

    with _opener(kind)(path, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


class ReadingAdapter:
    name = "io"

    def modules(self, params: dict) -> None:
        from .. import io  # noqa: F401
        from ..graph import binary  # noqa: F401

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        from ..graph.binary import save_graph
        from ..io import write_edgelist
        from ..io.edgelist import detect_compression

        op = params.get("op")
        if op not in OPERATIONS:
            raise ValueError(f"io: op must be one of {', '.join(OPERATIONS)}, got {op!r}")
        scratch = tempfile.TemporaryDirectory(prefix="imx-bench-io-")
        text = str(graph.source or "")
        if not os.path.isfile(text) or text.endswith(".imxg"):
            text = os.path.join(scratch.name, "graph.txt")
            write_edgelist(graph, text)
        kind = detect_compression(text)
        if params.get("text", "as-is") == "plain" and kind is not None:
            plain = os.path.join(scratch.name, "plain.txt")
            _write_plain(text, kind, plain)
            text, kind = plain, None
        imxg = os.path.join(scratch.name, "graph.imxg")
        if op.startswith("imxg"):
            save_graph(graph, imxg)
        return {"scratch": scratch, "file": imxg if op.startswith("imxg") else text,
                "call": self._call(op, text, kind, imxg, params)}

    @staticmethod
    def _call(op: str, text: str, kind: str | None, imxg: str, params: dict) -> Callable:
        import numpy as np

        from .. import _npz
        from ..graph.binary import load_binary_graph
        from ..graph.core import Graph
        from ..io import read_edgelist

        return {
            "read_edgelist": lambda: read_edgelist(text),
            "loadtxt": lambda: np.loadtxt(text, dtype=params.get("dtype", "int64")),
            "decompress": lambda: _decompress(text, kind),
            "from_edgelist": lambda: Graph.from_edgelist(text),
            "imxg_load": lambda: load_binary_graph(imxg),
            "imxg_load_copy": lambda: load_binary_graph(imxg, mmap=False),
            "imxg_map": lambda: _npz.load_npz_members(imxg, True),
        }[op]

    def warmup(self, params: dict, seed: int, graph, ctx: dict, level: str) -> None:
        ctx["call"]()  # compiled paths, page cache, allocator

    def solve(self, graph, ctx: dict, params: dict, seed: int) -> Outcome:
        walls, cpus = [], []
        for _ in range(int(params.get("repeats", 5))):
            w0, c0 = time.perf_counter(), time.process_time()
            ctx["call"]()
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        metrics = {"wall_ms": 1e3 * statistics.median(walls),
                   "cpu_ms": 1e3 * statistics.median(cpus), "repeats": len(walls),
                   "file": os.path.basename(ctx["file"]),
                   "file_bytes": os.path.getsize(ctx["file"])}
        ctx["scratch"].cleanup()
        return Outcome(metrics=metrics)
