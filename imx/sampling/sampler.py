"""Drawing batches of RR sets into an :class:`~imx.sampling.RRCollection`.

A batch is drawn in rounds of blocks of consecutive sets.  Worker threads take
blocks one at a time (:func:`imx._pool.parallel_for`), draw each into
their own scratch buffer with the ``nogil`` kernel, and keep a copy; the
blocks are then written to the collection in index order.  Before the bulk of
a batch, the memory it needs is estimated from a pilot (the batch's first
sets, which are kept) or from the sets already in the collection, and refused
past the budget.

This module only needs the collection's public growth methods
(``reserve``/``append_sets``), so the collection can build on it
(:meth:`RRCollection.grow`, :func:`imx.sampling.sample_rr_sets`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import _validate
from ..errors import ParameterError
from .._pool import PARALLEL_MIN_WORK, parallel_for, resolve_threads
from .memory import check_budget, resolve_budget
from .plan import MODELS, get_plan, model_code
from .rr import draw_block

__all__ = ["append_rr_sets", "derive_seed", "estimate_bytes", "graph_arrays", "block_sets"]

_PILOT_SETS = 256
_ROUND_MIN_ENTRIES = 1 << 20
_ROUND_MAX_ENTRIES = 1 << 24
# entries per block: big enough that the Python call around a block is noise
_BLOCK_ENTRIES = 16384
_MIN_BLOCK_ENTRIES = 2048
_MASK64 = (1 << 64) - 1
_NO_STOP = np.zeros(0, dtype=np.uint8)
_NO_STOP.setflags(write=False)


def derive_seed(seed: int, role: int) -> int:
    """A stream family for ``role`` (1, 2, ...) of a run with ``seed``: SplitMix64
    of the pair, so that families of different roles never coincide."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + int(role) * 0xD1B54A32D192ED03
         + 0x632BE59BD9B4E019) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return (z ^ (z >> 31)) & ((1 << 63) - 1)


def estimate_bytes(count: int, mean_size: float) -> float:
    """Bytes that ``count`` stored RR sets of mean size ``mean_size`` take (nodes + offsets)."""
    return count * (8.0 + 4.0 * max(mean_size, 1.0))


def graph_arrays(graph, plan) -> tuple:
    """The arrays the RR kernels of :mod:`imx.sampling.rr` take after ``model, n``."""
    # per-node probabilities live in the plan: a graph with head_probs gives an empty array
    return (plan.info, plan.info_float, np.asarray(graph.in_sources),
            graph.kernel_probs("in")[0], plan.alt_sources, plan.alt_probs, plan.alt_values)


