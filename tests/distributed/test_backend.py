"""The Dask backend gives the local backend's answers, bit for bit.

One LocalCluster (two worker processes) is shared by the module.  The exact
greedy protocol is also checked without Dask, against the local greedy on
random collections.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import imx
from imx.distributed import Cluster
from imx.distributed.greedy import GreedyTraffic, exact_greedy
from imx.sampling import RRCollection, sample_rr_sets
from imx.solvers.coverage import greedy_max_coverage
from tests import KARATE, ROOT

distributed = pytest.importorskip("distributed")


def _backend_registered() -> bool:
    from importlib.metadata import entry_points

    return bool(entry_points(group="imx.cluster", name="dask"))


# Strings and Clients reach the backend through the installed package metadata (the
# entry point of pyproject.toml): an install made before it was added lacks it until
# reinstalled.  Cluster(...) objects work either way.
needs_entry_point = pytest.mark.skipif(
    not _backend_registered(),
    reason="the installed imx metadata lacks the imx.cluster entry point (pip install -e .)")


def _same(a, b) -> bool:
    return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))


def _set_lists(rr: RRCollection, parts: int = 2):
    """The protocol's ``fetch`` from the local index, the sets split over ``parts`` groups."""
    idx_offsets, idx_sets = rr.node_index()

    def fetch(seeds, nodes, more):
        covered = rr.covered(seeds) if len(seeds) else np.zeros(rr.count, np.uint8)
        out = []
        for g in range(parts):
            def live(v):
                sets = idx_sets[idx_offsets[v]:idx_offsets[v + 1]]
                return sets[(covered[sets] == 0) & (sets % parts == g)]
            lists = [live(v) for v in nodes]
            offsets = np.concatenate([[0], np.cumsum([len(x) for x in lists])])
            ids = np.concatenate(lists) if lists else np.zeros(0, np.int64)
            counts = np.array([len(live(v)) for v in more], dtype=np.int32)
            out.append((offsets.astype(np.int64), ids.astype(np.int32), counts, rr.count))
        return out
    return fetch


def test_exact_greedy_protocol_matches_local_greedy():
    rng = np.random.default_rng(0)
    widened = 0
    for _ in range(200):
        n = int(rng.integers(1, 30))
        sets = [rng.choice(n, size=int(rng.integers(1, min(n, 5) + 1)), replace=False)
                for _ in range(int(rng.integers(0, 50)))]
        nodes = np.concatenate(sets) if sets else np.zeros(0, np.int32)
        offsets = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
        rr = RRCollection(n, nodes, offsets)
        k = int(rng.integers(1, n + 3))
        candidates = None
        if rng.random() < 0.3:
            candidates = rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False)
        traffic = GreedyTraffic()
        got = exact_greedy(np.bincount(rr.nodes, minlength=n), k, _set_lists(rr),
                           candidates, width=(int(rng.integers(1, 5)), int(rng.integers(0, 5))),
                           traffic=traffic)
        assert _same(got, greedy_max_coverage(rr, k, candidates))
        widened += traffic.widenings
    assert widened > 0  # narrow widths forced the widening path


def test_exact_greedy_protocol_matches_local_rooted_greedy():
    rng = np.random.default_rng(7)
    for _ in range(150):
        n = int(rng.integers(1, 30))
        sets = [rng.choice(n, size=int(rng.integers(1, min(n, 5) + 1)), replace=False)
                for _ in range(int(rng.integers(1, 50)))]
        rr = RRCollection(n, np.concatenate(sets),
                          np.concatenate([[0], np.cumsum([len(s) for s in sets])]))
        k = int(rng.integers(1, n + 3))
        candidates = None if rng.random() < 0.7 else \
            rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False)
        got = exact_greedy(np.bincount(rr.nodes, minlength=n), k, _set_lists(rr), candidates,
                           width=(int(rng.integers(1, 5)), int(rng.integers(0, 5))),
                           rooted=rr.root_counts())
        assert _same(got, greedy_max_coverage(rr, k, candidates, rooted=True))


