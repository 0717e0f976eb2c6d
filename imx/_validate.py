"""Checks of the numbers users pass to the library's entry points.

Each returns the value in its canonical type or raises :class:`ParameterError`
naming the parameter.  They exist because Python and numpy convert too
willingly: ``int(2.5)`` is 2, ``True`` is 1, ``np.asarray([0.5], np.int64)`` is
node 0, and a seed of ``2**64`` wraps to 0 in a 64-bit stream key.  A number
that is not what it claims to be is an error, never a silently different run.
"""
from __future__ import annotations

import math
import numbers
from typing import Iterable

import numpy as np

from .errors import ParameterError

__all__ = ["MAX_SEED", "MAX_INT64", "MIN_EPS", "MIN_DELTA", "count", "seed", "probability",
           "failure_probability", "error_bound", "positive", "node_ids", "threads",
           "MAX_THREADS", "cluster", "cluster_backend", "CLUSTER_GROUP"]

#: Largest seed: the random streams (imx._rng, numba kernels) key on a signed 64-bit int.
MAX_SEED = 2**63 - 1
MAX_INT64 = 2**63 - 1
#: Most worker threads: far above any machine's cores, far below what exhausts memory.
MAX_THREADS = 4096
#: Smallest relative error: sample counts grow as 1/eps**2, so below this they pass 10**18
#: per node (no memory holds them) and the bounds' arithmetic underflows to a division by 0.
MIN_EPS = 1e-9
#: Smallest failure probability: the bounds take log(1/delta), and 1/delta must stay finite.
MIN_DELTA = 1e-300


def _is_number(value) -> bool:
    kind = type(value)
    if kind is int or kind is float:  # the common case, without the ABC checks
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def count(value, name: str, *, minimum: int = 0, maximum: int = MAX_INT64) -> int:
    """A whole number in ``[minimum, maximum]``: ints, numpy ints, or floats such as ``3.0``.

    The default maximum is the largest int64: every count ends up in a numpy
    array or a numba kernel, where a bigger one would wrap around.

    >>> count(3.0, "k", minimum=1)
    3
    >>> count(2.5, "k")
    Traceback (most recent call last):
    imx.errors.ParameterError: k must be a whole number, got 2.5
    """
    if type(value) is int and minimum <= value <= maximum:  # the common case, fast
        return value
    if not _is_number(value):
        raise ParameterError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        as_float = float(value)
        if not (math.isfinite(as_float) and as_float.is_integer()):
            raise ParameterError(f"{name} must be a whole number, got {value!r}")
        number = int(as_float)
    if number < minimum:
        raise ParameterError(f"{name} must be at least {minimum}, got {number}")
    if number > maximum:
        raise ParameterError(f"{name} must be at most {maximum:,}, got {number:,}")
    return number


def seed(value, name: str = "seed") -> int:
    """A random seed in ``[0, 2**63)``, the range every imx random stream accepts unchanged."""
    number = count(value, name, maximum=2**64)
    if number > MAX_SEED:
        raise ParameterError(f"{name} must be below 2**63, got {number}")
    return number


def threads(value, name: str = "threads") -> int:
    """A worker-thread count in ``[1, MAX_THREADS]`` (each worker holds O(n) scratch)."""
    return count(value, name, minimum=1, maximum=MAX_THREADS)


def probability(value, name: str, *, low: float = 0.0, high: float = 1.0,
                low_open: bool = True, high_open: bool = True) -> float:
    """A finite float in the interval from ``low`` to ``high`` (open ends by default)."""
    number = float(value) if _is_number(value) else math.nan
    inside = ((low < number if low_open else low <= number)
              and (number < high if high_open else number <= high))
    if not inside:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ParameterError(f"{name} must be a number in {interval}, got {value!r}")
    return number


def failure_probability(value, name: str = "delta") -> float:
    """A failure probability in ``[MIN_DELTA, 1)``."""
    number = probability(value, name)
    if number < MIN_DELTA:
        raise ParameterError(f"{name} = {value!r} is too small (below {MIN_DELTA:g}) for the "
                             "bounds' floating-point arithmetic")
    return number


def error_bound(value, name: str = "eps", *, high: float = 1.0) -> float:
    """A relative error in ``[MIN_EPS, high)``."""
    number = probability(value, name, high=high)
    if number < MIN_EPS:
        raise ParameterError(f"{name} = {value!r} is too small (below {MIN_EPS:g}): the RR "
                             "sets it needs (about 1/eps**2 per node) could never be drawn")
    return number


