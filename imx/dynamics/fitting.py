"""Fitting epsilon, mu (and optionally the number of steps) to observed ego networks.

The objective is the mean squared error between the predicted and the observed
t1 values of the egos (over egos and dimensions), the criterion of Mukta et
al. (arXiv 2109.08021).  Two optimisers:

* ``pso`` -- particle swarm optimisation (Kennedy & Eberhart 1995) in its
  global-best form with inertia weight (Shi & Eberhart 1998); the defaults
  (inertia 0.7298, cognitive = social = 1.49618) are Clerc and Kennedy's
  constriction values (2002).  Seeded (``numpy`` PCG64): the same seed gives
  the same history.  All particles of an iteration are evaluated in one
  parallel kernel call.
* ``de`` -- :func:`scipy.optimize.differential_evolution`, vectorised over
  the population, seeded.

The number of steps, when fitted, is profiled: one search over the continuous
parameters for each steps value in 1..max_steps, keeping the best (a swarm
with a rounded integer coordinate tends to stall on one integer plateau).

With the per-dimension distance every dimension evolves on its own, so a
per-dimension fit is d independent two-parameter searches, more reliable than
one 2d-dimensional swarm: for PSO, d swarms moved in lockstep and evaluated by
one kernel call per iteration; for DE, one run per dimension.  The history
then reports the mean over dimensions of their best MSEs.

The MSE is piecewise constant in epsilon (it only changes when epsilon crosses
a friend's distance), which suits these derivative-free searches.  Note that
with a fixed set of close friends, ``mu`` and the number of steps act through
``(1 - mu) ** steps`` only, so fitting both is ill-posed unless the set of
friends within epsilon changes along the way; the default fits one step.
``FitResult.profile`` lists the best MSE of every steps value tried.
"""
from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .. import _validate
from .._names import BCM_FIT_METHODS
from ..errors import ParameterError
from ..record import Result, RunRecord
from .ego import predict_many
from .egonets import EgoNetworks
from .models import DISTANCES, MODELS, check_choice, numba_threads

__all__ = ["fit", "FitResult", "pso", "pso_swarms", "Objective", "SeparableObjective",
           "particle_errors"]

Progress = Callable[[float, float | None, str | None], None]


@dataclass(frozen=True, eq=False, repr=False)
class FitResult(Result):
    """Fitted parameters and the search that found them.

    Attributes
    ----------
    epsilon, mu : a float, or a list (one per dimension) when fitted per dimension.
    steps : number of steps (fitted or fixed).
    mse : training MSE of the fitted parameters.
    method, model, distance, weighted, seed : how the fit ran.
    history : one dict per iteration/generation: ``iteration``, ``best_mse``,
        ``mean_mse``, ``best`` (the best parameters so far).
    evaluations : parameter sets evaluated (a per-dimension PSO counts a particle once for
        all dimensions, which share one kernel pass).
    profile : with fitted steps, ``{"steps", "mse"}`` of the best fit for each steps value.
    record : execution record.
    """

    epsilon: float | list
    mu: float | list
    steps: int
    mse: float
    method: str
    model: str
    distance: str
    weighted: bool
    seed: int
    history: list = field(default_factory=list)
    evaluations: int = 0
    dims: tuple = ()
    profile: list = field(default_factory=list)
    record: RunRecord = field(default_factory=RunRecord)

    def params(self) -> dict:
        """Keyword arguments for :func:`imx.dynamics.evaluate` / ``predict``."""
        return {"epsilon": self.epsilon, "mu": self.mu, "steps": self.steps, "model": self.model,
                "distance": self.distance, "weighted": self.weighted, "seed": self.seed}

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict()


def particle_errors(egos: EgoNetworks, eps: np.ndarray, mu: np.ndarray, steps: np.ndarray, *,
                    model: str, distance: str, weighted: bool, seed: int,
                    clip: bool) -> np.ndarray:
    """``P x d`` MSE per dimension of P parameter sets; row p depends on row p alone,
    so any split of the particles gives the same rows."""
    pred = predict_many(egos, eps, mu, steps, model=model, distance=distance,
                        weighted=weighted, seed=seed, clip=clip)
    return ((pred - egos.t1[None]) ** 2).mean(axis=1)


def _evaluator(cluster, record: RunRecord):
    """The particle evaluation of a fit: here, or split over a Dask cluster."""
    if cluster is None:
        return contextlib.nullcontext(particle_errors)
    return _validate.cluster(cluster).particle_evaluator(record)


