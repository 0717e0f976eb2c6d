"""Which Dask cluster a call runs on, and what every worker gets once.

``cluster`` may be a ``distributed.Client`` (used as it is, never closed
here), a scheduler address (``"tcp://host:8786"``, or ``"host:8786"``), or
``"local"`` / ``"local:N"``: a ``LocalCluster`` of N worker processes on this
machine (default 1), started for the call and closed after it.

Workers run one Dask thread each; imx's own threads run inside it (its
kernels release the GIL), ``NUMBA_NUM_THREADS`` set from the worker's share
of the host's cores, so that one process per host holds one copy of the graph.
The worker plugin sets that up, points numba at the kernel cache, and warms
the kernels once per worker.
"""
from __future__ import annotations

import contextlib
import os
import re
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..errors import ParameterError
from .._pool import default_threads

__all__ = ["ClusterSession", "open_cluster", "parse_cluster", "connect_timeout",
           "CONNECT_TIMEOUT"]

#: Seconds to reach a scheduler before giving up (``IMX_DASK_CONNECT_TIMEOUT`` overrides).
CONNECT_TIMEOUT = 10.0
PLUGIN_NAME = "imx"
_LOCAL = re.compile(r"^local(?::(\d+))?$")
_ADDRESS = re.compile(r"^(?:[a-z]+://)?[A-Za-z0-9_.\-\[\]:]+:\d+$")


def connect_timeout() -> float:
    raw = os.environ.get("IMX_DASK_CONNECT_TIMEOUT")
    if raw:
        try:
            value = float(raw)
        except ValueError:
            raise ParameterError(f"IMX_DASK_CONNECT_TIMEOUT must be seconds, got {raw!r}") \
                from None
        if value > 0:
            return value
    return CONNECT_TIMEOUT


def parse_cluster(spec: str) -> tuple[str, int | None]:
    """``("local", N)`` for ``local[:N]``, else ``("address", None)``; ParameterError if neither."""
    text = str(spec).strip()
    match = _LOCAL.match(text)
    if match:
        workers = int(match.group(1) or 1)
        if workers < 1:
            raise ParameterError(f"cluster {spec!r}: local:N needs N >= 1")
        return "local", workers
    if _ADDRESS.match(text):
        return "address", None
    raise ParameterError(f"cluster {spec!r} is neither local[:N] nor a scheduler address "
                         "such as tcp://host:8786")


@dataclass
class ClientState:
    """What imx has placed on one client's cluster: shared inputs by handle, the plugin."""

    graphs: dict[str, Any] = field(default_factory=dict)
    transports: dict[str, str] = field(default_factory=dict)  # graph handle -> file/scatter
    plugin: bool = False


_STATES: "weakref.WeakKeyDictionary[Any, ClientState]" = weakref.WeakKeyDictionary()


@dataclass
class ClusterSession:
    """A client plus imx's bookkeeping for it (see :func:`open_cluster`)."""

    client: Any
    state: ClientState

    def workers(self) -> list[str]:
        """Addresses of the live workers, sorted (so shard placement is reproducible);
        waits for one (a restarting worker) up to the connect timeout."""
        live = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        if not live:
            try:
                self.client.wait_for_workers(1, timeout=connect_timeout())
            except TimeoutError:
                raise ParameterError("the Dask cluster has no workers") from None
            live = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        return live

    def memory_limits(self) -> dict[str, int]:
        """Each worker's memory limit in bytes (0: none)."""
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return {address: int(w.get("memory_limit") or 0) for address, w in info.items()}


def _worker_env(workers: int) -> dict[str, str]:
    from .._cache import kernel_cache_dir

    share = max(1, default_threads() // workers)
    return {"NUMBA_NUM_THREADS": str(share), "NUMBA_CACHE_DIR": str(kernel_cache_dir()),
            "IMX_WORKER_THREADS": str(share)}


def _connect(address: str):
    from distributed import Client

    timeout = connect_timeout()
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ParameterError(f"cannot reach the Dask scheduler at {address} within "
                             f"{timeout:g} s ({exc.__class__.__name__})") from None
    except ValueError as exc:
        raise ParameterError(f"bad Dask scheduler address {address!r}: {exc}") from None


def _ensure_plugin(session: ClusterSession) -> None:
    if session.state.plugin:
        return
    from .worker import ImxWorkerPlugin

    session.client.register_plugin(ImxWorkerPlugin(), name=PLUGIN_NAME)
    session.state.plugin = True


def _session(client) -> ClusterSession:
    state = _STATES.get(client)
    if state is None:
        state = _STATES[client] = ClientState()
    session = ClusterSession(client, state)
    _ensure_plugin(session)
    session.workers()  # at least one, or a clear error
    return session


@contextlib.contextmanager
def open_cluster(cluster) -> Iterator[ClusterSession]:
    """The cluster of a call: yields a :class:`ClusterSession`; closes what it started.

    Raises ParameterError for a malformed spec or a scheduler that does not
    answer within the connect timeout (:func:`connect_timeout`).
    """
    if not isinstance(cluster, str):
        if not hasattr(cluster, "scheduler_info") or not hasattr(cluster, "submit"):
            raise ParameterError("cluster must be a distributed.Client, a scheduler address "
                                 f"or 'local[:N]', got {type(cluster).__name__}")
        yield _session(cluster)
        return
    kind, workers = parse_cluster(cluster)
    try:
        import distributed
    except ImportError:
        raise ParameterError("the Dask backend needs dask[distributed]: "
                             "pip install 'imx[dask]'") from None
    if kind == "address":
        client = _connect(cluster.strip())
        session = None
        try:
            session = _session(client)
            yield session
        finally:
            if session is not None:
                # the cluster outlives this call: take back what it installed
                from .graphs import release_shared
                release_shared(session)
            client.close()
        return
    local = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                     dashboard_address=None, env=_worker_env(workers))
    client = distributed.Client(local, set_as_default=False)
    try:
        yield _session(client)
    finally:
        client.close()
        local.close()
