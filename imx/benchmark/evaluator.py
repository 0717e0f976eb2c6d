"""The one spread evaluator of a suite, identical for every solver.

A solver's own spread estimate comes from its own RR sets and is biased towards
the seeds it chose; the harness re-estimates every answer with a fresh,
independent sample: the RR estimator to relative error ``eps`` (default 0.01),
or ``runs`` Monte-Carlo simulations (default 10,000), with a fixed evaluator
seed that no solver uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = ["Evaluator"]

#: Default evaluator seed, far from the small seeds solvers are run with.
EVALUATOR_SEED = 9_001


@dataclass(frozen=True)
class Evaluator:
    """Estimate the expected spread of seed sets, the same way for every solver."""

    method: str = "rr"
    eps: float = 0.01
    runs: int = 10_000
    seed: int = EVALUATOR_SEED
    delta: float | None = None
    max_rr_sets: int | None = None   # rr: a fixed sample (eps tiny), as paired comparisons want

    @classmethod
    def from_config(cls, config: dict) -> "Evaluator":
        method = config.get("method", "rr")
        if method not in ("rr", "mc"):
            raise ParameterError(f"evaluator method must be 'rr' or 'mc', got {method!r}")
        return cls(method=method, eps=float(config.get("eps", 0.01)),
                   runs=int(config.get("runs", 10_000)),
                   seed=int(config.get("seed", EVALUATOR_SEED)),
                   delta=None if config.get("delta") is None else float(config["delta"]),
                   max_rr_sets=None if config.get("max_rr_sets") is None
                   else int(config["max_rr_sets"]))

    def describe(self) -> dict:
        out: dict[str, Any] = {"method": self.method, "seed": self.seed}
        if self.method == "rr":
            out["eps"] = self.eps
            if self.max_rr_sets is not None:
                out["max_rr_sets"] = self.max_rr_sets
        else:
            out["runs"] = self.runs
        return out

    def __call__(self, graph, seed_ids, model: str = "ic", threads: int | None = None) -> dict:
        """Spread of ``seed_ids`` (internal ids of ``graph``) under ``model``."""
        from .. import sampling

        seeds = np.asarray(seed_ids, dtype=np.int64)
        if self.method == "rr":
            kwargs = {"eps": self.eps, "model": model, "seed": self.seed, "labels": False}
            if self.delta is not None:
                kwargs["delta"] = self.delta
            if self.max_rr_sets is not None:
                kwargs["max_rr_sets"] = self.max_rr_sets
            if threads is not None:
                kwargs["threads"] = threads
            estimate = sampling.rr_spread(graph, seeds, **kwargs)
        else:
            kwargs = {"model": model, "seed": self.seed, "labels": False}
            if threads is not None:
                kwargs["threads"] = threads
            estimate = sampling.mc_spread(graph, seeds, runs=self.runs, **kwargs)
        out = self.describe()
        out["spread"] = float(estimate.mean)
        for name in ("stderr", "ci_low", "ci_high", "low", "high", "runs", "rr_sets", "samples",
                     "count"):
            value = getattr(estimate, name, None)
            if isinstance(value, (int, float, np.integer, np.floating)):
                out[name] = value.item() if isinstance(value, np.generic) else value
        return out
