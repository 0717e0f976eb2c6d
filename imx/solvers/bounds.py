"""Bounds and sample-size formulas of the RR-set solvers, as pure functions.

Everything here is plain arithmetic on floats: no graph, no sampling, so each
formula can be checked on its own.  Coverages are *counts* of RR sets; turn a
count into a spread estimate with ``n * count / number_of_sets``.

References
----------
.. [OPIM] Y. Tang, J. Tang, S. Sun, X. Xiao, "Online Processing Algorithms for
   Influence Maximization", SIGMOD 2018 (OPIM-C: Lemmas 4.2/4.3, Algorithm 2).
.. [IMM] Y. Tang, Y. Shi, X. Xiao, "Influence Maximization in Near-Linear Time:
   A Martingale Approach", SIGMOD 2015 (Equations 6, 8, 9; Algorithm 2), with
   the fix of W. Chen, "An Issue in the Martingale Analysis of the Influence
   Maximization Algorithm IMM", 2018 (resample after estimating theta).
"""
from __future__ import annotations

import math

from ..errors import ParameterError

__all__ = [
    "APPROX_GREEDY", "log_comb", "sample_core", "theta_max",
    "opim_lower", "opim_upper", "opim_theta_zero", "opim_theta_max", "opim_iterations",
    "opim_confidence", "imm_epsilon_prime", "imm_ell", "imm_lambda_prime", "imm_lambda_star",
]

#: The greedy approximation factor of maximum coverage, 1 - 1/e.
APPROX_GREEDY = 1.0 - 1.0 / math.e


#: Largest sample size a bound may ask for: set counts are int64 everywhere.
MAX_SETS = 2 ** 62


def _check_delta(delta: float) -> float:
    if not (0.0 < delta < 1.0):
        raise ParameterError(f"delta must be in (0, 1), got {delta!r}")
    a = math.log(1.0 / delta)
    if not math.isfinite(a):
        raise ParameterError(f"delta={delta!r} is too small: ln(1/delta) is not finite")
    return a


def _check_eps(eps: float) -> None:
    if not (0.0 < eps < 1.0):
        raise ParameterError(f"eps must be in (0, 1), got {eps!r}")


def _sample_size(numerator: float, eps: float, per: float = 1.0) -> float:
    """``numerator / eps**2``, refused (ParameterError, not ZeroDivisionError or
    an overflow later) when eps is so small that ``value / per`` RR sets could
    not be counted."""
    square = eps * eps
    value = numerator / square if square > 0 else math.inf
    _countable(value / max(per, 1.0), eps)
    return value


def _countable(sets: float, eps: float) -> None:
    if not sets < MAX_SETS:
        raise ParameterError(
            f"eps={eps!r} is too small: the worst-case sample size would be {sets:.3g} RR "
            f"sets, past the {MAX_SETS:.3g} that can be counted")


def log_comb(n: int, k: int) -> float:
    """Natural logarithm of the binomial coefficient C(n, k).

    Exact to floating-point precision through ``lgamma``; ``log_comb(n, 0) == 0``.

    >>> round(log_comb(10, 3), 6) == round(math.log(120), 6)
    True
    """
    if k < 0 or k > n:
        raise ParameterError(f"log_comb needs 0 <= k <= n, got n={n}, k={k}")
    return math.lgamma(n + 1.0) - math.lgamma(k + 1.0) - math.lgamma(n - k + 1.0)


def opim_lower(coverage: float, delta: float) -> float:
    """Lower confidence bound on the expected coverage of a fixed seed set.

    With probability at least ``1 - delta`` the expected number of RR sets (out
    of the same number of independent ones) covered by the set is at least::

        (sqrt(cov + 2a/9) - sqrt(a/2))**2 - a/18,     a = ln(1/delta)

    [OPIM]_ Lemma 4.2.  The seed set must not depend on the sets counted (use
    a validation collection).  The bound is clamped at 0: when
    ``sqrt(cov + 2a/9) <= sqrt(a/2)`` the data cannot exclude zero.
    """
    a = _check_delta(delta)
    if coverage < 0:
        raise ParameterError(f"coverage must be non-negative, got {coverage!r}")
    root = math.sqrt(coverage + 2.0 * a / 9.0) - math.sqrt(a / 2.0)
    if root <= 0.0:
        return 0.0
    return max(0.0, root * root - a / 18.0)


