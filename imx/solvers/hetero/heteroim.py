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
from numba import njit, prange

from ... import _validate
from ...record import RunRecord
from ...sampling._pool import resolve_threads
from ...sampling.memory import resolve_budget
from ..bounds import opim_confidence, opim_iterations, opim_lower, opim_upper, theta_max
from ..doubling import OFFSET, Certificate, cluster_collections, rr_pair, run_doubling
from .model import HeteroInstance, Ranking, check_list_length

__all__ = ["hetero_im", "hetero_theta_max", "select_invitees", "SelectionResult",
           "root_weights"]

# ------------------------------------------------------------------ pure maths
def hetero_theta_max(n: int, eps: float, delta: float, log_choices: float,
                     opt_lower: float, approx: float = 0.5) -> float:
    """OPIM-C's theta_max with approximation ratio ``approx`` (1/2 here):
    :func:`imx.solvers.bounds.theta_max`, 0 when there is nothing to cover.

    ``log_choices`` is the log of the number of feasible answers (the sum over
    inviters of ln C(|C_u|, K)) and ``opt_lower`` a lower bound on the optimal
    coverage in users (see ``_Problem.opt_lower``).
    """
    if n <= 0 or opt_lower <= 0:
        return 0.0
    return theta_max(n, eps, delta, log_choices=log_choices, opt_lower=opt_lower, approx=approx)


def _log_binomial(n: np.ndarray, k: np.ndarray) -> float:
    if n.size == 0:
        return 0.0
    lg = np.vectorize(math.lgamma, otypes=[np.float64])
    n = n.astype(np.float64)
    k = k.astype(np.float64)
    return float(np.sum(lg(n + 1) - lg(k + 1) - lg(n - k + 1)))


# --------------------------------------------------------------------- kernels
@njit(cache=True, nogil=True, inline="always")
def _above(keys, ranks, i, j):
    """Heap order: larger key first, then smaller rank."""
    return keys[i] > keys[j] or (keys[i] == keys[j] and ranks[i] < ranks[j])


