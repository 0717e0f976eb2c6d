"""Recall@K, NDCG@K and NSpread@K of a reranking against observed invitations.

Definitions follow the HeteroIM paper (arXiv 2508.13517, Section 5.3) and its
evaluation code.  For an inviter ``u`` let ``obs(u)`` be the invitees ``u`` was
observed to invite successfully and ``top_K(u)`` its first ``K`` recommended
friends; the *hits* are ``H_K(u) = top_K(u) & obs(u)``.

* ``Recall@K`` = mean over inviters of ``|H_K(u)| / |obs(u)|``.
* ``NDCG@K`` = mean over inviters of ``DCG / IDCG`` with binary relevance,
  ``DCG = sum_{i<=K, item i a hit} 1 / log2(i + 1)`` and ``IDCG`` the same sum
  over the first ``min(K, |obs(u)|)`` positions.
* ``NSpread@K`` = ``Spread@K / ISpread@K``.  ``Spread@K`` counts the distinct
  users reached by the hits and the hits' own observed invitees,
  ``|union over u of R(u, H_K(u))|`` with ``R(u, S) = (S | obs(S)) - {u}``;
  ``ISpread@K`` is the same count when each inviter is given the ``min(K,
  |obs(u)|)`` observed invitees that maximise ``|R(u, S)|`` (the paper's
  "theoretical maximum": best per inviter, then united).  The best subset is
  found by enumeration while there are at most 20,000 subsets, greedily beyond.

Only inviters with at least one observed invitation are evaluated (the others
have no defined recall); their number is reported.
"""
from __future__ import annotations

import itertools
import math
from typing import Iterable, Mapping, Sequence

import numpy as np

from ...errors import ParameterError

__all__ = ["evaluate_ranking", "best_subset"]

_MAX_SUBSETS = 20_000


def _reach(u: str, subset: Iterable[str], obs: Mapping[str, set]) -> set:
    out: set = set()
    for s in subset:
        out.add(s)
        out.update(obs.get(s, ()))
    out.discard(u)
    return out


def best_subset(u: str, k: int, obs: Mapping[str, set]) -> tuple[str, ...]:
    """The ``k`` observed invitees of ``u`` whose reach ``R(u, S)`` is largest."""
    pool = sorted(obs.get(u, ()))
    k = min(k, len(pool))
    if k == 0:
        return ()
    if math.comb(len(pool), k) <= _MAX_SUBSETS:
        best, best_size = (), -1
        for combo in itertools.combinations(pool, k):
            size = len(_reach(u, combo, obs))
            if size > best_size:
                best, best_size = combo, size
        return best
    chosen: list[str] = []
    reached: set = set()
    for _ in range(k):
        gains = [(len(_reach(u, [c], obs) - reached), c) for c in pool if c not in chosen]
        gain, c = max(gains, key=lambda t: (t[0], [-ord(ch) for ch in t[1]]))
        chosen.append(c)
        reached |= _reach(u, [c], obs)
    return tuple(chosen)


def evaluate_ranking(ranked: Mapping[str, Sequence[str]], observed: Iterable[tuple[str, str]],
                     inviters: Iterable[str] | None = None, max_k: int = 3) -> dict:
    """Recall@K, NDCG@K and NSpread@K for K = 1..max_k.

    Parameters
    ----------
    ranked : ``{inviter: [invitee, ...]}`` in rank order (labels as strings).
    observed : ``(inviter, invitee)`` pairs of observed accepted invitations.
    inviters : the inviters to evaluate (default: every inviter of ``ranked``);
        those without an observed invitation are skipped and counted.
    max_k : evaluate K = 1..max_k (>= 1).

    Returns
    -------
    dict
        ``recall``, ``ndcg``, ``nspread``, ``spread`` and ``ispread`` (lists
        indexed by K-1), ``evaluated`` and ``skipped`` inviter counts.
    """
    if isinstance(max_k, bool) or not isinstance(max_k, (int, np.integer)) or max_k < 1:
        raise ParameterError(f"max_k must be an integer >= 1, got {max_k!r}")
    obs: dict[str, set] = {}
    for u, v in observed:
        u, v = str(u), str(v)
        if u != v:
            obs.setdefault(u, set()).add(v)
    pool = list(ranked) if inviters is None else list(dict.fromkeys(str(x) for x in inviters))
    users = [u for u in pool if obs.get(u)]
    recall = np.zeros(max_k)
    ndcg = np.zeros(max_k)
    spread_sets: list[set] = [set() for _ in range(max_k)]
    ideal_sets: list[set] = [set() for _ in range(max_k)]
    discounts = 1.0 / np.log2(np.arange(2, max_k + 2))
    for u in users:
        truth = obs[u]
        lst = [str(v) for v in ranked.get(u, ())]
        hit = np.array([v in truth for v in lst[:max_k]] + [False] * max(0, max_k - len(lst)))
        hits_so_far = np.cumsum(hit)
        dcg = np.cumsum(hit * discounts)
        idcg = np.cumsum(discounts)
        for k in range(1, max_k + 1):
            recall[k - 1] += hits_so_far[k - 1] / len(truth)
            ndcg[k - 1] += dcg[k - 1] / idcg[min(k, len(truth)) - 1]
            hits = [v for v in lst[:k] if v in truth]
            spread_sets[k - 1] |= _reach(u, hits, obs)
            ideal_sets[k - 1] |= _reach(u, best_subset(u, k, obs), obs)
    count = len(users)
    spread = [len(s) for s in spread_sets]
    ispread = [len(s) for s in ideal_sets]
    return {
        "K": list(range(1, max_k + 1)),
        "recall": (recall / count).tolist() if count else [0.0] * max_k,
        "ndcg": (ndcg / count).tolist() if count else [0.0] * max_k,
        "nspread": [s / i if i else 0.0 for s, i in zip(spread, ispread)],
        "spread": spread,
        "ispread": ispread,
        "evaluated": count,
        "skipped": len(pool) - count,
    }
