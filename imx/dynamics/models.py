"""``simulate``: run a bounded-confidence model on an imx Graph.

Models: ``dw`` (Deffuant-Weisbuch, :mod:`.deffuant`), ``hk``
(Hegselmann-Krause, :mod:`.hegselmann_krause`) and ``ego`` (the synchronous
ego update of every node).  Parameters shared by all: per-dimension or scalar
``epsilon`` and ``mu``, the distance (:mod:`.rules`), stubborn nodes, clipping,
a convergence stop and the recording of every step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numba
import numpy as np

from .. import _validate
from .._names import BCM_DISTANCES, BCM_MODELS
from .._threads import numba_threads
from ..errors import ParameterError
from ..graph.core import Graph
from ..record import Result, RunRecord
from .deffuant import PAIRINGS, arc_tails, dw_steps
from .hegselmann_krause import SERIAL_WORK, sync_steps, sync_steps_serial
from ..sampling.memory import check_budget, resolve_budget
from .state import ValueTable, align_values, check_state, default_dims

__all__ = ["simulate", "SimulationResult", "MODELS", "DISTANCES", "param_vector",
           "numba_threads"]

MODELS = BCM_MODELS
DISTANCES = BCM_DISTANCES
DEFAULT_MU = {"dw": 0.5, "hk": 1.0, "ego": 0.5}

Progress = Callable[[float, float | None, str | None], None]


@dataclass(frozen=True, eq=False, repr=False)
class SimulationResult(Result):
    """The outcome of :func:`simulate`.

    Attributes
    ----------
    state : ``n x d`` final values.
    trajectory : ``(steps + 1) x n x d`` every state from the initial one
        (``record="all"``), else None.
    steps : steps run (fewer than asked when the convergence stop fired).
    converged : True when the largest change of the last step was below ``tol``.
    max_change : largest change of a node value in the last step (None if not measured).
    dims : dimension names.
    params : the parameters used (epsilon, mu as lists, model, ...).
    record : execution record (time per phase, counters).
    """

    state: np.ndarray = field(repr=False, metadata={"to_dict": False})
    trajectory: np.ndarray | None = field(repr=False, metadata={"to_dict": False})
    steps: int
    converged: bool
    max_change: float | None
    dims: tuple
    params: dict
    record: RunRecord = field(default_factory=RunRecord)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (without the arrays)."""
        return super().to_dict()


def param_vector(value: float | Sequence[float] | np.ndarray, d: int, name: str,
                 low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """A length-``d`` float64 vector from a scalar or ``d`` values in [low, high]."""
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64)).reshape(-1)
    if arr.size == 1:
        arr = np.full(d, float(arr[0]))
    if arr.size != d:
        raise ParameterError(f"{name} needs 1 or {d} values (one per dimension), got {arr.size}")
    bad = ~((arr >= low) & (arr <= high))
    if bad.any():
        raise ParameterError(f"{name} = {float(arr[bad][0])!r} is not in [{low:g}, {high:g}]")
    return arr


def epsilon_vector(epsilon, d: int, distance: str) -> np.ndarray:
    """Epsilon as the kernels take it: d values, or one value for the vector distance."""
    if distance == "vector":
        arr = np.atleast_1d(np.asarray(epsilon, dtype=np.float64)).reshape(-1)
        if arr.size != 1 and not np.all(arr == arr[0]):
            raise ParameterError("the vector distance takes one epsilon, not one per dimension")
        return param_vector(arr[:1], 1, "epsilon", 0.0, np.inf)
    return param_vector(epsilon, d, "epsilon", 0.0, np.inf)


def check_choice(value: str, choices: Sequence[str], name: str) -> str:
    if value not in choices:
        raise ParameterError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _stubborn_mask(stubborn, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=np.uint8)
    if stubborn is None:
        return mask
    arr = np.asarray(stubborn)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ParameterError(f"a boolean stubborn mask needs {n} entries, got {arr.shape}")
        mask[arr] = 1
        return mask
    if arr.size and arr.dtype.kind not in "iu":
        raise ParameterError("stubborn must be a boolean mask or an array of node ids")
    arr = arr.astype(np.int64).reshape(-1)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ParameterError(f"stubborn node id out of range 0..{n - 1}")
    mask[arr] = 1
    return mask


