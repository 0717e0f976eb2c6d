"""Native kernels of CIM on RR-set collections (plain arrays, numba).

An RR collection is given as ``nodes``/``offsets`` (the sets, concatenated) and
its node index ``idx_offsets``/``idx_sets`` (the sets containing each node), as
produced by :meth:`imx.sampling.RRCollection.node_index`.  Candidates come as a
CSR ``cand_offsets``/``cand_nodes`` (one row per AP).

The greedy kernels choose edges (AP, candidate) of the partition matroid
"at most k per AP"; a node taken by one AP is no longer offered to the others
(its marginal coverage would be zero anyway), so the seeds are distinct.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np
from numba import njit, prange

from .._heap import heap_pop, heap_push, heapify, sift_down, top_k_insert
from ..coverage import cover_sets
from ..._borrow import borrow
from ...sampling.collection import fill_node_index
from .matching import augment_kernel

__all__ = ["work_blocks", "threads_for", "rr_greedy_kernel", "rr_greedy_on_sets",
           "mg_greedy_kernel", "local_greedy_kernel", "group_coverage", "partition_bound"]


def work_blocks() -> int:
    """Blocks of work for the parallel kernels: a few per numba thread."""
    import numba

    return 4 * numba.get_num_threads()


@contextlib.contextmanager
def threads_for(work: float) -> Iterator[None]:
    """Run the body on one numba thread when ``work`` (elements touched) is small.

    Below :data:`PARALLEL_MIN_WORK` a parallel region costs more than it
    saves (waking the other threads, and on a busy machine waiting a whole
    time slice for one of them); the thread count is restored afterwards.
    """
    import numba

    if work >= PARALLEL_MIN_WORK or numba.get_num_threads() == 1:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


_INT64_MAX = np.iinfo(np.int64).max
#: Below this many elements of work the kernels stay on one thread.
PARALLEL_MIN_WORK = 1 << 18


@njit(cache=True, nogil=True, inline="always")
def _top_k_sum(values, members, start, stop, k, buffer):
    """Sum of the ``k`` largest ``values[members[start:stop]]`` (all of them if fewer)."""
    size = stop - start
    if size <= k:
        total = 0
        for e in range(start, stop):
            total += values[members[e]]
        return total
    filled = 0
    for e in range(start, stop):
        filled = top_k_insert(buffer, filled, k, values[members[e]], None)
    total = 0
    for i in range(filled):
        total += buffer[i]
    return total


@njit(cache=True, nogil=True)
def partition_bound(count, cand_offsets, cand_nodes, k):
    """Sum over APs of the ``k`` largest ``count`` among each AP's candidates.

    With ``count`` the marginal coverages after some picks ``S_t``, coverage(S_t)
    plus this sum bounds the coverage of every feasible assignment from above
    (Zhang et al. 2023, Lemma 5.3).
    """
    buffer = np.empty(max(k, 1), dtype=np.int64)
    acc = 0
    for a in range(cand_offsets.shape[0] - 1):
        acc += _top_k_sum(count, cand_nodes, cand_offsets[a], cand_offsets[a + 1], k, buffer)
    return acc


@njit(cache=True, nogil=True)
def _initial_counts(n, idx_offsets):
    count = np.empty(n, dtype=np.int64)
    for v in range(n):
        count[v] = idx_offsets[v + 1] - idx_offsets[v]
    return count


@njit(cache=True, nogil=True, inline="always")
def _cover_tracked(v, nodes, offsets, idx_offsets, idx_sets, covered, count, hot, dirty,
                   dirty_list, num_dirty):
    """:func:`~imx.solvers.coverage.cover_sets`, also listing the hot nodes whose count dropped; returns the list size."""
    for j in range(idx_offsets[v], idx_offsets[v + 1]):
        s = idx_sets[j]
        if covered[s]:
            continue
        covered[s] = True
        for e in range(offsets[s], offsets[s + 1]):
            w = nodes[e]
            count[w] -= 1
            if hot[w] and not dirty[w]:
                dirty[w] = True
                dirty_list[num_dirty] = w
                num_dirty += 1
    return num_dirty


# Heap keys order candidates by (marginal coverage, tie rank): the coverage in the high
# bits, rank + 1 (< 2**31: node ids are int32) in the low 32, so decoding is a mask,
# not a division.
_RANK_MASK = np.int64(0xFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _key(coverage, rank):
    return (np.int64(coverage) << 32) | (np.int64(rank) + 1)


@njit(cache=True, nogil=True, inline="always")
def _rank_of(key):
    return (key & _RANK_MASK) - 1


@njit(cache=True, nogil=True, inline="always")
def _pop_fresh(heap, lo, size, count, rank, rank_order, taken):
    """Drop taken tops and re-key stale ones until the top of ``heap[lo:lo+size]``
    is current; returns ``(new size, top key or -1)``."""
    while size > 0:
        top = heap[lo]
        v = rank_order[_rank_of(top)]
        if taken[v]:
            size = heap_pop(heap, lo, size, None)[1]
            continue
        current = _key(count[v], rank[v])
        if current != top:
            heap[lo] = current
            sift_down(heap, lo, size, 0, None)
            continue
        return size, top
    return size, -1


@njit(cache=True, nogil=True)
def _rr_greedy_rounds(nodes, offsets, idx_offsets, idx_sets, cand_offsets, cand_by_rank,
                      cand_rank, k, rank, rank_order, owner_offsets, owner_aps, tightened, count,
                      covered, taken, hot, state, hot_offsets, hot_nodes, seed_nodes, seed_aps,
                      scratch):
    """The heaps, bounds and rounds of :func:`rr_greedy_kernel`, on arrays the caller owns;
    returns ``(chosen, coverage, upper)``."""
    nodes, offsets, idx_offsets, idx_sets = borrow(nodes), borrow(offsets), \
        borrow(idx_offsets), borrow(idx_sets)
    cand_offsets, cand_by_rank, cand_rank = borrow(cand_offsets), borrow(cand_by_rank), \
        borrow(cand_rank)
    rank, rank_order = borrow(rank), borrow(rank_order)
    owner_offsets, owner_aps = borrow(owner_offsets), borrow(owner_aps)
    count, covered, taken, hot, state = borrow(count), borrow(covered), borrow(taken), \
        borrow(hot), borrow(state)
    hot_offsets, hot_nodes = borrow(hot_offsets), borrow(hot_nodes)
    seed_nodes, seed_aps = borrow(seed_nodes), borrow(seed_aps)
    heap, heap_size, cold, dirty, dirty_list, ap_dirty, dirty_aps, ap_bound, buffer, picks, \
        open_ap = scratch
    heap, heap_size, cold, dirty, dirty_list = borrow(heap), borrow(heap_size), borrow(cold), \
        borrow(dirty), borrow(dirty_list)
    ap_dirty, dirty_aps, ap_bound, buffer = borrow(ap_dirty), borrow(dirty_aps), \
        borrow(ap_bound), borrow(buffer)
    picks, open_ap = borrow(picks), borrow(open_ap)
    num_aps = cand_offsets.shape[0] - 1
    for a in range(num_aps):
        lo = hot_offsets[a]
        size = hot_offsets[a + 1] - lo
        heap_size[a] = size
        for e in range(lo, lo + size):
            v = hot_nodes[e]
            heap[e] = _key(count[v], rank[v])
        heapify(heap, lo, size, None)
    num_dirty = 0
    bound_total = 0
    if tightened:
        for a in range(num_aps):
            ap_bound[a] = _top_k_sum(count, hot_nodes, hot_offsets[a], hot_offsets[a + 1], k,
                                     buffer)
            bound_total += ap_bound[a]
    chosen = 0
    coverage = 0
    upper = _INT64_MAX if tightened else -1
    while True:
        num_dirty_aps = 0
        for i in range(num_dirty):
            w = dirty_list[i]
            dirty[w] = False
            if tightened:
                for j in range(owner_offsets[w], owner_offsets[w + 1]):
                    x = owner_aps[j]
                    if not ap_dirty[x]:
                        ap_dirty[x] = True
                        dirty_aps[num_dirty_aps] = x
                        num_dirty_aps += 1
        num_dirty = 0
        if tightened:
            for i in range(num_dirty_aps):
                x = dirty_aps[i]
                ap_dirty[x] = False
                bound_total -= ap_bound[x]
                ap_bound[x] = _top_k_sum(count, hot_nodes, hot_offsets[x], hot_offsets[x + 1], k,
                                         buffer)
                bound_total += ap_bound[x]
            if coverage + bound_total < upper:
                upper = coverage + bound_total
        progressed = False
        for a in range(num_aps):
            if not open_ap[a]:
                continue
            if picks[a] >= k:
                open_ap[a] = False
                continue
            heap_size[a], top = _pop_fresh(heap, hot_offsets[a], heap_size[a], count,
                                           rank, rank_order, taken)
            end = cand_offsets[a + 1]
            ptr = cold[a]
            while ptr < end and state[cand_by_rank[ptr]] != 0:
                ptr += 1
            cold[a] = ptr
            # a cold candidate is in no RR set: coverage 0, key rank + 1, nothing to cover
            if ptr < end and cand_rank[ptr] + 1 > top:
                best = cand_by_rank[ptr]
                cold[a] = ptr + 1
                state[best] = 2
                taken[best] = True
                picks[a] += 1
                seed_nodes[chosen] = best
                seed_aps[chosen] = a
                chosen += 1
                progressed = True
                continue
            if top >= 0:
                best = rank_order[_rank_of(top)]
                heap_size[a] = heap_pop(heap, hot_offsets[a], heap_size[a], None)[1]
            else:
                open_ap[a] = False
                continue
            taken[best] = True
            state[best] = 2
            picks[a] += 1
            seed_nodes[chosen] = best
            seed_aps[chosen] = a
            chosen += 1
            coverage += count[best]
            num_dirty = _cover_tracked(best, nodes, offsets, idx_offsets, idx_sets, covered, count,
                                       hot, dirty, dirty_list, num_dirty)
            progressed = True
        if not progressed:
            break
    return chosen, coverage, upper


@njit(cache=True, nogil=True)
def rr_greedy_kernel(n, nodes, offsets, idx_offsets, idx_sets, cand_offsets, cand_by_rank,
                     cand_rank, k, rank, rank_order, owner_offsets, owner_aps, tightened):
    """RR-Greedy on coverage: rounds over the APs, each taking its best free candidate.

    Every AP with capacity and a free candidate takes one per round, even at
    zero marginal coverage (a seed always counts itself).  Ties go to the
    highest ``rank`` (a prior score, a permutation of 0..n-1; ``rank_order``
    is its inverse): with few RR sets most marginal coverages tie, and a good
    prior then decides.  ``cand_by_rank`` holds each AP's candidates by
    decreasing rank (``cand_rank`` their ranks); ``owner_offsets``/``owner_aps``
    list the APs of each candidate.

    Most candidates are in no RR set.  Those that are ("hot") sit in a
    max-heap per AP keyed by (coverage, rank) as last seen; coverages only
    drop, so a stale top is re-keyed and sifted down until it is current
    (lazy evaluation).  The others are read in rank order from a pointer
    into ``cand_by_rank``.  The tightened bound is kept per AP and
    recomputed only for APs whose hot candidates lost coverage.

    Returns
    -------
    seed_nodes, seed_aps : int32 arrays, the chosen pairs in choice order.
    coverage : int, sets covered by the seeds.
    upper : int, with ``tightened`` the minimum over rounds t of
        coverage(S_t) + partition_bound (an upper bound on the best coverage of
        any feasible answer); else ``-1``.
    count : int64[n], marginal coverage of every node given the seeds.
    """
    num_aps = cand_offsets.shape[0] - 1
    num_sets = offsets.shape[0] - 1
    count = _initial_counts(n, idx_offsets)
    covered = np.zeros(num_sets, dtype=np.bool_)
    taken = np.zeros(n, dtype=np.bool_)
    hot = np.zeros(n, dtype=np.bool_)
    # 0: free and in no RR set ("cold"), 1: free and hot, 2: taken
    state = np.zeros(n, dtype=np.uint8)
    # hot candidates of each AP, as a CSR and as one heap segment per AP
    hot_offsets = np.zeros(num_aps + 1, dtype=np.int64)
    for v in range(n):
        if count[v] > 0 and owner_offsets[v + 1] > owner_offsets[v]:
            hot[v] = True
            state[v] = 1
            for j in range(owner_offsets[v], owner_offsets[v + 1]):
                hot_offsets[owner_aps[j] + 1] += 1
    for a in range(num_aps):
        hot_offsets[a + 1] += hot_offsets[a]
    hot_nodes = np.empty(hot_offsets[num_aps], dtype=np.int64)
    fill = hot_offsets[:-1].copy()
    for v in range(n):
        if hot[v]:
            for j in range(owner_offsets[v], owner_offsets[v + 1]):
                a = owner_aps[j]
                hot_nodes[fill[a]] = v
                fill[a] += 1
    heap = np.empty(hot_nodes.shape[0], dtype=np.int64)
    heap_size = np.empty(num_aps, dtype=np.int64)
    cold = cand_offsets[:-1].copy()
    capacity = 0
    for a in range(num_aps):
        capacity += min(k, cand_offsets[a + 1] - cand_offsets[a])
    seed_nodes = np.empty(capacity, dtype=np.int32)
    seed_aps = np.empty(capacity, dtype=np.int32)
    scratch = (heap, heap_size, cold, np.zeros(n, dtype=np.bool_),
               np.empty(min(n, idx_sets.shape[0] + 1), dtype=np.int64),
               np.zeros(num_aps, dtype=np.bool_), np.empty(num_aps, dtype=np.int64),
               np.zeros(num_aps, dtype=np.int64), np.empty(max(k, 1), dtype=np.int64),
               np.zeros(num_aps, dtype=np.int64), np.ones(num_aps, dtype=np.bool_))
    # the loops run on borrowed views (see imx._borrow): this frame owns the arrays
    chosen, coverage, upper = _rr_greedy_rounds(
        nodes, offsets, idx_offsets, idx_sets, cand_offsets, cand_by_rank, cand_rank, k, rank,
        rank_order, owner_offsets, owner_aps, tightened, count, covered, taken, hot, state,
        hot_offsets, hot_nodes, seed_nodes, seed_aps, scratch)
    return seed_nodes[:chosen], seed_aps[:chosen], coverage, upper, count


@njit(cache=True, nogil=True)
def rr_greedy_on_sets(n, nodes, offsets, idx_offsets, idx_sets, cand_offsets, cand_nodes,
                      cand_by_rank, cand_rank, k, rank, rank_order, owner_offsets, owner_aps,
                      tightened, augment):
    """:func:`rr_greedy_kernel`, then (with ``augment``)
    :func:`~imx.solvers.cim.matching.augment_kernel`, in one call; with an empty
    ``idx_offsets`` the node index is built here, on one thread
    (:func:`~imx.sampling.collection.fill_node_index`), for rounds small enough that
    the calls around the kernels cost as much as they do.  One entry point for both,
    so a first run compiles the greedy once.

    Returns ``(seed_aps, seed_nodes, coverage, upper, count, added)``: the greedy's
    (and the augmentation's) pairs, its coverage, bound and marginal counts, and how
    many seeds the augmentation added.
    """
    if idx_offsets.shape[0] == 0:
        idx_sets = np.empty(offsets[offsets.shape[0] - 1], dtype=idx_sets.dtype)
        idx_offsets = np.empty(n + 1, dtype=np.int64)
        fill_node_index(nodes, offsets, n, idx_sets, idx_offsets)
    seeds, aps, coverage, upper, count = rr_greedy_kernel(
        n, nodes, offsets, idx_offsets, idx_sets, cand_offsets, cand_by_rank, cand_rank, k,
        rank, rank_order, owner_offsets, owner_aps, tightened)
    if not augment:
        return aps, seeds, coverage, upper, count, 0
    out_aps, out_nodes = augment_kernel(n, cand_offsets, cand_nodes, cand_by_rank, k,
                                        aps.astype(np.int64), seeds.astype(np.int64))
    return out_aps, out_nodes, coverage, upper, count, out_nodes.shape[0] - seeds.shape[0]


@njit(cache=True, nogil=True)
def _choose_ap(v, ap_offsets, ap_list, left, free):
    """The AP to receive candidate ``v``: the one whose capacity is least needed.

    Among the APs of ``v`` with capacity left, prefer the largest
    ``left - (free - 1)``: capacity beyond what its other free candidates
    could use.  Any choice keeps the 1/2 guarantee; this one keeps scarce
    capacity for APs with many good candidates.  Returns -1 if none.
    """
    best = -1
    best_slack = 0
    for j in range(ap_offsets[v], ap_offsets[v + 1]):
        a = ap_list[j]
        if left[a] <= 0:
            continue
        slack = left[a] - (free[a] - 1)
        if best < 0 or slack > best_slack:
            best = a
            best_slack = slack
    return best


@njit(cache=True, nogil=True)
def mg_greedy_kernel(n, nodes, offsets, idx_offsets, idx_sets, cand_offsets, cand_nodes, k,
                     rank, rank_order, owner_offsets, owner_aps):
    """MG-Greedy on coverage with lazy (CELF) evaluation.

    Repeatedly takes the feasible (AP, candidate) pair of largest marginal
    coverage; coverage only shrinks, so stale heap entries are re-pushed
    (Leskovec et al. 2007).  Ties go to the highest ``rank`` (a permutation of
    0..n-1, ``rank_order`` its inverse).  Stops when no free candidate has an
    AP with capacity.

    Returns ``(seed_nodes, seed_aps, coverage, count)``, ``count`` the
    marginal coverage of every node given the seeds.
    """
    num_aps = cand_offsets.shape[0] - 1
    num_sets = offsets.shape[0] - 1
    count = _initial_counts(n, idx_offsets)
    covered = np.zeros(num_sets, dtype=np.bool_)
    ap_offsets, ap_list = owner_offsets, owner_aps
    left = np.full(num_aps, k, dtype=np.int64)
    free = np.empty(num_aps, dtype=np.int64)
    for a in range(num_aps):
        free[a] = cand_offsets[a + 1] - cand_offsets[a]
    heap = np.empty(n, dtype=np.int64)
    size = 0
    for v in range(n):
        if ap_offsets[v + 1] > ap_offsets[v]:
            size = heap_push(heap, 0, size, _key(count[v], rank[v]), None)
    capacity = 0
    for a in range(num_aps):
        capacity += min(k, free[a])
    seed_nodes = np.empty(capacity, dtype=np.int32)
    seed_aps = np.empty(capacity, dtype=np.int32)
    chosen = 0
    coverage = 0
    while size > 0 and chosen < capacity:
        key, size = heap_pop(heap, 0, size, None)
        v = rank_order[_rank_of(key)]
        value = key >> 32
        if value > count[v]:
            size = heap_push(heap, 0, size, _key(count[v], rank[v]), None)
            continue
        a = _choose_ap(v, ap_offsets, ap_list, left, free)
        if a < 0:
            continue
        left[a] -= 1
        for j in range(ap_offsets[v], ap_offsets[v + 1]):
            free[ap_list[j]] -= 1
        seed_nodes[chosen] = v
        seed_aps[chosen] = a
        chosen += 1
        coverage += count[v]
        cover_sets(v, nodes, offsets, idx_offsets, idx_sets, covered, count)
    return seed_nodes[:chosen], seed_aps[:chosen], coverage, count


@njit(cache=True, nogil=True)
def _fresh_gain(v, idx_offsets, idx_sets, stamp, mark):
    g = 0
    for j in range(idx_offsets[v], idx_offsets[v + 1]):
        if stamp[idx_sets[j]] != mark:
            g += 1
    return g


@njit(cache=True, nogil=True, parallel=True)
def local_greedy_kernel(num_sets, idx_offsets, idx_sets, cand_offsets, cand_nodes, k, which,
                        blocks):
    """Independent max-coverage greedy (CELF) for each AP in ``which``, over its own candidates.

    Returns ``(picked, coverage, upper)``: ``picked`` int32[len(which), k]
    (-1 padded), the coverage of each AP's picks, and an upper bound on the
    best coverage of ``k`` of its candidates (min over steps of coverage plus
    the top-k marginal upper estimates; the last step uses exact marginals).
    """
    count = which.shape[0]
    picked = np.full((count, k), -1, dtype=np.int32)
    coverage = np.zeros(count, dtype=np.int64)
    upper = np.zeros(count, dtype=np.int64)
    blocks = max(1, min(count, blocks))
    for b in prange(blocks):
        stamp = np.zeros(num_sets, dtype=np.int32)
        buffer = np.empty(max(k, 1), dtype=np.int64)
        lo = b * count // blocks
        hi = (b + 1) * count // blocks
        for i in range(lo, hi):
            a = which[i]
            mark = np.int32(i + 1)
            start = cand_offsets[a]
            size = cand_offsets[a + 1] - start
            gain = np.empty(size, dtype=np.int64)
            fresh = np.zeros(size, dtype=np.int64)  # the degrees are exact gains at step 0
            done = np.zeros(size, dtype=np.bool_)
            local = np.arange(size, dtype=np.int64)
            for j in range(size):
                v = cand_nodes[start + j]
                gain[j] = idx_offsets[v + 1] - idx_offsets[v]
            best_bound = _top_k_sum(gain, local, 0, size, k, buffer)
            cov = 0
            for r in range(min(k, size)):
                while True:
                    top = -1
                    for j in range(size):
                        if not done[j] and (top < 0 or gain[j] > gain[top]):
                            top = j
                    if fresh[top] == r:
                        break
                    gain[top] = _fresh_gain(cand_nodes[start + top], idx_offsets, idx_sets, stamp,
                                            mark)
                    fresh[top] = r
                done[top] = True
                cov += gain[top]
                v = cand_nodes[start + top]
                for j in range(idx_offsets[v], idx_offsets[v + 1]):
                    stamp[idx_sets[j]] = mark
                picked[i, r] = v
                gain[top] = 0
                # gains of unchosen candidates are upper estimates: still a valid bound
                bound = cov + _top_k_sum(gain, local, 0, size, k, buffer)
                if bound < best_bound:
                    best_bound = bound
            for j in range(size):
                if not done[j]:
                    gain[j] = _fresh_gain(cand_nodes[start + j], idx_offsets, idx_sets, stamp,
                                          mark)
            bound = cov + _top_k_sum(gain, local, 0, size, k, buffer)
            if bound < best_bound:
                best_bound = bound
            coverage[i] = cov
            upper[i] = best_bound
    return picked, coverage, upper


@njit(cache=True, nogil=True, parallel=True)
def group_coverage(num_sets, idx_offsets, idx_sets, picked, blocks):
    """Coverage of each row of ``picked`` (node ids, -1 padded), rows independent."""
    rows = picked.shape[0]
    out = np.zeros(rows, dtype=np.int64)
    blocks = max(1, min(rows, blocks))
    for b in prange(blocks):
        stamp = np.zeros(num_sets, dtype=np.int32)
        lo = b * rows // blocks
        hi = (b + 1) * rows // blocks
        for i in range(lo, hi):
            mark = np.int32(i + 1)
            acc = 0
            for j in range(picked.shape[1]):
                v = picked[i, j]
                if v < 0:
                    continue
                for t in range(idx_offsets[v], idx_offsets[v + 1]):
                    s = idx_sets[t]
                    if stamp[s] != mark:
                        stamp[s] = mark
                        acc += 1
            out[i] = acc
    return out
