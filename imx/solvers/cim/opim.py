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

import numba
import numpy as np
from numba import njit

from ..._rng import next_below, stream_start
from ...errors import ParameterError
from ...record import RunRecord
from .. import bounds
from .greedy import Selection, mg_greedy_coverage, rr_greedy_coverage
from .greedy import augment as augment_selection
from .kernels import covered_count, threads_for
from .problem import CIMProblem

__all__ = ["CertifiedSelection", "VARIANTS", "opim_cim", "fixed_sample_cim",
           "random_feasible_seed_count", "sample_sizes"]

#: Role numbers of the stream families of R1 and R2 (see :func:`imx.sampling.sampler.derive_seed`).
R1_ROLE, R2_ROLE = 1, 2

#: Mean RR-set size assumed before any set is drawn (to size the first batch's work).
GUESS_RR_SIZE = 16

#: Graphs up to this many nodes start with at least 4 n RR sets (see :func:`sample_sizes`).
SMALL_GRAPH = 1024

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
    taking up to k random free candidates): a lower bound on OPT."""
    order = np.random.Generator(np.random.PCG64(seed)).permutation(problem.num_aps)
    return int(_random_assignment_size(problem.passive.n, problem.cand_offsets,
                                       problem.cand_nodes, problem.k, order, seed))


def sample_sizes(problem: CIMProblem, eps: float, delta: float, chi: int) -> tuple[int, int]:
    """``(theta_0, theta_max)`` of the doubling.

    theta_max = 2 n (1/2 sqrt(ln 6/delta) + sqrt(1/2 (ln N + ln 6/delta)))**2 / (eps**2 chi),
    with N the number of possible answers (Zhang et al. 2023, Eq. 1).
    theta_0 = theta_max eps**2 sqrt(chi) / n, the authors' start (OPIM-C's
    theta_max eps**2 chi / n would grow with the number of APs, while the
    number of sets the bounds need does not), raised to 4 n on graphs of at
    most 1,024 nodes: there so few sets cost next to nothing and make the
    marginal coverages meaningful (the seeds of a few APs overlap a lot).
    Any theta_0 keeps the guarantee; it only moves the first check.
    """
    log6 = math.log(6.0 / delta)
    core = (APPROX_MATROID * math.sqrt(log6)
            + math.sqrt(APPROX_MATROID * (problem.log_num_choices() + log6))) ** 2
    n = problem.passive.n
    theta_max = int(2.0 * n * core / (eps * eps * max(chi, 1))) + 1
    theta_0 = int(2.0 * core / math.sqrt(max(chi, 1)))
    if n <= SMALL_GRAPH:
        theta_0 = max(theta_0, 4 * n)
    theta_0 = max(1, min(theta_max, theta_0))
    return theta_0, theta_max


class _Collections:
    """R1 and R2 on the passive graph, grown together."""

    def __init__(self, problem: CIMProblem, model: str, seed: int, threads: int | None,
                 max_memory: int | None, record: RunRecord):
        self.graph = problem.passive
        self.model = model
        self.seed = seed
        self.threads = threads
        self.max_memory = max_memory
        self.record = record
        self.r1 = None
        self.r2 = None

    def _sample(self, count: int, start: int, role: int):
        from ...sampling.sampler import derive_seed, sample_rr_sets

        mean = self.r1.mean_size() if self.r1 is not None else GUESS_RR_SIZE
        # small batches run on one thread
        with threads_for(count * mean):
            threads = numba.get_num_threads()
            if self.threads is not None:
                threads = min(threads, self.threads)
            return sample_rr_sets(self.graph, count, model=self.model,
                                  seed=derive_seed(self.seed, role), start=start,
                                  threads=threads, max_memory=self.max_memory)

    @property
    def size(self) -> int:
        return 0 if self.r1 is None else int(self.r1.count)

    def grow_to(self, theta: int) -> None:
        have = self.size
        if theta <= have:
            return
        with self.record.phase("sampling"):
            more1 = self._sample(theta - have, have, R1_ROLE)
            more2 = self._sample(theta - have, have, R2_ROLE)
            if self.r1 is None:
                self.r1, self.r2 = more1, more2
            else:
                self.r1.extend(more1)
                self.r2.extend(more2)

    def coverage_r2(self, seeds: np.ndarray) -> int:
        mask = np.zeros(self.graph.n, dtype=np.bool_)
        mask[seeds] = True
        return covered_count(np.asarray(self.r2.nodes), np.asarray(self.r2.offsets), mask)


def _select(problem: CIMProblem, variant: str, collection, augment: bool
            ) -> tuple[Selection, float]:
    """Greedy answer on ``collection`` and an upper bound on the best coverage."""
    if variant == "rr-opim+":
        sel = rr_greedy_coverage(problem, collection, tightened=True)
        upper = min(float(sel.upper), sel.value / APPROX_MATROID)
    elif variant == "rr-opim":
        sel = rr_greedy_coverage(problem, collection, tightened=False)
        upper = sel.value / APPROX_MATROID
    elif variant == "mg-opim":
        sel = mg_greedy_coverage(problem, collection)
        upper = sel.value / APPROX_MATROID
    else:
        raise ParameterError(f"unknown OPIM variant {variant!r}; expected one of {VARIANTS}")
    if augment:
        sel = augment_selection(problem, sel)
    return sel, upper


def _certify(problem: CIMProblem, variant: str, pools: _Collections, confidence: float,
             record: RunRecord, augment: bool) -> tuple[Selection, int, float, float]:
    with record.phase("selection"):
        sel, upper_cov = _select(problem, variant, pools.r1, augment)
    with record.phase("bounds"):
        cov2 = pools.coverage_r2(sel.seed_nodes)
        scale = problem.passive.n / pools.size
        lower = bounds.opim_lower(cov2, confidence) * scale
        upper = bounds.opim_upper(upper_cov, confidence) * scale
    return sel, cov2, lower, upper


def _empty_answer(problem: CIMProblem) -> CertifiedSelection:
    sel = Selection(np.zeros(0, np.int32), np.zeros(0, np.int32), 0.0, 0.0)
    return CertifiedSelection(sel, 0, 0, 0.0, 0.0, 0.0, 0, 0, 0)


def opim_cim(problem: CIMProblem, *, variant: str = "rr-opim+", model: str = "ic",
             eps: float = 0.1, delta: float | None = None, seed: int = 1,
             threads: int | None = None, max_memory: int | None = None,
             progress: Callable | None = None, augment: bool = True,
             record: RunRecord | None = None) -> CertifiedSelection:
    """Solve CIM with RR-OPIM+ / RR-OPIM / MG-OPIM (see the module docstring).

    Parameters
    ----------
    variant : ``"rr-opim+"`` (default), ``"rr-opim"`` or ``"mg-opim"``.
    eps : the answer is (1/2 - eps)-approximate with probability 1 - delta.
    delta : failure probability, default ``1 / n`` (n = nodes of the passive graph).
    seed : RR sets and the random OPT lower bound derive from it.
    augment : fill spare capacity along augmenting paths after the greedy.
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
    pools = _Collections(problem, model, seed, threads, max_memory, record)
    theta = theta_0
    for i in range(1, iterations + 1):
        pools.grow_to(min(theta, theta_max))
        sel, cov2, lower, upper = _certify(problem, variant, pools, confidence, record, augment)
        ratio = lower / upper if upper > 0 else 1.0
        if progress is not None:
            progress(i, iterations, variant.upper())
        if ratio >= APPROX_MATROID - eps or pools.size >= theta_max or i == iterations:
            break
        theta = 2 * pools.size
    theta = pools.size
    record.counters.update(iterations=i, rr_sets=2 * theta, seeds_added=sel.added,
                           rr_total_size=int(pools.r1.offsets[-1] + pools.r2.offsets[-1]))
    return CertifiedSelection(sel, theta, cov2, n * cov2 / theta, lower, upper, i, theta_max, chi)


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
    pools = _Collections(problem, model, seed, threads, max_memory, record)
    pools.grow_to(int(rr_sets))
    variant = "rr-opim+" if greedy == "rr" else "mg-opim"
    sel, cov2, lower, upper = _certify(problem, variant, pools, delta, record, augment)
    record.counters.update(iterations=1, rr_sets=2 * pools.size,
                           rr_total_size=int(pools.r1.offsets[-1] + pools.r2.offsets[-1]))
    return CertifiedSelection(sel, pools.size, cov2, n * cov2 / pools.size, lower, upper, 1,
                              pools.size, 0)
