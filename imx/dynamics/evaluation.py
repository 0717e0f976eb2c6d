"""Scoring predictions of the egos' t1 values against baselines.

Every evaluation reports MSE, RMSE and MAE, overall and per dimension, for the
BCM prediction beside two baselines:

* ``no_change``: the ego's t1 values equal its t0 values;
* ``mean_of_friends``: the ego's t1 values equal its friends' (tie-weighted
  when ``weighted``) mean t0 values.

Optionally, the second stage of Mukta et al. (arXiv 2109.08021): a regressor
per dimension on the features [BCM prediction, ego t0, friends' mean t0],
scored by k-fold cross-validation (out-of-fold predictions).  The regressor is
scikit-learn's SVR when scikit-learn is installed and ``second_stage`` is
``"svr"`` or ``"auto"``, else a ridge regression solved with numpy.  The SVR
kernel defaults to linear: on generated data with about a hundred egos the RBF
kernel (gamma "scale") scored several times worse than the BCM alone, while
the linear kernel matched ridge.  The BCM parameters are taken as given (fit them on separate data
to avoid leakage into the cross-validation).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .._names import BCM_SECOND_STAGES
from ..errors import ParameterError
from ..record import Result, RunRecord
from .ego import predict
from .egonets import EgoNetworks

__all__ = ["evaluate", "Evaluation", "error_metrics", "ridge_fit", "ridge_predict",
           "kfold_indices", "have_sklearn"]


def error_metrics(pred: np.ndarray, truth: np.ndarray, dims: Sequence[str]) -> dict:
    """MSE, RMSE and MAE overall and per dimension of ``E x d`` predictions."""
    err = np.asarray(pred, dtype=np.float64) - np.asarray(truth, dtype=np.float64)
    mse_d = (err ** 2).mean(axis=0)
    mae_d = np.abs(err).mean(axis=0)
    mse = float((err ** 2).mean())
    return {"mse": mse, "rmse": float(np.sqrt(mse)), "mae": float(np.abs(err).mean()),
            "per_dimension": {str(name): {"mse": float(m), "rmse": float(np.sqrt(m)),
                                          "mae": float(a)}
                              for name, m, a in zip(dims, mse_d, mae_d)}}


@dataclass(frozen=True, eq=False, repr=False)
class Evaluation(Result):
    """Metrics of the BCM prediction and of the baselines.

    Attributes
    ----------
    metrics : ``{"bcm": {...}, "no_change": {...}, "mean_of_friends": {...}}`` plus
        ``"second_stage"`` when requested; each as :func:`error_metrics`.
    params : the BCM parameters evaluated.
    egos : number of ego networks; dims : dimension names.
    second_stage : regressor, folds, alpha (or None).
    prediction : ``E x d`` BCM prediction.
    record : execution record (time per phase).
    """

    metrics: dict
    params: dict
    egos: int
    dims: tuple
    second_stage: dict | None = None
    prediction: np.ndarray | None = field(default=None, repr=False,
                                          metadata={"to_dict": False})
    record: RunRecord = field(default_factory=RunRecord)

    @property
    def best(self) -> str:
        """Name of the predictor with the lowest MSE."""
        return min(self.metrics, key=lambda k: self.metrics[k]["mse"])

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "best": self.best}


def have_sklearn() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def kfold_indices(count: int, folds: int, seed: int) -> list[np.ndarray]:
    """``folds`` disjoint test index sets covering 0..count-1 (seeded shuffle)."""
    if folds < 2 or folds > count:
        raise ParameterError(f"folds must be between 2 and the number of egos ({count})")
    order = np.random.Generator(np.random.PCG64(seed)).permutation(count)
    return [np.sort(part) for part in np.array_split(order, folds)]


def ridge_fit(X: np.ndarray, Y: np.ndarray, alpha: float) -> tuple:
    """Ridge regression on standardised features, unpenalised intercept."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale
    ym = Y.mean(axis=0)
    A = Z.T @ Z + alpha * np.eye(Z.shape[1])
    W = np.linalg.solve(A, Z.T @ (Y - ym))
    return mean, scale, W, ym


def ridge_predict(model: tuple, X: np.ndarray) -> np.ndarray:
    mean, scale, W, ym = model
    return ((X - mean) / scale) @ W + ym


