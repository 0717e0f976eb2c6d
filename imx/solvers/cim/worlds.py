"""Monte-Carlo spread on a fixed sample of live-edge worlds.

World ``r`` under seed ``s`` decides every arc once: under IC, arc ``e`` is live
iff a hash of (stream ``(s, r)``, ``e``) falls below its probability; under LT,
each node keeps at most one in-arc, chosen with probability equal to its
weight from a hash of (stream ``(s, r)``, node).  Because the worlds are fixed,
the sample-average spread is itself monotone and submodular, so CELF's lazy
evaluation is exact for it and the greedy algorithms keep their 1/2 guarantee
on the sample; different calls agree on the same world whatever the order of
evaluation or the thread count.
"""
from __future__ import annotations

import numpy as np
import numba
from numba import njit, prange, uint64

from ..._rng import mix64, stream_start
from ...errors import MemoryBudgetError, ParameterError
from ...graph.core import Graph

__all__ = ["LiveEdgeWorlds"]

_INV_2_53 = 1.0 / 9007199254740992.0
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
MODEL_IC = 0
MODEL_LT = 1


@njit(inline="always", cache=True)
def _uniform(base, counter):
    return float(mix64(base + uint64(counter + 1) * uint64(0x9E3779B97F4A7C15)) >> uint64(11)) \
        * _INV_2_53


@njit(cache=True, nogil=True)
def _lt_parent(y, base, m, in_offsets, in_sources, in_probs):
    """The in-neighbour whose arc node ``y`` keeps in this LT world (-1 for none)."""
    u = _uniform(base, m + y)
    acc = 0.0
    for e in range(in_offsets[y], in_offsets[y + 1]):
        acc += in_probs[e]
        if u < acc:
            return in_sources[e]
    return -1


@njit(cache=True, nogil=True)
def _reach(starts, num_starts, base, model, blocked, stamp, mark, queue, out_offsets, out_targets,
           out_probs, in_offsets, in_sources, in_probs):
    """Nodes reachable from ``starts`` in one world avoiding ``blocked``; returns how many.

    Visited nodes get ``stamp[v] = mark`` and are listed in ``queue[:count]``.
    """
    m = out_targets.shape[0]
    head = 0
    tail = 0
    for i in range(num_starts):
        v = starts[i]
        if blocked[v] or stamp[v] == mark:
            continue
        stamp[v] = mark
        queue[tail] = v
        tail += 1
    while head < tail:
        x = queue[head]
        head += 1
        for e in range(out_offsets[x], out_offsets[x + 1]):
            y = out_targets[e]
            if blocked[y] or stamp[y] == mark:
                continue
            if model == MODEL_IC:
                live = _uniform(base, e) < out_probs[e]
            else:
                live = _lt_parent(y, base, m, in_offsets, in_sources, in_probs) == x
            if live:
                stamp[y] = mark
                queue[tail] = y
                tail += 1
    return tail


@njit(cache=True, nogil=True, parallel=True)
def _gain_kernel(v, active, seed, model, blocks, out_offsets, out_targets, out_probs, in_offsets,
                 in_sources, in_probs):
    runs, n = active.shape
    blocks = max(1, min(runs, blocks))
    sums = np.zeros(blocks, dtype=np.int64)
    for b in prange(blocks):
        stamp = np.zeros(n, dtype=np.int64)
        queue = np.empty(n, dtype=np.int32)
        starts = np.full(1, v, dtype=np.int32)
        lo = b * runs // blocks
        hi = (b + 1) * runs // blocks
        acc = 0
        for r in range(lo, hi):
            base = stream_start(seed, r)
            acc += _reach(starts, 1, base, model, active[r], stamp, r + 1, queue, out_offsets,
                          out_targets, out_probs, in_offsets, in_sources, in_probs)
        sums[b] = acc
    return sums.sum()


@njit(cache=True, nogil=True, parallel=True)
def _add_kernel(seeds, active, seed, model, blocks, out_offsets, out_targets, out_probs, in_offsets,
                in_sources, in_probs):
    runs, n = active.shape
    blocks = max(1, min(runs, blocks))
    sums = np.zeros(blocks, dtype=np.int64)
    for b in prange(blocks):
        stamp = np.zeros(n, dtype=np.int64)
        queue = np.empty(n, dtype=np.int32)
        lo = b * runs // blocks
        hi = (b + 1) * runs // blocks
        acc = 0
        for r in range(lo, hi):
            base = stream_start(seed, r)
            row = active[r]
            got = _reach(seeds, seeds.shape[0], base, model, row, stamp, r + 1, queue,
                         out_offsets, out_targets, out_probs, in_offsets, in_sources, in_probs)
            for i in range(got):
                row[queue[i]] = True
            acc += got
        sums[b] = acc
    return sums.sum()


def _model_code(model: str) -> int:
    if model == "ic":
        return MODEL_IC
    if model == "lt":
        return MODEL_LT
    raise ParameterError(f"model must be 'ic' or 'lt', got {model!r}")


def _arrays(graph: Graph):
    return (np.asarray(graph.out_offsets), np.asarray(graph.out_targets),
            np.asarray(graph.out_probs, dtype=np.float64), np.asarray(graph.in_offsets),
            np.asarray(graph.in_sources), np.asarray(graph.in_probs, dtype=np.float64))


class LiveEdgeWorlds:
    """``runs`` fixed worlds of a graph and the nodes a growing seed set reaches in each.

    ``gain(v)`` is the mean number of new nodes ``v`` would reach, ``add(v)``
    makes ``v`` a seed; ``spread`` is the mean reach of the seeds so far.
    Memory: one byte per (world, node), checked against ``max_memory``.
    """

    def __init__(self, graph: Graph, runs: int, *, model: str = "ic", seed: int = 0,
                 max_memory: int | None = None):
        if runs < 1:
            raise ParameterError(f"Monte-Carlo runs must be >= 1, got {runs}")
        need = int(runs) * graph.n
        if max_memory is not None and need > max_memory:
            raise MemoryBudgetError(
                f"Monte-Carlo greedy with {runs} worlds of {graph.n} nodes needs {need:,} bytes, "
                f"over the budget of {max_memory:,}; use fewer runs or an RR solver")
        self.graph = graph
        self.runs = int(runs)
        self.model = _model_code(model)
        self.seed = int(seed)
        self.active = np.zeros((self.runs, graph.n), dtype=np.bool_)
        self._arrays = _arrays(graph)
        self._total = 0

    def gain(self, v: int) -> float:
        total = _gain_kernel(np.int32(v), self.active, self.seed, self.model,
                             4 * numba.get_num_threads(), *self._arrays)
        return total / self.runs

    def add(self, v: int) -> float:
        """Make ``v`` a seed; return its realised mean gain."""
        got = _add_kernel(np.array([v], dtype=np.int32), self.active, self.seed, self.model,
                          4 * numba.get_num_threads(), *self._arrays)
        self._total += int(got)
        return got / self.runs

    @property
    def spread(self) -> float:
        return self._total / self.runs
