"""RR-OPIM+, RR-OPIM and MG-OPIM: CIM with a certified approximation ratio.

OPIM-C-style doubling (Tang et al., SIGMOD 2018) adapted to the partition
matroid of CIM (Zhang et al., KDD 2023, Section 5):

1. Sample two independent RR collections R1, R2 of ``theta_0`` sets each on
   the passive graph.
2. Run the greedy on R1 (RR-Greedy for RR-OPIM(+), MG-Greedy for MG-OPIM);
   then (unless ``augment=False``) fill spare AP capacity along augmenting
   paths, which keeps every greedy seed and only adds seeds, so the spread,
   its lower bound and the guarantee can only improve.
3. Lower-bound the spread of the answer from its coverage of R2 (Eq. 3) and
   upper-bound the optimum from R1: ``2 x coverage`` (the greedy is a
   1/2-approximation of max coverage) or, for RR-OPIM+, the smaller
   Lemma 5.3 bound (coverage of the partial answer after each round plus every
   AP's top-k marginal coverages).
4. Stop when lower / upper >= 1/2 - eps, or when |R1| reaches ``theta_max``
   (Eq. 1), at which point the answer is (1/2 - eps)-approximate with
   probability 1 - delta anyway; else double both collections and repeat.

``theta_max`` uses ``ln`` of the number of possible answers and ``chi``, the
number of distinct seeds of a random feasible assignment, as a lower bound of
OPT (every seed counts itself).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numba import njit

from ..._rng import next_below, stream_start
from ...errors import ParameterError
from ...record import RunRecord
from ..._pool import resolve_threads
from ...sampling.memory import resolve_budget
from .. import bounds
from ..doubling import Certificate, rr_pair, run_doubling
from .greedy import Selection, mg_greedy_coverage, rr_greedy_coverage
from .greedy import augment as augment_selection
from .problem import CIMProblem

__all__ = ["CertifiedSelection", "VARIANTS", "opim_cim", "fixed_sample_cim",
           "random_feasible_seed_count", "sample_sizes"]

#: Graphs up to this many nodes, with at most FEW_APS APs, start with at least 4 n RR sets
#: (see :func:`sample_sizes`).
SMALL_GRAPH = 1024
FEW_APS = 10

#: The approximation factor of both greedy algorithms on the matroid.
APPROX_MATROID = 0.5

VARIANTS = ("rr-opim+", "rr-opim", "mg-opim")


@dataclass
class CertifiedSelection:
    """The answer of an RR solver with its certificate.

    ``theta`` is the size of each of R1 and R2; ``spread`` the estimate of the
    answer's spread from R2; ``lower`` a lower bound on it and ``upper`` an
    upper bound on the optimum, each holding with probability >= 1 - delta/3
    per round (union bound over rounds included).
    """

    selection: Selection
    theta: int
    coverage_r2: int
    spread: float
    lower: float
    upper: float
    iterations: int
    theta_max: int
    chi: int

    @property
    def ratio(self) -> float:
        return self.lower / self.upper if self.upper > 0 else 1.0


@njit(cache=True, nogil=True)
def _random_assignment_size(n, cand_offsets, cand_nodes, k, order, seed):
    taken = np.zeros(n, dtype=np.bool_)
    free = np.empty(cand_nodes.shape[0], dtype=np.int32)
    total = 0
    for i in range(order.shape[0]):
        a = order[i]
        size = 0
        for e in range(cand_offsets[a], cand_offsets[a + 1]):
            if not taken[cand_nodes[e]]:
                free[size] = cand_nodes[e]
                size += 1
        state = stream_start(seed, a)
        # partial Fisher-Yates: the first min(k, size) entries become a random subset
        for j in range(min(k, size)):
            state, r = next_below(state, size - j)
            free[j], free[j + r] = free[j + r], free[j]
            taken[free[j]] = True
            total += 1
    return total


def random_feasible_seed_count(problem: CIMProblem, seed: int) -> int:
    """Distinct seeds of a random feasible assignment (APs in random order, each
    taking up to k random free candidates): a lower bound on OPT.

    The problem keeps the last seed's count: a service asking many questions of
    one prepared problem with one seed draws it once (the generator and the
    permutation cost more than a small solve's selection; the authors' C++
    also draws it before its timer starts)."""
    last = problem.__dict__.get("_random_feasible")
    if last is not None and last[0] == seed:
        return last[1]
    order = np.random.Generator(np.random.PCG64(seed)).permutation(problem.num_aps)
    count = int(_random_assignment_size(problem.passive.n, problem.cand_offsets,
                                        problem.cand_nodes, problem.k, order, seed))
    object.__setattr__(problem, "_random_feasible", (seed, count))  # frozen: fields stay
    return count


def sample_sizes(problem: CIMProblem, eps: float, delta: float, chi: int) -> tuple[int, int]:
    """``(theta_0, theta_max)`` of the doubling.

    theta_max = 2 n (1/2 sqrt(ln 6/delta) + sqrt(1/2 (ln N + ln 6/delta)))**2 / (eps**2 chi),
    with N the number of possible answers (Zhang et al. 2023, Eq. 1).
    theta_0 = theta_max eps**2 sqrt(chi) / n, the authors' start (OPIM-C's
    theta_max eps**2 chi / n would grow with the number of APs, while the
    number of sets the bounds need does not), raised to 4 n on graphs of at
    most 1,024 nodes with at most 10 APs: there so few sets cost a few
    milliseconds and make the marginal coverages meaningful (the seeds of a
    few APs overlap a lot).  Measured, 3 seeds each, k = 10: dnc-corecipient
    with 5 APs +1.8% spread, 10 APs +0.5%, 20 and 50 APs none; email-Eu-core
    with 5 APs +3.1%, with 50 APs -0.2 to -0.7% at 3-4x the time.
    Any theta_0 keeps the guarantee; it only moves the first check.
    """
    n = problem.passive.n
    log_choices = problem.log_num_choices()
    core = bounds.sample_core(log_choices, delta, APPROX_MATROID)
    theta_max = int(bounds.theta_max(n, eps, delta, log_choices=log_choices,
                                     opt_lower=max(chi, 1), approx=APPROX_MATROID)) + 1
    theta_0 = int(2.0 * core / math.sqrt(max(chi, 1)))
    if n <= SMALL_GRAPH and problem.num_aps <= FEW_APS:
        theta_0 = max(theta_0, 4 * n)
    theta_0 = max(1, min(theta_max, theta_0))
    return theta_0, theta_max


def _select(problem: CIMProblem, variant: str, collection, augment: bool
            ) -> tuple[Selection, float]:
    """Greedy answer on ``collection`` and an upper bound on the best coverage."""
    if variant == "rr-opim+":
        sel = rr_greedy_coverage(problem, collection, tightened=True, augmented=augment)
        upper = min(float(sel.upper), sel.value / APPROX_MATROID)
    elif variant == "rr-opim":
        sel = rr_greedy_coverage(problem, collection, tightened=False, augmented=augment)
        upper = sel.value / APPROX_MATROID
    elif variant == "mg-opim":
        sel = mg_greedy_coverage(problem, collection)
        upper = sel.value / APPROX_MATROID
        if augment:
            sel = augment_selection(problem, sel)
    else:
        raise ParameterError(f"unknown OPIM variant {variant!r}; expected one of {VARIANTS}")
    return sel, upper


def _doubling(problem: CIMProblem, variant: str, *, model: str, seed: int, augment: bool,
              theta_0: int, theta_max: int, rounds: int, confidence: float, target: float,
              threads: int | None, max_memory: int | None, record: RunRecord,
              progress: Callable | None = None, should_stop=None,
              collections: Callable | None = None):
    """R1/R2 doubling of the CIM certificate on the driver: greedy (and
    augmentation) on R1, coverage of its seeds on R2, OPIM's bounds."""
    n = problem.passive.n

    def select(r1, threads, timer):
        with timer.phase("selection"):
            return _select(problem, variant, r1, augment)

    def certify(chosen, cov2, r1, r2) -> Certificate:
        scale = n / r1.count
        lower = bounds.opim_lower(cov2, confidence) * scale
        upper = bounds.opim_upper(chosen[1], confidence) * scale
        ratio = lower / upper if upper > 0 else 1.0
        return Certificate(lower, upper, ratio, ratio >= target)

    r1, r2 = rr_pair(n, model, seed, make=collections)
    return run_doubling(
        problem.passive, r1, r2, theta_zero=theta_0, theta_max=theta_max, rounds=rounds,
        select=select, validate=lambda r2, chosen, workers: r2.coverage(chosen[0].seed_nodes),
        certify=certify, record=record, threads=resolve_threads(threads),
        budget=resolve_budget(max_memory), what=f"CIM {variant.upper()}",
        should_stop=should_stop, progress=progress, label=variant.upper(),
        validation_phase="bounds",
        first_round=bounds.opim_first_round(theta_0, rounds, target, confidence))


