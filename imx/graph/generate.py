"""Synthetic graphs for scaling tests: Erdos-Renyi, Barabasi-Albert, Chung-Lu.

The generators build the CSR arrays of a :class:`Graph` directly, in native
kernels that work on blocks of about 250,000 arcs, on several threads
(:func:`imx._pool.parallel_for`), and never hold a Python list of edges.  Every
random draw comes from a counter-based stream (:mod:`imx._rng`) keyed by the
seed and by a node or block number, never by a thread, so a graph depends on
``seed`` only: the same for any thread count.  Between blocks control returns
to Python, so Ctrl-C acts within a fraction of a second.

How ``erdos_renyi`` and ``chung_lu`` place ``m`` distinct arcs (edges when
undirected) without self loops:

1. Each node ``u`` has a weight ``w[u]`` (1 for Erdos-Renyi, ``pareto(exponent)
   + 1`` for Chung-Lu).  An arc ``u -> v`` has probability proportional to
   ``w[u] * w[v]``; an undirected edge ``{u, v}`` (``u < v``) likewise.
2. Out-degrees: ``m`` tails are drawn in proportion to ``w[u] * (W - w[u])``
   (directed; ``W`` the total weight) or ``w[u] * (weight of the nodes after
   u)`` (undirected, the edge is kept by its smaller end), so that tail and
   head together follow step 1.  They are drawn as ``m`` sorted uniforms
   (running sums of exponential variates, block by block) walked through the
   cumulative weights in memory order: an exact multinomial sample without
   random memory access.  A node drawn more often than it has possible heads
   gives the excess back, to be redrawn among nodes with room.
3. Heads: node ``u`` draws its heads from its own stream, in proportion to the
   weights (among the nodes after ``u`` when undirected), redrawing self loops
   and repeated heads until its list holds distinct ones.

Step 3 keeps a node's out-degree from step 2 and redraws its duplicates
locally; the earlier generator (one NumPy stream, every arc key sorted again
after each batch, duplicates dropped and redrawn globally) redrew them
anywhere.  Both give ``m`` distinct
arcs with expected degrees proportional to the weights away from saturation;
they differ only in how the few duplicates are replaced.  The graphs are not
the same as the earlier generator's for the same seed.

``barabasi_albert`` is sequential by nature (each node attaches to the
degrees so far); it runs as one native kernel over chunks of nodes, each node
drawing from its own stream.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from numba import njit

from .. import _validate
from .._pool import parallel_for, resolve_threads
from .._rng import next_below, next_double, stream_start
from ..errors import ParameterError
from .core import Graph
from .probs import HEAD_SCHEMES, Scheme, compute_probabilities, head_probabilities, parse_scheme

__all__ = ["erdos_renyi", "barabasi_albert", "chung_lu", "chung_lu_weights", "ProgressCallback"]

ProgressCallback = Callable[[int, int, str], None]
"""``progress(done, total, label)``: called between blocks of a long generation."""

# Stream families: the top bits of a stream index name what it draws.
_WEIGHT_STREAMS = 1 << 56
_TAIL_STREAMS = 2 << 56
_HEAD_STREAMS = 3 << 56
_BA_STREAMS = 4 << 56
_ROUND_SHIFT = 40  # tail redraw round r uses stream indices r << 40 within its family

_BLOCK_ARCS = 1 << 18  # arcs (or draws) per work item: a few ms of kernel time
_BLOCK_NODES = 1 << 18
_HEAD_DRAWS_PER_ARC = 64  # a node gives up after this many draws per head it needs
_TAIL_ROUNDS = 64


# ----------------------------------------------------------------- kernels
@njit(cache=True, nogil=True)
def _pareto_weights(out, inv_exponent, seed, first, last):
    # pareto(a) + 1 by inversion: (1 - u) ** (-1 / a), one stream per node
    for i in range(first, last):
        state = stream_start(seed, _WEIGHT_STREAMS + i)
        state, u = next_double(state)
        out[i] = (1.0 - u) ** (-inv_exponent)


@njit(cache=True, nogil=True)
def _guide_table(cdf, size):
    """``guide[j]``: the first node whose cumulative range ends past ``j * W / size``."""
    n = cdf.shape[0] - 1
    guide = np.empty(size, dtype=np.int64)
    step = cdf[n] / size
    i = 0
    for j in range(size):
        x = j * step
        while i < n - 1 and cdf[i + 1] <= x:
            i += 1
        guide[j] = i
    return guide


@njit(cache=True, nogil=True, inline="always")
def _pick(cdf, guide, x):
    """The node ``i`` with ``cdf[i] <= x < cdf[i + 1]`` (O(1) expected: guide table)."""
    last = cdf.shape[0] - 2
    j = int(x * (guide.shape[0] / cdf[last + 1]))
    if j >= guide.shape[0]:
        j = guide.shape[0] - 1
    i = guide[j]
    while i < last and cdf[i + 1] <= x:
        i += 1
    return i


@njit(cache=True, nogil=True)
def _exponential_sum(seed, stream, draws):
    """Sum of the ``draws`` Exp(1) variates of stream ``stream``."""
    state = stream_start(seed, stream)
    total = 0.0
    for _ in range(draws):
        state, u = next_double(state)
        total -= math.log1p(-u)
    return total


@njit(cache=True, nogil=True)
def _sorted_draws(counts, cdf, seed, stream, draws, start, scale):
    """Count, per node, sorted uniforms ``(start + E_1 + ... + E_i) * scale`` landing in
    its cdf range, ``E`` the Exp(1) variates of stream ``stream``.

    The uniforms arrive in increasing order, so the node is found by walking
    ``cdf`` forward (memory read in order).  The first node of the block may
    also be the last of the previous one: its count is returned, ``(node,
    count)``, for the caller to add, so that blocks never write the same entry.
    """
    last = cdf.shape[0] - 2
    state = stream_start(seed, stream)
    total = start
    first = -1
    first_count = 0
    i = 0
    for d in range(draws):
        state, u = next_double(state)
        total -= math.log1p(-u)
        x = total * scale
        if d == 0:
            i = min(max(np.searchsorted(cdf, x, side="right") - 1, 0), last)
            first = i
        else:
            while i < last and cdf[i + 1] <= x:
                i += 1
        if i == first:
            first_count += 1
        else:
            counts[i] += 1
    return first, first_count


@njit(cache=True, nogil=True)
def _fill_heads(offsets, heads, cdf, guide, upper, seed, first, last):
    """Distinct heads of nodes ``first..last-1``, sorted; -1, or the node that gave up.

    ``upper``: heads of ``u`` are drawn among nodes ``> u`` (undirected edges
    kept by their smaller end); else among all nodes but ``u``.
    """
    total = cdf[cdf.shape[0] - 1]
    for u in range(first, last):
        begin = offsets[u]
        need = offsets[u + 1] - begin
        if need == 0:
            continue
        state = stream_start(seed, _HEAD_STREAMS + u)
        low = cdf[u + 1] if upper else 0.0
        span = total - low
        budget = _HEAD_DRAWS_PER_ARC * need + 1024
        have = 0
        while have < need:
            for j in range(begin + have, begin + need):
                while True:
                    if budget == 0:
                        return u
                    budget -= 1
                    state, x = next_double(state)
                    v = _pick(cdf, guide, low + x * span)
                    if v > u or (v < u and not upper):
                        break
                heads[j] = v
            row = heads[begin:begin + need]
            row.sort()
            have = 1
            for j in range(1, need):
                if row[j] != row[have - 1]:
                    row[have] = row[j]
                    have += 1
    return -1


@njit(cache=True, nogil=True)
def _ba_attach(heads, pool, k, seed, first, last):
    """Nodes ``first..last-1`` of preferential attachment, in order.

    ``pool`` lists every edge end so far (node ``v`` appears once per edge it
    has), plus the ``k`` seed nodes: a uniform pool entry is a node drawn in
    proportion to its degree.  Node ``v`` writes its ``k`` distinct, sorted
    heads at ``heads[(v - k) * k:]`` and appends its edge ends to the pool.
    """
    for v in range(first, last):
        state = stream_start(seed, _BA_STREAMS + v)
        size = k + 2 * k * (v - k)
        row = heads[(v - k) * k:(v - k + 1) * k]
        c = 0
        while c < k:
            state, r = next_below(state, size)
            t = pool[r]
            dup = False
            for j in range(c):
                if row[j] == t:
                    dup = True
                    break
            if not dup:
                row[c] = t
                c += 1
        for j in range(k):
            pool[size + 2 * j] = row[j]
            pool[size + 2 * j + 1] = v
        row.sort()


@njit(cache=True, nogil=True)
def _scatter(offsets, targets, values, cursor, out_sources, out_values, first, last):
    """Counting-sort step of a CSR transpose: arcs of tails ``first..last-1``.

    Tails are visited in increasing order, so each head's list comes out
    sorted by tail.  ``values`` may be empty (structure only).
    """
    with_values = values.shape[0] > 0
    for u in range(first, last):
        for i in range(offsets[u], offsets[u + 1]):
            v = targets[i]
            pos = cursor[v]
            cursor[v] = pos + 1
            out_sources[pos] = u
            if with_values:
                out_values[pos] = values[i]


@njit(cache=True, nogil=True)
def _merge_halves(before_offsets, before, after_offsets, after, offsets, out, first, last):
    """Row ``u`` of ``out`` = row ``u`` of ``before`` followed by row ``u`` of ``after``."""
    for u in range(first, last):
        pos = offsets[u]
        for i in range(before_offsets[u], before_offsets[u + 1]):
            out[pos] = before[i]
            pos += 1
        for i in range(after_offsets[u], after_offsets[u + 1]):
            out[pos] = after[i]
            pos += 1


# ------------------------------------------------------------- block loops
class _Blocks:
    """Runs kernels over blocks on the pool; reports progress between blocks."""

    def __init__(self, threads: int | None, progress: ProgressCallback | None):
        self.threads = resolve_threads(threads)
        self.progress = progress

    def run(self, label: str, count: int, body: Callable[[int, int], None]) -> None:
        done = [0]

        def step(worker: int, item: int) -> None:
            body(worker, item)
            done[0] += 1
            if self.progress is not None and worker == 0:  # worker 0 is the calling thread
                self.progress(done[0], count, label)

        parallel_for(count, step, self.threads)
        if self.progress is not None:
            self.progress(count, count, label)

    def serial(self, label: str, bounds: np.ndarray, body: Callable[[int, int], None]) -> None:
        """``body(first, last)`` over consecutive ranges, in order, on this thread."""
        count = bounds.shape[0] - 1
        for b in range(count):
            body(int(bounds[b]), int(bounds[b + 1]))
            if self.progress is not None:
                self.progress(b + 1, count, label)


def _row_blocks(offsets: np.ndarray) -> np.ndarray:
    """Node boundaries cutting rows into blocks of about _BLOCK_ARCS arcs (and few nodes)."""
    n = offsets.shape[0] - 1
    by_arcs = np.searchsorted(offsets, np.arange(0, int(offsets[-1]), _BLOCK_ARCS), side="left")
    by_nodes = np.arange(0, n, _BLOCK_NODES)
    return np.unique(np.concatenate((by_arcs, by_nodes, [n]))).astype(np.int64)


def _cumulative(weights: np.ndarray) -> np.ndarray:
    cdf = np.empty(weights.shape[0] + 1, dtype=np.float64)
    cdf[0] = 0.0
    np.cumsum(weights, out=cdf[1:])
    return cdf


def _out_degrees(tail_weights: np.ndarray, room: np.ndarray, m: int, seed: int,
                 blocks: _Blocks) -> np.ndarray:
    """Multinomial(m, tail_weights) out-degrees, capped at ``room``; the excess is redrawn
    among nodes with room left."""
    n = tail_weights.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    weights = tail_weights.copy()
    need = m
    for round_ in range(_TAIL_ROUNDS):
        cdf = _cumulative(weights)
        if not cdf[-1] > 0:
            break
        # The order statistics of `need` uniforms are S_i / S_(need+1), S the running
        # sums of Exp(1) variates: each block sums its own variates, then walks its
        # stretch of sorted uniforms through cdf, starting from the sums before it.
        nblocks = -(-need // _BLOCK_ARCS)
        streams = _TAIL_STREAMS + (round_ << _ROUND_SHIFT) + np.arange(nblocks + 1)
        sizes = np.minimum(_BLOCK_ARCS, need - np.arange(nblocks) * _BLOCK_ARCS)
        sums = np.zeros(nblocks + 1)  # the last: the one variate past the end

        def add_up(worker: int, b: int, streams=streams, sizes=sizes, sums=sums) -> None:
            sums[b] = _exponential_sum(seed, streams[b], sizes[b] if b < len(sizes) else 1)

        blocks.run("tail sums", nblocks + 1, add_up)
        starts = np.concatenate(([0.0], np.cumsum(sums[:-1])))
        scale = cdf[-1] / (starts[-1] + sums[-1])
        firsts = np.zeros((nblocks, 2), dtype=np.int64)

        def body(worker: int, b: int, cdf=cdf, streams=streams, sizes=sizes, starts=starts,
                 scale=scale, firsts=firsts) -> None:
            firsts[b] = _sorted_draws(counts, cdf, seed, streams[b], sizes[b], starts[b],
                                      scale)

        blocks.run("out-degrees", nblocks, body)
        np.add.at(counts, firsts[:, 0], firsts[:, 1])
        over = counts > room
        need = int((counts[over] - room[over]).sum())
        if need == 0:
            return counts
        counts[over] = room[over]
        weights[counts >= room] = 0.0
    raise ParameterError(f"could not place {m} distinct arcs: too many for the room the "
                         "degree sequence leaves (use fewer arcs)")


def _transpose(n: int, offsets: np.ndarray, targets: np.ndarray, values: np.ndarray | None,
               blocks: _Blocks) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """In-CSR of an out-CSR (offsets, sources sorted per head, values moved alike)."""
    in_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n), out=in_offsets[1:])
    sources = np.empty(targets.shape[0], dtype=np.int32)
    moved = np.empty(0 if values is None else targets.shape[0],
                     dtype=np.float32 if values is None else values.dtype)
    values_in = np.empty(0, dtype=moved.dtype) if values is None else values
    cursor = in_offsets[:-1].copy()
    blocks.serial("transpose", _row_blocks(offsets),
                  lambda a, b: _scatter(offsets, targets, values_in, cursor, sources, moved, a, b))
    return in_offsets, sources, (None if values is None else moved)


def _symmetric(n: int, offsets: np.ndarray, heads: np.ndarray, half_is_upper: bool,
               blocks: _Blocks) -> tuple[np.ndarray, np.ndarray]:
    """Out-CSR with both arcs of every edge, from a CSR holding each edge once.

    ``half_is_upper``: every row's heads are above its node (else below); a
    node's full row is then its lower neighbours followed by its upper ones.
    """
    t_offsets, t_sources, _ = _transpose(n, offsets, heads, None, blocks)
    if half_is_upper:
        parts = (t_offsets, t_sources, offsets, heads)
    else:
        parts = (offsets, heads, t_offsets, t_sources)
    sym_offsets = offsets + t_offsets
    out = np.empty(int(sym_offsets[-1]), dtype=np.int32)
    bounds = _row_blocks(sym_offsets)
    blocks.run("symmetrise", bounds.shape[0] - 1,
               lambda w, b: _merge_halves(*parts, sym_offsets, out, bounds[b], bounds[b + 1]))
    return sym_offsets, out


def _graph_from_out_csr(n: int, offsets: np.ndarray, heads: np.ndarray, *, directed: bool,
                        probs: str | Scheme, seed: int, edges: int, blocks: _Blocks) -> Graph:
    scheme = parse_scheme(probs)
    if scheme.name == "given":
        raise ParameterError("generated graphs have no given probabilities; choose a scheme")
    in_degree = np.bincount(heads, minlength=n)
    if scheme.name in HEAD_SCHEMES:  # one value per node, no per-arc arrays
        head_probs, out_probs = head_probabilities(scheme, in_degree), None
    else:  # one random stream in arc order, or weights normalised per head: all at once
        head_probs, out_probs = None, compute_probabilities(scheme, heads, in_degree, seed=seed)
    if blocks.progress is not None:
        blocks.progress(1, 1, "probabilities")
    in_offsets, in_sources, in_probs = _transpose(n, offsets, heads, out_probs, blocks)
    return Graph(n=n, out_offsets=offsets, out_targets=heads, out_probs=out_probs,
                 in_offsets=in_offsets, in_sources=in_sources, in_probs=in_probs,
                 head_probs=head_probs, labels=np.arange(n, dtype=np.int64), directed=directed,
                 scheme=str(scheme), edges_read=edges)


def _weighted_graph(weights: np.ndarray, m: int, *, seed: int, directed: bool,
                    probs: str | Scheme, blocks: _Blocks, what: str) -> Graph:
    """Steps 2 and 3 of the module docstring, then the CSR graph."""
    n = weights.shape[0]
    max_pairs = n * (n - 1) if directed else n * (n - 1) // 2
    if m > max_pairs:
        raise ParameterError(f"cannot place {m} distinct {'arcs' if directed else 'edges'} "
                             f"on {n} nodes")
    if m >= 2**31:
        raise ParameterError("generated graphs hold at most 2**31 - 1 arcs")
    cdf = _cumulative(weights)
    total = cdf[-1]
    if directed:
        tail_weights = weights * (total - weights)
        room = np.full(n, n - 1, dtype=np.int64)
    else:
        tail_weights = weights * (total - cdf[1:])
        tail_weights[-1] = 0.0  # no node after the last (cancels rounding leftovers)
        room = np.arange(n - 1, -1, -1, dtype=np.int64)
    counts = _out_degrees(tail_weights, room, m, seed, blocks)
    del tail_weights, room
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    del counts
    guide = _guide_table(cdf, n)
    heads = np.empty(m, dtype=np.int32)
    bounds = _row_blocks(offsets)
    failed = np.full(bounds.shape[0] - 1, -1, dtype=np.int64)

    def body(worker: int, b: int) -> None:
        failed[b] = _fill_heads(offsets, heads, cdf, guide, not directed, seed,
                                bounds[b], bounds[b + 1])

    blocks.run("heads", bounds.shape[0] - 1, body)
    stuck = failed[failed >= 0]
    if stuck.size:
        u = int(stuck[0])
        raise ParameterError(f"{what}: node {u} could not find {offsets[u + 1] - offsets[u]} "
                             "distinct neighbours; the weights are too concentrated for this "
                             "many arcs (use fewer arcs)")
    del cdf, guide
    if not directed:
        offsets, heads = _symmetric(n, offsets, heads, True, blocks)
    return _graph_from_out_csr(n, offsets, heads, directed=directed, probs=probs, seed=seed,
                               edges=m, blocks=blocks)


# ------------------------------------------------------------------ public
def _sizes(n, m, seed, generator: str, m_name: str = "m") -> tuple[int, int, int]:
    """``n >= 2``, ``m >= 1`` whole numbers and a valid seed; the node ids must fit int32."""
    return (_validate.count(n, f"{generator} n", minimum=2, maximum=2**31 - 1),
            _validate.count(m, f"{generator} {m_name}", minimum=1),
            _validate.seed(seed))


def erdos_renyi(n: int, m: int, *, seed: int = 1, directed: bool = True,
                probs: str | Scheme = "wc", threads: int | None = None,
                progress: ProgressCallback | None = None) -> Graph:
    """A random graph with ``m`` distinct arcs (edges if undirected), no self loops.

    Out-degrees are multinomial(m, 1/n) (capped at n - 1, the excess redrawn);
    each node's heads are distinct and uniform.  This is G(n, m) up to how
    duplicate draws are redrawn (per node here).  The graph depends on ``seed``
    only, not on ``threads``.

    Parameters
    ----------
    n, m : nodes and arcs (edges when ``directed`` is False).
    seed : the random stream family.
    directed : if False, ``m`` undirected edges, stored as ``2 m`` arcs.
    probs : probability scheme of the arcs.
    threads : worker threads (default: all cores).
    progress : ``progress(done, total, label)``, called between blocks.

    Example
    -------
    >>> g = erdos_renyi(100, 500, seed=1)
    >>> g.n, g.m
    (100, 500)
    """
    n, m, seed = _sizes(n, m, seed, "erdos_renyi")
    blocks = _Blocks(threads, progress)
    return _weighted_graph(np.ones(n), m, seed=seed, directed=directed, probs=probs,
                           blocks=blocks, what="erdos_renyi")


def chung_lu(n: int, m: int, *, exponent: float = 2.5, seed: int = 1, directed: bool = True,
             probs: str | Scheme = "wc", threads: int | None = None,
             progress: ProgressCallback | None = None) -> Graph:
    """Chung-Lu graph with heavy-tailed expected degrees: ``m`` distinct arcs, no self loops.

    Node weights are ``pareto(exponent) + 1`` (a Pareto law with minimum 1 and
    tail exponent ``exponent``); arc ``u -> v`` is drawn with probability
    proportional to ``w[u] * w[v]``, so expected out- and in-degrees are
    proportional to the weights (until a node's arcs saturate).  With exponent
    2.5, n = 1e6 and m = 1e7 this mimics LiveJournal-like degree distributions.
    The graph depends on ``seed`` only, not on ``threads``; see the module
    docstring for how duplicates are redrawn.

    Example
    -------
    >>> g = chung_lu(1000, 10000, seed=1)
    >>> g.m, int(g.out_degree.max()) > 50
    (10000, True)
    """
    n, m, seed = _sizes(n, m, seed, "chung_lu")
    blocks = _Blocks(threads, progress)
    weights = _chung_lu_weights(n, exponent, seed, blocks)
    return _weighted_graph(weights, m, seed=seed, directed=directed, probs=probs, blocks=blocks,
                           what="chung_lu")


def chung_lu_weights(n: int, *, exponent: float = 2.5, seed: int = 1,
                     threads: int | None = None) -> np.ndarray:
    """The node weights ``chung_lu(n, m, exponent=exponent, seed=seed)`` draws its arcs with:
    ``pareto(exponent) + 1``, one value per node; a node's expected degree is ``m`` times
    its share of the total weight.

    Example
    -------
    >>> w = chung_lu_weights(5, seed=1)
    >>> w.shape, bool((w >= 1).all())
    ((5,), True)
    """
    n = _validate.count(n, "chung_lu_weights n", minimum=1, maximum=2**31 - 1)
    seed = _validate.seed(seed)
    return _chung_lu_weights(n, exponent, seed, _Blocks(threads, None))


def _chung_lu_weights(n: int, exponent: float, seed: int, blocks: _Blocks) -> np.ndarray:
    if not _validate.positive(exponent, "exponent") > 1:
        raise ParameterError("chung_lu exponent must be > 1")
    weights = np.empty(n, dtype=np.float64)
    bounds = np.unique(np.append(np.arange(0, n, _BLOCK_ARCS), n))
    blocks.run("weights", bounds.shape[0] - 1,
               lambda w, b: _pareto_weights(weights, 1.0 / exponent, seed, bounds[b],
                                            bounds[b + 1]))
    return weights


def barabasi_albert(n: int, k: int, *, seed: int = 1, probs: str | Scheme = "wc",
                    threads: int | None = None, progress: ProgressCallback | None = None) -> Graph:
    """Preferential attachment: each new node links to ``k`` distinct earlier nodes (undirected).

    Nodes ``0..k-1`` start the process; node ``v >= k`` picks ``k`` distinct
    earlier nodes in proportion to their degree (the seed nodes count once
    each at the start), giving ``(n - k) * k`` edges.  The attachment itself
    is sequential; ``threads`` serve building the CSR arrays.

    Example
    -------
    >>> g = barabasi_albert(100, 3, seed=1)
    >>> g.m == 2 * (100 - 3) * 3
    True
    """
    n, k, seed = _sizes(n, k, seed, "barabasi_albert", m_name="k")
    if n <= k:
        raise ParameterError("barabasi_albert needs 1 <= k < n")
    edges = (n - k) * k
    if 2 * edges >= 2**31:
        raise ParameterError("generated graphs hold at most 2**31 - 1 arcs")
    blocks = _Blocks(threads, progress)
    heads = np.empty(edges, dtype=np.int32)
    pool = np.empty(2 * edges + k, dtype=np.int32)
    pool[:k] = np.arange(k)
    step = max(1, _BLOCK_ARCS // k)
    blocks.serial("attach", np.unique(np.append(np.arange(k, n, step), n)),
                  lambda a, b: _ba_attach(heads, pool, k, seed, a, b))
    del pool
    offsets = np.zeros(n + 1, dtype=np.int64)
    offsets[k + 1:] = np.arange(1, n - k + 1, dtype=np.int64) * k
    offsets, heads = _symmetric(n, offsets, heads, False, blocks)
    return _graph_from_out_csr(n, offsets, heads, directed=False, probs=probs, seed=seed,
                               edges=edges, blocks=blocks)
