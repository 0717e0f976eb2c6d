"""Per-node sampling plans: how each node draws its live in-arcs.

A plan is computed once per (graph, model, method) and cached while the graph
lives.  It tells the RR kernels, for every node ``v``, which routine decides
the live in-arcs of ``v``:

IC (each in-arc live independently with its probability)
    ``IC_NONE``    no in-arc can be live (no in-arcs, or all p = 0);
    ``IC_ALL``     every in-arc is live (all p >= 1);
    ``IC_SKIP``    all in-arcs share one p: jump from live arc to live arc with
                   geometric skips, ``floor(ln U / ln(1 - p))`` (SUBSIM, Guo et
                   al. 2020), one draw per live arc instead of one per arc;
                   ``param[v] = 1 / ln(1 - p)``, and ``none[v] = (1 - p)**d``:
                   a first draw U <= none[v] means no live arc at all, known
                   without a logarithm (the same decision the skip would make);
    ``IC_COIN``    one coin per in-arc (few arcs, or large p, where skipping
                   does not pay), against the arc's own p;
    ``IC_COIN_SHARED``  the same where all in-arcs share one p, ``param[v] = p``:
                   the kernel reads no per-arc probability (a graph with
                   ``head_probs`` has none);
    ``IC_SORTED``  skewed probabilities: in-arcs sorted by decreasing p in
                   ``alt_sources``, with p in ``alt_probs`` (float32, the
                   graph's own values) and 1 / ln(1 - p) in ``alt_values``;
                   these arrays hold the arcs of IC_SORTED nodes only, and
                   such a node's first / end positions in ``info`` point
                   into them; geometric skips at rate
                   q = the largest remaining p, each candidate accepted with
                   p / q (thinning), q refreshed after every candidate.  Exact
                   in distribution: every arc is live with its own p,
                   independently.  Under 'auto', a node whose arcs carry a few
                   tied probabilities (trivalency) thins only when its degree
                   beats a cost model of the thinning (_grouped_sorted_cost).
LT (each node picks at most one in-arc, arc (u, v) with weight w(u, v))
    ``LT_NONE``        nothing to pick;
    ``LT_UNIFORM``     all in-weights equal w = ``param[v]``: arc ``floor(U / w)``
                       if below the in-degree, else none;
    ``LT_CUMULATIVE``  general weights: binary search of U in the prefix sums
                       ``alt_values``.

``method='coin'`` forces coins (``IC_COIN`` / ``IC_COIN_SHARED``, IC) or
``LT_CUMULATIVE`` (LT) everywhere, ``'skip'`` forces skips wherever the arcs
allow; both exist for testing that the fast routines draw from the same
distribution.

A graph with ``head_probs`` (every arc into ``v`` has the same p) gives the
same plan as the same graph with per-arc arrays, from its n values: each
routine compares its draws with the same float32 values, so the same sets.
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
from numba import njit

from .._names import DIFFUSION_MODELS
from ..errors import ParameterError

__all__ = ["SamplingPlan", "get_plan", "MODELS", "METHODS", "model_code",
           "IC_NONE", "IC_ALL", "IC_SKIP", "IC_COIN", "IC_SORTED", "IC_COIN_SHARED",
           "LT_NONE", "LT_UNIFORM", "LT_CUMULATIVE"]

MODELS = DIFFUSION_MODELS
METHODS = ("auto", "coin", "skip")

IC_NONE, IC_ALL, IC_SKIP, IC_COIN, IC_SORTED, IC_COIN_SHARED = 0, 1, 2, 3, 4, 5
LT_NONE, LT_UNIFORM, LT_CUMULATIVE = 0, 1, 2

_METHOD_CODE = {"auto": 0, "coin": 1, "skip": 2}

# Skipping costs about one logarithm (~10 ns) per live arc plus one, unless
# no arc is live; a coin costs a hash and a compare (~2 ns).  With few in-arcs
# or a large probability the coins win.
_SKIP_MIN_DEGREE = 4
_SKIP_MAX_PROB = 0.3
# Sorted thinning costs a logarithm and up to two draws per candidate, ~8
# coins' worth.  Its candidates are the live arcs (about the probability sum)
# plus one, plus the rejections where the rate q steps down, about
# ln(pmax / pmin) of them (one per tenfold drop under trivalency's
# {0.1, 0.01, 0.001}, say).  A node with fewer arcs than that many coins
# keeps its coins: on soc-Slashdot0902 with trivalency, thinning every node of
# degree >= 4 drew RR sets 8-16% slower than coins everywhere (bench/tables/sampler.md).
_SORTED_COINS_PER_CANDIDATE = 8.0
# The model is applied only to nodes whose in-arcs carry this few distinct
# probabilities, with a tie (trivalency, a few classes of arcs), where the
# steps are few and known; with continuous probabilities (exp, weibull, the
# hetero willingness) nodes of degree >= 4 keep thinning as before, so their
# answers for a seed stay.
_GROUPED_MAX_DISTINCT = 4


def model_code(model: str) -> int:
    """0 for ``'ic'``, 1 for ``'lt'``; ParameterError otherwise."""
    if model == "ic" or model == "lt":  # already canonical (every call of a sampling round)
        return 0 if model == "ic" else 1
    key = str(model).lower()
    if key not in MODELS:
        raise ParameterError(f"model must be 'ic' or 'lt', got {model!r}")
    return MODELS.index(key)


@dataclass(frozen=True)
class SamplingPlan:
    """Per-node routine codes and parameters for one graph and model.

    ``info`` packs, for node ``v``, four 64-bit words at ``4 v``: first in-arc,
    ``(end of the in-arcs) << 4 | routine code``, the routine's float
    parameter and the probability that no in-arc is live (IC_SKIP), the last
    two as bits: read them through ``info_float``, a float64 view of the same
    memory.
    One 32-byte record per node means one cache miss per visited node instead
    of one per array.  ``alt_sources`` and ``alt_probs`` (IC: one per arc of
    the IC_SORTED nodes, whose records point into them) and ``alt_values``
    (IC: one per such arc; LT: one per arc, in-CSR positions) exist when some
    node needs them, else they have length 0.
    """

    model: int
    method: str
    info: np.ndarray         # int64[4 n]
    alt_sources: np.ndarray  # int32[arcs of IC_SORTED nodes] or empty
    alt_values: np.ndarray   # float64[those] (IC: 1 / ln(1 - p)) / [m] (LT) or empty
    alt_probs: np.ndarray    # float32[those] (IC: p) or empty

    @property
    def info_float(self) -> np.ndarray:
        return self.info.view(np.float64)

    @property
    def mode(self) -> np.ndarray:
        """Routine code of every node (int8[n])."""
        return (self.info[1::4] & 15).astype(np.int8)

    @property
    def param(self) -> np.ndarray:
        """Routine parameter of every node (float64[n])."""
        return self.info_float[2::4].copy()

    @property
    def nbytes(self) -> int:
        return int(self.info.nbytes + self.alt_sources.nbytes + self.alt_values.nbytes
                   + self.alt_probs.nbytes)


def _pack(in_offsets: np.ndarray, mode: np.ndarray, param: np.ndarray,
          none: np.ndarray, sorted_first: np.ndarray | None = None) -> np.ndarray:
    n = mode.shape[0]
    info = np.empty(4 * n, dtype=np.int64)
    first = in_offsets[:-1]
    end = in_offsets[1:]
    if sorted_first is not None:
        # IC_SORTED nodes read only the alt arrays, which hold their arcs alone
        at = np.flatnonzero(mode == IC_SORTED)
        first = first.copy()
        end = end.copy()
        first[at] = sorted_first
        end[at] = sorted_first + (in_offsets[at + 1] - in_offsets[at])
    info[0::4] = first
    info[1::4] = (end << 4) | mode.astype(np.int64)
    info.view(np.float64)[2::4] = param
    info.view(np.float64)[3::4] = none
    return info


def _segments(in_offsets: np.ndarray, values: np.ndarray, head_values: np.ndarray):
    """Per node with in-arcs: (mask of such nodes, degree, min, max of ``values``).

    Vectorised over all arcs (``reduceat``), so a plan costs time in
    proportion to the graph and no kernel has to be loaded to build it.
    With per-node ``head_values`` (``values`` empty) min = max = that value.
    """
    degree = np.diff(in_offsets)
    has = degree > 0
    if head_values.shape[0]:
        return has, degree[has], head_values[has], head_values[has]
    starts = in_offsets[:-1][has]
    if starts.shape[0] == 0:
        empty = np.zeros(0, dtype=values.dtype)
        return has, degree[has], empty, empty
    return has, degree[has], np.minimum.reduceat(values, starts), \
        np.maximum.reduceat(values, starts)


def _ic_modes(in_offsets: np.ndarray, in_probs: np.ndarray, head_probs: np.ndarray,
              method: int):
    """Routine code, its parameter (1 / ln(1 - p) or the shared p) and P(no live
    in-arc) of every node (IC)."""
    n = in_offsets.shape[0] - 1
    mode = np.zeros(n, dtype=np.int8)  # IC_NONE
    param = np.zeros(n, dtype=np.float64)
    none = np.zeros(n, dtype=np.float64)
    has, degree, pmin, pmax = _segments(in_offsets, in_probs, head_probs)
    uniform = pmin == pmax
    p0 = pmax.astype(np.float64)  # the common p where uniform
    many = degree >= _SKIP_MIN_DEGREE
    if method == 1:
        skip = np.zeros_like(uniform)
        sorted_ = skip
    elif method == 2:
        skip = uniform
        sorted_ = ~uniform
    else:
        skip = uniform & many & (p0 <= _SKIP_MAX_PROB)
        sorted_ = ~uniform & many
        at = np.flatnonzero(sorted_)
        if at.shape[0]:
            sorted_[at] = degree[at] > _grouped_sorted_cost(
                in_offsets, in_probs, np.flatnonzero(has)[at], _GROUPED_MAX_DISTINCT,
                _SORTED_COINS_PER_CANDIDATE)
    sub = np.select([pmax <= 0.0, uniform & (p0 >= 1.0), skip, sorted_, uniform],
                    [IC_NONE, IC_ALL, IC_SKIP, IC_SORTED, IC_COIN_SHARED],
                    IC_COIN).astype(np.int8)
    mode[has] = sub
    shared = sub == IC_COIN_SHARED
    param[np.flatnonzero(has)[shared]] = p0[shared]
    at = np.flatnonzero(has)[sub == IC_SKIP]
    lq = np.log1p(-p0[sub == IC_SKIP])
    param[at] = 1.0 / lq
    none[at] = np.exp(lq * degree[sub == IC_SKIP])
    return mode, param, none


@njit(cache=True, nogil=True)
def _grouped_sorted_cost(in_offsets, in_probs, nodes, limit, coins_per_candidate):
    """Expected work of sorted thinning, in coins, at each node of ``nodes``
    whose in-arcs carry at most ``limit`` distinct probabilities, two arcs at
    least sharing one; 0 at the others (they keep thinning).  Candidates:
    1 + sum of p (the live arcs) + ln(pmax / least positive p) (the rejections
    where the rate steps down; arcs with p = 0 sort last and end the scan)."""
    cost = np.zeros(nodes.shape[0], dtype=np.float64)
    seen = np.empty(limit, dtype=np.float64)
    for k in range(nodes.shape[0]):
        v = nodes[k]
        count = 0
        live = 0.0
        for i in range(in_offsets[v], in_offsets[v + 1]):
            p = np.float64(in_probs[i])
            live += p
            new = True
            for j in range(count):
                if seen[j] == p:
                    new = False
                    break
            if new:
                if count == limit:
                    count = limit + 1
                    break
                seen[count] = p
                count += 1
        if count > limit or count == in_offsets[v + 1] - in_offsets[v]:
            continue  # not grouped: no two arcs share a value
        most = 0.0
        least = np.inf
        for j in range(count):
            most = max(most, seen[j])
            if 0.0 < seen[j] < least:
                least = seen[j]
        if most <= 0.0:
            continue
        cost[k] = coins_per_candidate * (1.0 + live + math.log(most / least))
    return cost


#: Arcs sorted per chunk of nodes while building IC_SORTED's arrays: the sort's
#: temporaries (about 40 bytes per arc) then stay a few MiB on any graph.
_SORT_CHUNK_ARCS = 1 << 16


def _sorted_arcs(in_offsets, in_sources, in_probs, nodes):
    """In-arcs of ``nodes`` (ascending), node after node, each node's by
    decreasing probability (ties: by source): their sources, p (float32) and
    1 / ln(1 - p), and where each node's arcs start.  Only these nodes' arcs
    are kept: on soc-Slashdot0902 with trivalency 45% of the arcs, 5.6 MiB
    instead of 16.6.  Vectorised: a lexsort per chunk of about 65,536 arcs."""
    starts = in_offsets[nodes]
    lengths = in_offsets[nodes + 1] - starts
    first = np.zeros(nodes.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=first[1:])
    total = int(first[-1])
    alt_sources = np.empty(total, dtype=np.int32)
    alt_probs = np.empty(total, dtype=np.float32)
    alt_values = np.zeros(total, dtype=np.float64)
    in_sources = np.asarray(in_sources)
    in_probs = np.asarray(in_probs)
    lo = 0
    while lo < nodes.shape[0]:
        # whole nodes up to the chunk's arc count (at least one node)
        hi = max(lo + 1, int(np.searchsorted(first, first[lo] + _SORT_CHUNK_ARCS, "right")) - 1)
        hi = min(hi, nodes.shape[0])
        a, b = int(first[lo]), int(first[hi])
        arcs = np.arange(a, b, dtype=np.int64) + np.repeat(starts[lo:hi] - first[lo:hi],
                                                           lengths[lo:hi])
        heads = np.repeat(np.arange(hi - lo, dtype=np.int32), lengths[lo:hi])
        probs = in_probs[arcs]
        order = np.lexsort((-probs, heads))  # stable: equal p keep the in-CSR (source) order
        alt_sources[a:b] = in_sources[arcs[order]]
        alt_probs[a:b] = probs[order]
        p = alt_probs[a:b].astype(np.float64)
        inner = (p > 0.0) & (p < 1.0)
        alt_values[a:b][inner] = 1.0 / np.log1p(-p[inner])
        lo = hi
    return alt_sources, alt_probs, alt_values, first[:-1]


def _lt_modes(in_offsets: np.ndarray, in_probs: np.ndarray, head_probs: np.ndarray,
              method: int):
    """Routine code and uniform weight of every node (LT); weights are >= 0 (check_lt)."""
    n = in_offsets.shape[0] - 1
    mode = np.zeros(n, dtype=np.int8)  # LT_NONE
    param = np.zeros(n, dtype=np.float64)
    has, _degree, wmin, wmax = _segments(in_offsets, in_probs, head_probs)
    uniform = (wmin == wmax) & (method != 1)
    sub = np.select([wmax <= 0.0, uniform], [LT_NONE, LT_UNIFORM], LT_CUMULATIVE)
    mode[has] = sub
    at = np.flatnonzero(has)[sub == LT_UNIFORM]
    param[at] = wmax[sub == LT_UNIFORM].astype(np.float64)
    return mode, param, np.zeros(n, dtype=np.float64)


# Per-node running sums in float64, in arc order: a numba loop keeps the exact
# rounding of the sampling kernels' comparisons; only LT with unequal weights
# needs it, so only those runs load it.
@njit(cache=True, nogil=True)
def _lt_cumulative(in_offsets, in_probs, mode):
    m = in_probs.shape[0]
    n = in_offsets.shape[0] - 1
    cum = np.zeros(m, dtype=np.float64)
    for v in range(n):
        if mode[v] != LT_CUMULATIVE:
            continue
        acc = 0.0
        for i in range(in_offsets[v], in_offsets[v + 1]):
            acc += np.float64(in_probs[i])
            cum[i] = acc
    return cum


def build_plan(graph, model: str = "ic", method: str = "auto") -> SamplingPlan:
    """Compute the sampling plan of ``graph`` (see the module docstring)."""
    code = model_code(model)
    if method not in METHODS:
        raise ParameterError(f"sampling method must be one of {METHODS}, got {method!r}")
    in_offsets = np.asarray(graph.in_offsets)
    in_probs, head_probs = graph.kernel_probs("in")
    empty_i = np.zeros(0, dtype=np.int32)
    empty_f = np.zeros(0, dtype=np.float64)
    alt_probs = np.zeros(0, dtype=np.float32)
    if code == 0:
        # per-node probabilities make every node uniform: no IC_COIN, no IC_SORTED, so the
        # kernels never read the (empty) per-arc array
        mode, param, none = _ic_modes(in_offsets, in_probs, head_probs, _METHOD_CODE[method])
        sorted_nodes = np.flatnonzero(mode == IC_SORTED)
        if sorted_nodes.shape[0]:
            alt_sources, alt_probs, alt_values, sorted_first = _sorted_arcs(
                in_offsets, np.asarray(graph.in_sources), in_probs, sorted_nodes)
        else:
            alt_sources, alt_values, sorted_first = empty_i, empty_f, None
    else:
        graph.check_lt()
        mode, param, none = _lt_modes(in_offsets, in_probs, head_probs, _METHOD_CODE[method])
        alt_sources = empty_i
        # prefix sums need a value per arc: built here for per-node graphs ('coin' only)
        alt_values = (_lt_cumulative(in_offsets, graph.in_probs, mode)
                      if np.any(mode == LT_CUMULATIVE) else empty_f)
    info = _pack(in_offsets, mode, param, none, sorted_first if code == 0 else None)
    for arr in (info, alt_sources, alt_values, alt_probs):
        arr.setflags(write=False)
    return SamplingPlan(code, method, info, alt_sources, alt_values, alt_probs)


# (id of graph, model, method) -> (weakref to graph, plan).
# Plans hold no reference to the graph, so a dropped graph frees its entry.
_CACHE: dict[tuple[int, int, str], tuple[weakref.ref, SamplingPlan]] = {}


def get_plan(graph, model: str = "ic", method: str = "auto") -> SamplingPlan:
    """The cached plan of ``graph`` for ``model`` and ``method`` (built on first use)."""
    code = model_code(model)
    key = (id(graph), code, method)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is graph:
        return hit[1]
    plan = build_plan(graph, MODELS[code], method)

    def _drop(_ref, key=key):
        _CACHE.pop(key, None)

    _CACHE[key] = (weakref.ref(graph, _drop), plan)
    return plan
