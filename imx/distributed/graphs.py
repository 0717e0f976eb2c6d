"""Sending a graph to every worker once, keyed by a digest of its content.

The first call with a graph installs it on every worker through a worker
plugin (the scheduler keeps it and installs it on any worker that joins
later, so a lost worker's replacement has it); later calls with the same
content on the same client reuse it.  Only the half of the arcs the tasks
read travels, without labels.
"""
from __future__ import annotations

import hashlib
import weakref

import numpy as np

from distributed import WorkerPlugin, get_worker

from ..errors import ParameterError
from ..graph.core import Graph

__all__ = ["graph_digest", "place_graph", "place_shared", "release_shared", "shared",
           "SharedPlugin", "KEEP_SHARED"]

_DIGESTS: dict[int, tuple] = {}


def graph_digest(graph: Graph) -> str:
    """BLAKE2b of the arrays the kernels read (cached while the graph lives)."""
    hit = _DIGESTS.get(id(graph))
    if hit is not None and hit[0]() is graph:
        return hit[1]
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{graph.n}".encode())
    for name, array in graph.arrays().items():  # per-arc probabilities or head_probs
        array = np.ascontiguousarray(array)
        h.update(f"{name}:{array.dtype.str}:{array.shape[0]}".encode())
        h.update(memoryview(array).cast("B"))
    digest = h.hexdigest()
    key = id(graph)
    _DIGESTS[key] = (weakref.ref(graph, lambda _r, key=key: _DIGESTS.pop(key, None)), digest)
    return digest


def _half_graph(graph: Graph, direction: str) -> Graph:
    """Only the arcs the workers read: in-arcs for RR sets, out-arcs for simulations
    (half the bytes of the whole graph); labels stay on the coordinator."""
    none_offsets = np.zeros(graph.n + 1, dtype=np.int64)
    none_ids, none_probs = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
    keep_in = direction == "in"
    if graph.head_probs is not None:  # n per-node values serve both halves
        probs = {"head_probs": graph.head_probs}
    else:
        probs = {"out_probs": none_probs if keep_in else graph.out_probs,
                 "in_probs": graph.in_probs if keep_in else none_probs}
    return Graph(n=graph.n,
                 out_offsets=none_offsets if keep_in else graph.out_offsets,
                 out_targets=none_ids if keep_in else graph.out_targets,
                 in_offsets=graph.in_offsets if keep_in else none_offsets,
                 in_sources=graph.in_sources if keep_in else none_ids, **probs,
                 labels=np.zeros(0, dtype=np.int32), directed=graph.directed,
                 scheme=graph.scheme, source=graph.source, edges_read=graph.edges_read)


def _half_bytes(graph: Graph, direction: str) -> int:
    sent = ("in_offsets", "in_sources", "in_probs") if direction == "in" else \
        ("out_offsets", "out_targets", "out_probs")
    return int(sum(a.nbytes for name, a in graph.arrays().items()
                   if name in sent + ("head_probs",)))


class SharedPlugin(WorkerPlugin):
    """Holds one read-only input (a graph, ego networks) on every worker, present and future.

    Scattered data is not fault tolerant: Dask's memory manager trims the
    replicas of a broadcast to one, and a key whose last holder dies cannot
    be recomputed.  A worker plugin is kept by the scheduler and installed on
    every worker that joins, so a lost worker's replacement has it too.
    """

    def __init__(self, name: str, value):
        self.name = name
        self.value = value


#: Shared inputs a client keeps installed for reuse; the oldest goes beyond this.
KEEP_SHARED = 4


def place_shared(session, handle: str, make) -> bool:
    """Install ``make()`` on every worker under ``handle`` unless this client did
    already; True if it was sent now.  Handles are per client (a client's
    cleanup never removes another client's inputs); a client keeps its last
    :data:`KEEP_SHARED` and :func:`release_shared` removes them."""
    placed = session.state.graphs
    if handle in placed:
        placed[handle] = placed.pop(handle)  # most recently used last
        return False
    while len(placed) >= KEEP_SHARED:
        release_shared(session, next(iter(placed)))
    session.client.register_plugin(SharedPlugin(handle, make()), name=handle)
    placed[handle] = True
    return True


def release_shared(session, handle: str | None = None) -> None:
    """Remove ``handle`` (None: every input this client placed) from the workers."""
    for name in list(session.state.graphs) if handle is None else [handle]:
        session.state.graphs.pop(name, None)
        try:
            session.client.unregister_worker_plugin(name)
        except Exception:  # noqa: BLE001 - best effort: already gone, a closed cluster
            pass


def shared(handle: str):
    """Inside a task: the input installed under ``handle`` (see :func:`place_shared`)."""
    plugin = get_worker().plugins.get(handle)
    if plugin is None:
        raise ParameterError(f"{handle} is not on this worker")
    return plugin.value


def place_graph(session, graph: Graph, direction: str = "in"):
    """The graph's in-arcs (``direction='in'``, for RR sets) or out-arcs (``'out'``,
    for simulations) on every worker: ``(handle, digest, bytes_sent)``, 0 bytes
    when this client placed the same content before.  Tasks take the handle
    and call :func:`shared`."""
    digest = graph_digest(graph)
    handle = f"imx-graph-{digest}-{direction}-{session.client.id}"
    if not place_shared(session, handle, lambda: _half_graph(graph, direction)):
        return handle, digest, 0
    return handle, digest, _half_bytes(graph, direction) * max(1, len(session.workers()))