def opim_upper(coverage_upper: float, delta: float) -> float:
    """Upper confidence bound on the expected coverage of the optimal seed set.

    ``coverage_upper`` is any upper bound on the optimum's coverage in the
    collection (e.g. greedy coverage / (1 - 1/e), or the tightened bound of
    :func:`imx.solvers.coverage.greedy_max_coverage`).  With probability at least
    ``1 - delta``::

        E[coverage of OPT] <= (sqrt(cov_up + a/2) + sqrt(a/2))**2,   a = ln(1/delta)

    [OPIM]_ Lemma 4.3.
    """
    a = _check_delta(delta)
    if coverage_upper < 0:
        raise ParameterError(f"coverage_upper must be non-negative, got {coverage_upper!r}")
    root = math.sqrt(coverage_upper + a / 2.0) + math.sqrt(a / 2.0)
    return root * root


def sample_core(log_choices: float, delta: float, approx: float) -> float:
    """``(approx * alpha + beta)**2`` of OPIM-style sample sizes.

    alpha = sqrt(ln(6/delta)), beta = sqrt(approx (ln N + ln(6/delta))), with
    ``log_choices = ln N`` the log of the number of possible answers and
    ``approx`` the approximation factor of the greedy (1 - 1/e for plain IM,
    1/2 on a partition matroid).  ``2 * sample_core`` sets suffice for the
    first check ([OPIM]_ Algorithm 2, theta_0).
    """
    _check_delta(delta)
    log6 = math.log(6.0 / delta)
    if not (0.0 < approx <= 1.0):
        raise ParameterError(f"approx must be in (0, 1], got {approx!r}")
    return (approx * math.sqrt(log6) + math.sqrt(approx * (log_choices + log6))) ** 2


def theta_max(n: int, eps: float, delta: float, *, log_choices: float, opt_lower: float,
              approx: float = APPROX_GREEDY) -> float:
    """Worst-case sample size of OPIM-style doubling: past this many RR sets in R1
    the greedy answer is (approx - eps)-approximate with probability 1 - delta/3
    whatever the bounds say::

        2 n (approx alpha + beta)**2 / (eps**2 opt_lower)     (see :func:`sample_core`)

    ``opt_lower`` is any lower bound on the optimum's spread (k for plain IM:
    every seed reaches itself).  One formula for OPIM-C ([OPIM]_), CIM's
    RR-OPIM (Zhang et al. 2023, Eq. 1), local OPIM and HeteroIM.  A float; the
    solvers round it their way.  ParameterError, never an arithmetic error,
    when eps or delta is so small that the size is not a usable count.

    >>> round(theta_max(100, 0.5, 0.01, log_choices=0.0, opt_lower=1.0, approx=0.5), 3)
    7456.808
    """
    _check_eps(eps)
    if not opt_lower > 0:
        raise ParameterError(f"opt_lower must be positive, got {opt_lower!r}")
    core = sample_core(log_choices, delta, approx)
    denominator = eps * eps * opt_lower
    value = 2.0 * n * core / denominator if denominator > 0 else math.inf
    _countable(value, eps)
    return value


def _opim_core(n: int, k: int, delta: float) -> float:
    """((1 - 1/e) * alpha + beta)**2 of OPIM-C, alpha/beta with ln(6/delta)."""
    return sample_core(log_comb(n, k), delta, APPROX_GREEDY)


def opim_theta_zero(n: int, k: int, delta: float) -> int:
    """Size of OPIM-C's first R1 (and R2): ``floor(2 ((1-1/e) alpha + beta)**2)``.

    Equals ``theta_max * eps**2 * k / n``; at least 1.
    """
    _check_delta(delta)
    return max(1, int(2.0 * _opim_core(n, k, delta)))


