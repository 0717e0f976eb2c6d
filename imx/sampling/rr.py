"""Native kernels that draw reverse-reachable (RR) sets.

RR set number ``j`` of stream family ``seed`` is drawn from its own random
stream ``stream_start(seed, j)``: first a uniform root, then the live in-arcs
of every node reached, breadth first (IC) or along one random walk (LT).  The
set is written in visiting order, root first; the written prefix doubles as
the BFS queue, so no other buffer is needed.

Kernels work on *blocks* of consecutive sets and release the GIL; the callers
run blocks on several threads (:mod:`imx._pool`), each thread with
its own visited flags and output buffer.  What a set contains depends only on
``(seed, j)``, never on the thread that drew it.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._borrow import borrow
from .._rng import next_below, next_double, stream_start
from ._prefetch import prefetch
from .plan import IC_ALL, IC_COIN, IC_COIN_SHARED, IC_NONE, IC_SKIP, LT_NONE, LT_UNIFORM

__all__ = ["draw_rr_set", "draw_block", "hit_block", "rr_roots"]


@njit(cache=True, nogil=True, inline="always")
def ic_rr_set(root, state, visited, out, begin, cap, info, info_f, in_sources, in_probs,
              alt_sources, alt_probs, alt_values, stop_at):
    """Draw one IC RR set from ``root`` into ``out[begin:cap]``.

    Returns ``(end, state, hit)``.  When the set might not fit, ``end`` is
    ``-(written end) - 1`` (negative): room is checked once per expanded node,
    for all its in-arcs, not once per write, which keeps the inner loops
    tight; the caller redraws the same set with more room.  If ``stop_at`` is
    non-empty, the draw stops at the first node ``u`` with ``stop_at[u]``
    (``hit`` True).  The ``visited`` flags of the written nodes are left set;
    the caller clears them.

    Each routine writes out the same few lines that add a node to the set: an
    ``inline="always"`` helper for them drew the same sets 10-40% slower
    (1M Chung-Lu WC, Slashdot trivalency and uniform 0.01, paired runs).
    """
    check = stop_at.shape[0] > 0
    if begin >= cap:
        return -begin - 1, state, False
    visited[root] = 1
    out[begin] = root
    pos = begin + 1
    if check and stop_at[root]:
        return pos, state, True
    head = begin
    while head < pos:
        v = out[head]
        head += 1
        if head < pos:  # the next node's record is (being) fetched: ask for its arcs
            prefetch(in_sources, info[4 * np.int64(out[head])])
        rec = 4 * np.int64(v)
        word = info[rec + 1]
        md = word & 15
        if md == IC_NONE:
            continue
        lo = info[rec]
        hi = word >> 4
        if pos + (hi - lo) > cap:
            return -pos - 1, state, False
        if md == IC_SKIP:
            inv_lq = info_f[rec + 2]
            state, u01 = next_double(state)
            if 1.0 - u01 <= info_f[rec + 3]:
                continue  # the first skip would pass the last arc: none is live
            i = lo
            while True:
                skip = math.log(1.0 - u01) * inv_lq
                if skip >= hi - i:
                    break
                i += int(skip)
                src = in_sources[i]
                if not visited[src]:
                    visited[src] = 1
                    out[pos] = src
                    prefetch(info, 4 * np.int64(src))
                    pos += 1
                    if check and stop_at[src]:
                        return pos, state, True
                i += 1
                state, u01 = next_double(state)
        elif md == IC_COIN_SHARED:
            p = info_f[rec + 2]
            for i in range(lo, hi):
                state, u01 = next_double(state)
                if u01 < p:
                    src = in_sources[i]
                    if not visited[src]:
                        visited[src] = 1
                        out[pos] = src
                        prefetch(info, 4 * np.int64(src))
                        pos += 1
                        if check and stop_at[src]:
                            return pos, state, True
        elif md == IC_COIN:
            for i in range(lo, hi):
                state, u01 = next_double(state)
                if u01 < in_probs[i]:
                    src = in_sources[i]
                    if not visited[src]:
                        visited[src] = 1
                        out[pos] = src
                        prefetch(info, 4 * np.int64(src))
                        pos += 1
                        if check and stop_at[src]:
                            return pos, state, True
        elif md == IC_ALL:
            for i in range(lo, hi):
                src = in_sources[i]
                if not visited[src]:
                    visited[src] = 1
                    out[pos] = src
                    prefetch(info, 4 * np.int64(src))
                    pos += 1
                    if check and stop_at[src]:
                        return pos, state, True
        else:  # IC_SORTED: thinning under the largest remaining probability
            i = lo
            while i < hi:
                q = np.float64(alt_probs[i])
                if q <= 0.0:
                    break
                if q >= 1.0:
                    j = i
                else:
                    state, u01 = next_double(state)
                    skip = math.log(1.0 - u01) * alt_values[i]
                    if skip >= hi - i:
                        break
                    j = i + int(skip)
                    p = np.float64(alt_probs[j])
                    if p < q:
                        state, u01 = next_double(state)
                        if u01 * q >= p:
                            i = j + 1
                            continue
                src = alt_sources[j]
                if not visited[src]:
                    visited[src] = 1
                    out[pos] = src
                    prefetch(info, 4 * np.int64(src))
                    pos += 1
                    if check and stop_at[src]:
                        return pos, state, True
                i = j + 1
    return pos, state, False


@njit(cache=True, nogil=True, inline="always")
def lt_rr_set(root, state, visited, out, begin, cap, info, info_f, in_sources, alt_values,
              stop_at):
    """Draw one LT RR set (a reverse random walk) from ``root``; see :func:`ic_rr_set`."""
    check = stop_at.shape[0] > 0
    if begin >= cap:
        return -begin - 1, state, False
    visited[root] = 1
    out[begin] = root
    pos = begin + 1
    if check and stop_at[root]:
        return pos, state, True
    v = root
    while True:
        rec = 4 * np.int64(v)
        word = info[rec + 1]
        md = word & 15
        if md == LT_NONE:
            break
        lo = info[rec]
        hi = word >> 4
        state, u01 = next_double(state)
        if md == LT_UNIFORM:
            pick = u01 / info_f[rec + 2]
            if pick >= hi - lo:
                break
            src = in_sources[lo + int(pick)]
        else:  # LT_CUMULATIVE: first arc whose prefix sum exceeds u01
            if u01 >= alt_values[hi - 1]:
                break
            a = lo
            b = hi - 1
            while a < b:
                mid = (a + b) >> 1
                if alt_values[mid] > u01:
                    b = mid
                else:
                    a = mid + 1
            src = in_sources[a]
        if visited[src]:
            break
        if pos >= cap:
            return -pos - 1, state, False
        visited[src] = 1
        out[pos] = src
        pos += 1
        if check and stop_at[src]:
            return pos, state, True
        v = src
    return pos, state, False


@njit(cache=True, nogil=True, inline="always")
def draw_rr_set(model, index, seed, n, visited, out, begin, cap, info, info_f, in_sources,
                in_probs, alt_sources, alt_probs, alt_values, stop_at):
    """RR set number ``index`` of family ``seed``: ``(end, hit)``; ``end`` < 0 when it
    might not fit (``-end - 1`` entries written), as in :func:`ic_rr_set`."""
    state = stream_start(seed, index)
    state, root = next_below(state, n)
    if model == 0:
        end, state, hit = ic_rr_set(root, state, visited, out, begin, cap, info, info_f,
                                    in_sources, in_probs, alt_sources, alt_probs, alt_values,
                                    stop_at)
    else:
        end, state, hit = lt_rr_set(root, state, visited, out, begin, cap, info, info_f,
                                    in_sources, alt_values, stop_at)
    return end, hit


@njit(cache=True, nogil=True)
def rr_roots(seed, n, start, count):
    """int64[n]: how many of RR sets ``start .. start + count - 1`` of family
    ``seed`` are rooted at each node.  A root is the first draw of its set's
    stream (:func:`draw_rr_set`), so the sets need not be at hand (a sharded
    collection's coordinator knows its roots without asking the workers)."""
    counts = np.zeros(n, dtype=np.int64)
    for j in range(start, start + count):
        state, root = next_below(stream_start(seed, j), n)
        counts[root] += 1
    return counts


@njit(cache=True, nogil=True, inline="always")
def _clear(visited, out, begin, end):
    for i in range(begin, end):
        visited[out[i]] = 0


@njit(cache=True, nogil=True)
def draw_block(model, n, info, info_f, in_sources, in_probs, alt_sources, alt_probs, alt_values,
               seed, start, first, last, out, seen, sizes, no_stop):
    """Draw sets ``start + first .. start + last - 1`` one after the other into ``out``.

    Returns the end position, or -1 if they did not fit (the caller retries
    with a bigger ``out``: same streams, same sets).  ``sizes[j]`` receives the
    size of set ``j``; ``seen`` (visited flags, all zero) is left all zero.
    """
    info, info_f, in_sources, in_probs = borrow(info), borrow(info_f), borrow(in_sources), \
        borrow(in_probs)
    alt_sources, alt_probs, alt_values = borrow(alt_sources), borrow(alt_probs), \
        borrow(alt_values)
    out, seen, sizes, no_stop = borrow(out), borrow(seen), borrow(sizes), borrow(no_stop)
    pos = 0
    cap = out.shape[0]
    for j in range(first, last):
        end, hit = draw_rr_set(model, start + j, seed, n, seen, out, pos, cap, info, info_f,
                               in_sources, in_probs, alt_sources, alt_probs, alt_values,
                               no_stop)
        if end < 0:
            _clear(seen, out, pos, -end - 1)
            return -1
        _clear(seen, out, pos, end)
        sizes[j] = end - pos
        pos = end
    return pos


@njit(cache=True, nogil=True)
def hit_block(model, n, info, info_f, in_sources, in_probs, alt_sources, alt_probs, alt_values,
              seed, start, first, last, stop_at, seen, hits):
    """``hits[j]`` = 1 if RR set ``start + j`` meets ``stop_at``, for ``first <= j < last``.

    Each draw stops at the first marked node, so sets that hit cost less than
    full sets.  ``seen`` (all zero) is left all zero.
    """
    info, info_f, in_sources, in_probs = borrow(info), borrow(info_f), borrow(in_sources), \
        borrow(in_probs)
    alt_sources, alt_probs, alt_values = borrow(alt_sources), borrow(alt_probs), \
        borrow(alt_values)
    stop_at, seen, hits = borrow(stop_at), borrow(seen), borrow(hits)
    queue = np.empty(1024, dtype=np.int32)
    for j in range(first, last):
        while True:
            end, hit = draw_rr_set(model, start + j, seed, n, seen, queue, 0, queue.shape[0],
                                   info, info_f, in_sources, in_probs, alt_sources, alt_probs,
                                   alt_values, stop_at)
            if end >= 0:
                _clear(seen, queue, 0, end)
                break
            _clear(seen, queue, 0, -end - 1)
            queue = np.empty(2 * queue.shape[0], dtype=np.int32)
        hits[j] = 1 if hit else 0
