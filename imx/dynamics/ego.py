"""Predicting the egos' values of many ego networks at once (the fitting kernel).

For each ego network and each parameter set, the chosen model runs from the
observed values at t0 and the ego's final values are the prediction of its t1
values:

* ``ego`` (the default, Mukta et al. arXiv 2109.08021): only the ego moves;
  its friends keep their t0 values.  Each step is
  ``x_ego += mu * mean over friends within epsilon of (x_friend - x_ego)``.
* ``hk``: every node of the ego network follows Hegselmann-Krause.
* ``dw``: every node of the ego network follows Deffuant-Weisbuch, ``n_e``
  uniform random arcs per step; ego network ``e`` draws from the counter
  stream ``(seed, e)``, the same for every parameter set (common random
  numbers make the fitting objective smooth in the parameters).

All (parameter set, ego network) pairs run in parallel; each writes only its
own output row, so results do not depend on the thread count.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit, prange

from .._rng import next_below, stream_start
from ..errors import ParameterError
from .hegselmann_krause import self_weight
from .models import DISTANCES, MODELS, check_choice, epsilon_vector, numba_threads, param_vector
from .rules import dw_pair, pull_row

__all__ = ["predict_egos", "predict", "predict_many", "MODEL_CODES"]

MODEL_CODES = {"ego": 0, "hk": 1, "dw": 2}


@njit(cache=True, nogil=True, parallel=True)
def predict_egos(eps_all, mu_all, steps_all, node_offsets, ego_rows, in_offsets, in_sources,
                 weights, weighted, arc_heads, t0, model, vector, clip, seed, out):
    """Fill ``out[p, e]`` with ego ``e``'s values after ``steps_all[p]`` steps under
    parameters ``eps_all[p]``, ``mu_all[p]``.

    Rows of all ego networks are concatenated: network ``e`` owns rows
    ``node_offsets[e]..node_offsets[e+1]-1`` of ``t0`` and its ego is row
    ``ego_rows[e]``; in-neighbour lists (``in_offsets``/``in_sources``, global
    rows) stay inside the network.  ``arc_heads[a]`` is the node owning arc ``a``.
    """
    P = eps_all.shape[0]
    E = ego_rows.shape[0]
    d = t0.shape[1]
    for job in prange(P * E):
        p = job // E
        e = job - p * E
        eps = eps_all[p]
        mu = mu_all[p]
        steps = steps_all[p]
        base = node_offsets[e]
        ne = node_offsets[e + 1] - base
        ego = ego_rows[e]
        acc = np.empty(d)
        wsum = np.empty(d)
        if model == 0:
            xe = t0[ego].copy()
            for _ in range(steps):
                c = pull_row(xe, t0, in_offsets[ego], in_offsets[ego + 1], in_sources, weights,
                             weighted, 0, eps, mu, vector, 0.0, clip, acc, wsum, xe)
                if c == 0.0:
                    break  # a fixed point: friends are fixed, so nothing moves again
            for k in range(d):
                out[p, e, k] = xe[k]
        elif model == 1:
            cur = t0[base:base + ne].copy()
            nxt = np.empty_like(cur)
            for _ in range(steps):
                moved = 0.0
                for li in range(ne):
                    i = base + li
                    sw = self_weight(i, in_offsets, weights, weighted, True)
                    c = pull_row(cur[li], cur, in_offsets[i], in_offsets[i + 1], in_sources,
                                 weights, weighted, base, eps, mu, vector, sw, clip, acc, wsum,
                                 nxt[li])
                    if c > moved:
                        moved = c
                cur, nxt = nxt, cur
                if moved == 0.0:
                    break
            for k in range(d):
                out[p, e, k] = cur[ego - base, k]
        else:
            cur = t0[base:base + ne].copy()
            alo = in_offsets[base]
            me = in_offsets[base + ne] - alo
            state = stream_start(seed, e)
            if me > 0:
                for _ in range(steps):
                    for _t in range(ne):
                        state, r = next_below(state, me)
                        a = alo + r
                        dw_pair(cur, in_sources[a] - base, arc_heads[a] - base, eps, mu, vector,
                                True, True, clip)
            for k in range(d):
                out[p, e, k] = cur[ego - base, k]


def predict_many(egos, eps_all: np.ndarray, mu_all: np.ndarray, steps_all: np.ndarray, *,
                 model: str = "ego", distance: str = "dimension", weighted: bool = False,
                 seed: int = 1, clip: bool = True) -> np.ndarray:
    """``P x E x d`` predicted t1 values of the egos for P parameter sets.

    ``eps_all`` is ``P x d`` (``P x 1`` for the vector distance), ``mu_all``
    ``P x d``, ``steps_all`` P non-negative integers.  Thread count: the caller's
    numba setting (see :func:`imx.dynamics.models.numba_threads`).
    """
    eps_all = np.ascontiguousarray(eps_all, dtype=np.float64)
    mu_all = np.ascontiguousarray(mu_all, dtype=np.float64)
    steps_all = np.ascontiguousarray(steps_all, dtype=np.int64)
    out = np.empty((eps_all.shape[0], len(egos), egos.d))
    predict_egos(eps_all, mu_all, steps_all, egos.node_offsets, egos.ego_rows, egos.in_offsets,
                 egos.in_sources, egos.weights, bool(weighted), egos.arc_heads, egos.t0,
                 MODEL_CODES[model], distance == "vector", bool(clip), int(seed), out)
    return out


def predict(egos, epsilon: float | Sequence[float], mu: float | Sequence[float], *,
            steps: int = 1, model: str = "ego", distance: str = "dimension",
            weighted: bool = False, seed: int = 1, clip: bool = True,
            threads: int | None = None) -> np.ndarray:
    """``E x d`` predicted t1 values of the egos of ``egos`` (an :class:`EgoNetworks`).

    See :mod:`imx.dynamics.ego` for the three models.
    """
    check_choice(model, MODELS, "model")
    check_choice(distance, DISTANCES, "distance")
    if int(steps) != steps or steps < 0:
        raise ParameterError(f"steps must be a non-negative integer, got {steps!r}")
    eps = epsilon_vector(epsilon, egos.d, distance)
    mu_v = param_vector(mu, egos.d, "mu")
    with numba_threads(threads):
        return predict_many(egos, eps[None, :], mu_v[None, :], np.array([int(steps)]),
                            model=model, distance=distance, weighted=weighted, seed=seed,
                            clip=clip)[0]

