"""What runs inside a Dask worker: the plugin, and the tasks of the backend.

Every task is a pure function of its arguments (a shard is RR sets
``[start, start + count)`` of one stream family, drawn from their own
counter-based streams), so a task lost with its worker is recomputed
elsewhere with the same result.  The greedy's per-worker state (which sets
are covered, the local marginal counts) is a cache, not an input: a query
names the whole seed prefix, and a worker that does not hold the state for
it (a fresh or replacement worker) rebuilds it from the shards.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict

import numpy as np
from distributed import WorkerPlugin, get_worker
from numba import njit

from ..solvers.coverage import cover_sets

__all__ = ["ImxWorkerPlugin", "draw_shard", "shard_stats", "shard_arrays", "shard_coverage",
           "greedy_counts", "greedy_fetch", "simulate_runs"]

#: Share of a worker's memory limit its RR shards may take (Dask pauses a worker at 80%).
WORKER_MEMORY_SHARE = 0.6
_GREEDY_STATES = 2


class _GreedyState:
    """One worker's side of a distributed greedy: its shards' coverage after ``seeds``."""

    def __init__(self, shards, base: "_GreedyState | None" = None):
        self.shards = shards
        n = shards[0].n
        # how many sets hold each node: a new round's shards extend the last round's,
        # whose counts (``base``) are taken as they are rather than summed again
        if base is not None:
            self.counts = base.counts.copy()
            new = shards[len(base.shards):]
        else:
            self.counts = np.zeros(n, dtype=np.int32)
            new = shards
        for shard in new:
            idx_offsets, _ = shard.node_index32()
            np.add(self.counts, idx_offsets[1:] - idx_offsets[:-1], out=self.counts,
                   casting="unsafe")
        self.gain = self.counts.copy()
        self.covered = [np.zeros(shard.count, dtype=np.uint8) for shard in shards]
        self.seeds: list[int] = []

    def advance(self, seeds: list[int]) -> None:
        for s in seeds[len(self.seeds):]:
            for shard, covered in zip(self.shards, self.covered):
                idx_offsets, idx_sets = shard.node_index32()
                cover_sets(int(s), shard.nodes, shard.offsets, idx_offsets, idx_sets, covered,
                           self.gain)
            self.seeds.append(int(s))

    def release(self, keep=()) -> None:
        """Free the shards' indexes, but not those of shards in the states ``keep``
        (a new round's greedy reuses the earlier shards)."""
        used = {id(shard) for state in keep for shard in state.shards}
        for shard in self.shards:
            if id(shard) not in used:
                shard.drop_index()


class ImxWorkerPlugin(WorkerPlugin):
    """Sets a worker up for imx: thread count, kernel cache, warm kernels, greedy cache."""

    name = "imx"

    def __init__(self):
        self.states: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def setup(self, worker=None):
        if not os.environ.get("NUMBA_NUM_THREADS", "").isdigit():
            os.environ["NUMBA_NUM_THREADS"] = os.environ.get("IMX_WORKER_THREADS") or \
                str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                    else os.cpu_count() or 1)
        # load (or compile) the kernels off the event loop, once per worker
        threading.Thread(target=warm_kernels, daemon=True, name="imx-warm").start()

    def teardown(self, worker=None):
        with self.lock:
            for state in self.states.values():
                state.release()
            self.states.clear()

    def greedy_state(self, key: str, shards) -> _GreedyState:
        with self.lock:
            state = self.states.get(key)
            if state is None:
                state = _GreedyState(shards, _longest_prefix(self.states.values(), shards))
                self.states[key] = state
                while len(self.states) > _GREEDY_STATES:
                    _, old = self.states.popitem(last=False)
                    old.release(keep=self.states.values())
            self.states.move_to_end(key)
            return state


def _longest_prefix(states, shards) -> _GreedyState | None:
    """The state whose shards (the same objects) begin ``shards``, the most of them."""
    best = None
    for state in states:
        held = state.shards
        if (len(held) <= len(shards) and (best is None or len(held) > len(best.shards))
                and all(a is b for a, b in zip(held, shards))):
            best = state
    return best


_FALLBACK = ImxWorkerPlugin()


def _plugin() -> ImxWorkerPlugin:
    try:
        plugin = get_worker().plugins.get(ImxWorkerPlugin.name)
    except ValueError:
        plugin = None
    return plugin if isinstance(plugin, ImxWorkerPlugin) else _FALLBACK


def _worker_budget() -> int | None:
    try:
        limit = get_worker().memory_manager.memory_limit
    except (ValueError, AttributeError):
        return None
    return int(WORKER_MEMORY_SHARE * limit) if limit else None


