"""Native kernels of HeteroIM on plain arrays (numba); the method is described in
:mod:`.heteroim`.

An RR collection enters as its node index ``idx_offsets``/``idx_sets`` (the
sets holding each node) or as the sets themselves ``rr_nodes``/``rr_offsets``;
the graph as its out-CSR ``out_offsets``/``out_targets`` with ``live[e] =
P_uv U_v`` per out-arc.  ``res`` holds each set's residual: the chance that
none of the invitations placed so far reaches its root.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._heap import heap_pop, heap_push, top_k_insert

__all__ = ["greedy_kernel", "coverage_kernel", "local_greedy_kernel"]


@njit(cache=True, nogil=True)
def _mass(idx_offsets, idx_sets, v, res, set_w):
    """Weighted residual mass of ``v``: sum of w(R) res(R) over the sets holding ``v``."""
    total = 0.0
    for t in range(idx_offsets[v], idx_offsets[v + 1]):
        r = idx_sets[t]
        total += set_w[r] * res[r]
    return total


@njit(cache=True, nogil=True)
def _plain_mass(idx_offsets, idx_sets, v, res):
    """Unweighted residual mass of ``v`` (what the certificate counts)."""
    total = 0.0
    for t in range(idx_offsets[v], idx_offsets[v + 1]):
        total += res[idx_sets[t]]
    return total


@njit(cache=True, nogil=True)
def _pair_bound(inviters, out_offsets, out_targets, live, mass, K, top):
    """Sum over inviters of the K largest marginals p_uv * mass(v) among its friends."""
    total = 0.0
    for i in range(inviters.shape[0]):
        u = inviters[i]
        filled = 0
        for e in range(out_offsets[u], out_offsets[u + 1]):
            filled = top_k_insert(top, filled, K, live[e] * mass[out_targets[e]], None)
        for j in range(filled):
            total += top[j]
    return total


@njit(cache=True, nogil=True)
def _certificate_bound(idx_offsets, idx_sets, res, candidates, mass, inviters, out_offsets,
                       out_targets, live, K, top):
    for i in range(candidates.shape[0]):
        v = candidates[i]
        mass[v] = _plain_mass(idx_offsets, idx_sets, v, res)
    return _pair_bound(inviters, out_offsets, out_targets, live, mass, K, top)


@njit(cache=True, nogil=True)
def greedy_kernel(theta, idx_offsets, idx_sets, set_w, node_w, out_offsets, out_targets, live,
                  inviters, capacity, candidates, pair_arcs, pair_slot, pair_rank, K,
                  want_bound, out_arc, out_gain, out_step):
    """Lazy greedy over invitations (see :mod:`.heteroim`).

    Gains use the root-stratified weights ``set_w`` (per set) and ``node_w``
    (per node: the weight of the singleton set {v} standing in for a root that
    drew no set); the certificate uses plain counts.  ``pair_arcs`` are the
    out-arcs of the inviters, ``pair_slot`` their inviter's slot and
    ``pair_rank`` their tie rank.  Writes the chosen pairs (out-arc, weighted
    gain in sets, step); returns ``(pairs, plain covered mass, plain upper bound
    or -1)``.
    """
    n = idx_offsets.shape[0] - 1
    res = np.ones(theta, dtype=np.float64)
    node_res = np.ones(n, dtype=np.float64)
    mass = np.zeros(n, dtype=np.float64)
    n_pairs_all = pair_arcs.shape[0]
    # a heap of pair ids; keys[i] is the gain pair i had when it was pushed
    keys = np.empty(n_pairs_all, dtype=np.float64)
    heap = np.empty(n_pairs_all, dtype=np.int64)
    by_gain = (keys, pair_rank)
    for i in range(candidates.shape[0]):
        v = candidates[i]
        mass[v] = _mass(idx_offsets, idx_sets, v, res, set_w) + node_w[v]
    size = 0
    for i in range(n_pairs_all):
        e = pair_arcs[i]
        g = live[e] * mass[out_targets[e]]
        if g > 0.0:
            keys[i] = g
            size = heap_push(heap, 0, size, i, by_gain)
    cap = capacity.copy()
    open_inviters = 0
    for s in range(cap.shape[0]):
        if cap[s] > 0:
            open_inviters += 1
    top = np.empty(max(K, 1), dtype=np.float64)
    upper = -1.0
    if want_bound:
        upper = _certificate_bound(idx_offsets, idx_sets, res, candidates, mass, inviters,
                                   out_offsets, out_targets, live, K, top)
    next_check = 1
    covered = 0.0
    n_pairs = 0
    while size > 0 and open_inviters > 0:
        i, size = heap_pop(heap, 0, size, by_gain)
        key = keys[i]
        s = pair_slot[i]
        if cap[s] == 0:
            continue
        e = pair_arcs[i]
        v = out_targets[e]
        g = live[e] * (_mass(idx_offsets, idx_sets, v, res, set_w) + node_w[v] * node_res[v])
        if g != key:
            if g > 0.0:
                keys[i] = g
                size = heap_push(heap, 0, size, i, by_gain)
            continue
        covered += live[e] * _plain_mass(idx_offsets, idx_sets, v, res)
        keep = 1.0 - live[e]
        for t in range(idx_offsets[v], idx_offsets[v + 1]):
            res[idx_sets[t]] *= keep
        node_res[v] *= keep
        out_arc[n_pairs] = e
        out_gain[n_pairs] = g
        out_step[n_pairs] = n_pairs
        n_pairs += 1
        cap[s] -= 1
        if cap[s] == 0:
            open_inviters -= 1
        if want_bound and n_pairs == next_check:
            b = covered + _certificate_bound(idx_offsets, idx_sets, res, candidates, mass,
                                             inviters, out_offsets, out_targets, live, K, top)
            if b < upper:
                upper = b
            next_check *= 4
    if want_bound:
        b = covered + _certificate_bound(idx_offsets, idx_sets, res, candidates, mass, inviters,
                                         out_offsets, out_targets, live, K, top)
        if b < upper:
            upper = b
    return n_pairs, covered, upper


@njit(cache=True, nogil=True, parallel=True)
def coverage_kernel(rr_nodes, rr_offsets, keep):
    """sum over sets R of 1 - prod over v in R of keep[v] (keep[v] = 1 if v uninvited)."""
    theta = rr_offsets.shape[0] - 1
    values = np.zeros(theta, dtype=np.float64)
    for r in prange(theta):
        q = 1.0
        for x in range(rr_offsets[r], rr_offsets[r + 1]):
            q *= keep[rr_nodes[x]]
        values[r] = 1.0 - q
    total = 0.0
    for r in range(theta):  # fixed order: the same sum for any thread count
        total += values[r]
    return total


@njit(cache=True, nogil=True, parallel=True)
def local_greedy_kernel(out_offsets, out_targets, live, will, idx_offsets, idx_sets, set_w,
                        node_w, gains, steps):
    """Every user as the only inviter with no list limit: greedy order of its friends.

    ``gains[e]`` (out-arc) gets the marginal (in sets) of the friend when the
    greedy places it, ``steps[e]`` its placement step; friends that gain
    nothing get 0 and steps after the others, by willingness.
    """
    n = out_offsets.shape[0] - 1
    for u in prange(n):
        lo = out_offsets[u]
        hi = out_offsets[u + 1]
        deg = hi - lo
        if deg == 0:
            continue
        # local copy of the sets the friends hold, so residuals stay per inviter
        total = 0
        for k in range(deg):
            v = out_targets[lo + k]
            total += idx_offsets[v + 1] - idx_offsets[v]
        local = np.empty(total, dtype=np.int64)
        starts = np.empty(deg + 1, dtype=np.int64)
        w = 0
        for k in range(deg):
            v = out_targets[lo + k]
            starts[k] = w
            for t in range(idx_offsets[v], idx_offsets[v + 1]):
                local[w] = idx_sets[t]
                w += 1
        starts[deg] = w
        uniq = np.unique(local)
        slot = np.searchsorted(uniq, local)
        res = np.ones(uniq.shape[0], dtype=np.float64)
        node_res = np.ones(deg, dtype=np.float64)
        # tie rank among friends: larger willingness, then smaller id
        order = np.empty(deg, dtype=np.int64)
        for k in range(deg):
            order[k] = k
        for i in range(1, deg):
            k = order[i]
            j = i
            while j > 0:
                o = order[j - 1]
                better = will[lo + k] > will[lo + o] or (
                    will[lo + k] == will[lo + o] and out_targets[lo + k] < out_targets[lo + o])
                if not better:
                    break
                order[j] = o
                j -= 1
            order[j] = k
        rank = np.empty(deg, dtype=np.int64)
        for i in range(deg):
            rank[order[i]] = i
        keys = np.empty(deg, dtype=np.float64)  # as in greedy_kernel, over friends
        heap = np.empty(deg, dtype=np.int64)
        by_gain = (keys, rank)
        size = 0
        for k in range(deg):
            gains[lo + k] = 0.0
            steps[lo + k] = deg + rank[k]
            m = node_w[out_targets[lo + k]]
            for x in range(starts[k], starts[k + 1]):
                m += set_w[local[x]]
            g = live[lo + k] * m
            if g > 0.0:
                keys[k] = g
                size = heap_push(heap, 0, size, k, by_gain)
        step = 0
        while size > 0:
            k, size = heap_pop(heap, 0, size, by_gain)
            key = keys[k]
            m = node_w[out_targets[lo + k]] * node_res[k]
            for x in range(starts[k], starts[k + 1]):
                m += set_w[local[x]] * res[slot[x]]
            g = live[lo + k] * m
            if g != key:
                if g > 0.0:
                    keys[k] = g
                    size = heap_push(heap, 0, size, k, by_gain)
                continue
            keep = 1.0 - live[lo + k]
            for x in range(starts[k], starts[k + 1]):
                res[slot[x]] *= keep
            node_res[k] *= keep
            gains[lo + k] = g
            steps[lo + k] = step
            step += 1
