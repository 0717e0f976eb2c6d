"""RR sets that stop at a sentinel set (HIST, Guo et al. SIGMOD 2020).

A *stopped* RR set is drawn like a full one (same stream ``stream_start(seed,
j)``, same root, same live arcs in the same order, :func:`imx.sampling.rr.draw_rr_set`)
but the draw ends at the first node of a marked set ``stop_at``.  Whether set
``j`` meets ``stop_at`` is therefore decided exactly as for the full set
``j``, at a fraction of the cost when the marked nodes are influential: on
high-influence graphs a full IC RR set holds a large part of the graph, while
one that stops at ten good sentinels holds a handful of nodes.

Two uses:

* **storing** (:class:`StoppedSets`, :func:`append_stopped_sets`): the sets
  that meet the sentinels are only *counted* (any seed set containing the
  sentinels covers them); the others are complete RR sets (they met no
  sentinel, so nothing was cut) and are stored in an
  :class:`~imx.sampling.RRCollection`.  For every seed set ``S`` that contains
  the sentinels, ``hits + coverage of S in the stored sets`` equals the
  coverage of ``S`` in the full sets, so greedy completion and the OPIM
  bounds work unchanged on the stored part.
* **counting** (:func:`count_stopped_hits`): how many of sets
  ``start .. start+count-1`` meet a marked set, nothing stored (the
  validation sets of a fixed seed set).

Both go through one kernel, :func:`stopped_block`, on blocks of consecutive
sets drawn by worker threads with the GIL released; what a set contains
depends on ``(seed, j)`` only, never on the thread or the block, so results
are identical for any thread count.

LT: an LT RR set is one reverse random walk; stopping at a sentinel cuts the
walk, which shortens it only when walks are long (graphs whose in-weights sum
to nearly 1 and that have long cycles-free paths); the same code applies.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from numba import njit

from .._borrow import borrow
from ..errors import ParameterError
from .._pool import parallel_for, resolve_threads
from .collection import RRCollection
from .memory import check_budget, resolve_budget
from .plan import MODELS, get_plan, model_code
from .rr import _clear, draw_rr_set
from .sampler import _Workers, block_sets, estimate_bytes, graph_arrays

__all__ = ["StoppedSets", "append_stopped_sets", "count_stopped_hits", "stopped_block",
           "stop_mask"]

# sets per block at most (blocks are sized as the full-set sampler's)
_MAX_BLOCK_SETS = 65536


@njit(cache=True, nogil=True)
def stopped_block(model, n, info, info_f, in_sources, in_probs, alt_sources, alt_probs,
                  alt_values, seed, start, first, last, stop_at, keep, out, seen, sizes, hits):
    """Draw sets ``start + first .. start + last - 1``, each stopping at ``stop_at``.

    ``hits[j]`` = 1 if set ``j`` met ``stop_at``; ``sizes[j]`` = nodes it
    visited (the work done).  With ``keep``, the sets that met nothing are
    written one after the other into ``out`` and the end position is returned;
    without it every set reuses ``out`` from 0 and the result is 0.  Returns
    -1 if a set did not fit (the caller retries with a bigger ``out``: same
    streams, same sets).  ``seen`` (all zero) is left all zero.
    """
    # borrowed views: no reference counting per set (see imx._borrow)
    info, info_f, in_sources, in_probs = borrow(info), borrow(info_f), borrow(in_sources), \
        borrow(in_probs)
    alt_sources, alt_probs, alt_values = borrow(alt_sources), borrow(alt_probs), \
        borrow(alt_values)
    stop_at, out, seen, sizes, hits = borrow(stop_at), borrow(out), borrow(seen), \
        borrow(sizes), borrow(hits)
    pos = 0
    cap = out.shape[0]
    for j in range(first, last):
        end, hit = draw_rr_set(model, start + j, seed, n, seen, out, pos, cap, info, info_f,
                               in_sources, in_probs, alt_sources, alt_probs, alt_values,
                               stop_at)
        if end < 0:
            _clear(seen, out, pos, -end - 1)
            return -1
        _clear(seen, out, pos, end)
        sizes[j] = end - pos
        hits[j] = 1 if hit else 0
        if keep and not hit:
            pos = end
    return pos


def stop_mask(n: int, nodes) -> np.ndarray:
    """uint8[n] with 1 at ``nodes`` (internal ids); ParameterError if one is out of range."""
    ids = np.asarray(nodes, dtype=np.int64).ravel()
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise ParameterError(f"node ids must be in 0..{n - 1}")
    mask = np.zeros(n, dtype=np.uint8)
    mask[ids] = 1
    return mask


def _run_blocks(graph, model: int, seed: int, start: int, count: int, stop_at: np.ndarray,
                keep: bool, mean: float, workers: _Workers, method: str):
    """Draw sets ``start .. start+count-1`` stopping at ``stop_at``.

    Returns ``(sizes int32[count], hits uint8[count], kept blocks)``; the kept
    blocks, concatenated, are the sets that met nothing, in index order.
    """
    plan = get_plan(graph, MODELS[model], method)
    arrays = graph_arrays(graph, plan)
    n = graph.n
    block_size = block_sets(count, mean, workers.threads, _MAX_BLOCK_SETS)
    nblocks = (count + block_size - 1) // block_size
    sizes = np.zeros(count, dtype=np.int32)
    hits = np.zeros(count, dtype=np.uint8)
    kept: list = [None] * nblocks

    def body(worker: int, block: int) -> None:
        lo = block * block_size
        hi = min(count, lo + block_size)
        while True:
            out = workers.buffers[worker]
            end = stopped_block(model, n, *arrays, seed, start, lo, hi, stop_at, keep, out,
                                workers.visited[worker], sizes, hits)
            if end >= 0:
                break
            workers.buffers[worker] = np.empty(2 * out.shape[0], dtype=np.int32)
        if keep:
            kept[block] = out[:end].copy()

    parallel_for(nblocks, body, workers.threads, work=count * mean)
    return sizes, hits, kept


class StoppedSets:
    """RR sets of family ``seed`` drawn with stops at ``sentinels``.

    Attributes
    ----------
    drawn : int
        Sets drawn so far (numbers ``0 .. drawn-1`` of the family).
    hits : int
        How many of them met a sentinel (counted, not stored).
    rest : RRCollection
        The others, complete, in index order.
    visited : int
        Nodes visited by all draws (the sampling work).
    """

    def __init__(self, n: int, sentinels, *, model: str = "ic", seed: int = 0):
        model_code(model)
        self.n = int(n)
        self.model = str(model).lower()
        self.seed = int(seed)
        self.sentinels = np.asarray(sentinels, dtype=np.int32).ravel().copy()
        self.stop_at = stop_mask(self.n, self.sentinels)
        self.rest = RRCollection(self.n, model=self.model)
        self.drawn = 0
        self.hits = 0
        self.visited = 0

    def mean_visited(self) -> float:
        """Mean nodes visited per draw (0 before any draw)."""
        return self.visited / self.drawn if self.drawn else 0.0

    @property
    def nbytes(self) -> int:
        return self.rest.nbytes


def append_stopped_sets(sets: StoppedSets, graph, count: int, *, threads: int | None = None,
                        max_memory: int | None = None, method: str = "auto",
                        progress: Callable | None = None) -> None:
    """Draw ``count`` more sets into ``sets`` (numbers ``sets.drawn ...``).

    Drawn in rounds of at most a few million visited nodes; before each round
    after the first the memory of the stored part is estimated from the sets
    so far and refused past ``max_memory`` (MemoryBudgetError).
    """
    if sets.n != graph.n:
        raise ParameterError(f"sets are over n={sets.n} nodes, graph has {graph.n}")
    count = int(count)
    if count < 0:
        raise ParameterError(f"count must be non-negative, got {count}")
    if count == 0:
        return
    model = model_code(sets.model)
    budget = resolve_budget(max_memory)
    workers = _Workers(graph.n, resolve_threads(threads))
    done = 0
    while done < count:
        if sets.drawn >= 32:
            mean = max(sets.mean_visited(), 1.0)
            kept_share = sets.rest.count / sets.drawn
            stored_mean = sets.rest.mean_size() if sets.rest.count else 1.0
            need = sets.rest.nbytes + estimate_bytes(int(kept_share * (count - done)) + 1,
                                                     stored_mean)
            check_budget(need, budget, f"{sets.drawn + count - done:,} sentinel-stopped RR "
                         f"sets ({kept_share:.1%} stored, mean size {stored_mean:,.1f})")
            r = int(min(count - done, max(256, (1 << 24) // mean)))
        else:
            mean = 64.0
            r = min(count - done, 256)
        sizes, hits, kept = _run_blocks(graph, model, sets.seed, sets.drawn, r, sets.stop_at,
                                        True, mean, workers, method)
        sets.rest.append_sets(kept, sizes[hits == 0])
        sets.drawn += r
        sets.hits += int(hits.sum(dtype=np.int64))
        sets.visited += int(sizes.sum(dtype=np.int64))
        done += r
        if progress is not None:
            progress(done, count, "stopped RR sets")


def count_stopped_hits(graph, stop_at: np.ndarray, count: int, *, model: str = "ic",
                       seed: int = 0, start: int = 0, threads: int | None = None,
                       method: str = "auto") -> tuple[int, int]:
    """How many of RR sets ``start .. start+count-1`` of family ``seed`` meet ``stop_at``.

    Returns ``(hits, visited)``: the count, and the nodes the stopped draws
    visited.  Nothing is stored.

    Examples
    --------
    >>> import imx
    >>> g = imx.Graph.from_arrays([0, 1], [1, 2], probs="uniform:1")
    >>> count_stopped_hits(g, stop_mask(3, [0]), 30, seed=4)[0]  # every set reaches node 0
    30
    """
    code = model_code(model)
    count = int(count)
    if count < 0 or int(start) < 0 or int(seed) < 0:
        raise ParameterError("count, start and seed must be non-negative")
    if stop_at.shape != (graph.n,):
        raise ParameterError(f"stop_at needs {graph.n} flags")
    workers = _Workers(graph.n, resolve_threads(threads))
    hits = visited = 0
    done = 0
    mean = 64.0
    while done < count:
        r = int(min(count - done, max(256, (1 << 24) // max(mean, 1.0))))
        sizes, met, _ = _run_blocks(graph, code, int(seed), int(start) + done, r,
                                    np.ascontiguousarray(stop_at, dtype=np.uint8), False,
                                    mean, workers, method)
        hits += int(met.sum(dtype=np.int64))
        visited += int(sizes.sum(dtype=np.int64))
        done += r
        mean = visited / done
    return hits, visited
