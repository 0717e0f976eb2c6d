"""The CIM instance: active participants, their candidates, and the passive graph.

Capacity-constrained influence maximization (Zhang et al., KDD 2023): each
active participant (AP) ``u`` may pass a promotion to at most ``k`` of its
candidates ``C_u`` = the out-neighbours of ``u`` that are not APs themselves;
a node is a seed of at most one AP.  Influence then spreads on the *passive
graph* ``P`` = ``G`` without the APs (arcs into or out of an AP are dropped,
the probabilities of the remaining arcs are kept as they were on ``G``).

All solvers work on :class:`CIMProblem`, which holds ``P`` and the candidate
lists in ``P``'s node ids, and map answers back to ``G``'s labels at the end.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np
from numba import njit

from ... import _validate
from ...errors import ParameterError
from ...graph.core import Graph
from ...sampling.collection import build_node_index

__all__ = ["CIMProblem", "build_problem", "passive_graph", "check_assignment", "sample_aps"]


@njit(cache=True, nogil=True)
def _filter_csr(offsets, others, probs, new_id, num_kept):
    """Keep the arcs whose both ends have ``new_id >= 0``, renumbered.

    ``new_id`` is monotone on the kept nodes, so the arcs of each node stay
    sorted by the other endpoint without a new sort.  Empty ``probs`` (a graph
    with per-node probabilities) give empty ``new_probs``.
    """
    n = offsets.shape[0] - 1
    new_offsets = np.zeros(num_kept + 1, dtype=np.int64)
    for u in range(n):
        nu = new_id[u]
        if nu < 0:
            continue
        kept = 0
        for e in range(offsets[u], offsets[u + 1]):
            if new_id[others[e]] >= 0:
                kept += 1
        new_offsets[nu + 1] = kept
    for i in range(num_kept):
        new_offsets[i + 1] += new_offsets[i]
    new_others = np.empty(new_offsets[num_kept], dtype=np.int32)
    per_arc = probs.shape[0] > 0
    new_probs = np.empty(new_offsets[num_kept] if per_arc else 0, dtype=probs.dtype)
    for u in range(n):
        nu = new_id[u]
        if nu < 0:
            continue
        pos = new_offsets[nu]
        for e in range(offsets[u], offsets[u + 1]):
            w = new_id[others[e]]
            if w >= 0:
                new_others[pos] = w
                if per_arc:
                    new_probs[pos] = probs[e]
                pos += 1
    return new_offsets, new_others, new_probs


def passive_graph(graph: Graph, removed: np.ndarray) -> tuple[Graph, np.ndarray, np.ndarray]:
    """``graph`` without the nodes ``removed`` (internal ids) and their arcs.

    Returns ``(P, passive_of, original_of)``: ``passive_of[v]`` is the id of
    ``v`` in ``P`` (-1 for removed nodes), ``original_of[w]`` the id in
    ``graph`` of node ``w`` of ``P``.  Probabilities are copied, not
    recomputed: a weighted-cascade probability stays ``1/indeg`` in ``G``
    (per node where ``graph`` holds ``head_probs``: those of the kept nodes).
    """
    keep = np.ones(graph.n, dtype=bool)
    keep[np.asarray(removed, dtype=np.int64)] = False
    original_of = np.flatnonzero(keep).astype(np.int32)
    passive_of = np.full(graph.n, -1, dtype=np.int32)
    passive_of[original_of] = np.arange(original_of.size, dtype=np.int32)
    num_kept = int(original_of.size)
    arc_out, head = graph.kernel_probs("out")
    out_offsets, out_targets, out_probs = _filter_csr(
        np.asarray(graph.out_offsets), np.asarray(graph.out_targets), arc_out, passive_of,
        num_kept)
    in_offsets, in_sources, in_probs = _filter_csr(
        np.asarray(graph.in_offsets), np.asarray(graph.in_sources), graph.kernel_probs("in")[0],
        passive_of, num_kept)
    probs = {"out_probs": out_probs, "in_probs": in_probs} if graph.head_probs is None else \
        {"head_probs": head[original_of]}
    passive = Graph(n=num_kept, out_offsets=out_offsets, out_targets=out_targets,
                    in_offsets=in_offsets, in_sources=in_sources, **probs,
                    labels=np.asarray(graph.labels)[original_of],
                    directed=graph.directed, scheme=graph.scheme, source=graph.source)
    return passive, passive_of, original_of


@dataclass(frozen=True)
class CIMProblem:
    """A CIM instance in solver-ready form.

    Attributes
    ----------
    graph : the input graph ``G``.
    aps : internal ids (in ``G``) of the active participants, in input order.
    k : capacity of every AP.
    passive : the passive graph ``P`` = ``G`` without the APs.
    passive_of : int32[G.n], id in ``P`` of each node of ``G`` (-1 for APs).
    original_of : int32[P.n], id in ``G`` of each node of ``P``.
    cand_offsets : int64[len(aps) + 1]; the candidates of AP ``i`` are
        ``cand_nodes[cand_offsets[i]:cand_offsets[i + 1]]`` (ids in ``P``, ascending).
    cand_nodes : int32 candidate ids in ``P``.
    tie_rank : int64[P.n], a permutation of ``0..P.n-1`` ordering nodes by
        their expected one-hop reach in ``P`` (1 + the sum of their out-arc
        probabilities), ties by lower id; greedy ties go to the higher rank.
    rank_order : int64[P.n], the node of each rank (inverse of ``tie_rank``).
    cand_by_rank : the candidates of each AP (same CSR rows as ``cand_nodes``)
        by decreasing ``tie_rank``; ``cand_rank`` their ranks.
    owner_offsets, owner_aps : for each node of ``P``, the APs (positions)
        having it as a candidate: ``owner_aps[owner_offsets[v]:owner_offsets[v+1]]``.
    """

    graph: Graph
    aps: np.ndarray
    k: int
    passive: Graph
    passive_of: np.ndarray
    original_of: np.ndarray
    cand_offsets: np.ndarray
    cand_nodes: np.ndarray
    tie_rank: np.ndarray
    rank_order: np.ndarray
    cand_by_rank: np.ndarray
    cand_rank: np.ndarray
    owner_offsets: np.ndarray
    owner_aps: np.ndarray

    @property
    def num_aps(self) -> int:
        return int(self.aps.shape[0])

    @property
    def candidate_counts(self) -> np.ndarray:
        return np.diff(self.cand_offsets)

    def candidates(self, i: int) -> np.ndarray:
        """Candidates (ids in ``P``) of the ``i``-th AP."""
        return self.cand_nodes[self.cand_offsets[i]:self.cand_offsets[i + 1]]

    @property
    def aps_without_candidates(self) -> np.ndarray:
        """Positions (in ``aps``) of the APs that have no candidate."""
        return np.flatnonzero(self.candidate_counts == 0)

    def log_num_choices(self) -> float:
        """ln of the number of ways to pick ``S_u`` within ``C_u``, ``|S_u| <= k``, for all APs.

        The union bound behind the sample size must cover every answer the
        solver may return; with shared candidates an AP can end with fewer
        than ``k`` seeds, so subsets of every size up to ``k`` are counted
        (the paper's ``C(|C_u|, k)`` counts only the full ones; the two differ
        by a few percent in the logarithm).
        """
        return self._log_num_choices

    # made once per problem (cached_property writes the instance's __dict__, so the
    # frozen fields stay as they are): a problem serves many queries
    @cached_property
    def _log_num_choices(self) -> float:
        # a few hundred lgamma calls: 0.3 ms, an eighth of a small solve
        values, multiplicity = np.unique(self.candidate_counts, return_counts=True)
        return float(sum(m * _log_subsets_up_to(int(c), self.k)
                         for c, m in zip(values.tolist(), multiplicity.tolist())))

    def seed_labels(self, passive_ids: Iterable[int] | np.ndarray) -> list:
        """Labels (as in ``G``'s input) of nodes given by their ids in ``P``."""
        return self.seed_label_array(passive_ids).tolist()

    def seed_label_array(self, passive_ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """:meth:`seed_labels` as an array (``tolist()`` gives plain Python ints / strs)."""
        if not isinstance(passive_ids, np.ndarray):
            passive_ids = np.fromiter(passive_ids, dtype=np.int64)
        return np.asarray(self.graph.labels)[self.original_of[passive_ids.astype(np.int64)]]

    def ap_labels(self) -> list:
        """Labels of the APs, in input order."""
        return self.ap_label_array().tolist()

    def ap_label_array(self) -> np.ndarray:
        """:meth:`ap_labels` as a read-only array (made once per problem)."""
        return self._ap_label_array

    @cached_property
    def _ap_label_array(self) -> np.ndarray:
        labels = np.asarray(self.graph.labels)[self.aps]
        labels.flags.writeable = False
        return labels


def _log_subsets_up_to(c: int, k: int) -> float:
    """ln sum_{j <= min(k, c)} C(c, j), computed stably."""
    top = min(k, c)
    if top == c:
        return c * math.log(2.0)
    # log-sum-exp over the terms, anchored at the largest
    logs = [math.lgamma(c + 1) - math.lgamma(j + 1) - math.lgamma(c - j + 1)
            for j in range(top + 1)]
    peak = max(logs)
    return peak + math.log(sum(math.exp(x - peak) for x in logs))


def build_problem(graph: Graph, aps: Sequence[int] | np.ndarray, k: int) -> CIMProblem:
    """Prepare a CIM instance from internal AP ids of ``graph``.

    Raises
    ------
    ParameterError
        ``k < 1``, no AP, an AP id out of range, or an AP listed twice.
    """
    k = _validate.count(k, "k", minimum=1)
    aps = _validate.node_ids(aps, graph.n, "APs")
    if aps.size == 0:
        raise ParameterError("no active participants")
    uniq, first, counts = np.unique(aps, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = int(uniq[counts > 1][0])
        raise ParameterError(f"AP {graph.label_list([dup])[0]!r} is listed more than once")
    aps = aps.astype(np.int32)
    passive, passive_of, original_of = passive_graph(graph, aps)
    cand_offsets, cand_nodes = _candidates(np.asarray(graph.out_offsets),
                                           np.asarray(graph.out_targets), aps, passive_of)
    rank, order = tie_ranks(passive)
    entry_ap = np.repeat(np.arange(aps.size), np.diff(cand_offsets))
    cand_by_rank = cand_nodes[np.lexsort((-rank[cand_nodes], entry_ap))]
    # the APs of each candidate: the transpose of the candidate lists
    owner_offsets, owner_aps = build_node_index(cand_nodes, cand_offsets, passive.n, np.int32)
    return CIMProblem(graph=graph, aps=aps, k=k, passive=passive, passive_of=passive_of,
                      original_of=original_of, cand_offsets=cand_offsets, cand_nodes=cand_nodes,
                      tie_rank=rank, rank_order=order, cand_by_rank=cand_by_rank,
                      cand_rank=rank[cand_by_rank],
                      owner_offsets=owner_offsets,
                      owner_aps=owner_aps)


def tie_ranks(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Rank of every node by expected one-hop reach (1 + sum of out-arc
    probabilities), the lower id first among equals (0 is the lowest rank),
    and the node of each rank."""
    tails = np.repeat(np.arange(graph.n), np.diff(graph.out_offsets))
    reach = 1.0 + np.bincount(tails, weights=np.asarray(graph.out_probs, dtype=np.float64),
                              minlength=graph.n)
    order = np.lexsort((-np.arange(graph.n), reach))
    rank = np.empty(graph.n, dtype=np.int64)
    rank[order] = np.arange(graph.n, dtype=np.int64)
    return rank, order.astype(np.int64)


@njit(cache=True, nogil=True)
def _candidates(out_offsets, out_targets, aps, passive_of):
    num = aps.shape[0]
    offsets = np.zeros(num + 1, dtype=np.int64)
    for i in range(num):
        u = aps[i]
        c = 0
        for e in range(out_offsets[u], out_offsets[u + 1]):
            if passive_of[out_targets[e]] >= 0:
                c += 1
        offsets[i + 1] = offsets[i] + c
    nodes = np.empty(offsets[num], dtype=np.int32)
    for i in range(num):
        u = aps[i]
        pos = offsets[i]
        for e in range(out_offsets[u], out_offsets[u + 1]):
            w = passive_of[out_targets[e]]
            if w >= 0:
                nodes[pos] = w
                pos += 1
    return offsets, nodes


def check_assignment(problem: CIMProblem, ap_index: np.ndarray, seeds: np.ndarray, *,
                     capacity: int | None = None) -> list[str]:
    """Violations of feasibility of an assignment given as pairs (AP position, seed id in P).

    Returns a list of one-line descriptions (empty when feasible): a seed that
    is not a candidate of its AP, an AP over ``capacity`` (default ``problem.k``),
    a seed given to two APs.
    """
    capacity = problem.k if capacity is None else capacity
    problems: list[str] = []
    ap_index = np.asarray(ap_index, dtype=np.int64)
    seeds = np.asarray(seeds, dtype=np.int64)
    labels_of_aps = problem.ap_labels()
    for i, s in zip(ap_index.tolist(), seeds.tolist()):
        cands = problem.candidates(i)
        pos = np.searchsorted(cands, s)
        if pos >= cands.size or cands[pos] != s:
            problems.append(f"seed {problem.seed_labels([s])[0]!r} is not a candidate of AP "
                            f"{labels_of_aps[i]!r}")
    if ap_index.size:
        per_ap = np.bincount(ap_index, minlength=problem.num_aps)
        for i in np.flatnonzero(per_ap > capacity).tolist():
            problems.append(f"AP {labels_of_aps[i]!r} has {int(per_ap[i])} seeds, more than "
                            f"k = {capacity}")
        uniq, counts = np.unique(seeds, return_counts=True)
        for s in uniq[counts > 1].tolist():
            problems.append(f"seed {problem.seed_labels([s])[0]!r} is assigned to more than one AP")
    return problems


def sample_aps(graph: Graph, fraction: float, seed: int = 1) -> np.ndarray:
    """A uniform sample of ``floor(fraction * n)`` (at least 1) nodes, ascending ids."""
    if not (0.0 < fraction <= 1.0):
        raise ParameterError(f"AP sample fraction must be in (0, 1], got {fraction!r}")
    count = max(1, int(fraction * graph.n))
    rng = np.random.Generator(np.random.PCG64(seed))
    return np.sort(rng.choice(graph.n, size=count, replace=False)).astype(np.int32)
