"""The ``io`` task: how long reading a graph takes, one operation per run.

``op`` names the operation, timed ``repeats`` times (default 5) after one
warm-up call, the file in the page cache as on a second read; the run reports
the median wall and CPU time (``time.process_time``: all threads of the process;
on a shared machine the CPU time stretches much less than the wall time).

==================  ==============================================================
``read_edgelist``   ``imx.io.read_edgelist`` of the text file (the native tokenizer)
``loadtxt``         ``numpy.loadtxt`` of the same file (``dtype = "int64"`` or
                    ``"float64"``), the floor a user would otherwise reach for
``decompress``      the file's decompression alone (the reader's own zlib / bz2 /
                    lzma chunks), no parsing
``load_edgelist``   ``imx.io.load_edgelist``: parse, CSR arrays, probabilities
``imxg_load``       ``load_binary_graph`` memory-mapped, with its validation
``imxg_load_copy``  the same, read into memory (``mmap=False``)
``imxg_map``        the mapping alone (no validation)
``imxg_checks``     the validation alone (``imx.io.binary.check_arrays``) on the
                    mapped arrays (``mmap = true``, default) or in-memory ones
==================  ==============================================================

The text file is the one the graph was read from (a registry graph: its raw
file, e.g. from ``--data-dir``) or, for a generated graph, one written by
:func:`imx.io.write_edgelist` during set-up; ``text = "plain"`` decompresses a
compressed file first.  The ``.imxg`` file is always written afresh
(``save_graph``) into a scratch folder.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from typing import Callable

from .common import Outcome

__all__ = ["ReadingAdapter", "OPERATIONS"]

OPERATIONS = ("read_edgelist", "loadtxt", "decompress", "load_edgelist", "imxg_load",
              "imxg_load_copy", "imxg_map", "imxg_checks")


def _decompress(path: str, kind: str | None) -> int:
    """Bytes of the decompressed file, read as the edge-list reader reads it."""
    from ..io.edgelist import decompressed_chunks

    if kind is None:
        return os.path.getsize(path)
    return sum(len(chunk) for chunk in decompressed_chunks(path, kind))


def _write_plain(path: str, kind: str, out: str) -> None:
    from ..io.edgelist import decompressed_chunks

    with open(out, "wb") as dst:
        for chunk in decompressed_chunks(path, kind):
            dst.write(chunk)


def _checks(imxg: str, mmap: bool) -> Callable:
    """The validation of ``load_binary_graph`` alone, on arrays mapped or read once."""
    import json

    from ..io.binary import check_arrays
    from ..io.npz import load_npz_members, meta_bytes

    arrays = load_npz_members(imxg, mmap)
    meta = json.loads(meta_bytes(arrays["meta"]).decode())
    return lambda: check_arrays(arrays, int(meta["n"]), meta, imxg)


class ReadingAdapter:
    name = "io"

    def modules(self, params: dict) -> None:
        from .. import io  # noqa: F401
        from ..io import binary  # noqa: F401

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        from ..io import write_edgelist
        from ..io.binary import save_graph
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

        from ..io import load_edgelist, read_edgelist
        from ..io.binary import load_binary_graph
        from ..io.npz import load_npz_members

        if op == "imxg_checks":
            return _checks(imxg, bool(params.get("mmap", True)))
        return {
            "read_edgelist": lambda: read_edgelist(text),
            "loadtxt": lambda: np.loadtxt(text, dtype=params.get("dtype", "int64")),
            "decompress": lambda: _decompress(text, kind),
            "load_edgelist": lambda: load_edgelist(text),
            "imxg_load": lambda: load_binary_graph(imxg),
            "imxg_load_copy": lambda: load_binary_graph(imxg, mmap=False),
            "imxg_map": lambda: load_npz_members(imxg, True),
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
