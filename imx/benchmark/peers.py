"""Peers side by side: imx against other tools, in one process, on identical inputs.

Each comparison (``task = "peer"``, ``peer = NAME``) builds both tools' inputs
from the same imx graph (the same arcs and probabilities, the same seed nodes,
the same initial values), warms both up, then runs ``rounds`` rounds, each
timing imx and the peer on the same work, alternating which goes first.  It
reports both tools' medians and the speed-up ``peer time / imx time`` (above 1:
imx is faster), plus a quality figure for each side so that a fast wrong answer
shows.  A peer that is not installed makes the run "skipped" (optional extras:
``pip install cynetdiff pynetim ndlib``).

=================  ===========================================================
``cynetdiff-ic``   Monte-Carlo IC: ``runs`` simulations from the top-k degree
``cynetdiff-lt``   nodes; imx ``mc_spread`` vs cynetdiff; unit simulations/s
``pynetim-imm``    imx ``maximize_influence(solver="imm")`` vs pynetim's C++ IMM
``pynetim-opimc``  ... ``"opim-c"`` vs pynetim's OPIM-C; quality = the suite's
                   evaluator on each tool's seeds
``ndlib-hk``       Hegselmann-Krause: imx ``dynamics.simulate(model="hk")`` vs
                   ndlib ``HKModel``; unit node updates/s; quality = the standard
                   deviation of the final opinions (same statistical behaviour)
``ndlib-dw``       Deffuant-Weisbuch: imx ``model="dw", pairing="node"`` vs
                   ndlib ``AlgorithmicBiasModel`` with gamma = 0
``networkx-degree`` imx's degree baseline vs top-k degree in networkx (the floor)
``networkx-celf``  imx CELF vs CELF on pure-Python Monte-Carlo over networkx
=================  ===========================================================
"""
from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import ParameterError
from .common import Outcome, require, resolve_threads, tiny_graph

__all__ = ["PeerAdapter", "PEERS", "alternate"]


@dataclass
class Timed:
    """A value with the seconds of the part that counts (when a call does more than that)."""

    value: object
    seconds: float


def alternate(imx_fn: Callable[[], object], peer_fn: Callable[[], object], rounds: int
              ) -> tuple[list[float], list[float], object, object]:
    """Time both functions ``rounds`` times, alternating which runs first.

    A function may return :class:`Timed` to report the seconds of its comparable
    part (imx's baselines also estimate the spread of their answer: only the
    selection is compared).  Returns (imx seconds, peer seconds, last imx value,
    last peer value).
    """
    times: dict[str, list[float]] = {"imx": [], "peer": []}
    values: dict[str, object] = {"imx": None, "peer": None}
    for r in range(rounds):
        order = (("imx", imx_fn), ("peer", peer_fn)) if r % 2 == 0 else \
            (("peer", peer_fn), ("imx", imx_fn))
        for who, fn in order:
            t0 = time.perf_counter()
            value = fn()
            dt = time.perf_counter() - t0
            if isinstance(value, Timed):
                value, dt = value.value, value.seconds
            times[who].append(dt)
            values[who] = value
    return times["imx"], times["peer"], values["imx"], values["peer"]


def _top_degree(graph, k: int) -> np.ndarray:
    deg = np.diff(np.asarray(graph.out_offsets))
    return np.argsort(-deg, kind="stable")[:k].astype(np.int64)


def _summary(unit: str, per_round_work: float, t_imx: list[float], t_peer: list[float],
             rate: bool) -> dict:
    mi, mp = statistics.median(t_imx), statistics.median(t_peer)
    out = {"unit": unit, "rounds": len(t_imx), "imx_s": mi, "peer_s": mp,
           "ratio": mp / mi if mi > 0 else None}
    if rate:
        out["imx_value"] = per_round_work / mi if mi > 0 else None
        out["peer_value"] = per_round_work / mp if mp > 0 else None
    else:
        out["imx_value"], out["peer_value"] = mi, mp
    return out


# ------------------------------------------------------------------ Monte Carlo


def _cynetdiff(graph, params: dict, seed: int, evaluator) -> Outcome:
    models = require("cynetdiff.models")
    from .. import sampling

    model_name = params.get("model") or ("lt" if params["peer"].endswith("-lt") else "ic")
    k, runs = int(params.get("k", 10)), int(params.get("runs", 1000))
    rounds = int(params.get("rounds", 3))
    threads = resolve_threads(params.get("threads", 1))
    seeds = _top_degree(graph, k)
    # cynetdiff wants writable buffers; imx graphs are read-only
    starts = np.array(graph.out_offsets[:-1], dtype=np.uint32)
    edges = np.array(graph.out_targets, dtype=np.uint32)
    probs = np.array(graph.out_probs, dtype=np.float32)
    if model_name == "lt":
        peer = models.LinearThresholdModel(starts, edges, influence=probs, rng=seed)
    else:
        peer = models.IndependentCascadeModel(starts, edges, activation_probs=probs, rng=seed)
    peer.set_seeds(seeds.tolist())

    def run_peer():
        total = 0
        for _ in range(runs):
            peer.reset_model()
            peer.advance_until_completion()
            total += peer.get_num_activated_nodes()
        return total / runs

    def run_imx():
        return sampling.mc_spread(graph, seeds, runs=runs, model=model_name, seed=seed,
                                  threads=threads, labels=False).mean

    sampling.mc_spread(tiny_graph(like=graph), [0], runs=10, model=model_name, threads=threads,
                       labels=False)
    run_imx()  # warm both on the real input
    run_peer()
    t_imx, t_peer, v_imx, v_peer = alternate(run_imx, run_peer, rounds)
    metrics = _summary("simulations/s", runs, t_imx, t_peer, rate=True)
    metrics.update(imx_quality=float(v_imx), peer_quality=float(v_peer), k=k, runs=runs)
    return Outcome(metrics=metrics, result={"seeds": graph.label_list(seeds)})


