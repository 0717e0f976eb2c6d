"""IMM: influence maximization via martingales (Tang, Shi, Xiao, SIGMOD 2015).

1. Estimate a lower bound LB of OPT: for i = 1, 2, ..., with x = n / 2**i,
   grow the collection to lambda' / x sets and run greedy; stop once
   n * coverage / |R| >= (1 + eps') x, then LB = n * coverage / |R| / (1 + eps').
2. theta = lambda* / LB RR sets; greedy on them is a (1 - 1/e - eps)-approximation
   with probability 1 - delta.

As W. Chen (2018) pointed out, the sets of step 2 must be independent of the
ones that decided LB, so step 2 draws a fresh collection.  delta = n**-ell with
ell raised by (1 + ln 2 / ln n) for the two steps.  IMM gives an a-priori
guarantee, not an instance certificate: the result's ``lower_bound`` is None
and ``upper_bound`` is OPIM's upper bound on OPT from the final collection.
"""
from __future__ import annotations

import math
from typing import Callable

from .. import _validate
from ..errors import ParameterError
from ..record import RunRecord
from ..sampling.collection import RRCollection
from ..sampling.memory import check_budget, resolve_budget
from ..sampling.plan import MODELS, get_plan, model_code
from .._pool import resolve_threads
from ..sampling.sampler import derive_seed, estimate_bytes
from .bounds import (APPROX_GREEDY, imm_ell, imm_epsilon_prime, imm_lambda_prime,
                     imm_lambda_star, opim_upper)
from .doubling import index_bytes, max_coverage
from .result import IMResult, validate_common

__all__ = ["imm"]

_ROLE_ESTIMATE, _ROLE_FINAL = 3, 4


def imm(graph, k: int, *, model: str = "ic", eps: float = 0.1, delta: float | None = None,
        seed: int = 1, threads: int | None = None, time_budget: float | None = None,
        max_rr_sets: int | None = None, max_memory: int | None = None,
        progress: Callable | None = None, method: str = "auto",
        collections: Callable | None = None) -> IMResult:
    """Select ``k`` seeds with IMM.

    Parameters are those of :func:`imx.solvers.opim_c` (``collections`` makes
    the estimation and the final collection).  ``max_rr_sets`` caps the
    final collection (the guarantee then no longer holds; the record says so);
    ``time_budget`` is not supported by IMM (ParameterError: use OPIM-C's
    online mode).

    Returns
    -------
    IMResult
        spread = n * coverage / theta on the final collection (slightly
        optimistic: the seeds were chosen on it), upper_bound on OPT, no
        lower bound / certified ratio.

    References
    ----------
    Y. Tang, Y. Shi, X. Xiao. Influence Maximization in Near-Linear Time: A
    Martingale Approach. SIGMOD 2015.  W. Chen. An Issue in the Martingale
    Analysis of the Influence Maximization Algorithm IMM. 2018.
    """
    k, eps, delta = validate_common(graph, k, eps, delta)
    model = MODELS[model_code(model)]
    if time_budget is not None:
        raise ParameterError("IMM has no time budget; use solver 'opim-c' (its online mode)")
    if max_rr_sets is not None:
        max_rr_sets = _validate.count(max_rr_sets, "max_rr_sets", minimum=1)
    seed = _validate.seed(seed)
    n = graph.n
    record = RunRecord()
    # sets made elsewhere are budgeted where they live (a cluster's workers)
    budget = resolve_budget(max_memory) if collections is None else None
    if collections is None:
        def collections(family: int, start: int) -> RRCollection:
            return RRCollection(n, model=model, seed=family, start=start)
    ell = imm_ell(n, delta)
    eps_prime = imm_epsilon_prime(eps)
    lam_star = imm_lambda_star(n, k, eps, ell)  # first: its refusal names the user's eps
    lam_prime = imm_lambda_prime(n, k, eps_prime, ell)
    record.counters.update({"k": k, "eps": eps, "delta": delta, "model": model, "ell": ell,
                            "lambda_prime": lam_prime, "lambda_star": lam_star})
    with record.phase("plan"):
        get_plan(graph, model, method)
    estimate = collections(derive_seed(seed, _ROLE_ESTIMATE), 0)
    lower = 1.0
    rounds = max(1, int(math.ceil(math.log2(max(n, 2)))) - 1)
    nthreads = resolve_threads(threads)
    record.counters["threads"] = nthreads
    for i in range(1, rounds + 1):
        x = n / 2.0 ** i
        theta_i = int(math.ceil(lam_prime / x))
        with record.phase("sampling"):
            estimate.grow(graph, max(0, theta_i - estimate.count), threads=nthreads,
                          max_memory=budget, method=method)
        with record.phase("greedy"):
            found = max_coverage(estimate, k, bounds=False, threads=nthreads)
        if progress is not None:
            progress(i, rounds, "IMM estimating OPT")
        value = n * found.coverage / estimate.count
        if value >= (1.0 + eps_prime) * x:
            lower = value / (1.0 + eps_prime)
            break
    record.counters["estimate_sets"] = estimate.count
    record.counters["estimate_rounds"] = i
    mean = estimate.mean_size()
    del estimate, found
    theta = int(math.ceil(lam_star / lower))
    capped = max_rr_sets is not None and theta > int(max_rr_sets)
    if capped:
        theta = int(max_rr_sets)
    # the final collection and its index, refused before any of it is drawn
    check_budget(estimate_bytes(theta, mean) + index_bytes(theta, mean, n), budget,
                 f"IMM final sample ({theta:,} RR sets, mean size {mean:,.1f})")
    record.counters.update({"lower_bound_opt": lower, "theta": theta,
                            "guarantee_holds": not capped})
    final = collections(derive_seed(seed, _ROLE_FINAL), 0)
    with record.phase("sampling"):
        final.grow(graph, theta, threads=nthreads, max_memory=budget, method=method)
    with record.phase("greedy"):
        chosen = max_coverage(final, k, threads=nthreads)
    final.drop_index()
    spread = n * chosen.coverage / final.count
    upper = opim_upper(chosen.upper_bound, delta) * n / final.count
    rr_sets = final.count + record.counters["estimate_sets"]
    record.counters.update({"rr_sets": rr_sets, "coverage": int(chosen.coverage),
                            "mean_rr_size": final.mean_size(),
                            "a_priori_ratio": APPROX_GREEDY - eps if not capped else None})
    seeds = chosen.seeds
    return IMResult.of(graph, seeds, spread=spread, upper_bound=upper, rr_sets=rr_sets,
                       solver="imm", model=model, record=record)
