"""Spread of a given seed set estimated with RR sets, under a stopping rule.

The fraction of RR sets that meet a seed set S is an unbiased estimate of
sigma(S) / n.  RR sets are drawn (without storing them, each draw stopping at
the first seed reached) until ``Upsilon = stopping_rule_threshold(eps, delta)``
of them meet S; after N draws, ``n * Upsilon / N`` is within a factor
(1 +- eps) of sigma(S) with probability at least 1 - delta (Dagum, Karp,
Luby, Ross 2000).  Only the RR sets' indices matter, so the answer does not
depend on the thread count or on the batch sizes.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from .. import _validate
from ..record import RunRecord
from .._pool import parallel_for, resolve_threads
from .montecarlo import SpreadEstimate
from .plan import MODELS, get_plan, model_code
from .rr import hit_block
from .sampler import graph_arrays

if TYPE_CHECKING:
    from ..graph.core import Graph

__all__ = ["rr_spread", "stopping_rule_threshold", "DEFAULT_MAX_RR_SETS"]

#: Default cap on the RR sets one estimate may draw.
DEFAULT_MAX_RR_SETS = 50_000_000
_Z95 = 1.959963984540054


def stopping_rule_threshold(eps: float, delta: float) -> float:
    """Hits needed by the stopping-rule estimator (Dagum, Karp, Luby, Ross 2000):
    ``1 + (1 + eps) * 4 (e - 2) ln(2/delta) / eps**2``.

    Drawing Bernoulli samples until this many successes, after N draws the
    estimate ``threshold / N`` is within a factor (1 +- eps) of the mean with
    probability at least 1 - delta.
    """
    eps = _validate.error_bound(eps, "eps")
    delta = _validate.failure_probability(delta, "delta")
    upsilon = 4.0 * (math.e - 2.0) * math.log(2.0 / delta) / (eps * eps)
    return 1.0 + (1.0 + eps) * upsilon


def rr_spread(graph: Graph, seeds: Iterable[Any], *, eps: float = 0.01, delta: float = 0.01,
              model: str = "ic", seed: int = 1, threads: int | None = None,
              max_rr_sets: int | None = None, method: str = "auto", labels: bool = True,
              progress: Callable | None = None) -> SpreadEstimate:
    """Expected spread of ``seeds`` from RR sets, with a stopping rule.

    Parameters
    ----------
    graph : imx.Graph
    seeds : iterable
        Seed nodes: labels, or internal ids with ``labels=False``.
    eps, delta : float
        Relative error and failure probability of the stopping rule (the
        estimate is within (1 +- eps) of the spread with probability 1 - delta).
    model : {'ic', 'lt'}
    seed : int
        Stream family of the RR sets.
    threads : int, optional
    max_rr_sets : int, optional
        Cap on the RR sets drawn (default 50 million).  If reached first, the
        plain estimate ``n * hits / N`` is returned; its interval says how good.
    method : {'auto', 'coin', 'skip'}
        How RR sets are sampled (not which estimator: that is the function).
    labels : bool
        False when ``seeds`` are internal ids ``0..n-1``.
    progress : callable, optional

    Returns
    -------
    SpreadEstimate
        ``method='rr'``; ``runs`` is the number of RR sets; the interval is the
        normal 95% interval of the binomial proportion times n.
    """
    code = model_code(model)
    eps = _validate.error_bound(eps, "eps")
    delta = _validate.failure_probability(delta, "delta")
    threshold = math.ceil(stopping_rule_threshold(eps, delta))
    cap = (DEFAULT_MAX_RR_SETS if max_rr_sets is None
           else _validate.count(max_rr_sets, "max_rr_sets", minimum=1))
    seed = _validate.seed(seed)
    ids = graph.node_ids(seeds, labels=labels, what="seed").astype(np.int64)
    n = graph.n
    if ids.size == 0 or n == 0:
        return SpreadEstimate(0.0, 0.0, 0.0, 0.0, 0, "rr")
    stop_at = np.zeros(n, dtype=np.uint8)
    stop_at[ids] = 1
    plan = get_plan(graph, MODELS[code], method)
    arrays = graph_arrays(graph, plan)
    drawn = 0
    hits = 0
    batch = 1 << 14
    workers = resolve_threads(threads)
    visited = np.zeros((workers, n), dtype=np.uint8)  # left all zero by the kernel
    record = RunRecord()
    with record.phase("sampling"):
        while drawn < cap:
            batch = int(min(batch, cap - drawn))
            block = max(256, min(65536, batch // (8 * workers)))
            flags = np.zeros(batch, dtype=np.uint8)

            def body(worker: int, b: int, start=drawn, flags=flags, batch=batch, block=block):
                hit_block(code, n, *arrays, int(seed), start, b * block,
                          min(batch, (b + 1) * block), stop_at, visited[worker], flags)

            parallel_for((batch + block - 1) // block, body, workers)
            new_hits = int(flags.sum(dtype=np.int64))
            if hits + new_hits >= threshold:
                position = int(np.searchsorted(np.cumsum(flags, dtype=np.int64), threshold - hits))
                drawn += position + 1
                hits = threshold
                break
            hits += new_hits
            drawn += batch
            if progress is not None:
                progress(hits, threshold, "RR hits")
            rate = max(hits, 1) / drawn
            batch = int(min(1 << 24, max(1 << 14, 1.1 * (threshold - hits) / rate)))
    p = hits / drawn
    mean = n * p
    stderr = n * math.sqrt(max(p * (1.0 - p), 0.0) / drawn)
    record.counters.update(rr_sets=drawn, hits=hits)
    return SpreadEstimate(mean, stderr, max(0.0, mean - _Z95 * stderr),
                          min(float(n), mean + _Z95 * stderr), drawn, "rr", record)
