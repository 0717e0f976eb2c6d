"""HeteroIM: expected RR coverage of invitations, greedy over all inviters' friends.

RR sets are sampled on the two-stage graph (arc live with ``p_uv = P_uv U_v``).
An RR set ``R`` rooted at ``r`` holding friend ``v`` is a world in which ``v``
reaches ``r``; the invitation ``(u, v)`` then reaches ``r`` if it is sent and
accepted, with probability ``p_uv`` independent of ``R``.  The invitations ``A``
chosen so far leave each set a residual ``res(R) = prod over (u, v) in A with v
in R of (1 - p_uv)`` (the chance that none of them reaches ``r``), and

    f(A) = sum over R of (1 - res(R))          (users reached: n f(A) / theta)

is monotone submodular.  A lazy greedy repeatedly takes the invitation with the
largest marginal ``p_uv * sum over R holding v of res(R)`` among the friends of
inviters that still have room (at most ``K`` per inviter, a partition matroid,
so greedy is a 1/2-approximation on the sampled sets), ties by ``P_uv``.  The
pair score is that marginal in users, ``n * gain / theta``: how many users
``u`` newly reaches by inviting ``v``, given the invitations placed before.
Inviters left with room once nothing gains are filled with their remaining
friends by ``P_uv`` (score 0).  Each inviter's list is ranked by pair score,
ties by ``P_uv``.

This differs from the paper's Algorithm 2 (and its reference code) in what is
counted: they count the RR sets holding both ``u`` and ``v``, a sampled
indicator of the first hop.  With acceptance rates of a few percent almost no
set holds both, so that count is mostly 0, and sets that hold ``u`` and ``v``
for unrelated reasons (``v`` reaching ``u``, common friends) add noise.  Here
the first hop enters by its expectation ``p_uv``, which is the same quantity
without the sampling noise of that hop; see docs/hetero.md.

The greedy weighs RR sets by root (:func:`root_weights`) so that each root
counts exactly its expected share, which removes the noise of how many sets a
node happened to root; the certificate below uses the plain counts.

Sizing follows OPIM-C (Tang et al., SIGMOD 2018) with approximation target 1/2,
as in capacity-constrained IM: two independent collections R1 (selection) and
R2 (validation), doubled until ``lower(R2) / upper(R1) >= 1/2 - eps`` or
``theta_max``.  The upper bound on the optimum is ``f(A_t) + sum over inviters
of its K largest marginals given A_t``, minimised over geometric prefixes
``A_t`` of the greedy; it holds for any ``A_t`` by submodularity.  Per-set
values lie in [0, 1], where OPIM-C's concentration bounds hold.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from ... import _validate
from ...record import RunRecord
from ...sampling import RRCollection, sample_rr_sets
from ..._pool import resolve_threads
from ...sampling.memory import resolve_budget
from ..bounds import opim_confidence, opim_iterations, opim_lower, opim_upper
from ..doubling import OFFSET, Certificate, cluster_collections, rr_pair, run_doubling
from .model import HeteroInstance, Ranking, check_list_length
from .selection import InvitationProblem, SelectionResult, ranking_from_selection
from .sizing import hetero_theta_max

__all__ = ["hetero_im", "check_sizing", "size_and_select", "draw_rr_sets"]


def draw_rr_sets(graph, count, seed, start, threads, max_memory) -> RRCollection:
    """``count`` IC RR sets of ``graph`` (the two-stage graph), numbered from ``start``."""
    return sample_rr_sets(graph, int(count), model="ic", seed=seed, start=start,
                          threads=threads, max_memory=max_memory)


def hetero_im(instance: HeteroInstance, inviters: Iterable[Any] | np.ndarray, k: int = 3, *,
              eps: float = 0.1, delta: float | None = None, rr_sets: int | None = None,
              seed: int = 1, threads: int | None = None, max_memory: int | None = None,
              labels: bool = True,
              progress: Callable[[float, float | None, str], None] | None = None,
              cluster=None) -> Ranking:
    """Rerank each inviter's friends with HeteroIM.

    Parameters
    ----------
    instance : graph with willingness ``P_uv`` and acceptance ``U_v``.
    inviters : inviter labels (or internal ids with ``labels=False``).
    k : list length per inviter, enforced while selecting (>= 1).
    eps : OPIM-style sizing stops once the certified ratio reaches ``1/2 - eps``.
    delta : failure probability of the certificate (default ``1/n``).
    rr_sets : use exactly this many RR sets (no sizing, no certificate).
    seed : RR stream family; the same seed gives the same answer on any thread count.
    threads, max_memory : passed to the RR-set engine.
    progress : optional ``progress(done, total, label)`` callback.
    cluster : draw the RR sets on a Dask cluster (a ``distributed.Client``,
        ``"tcp://host:8786"``, ``"local[:N]"`` or an :class:`imx.distributed.Cluster`);
        they come back here, where the greedy runs, so the answer is the same.

    Returns
    -------
    Ranking
        ``min(k, friends)`` invitees per inviter; the score of ``(u, v)`` is the
        expected number of users ``u`` newly reaches by inviting ``v`` (``n x``
        the greedy marginal ``/ theta``; 0 for friends added to fill the list).
        ``info`` holds ``rr_sets``, ``spread`` (users reached through all the invitations, estimated on the
        validation sets), ``lower_bound`` (its lower confidence bound),
        ``upper_bound`` (upper bound on the best possible), ``approx_ratio``
        (``lower_bound / upper_bound``, the certified approximation; ``None`` with
        ``rr_sets``) and ``invitees`` (distinct friends placed by the greedy).

    Raises
    ------
    InputError
        An inviter is not in the graph.
    ParameterError
        ``k < 1``, ``eps`` outside (0, 1/2), ``delta`` outside (0, 1) or ``rr_sets < 1``.
    MemoryBudgetError
        The RR sets would not fit in ``max_memory``.
    """
    K = check_list_length(k)
    check_sizing(instance.n, eps, delta, rr_sets)
    rec = RunRecord()
    with rec.phase("setup"):
        ids = instance.inviter_ids(inviters, labels=labels)
        problem = InvitationProblem(instance, ids, K)
    with cluster_collections(cluster, instance.n, model="ic", gather=True) as collections:
        sel, theta, info = size_and_select(problem, instance, eps=eps, delta=delta,
                                           rr_sets=rr_sets, seed=seed, threads=threads,
                                           max_memory=max_memory, progress=progress, rec=rec,
                                           collections=collections)[:3]
        if collections is not None:
            rec.counters.update(collections.counters())
    rec.counters.update(inviters=int(ids.shape[0]), pairs=int(sel.pairs),
                        rr_sets=int(theta))
    with rec.phase("ranking"):
        return ranking_from_selection(problem, sel, theta, K, rec, info)


def check_sizing(n, eps, delta, rr_sets) -> None:
    """ParameterError unless ``eps``, ``delta`` and ``rr_sets`` suit :func:`size_and_select`."""
    _validate.error_bound(eps, "eps", high=0.5)
    if delta is not None:
        _validate.failure_probability(delta, "delta")
    if rr_sets is not None:
        _validate.count(rr_sets, "rr_sets", minimum=1)


def size_and_select(problem: InvitationProblem, instance: HeteroInstance, *, eps, delta, rr_sets,
                    seed, threads, max_memory, progress, rec: RunRecord, collections=None):
    """Sample RR sets (a given count, or OPIM-style doubling) and run the greedy.

    Returns ``(selection, theta, info, r1)``; ``r1`` is the selection collection
    (None when there was nothing to select).  ``collections(family, start)``
    makes the collections (default local ones; see :func:`rr_pair`).
    """
    n = instance.n
    if delta is None:
        delta = 1.0 / max(n, 2)
    info: dict = {"rr_sets": 0, "approx_ratio": None, "spread": 0.0, "lower_bound": None,
                  "upper_bound": None, "invitees": 0}
    if problem.max_pairs == 0:
        empty = np.zeros(0, np.int64)
        return SelectionResult(empty, np.zeros(0), empty, 0.0, 0.0), 0, info, None
    with rec.phase("setup"):
        g2 = instance.two_stage_graph()
    if rr_sets is not None:
        with rec.phase("sampling"):
            if collections is None:
                r1 = draw_rr_sets(g2, rr_sets, seed, 0, threads, max_memory)
            else:
                r1 = collections(seed, 0)
                r1.grow(g2, int(rr_sets), threads=threads, max_memory=max_memory)
        with rec.phase("selection"):
            sel = problem.select(r1, want_bound=False)
        theta = r1.count
        info.update(rr_sets=theta, spread=n * sel.covered / theta)
    else:
        chi = problem.opt_lower()
        cap = hetero_theta_max(n, eps, delta, problem.log_choices(), chi)
        theta0 = max(1, int(math.ceil(cap * eps * eps * chi / n)))
        i_max = opim_iterations(theta0, int(math.ceil(cap)))
        d_round = opim_confidence(delta, i_max)
        target = 0.5 - eps

        def select(r1, threads, timer):
            with timer.phase("selection"):
                return problem.select(r1, want_bound=True)

        def certify(sel, cov2, r1, r2) -> Certificate:
            lower = opim_lower(float(cov2), d_round) * n / r2.count
            upper = opim_upper(float(sel.upper), d_round) * n / r1.count
            ratio = lower / upper if upper > 0 else 1.0
            info.update(rr_sets=r1.count, approx_ratio=ratio, spread=n * cov2 / r2.count,
                        lower_bound=lower, upper_bound=upper)
            return Certificate(lower, upper, ratio, ratio >= target)

        # R1 and R2 share the seed's family, R2 far past any R1 index
        r1, r2 = rr_pair(n, "ic", seed, OFFSET, make=collections)
        run = run_doubling(g2, r1, r2, theta_zero=theta0, theta_max=int(math.ceil(cap)),
                           rounds=i_max, select=select,
                           validate=lambda r2, sel, workers: problem.coverage(r2, sel),
                           certify=certify, record=rec, threads=resolve_threads(threads),
                           budget=resolve_budget(max_memory), what="HeteroIM",
                           progress=progress, label="heteroim", validation_phase="bounds")
        sel, theta = run.selection, r1.count
        rec.counters.update(rounds=run.rounds, theta_max=float(cap), opt_lower_bound=chi)
    info["invitees"] = int(np.unique(np.asarray(problem.graph.out_targets)[sel.arcs]).shape[0])
    return sel, theta, info, r1