def test_exact_greedy_ranks_from_a_pool_as_from_all_nodes(monkeypatch):
    """Past 1,024 nodes the candidates come from a pool of the largest counts, drawn
    again when it runs short: the same seeds, gains and bounds as the local greedy."""
    from imx.distributed import greedy

    draws = []
    draw = greedy._Ranking._draw
    monkeypatch.setattr(greedy._Ranking, "_draw",
                        lambda self, size: (draws.append(size), draw(self, size)))
    rng = np.random.default_rng(5)
    for _ in range(12):
        n = int(rng.integers(1500, 5000))
        count = int(rng.integers(500, 4000))
        sizes = rng.integers(1, 12, size=count)
        # skewed node popularity, so that counts tie and fall unevenly
        weights = rng.pareto(1.5, size=n) + 1
        sets = [rng.choice(n, size=int(z), replace=False, p=weights / weights.sum())
                for z in sizes]
        rr = RRCollection(n, np.concatenate(sets),
                          np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64))
        k = int(rng.integers(5, 200))
        width = (int(rng.integers(1, 40)), int(rng.integers(0, 300)))
        rooted = rng.random() < 0.5
        got = exact_greedy(np.bincount(rr.nodes, minlength=n), k, _set_lists(rr), width=width,
                           rooted=rr.root_counts() if rooted else None)
        assert _same(got, greedy_max_coverage(rr, k, rooted=rooted))
    assert len(draws) > 12  # pools ran short and were drawn again


def test_exact_greedy_moves_little_compared_with_dense_reduce():
    g = imx.Graph.from_arrays(*np.random.default_rng(1).integers(0, 20000, (2, 100000)),
                              probs="wc")
    rr = sample_rr_sets(g, 20000, seed=3)
    traffic = GreedyTraffic()
    got = exact_greedy(np.bincount(rr.nodes, minlength=g.n), 50, _set_lists(rr, 1),
                       workers=1, traffic=traffic)
    assert _same(got, greedy_max_coverage(rr, 50))
    assert traffic.round_trips <= 51 // 3  # batches of steps, not a round trip per seed
    assert traffic.bytes_moved < 0.6 * traffic.dense_reduce_bytes


def test_import_imx_does_not_import_dask():
    code = ("import sys, imx; imx.maximize_influence; imx.mc_spread; import imx.cli.main; "
            "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_bad_cluster_spec_is_one_clear_error():
    from imx.distributed import parse_cluster

    assert parse_cluster("local") == ("local", 1)
    assert parse_cluster("local:3") == ("local", 3)
    assert parse_cluster("tcp://10.0.0.1:8786")[0] == "address"
    with pytest.raises(imx.ParameterError, match="neither local"):
        parse_cluster("no such thing")
    with pytest.raises(imx.ParameterError, match="local:N"):
        parse_cluster("local:0")


@needs_entry_point
def test_cli_unreachable_scheduler_exits_2_quickly(tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("1\n")
    env = dict(os.environ, IMX_DASK_CONNECT_TIMEOUT="2")
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "imx", "spread",
                          str(KARATE), "--seeds", str(seeds),
                          "--cluster", "tcp://127.0.0.1:9"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], out.stderr
    assert time.monotonic() - started < 30


# ------------------------------------------------------------------ on a LocalCluster
@pytest.fixture(scope="module")
def client():
    from imx.distributed.cluster import _worker_env

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, env=_worker_env(2))
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def graph():
    rng = np.random.default_rng(7)
    src, dst = rng.integers(0, 1500, (2, 9000))
    return imx.Graph.from_arrays(src, dst, probs="wc")


def _sharded(client, graph, **kwargs):
    from imx.distributed.cluster import open_cluster
    from imx.distributed.collection import ShardedRRCollection

    with open_cluster(client) as session:
        return ShardedRRCollection(session, graph.n, **kwargs)


@pytest.mark.parametrize("model, shard_size", [("ic", 333), ("lt", None)])
def test_shards_union_is_the_local_collection_byte_for_byte(client, graph, model, shard_size):
    lt = graph.with_probabilities("wc") if model == "lt" else graph
    rr = _sharded(client, lt, model=model, seed=11, start=5, shard_size=shard_size)
    rr.grow(lt, 1200)
    rr.grow(lt, 1700)
    local = sample_rr_sets(lt, 2900, model=model, seed=11, start=5)
    union = rr.to_local()
    assert union.nodes.tobytes() == local.nodes.tobytes()
    assert union.offsets.tobytes() == local.offsets.tobytes()
    assert (rr.count, rr.total_size) == (local.count, local.total_size)
    seeds = greedy_max_coverage(local, 5).seeds
    assert rr.coverage(seeds) == local.coverage(seeds)