def _answer(run, theta_max: int, chi: int, record: RunRecord) -> CertifiedSelection:
    (sel, _), cov2, cert = run.selection, run.validation, run.certificate
    theta = run.r1.count
    record.counters.update(iterations=run.rounds, rr_sets=2 * theta, seeds_added=sel.added,
                           rr_total_size=int(run.r1.total_size + run.r2.total_size))
    n = run.r1.n
    return CertifiedSelection(sel, theta, cov2, n * cov2 / theta, cert.lower, cert.upper,
                              run.rounds, theta_max, chi)


def _empty_answer(problem: CIMProblem) -> CertifiedSelection:
    sel = Selection(np.zeros(0, np.int32), np.zeros(0, np.int32), 0.0, 0.0)
    return CertifiedSelection(sel, 0, 0, 0.0, 0.0, 0.0, 0, 0, 0)


def opim_cim(problem: CIMProblem, *, variant: str = "rr-opim+", model: str = "ic",
             eps: float = 0.1, delta: float | None = None, seed: int = 1,
             threads: int | None = None, max_memory: int | None = None,
             progress: Callable | None = None, augment: bool = True,
             record: RunRecord | None = None,
             collections: Callable | None = None) -> CertifiedSelection:
    """Solve CIM with RR-OPIM+ / RR-OPIM / MG-OPIM (see the module docstring).

    Parameters
    ----------
    variant : ``"rr-opim+"`` (default), ``"rr-opim"`` or ``"mg-opim"``.
    eps : the answer is (1/2 - eps)-approximate with probability 1 - delta.
    delta : failure probability, default ``1 / n`` (n = nodes of the passive graph).
    seed : RR sets and the random OPT lower bound derive from it.
    augment : fill spare capacity along augmenting paths after the greedy.
    collections : makes R1 and R2 (``collections(family, start)``; see
        :func:`imx.solvers.doubling.rr_pair`); default local ones.
    """
    if variant not in VARIANTS:
        raise ParameterError(f"unknown OPIM variant {variant!r}; expected one of {VARIANTS}")
    if not (0.0 < eps < APPROX_MATROID):
        raise ParameterError(f"eps must be in (0, 0.5) for CIM, got {eps!r}")
    record = record if record is not None else RunRecord()
    n = problem.passive.n
    delta = 1.0 / max(n, 2) if delta is None else float(delta)
    if not (0.0 < delta < 1.0):
        raise ParameterError(f"delta must be in (0, 1), got {delta!r}")
    chi = random_feasible_seed_count(problem, seed)
    if chi == 0:
        return _empty_answer(problem)
    theta_0, theta_max = sample_sizes(problem, eps, delta, chi)
    iterations = bounds.opim_iterations(theta_0, theta_max)
    confidence = bounds.opim_confidence(delta, iterations)
    record.counters.update(theta_0=theta_0, theta_max=theta_max, chi=chi,
                           max_iterations=iterations)
    run = _doubling(problem, variant, model=model, seed=seed, augment=augment, theta_0=theta_0,
                    theta_max=theta_max, rounds=iterations, confidence=confidence,
                    target=APPROX_MATROID - eps, threads=threads, max_memory=max_memory,
                    record=record, progress=progress, collections=collections)
    return _answer(run, theta_max, chi, record)


