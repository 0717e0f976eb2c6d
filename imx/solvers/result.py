"""The result of an influence-maximization run."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..record import Result, RunRecord

if TYPE_CHECKING:
    from ..graph.core import Graph

__all__ = ["IMResult", "validate_common"]


@dataclass(frozen=True, eq=False, repr=False)
class IMResult(Result):
    """What an influence-maximization solver returns.

    Attributes
    ----------
    solver, model : str
    seeds : list
        The chosen nodes as labels (the ids they had in the input), in
        selection order: what every function taking nodes accepts.
    spread : float or None
        Estimated expected spread of ``seeds`` (OPIM-C: from its validation
        sets, unbiased; IMM and baselines: from an independent RR estimate).
    lower_bound, upper_bound : float or None
        Certified (probability >= 1 - delta) lower bound on the spread of
        ``seeds`` and upper bound on the optimal spread, where the solver gives them.
    approx_ratio : float or None
        ``lower_bound / upper_bound``: the approximation ratio certified for this
        instance (certifying solvers only).
    rr_sets : int
        RR sets drawn in total (all collections).
    seed_ids : numpy.ndarray
        The same nodes as int32 internal ids ``0..n-1``.
    record : RunRecord
        Seconds per phase, counters (iterations, theta, collection sizes...).
    """

    solver: str
    model: str
    seeds: list
    spread: float | None
    lower_bound: float | None
    upper_bound: float | None
    approx_ratio: float | None
    rr_sets: int
    seed_ids: np.ndarray = field(repr=False)
    record: RunRecord = field(default_factory=RunRecord)

    @classmethod
    def of(cls, graph: Graph, seed_ids: Any, *, solver: str, model: str, spread: float | None,
           lower_bound: float | None = None, upper_bound: float | None = None,
           approx_ratio: float | None = None, rr_sets: int = 0,
           record: RunRecord | None = None) -> IMResult:
        """The result for internal ``seed_ids`` of ``graph`` (labels looked up here)."""
        ids = np.asarray(seed_ids, dtype=np.int32)
        ids.setflags(write=False)

        def number(x: float | None) -> float | None:
            return None if x is None else float(x)

        return cls(solver=solver, model=model, seeds=graph.label_list(ids), spread=number(spread),
                   lower_bound=number(lower_bound), upper_bound=number(upper_bound),
                   approx_ratio=number(approx_ratio), rr_sets=int(rr_sets), seed_ids=ids,
                   record=RunRecord() if record is None else record)

    @property
    def k(self) -> int:
        return len(self.seeds)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (``k`` added)."""
        return {"k": self.k, **super().to_dict()}


def validate_common(graph: Graph, k: int, eps: float | None = None, delta: float | None = None
                    ) -> tuple[int, float | None, float | None]:
    """Check k (1..n), eps (0, 1) and delta (0, 1; default 1/n); return them."""
    from .. import _validate
    from ..errors import ParameterError

    n = graph.n
    if n < 1:
        raise ParameterError("the graph has no nodes")
    k = _validate.count(k, "k", minimum=1)
    if k > n:
        raise ParameterError(f"k must be between 1 and the number of nodes ({n}), got {k}")
    if eps is not None:
        eps = _validate.error_bound(eps, "eps")
    if delta is None:
        delta = 1.0 / n if n > 1 else 0.5
    return k, eps, _validate.failure_probability(delta, "delta")