def test_sharded_greedy_equals_local_greedy(client, graph):
    rr = _sharded(client, graph, seed=2, shard_size=700)
    rr.grow(graph, 4000)
    local = sample_rr_sets(graph, 4000, seed=2)
    for k, width in ((1, None), (25, None), (25, (3, 2))):
        assert _same(rr.greedy(k, width=width), greedy_max_coverage(local, k))
    candidates = np.arange(0, graph.n, 3)
    assert _same(rr.greedy(10, candidates), greedy_max_coverage(local, 10, candidates))
    assert rr.traffic.round_trips > 0 and rr.traffic.dense_reduce_bytes > 0


def test_worker_memory_limit_is_checked_before_sampling(client, graph):
    rr = _sharded(client, graph, seed=2)
    rr.grow(graph, 600)
    with pytest.raises(imx.MemoryBudgetError, match="Dask workers"):
        rr.grow(graph, 10**12)
    assert rr.count == 600


def test_mc_spread_on_cluster_equals_local(client, graph):
    seeds = [1, 5, 9, 400]
    local = imx.mc_spread(graph, seeds, 3000, seed=4)
    assert imx.mc_spread(graph, seeds, 3000, seed=4, cluster=Cluster(client)) == local
    lt = graph.with_probabilities("wc")
    assert imx.mc_spread(lt, seeds, 500, model="lt", seed=4, cluster=Cluster(client)) == \
        imx.mc_spread(lt, seeds, 500, model="lt", seed=4)


def _kill_one_worker(client) -> None:
    pids = client.run(os.getpid)
    os.kill(sorted(pids.values())[0], signal.SIGKILL)


@pytest.mark.slow
def test_worker_killed_mid_greedy_gives_the_same_answer(client, graph):
    rr = _sharded(client, graph, seed=9)
    rr.grow(graph, 3000)
    local = sample_rr_sets(graph, 3000, seed=9)
    _kill_one_worker(client)  # its shards and greedy state are gone
    assert _same(rr.greedy(15), greedy_max_coverage(local, 15))
    assert rr.coverage([3, 4]) == local.coverage([3, 4])
    client.wait_for_workers(2, timeout=60)


def test_bcm_fit_on_cluster_equals_local(client):
    from imx.graph.generate import barabasi_albert

    egos = imx.dynamics.generate_egos(barabasi_albert(200, 4, seed=1), count=20, size=20,
                                      epsilon=0.3, mu=0.4, noise=0.0, seed=2)
    local = imx.dynamics.fit(egos, iterations=4, particles=6, seed=3)
    remote = imx.dynamics.fit(egos, iterations=4, particles=6, seed=3, cluster=Cluster(client))
    assert (remote.epsilon, remote.mu, remote.mse) == (local.epsilon, local.mu, local.mse)
    assert remote.history == local.history
    assert remote.record.counters["cluster_round_trips"] == 5


