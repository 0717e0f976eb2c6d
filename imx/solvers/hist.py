"""HIST: influence maximization with sentinel-stopped RR sets.

Guo, Wang, Wei, Chen, "Influence Maximization Revisited: Efficient
Reverse Reachable Set Generation with Bound Tightened", SIGMOD 2020, Sec. 5
(HIST), as in the authors' code (``subsimWithHIST``).  When influence is high
a full RR set holds a large share of the graph and OPIM-C pays for every
node of it; HIST pays for that only a few hundred times.

Phase 1, sentinel selection (eps/2, delta/2)
    Doubling from ``3 ln(1/delta)`` full RR sets: greedy on them gives a
    prefix S_b of b nodes (b at most k/4 in the first round, k/8 after, the
    largest prefix whose optimistic ratio beats 1.2 times its own target, at
    least min(10, that cap)).  Each pick is the node of largest out-degree
    among those whose gain is within two standard deviations of the best
    (:meth:`_OutDegreeOrder.sentinel_prefix`): the authors break exact ties
    so, and on a few hundred large sets the near-ties are noise, while a hub
    stops phase 2's sets far sooner.  Validation sets (as many, drawn to
    stop at S_b) certify ``lower(S_b) / upper(OPT_k) >= 1 - (1 - 1/k)**b -
    eps/2``, what b greedy picks promise; when four times as many validation
    sets at the same hit rate would certify and they are cheap, they are
    drawn before the full sets are doubled (the authors' IncreaseR2).  The
    phase never draws more full sets than OPIM-C's first round; if it has
    not certified by then the last prefix is kept anyway (recorded), since
    phase 2 certifies the final answer on its own.
Phase 2, completion (delta/2)
    Doubling from the same start: RR sets drawn to stop at the sentinels.
    Those that reach one are covered by any seed set holding the sentinels
    and are only counted; the others are complete and stored
    (:mod:`imx.sampling.sentinel`).  Greedy on the stored sets picks the k - b
    other seeds.  For any k-set T, ``cov(T) <= cov(T + S_b) = hits +
    cov_rest(T)``, so ``hits`` plus greedy's tightened bound on the stored
    sets bounds the optimum, and validation sets drawn to stop at the final
    seeds give an unbiased lower bound.  Stop once lower / upper >= 1 - 1/e
    - eps, as OPIM-C.  Validation sets cost so little that the authors draw
    2, 4 or 8 times as many as selection sets when they are 4, 16 or 32
    times smaller; so does this module.

Phase 2 keeps the plain greedy, not the rooted score of OPIM-C's default
(:func:`~imx.solvers.coverage.greedy_max_coverage`): a set rooted at ``v`` is
stored only when it misses the sentinels, so the number of stored sets rooted
at ``v`` has no known mean to stand in for it.

The certificate (lower bound on the seeds' spread, upper bound on the optimum,
their ratio) fails with probability at most delta: delta/2 spent by phase 2's
bounds over its rounds (union bound), delta/2 left to phase 1, whose failure
costs time only.

Choosing HIST (``hist=None`` in :func:`imx.solvers.api.maximize_influence`,
no ``--hist/--no-hist`` on ``imx im``): phase 1's first round doubles as the
pilot.  If its full RR sets have mean size at least :data:`HIST_MIN_MEAN_SIZE`
nodes (and k >= 2), HIST goes on; else OPIM-C runs (the pilot's few sets are
all that was spent).

Where the same trick does and does not apply
--------------------------------------------
* LT: supported.  LT RR sets are single reverse walks, usually short, so
  stopping at sentinels rarely saves much and the pilot rule rarely picks HIST
  for LT; on graphs whose in-weights sum to nearly 1 walks are long and it
  does.
* IMM: its sampling phase estimates OPT from the coverage of greedy seeds on
  full sets for a decreasing sequence of guesses; stopping at sentinels
  would need a sentinel set *before* that estimate exists, i.e. phase 1 of
  HIST, after which phase 2 above already is the cheaper algorithm.  Not done.
* CIM's RR consumers (capacity-constrained IM) and HeteroIM: their RR sets
  are scored per seed under constraints (capacities, per-node willingness),
  so a set that reaches a sentinel is *not* worth the same to every
  completion; the identity ``cov(S) = hits + cov_rest(S)`` needs every
  candidate answer to hold the sentinels with full weight.  Not applicable
  as is.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from ..errors import ParameterError
from ..record import RunRecord
from .._pool import resolve_threads
from ..sampling.collection import RRCollection
from ..sampling.memory import format_bytes, resolve_budget
from ..sampling.plan import get_plan, model_code
from ..sampling.sampler import append_rr_sets, derive_seed
from ..sampling.sentinel import (StoppedSets, append_stopped_sets, count_stopped_hits,
                                 stop_mask)
from .bounds import (APPROX_GREEDY, opim_confidence, opim_iterations, opim_lower, opim_theta_max,
                     opim_theta_zero, opim_upper)
from .coverage import greedy_max_coverage
from .quality import KeepImproving
from .result import IMResult, validate_common

__all__ = ["hist", "HIST_MIN_MEAN_SIZE", "hist_base_sets", "choose_sentinel_count",
           "validation_multiple"]

#: Pilot rule: HIST when phase 1's first full RR sets hold at least this many
#: nodes on average.  Below it OPIM-C's sets are small enough that cutting
#: them saves less than phase 1 costs (measured on the bench graphs).
HIST_MIN_MEAN_SIZE = 256.0

_ROLE_PHASE1_SELECT, _ROLE_PHASE1_VALIDATE = 11, 12
_ROLE_PHASE2_SELECT, _ROLE_PHASE2_VALIDATE = 13, 14


def hist_base_sets(delta: float) -> int:
    """First round size of both phases, ``ceil(3 ln(1/delta))`` (the authors' choice)."""
    return max(1, math.ceil(3.0 * math.log(1.0 / delta)))


def validation_multiple(selection_mean: float, validation_mean: float) -> int:
    """Validation sets per selection set: 8, 4, 2 when validation draws are
    32, 16, 4 times smaller than selection draws, else 1."""
    if validation_mean <= 0:
        return 8
    ratio = selection_mean / validation_mean
    for at_least, multiple in ((32, 8), (16, 4), (4, 2)):
        if ratio >= at_least:
            return multiple
    return 1


def choose_sentinel_count(gains: np.ndarray, upper_count: float, k: int, cap: int, eps: float,
                          confidence: float) -> int:
    """Sentinels b <= cap: the largest prefix of the greedy picks (``gains``,
    coverage counts in the selection sets) whose optimistic ratio
    ``lower(prefix coverage) / upper_count`` beats 1.2 (1 - (1 - 1/k)**b - eps);
    at least min(10, cap) and the b of 1 - (1 - 1/k)**b >= eps."""
    cumulative = np.cumsum(gains[:cap], dtype=np.int64)
    chosen = 1
    for i in range(min(cap, cumulative.shape[0]), 0, -1):
        promise = 1.0 - (1.0 - 1.0 / k) ** i - eps
        if upper_count > 0 and opim_lower(float(cumulative[i - 1]), confidence) / upper_count \
                > 1.2 * promise:
            chosen = i
            break
    least = math.ceil(math.log(1.0 - eps) / math.log(1.0 - 1.0 / k)) if k > 1 else 1
    return int(min(cap, max(chosen, min(10, cap), least)))


def _sentinel_ratio(hits: int, validation_sets: int, selection_sets: int, upper_count: float,
                    confidence: float) -> float:
    """Phase 1's certified ratio: the sentinels' lower-bound share of the
    validation sets over the optimum's upper-bound share of the selection sets."""
    if upper_count <= 0:
        return 0.0
    return opim_lower(float(hits), confidence) / validation_sets * selection_sets / upper_count


class _OutDegreeOrder:
    """Greedy with ties broken by larger out-degree (then smaller id), as the
    authors' code does: among nodes covering equally many sets, a hub is the
    likelier to stop later RR sets early and to spread further.  The greedy
    kernel breaks ties by smaller id, so it runs on node ids renumbered by
    decreasing out-degree."""

    def __init__(self, graph):
        self.rank = np.argsort(-graph.out_degree, kind="stable").astype(np.int32)
        self.position = np.empty(graph.n, dtype=np.int32)
        self.position[self.rank] = np.arange(graph.n, dtype=np.int32)

    def greedy(self, collection: RRCollection, k: int, allowed: np.ndarray | None,
               threads: int):
        renamed = RRCollection(collection.n, self.position[collection.nodes],
                               collection.offsets)
        mask = None if allowed is None else allowed[self.rank]
        result = greedy_max_coverage(renamed, k, candidates=mask, threads=threads)
        return result._replace(seeds=self.rank[result.seeds])

    def sentinel_prefix(self, collection: RRCollection,
                        count: int) -> tuple[np.ndarray, np.ndarray]:
        """``count`` greedy picks and their marginal gains, where a pick is the
        node of largest out-degree among those whose gain is within two standard
        deviations (``2 sqrt``) of the best gain.

        On full RR sets of an influential graph the best gains differ by noise
        only: every node of the giant strongly connected core lies in the same
        large sets, and a few extra small sets decide the exact maximum.  Any of
        them covers as much, but a hub is met sooner by a reverse search, so
        phase 2's sets stop sooner (Slashdot trivalency: 19-21 nodes visited per
        stopped set with the hubs, 64-158 with the exact-maximum picks).  Once
        the best gain is 4 or less, even a node of gain 0 is within that noise.
        """
        n = collection.n
        nodes = self.position[collection.nodes]  # ids in decreasing out-degree
        offsets = collection.offsets
        gains = np.bincount(nodes, minlength=n).astype(np.int64)
        covered = np.zeros(collection.count, dtype=bool)
        picked = np.zeros(n, dtype=bool)
        picks = np.zeros(count, dtype=np.int32)
        picked_gains = np.zeros(count, dtype=np.int64)
        for i in range(count):
            best = int(gains.max())
            floor = best - 2.0 * math.sqrt(best)
            eligible = np.flatnonzero((gains >= floor) & ~picked)
            v = int(eligible[0])
            picks[i], picked_gains[i], picked[v] = v, gains[v], True
            if gains[v] > 0:
                # the sets holding v (a node is in a set once) lose their nodes' gains
                sets = np.searchsorted(offsets, np.flatnonzero(nodes == v), side="right") - 1
                sets = sets[~covered[sets]]
                covered[sets] = True
                for j in sets.tolist():
                    gains[nodes[offsets[j]:offsets[j + 1]]] -= 1
        return self.rank[picks], picked_gains


def hist(graph, k: int, *, model: str = "ic", eps: float = 0.1, delta: float | None = None,
         seed: int = 1, threads: int | None = None, max_memory: int | None = None,
         progress: Callable | None = None, method: str = "auto",
         fallback: bool = False, fast: bool = False,
         run_opim: Callable | None = None) -> IMResult:
    """Select ``k`` seeds with HIST and certify their approximation ratio.

    Parameters
    ----------
    graph : imx.Graph
    k : int
        Number of seeds, 2..n (k = 1 has no room for sentinels: OPIM-C runs).
    model : {'ic', 'lt'}
    eps : float
        Stop once the certified ratio reaches 1 - 1/e - eps.
    delta : float, optional
        Failure probability of the certificate (default 1/n).
    seed : int
        Random seed; the answer does not depend on ``threads``.
    threads, max_memory, progress, method :
        As for :func:`imx.solvers.opim.opim_c`.
    fast : bool
        Stop at the first certified round of phase 2 (the authors' rule).  By
        default the doubling goes on while the seeds still improve
        (:mod:`imx.solvers.quality`).
    fallback : bool
        The pilot rule: run OPIM-C instead when phase 1's first full RR sets
        are small (mean below :data:`HIST_MIN_MEAN_SIZE`); the record's
        counter ``hist_pilot_mean`` says what the pilot saw.
    run_opim : callable, optional
        What runs instead of :func:`imx.solvers.opim.opim_c` when the pilot
        (or k = 1) says so, with ``opim_c``'s arguments: the public entry
        passes OPIM-C on a cluster here, so that the pilot decides alike.

    Returns
    -------
    IMResult
        ``solver='hist'``; seeds are the sentinels first, then the completion.
        The record's counters include ``sentinels``, ``sentinels_certified``,
        ``phase1_rounds``, ``rounds``, ``stop`` and the mean set sizes.

    Examples
    --------
    >>> import imx
    >>> g = imx.Graph.from_arrays([0, 0, 0, 1, 4], [1, 2, 3, 2, 5], probs="uniform:0.9")
    >>> res = hist(g, 2, seed=1)
    >>> sorted(res.seeds), res.lower_bound <= res.spread <= res.upper_bound
    ([0, 4], True)
    """
    k, eps, delta = validate_common(graph, k, eps, delta)
    model = ("ic", "lt")[model_code(model)]
    if int(seed) < 0:
        raise ParameterError("seed must be non-negative")
    n = graph.n
    nthreads = resolve_threads(threads)
    budget = resolve_budget(max_memory)
    started = time.perf_counter()
    record = RunRecord()
    with record.phase("plan"):
        get_plan(graph, model, method)

    # ---------------------------------------------------------------- phase 1
    eps1, delta1 = eps / 2.0, delta / 2.0
    base = hist_base_sets(delta)
    full_cap = opim_theta_zero(n, k, delta)
    i_max1 = opim_iterations(base, opim_theta_max(n, k, eps1, delta1))
    conf1 = opim_confidence(delta1, i_max1)
    select1 = RRCollection(n, model=model, seed=derive_seed(seed, _ROLE_PHASE1_SELECT))
    with record.phase("sentinel sampling"):
        append_rr_sets(select1, graph, base, threads=nthreads, max_memory=budget,
                       method=method)
    pilot_mean = select1.mean_size()
    record.counters.update({"k": k, "eps": eps, "delta": delta, "model": model,
                            "threads": nthreads, "hist_pilot_mean": pilot_mean,
                            "hist_min_mean_size": HIST_MIN_MEAN_SIZE})
    if k < 2 or (fallback and pilot_mean < HIST_MIN_MEAN_SIZE):
        from .opim import opim_c

        result = (run_opim or opim_c)(graph, k, model=model, eps=eps, delta=delta, seed=seed,
                                      threads=threads, max_memory=max_memory,
                                      progress=progress, method=method, fast=fast)
        result.record.counters.update({
            "hist_pilot_mean": pilot_mean, "hist_min_mean_size": HIST_MIN_MEAN_SIZE,
            "hist": False, "hist_pilot_seconds": time.perf_counter() - started})
        return result

    order = _OutDegreeOrder(graph)
    seed1v = derive_seed(seed, _ROLE_PHASE1_VALIDATE)
    sentinels = np.zeros(0, dtype=np.int32)
    certified1 = False
    rounds1 = 0
    ratio1 = 0.0
    for it in range(i_max1):
        size = base << it
        if it > 0:
            with record.phase("sentinel sampling"):
                append_rr_sets(select1, graph, size - select1.count, threads=nthreads,
                               max_memory=budget, method=method)
        with record.phase("sentinel greedy"):
            greedy = order.greedy(select1, k, None, nthreads)
        upper_count = min(float(select1.count), opim_upper(greedy.upper_bound, conf1))
        cap = max(1, min(k - 1, (k // 4) if it == 0 else (k // 8)))
        with record.phase("sentinel greedy"):
            prefix, prefix_gains = order.sentinel_prefix(select1, cap)
        b = choose_sentinel_count(prefix_gains, upper_count, k, cap, eps1, conf1)
        sentinels = prefix[:b].copy()
        # validation sets stop at the sentinels: when they are much smaller
        # than the full sets, drawing more of them is cheap and tightens the
        # lower bound (the authors' decideMultiple)
        with record.phase("sentinel validation"):
            mask = stop_mask(n, sentinels)
            m2 = select1.count
            hits, visited = count_stopped_hits(graph, mask, m2, model=model, seed=seed1v,
                                               threads=nthreads, method=method)
            multiple = validation_multiple(select1.mean_size(), visited / m2)
            if multiple > 1:
                more, _ = count_stopped_hits(graph, mask, (multiple - 1) * m2, model=model,
                                             seed=seed1v, start=m2, threads=nthreads,
                                             method=method)
                hits += more
                m2 *= multiple
        promise = 1.0 - (1.0 - 1.0 / k) ** b - eps1
        ratio1 = _sentinel_ratio(hits, m2, select1.count, upper_count, conf1)
        if ratio1 < promise and 2 * visited <= select1.mean_size() * select1.count \
                and _sentinel_ratio(4 * hits, 4 * m2, select1.count, upper_count, conf1) >= promise:
            # the authors' IncreaseR2: when four times the validation sets at
            # today's hit rate would certify and they are cheap, draw them now
            # rather than double the costly full sets.  The authors wait for 100
            # full sets first; phase 1 only picks sentinels (phase 2 certifies the
            # answer), so a premature stop here costs time at most, and waiting
            # cost Slashdot trivalency a 136-set round it did not need
            with record.phase("sentinel validation"):
                more, _ = count_stopped_hits(graph, mask, 3 * m2, model=model, seed=seed1v,
                                             start=m2, threads=nthreads, method=method)
            hits += more
            m2 *= 4
            ratio1 = _sentinel_ratio(hits, m2, select1.count, upper_count, conf1)
        rounds1 = it + 1
        if progress is not None:
            progress(rounds1, i_max1, f"HIST sentinels {b}, ratio {ratio1:.3f}")
        if ratio1 >= promise:
            certified1 = True
            break
        if size >= full_cap:
            break
    full_mean = select1.mean_size()
    full_sets = select1.count
    full_bytes = select1.nbytes
    del select1, greedy

    # ---------------------------------------------------------------- phase 2
    b = int(sentinels.shape[0])
    delta2 = delta / 2.0
    i_max2 = opim_iterations(base, opim_theta_max(n, k, eps1, delta2))
    conf2 = opim_confidence(delta2, i_max2)
    target = APPROX_GREEDY - eps
    select2 = StoppedSets(n, sentinels, model=model, seed=derive_seed(seed, _ROLE_PHASE2_SELECT))
    others = np.ones(n, dtype=bool)
    others[sentinels] = False
    validate_seed = derive_seed(seed, _ROLE_PHASE2_VALIDATE)
    policy = None if fast else KeepImproving(n, k, delta)
    multiple = 1
    stop = "theta_max"
    peak_bytes = full_bytes
    result = None
    rounds2 = 0
    validation_sets = 0
    for it in range(i_max2):
        size = base << it
        with record.phase("sampling"):
            append_stopped_sets(select2, graph, size - select2.drawn, threads=nthreads,
                                max_memory=budget, method=method)
        with record.phase("greedy"):
            greedy = order.greedy(select2.rest, k, others, nthreads)
        peak_bytes = max(peak_bytes, 2 * select2.nbytes)
        completion = greedy.seeds[:k - b]
        seeds = np.concatenate([sentinels, completion]).astype(np.int32)
        coverage_r1 = select2.hits + int(greedy.gains[:k - b].sum())
        upper_count = min(float(size), opim_upper(select2.hits + greedy.upper_bound, conf2))
        validation_sets = size * multiple
        with record.phase("validation"):
            def coverage_of(chosen, m=validation_sets):
                hit, seen = count_stopped_hits(graph, stop_mask(n, chosen), m, model=model,
                                               seed=validate_seed, threads=nthreads,
                                               method=method)
                drawn.append(seen)
                return hit

            drawn: list[int] = []  # nodes visited: the new seeds' draws first
            hits = coverage_of(seeds) if policy is None \
                else policy.compare(seeds, coverage_of, validation_sets)
        visited = drawn[0]
        lower = opim_lower(float(hits), conf2) * n / validation_sets
        upper = upper_count * n / size
        ratio = lower / upper if upper > 0 else 0.0
        result = (seeds, hits, validation_sets, lower, upper, ratio, coverage_r1, upper_count)
        rounds2 = it + 1
        if progress is not None:
            progress(rounds2, i_max2, f"HIST ratio {ratio:.3f}")
        reason = ("certified" if ratio >= target else None) if policy is None \
            else policy.decide(ratio >= target, size)
        if reason is not None:
            stop = reason
            break
        # (below 100 selection sets the sizes say too little: the authors keep 1)
        multiple = 1 if size < 100 else validation_multiple(select2.mean_visited(),
                                                            visited / validation_sets)
    seeds, hits, validation_sets, lower, upper, ratio, coverage_r1, upper_count = result
    record.counters.update({
        "hist": True, "sentinels": b, "sentinel_labels": graph.label_list(sentinels),
        "sentinels_certified": certified1, "sentinel_ratio": ratio1,
        "phase1_rounds": rounds1, "phase1_i_max": i_max1, "full_rr_sets": full_sets,
        "mean_full_rr_size": full_mean, "rounds": rounds2, "i_max": i_max2, "stop": stop,
        "r1_sets": select2.drawn, "r1_sentinel_hits": select2.hits,
        "r1_stored_sets": select2.rest.count, "mean_stopped_rr_size": select2.mean_visited(),
        "r2_sets": validation_sets, "coverage_r1": int(coverage_r1), "coverage_r2": int(hits),
        "upper_coverage_r1": float(upper_count), "approx_ratio": ratio, "target_ratio": target,
        "rr_sets": full_sets * 2 + select2.drawn + validation_sets,
        "collection_bytes": int(peak_bytes), "collection_memory": format_bytes(peak_bytes),
        "seconds": time.perf_counter() - started,
    })
    if policy is not None:
        record.counters.update(policy.counters())
    spread = n * hits / validation_sets
    return IMResult.of(graph, seeds, spread=spread, lower_bound=lower, upper_bound=upper,
                       approx_ratio=ratio, rr_sets=int(record.counters["rr_sets"]),
                       solver="hist", model=model, record=record)
