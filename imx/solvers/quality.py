"""When a certified doubling run stops: the default rule that keeps improving.

OPIM-C (and HIST) may stop at the first round whose certificate reaches
1 - 1/e - eps.  That answer is *certified*, not *good*: at eps = 0.1 its seeds
spread several percent below those of IMM at eps = 0.05 on the SNAP graphs,
because the first certified round has just enough RR sets to prove the ratio,
not enough for greedy to find the best seeds.  Doubling further is cheap (each
round costs what all earlier rounds together cost) and the certificate only
gets tighter.

The rule (:class:`KeepImproving`): once certified, keep doubling while the
seeds of the new round beat those of the previous round, on the new round's
validation sets R2, by more than one standard error of the difference.  Both
seed sets are scored on the *same* R2 sets (a paired comparison: the
difference's variance is that of the sets covered by one seed set only, far
below that of either estimate), and R2 played no part in choosing either.  At
most :data:`MAX_EXTRA_ROUNDS` rounds past the first certified one (8x its RR
sets), and never past the round count the certificate's union bound pays for,
so every reported certificate keeps its probability 1 - delta: the stopping
round depends on R2, exactly as OPIM-C's own stopping rule does, and the
bounds of all rounds hold together.  The answer is always the last round's
greedy seeds (chosen on R1 alone) with that round's certificate.

``fast=True`` (``imx im --fast``) keeps OPIM-C's own rule: stop at the first
certified round, the cheapest certified answer.

The record's counter ``stop`` says why the run ended: ``converged`` (the last
doubling improved by less than a standard error), ``quality cap``, or what the
driver says (``certified`` in fast mode, ``theta_max``, ``budget``).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["MAX_EXTRA_ROUNDS", "paired_gain", "KeepImproving"]

#: Rounds past the first certified one, at most (each doubles the RR sets).
MAX_EXTRA_ROUNDS = 3


def paired_gain(only_new: int, only_old: int, count: int, n: int) -> tuple[float, float]:
    """Spread gained by new seeds over old ones on ``count`` validation RR sets,
    and its standard error.

    ``only_new`` / ``only_old``: sets covered by the new / old seeds and not by
    the other (from three coverage counts: ``cov(new + old) - cov(old)`` and
    ``cov(new + old) - cov(new)``).  Per set the difference is -1, 0 or 1; the
    gain is ``n`` times its mean, the standard error ``n`` times its sample
    deviation over sqrt(count).

    >>> paired_gain(1, 0, 4, 100)
    (25.0, 25.0)
    """
    if count < 1 or only_new < 0 or only_old < 0 or only_new + only_old > count:
        raise ValueError("paired_gain needs 0 <= only_new + only_old <= count, count >= 1")
    mean = (only_new - only_old) / count
    second = (only_new + only_old) / count
    variance = max(second - mean * mean, 0.0) * count / max(count - 1, 1)
    return n * mean, n * math.sqrt(variance / count)


class KeepImproving:
    """The default stopping rule; see the module docstring.

    Use :meth:`compare` on each round's validation sets (coverage of the new
    seeds, of the previous round's, and of both together), then :meth:`decide` with the
    round's certificate; :meth:`should_stop` adapts it to the doubling
    driver's hook (``RoundState``).
    """

    def __init__(self, n: int, extra_rounds: int = MAX_EXTRA_ROUNDS):
        self.n = int(n)
        self.extra_rounds = int(extra_rounds)
        self.previous: np.ndarray | None = None
        self.rounds = 0
        self.certified_round: int | None = None
        self.gain: float | None = None
        self.stderr: float | None = None

    def compare(self, seeds: np.ndarray, coverage_of: Callable[[np.ndarray], int],
                count: int) -> int:
        """Record this round's seeds; ``coverage_of(nodes)`` counts the round's
        ``count`` validation sets that hold one of ``nodes``.  Returns the new
        seeds' coverage (what the certificate uses)."""
        seeds = np.asarray(seeds)
        covered = int(coverage_of(seeds))
        if self.previous is not None:
            old = int(coverage_of(self.previous))
            both = int(coverage_of(np.union1d(seeds, self.previous)))
            self.gain, self.stderr = paired_gain(both - old, both - covered, count, self.n)
        self.previous = seeds.copy()
        return covered

    def decide(self, certified: bool) -> str | None:
        """After a round: a stop reason, or None to double again."""
        self.rounds += 1
        if not certified:
            return None
        if self.certified_round is None:
            self.certified_round = self.rounds
        if self.rounds - self.certified_round >= self.extra_rounds:
            return "quality cap"
        if self.gain is not None and self.gain <= self.stderr:
            return "converged"
        return None

    def should_stop(self, state) -> str | None:
        """The doubling driver's hook: ``state.certificate.certified`` decides."""
        return self.decide(bool(state.certificate.certified))

    def counters(self) -> dict:
        """What the record keeps about the rule."""
        return {"quality_rule": "keep doubling while the gain > 1 s.e.",
                "certified_round": self.certified_round,
                "rounds_after_certified": (None if self.certified_round is None
                                           else self.rounds - self.certified_round),
                "last_gain": self.gain, "last_gain_stderr": self.stderr}
