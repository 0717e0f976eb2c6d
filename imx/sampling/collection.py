"""RRCollection: RR sets as one flat int32 array of node ids plus int64 offsets,
:func:`sample_rr_sets`, which draws a new one, and :class:`RRSets`, the few
operations the solvers' drivers need of any collection (this local one, or one
sharded over a cluster).  The drawing itself is :mod:`.sampler`'s."""
from __future__ import annotations

from typing import Callable, Iterable, Protocol, runtime_checkable

import numpy as np
from numba import njit

from .. import _validate
from ..errors import ParameterError
from .._pool import PARALLEL_MIN_WORK, parallel_for, resolve_threads
from .plan import model_code
from .sampler import append_rr_sets

__all__ = ["RRCollection", "RRSets", "sample_rr_sets", "build_node_index",
           "fill_node_index"]

_GROWTH = 1.25


# Nodes per bucket of the index build: one bucket's counters and its slice of
# the index stay in the first cache levels while it is sorted.
_BUCKET_SHIFT = 12


@njit(cache=True, nogil=True)
def _bucket_histogram(nodes, offsets, first, last, shift, row):
    """row[b]: entries of sets ``first..last-1`` whose node is in bucket b = node >> shift."""
    for i in range(offsets[first], offsets[last]):
        row[nodes[i] >> shift] += 1


@njit(cache=True, nogil=True)
def _scatter_to_buckets(nodes, offsets, first, last, shift, cursor, low, idx_sets):
    """Group the entries of sets ``first..last-1`` by bucket, in set order: set ids
    go to ``idx_sets``, each node's offset inside its bucket to ``low``."""
    mask = (1 << shift) - 1
    for s in range(first, last):
        for i in range(offsets[s], offsets[s + 1]):
            v = nodes[i]
            b = v >> shift
            pos = cursor[b]
            cursor[b] = pos + 1
            low[pos] = v & mask
            idx_sets[pos] = s


@njit(cache=True, nogil=True)
def _sort_buckets(bucket_base, first, last, shift, n, low, idx_sets, idx_offsets):
    """Counting-sort the entries of buckets ``first..last-1`` by node, in place
    and stably (set ids stay ascending), and write those nodes' offsets."""
    width = 1 << shift
    counts = np.empty(width + 1, dtype=np.int64)
    for b in range(first, last):
        lo = bucket_base[b]
        hi = bucket_base[b + 1]
        start = b * width
        here = min(width, n - start)
        counts[:here + 1] = 0
        for i in range(lo, hi):
            counts[low[i] + 1] += 1
        for j in range(here):
            counts[j + 1] += counts[j]
        for j in range(here):
            idx_offsets[start + j] = lo + counts[j]
        buffer = idx_sets[lo:hi].copy()
        for i in range(hi - lo):
            j = low[lo + i]
            idx_sets[lo + counts[j]] = buffer[i]
            counts[j] += 1


@njit(cache=True, nogil=True)
def _covered_range(nodes, offsets, first, last, mask, out):
    """out[s] = 1 if set s (first <= s < last) holds a node with mask[node], else 0."""
    for s in range(first, last):
        hit = 0
        for i in range(offsets[s], offsets[s + 1]):
            if mask[nodes[i]]:
                hit = 1
                break
        out[s] = hit


@njit(cache=True, nogil=True)
def fill_node_index(nodes, offsets, n, idx_sets, idx_offsets):
    """:func:`build_node_index` for small collections, callable from other kernels: one
    counting sort (sets in order, so each node's set ids ascend; the same index).
    ``idx_sets`` holds one entry per set entry, ``idx_offsets`` n + 1."""
    count = offsets.shape[0] - 1
    idx_offsets[:] = 0
    for i in range(offsets[0], offsets[count]):
        idx_offsets[nodes[i] + 1] += 1
    for v in range(n):
        idx_offsets[v + 1] += idx_offsets[v]
    cursor = idx_offsets[:n].copy()
    for s in range(count):
        for i in range(offsets[s], offsets[s + 1]):
            v = nodes[i]
            idx_sets[cursor[v]] = s
            cursor[v] += 1


@njit(cache=True, nogil=True)
def _count_covered(nodes, offsets, first, last, mask):
    """How many sets ``first..last-1`` hold a node with ``mask[node]``."""
    hits = 0
    for s in range(first, last):
        for i in range(offsets[s], offsets[s + 1]):
            if mask[nodes[i]]:
                hits += 1
                break
    return hits


