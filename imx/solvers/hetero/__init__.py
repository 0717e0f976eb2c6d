"""Influence-aware reranking of friend recommendations: HeteroIR and HeteroIM.

"Heterogeneous Influence Maximization in User Recommendation" (CIKM 2025,
arXiv 2508.13517).  A recommender scores how willing inviter ``u`` is to invite
friend ``v`` (``P_uv``); friend ``v`` accepts with ``U_v``.  The rerankers
order each inviter's friends so that invitations are accepted *and* spread.

* :func:`hetero_ir` - one-hop score ``beta_uv = P_uv U_v (1 + HeteroInf(v))``;
* :func:`hetero_im` - RR-set coverage greedy over all inviters, list length K;
* :func:`rerank` - either of them or a baseline, by name;
* :class:`HeteroIndex` - precomputed rankings for per-request serving;
* :mod:`.evaluate`, :mod:`.synthetic`, :mod:`.io` - metrics, data, files.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ...errors import ParameterError
from ...graph.core import Graph
from .baselines import rank_by_degree, rank_by_willingness
from .evaluate import evaluate_ranking
from .heteroim import hetero_im
from .heteroir import hetero_ir
from .index import SOLVERS, HeteroIndex
from .model import HeteroInstance, Ranking, beta_scores, hetero_inf
from .synthetic import SyntheticHetero, synthetic_hetero

__all__ = ["HeteroIndex", "HeteroInstance", "Ranking", "hetero_ir", "hetero_im", "rerank",
           "hetero_inf", "beta_scores", "rank_by_willingness", "rank_by_degree",
           "evaluate_ranking", "synthetic_hetero", "SyntheticHetero", "SOLVERS"]



def rerank(graph: Graph, inviters: Iterable[Any] | np.ndarray, k: int = 3, *,
           solver: str = "heteroim", willingness: np.ndarray | None = None,
           accept: np.ndarray | None = None, c: int = 3, eps: float = 0.1,
           delta: float | None = None, rr_sets: int | None = None, seed: int = 1,
           threads: int | None = None, max_memory: int | None = None, labels: bool = True,
           progress: Callable[[float, float | None, str], None] | None = None,
           cluster=None) -> Ranking:
    """Rank at most ``k`` friends of each inviter with ``solver``.

    Parameters
    ----------
    graph : the social graph; its arc probabilities are the willingness ``P_uv``
        unless ``willingness`` (one value per arc, out-CSR order) is given.
    inviters : inviter labels (internal ids with ``labels=False``).
    k : list length per inviter (>= 1).
    solver : ``heteroim`` (default), ``heteroir``, ``willingness`` or ``degree``.
    accept : acceptance ``U_v`` per node (default 1).
    c : HeteroInf's interaction capacity (``heteroir``).
    eps, delta, rr_sets, seed, threads, max_memory, progress, cluster : ``heteroim``
        only; see :func:`hetero_im`.

    Returns
    -------
    Ranking

    Examples
    --------
    >>> from imx import Graph
    >>> g = Graph.from_arrays([0, 0, 1], [1, 2, 3], [0.5, 0.5, 1.0])
    >>> rerank(g, [0], k=1, solver="heteroir").as_dict()
    {0: [(1, 1.0)]}
    """
    if solver not in SOLVERS:
        raise ParameterError(f"solver must be one of {', '.join(SOLVERS)}, got {solver!r}")
    instance = HeteroInstance(graph, willingness, accept)
    if cluster is not None and solver != "heteroim":
        raise ParameterError(f"solver {solver!r} has no cluster backend (heteroim does)")
    if solver == "heteroim":
        return hetero_im(instance, inviters, k, eps=eps, delta=delta, rr_sets=rr_sets, seed=seed,
                         threads=threads, max_memory=max_memory, labels=labels,
                         progress=progress, cluster=cluster)
    if solver == "heteroir":
        return hetero_ir(instance, inviters, k, c=c, labels=labels)
    if solver == "willingness":
        return rank_by_willingness(instance, inviters, k, labels=labels)
    return rank_by_degree(instance, inviters, k, labels=labels)
