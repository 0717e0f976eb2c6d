"""The two-stage IC model of friend invitations, and rankings of invitees.

An inviter ``u`` invites a friend ``v`` (an out-neighbour) with willingness
``P_uv`` and ``v`` accepts with probability ``U_v``; an arc is therefore live
with probability ``P_uv * U_v`` and influence spreads as independent cascade on
those probabilities (Section 3 of the HeteroIM paper, arXiv 2508.13517).

:class:`HeteroInstance` holds a graph with its per-arc willingness and per-node
acceptance; :class:`Ranking` holds, for each inviter, its invitees in rank order
with their scores.  Every ranker of this package returns a :class:`Ranking`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
from numba import njit, prange

from ... import _validate
from ...errors import InputError, ParameterError
from ...graph.core import Graph
from ...record import Result, RunRecord
from .._heap import top_k_insert

__all__ = ["HeteroInstance", "Ranking", "hetero_inf", "beta_scores", "check_list_length",
           "rank_arcs"]


def check_list_length(K: int) -> int:
    """Validate the list length ``K`` (an integer >= 1)."""
    return _validate.count(K, "K", minimum=1)


class HeteroInstance:
    """A graph with willingness ``P_uv`` per arc and acceptance ``U_v`` per node.

    Parameters
    ----------
    graph : the social graph; candidates of an inviter are its out-neighbours.
    willingness : ``P_uv`` per arc in the graph's out-CSR order (float, in [0, 1]);
        default: the graph's own arc probabilities (``graph.out_probs``).
    accept : ``U_v`` per node (float, in [0, 1]); default 1 for every node.

    Raises
    ------
    ParameterError
        If an array has the wrong length or a value outside [0, 1].
    """

    __slots__ = ("graph", "willingness", "accept")

    def __init__(self, graph: Graph, willingness: np.ndarray | None = None,
                 accept: np.ndarray | None = None):
        self.graph = graph
        if willingness is None:
            willingness = np.asarray(graph.out_probs, dtype=np.float64)
        willingness = np.ascontiguousarray(willingness, dtype=np.float64)
        if willingness.shape != (graph.m,):
            raise ParameterError(f"willingness needs one value per arc ({graph.m}), "
                                 f"got shape {willingness.shape}")
        _check_unit(willingness, "willingness")
        if accept is None:
            accept = np.ones(graph.n, dtype=np.float64)
        accept = np.ascontiguousarray(accept, dtype=np.float64)
        if accept.shape != (graph.n,):
            raise ParameterError(f"accept needs one value per node ({graph.n}), "
                                 f"got shape {accept.shape}")
        _check_unit(accept, "acceptance")
        willingness.setflags(write=False)
        accept.setflags(write=False)
        self.willingness = willingness
        self.accept = accept

    @property
    def n(self) -> int:
        return self.graph.n

    def live_probs(self) -> np.ndarray:
        """``P_uv * U_v`` per arc (out-CSR order): the chance the invitation succeeds."""
        return self.willingness * self.accept[np.asarray(self.graph.out_targets)]

    def two_stage_graph(self) -> Graph:
        """The graph whose arc probabilities are ``P_uv * U_v`` (scheme ``given``)."""
        g = self.graph
        tails, heads = g.arcs()
        return Graph.from_arrays(tails, heads, self.live_probs(), n=g.n, probs="given",
                                 directed=True, labels=g.labels, merge="first")

    def inviter_ids(self, inviters: Iterable[Any], *, path: str | None = None,
                    labels: bool = True) -> np.ndarray:
        """Internal ids of ``inviters`` (labels, or ids when ``labels`` is False), deduplicated
        in first-seen order; InputError for an unknown inviter."""
        if labels:
            ids = self.graph.indices_of(inviters, what="inviter", path=path)
        else:
            ids = np.asarray(list(inviters) if not isinstance(inviters, np.ndarray) else inviters,
                             dtype=np.int64)
            bad = (ids < 0) | (ids >= self.n)
            if bad.any():
                raise InputError(f"inviter id {int(ids[bad][0])} is not in the graph", path=path)
        _, first = np.unique(ids, return_index=True)
        return np.asarray(ids[np.sort(first)], dtype=np.int32)


def _check_unit(values: np.ndarray, what: str) -> None:
    bad = ~((values >= 0.0) & (values <= 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(f"{what} value {values[i]!r} (entry {i}) is not in [0, 1]")


@dataclass(frozen=True, eq=False, repr=False)
class Ranking(Result):
    """Ranked invitee lists, one per inviter.

    ``invitees[offsets[i]:offsets[i+1]]`` are the invitees of ``inviters[i]`` in
    rank order (rank 1 first) and ``scores`` the matching scores (higher is
    better).  Ids are internal node ids of ``graph``; :meth:`rows` and
    :meth:`as_dict` give labels.  ``info`` holds what the solver measured
    (HeteroIM: ``rr_sets``, ``spread``, ``lower_bound``, ``upper_bound``,
    ``approx_ratio``, ``invitees``); the bounds are also attributes.
    """

    graph: Graph = field(repr=False, metadata={"to_dict": False})
    solver: str
    k: int
    inviters: np.ndarray = field(repr=False, metadata={"to_dict": False})
    offsets: np.ndarray = field(repr=False, metadata={"to_dict": False})
    invitees: np.ndarray = field(repr=False, metadata={"to_dict": False})
    scores: np.ndarray = field(repr=False, metadata={"to_dict": False})
    record: RunRecord = field(default_factory=RunRecord)
    info: dict = field(default_factory=dict)

    @property
    def spread(self) -> float | None:
        return self.info.get("spread")

    @property
    def lower_bound(self) -> float | None:
        return self.info.get("lower_bound")

    @property
    def upper_bound(self) -> float | None:
        return self.info.get("upper_bound")

    @property
    def approx_ratio(self) -> float | None:
        return self.info.get("approx_ratio")

    def __repr__(self) -> str:
        return (f"Ranking(solver={self.solver!r}, k={self.k}, inviters={len(self)}, "
                f"rows={int(self.offsets[-1]) if len(self.offsets) else 0}, "
                f"approx_ratio={self.approx_ratio!r})")

    def to_dict(self) -> dict[str, Any]:
        """Summary, plus ``rankings``: ``[{"inviter", "invitees": [[label, score], ...]}]``."""
        out = super().to_dict()
        out["rankings"] = [{"inviter": u, "invitees": [[v, s] for v, s in lst]}
                           for u, lst in self.as_dict().items()]
        return out

    def __len__(self) -> int:
        return int(self.inviters.shape[0])

    def list_of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(invitee ids, scores) of the ``i``-th inviter."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.invitees[a:b], self.scores[a:b]

    def rows(self) -> list[tuple[Any, Any, float, int]]:
        """``(inviter label, invitee label, score, rank)`` rows, rank 1 first."""
        g = self.graph
        inv = g.label_list(self.inviters)
        dst = g.label_list(self.invitees)
        counts = np.diff(self.offsets)
        out = []
        pos = 0
        for i, c in enumerate(counts.tolist()):
            for r in range(c):
                out.append((inv[i], dst[pos], float(self.scores[pos]), r + 1))
                pos += 1
        return out

    def as_dict(self) -> dict:
        """``{inviter label: [(invitee label, score), ...]}`` in rank order."""
        out: dict = {}
        for u, v, s, _ in self.rows():
            out.setdefault(u, []).append((v, s))
        for u in self.graph.label_list(self.inviters):
            out.setdefault(u, [])
        return out


# ---------------------------------------------------------------------- kernels
@njit(cache=True, nogil=True, parallel=True)
def _top_c_sums(out_offsets, values, c):
    """Per node, the sum of the ``c`` largest ``values`` over its out-arcs."""
    n = out_offsets.shape[0] - 1
    out = np.zeros(n, dtype=np.float64)
    for u in prange(n):
        best = np.empty(c, dtype=np.float64)
        filled = 0
        for e in range(out_offsets[u], out_offsets[u + 1]):
            filled = top_k_insert(best, filled, c, values[e], None)
        s = 0.0
        for j in range(filled):
            s += best[j]
        out[u] = s
    return out


@njit(cache=True, nogil=True, parallel=True)
def _rank_arcs_kernel(out_offsets, out_targets, arc_score, arc_rank, inviters, offsets,
                      res_targets, res_scores):
    """Top out-arcs of each inviter by (score desc, rank asc, arc id asc), as many as
    its row of ``offsets`` holds."""
    by_score = (arc_score, arc_rank)
    for i in prange(inviters.shape[0]):
        u = inviters[i]
        base = offsets[i]
        size = offsets[i + 1] - base
        filled = 0
        sel = np.empty(size, dtype=np.int64)  # arc ids, best first
        for e in range(out_offsets[u], out_offsets[u + 1]):
            filled = top_k_insert(sel, filled, size, e, by_score)
        for j in range(size):
            res_targets[base + j] = out_targets[sel[j]]
            res_scores[base + j] = arc_score[sel[j]]


# ------------------------------------------------------------------- functions
def hetero_inf(instance: HeteroInstance, c: int = 3) -> np.ndarray:
    """HeteroInf(v): the sum of the ``c`` largest ``P_vw * U_w`` over v's out-arcs.

    A node's one-hop reach through its ``c`` most promising invitations (the
    "interaction capacity" of the paper); 0 for a node without out-arcs.
    """
    c = _check_c(c)
    g = instance.graph
    return _top_c_sums(np.asarray(g.out_offsets), instance.live_probs(), c)


def beta_scores(instance: HeteroInstance, c: int = 3) -> np.ndarray:
    """HeteroIR's score per arc: ``beta_uv = P_uv * U_v * (1 + HeteroInf(v))``."""
    inf = hetero_inf(instance, c)
    return instance.live_probs() * (1.0 + inf[np.asarray(instance.graph.out_targets)])


