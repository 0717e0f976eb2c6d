"""Sizing maths of HeteroIM (pure functions): how many RR sets certify a 1/2-approximation."""
from __future__ import annotations

import math

import numpy as np

from ..bounds import theta_max

__all__ = ["hetero_theta_max", "log_binomial"]


def hetero_theta_max(n: int, eps: float, delta: float, log_choices: float,
                     opt_lower: float, approx: float = 0.5) -> float:
    """OPIM-C's theta_max with approximation ratio ``approx`` (1/2 here):
    :func:`imx.solvers.bounds.theta_max`, 0 when there is nothing to cover.

    ``log_choices`` is the log of the number of feasible answers (the sum over
    inviters of ln C(|C_u|, K)) and ``opt_lower`` a lower bound on the optimal
    coverage in users (see :meth:`.selection.InvitationProblem.opt_lower`).
    """
    if n <= 0 or opt_lower <= 0:
        return 0.0
    return theta_max(n, eps, delta, log_choices=log_choices, opt_lower=opt_lower, approx=approx)


def log_binomial(n: np.ndarray, k: np.ndarray) -> float:
    """``sum_i ln C(n_i, k_i)``: the log of the ways to pick ``k_i`` of ``n_i`` for every i."""
    if n.size == 0:
        return 0.0
    lg = np.vectorize(math.lgamma, otypes=[np.float64])
    n = n.astype(np.float64)
    k = k.astype(np.float64)
    return float(np.sum(lg(n + 1) - lg(k + 1) - lg(n - k + 1)))
