"""The spread of any CIM assignment on the passive graph.

Two estimators of the RR-set engine, both independent of how the assignment
was found:

* ``rr``: the stopping-rule RR estimator (Dagum et al. 2000,
  :func:`imx.sampling.rr_spread`): within (1 +- eps) of the spread with
  probability 1 - delta (default delta = 1/n).
* ``mc``: Monte-Carlo forward simulation (:func:`imx.sampling.mc_spread`).

Both draw from stream families derived from ``seed`` that the solvers do not
use, so evaluating a solver's answer does not reuse its RR sets.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from ... import _validate
from ...errors import ParameterError
from .problem import CIMProblem, check_assignment

__all__ = ["SpreadEvaluation", "rr_estimate", "mc_estimate", "evaluate_seeds",
           "evaluate_assignment", "describe_violations", "EVALUATION_ROLE"]

#: Role number of the evaluation streams (see :func:`imx.sampling.sampler.derive_seed`).
EVALUATION_ROLE = 7
DEFAULT_MAX_RR_SETS = 200_000_000


@dataclass
class SpreadEvaluation:
    """An estimate of the expected spread on ``P`` of a seed set.

    ``low``/``high`` bracket the spread (RR: the (1 +- eps) guarantee of the
    stopping rule; MC: a 95% normal interval); ``samples`` counts RR sets or
    simulations; ``converged`` is False when the RR estimator hit its cap
    before the stopping rule fired (then low/high are the 95% interval).
    """

    spread: float
    low: float
    high: float
    method: str
    samples: int
    converged: bool = True
    stderr: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _eval_seed(seed: int) -> int:
    from ...sampling.sampler import derive_seed

    return derive_seed(seed, EVALUATION_ROLE)


def rr_estimate(problem: CIMProblem, seeds: np.ndarray, *, eps: float = 0.01,
                delta: float | None = None, model: str = "ic", seed: int = 1,
                threads: int | None = None, max_rr_sets: int = DEFAULT_MAX_RR_SETS,
                progress: Callable | None = None) -> SpreadEvaluation:
    """Stopping-rule RR estimate of the spread of ``seeds`` (ids in ``P``)."""
    from ...sampling.spread import rr_spread

    eps = _validate.error_bound(eps, "eps")
    n = problem.passive.n
    delta = 1.0 / max(n, 2) if delta is None else _validate.failure_probability(delta, "delta")
    seeds = np.unique(np.asarray(seeds, dtype=np.int64))
    if seeds.size == 0 or n == 0:
        return SpreadEvaluation(0.0, 0.0, 0.0, "rr", 0)
    est = rr_spread(problem.passive, seeds, eps=eps, delta=delta, model=model,
                    seed=_eval_seed(seed), threads=threads, max_rr_sets=max_rr_sets,
                    labels=False, progress=progress)
    converged = est.runs < max_rr_sets
    if converged:
        low, high = est.mean / (1.0 + eps), min(float(n), est.mean / (1.0 - eps))
    else:
        low, high = est.ci_low, est.ci_high
    return SpreadEvaluation(est.mean, low, high, "rr", int(est.runs), converged, est.stderr)


def mc_estimate(problem: CIMProblem, seeds: np.ndarray, *, runs: int = 10_000,
                model: str = "ic", seed: int = 1, threads: int | None = None,
                progress: Callable | None = None) -> SpreadEvaluation:
    """Monte-Carlo estimate of the spread of ``seeds`` (ids in ``P``) over ``runs`` simulations."""
    from ...sampling.montecarlo import mc_spread

    runs = _validate.count(runs, "runs", minimum=1)
    seeds = np.unique(np.asarray(seeds, dtype=np.int64))
    if seeds.size == 0:
        return SpreadEvaluation(0.0, 0.0, 0.0, "mc", int(runs), stderr=0.0)
    est = mc_spread(problem.passive, seeds, int(runs), model=model, seed=_eval_seed(seed),
                    threads=threads, labels=False, progress=progress)
    return SpreadEvaluation(est.mean, est.ci_low, est.ci_high, "mc", int(runs), True, est.stderr)


def evaluate_seeds(problem: CIMProblem, seeds: np.ndarray, *, method: str = "rr",
                   eps: float = 0.01, runs: int = 10_000, model: str = "ic", seed: int = 1,
                   threads: int | None = None,
                   progress: Callable | None = None) -> SpreadEvaluation:
    """Spread of ``seeds`` (ids in ``P``) by ``method`` ``"rr"`` or ``"mc"``."""
    if method == "rr":
        return rr_estimate(problem, seeds, eps=eps, model=model, seed=seed, threads=threads,
                           progress=progress)
    if method == "mc":
        return mc_estimate(problem, seeds, runs=runs, model=model, seed=seed, threads=threads,
                           progress=progress)
    raise ParameterError(f"evaluation method must be 'rr' or 'mc', got {method!r}")


def describe_violations(violations: list[str], shown: int = 10) -> str:
    """The violations of an assignment as one line: the first ``shown``, then a count."""
    text = "; ".join(violations[:shown])
    if len(violations) > shown:
        text += f"; ... {len(violations) - shown} more"
    return f"the assignment is infeasible ({len(violations)} violations: {text})"


def evaluate_assignment(problem: CIMProblem, ap_index: np.ndarray, seeds: np.ndarray, *,
                        capacity: int | None = None, allow_infeasible: bool = False,
                        **estimate) -> tuple[SpreadEvaluation, list[str]]:
    """Spread of an assignment (AP positions, seed ids in ``P``) and its violations.

    An infeasible assignment (a seed that is not a candidate of its AP, an AP
    over ``capacity``, a seed on two APs) is not a CIM answer, so its spread
    would mislead: ParameterError listing the violations, unless
    ``allow_infeasible``.  ``estimate`` goes to :func:`evaluate_seeds`.
    """
    violations = check_assignment(problem, ap_index, seeds, capacity=capacity)
    if violations and not allow_infeasible:
        raise ParameterError(describe_violations(violations)
                             + "; pass allow_infeasible=True to evaluate it anyway")
    return evaluate_seeds(problem, seeds, **estimate), violations
