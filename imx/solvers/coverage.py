"""Greedy maximum coverage over an RR collection, natively, with lazy evaluation.

Picking k nodes that together meet the most RR sets is the core step of every
RR-set solver.  The greedy rule (repeatedly take the node meeting the most
not-yet-covered sets) is a (1 - 1/e)-approximation.  The kernel keeps each
node's marginal coverage exactly (decrementing it as sets get covered, so the
whole run touches every set entry at most once: O(total size)) and finds the
best node with a lazy max-heap: stale heap keys are refreshed only when they
reach the top.  Ties go to the smaller node id, so the answer is the plain
greedy's, deterministically.

The same pass yields the upper bound of OPIM-C (Tang et al. 2018, Sec. 4.2):
for every prefix S_i of the greedy sequence, no k-set covers more than
``coverage(S_i) + (sum of the k largest marginal coverages given S_i)``.

Reuse (e.g. CIM): :func:`greedy_max_coverage` takes any
:class:`~imx.sampling.RRCollection` and an optional candidate restriction;
:func:`greedy_kernel` is the bare numba kernel on arrays.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

import numpy as np
from numba import njit

from ..errors import ParameterError
from ._heap import heap_pop, heapify, sift_down
from .bounds import APPROX_GREEDY

__all__ = ["GreedyCoverage", "greedy_max_coverage", "greedy_kernel", "allowed_mask", "cover_sets"]

_LOW32 = np.int64(0xFFFFFFFF)


class GreedyCoverage(NamedTuple):
    """Result of :func:`greedy_max_coverage`.

    seeds : int32[k']       chosen nodes, in selection order (k' = min(k, candidates))
    gains : int64[k']       marginal coverage of each pick (non-increasing)
    coverage : int          sets covered by all seeds (= gains.sum())
    prefix_upper : int64[k'+1]
        ``prefix_upper[i]`` = coverage of the first i seeds + the sum of the k
        largest marginal coverages given them: an upper bound on the coverage
        of any k candidates (empty array if bounds were not asked for).
    upper_bound : float
        The tightest upper bound on the best k-set's coverage:
        ``min(prefix_upper.min(), coverage / (1 - 1/e))``.
    """

    seeds: np.ndarray
    gains: np.ndarray
    coverage: int
    prefix_upper: np.ndarray
    upper_bound: float


@njit(cache=True, nogil=True)
def cover_sets(v, nodes, offsets, idx_offsets, idx_sets, covered, count):
    """Mark the not yet covered sets containing ``v`` covered and lower their
    members' counts (CIM's greedies and the Dask workers' greedy state)."""
    for j in range(idx_offsets[v], idx_offsets[v + 1]):
        s = idx_sets[j]
        if covered[s]:
            continue
        covered[s] = 1
        for e in range(offsets[s], offsets[s + 1]):
            count[nodes[e]] -= 1


@njit(cache=True, nogil=True)
def greedy_kernel(nodes, offsets, idx_offsets, idx_sets, k, allowed, want_bounds, rooted):
    """Greedy max coverage on raw arrays.

    ``allowed`` is uint8[n] (1 = may be chosen) or empty (all allowed).
    ``rooted`` is int64[n], the number of sets rooted at each node, to pick by
    the rooted score (see :func:`greedy_max_coverage`), or empty.
    Returns ``(seeds int32, gains int64, prefix_upper int64)``; prefix_upper
    is empty unless ``want_bounds``.  Gains and bounds are plain coverage.
    """
    n = idx_offsets.shape[0] - 1
    count = offsets.shape[0] - 1
    restrict = allowed.shape[0] > 0
    by_root = rooted.shape[0] > 0
    gain = np.empty(n, dtype=np.int32)
    # Heap keys hold the pick score in their high 32 bits, so it must be >= 0:
    # the coverage, or with ``rooted`` coverage - rooted[v] + max(rooted).
    shift = np.int64(0)
    if by_root:
        for v in range(n):
            if rooted[v] > shift:
                shift = rooted[v]
    # Plain coverage: only nodes in some set enter the heap (a node of zero
    # coverage stays at zero, and is taken, smallest id first, only once the
    # heap runs dry).  Rooted: every candidate does (its score need not be 0).
    heap = np.empty(n, dtype=np.int64)
    size = 0
    candidates = 0
    for v in range(n):
        g = idx_offsets[v + 1] - idx_offsets[v]
        gain[v] = g
        if not restrict or allowed[v]:
            candidates += 1
            if by_root:
                heap[size] = ((np.int64(g) - rooted[v] + shift) << 32) | (_LOW32 - v)
                size += 1
            elif g > 0:
                heap[size] = (np.int64(g) << 32) | (_LOW32 - v)
                size += 1
    heapify(heap, 0, size, None)
    covered = np.zeros(count, dtype=np.uint8)
    chosen = np.zeros(n, dtype=np.uint8)
    kk = min(k, candidates)
    seeds = np.empty(kk, dtype=np.int32)
    gains = np.empty(kk, dtype=np.int64)
    prefix_upper = np.empty(kk + 1 if want_bounds else 0, dtype=np.int64)
    # For the bounds: how many candidates have each marginal coverage.  The
    # sum of the k largest is then a walk down from the top level, instead of
    # k heap pops per step.
    top = 0
    if want_bounds:
        for v in range(n):
            if (not restrict or allowed[v]) and gain[v] > top:
                top = gain[v]
    level = np.zeros(top + 1 if want_bounds else 0, dtype=np.int64)
    if want_bounds:
        for v in range(n):
            if not restrict or allowed[v]:
                level[gain[v]] += 1
    cov = 0
    next_zero = 0
    for step in range(kk + 1):
        if want_bounds:
            while top > 0 and level[top] == 0:
                top -= 1
            left = k
            top_sum = 0
            g = top
            while left > 0 and g > 0:
                take = min(left, level[g])
                top_sum += take * g
                left -= take
                g -= 1
            prefix_upper[step] = cov + top_sum
        if step == kk:
            break
        # the best node: refresh stale heap keys until the top one is exact
        s = -1
        while size > 0:
            key = heap[0]
            v = np.int64(_LOW32 - (key & _LOW32))
            score = np.int64(gain[v])
            if by_root:
                score += shift - rooted[v]
            if (key >> 32) == score:
                s = v
                size = heap_pop(heap, 0, size, None)[1]
                break
            if by_root or score > 0:
                heap[0] = (score << 32) | (_LOW32 - v)
                sift_down(heap, 0, size, 0, None)
            else:  # fell to zero: leave the heap
                size = heap_pop(heap, 0, size, None)[1]
        if s < 0:  # no set left to cover: smallest unchosen candidate
            while chosen[next_zero] or (restrict and not allowed[next_zero]):
                next_zero += 1
            s = next_zero
        chosen[s] = 1
        seeds[step] = s
        gains[step] = gain[s]
        for a in range(idx_offsets[s], idx_offsets[s + 1]):
            j = idx_sets[a]
            if covered[j]:
                continue
            covered[j] = 1
            cov += 1
            for b in range(offsets[j], offsets[j + 1]):
                u = nodes[b]
                g = gain[u]
                gain[u] = g - 1
                if want_bounds and (not restrict or allowed[u]):
                    level[g] -= 1
                    level[g - 1] += 1
    return seeds, gains, prefix_upper


def allowed_mask(n: int, candidates) -> np.ndarray:
    """``greedy_kernel``'s ``allowed``: uint8[n] from candidate ids or a boolean mask
    (empty for ``None``: every node); ParameterError for a bad mask or id."""
    if candidates is None:
        return np.zeros(0, dtype=np.uint8)
    cand = np.asarray(candidates)
    if cand.dtype == bool:
        if cand.shape != (n,):
            raise ParameterError(f"a boolean candidate mask needs {n} entries")
        return cand.astype(np.uint8)
    ids = cand.astype(np.int64).ravel()
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise ParameterError(f"candidate ids must be in 0..{n - 1}")
    mask = np.zeros(n, dtype=np.uint8)
    mask[ids] = 1
    return mask


def greedy_max_coverage(collection, k: int, candidates: Iterable[int] | np.ndarray | None = None,
                        *, bounds: bool = True, threads: int | None = None,
                        rooted: bool = False) -> GreedyCoverage:
    """Greedily choose up to ``k`` nodes covering the most sets of ``collection``.

    Parameters
    ----------
    collection : imx.sampling.RRCollection
        Its int32 inverted index is built (and cached) if needed.
    k : int
        Number of seeds (fewer if fewer candidates exist).  Nodes of zero
        marginal coverage are still picked, smallest id first, to reach k.
    candidates : array of int or bool mask, optional
        Restrict the choice (and the upper bound) to these nodes.
    bounds : bool
        Compute ``prefix_upper`` (costs O(k log n) per pick).
    threads : int, optional
        Threads for building the inverted index if it is not cached yet.
    rooted : bool
        Pick by the rooted score instead of the plain marginal coverage (for
        sets with uniform roots, e.g. RR sets).  The plain estimate
        ``n/theta * coverage(S)`` counts a seed's own sets, those rooted at
        it: a Poisson count of mean ``theta/n`` that is pure noise (a seed
        always activates itself).  The rooted estimate replaces it by its
        mean, ``sigma(S) ~ |S| + n/theta * #{sets met by S, root not in S}``,
        so a pick's score is its marginal coverage minus its rooted sets (plus
        ``theta/n``, the same for every node).  Unbiased, of lower variance,
        and still submodular, so the lazy greedy applies; where most sets are
        their root alone (IC with small p) it finds seeds as good as the plain
        greedy's on about four times the sets.  Gains and bounds stay plain
        coverage (OPIM's upper bound holds for any sequence of picks).

    Returns
    -------
    GreedyCoverage
        ``(seeds, gains, coverage, prefix_upper, upper_bound)``; see its docstring.

    Examples
    --------
    >>> from imx.sampling import RRCollection
    >>> rr = RRCollection(4, [0, 1, 1, 2, 3], [0, 2, 4, 5])
    >>> res = greedy_max_coverage(rr, 1)
    >>> res.seeds.tolist(), res.coverage, res.upper_bound
    ([1], 2, 2.0)
    """
    k = int(k)
    if k < 1:
        raise ParameterError(f"k must be at least 1, got {k}")
    allowed = allowed_mask(collection.n, candidates)
    idx_offsets, idx_sets = collection.node_index32(threads=threads)
    by_root = collection.root_counts() if rooted else np.zeros(0, dtype=np.int64)
    if by_root.size and collection.count + int(by_root.max()) >= 2**31:
        raise ParameterError("rooted greedy: too many sets for its 31-bit scores")
    seeds, gains, prefix_upper = greedy_kernel(collection.nodes, collection.offsets, idx_offsets,
                                               idx_sets, k, allowed, bool(bounds), by_root)
    coverage = int(gains.sum())
    upper = coverage / APPROX_GREEDY
    if prefix_upper.size:
        upper = min(upper, float(prefix_upper.min()))
    return GreedyCoverage(seeds, gains, coverage, prefix_upper, float(upper))
