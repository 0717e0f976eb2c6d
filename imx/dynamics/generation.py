"""Synthetic value data with planted dynamics on the ego networks of a real graph.

The 275 Facebook ego networks of Mukta et al. (arXiv 2109.08021) are private,
so :func:`generate_egos` builds a stand-in whose true parameters are known:

1. ``count`` egos are drawn (seeded) among the nodes with at least
   ``min_friends`` friends (in- or out-neighbours); an ego with more than
   ``size - 1`` friends keeps a random ``size - 1`` of them.  The ego network
   is the ego, its friends and the graph's edges among them (undirected).
2. t0 values are homophilous: each ego network has ``clusters`` value
   centres (uniform in [0.05, 0.95]^d); random friends seed the clusters and
   every friend joins the cluster of the seed nearest to it in the friends'
   subgraph (breadth first; unreachable friends join a random one); a friend's
   values are its centre plus Gaussian noise of sd ``spread``.  The ego's
   values are uniform in [0, 1]^d, so clusters sit at many distances from it.
3. t1 values of the ego are the planted model's prediction (``model``,
   ``epsilon``, ``mu``, ``steps``; see :mod:`imx.dynamics.ego`) plus Gaussian
   noise of sd ``noise``, clipped to [0, 1].

With ``weighted`` every tie gets a strength uniform in [0.1, 1], used by the
planted dynamics.  Everything is drawn from ``numpy`` PCG64 seeded by ``seed``.

Recovery (tests/dynamics/test_fitting.py): on 100 ego networks of facebook_combined
(at most 80 nodes, noise sd 0.01) the default PSO and DE fits recover epsilon
and mu within 0.03 (the stated tolerance; the error stayed below 0.005 over 8
generator seeds), and per-dimension values within 0.05.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit

from .. import _validate
from ..errors import ParameterError
from ..graph.core import Graph
from .ego import predict
from .egonets import EgoNetworks
from .state import SCHWARTZ_VALUES

__all__ = ["generate_egos", "choose_egos"]


@njit(cache=True, nogil=True)
def _bfs_clusters(node_offsets, ego_rows, in_offsets, in_sources, seed_rows, seed_offsets,
                  seed_cluster, fallback, out):
    """Cluster of every friend: that of the nearest seed friend (multi-source BFS)."""
    E = ego_rows.shape[0]
    for e in range(E):
        base = node_offsets[e]
        ne = node_offsets[e + 1] - base
        queue = np.empty(ne, dtype=np.int64)
        head = 0
        tail = 0
        for i in range(base, base + ne):
            out[i] = -1
        for s in range(seed_offsets[e], seed_offsets[e + 1]):
            r = seed_rows[s]
            out[r] = seed_cluster[s]
            queue[tail] = r
            tail += 1
        while head < tail:
            u = queue[head]
            head += 1
            for a in range(in_offsets[u], in_offsets[u + 1]):
                v = in_sources[a]
                if v != ego_rows[e] and out[v] < 0:
                    out[v] = out[u]
                    queue[tail] = v
                    tail += 1
        for i in range(base, base + ne):
            if out[i] < 0:
                out[i] = fallback[i]


def _friends(graph: Graph, u: int) -> np.ndarray:
    out = graph.out_targets[graph.out_offsets[u]:graph.out_offsets[u + 1]]
    if not graph.directed:
        return np.asarray(out, dtype=np.int64)
    inn = graph.in_sources[graph.in_offsets[u]:graph.in_offsets[u + 1]]
    return np.union1d(out, inn).astype(np.int64)


def choose_egos(graph: Graph, count: int, min_friends: int, rng: np.random.Generator,
                *, required: bool = False) -> np.ndarray:
    """``count`` distinct egos (sorted) among nodes with at least ``min_friends`` friends.

    When fewer qualify, the ``count`` nodes with the most friends are taken,
    unless ``required``: then ``min_friends`` is the user's condition and
    dropping it would be a silently different data set, so it is an error.
    """
    if graph.directed:
        adj = graph.to_scipy()
        friends = np.diff((adj + adj.T).tocsr().indptr)
    else:
        friends = np.asarray(graph.out_degree)
    candidates = np.flatnonzero(friends >= max(1, min_friends))
    if candidates.size < count and required:
        raise ParameterError(f"only {candidates.size} nodes have at least {min_friends} friends "
                             f"(the most is {int(friends.max(initial=0))}); cannot build {count} "
                             "ego networks: lower min_friends or count")
    if candidates.size < count:
        with_friends = np.flatnonzero(friends >= 1)
        if with_friends.size < count:
            raise ParameterError(f"the graph has only {with_friends.size} nodes with friends; "
                                 f"cannot build {count} ego networks")
        order = np.argsort(-friends[with_friends], kind="stable")
        return np.sort(with_friends[order[:count]])
    return np.sort(rng.choice(candidates, size=count, replace=False))


def generate_egos(graph: Graph, count: int = 275, size: int = 200, *,
                  epsilon: float | Sequence[float] = 0.3,
                  mu: float | Sequence[float] = 0.4, steps: int = 1, model: str = "ego",
                  distance: str = "dimension", weighted: bool = False, noise: float = 0.01,
                  clusters: int = 3, spread: float = 0.07,
                  dims: Sequence[str] = SCHWARTZ_VALUES, min_friends: int | None = None,
                  seed: int = 1, progress=None) -> EgoNetworks:
    """Ego networks of ``graph`` with t0 values and planted t1 dynamics (module docstring).

    Parameters
    ----------
    graph : any imx Graph (e.g. facebook_combined loaded undirected).
    count : number of ego networks.
    size : largest ego network (ego included).
    epsilon, mu, steps, model, distance, weighted : the planted dynamics.
    noise : sd of the Gaussian noise added to the planted t1 values.
    clusters, spread : value clusters per ego network and their sd.
    dims : dimension names (default the five Schwartz higher-order values).
    min_friends : egos need at least this many friends (default ``size // 2``).
    seed : seed of every random choice.
    progress : optional ``progress(done, total, label)`` after each ego network.

    Returns
    -------
    EgoNetworks, whose ``meta["planted"]`` holds the true parameters.
    """
    count = _validate.count(count, "count", minimum=1)
    size = _validate.count(size, "size", minimum=2)
    seed = _validate.seed(seed)
    if min_friends is not None:
        min_friends = _validate.count(min_friends, "min_friends", minimum=1)
    noise = _validate.positive(noise, "noise", allow_zero=True)
    spread = _validate.positive(spread, "spread", allow_zero=True)
    clusters = _validate.count(clusters, "clusters", minimum=1)
    dims = tuple(dims)
    d = len(dims)
    if d == 0:
        raise ParameterError("at least one value dimension is needed")
    rng = np.random.Generator(np.random.PCG64(seed))
    egos = choose_egos(graph, count, size // 2 if min_friends is None else min_friends, rng,
                       required=min_friends is not None)
    member_of = np.full(graph.n, -1, dtype=np.int64)
    sizes, ego_local, labels, srcs, dsts, ws = [], [], [], [], [], []
    t0_parts, seed_rows, seed_cluster, seed_offsets = [], [], [], [0]
    base = 0
    for done, u in enumerate(egos.tolist()):
        if progress is not None:
            progress(done, len(egos), "ego networks")
        friends = _friends(graph, u)
        friends = friends[friends != u]
        if friends.size > size - 1:
            friends = np.sort(rng.choice(friends, size=size - 1, replace=False))
        members = np.concatenate(([u], friends))
        k = members.size
        member_of[members] = np.arange(k)
        # friend-friend edges of the induced subgraph, each once (a < b)
        lo = graph.out_offsets[friends]
        hi = graph.out_offsets[friends + 1]
        nbrs = np.concatenate([graph.out_targets[a:b] for a, b in zip(lo.tolist(), hi.tolist())]) \
            if friends.size else np.zeros(0, dtype=np.int64)
        owners = np.repeat(np.arange(1, k), (hi - lo))
        local = member_of[nbrs]
        keep = (local > 0) & (local != owners)
        a, b = np.minimum(owners[keep], local[keep]), np.maximum(owners[keep], local[keep])
        pairs = np.unique(a * k + b)
        a, b = pairs // k, pairs % k
        star = np.arange(1, k)
        ea = np.concatenate((np.zeros(k - 1, dtype=np.int64), a))
        eb = np.concatenate((star, b))
        w = rng.uniform(0.1, 1.0, size=ea.size) if weighted else np.ones(ea.size)
        srcs += [ea + base, eb + base]
        dsts += [eb + base, ea + base]
        ws += [w, w]
        member_of[members] = -1
        sizes.append(k)
        ego_local.append(0)
        labels.extend(graph.label_list(members))
        centres = rng.uniform(0.05, 0.95, size=(clusters, d))
        values = np.empty((k, d))
        values[0] = rng.uniform(0.0, 1.0, size=d)
        noise_block = rng.normal(0.0, spread, size=(k - 1, d))
        n_seeds = min(clusters, k - 1)
        chosen = rng.choice(np.arange(1, k), size=n_seeds, replace=False) if n_seeds else \
            np.zeros(0, dtype=np.int64)
        seed_rows.append(chosen + base)
        seed_cluster.append(np.arange(n_seeds))
        seed_offsets.append(seed_offsets[-1] + n_seeds)
        t0_parts.append((values, noise_block, centres))
        base += k
    N = base
    egos_batch = EgoNetworks.from_arrays(
        dims=dims, names=[str(lab) for lab in graph.label_list(egos)], sizes=sizes,
        ego_local=ego_local, labels=labels, t0=np.zeros((N, d)), t1=np.zeros((len(sizes), d)),
        src=np.concatenate(srcs), dst=np.concatenate(dsts), weights=np.concatenate(ws),
        has_weights=weighted)
    cluster = np.empty(N, dtype=np.int64)
    fallback = rng.integers(0, clusters, size=N)
    _bfs_clusters(egos_batch.node_offsets, egos_batch.ego_rows, egos_batch.in_offsets,
                  egos_batch.in_sources, np.concatenate(seed_rows).astype(np.int64),
                  np.asarray(seed_offsets, dtype=np.int64),
                  np.concatenate(seed_cluster).astype(np.int64), fallback, cluster)
    t0 = egos_batch.t0
    for e, (values, noise_block, centres) in enumerate(t0_parts):
        lo, hi = int(egos_batch.node_offsets[e]), int(egos_batch.node_offsets[e + 1])
        t0[lo] = values[0]
        t0[lo + 1:hi] = np.clip(centres[cluster[lo + 1:hi]] + noise_block, 0.0, 1.0)
    planted = predict(egos_batch, epsilon, mu, steps=steps, model=model, distance=distance,
                      weighted=weighted, seed=seed)
    egos_batch.t1[:] = np.clip(planted + rng.normal(0.0, noise, size=planted.shape), 0.0, 1.0)
    egos_batch.meta["planted"] = {
        "model": model, "epsilon": np.asarray(epsilon, dtype=float).tolist(),
        "mu": np.asarray(mu, dtype=float).tolist(), "steps": int(steps), "distance": distance,
        "weighted": bool(weighted), "noise": float(noise), "seed": int(seed),
        "count": len(sizes), "size": int(size), "mean_size": float(np.mean(sizes))}
    return egos_batch
