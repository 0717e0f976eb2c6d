"""OPIM-C: influence maximization with an instance-specific certificate.

Tang, Tang, Sun, Xiao, "Online Processing Algorithms for Influence
Maximization", SIGMOD 2018, Algorithm 2 (OPIM-C), as in the authors' code:

1. theta_0 = 2((1-1/e) alpha + beta)^2 RR sets in each of two independent
   collections R1 (selection) and R2 (validation); i_max doublings at most,
   up to theta_max = theta_0 * n / (k eps^2).
2. Each round: greedy on R1 gives S and an upper bound on OPT's coverage in
   R1 (the tightened bound: min over greedy prefixes S_i of coverage(S_i) +
   the k largest marginal coverages); R2 gives an unbiased coverage of S.
3. Lower bound on sigma(S) from R2 and upper bound on OPT from R1, each
   failing with probability delta / (3 i_max) (:mod:`imx.solvers.bounds`).
   Stop once lower / upper >= 1 - 1/e - eps, else double both collections.

By default two things differ from the paper (``fast=True`` restores it): the
greedy on R1 picks by the rooted score (marginal coverage minus the sets
rooted at the node: the same expected spread, less noise, so better seeds
from the same sets; :func:`~imx.solvers.coverage.greedy_max_coverage`), and
the doubling goes on past certification while the seeds still improve
(:mod:`imx.solvers.quality`).  The certificate is the paper's either way: it
holds for any seed set, however it was picked.

Online mode (OPIM): with ``time_budget`` seconds or ``max_rr_sets`` sets the
doubling also stops when the budget is spent (the last round is shortened to
fit) and the seeds come with the ratio actually certified.

With several threads, the (sequential) index and greedy pass on R1 runs in a
background thread while R2 is drawn; the record's phases then overlap and
``counters['seconds']`` holds the elapsed time.
"""
from __future__ import annotations

import time
from typing import Callable

from .. import _validate
from ..record import RunRecord
from ..sampling.memory import format_bytes, resolve_budget
from ..sampling.plan import MODELS, get_plan, model_code
from .._pool import resolve_threads
from .bounds import (APPROX_GREEDY, opim_confidence, opim_first_round, opim_iterations,
                     opim_lower, opim_theta_max, opim_theta_zero, opim_upper)
from .doubling import Certificate, max_coverage, rr_pair, run_doubling
from .quality import KeepImproving
from .result import IMResult, validate_common

__all__ = ["opim_c"]