def fixed_sample_cim(problem: CIMProblem, *, greedy: str = "rr", rr_sets: int = 100_000,
                     model: str = "ic", delta: float | None = None, seed: int = 1,
                     threads: int | None = None, max_memory: int | None = None,
                     augment: bool = True,
                     record: RunRecord | None = None) -> CertifiedSelection:
    """RR-Greedy (``greedy="rr"``) or MG-Greedy (``"mg"``) on ``rr_sets`` RR sets, once.

    The same certificate as the OPIM variants is reported (R2 of the same
    size), without the doubling: the ratio is whatever this sample gives.
    """
    if rr_sets < 1:
        raise ParameterError(f"rr_sets must be >= 1, got {rr_sets}")
    if greedy not in ("rr", "mg"):
        raise ParameterError(f"greedy must be 'rr' or 'mg', got {greedy!r}")
    record = record if record is not None else RunRecord()
    n = problem.passive.n
    delta = 1.0 / max(n, 2) if delta is None else float(delta)
    if problem.cand_nodes.size == 0:
        return _empty_answer(problem)
    variant = "rr-opim+" if greedy == "rr" else "mg-opim"
    size = int(rr_sets)
    run = _doubling(problem, variant, model=model, seed=seed, augment=augment, theta_0=size,
                    theta_max=size, rounds=1, confidence=delta, target=APPROX_MATROID,
                    threads=threads, max_memory=max_memory, record=record,
                    should_stop=lambda state: "fixed sample")
    return _answer(run, size, 0, record)