@njit(cache=True, nogil=True)
def _heap_push(keys, ranks, vals, size, key, rank, val):
    i = size
    keys[i] = key
    ranks[i] = rank
    vals[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if not _above(keys, ranks, i, parent):
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        ranks[parent], ranks[i] = ranks[i], ranks[parent]
        vals[parent], vals[i] = vals[i], vals[parent]
        i = parent
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(keys, ranks, vals, size):
    key = keys[0]
    val = vals[0]
    size -= 1
    keys[0] = keys[size]
    ranks[0] = ranks[size]
    vals[0] = vals[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        best = left
        if left + 1 < size and _above(keys, ranks, left + 1, left):
            best = left + 1
        if not _above(keys, ranks, best, i):
            break
        keys[best], keys[i] = keys[i], keys[best]
        ranks[best], ranks[i] = ranks[i], ranks[best]
        vals[best], vals[i] = vals[i], vals[best]
        i = best
    return key, val, size


@njit(cache=True, nogil=True)
def _mass(idx_offsets, idx_sets, v, res, set_w):
    """Weighted residual mass of ``v``: sum of w(R) res(R) over the sets holding ``v``."""
    total = 0.0
    for t in range(idx_offsets[v], idx_offsets[v + 1]):
        r = idx_sets[t]
        total += set_w[r] * res[r]
    return total


@njit(cache=True, nogil=True)
def _plain_mass(idx_offsets, idx_sets, v, res):
    """Unweighted residual mass of ``v`` (what the certificate counts)."""
    total = 0.0
    for t in range(idx_offsets[v], idx_offsets[v + 1]):
        total += res[idx_sets[t]]
    return total


@njit(cache=True, nogil=True)
def _pair_bound(inviters, out_offsets, out_targets, live, mass, K, top):
    """Sum over inviters of the K largest marginals p_uv * mass(v) among its friends."""
    total = 0.0
    for i in range(inviters.shape[0]):
        u = inviters[i]
        filled = 0
        for e in range(out_offsets[u], out_offsets[u + 1]):
            x = live[e] * mass[out_targets[e]]
            if filled == K and x <= top[K - 1]:
                continue
            j = filled if filled < K else K - 1
            while j > 0 and top[j - 1] < x:
                top[j] = top[j - 1]
                j -= 1
            top[j] = x
            if filled < K:
                filled += 1
        for j in range(filled):
            total += top[j]
    return total


@njit(cache=True, nogil=True)
def _certificate_bound(idx_offsets, idx_sets, res, candidates, mass, inviters, out_offsets,
                       out_targets, live, K, top):
    for i in range(candidates.shape[0]):
        v = candidates[i]
        mass[v] = _plain_mass(idx_offsets, idx_sets, v, res)
    return _pair_bound(inviters, out_offsets, out_targets, live, mass, K, top)


@njit(cache=True, nogil=True)
def _greedy_kernel(theta, idx_offsets, idx_sets, set_w, node_w, out_offsets, out_targets, live,
                   inviters, capacity, candidates, pair_arcs, pair_slot, pair_rank, K,
                   want_bound, out_arc, out_gain, out_step):
    """Lazy greedy over invitations (see the module docstring).

    Gains use the root-stratified weights ``set_w`` (per set) and ``node_w``
    (per node: the weight of the singleton set {v} standing in for a root that
    drew no set); the certificate uses plain counts.  ``pair_arcs`` are the
    out-arcs of the inviters, ``pair_slot`` their inviter's slot and
    ``pair_rank`` their tie rank.  Writes the chosen pairs (out-arc, weighted
    gain in sets, step); returns ``(pairs, plain covered mass, plain upper bound
    or -1)``.
    """
    n = idx_offsets.shape[0] - 1
    res = np.ones(theta, dtype=np.float64)
    node_res = np.ones(n, dtype=np.float64)
    mass = np.zeros(n, dtype=np.float64)
    n_pairs_all = pair_arcs.shape[0]
    keys = np.empty(max(n_pairs_all, 1), dtype=np.float64)
    ranks = np.empty(max(n_pairs_all, 1), dtype=np.int64)
    vals = np.empty(max(n_pairs_all, 1), dtype=np.int64)
    for i in range(candidates.shape[0]):
        v = candidates[i]
        mass[v] = _mass(idx_offsets, idx_sets, v, res, set_w) + node_w[v]
    size = 0
    for i in range(n_pairs_all):
        e = pair_arcs[i]
        g = live[e] * mass[out_targets[e]]
        if g > 0.0:
            size = _heap_push(keys, ranks, vals, size, g, pair_rank[i], i)
    cap = capacity.copy()
    open_inviters = 0
    for s in range(cap.shape[0]):
        if cap[s] > 0:
            open_inviters += 1
    top = np.empty(max(K, 1), dtype=np.float64)
    upper = -1.0
    if want_bound:
        upper = _certificate_bound(idx_offsets, idx_sets, res, candidates, mass, inviters,
                                   out_offsets, out_targets, live, K, top)
    next_check = 1
    covered = 0.0
    n_pairs = 0
    while size > 0 and open_inviters > 0:
        key, i, size = _heap_pop(keys, ranks, vals, size)
        s = pair_slot[i]
        if cap[s] == 0:
            continue
        e = pair_arcs[i]
        v = out_targets[e]
        g = live[e] * (_mass(idx_offsets, idx_sets, v, res, set_w) + node_w[v] * node_res[v])
        if g != key:
            if g > 0.0:
                size = _heap_push(keys, ranks, vals, size, g, pair_rank[i], i)
            continue
        covered += live[e] * _plain_mass(idx_offsets, idx_sets, v, res)
        keep = 1.0 - live[e]
        for t in range(idx_offsets[v], idx_offsets[v + 1]):
            res[idx_sets[t]] *= keep
        node_res[v] *= keep
        out_arc[n_pairs] = e
        out_gain[n_pairs] = g
        out_step[n_pairs] = n_pairs
        n_pairs += 1
        cap[s] -= 1
        if cap[s] == 0:
            open_inviters -= 1
        if want_bound and n_pairs == next_check:
            b = covered + _certificate_bound(idx_offsets, idx_sets, res, candidates, mass,
                                             inviters, out_offsets, out_targets, live, K, top)
            if b < upper:
                upper = b
            next_check *= 4
    if want_bound:
        b = covered + _certificate_bound(idx_offsets, idx_sets, res, candidates, mass, inviters,
                                         out_offsets, out_targets, live, K, top)
        if b < upper:
            upper = b
    return n_pairs, covered, upper


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


@njit(cache=True, nogil=True, parallel=True)
def _coverage_kernel(rr_nodes, rr_offsets, keep):
    """sum over sets R of 1 - prod over v in R of keep[v] (keep[v] = 1 if v uninvited)."""
    theta = rr_offsets.shape[0] - 1
    values = np.zeros(theta, dtype=np.float64)
    for r in prange(theta):
        q = 1.0
        for x in range(rr_offsets[r], rr_offsets[r + 1]):
            q *= keep[rr_nodes[x]]
        values[r] = 1.0 - q
    total = 0.0
    for r in range(theta):  # fixed order: the same sum for any thread count
        total += values[r]
    return total


@njit(cache=True, nogil=True, parallel=True)
def _local_greedy_kernel(out_offsets, out_targets, live, will, idx_offsets, idx_sets, set_w,
                         node_w, gains, steps):
    """Every user as the only inviter with no list limit: greedy order of its friends.

    ``gains[e]`` (out-arc) gets the marginal (in sets) of the friend when the
    greedy places it, ``steps[e]`` its placement step; friends that gain
    nothing get 0 and steps after the others, by willingness.
    """
    n = out_offsets.shape[0] - 1
    for u in prange(n):
        lo = out_offsets[u]
        hi = out_offsets[u + 1]
        deg = hi - lo
        if deg == 0:
            continue
        # local copy of the sets the friends hold, so residuals stay per inviter
        total = 0
        for k in range(deg):
            v = out_targets[lo + k]
            total += idx_offsets[v + 1] - idx_offsets[v]
        local = np.empty(total, dtype=np.int64)
        starts = np.empty(deg + 1, dtype=np.int64)
        w = 0
        for k in range(deg):
            v = out_targets[lo + k]
            starts[k] = w
            for t in range(idx_offsets[v], idx_offsets[v + 1]):
                local[w] = idx_sets[t]
                w += 1
        starts[deg] = w
        uniq = np.unique(local)
        slot = np.searchsorted(uniq, local)
        res = np.ones(uniq.shape[0], dtype=np.float64)
        node_res = np.ones(deg, dtype=np.float64)
        # tie rank among friends: larger willingness, then smaller id
        order = np.empty(deg, dtype=np.int64)
        for k in range(deg):
            order[k] = k
        for i in range(1, deg):
            k = order[i]
            j = i
            while j > 0:
                o = order[j - 1]
                better = will[lo + k] > will[lo + o] or (
                    will[lo + k] == will[lo + o] and out_targets[lo + k] < out_targets[lo + o])
                if not better:
                    break
                order[j] = o
                j -= 1
            order[j] = k
        rank = np.empty(deg, dtype=np.int64)
        for i in range(deg):
            rank[order[i]] = i
        keys = np.empty(deg, dtype=np.float64)
        ranks = np.empty(deg, dtype=np.int64)
        vals = np.empty(deg, dtype=np.int64)
        size = 0
        for k in range(deg):
            gains[lo + k] = 0.0
            steps[lo + k] = deg + rank[k]
            m = node_w[out_targets[lo + k]]
            for x in range(starts[k], starts[k + 1]):
                m += set_w[local[x]]
            g = live[lo + k] * m
            if g > 0.0:
                size = _heap_push(keys, ranks, vals, size, g, rank[k], k)
        step = 0
        while size > 0:
            key, k, size = _heap_pop(keys, ranks, vals, size)
            m = node_w[out_targets[lo + k]] * node_res[k]
            for x in range(starts[k], starts[k + 1]):
                m += set_w[local[x]] * res[slot[x]]
            g = live[lo + k] * m
            if g != key:
                if g > 0.0:
                    size = _heap_push(keys, ranks, vals, size, g, rank[k], k)
                continue
            keep = 1.0 - live[lo + k]
            for x in range(starts[k], starts[k + 1]):
                res[slot[x]] *= keep
            node_res[k] *= keep
            gains[lo + k] = g
            steps[lo + k] = step
            step += 1


# ------------------------------------------------------------------- selection
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


class _Problem:
    """Selection structures that do not depend on the RR sets."""

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
        return _log_binomial(self.degree, self.capacity)

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
        from .model import rank_arcs

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
        n_pairs, covered, upper = _greedy_kernel(
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
        return float(_coverage_kernel(np.asarray(rr.nodes), np.asarray(rr.offsets), keep))


def _fill_remaining(problem: _Problem, sel: SelectionResult) -> tuple[np.ndarray, ...]:
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
    """One greedy pass on a given RR collection (no sizing); see :func:`hetero_im`.

    Returns ``(problem, SelectionResult)``.
    """
    problem = _Problem(instance, inviters, K)
    return problem, problem.select(rr, want_bound=False)


def _ranking_from_selection(problem: _Problem, sel: SelectionResult, theta: int, K: int,
                            record: RunRecord, info: dict) -> Ranking:
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


# ------------------------------------------------------------------ the solver
def _sample(graph, count, seed, start, threads, max_memory):
    from ...sampling import sample_rr_sets

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
    cluster : draw the RR sets on a Dask cluster (an :class:`imx.distributed.Cluster`);
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
    _check_sizing(instance.n, eps, delta, rr_sets)
    rec = RunRecord()
    with rec.phase("setup"):
        ids = instance.inviter_ids(inviters, labels=labels)
        problem = _Problem(instance, ids, K)
    with cluster_collections(cluster, instance.n, model="ic", gather=True) as collections:
        sel, theta, info = _size_and_select(problem, instance, eps=eps, delta=delta,
                                            rr_sets=rr_sets, seed=seed, threads=threads,
                                            max_memory=max_memory, progress=progress, rec=rec,
                                            collections=collections)[:3]
        if collections is not None:
            rec.counters.update(collections.counters())
    rec.counters.update(inviters=int(ids.shape[0]), pairs=int(sel.pairs),
                        rr_sets=int(theta))
    with rec.phase("ranking"):
        return _ranking_from_selection(problem, sel, theta, K, rec, info)


def _check_sizing(n, eps, delta, rr_sets) -> None:
    _validate.error_bound(eps, "eps", high=0.5)
    if delta is not None:
        _validate.failure_probability(delta, "delta")
    if rr_sets is not None:
        _validate.count(rr_sets, "rr_sets", minimum=1)


def _size_and_select(problem: _Problem, instance: HeteroInstance, *, eps, delta, rr_sets, seed,
                     threads, max_memory, progress, rec: RunRecord, collections=None):
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
                r1 = _sample(g2, rr_sets, seed, 0, threads, max_memory)
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
