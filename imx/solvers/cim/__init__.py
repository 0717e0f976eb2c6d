"""Capacity-constrained influence maximization (CIM).

Zhang, Huang, Sun, Lin, Xiao, Tang, "Capacity Constrained Influence
Maximization in Social Networks", KDD 2023 (arXiv 2306.01782).

Each active participant (AP) ``u`` may pass a promotion to at most ``k`` of
its candidates (out-neighbours that are not APs); a node is a seed of at most
one AP; the goal is the largest expected spread of all seeds on the passive
graph (the graph without the APs).  :func:`cim` solves it with:

===============  ==============================================================
``rr-opim+``     OPIM-style doubling with RR-Greedy and the tightened upper
                 bound (default; (1/2 - eps)-approximate w.p. 1 - delta)
``rr-opim``      the same with the plain ``2 x coverage`` upper bound
``mg-opim``      the same with MG-Greedy inside
``rr-greedy``    RR-Greedy on Monte-Carlo live-edge worlds (small graphs)
``mg-greedy``    MG-Greedy (CELF) on Monte-Carlo live-edge worlds (small graphs)
``rr-greedy-cov`` / ``mg-greedy-cov``   the greedy on a fixed number of RR sets
``degree``       each AP takes its k free candidates of highest out-degree
``pagerank``     ... of highest PageRank (reversed passive graph)
``local-opim``   each AP runs OPIM-C on its own candidates
===============  ==============================================================
"""
from __future__ import annotations


import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable

import numpy as np

from ... import _validate
from ..._names import CIM_SOLVERS, DIFFUSION_MODELS
from ..._threads import numba_threads
from ...errors import ParameterError
from ...graph.core import Graph
from ...record import Result, RunRecord
from .problem import CIMProblem, build_problem, check_assignment, sample_aps

__all__ = ["cim", "CIMResult", "SOLVERS", "prepare", "CIMProblem", "build_problem",
           "check_assignment", "sample_aps"]

SOLVERS = CIM_SOLVERS
MODELS = DIFFUSION_MODELS

#: Relative error of the stopping-rule estimate reported for uncertified solvers.
REPORT_EPS = 0.05


