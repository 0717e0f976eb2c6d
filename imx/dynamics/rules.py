"""The bounded-confidence update rules, as numba functions on one node or one pair.

Both rules read "within epsilon" as ``distance <= epsilon``:

* ``distance="dimension"``: dimension ``k`` of two nodes interacts when
  ``|x_jk - x_ik| <= epsilon_k``; dimensions move independently.
* ``distance="vector"``: the nodes interact in every dimension when the
  root-mean-square distance ``sqrt(mean_k (x_jk - x_ik)**2) <= epsilon``
  (a scalar); the RMS keeps epsilon on the [0, 1] scale whatever ``d`` is.

With epsilon = 0 only equal values interact, which moves nothing.
"""
from __future__ import annotations

from numba import njit

__all__ = ["pull_row", "dw_pair"]


@njit(cache=True, nogil=True)
def pull_row(xi, x, lo, hi, sources, weights, weighted, shift, eps, mu, vector, self_weight,
             clip, acc, wsum, out):
    """Move a node towards the (weighted) mean of its in-neighbours within epsilon.

    ``out[k] = xi[k] + mu[k] * sum_j w_j (x_jk - xi[k]) / (self_weight + sum_j w_j)`` over the
    neighbours ``j = sources[a] - shift`` (``a`` in ``lo..hi-1``) within epsilon.  With
    ``self_weight = 0`` this is the ego update (mean of the friends' differences); with
    ``self_weight > 0`` and ``mu = 1`` it is the Hegselmann-Krause mean of the node and its
    close neighbours.  ``out`` may be ``xi`` itself.  Returns the largest absolute change.
    """
    d = xi.shape[0]
    if not vector:
        # one dimension at a time keeps the sums in registers
        change = 0.0
        for k in range(d):
            old = xi[k]
            bound = eps[k]
            total = 0.0
            weight = self_weight
            for a in range(lo, hi):
                diff = x[sources[a] - shift, k] - old
                # a select instead of a branch: whether a neighbour is close is random
                w = (weights[a] if weighted else 1.0) if abs(diff) <= bound else 0.0
                total += w * diff
                weight += w
            new = old
            if weight > 0.0 and total != 0.0:
                new = old + mu[k] * total / weight
                if clip:
                    new = min(1.0, max(0.0, new))
            c = abs(new - old)
            if c > change:
                change = c
            out[k] = new
        return change
    for k in range(d):
        acc[k] = 0.0
        wsum[k] = self_weight
    bound = eps[0] * eps[0] * d
    for a in range(lo, hi):
        j = sources[a] - shift
        s = 0.0
        for k in range(d):
            diff = x[j, k] - xi[k]
            s += diff * diff
        if s <= bound:
            w = weights[a] if weighted else 1.0
            for k in range(d):
                acc[k] += w * (x[j, k] - xi[k])
                wsum[k] += w
    change = 0.0
    for k in range(d):
        old = xi[k]
        new = old
        if wsum[k] > 0.0 and acc[k] != 0.0:
            new = old + mu[k] * acc[k] / wsum[k]
            if clip:
                new = min(1.0, max(0.0, new))
        c = abs(new - old)
        if c > change:
            change = c
        out[k] = new
    return change


@njit(cache=True, nogil=True)
def dw_pair(x, u, v, eps, mu, vector, move_u, move_v, clip):
    """One Deffuant-Weisbuch interaction of rows ``u`` and ``v`` of ``x`` (in place).

    Where the pair is within epsilon each moves a fraction ``mu`` of the gap towards
    the other, so the pair's sum is conserved unless a node is stubborn
    (``move_* = False``) or clipping bites.  Returns the largest absolute change.
    """
    d = x.shape[1]
    if vector:
        s = 0.0
        for k in range(d):
            diff = x[v, k] - x[u, k]
            s += diff * diff
        if s > eps[0] * eps[0] * d:
            return 0.0
    change = 0.0
    for k in range(d):
        diff = x[v, k] - x[u, k]
        if diff == 0.0 or (not vector and abs(diff) > eps[k]):
            continue
        step = mu[k] * diff
        if move_u:
            new = x[u, k] + step
            if clip:
                new = min(1.0, max(0.0, new))
            change = max(change, abs(new - x[u, k]))
            x[u, k] = new
        if move_v:
            new = x[v, k] - step
            if clip:
                new = min(1.0, max(0.0, new))
            change = max(change, abs(new - x[v, k]))
            x[v, k] = new
    return change
