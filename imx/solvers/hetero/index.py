"""HeteroIndex: precomputed invitee rankings served in microseconds.

A recommendation service reranks one inviter's friends per request.  The index
stores, for every user, its friends already sorted by the chosen method's
score, so a rerank is a slice (or, with a candidate list, a filtered slice):
O(out-degree) work and no allocation beyond the answer.

Scores per arc ``(u, v)``:

``heteroim``     HeteroIM with ``u`` as the only inviter and no list limit: the
                 greedy places ``u``'s friends one by one, each scoring the
                 users it newly reaches given the friends placed before it
                 (``n x`` marginal RR coverage ``/ theta``); so ``rerank(u, k=k)`` equals
                 ``hetero_im(instance, [u], k=k)`` on the same RR sets, and a
                 friend whose reach the better friends already cover ranks lower.
                 Interactions between different inviters (a friend given to
                 several of them) are the batch solver's business
                 (:func:`imx.solvers.hetero.hetero_im`); a per-request service
                 does not know the other requests.
``heteroir``     ``beta_uv = P_uv U_v (1 + HeteroInf(v))``.
``willingness``  ``P_uv U_v``.
``degree``       out-degree of ``v``.

Ties are broken by ``P_uv``, then by the smaller node id.

File format: an uncompressed ``.npz`` (zip of ``.npy`` members) holding
``offsets`` (int64, n+1), ``targets`` (int32), ``scores`` (float64),
``labels`` (int64 or fixed-width unicode) and ``meta`` (JSON as uint8).  Loading
maps the members in place; no pickles are written or read.  Readers share the
read-only arrays and keep no mutable state, so one index serves many threads.
"""
from __future__ import annotations

import json
import os
import zlib
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..._names import HETERO_SOLVERS
from ..._version import __version__
from ...errors import InputError, ParameterError
from ...graph.core import Graph
from ...io.npz import meta_bytes, read_npz_file, save_npz_aligned
from ...record import RunRecord
from .baselines import degree_arc_scores
from .model import HeteroInstance, beta_scores, check_list_length

__all__ = ["HeteroIndex", "SOLVERS"]

#: Solver names accepted by :func:`imx.solvers.hetero.rerank` and :meth:`HeteroIndex.build`.
SOLVERS = HETERO_SOLVERS
_FORMAT = "imx-hetero-index"
_VERSION = 1
_MEMBERS = ("offsets", "targets", "scores", "labels", "meta")


def _arc_order(graph: Graph, score: np.ndarray, tie: np.ndarray,
               steps: np.ndarray | None = None) -> np.ndarray:
    """Arc ids sorted by (tail, score desc, tie desc, step, head)."""
    tails, heads = graph.arcs()
    if steps is None:
        return np.lexsort((heads, -tie, -score, tails))
    return np.lexsort((heads, steps, -tie, -score, tails))


