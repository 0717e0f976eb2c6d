"""The cluster backend object the solvers take, and what their runs cost on the network.

The solvers, ``mc_spread`` and the BCM fit sit below this layer, so they do not
import it: :func:`imx._validate.cluster` turns their ``cluster=`` (a Client, an
address, ``local[:N]``) into a :class:`Cluster` through the entry point
``imx.cluster`` / ``dask`` (registered in pyproject.toml: dependency inversion,
not an upward import), and they call its methods
(:meth:`Cluster.rr_collections`, :meth:`Cluster.simulate_runs`,
:meth:`Cluster.particle_evaluator`).  ``--cluster`` takes the same path.

:meth:`Cluster.rr_collections` yields a collections factory ``(family, start)
->`` an empty collection of RR sets ``start, start + 1, ...`` of stream family
``family``: :class:`ShardedRRCollection` objects (sets stay on the workers, the
greedy runs there: classic IM), or with ``gather`` :class:`GatheredRRCollection`
objects (sets drawn on the workers, then selected on here: CIM, HeteroIM).
The graph goes to the workers on the first growth, once per client and graph
content.  :meth:`ClusterCollections.counters` sums the traffic for the record.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import numpy as np

from ..errors import ParameterError
from .cluster import ClusterSession, open_cluster, parse_cluster
from .greedy import GreedyTraffic

__all__ = ["Cluster", "ClusterCollections"]


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
        from .collection import GatheredRRCollection, ShardedRRCollection

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
                    "graph_transport": next((c.graph_transport for c in self.made
                                             if c.graph_transport), None),
                    "shards": sum(len(c.shards) for c in self.made),
                    "selection": "coordinator" if self.gather else "workers",
                    "gathered_bytes": sum(getattr(c, "gathered_bytes", 0) for c in self.made),
                    "sampling_round_trips": sum(c.sampling_round_trips for c in self.made),
                    "coverage_round_trips": sum(c.coverage_round_trips for c in self.made)}
        counters.update(traffic.to_dict())
        return counters


class Cluster:
    """A Dask cluster for imx: what ``cluster=`` of the solvers, ``mc_spread`` and the BCM
    fit becomes.  Pass the spec itself to one call; make a Cluster to hold one
    connection (one LocalCluster) over several calls (``with Cluster("local:2") as c``).

    Parameters
    ----------
    spec : distributed.Client or str
        A client (used as it is, never closed here), a scheduler address
        (``"tcp://host:8786"``) or ``"local"`` / ``"local:N"`` (a LocalCluster
        of N worker processes).  A string is only parsed here; the cluster is
        reached (or started) when a call needs it, and closed after the call,
        unless the object is used as a context manager: then one connection
        (one LocalCluster) serves every call inside the ``with`` block.

    Examples
    --------
    >>> from imx.distributed import Cluster
    >>> Cluster("local:2")
    Cluster('local:2')
    """

    def __init__(self, spec):
        if isinstance(spec, str):
            parse_cluster(spec)  # a malformed spec fails here, before any work
            spec = spec.strip()
        elif not (hasattr(spec, "scheduler_info") and hasattr(spec, "submit")):
            raise ParameterError("cluster must be a distributed.Client, a scheduler address "
                                 f"or 'local[:N]', got {type(spec).__name__}")
        self.spec = spec
        self._held: contextlib.ExitStack | None = None
        self._session: ClusterSession | None = None

    def __repr__(self) -> str:
        return f"Cluster({self.spec!r})" if isinstance(self.spec, str) else "Cluster(<Client>)"

    def __enter__(self) -> "Cluster":
        self._held = contextlib.ExitStack()
        self._session = self._held.enter_context(open_cluster(self.spec))
        return self

    def __exit__(self, *exc) -> None:
        held, self._held, self._session = self._held, None, None
        if held is not None:
            held.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[ClusterSession]:
        """The open session (inside ``with``), or one opened for the call."""
        if self._session is not None:
            yield self._session
        else:
            with open_cluster(self.spec) as session:
                yield session

    @contextlib.contextmanager
    def rr_collections(self, n: int, *, model: str, method: str = "auto",
                       gather: bool = False,
                       shard_size: int | None = None) -> Iterator[ClusterCollections]:
        """A collections factory over graphs of ``n`` nodes (see the module docstring)."""
        with self.session() as session:
            yield ClusterCollections(session, n, model=model, method=method,
                                     shard_size=shard_size, gather=gather)

    def simulate_runs(self, graph, ids: np.ndarray, runs: int, *, model: str, seed: int,
                      progress: Callable | None = None) -> np.ndarray:
        """Monte-Carlo runs ``0 .. runs - 1`` of ``ids`` on the workers (int32 per run)."""
        from .spread import distributed_runs

        with self.session() as session:
            return distributed_runs(session, graph, ids, runs, model=model, seed=seed,
                                    progress=progress)

    @contextlib.contextmanager
    def particle_evaluator(self, record) -> Iterator[Callable]:
        """A drop-in for :func:`imx.dynamics.fitting.particle_errors` on the workers."""
        from .fitting import cluster_evaluator

        with self.session() as session, cluster_evaluator(session, record) as evaluate:
            yield evaluate
