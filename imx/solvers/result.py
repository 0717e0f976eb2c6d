"""The result of an influence-maximization run."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["IMResult", "validate_common"]


@dataclass
class IMResult:
    """What an influence-maximization solver returns.

    Attributes
    ----------
    seeds : numpy.ndarray
        int32 internal node ids, in selection order.
    seed_labels : list
        The same nodes as input labels.
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
    solver, model : str
    record : dict
        ``RunRecord.to_dict()``: seconds per phase, counters (iterations,
        theta, collection sizes, parameters...).
    """

    seeds: np.ndarray
    seed_labels: list
    spread: float | None
    lower_bound: float | None
    upper_bound: float | None
    approx_ratio: float | None
    rr_sets: int
    solver: str
    model: str
    record: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(len(self.seeds))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return {
            "solver": self.solver,
            "model": self.model,
            "k": self.k,
            "seeds": [int(s) for s in self.seeds],
            "seed_labels": list(self.seed_labels),
            "spread": self.spread,
            "lower_bound": self.lower_bound,
            "upper_bound": self.upper_bound,
            "approx_ratio": self.approx_ratio,
            "rr_sets": int(self.rr_sets),
            "record": self.record,
        }


def validate_common(graph, k: int, eps: float | None = None, delta: float | None = None
                    ) -> tuple[int, float | None, float | None]:
    """Check k (1..n), eps (0, 1) and delta (0, 1; default 1/n); return them."""
    from ..errors import ParameterError

    n = graph.n
    if n < 1:
        raise ParameterError("the graph has no nodes")
    try:
        k = int(k)
    except (TypeError, ValueError):
        raise ParameterError(f"k must be an integer, got {k!r}") from None
    if not 1 <= k <= n:
        raise ParameterError(f"k must be between 1 and the number of nodes ({n}), got {k}")
    if eps is not None and not (0.0 < float(eps) < 1.0):
        raise ParameterError(f"eps must be in (0, 1), got {eps!r}")
    if delta is None:
        delta = 1.0 / n if n > 1 else 0.5
    if not (0.0 < float(delta) < 1.0):
        raise ParameterError(f"delta must be in (0, 1), got {delta!r}")
    return k, (None if eps is None else float(eps)), float(delta)