def warm_kernels() -> None:
    """Run every kernel the backend uses once on a tiny graph (loads or compiles them)."""
    from ..graph import Graph
    from ..sampling import sample_rr_sets
    from ..sampling.montecarlo import simulate_runs as local_runs
    from ..solvers.coverage import greedy_max_coverage

    g = Graph.from_arrays([0, 1, 2], [1, 2, 0], probs="uniform:0.5")
    for model in ("ic", "lt"):
        rr = sample_rr_sets(g, 64, model=model, seed=1, threads=1)
        greedy_max_coverage(rr, 1, threads=1)
        greedy_fetch("imx-warm", np.array([0], np.int32), np.array([1], np.int32),
                     np.array([2], np.int32), rr)
        rr.coverage([1])
        local_runs(g, np.array([0]), model, 1, 0, 4, threads=1)


# ---------------------------------------------------------------- tasks
def draw_shard(graph: str, model: str, seed: int, start: int, count: int,
               method: str = "auto"):
    """RR sets ``start .. start + count - 1`` of family ``seed`` (an RRCollection) of
    the graph placed as ``graph`` (:func:`imx.distributed.graphs.place_graph`)."""
    from ..sampling import sample_rr_sets
    from .graphs import shared

    return sample_rr_sets(shared(graph), count, model=model, seed=seed, start=start,
                          max_memory=_worker_budget(), method=method)


def shard_stats(shard) -> tuple[int, int, int]:
    """``(sets, entries, bytes)`` of a shard."""
    return shard.count, shard.total_size, shard.nbytes


def shard_arrays(shard) -> tuple[np.ndarray, np.ndarray]:
    """A shard's ``(nodes, offsets)`` (to assemble a local copy)."""
    return np.asarray(shard.nodes), np.asarray(shard.offsets)


def shard_coverage(seeds: np.ndarray, *shards) -> int:
    """Sets of ``shards`` holding a seed."""
    return int(sum(shard.coverage(seeds) for shard in shards))


def greedy_counts(key: str, *shards) -> tuple[np.ndarray | None, np.ndarray]:
    """How many sets of ``shards`` hold each node (the greedy's starting counts):
    ``(None, counts int32[n])``, or ``(nodes int32, counts int32)`` for the nodes
    in some set when that is smaller (most nodes of a big graph are in none)."""
    counts = _plugin().greedy_state(key, list(shards)).counts
    if 2 * np.count_nonzero(counts) < counts.shape[0]:
        nodes = np.flatnonzero(counts)
        return nodes.astype(np.int32), counts[nodes]
    return None, counts.copy()


@njit(cache=True, nogil=True)
def uncovered_sets_of(idx_offsets, idx_sets, covered, candidates, fill, ids, base):
    """Append to ``ids`` (at ``fill[i]``) ``base + j`` for every uncovered set ``j`` that
    holds candidate ``i``."""
    for i in range(candidates.shape[0]):
        c = candidates[i]
        pos = fill[i]
        for a in range(idx_offsets[c], idx_offsets[c + 1]):
            j = idx_sets[a]
            if not covered[j]:
                ids[pos] = base + j
                pos += 1
        fill[i] = pos


def greedy_fetch(key: str, seeds: np.ndarray, candidates: np.ndarray, more: np.ndarray,
                 *shards) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The sets of ``shards`` not covered by ``seeds`` that hold each candidate, as
    CSR ``(offsets int64[len+1], set ids)`` (set ids number this group's sets in
    shard order; int32 when they fit), how many such sets hold each of ``more``
    (int32), and the number of sets of the group."""
    plugin = _plugin()
    state = plugin.greedy_state(key, list(shards))
    with plugin.lock:
        wanted = [int(s) for s in seeds]
        if state.seeds != wanted[:len(state.seeds)]:
            # a different prefix (a retried or replayed query): start over
            state = _GreedyState(list(shards), state)
            plugin.states[key] = state
        state.advance(wanted)
        candidates = np.asarray(candidates, dtype=np.int64)
        offsets = np.zeros(candidates.shape[0] + 1, dtype=np.int64)
        np.cumsum(state.gain[candidates], out=offsets[1:])
        ids = np.empty(int(offsets[-1]), dtype=np.int64)
        fill = offsets[:-1].copy()
        base = 0
        for shard, covered in zip(state.shards, state.covered):
            idx_offsets, idx_sets = shard.node_index32()
            uncovered_sets_of(idx_offsets, idx_sets, covered, candidates, fill, ids, base)
            base += shard.count
        if base < 2**31:
            ids = ids.astype(np.int32)
        return offsets, ids, state.gain[np.asarray(more, dtype=np.int64)].copy(), base


def simulate_runs(graph: str, seeds: np.ndarray, model: str, seed: int, first: int,
                  last: int) -> np.ndarray:
    """Active-node counts of Monte-Carlo runs ``first .. last - 1`` (int32) on the
    graph placed as ``graph``."""
    from ..sampling.montecarlo import simulate_runs as local_runs
    from .graphs import shared

    return local_runs(shared(graph), seeds, model, seed, first, last)
