"""HeteroIM's selection on a given RR collection: the invitation structures, the
greedy pass and the ranking made of its picks (the method: :mod:`.heteroim`)."""
from __future__ import annotations

import numpy as np

from ...record import RunRecord
from .kernels import coverage_kernel, greedy_kernel
from .model import HeteroInstance, Ranking, rank_arcs
from .sizing import log_binomial

__all__ = ["SelectionResult", "InvitationProblem", "root_weights", "select_invitees",
           "ranking_from_selection"]


def root_weights(rr) -> tuple[np.ndarray, np.ndarray]:
    """Root post-stratification of an RR collection.

    RR roots are uniform, so a node is the root of ``Binomial(theta, 1/n)``
    sets; that count is most of the noise of a node's coverage when cascades
    are small.  Weighting each set by ``(theta / n) / (sets sharing its
    root)`` gives every root exactly its expected share; a root that drew no
    set is represented by the singleton set of itself with weight ``theta / n``
    (every RR set holds its root).  Returns ``(set weights, node weights)``,
    the latter non-zero only for roots without a set.
    """
    n, theta = rr.n, rr.count
    nodes = np.asarray(rr.nodes)
    offsets = np.asarray(rr.offsets)
    roots = nodes[offsets[:-1]] if theta else np.zeros(0, dtype=np.int32)
    per_root = np.bincount(roots, minlength=n)
    share = theta / n if n else 0.0
    set_w = share / per_root[roots] if theta else np.zeros(0)
    node_w = np.where(per_root == 0, share, 0.0)
    return np.ascontiguousarray(set_w, dtype=np.float64), node_w.astype(np.float64)


class SelectionResult:
    """Raw output of one greedy pass: chosen invitations (out-arc ids) and gains."""

    __slots__ = ("arcs", "gains", "steps", "covered", "upper")

    def __init__(self, arcs, gains, steps, covered, upper):
        self.arcs = arcs
        self.gains = gains
        self.steps = steps
        self.covered = float(covered)
        self.upper = float(upper)

    @property
    def pairs(self) -> int:
        return int(self.arcs.shape[0])


class InvitationProblem:
    """The invitations that inviters with list length ``K`` may send, and the
    greedy over them: all that does not depend on the RR sets."""

    def __init__(self, instance: HeteroInstance, inviters: np.ndarray, K: int):
        g = instance.graph
        self.graph = g
        self.instance = instance
        self.live = instance.live_probs()
        self.inviters = np.ascontiguousarray(inviters, dtype=np.int32)
        self.K = K
        out_offsets = np.asarray(g.out_offsets)
        inv64 = self.inviters.astype(np.int64)
        starts = out_offsets[inv64]
        self.degree = out_offsets[inv64 + 1] - starts
        self.capacity = np.minimum(self.degree, K).astype(np.int64)
        self.max_pairs = int(self.capacity.sum())
        # every invitation an inviter could send, grouped by inviter slot
        total = int(self.degree.sum())
        first = np.repeat(np.cumsum(self.degree) - self.degree, self.degree)
        self.pair_arcs = (np.repeat(starts, self.degree) + np.arange(total) - first
                          ).astype(np.int64)
        self.pair_slot = np.repeat(np.arange(self.inviters.shape[0], dtype=np.int64),
                                   self.degree)
        heads = np.asarray(g.out_targets)[self.pair_arcs]
        order = np.lexsort((self.pair_slot, heads, -instance.willingness[self.pair_arcs]))
        self.pair_rank = np.empty(total, dtype=np.int64)
        self.pair_rank[order] = np.arange(total, dtype=np.int64)
        self.candidates = np.unique(heads).astype(np.int32)

    def log_choices(self) -> float:
        return log_binomial(self.degree, self.capacity)

    def pair_of_arc(self, arcs: np.ndarray) -> np.ndarray:
        """Positions in ``pair_arcs`` of out-arcs of the inviters."""
        order = np.argsort(self.pair_arcs, kind="stable")
        return order[np.searchsorted(self.pair_arcs[order], arcs)]

    def opt_lower(self) -> float:
        """A lower bound on the optimal coverage, in users.

        Give each inviter its ``K`` friends of largest ``p_uv``: an RR set rooted
        at an invitee ``v`` is reached with probability at least ``max_u p_uv``
        and roots are disjoint events, so that answer covers at least the sum
        over distinct invitees of ``max_u p_uv``.
        """
        g = self.graph
        if self.max_pairs == 0:
            return 0.0
        _, invitees, scores = rank_arcs(g, self.inviters, self.K, self.live,
                                        self.instance.willingness)
        best = np.zeros(g.n)
        np.maximum.at(best, invitees, scores)
        return float(best.sum())

    def select(self, rr, want_bound: bool) -> SelectionResult:
        g = self.graph
        idx_offsets, idx_sets = rr.node_index()
        out_arc = np.empty(max(self.max_pairs, 1), dtype=np.int64)
        out_gain = np.empty(max(self.max_pairs, 1), dtype=np.float64)
        out_step = np.empty(max(self.max_pairs, 1), dtype=np.int64)
        bound_k = max(int(self.capacity.max()) if self.capacity.size else 1, 1)
        set_w, node_w = root_weights(rr)
        n_pairs, covered, upper = greedy_kernel(
            int(rr.count), np.asarray(idx_offsets), np.asarray(idx_sets), set_w, node_w,
            np.asarray(g.out_offsets), np.asarray(g.out_targets), self.live, self.inviters,
            self.capacity, self.candidates, self.pair_arcs, self.pair_slot, self.pair_rank,
            bound_k if want_bound else 1, want_bound, out_arc, out_gain, out_step)
        return SelectionResult(out_arc[:n_pairs], out_gain[:n_pairs], out_step[:n_pairs],
                               covered, upper)

    def coverage(self, rr, sel: SelectionResult) -> float:
        """f(A) of the selection on any collection: sum over sets of 1 - res(R)."""
        if sel.pairs == 0 or rr.count == 0:
            return 0.0
        keep = np.ones(self.graph.n, dtype=np.float64)
        heads = np.asarray(self.graph.out_targets)[sel.arcs]
        np.multiply.at(keep, heads, 1.0 - self.live[sel.arcs])
        return float(coverage_kernel(np.asarray(rr.nodes), np.asarray(rr.offsets), keep))