def _heteroim_arc_scores(instance: HeteroInstance, *, K, eps, delta, rr_sets, seed, threads,
                         max_memory, progress, rec, collections=None
                         ) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-arc HeteroIM scores with each user as the only inviter (no list limit).

    The RR sets are sized as HeteroIM sizes them for lists of length ``K`` for
    every user at once, unless ``rr_sets`` fixes the count.
    """
    from .heteroim import check_sizing, draw_rr_sets, size_and_select
    from .kernels import local_greedy_kernel
    from .selection import InvitationProblem, root_weights

    g = instance.graph
    check_sizing(g.n, eps, delta, rr_sets)
    if rr_sets is not None:
        with rec.phase("sampling"):
            if collections is None:
                r1 = draw_rr_sets(instance.two_stage_graph(), rr_sets, seed, 0, threads, max_memory)
            else:
                r1 = collections(seed, 0)
                r1.grow(instance.two_stage_graph(), int(rr_sets), threads=threads,
                        max_memory=max_memory)
        theta, info = r1.count, {"rr_sets": r1.count, "approx_ratio": None}
    else:
        everyone = np.flatnonzero(g.out_degree > 0).astype(np.int32)
        sized = InvitationProblem(instance, everyone, K)
        _, theta, info, r1 = size_and_select(sized, instance, eps=eps, delta=delta,
                                             rr_sets=None, seed=seed, threads=threads,
                                             max_memory=max_memory, progress=progress, rec=rec,
                                             collections=collections)
    gains = np.zeros(g.m, dtype=np.float64)
    steps = np.zeros(g.m, dtype=np.int64)
    if r1 is None:
        return gains, steps, info
    with rec.phase("index_selection"):
        idx_offsets, idx_sets = r1.node_index()
        set_w, node_w = root_weights(r1)
        local_greedy_kernel(np.asarray(g.out_offsets), np.asarray(g.out_targets),
                            instance.live_probs(), instance.willingness,
                            np.asarray(idx_offsets), np.asarray(idx_sets), set_w, node_w,
                            gains, steps)
    return gains * (g.n / theta), steps, info


class HeteroIndex:
    """Per-user invitee rankings, built once, saved, memory-mapped, queried fast.

    Build with :meth:`build`, persist with :meth:`save`, reopen with
    :meth:`load`; query with :meth:`rerank` / :meth:`rerank_many`.

    Examples
    --------
    >>> from imx import Graph
    >>> g = Graph.from_arrays([0, 0, 1], [1, 2, 3], [0.5, 0.5, 1.0])
    >>> idx = HeteroIndex.build(g, solver="heteroir")
    >>> idx.rerank(0, k=2)
    [(1, 1.0), (2, 0.5)]
    """

    __slots__ = ("n", "offsets", "targets", "scores", "labels", "meta", "_lookup",
                 "_range_labels")

    def __init__(self, offsets: np.ndarray, targets: np.ndarray, scores: np.ndarray,
                 labels: np.ndarray, meta: dict):
        self.n = int(offsets.shape[0] - 1)
        for arr in (offsets, targets, scores, labels):
            if arr.flags.writeable:
                arr.setflags(write=False)
        self.offsets = offsets
        self.targets = targets
        self.scores = scores
        self.labels = labels
        self.meta = dict(meta)
        lab = labels
        self._range_labels = bool(lab.dtype.kind in "iu" and (
            self.n == 0 or (int(lab[0]) == 0 and int(lab[-1]) == self.n - 1
                            and bool(np.all(np.diff(lab) == 1)))))
        if self._range_labels:
            self._lookup = None
        elif lab.dtype.kind in "iu":
            self._lookup = {int(x): i for i, x in enumerate(lab.tolist())}
        else:
            self._lookup = {str(x): i for i, x in enumerate(lab.tolist())}

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, graph: Graph, *, solver: str = "heteroim",
              willingness: np.ndarray | None = None, accept: np.ndarray | None = None,
              c: int = 3, k: int = 3, eps: float = 0.1, delta: float | None = None,
              rr_sets: int | None = None, seed: int = 1, threads: int | None = None,
              max_memory: int | None = None,
              progress: Callable[[float, float | None, str], None] | None = None,
              record: RunRecord | None = None, cluster=None) -> "HeteroIndex":
        """Score and sort every user's friends.

        Parameters
        ----------
        graph : the social graph; its arc probabilities are the willingness
            unless ``willingness`` is given.
        solver : ``heteroim`` (default), ``heteroir``, ``willingness`` or ``degree``.
        willingness, accept : ``P_uv`` per arc (out-CSR order), ``U_v`` per node.
        c : HeteroInf's interaction capacity (``heteroir``).
        k, eps, delta : ``heteroim`` sizes its RR sets as HeteroIM would for lists
            of length ``k`` for every user, to ratio ``1/2 - eps`` w.p. ``1 - delta``.
        rr_sets : ``heteroim`` uses exactly this many RR sets instead.
        seed, threads, max_memory : passed to the RR-set engine.
        record : a RunRecord to fill with phase times and counters.
        cluster : ``heteroim`` draws its RR sets on a Dask cluster (a
            ``distributed.Client``, ``"tcp://host:8786"``, ``"local[:N]"`` or an
            :class:`imx.distributed.Cluster`); they come back here, where the
            scores are summed, so the index is the same.
        """
        if solver not in SOLVERS:
            raise ParameterError(f"solver must be one of {', '.join(SOLVERS)}, "
                                 f"got {solver!r}")
        if cluster is not None and solver != "heteroim":
            raise ParameterError(f"solver {solver!r} has no cluster backend (heteroim does)")
        K = check_list_length(k)
        method = solver
        rec = record if record is not None else RunRecord()
        instance = HeteroInstance(graph, willingness, accept)
        info: dict = {}
        steps = None
        with rec.phase("scoring"):
            if method == "heteroir":
                score = beta_scores(instance, c)
            elif method == "willingness":
                score = instance.live_probs()
            elif method == "degree":
                score = degree_arc_scores(instance)
        if method == "heteroim":
            from ..doubling import cluster_collections
            with cluster_collections(cluster, instance.n, model="ic",
                                     gather=True) as collections:
                score, steps, info = _heteroim_arc_scores(
                    instance, K=K, eps=eps, delta=delta, rr_sets=rr_sets, seed=seed,
                    threads=threads, max_memory=max_memory, progress=progress, rec=rec,
                    collections=collections)
                if collections is not None:
                    rec.counters.update(collections.counters())
        with rec.phase("sorting"):
            order = _arc_order(graph, score, instance.willingness, steps)
            targets = np.ascontiguousarray(np.asarray(graph.out_targets)[order], dtype=np.int32)
            scores = np.ascontiguousarray(score[order], dtype=np.float64)
        labels = np.asarray(graph.labels)
        if labels.dtype == object:
            labels = np.array([str(x) for x in labels.tolist()], dtype=str)
        meta = {"format": _FORMAT, "version": _VERSION, "imx": __version__, "method": method,
                "n": graph.n, "m": graph.m, "c": int(c), "K": K, "seed": int(seed),
                "source": graph.source,
                **{key: v for key, v in info.items() if key in ("rr_sets", "approx_ratio")}}
        rec.counters.update(arcs=graph.m, nodes=graph.n, **{k: v for k, v in info.items()
                                                             if v is not None})
        return cls(np.ascontiguousarray(graph.out_offsets, dtype=np.int64), targets, scores,
                   np.ascontiguousarray(labels), meta)

    # ---------------------------------------------------------------- storage
    def save(self, path: str | os.PathLike) -> None:
        """Write the index to ``path`` (an uncompressed .npz), atomically."""
        arrays = {name: np.ascontiguousarray(getattr(self, name)) for name in _MEMBERS[:-1]}
        meta = dict(self.meta, crc32={name: zlib.crc32(arr) for name, arr in arrays.items()})
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        save_npz_aligned(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: bool = True) -> "HeteroIndex":
        """Open an index written by :meth:`save`; memory-mapped unless ``mmap=False``.

        The file is checked in one O(n + m) pass before it answers anything:
        metadata types, array dtypes and shapes, each array's CRC-32, offsets
        increasing, friend ids in range and distinct per user, scores finite and
        in ranking order.  Anything else raises InputError.
        """
        path = os.fspath(path)
        arrays = read_npz_file(path, mmap, "HeteroIndex")
        missing = [k for k in _MEMBERS if k not in arrays]
        if missing:
            raise InputError(f"not a HeteroIndex file (missing {', '.join(missing)})", path=path)
        try:
            meta = json.loads(meta_bytes(arrays["meta"]).decode())
        except (ValueError, TypeError, UnicodeDecodeError, RecursionError):
            raise InputError("corrupt HeteroIndex file (bad meta)", path=path) from None
        if not isinstance(meta, dict):
            raise InputError("corrupt HeteroIndex file (meta is not a JSON object)", path=path)
        if meta.get("format") != _FORMAT or meta.get("version") != _VERSION:
            raise InputError("unsupported HeteroIndex format or version", path=path)
        _check_index_arrays(arrays, meta, path)
        meta.pop("crc32", None)  # describes the file, not the index
        return cls(*(arrays[k] for k in _MEMBERS[:-1]), meta)

    # ---------------------------------------------------------------- queries
    @property
    def solver(self) -> str:
        return str(self.meta.get("method"))

    def __repr__(self) -> str:
        return f"<HeteroIndex solver={self.solver} n={self.n} arcs={self.targets.shape[0]}>"

    def node_id(self, label: Any) -> int:
        """Internal id of a user label; InputError if it is not in the index."""
        if self._range_labels:
            try:
                i = int(label)
            except (TypeError, ValueError):
                i = -1
            if 0 <= i < self.n and (not isinstance(label, float) or label == i):
                return i
        else:
            key = str(label) if self.labels.dtype.kind not in "iu" else _int_or_none(label)
            i = self._lookup.get(key) if key is not None else None
            if i is not None:
                return i
        raise InputError(f"user {label!r} is not in the graph")

    def node_ids(self, labels: Iterable[Any]) -> np.ndarray:
        """Internal ids (int32) of user labels; InputError for the first unknown one."""
        if self._range_labels:
            arr = labels if isinstance(labels, np.ndarray) else np.asarray(list(labels))
            if arr.dtype.kind in "iu":
                bad = (arr < 0) | (arr >= self.n)
                if bad.any():
                    raise InputError(f"user {arr[bad][0].item()!r} is not in the graph")
                return arr.astype(np.int32)
        return np.fromiter((self.node_id(x) for x in labels), dtype=np.int32)

    def rerank_ids(self, u: int, k: int = 3, candidates: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Ranked (friend ids, scores) of user id ``u``; ``candidates`` restricts to ids."""
        lo = int(self.offsets[u])
        hi = int(self.offsets[u + 1])
        if candidates is None:
            hi = min(hi, lo + k)
            return self.targets[lo:hi], self.scores[lo:hi]
        keep = np.flatnonzero(np.isin(self.targets[lo:hi], candidates))[:k] + lo
        return self.targets[keep], self.scores[keep]

    def rerank(self, inviter: Any, candidates: Iterable[Any] | None = None, k: int = 3
               ) -> list[tuple[Any, float]]:
        """The ``k`` best friends of ``inviter`` as ``[(label, score), ...]``, best first.

        ``candidates`` (labels) restricts the answer to those friends; labels
        that are not friends of ``inviter`` are ignored.  A user without friends
        gets ``[]``.  Raises InputError for an unknown inviter or candidate and
        ParameterError for ``k < 1``.
        """
        k = check_list_length(k)
        u = self.node_id(inviter)
        cand = None if candidates is None else self.node_ids(candidates)
        ids, scores = self.rerank_ids(u, k, cand)
        return list(zip(self.labels[ids].tolist(), scores.tolist()))

    def rerank_many(self, inviters: Sequence[Any], k: int = 3,
                    candidates: Sequence[Iterable[Any] | None] | None = None
                    ) -> list[list[tuple[Any, float]]]:
        """:meth:`rerank` for each inviter (``candidates``: one list or None per inviter)."""
        k = check_list_length(k)
        if candidates is not None and len(candidates) != len(inviters):
            raise ParameterError("candidates needs one entry (a list or None) per inviter")
        out = []
        for i, inviter in enumerate(inviters):
            cand = None if candidates is None else candidates[i]
            out.append(self.rerank(inviter, cand, k))
        return out


