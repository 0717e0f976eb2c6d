"""When a certified doubling run stops: the default rule that keeps improving.

OPIM-C (and HIST) may stop at the first round whose certificate reaches
1 - 1/e - eps.  That answer is *certified*, not *good*: at eps = 0.1 its seeds
spread 3-7% below those of IMM at eps = 0.05 on the SNAP graphs (CA-GrQc, WC:
690 vs 744), because the first certified round has just enough RR sets to
prove the ratio, not enough for greedy to find the best seeds.  Doubling
further is cheap next to IMM and the certificate only gets tighter.

The rule (:class:`KeepImproving`), checked after every certified round:

* **converged**: stop once the last doubling improved the seeds by less than
  :data:`TOLERANCE` (0.25%) of their spread, with one standard error to
  spare, and the comparison is that precise: ``gain + s.e. <= 0.0025 *
  spread`` and ``s.e. <= 0.0025 * spread``.  (Without the second condition
  two equally noisy seed sets, neither better, looked converged: NetHEPT, IC
  p = 0.01, stopped at 0.94x IMM's spread with a gain of -2.3 +- 1.8.)  The gain is that of this
  round's seeds over the previous round's, both scored on this round's
  validation sets R2 (a paired comparison: only sets covered by one of the
  two seed sets count, so the difference is far more precise than either
  spread), and R2 played no part in choosing either.  The sampling error of
  greedy shrinks like 1/sqrt(sets), so later doublings gain less than the
  last one; a gain under 0.25% leaves well under 1% on the table.
* **quality cap**: stop before a round whose R1 would exceed an eighth
  (:data:`IMM_SHARE`) of the sets IMM draws for eps = 0.05 (``lambda* /
  spread``, [IMM] Eq. 6, with this round's spread estimate for OPT), or a
  quarter (:data:`IMM_SHARE_MAX`) while the last doubling still gained
  clearly (``gain - s.e. > 0.0025 * spread``) or while R1's sets hold fewer
  than :data:`SMALL_SETS` nodes on average: R1 and R2 together stay within a
  quarter (half) of IMM's final sample, and IMM draws about as much again in
  its estimation phase.  The wider cap is for settings where greedy still
  learns: seeds that still gain, and sets that are mostly their root alone
  (IC with p = 0.01), each of which says little besides its root (and costs
  little).  Measured (CA-GrQc, ego-Facebook, IC p = 0.01): 0.985 and 0.989x
  IMM's spread at an eighth, 0.992 and 0.996x at a quarter.
* never past the round count the certificate's union bound pays for
  (``i_max``) or ``theta_max``: the driver's caps.  So every reported
  certificate keeps its probability 1 - delta: the stopping round depends on
  R2, exactly as OPIM-C's own stopping rule does, and the bounds of all
  rounds hold together.

The answer is always the last round's greedy seeds (chosen on R1 alone) with
that round's certificate.  ``fast=True`` (``imx im --fast``) keeps OPIM-C's
own rule: stop at the first certified round, the cheapest certified answer.

The record's counter ``stop`` says why the run ended: ``converged``,
``quality cap``, or what the driver says (``certified`` in fast mode,
``theta_max``, ``budget``).

Measured (``bench/tables/quality.md``): at least 0.99x IMM's spread in a
fraction of its time on the ``im`` suite's rows.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .bounds import imm_ell, imm_lambda_star

__all__ = ["TOLERANCE", "IMM_EPS", "IMM_SHARE", "IMM_SHARE_MAX", "SMALL_SETS", "CAP_TEXT",
           "paired_gain", "KeepImproving"]

#: Converged once the last doubling gained less than this share of the spread (+ 1 s.e.).
TOLERANCE = 0.0025
#: The IMM run whose sample size sets the cap, and the share of it R1 may reach.
IMM_EPS, IMM_SHARE = 0.05, 0.125
#: The wider cap, while the last doubling still gained clearly or sets are small.
IMM_SHARE_MAX = 0.25
#: R1's mean RR-set size below which the wider cap applies (sets mostly their root).
SMALL_SETS = 2.0
#: The cap in words, for the CLI and the record.
CAP_TEXT = (f"R1 <= {IMM_SHARE:g} x the sets of IMM at eps = {IMM_EPS:g}, up to "
            f"{IMM_SHARE_MAX:g} x while a doubling gains clearly or sets are mostly a root")


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
    seeds, of the previous round's, and of both together), then
    :meth:`decide` with the round's certificate and R1 size;
    :meth:`should_stop` adapts it to the doubling driver's hook
    (``RoundState``).
    """

    def __init__(self, n: int, k: int, delta: float):
        self.n = int(n)
        self.lambda_star = imm_lambda_star(self.n, int(k), IMM_EPS, imm_ell(self.n, delta))
        self.previous: np.ndarray | None = None
        self.rounds = 0
        self.certified_round: int | None = None
        self.gain: float | None = None
        self.stderr: float | None = None
        self.spread = 0.0
        self.cap: float | None = None

    def compare(self, seeds: np.ndarray, coverage_of: Callable[[np.ndarray], int],
                count: int) -> int:
        """Record this round's seeds; ``coverage_of(nodes)`` counts the round's
        ``count`` validation sets that hold one of ``nodes``.  Returns the new
        seeds' coverage (what the certificate uses)."""
        seeds = np.asarray(seeds)
        covered = int(coverage_of(seeds))
        self.spread = self.n * covered / max(count, 1)
        self.gain = self.stderr = None
        if self.previous is not None:
            old = int(coverage_of(self.previous))
            both = int(coverage_of(np.union1d(seeds, self.previous)))
            self.gain, self.stderr = paired_gain(both - old, both - covered, count, self.n)
        self.previous = seeds.copy()
        return covered

    def decide(self, certified: bool, r1_sets: int, r1_mean_size: float = math.inf
               ) -> str | None:
        """After a round with ``r1_sets`` selection sets of mean size
        ``r1_mean_size``: a stop reason, or None to double again."""
        self.rounds += 1
        if not certified:
            return None
        if self.certified_round is None:
            self.certified_round = self.rounds
        clearly = self.gain is not None and \
            self.gain - self.stderr > TOLERANCE * self.spread
        share = IMM_SHARE_MAX if clearly or r1_mean_size < SMALL_SETS else IMM_SHARE
        self.cap = self.lambda_star / max(self.spread, 1.0) * share
        if 2 * r1_sets > self.cap:
            return "quality cap"
        if self.gain is not None and self.gain + self.stderr <= TOLERANCE * self.spread \
                and self.stderr <= TOLERANCE * self.spread:
            return "converged"
        return None

    def should_stop(self, state) -> str | None:
        """The doubling driver's hook."""
        return self.decide(bool(state.certificate.certified), state.r1_sets,
                           state.r1_mean_size or math.inf)

    def counters(self) -> dict:
        """What the record keeps about the rule."""
        return {"quality_rule": f"double while gain + s.e. > {TOLERANCE:g} x spread or s.e. > "
                                f"{TOLERANCE:g} x spread, {CAP_TEXT}",
                "certified_round": self.certified_round,
                "rounds_after_certified": (None if self.certified_round is None
                                           else self.rounds - self.certified_round),
                "last_gain": self.gain, "last_gain_stderr": self.stderr,
                "quality_cap_sets": self.cap}
