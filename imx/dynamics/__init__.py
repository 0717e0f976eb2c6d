"""Bounded-confidence value dynamics: simulation, fitting and evaluation.

Implements the value-dynamics study of Mukta et al., "Predicting Users' Value
Changes by the Friends' Influence from Social Media Usage" (SBP-BRiMS 2021,
arXiv 2109.08021): a bounded confidence model (BCM) of how friends move a
user's value scores, tuned by particle swarm optimisation and scored by MSE.

Library
-------
``simulate(graph, values, model="dw"|"hk"|"ego", epsilon=, mu=, steps=, seed=)``
    run a model on an imx Graph (:mod:`.models`).
``fit(egos, ...)``
    fit epsilon / mu (/ steps) to observed ego networks by PSO or differential
    evolution (:mod:`.fitting`).
``evaluate(egos, epsilon=, mu=, ...)``
    MSE/RMSE/MAE beside the "no change" and "mean of friends" baselines, with
    an optional cross-validated second-stage regressor (:mod:`.evaluation`).
``predict(egos, epsilon, mu, ...)``
    the egos' predicted t1 values (:mod:`.ego`).
``generate_egos(graph, count, size, ...)``
    ego networks with planted dynamics (:mod:`.generation`).
``load_egos`` / ``save_egos``, ``read_values`` / ``write_values`` /
``write_trajectory``: the CSV formats (:mod:`.egonets`, :mod:`.state`).

States are ``n x d`` float arrays of scores in [0, 1]; the default dimensions
are the Schwartz higher-order values in :data:`SCHWARTZ_VALUES`.
"""
from __future__ import annotations

from .ego import predict
from .egonets import EgoNetwork, EgoNetworks, load_egos, save_egos
from .evaluation import Evaluation, error_metrics, evaluate
from .fitting import FitResult, fit, pso
from .generation import generate_egos
from .models import DISTANCES, MODELS, SimulationResult, simulate
from .state import (SCHWARTZ_VALUES, ValueTable, align_values, read_values, write_trajectory,
                    write_values)

__all__ = ["simulate", "SimulationResult", "fit", "FitResult", "pso", "evaluate", "Evaluation",
           "error_metrics", "predict", "generate_egos", "EgoNetwork", "EgoNetworks", "load_egos",
           "save_egos", "read_values", "write_values", "write_trajectory", "align_values",
           "ValueTable", "SCHWARTZ_VALUES", "MODELS", "DISTANCES"]
