"""Synthetic graphs for scaling tests: Erdos-Renyi, Barabasi-Albert, Chung-Lu.

All generators are seeded (``numpy.random.Generator(PCG64(seed))``) and return
exactly the requested number of distinct arcs (no self loops, no duplicates)
where the model allows it.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .. import _validate
from ..errors import ParameterError
from .core import Graph
from .probs import Scheme

__all__ = ["erdos_renyi", "barabasi_albert", "chung_lu"]


def _distinct_arcs(n: int, m: int, draw, directed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Draw batches of candidate arcs with ``draw(count)`` until ``m`` distinct ones exist."""
    max_pairs = n * (n - 1) if directed else n * (n - 1) // 2
    if m > max_pairs:
        raise ParameterError(f"cannot place {m} distinct edges on {n} nodes")
    keys = np.empty(0, dtype=np.int64)
    order = np.empty(0, dtype=np.int64)
    need = m
    drawn = 0
    for _ in range(64):
        u, v = draw(int(need * 1.05) + 16)
        keep = u != v
        u, v = u[keep].astype(np.int64), v[keep].astype(np.int64)
        if not directed:
            u, v = np.minimum(u, v), np.maximum(u, v)
        keys = np.concatenate((keys, u * n + v))
        order = np.concatenate((order, drawn + np.arange(u.size, dtype=np.int64)))
        drawn += u.size
        uniq, first = np.unique(keys, return_index=True)
        keys, order = uniq, order[first]
        if keys.size >= m:
            break
        need = m - keys.size
    else:
        raise ParameterError(f"could not draw {m} distinct edges; the degree sequence is too "
                             "concentrated for this many edges")
    # keep the m arcs drawn first, so the result does not depend on batch sizes
    chosen = keys[np.argsort(order, kind="stable")[:m]]
    return chosen // n, chosen % n


def _sizes(n, m, seed, generator: str, m_name: str = "m") -> tuple[int, int, int]:
    """``n >= 2``, ``m >= 1`` whole numbers and a valid seed; the node ids must fit int32."""
    return (_validate.count(n, f"{generator} n", minimum=2, maximum=2**31 - 1),
            _validate.count(m, f"{generator} {m_name}", minimum=1),
            _validate.seed(seed))


def erdos_renyi(n: int, m: int, *, seed: int = 1, directed: bool = True,
                probs: str | Scheme = "wc") -> Graph:
    """G(n, m): ``m`` distinct arcs (edges if undirected) chosen uniformly at random."""
    n, m, seed = _sizes(n, m, seed, "erdos_renyi")
    rng = np.random.Generator(np.random.PCG64(seed))
    src, dst = _distinct_arcs(n, m, lambda c: (rng.integers(0, n, c), rng.integers(0, n, c)),
                              directed)
    return Graph.from_arrays(src, dst, n=n, directed=directed, probs=probs, seed=seed)


@njit(cache=True)
def _ba_edges(n, k, seed):
    np.random.seed(seed)
    m = (n - k) * k
    src = np.empty(m, dtype=np.int64)
    dst = np.empty(m, dtype=np.int64)
    pool = np.empty(2 * m + k, dtype=np.int64)
    pool_size = 0
    for i in range(k):
        pool[pool_size] = i
        pool_size += 1
    e = 0
    chosen = np.empty(k, dtype=np.int64)
    for v in range(k, n):
        c = 0
        while c < k:
            t = pool[np.random.randint(0, pool_size)]
            dup = False
            for j in range(c):
                if chosen[j] == t:
                    dup = True
                    break
            if not dup:
                chosen[c] = t
                c += 1
        for j in range(k):
            src[e] = v
            dst[e] = chosen[j]
            e += 1
            pool[pool_size] = chosen[j]
            pool[pool_size + 1] = v
            pool_size += 2
    return src, dst


def barabasi_albert(n: int, k: int, *, seed: int = 1, probs: str | Scheme = "wc") -> Graph:
    """Preferential attachment: each new node links to ``k`` distinct earlier nodes (undirected)."""
    n, k, seed = _sizes(n, k, seed, "barabasi_albert", m_name="k")
    if n <= k:
        raise ParameterError("barabasi_albert needs 1 <= k < n")
    src, dst = _ba_edges(n, k, seed)
    return Graph.from_arrays(src, dst, n=n, directed=False, probs=probs, seed=seed)


def chung_lu(n: int, m: int, *, exponent: float = 2.5, seed: int = 1, directed: bool = True,
             probs: str | Scheme = "wc") -> Graph:
    """Chung-Lu graph with heavy-tailed expected degrees.

    Node weights are ``pareto(exponent) + 1`` (a Pareto law with minimum 1);
    each arc's endpoints are drawn independently in proportion to the weights,
    until ``m`` distinct arcs exist.  With exponent 2.5, n = 1e6 and m = 1e7 this
    mimics LiveJournal-like degree distributions.
    """
    n, m, seed = _sizes(n, m, seed, "chung_lu")
    if not _validate.positive(exponent, "exponent") > 1:
        raise ParameterError("chung_lu exponent must be > 1")
    rng = np.random.Generator(np.random.PCG64(seed))
    weights = rng.pareto(exponent, size=n) + 1.0
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]

    def draw(count):
        u = np.searchsorted(cdf, rng.random(count), side="right")
        v = np.searchsorted(cdf, rng.random(count), side="right")
        return np.minimum(u, n - 1), np.minimum(v, n - 1)

    src, dst = _distinct_arcs(n, m, draw, directed)
    return Graph.from_arrays(src, dst, n=n, directed=directed, probs=probs, seed=seed)
