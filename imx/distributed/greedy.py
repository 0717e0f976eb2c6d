"""The exact greedy over sharded RR sets, with few round trips and little traffic.

The coordinator holds, per node, a *stale* count: an upper bound of its
marginal coverage (exact after sampling, when it is the summed per-shard
node counts; marginal counts only fall as seeds are added).  It sends the
seeds chosen so far and the top-T candidates by stale count; each worker
covers the sets those seeds meet and returns, for every candidate, the ids
of its uncovered sets that hold it.  With those lists the coordinator runs
greedy steps itself, exactly, as long as the picks provably stay among the
candidates: the best candidate (key ``(count, -id)``: ties to the smaller
id, as :func:`imx.solvers.coverage.greedy_kernel`) must beat the (T+1)-th
stale key, and for OPIM's upper bound the k-th largest candidate count must
be at least the (T+1)-th stale count (then the sum of the k largest marginal
counts is exact).  When that fails the candidates' counts, now exact, become
their stale counts and the next batch is fetched (T widens if a batch
settled nothing).  So the seeds, gains and prefix bounds are those of
:func:`imx.solvers.coverage.greedy_max_coverage` on the union of the
shards, in a few round trips instead of one (or more) per seed, and the
bytes are the candidates' set lists instead of the n counts per worker and
step that a dense per-step reduce (the MPI way) moves.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import ParameterError
from ..solvers.bounds import APPROX_GREEDY
from ..solvers.coverage import GreedyCoverage, allowed_mask

__all__ = ["GreedyTraffic", "exact_greedy", "first_width"]

_LOW32 = np.int64(0xFFFFFFFF)
_WIDEN = 4


@dataclass
class GreedyTraffic:
    """Network cost of one distributed greedy, and of a dense per-step reduce of it."""

    round_trips: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    count_bytes: int = 0
    dense_reduce_bytes: int = 0
    widenings: int = 0

    @property
    def bytes_moved(self) -> int:
        return self.bytes_sent + self.bytes_received + self.count_bytes

    def add(self, other: "GreedyTraffic") -> None:
        for name in ("round_trips", "bytes_sent", "bytes_received", "count_bytes",
                     "dense_reduce_bytes", "widenings"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict:
        return {"greedy_round_trips": self.round_trips,
                "greedy_bytes": self.bytes_moved,
                "greedy_count_bytes": self.count_bytes,
                "greedy_widenings": self.widenings,
                "dense_reduce_bytes": self.dense_reduce_bytes,
                "greedy_traffic_share": (self.bytes_moved / self.dense_reduce_bytes
                                         if self.dense_reduce_bytes else None)}


def first_width(k: int) -> tuple[int, int]:
    """Candidates of a first batch: ``(with set lists, with counts only)``.  The
    lists (what the picks are made from) cost their length; the counts (4 bytes
    each) tighten the bound every node outside the lists must stay under.  Measured
    on Chung-Lu 1e6/1e7 (k = 50): twice these widths take 7 -> 5 batches per greedy
    for a third more list bytes."""
    return max(4 * int(k), 128), max(128 * int(k), 8192)


def _keys(stale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``((count + shift) << 32) | (2**32 - 1 - id)``; -1 for nodes out of the race."""
    ids = np.arange(stale.shape[0], dtype=np.int64)
    keys = ((stale.astype(np.int64) + shift) << 32) | (_LOW32 - ids)
    keys[stale < 0] = -1
    return keys


