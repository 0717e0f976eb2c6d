"""Scoped numba thread counts: set for a block, always restored."""
from __future__ import annotations

import contextlib
from typing import Iterator

from . import _validate

__all__ = ["numba_threads"]


@contextlib.contextmanager
def numba_threads(threads: int | None) -> Iterator[None]:
    """Use ``threads`` numba threads inside the block (leave the setting alone when None).

    The count is capped at numba's pool size and restored on exit, also when
    the block raises, so a library call never changes its caller's setting.
    """
    if threads is None:
        yield
        return
    threads = _validate.threads(threads)
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(old)
