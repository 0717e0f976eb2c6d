"""Local baselines of CIM: every AP chooses on its own, by a node score or by OPIM-C.

Each AP, in input order, takes its ``k`` best candidates that no earlier AP
took.  Scores: out-degree in the passive graph, PageRank of the reversed
passive graph (a node ranks high when it points to nodes that rank high: the
direction influence flows), or, for ``local-opim``, OPIM-C run for each AP on
its own candidates (the per-AP answers are then made distinct the same way).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from numba import njit

from ...errors import ParameterError
from ...record import RunRecord
from ..._pool import resolve_threads
from ...sampling.memory import resolve_budget
from .. import bounds
from ..doubling import Certificate, rr_pair, run_doubling
from .greedy import Selection
from .kernels import group_coverage, local_greedy_kernel, work_blocks
from .problem import CIMProblem

__all__ = ["score_assignment", "degree_scores", "pagerank_scores", "local_opim"]


@njit(cache=True, nogil=True)
def _score_assignment(n, cand_offsets, cand_nodes, k, scores):
    taken = np.zeros(n, dtype=np.bool_)
    out_aps = np.empty(cand_nodes.shape[0], dtype=np.int32)
    out_nodes = np.empty(cand_nodes.shape[0], dtype=np.int32)
    chosen = 0
    for a in range(cand_offsets.shape[0] - 1):
        for _ in range(k):
            best = -1
            for e in range(cand_offsets[a], cand_offsets[a + 1]):
                v = cand_nodes[e]
                if taken[v]:
                    continue
                if best < 0 or scores[v] > scores[best] or (scores[v] == scores[best]
                                                             and v < best):
                    best = v
            if best < 0:
                break
            taken[best] = True
            out_aps[chosen] = a
            out_nodes[chosen] = best
            chosen += 1
    return out_aps[:chosen], out_nodes[:chosen]


def score_assignment(problem: CIMProblem, scores: np.ndarray) -> Selection:
    """Each AP in turn takes its ``k`` free candidates of highest score (ties: lowest id)."""
    aps, nodes = _score_assignment(problem.passive.n, problem.cand_offsets, problem.cand_nodes,
                                   problem.k, np.asarray(scores, dtype=np.float64))
    return Selection(aps, nodes, 0.0)


def degree_scores(problem: CIMProblem) -> np.ndarray:
    """Out-degree of every node of the passive graph."""
    return problem.passive.out_degree.astype(np.float64)


def pagerank_scores(problem: CIMProblem, *, damping: float = 0.85, tol: float = 1e-10,
                    max_iter: int = 200) -> np.ndarray:
    """PageRank of the reversed passive graph, arcs weighted by their probability.

    Node ``v`` hands its rank to its in-neighbours ``u`` in proportion to
    ``p(u, v)``; nodes without in-arcs hand it to everyone (teleport).
    """
    import scipy.sparse as sp

    graph = problem.passive
    n = graph.n
    if n == 0:
        return np.zeros(0)
    heads = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.in_offsets))
    weights = np.asarray(graph.in_probs, dtype=np.float64)
    totals = np.bincount(heads, weights=weights, minlength=n)
    safe = np.where(totals > 0, totals, 1.0)
    # column v of M spreads v's rank over its in-neighbours
    matrix = sp.csr_matrix((weights / safe[heads], (np.asarray(graph.in_sources), heads)),
                           shape=(n, n))
    dangling = totals <= 0
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spill = rank[dangling].sum()
        new = damping * (matrix @ rank + spill / n) + (1.0 - damping) / n
        if np.abs(new - rank).sum() < tol:
            rank = new
            break
        rank = new
    return rank


def local_opim(problem: CIMProblem, *, model: str = "ic", eps: float = 0.1,
               delta: float | None = None, seed: int = 1, threads: int | None = None,
               max_memory: int | None = None, progress: Callable | None = None,
               record: RunRecord | None = None) -> tuple[Selection, int]:
    """OPIM-C for each AP alone (k seeds among its candidates), then made distinct.

    All APs share one pair of RR collections, doubled until every AP's own
    certificate reaches 1 - 1/e - eps or its sample cap.  Returns the
    selection and the number of sets in each collection.
    """
    record = record if record is not None else RunRecord()
    graph = problem.passive
    n = graph.n
    delta = 1.0 / max(n, 2) if delta is None else float(delta)
    if not (0.0 < eps < bounds.APPROX_GREEDY):
        raise ParameterError(f"eps must be in (0, {bounds.APPROX_GREEDY:.3f}), got {eps!r}")
    counts = problem.candidate_counts
    which = np.flatnonzero(counts > 0).astype(np.int64)
    if which.size == 0:
        return Selection(np.zeros(0, np.int32), np.zeros(0, np.int32), 0.0), 0
    theta_max = theta_0 = 1
    for c in np.unique(counts[which]).tolist():
        size = min(problem.k, int(c))
        log_choices = bounds.log_comb(int(c), size)
        core = bounds.sample_core(log_choices, delta, bounds.APPROX_GREEDY)
        theta_0 = max(theta_0, int(2.0 * core))
        # every seed reaches itself: OPT of an AP is at least its number of seeds
        theta_max = max(theta_max, int(bounds.theta_max(n, eps, delta, log_choices=log_choices,
                                                        opt_lower=size)) + 1)
    iterations = bounds.opim_iterations(theta_0, theta_max)
    confidence = bounds.opim_confidence(delta, iterations)
    target = bounds.APPROX_GREEDY - eps
    picked = np.full((problem.num_aps, problem.k), -1, dtype=np.int32)
    state = {"pending": which}

    def select(r1, threads, timer):
        with timer.phase("selection"):
            idx1 = r1.node_index()
            rows, _, upper = local_greedy_kernel(int(r1.count), idx1[0], idx1[1],
                                                 problem.cand_offsets, problem.cand_nodes,
                                                 problem.k, state["pending"], work_blocks())
        return rows, upper

    def validate(r2, chosen, threads):
        idx2 = r2.node_index()
        return group_coverage(int(r2.count), idx2[0], idx2[1], chosen[0], work_blocks())

    def certify(chosen, cov2, r1, r2) -> Certificate:
        """Certify every pending AP on its own; done once none is left."""
        rows, upper = chosen
        pending = state["pending"]
        done = np.zeros(pending.size, dtype=bool)
        for j in range(pending.size):
            lower = bounds.opim_lower(float(cov2[j]), confidence)
            top = bounds.opim_upper(float(upper[j]), confidence)
            done[j] = lower / top >= target
        picked[pending] = rows
        # an AP with at most k candidates took them all: nothing left to certify
        done |= counts[pending] <= problem.k
        state["pending"] = pending[~done]
        return Certificate(None, None, None, state["pending"].size == 0)

    r1, r2 = rr_pair(n, model, seed)
    run = run_doubling(graph, r1, r2, theta_zero=min(theta_0, theta_max), theta_max=theta_max,
                       rounds=iterations, select=select, validate=validate, certify=certify,
                       record=record, threads=resolve_threads(threads),
                       budget=resolve_budget(max_memory), what="CIM LOCAL-OPIM", indexed=2,
                       progress=progress, label="LOCAL-OPIM", validation_phase="bounds")
    theta = run.r1.count
    record.counters.update(iterations=run.rounds, rr_sets=2 * theta, theta_max=theta_max)
    taken = np.zeros(n, dtype=bool)
    seed_aps: list[int] = []
    seed_nodes: list[int] = []
    for a in range(problem.num_aps):
        for v in picked[a].tolist():
            if v >= 0 and not taken[v]:
                taken[v] = True
                seed_aps.append(a)
                seed_nodes.append(v)
    return Selection(np.asarray(seed_aps, dtype=np.int32), np.asarray(seed_nodes, dtype=np.int32),
                     0.0), theta
