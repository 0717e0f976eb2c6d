"""Filling spare CIM capacity by augmenting paths (a native b-matching kernel).

After a greedy pass some APs may sit below capacity with every candidate
taken by another AP; moving seeds along alternating paths frees one for them
without dropping any seed.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["augment_kernel"]


@njit(cache=True, nogil=True)
def augment_kernel(n, cand_offsets, cand_nodes, cand_by_rank, k, seed_aps, seed_nodes):
    """Fill spare capacity by augmenting paths, keeping every seed.

    An AP ``r`` below capacity whose candidates are all taken can still gain
    a seed along an alternating path: ``r`` takes ``v1`` from its owner
    ``b1``, ``b1`` takes ``v2`` from ``b2``, ..., and the last AP takes a free
    candidate ``w`` (its free candidate first in ``cand_by_rank``, the
    highest tie rank).  Every AP keeps its load except ``r`` (+1); the seed
    set grows by ``w``, so the spread cannot drop (it is monotone).

    Kuhn's algorithm for b-matchings: APs below capacity in turn, a
    breadth-first search each, applied at once.  A search that fails has
    visited every AP reachable from its root: none of them can reach a free
    candidate, now or after later augmentations (an augmenting path never
    touches their candidates), so they are marked dead and never searched
    again.  Whether an AP has a free candidate is read from a pointer into
    its candidates that only moves forward (candidates only get taken).  At
    the end no augmenting path is left (Berge): the seed count is the largest
    of any assignment containing the original seeds.

    Returns ``(seed_aps, seed_nodes)``: the input pairs (some moved to
    another AP) followed by the added seeds.
    """
    num_aps = cand_offsets.shape[0] - 1
    owner = np.full(n, -1, dtype=np.int64)
    load = np.zeros(num_aps, dtype=np.int64)
    for i in range(seed_nodes.shape[0]):
        owner[seed_nodes[i]] = seed_aps[i]
        load[seed_aps[i]] += 1
    capacity = np.empty(num_aps, dtype=np.int64)
    total = 0
    for a in range(num_aps):
        capacity[a] = min(k, cand_offsets[a + 1] - cand_offsets[a])
        total += capacity[a]
    added = np.empty(max(total - seed_nodes.shape[0], 0), dtype=np.int64)
    num_added = 0
    stamp = np.zeros(num_aps, dtype=np.int64)
    via_node = np.empty(num_aps, dtype=np.int64)
    via_ap = np.empty(num_aps, dtype=np.int64)
    queue = np.empty(num_aps, dtype=np.int64)
    dead = np.zeros(num_aps, dtype=np.bool_)
    free_ptr = cand_offsets[:-1].copy()
    search = 0
    for r in range(num_aps):
        while load[r] < capacity[r] and not dead[r]:
            search += 1
            stamp[r] = search
            queue[0] = r
            head = 0
            tail = 1
            end_ap = -1
            while head < tail:
                x = queue[head]
                head += 1
                ptr = free_ptr[x]
                end = cand_offsets[x + 1]
                while ptr < end and owner[cand_by_rank[ptr]] >= 0:
                    ptr += 1
                free_ptr[x] = ptr
                if ptr < end:
                    end_ap = x
                    break
                for e in range(cand_offsets[x], end):
                    b = owner[cand_nodes[e]]
                    if b == x or dead[b] or stamp[b] == search:
                        continue
                    stamp[b] = search
                    via_node[b] = cand_nodes[e]
                    via_ap[b] = x
                    queue[tail] = b
                    tail += 1
            if end_ap < 0:
                for i in range(tail):
                    dead[queue[i]] = True
                break
            w = cand_by_rank[free_ptr[end_ap]]
            owner[w] = end_ap
            y = end_ap
            while y != r:
                owner[via_node[y]] = via_ap[y]
                y = via_ap[y]
            load[r] += 1
            added[num_added] = w
            num_added += 1
    size = seed_nodes.shape[0] + num_added
    out_aps = np.empty(size, dtype=np.int32)
    out_nodes = np.empty(size, dtype=np.int32)
    for i in range(seed_nodes.shape[0]):
        out_nodes[i] = seed_nodes[i]
        out_aps[i] = owner[seed_nodes[i]]
    for j in range(num_added):
        out_nodes[seed_nodes.shape[0] + j] = added[j]
        out_aps[seed_nodes.shape[0] + j] = owner[added[j]]
    return out_aps, out_nodes