# ------------------------------------------------------------------ IM solvers


def _pynetim(graph, params: dict, seed: int, evaluator) -> Outcome:
    pynetim = require("pynetim")
    maximize = require("imx.solvers", "maximize_influence")
    algo = params["peer"].split("-", 1)[1]
    model_name = params.get("model", "ic")
    k, eps = int(params.get("k", 50)), float(params.get("eps", 0.1))
    rounds = int(params.get("rounds", 3))
    threads = resolve_threads(params.get("threads", 1))
    src, dst = graph.arcs()
    peer_graph = pynetim.IMGraph(list(zip(src.tolist(), dst.tolist())),
                                 weights=np.asarray(graph.out_probs, dtype=float).tolist(),
                                 directed=True, renumber=False)
    solver = "imm" if algo == "imm" else "opim-c"

    def run_imx():
        res = maximize(graph, k, model=model_name, solver=solver, eps=eps, seed=seed,
                       threads=threads)
        return np.asarray(res.seeds, dtype=np.int64)

    def run_peer():
        if algo == "imm":
            alg = pynetim.IMMAlgorithm(peer_graph, model_name.upper(), epsilon=eps,
                                       random_seed=seed)
            chosen = alg.run(k=k)
        else:
            alg = pynetim.OPIMCAlgorithm(peer_graph, model_name.upper(), random_seed=seed)
            chosen = alg.run(k=k, epsilon=eps)
        return np.asarray(sorted(chosen), dtype=np.int64)

    maximize(tiny_graph(like=graph), 2, model=model_name, solver=solver, eps=0.5, seed=seed)
    t_imx, t_peer, s_imx, s_peer = alternate(run_imx, run_peer, rounds)
    metrics = _summary("solve seconds", 1, t_imx, t_peer, rate=False)
    metrics["imx_quality"] = evaluator(graph, s_imx, model_name)["spread"]
    metrics["peer_quality"] = evaluator(graph, s_peer, model_name)["spread"]
    metrics.update(k=k, eps=eps)
    return Outcome(metrics=metrics)


# ------------------------------------------------------------------ dynamics


def _ndlib(graph, params: dict, seed: int, evaluator) -> Outcome:
    require("ndlib")
    mc = require("ndlib.models.ModelConfig")
    dyn = require("imx.dynamics")
    which = params["peer"].split("-", 1)[1]
    steps, rounds = int(params.get("steps", 2)), int(params.get("rounds", 3))
    epsilon = float(params.get("epsilon", 0.3))
    threads = resolve_threads(params.get("threads", 1))
    rng = np.random.Generator(np.random.PCG64(seed))
    values = rng.random((graph.n, 1))
    nxg = graph.to_networkx()
    if not graph.directed:
        nxg = nxg.to_undirected()
    np.random.seed(seed)  # ndlib draws from numpy's global generator
    if which == "hk":
        peer_cls = require("ndlib.models.opinions", "HKModel")
        model = peer_cls(nxg)
    else:
        peer_cls = require("ndlib.models.opinions", "AlgorithmicBiasModel")
        model = peer_cls(nxg, seed=seed)
    config = mc.Configuration()
    config.add_model_parameter("epsilon", epsilon)
    if which == "dw":
        config.add_model_parameter("gamma", 0)
    model.set_initial_status(config)
    initial = {node: float(values[i, 0]) for i, node in enumerate(nxg.nodes)}
    model.iteration(node_status=False)  # ndlib's iteration 0 only reports the initial state

    def run_peer():
        model.status = dict(initial)
        if hasattr(model, "sts"):
            model.sts = np.array([initial[i] for i in model.ids])
        for _ in range(steps):
            model.iteration(node_status=False)
        return float(np.std(list(model.status.values())))

    kwargs = {"model": which, "epsilon": epsilon, "steps": steps, "seed": seed,
              "threads": threads}
    if which == "dw":
        kwargs.update(mu=0.5, pairing="node")

    def run_imx():
        return float(dyn.simulate(graph, values, **kwargs).state.std())

    small = tiny_graph(directed=graph.directed, like=graph)
    dyn.simulate(small, np.full((small.n, 1), 0.5), **dict(kwargs, steps=1))
    t_imx, t_peer, v_imx, v_peer = alternate(run_imx, run_peer, rounds)
    metrics = _summary("node updates/s", steps * graph.n, t_imx, t_peer, rate=True)
    metrics.update(imx_quality=v_imx, peer_quality=v_peer, steps=steps)
    return Outcome(metrics=metrics)