def _top(keys: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest keys, largest first (keys are distinct)."""
    live = int(np.count_nonzero(keys >= 0))
    count = min(count, live)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if count < keys.shape[0]:
        part = np.argpartition(keys, keys.shape[0] - count)[keys.shape[0] - count:]
    else:
        part = np.arange(keys.shape[0])
    return part[np.argsort(keys[part])[::-1]].astype(np.int64)


class _Ranking:
    """The stale counts' keys (:func:`_keys`) of all nodes, the largest kept in a pool.

    Every change a greedy makes is to candidates, which come from the top of
    the pool, so the largest key and the largest count outside the pool stay
    what they were when the pool was drawn; while enough pool keys lie above
    that key, the top of the pool is the top of all.  A batch then costs the
    pool's size, not n (the pool is drawn again, bigger, when it runs short).
    """

    def __init__(self, stale: np.ndarray, shift: np.ndarray):
        self.stale = stale
        self.shift = shift
        self.keys = _keys(stale, shift)
        self.pool = np.zeros(0, dtype=np.int64)
        self.outside_key = int(self.keys.max(initial=-1))
        self.outside_count = int(stale.max(initial=-1))

    def set(self, nodes: np.ndarray, values) -> None:
        """``stale[nodes] = values``, keys along."""
        values = np.broadcast_to(np.asarray(values, dtype=np.int64), nodes.shape)
        self.stale[nodes] = values
        self.keys[nodes] = np.where(values >= 0, ((values + self.shift[nodes]) << 32)
                                    | (_LOW32 - nodes), -1)

    def _draw(self, size: int) -> None:
        self.pool = _top(self.keys, min(size, self.keys.shape[0]))
        keys, stale = self.keys.copy(), self.stale.copy()
        keys[self.pool] = -1
        stale[self.pool] = -1
        self.outside_key = int(keys.max(initial=-1))
        self.outside_count = int(stale.max(initial=-1))

    def top(self, count: int) -> np.ndarray:
        """The ``count`` nodes of largest key (live ones only), largest first."""
        while True:
            pool_keys = self.keys[self.pool]
            if self.outside_key < 0 or np.count_nonzero(pool_keys > self.outside_key) >= count:
                return self.pool[_top(pool_keys, count)]
            self._draw(max(4 * count, 2 * self.pool.shape[0], 1024))

    def best_outside(self, excluded: np.ndarray) -> tuple[int, int]:
        """The largest key and the largest count of a live node not in ``excluded``
        (pool nodes); -1 and -1 if none lives."""
        saved = self.keys[excluded].copy()
        self.keys[excluded] = -1
        pool_keys = self.keys[self.pool]
        self.keys[excluded] = saved
        live = self.pool[pool_keys >= 0]
        return (max(int(pool_keys.max(initial=-1)), self.outside_key),
                max(int(self.stale[live].max(initial=-1)), self.outside_count))


class _Batch:
    """The uncovered sets holding each of the candidates ``C``, merged over the
    shard groups: enough to run greedy steps exactly while the picks stay in C."""

    def __init__(self, nodes: np.ndarray, parts):
        m = nodes.shape[0]
        self.nodes = nodes
        entry_node, entry_set = [], []
        sets = 0
        for offsets, ids, total in parts:  # a group's set ids are below its total
            lens = np.diff(offsets)
            entry_node.append(np.repeat(np.arange(m, dtype=np.int64), lens))
            entry_set.append(ids.astype(np.int64) + sets)
            sets += int(total)
        node = np.concatenate(entry_node) if entry_node else np.zeros(0, np.int64)
        owner = np.concatenate(entry_set) if entry_set else np.zeros(0, np.int64)
        self.gain = np.bincount(node, minlength=m).astype(np.int64)
        by_node = np.argsort(node, kind="stable")
        self.node_offsets = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(self.gain, out=self.node_offsets[1:])
        self.node_sets = owner[by_node]
        by_set = np.argsort(owner, kind="stable")
        self.set_offsets = np.zeros(sets + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=sets), out=self.set_offsets[1:])
        self.set_nodes = node[by_set]
        self.covered = np.zeros(sets, dtype=bool)

    def cover(self, i: int) -> None:
        """Add candidate ``i`` to the seeds: its sets are covered, gains fall."""
        mine = self.node_sets[self.node_offsets[i]:self.node_offsets[i + 1]]
        fresh = mine[~self.covered[mine]]
        self.covered[fresh] = True
        starts = self.set_offsets[fresh]
        lens = self.set_offsets[fresh + 1] - starts
        total = int(lens.sum())
        if not total:
            return
        # every entry of the fresh sets, without a Python loop per set
        positions = np.arange(total) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
        self.gain -= np.bincount(self.set_nodes[positions], minlength=self.gain.shape[0])


def exact_greedy(counts: np.ndarray, k: int,
                 fetch: Callable[[np.ndarray, np.ndarray, np.ndarray], list],
                 candidates=None, *, bounds: bool = True, workers: int = 1,
                 width: tuple[int, int] | None = None, traffic: GreedyTraffic | None = None,
                 rooted: np.ndarray | None = None) -> GreedyCoverage:
    """Greedy max coverage from summed counts and batches of candidate set lists.

    Parameters
    ----------
    counts : int array [n]
        How many sets hold each node, summed over the shards.
    k : int
    fetch : callable
        ``fetch(seeds, nodes, more)`` -> one ``(offsets, set_ids, counts, total)``
        per shard group: CSR of the sets of that group not covered by ``seeds``
        that hold each of ``nodes`` (set ids ``0 .. total - 1`` within a group),
        and the number of such sets for each of ``more``.
    candidates : optional
        As for :func:`imx.solvers.coverage.greedy_max_coverage`.
    bounds : bool
        Also compute the prefix upper bounds.
    workers : int
        Shard groups a fetch goes to (for the traffic figures).
    width : (int, int), optional
        Candidates of a batch with lists and with counts (default
        :func:`first_width`; widened when a batch settles nothing).
    traffic : GreedyTraffic, optional
        Filled in with round trips and bytes.
    rooted : int array [n], optional
        Sets rooted at each node: pick by the rooted score of
        :func:`imx.solvers.coverage.greedy_max_coverage` (count - rooted).

    Returns
    -------
    GreedyCoverage
        Equal to ``greedy_max_coverage`` on the union of the shards.

    A batch runs greedy steps on the candidates' lists as long as the best
    candidate beats every stale count outside the batch (and, for the bounds,
    the k-th largest candidate count is at least that stale count); then the
    candidates' exact counts become their stale counts and the next batch
    is fetched with the seeds chosen so far.
    """
    k = int(k)
    if k < 1:
        raise ParameterError(f"k must be at least 1, got {k}")
    n = int(counts.shape[0])
    traffic = GreedyTraffic() if traffic is None else traffic
    allowed = allowed_mask(n, candidates)
    stale = counts.astype(np.int64).copy()
    # keys rank by score = count + shift (shift = max(rooted) - rooted >= 0)
    shift = np.zeros(n, dtype=np.int64) if rooted is None else \
        int(np.max(rooted, initial=0)) - np.asarray(rooted, dtype=np.int64)
    if allowed.size:
        stale[allowed == 0] = -1
    live = int(np.count_nonzero(stale >= 0))
    kk = min(k, live)
    lists, more = first_width(k) if width is None else (max(1, int(width[0])),
                                                         max(0, int(width[1])))
    seeds: list[int] = []
    gains = np.zeros(kk, dtype=np.int64)
    prefix_upper = np.zeros(kk + 1 if bounds else 0, dtype=np.int64)
    cov = 0
    step = 0
    last = kk + 1 if bounds else kk  # steps to settle (the last one: bounds only)
    ranking = _Ranking(stale, shift)
    while step < last:
        order = ranking.top(lists + more)
        batch_nodes, counted = order[:lists], order[lists:]
        parts = fetch(np.asarray(seeds, dtype=np.int32), batch_nodes.astype(np.int32),
                      counted.astype(np.int32))
        traffic.round_trips += 1
        traffic.bytes_sent += workers * 4 * (len(seeds) + order.shape[0])
        traffic.bytes_received += sum(int(o.nbytes + i.nbytes + c.nbytes) + 8
                                      for o, i, c, _ in parts)
        if counted.shape[0]:
            ranking.set(counted, np.sum([c for _, _, c, _ in parts], axis=0, dtype=np.int64))
        batch = _Batch(batch_nodes, [(o, i, t) for o, i, _, t in parts])
        # the best any node outside the lists can do from here on: its key (for
        # the picks) and its count (for the bounds)
        outside_key, outside = ranking.best_outside(batch_nodes)
        rest = outside_key >= 0  # some node outside the lists is still in the race
        open_ = np.ones(batch_nodes.shape[0], dtype=bool)  # not chosen yet
        settled = step
        while step < last:
            if bounds:
                ranked = np.sort(batch.gain)[::-1]
                if rest and (ranked.shape[0] < k or ranked[k - 1] < outside):
                    break
                top_sum = int(ranked[:k].sum())
            if step < kk:
                batch_keys = np.where(open_, ((batch.gain + shift[batch_nodes]) << 32)
                                      | (_LOW32 - batch_nodes), -1)
                best = int(np.argmax(batch_keys))
                if rest and batch_keys[best] <= outside_key:
                    break
            if bounds:
                prefix_upper[step] = cov + top_sum
            if step == kk:
                step += 1
                break
            s = int(batch_nodes[best])
            seeds.append(s)
            gains[step] = batch.gain[best]
            cov += int(batch.gain[best])
            ranking.set(np.array([s], dtype=np.int64), -1)
            open_[best] = False
            batch.cover(best)
            step += 1
        # exact for the seeds so far, hence upper bounds from here on
        ranking.set(batch_nodes[open_], batch.gain[open_])
        if step == settled:
            traffic.widenings += 1
            lists, more = lists * _WIDEN, more * _WIDEN
    # one dense reduce of n counts per step: what an MPI-style greedy moves
    traffic.dense_reduce_bytes += workers * 4 * n * last
    coverage = int(gains.sum())
    upper = coverage / APPROX_GREEDY
    if prefix_upper.size:
        upper = min(upper, float(prefix_upper.min()))
    return GreedyCoverage(np.asarray(seeds, dtype=np.int32), gains, coverage, prefix_upper,
                          float(upper))
