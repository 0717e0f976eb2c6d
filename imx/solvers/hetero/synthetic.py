"""A seeded generator of willingness scores and observed invitations on any graph.

No public data set carries willingness scores (the paper's Twitter P-graph is
not published), so this module makes one up on a real graph, in a way that
keeps what matters for influence-aware reranking: willingness differs from
arc to arc, friends differ in how far they spread, and the observed
invitations come from the same diffusion the rerankers model.

The model (all draws from one ``numpy.random.Generator(PCG64(seed))``):

1. Latent factors: each node has an activity ``a_u ~ N(0, 1)`` (how readily it
   invites) and an appeal ``b_v ~ N(0, 1)`` (how readily it is invited); each
   arc has a tie strength ``t_uv ~ N(0, 1)``.
2. True willingness ``P*_uv = sigmoid(alpha + a_u + b_v + t_uv)`` and true
   acceptance ``U*_v ~ Beta(4, 2)`` (mean 2/3); ``alpha`` is set by bisection so
   that the mean of ``P*_uv U*_v`` over arcs is ``mean_prob``.  The default is
   ``0.5 / d`` with ``d`` the mean, over arcs, of the out-degree of the arc's
   head: then an accepted invitation leads on average to half an accepted
   onward invitation, so cascades stay subcritical even on heavy-tailed graphs
   (``1 / d`` is the configuration-model epidemic threshold).
3. What the recommender sees (the scores and accept files): its estimates
   ``P_uv = sigmoid(logit P*_uv + N(0, noise^2))`` and
   ``U_v = sigmoid(logit U*_v + N(0, (noise/2)^2))``.
4. The observation window: one live-edge world, each arc live with probability
   ``P*_uv U*_v``.  Inviters are drawn uniformly among users with at least
   ``min_friends`` friends and at least one live out-arc (users seen
   inviting, as in the paper's test set).  The observed invitations are the live
   arcs leaving every user reached from the inviters in that world, i.e. who
   invited whom, successfully, in the cascades the inviters started.

Same graph, same parameters and same seed give byte-identical files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from numba import njit

from ... import _validate
from ...errors import ParameterError
from ...graph.core import Graph
from ...io.atomic import atomic_open

__all__ = ["SyntheticHetero", "synthetic_hetero", "write_synthetic"]


@dataclass
class SyntheticHetero:
    """Generated data; arrays over arcs are in the graph's out-CSR order."""

    willingness: np.ndarray       # P_uv, the recommender's estimate (float64 per arc)
    accept: np.ndarray            # U_v, its estimate (float64 per node)
    true_willingness: np.ndarray  # P*_uv
    true_accept: np.ndarray       # U*_v
    inviters: np.ndarray          # int32 node ids
    observed_tails: np.ndarray    # int32: observed inviter of each accepted invitation
    observed_heads: np.ndarray    # int32: its invitee
    alpha: float
    mean_prob: float


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


@njit(cache=True, nogil=True)
def _reached(out_offsets, out_targets, live, sources):
    n = out_offsets.shape[0] - 1
    seen = np.zeros(n, dtype=np.bool_)
    queue = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for s in sources:
        if not seen[s]:
            seen[s] = True
            queue[tail] = s
            tail += 1
    while head < tail:
        u = queue[head]
        head += 1
        for e in range(out_offsets[u], out_offsets[u + 1]):
            if live[e]:
                v = out_targets[e]
                if not seen[v]:
                    seen[v] = True
                    queue[tail] = v
                    tail += 1
    return seen


