"""The default stopping rule (imx.solvers.quality): the paired gain by its definition and
KeepImproving's decisions round by round."""
from __future__ import annotations

import math

import numpy as np
import pytest


# ---------------------------------------------------------------- the default stopping rule
def test_paired_gain_matches_its_definition():
    from imx.solvers.quality import paired_gain

    rng = np.random.default_rng(3)
    old = (rng.random(5000) < 0.3).astype(np.uint8)
    new = old.copy()
    new[rng.random(5000) < 0.05] = 1
    new[rng.random(5000) < 0.01] = 0
    gain, stderr = paired_gain(int(np.sum(new > old)), int(np.sum(old > new)), 5000, 1000)
    diff = new.astype(float) - old
    assert gain == pytest.approx(1000 * diff.mean())
    assert stderr == pytest.approx(1000 * diff.std(ddof=1) / math.sqrt(5000))
    assert paired_gain(0, 0, 10, 1000) == (0.0, 0.0)
    with pytest.raises(ValueError):
        paired_gain(6, 5, 10, 1000)


def test_keep_improving_decisions():
    from imx.solvers.quality import KeepImproving

    # four validation sets; node v covers the sets listed
    sets = {1: {0}, 2: {0, 1, 2}, 3: {0, 1, 2}}

    def coverage_of(nodes):
        return len(set().union(*(sets[int(v)] for v in nodes)))

    rule = KeepImproving(4, 1, 0.1)
    assert rule.compare(np.array([1]), coverage_of, 4) == 1
    assert rule.decide(False, 100) is None             # not certified: OPIM-C goes on
    assert rule.compare(np.array([2]), coverage_of, 4) == 3
    assert rule.gain == 2.0 and rule.decide(True, 200) is None   # still improving
    rule.compare(np.array([3]), coverage_of, 4)
    assert rule.gain == 0.0 and rule.decide(True, 400) == "converged"
    counters = rule.counters()
    assert counters["certified_round"] == 2 and counters["rounds_after_certified"] == 1
    # a swap of seeds of equal coverage but unresolved by the sets (large s.e.): not converged
    swap = {4: {0, 1}, 5: {2, 3}}
    noisy = KeepImproving(4, 1, 0.1)
    noisy.compare(np.array([4]), lambda nodes: len(set().union(*(swap[int(v)] for v in nodes))), 4)
    noisy.compare(np.array([5]), lambda nodes: len(set().union(*(swap[int(v)] for v in nodes))), 4)
    assert noisy.gain == 0.0 and noisy.stderr > 0 and noisy.decide(True, 100) is None
    # the cap: the next round's R1 would pass an eighth of IMM's (eps = 0.05) sample
    capped = KeepImproving(4, 1, 0.1)
    capped.compare(np.array([2]), coverage_of, 4)
    cap = capped.lambda_star / 3.0 / 8
    assert capped.decide(True, int(cap / 2) - 1) is None   # first round: nothing to compare
    assert capped.decide(True, int(cap / 2) + 1) == "quality cap"


def test_a_clear_gain_widens_the_cap_to_a_quarter():
    from imx.solvers.quality import KeepImproving

    # 100 validation sets; the new seed covers 60 of them, the old one 10
    sets = {1: set(range(10)), 2: set(range(60))}

    def coverage_of(nodes):
        return len(set().union(*(sets[int(v)] for v in nodes)))

    rule = KeepImproving(1000, 1, 0.1)
    rule.compare(np.array([1]), coverage_of, 100)
    rule.compare(np.array([2]), coverage_of, 100)
    assert rule.gain - rule.stderr > 0.0025 * rule.spread   # a clear gain
    eighth = rule.lambda_star / rule.spread / 8
    assert rule.decide(True, int(eighth / 2) + 1) is None    # past an eighth: goes on
    assert rule.decide(True, int(eighth) + 1) == "quality cap"  # past a quarter: stops


def test_small_sets_widen_the_cap_to_a_quarter():
    from imx.solvers.quality import SMALL_SETS, KeepImproving

    rule = KeepImproving(1000, 1, 0.1)
    rule.compare(np.array([1]), lambda nodes: 10, 100)
    eighth = rule.lambda_star / rule.spread / 8
    assert rule.decide(True, int(eighth / 2) + 1, SMALL_SETS + 0.5) == "quality cap"
    assert rule.decide(True, int(eighth / 2) + 1, SMALL_SETS - 0.5) is None
    assert rule.decide(True, int(eighth) + 1, SMALL_SETS - 0.5) == "quality cap"
