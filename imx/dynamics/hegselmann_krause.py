"""Hegselmann-Krause (HK) and the ego update: synchronous bounded-confidence steps.

Hegselmann, Krause, "Opinion dynamics and bounded confidence: models, analysis
and simulation", JASSS 5(3) (2002).  In one step every node, at the same time,
takes the mean of itself and of its in-neighbours within epsilon (an arc
``u -> v`` means that ``u`` influences ``v``; an undirected graph has both):

    x_i <- x_i + mu * sum_{j in S_i} w_j (x_j - x_i) / (w_self + sum_{j in S_i} w_j)

with ``mu = 1`` (classic HK) by default.  Tie weights ``w_j`` are 1, the
graph's arc probabilities, or a given array; the node's own weight ``w_self``
is 1 unweighted and the mean of its in-weights when weighted, so it counts as
one typical neighbour.

The *ego update* (Mukta et al., arXiv 2109.08021) is the same step without the
self term: ``x_i += mu * mean over friends within epsilon of (x_j - x_i)``.

Nodes are split into blocks processed in parallel (numba ``prange``); each node
writes only its own row of the next state, so results do not depend on the
thread count.  Steps with little work (fewer than :data:`SERIAL_WORK` arc x
dimension visits) run on the calling thread: the same result without the cost
of waking the workers for every step.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .rules import pull_row

__all__ = ["sync_steps", "sync_steps_serial", "self_weight", "SERIAL_WORK"]


@njit(cache=True, nogil=True)
def self_weight(i, in_offsets, weights, weighted, include_self):
    """Weight of a node's own value in its HK mean (0 for the ego update)."""
    if not include_self:
        return 0.0
    if not weighted:
        return 1.0
    lo = in_offsets[i]
    hi = in_offsets[i + 1]
    if hi == lo:
        return 1.0
    s = 0.0
    for a in range(lo, hi):
        s += weights[a]
    return s / (hi - lo)


def _sync_steps(x, buf, in_offsets, in_sources, weights, weighted, eps, mu, vector, include_self,
                stubborn, clip, nsteps, tol, block_change):
    """Run ``nsteps`` synchronous steps on ``x`` in place (``buf`` is scratch of x's shape).

    ``block_change`` has one slot per block of nodes (its length sets the number of
    blocks).  Stops after the first step whose largest change is below ``tol``
    (when ``tol > 0``).  Returns ``(steps done, largest change of the last step)``.
    The two states swap roles each step (one parallel region per step); the
    final state is copied into ``x`` at the end when needed.
    """
    n, d = x.shape
    blocks = block_change.shape[0]
    change = 0.0
    cur = x
    nxt = buf
    done = nsteps
    for s in range(nsteps):
        for b in prange(blocks):
            lo = b * n // blocks
            hi = (b + 1) * n // blocks
            acc = np.empty(d)
            wsum = np.empty(d)
            best = 0.0
            for i in range(lo, hi):
                if stubborn[i] != 0:
                    for k in range(d):
                        nxt[i, k] = cur[i, k]
                    continue
                sw = self_weight(i, in_offsets, weights, weighted, include_self)
                c = pull_row(cur[i], cur, in_offsets[i], in_offsets[i + 1], in_sources, weights,
                             weighted, 0, eps, mu, vector, sw, clip, acc, wsum, nxt[i])
                if c > best:
                    best = c
            block_change[b] = best
        cur, nxt = nxt, cur
        change = 0.0
        for b in range(blocks):
            if block_change[b] > change:
                change = block_change[b]
        if tol > 0.0 and change < tol:
            done = s + 1
            break
    if done % 2 == 1:  # the last state is in buf
        for b in prange(blocks):
            lo = b * n // blocks
            hi = (b + 1) * n // blocks
            for i in range(lo, hi):
                for k in range(d):
                    x[i, k] = buf[i, k]
    return done, change


#: Parallel over blocks of nodes.
sync_steps = njit(cache=True, nogil=True, parallel=True)(_sync_steps)
#: The same steps on the calling thread: no parallel region to wait for, which wins when a
#: step is short (a parallel region costs a wake-up of every worker, far more on a busy machine).
sync_steps_serial = njit(cache=True, nogil=True)(_sync_steps)

#: Below this many (arc x dimension) visits per step, simulate() runs steps serially.
SERIAL_WORK = 1 << 20
