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

Online mode (OPIM): with ``time_budget`` seconds or ``max_rr_sets`` sets the
doubling also stops when the budget is spent (the last round is shortened to
fit) and the seeds come with the ratio actually certified.

With several threads, the (sequential) index and greedy pass on R1 runs in a
background thread while R2 is drawn; the record's phases then overlap and
``counters['seconds']`` holds the elapsed time.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from ..errors import ParameterError
from ..record import RunRecord
from ..sampling.collection import RRCollection
from ..sampling.memory import check_budget, format_bytes, resolve_budget
from ..sampling.plan import get_plan, model_code
from ..sampling._pool import resolve_threads
from ..sampling.sampler import append_rr_sets, derive_seed, estimate_bytes
from .bounds import (APPROX_GREEDY, opim_confidence, opim_iterations, opim_lower, opim_theta_max,
                     opim_theta_zero, opim_upper)
from .coverage import greedy_max_coverage
from .result import IMResult, validate_common

__all__ = ["opim_c"]

_ROLE_SELECT, _ROLE_VALIDATE = 1, 2


class _Selection(threading.Thread):
    """Index and greedy on R1, in the background or (``result`` without
    ``start``) in the caller's thread; times go to the record's phases."""

    def __init__(self, collection: RRCollection, k: int, threads: int):
        super().__init__(daemon=True)
        self.collection, self.k, self.threads = collection, k, threads
        self.greedy = None
        self.error: BaseException | None = None
        self.times: dict[str, tuple[float, float]] = {}

    def run(self) -> None:
        try:
            background = self.threads > 1
            workers = 1 if background else self.threads
            for phase in ("index", "greedy"):
                wall, cpu = time.perf_counter(), time.thread_time()
                if phase == "index":
                    self.collection.node_index32(threads=workers)
                else:
                    self.greedy = greedy_max_coverage(self.collection, self.k, threads=workers)
                self.times[phase] = (time.perf_counter() - wall, time.thread_time() - cpu)
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            self.error = exc

    def result(self, record: RunRecord):
        if self.is_alive() or self.ident is not None:
            self.join()
        else:
            self.run()
        if self.error is not None:
            raise self.error
        for phase, (wall, cpu) in self.times.items():
            record.phases[phase] = record.phases.get(phase, 0.0) + wall
            record.cpu[phase] = record.cpu.get(phase, 0.0) + cpu
        return self.greedy


def _round_size(it: int, theta0: int, have: int, per_set_seconds: float | None,
                time_left: float | None, set_cap: int | None) -> int:
    """RR sets per collection for round ``it``: theta0 * 2**it, cut to fit the budgets."""
    size = theta0 << it
    if set_cap is not None:
        size = min(size, set_cap)
    if time_left is not None and per_set_seconds is not None and have > 0:
        size = min(size, have + int(max(0.0, time_left) / max(per_set_seconds, 1e-12)))
    return max(size, 1)


