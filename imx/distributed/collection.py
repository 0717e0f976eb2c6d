"""RR sets sharded over Dask workers by index range.

RR set number ``j`` of stream family ``seed`` is drawn from its own stream,
so a shard is just an index range ``[start, start + count)``: the shards of
a :class:`ShardedRRCollection`, concatenated in index order, are the local
:class:`~imx.sampling.RRCollection` of the same family, bit for bit, for any
number of workers and any shard size.  Shards stay on the workers; what comes
back is small: set and entry counts, coverage counts, and the greedy's
per-step candidate counts (:mod:`imx.distributed.greedy`).

Tasks are pure (deterministic keys from their inputs) and soft-pinned to a
worker (``allow_other_workers=True``): a shard lost with its worker is drawn
again, identically, wherever the scheduler puts it.
"""
from __future__ import annotations

import hashlib
from typing import Iterable

import numpy as np

from ..errors import MemoryBudgetError, ParameterError
from ..sampling.collection import RRCollection
from ..sampling.memory import format_bytes
from ..sampling.plan import model_code
from ..sampling.rr import rr_roots
from ..sampling.sampler import estimate_bytes
from ..solvers.coverage import GreedyCoverage
from . import worker as tasks
from .greedy import GreedyTraffic, exact_greedy
from .worker import WORKER_MEMORY_SHARE

__all__ = ["ShardedRRCollection", "GatheredRRCollection"]

# Index and greedy state on top of the stored sets (int32 set ids per entry,
# int64 offsets per node and shard): what a worker holds during a greedy.
_INDEX_FACTOR = 2.2
_PILOT_SETS = 256


def _place(collection, graph) -> None:
    """Put ``graph`` on the workers for ``collection`` (its first growth), or check
    that it is the graph the collection was drawn on so far."""
    from .graphs import graph_digest, place_graph

    if graph.n != collection.n:
        raise ParameterError(f"collection is over n={collection.n} nodes, graph has {graph.n}")
    if collection.digest is None:
        placed = place_graph(collection.session, graph)
        collection.graph_handle, collection.digest = placed.handle, placed.digest
        collection.graph_bytes, collection.graph_transport = placed.bytes_sent, placed.transport
    elif graph_digest(graph) != collection.digest:
        raise ParameterError("a collection grows on the graph it was drawn on")