def block_sets(count: int, mean: float, threads: int, max_sets: int = 8192) -> int:
    """Sets per block of a sampling round of ``count`` sets of about ``mean`` nodes.

    Blocks of about ``_BLOCK_ENTRIES`` entries, smaller when that leaves fewer
    than 8 per thread (sizes vary wildly: balance needs many blocks), but not
    below ``_MIN_BLOCK_ENTRIES``, where the call around a block would show.  A
    round one thread does alone (one thread, or too little work to hand out)
    needs no balance: full-size blocks, since each kernel call costs ~10 us
    (a 544-set round on ca-GrQc took 9 calls, 0.18 ms; 2 calls now).
    """
    if _serial(count, mean, threads):
        per_block = float(_BLOCK_ENTRIES)
    else:
        per_block = min(_BLOCK_ENTRIES, max(_MIN_BLOCK_ENTRIES, count * mean / (8 * threads)))
    return int(min(max_sets, max(1, per_block // max(mean, 1.0))))


class _Workers:
    """Per-thread scratch of one sampling call: visited flags and output buffers
    (made on first use: a round one thread draws alone writes straight into the
    collection)."""

    _BUFFER = 1 << 16

    def __init__(self, n: int, threads: int):
        self.threads = threads
        self.visited = np.zeros((threads, n), dtype=np.uint8)  # kernels leave it all zero
        self._buffers: list | None = None

    @property
    def buffers(self) -> list:
        if self._buffers is None:
            self._buffers = [np.empty(self._BUFFER, dtype=np.int32) for _ in range(self.threads)]
        return self._buffers

    @property
    def nbytes(self) -> int:
        return int(self.visited.nbytes + 4 * self._BUFFER * self.threads)


def _serial(count: int, mean: float, threads: int) -> bool:
    """Whether one thread draws a round of ``count`` sets alone (see :func:`block_sets`)."""
    return threads == 1 or count * mean < PARALLEL_MIN_WORK


def _draw_round(collection, arrays, model: int, seed: int, first: int, count: int, mean: float,
                workers: _Workers) -> None:
    n = collection.n
    if _serial(count, mean, workers.threads):
        # one kernel call writing into the collection's spare room: no block
        # buffers, copies or hand-out (the fixed cost of a small round)
        seen = workers.visited[0]
        collection.write_sets(count, int(1.1 * count * mean) + 64, lambda out, sizes: draw_block(
            model, n, *arrays, seed, first, 0, count, out, seen, sizes, _NO_STOP))
        return
    block_size = block_sets(count, mean, workers.threads)
    nblocks = (count + block_size - 1) // block_size
    sizes = np.zeros(count, dtype=np.int32)
    blocks: list = [None] * nblocks

    def body(worker: int, block: int) -> None:
        lo = block * block_size
        hi = min(count, lo + block_size)
        while True:
            out = workers.buffers[worker]
            end = draw_block(model, n, *arrays, seed, first, lo, hi, out,
                             workers.visited[worker], sizes, _NO_STOP)
            if end >= 0:
                break
            # did not fit: same sets again with twice the room
            workers.buffers[worker] = np.empty(2 * out.shape[0], dtype=np.int32)
        blocks[block] = out[:end].copy()

    parallel_for(nblocks, body, workers.threads, work=count * mean)
    collection.append_sets(blocks, sizes)


def append_rr_sets(collection, graph, count: int, *, threads: int | None = None,
                   max_memory: int | None = None, method: str = "auto",
                   progress: Callable | None = None) -> None:
    """Draw ``count`` more RR sets into ``collection`` (an
    :class:`~imx.sampling.RRCollection`), continuing its numbering.

    The new sets are numbers ``collection.start + collection.count ...`` of
    family ``collection.seed`` under ``collection.model``.  ``max_memory``
    bounds the bytes the whole collection may hold afterwards (default: 80% of
    the memory available now); MemoryBudgetError if the estimate exceeds it.
    """
    if collection.n != graph.n:
        raise ParameterError(f"collection is over n={collection.n} nodes, graph has {graph.n}")
    if collection.seed is None or collection.model is None:
        raise ParameterError("append_rr_sets needs a collection made by the samplers "
                             "(model and seed known)")
    count = _validate.count(count, "count")
    if count == 0 or graph.n == 0:
        if count and graph.n == 0:
            raise ParameterError("cannot sample RR sets of an empty graph")
        return
    model = model_code(collection.model)
    plan = get_plan(graph, MODELS[model], method)
    arrays = graph_arrays(graph, plan)
    budget = resolve_budget(max_memory)
    seed = int(collection.seed)
    done = 0
    checked = False
    workers = _Workers(graph.n, resolve_threads(threads))
    while done < count:
        have = collection.count
        if have >= 32:
            mean = collection.mean_size()
            if not checked:
                held = estimate_bytes(have, mean)
                need = held + estimate_bytes(count - done, mean)
                transient = min(4.0 * _ROUND_MAX_ENTRIES, 4.0 * count * mean) + workers.nbytes
                check_budget(need + transient, budget, lambda: f"{have + count - done:,} RR "
                             f"sets (mean size {mean:,.1f} nodes)")
                collection.reserve(count - done, int(1.05 * (count - done) * mean))
                checked = True
            entries = min(_ROUND_MAX_ENTRIES, max(_ROUND_MIN_ENTRIES, (count - done) * mean / 4))
            r = int(min(count - done, max(1, entries // max(mean, 1.0))))
        else:
            mean = 64.0
            r = min(count - done, _PILOT_SETS)
        _draw_round(collection, arrays, model, seed, collection.start + collection.count, r,
                    mean, workers)
        done += r
        if progress is not None:
            progress(done, count, "RR sets")
