"""Many small ego networks with observed values at two times, batched for the kernels.

:class:`EgoNetwork` is one network: an imx :class:`~imx.Graph` (ego and
friends), the ego's node id, the t0 values of every node (``n x d``) and the
ego's observed t1 values (``d``).  :class:`EgoNetworks` holds many of them
batched for the kernels: rows of all networks concatenated, one in-neighbour
CSR over the global rows (never crossing networks), ``t0`` (``N x d``) and
``t1`` (``E x d``, one row per ego).

The files: :mod:`imx.io.ego_files` (:func:`load_egos`, :func:`save_egos` here
build and take the batch).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..errors import ParameterError
from ..graph.core import Graph
from ..io.ego_files import read_egos, write_egos

__all__ = ["EgoNetwork", "EgoNetworks", "load_egos", "save_egos"]


@dataclass
class EgoNetwork:
    """One ego network.

    Attributes
    ----------
    graph : the network (ego and friends); arc probabilities are the tie weights.
    ego : node id of the ego in ``graph``.
    t0 : ``n x d`` values of every node at t0.
    t1 : ``d`` observed values of the ego at t1.
    name : the ego's label.
    """

    graph: Graph
    ego: int
    t0: np.ndarray
    t1: np.ndarray
    name: str = ""


@dataclass
class EgoNetworks:
    """A batch of ego networks, laid out for the numba kernels.

    Attributes
    ----------
    dims : value dimension names.
    names : label of each network's ego (E).
    node_offsets : int64 (E+1); network ``e`` owns rows ``node_offsets[e]..node_offsets[e+1]-1``.
    ego_rows : int64 (E); the global row of each ego.
    labels : node labels of every row (N).
    in_offsets, in_sources : int64 in-neighbour CSR over the N global rows.
    weights : float64 tie weight of each arc (1 when the input had none).
    arc_heads : int64, the row owning each arc.
    t0 : float64 ``N x d``; t1 : float64 ``E x d`` (the egos).
    meta : free-form facts (e.g. the planted parameters of generated data).
    """

    dims: tuple
    names: list
    node_offsets: np.ndarray
    ego_rows: np.ndarray
    labels: list
    in_offsets: np.ndarray
    in_sources: np.ndarray
    weights: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    has_weights: bool = False
    meta: dict = field(default_factory=dict)
    arc_heads: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.arc_heads = np.repeat(np.arange(self.t0.shape[0], dtype=np.int64),
                                   np.diff(self.in_offsets))

    # ------------------------------------------------------------------ views
    def __len__(self) -> int:
        return int(self.ego_rows.shape[0])

    @property
    def d(self) -> int:
        return int(self.t0.shape[1])

    @property
    def sizes(self) -> np.ndarray:
        """Nodes (ego included) of each network."""
        return np.diff(self.node_offsets)

    @property
    def ego_t0(self) -> np.ndarray:
        """``E x d`` values of the egos at t0."""
        return self.t0[self.ego_rows]

    def friends_mean(self, weighted: bool = False) -> np.ndarray:
        """``E x d`` (tie-weighted) mean t0 values of each ego's friends (the ego's t0 if none)."""
        out = self.ego_t0.copy()
        for e, ego in enumerate(self.ego_rows.tolist()):
            lo, hi = int(self.in_offsets[ego]), int(self.in_offsets[ego + 1])
            if hi == lo:
                continue
            vals = self.t0[self.in_sources[lo:hi]]
            w = self.weights[lo:hi] if weighted else None
            if w is not None and w.sum() <= 0:
                continue
            out[e] = np.average(vals, axis=0, weights=w)
        return out

    def network(self, e: int) -> EgoNetwork:
        """Ego network ``e`` as an :class:`EgoNetwork` with its own imx Graph."""
        lo, hi = int(self.node_offsets[e]), int(self.node_offsets[e + 1])
        alo, ahi = int(self.in_offsets[lo]), int(self.in_offsets[hi])
        src = self.in_sources[alo:ahi] - lo
        dst = self.arc_heads[alo:ahi] - lo
        labels = np.empty(hi - lo, dtype=object)
        labels[:] = self.labels[lo:hi]
        g = Graph.from_arrays(src, dst, self.weights[alo:ahi], n=hi - lo, directed=True,
                              probs="given", labels=labels, merge="first")
        return EgoNetwork(graph=g, ego=int(self.ego_rows[e]) - lo, t0=self.t0[lo:hi].copy(),
                          t1=self.t1[e].copy(), name=str(self.names[e]))

    def __getitem__(self, e: int) -> EgoNetwork:
        if not -len(self) <= e < len(self):
            raise IndexError(e)
        return self.network(e % len(self))

    def select_dims(self, dims: Sequence[int]) -> "EgoNetworks":
        """The same networks with only the value dimensions at positions ``dims``."""
        idx = list(dims)
        out = EgoNetworks(dims=tuple(self.dims[k] for k in idx), names=self.names,
                          node_offsets=self.node_offsets, ego_rows=self.ego_rows,
                          labels=self.labels, in_offsets=self.in_offsets,
                          in_sources=self.in_sources, weights=self.weights,
                          t0=np.ascontiguousarray(self.t0[:, idx]),
                          t1=np.ascontiguousarray(self.t1[:, idx]), has_weights=self.has_weights,
                          meta=self.meta)
        return out

    def subset(self, indices: Sequence[int] | np.ndarray) -> "EgoNetworks":
        """The networks at ``indices`` (in that order) as a new batch."""
        idx = np.asarray(indices, dtype=np.int64)
        parts = []
        for e in idx.tolist():
            lo, hi = int(self.node_offsets[e]), int(self.node_offsets[e + 1])
            alo, ahi = int(self.in_offsets[lo]), int(self.in_offsets[hi])
            parts.append((lo, hi, alo, ahi))
        rows = np.concatenate([np.arange(lo, hi) for lo, hi, _, _ in parts]) if parts else \
            np.zeros(0, dtype=np.int64)
        new_row = np.full(self.t0.shape[0], -1, dtype=np.int64)
        new_row[rows] = np.arange(rows.size)
        arcs = np.concatenate([np.arange(alo, ahi) for _, _, alo, ahi in parts]) if parts else \
            np.zeros(0, dtype=np.int64)
        counts = np.diff(self.in_offsets)[rows]
        in_offsets = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(counts, out=in_offsets[1:])
        sizes = np.array([hi - lo for lo, hi, _, _ in parts], dtype=np.int64)
        node_offsets = np.zeros(idx.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=node_offsets[1:])
        return EgoNetworks(dims=self.dims, names=[self.names[e] for e in idx.tolist()],
                           node_offsets=node_offsets, ego_rows=new_row[self.ego_rows[idx]],
                           labels=[self.labels[r] for r in rows.tolist()],
                           in_offsets=in_offsets, in_sources=new_row[self.in_sources[arcs]],
                           weights=self.weights[arcs].copy(), t0=self.t0[rows].copy(),
                           t1=self.t1[idx].copy(), has_weights=self.has_weights,
                           meta=dict(self.meta))

    # ------------------------------------------------------------ building
    @classmethod
    def from_arrays(cls, *, dims: Sequence[str], names: Sequence, sizes: Sequence[int],
                    ego_local: Sequence[int], labels: Sequence, t0: np.ndarray, t1: np.ndarray,
                    src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None,
                    has_weights: bool | None = None, meta: dict | None = None) -> "EgoNetworks":
        """Build a batch from concatenated rows and global arcs ``src -> dst``.

        Duplicate arcs keep their first weight; self loops are dropped.  Arcs
        must stay inside their network (checked).
        """
        sizes = np.asarray(sizes, dtype=np.int64)
        node_offsets = np.zeros(sizes.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=node_offsets[1:])
        N = int(node_offsets[-1])
        t0 = np.ascontiguousarray(t0, dtype=np.float64)
        t1 = np.ascontiguousarray(t1, dtype=np.float64)
        if t0.shape != (N, len(dims)) or t1.shape != (sizes.size, len(dims)):
            raise ParameterError("t0 must be N x d and t1 E x d")
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        w = np.ones(src.size) if weights is None else np.asarray(weights, dtype=np.float64)
        owner = np.repeat(np.arange(sizes.size), sizes)
        if src.size and (src.min() < 0 or max(src.max(), dst.max()) >= N
                         or np.any(owner[src] != owner[dst])):
            raise ParameterError("arcs must join rows of the same ego network")
        keep = src != dst
        src, dst, w = src[keep], dst[keep], w[keep]
        key = dst * max(N, 1) + src
        order = np.argsort(key, kind="stable")
        key, src, dst, w = key[order], src[order], dst[order], w[order]
        first = np.ones(key.size, dtype=bool)
        first[1:] = key[1:] != key[:-1]
        src, dst, w = src[first], dst[first], w[first]
        in_offsets = np.zeros(N + 1, dtype=np.int64)
        np.cumsum(np.bincount(dst, minlength=N), out=in_offsets[1:])
        ego_rows = node_offsets[:-1] + np.asarray(ego_local, dtype=np.int64)
        return cls(dims=tuple(dims), names=list(names), node_offsets=node_offsets,
                   ego_rows=ego_rows, labels=list(labels), in_offsets=in_offsets,
                   in_sources=src, weights=w, t0=t0, t1=t1,
                   has_weights=bool(weights is not None if has_weights is None else has_weights),
                   meta=dict(meta or {}))

    @classmethod
    def from_networks(cls, networks: Sequence[EgoNetwork | tuple],
                      dims: Sequence[str] | None = None, weighted: bool = True) -> "EgoNetworks":
        """Batch a list of :class:`EgoNetwork` or ``(graph, ego, t0, t1)`` tuples.

        With ``weighted`` the graphs' arc probabilities are the tie weights.
        """
        from .state import default_dims

        nets = [n if isinstance(n, EgoNetwork) else EgoNetwork(*n) for n in networks]
        if not nets:
            raise ParameterError("no ego networks given")
        d = np.asarray(nets[0].t0).reshape(nets[0].graph.n, -1).shape[1]
        dims = tuple(dims) if dims is not None else default_dims(d)
        sizes, ego_local, labels, t0s, t1s = [], [], [], [], []
        srcs, dsts, ws, names = [], [], [], []
        base = 0
        for e, net in enumerate(nets):
            g = net.graph
            t0 = np.asarray(net.t0, dtype=np.float64).reshape(g.n, -1)
            t1 = np.asarray(net.t1, dtype=np.float64).reshape(-1)
            if t0.shape[1] != len(dims) or t1.shape[0] != len(dims):
                raise ParameterError(f"ego network {e}: values must have {len(dims)} dimensions")
            if not 0 <= int(net.ego) < g.n:
                raise ParameterError(f"ego network {e}: ego {net.ego} is not a node of its graph")
            for arr in (t0, t1):
                if not ((arr >= 0) & (arr <= 1)).all():
                    raise ParameterError(f"ego network {e}: values must lie in [0, 1]")
            tails, heads = g.arcs()
            srcs.append(tails.astype(np.int64) + base)
            dsts.append(np.asarray(heads, dtype=np.int64) + base)
            ws.append(np.asarray(g.out_probs, dtype=np.float64) if weighted else np.ones(g.m))
            sizes.append(g.n)
            ego_local.append(int(net.ego))
            labels.extend(g.label_list(range(g.n)))
            t0s.append(t0)
            t1s.append(t1)
            names.append(net.name or str(g.label_list([net.ego])[0]))
            base += g.n
        return cls.from_arrays(dims=dims, names=names, sizes=sizes, ego_local=ego_local,
                               labels=labels, t0=np.concatenate(t0s), t1=np.stack(t1s),
                               src=np.concatenate(srcs), dst=np.concatenate(dsts),
                               weights=np.concatenate(ws), has_weights=weighted)


def load_egos(path: str | os.PathLike) -> EgoNetworks:
    """Read ego networks from an ego file or a directory of them (the format, and the
    InputError naming file, line and column for any problem: :mod:`imx.io.ego_files`)."""
    return EgoNetworks.from_arrays(**read_egos(path))


def save_egos(egos: EgoNetworks, path: str | os.PathLike, *, overwrite: bool = False,
              extra_files: dict[str, str] | None = None) -> list[str]:
    """Write ego networks atomically; returns the ego files written
    (:func:`imx.io.ego_files.write_egos`: one ``.csv`` file, or a folder with one
    file per network, refused if it holds CSV files unless ``overwrite``)."""
    return write_egos(egos, path, overwrite=overwrite, extra_files=extra_files)
