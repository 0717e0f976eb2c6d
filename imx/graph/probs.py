"""Edge-probability schemes.

A scheme string names how per-arc propagation probabilities (IC) or weights
(LT) are set on a graph's arcs:

``wc``                 p(u, v) = 1 / indeg(v)  (weighted cascade; also the LT default)
``wc-variant:THETA``   p(u, v) = min(1, THETA / indeg(v))
``uniform:P``          p(u, v) = P for every arc
``trivalency``         p drawn uniformly from {0.1, 0.01, 0.001} (seeded)
``exp[:LAMBDA]``       w ~ Exponential(rate LAMBDA, default 1), then normalised so that each
                       node's in-weights sum to 1 (skewed weighted cascade, as in SUBSIM)
``weibull[:SHAPE]``    w ~ Weibull(SHAPE, default 2.0) scaled by a per-node scale drawn from
                       U(0, 10], then normalised per node like ``exp``
``given``              keep the probabilities that came with the data (third column)

Under ``wc``, ``wc-variant`` and ``uniform`` (:data:`HEAD_SCHEMES`) an arc's
probability depends on its head only: a graph stores one value per node
(:func:`head_probabilities`), not one per arc in each CSR order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError

__all__ = ["Scheme", "parse_scheme", "compute_probabilities", "head_probabilities",
           "HEAD_SCHEMES", "SCHEME_HELP"]

SCHEME_HELP = ("wc | wc-variant:THETA | uniform:P | trivalency | exp[:LAMBDA] | "
               "weibull[:SHAPE] | given")

#: Schemes whose probability of arc (u, v) is a function of v's in-degree alone.
HEAD_SCHEMES = ("wc", "wc-variant", "uniform")


@dataclass(frozen=True)
class Scheme:
    name: str
    param: float | None = None

    def __str__(self) -> str:
        if self.param is None:
            return self.name
        return f"{self.name}:{self.param:g}"


def parse_scheme(text: str | Scheme) -> Scheme:
    """Parse a scheme string such as ``"uniform:0.01"``; raise ParameterError if invalid."""
    if isinstance(text, Scheme):
        return text
    raw = str(text).strip().lower()
    name, _, arg = raw.partition(":")
    needs = {"wc-variant": True, "uniform": True, "exp": False, "weibull": False}
    if name in ("wc", "trivalency", "given"):
        if arg:
            raise ParameterError(f"probability scheme {name!r} takes no parameter (got {text!r})")
        return Scheme(name)
    if name not in needs:
        raise ParameterError(f"unknown probability scheme {text!r}; expected {SCHEME_HELP}")
    if not arg:
        if needs[name]:
            raise ParameterError(f"probability scheme {name!r} needs a parameter, e.g. {name}:0.1")
        return Scheme(name, 1.0 if name == "exp" else 2.0)
    try:
        value = float(arg)
    except ValueError:
        raise ParameterError(f"probability scheme {text!r}: {arg!r} is not a number") from None
    if not np.isfinite(value) or value <= 0:
        raise ParameterError(f"probability scheme {text!r}: parameter must be positive")
    if name == "uniform" and value > 1:
        raise ParameterError(f"probability scheme {text!r}: P must be in (0, 1]")
    return Scheme(name, value)


_TRIVALENCY = np.array([0.1, 0.01, 0.001]).astype(np.float32)


def _normalise_per_target(weights: np.ndarray, targets: np.ndarray, n: int) -> np.ndarray:
    sums = np.bincount(targets, weights=weights, minlength=n)
    out = weights / np.where(sums > 0, sums, 1.0)[targets]
    return out


def compute_probabilities(scheme: Scheme | str, out_targets: np.ndarray, in_degree: np.ndarray,
                          given: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """Per-arc probabilities, in out-CSR arc order, as float32.

    ``out_targets`` is the head of each arc in out-CSR order, ``in_degree`` the
    in-degree of each node, ``given`` the probabilities read with the data.
    Random schemes draw from ``numpy.random.Generator(PCG64(seed))`` in arc order.
    """
    scheme = parse_scheme(scheme)
    n = in_degree.shape[0]
    m = out_targets.shape[0]
    indeg = np.maximum(in_degree, 1).astype(np.float64)
    if scheme.name == "given":
        if given is None:
            raise ParameterError("probability scheme 'given' needs probabilities in the input "
                                 "(a third column)")
        p = np.asarray(given, dtype=np.float64)
    elif scheme.name == "wc":
        p = 1.0 / indeg[out_targets]
    elif scheme.name == "wc-variant":
        p = np.minimum(1.0, scheme.param / indeg[out_targets])
    elif scheme.name == "uniform":
        p = np.full(m, scheme.param)
    else:
        rng = np.random.Generator(np.random.PCG64(seed))
        if scheme.name == "trivalency":
            # float32 straight from the table: the values float64 -> float32 would give,
            # without two m-sized float64 temporaries (clip and the cast below)
            return _TRIVALENCY[rng.integers(0, 3, size=m)]
        elif scheme.name == "exp":
            p = _normalise_per_target(rng.exponential(1.0 / scheme.param, size=m), out_targets, n)
        else:  # weibull
            scale = rng.uniform(0.0, 10.0, size=n)
            scale = np.where(scale > 0, scale, 10.0)
            w = scale[out_targets] * rng.weibull(scheme.param, size=m)
            p = _normalise_per_target(w, out_targets, n)
    return np.clip(p, 0.0, 1.0).astype(np.float32)


def head_probabilities(scheme: Scheme | str, in_degree: np.ndarray) -> np.ndarray:
    """float32[n]: the probability of every arc into node ``v``, at ``v``, for a
    scheme of :data:`HEAD_SCHEMES`; bit for bit the value :func:`compute_probabilities`
    gives each such arc (the same float64 formula, rounded once to float32).

    >>> head_probabilities("wc", np.array([0, 1, 3])).tolist()
    [1.0, 1.0, 0.3333333432674408]
    """
    scheme = parse_scheme(scheme)
    if scheme.name not in HEAD_SCHEMES:
        raise ParameterError(f"probability scheme {str(scheme)!r} is not a function of the head "
                             f"alone (only {', '.join(HEAD_SCHEMES)} are)")
    return compute_probabilities(scheme, np.arange(in_degree.shape[0]), in_degree)
