"""The HeteroIndex (imx.solvers.hetero.index): round trips, agreement with the rankers and
with single-inviter HeteroIM, string labels, threads, bad files."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from imx import Graph, InputError, ParameterError
from imx.solvers.hetero import (HeteroIndex, HeteroInstance, hetero_im, hetero_ir)
from tests.tiny import subtree_graph


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