def _arc_weights(graph: Graph, weights) -> tuple[np.ndarray, bool]:
    """Per in-arc weights (in-CSR order) and whether to use them."""
    if weights is None or weights is False:
        return np.ones(0), False
    if isinstance(weights, str) or weights is True:
        if weights not in ("graph", True):
            raise ParameterError(f"weights must be None, 'graph' or an array; got {weights!r}")
        return np.asarray(graph.in_probs, dtype=np.float64), True
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.shape[0] != graph.m:
        raise ParameterError(f"weights needs one value per arc ({graph.m}), got {w.shape[0]}")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise ParameterError("weights must be finite and non-negative")
    return w, True


def simulate(graph: Graph, values: np.ndarray | ValueTable, *, model: str = "dw",
             epsilon: float | Sequence[float] = 0.2, mu: float | Sequence[float] | None = None,
             steps: int = 100, seed: int = 1, distance: str = "dimension",
             weights: str | np.ndarray | None = None, stubborn=None, clip: bool = True,
             tol: float | None = None, record: str = "last", pairing: str = "arc",
             interactions: int | None = None, threads: int | None = None,
             max_memory: int | None = None, progress: Progress | None = None
             ) -> SimulationResult:
    """Simulate bounded-confidence value dynamics on ``graph``.

    Parameters
    ----------
    graph : imx Graph; an arc ``u -> v`` lets ``u`` influence ``v``.
    values : ``n x d`` initial scores in [0, 1] (row ``i`` = node id ``i``), or a
        :class:`~imx.dynamics.state.ValueTable` read from a value file (aligned by label).
    model : ``"dw"`` (Deffuant-Weisbuch), ``"hk"`` (Hegselmann-Krause) or ``"ego"``
        (every node applies the ego update synchronously).
    epsilon : confidence bound, scalar or one per dimension (>= 0).
    mu : convergence rate in [0, 1], scalar or one per dimension.  Default 0.5 for
        dw and ego, 1 for hk (the classic mean).
    steps : maximum number of steps (>= 0).  A dw step is ``interactions`` pair
        draws; an hk/ego step updates every node once.
    seed : seed of the dw pair draws (hk and ego are deterministic).
    distance : ``"dimension"`` (each dimension on its own) or ``"vector"`` (RMS over
        dimensions against one epsilon).
    weights : hk/ego tie weights: None (all 1), ``"graph"`` (the arc
        probabilities) or one non-negative value per arc in in-CSR order
        (``graph.in_sources``).  dw ignores them.
    stubborn : nodes that never move: a boolean mask or an array of node ids.
    clip : clip values to [0, 1] after each update.
    tol : stop after the first step whose largest change is below ``tol``.
    record : ``"last"`` (final state only) or ``"all"`` (every step, memory checked).
    pairing : dw pair draw, ``"arc"`` (uniform arc) or ``"node"`` (uniform node, then
        uniform out-neighbour, as ndlib).
    interactions : dw pair draws per step (default ``n``).
    threads : numba threads for hk/ego (default: all cores, or the calling thread alone when
        a step is small); the result does not depend on it.  dw runs on one thread.
    max_memory : byte budget for ``record="all"`` (default 80% of available memory).
    progress : optional callback ``progress(done, total, label)``.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ParameterError
        for a bad parameter; ``MemoryBudgetError`` when the trajectory would not fit.

    Examples
    --------
    >>> import numpy as np, imx
    >>> g = imx.Graph.from_arrays([0, 1], [1, 2], directed=False)
    >>> r = imx.dynamics.simulate(g, np.array([[0.2], [0.5], [0.9]]), model="hk",
    ...                           epsilon=1.0, steps=50)
    >>> bool(np.ptp(r.state) < 1e-6)
    True
    """
    check_choice(model, MODELS, "model")
    check_choice(distance, DISTANCES, "distance")
    check_choice(record, ("last", "all"), "record")
    check_choice(pairing, PAIRINGS, "pairing")
    if isinstance(values, ValueTable):
        dims = tuple(values.dims)
        state = align_values(values, graph)
    else:
        if np.ndim(values) != 2:  # a 1-D array is as likely one node's d values as n nodes' one
            raise ParameterError(f"values must be an n x d array (one row per node), got shape "
                                 f"{np.shape(values)}; for one dimension pass "
                                 "values.reshape(-1, 1)")
        state = check_state(values, graph.n)
        dims = default_dims(state.shape[1])
    n, d = state.shape
    steps = _validate.count(steps, "steps")
    seed = _validate.seed(seed)
    eps = epsilon_vector(epsilon, d, distance)
    mu_v = param_vector(DEFAULT_MU[model] if mu is None else mu, d, "mu")
    if tol is not None:
        tol = _validate.positive(tol, "tol", allow_zero=True)
    tol_v = float(tol or 0.0)
    mask = _stubborn_mask(stubborn, n)
    interactions = _validate.count(n if interactions is None else interactions, "interactions")
    vector = distance == "vector"
    rec = RunRecord()
    trajectory = None
    if record == "all":
        check_budget((steps + 1) * state.nbytes, resolve_budget(max_memory), "recording every step")
        trajectory = np.empty((steps + 1, n, d))
        trajectory[0] = state
    chunk = 1 if record == "all" else (steps if progress is None else max(1, steps // 100))
    done = 0
    change: float | None = None
    converged = False
    with rec.phase("simulate"), numba_threads(threads):
        if model == "dw":
            tails = arc_tails(graph.out_offsets)
            snapshot = np.empty_like(state) if tol_v > 0 else np.empty((1, d))
            run = lambda s0, k: dw_steps(state, tails, graph.out_offsets, graph.out_targets, eps,
                                         mu_v, vector, mask, clip, PAIRINGS.index(pairing),
                                         int(interactions), int(seed), s0, k, tol_v, snapshot)
        else:
            w, weighted = _arc_weights(graph, weights)
            buf = np.empty_like(state)
            blocks = np.zeros(max(1, min(n, 4 * numba.config.NUMBA_NUM_THREADS, 1024)))
            include_self = model == "hk"
            serial = threads == 1 or (threads is None and graph.m * d < SERIAL_WORK)
            kernel = sync_steps_serial if serial else sync_steps
            run = lambda s0, k: kernel(state, buf, graph.in_offsets, graph.in_sources, w,
                                           weighted, eps, mu_v, vector, include_self, mask, clip,
                                           k, tol_v, blocks)
        while done < steps:
            k = min(chunk, steps - done)
            ran, last = run(done, k)
            done += int(ran)
            change = None if last < 0 else float(last)
            if trajectory is not None:
                trajectory[done] = state
            if progress is not None:
                progress(done, steps, f"{model} steps")
            if tol_v > 0 and change is not None and change < tol_v:
                converged = True
                break
    if trajectory is not None:
        trajectory = trajectory[:done + 1]
    rec.counters.update({"steps": done, "nodes": n, "arcs": graph.m, "dims": d,
                         "node_updates": done * (int(interactions) if model == "dw" else n)})
    params = {"model": model, "epsilon": eps.tolist(), "mu": mu_v.tolist(), "steps": steps,
              "seed": int(seed), "distance": distance, "clip": bool(clip), "tol": tol,
              "weighted": model != "dw" and weights is not None, "pairing": pairing,
              "interactions": int(interactions), "stubborn": int(mask.sum())}
    return SimulationResult(state=state, trajectory=trajectory, steps=done, converged=converged,
                            max_change=change, dims=dims, params=params, record=rec)