def synthetic_hetero(graph: Graph, *, inviters: float = 0.25, min_friends: int = 3,
                     mean_prob: float | None = None, noise: float = 0.5,
                     seed: int = 1) -> SyntheticHetero:
    """Draw willingness, acceptance and observed invitations on ``graph``.

    Parameters
    ----------
    graph : any graph (its own probabilities are ignored).
    inviters : a fraction in (0, 1) of the eligible users, or a count >= 1.
    min_friends : an inviter has at least this many out-neighbours (default 3).
    mean_prob : mean of ``P*_uv U*_v`` over arcs (default ``0.5 / d``, d = mean out-degree
        of arc heads).
    noise : standard deviation of the recommender's error on the logit scale.
    seed : random seed.

    Returns
    -------
    SyntheticHetero

    Raises
    ------
    ParameterError
        A parameter is out of range, or no user is eligible as an inviter.
    """
    if graph.m == 0:
        raise ParameterError("the graph has no arcs")
    if not (inviters > 0):
        raise ParameterError(f"inviters must be a fraction in (0, 1) or a count >= 1, "
                             f"got {inviters!r}")
    if inviters >= 1:
        inviters = _validate.count(inviters, "inviters")
    min_friends = _validate.count(min_friends, "min_friends", minimum=1)
    noise = _validate.positive(noise, "noise", allow_zero=True)
    seed = _validate.seed(seed)
    if mean_prob is None:
        onward = float(graph.out_degree[np.asarray(graph.out_targets)].mean())
        mean_prob = min(0.5, 0.5 / max(onward, 1.0))
    if not (0.0 < mean_prob < 2.0 / 3.0):
        raise ParameterError(f"mean_prob must be in (0, 2/3) (acceptance averages 2/3), "
                             f"got {mean_prob!r}")
    rng = np.random.Generator(np.random.PCG64(seed))
    n, m = graph.n, graph.m
    tails, heads = graph.arcs()
    activity = rng.standard_normal(n)
    appeal = rng.standard_normal(n)
    tie = rng.standard_normal(m)
    z = activity[tails] + appeal[heads] + tie
    true_accept = rng.beta(4.0, 2.0, size=n)
    acc_heads = true_accept[heads]
    lo, hi = -40.0, 40.0
    for _ in range(100):
        alpha = 0.5 * (lo + hi)
        if float(np.mean(_sigmoid(alpha + z) * acc_heads)) < mean_prob:
            lo = alpha
        else:
            hi = alpha
    alpha = 0.5 * (lo + hi)
    true_will = _sigmoid(alpha + z)
    willingness = _sigmoid(alpha + z + noise * rng.standard_normal(m))
    accept = _sigmoid(_logit(true_accept) + 0.5 * noise * rng.standard_normal(n))
    live = rng.random(m) < true_will * acc_heads

    out_offsets = np.asarray(graph.out_offsets)
    live_out = np.bincount(tails[live], minlength=n)
    eligible = np.flatnonzero((graph.out_degree >= min_friends) & (live_out > 0))
    if eligible.size == 0:
        raise ParameterError(f"no user has {min_friends} friends and an accepted invitation; "
                             "lower min_friends or raise mean_prob")
    count = int(round(inviters * eligible.size)) if inviters < 1 else int(inviters)
    if count > eligible.size:  # fewer than asked would be a silently different data set
        raise ParameterError(f"{count:,} inviters asked for, but only {eligible.size} users have "
                             f"{min_friends} friends and an accepted invitation")
    count = max(1, count)
    chosen = np.sort(rng.choice(eligible, size=count, replace=False)).astype(np.int32)
    reached = _reached(out_offsets, np.asarray(graph.out_targets), live, chosen.astype(np.int64))
    obs = live & reached[tails]
    return SyntheticHetero(willingness=willingness, accept=accept, true_willingness=true_will,
                           true_accept=true_accept, inviters=chosen,
                           observed_tails=tails[obs].astype(np.int32),
                           observed_heads=np.asarray(heads)[obs].astype(np.int32),
                           alpha=float(alpha), mean_prob=float(mean_prob))


def write_synthetic(data: SyntheticHetero, graph: Graph, prefix: str | os.PathLike) -> dict:
    """Write the four files of a data set next to ``prefix``, atomically.

    ``PREFIX.scores.tsv`` (``u v P_uv``), ``PREFIX.accept.tsv`` (``v U_v``),
    ``PREFIX.inviters.txt`` (one label a line) and ``PREFIX.observed.tsv``
    (``inviter invitee``).  Returns ``{kind: path}``.
    """
    prefix = os.fspath(prefix)
    labels = graph.label_list(range(graph.n))
    tails, heads = graph.arcs()
    paths = {kind: f"{prefix}.{suffix}" for kind, suffix in
             (("scores", "scores.tsv"), ("accept", "accept.tsv"), ("inviters", "inviters.txt"),
              ("observed", "observed.tsv"))}
    with atomic_open(paths["scores"]) as fh:
        fh.write("# u\tv\twillingness (imx generate hetero)\n")
        fh.writelines(f"{labels[u]}\t{labels[v]}\t{p:.6g}\n" for u, v, p in
                      zip(tails.tolist(), heads.tolist(), data.willingness.tolist()))
    with atomic_open(paths["accept"]) as fh:
        fh.write("# v\tacceptance (imx generate hetero)\n")
        fh.writelines(f"{labels[v]}\t{a:.6g}\n" for v, a in enumerate(data.accept.tolist()))
    with atomic_open(paths["inviters"]) as fh:
        fh.writelines(f"{labels[u]}\n" for u in data.inviters.tolist())
    with atomic_open(paths["observed"]) as fh:
        fh.write("# inviter\tinvitee: accepted invitations observed (imx generate hetero)\n")
        fh.writelines(f"{labels[u]}\t{labels[v]}\n" for u, v in
                      zip(data.observed_tails.tolist(), data.observed_heads.tolist()))
    return paths
