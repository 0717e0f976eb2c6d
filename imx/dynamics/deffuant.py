"""Deffuant-Weisbuch (DW) bounded-confidence dynamics on a graph.

Deffuant, Neau, Amblard, Weisbuch, "Mixing beliefs among interacting agents",
Advances in Complex Systems 3 (2000).  One *step* is ``interactions`` pair
draws (default ``n``, one per node on average, as in ndlib's
AlgorithmicBiasModel).  Each pair is drawn either as a uniform random arc
(``pairing="arc"``) or as a uniform random node and then a uniform random
out-neighbour of it (``pairing="node"``, ndlib's order).  A pair within
epsilon moves a fraction ``mu`` towards each other (see :mod:`.rules`).

Draws of step ``s`` come from the counter stream ``(seed, s)`` of
:mod:`imx._rng`, so a run is reproducible and can be resumed step by step.
Interactions are sequential by nature: one run uses one thread (the kernel
releases the GIL, so independent runs can go in parallel threads).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .._names import BCM_PAIRINGS
from .._rng import next_below, stream_start
from .rules import dw_pair

__all__ = ["dw_steps", "PAIRINGS"]

PAIRINGS = BCM_PAIRINGS


@njit(cache=True, nogil=True)
def dw_steps(x, tails, out_offsets, out_targets, eps, mu, vector, stubborn, clip, pairing,
             interactions, seed, step0, nsteps, tol, snapshot):
    """Run ``nsteps`` DW steps (numbered from ``step0``) on ``x`` in place.

    ``stubborn`` is a uint8 mask; ``pairing`` 0 = uniform arc, 1 = node then
    neighbour.  With ``tol > 0`` the state at the start of each step is kept in
    ``snapshot`` and the run stops after the first step whose largest change is
    below ``tol``.  Returns ``(steps done, largest change of the last step)``;
    the change is -1 when it was not measured (``tol <= 0``).
    """
    n = x.shape[0]
    m = out_targets.shape[0]
    change = -1.0
    for s in range(nsteps):
        if tol > 0.0:
            snapshot[:, :] = x
        state = stream_start(seed, step0 + s)
        if m > 0:
            for _ in range(interactions):
                if pairing == 0:
                    state, a = next_below(state, m)
                    u = tails[a]
                    v = out_targets[a]
                else:
                    state, u = next_below(state, n)
                    lo = out_offsets[u]
                    deg = out_offsets[u + 1] - lo
                    if deg == 0:
                        continue
                    state, r = next_below(state, deg)
                    v = out_targets[lo + r]
                dw_pair(x, u, v, eps, mu, vector, stubborn[u] == 0, stubborn[v] == 0, clip)
        if tol > 0.0:
            change = 0.0
            for i in range(n):
                for k in range(x.shape[1]):
                    c = abs(x[i, k] - snapshot[i, k])
                    if c > change:
                        change = c
            if change < tol:
                return s + 1, change
    return nsteps, change


def arc_tails(out_offsets: np.ndarray) -> np.ndarray:
    """Tail of every arc in out-CSR order (int32)."""
    n = out_offsets.shape[0] - 1
    return np.repeat(np.arange(n, dtype=np.int32), np.diff(out_offsets))
