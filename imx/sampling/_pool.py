"""The thread pool of the sampling kernels lives in :mod:`imx._pool`, below the
graph layer, so that the graph generators can run on it too."""
from .._pool import default_threads, parallel_for, resolve_threads

__all__ = ["resolve_threads", "parallel_for", "default_threads"]