# ------------------------------------------------------------------ networkx floor


def _nx_simulate(adj: dict, seeds: list, rng: random.Random) -> int:
    active = set(seeds)
    frontier = list(seeds)
    while frontier:
        nxt = []
        for u in frontier:
            for v, p in adj[u]:
                if v not in active and rng.random() < p:
                    active.add(v)
                    nxt.append(v)
        frontier = nxt
    return len(active)


def _nx_celf(adj: dict, k: int, runs: int, seed: int) -> list:
    """Plain CELF on Monte-Carlo IC estimates, in pure Python (the floor)."""
    rng = random.Random(seed)

    def spread(seeds):
        return sum(_nx_simulate(adj, seeds, rng) for _ in range(runs)) / runs

    heap = sorted(((spread([v]), v) for v in adj), reverse=True)
    chosen, current = [heap[0][1]], heap[0][0]
    heap = [[g, v, 1] for g, v in heap[1:]]
    while len(chosen) < k and heap:
        while True:
            heap.sort(key=lambda e: -e[0])
            gain, v, fresh = heap[0]
            if fresh == len(chosen):
                break
            heap[0][0] = spread(chosen + [v]) - current
            heap[0][2] = len(chosen)
        chosen.append(v)
        current += gain
        heap.pop(0)
    return chosen


def _networkx(graph, params: dict, seed: int, evaluator) -> Outcome:
    maximize = require("imx.solvers", "maximize_influence")
    which = params["peer"].split("-", 1)[1]
    k, rounds = int(params.get("k", 10)), int(params.get("rounds", 3))
    runs = int(params.get("runs", 200))
    nxg = graph.to_networkx()
    model_name = "ic"

    # networkx nodes are the graph's labels; answers are mapped back to internal ids
    if which == "degree":
        def run_peer():
            ranked = sorted(nxg.out_degree(), key=lambda t: (-t[1], str(t[0])))
            return [u for u, _ in ranked[:k]]
        kwargs = {"solver": "degree"}
    else:
        adj = {u: [(v, float(d.get("p", 0.1))) for v, d in nxg[u].items()] for u in nxg.nodes}

        def run_peer():
            return _nx_celf(adj, k, runs, seed)
        kwargs = {"solver": "celf", "mc_runs": runs}

    def run_imx():
        t0 = time.perf_counter()
        res = maximize(graph, k, model=model_name, seed=seed, **kwargs)
        wall = time.perf_counter() - t0
        phases = res.record.phases
        # compare the selection only: imx's baselines also estimate their answer's spread
        select = sum(v for name, v in phases.items() if name in ("select", "selection"))
        return Timed(np.asarray(res.seeds, dtype=np.int64), select if select > 0 else wall)

    maximize(tiny_graph(like=graph), 2, model=model_name, solver=kwargs["solver"], seed=seed)
    t_imx, t_peer, s_imx, s_peer = alternate(run_imx, run_peer, rounds)
    metrics = _summary("solve seconds", 1, t_imx, t_peer, rate=False)
    metrics["imx_quality"] = evaluator(graph, s_imx, model_name)["spread"]
    metrics["peer_quality"] = evaluator(graph, graph.indices_of(s_peer), model_name)["spread"]
    metrics["k"] = k
    return Outcome(metrics=metrics)


PEERS = {"cynetdiff-ic": _cynetdiff, "cynetdiff-lt": _cynetdiff, "pynetim-imm": _pynetim,
         "pynetim-opimc": _pynetim, "ndlib-hk": _ndlib, "ndlib-dw": _ndlib,
         "networkx-degree": _networkx, "networkx-celf": _networkx}
_NEEDS = {"cynetdiff": ("cynetdiff",), "pynetim": ("pynetim", "imx.solvers"),
          "ndlib": ("ndlib", "imx.dynamics"), "networkx": ("networkx", "imx.solvers")}


class PeerAdapter:
    """Adapter for ``task = "peer"``: the comparison is the solve; warm-up is inside it."""

    name = "peer"

    def modules(self, params: dict) -> None:
        peer = params.get("peer")
        if peer not in PEERS:
            raise ParameterError(f"unknown peer {peer!r}; expected one of {', '.join(PEERS)}")
        for module in _NEEDS[peer.split("-", 1)[0]]:
            require(module)

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        return {"evaluator": env.get("_evaluator")}

    def warmup(self, params: dict, seed: int, graph, ctx: dict, level: str) -> None:
        """Each comparison warms both tools on its own inputs before timing."""

    def solve(self, graph, ctx: dict, params: dict, seed: int) -> Outcome:
        from .evaluator import Evaluator

        evaluator = ctx.get("evaluator") or Evaluator()
        return PEERS[params["peer"]](graph, params, seed, evaluator)