def positive(value, name: str, *, allow_zero: bool = False) -> float:
    """A finite float above zero (or at least zero with ``allow_zero``)."""
    number = float(value) if _is_number(value) else math.nan
    if not (math.isfinite(number) and (number >= 0 if allow_zero else number > 0)):
        bound = ">= 0" if allow_zero else "> 0"
        raise ParameterError(f"{name} must be a finite number {bound}, got {value!r}")
    return number


def node_ids(values: Iterable, n: int, name: str = "seeds") -> np.ndarray:
    """Internal node ids as a 1-D int64 array, each in ``[0, n)``.

    Integer arrays and sequences of ints pass; floats only when whole
    (``[2.0]``), never ``[0.5]``; booleans are refused (a mask is not a list of ids).
    """
    if isinstance(values, (str, bytes)):
        raise ParameterError(f"{name} must be a sequence of node ids, got {values!r}")
    try:
        arr = np.asarray(values if isinstance(values, np.ndarray) else list(values))
    except TypeError:
        raise ParameterError(f"{name} must be a sequence of node ids, got {values!r}") from None
    if arr.ndim != 1:
        raise ParameterError(f"{name} must be a flat sequence of node ids, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.floor(arr))
        if not whole.all():
            first = arr[~whole][:1].tolist()[0]
            raise ParameterError(f"{name} must be whole node ids, got {first!r}")
    elif arr.dtype.kind not in "iu":
        raise ParameterError(f"{name} must be integer node ids, got {arr.dtype} values "
                             f"such as {arr[:1].tolist()[0]!r}")
    if arr.min() < 0 or arr.max() >= n:
        bad = arr[(arr < 0) | (arr >= n)][:1].tolist()[0]
        raise ParameterError(f"{name}: node id {bad!r} is not in 0..{n - 1}")
    return arr.astype(np.int64)


#: The entry-point group of cluster backends, and the backend ``cluster=`` strings and
#: Clients go to (``imx[dask]`` registers ``dask = "imx.distributed:Cluster"``).
CLUSTER_GROUP = "imx.cluster"
CLUSTER_BACKEND = "dask"


def cluster(value, name: str = "cluster"):
    """The cluster backend object for ``cluster=``, or None.

    ``value`` is a ``distributed.Client``, a scheduler address
    (``"tcp://host:8786"``), ``"local"`` / ``"local:N"``, or a backend object
    already made (:class:`imx.distributed.Cluster`, returned as it is).  The
    solvers sit below the distributed layer and never import it: a string or a
    Client is handed to the backend registered under the entry point
    ``imx.cluster`` / ``dask``, which checks the spec (a malformed one is a
    ParameterError here, before any work).
    """
    if value is None or hasattr(value, "rr_collections"):
        return value
    is_client = hasattr(value, "scheduler_info") and hasattr(value, "submit")
    if not isinstance(value, str) and not is_client:
        raise ParameterError(f"{name} takes a distributed.Client, a scheduler address such as "
                             f"'tcp://host:8786' or 'local[:N]', got {type(value).__name__}")
    return cluster_backend(f"{name}={value!r}" if isinstance(value, str) else name)(value)


def cluster_backend(what: str = "cluster"):
    """The registered Dask backend's factory (spec or Client -> backend object);
    ParameterError naming ``imx[dask]`` when Dask or the registration is missing."""
    import importlib.util
    from importlib.metadata import entry_points

    if importlib.util.find_spec("distributed") is None:
        raise ParameterError(f"{what} runs on Dask, which is not installed: "
                             "pip install 'imx[dask]'")
    found = entry_points(group=CLUSTER_GROUP, name=CLUSTER_BACKEND)
    if not found:
        raise ParameterError(f"{what} needs imx's Dask backend, but this installation of imx "
                             f"does not register it (entry point {CLUSTER_GROUP}: "
                             f"{CLUSTER_BACKEND}); reinstall imx: pip install 'imx[dask]'")
    entry = next(iter(found))
    try:
        return entry.load()
    except ImportError as exc:
        raise ParameterError(f"{what}: cannot load the Dask backend {entry.value} "
                             f"({exc}); pip install 'imx[dask]'") from None