@dataclass(frozen=True, eq=False, repr=False)
class CIMResult(Result):
    """The answer of :func:`cim`.

    Attributes
    ----------
    assignment : AP label -> list of its seed labels, for every AP in input order.
    pairs : (AP label, seed label) in the order the solver chose them.
    seeds : the distinct seeds (labels), in choice order.
    spread : estimated expected spread of the seeds on the passive graph.
    lower_bound : a lower bound on that spread (w.p. 1 - delta), when known.
    upper_bound : an upper bound on the optimum (RR solvers), else None.
    approx_ratio : certified approximation ratio ``lower_bound / upper_bound`` (RR solvers).
    rr_sets : RR sets the solver sampled (both collections).
    aps_without_candidates : labels of APs that have no candidate.
    record : phase times (``record.phases``) and counters.
    problem : the :class:`CIMProblem` solved (passive graph, candidates).
    seed_ids : the seeds as internal ids of the passive graph ``problem.passive``.
    """

    solver: str
    model: str
    k: int
    seeds: list
    spread: float
    lower_bound: float | None
    upper_bound: float | None
    approx_ratio: float | None
    rr_sets: int
    eps: float
    delta: float
    seed: int
    aps_without_candidates: list
    record: RunRecord = field(default_factory=RunRecord)
    problem: CIMProblem | None = field(default=None, repr=False, metadata={"to_dict": False})
    seed_ids: np.ndarray | None = field(default=None, repr=False, metadata={"to_dict": False})
    seed_aps: np.ndarray | None = field(default=None, repr=False, metadata={"to_dict": False})

    # pairs and assignment are written out on first use: labels as Python objects cost
    # more than a small solve's selection, and many callers want only the seeds
    @cached_property
    def pairs(self) -> list:
        """(AP label, seed label) in the order the solver chose them."""
        problem, seed_aps, _ = self._chosen()
        return list(zip(problem.ap_label_array()[seed_aps].tolist(), self.seeds))

    @cached_property
    def assignment(self) -> dict:
        """AP label -> list of its seed labels (choice order), for every AP in input order."""
        problem, seed_aps, seed_ids = self._chosen()
        # group the seeds by AP without a Python loop per seed
        order = np.argsort(seed_aps, kind="stable")
        grouped = problem.seed_label_array(seed_ids[order]).tolist()
        ends = np.cumsum(np.bincount(seed_aps, minlength=problem.num_aps)).tolist()
        starts = [0] + ends[:-1]
        return {label: grouped[a:b]
                for label, a, b in zip(problem.ap_label_array().tolist(), starts, ends)}

    def _chosen(self) -> tuple[CIMProblem, np.ndarray, np.ndarray]:
        if self.problem is None or self.seed_aps is None or self.seed_ids is None:
            raise ParameterError("this CIMResult holds no problem and seed arrays to list "
                                 "its pairs from")
        return self.problem, self.seed_aps, self.seed_ids

    @property
    def num_seeds(self) -> int:
        return len(self.seeds)

    @property
    def times(self) -> dict:
        return dict(self.record.phases)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (labels as plain values)."""
        fields = super().to_dict()
        out = {key: fields.pop(key) for key in ("solver", "model", "k")}
        out["assignment"] = [{"ap": ap, "seeds": list(s)} for ap, s in self.assignment.items()]
        out["pairs"] = [list(pair) for pair in self.pairs]
        out.update(fields)
        out.update({"aps": len(self.assignment), "num_seeds": self.num_seeds})
        return out


def prepare(graph: Graph, aps: Iterable[Any], k: int, *, path: str | None = None,
            labels: bool = True) -> CIMProblem:
    """Build a :class:`CIMProblem` from the APs (labels, or ids with ``labels=False``)."""
    ids = graph.node_ids(list(aps), labels=labels, what="AP", path=path)
    return build_problem(graph, ids, k)


def cim(graph: Graph | CIMProblem, aps: Iterable[Any] | None, k: int | None = None, *,
        solver: str = "rr-opim+", model: str = "ic", eps: float = 0.1,
        delta: float | None = None, seed: int = 1, threads: int | None = None,
        max_memory: int | None = None, progress: Callable | None = None,
        mc_runs: int = 1000, rr_sets: int = 100_000, augment: bool = True,
        labels: bool = True, cluster=None) -> CIMResult:
    """Solve capacity-constrained influence maximization.

    Parameters
    ----------
    graph : the social graph ``G`` (IC probabilities or LT weights on its arcs),
        or a prepared :class:`CIMProblem` (then ``aps`` and ``k`` are ignored).
    aps : labels (input ids) of the active participants; their order is the
        round-robin order of RR-Greedy and the priority order of the baselines.
    k : capacity of each AP (>= 1).
    solver : one of :data:`SOLVERS` (default ``"rr-opim+"``).
    model : ``"ic"`` or ``"lt"``.
    eps : approximation slack of the OPIM solvers (ratio >= 1/2 - eps), and of
        local-opim (1 - 1/e - eps).
    delta : failure probability (default 1/n, n = nodes of the passive graph).
    seed : every random choice derives from it; the same seed gives the same
        answer for any thread count.
    threads : numba threads (default: all).
    max_memory : byte budget for RR sets / Monte-Carlo worlds.
    progress : optional ``progress(done, total, label)`` callback.
    mc_runs : live-edge worlds of the Monte-Carlo greedy solvers.
    rr_sets : size of each collection of the ``*-greedy-cov`` solvers.
    labels : False when ``aps`` are internal ids ``0..n-1`` rather than labels.
    augment : after a greedy solver (not the baselines), fill spare AP
        capacity along augmenting paths: every greedy seed stays, seeds are
        only added, so the spread and the guarantee can only improve.
    cluster : RR-OPIM+ / RR-OPIM / MG-OPIM with their RR sets drawn on a Dask
        cluster (a ``distributed.Client``, ``"tcp://host:8786"``, ``"local[:N]"``
        or an :class:`imx.distributed.Cluster`); the sets come back here, where
        selection runs, so the answer is the same.

    Returns
    -------
    CIMResult

    Raises
    ------
    InputError
        An AP label not in the graph.
    ParameterError
        ``k < 1``, a duplicate AP, an unknown solver/model, eps out of range.

    Examples
    --------
    >>> from imx import Graph
    >>> g = Graph.from_arrays([0, 0, 1, 2], [1, 2, 3, 3], probs="uniform:0.5")
    >>> res = cim(g, [0], 1, solver="degree")
    >>> res.assignment
    {0: [1]}
    """
    if solver not in SOLVERS:
        raise ParameterError(f"unknown CIM solver {solver!r}; expected one of {', '.join(SOLVERS)}")
    if model not in MODELS:
        raise ParameterError(f"model must be 'ic' or 'lt', got {model!r}")
    eps = _validate.error_bound(eps, "eps")
    seed = _validate.seed(seed)
    mc_runs = _validate.count(mc_runs, "mc_runs", minimum=1)
    rr_sets = _validate.count(rr_sets, "rr_sets", minimum=1)
    cluster = _validate.cluster(cluster)
    record = RunRecord()
    if isinstance(graph, CIMProblem):
        problem = graph
    elif aps is None or k is None:
        raise ParameterError("cim needs aps and k (or a prepared CIMProblem)")
    else:
        with record.phase("passive_graph"):
            problem = prepare(graph, aps, k, labels=labels)
    if model == "lt":
        problem.passive.check_lt()
    n = problem.passive.n
    delta = 1.0 / max(n, 2) if delta is None else _validate.failure_probability(delta, "delta")
    with numba_threads(threads), _collections(cluster, problem, model, solver) as collections:
        result = _solve(problem, solver=solver, model=model, eps=eps, delta=delta,
                        seed=int(seed), threads=threads, max_memory=max_memory,
                        progress=progress, mc_runs=mc_runs, rr_sets=rr_sets, augment=augment,
                        record=record, collections=collections)
        if collections is not None:
            record.counters.update(collections.counters())
        return result


def _collections(cluster, problem: CIMProblem, model: str, solver: str):
    """R1/R2 drawn on ``cluster`` (none: local), for the OPIM variants."""
    from ..doubling import cluster_collections
    from .opim import VARIANTS

    if cluster is not None and solver not in VARIANTS:
        raise ParameterError(f"CIM solver {solver!r} has no cluster backend "
                             f"({', '.join(VARIANTS)} do)")
    return cluster_collections(cluster, problem.passive.n, model=model, gather=True)


def _solve(problem: CIMProblem, *, solver, model, eps, delta, seed, threads, max_memory,
           progress, mc_runs, rr_sets, augment, record, collections=None) -> CIMResult:
    from . import baselines, greedy, opim
    from .evaluate import rr_estimate

    spread = lower = upper = ratio = None
    sampled = 0
    started = time.perf_counter()
    if solver in opim.VARIANTS or solver.endswith("-cov"):
        if solver in opim.VARIANTS:
            answer = opim.opim_cim(problem, variant=solver, model=model, eps=eps, delta=delta,
                                   seed=seed, threads=threads, max_memory=max_memory,
                                   progress=progress, augment=augment, record=record,
                                   collections=collections)
        else:
            answer = opim.fixed_sample_cim(problem, greedy=solver[:2], rr_sets=rr_sets,
                                           model=model, delta=delta, seed=seed, threads=threads,
                                           max_memory=max_memory, augment=augment,
                                           record=record)
        selection = answer.selection
        spread, lower, upper = answer.spread, answer.lower, answer.upper
        ratio = answer.ratio if answer.theta else 1.0
        sampled = 2 * answer.theta
    else:
        if solver in ("rr-greedy", "mg-greedy"):
            from ...sampling.memory import resolve_budget

            run = greedy.rr_greedy_mc if solver == "rr-greedy" else greedy.mg_greedy_mc
            with record.phase("selection"):
                selection = run(problem, runs=mc_runs, model=model, seed=seed,
                                max_memory=resolve_budget(max_memory), progress=progress)
                if augment:
                    selection = greedy.augment(problem, selection)
            record.counters["mc_runs"] = int(mc_runs)
        elif solver == "local-opim":
            selection, theta = baselines.local_opim(problem, model=model, eps=eps, delta=delta,
                                                    seed=seed, threads=threads,
                                                    max_memory=max_memory, progress=progress,
                                                    record=record)
            sampled = 2 * theta
        else:
            with record.phase("selection"):
                scores = (baselines.degree_scores(problem) if solver == "degree"
                          else baselines.pagerank_scores(problem))
                selection = baselines.score_assignment(problem, scores)
        record.counters["core_seconds"] = time.perf_counter() - started
        with record.phase("evaluation"):
            estimate = rr_estimate(problem, selection.seed_nodes, eps=REPORT_EPS, delta=delta,
                                   model=model, seed=seed, threads=threads)
        spread, lower = estimate.spread, estimate.low
    record.counters.setdefault("core_seconds", time.perf_counter() - started)
    return _result(problem, selection, solver=solver, model=model, eps=eps, delta=delta,
                   seed=seed, spread=spread, lower=lower, upper=upper, ratio=ratio,
                   sampled=sampled, record=record)


def _result(problem: CIMProblem, selection, *, solver, model, eps, delta, seed, spread, lower,
            upper, ratio, sampled, record) -> CIMResult:
    seed_labels = problem.seed_labels(selection.seed_nodes)
    record.counters["num_seeds"] = len(seed_labels)
    return CIMResult(
        solver=solver, model=model, k=problem.k,
        seeds=seed_labels, spread=float(spread), lower_bound=None if lower is None else
        float(lower), upper_bound=None if upper is None else float(upper),
        approx_ratio=None if ratio is None else float(ratio), rr_sets=int(sampled), eps=float(eps),
        delta=float(delta), seed=int(seed),
        aps_without_candidates=problem.ap_label_array()[problem.aps_without_candidates].tolist(),
        record=record, problem=problem, seed_ids=np.asarray(selection.seed_nodes),
        seed_aps=np.asarray(selection.seed_aps, dtype=np.int64))
