"""HeteroIM reranking: known orders, capacity, determinism, RR pair scores against exact
live-edge enumeration, the certificate and theta_max."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from imx import Graph
from imx.solvers.hetero import (HeteroInstance, hetero_im)
from imx.solvers.hetero.heteroim import hetero_theta_max
from tests.tiny import subtree_graph


# ------------------------------------------------------------------ HeteroIM
def test_heteroim_subtree_beats_equally_willing_leaf():
    g = subtree_graph()
    r = hetero_im(HeteroInstance(g), [0], k=2, seed=3)
    (first, s1), (second, s2) = r.as_dict()[0]
    assert (first, second) == (1, 2) and s1 > s2 > 0
    # with K = 1 the greedy must pick the subtree root
    r1 = hetero_im(HeteroInstance(g), [0], k=1, seed=5)
    assert [v for v, _ in r1.as_dict()[0]] == [1]
    assert r1.approx_ratio is not None and r1.info["rr_sets"] > 0


def _worlds(g: Graph, live_p: np.ndarray):
    """(probability, reach function) of every live-edge world."""
    tails, heads = g.arcs()
    for mask in itertools.product((0, 1), repeat=g.m):
        prob = 1.0
        adj = {x: [] for x in range(g.n)}
        for e, bit in enumerate(mask):
            prob *= live_p[e] if bit else 1 - live_p[e]
            if bit:
                adj[int(tails[e])].append(int(heads[e]))
        if prob == 0.0:
            continue

        def reach(s, adj=adj):
            seen, stack = {s}, [s]
            while stack:
                x = stack.pop()
                for y in adj[x]:
                    if y not in seen:
                        seen.add(y)
                        stack.append(y)
            return seen
        yield prob, reach


def pair_objective(g: Graph, live_p: np.ndarray, pairs) -> float:
    """Exact users reached through invitations: sum over w of
    P(some pair (u, v) has both u and v reaching w)."""
    total = 0.0
    for prob, reach in _worlds(g, live_p):
        hit = set()
        for u, v in pairs:
            hit |= reach(u) & reach(v)
        total += prob * len(hit)
    return total


def test_pair_score_matches_exact_expectation():
    # inviter 0 has one friend 1, so the pair score of (0, 1) is n * P(set holds 0 and 1)
    src = [0, 1, 1, 2, 3, 4]
    dst = [1, 2, 3, 4, 4, 5]
    p = np.array([0.6, 0.7, 0.5, 0.9, 0.4, 0.8])
    g = Graph.from_arrays(src, dst, p)
    U = np.array([1, 1, 0.9, 1, 0.5, 1.0])
    inst = HeteroInstance(g, accept=U)
    exact = pair_objective(g, inst.live_probs(), [(0, 1)])
    theta = 200_000
    r = hetero_im(inst, [0], k=1, rr_sets=theta, seed=11)
    (v, score), = r.as_dict()[0]
    assert v == 1
    # score = n * X / theta, X ~ Binomial(theta, exact / n): 5 standard deviations
    q = exact / g.n
    sd = g.n * np.sqrt(q * (1 - q) / theta)
    assert abs(score - exact) < 5 * sd


def test_capacity_respected_and_diminishing_returns():
    # inviters 0..3 all know hub 10 (spread 7 once accepted) and three private leaves;
    # every invitation succeeds with 1/2.  Marginals of inviting the hub: 3.5, 1.75,
    # 0.875, 0.4375 users; of a private leaf: 0.5.  So the first three inviters (in
    # tie order) take the hub and the fourth prefers its leaves.
    src, dst, p = [], [], []
    for u in range(4):
        src += [u, u, u, u]
        dst += [10, 20 + u, 30 + u, 40 + u]
        p += [0.5] * 4
    src += [10] * 6
    dst += list(range(50, 56))
    p += [1.0] * 6
    g = Graph.from_arrays(src, dst, p)
    for K in (1, 2, 3):
        r = hetero_im(HeteroInstance(g), range(4), k=K, rr_sets=30_000, seed=2)
        lists = {u: [v for v, _ in lst] for u, lst in r.as_dict().items()}
        for u in range(3):
            assert lists[u][0] == 10 and set(lists[u][1:]) <= {20 + u, 30 + u, 40 + u}
        assert 10 not in lists[3]
        assert all(len(set(lst)) == K for lst in lists.values())
        hub = sorted((s for u in range(3) for v, s in r.as_dict()[u] if v == 10), reverse=True)
        assert hub == pytest.approx([3.5, 1.75, 0.875], rel=0.05)


def test_capacity_per_inviter_limits_selection():
    # inviter 0 (k=1) can take only one of its two strong friends; inviter 1 shares friend 3
    src = [0, 0, 1, 1, 2, 2, 2, 3, 3]
    dst = [2, 3, 3, 4, 5, 6, 7, 8, 9]
    g = Graph.from_arrays(src, dst, [1.0] * len(src))
    r = hetero_im(HeteroInstance(g), [0, 1], k=1, rr_sets=5_000, seed=1)
    lists = r.as_dict()
    assert [v for v, _ in lists[0]] == [2]   # 2 reaches 3 nodes beyond itself
    assert [v for v, _ in lists[1]] == [3]


def test_heteroim_deterministic_across_threads():
    from imx.graph.generate import erdos_renyi

    base = erdos_renyi(300, 2400, seed=4)
    rng = np.random.default_rng(0)
    w = rng.uniform(0, 0.3, base.m)
    inst = HeteroInstance(base, willingness=w, accept=rng.uniform(0.5, 1, base.n))
    inviters = np.arange(0, 300, 7)
    a = hetero_im(inst, inviters, k=3, seed=9, labels=False, threads=1)
    b = hetero_im(inst, inviters, k=3, seed=9, labels=False, threads=2)
    c = hetero_im(inst, inviters, k=3, seed=10, labels=False, threads=2)
    assert np.array_equal(a.invitees, b.invitees) and np.array_equal(a.scores, b.scores)
    assert a.info == b.info
    assert not (np.array_equal(a.invitees, c.invitees) and np.array_equal(a.scores, c.scores))
    assert np.array_equal(np.diff(a.offsets), np.minimum(base.out_degree[inviters], 3))


def test_certificate_brackets_exact_values():
    # brute force over every feasible assignment of the exact pair objective
    src = [0, 0, 0, 1, 1, 2, 3, 4, 5, 6]
    dst = [2, 3, 4, 4, 5, 6, 6, 7, 7, 7]
    p = [0.5, 0.4, 0.9, 0.3, 0.7, 0.8, 0.6, 0.5, 0.5, 0.9]
    g = Graph.from_arrays(src, dst, p)
    inst = HeteroInstance(g, accept=np.array([1, 1, 1, 0.5, 1, 0.8, 1, 1]))
    live = inst.live_probs()
    r = hetero_im(inst, [0, 1], k=1, eps=0.05, seed=7)
    chosen = [(u, v) for u, lst in r.as_dict().items() for v, _ in lst]
    best = max(pair_objective(g, live, [(0, a), (1, b)]) for a in (2, 3, 4) for b in (4, 5))
    got = pair_objective(g, live, chosen)
    assert r.lower_bound <= got <= best <= r.upper_bound
    assert got >= 0.5 * best
    assert r.info["spread"] == pytest.approx(got, rel=0.1)
    assert r.approx_ratio >= 0.45


def test_theta_max_formula():
    # 1/2-approximation theta_max written out by hand
    n, eps, delta, logc, chi = 1000, 0.1, 0.001, 12.0, 20
    a = np.log(6 / delta)
    want = 2 * n * (0.5 * np.sqrt(a) + np.sqrt(0.5 * (logc + a))) ** 2 / (eps ** 2 * chi)
    assert hetero_theta_max(n, eps, delta, logc, chi) == pytest.approx(want)