def opim_c(graph, k: int, *, model: str = "ic", eps: float = 0.1, delta: float | None = None,
           seed: int = 1, threads: int | None = None, time_budget: float | None = None,
           max_rr_sets: int | None = None, max_memory: int | None = None,
           progress: Callable | None = None, method: str = "auto",
           collections: Callable | None = None, fast: bool = False) -> IMResult:
    """Select ``k`` seeds with OPIM-C and certify their approximation ratio.

    Parameters
    ----------
    graph : imx.Graph
    k : int
        Number of seeds, 1..n.
    model : {'ic', 'lt'}
    eps : float
        Target: stop once the certified ratio reaches 1 - 1/e - eps (default 0.1).
    delta : float, optional
        Failure probability of the certificate (default 1/n).
    seed : int
        Random seed (RR streams of R1 and R2 derive from it).
    threads : int, optional
        Worker threads (default: all); the answer does not depend on it.
    time_budget : float, optional
        Online mode: stop after about this many seconds with the best seeds so far.
    max_rr_sets : int, optional
        Online mode: draw at most this many RR sets (R1 and R2 together).
    max_memory : int, optional
        Byte budget of the RR collections (default 80% of available memory);
        MemoryBudgetError before a round that would exceed it.
    progress : callable, optional
        ``progress(round, i_max, label)`` after every round.
    method : {'auto', 'coin', 'skip'}
        Sampling routine (testing aid; all draw the same distribution).
    collections : callable, optional
        ``collections(family, start)`` makes R1 and R2 (:class:`imx.sampling.RRSets`;
        default local ones); :func:`imx.maximize_influence` passes sharded
        ones for ``cluster=``.  The answer does not change.
    fast : bool
        The paper's algorithm: plain greedy, stop at the first certified round
        (the cheapest certified answer).  By default the greedy picks by the
        rooted score (lower variance for the same sets: see
        :func:`~imx.solvers.coverage.greedy_max_coverage`) and the doubling
        goes on while the seeds still improve (:mod:`imx.solvers.quality`);
        the record's ``stop`` says why the run ended and ``greedy`` which
        score picked.

    Returns
    -------
    IMResult
        seeds in selection order, spread (R2 estimate), lower_bound (on the
        seeds' spread), upper_bound (on the optimum), approx_ratio, rr_sets, and
        the record (phases: plan, sampling, index, greedy, validation).

    References
    ----------
    Y. Tang, J. Tang, S. Sun, X. Xiao. Online Processing Algorithms for
    Influence Maximization. SIGMOD 2018.
    """
    k, eps, delta = validate_common(graph, k, eps, delta)
    model = MODELS[model_code(model)]
    if time_budget is not None:
        time_budget = _validate.positive(time_budget, "time_budget (seconds)")
    if max_rr_sets is not None:
        max_rr_sets = _validate.count(max_rr_sets, "max_rr_sets", minimum=2)
    seed = _validate.seed(seed)
    n = graph.n
    record = RunRecord()
    started = time.perf_counter()
    theta0 = opim_theta_zero(n, k, delta)
    theta_max = opim_theta_max(n, k, eps, delta)
    i_max = opim_iterations(theta0, theta_max)
    confidence = opim_confidence(delta, i_max)
    target = APPROX_GREEDY - eps
    nthreads = resolve_threads(threads)
    record.counters.update({"k": k, "eps": eps, "delta": delta, "model": model,
                            "theta_zero": theta0, "theta_max": theta_max, "i_max": i_max,
                            "target_ratio": target, "threads": nthreads,
                            "greedy": "plain" if fast else "rooted"})
    with record.phase("plan"):
        get_plan(graph, model, method)

    def certify(greedy, covered, r1, r2) -> Certificate:
        lower = opim_lower(covered, confidence) * n / r2.count
        upper = opim_upper(greedy.upper_bound, confidence) * n / r1.count
        ratio = lower / upper if upper > 0 else 0.0
        return Certificate(lower, upper, ratio, ratio >= target)

    # The greedy pass is sequential: with several threads it runs on R1 while
    # R2 is being drawn (both release the GIL), hiding its time.
    # default: keep doubling past certification while the seeds improve
    policy = None if fast else KeepImproving(n, k, delta)

    def coverage(r2, greedy, workers):
        if policy is None:
            return r2.coverage(greedy.seeds, threads=workers)
        return policy.compare(greedy.seeds, lambda nodes: r2.coverage(nodes, threads=workers),
                              r2.count)

    select, validate = rr_pair(n, model, seed, make=collections)
    run = run_doubling(
        graph, select, validate, theta_zero=theta0, theta_max=theta_max, rounds=i_max,
        select=lambda r1, workers, timer: max_coverage(r1, k, threads=workers, timer=timer,
                                                       rooted=not fast),
        validate=coverage, should_stop=None if policy is None else policy.should_stop,
        certify=certify, record=record, threads=nthreads,
        # sets made elsewhere are budgeted where they live (a cluster's workers)
        budget=resolve_budget(max_memory) if collections is None else None, what="OPIM-C",
        set_cap=None if max_rr_sets is None else int(max_rr_sets) // 2,
        time_budget=time_budget, overlap=True, method=method, progress=progress,
        label=lambda state: f"OPIM-C ratio {state.certificate.ratio:.3f}",
        # the quality rule compares each round's seeds with the round before's, so it
        # keeps the rounds that cannot certify; the paper's stop needs none of them
        first_round=0 if policy is not None else opim_first_round(theta0, i_max, target,
                                                                   confidence))
    select.drop_index()
    greedy, covered = run.selection, run.validation
    lower, upper, ratio = run.certificate.lower, run.certificate.upper, run.certificate.ratio
    record.counters.update({
        "r1_sets": select.count, "r2_sets": validate.count,
        "rr_sets": select.count + validate.count,
        "mean_rr_size": 0.5 * (select.mean_size() + validate.mean_size()),
        "coverage_r1": int(greedy.coverage), "coverage_r2": int(covered),
        "upper_coverage_r1": float(greedy.upper_bound), "approx_ratio": ratio,
        "collection_bytes": run.peak_bytes, "collection_memory": format_bytes(run.peak_bytes),
        # phases overlap (index and greedy run while R2 is drawn): the elapsed time
        "seconds": time.perf_counter() - started,
    })
    if policy is not None:
        record.counters.update(policy.counters())
    spread = n * covered / validate.count
    seeds = greedy.seeds
    return IMResult.of(graph, seeds, spread=spread, lower_bound=lower, upper_bound=upper,
                       approx_ratio=ratio, rr_sets=select.count + validate.count,
                       solver="opim-c", model=model, record=record)
