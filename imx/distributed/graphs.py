"""Sending a graph to every worker once, keyed by a digest of its content.

The first call with a graph installs it on every worker through a worker
plugin (the scheduler keeps it and installs it on any worker that joins
later, so a lost worker's replacement has it); later calls with the same
content on the same client reuse it.

Two ways for the graph to get there.  A graph memory-mapped from an ``.imxg``
file (:func:`imx.load_graph`'s default) is first offered by reference: one
probe task per worker maps the same path and checks its digest; when every
worker sees the same content, only ``(path, digest)`` travels and each worker
maps the file (once per process: :func:`open_graph_file`).  Otherwise (no file,
a path the workers cannot read, a file changed since the coordinator mapped
it) the arrays travel: the half of the arcs the tasks read, without labels.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import threading
import weakref
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from distributed import WorkerPlugin, get_worker

from ..errors import ImxError, ParameterError
from ..graph.core import Graph

__all__ = ["graph_digest", "place_graph", "place_shared", "release_shared", "shared",
           "SharedPlugin", "KEEP_SHARED", "Placement", "GraphFile", "graph_file",
           "open_graph_file"]

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
        session.state.transports.pop(name, None)
        try:
            session.client.unregister_worker_plugin(name)
        except Exception:  # noqa: BLE001 - best effort: already gone, a closed cluster
            pass


def shared(handle: str):
    """Inside a task: the input installed under ``handle`` (see :func:`place_shared`)."""
    plugin = get_worker().plugins.get(handle)
    if plugin is None:
        raise ParameterError(f"{handle} is not on this worker")
    value = plugin.value
    if isinstance(value, GraphFile):
        graph = open_graph_file(value.path, value.digest)
        if graph is None:  # a worker that joined later and cannot map it
            raise ParameterError(f"{value.path} is not the graph {value.digest} on this worker")
        return graph
    return value


# ---------------------------------------------------------------- by reference
class GraphFile(NamedTuple):
    """A graph placed by reference: an ``.imxg`` path every worker maps, and its digest."""

    path: str
    digest: str


def graph_file(graph: Graph) -> str | None:
    """The ``.imxg`` file ``graph``'s arc arrays are memory-mapped from, or None."""
    paths = set()
    for array in (graph.out_offsets, graph.out_targets, graph.in_offsets, graph.in_sources):
        while isinstance(array, np.ndarray) and not isinstance(array, np.memmap):
            array = array.base  # views down to the mapping, or to other owners
        if not isinstance(array, np.memmap) or not array.filename:
            return None
        paths.add(os.fspath(array.filename))
    return paths.pop() if len(paths) == 1 else None


_FILE_GRAPHS: "OrderedDict[tuple[str, str], Graph]" = OrderedDict()
_FILE_LOCK = threading.Lock()


def open_graph_file(path: str, digest: str) -> Graph | None:
    """The graph at ``path``, memory-mapped, if its content has ``digest``; else None.

    Kept per process by ``(path, digest)``: a worker maps and checks a file
    once, and its mapping keeps that content even if the file is replaced.
    """
    key = (path, digest)
    with _FILE_LOCK:
        graph = _FILE_GRAPHS.get(key)
        if graph is not None:
            _FILE_GRAPHS.move_to_end(key)
            return graph
    from ..io.binary import load_binary_graph

    try:
        graph = load_binary_graph(path, mmap=True)
    except (ImxError, OSError):
        return None
    if graph_digest(graph) != digest:
        return None
    with _FILE_LOCK:
        _FILE_GRAPHS[key] = graph
        while len(_FILE_GRAPHS) > 2 * KEEP_SHARED:
            _FILE_GRAPHS.popitem(last=False)
    return graph


def _probe(path: str, digest: str) -> bool:
    return open_graph_file(path, digest) is not None


def _every_worker_maps(session, path: str, digest: str) -> tuple[bool, int]:
    """Whether every worker maps ``path`` with this content (one probe task each),
    and the bytes the probes sent."""
    workers = session.workers()
    futures = [session.client.submit(_probe, path, digest, workers=[w],
                                     allow_other_workers=False, pure=False) for w in workers]
    answers = session.client.gather(futures)
    return all(answers), len(workers) * len(pickle.dumps((path, digest)))


# ---------------------------------------------------------------- placement
class Placement(NamedTuple):
    """Where a graph went: the handle tasks name, its digest, the bytes sent for it
    now (0 when placed before), and how it travelled (``file`` or ``scatter``)."""

    handle: str
    digest: str
    bytes_sent: int
    transport: str


def place_graph(session, graph: Graph, direction: str = "in") -> Placement:
    """The graph's in-arcs (``direction='in'``, for RR sets) or out-arcs (``'out'``,
    for simulations) on every worker, by reference to its ``.imxg`` file when every
    worker maps the same content, else the arrays themselves.  Tasks take the
    handle and call :func:`shared`."""
    digest = graph_digest(graph)
    handle = f"imx-graph-{digest}-{direction}-{session.client.id}"
    transports = session.state.transports
    if handle in session.state.graphs:
        place_shared(session, handle, lambda: None)  # mark it recently used
        return Placement(handle, digest, 0, transports.get(handle, "scatter"))
    path = graph_file(graph)
    sent = 0
    if path is not None:
        mapped, sent = _every_worker_maps(session, path, digest)
        if mapped:
            value = GraphFile(path, digest)
            place_shared(session, handle, lambda: value)
            transports[handle] = "file"
            sent += len(pickle.dumps(value)) * max(1, len(session.workers()))
            return Placement(handle, digest, sent, "file")
    place_shared(session, handle, lambda: _half_graph(graph, direction))
    transports[handle] = "scatter"
    sent += _half_bytes(graph, direction) * max(1, len(session.workers()))
    return Placement(handle, digest, sent, "scatter")
