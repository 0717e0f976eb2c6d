"""The Dask backend: RR sets sharded over a cluster, the same answers as on one machine.

A layer beside :mod:`imx.solvers` that uses :mod:`imx.sampling`.  Nothing here
imports Dask until a call is given a ``cluster``; the solvers' hooks call
:func:`collections_for`, which imports nothing without one.

Public names
------------
open_cluster(cluster)                  a Client / "tcp://host:8786" / "local[:N]" -> session
collections_for(cluster, n, ...)       the collections factory a solver takes (None: local)
ShardedRRCollection                    RR sets as index-range shards on the workers
GatheredRRCollection                   RR sets drawn on the workers, kept here
exact_greedy(counts, k, query, ...)    the low-traffic exact greedy (coordinator side)
distributed_runs(cluster, graph, ...)  Monte-Carlo runs split over the workers
"""
from __future__ import annotations

import contextlib
import importlib

from .cluster import parse_cluster

__all__ = ["open_cluster", "parse_cluster", "collections_for", "ClusterSession",
           "ShardedRRCollection", "GatheredRRCollection", "exact_greedy", "GreedyTraffic",
           "distributed_runs"]

_LAZY = {"open_cluster": "cluster", "ClusterSession": "cluster",
         "ShardedRRCollection": "collection", "GatheredRRCollection": "collection",
         "exact_greedy": "greedy", "GreedyTraffic": "greedy", "distributed_runs": "spread"}


def collections_for(cluster, n: int, *, model: str, method: str = "auto", gather: bool = False):
    """A context yielding None without a cluster (the solver's local collections), else
    :func:`imx.distributed.backend.cluster_collections` (sharded, or with ``gather``
    drawn on the workers and kept here)."""
    if cluster is None:
        return contextlib.nullcontext()
    from .backend import cluster_collections

    return cluster_collections(cluster, n, model=model, method=method, gather=gather)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'imx.distributed' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
