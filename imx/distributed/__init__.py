"""The Dask backend: RR sets sharded over a cluster, the same answers as on one machine.

The layer above :mod:`imx.solvers` and :mod:`imx.dynamics`: their ``cluster=``
(a ``distributed.Client``, ``"tcp://host:8786"`` or ``"local[:N]"``) becomes a
:class:`Cluster` through the entry point ``imx.cluster`` / ``dask``
(:func:`imx._validate.cluster`), whose methods they call without importing
this package; nothing here imports Dask until a Cluster is used.

Public names
------------
Cluster(spec)                          a Client / "tcp://host:8786" / "local[:N]": cluster= of
                                       maximize_influence, mc_spread, cim, hetero_im, fit...
open_cluster(cluster)                  the same spec -> a session (client + imx's bookkeeping)
ShardedRRCollection                    RR sets as index-range shards on the workers
GatheredRRCollection                   RR sets drawn on the workers, kept here
exact_greedy(counts, k, query, ...)    the low-traffic exact greedy (coordinator side)
distributed_runs(cluster, graph, ...)  Monte-Carlo runs split over the workers
"""
from __future__ import annotations

import importlib

from .cluster import parse_cluster

__all__ = ["Cluster", "open_cluster", "parse_cluster", "ClusterSession",
           "ShardedRRCollection", "GatheredRRCollection", "exact_greedy", "GreedyTraffic",
           "distributed_runs"]

_LAZY = {"Cluster": "backend", "open_cluster": "cluster", "ClusterSession": "cluster",
         "ShardedRRCollection": "collection", "GatheredRRCollection": "collection",
         "exact_greedy": "greedy", "GreedyTraffic": "greedy", "distributed_runs": "spread"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'imx.distributed' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