def opim_c(graph, k: int, *, model: str = "ic", eps: float = 0.1, delta: float | None = None,
           seed: int = 1, threads: int | None = None, time_budget: float | None = None,
           max_rr_sets: int | None = None, max_memory: int | None = None,
           progress: Callable | None = None, method: str = "auto") -> IMResult:
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
    model = ("ic", "lt")[model_code(model)]
    if time_budget is not None and not time_budget > 0:
        raise ParameterError(f"time_budget must be positive seconds, got {time_budget!r}")
    if max_rr_sets is not None and int(max_rr_sets) < 2:
        raise ParameterError(f"max_rr_sets must be at least 2, got {max_rr_sets!r}")
    if int(seed) < 0:
        raise ParameterError("seed must be non-negative")
    n = graph.n
    record = RunRecord()
    started = time.perf_counter()
    theta0 = opim_theta_zero(n, k, delta)
    theta_max = opim_theta_max(n, k, eps, delta)
    i_max = opim_iterations(theta0, theta_max)
    confidence = opim_confidence(delta, i_max)
    target = APPROX_GREEDY - eps
    budget = resolve_budget(max_memory)
    set_cap = None if max_rr_sets is None else int(max_rr_sets) // 2
    select = RRCollection(n, model=model, seed=derive_seed(seed, _ROLE_SELECT))
    validate = RRCollection(n, model=model, seed=derive_seed(seed, _ROLE_VALIDATE))
    record.counters.update({"k": k, "eps": eps, "delta": delta, "model": model,
                            "theta_zero": theta0, "theta_max": theta_max, "i_max": i_max,
                            "target_ratio": target})
    with record.phase("plan"):
        get_plan(graph, model, method)
    result = None
    stop = "theta_max"
    per_set_seconds = None
    peak_bytes = 0
    rounds = 0
    nthreads = resolve_threads(threads)
    record.counters["threads"] = nthreads
    for it in range(i_max):
        elapsed = time.perf_counter() - started
        time_left = None if time_budget is None else time_budget - elapsed
        size = _round_size(it, theta0, select.count, per_set_seconds, time_left, set_cap)
        if it > 0 and size <= select.count:
            stop = "budget"
            break
        round_started = time.perf_counter()
        previous = select.count
        select.drop_index()
        if select.count:
            mean = 0.5 * (select.mean_size() + validate.mean_size())
            need = 3.0 * estimate_bytes(size, mean) + 16.0 * n
            check_budget(need, budget, f"OPIM-C round {it + 1} ({size:,} RR sets in each "
                         f"of R1 and R2, mean size {mean:,.1f})")
            part = None  # checked above for the whole round
        else:
            part = None if budget is None else budget // 3
        with record.phase("sampling"):
            append_rr_sets(select, graph, size - select.count, threads=nthreads,
                           max_memory=part, method=method)
        # The greedy pass is sequential: with several threads it runs on R1
        # while R2 is being drawn (both release the GIL), hiding its time.
        choose = _Selection(select, k, nthreads)
        if nthreads > 1:
            choose.start()
        with record.phase("sampling"):
            append_rr_sets(validate, graph, size - validate.count, threads=nthreads,
                           max_memory=part, method=method)
        greedy = choose.result(record)
        peak_bytes = max(peak_bytes, select.nbytes + validate.nbytes)
        with record.phase("validation"):
            covered = validate.coverage(greedy.seeds, threads=nthreads)
        lower = opim_lower(covered, confidence) * n / validate.count
        upper = opim_upper(greedy.upper_bound, confidence) * n / select.count
        ratio = lower / upper if upper > 0 else 0.0
        result = (greedy, covered, lower, upper, ratio)
        rounds = it + 1
        # seconds per new R1 set (sampling both collections, index, greedy)
        per_set_seconds = (time.perf_counter() - round_started) / max(1, size - previous)
        if progress is not None:
            progress(it + 1, i_max, f"OPIM-C ratio {ratio:.3f}")
        if ratio >= target:
            stop = "certified"
            break
        if set_cap is not None and select.count >= set_cap:
            stop = "budget"
            break
        if time_budget is not None and time.perf_counter() - started >= time_budget:
            stop = "budget"
            break
    select.drop_index()
    greedy, covered, lower, upper, ratio = result
    record.counters.update({
        "rounds": rounds,
        "stop": stop, "r1_sets": select.count, "r2_sets": validate.count,
        "rr_sets": select.count + validate.count,
        "mean_rr_size": 0.5 * (select.mean_size() + validate.mean_size()),
        "coverage_r1": int(greedy.coverage), "coverage_r2": int(covered),
        "upper_coverage_r1": float(greedy.upper_bound), "approx_ratio": ratio,
        "collection_bytes": int(peak_bytes), "collection_memory": format_bytes(peak_bytes),
        # phases overlap (index and greedy run while R2 is drawn): the elapsed time
        "seconds": time.perf_counter() - started,
    })
    spread = n * covered / validate.count
    seeds = greedy.seeds
    return IMResult(seeds=seeds, seed_labels=graph.label_list(seeds), spread=float(spread),
                    lower_bound=float(lower), upper_bound=float(upper), approx_ratio=float(ratio),
                    rr_sets=select.count + validate.count, solver="opim-c", model=model,
                    record=record.to_dict())
