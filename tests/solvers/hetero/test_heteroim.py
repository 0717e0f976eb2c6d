"""HeteroIR / HeteroIM reranking: formulas by hand, known orders, capacity,
determinism, RR pair scores against exact live-edge enumeration, the index."""
from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest

from imx import Graph, InputError, ParameterError
from imx.solvers.hetero import (HeteroIndex, HeteroInstance, beta_scores, hetero_im, hetero_inf,
                                hetero_ir, rerank)
from imx.solvers.hetero.heteroim import hetero_theta_max


def arc_id(g: Graph, u: int, v: int) -> int:
    lo, hi = int(g.out_offsets[u]), int(g.out_offsets[u + 1])
    return lo + int(np.flatnonzero(np.asarray(g.out_targets[lo:hi]) == v)[0])


def subtree_graph(p_ab=0.5, p_tree=0.8, leaves=4):
    """Inviter 0 with equally willing friends 1 (root of a star of `leaves`) and 2 (a leaf)."""
    src = [0, 0] + [1] * leaves
    dst = [1, 2] + list(range(3, 3 + leaves))
    return Graph.from_arrays(src, dst, [p_ab, p_ab] + [p_tree] * leaves)


# ----------------------------------------------------------------- HeteroIR
def test_hetero_inf_and_beta_by_hand():
    # 0 -> 1, 2, 3 ; 1 -> 4, 5, 6, 7 ; 2 -> 4 ; accept U
    src = [0, 0, 0, 1, 1, 1, 1, 2]
    dst = [1, 2, 3, 4, 5, 6, 7, 4]
    p = [0.9, 0.6, 0.3, 0.5, 0.4, 0.2, 0.1, 1.0]
    g = Graph.from_arrays(src, dst, p)
    U = np.array([1.0, 0.5, 1.0, 1.0, 0.8, 1.0, 0.5, 1.0])
    inst = HeteroInstance(g, accept=U)
    inf = hetero_inf(inst, c=2)
    # node 1: P*U over its arcs = 0.5*0.8, 0.4*1, 0.2*0.5, 0.1*1 -> top-2 = 0.4 + 0.4
    assert inf[1] == pytest.approx(0.8)
    assert inf[2] == pytest.approx(0.8)          # one arc, 1.0 * U_4 = 0.8
    assert inf[3] == 0.0 and inf[4] == 0.0
    assert inf[0] == pytest.approx(0.9 * 0.5 + 0.6 * 1.0)
    beta = beta_scores(inst, c=2)
    assert beta[arc_id(g, 0, 1)] == pytest.approx(0.9 * 0.5 * (1 + 0.8))
    assert beta[arc_id(g, 0, 2)] == pytest.approx(0.6 * 1.0 * (1 + 0.8))
    assert beta[arc_id(g, 0, 3)] == pytest.approx(0.3 * 1.0 * (1 + 0.0))
    r = hetero_ir(inst, [0], k=3, c=2)
    assert [v for v, _ in r.as_dict()[0]] == [2, 1, 3]
    # c = 1 changes node 1's HeteroInf to 0.4
    assert hetero_inf(inst, c=1)[1] == pytest.approx(0.4)


def test_heteroir_subtree_beats_leaf_and_ties_by_willingness():
    g = subtree_graph()
    assert [v for v, _ in hetero_ir(HeteroInstance(g), [0], k=2).as_dict()[0]] == [1, 2]
    # two leaves with equal beta: the more willing one first, then the smaller id
    g2 = Graph.from_arrays([0, 0, 0], [1, 2, 3], [0.25, 0.25, 0.5])
    w = np.array([0.25, 0.25, 0.5])
    inst = HeteroInstance(g2, willingness=w, accept=np.array([1, 1, 1, 0.5]))
    assert [v for v, _ in hetero_ir(inst, [0], k=3).as_dict()[0]] == [3, 1, 2]


def test_bad_parameters_and_inputs():
    g = subtree_graph()
    inst = HeteroInstance(g)
    with pytest.raises(ParameterError):
        hetero_ir(inst, [0], k=0)
    with pytest.raises(ParameterError):
        hetero_ir(inst, [0], c=0)
    with pytest.raises(InputError, match="inviter 99"):
        hetero_ir(inst, [99])
    with pytest.raises(ParameterError):
        rerank(g, [0], solver="pagerank")
    with pytest.raises(ParameterError):
        HeteroInstance(g, accept=np.full(g.n, 1.5))
    with pytest.raises(ParameterError):
        HeteroInstance(g, willingness=np.zeros(3))
    with pytest.raises(ParameterError):
        hetero_im(inst, [0], k=0)
    with pytest.raises(ParameterError):
        hetero_im(inst, [0], eps=0.7)


def test_inviter_without_friends_gets_empty_list():
    g = subtree_graph()
    for method in ("heteroir", "willingness", "degree"):
        r = rerank(g, [3, 0], k=2, solver=method)
        assert r.as_dict()[3] == [] and len(r.as_dict()[0]) == 2
    r = rerank(g, [3, 4], k=2, solver="heteroim")
    assert r.as_dict() == {3: [], 4: []}


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