# ------------------------------------------------------------------ a real scheduler
@pytest.fixture
def real_scheduler(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    info = tmp_path / "scheduler.json"
    procs = [subprocess.Popen(dask + ["--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                      "--scheduler-file", str(info)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        import json
        address = json.loads(info.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                 "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1"],
                env=dict(env, NUMBA_NUM_THREADS="1"), cwd=tmp_path,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with distributed.Client(address, timeout=30, set_as_default=False) as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.slow
def test_real_scheduler_and_workers_give_the_local_answers(real_scheduler, graph):
    seeds = [1, 5, 9]
    # the address itself where the installed metadata has the backend (see needs_entry_point)
    spec = real_scheduler if _backend_registered() else Cluster(real_scheduler)
    assert imx.mc_spread(graph, seeds, 2000, seed=4, cluster=spec) == \
        imx.mc_spread(graph, seeds, 2000, seed=4)
    for solver in ("opim-c", "imm"):
        remote = imx.maximize_influence(graph, 6, solver=solver, eps=0.3, seed=3,
                                        cluster=Cluster(real_scheduler))
        _same_result(imx.maximize_influence(graph, 6, solver=solver, eps=0.3, seed=3), remote)
        assert remote.record.counters["cluster_workers"] == 2
    with distributed.Client(real_scheduler, set_as_default=False) as c:
        left = c.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins))
    assert not [name for name in left if name.startswith("imx-graph")]  # taken back


# ------------------------------------------------------------------ solvers
def _same_result(a, b) -> None:
    assert a.seeds == b.seeds
    assert (a.spread, a.lower_bound, a.upper_bound, a.approx_ratio, a.rr_sets) == \
        (b.spread, b.lower_bound, b.upper_bound, b.approx_ratio, b.rr_sets)


@pytest.mark.parametrize("solver, model", [
    ("opim-c", "ic"), ("imm", "ic"), pytest.param("opim-c", "lt", marks=pytest.mark.slow)])
def test_maximize_influence_on_cluster_equals_local(client, graph, solver, model):
    local = imx.maximize_influence(graph, 8, solver=solver, model=model, eps=0.3, seed=5)
    remote = imx.maximize_influence(graph, 8, solver=solver, model=model, eps=0.3, seed=5,
                                    cluster=Cluster(client))
    _same_result(local, remote)
    counters = remote.record.counters
    assert counters["backend"] == "dask" and counters["cluster_workers"] == 2
    assert counters["greedy_round_trips"] >= 9 and counters["dense_reduce_bytes"] > 0


def test_the_hist_pilot_decides_alike_with_a_cluster(client):
    """Where the pilot picks HIST (large RR sets), a cluster must not change the answer."""
    rng = np.random.default_rng(3)
    src, dst = rng.integers(0, 600, (2, 6000))
    influential = imx.Graph.from_arrays(src, dst, probs="uniform:0.3")
    local = imx.maximize_influence(influential, 6, eps=0.3, seed=2)
    assert local.record.counters["hist"] is True  # the pilot saw large sets
    remote = imx.maximize_influence(influential, 6, eps=0.3, seed=2, cluster=Cluster(client))
    _same_result(local, remote)
    assert remote.record.counters["cluster"].startswith("not used")


def test_opim_with_a_worker_killed_mid_run_gives_the_same_answer(client, graph):
    local = imx.maximize_influence(graph, 5, eps=0.2, seed=8)
    assert local.record.counters["rounds"] >= 2
    killed = []

    def progress(done, total, label):
        if not killed:  # after round 1: R1/R2 shards and greedy state live on the workers
            _kill_one_worker(client)
            killed.append(done)

    remote = imx.maximize_influence(graph, 5, eps=0.2, seed=8, cluster=Cluster(client),
                                    progress=progress)
    assert killed == [1]
    _same_result(local, remote)
    client.wait_for_workers(2, timeout=60)


def test_a_graph_mapped_from_an_imxg_file_goes_by_reference(client, graph, tmp_path):
    from imx.distributed.graphs import graph_file

    def run(g):
        return imx.maximize_influence(g, 5, eps=0.3, seed=6, cluster=Cluster(client))

    fresh = graph.with_probabilities("uniform:0.04")  # content no other test placed
    path = tmp_path / "g.imxg"
    imx.save_graph(fresh, path)
    mapped = imx.load_graph(path)
    assert graph_file(mapped) == str(path) and graph_file(fresh) is None
    remote = run(mapped)
    _same_result(imx.maximize_influence(fresh, 5, eps=0.3, seed=6), remote)
    counters = remote.record.counters
    assert counters["graph_transport"] == "file" and 0 < counters["graph_bytes"] < 2000
    assert imx.mc_spread(mapped, [1, 5], 800, seed=2, cluster=Cluster(client)) == \
        imx.mc_spread(fresh, [1, 5], 800, seed=2)

    # the workers see other content at that path (replaced after the coordinator mapped
    # it, or gone): the arrays travel instead, and the answer is the same
    other = graph.with_probabilities("uniform:0.05")
    changed, missing = tmp_path / "changed.imxg", tmp_path / "missing.imxg"
    imx.save_graph(other, changed)
    imx.save_graph(other.with_probabilities("uniform:0.06"), missing)
    replaced, gone = imx.load_graph(changed), imx.load_graph(missing)
    imx.save_graph(fresh, changed)
    missing.unlink()
    for g in (replaced, gone):
        remote = run(g)
        assert remote.record.counters["graph_transport"] == "scatter"
        assert remote.record.counters["graph_bytes"] > g.m * 8
        _same_result(imx.maximize_influence(g, 5, eps=0.3, seed=6), remote)


def test_cim_and_hetero_draw_on_cluster_with_the_same_answers(client, graph):
    from imx.solvers.cim import cim
    from imx.solvers.hetero import HeteroIndex, HeteroInstance, hetero_im

    aps = list(range(0, 60, 3))
    local = cim(graph, aps, 2, solver="rr-opim+", eps=0.3, seed=4)
    remote = cim(graph, aps, 2, solver="rr-opim+", eps=0.3, seed=4, cluster=Cluster(client))
    assert remote.pairs == local.pairs
    assert (remote.spread, remote.lower_bound, remote.upper_bound, remote.approx_ratio) == \
        (local.spread, local.lower_bound, local.upper_bound, local.approx_ratio)
    assert remote.record.counters["selection"] == "coordinator"
    with pytest.raises(imx.ParameterError, match="no cluster backend"):
        cim(graph, aps, 2, solver="degree", cluster=Cluster(client))

    instance = HeteroInstance(graph)
    inviters = list(range(40))
    a = hetero_im(instance, inviters, 3, eps=0.3, seed=2)
    b = hetero_im(instance, inviters, 3, eps=0.3, seed=2, cluster=Cluster(client))
    assert a.rows() == b.rows() and a.info == b.info
    i = HeteroIndex.build(graph, k=2, eps=0.3, seed=2)
    j = HeteroIndex.build(graph, k=2, eps=0.3, seed=2, cluster=Cluster(client))
    assert np.array_equal(i.targets, j.targets) and i.scores.tobytes() == j.scores.tobytes()


def test_cluster_argument_is_checked_before_any_work(graph, monkeypatch):
    from importlib import metadata, util

    from imx import _validate

    with pytest.raises(imx.ParameterError, match="takes a distributed.Client"):
        imx.maximize_influence(graph, 2, cluster=3)
    with pytest.raises(imx.ParameterError, match="neither local"):
        Cluster("nowhere")
    with pytest.raises(imx.ParameterError, match="distributed.Client"):
        Cluster(object())
    made = Cluster("local:2")
    assert _validate.cluster(made) is made and _validate.cluster(None) is None
    # an install whose metadata lacks the backend, and one without Dask: one line each
    monkeypatch.setattr(metadata, "entry_points", lambda **kw: ())
    with pytest.raises(imx.ParameterError, match=r"does not register it.*imx\[dask\]"):
        imx.mc_spread(graph, [1], 10, cluster="local:2")
    real_find_spec = util.find_spec
    monkeypatch.setattr(util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real_find_spec(name, *a))
    with pytest.raises(imx.ParameterError, match=r"Dask, which is not installed.*imx\[dask\]"):
        imx.maximize_influence(graph, 2, cluster="tcp://127.0.0.1:9")


@needs_entry_point
def test_cluster_takes_a_client_or_a_spec_directly(client, graph):
    seeds = [1, 5, 9, 400]
    assert imx.mc_spread(graph, seeds, 3000, seed=4, cluster=client) == \
        imx.mc_spread(graph, seeds, 3000, seed=4)
    _same_result(imx.maximize_influence(graph, 4, eps=0.3, seed=1, cluster=client),
                 imx.maximize_influence(graph, 4, eps=0.3, seed=1))
    with pytest.raises(imx.ParameterError, match="neither local"):
        imx.maximize_influence(graph, 2, cluster="nowhere")
    with pytest.raises(imx.ParameterError, match="local:N"):
        imx.mc_spread(graph, [1], 10, cluster="local:0")
    # a LocalCluster started for the one call, and closed after it
    assert imx.mc_spread(graph, seeds, 500, seed=4, cluster="local:1") == \
        imx.mc_spread(graph, seeds, 500, seed=4)