class ShardedRRCollection:
    """RR sets ``start, start + 1, ...`` of family ``seed`` over ``graph``, kept on workers.

    Parameters
    ----------
    session : imx.distributed.ClusterSession
    n : int
        Nodes of the graph.  The graph itself goes to the workers on the first
        :meth:`grow` (once per client and graph content: :func:`place_graph`).
    model, seed, start :
        As for :class:`~imx.sampling.RRCollection`.
    shard_size : int, optional
        Sets per shard (default: each growth is split evenly over the workers).
    method : str
        Sampling routine (see :func:`imx.sample_rr_sets`).
    """

    def __init__(self, session, n: int, *, model: str = "ic", seed: int = 0, start: int = 0,
                 shard_size: int | None = None, method: str = "auto"):
        model_code(model)
        if shard_size is not None and int(shard_size) < 1:
            raise ParameterError(f"shard_size must be at least 1, got {shard_size!r}")
        self.session = session
        self.n = int(n)
        self.graph_handle = None
        self.digest = None
        self.graph_bytes = 0
        self.graph_transport = None
        self.model = str(model).lower()
        self.seed = int(seed)
        self.start = int(start)
        self.shard_size = None if shard_size is None else int(shard_size)
        self.method = method
        self.shards: list = []           # futures, in index order
        self.ranges: list[tuple[int, int]] = []
        self.homes: list[str] = []       # preferred worker of each shard
        self._count = 0
        self._total = 0
        self._nbytes = 0
        self.traffic = GreedyTraffic()
        self.sampling_round_trips = 0
        self.coverage_round_trips = 0

    # ------------------------------------------------------------ contents
    @property
    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    @property
    def total_size(self) -> int:
        return self._total

    def mean_size(self) -> float:
        return self._total / self._count if self._count else 0.0

    @property
    def nbytes(self) -> int:
        """Bytes of set storage on the workers (all shards together)."""
        return self._nbytes

    def __repr__(self) -> str:
        return (f"<ShardedRRCollection n={self.n} count={self._count} shards={len(self.shards)} "
                f"model={self.model} seed={self.seed} start={self.start}>")

    def _submit(self, function, *args, key: str, worker: str | None):
        return self.session.client.submit(
            function, *args, key=key, pure=True,
            workers=None if worker is None else [worker], allow_other_workers=True)

    # ------------------------------------------------------------ growth
    def check_memory(self, count: int, mean: float | None = None) -> None:
        """MemoryBudgetError if ``count`` more sets would not fit the workers' memory limits."""
        mean = self.mean_size() if mean is None else mean
        if mean <= 0:
            return
        limits = self.session.memory_limits()
        if not limits or not all(limits.values()):
            return
        workers = len(limits)
        need = _INDEX_FACTOR * estimate_bytes(self._count + count, mean) / workers
        limit = min(limits.values())
        if need > WORKER_MEMORY_SHARE * limit:
            total = _INDEX_FACTOR * estimate_bytes(self._count + count, mean)
            raise MemoryBudgetError(
                f"{self._count + count:,} RR sets (mean size {mean:,.1f}) need about "
                f"{format_bytes(need)} on each of {workers} Dask workers, over "
                f"{WORKER_MEMORY_SHARE:.0%} of their memory limit of {format_bytes(limit)}; "
                f"they would need about {format_bytes(total / WORKER_MEMORY_SHARE)} of "
                "worker memory in all (add workers or raise --memory-limit)")

    def append(self, count: int) -> None:
        """Draw ``count`` more sets (numbers ``start + count_now ...``) on the workers."""
        count = int(count)
        if count < 0:
            raise ParameterError(f"count must be non-negative, got {count}")
        if count == 0:
            return
        if self._count:
            self.check_memory(count)
        workers = self.session.workers()
        if self.shard_size is None:
            per = -(-count // len(workers))
        else:
            per = self.shard_size
        first = self.start + self._count
        new = []
        for i, lo in enumerate(range(first, first + count, per)):
            size = min(per, first + count - lo)
            home = workers[(len(self.shards) + i) % len(workers)]
            key = f"{self.graph_handle}-rr-{self.model}-{self.seed}-{lo}-{size}-{self.method}"
            new.append(self._submit(tasks.draw_shard, self.graph_handle, self.model, self.seed,
                                    lo, size, self.method, key=key, worker=home))
            self.ranges.append((lo, size))
            self.homes.append(home)
        stats = self.session.client.gather([
            self._submit(tasks.shard_stats, shard, key=f"{shard.key}-stats", worker=home)
            for shard, home in zip(new, self.homes[-len(new):])])
        self.shards.extend(new)
        for sets, entries, nbytes in stats:
            self._count += sets
            self._total += entries
            self._nbytes += nbytes
        self.sampling_round_trips += 1

    def grow(self, graph, count: int, *, threads: int | None = None,
             max_memory: int | None = None, method: str | None = None) -> None:
        """Draw ``count`` more sets (the :class:`imx.sampling.RRSets` interface).

        The budget is the workers' memory limits, checked before the bulk is
        drawn (from a pilot shard of the first sets when nothing is known
        yet); ``threads`` and ``max_memory`` are the coordinator's and do not
        apply.  ``graph`` must be the collection's graph.
        """
        _place(self, graph)
        if method is not None and method != self.method:
            raise ParameterError(f"this collection samples with method {self.method!r}")
        count = int(count)
        if self._count == 0 and count > 2 * _PILOT_SETS:
            self.append(_PILOT_SETS)
            count -= _PILOT_SETS
        self.append(count)

    # ------------------------------------------------------------ groups
    def _groups(self) -> list[tuple[str, list]]:
        """Shards grouped by their preferred worker (live workers only), in index order."""
        live = self.session.workers()
        groups: dict[str, list] = {}
        for i, (shard, home) in enumerate(zip(self.shards, self.homes)):
            if home not in live:
                home = self.homes[i] = live[i % len(live)]
            groups.setdefault(home, []).append(shard)
        return sorted(groups.items())

    def _group_key(self, shards) -> str:
        text = "|".join(shard.key for shard in shards)
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()

    # ------------------------------------------------------------ queries
    def to_local(self) -> RRCollection:
        """All sets gathered into one local RRCollection (tests, small collections)."""
        parts = self.session.client.gather([
            self._submit(tasks.shard_arrays, shard, key=f"{shard.key}-arrays", worker=home)
            for shard, home in zip(self.shards, self.homes)])
        sizes = [np.diff(offsets) for _, offsets in parts]
        nodes = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int32)
        offsets = np.zeros(self._count + 1, dtype=np.int64)
        if sizes:
            np.cumsum(np.concatenate(sizes), out=offsets[1:])
        return RRCollection(self.n, nodes, offsets, model=self.model, seed=self.seed,
                            start=self.start)

    def coverage(self, seeds: Iterable[int], threads: int | None = None) -> int:
        """Sets holding at least one of ``seeds`` (one small task per worker)."""
        ids = np.asarray(list(seeds) if not isinstance(seeds, np.ndarray) else seeds,
                         dtype=np.int32).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self.n):
            raise ParameterError(f"seed ids must be in 0..{self.n - 1}")
        token = hashlib.blake2b(ids.tobytes(), digest_size=8).hexdigest()
        futures = [self._submit(tasks.shard_coverage, ids, *shards,
                                key=f"imx-cov-{self._group_key(shards)}-{token}", worker=home)
                   for home, shards in self._groups()]
        self.coverage_round_trips += 1
        return int(sum(self.session.client.gather(futures)))

    def estimate(self, seeds: Iterable[int]) -> float:
        return self.n * self.coverage(seeds) / self._count if self._count else 0.0

    def max_coverage(self, k: int, *, bounds: bool = True, threads: int | None = None,
                     rooted: bool = False) -> GreedyCoverage:
        """Greedy max coverage of ``k`` nodes (the driver's hook; see :meth:`greedy`)."""
        return self.greedy(k, bounds=bounds, rooted=rooted)

    def root_counts(self) -> np.ndarray:
        """int64[n]: sets rooted at each node, from the streams alone (no traffic)."""
        return rr_roots(self.seed, self.n, self.start, self._count)

    def greedy(self, k: int, candidates=None, *, bounds: bool = True,
               width: tuple[int, int] | None = None, rooted: bool = False) -> GreedyCoverage:
        """The greedy max coverage of :func:`imx.solvers.coverage.greedy_max_coverage`
        on all sets, by the low-traffic exact protocol; traffic adds to :attr:`traffic`."""
        client = self.session.client
        groups = self._groups()
        keys = [self._group_key(shards) for _, shards in groups]
        counts = client.gather([
            self._submit(tasks.greedy_counts, key, *shards, key=f"imx-counts-{key}",
                         worker=home)
            for key, (home, shards) in zip(keys, groups)])
        total = np.zeros(self.n, dtype=np.int64)
        for nodes, part in counts:
            if nodes is None:
                total += part
            else:
                total[nodes] += part
        traffic = GreedyTraffic(count_bytes=sum(int(c.nbytes) + (0 if v is None else int(v.nbytes))
                                                for v, c in counts))

        def fetch(seeds: np.ndarray, nodes: np.ndarray, more: np.ndarray) -> list:
            token = hashlib.blake2b(seeds.tobytes() + b"/" + nodes.tobytes() + b"/"
                                    + more.tobytes(), digest_size=12).hexdigest()
            futures = [self._submit(tasks.greedy_fetch, key, seeds, nodes, more, *shards,
                                    key=f"imx-sets-{key}-{token}", worker=home)
                       for key, (home, shards) in zip(keys, groups)]
            return client.gather(futures)

        result = exact_greedy(total, k, fetch, candidates, bounds=bounds, workers=len(groups),
                              width=width, traffic=traffic,
                              rooted=self.root_counts() if rooted else None)
        self.traffic.add(traffic)
        return result

    def drop_index(self) -> None:
        """Nothing to drop on the coordinator (workers free greedy state as it ages)."""