class Objective:
    """MSE of the egos' predicted t1 values as a function of packed parameter vectors.

    A position is ``[epsilon (1 or d), mu (1 or d)]``; the number of steps is fixed.
    Calling with a ``P x k`` array returns the P MSEs.
    """

    def __init__(self, egos: EgoNetworks, *, model: str, distance: str, weighted: bool,
                 per_dimension: bool, steps: int, max_epsilon: float, seed: int, clip: bool,
                 evaluate: Callable = particle_errors):
        self.egos = egos
        self.evaluate = evaluate
        self.model, self.distance, self.weighted = model, distance, weighted
        self.seed, self.clip = seed, clip
        d = egos.d
        self.d = d
        self.n_eps = d if (per_dimension and distance == "dimension") else 1
        self.n_mu = d if per_dimension else 1
        self.steps = steps
        self.lower = np.zeros(self.n_eps + self.n_mu)
        self.upper = np.array([max_epsilon] * self.n_eps + [1.0] * self.n_mu)
        self.evaluations = 0

    @property
    def dim(self) -> int:
        return int(self.lower.size)

    def decode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = np.atleast_2d(np.clip(x, self.lower, self.upper))
        eps = x[:, :self.n_eps]
        if self.distance == "dimension" and self.n_eps == 1:
            eps = np.repeat(eps, self.d, axis=1)
        mu = x[:, self.n_eps:self.n_eps + self.n_mu]
        if self.n_mu == 1:
            mu = np.repeat(mu, self.d, axis=1)
        return eps, mu, np.full(x.shape[0], self.steps, dtype=np.int64)

    def errors(self, eps: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """``P x d`` MSE per dimension of P parameter sets (``P x d`` epsilon and mu)."""
        steps = np.full(eps.shape[0], self.steps, dtype=np.int64)
        return self.evaluate(self.egos, eps, mu, steps, model=self.model, distance=self.distance,
                             weighted=self.weighted, seed=self.seed, clip=self.clip)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        eps, mu, _ = self.decode(x)
        self.evaluations += eps.shape[0]
        return self.errors(eps, mu).mean(axis=1)

    def unpack(self, x: np.ndarray) -> tuple[float | list, float | list]:
        eps, mu, _ = self.decode(x)
        e = float(eps[0, 0]) if self.n_eps == 1 else eps[0].tolist()
        m = float(mu[0, 0]) if self.n_mu == 1 else mu[0].tolist()
        return e, m


class SeparableObjective:
    """Per-dimension (epsilon_k, mu_k) searches evaluated together.

    With the per-dimension distance, dimension k's error depends on
    (epsilon_k, mu_k) alone.  Called with ``d x P x 2`` positions (swarm k =
    dimension k), it runs one kernel call for all swarms and returns the
    ``d x P`` per-dimension MSEs.
    """

    def __init__(self, egos: EgoNetworks, *, model: str, weighted: bool, steps: int,
                 max_epsilon: float, seed: int, clip: bool,
                 evaluate: Callable = particle_errors):
        self.inner = Objective(egos, model=model, distance="dimension", weighted=weighted,
                               per_dimension=True, steps=steps, max_epsilon=max_epsilon,
                               seed=seed, clip=clip, evaluate=evaluate)
        self.lower = np.array([0.0, 0.0])
        self.upper = np.array([max_epsilon, 1.0])
        self.evaluations = 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.clip(x, self.lower, self.upper)
        eps = np.ascontiguousarray(x[:, :, 0].T)
        mu = np.ascontiguousarray(x[:, :, 1].T)
        self.evaluations += x.shape[1]  # one kernel pass covers every dimension
        return self.inner.errors(eps, mu).T


def pso_swarms(objective: Callable[[np.ndarray], np.ndarray], lower: np.ndarray,
               upper: np.ndarray, swarms: int, *, particles: int = 24, iterations: int = 60,
               inertia: float = 0.7298, cognitive: float = 1.49618, social: float = 1.49618,
               seed: int | Sequence[int] = 0, patience: int | None = None,
               progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Independent swarms moved in lockstep: ``objective`` maps ``S x P x k`` to ``S x P``.

    Each swarm is a global-best PSO on the box [lower, upper]; evaluating all
    swarms in one call lets separable problems share kernel calls.  Returns the
    ``S x k`` best positions, the S best values and the history (one dict per
    iteration, 0 = the initial swarms, with per-swarm ``best_mse``/``mean_mse``
    lists and ``best`` positions).  Stops after ``patience`` iterations in which
    no swarm improved.
    """
    if particles < 1 or iterations < 0 or swarms < 1:
        raise ParameterError("pso needs particles >= 1, iterations >= 0 and swarms >= 1")
    lower = np.asarray(lower, dtype=np.float64)
    upper = np.asarray(upper, dtype=np.float64)
    rng = np.random.Generator(np.random.PCG64(seed))
    span = upper - lower
    shape = (swarms, particles, lower.size)
    x = lower + rng.random(shape) * span
    v = (rng.random(shape) - 0.5) * span * 0.2
    vmax = 0.5 * span
    f = np.asarray(objective(x), dtype=np.float64).reshape(swarms, particles)
    pbest, pf = x.copy(), f.copy()
    rows = np.arange(swarms)
    g = np.argmin(pf, axis=1)
    gbest, gf = pbest[rows, g].copy(), pf[rows, g].copy()

    def entry(it):
        return {"iteration": it, "best_mse": gf.tolist(), "mean_mse": f.mean(axis=1).tolist(),
                "best": gbest.tolist()}

    history = [entry(0)]
    stale = 0
    for it in range(1, iterations + 1):
        r1 = rng.random(shape)
        r2 = rng.random(shape)
        v = inertia * v + cognitive * r1 * (pbest - x) + social * r2 * (gbest[:, None] - x)
        np.clip(v, -vmax, vmax, out=v)
        x = x + v
        out = (x < lower) | (x > upper)
        v[out] = 0.0
        np.clip(x, lower, upper, out=x)
        f = np.asarray(objective(x), dtype=np.float64).reshape(swarms, particles)
        better = f < pf
        pbest[better], pf[better] = x[better], f[better]
        g = np.argmin(pf, axis=1)
        improved = pf[rows, g] < gf
        gbest[improved] = pbest[rows, g][improved]
        gf[improved] = pf[rows, g][improved]
        stale = 0 if improved.any() else stale + 1
        history.append(entry(it))
        if progress is not None:
            progress(it, iterations, "pso")
        if patience is not None and stale >= patience:
            break
    return gbest, gf, history


def pso(objective: Callable[[np.ndarray], np.ndarray], lower: np.ndarray, upper: np.ndarray, *,
        particles: int = 24, iterations: int = 60, inertia: float = 0.7298,
        cognitive: float = 1.49618, social: float = 1.49618, seed: int | Sequence[int] = 0,
        patience: int | None = None, progress: Progress | None = None
        ) -> tuple[np.ndarray, float, list[dict]]:
    """Minimise ``objective`` (vectorised: ``P x k`` -> ``P``) over the box [lower, upper].

    Global-best PSO with inertia: ``v <- w v + c1 r1 (pbest - x) + c2 r2 (gbest - x)``
    with fresh uniform ``r1, r2`` per coordinate.  Velocities are clamped to half
    the box; a particle leaving the box is put back on its face with that velocity
    component zeroed.  Stops early after ``patience`` iterations without
    improvement of the best value.

    Returns
    -------
    (best position, best value, history): history has one dict per iteration
    (0 = the initial swarm) with ``iteration``, ``best_mse``, ``mean_mse``, ``best``.
    """
    best, value, history = pso_swarms(lambda x: objective(x[0])[None], lower, upper, 1,
                                      particles=particles, iterations=iterations,
                                      inertia=inertia, cognitive=cognitive, social=social,
                                      seed=seed, patience=patience, progress=progress)
    for h in history:
        h["best_mse"], h["mean_mse"], h["best"] = h["best_mse"][0], h["mean_mse"][0], h["best"][0]
    return best[0], float(value[0]), history


def _differential_evolution(objective: Objective, *, particles: int, iterations: int,
                            seed: int | Sequence[int], progress: Progress | None
                            ) -> tuple[np.ndarray, float, list[dict]]:
    from scipy.optimize import differential_evolution

    history: list[dict] = []
    bounds = list(zip(objective.lower.tolist(), objective.upper.tolist()))

    def vectorised(xt: np.ndarray) -> np.ndarray:
        return objective(np.atleast_2d(xt.T))

    def callback(intermediate_result):  # scipy passes an OptimizeResult to this parameter name
        x = np.asarray(intermediate_result.x)
        energies = getattr(intermediate_result, "population_energies", None)
        history.append({"iteration": len(history) + 1,
                        "best_mse": float(intermediate_result.fun),
                        "mean_mse": float(np.mean(energies)) if energies is not None
                        else float("nan"),
                        "best": x.tolist()})
        if progress is not None:
            progress(len(history), iterations, "differential evolution")

    kwargs = {"maxiter": iterations, "popsize": max(1, int(np.ceil(particles / objective.dim))),
              "tol": 0.0, "polish": False, "vectorized": True, "updating": "deferred",
              "callback": callback}
    params = inspect.signature(differential_evolution).parameters
    kwargs["rng" if "rng" in params else "seed"] = np.random.Generator(np.random.PCG64(seed))
    res = differential_evolution(vectorised, bounds, **kwargs)
    return np.asarray(res.x), float(res.fun), history


def _history_entry(iteration: int, best_mse, mean_mse, eps, mu, steps: int) -> dict:
    return {"iteration": iteration, "best_mse": float(best_mse), "mean_mse": float(mean_mse),
            "best": {"epsilon": eps, "mu": mu, "steps": steps}}


def _search(egos: EgoNetworks, steps: int, stream, opts: dict, progress: Progress | None
            ) -> tuple:
    """One search at a fixed number of steps: (epsilon, mu, mse, history, evaluations)."""
    method, separable = opts["method"], opts["separable"]
    common = dict(model=opts["model"], weighted=opts["weighted"], steps=steps,
                  max_epsilon=opts["max_epsilon"], seed=opts["seed"], clip=opts["clip"],
                  evaluate=opts["evaluate"])
    swarm = dict(particles=opts["particles"], iterations=opts["iterations"],
                 inertia=opts["inertia"], cognitive=opts["cognitive"], social=opts["social"],
                 patience=opts["patience"], progress=progress)
    if separable and method == "pso":
        objective = SeparableObjective(egos, **common)
        best, values, hist = pso_swarms(objective, objective.lower, objective.upper, egos.d,
                                        seed=stream, **swarm)
        history = [_history_entry(h["iteration"], np.mean(h["best_mse"]), np.mean(h["mean_mse"]),
                                  [b[0] for b in h["best"]], [b[1] for b in h["best"]], steps)
                   for h in hist]
        return (best[:, 0].tolist(), best[:, 1].tolist(), float(values.mean()), history,
                objective.evaluations)
    if separable:  # differential evolution, one run per dimension
        runs = []
        evaluations = 0
        for k in range(egos.d):
            objective = Objective(egos.select_dims([k]), distance="dimension",
                                  per_dimension=True, **common)
            seed_k = [int(v) for v in np.atleast_1d(stream)] + [k]
            runs.append((objective, _differential_evolution(
                objective, particles=opts["particles"], iterations=opts["iterations"],
                seed=seed_k, progress=progress)))
            evaluations += objective.evaluations
        picks = [obj.unpack(found[0]) for obj, found in runs]
        length = max(len(found[2]) for _, found in runs)
        history = []
        for i in range(length):
            rows = [found[2][min(i, len(found[2]) - 1)] for _, found in runs]
            at = [obj.unpack(np.asarray(row["best"])) for (obj, _), row in zip(runs, rows)]
            history.append(_history_entry(i + 1, np.mean([r["best_mse"] for r in rows]),
                                          np.mean([r["mean_mse"] for r in rows]),
                                          [a[0] for a in at], [a[1] for a in at], steps))
        return ([p[0] for p in picks], [p[1] for p in picks],
                float(np.mean([found[1] for _, found in runs])), history, evaluations)
    objective = Objective(egos, distance=opts["distance"], per_dimension=opts["per_dimension"],
                          **common)
    if method == "pso":
        best, value, hist = pso(objective, objective.lower, objective.upper, seed=stream,
                                **swarm)
    else:
        best, value, hist = _differential_evolution(
            objective, particles=opts["particles"], iterations=opts["iterations"], seed=stream,
            progress=progress)
    history = []
    for h in hist:
        e, m = objective.unpack(np.asarray(h["best"]))
        history.append(_history_entry(h["iteration"], h["best_mse"], h["mean_mse"], e, m, steps))
    eps, mu = objective.unpack(best)
    return eps, mu, float(value), history, objective.evaluations


def fit(egos: EgoNetworks, *, model: str = "ego", method: str = "pso",
        distance: str = "dimension", weighted: bool = False, per_dimension: bool = False,
        steps: int = 1, fit_steps: bool = False, max_steps: int = 10, max_epsilon: float = 1.0,
        particles: int = 24, iterations: int = 60, inertia: float = 0.7298,
        cognitive: float = 1.49618, social: float = 1.49618, patience: int | None = None,
        seed: int = 1, clip: bool = True, threads: int | None = None,
        progress: Progress | None = None, cluster=None) -> FitResult:
    """Find the epsilon and mu (and optionally steps) minimising the egos' t1 MSE.

    Parameters
    ----------
    egos : the observed ego networks (:func:`load_egos` or :func:`generate_egos`).
    model : ``"ego"`` (only the ego moves; the paper's setting), ``"hk"`` or ``"dw"``.
    method : ``"pso"`` (particle swarm, implemented here) or ``"de"`` (scipy's
        differential evolution).
    distance : ``"dimension"`` or ``"vector"`` (see :mod:`imx.dynamics.rules`).
    weighted : weight friends by tie strength.
    per_dimension : fit one epsilon and one mu per dimension (one epsilon only
        with the vector distance).
    steps : number of steps when not fitted; ``fit_steps`` profiles 1..``max_steps``
        (one search per value, so it costs ``max_steps`` times more).
    max_epsilon : upper end of the epsilon search range.
    particles, iterations : swarm size and iterations (for ``de``: population
        about ``particles`` and generations).
    inertia, cognitive, social : PSO coefficients.
    patience : stop after this many iterations without improvement (PSO).
    seed : seeds the optimiser and the dw draws (the same draws for every candidate).
    threads : numba threads (the result does not depend on it).
    progress : optional ``progress(done, total, label)`` callback.
    cluster : evaluate each iteration's particles in parallel on a Dask cluster
        (a ``distributed.Client``, ``"tcp://host:8786"``, ``"local[:N]"`` or an
        :class:`imx.distributed.Cluster`); the same result.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import imx
    >>> from imx.graph.generate import barabasi_albert
    >>> egos = imx.dynamics.generate_egos(barabasi_albert(300, 5, seed=1), count=40, size=30,
    ...                                   epsilon=0.3, mu=0.4, noise=0.0, seed=2)
    >>> res = imx.dynamics.fit(egos, iterations=30, seed=3)
    >>> abs(res.mu - 0.4) < 0.05
    True
    """
    check_choice(model, MODELS, "model")
    check_choice(distance, DISTANCES, "distance")
    check_choice(method, BCM_FIT_METHODS, "method")
    if len(egos) == 0:
        raise ParameterError("no ego networks to fit")
    steps = _validate.count(steps, "steps")
    if fit_steps:
        max_steps = _validate.count(max_steps, "max_steps", minimum=1)
    max_epsilon = _validate.positive(max_epsilon, "max_epsilon")
    seed = _validate.seed(seed)
    particles = _validate.count(particles, "particles", minimum=1)
    iterations = _validate.count(iterations, "iterations")
    separable = per_dimension and distance == "dimension" and egos.d > 1
    candidates = list(range(1, int(max_steps) + 1)) if fit_steps else [int(steps)]
    opts = dict(method=method, separable=separable, model=model, weighted=weighted,
                distance=distance, per_dimension=per_dimension, max_epsilon=float(max_epsilon),
                seed=int(seed), clip=clip, particles=particles, iterations=iterations,
                inertia=inertia, cognitive=cognitive, social=social, patience=patience,
                evaluate=particle_errors)
    rec = RunRecord()
    evaluations = 0
    profile = []
    best = None
    with rec.phase(method), numba_threads(threads), _evaluator(cluster, rec) as evaluate:
        opts["evaluate"] = evaluate
        for c, st in enumerate(candidates):
            stream = [int(seed), st] if fit_steps else int(seed)
            sub = None if progress is None else (
                lambda done, tot, label, c=c:
                progress(c * (tot or 1) + done, (tot or 1) * len(candidates), label))
            eps, mu, mse, history, evals = _search(egos, st, stream, opts, sub)
            evaluations += evals
            profile.append({"steps": st, "mse": mse})
            if best is None or mse < best[2]:
                best = (eps, mu, mse, history, st)
    eps, mu, best_f, history, st = best
    rec.counters.update({"evaluations": evaluations, "egos": len(egos),
                         "searches": len(candidates), "separable": separable,
                         "iterations": len(history) - (1 if method == "pso" else 0)})
    return FitResult(epsilon=eps, mu=mu, steps=st, mse=float(best_f), method=method, model=model,
                     distance=distance, weighted=weighted, seed=int(seed), history=history,
                     evaluations=evaluations, dims=tuple(egos.dims),
                     profile=profile if fit_steps else [], record=rec)