def _second_stage(features: np.ndarray, target: np.ndarray, kind: str, folds: int, alpha: float,
                  seed: int, svr_kernel: str = "linear") -> np.ndarray:
    out = np.empty_like(target)
    for test in kfold_indices(target.shape[0], folds, seed):
        train = np.setdiff1d(np.arange(target.shape[0]), test)
        if kind == "ridge":
            model = ridge_fit(features[train], target[train], alpha)
            out[test] = ridge_predict(model, features[test])
        else:
            from sklearn.svm import SVR

            mean = features[train].mean(axis=0)
            scale = features[train].std(axis=0)
            scale[scale == 0] = 1.0
            for k in range(target.shape[1]):
                reg = SVR(kernel=svr_kernel, C=1.0, epsilon=0.01)
                reg.fit((features[train] - mean) / scale, target[train, k])
                out[test, k] = reg.predict((features[test] - mean) / scale)
    return np.clip(out, 0.0, 1.0)


def evaluate(egos: EgoNetworks, epsilon: float | Sequence[float] | None = None,
             mu: float | Sequence[float] | None = None, *, steps: int = 1, model: str = "ego",
             distance: str = "dimension", weighted: bool = False, seed: int = 1,
             clip: bool = True, params=None, second_stage: str | None = None, folds: int = 5,
             alpha: float = 1.0, svr_kernel: str = "linear",
             threads: int | None = None) -> Evaluation:
    """Score the BCM prediction of the egos' t1 values beside the two baselines.

    Parameters
    ----------
    egos : observed ego networks.
    epsilon, mu, steps, model, distance, weighted, seed, clip : the BCM (see
        :func:`imx.dynamics.ego.predict`); or pass ``params``, a
        :class:`~imx.dynamics.fitting.FitResult` or a dict with these keys.
    second_stage : None, ``"ridge"``, ``"svr"`` (needs scikit-learn) or ``"auto"``
        (SVR when scikit-learn is installed, else ridge).
    folds : k of the k-fold cross-validation of the second stage.
    alpha : ridge penalty (on standardised features).
    svr_kernel : kernel of the SVR (``"linear"``, ``"rbf"``, ``"poly"``, ...).
    threads : numba threads.

    Returns
    -------
    Evaluation
    """
    if params is not None:
        p = params.params() if hasattr(params, "params") else dict(params)
        epsilon = p.get("epsilon", epsilon)
        mu = p.get("mu", mu)
        steps = p.get("steps", steps)
        model = p.get("model", model)
        distance = p.get("distance", distance)
        weighted = p.get("weighted", weighted)
        seed = p.get("seed", seed)
    if epsilon is None or mu is None:
        raise ParameterError("evaluate needs epsilon and mu (or params)")
    if second_stage is not None and second_stage not in BCM_SECOND_STAGES:
        raise ParameterError(f"second_stage must be ridge, svr or auto; got {second_stage!r}")
    if second_stage == "svr" and not have_sklearn():
        raise ParameterError("second_stage 'svr' needs scikit-learn (pip install scikit-learn)")
    record = RunRecord()
    with record.phase("prediction"):
        pred = predict(egos, epsilon, mu, steps=steps, model=model, distance=distance,
                       weighted=weighted, seed=seed, clip=clip, threads=threads)
    dims = tuple(egos.dims)
    friends = egos.friends_mean(weighted)
    metrics = {"bcm": error_metrics(pred, egos.t1, dims),
               "no_change": error_metrics(egos.ego_t0, egos.t1, dims),
               "mean_of_friends": error_metrics(friends, egos.t1, dims)}
    stage = None
    if second_stage not in (None, "none"):
        kind = "svr" if second_stage == "svr" or (second_stage == "auto" and have_sklearn()) \
            else "ridge"
        features = np.hstack([pred, egos.ego_t0, friends])
        with record.phase("second_stage"):
            cv = _second_stage(features, egos.t1, kind, folds, alpha, seed, svr_kernel)
        metrics["second_stage"] = error_metrics(cv, egos.t1, dims)
        stage = {"regressor": kind if kind == "ridge" else f"svr-{svr_kernel}", "folds": folds,
                 "alpha": alpha if kind == "ridge" else None,
                 "features": ["bcm", "ego_t0", "friends_mean"]}
    used = {"epsilon": np.asarray(epsilon, dtype=np.float64).tolist(),
            "mu": np.asarray(mu, dtype=np.float64).tolist(), "steps": int(steps),
            "model": model, "distance": distance, "weighted": bool(weighted), "seed": int(seed)}
    record.counters["egos"] = len(egos)
    return Evaluation(metrics=metrics, params=used, egos=len(egos), dims=dims, second_stage=stage,
                      prediction=pred, record=record)
