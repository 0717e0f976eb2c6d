"""The immutable CSR graph every imx algorithm runs on."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import InputError, ParameterError
from .probs import HEAD_SCHEMES, Scheme, compute_probabilities, head_probabilities, parse_scheme

__all__ = ["Graph"]

_MERGE_RULES = ("ic", "lt", "max", "first")
_LT_TOLERANCE = 1e-6
# what the kernels get in place of the per-arc probabilities of a graph that has none
_NO_PROBS = np.zeros(0, dtype=np.float32)
_NO_PROBS.setflags(write=False)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _readonly(a: np.ndarray) -> np.ndarray:
    if a.flags.writeable:
        a.setflags(write=False)
    return a


def _merge_duplicates(keys: np.ndarray, probs: np.ndarray | None, rule: str):
    """Collapse runs of equal sorted ``keys``; merge their probabilities by ``rule``."""
    if keys.size == 0:
        return keys, probs
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    if starts.size == keys.size:
        return keys, probs
    ukeys = keys[starts]
    if probs is None:
        return ukeys, None
    p = probs.astype(np.float64)
    if rule == "ic":
        with np.errstate(divide="ignore"):
            logq = np.add.reduceat(np.log1p(-p), starts)
        merged = -np.expm1(logq)
    elif rule == "lt":
        merged = np.add.reduceat(p, starts)
    elif rule == "max":
        merged = np.maximum.reduceat(p, starts)
    else:
        merged = p[starts]
    return ukeys, merged


class Graph:
    """A directed graph in compressed sparse row form, with per-arc probabilities.

    Nodes are ``0..n-1`` (int32).  Arcs are stored twice: grouped by tail
    (``out_offsets``/``out_targets``) and grouped by head
    (``in_offsets``/``in_sources``); ``out_probs`` and ``in_probs`` are the same
    per-arc probability (IC) or weight (LT) in each order.  Within a node, arcs
    are sorted by the other endpoint.  An undirected graph stores both arcs of
    every edge.  All arrays are read-only; methods that "change" a graph return
    a new one.

    Where every arc into a node has the same probability (schemes ``wc``,
    ``wc-variant``, ``uniform``: :data:`imx.graph.probs.HEAD_SCHEMES`) the graph
    holds ``head_probs``, one float32 per node (the probability of each arc
    into it), and no per-arc arrays: it costs its CSR arrays only.
    ``out_probs`` and ``in_probs`` then build an m-sized array on each access,
    for the rare consumer that wants one; kernels take :meth:`kernel_probs`.
    Otherwise ``head_probs`` is None.

    ``labels[i]`` is the id node ``i`` had in the input (an integer or a
    string); :meth:`index_of` maps back.

    Build one with :meth:`from_arrays`, :meth:`from_scipy`, :meth:`from_networkx`,
    :func:`imx.load_graph` or :func:`imx.io.load_edgelist`.
    """

    __slots__ = ("n", "out_offsets", "out_targets", "_out_probs", "in_offsets", "in_sources",
                 "_in_probs", "head_probs", "labels", "directed", "scheme", "source",
                 "edges_read", "skipped_header", "_label_index", "_labels_range",
                 "__weakref__")

    def __init__(self, *, n: int, out_offsets: np.ndarray, out_targets: np.ndarray,
                 out_probs: np.ndarray | None = None, in_offsets: np.ndarray,
                 in_sources: np.ndarray, in_probs: np.ndarray | None = None,
                 head_probs: np.ndarray | None = None, labels: np.ndarray, directed: bool,
                 scheme: str, source: str | None = None, edges_read: int | None = None,
                 skipped_header: tuple[int, str, str] | None = None):
        self.n = int(n)
        # the kernels index probabilities by arc or by node: a length that does not
        # match would let them read past an array
        if head_probs is None:
            if out_probs is None or in_probs is None:
                raise ParameterError("a Graph needs out_probs and in_probs, or head_probs")
            if out_probs.shape != out_targets.shape or in_probs.shape != in_sources.shape:
                raise ParameterError("out_probs and in_probs need one value per arc")
        else:
            if out_probs is not None or in_probs is not None:
                raise ParameterError("a Graph takes per-arc probabilities or head_probs, "
                                     "not both")
            if head_probs.shape != (self.n,):
                raise ParameterError(f"head_probs needs one value per node ({self.n}), got "
                                     f"shape {head_probs.shape}")
        self.out_offsets = _readonly(out_offsets)
        self.out_targets = _readonly(out_targets)
        self._out_probs = None if out_probs is None else _readonly(out_probs)
        self.in_offsets = _readonly(in_offsets)
        self.in_sources = _readonly(in_sources)
        self._in_probs = None if in_probs is None else _readonly(in_probs)
        self.head_probs = None if head_probs is None else _readonly(head_probs)
        self.labels = _readonly(labels)
        self.directed = bool(directed)
        self.scheme = str(scheme)
        self.source = source
        self.edges_read = int(edges_read) if edges_read is not None else int(out_targets.shape[0])
        # (line, text, reason) of an edge-list header line that was not read as an edge
        self.skipped_header = skipped_header
        self._label_index: dict | None = None
        self._labels_range: bool | None = None  # labels are 0..n-1 in order (known once asked)

    # ------------------------------------------------------------------ basics
    @property
    def m(self) -> int:
        """Number of arcs (an undirected edge counts twice)."""
        return int(self.out_targets.shape[0])

    @property
    def out_degree(self) -> np.ndarray:
        return np.diff(self.out_offsets).astype(np.int64)

    @property
    def in_degree(self) -> np.ndarray:
        return np.diff(self.in_offsets).astype(np.int64)

    @property
    def out_probs(self) -> np.ndarray:
        """Arc probabilities in out-CSR order (float32); built anew on each access
        when the graph holds ``head_probs``."""
        stored, head = self._out_probs, self.head_probs
        if head is None or stored is not None:
            return stored  # type: ignore[return-value]  # __init__ sets one of the two
        return _readonly(head[self.out_targets])

    @property
    def in_probs(self) -> np.ndarray:
        """Arc probabilities in in-CSR order (float32); built anew on each access
        when the graph holds ``head_probs``."""
        stored, head = self._in_probs, self.head_probs
        if head is None or stored is not None:
            return stored  # type: ignore[return-value]  # __init__ sets one of the two
        return _readonly(np.repeat(head, np.diff(self.in_offsets)))

    def kernel_probs(self, order: str = "in") -> tuple[np.ndarray, np.ndarray]:
        """``(arc_probs, head_probs)`` for native kernels, read-only float32, nothing built:
        the probability of arc ``a`` (in ``order``, ``'in'`` or ``'out'``) is
        ``arc_probs[a]`` when ``arc_probs`` is not empty, else ``head_probs[head of a]``.
        The other array is empty."""
        stored = self._in_probs if order == "in" else self._out_probs
        head = self.head_probs
        if head is not None:
            return _NO_PROBS, head
        return stored, _NO_PROBS  # type: ignore[return-value]

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays this graph holds, by attribute name (labels aside): the four CSR
        arrays, then ``out_probs`` and ``in_probs``, or ``head_probs``."""
        arrays = {"out_offsets": self.out_offsets, "out_targets": self.out_targets,
                  "in_offsets": self.in_offsets, "in_sources": self.in_sources}
        probs = {"head_probs": self.head_probs} if self.head_probs is not None else \
            {"out_probs": self._out_probs, "in_probs": self._in_probs}
        arrays.update({name: a for name, a in probs.items() if a is not None})
        return arrays

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays of this graph, in bytes."""
        total = sum(int(a.nbytes) for a in self.arrays().values())
        if self.labels.dtype != object:
            total += int(self.labels.nbytes)
        return total

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        return f"<imx.Graph {kind} n={self.n} m={self.m} probs={self.scheme}>"

    def out_neighbors(self, u: int) -> np.ndarray:
        return self.out_targets[self.out_offsets[u]:self.out_offsets[u + 1]]

    def in_neighbors(self, v: int) -> np.ndarray:
        return self.in_sources[self.in_offsets[v]:self.in_offsets[v + 1]]

    # ------------------------------------------------------------------ labels
    def _index(self) -> dict:
        index = self._label_index
        if index is None:
            index = {self._plain(lab): i for i, lab in enumerate(self.labels.tolist())}
            self._label_index = index
        return index

    @staticmethod
    def _plain(label: Any) -> Any:
        if isinstance(label, np.generic):
            return label.item()
        return label

    def index_of(self, label: Any) -> int:
        """Internal id of the node whose input id is ``label``; KeyError if absent."""
        if isinstance(label, (bool, np.bool_)):  # True == 1 as a dict key: never a node label
            raise KeyError(label)
        if self.labels.dtype.kind in "iu" and isinstance(label, str):
            try:
                label = int(label)
            except ValueError:
                raise KeyError(label) from None
        if self.labels.dtype.kind in "iu" and self._labels_are_range():
            if isinstance(label, (int, np.integer)) and 0 <= int(label) < self.n:
                return int(label)
            raise KeyError(label)
        try:
            return self._index()[self._plain(label)]
        except (KeyError, TypeError):
            raise KeyError(label) from None

    def indices_of(self, labels: Iterable[Any], *, what: str = "node",
                   path: str | None = None) -> np.ndarray:
        """Internal ids of many labels (int32); InputError naming the first unknown one."""
        if not isinstance(labels, (list, tuple, np.ndarray)):
            labels = list(labels)
        if self.labels.dtype.kind in "iu" and self._labels_are_range():
            ids = np.asarray(labels)
            if ids.ndim == 1 and ids.dtype.kind in "iu":  # the ids themselves: one check
                bad = (ids < 0) | (ids >= self.n)
                if bad.any():
                    raise InputError(f"{what} {ids[bad][0].item()!r} is not in the graph",
                                     path=path)
                return ids.astype(np.int32)
        out = []
        for lab in labels:
            try:
                out.append(self.index_of(lab))
            except KeyError:
                raise InputError(f"{what} {lab!r} is not in the graph", path=path) from None
        return np.asarray(out, dtype=np.int32)

    def node_ids(self, nodes: Iterable[Any] | np.ndarray, *, labels: bool = True,
                 what: str = "node", path: str | None = None) -> np.ndarray:
        """Internal ids (int32, input order) of ``nodes``: the one resolver of the public API.

        Every function that takes nodes (seeds, APs, inviters) passes them
        through here: labels (the ids the nodes had in the input) by default,
        internal ids ``0..n-1`` with ``labels=False``.  Raises InputError naming
        the first node not in the graph (``what`` names its role).
        """
        if labels:
            return self.indices_of(nodes, what=what, path=path)
        ids = np.asarray(list(nodes) if not isinstance(nodes, np.ndarray) else nodes).ravel()
        if ids.size and ids.dtype.kind not in "iu":
            raise InputError(f"{what} ids must be integers, got {ids.dtype} values", path=path)
        ids = ids.astype(np.int64, copy=False)
        bad = (ids < 0) | (ids >= self.n)
        if bad.any():
            raise InputError(f"{what} id {int(ids[bad][0])} is not in 0..{self.n - 1}", path=path)
        return ids.astype(np.int32)

    def _labels_are_range(self) -> bool:
        if self._labels_range is None:  # labels are read-only: one O(n) look, not one per label
            lab = self.labels
            self._labels_range = lab.shape[0] == self.n and (
                self.n == 0 or (int(lab[0]) == 0 and int(lab[-1]) == self.n - 1
                                and bool(np.all(np.diff(lab) == 1))))
        return self._labels_range

    def label_list(self, ids: Iterable[int]) -> list:
        """Input ids of the given internal ids, as plain Python values."""
        return [self._plain(self.labels[int(i)]) for i in ids]

    # ------------------------------------------------------------ construction
    @classmethod
    def from_arrays(cls, src: Sequence[int] | np.ndarray, dst: Sequence[int] | np.ndarray,
                    prob: Sequence[float] | np.ndarray | None = None, n: int | None = None, *,
                    directed: bool = True, probs: str | Scheme | None = None, seed: int = 1,
                    keep_self_loops: bool = False, merge: str = "ic",
                    labels: np.ndarray | None = None, source: str | None = None,
                    edges_read: int | None = None) -> "Graph":
        """Build a graph from arrays of arc tails ``src`` and heads ``dst`` (ids 0..n-1).

        Parameters
        ----------
        prob : per-arc probabilities read with the data (used by scheme ``given``).
        n : number of nodes (default ``max id + 1``).
        directed : if False every edge becomes two arcs.
        probs : probability scheme (see :mod:`imx.graph.probs`); default ``given``
            when ``prob`` is passed, else ``wc``.
        seed : seed of random schemes.
        keep_self_loops : self loops are dropped unless this is set.
        merge : how duplicate arcs' probabilities combine: ``ic`` (1 - prod(1 - p),
            the chance that at least one copy fires), ``lt`` (sum of weights),
            ``max`` or ``first``.  Structure is always de-duplicated.
        labels : input ids of nodes 0..n-1 (default: the ids themselves).
        """
        if merge not in _MERGE_RULES:
            raise ParameterError(f"merge must be one of {_MERGE_RULES}, got {merge!r}")
        src, dst = np.asarray(src), np.asarray(dst)
        if src.shape != dst.shape or src.ndim != 1:
            raise ParameterError("src and dst must be 1-d arrays of the same length")
        if src.size and (src.dtype.kind not in "iu" or dst.dtype.kind not in "iu"):
            raise ParameterError("src and dst must hold integer node ids")
        src = src.astype(np.int64, copy=False)
        dst = dst.astype(np.int64, copy=False)
        if src.size and (src.min() < 0 or dst.min() < 0):
            raise ParameterError("node ids must be non-negative")
        top = int(max(src.max(), dst.max())) + 1 if src.size else 0
        if n is None:
            n = top if labels is None else len(labels)
        if top > n:
            raise ParameterError(f"node id {top - 1} out of range for n={n}")
        if n >= 2**31 - 1:
            raise ParameterError("graphs with 2**31 or more nodes are not supported")
        p = None
        if prob is not None:
            p = np.asarray(prob, dtype=np.float64)
            if p.shape != src.shape:
                raise ParameterError("prob must have one value per arc")
            bad = ~((p >= 0) & (p <= 1))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ParameterError(f"arc {i}: probability {p[i]!r} is not in [0, 1]")
        edges_read = int(src.size) if edges_read is None else edges_read
        if not keep_self_loops:
            keep = src != dst
            if not keep.all():
                src, dst = src[keep], dst[keep]
                p = None if p is None else p[keep]
        if not directed:
            src, dst = np.concatenate((src, dst)), np.concatenate((dst, src))
            p = None if p is None else np.concatenate((p, p))
        keys = np.asarray(src, dtype=np.int64) * np.int64(max(n, 1)) + dst
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        p = None if p is None else p[order]
        del order, src, dst
        keys, p = _merge_duplicates(keys, p, merge)
        nn = np.int64(max(n, 1))
        tails = (keys // nn).astype(np.int32)
        heads = (keys - tails.astype(np.int64) * nn).astype(np.int32)
        del keys
        out_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(tails, minlength=n), out=out_offsets[1:])
        in_counts = np.bincount(heads, minlength=n)
        scheme = parse_scheme(probs if probs is not None else ("given" if p is not None else "wc"))
        if scheme.name in HEAD_SCHEMES:
            out_probs, head_probs = None, head_probabilities(scheme, in_counts)
        else:
            out_probs = compute_probabilities(scheme, heads, in_counts, given=p, seed=seed)
            head_probs = None
        if labels is None:
            labels = np.arange(n, dtype=np.int64)
        else:
            labels = np.asarray(labels)
            if labels.shape[0] != n:
                raise ParameterError(f"labels has {labels.shape[0]} entries for n={n}")
        if merge == "lt" and scheme.name == "given" and p is not None:
            # merged LT weights must respect the bound before they are clipped to [0, 1]
            sums = np.bincount(heads, weights=p, minlength=n)
            over = np.flatnonzero(sums > 1.0 + _LT_TOLERANCE)
            if over.size:
                v = int(over[0])
                raise ParameterError(
                    f"LT weights into node {cls._plain(labels[v])!r} sum to {sums[v]:.6g} > 1 "
                    f"({over.size} nodes are over)")
        graph = cls._from_out_csr(n, out_offsets, heads, out_probs, head_probs, labels=labels,
                                  directed=directed, scheme=str(scheme), source=source,
                                  edges_read=edges_read, tails=tails, in_counts=in_counts)
        return graph

    @classmethod
    def _from_out_csr(cls, n, out_offsets, out_targets, out_probs, head_probs, *, labels,
                      directed, scheme, source=None, edges_read=None, tails=None,
                      in_counts=None) -> "Graph":
        """The graph of an out-CSR, with per-arc ``out_probs`` or per-node ``head_probs``."""
        if tails is None:
            tails = np.repeat(np.arange(n, dtype=np.int32), np.diff(out_offsets))
        if in_counts is None:
            in_counts = np.bincount(out_targets, minlength=n)
        # Arcs are sorted by (tail, head); a stable sort on head gives (head, tail).
        perm = np.argsort(out_targets, kind="stable")
        in_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(in_counts, out=in_offsets[1:])
        in_sources = tails[perm]
        in_probs = None if out_probs is None else out_probs[perm]
        return cls(n=n, out_offsets=out_offsets, out_targets=out_targets, out_probs=out_probs,
                   in_offsets=in_offsets, in_sources=in_sources, in_probs=in_probs,
                   head_probs=head_probs, labels=labels, directed=directed, scheme=scheme,
                   source=source, edges_read=edges_read)

    @classmethod
    def from_scipy(cls, matrix: Any, *, directed: bool = True, probs: str | Scheme | None = None,
                   seed: int = 1, keep_self_loops: bool = False) -> "Graph":
        """Build from a square SciPy sparse matrix; entry (u, v) is arc u -> v.

        With ``probs='given'`` (the default) the stored values are the probabilities.
        """
        import scipy.sparse as sp

        coo = sp.coo_matrix(matrix)
        if coo.shape[0] != coo.shape[1]:
            raise ParameterError(f"adjacency matrix must be square, got shape {coo.shape}")
        scheme = probs if probs is not None else "given"
        prob = coo.data.astype(np.float64) if parse_scheme(scheme).name == "given" else None
        return cls.from_arrays(coo.row, coo.col, prob, n=coo.shape[0], directed=directed,
                               probs=scheme, seed=seed, keep_self_loops=keep_self_loops)

    @classmethod
    def from_networkx(cls, G: Any, *, weight: str | None = "p", probs: str | Scheme | None = None,
                      seed: int = 1, keep_self_loops: bool = False) -> "Graph":
        """Build from a NetworkX graph; node objects become the labels.

        Arc probabilities come from the edge attribute ``weight`` (scheme
        ``given``) when the edges have it, else from ``probs`` (default ``wc``).
        An explicit ``probs`` other than ``given`` ignores the attribute.

        Raises
        ------
        ParameterError
            Some edges have ``weight`` and others do not (naming one without), or
            a weight is not a probability in [0, 1] (weights such as counts or
            strengths: pass ``probs="wc"`` or another scheme to ignore them, or
            scale them into [0, 1] first).

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.DiGraph([("a", "b", {"p": 0.4}), ("b", "c", {"p": 0.1})])
        >>> g = Graph.from_networkx(G)
        >>> g.to_networkx().edges["a", "b"]
        {'p': 0.4}
        """
        nodes = list(G.nodes())
        index = {u: i for i, u in enumerate(nodes)}
        edges = list(G.edges(data=True))
        src = np.fromiter((index[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
        prob = None
        wants_given = probs is None or parse_scheme(probs).name == "given"
        if weight is not None and wants_given and edges:
            prob = cls._networkx_weights(edges, weight)
        try:
            labels = np.array(nodes)
            if labels.ndim != 1 or labels.dtype.kind not in "iuU":
                raise ValueError
        except ValueError:
            labels = np.empty(len(nodes), dtype=object)
            labels[:] = nodes
        return cls.from_arrays(src, dst, prob, n=len(nodes), directed=G.is_directed(),
                               probs=probs, seed=seed, keep_self_loops=keep_self_loops,
                               labels=labels)

    @staticmethod
    def _networkx_weights(edges: list, weight: str) -> np.ndarray | None:
        """Edge attribute ``weight`` of every edge as probabilities, None if no edge has it."""
        missing = [(u, v) for u, v, d in edges if weight not in d]
        if len(missing) == len(edges):
            return None
        if missing:
            u, v = missing[0]
            raise ParameterError(
                f"edge ({u!r}, {v!r}) has no {weight!r} attribute although "
                f"{len(edges) - len(missing):,} of {len(edges):,} edges have one; give every edge "
                f"a probability, or pass probs='wc' (or another scheme) to ignore {weight!r}")
        try:
            prob = np.array([float(d[weight]) for _, _, d in edges])
        except (TypeError, ValueError):
            u, v, d = next((u, v, d) for u, v, d in edges if not _is_number(d[weight]))
            raise ParameterError(f"edge ({u!r}, {v!r}): {weight!r} is {d[weight]!r}, not a "
                                 "number") from None
        bad = ~((prob >= 0) & (prob <= 1))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            u, v, _ = edges[i]
            raise ParameterError(
                f"edge ({u!r}, {v!r}): {weight!r} is {prob[i]:g}, not a probability in [0, 1] "
                f"(weights up to {np.nanmax(prob):g}); pass probs='wc' (or 'uniform:P', "
                f"'trivalency', ...) to ignore {weight!r}, or scale the weights into [0, 1] "
                "first, e.g. by the largest one")
        return prob

    # -------------------------------------------------------------- conversion
    def arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """(tails, heads) of every arc in out-CSR order."""
        tails = np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.out_offsets))
        return tails, np.asarray(self.out_targets)

    def to_scipy(self) -> Any:
        """The n x n ``scipy.sparse.csr_array`` whose entry (u, v) is p(u, v) (float64)."""
        import scipy.sparse as sp

        return sp.csr_array((self.clean_probs(), np.asarray(self.out_targets),
                             np.asarray(self.out_offsets)), shape=(self.n, self.n))

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph`` with node labels and the probability in attribute ``p``."""
        import networkx as nx

        G = nx.DiGraph()
        labels = self.label_list(range(self.n))
        G.add_nodes_from(labels)
        tails, heads = self.arcs()
        G.add_weighted_edges_from(
            ((labels[u], labels[v], p) for u, v, p in zip(tails.tolist(), heads.tolist(),
                                                          self.clean_probs().tolist())),
            weight="p")
        return G

    def clean_probs(self) -> np.ndarray:
        """Arc probabilities as float64 (out-CSR order) without float32 noise: each is the
        float64 nearest the shortest decimal that reads back to the stored float32
        (0.4, not 0.4000000059604645)."""
        values, codes = np.unique(self.out_probs, return_inverse=True)
        clean = np.array([float(text) for text in values.astype(str).tolist()], dtype=np.float64)
        return clean[codes.reshape(-1)]

    def with_probabilities(self, scheme: str | Scheme, seed: int = 1) -> "Graph":
        """The same structure with probabilities from ``scheme`` (``given`` keeps them)."""
        scheme = parse_scheme(scheme)
        if scheme.name == "given":
            return self
        if scheme.name in HEAD_SCHEMES:
            return Graph(n=self.n, out_offsets=self.out_offsets, out_targets=self.out_targets,
                         in_offsets=self.in_offsets, in_sources=self.in_sources,
                         head_probs=head_probabilities(scheme, self.in_degree),
                         labels=self.labels, directed=self.directed, scheme=str(scheme),
                         source=self.source, edges_read=self.edges_read)
        out_probs = compute_probabilities(scheme, self.out_targets, self.in_degree, seed=seed)
        # the in-CSR stays: only the probabilities are put in its order
        from .._edgelist import in_order_values

        in_probs = in_order_values(self.out_offsets, self.out_targets, out_probs, self.in_offsets)
        return Graph(n=self.n, out_offsets=self.out_offsets, out_targets=self.out_targets,
                     out_probs=out_probs, in_offsets=self.in_offsets, in_sources=self.in_sources,
                     in_probs=in_probs, labels=self.labels, directed=self.directed,
                     scheme=str(scheme), source=self.source, edges_read=self.edges_read)

    def check_lt(self) -> None:
        """Raise ParameterError unless every node's in-weights sum to at most 1 (LT)."""
        if self.head_probs is not None:  # d equal weights: d * w, no m-sized array
            sums = self.in_degree * self.head_probs.astype(np.float64)
        else:
            sums = np.bincount(np.asarray(self.out_targets), minlength=self.n,
                               weights=np.asarray(self._out_probs, dtype=np.float64))
        bad = np.flatnonzero(sums > 1.0 + _LT_TOLERANCE)
        if bad.size:
            v = int(bad[0])
            raise ParameterError(
                f"LT weights of node {self._plain(self.labels[v])!r} sum to {sums[v]:.6g} > 1 "
                f"({bad.size} nodes are over); use --probs wc for LT")

    def info(self) -> dict:
        """Summary statistics (the data of ``imx info``)."""
        outd = self.out_degree
        ind = self.in_degree
        def stats(d):
            if d.size == 0:
                return {"min": 0, "max": 0, "mean": 0.0, "median": 0.0}
            return {"min": int(d.min()), "max": int(d.max()), "mean": float(d.mean()),
                    "median": float(np.median(d))}
        probs = self.out_probs
        return {
            "source": self.source,
            "nodes": self.n,
            "arcs": self.m,
            "edges_read": self.edges_read,
            "directed": self.directed,
            "probabilities": self.scheme,
            "prob_min": float(probs.min()) if probs.size else 0.0,
            "prob_mean": float(probs.mean()) if probs.size else 0.0,
            "prob_max": float(probs.max()) if probs.size else 0.0,
            "out_degree": stats(outd),
            "in_degree": stats(ind),
            "isolated_nodes": int(np.count_nonzero((outd == 0) & (ind == 0))),
            "memory_bytes": self.nbytes,
        }
