"""Exact expected spread on tiny graphs, by enumerating every live-edge world.

IC: each arc is live independently with its probability, so there are 2**m
worlds.  LT: each node keeps at most one in-arc, arc (u, v) with weight
w(u, v) and none with 1 - sum of weights (Kempe, Kleinberg, Tardos 2003), so
there are prod(indeg + 1) <= 2**m worlds.  The spread is the probability-
weighted number of nodes reachable from the seeds over live arcs.  Used by the
tests as ground truth.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
from numba import njit

from ..errors import ParameterError
from .plan import model_code

if TYPE_CHECKING:
    from ..graph.core import Graph

__all__ = ["exact_spread", "MAX_WORLDS"]

#: Largest number of worlds enumerated (m <= 20 arcs always qualifies; a bit more is allowed).
MAX_WORLDS = 1 << 22


@njit(cache=True, nogil=True)
def _reach(n, out_offsets, out_targets, live, seeds, active, queue):
    for v in range(n):
        active[v] = 0
    pos = 0
    for s in seeds:
        if not active[s]:
            active[s] = 1
            queue[pos] = s
            pos += 1
    head = 0
    while head < pos:
        u = queue[head]
        head += 1
        for a in range(out_offsets[u], out_offsets[u + 1]):
            if live[a]:
                v = out_targets[a]
                if not active[v]:
                    active[v] = 1
                    queue[pos] = v
                    pos += 1
    return pos


@njit(cache=True, nogil=True)
def _exact_ic(n, out_offsets, out_targets, out_probs, seeds):
    m = out_targets.shape[0]
    live = np.zeros(m, dtype=np.uint8)
    active = np.zeros(n, dtype=np.uint8)
    queue = np.empty(n, dtype=np.int64)
    total = 0.0
    for world in range(1 << m):
        prob = 1.0
        for a in range(m):
            p = np.float64(out_probs[a])
            if (world >> a) & 1:
                live[a] = 1
                prob *= p
            else:
                live[a] = 0
                prob *= 1.0 - p
        if prob == 0.0:
            continue
        total += prob * _reach(n, out_offsets, out_targets, live, seeds, active, queue)
    return total


@njit(cache=True, nogil=True)
def _exact_lt(n, out_offsets, out_targets, in_offsets, in_sources, in_probs, seeds):
    m = out_targets.shape[0]
    # arc ids: out-CSR position of each in-CSR arc, found by its (tail, head)
    in_to_out = np.empty(m, dtype=np.int64)
    for v in range(n):
        for i in range(in_offsets[v], in_offsets[v + 1]):
            u = in_sources[i]
            for a in range(out_offsets[u], out_offsets[u + 1]):
                if out_targets[a] == v:
                    in_to_out[i] = a
    choice = np.zeros(n, dtype=np.int64)  # 0: none, c: in-arc in_offsets[v] + c - 1
    live = np.zeros(m, dtype=np.uint8)
    active = np.zeros(n, dtype=np.uint8)
    queue = np.empty(n, dtype=np.int64)
    total = 0.0
    while True:
        prob = 1.0
        for a in range(m):
            live[a] = 0
        for v in range(n):
            lo = in_offsets[v]
            hi = in_offsets[v + 1]
            c = choice[v]
            if c == 0:
                rest = 1.0
                for i in range(lo, hi):
                    rest -= np.float64(in_probs[i])
                prob *= max(rest, 0.0)
            else:
                prob *= np.float64(in_probs[lo + c - 1])
                live[in_to_out[lo + c - 1]] = 1
        if prob > 0.0:
            total += prob * _reach(n, out_offsets, out_targets, live, seeds, active, queue)
        # next world: mixed-radix increment, digit v has indeg(v) + 1 values
        v = 0
        while v < n:
            choice[v] += 1
            if choice[v] <= in_offsets[v + 1] - in_offsets[v]:
                break
            choice[v] = 0
            v += 1
        if v == n:
            break
    return total


def exact_spread(graph: Graph, seeds: Iterable[Any], model: str = "ic", *,
                 labels: bool = True) -> float:
    """Expected number of nodes activated by ``seeds`` exactly.

    ``seeds`` are labels, or internal ids with ``labels=False``.

    Enumerates all live-edge worlds: for graphs with at most 20 arcs (up to
    2**22 worlds are accepted).

    Raises
    ------
    ParameterError
        If the graph has too many worlds.
    InputError
        A seed not in the graph.

    Examples
    --------
    >>> import imx
    >>> g = imx.Graph.from_arrays([0, 1], [1, 2], probs="uniform:0.5")
    >>> imx.exact_spread(g, [0])
    1.75
    """
    code = model_code(model)
    ids = np.unique(graph.node_ids(seeds, labels=labels, what="seed")).astype(np.int64)
    if ids.size == 0:
        return 0.0
    out_offsets = np.asarray(graph.out_offsets)
    out_targets = np.asarray(graph.out_targets)
    if code == 0:
        worlds = 2 ** graph.m
    else:
        graph.check_lt()
        worlds = int(np.prod(graph.in_degree.astype(object) + 1)) if graph.n else 1
    if worlds > MAX_WORLDS:
        raise ParameterError(f"exact_spread enumerates {worlds:,} live-edge worlds here; it is "
                             f"meant for tiny graphs (at most {MAX_WORLDS:,} worlds, m <= 20)")
    if code == 0:
        return float(_exact_ic(graph.n, out_offsets, out_targets, np.asarray(graph.out_probs),
                               ids))
    return float(_exact_lt(graph.n, out_offsets, out_targets, np.asarray(graph.in_offsets),
                           np.asarray(graph.in_sources), np.asarray(graph.in_probs), ids))
