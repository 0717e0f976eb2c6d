"""Sharded RR collections for the solvers, and what their run cost on the network.

A solver that takes ``collections`` (a callable ``(family, start) ->`` an
empty collection of RR sets ``start, start + 1, ...`` of stream family
``family``) runs unchanged on a cluster: :func:`cluster_collections` yields
such a callable making :class:`ShardedRRCollection` objects (sets stay on
the workers, the greedy runs there: classic IM), or with ``gather``
:class:`GatheredRRCollection` objects (sets drawn on the workers, then
selected on here: CIM, HeteroIM); the graph goes to the workers on the
first growth, once per client and graph content.  :meth:`counters` sums
their traffic for the record.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

from .cluster import open_cluster
from .collection import GatheredRRCollection, ShardedRRCollection
from .greedy import GreedyTraffic

__all__ = ["ClusterCollections", "cluster_collections"]


class ClusterCollections:
    """Makes sharded (or gathered) collections; :meth:`counters` for the record."""

    def __init__(self, session, n: int, *, model: str, method: str = "auto",
                 shard_size: int | None = None, gather: bool = False):
        self.session = session
        self.gather = gather
        self.n = int(n)
        self.model = model
        self.method = method
        self.shard_size = shard_size
        self.made: list = []

    def __call__(self, family: int, start: int = 0):
        if self.gather:
            collection = GatheredRRCollection(self.session, self.n, model=self.model,
                                              seed=family, start=start, method=self.method)
        else:
            collection = ShardedRRCollection(self.session, self.n, model=self.model,
                                             seed=family, start=start,
                                             shard_size=self.shard_size, method=self.method)
        self.made.append(collection)
        return collection

    def counters(self) -> dict:
        """Workers, bytes sent and round trips of everything made so far."""
        traffic = GreedyTraffic()
        for collection in self.made:
            traffic.add(collection.traffic)
        counters = {"backend": "dask", "cluster_workers": len(self.session.workers()),
                    "graph_bytes": sum(c.graph_bytes for c in self.made),
                    "shards": sum(len(c.shards) for c in self.made),
                    "selection": "coordinator" if self.gather else "workers",
                    "gathered_bytes": sum(getattr(c, "gathered_bytes", 0) for c in self.made),
                    "sampling_round_trips": sum(c.sampling_round_trips for c in self.made),
                    "coverage_round_trips": sum(c.coverage_round_trips for c in self.made)}
        counters.update(traffic.to_dict())
        return counters


@contextlib.contextmanager
def cluster_collections(cluster, n: int, *, model: str, method: str = "auto",
                        shard_size: int | None = None,
                        gather: bool = False) -> Iterator[ClusterCollections]:
    """Open ``cluster`` (see :func:`imx.distributed.open_cluster`) and yield a
    :class:`ClusterCollections` over graphs of ``n`` nodes (of
    :class:`GatheredRRCollection` objects with ``gather``); what was started for
    the call is closed after."""
    with open_cluster(cluster) as session:
        yield ClusterCollections(session, n, model=model, method=method,
                                 shard_size=shard_size, gather=gather)