# --------------------------------------------------------------------- index
@pytest.mark.parametrize("method", ["heteroim", "heteroir", "willingness", "degree"])
def test_index_round_trip(tmp_path, method):
    g = subtree_graph()
    idx = HeteroIndex.build(g, solver=method, rr_sets=5000, seed=1)
    path = tmp_path / "h.idx"
    idx.save(path)
    for mmap in (True, False):
        back = HeteroIndex.load(path, mmap=mmap)
        assert back.solver == method and back.meta == idx.meta
        for u in range(g.n):
            assert back.rerank(u, k=3) == idx.rerank(u, k=3)
    assert len(idx.rerank(0, k=1)) == 1 and idx.rerank(5) == []
    if method in ("heteroim", "heteroir", "degree"):
        assert [v for v, _ in idx.rerank(0, k=2)] == [1, 2]


def test_index_matches_rankers_and_candidates():
    from imx.graph.generate import erdos_renyi

    g = erdos_renyi(200, 1500, seed=8)
    rng = np.random.default_rng(1)
    w = rng.uniform(0, 1, g.m)
    U = rng.uniform(0.2, 1, g.n)
    idx = HeteroIndex.build(g, solver="heteroir", willingness=w, accept=U, c=2)
    ranking = hetero_ir(HeteroInstance(g, w, U), range(g.n), k=4, c=2)
    for u in range(g.n):
        ids, scores = ranking.list_of(u)
        got = idx.rerank(u, k=4)
        assert [v for v, _ in got] == ids.tolist()
        assert np.allclose([s for _, s in got], scores)
    friends = [v for v, _ in idx.rerank(5, k=100)]
    subset = friends[::2] + [999 % g.n]          # a non-friend is ignored
    got = idx.rerank(5, candidates=subset, k=2)
    assert [v for v, _ in got] == [v for v in friends if v in subset][:2]
    assert idx.rerank_many([5, 6], k=2) == [idx.rerank(5, k=2), idx.rerank(6, k=2)]
    with pytest.raises(InputError):
        idx.rerank(10_000)
    with pytest.raises(ParameterError):
        idx.rerank(5, k=0)


def test_index_string_labels_and_threads(tmp_path):
    import networkx as nx

    G = nx.DiGraph()
    G.add_weighted_edges_from([("ann", "bob", 0.5), ("ann", "cat", 0.5), ("bob", "dan", 0.9),
                               ("bob", "eve", 0.9), ("cat", "fay", 0.1)], weight="p")
    g = Graph.from_networkx(G)
    idx = HeteroIndex.build(g, solver="heteroir")
    idx.save(tmp_path / "s.idx")
    back = HeteroIndex.load(tmp_path / "s.idx")
    assert back.rerank("ann", k=2)[0][0] == "bob"
    with pytest.raises(InputError, match="zed"):
        back.rerank("zed")
    want = {u: back.rerank(u, k=2) for u in ("ann", "bob", "cat", "dan")}
    errors = []

    def reader():
        for _ in range(2000):
            for u, exp in want.items():
                if back.rerank(u, k=2) != exp:
                    errors.append(u)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_index_load_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"not an index")
    with pytest.raises(InputError, match="bad.idx"):
        HeteroIndex.load(bad)
    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(InputError, match="missing"):
        HeteroIndex.load(tmp_path / "other.npz")


def test_index_equals_single_inviter_heteroim():
    from imx.graph.generate import chung_lu

    g = chung_lu(400, 3000, seed=6)
    rng = np.random.default_rng(3)
    w = rng.uniform(0, 0.4, g.m)
    U = rng.uniform(0.3, 1, g.n)
    theta = 20_000
    idx = HeteroIndex.build(g, solver="heteroim", willingness=w, accept=U, rr_sets=theta, seed=4)
    inst = HeteroInstance(g, w, U)
    users = np.argsort(-g.out_degree)[:6]
    for u in users.tolist():
        for K in (1, 4):
            want = hetero_im(inst, [u], k=K, rr_sets=theta, seed=4).as_dict()[u]
            got = idx.rerank(u, k=K)
            assert [v for v, _ in got] == [v for v, _ in want]
            assert np.allclose([s for _, s in got], [s for _, s in want])
    # scores are the greedy marginals: non-increasing down a list
    for u in users.tolist():
        scores = [s for _, s in idx.rerank(u, k=50)]
        assert all(a >= b for a, b in zip(scores, scores[1:]))


def test_root_weights_give_each_root_its_share():
    from imx.sampling import sample_rr_sets
    from imx.solvers.hetero.selection import root_weights

    g = Graph.from_arrays([0, 1, 2, 3], [1, 2, 3, 4], [0.5] * 4)
    rr = sample_rr_sets(g, 23, seed=2)
    set_w, node_w = root_weights(rr)
    roots = np.asarray(rr.nodes)[np.asarray(rr.offsets)[:-1]]
    per_root = np.bincount(np.asarray(roots), weights=set_w, minlength=g.n) + node_w
    assert np.allclose(per_root, 23 / 5)
    assert np.all((node_w > 0) == (np.bincount(roots, minlength=g.n) == 0))


def test_inviter_order_does_not_change_lists():
    from imx.graph.generate import chung_lu

    g = chung_lu(300, 2400, seed=2)
    rng = np.random.default_rng(5)
    inst = HeteroInstance(g, rng.uniform(0, 0.5, g.m), rng.uniform(0.5, 1, g.n))
    inviters = rng.choice(np.flatnonzero(g.out_degree >= 2), 40, replace=False)
    a = hetero_im(inst, np.sort(inviters), k=2, rr_sets=20_000, seed=1).as_dict()
    b = hetero_im(inst, inviters[::-1], k=2, rr_sets=20_000, seed=1).as_dict()
    assert a == b and list(b) == inviters[::-1].tolist()