def _check_c(c: int) -> int:
    if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)) or c < 1:
        raise ParameterError(f"c (the interaction capacity of HeteroInf) must be an integer "
                             f">= 1, got {c!r}")
    return int(c)


def rank_arcs(graph: Graph, inviters: np.ndarray, K: int, arc_score: np.ndarray,
              arc_tie: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each inviter's ``K`` best out-arcs by ``arc_score``, ties by ``arc_tie`` then id.

    Returns ``(offsets, invitees, scores)`` in the layout of :class:`Ranking`.
    """
    K = check_list_length(K)
    inviters = np.ascontiguousarray(inviters, dtype=np.int32)
    out_offsets = np.asarray(graph.out_offsets)
    deg = out_offsets[inviters.astype(np.int64) + 1] - out_offsets[inviters]
    offsets = np.zeros(inviters.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.minimum(deg, K), out=offsets[1:])
    total = int(offsets[-1])
    res_targets = np.empty(total, dtype=np.int32)
    res_scores = np.empty(total, dtype=np.float64)
    if total:
        # a larger tie first is a smaller rank first; within a node, arcs are sorted by
        # head, so the arc id breaks the remaining ties by invitee id
        _rank_arcs_kernel(out_offsets, np.asarray(graph.out_targets),
                          np.ascontiguousarray(arc_score, dtype=np.float64),
                          -np.asarray(arc_tie, dtype=np.float64), inviters, offsets,
                          res_targets, res_scores)
    return offsets, res_targets, res_scores
