"""Reranking metrics (imx.solvers.hetero.evaluate) computed by hand: recall, nDCG, spread."""
from __future__ import annotations

import numpy as np
import pytest

from imx.solvers.hetero.evaluate import best_subset, evaluate_ranking


# ------------------------------------------------------------------- metrics
def test_metrics_by_hand():
    observed = [("a", "x"), ("a", "y"), ("x", "p"), ("x", "q"), ("y", "r"), ("b", "z"),
                ("z", "a")]
    ranked = {"a": ["w", "y", "x"], "b": ["z", "k", "l"], "c": ["x"]}
    res = evaluate_ranking(ranked, observed, max_k=3)
    # a: hits at ranks 2 and 3 of 2 observed; b: hit at rank 1 of 1; c has no observations
    assert res["evaluated"] == 2 and res["skipped"] == 1
    assert res["recall"] == pytest.approx([(0 + 1) / 2, (0.5 + 1) / 2, (1 + 1) / 2])
    d2, d3 = 1 / np.log2(3), 1 / np.log2(4)
    ndcg_a = [0.0, d2 / (1 + d2), (d2 + d3) / (1 + d2)]
    assert res["ndcg"] == pytest.approx([(ndcg_a[k] + 1.0) / 2 for k in range(3)])
    # Spread@1: b's hit z reaches z and a;  @2: + y, r;  @3: + x, p, q
    assert res["spread"] == [2, 4, 7]
    # ideal: a's best single invitee is x ({x, p, q}); b: z reaches {z} (a discounted? no: a != b)
    assert best_subset("a", 1, {k: set(v) for k, v in _obs(observed).items()}) == ("x",)
    assert res["ispread"] == [3 + 2, 5 + 2, 5 + 2]
    assert res["nspread"] == pytest.approx([2 / 5, 4 / 7, 1.0])


def _obs(pairs):
    out = {}
    for u, v in pairs:
        out.setdefault(u, []).append(v)
    return out


def test_reach_excludes_the_inviter():
    observed = [("a", "x"), ("x", "a"), ("x", "b")]
    res = evaluate_ranking({"a": ["x"]}, observed, max_k=1)
    assert res["spread"] == [2] and res["ispread"] == [2] and res["nspread"] == [1.0]