def _fill_remaining(problem: InvitationProblem, sel: SelectionResult) -> tuple[np.ndarray, ...]:
    """Chosen pairs plus, for inviters with room, their other friends by P_uv.

    Returns ``(out_arcs, gains, steps)`` of all pairs.
    """
    chosen = np.zeros(problem.pair_arcs.shape[0], dtype=bool)
    if sel.pairs:
        chosen[problem.pair_of_arc(sel.arcs)] = True
    taken = np.bincount(problem.pair_slot[chosen], minlength=problem.inviters.shape[0])
    room = problem.capacity - taken
    rest = np.flatnonzero(~chosen & (room[problem.pair_slot] > 0))
    rest = rest[np.lexsort((problem.pair_rank[rest], problem.pair_slot[rest]))]
    slots = problem.pair_slot[rest]
    within = np.arange(rest.shape[0]) - np.searchsorted(slots, slots, side="left")
    extra = rest[within < room[slots]]
    extra_steps = sel.pairs + within[within < room[slots]]
    return (np.concatenate((sel.arcs, problem.pair_arcs[extra])),
            np.concatenate((sel.gains, np.zeros(extra.shape[0]))),
            np.concatenate((sel.steps, extra_steps.astype(np.int64))))


def select_invitees(instance: HeteroInstance, inviters: np.ndarray, K: int, rr):
    """One greedy pass on a given RR collection (no sizing); see
    :func:`~imx.solvers.hetero.heteroim.hetero_im`.

    Returns ``(problem, SelectionResult)``.
    """
    problem = InvitationProblem(instance, inviters, K)
    return problem, problem.select(rr, want_bound=False)


def ranking_from_selection(problem: InvitationProblem, sel: SelectionResult, theta: int, K: int,
                           record: RunRecord, info: dict) -> Ranking:
    """The :class:`Ranking` of a selection drawn from ``theta`` RR sets: picks in greedy
    order, then each inviter's remaining room filled by ``P_uv`` (score 0)."""
    g = problem.graph
    out_arcs, gains, steps = _fill_remaining(problem, sel)
    tails, heads = g.arcs()
    slot = problem.pair_slot[problem.pair_of_arc(out_arcs)]
    will = problem.instance.willingness[out_arcs]
    order = np.lexsort((steps, -will, -gains, slot))
    counts = np.bincount(slot, minlength=problem.inviters.shape[0])
    offsets = np.zeros(problem.inviters.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    invitees = np.asarray(heads[out_arcs][order], dtype=np.int32)
    scale = g.n / theta if theta else 0.0
    scores = gains[order] * scale
    return Ranking(g, "heteroim", K, problem.inviters, offsets, invitees, scores, record, info)