class GatheredRRCollection(RRCollection):
    """An :class:`~imx.sampling.RRCollection` whose sets are drawn on the workers.

    For the solvers whose selection runs native kernels on local arrays (CIM,
    local OPIM, HeteroIM): sampling, usually most of their time, is spread
    over the cluster; every set then comes back to this process, in index
    order, so the collection is the one :func:`imx.sample_rr_sets` would draw,
    and selection and validation run here.  Traffic: 4 bytes per set entry
    plus 8 per set, once.
    """

    def __init__(self, session, n: int, *, model: str = "ic", seed: int = 0, start: int = 0,
                 method: str = "auto"):
        super().__init__(n, model=str(model).lower(), seed=int(seed), start=int(start))
        self.session = session
        self.graph_handle = None
        self.digest = None
        self.graph_bytes = 0
        self.graph_transport = None
        self.method = method
        self.gathered_bytes = 0
        self.traffic = GreedyTraffic()
        self.sampling_round_trips = 0
        self.coverage_round_trips = 0
        self.shards: list = []

    def grow(self, graph, count: int, *, threads: int | None = None,
             max_memory: int | None = None, method: str | None = None) -> None:
        """Draw ``count`` more sets on the workers and append them here, in order."""
        from ..sampling.memory import check_budget, resolve_budget

        _place(self, graph)
        count = int(count)
        if count < 0:
            raise ParameterError(f"count must be non-negative, got {count}")
        if count == 0:
            return
        if self.count:
            mean = self.mean_size()
            check_budget(estimate_bytes(self.count + count, mean), resolve_budget(max_memory),
                         f"{self.count + count:,} RR sets (mean size {mean:,.1f} nodes)")
        workers = self.session.workers()
        per = -(-count // len(workers))
        first = self.start + self.count
        futures = []
        for i, lo in enumerate(range(first, first + count, per)):
            size = min(per, first + count - lo)
            key = f"{self.graph_handle}-rr-{self.model}-{self.seed}-{lo}-{size}-{self.method}"
            futures.append(self.session.client.submit(
                tasks.draw_shard, self.graph_handle, self.model, self.seed, lo, size,
                self.method, key=key, pure=True, workers=[workers[i % len(workers)]],
                allow_other_workers=True))
        for future in futures:  # in index order
            shard = future.result()
            self.extend(shard)
            self.gathered_bytes += int(shard.nodes.nbytes + shard.offsets.nbytes)
            future.release()
        self.sampling_round_trips += 1