@njit(cache=True, nogil=True)
def _count_covered_by(nodes, offsets, count, n, seeds):
    """How many of the ``count`` sets hold one of ``seeds``; -1 if a seed is not in 0..n-1."""
    mask = np.zeros(n, dtype=np.uint8)
    for v in seeds:
        if v < 0 or v >= n:
            return -1
        mask[v] = 1
    return _count_covered(nodes, offsets, 0, count, mask)


@njit(cache=True, nogil=True)
def _append_offsets(offsets, count, sizes):
    """Write the offsets of ``sizes`` new sets after set ``count``; returns the new total."""
    total = offsets[count]
    for j in range(sizes.shape[0]):
        total += sizes[j]
        offsets[count + 1 + j] = total
    return total


def build_node_index(nodes: np.ndarray, offsets: np.ndarray, n: int, dtype=np.int64,
                     threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Inverted index of RR sets: ``(idx_offsets int64[n+1], idx_sets dtype[total])``.

    ``idx_sets[idx_offsets[v]:idx_offsets[v+1]]`` lists, ascending, the sets
    that contain ``v``.  Built natively in two cache-friendly passes instead of
    one scatter to random places: entries are first grouped by bucket of 4096
    consecutive nodes (sets split in one range per thread, each with its own
    cursors), then each bucket is counting-sorted in place.  Both passes keep
    set order, so the result does not depend on the thread count.  Extra
    memory: 2 bytes per entry.
    """
    count = offsets.shape[0] - 1
    total = int(offsets[-1]) if count else 0
    shift = _BUCKET_SHIFT
    # one thread does every pass of a small index: one part (the passes stay separate
    # kernels, so that a first run compiles them once for both paths)
    workers = 1 if total < PARALLEL_MIN_WORK else resolve_threads(threads)
    parts = max(1, min(workers, max(count, 1)))
    bounds = np.searchsorted(offsets, np.linspace(0, total, parts + 1)).astype(np.int64)
    bounds[0], bounds[-1] = 0, count
    bounds = np.maximum.accumulate(np.minimum(bounds, count))
    buckets = max(1, (n + (1 << shift) - 1) >> shift)
    hist = np.zeros((parts, buckets), dtype=np.int64)
    parallel_for(parts, lambda w, p: _bucket_histogram(nodes, offsets, bounds[p], bounds[p + 1],
                                                       shift, hist[p]), workers, work=total)
    starts = np.zeros(parts * buckets, dtype=np.int64)
    np.cumsum(hist.T.ravel()[:-1], out=starts[1:])  # bucket-major, then partition
    cursors = np.ascontiguousarray(starts.reshape(buckets, parts).T)
    bucket_base = np.zeros(buckets + 1, dtype=np.int64)
    np.cumsum(hist.sum(axis=0), out=bucket_base[1:])
    low = np.empty(total, dtype=np.uint16)
    idx_sets = np.empty(total, dtype=dtype)
    parallel_for(parts, lambda w, p: _scatter_to_buckets(nodes, offsets, bounds[p],
                                                         bounds[p + 1], shift, cursors[p], low,
                                                         idx_sets), workers, work=total)
    idx_offsets = np.empty(n + 1, dtype=np.int64)
    idx_offsets[n] = total
    step = max(1, buckets // (8 * workers))
    parallel_for((buckets + step - 1) // step,
                 lambda w, t: _sort_buckets(bucket_base, t * step, min(buckets, (t + 1) * step),
                                            shift, n, low, idx_sets, idx_offsets), workers,
                 work=total)
    return idx_offsets, idx_sets


@runtime_checkable
class RRSets(Protocol):
    """The interface of an RR collection behind the certified-doubling driver.

    Set ``j`` of a collection is always RR set number ``start + j`` of stream
    family ``seed`` under ``model``: its content depends on nothing else, so a
    shard is an index range and any split gives the same sets.  Nothing here
    assumes that the sets live in this process.

    The driver (:func:`imx.solvers.doubling.run_doubling`) uses ``n``,
    ``count``, ``mean_size()``, ``nbytes``, ``grow`` and ``drop_index``;
    classic IM (OPIM-C) also uses ``coverage`` and greedy max-coverage
    (:func:`imx.solvers.doubling.max_coverage`: an implementation may provide
    ``max_coverage(k, *, bounds, threads, rooted) -> GreedyCoverage`` itself,
    else the local kernels run on its node index and ``root_counts()``).  CIM, local OPIM and HeteroIM select
    and validate with their own kernels on local arrays (``nodes``,
    ``offsets``, ``node_index()``), so they need an :class:`RRCollection`.
    """

    n: int
    model: str | None
    seed: int | None
    start: int

    @property
    def count(self) -> int:
        """Number of sets."""

    @property
    def nbytes(self) -> int:
        """Bytes held, indexes included."""

    def mean_size(self) -> float:
        """Mean number of nodes per set (0 when empty)."""

    def grow(self, graph, count: int, *, threads: int | None = None,
             max_memory: int | None = None, method: str = "auto") -> None:
        """Draw ``count`` more sets of ``graph``, continuing the numbering."""

    def coverage(self, seeds: Iterable[int], threads: int | None = None) -> int:
        """Number of sets holding at least one of ``seeds``."""

    def drop_index(self) -> None:
        """Free any cached index (rebuilt on demand)."""

    def root_counts(self) -> np.ndarray:
        """int64[n]: how many sets are rooted at each node."""


class RRCollection:
    """A growing collection of RR sets over a graph of ``n`` nodes.

    Attributes
    ----------
    n : int
        Nodes of the sampled graph.
    nodes : numpy.ndarray
        int32, every set concatenated, root first in each set (read-only view).
    offsets : numpy.ndarray
        int64, ``count + 1`` entries; set ``j`` is ``nodes[offsets[j]:offsets[j+1]]``.
    model, seed, start :
        How the sets were drawn (``None`` when unknown): set ``j`` is RR set
        number ``start + j`` of stream family ``seed``.

    Storage grows by appending batches (:meth:`extend`, :meth:`append_sets`,
    :meth:`grow`);
    buffers keep a little spare capacity so repeated appends copy rarely.
    Views taken from ``nodes``/``offsets`` stay valid (they keep their buffer)
    but do not see later appends.
    """

    def __init__(self, n: int, nodes: np.ndarray | None = None,
                 offsets: np.ndarray | None = None, *, model: str | None = None,
                 seed: int | None = None, start: int = 0):
        if n < 0:
            raise ParameterError(f"n must be non-negative, got {n}")
        self.n = int(n)
        self.model = model
        # every RR family is keyed here: a seed past int64 would wrap or fail in the kernels
        self.seed = None if seed is None else _validate.seed(seed)
        self.start = int(start)
        if nodes is None:
            nodes = np.zeros(0, dtype=np.int32)
            offsets = np.zeros(1, dtype=np.int64)
        else:
            nodes = np.ascontiguousarray(nodes, dtype=np.int32)
            offsets = np.ascontiguousarray(offsets, dtype=np.int64)
            if offsets.ndim != 1 or offsets.shape[0] < 1 or offsets[0] != 0 \
                    or offsets[-1] != nodes.shape[0] or np.any(np.diff(offsets) < 0):
                raise ParameterError("offsets must start at 0, not decrease, and end at "
                                     "len(nodes)")
            if nodes.size and (nodes.min() < 0 or nodes.max() >= n):
                raise ParameterError(f"RR set node ids must be in 0..{n - 1}")
        self._nodes = nodes.copy() if nodes.base is not None else nodes
        self._offsets = offsets.copy() if offsets.base is not None else offsets
        self._total = int(offsets[-1])
        self._count = int(offsets.shape[0] - 1)
        self._index: tuple[np.ndarray, np.ndarray] | None = None
        self._index32: tuple[np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------ contents
    @property
    def nodes(self) -> np.ndarray:
        view = self._nodes[:self._total]
        view.flags.writeable = False
        return view

    @property
    def offsets(self) -> np.ndarray:
        view = self._offsets[:self._count + 1]
        view.flags.writeable = False
        return view

    @property
    def count(self) -> int:
        """Number of RR sets."""
        return self._count

    def __len__(self) -> int:
        return self._count

    @property
    def total_size(self) -> int:
        """Sum of the set sizes."""
        return self._total

    def sizes(self) -> np.ndarray:
        """Size of every set (int64)."""
        return np.diff(self.offsets)

    def mean_size(self) -> float:
        return self._total / self._count if self._count else 0.0

    def __getitem__(self, j: int) -> np.ndarray:
        if not -self._count <= j < self._count:
            raise IndexError(j)
        j %= max(self._count, 1)
        return self.nodes[self._offsets[j]:self._offsets[j + 1]]

    @property
    def nbytes(self) -> int:
        """Bytes held: set storage plus any cached index."""
        total = int(self._nodes.nbytes + self._offsets.nbytes)
        for index in (self._index, self._index32):
            if index is not None:
                total += int(index[0].nbytes + index[1].nbytes)
        return total

    def __repr__(self) -> str:
        return (f"<RRCollection n={self.n} count={self._count} total_size={self._total} "
                f"model={self.model} seed={self.seed} start={self.start}>")

    # ------------------------------------------------------------ growth
    def reserve(self, extra_sets: int, extra_nodes: int) -> None:
        """Make room for ``extra_sets`` more sets of ``extra_nodes`` entries in all
        (spare capacity, so that appends that follow copy nothing)."""
        need_sets = self._count + 1 + extra_sets
        if need_sets > self._offsets.shape[0]:
            cap = max(need_sets, int(self._offsets.shape[0] * _GROWTH))
            grown = np.empty(cap, dtype=np.int64)
            grown[:self._count + 1] = self._offsets[:self._count + 1]
            self._offsets = grown
        need_nodes = self._total + extra_nodes
        if need_nodes > self._nodes.shape[0]:
            cap = max(need_nodes, int(self._nodes.shape[0] * _GROWTH))
            grown = np.empty(cap, dtype=np.int32)
            grown[:self._total] = self._nodes[:self._total]
            self._nodes = grown

    def _append_sizes(self, sizes: np.ndarray) -> None:
        """Record ``sizes`` new sets whose nodes were written after the current end."""
        k = sizes.shape[0]
        self.reserve(k, 0)
        self._total = int(_append_offsets(self._offsets, self._count, sizes))
        self._count += k
        self._invalidate()

    def _invalidate(self) -> None:
        self._index = None
        self._index32 = None

    def append_sets(self, blocks: list[np.ndarray], sizes: np.ndarray) -> None:
        """Append ``len(sizes)`` sets whose entries are ``blocks`` concatenated.

        The caller vouches for the contents (node ids in ``0..n-1``, ``sizes``
        summing to the blocks' length): this is the samplers' bulk path.
        """
        total = int(sizes.sum(dtype=np.int64))
        self.reserve(sizes.shape[0], total)
        if total:
            np.concatenate(blocks, out=self._nodes[self._total:self._total + total])
        self._append_sizes(sizes)

    def write_sets(self, count: int, entries: int,
                   fill: Callable[[np.ndarray, np.ndarray], int]) -> None:
        """Append ``count`` sets that ``fill(out, sizes)`` writes in place.

        ``fill`` writes the sets' nodes to the start of ``out`` (this
        collection's spare room, at least ``entries`` long) and their sizes to
        ``sizes``, and returns the entries written, or -1 if they did not fit
        (it is called again with twice the room).  The caller vouches for the
        contents, as for :meth:`append_sets`.
        """
        room = max(int(entries), 1)
        sizes = np.zeros(count, dtype=np.int32)
        while True:
            self.reserve(count, room)
            written = fill(self._nodes[self._total:], sizes)
            if written >= 0:
                break
            room = 2 * max(room, self._nodes.shape[0] - self._total)
        self._append_sizes(sizes)

    def extend(self, other: "RRCollection") -> None:
        """Append the sets of ``other`` (same ``n``) after the current ones."""
        if other.n != self.n:
            raise ParameterError(f"cannot extend a collection over n={self.n} with one over "
                                 f"n={other.n}")
        self.append_sets([other.nodes.copy() if other is self else other.nodes], other.sizes())

    def grow(self, graph, count: int, *, threads: int | None = None,
             max_memory: int | None = None, method: str = "auto") -> None:
        """Draw ``count`` more RR sets of ``graph`` into this collection
        (:func:`imx.sampling.append_rr_sets`; :class:`RRSets`)."""
        append_rr_sets(self, graph, count, threads=threads, max_memory=max_memory,
                       method=method)

    # ------------------------------------------------------------ queries
    def node_index(self) -> tuple[np.ndarray, np.ndarray]:
        """``(idx_offsets int64[n+1], idx_sets int64[total_size])``: the sets holding
        each node, ascending.  Built natively on first call and cached until the
        collection grows."""
        if self._index is None:
            if self._count < 2**31:
                offsets, sets = self.node_index32()
                self._index = (offsets, sets.astype(np.int64))
            else:
                self._index = build_node_index(self.nodes, self.offsets, self.n, np.int64)
        return self._index

    def node_index32(self, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`node_index` with int32 set ids (half the memory; what the
        greedy kernels use), built with ``threads`` threads (default: all
        cores; the index is the same).  Needs fewer than 2**31 sets."""
        if self._index32 is None:
            if self._count >= 2**31:
                raise ParameterError("node_index32 needs fewer than 2**31 RR sets")
            self._index32 = build_node_index(self.nodes, self.offsets, self.n, np.int32,
                                             threads=threads)
        return self._index32

    def drop_index(self) -> None:
        """Free the cached inverted index (it is rebuilt on demand)."""
        self._invalidate()

    def root_counts(self) -> np.ndarray:
        """int64[n]: how many sets are rooted at each node (a set's first node)."""
        offsets = self.offsets
        starts = offsets[:-1][offsets[1:] > offsets[:-1]]
        return np.bincount(self.nodes[starts], minlength=self.n).astype(np.int64)

    def _seed_mask(self, seeds: Iterable[int]) -> np.ndarray:
        ids = np.asarray(list(seeds) if not isinstance(seeds, np.ndarray) else seeds,
                         dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self.n):
            raise ParameterError(f"seed ids must be in 0..{self.n - 1}")
        mask = np.zeros(self.n, dtype=np.uint8)
        mask[ids] = 1
        return mask

    def covered(self, seeds: Iterable[int], first: int = 0, last: int | None = None,
                threads: int | None = None) -> np.ndarray:
        """uint8 flag per set in ``first..last-1``: does it contain a seed?"""
        last = self._count if last is None else last
        if not 0 <= first <= last <= self._count:
            raise ParameterError(f"set range {first}..{last} is outside 0..{self._count}")
        mask = self._seed_mask(seeds)
        out = np.zeros(self._count, dtype=np.uint8)
        total = int(self._offsets[last] - self._offsets[first])
        workers = resolve_threads(threads) if total >= (1 << 20) else 1
        step = max(1, -(-(last - first) // (8 * workers)))
        nodes, offsets = self._nodes, self._offsets
        parallel_for(-(-(last - first) // step),
                     lambda w, t: _covered_range(nodes, offsets, first + t * step,
                                                 min(last, first + (t + 1) * step), mask, out),
                     workers)
        return out[first:last]

    def coverage(self, seeds: Iterable[int], threads: int | None = None) -> int:
        """Number of sets that contain at least one of ``seeds`` (internal ids)."""
        if self._total < PARALLEL_MIN_WORK:  # one thread's work: count in one call
            if isinstance(seeds, np.ndarray) and seeds.ndim == 1 and seeds.dtype.kind in "iu":
                hits = _count_covered_by(self._nodes, self._offsets, self._count, self.n, seeds)
                if hits >= 0:
                    return int(hits)  # else a bad id: _seed_mask says which range
            return int(_count_covered(self._nodes, self._offsets, 0, self._count,
                                      self._seed_mask(seeds)))
        return int(self.covered(seeds, threads=threads).sum(dtype=np.int64))

    def estimate(self, seeds: Iterable[int]) -> float:
        """Spread estimate ``n * coverage / count`` (0 for an empty collection)."""
        if self._count == 0:
            return 0.0
        return self.n * self.coverage(seeds) / self._count


def sample_rr_sets(graph, count: int, *, model: str = "ic", seed: int = 1, start: int = 0,
                   threads: int | None = None, max_memory: int | None = None,
                   method: str = "auto", progress: Callable | None = None) -> RRCollection:
    """Draw ``count`` reverse-reachable sets of ``graph``.

    Parameters
    ----------
    graph : imx.Graph
    count : int
        Number of RR sets.
    model : {'ic', 'lt'}
        Independent cascade or linear threshold (LT weights must sum to <= 1 per node).
    seed : int
        Stream family; RR set ``j`` of the result is RR set number ``start + j``
        of family ``seed``, with a root uniform over ``0..n-1``.
    start : int
        Index of the first set.
    threads : int, optional
        Worker threads (default: all cores).  The result is identical for any count.
    max_memory : int, optional
        Byte budget (default 80% of available memory); estimated from a pilot
        of the first sets before the bulk is drawn.
    method : {'auto', 'coin', 'skip'}
        Per-node sampling routine (see :mod:`imx.sampling.plan`); every method
        draws from the same distribution, 'auto' is the fastest.
    progress : callable, optional
        ``progress(done, total, label)`` after each round.

    Returns
    -------
    RRCollection

    Raises
    ------
    MemoryBudgetError
        If the estimated memory exceeds ``max_memory``.
    ParameterError
        For a bad model, count, seed or start.

    Examples
    --------
    >>> import imx
    >>> g = imx.Graph.from_arrays([0, 1, 2], [1, 2, 0], probs="uniform:0.5")
    >>> rr = imx.sample_rr_sets(g, 100, seed=3)
    >>> rr.count, int(rr.nodes[rr.offsets[0]]) in (0, 1, 2)
    (100, True)
    """
    model_code(model)
    collection = RRCollection(graph.n, model=str(model).lower(), seed=_validate.seed(seed),
                              start=_validate.count(start, "start", maximum=_validate.MAX_SEED))
    append_rr_sets(collection, graph, count, threads=threads, max_memory=max_memory,
                   method=method, progress=progress)
    return collection
