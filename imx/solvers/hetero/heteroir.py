"""HeteroIR: rank each inviter's friends by ``beta_uv = P_uv U_v (1 + HeteroInf(v))``.

The one-hop influence-aware reranker of the HeteroIM paper (arXiv 2508.13517,
Section 4.1): an invitation is worth its acceptance chance times one plus the
invitee's own best ``c`` onward invitations.  Ties are broken by ``P_uv``, then
by the smaller node id.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ...record import RunRecord
from .model import HeteroInstance, Ranking, beta_scores, check_list_length, rank_arcs

__all__ = ["hetero_ir"]


def hetero_ir(instance: HeteroInstance, inviters: Iterable[Any] | np.ndarray, k: int = 3, *,
              c: int = 3, labels: bool = True) -> Ranking:
    """Rank the out-neighbours of each inviter by HeteroIR's ``beta_uv``.

    Parameters
    ----------
    instance : graph with willingness and acceptance.
    inviters : inviter labels (or internal ids with ``labels=False``).
    k : list length per inviter (>= 1).
    c : interaction capacity of HeteroInf (default 3).

    Returns
    -------
    Ranking
        At most ``k`` invitees per inviter; scores are ``beta_uv``.

    Raises
    ------
    InputError
        An inviter is not in the graph.
    ParameterError
        ``k < 1`` or ``c < 1``.

    Examples
    --------
    >>> from imx import Graph
    >>> g = Graph.from_arrays([0, 0, 1], [1, 2, 3], [0.5, 0.5, 1.0])
    >>> r = hetero_ir(HeteroInstance(g), [0], k=2)
    >>> r.as_dict()[0]
    [(1, 1.0), (2, 0.5)]
    """
    K = check_list_length(k)
    rec = RunRecord()
    with rec.phase("scoring"):
        ids = instance.inviter_ids(inviters, labels=labels)
        beta = beta_scores(instance, c)
    with rec.phase("ranking"):
        offsets, invitees, scores = rank_arcs(instance.graph, ids, K, beta, instance.willingness)
    rec.counters.update(inviters=int(ids.shape[0]), pairs=int(offsets[-1]), c=int(c))
    return Ranking(instance.graph, "heteroir", K, ids, offsets, invitees, scores, rec)