_META_TYPES = {"method": str, "n": int, "m": int}


def _check_index_arrays(arrays: dict, meta: dict, path: str) -> None:
    """Refuse a damaged index before it can answer: a wrong ranking is worse than none."""
    from ... import _edgelist

    def corrupt(problem: str) -> InputError:
        return InputError(f"corrupt HeteroIndex file ({problem}); build it again", path=path)

    for key, kind in _META_TYPES.items():
        value = meta.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise corrupt(f"meta {key!r} is {value!r}")
    if meta["method"] not in SOLVERS:
        raise corrupt(f"unknown method {meta['method']!r}")
    n, m = meta["n"], meta["m"]
    off, tgt, sc, lab = (arrays[k] for k in _MEMBERS[:-1])
    if not 0 <= n < 2**31 - 1:
        raise corrupt(f"meta n={n}")
    for name, arr, dtype, size in (("offsets", off, np.int64, n + 1), ("targets", tgt, np.int32, m),
                                   ("scores", sc, np.float64, m)):
        if arr.dtype != dtype or arr.shape != (size,):
            raise corrupt(f"{name} is {arr.dtype}{list(arr.shape)}, expected {np.dtype(dtype)}[{size}]")
    if lab.shape != (n,) or lab.dtype.kind not in "iuU":
        raise corrupt(f"labels are {lab.dtype}{list(lab.shape)} for {n} users")
    crcs = meta.get("crc32")
    if crcs is not None:
        if not isinstance(crcs, dict):
            raise corrupt("bad checksums")
        for name in _MEMBERS[:-1]:
            if crcs.get(name) != zlib.crc32(np.ascontiguousarray(arrays[name])):
                raise corrupt(f"{name} do not match their checksum")
    problem = _edgelist.check_ranked_rows(off, tgt, sc)
    if problem is not None:
        raise corrupt(problem)
    if lab.shape[0] > 1 and np.unique(lab).shape[0] != lab.shape[0]:
        raise corrupt("two users share a label")


def _int_or_none(label: Any) -> int | None:
    try:
        value = int(label)
    except (TypeError, ValueError):
        return None
    if isinstance(label, float) and label != value:
        return None
    return value


