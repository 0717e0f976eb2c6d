"""Monte-Carlo spread over a Dask cluster.

Run ``r`` draws from stream ``(seed, r)`` wherever it executes, so splitting
the runs into index-aligned blocks over the workers gives the per-run values,
hence the mean and interval, of :func:`imx.sampling.mc_spread` on one machine.
"""
from __future__ import annotations

import hashlib
from typing import Callable

import numpy as np

from . import worker as tasks
from .graphs import place_graph

__all__ = ["distributed_runs"]

#: Runs per task: big enough that the ~0.1 s around a task is noise.
_BLOCK_RUNS = 4096


def distributed_runs(session, graph, ids: np.ndarray, runs: int, *, model: str, seed: int,
                     progress: Callable | None = None) -> np.ndarray:
    """Active-node counts of runs ``0 .. runs - 1`` (int32), computed on the session's
    cluster (:class:`imx.distributed.ClusterSession`)."""
    from distributed import as_completed

    handle = place_graph(session, graph, "out").handle
    workers = session.workers()
    block = max(1, min(_BLOCK_RUNS, -(-runs // len(workers))))
    ids = np.asarray(ids, dtype=np.int64)
    token = hashlib.blake2b(ids.tobytes(), digest_size=12).hexdigest()
    futures = {}
    for i, first in enumerate(range(0, runs, block)):
        last = min(runs, first + block)
        future = session.client.submit(
            tasks.simulate_runs, handle, ids, model, seed, first, last, pure=True,
            key=f"{handle}-mc-{model}-{seed}-{token}-{first}-{last}",
            workers=[workers[i % len(workers)]], allow_other_workers=True)
        futures[future] = first
    values = np.zeros(runs, dtype=np.int32)
    done = 0
    for future in as_completed(list(futures), loop=session.client.loop):
        first = futures[future]
        part = future.result()
        values[first:first + part.shape[0]] = part
        done += part.shape[0]
        if progress is not None:
            progress(done, runs, "simulations")
    return values
