"""MG-Greedy and RR-Greedy for CIM, on RR-set coverage and on Monte-Carlo worlds.

Both are greedy algorithms for a monotone submodular function under the
partition matroid "at most k seeds per AP" and return at least 1/2 of the
optimum of the function they maximise (Zhang et al. 2023, Theorems 4.1-4.2;
Fisher, Nemhauser, Wolsey 1978):

* MG-Greedy takes, at each step, the (AP, candidate) pair of largest marginal
  gain among those the matroid still allows (lazy evaluation, CELF).
* RR-Greedy goes round-robin over the APs; each takes its own best free
  candidate.

The coverage versions run as native kernels (:mod:`.kernels`); the
Monte-Carlo versions evaluate marginal gains on a fixed sample of live-edge
worlds (:mod:`.worlds`), for small graphs.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..._pool import PARALLEL_MIN_WORK
from ...sampling.collection import build_node_index
from .kernels import mg_greedy_kernel, rr_greedy_on_sets, threads_for
from .matching import augment_kernel
from .problem import CIMProblem
from .worlds import LiveEdgeWorlds

#: Below this many set entries RR-Greedy runs in one native call (index, greedy,
#: augmentation): the index is built on one thread either way (see
#: :func:`imx.sampling.build_node_index`), and the calls between cost more than the work.
SMALL_WORK = PARALLEL_MIN_WORK
_NO_INDEX = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))

__all__ = ["Selection", "SetArrays", "rr_greedy_coverage", "mg_greedy_coverage",
           "rr_greedy_mc", "mg_greedy_mc", "augment"]


@dataclass
class Selection:
    """Seeds chosen by a greedy run: pairs (AP position, seed id in ``P``) in choice order.

    ``value`` is the coverage (coverage versions) or the sample-average spread
    (Monte-Carlo versions) of the greedy seeds; ``upper`` an upper bound on the
    best coverage of any feasible answer, when the algorithm computed one;
    ``marginal`` the marginal coverage of every node given the greedy seeds;
    ``added`` the seeds :func:`augment` appended after the greedy ones.
    """

    seed_aps: np.ndarray
    seed_nodes: np.ndarray
    value: float
    upper: float | None = None
    marginal: np.ndarray | None = None
    added: int = 0


class SetArrays:
    """A minimal RR-collection look-alike over given arrays (tests, hand-made sets)."""

    def __init__(self, n: int, nodes, offsets):
        self.n = int(n)
        self.nodes = np.ascontiguousarray(nodes, dtype=np.int32)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        self._index = None

    @classmethod
    def from_lists(cls, n: int, sets) -> "SetArrays":
        sizes = [len(s) for s in sets]
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        nodes = np.array([v for s in sets for v in s], dtype=np.int32)
        return cls(n, nodes, offsets)

    @property
    def count(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def node_index(self):
        if self._index is None:
            self._index = build_node_index(self.nodes, self.offsets, self.n)
        return self._index


def _collection_arrays(collection):
    # int32 set ids halve the index (the engine provides them below 2**31 sets)
    with threads_for(collection.n + collection.nodes.shape[0]):
        if hasattr(collection, "node_index32") and collection.count < 2**31:
            idx_offsets, idx_sets = collection.node_index32()
        else:
            idx_offsets, idx_sets = collection.node_index()
    return (int(collection.n), np.asarray(collection.nodes), np.asarray(collection.offsets),
            np.asarray(idx_offsets), np.asarray(idx_sets))


def rr_greedy_coverage(problem: CIMProblem, collection, *, tightened: bool = False,
                       augmented: bool = False) -> Selection:
    """RR-Greedy maximising coverage of ``collection`` (RR sets sampled on ``problem.passive``).

    With ``tightened``, ``upper`` is the Lemma 5.3 bound: the minimum over rounds
    t of coverage(S_t) plus, for each AP, its ``k`` largest marginal coverages.
    With ``augmented``, the answer is then :func:`augment`-ed.
    """
    if collection.nodes.shape[0] < SMALL_WORK:
        # a small round: the index is built in the same native call (one thread either way)
        n, nodes, offsets = int(collection.n), collection.nodes, collection.offsets
        idx_offsets, idx_sets = _NO_INDEX
    else:
        n, nodes, offsets, idx_offsets, idx_sets = _collection_arrays(collection)
    aps, seeds, coverage, upper, count, added = rr_greedy_on_sets(
        n, nodes, offsets, idx_offsets, idx_sets, problem.cand_offsets, problem.cand_nodes,
        problem.cand_by_rank, problem.cand_rank, problem.k, problem.tie_rank, problem.rank_order,
        problem.owner_offsets, problem.owner_aps, tightened, augmented)
    return Selection(aps, seeds, float(coverage), float(upper) if tightened else None, count,
                     int(added))


def mg_greedy_coverage(problem: CIMProblem, collection) -> Selection:
    """MG-Greedy (lazy) maximising coverage of ``collection``."""
    n, nodes, offsets, idx_offsets, idx_sets = _collection_arrays(collection)
    seeds, aps, coverage, count = mg_greedy_kernel(n, nodes, offsets, idx_offsets, idx_sets,
                                                   problem.cand_offsets, problem.cand_nodes,
                                                   problem.k, problem.tie_rank,
                                                   problem.rank_order, problem.owner_offsets,
                                                   problem.owner_aps)
    return Selection(aps, seeds, float(coverage), None, count)


def augment(problem: CIMProblem, selection: Selection) -> Selection:
    """Add seeds along augmenting paths until no AP below capacity can gain one.

    Every greedy seed stays (some move to another of their APs), so the
    spread never drops and the approximation guarantee of the greedy answer
    carries over; the greedy's ``value`` and ``upper`` are kept as they were.
    Each new seed is its AP's free candidate of highest ``tie_rank``.
    """
    aps, nodes = augment_kernel(problem.passive.n, problem.cand_offsets, problem.cand_nodes,
                                problem.cand_by_rank, problem.k,
                                selection.seed_aps.astype(np.int64),
                                selection.seed_nodes.astype(np.int64))
    return Selection(aps, nodes, selection.value, selection.upper, selection.marginal,
                     int(nodes.size - selection.seed_nodes.size))


def _ap_lists(problem: CIMProblem) -> dict[int, list[int]]:
    owners: dict[int, list[int]] = {}
    for a in range(problem.num_aps):
        for c in problem.candidates(a).tolist():
            owners.setdefault(c, []).append(a)
    return owners


def mg_greedy_mc(problem: CIMProblem, *, runs: int = 1000, model: str = "ic", seed: int = 0,
                 max_memory: int | None = None,
                 progress: Callable | None = None) -> Selection:
    """MG-Greedy with CELF on ``runs`` Monte-Carlo live-edge worlds of ``P``.

    A candidate's gain does not depend on which AP takes it, so the heap holds
    candidates; the AP that receives one is the one whose capacity is least
    needed by its other free candidates (ties: first AP).
    """
    worlds = LiveEdgeWorlds(problem.passive, runs, model=model, seed=seed, max_memory=max_memory)
    owners = _ap_lists(problem)
    left = [problem.k] * problem.num_aps
    free = problem.candidate_counts.astype(np.int64).tolist()
    capacity = int(np.minimum(problem.candidate_counts, problem.k).sum())
    rank = problem.tie_rank
    heap = [(-worlds.gain(c), -int(rank[c]), c, 0) for c in sorted(owners)]
    heapq.heapify(heap)
    seed_aps: list[int] = []
    seed_nodes: list[int] = []
    while heap and len(seed_nodes) < capacity:
        _, neg_rank, c, fresh_at = heapq.heappop(heap)
        if fresh_at != len(seed_nodes):
            heapq.heappush(heap, (-worlds.gain(c), neg_rank, c, len(seed_nodes)))
            continue
        choice, best_slack = -1, 0
        for a in owners[c]:
            if left[a] <= 0:
                continue
            slack = left[a] - (free[a] - 1)
            if choice < 0 or slack > best_slack:
                choice, best_slack = a, slack
        if choice < 0:
            continue
        left[choice] -= 1
        for a in owners[c]:
            free[a] -= 1
        worlds.add(c)
        seed_aps.append(choice)
        seed_nodes.append(c)
        if progress is not None:
            progress(len(seed_nodes), capacity, "MG-Greedy")
    return Selection(np.asarray(seed_aps, dtype=np.int32), np.asarray(seed_nodes, dtype=np.int32),
                     worlds.spread, None)


def rr_greedy_mc(problem: CIMProblem, *, runs: int = 1000, model: str = "ic", seed: int = 0,
                 max_memory: int | None = None,
                 progress: Callable | None = None) -> Selection:
    """RR-Greedy on ``runs`` Monte-Carlo live-edge worlds of ``P``.

    Each AP's turn picks its best free candidate; gains computed earlier are
    upper bounds now (the sample spread is submodular), so only the leading
    candidate is re-evaluated (lazy, as in CELF).
    """
    worlds = LiveEdgeWorlds(problem.passive, runs, model=model, seed=seed, max_memory=max_memory)
    rank = problem.tie_rank
    gain: dict[int, float] = {}
    fresh_at: dict[int, int] = {}
    taken: set[int] = set()
    picks = [0] * problem.num_aps
    open_aps = [a for a in range(problem.num_aps) if problem.candidate_counts[a] > 0]
    capacity = int(np.minimum(problem.candidate_counts, problem.k).sum())
    seed_aps: list[int] = []
    seed_nodes: list[int] = []
    while open_aps:
        still_open = []
        for a in open_aps:
            if picks[a] >= problem.k:
                continue
            cands = [c for c in problem.candidates(a).tolist() if c not in taken]
            if not cands:
                continue
            for c in cands:
                if c not in gain:
                    gain[c] = worlds.gain(c)
                    fresh_at[c] = len(seed_nodes)
            while True:
                best = max(cands, key=lambda c: (gain[c], rank[c]))
                if fresh_at[best] == len(seed_nodes):
                    break
                gain[best] = worlds.gain(best)
                fresh_at[best] = len(seed_nodes)
            worlds.add(best)
            taken.add(best)
            picks[a] += 1
            seed_aps.append(a)
            seed_nodes.append(best)
            still_open.append(a)
            if progress is not None:
                progress(len(seed_nodes), capacity, "RR-Greedy")
        open_aps = still_open
    return Selection(np.asarray(seed_aps, dtype=np.int32), np.asarray(seed_nodes, dtype=np.int32),
                     worlds.spread, None)
