"""Influence-blind rankings used as baselines: by willingness, by invitee degree."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ...record import RunRecord
from .model import HeteroInstance, Ranking, check_list_length, rank_arcs

__all__ = ["rank_by_willingness", "rank_by_degree", "degree_arc_scores"]


def rank_by_willingness(instance: HeteroInstance, inviters: Iterable[Any] | np.ndarray,
                        k: int = 3, *, labels: bool = True) -> Ranking:
    """Rank friends by ``P_uv * U_v`` (the recommender's own order when ``U = 1``);
    ties by ``P_uv``, then the smaller id."""
    K = check_list_length(k)
    rec = RunRecord()
    with rec.phase("ranking"):
        ids = instance.inviter_ids(inviters, labels=labels)
        offsets, invitees, scores = rank_arcs(instance.graph, ids, K, instance.live_probs(),
                                              instance.willingness)
    rec.counters.update(inviters=int(ids.shape[0]), pairs=int(offsets[-1]))
    return Ranking(instance.graph, "willingness", K, ids, offsets, invitees, scores, rec)


def degree_arc_scores(instance: HeteroInstance) -> np.ndarray:
    """Out-degree of each arc's head, as float (the degree baseline's score)."""
    g = instance.graph
    return g.out_degree.astype(np.float64)[np.asarray(g.out_targets)]


def rank_by_degree(instance: HeteroInstance, inviters: Iterable[Any] | np.ndarray,
                   k: int = 3, *, labels: bool = True) -> Ranking:
    """Rank friends by their own out-degree; ties by ``P_uv``, then the smaller id."""
    K = check_list_length(k)
    rec = RunRecord()
    with rec.phase("ranking"):
        ids = instance.inviter_ids(inviters, labels=labels)
        offsets, invitees, scores = rank_arcs(instance.graph, ids, K,
                                              degree_arc_scores(instance), instance.willingness)
    rec.counters.update(inviters=int(ids.shape[0]), pairs=int(offsets[-1]))
    return Ranking(instance.graph, "degree", K, ids, offsets, invitees, scores, rec)
