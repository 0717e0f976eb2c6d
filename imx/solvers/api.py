"""``maximize_influence``: one entry point for every classic IM solver."""
from __future__ import annotations

from typing import Callable

from .. import _validate
from .._names import CERTIFIED_IM_SOLVERS, IM_SOLVERS
from ..errors import ParameterError
from .result import IMResult

__all__ = ["maximize_influence", "SOLVERS"]

#: Solver names accepted by :func:`maximize_influence` (and ``imx im --solver``).
SOLVERS = IM_SOLVERS


def _solver_function(name: str):
    if name == "opim-c":
        from .opim import opim_c
        return opim_c
    if name == "imm":
        from .imm_solver import imm
        return imm
    from . import baselines
    return {"degree": baselines.degree, "pagerank": baselines.pagerank,
            "random": baselines.random_seeds, "celf": baselines.celf}[name]


def maximize_influence(graph, k: int, *, model: str = "ic", solver: str = "opim-c",
                       eps: float = 0.1, delta: float | None = None, seed: int = 1,
                       threads: int | None = None, time_budget: float | None = None,
                       max_rr_sets: int | None = None, max_memory: int | None = None,
                       progress: Callable | None = None, cluster=None,
                       hist: bool | None = None, fast: bool = False,
                       **options) -> IMResult:
    """Choose ``k`` seed nodes that maximize the expected spread under IC or LT.

    Parameters
    ----------
    graph : imx.Graph
        Arc probabilities (IC) or weights (LT) as stored in the graph.
    k : int
        Number of seeds.
    model : {'ic', 'lt'}
    solver : {'opim-c', 'imm', 'degree', 'pagerank', 'random', 'celf'}
        OPIM-C (default) certifies its ratio; IMM guarantees 1 - 1/e - eps a
        priori; the rest are baselines.
    eps : float
        OPIM-C stops at a certified ratio >= 1 - 1/e - eps; IMM's error.
    delta : float, optional
        Failure probability (default 1/n).
    seed : int
        Same seed, same answer, for any thread count.
    threads : int, optional
        Worker threads (default: all cores).
    time_budget, max_rr_sets : optional
        OPIM-C online mode: stop when spent, reporting the ratio reached.
    max_memory : int, optional
        Bytes the RR sets may take (default: 80% of the available memory).
    progress : callable, optional
        ``progress(done, total, label)``.
    cluster : distributed.Client or str, optional
        OPIM-C and IMM on a Dask cluster: a ``distributed.Client``, a scheduler
        address (``"tcp://host:8786"``) or ``"local:N"`` (N worker processes
        here, started for the call), or an :class:`imx.distributed.Cluster` to
        keep one connection over several calls (needs ``imx[dask]``).  RR sets are sharded over the workers and the
        greedy runs there; same seeds and bounds as without.  The record adds
        the traffic (``greedy_round_trips``, ``greedy_bytes``, ``dense_reduce_bytes``...).
    hist : bool, optional
        OPIM-C only.  ``None`` (default): a pilot of a few dozen RR sets picks
        HIST (:mod:`imx.solvers.hist`, sentinel-stopped RR sets, the same
        certificate) when RR sets are large (mean size at least
        ``HIST_MIN_MEAN_SIZE`` nodes), else plain OPIM-C; ``True`` forces
        HIST, ``False`` plain OPIM-C.  The online mode (``time_budget``,
        ``max_rr_sets``) always runs plain OPIM-C.  With a ``cluster`` the same
        pilot decides, so the answer is the one without: OPIM-C's RR sets go to
        the cluster, HIST runs here (its stopped sets are small; the record's
        ``cluster`` counter says so).
    fast : bool
        OPIM-C / HIST as in the papers: plain greedy, stop at the first round
        whose certificate reaches 1 - 1/e - eps (the cheapest certified
        answer).  By default OPIM-C's greedy picks by the rooted score (less
        noise from the same sets: :func:`imx.solvers.coverage.greedy_max_coverage`)
        and the doubling goes on while a doubling still improves the seeds by
        more than 0.25% of their spread, within an eighth of the sample IMM
        draws at eps = 0.05 (a quarter while a doubling still gains clearly;
        :mod:`imx.solvers.quality`): IMM's quality at a twentieth to a quarter
        of its time on the SNAP graphs; the certificate is kept either way and
        the record's ``stop`` says why the run ended.
    **options
        Solver-specific extras (``method`` for the RR solvers, ``mc_runs`` for
        CELF, ``spread_eps`` for baselines).

    Returns
    -------
    IMResult

    Examples
    --------
    >>> import imx
    >>> g = imx.Graph.from_arrays([0, 0, 0, 1], [1, 2, 3, 2], probs="uniform:0.5")
    >>> res = imx.maximize_influence(g, 1, seed=1)
    >>> res.seeds
    [0]
    """
    seed = _validate.seed(seed)
    name = str(solver).lower()
    if name not in SOLVERS:
        raise ParameterError(f"unknown solver {solver!r}; expected one of {', '.join(SOLVERS)}")
    if hist is not None and not isinstance(hist, bool):
        raise ParameterError(f"hist must be None, True or False, got {hist!r}")
    if not isinstance(fast, bool):
        raise ParameterError(f"fast must be True or False, got {fast!r}")
    if fast and name != "opim-c":
        raise ParameterError("fast=True applies to solver 'opim-c' only")
    online = time_budget is not None or max_rr_sets is not None
    if hist and (name != "opim-c" or online):
        raise ParameterError("hist=True needs solver 'opim-c' without time_budget / "
                             "max_rr_sets")
    cluster = _validate.cluster(cluster)  # a bad spec fails here, before the HIST pilot
    if cluster is not None and name not in CERTIFIED_IM_SOLVERS:
        raise ParameterError(f"solver {name!r} has no cluster backend "
                             f"({' and '.join(CERTIFIED_IM_SOLVERS)} do)")
    function = _solver_function(name)
    if name == "opim-c" and hist is not False and not online:
        from .hist import hist as hist_solver

        # with a cluster the pilot decides as without one (same answer): OPIM-C's
        # sets go to the cluster, HIST's small stopped sets stay here
        result = hist_solver(graph, k, model=model, eps=eps, delta=delta, seed=seed,
                             threads=threads, max_memory=max_memory, progress=progress,
                             fallback=hist is None, fast=fast,
                             run_opim=None if cluster is None else
                             _on_cluster(function, cluster, graph.n, model, options), **options)
        if cluster is not None and result.record.counters.get("hist", True):
            result.record.counters["cluster"] = "not used: HIST ran here (stopped sets are small)"
        return result
    if name == "opim-c":
        options["fast"] = fast
    if cluster is not None:
        return _on_cluster(function, cluster, graph.n, model, options)(
            graph, k, model=model, eps=eps, delta=delta, seed=seed, threads=threads,
            time_budget=time_budget, max_rr_sets=max_rr_sets, max_memory=max_memory,
            progress=progress, **options)
    if name in CERTIFIED_IM_SOLVERS:
        return function(graph, k, model=model, eps=eps, delta=delta, seed=seed, threads=threads,
                        time_budget=time_budget, max_rr_sets=max_rr_sets,
                        max_memory=max_memory, progress=progress, **options)
    return function(graph, k, model=model, seed=seed, threads=threads, progress=progress,
                    max_rr_sets=max_rr_sets, **options)


def _on_cluster(function: Callable, cluster, n: int, model: str, options: dict) -> Callable:
    """``function`` (a certified IM solver) with its RR collections sharded over ``cluster``."""
    def run(graph, k, **kwargs) -> IMResult:
        from .doubling import cluster_collections

        with cluster_collections(cluster, n, model=model,
                                 method=options.get("method", "auto")) as make:
            result = function(graph, k, collections=make, **kwargs)
            result.record.counters.update(make.counters())
        return result

    return run
