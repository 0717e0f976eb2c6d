"""Baseline seed selectors: highest degree, PageRank, random, CELF on Monte Carlo.

None of them certifies anything.  Their results carry a spread estimated
independently with :func:`imx.sampling.rr_spread` (stopping rule, relative
error ``spread_eps``), so they can be compared with OPIM-C / IMM.
"""
from __future__ import annotations

import heapq
import math
from typing import Callable

import numpy as np

from .. import _validate
from ..record import RunRecord
from ..sampling.montecarlo import mc_spread
from ..sampling.plan import MODELS, model_code
from ..sampling.spread import rr_spread
from .result import IMResult, validate_common

__all__ = ["degree", "pagerank", "random_seeds", "celf", "pagerank_scores", "top_k"]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, largest first, ties to the smaller index."""
    order = np.lexsort((np.arange(scores.shape[0]), -np.asarray(scores, dtype=np.float64)))
    return order[:k].astype(np.int32)


def _finish(graph, seeds, solver, model, record, *, seed, threads, spread_eps, evaluate,
            max_rr_sets=None, spread=None) -> IMResult:
    seeds = np.asarray(seeds, dtype=np.int32)
    if spread is None and evaluate:
        with record.phase("evaluation"):
            est = rr_spread(graph, seeds, eps=spread_eps, model=model, seed=seed,
                            threads=threads, max_rr_sets=max_rr_sets, labels=False)
        spread = est.mean
        record.counters.update({"spread_ci_low": est.ci_low, "spread_ci_high": est.ci_high,
                                "evaluation_rr_sets": est.runs})
    return IMResult.of(graph, seeds, spread=spread, solver=solver, model=model, record=record)


def degree(graph, k: int, *, model: str = "ic", seed: int = 1, threads: int | None = None,
           evaluate: bool = True, spread_eps: float = 0.02, max_rr_sets: int | None = None,
           progress: Callable | None = None, **_ignored) -> IMResult:
    """The ``k`` nodes of highest out-degree (ties: smaller id first)."""
    k, _, _ = validate_common(graph, k)
    model = MODELS[model_code(model)]
    record = RunRecord()
    with record.phase("select"):
        seeds = top_k(graph.out_degree, k)
    return _finish(graph, seeds, "degree", model, record, seed=seed, threads=threads,
                   spread_eps=spread_eps, evaluate=evaluate, max_rr_sets=max_rr_sets)


def pagerank_scores(graph, damping: float = 0.85, tol: float = 1e-10,
                    max_iter: int = 200) -> np.ndarray:
    """PageRank of the reversed graph, walking arc (u, v) from v to u with weight p(u, v).

    A node scores high when it can influence high-scoring nodes.  Power
    iteration with scipy.sparse; nodes without in-arcs teleport uniformly.
    """
    import scipy.sparse as sp

    n = graph.n
    tails, heads = graph.arcs()
    weights = np.asarray(graph.out_probs, dtype=np.float64)
    totals = np.bincount(heads, weights=weights, minlength=n)
    # column-stochastic matrix of the reversed walk: from v to u with p(u, v) / sum_in(v)
    step = sp.csr_matrix((weights / np.where(totals > 0, totals, 1.0)[heads], (tails, heads)),
                         shape=(n, n))
    dangling = totals <= 0
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = damping * (step @ rank + rank[dangling].sum() / n) + (1.0 - damping) / n
        done = np.abs(new - rank).sum() < tol
        rank = new
        if done:
            break
    return rank


def pagerank(graph, k: int, *, model: str = "ic", seed: int = 1, threads: int | None = None,
             evaluate: bool = True, spread_eps: float = 0.02, max_rr_sets: int | None = None,
             damping: float = 0.85, progress: Callable | None = None, **_ignored) -> IMResult:
    """The ``k`` nodes of highest reversed-graph PageRank (see :func:`pagerank_scores`)."""
    k, _, _ = validate_common(graph, k)
    model = MODELS[model_code(model)]
    record = RunRecord()
    with record.phase("select"):
        seeds = top_k(pagerank_scores(graph, damping), k)
    return _finish(graph, seeds, "pagerank", model, record, seed=seed, threads=threads,
                   spread_eps=spread_eps, evaluate=evaluate, max_rr_sets=max_rr_sets)


def random_seeds(graph, k: int, *, model: str = "ic", seed: int = 1, threads: int | None = None,
                 evaluate: bool = True, spread_eps: float = 0.02,
                 max_rr_sets: int | None = None, progress: Callable | None = None,
                 **_ignored) -> IMResult:
    """``k`` distinct nodes uniformly at random (numpy PCG64 seeded with ``seed``)."""
    k, _, _ = validate_common(graph, k)
    model = MODELS[model_code(model)]
    record = RunRecord()
    with record.phase("select"):
        rng = np.random.Generator(np.random.PCG64(int(seed)))
        seeds = rng.choice(graph.n, size=k, replace=False)
    return _finish(graph, seeds, "random", model, record, seed=seed, threads=threads,
                   spread_eps=spread_eps, evaluate=evaluate, max_rr_sets=max_rr_sets)


def celf(graph, k: int, *, model: str = "ic", seed: int = 1, threads: int | None = None,
         mc_runs: int = 1000, progress: Callable | None = None, **_ignored) -> IMResult:
    """Lazy greedy (CELF, Leskovec et al. 2007) on Monte-Carlo spread estimates.

    Every estimate uses the same ``mc_runs`` random streams (common random
    numbers), so comparisons between candidates are not blurred by sampling
    noise and the run is deterministic.  Costs about n + (re-evaluations)
    simulations batches of ``mc_runs``: for small graphs and tests.  The
    reported spread is the estimate of the final set.
    """
    k, _, _ = validate_common(graph, k)
    model = MODELS[model_code(model)]
    mc_runs = _validate.count(mc_runs, "mc_runs", minimum=1)
    record = RunRecord()
    n = graph.n

    def spread_of(nodes):
        return mc_spread(graph, nodes, runs=mc_runs, model=model, seed=seed,
                         threads=threads, labels=False).mean

    chosen: list[int] = []
    current = 0.0
    evaluations = 0
    with record.phase("select"):
        heap = []
        for v in range(n):
            heap.append((-spread_of([v]), v, 0))
            evaluations += 1
        heapq.heapify(heap)
        while len(chosen) < k and heap:
            neg_gain, v, stamp = heapq.heappop(heap)
            if stamp == len(chosen):
                chosen.append(v)
                current += -neg_gain
                if progress is not None:
                    progress(len(chosen), k, "CELF")
                continue
            gain = spread_of(chosen + [v]) - current
            evaluations += 1
            heapq.heappush(heap, (-gain, v, len(chosen)))
    record.counters.update({"mc_runs": int(mc_runs), "evaluations": evaluations})
    spread = spread_of(chosen)
    if not math.isfinite(spread):  # pragma: no cover
        spread = None
    return _finish(graph, chosen, "celf", model, record, seed=seed, threads=threads,
                   spread_eps=0.0, evaluate=False, spread=spread)