def opim_theta_max(n: int, k: int, eps: float, delta: float) -> int:
    """OPIM-C's cap on |R1|: :func:`theta_max` with opt_lower = k, plus 1.

    alpha = sqrt(ln(6/delta)), beta = sqrt((1-1/e)(ln C(n,k) + ln(6/delta))).
    Past this many sets the greedy answer is a (1-1/e-eps)-approximation with
    probability 1 - delta/3 whatever the bounds say ([OPIM]_ Algorithm 2).
    """
    return int(theta_max(n, eps, delta, log_choices=log_comb(n, k), opt_lower=k)) + 1


def opim_iterations(theta_zero: int, theta_max: int) -> int:
    """Number of doublings i_max = floor(log2(theta_max // theta_zero)) + 1."""
    ratio = max(1, theta_max // max(1, theta_zero))
    return int(math.floor(math.log2(ratio))) + 1


def opim_first_round(theta_zero: int, rounds: int, target: float, confidence: float) -> int:
    """Index of the first doubling round (``theta_zero * 2**i`` sets) whose bounds can
    reach ``target``; the rounds before it cannot certify, so drawing and checking
    them only costs time.

    A round certifies when ``opim_lower(c2) / opim_upper(u1) >= target``, with c2
    the validation coverage and u1 >= c1, the selection's coverage of its own sets.
    Greedy picks on those sets, so c1 >= c2 in all but freak samples, and the
    ratio is then at most ``opim_lower(c2) / opim_upper(c2)``, which grows with
    c2 <= theta.  Skipping changes no bound: the union bound pays for ``rounds``
    checks whichever are made.

    >>> opim_first_round(34, 10, 0.4, 1e-5)
    2
    >>> opim_first_round(34, 10, 0.0, 1e-5)
    0
    """
    for i in range(rounds):
        theta = float(theta_zero << i)
        if opim_lower(theta, confidence) >= target * opim_upper(theta, confidence):
            return i
    return max(0, rounds - 1)


def opim_confidence(delta: float, iterations: int) -> float:
    """Per-bound failure probability delta / (3 i_max) of OPIM-C's union bound.

    Pass it to :func:`opim_lower` / :func:`opim_upper`: then
    ``a = ln(3 i_max / delta)`` as in [OPIM]_.
    """
    _check_delta(delta)
    return delta / (3.0 * max(1, iterations))


def imm_epsilon_prime(eps: float) -> float:
    """IMM's eps' = sqrt(2) eps used while estimating a lower bound of OPT."""
    return math.sqrt(2.0) * eps


def imm_ell(n: int, delta: float) -> float:
    """IMM's ell for failure probability delta (delta = n**-ell), raised by
    (1 + ln 2 / ln n) so that both phases together fail with at most delta."""
    _check_delta(delta)
    if n < 2:
        return 1.0
    ell = math.log(1.0 / delta) / math.log(n)
    return ell * (1.0 + math.log(2.0) / math.log(n))


def imm_lambda_prime(n: int, k: int, eps_prime: float, ell: float) -> float:
    """lambda' = (2 + 2/3 eps')(ln C(n,k) + ell ln n + ln log2 n) n / eps'**2  ([IMM]_ Eq. 9)."""
    logn = math.log(max(n, 2))
    loglog = math.log(max(math.log2(max(n, 2)), 1.0))
    return _sample_size((2.0 + 2.0 / 3.0 * eps_prime) * (log_comb(n, k) + ell * logn + loglog)
                        * n, eps_prime, n)


def imm_lambda_star(n: int, k: int, eps: float, ell: float) -> float:
    """lambda* = 2n ((1-1/e) alpha + beta)**2 / eps**2  ([IMM]_ Eq. 6), with
    alpha = sqrt(ell ln n + ln 2), beta = sqrt((1-1/e)(ln C(n,k) + ell ln n + ln 2))."""
    logn = math.log(max(n, 2))
    alpha = math.sqrt(ell * logn + math.log(2.0))
    beta = math.sqrt(APPROX_GREEDY * (log_comb(n, k) + ell * logn + math.log(2.0)))
    return _sample_size(2.0 * n * (APPROX_GREEDY * alpha + beta) ** 2, eps, n)
