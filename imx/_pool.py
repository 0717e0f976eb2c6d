"""Parallel loops over numba ``nogil`` kernels with plain Python threads.

``parallel_for(count, body, threads)`` calls ``body(worker, item)`` for every
item, handing items out one at a time to ``threads`` workers (dynamic load
balance: RR sets vary wildly in size).  ``body`` calls a ``nogil`` kernel, so
the workers run truly in parallel; the GIL is only held for the short calls.

Why not ``prange``: numba compiles ``parallel=True`` kernels slowly (seconds
each, paid on the first run after installing), and OpenMP workers spin at
barriers, which costs a lot on a busy machine.  Results never depend on which
worker ran an item: items write to their own places, workers own their
scratch rows (indexed by ``worker``).
"""
from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from . import _validate

__all__ = ["resolve_threads", "parallel_for", "default_threads"]


def default_threads() -> int:
    """All usable cores: NUMBA_NUM_THREADS if set, else the CPUs this process may run on."""
    env = os.environ.get("NUMBA_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_threads(threads: int | None) -> int:
    """Validate ``threads`` (None: all cores)."""
    if threads is None:
        return default_threads()
    return _validate.threads(threads)


# Handing items to a helper thread costs tens of microseconds on an idle machine
# and can cost milliseconds on a busy one; the kernels go through roughly 10^8
# entries (RR-set nodes) a second.  Below this much work one thread is faster.
PARALLEL_MIN_WORK = 50_000


def parallel_for(count: int, body: Callable[[int, int], None], threads: int,
                 work: float | None = None) -> None:
    """Run ``body(worker, item)`` for ``item`` in ``range(count)`` on ``threads`` workers.

    ``work`` (optional) is the size of the whole job in kernel entries; below
    :data:`PARALLEL_MIN_WORK` the caller's thread does it alone.  The first
    exception raised by a worker is re-raised here (the other workers stop
    taking new items).
    """
    if work is not None and work < PARALLEL_MIN_WORK:
        threads = 1
    workers = max(1, min(int(threads), int(count)))
    if workers == 1:
        for item in range(count):
            body(0, item)
        return
    counter = itertools.count()
    failure: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            for item in counter:
                if item >= count or failure:
                    return
                body(worker, item)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            failure.append(exc)

    # The caller is worker 0 and keeps taking items itself, so the loop
    # finishes even if the helpers start late (e.g. the pool is busy).
    helpers = [_helpers(workers - 1).submit(run, w) for w in range(1, workers)]
    run(0)
    # Every item is claimed once the caller's loop ends.  A helper the OS has not
    # scheduled yet (a busy machine, or items too small to need it) would only
    # wake up to find nothing left: cancel it rather than wait for it.
    for future in helpers:
        if not future.cancel():
            future.result()
    if failure:
        raise failure[0]


_LOCK = threading.Lock()
_EXECUTOR: ThreadPoolExecutor | None = None


def _helpers(size: int) -> ThreadPoolExecutor:
    """A process-wide pool of helper threads, grown on demand: starting OS
    threads for every parallel loop costs more than small loops take."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None or _EXECUTOR._max_workers < size:
            old = _EXECUTOR
            _EXECUTOR = ThreadPoolExecutor(max_workers=size, thread_name_prefix="imx-worker")
            if old is not None:
                old.shutdown(wait=False)
        return _EXECUTOR
