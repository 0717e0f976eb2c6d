"""Monte-Carlo spread: forward IC / LT simulations, in parallel and deterministic.

Run ``r`` draws from stream ``(seed, r)`` whichever thread executes it, so the
per-run outcomes, hence the mean and its confidence interval, do not depend on
the thread count.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
from numba import njit

from .. import _validate
from .._rng import next_double, stream_start
from ..record import Result, RunRecord
from .._pool import parallel_for, resolve_threads
from .plan import MODELS, model_code

if TYPE_CHECKING:
    from ..graph.core import Graph

__all__ = ["SpreadEstimate", "mc_spread", "simulate_block", "simulate_runs", "summarize_runs"]

_Z95 = 1.959963984540054


@dataclass(frozen=True, repr=False)
class SpreadEstimate(Result):
    """An estimate of expected spread with its 95% confidence interval.

    ``runs`` is the number of simulations (Monte Carlo) or of RR sets (RR
    estimator); ``method`` says which.  Estimates compare equal when their
    numbers do (the record's timings aside).
    """

    mean: float
    stderr: float
    ci_low: float
    ci_high: float
    runs: int
    method: str = "mc"
    record: RunRecord = field(default_factory=RunRecord, compare=False)


@njit(cache=True, nogil=True)
def simulate_block(model, n, out_offsets, out_targets, out_probs, head_probs, seeds, seed, first,
                   last, active, weight_in, threshold, queue, touched, result, base):
    """``result[r - base]`` = active nodes at the end of run ``r``, for ``first <= r < last``.

    Arc ``a`` into ``v`` has probability ``out_probs[a]``, or ``head_probs[v]``
    when ``out_probs`` is empty (:meth:`imx.Graph.kernel_probs`).

    IC: every arc out of a newly active node fires once with its probability.
    LT: every node draws a threshold uniform in (0, 1] when first reached and
    activates once the weights of its active in-neighbours reach it.  Scratch
    (one thread's): ``active`` uint8[n], and for LT ``weight_in``,
    ``threshold`` float64[n], all zero and left zero; ``queue`` int32[n],
    ``touched`` int32[n] (LT) or empty.
    """
    per_arc = out_probs.shape[0] > 0
    for r in range(first, last):
        state = stream_start(seed, r)
        pos = 0
        ntouched = 0
        for s in seeds:
            if not active[s]:
                active[s] = 1
                queue[pos] = s
                pos += 1
        head = 0
        while head < pos:
            u = queue[head]
            head += 1
            for a in range(out_offsets[u], out_offsets[u + 1]):
                v = out_targets[a]
                if active[v]:
                    continue
                p = out_probs[a] if per_arc else head_probs[v]
                if model == 0:
                    state, u01 = next_double(state)
                    if u01 < p:
                        active[v] = 1
                        queue[pos] = v
                        pos += 1
                else:
                    if threshold[v] == 0.0:
                        state, u01 = next_double(state)
                        threshold[v] = 1.0 - u01
                        weight_in[v] = 0.0
                        touched[ntouched] = v
                        ntouched += 1
                    weight_in[v] += p
                    if weight_in[v] >= threshold[v]:
                        active[v] = 1
                        queue[pos] = v
                        pos += 1
        result[r - base] = pos
        for i in range(pos):
            active[queue[i]] = 0
        for i in range(ntouched):
            threshold[touched[i]] = 0.0
            weight_in[touched[i]] = 0.0


def _seed_ids(graph, seeds: Iterable[Any], labels: bool) -> np.ndarray:
    return np.unique(graph.node_ids(seeds, labels=labels, what="seed")).astype(np.int64)


def mc_spread(graph: Graph, seeds: Iterable[Any], runs: int = 10000, *, model: str = "ic",
              seed: int = 1, threads: int | None = None, labels: bool = True,
              progress: Callable | None = None, cluster=None) -> SpreadEstimate:
    """Expected spread of ``seeds`` by forward Monte-Carlo simulation.

    Parameters
    ----------
    graph : imx.Graph
    seeds : iterable
        Seed nodes: labels, or internal ids with ``labels=False``.
    runs : int
        Number of simulations (default 10000).
    model : {'ic', 'lt'}
    seed : int
        Run ``r`` uses stream ``(seed, r)``: same seed, same answer, any thread count.
    threads : int, optional
    labels : bool
        False when ``seeds`` are internal ids ``0..n-1``.
    progress : callable, optional
        ``progress(done, total, label)``.
    cluster : distributed.Client or str, optional
        Run on a Dask cluster (a ``distributed.Client``, ``"tcp://host:8786"``,
        ``"local:2"`` or an :class:`imx.distributed.Cluster`); same answer as locally.

    Returns
    -------
    SpreadEstimate
        Mean, standard error and normal 95% confidence interval of the runs.

    Examples
    --------
    >>> import imx
    >>> g = imx.Graph.from_arrays([0, 1], [1, 2], probs="uniform:0.5")
    >>> est = imx.mc_spread(g, [0], runs=20000, seed=1)
    >>> est.ci_low < 1.75 < est.ci_high
    True
    """
    code = model_code(model)
    runs = _validate.count(runs, "runs", minimum=1)
    seed = _validate.seed(seed)
    if code == 1:
        graph.check_lt()
    ids = _seed_ids(graph, seeds, labels)
    record = RunRecord()
    with record.phase("simulation"):
        if cluster is not None:
            # the workers split the runs; run r still uses stream (seed, r)
            values = _validate.cluster(cluster).simulate_runs(
                graph, ids, runs, model=MODELS[code], seed=int(seed), progress=progress)
        else:
            values = simulate_runs(graph, ids, MODELS[code], int(seed), 0, runs,
                                   threads=threads, progress=progress)
    return summarize_runs(values, record)


def simulate_runs(graph, ids: np.ndarray, model: str, seed: int, first: int, last: int, *,
                  threads: int | None = None, progress: Callable | None = None) -> np.ndarray:
    """Active nodes at the end of runs ``first .. last - 1`` (int32), run ``r`` on
    stream ``(seed, r)``; ``ids`` are checked seed ids (unique, in range)."""
    code = model_code(model)
    out_offsets = np.asarray(graph.out_offsets)
    out_targets = np.asarray(graph.out_targets)
    out_probs, head_probs = graph.kernel_probs("out")
    workers = resolve_threads(threads)
    n = graph.n
    runs = int(last) - int(first)
    lt_n = n if code == 1 else 0
    scratch = [(np.zeros(n, dtype=np.uint8), np.zeros(lt_n), np.zeros(lt_n),
                np.empty(n, dtype=np.int32), np.empty(lt_n, dtype=np.int32))
               for _ in range(min(workers, max(runs, 1)))]
    result = np.zeros(runs, dtype=np.int32)
    if runs <= 0:
        return result
    block = max(1, min(1024, runs // (16 * workers)))
    nblocks = (runs + block - 1) // block
    chunk = nblocks if progress is None else max(1, -(-nblocks // 20))
    def body(worker: int, b: int) -> None:
        simulate_block(code, n, out_offsets, out_targets, out_probs, head_probs, ids, int(seed),
                       first + b * block, first + min(runs, (b + 1) * block), *scratch[worker],
                       result, first)

    for done in range(0, nblocks, chunk):
        todo = min(chunk, nblocks - done)
        parallel_for(todo, lambda worker, b, done=done: body(worker, done + b), workers)
        if progress is not None:
            progress(min(runs, (done + todo) * block), runs, "simulations")
    return result


def summarize_runs(values: np.ndarray, record: RunRecord) -> SpreadEstimate:
    """Mean, standard error and normal 95% interval of per-run spreads."""
    runs = int(values.shape[0])
    values = values.astype(np.float64)
    mean = float(values.mean())
    stderr = float(values.std(ddof=1) / math.sqrt(runs)) if runs > 1 else 0.0
    record.counters["runs"] = runs
    return SpreadEstimate(mean, stderr, mean - _Z95 * stderr, mean + _Z95 * stderr, runs, "mc",
                          record)
