"""The BCM fit's particle evaluations, split over a Dask cluster.

Each iteration's P parameter sets are cut into one contiguous block per
worker; a worker returns the ``P_block x d`` MSE rows of its block
(:func:`imx.dynamics.fitting.particle_errors`: row p depends on parameter
set p alone), and the rows are stacked in order.  So the optimiser sees the
same numbers as on one machine and takes the same path.  The ego networks go
to every worker once per fit.
"""
from __future__ import annotations

import contextlib
import uuid
from typing import Iterator

import numpy as np

from .graphs import place_shared, release_shared, shared

__all__ = ["cluster_evaluator"]


def _errors(egos: str, eps, mu, steps, **options) -> np.ndarray:
    from ..dynamics.fitting import particle_errors

    return particle_errors(shared(egos), eps, mu, steps, **options)


@contextlib.contextmanager
def cluster_evaluator(session, record) -> Iterator:
    """A drop-in for ``particle_errors`` that runs on the session's cluster; counts
    round trips."""
    client = session.client
    placed: dict[int, tuple] = {}
    stats = {"round_trips": 0, "bytes": 0}

    def evaluate(egos, eps, mu, steps, **options) -> np.ndarray:
        hit = placed.get(id(egos))
        if hit is None or hit[0] is not egos:
            # one fit's ego networks (and per-dimension subsets), each sent once
            hit = placed[id(egos)] = (egos, f"imx-egos-{uuid.uuid4().hex}-{client.id}")
            place_shared(session, hit[1], lambda: egos)
        workers = session.workers()
        bounds = np.linspace(0, eps.shape[0], min(len(workers), eps.shape[0]) + 1)
        bounds = bounds.astype(np.int64)
        futures = [client.submit(_errors, hit[1], eps[a:b], mu[a:b], steps[a:b],
                                 **options, workers=[w], allow_other_workers=True,
                                 pure=False)
                   for w, a, b in zip(workers, bounds[:-1], bounds[1:]) if b > a]
        rows = client.gather(futures)
        stats["round_trips"] += 1
        stats["bytes"] += int(eps.nbytes + mu.nbytes + sum(r.nbytes for r in rows))
        return np.concatenate(rows, axis=0)

    try:
        yield evaluate
    finally:
        for _, handle in placed.values():
            release_shared(session, handle)
        record.counters.update({"cluster_workers": len(session.workers()),
                                "cluster_round_trips": stats["round_trips"],
                                "cluster_bytes": stats["bytes"]})
