"""The one place where the harness calls imx's solvers, through their public APIs.

Each task (``im``, ``cim``, ``hetero``, ``bcm``, ``rr``; ``peer`` in :mod:`.peers`,
``io`` in :mod:`.reading`, ``process`` in :mod:`.process`) has an adapter with four
steps:

* ``modules(params)``: import what the run needs (timed as ``imports``);
* ``prepare(graph, params, seed, env)``: inputs that are not part of the solve
  (AP samples, synthetic scores, initial values); timed as ``setup``;
* ``warmup(params, seed, graph, ctx, level)``: JIT compilation (or loading
  numba's cache) and first-call costs, so they are not counted as solver time.
  ``level`` (the suite parameter ``warmup``): ``"tiny"`` runs the call on a tiny
  graph; ``"cheap"`` (default) also runs it on the real graph with a tiny budget
  (k = 1, few RR sets, one step), which compiles the kernels specialised to the
  graph's probabilities; ``"full"`` runs the identical call once first;
* ``solve(graph, ctx, params, seed)``: the timed call; returns an :class:`Outcome`.

A task whose module is not built yet raises :class:`Unavailable`; the runner
records the run as skipped with that reason instead of failing.
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np

from .common import Outcome, peak_rss_bytes, require, resolve_aps, resolve_threads, tiny_graph

__all__ = ["ADAPTERS", "get_adapter"]


def _record_dict(record: Any) -> dict:
    if record is None:
        return {}
    if hasattr(record, "to_dict"):
        return record.to_dict()
    return dict(record) if isinstance(record, dict) else {}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _seeds_of(graph, res) -> tuple[np.ndarray, list]:
    """(internal ids, labels) of a result's seeds: every result holds ``seeds`` as labels
    and, where the solver knows them, ``seed_ids``."""
    labels = list(res.seeds)
    ids = getattr(res, "seed_ids", None)
    if ids is None:
        ids = graph.indices_of(labels)
    return np.asarray(ids, dtype=np.int64), labels


# ------------------------------------------------------------------ im


class IMAdapter:
    """Classic IM: ``imx.solvers.maximize_influence``."""

    name = "im"

    def _api(self) -> Callable:
        return require("imx.solvers", "maximize_influence")

    def _kwargs(self, params: dict, seed: int) -> dict:
        kwargs = {"model": params.get("model", "ic"), "seed": seed}
        solver = params.get("solver", "opim-c")
        if solver != "default":  # "default": the library's own choice, as a user gets it
            kwargs["solver"] = solver
        for key in ("eps", "delta", "time_budget", "max_rr_sets", "mc_runs", "spread_eps",
                    "method", "fast", "hist"):
            if key in params:
                kwargs[key] = params[key]
        if "threads" in params:
            kwargs["threads"] = resolve_threads(params["threads"])
        return kwargs

    def modules(self, params: dict) -> None:
        self._api()

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        if "cluster" not in params:
            return {}
        # one cluster (e.g. "local:2": a LocalCluster of 2 worker processes) for the warm-up
        # and the solve, so the warm-up loads the kernels in the workers the solve uses
        Cluster = require("imx.distributed", "Cluster")
        cluster = Cluster(str(params["cluster"]))
        cluster.__enter__()
        return {"cluster": cluster}

    def warmup(self, params: dict, seed: int, graph, ctx: dict, level: str) -> None:
        api = self._api()
        kwargs = dict(self._kwargs(params, seed), **self._on(ctx))
        if level == "full":
            api(graph, int(params["k"]), **kwargs)
            return
        kwargs["eps"] = max(float(params.get("eps", 0.5)), 0.5)
        api(tiny_graph(params.get("probs", "wc"), like=graph), min(int(params["k"]), 2),
            **kwargs)
        if level == "cheap":  # the kernels specialised to this graph, on a small budget
            api(graph, 1, **dict(kwargs, max_rr_sets=2000))

    @staticmethod
    def _on(ctx: dict) -> dict:
        return {"cluster": ctx["cluster"]} if "cluster" in ctx else {}

    def solve(self, graph, ctx: dict, params: dict, seed: int) -> Outcome:
        try:
            res = self._api()(graph, int(params["k"]),
                              **dict(self._kwargs(params, seed), **self._on(ctx)))
            metrics = {}
            if "cluster" in ctx:
                with ctx["cluster"].session() as session:
                    peaks = session.client.run(peak_rss_bytes)
                metrics["worker_peak_rss_bytes"] = sorted(peaks.values())
        finally:
            if "cluster" in ctx:
                ctx["cluster"].__exit__(None, None, None)
        ids, labels = _seeds_of(graph, res)
        result = {"seeds": [_plain(s) for s in labels], "num_seeds": len(labels),
                  "solver": getattr(res, "solver", None)}  # what "default" chose
        for src, dst in (("spread", "solver_spread"), ("lower_bound", "lower_bound"),
                         ("upper_bound", "upper_bound"), ("approx_ratio", "approx_ratio")):
            value = getattr(res, src, None)
            result[dst] = None if value is None else float(value)
        rr = getattr(res, "rr_sets", None)
        return Outcome(eval_graph=graph, seed_ids=ids, model=params.get("model", "ic"),
                       result=result, rr_sets=None if rr is None else int(rr),
                       record=_record_dict(getattr(res, "record", None)), metrics=metrics)


# ------------------------------------------------------------------ cim


class CIMAdapter:
    """Capacity-constrained IM: ``imx.solvers.cim.cim``."""

    name = "cim"

    def _api(self) -> Callable:
        return require("imx.solvers.cim", "cim")

    def _kwargs(self, params: dict, seed: int) -> dict:
        kwargs = {"solver": params.get("solver", "rr-opim+"), "model": params.get("model", "ic"),
                  "seed": seed}
        for key in ("eps", "delta", "mc_runs", "rr_sets"):
            if key in params:
                kwargs[key] = params[key]
        if "threads" in params:
            kwargs["threads"] = resolve_threads(params["threads"])
        return kwargs

    def modules(self, params: dict) -> None:
        self._api()

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        # the passive graph and candidate lists (an O(n + m) copy per AP set) are built
        # here and timed apart: "solve" is sampling, selection and bounds, what the
        # C++ reference's own timer covers (its AP structures are built before it)
        aps = resolve_aps(graph, params.get("aps", "sample:0.05"),
                          int(params.get("ap_seed", 1)), env)
        started = time.perf_counter()
        problem = require("imx.solvers.cim", "prepare")(graph, aps, int(params["k"]))
        return {"aps": aps, "problem": problem, "prepare_s": time.perf_counter() - started}

    def warmup(self, params: dict, seed: int, graph, ctx: dict, level: str) -> None:
        api = self._api()
        kwargs = self._kwargs(params, seed)
        if level == "full":
            api(ctx["problem"], None, **kwargs)
            return
        kwargs["eps"] = max(float(params.get("eps", 0.4)), 0.4)
        if "mc_runs" in params:
            kwargs["mc_runs"] = min(int(params["mc_runs"]), 50)
        api(tiny_graph(params.get("probs", "wc"), like=graph), [0, 1, 2, 3],
            min(int(params["k"]), 2), **kwargs)
        if level == "cheap":
            api(graph, ctx["aps"], 1, **kwargs)

    def solve(self, graph, ctx: dict, params: dict, seed: int) -> Outcome:
        res = self._api()(ctx["problem"], None, **self._kwargs(params, seed))
        problem = res.problem
        result = {"aps": len(ctx["aps"]), "num_seeds": res.num_seeds,
                  "solver_spread": float(res.spread),
                  "lower_bound": res.lower_bound, "upper_bound": res.upper_bound,
                  "approx_ratio": res.approx_ratio,
                  "aps_without_candidates": len(res.aps_without_candidates)}
        return Outcome(eval_graph=problem.passive, seed_ids=np.asarray(res.seed_ids),
                       model=params.get("model", "ic"), result=result, rr_sets=int(res.rr_sets),
                       record=_record_dict(res.record),
                       metrics={"passive_graph_s": ctx["prepare_s"]})

    def steady(self, graph, ctx: dict, params: dict, seed: int, calls: int) -> dict:
        """Median seconds of ``calls`` more solves right after the timed one (a service
        answering queries back to back), and the answers' agreement with it."""
        api, kwargs = self._api(), self._kwargs(params, seed)
        seconds = []
        for _ in range(calls):
            started = time.perf_counter()
            api(ctx["problem"], None, **kwargs)
            seconds.append(time.perf_counter() - started)
        return {"steady_solve_s": float(np.median(seconds)), "steady_calls": calls}


# ------------------------------------------------------------------ hetero


class HeteroAdapter:
    """HeteroIM / HeteroIR reranking (``mode = "rerank"``) or index serving (``"index"``)."""

    name = "hetero"

    def _module(self):
        return require("imx.solvers.hetero")

    def modules(self, params: dict) -> None:
        self._module()

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        hetero = self._module()
        data = hetero.synthetic_hetero(graph, inviters=float(params.get("inviters", 0.25)),
                                       seed=int(params.get("data_seed", 1)))
        return {"data": data}

    def _rerank(self, hetero, graph, data, params: dict, seed: int, rr_sets=None):
        kwargs = {"solver": params.get("method", "heteroim"), "willingness": data.willingness,
                  "accept": data.accept, "seed": seed, "labels": False}
        if rr_sets is not None or "rr_sets" in params:
            kwargs["rr_sets"] = rr_sets if rr_sets is not None else int(params["rr_sets"])
        if "eps" in params:
            kwargs["eps"] = params["eps"]
        if "threads" in params:
            kwargs["threads"] = resolve_threads(params["threads"])
        return hetero.rerank(graph, data.inviters, int(params.get("K", 3)), **kwargs)

    def warmup(self, params: dict, seed: int, graph, ctx: dict, level: str) -> None:
        hetero = self._module()
        K = int(params.get("K", 3))
        if level == "full":
            self.solve(graph, ctx, dict(params, queries=100), seed)
            return
        g = tiny_graph("uniform:0.5", like=graph)
        cases = [(g, hetero.synthetic_hetero(g, inviters=8, seed=1), None)]
        if level == "cheap":
            cases.append((graph, ctx["data"], 2000))
        for gg, data, rr_sets in cases:
            if params.get("mode", "rerank") == "index":
                idx = hetero.HeteroIndex.build(gg, solver=params.get("method", "heteroim"),
                                               willingness=data.willingness, accept=data.accept,
                                               k=K, seed=seed, rr_sets=rr_sets)
                idx.rerank_ids(0, K)
            else:
                self._rerank(hetero, gg, data, params, seed, rr_sets=rr_sets)

    def solve(self, graph, ctx: dict, params: dict, seed: int) -> Outcome:
        hetero = self._module()
        data = ctx["data"]
        K = int(params.get("K", 3))
        if params.get("mode", "rerank") == "index":
            return self._index(hetero, graph, data, params, seed, K)
        ranking = self._rerank(hetero, graph, data, params, seed)
        ranked = {}
        for i, u in enumerate(ranking.inviters.tolist()):
            invitees, _ = ranking.list_of(i)
            ranked[str(u)] = [str(v) for v in invitees.tolist()]
        observed = zip(data.observed_tails.tolist(), data.observed_heads.tolist())
        quality = hetero.evaluate_ranking(ranked, observed, inviters=ranked.keys(), max_k=K)
        metrics = {f"{name}@{k + 1}": float(quality[name][k])
                   for name in ("recall", "ndcg", "nspread") for k in range(K)}
        metrics["inviters"] = len(ranked)
        return Outcome(result={"inviters": len(ranked)}, record=_record_dict(ranking.record),
                       rr_sets=ranking.info.get("rr_sets"), metrics=metrics)

    def _index(self, hetero, graph, data, params, seed, K) -> Outcome:
        """Build, save and reload the index, then time ``rerank`` queries on the
        memory-mapped copy (as a server would), after 100 warm-up queries."""
        import tempfile

        t0 = time.perf_counter()
        idx = hetero.HeteroIndex.build(graph, solver=params.get("method", "heteroim"),
                                       willingness=data.willingness, accept=data.accept, k=K,
                                       seed=seed)
        metrics = {"build_s": time.perf_counter() - t0}
        queries = int(params.get("queries", 10_000))
        rng = np.random.Generator(np.random.PCG64(seed))
        out_degree = np.diff(np.asarray(graph.out_offsets))
        users = graph.label_list(rng.choice(np.flatnonzero(out_degree > 0), queries))
        hubs = graph.label_list(np.argsort(-out_degree, kind="stable")[:max(1, graph.n // 100)])
        with tempfile.TemporaryDirectory(prefix="imx-bench-index-") as tmp:
            path = os.path.join(tmp, "index.imxh")
            t0 = time.perf_counter()
            idx.save(path)
            metrics["save_s"] = time.perf_counter() - t0
            metrics["file_bytes"] = os.path.getsize(path)
            t0 = time.perf_counter()
            served = hetero.HeteroIndex.load(path, mmap=True)
            metrics["load_s"] = time.perf_counter() - t0
            metrics["queries"] = queries
            metrics.update(_latency(served, users, K))
            # the 1% highest-degree users, candidates = every other friend
            cands = [[v for v, _ in served.rerank(u, k=10 ** 9)][::2] for u in hubs]
            reps = max(1, queries // len(hubs))
            metrics.update(_latency(served, hubs * reps, K, cands * reps,
                                    prefix="candidates_"))
            t0 = time.perf_counter()
            served.rerank_many(users, k=K)
            metrics["rerank_many_us_per_query"] = (time.perf_counter() - t0) / queries * 1e6
            del served
        return Outcome(result={"rr_sets": idx.meta.get("rr_sets")},
                       rr_sets=idx.meta.get("rr_sets"), metrics=metrics)


def _latency(index, users: list, K: int, candidates: list | None = None,
             prefix: str = "") -> dict:
    """Per-query wall and calling-thread CPU time of ``index.rerank``, in microseconds:
    the CPU figures leave out the OS preempting the thread on a shared machine."""
    for u in users[:100]:
        index.rerank(u, k=K)
    wall = np.empty(len(users))
    cpu = np.empty(len(users))
    for i, u in enumerate(users):
        cand = None if candidates is None else candidates[i]
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        index.rerank(u, candidates=cand, k=K)
        wall[i] = (time.perf_counter_ns() - t0) / 1e3
        cpu[i] = (time.thread_time_ns() - c0) / 1e3
    return {f"{prefix}latency_p50_us": float(np.percentile(wall, 50)),
            f"{prefix}latency_p99_us": float(np.percentile(wall, 99)),
            f"{prefix}latency_p999_us": float(np.percentile(wall, 99.9)),
            f"{prefix}latency_max_us": float(wall.max()),
            f"{prefix}cpu_p99_us": float(np.percentile(cpu, 99))}


# ------------------------------------------------------------------ bcm


class BCMAdapter:
    """Value dynamics: ``imx.dynamics.simulate`` (``mode = "simulate"``) or ``fit``."""

    name = "bcm"

    def _module(self):
        return require("imx.dynamics")

    def modules(self, params: dict) -> None:
        self._module()

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        dyn = self._module()
        if params.get("mode", "simulate") == "fit":
            extra = {key: params[key] for key in ("noise", "min_friends") if key in params}
            egos = dyn.generate_egos(graph, int(params.get("egos", 50)),
                                     int(params.get("size", 100)),
                                     epsilon=float(params.get("epsilon", 0.3)),
                                     mu=float(params.get("mu", 0.4)), seed=seed, **extra)
            return {"egos": egos}
        rng = np.random.Generator(np.random.PCG64(seed))
        return {"values": rng.random((graph.n, int(params.get("dims", 5))))}

    def _simulate(self, dyn, graph, values, params, seed, steps=None):
        kwargs = {"model": params.get("model", "dw"), "epsilon": float(params.get("epsilon", 0.2)),
                  "steps": int(steps if steps is not None else params.get("steps", 10)),
                  "seed": seed}
        if "mu" in params:
            kwargs["mu"] = float(params["mu"])
        if "pairing" in params:
            kwargs["pairing"] = params["pairing"]
        if "threads" in params:
            kwargs["threads"] = resolve_threads(params["threads"])
        return dyn.simulate(graph, values, **kwargs)

    def _fit(self, dyn, egos, params: dict, seed: int, particles=None, iterations=None):
        kwargs = {"method": params.get("method", "pso"),
                  "per_dimension": bool(params.get("per_dimension", False)),
                  "particles": int(particles or params.get("particles", 24)),
                  "iterations": int(iterations or params.get("iterations", 60)), "seed": seed}
        if "threads" in params:
            kwargs["threads"] = resolve_threads(params["threads"])
        return dyn.fit(egos, **kwargs)

    def warmup(self, params: dict, seed: int, graph, ctx: dict, level: str) -> None:
        dyn = self._module()
        if params.get("mode", "simulate") == "fit":
            if level == "full":
                self._fit(dyn, ctx["egos"], params, seed)
                return
            from ..graph.generate import barabasi_albert

            g = barabasi_albert(300, 8, seed=1)
            self._fit(dyn, dyn.generate_egos(g, 4, 20, seed=1), params, seed, particles=4,
                      iterations=2)
            return
        if level == "full":
            self._simulate(dyn, graph, ctx["values"], params, seed)
            return
        g = tiny_graph("wc", directed=graph.directed, like=graph)
        values = np.random.Generator(np.random.PCG64(0)).random((g.n, int(params.get("dims", 5))))
        self._simulate(dyn, g, values, params, seed, steps=2)
        if level == "cheap":
            self._simulate(dyn, graph, ctx["values"], params, seed, steps=1)

    def solve(self, graph, ctx: dict, params: dict, seed: int) -> Outcome:
        dyn = self._module()
        if params.get("mode", "simulate") == "fit":
            t0 = time.perf_counter()
            res = self._fit(dyn, ctx["egos"], params, seed)
            seconds = time.perf_counter() - t0
            planted = ctx["egos"].meta.get("planted", {})
            baselines = dyn.evaluate(ctx["egos"], params=res).metrics
            metrics = {"mse": float(res.mse), "epsilon": _plain(res.epsilon),
                       "mu": _plain(res.mu), "evaluations": int(res.evaluations),
                       "egos": len(ctx["egos"]) if hasattr(ctx["egos"], "__len__") else None,
                       "planted_epsilon": _plain(planted.get("epsilon")),
                       "planted_mu": _plain(planted.get("mu")), "fit_s": seconds,
                       "no_change_mse": float(baselines["no_change"]["mse"]),
                       "mean_of_friends_mse": float(baselines["mean_of_friends"]["mse"])}
            return Outcome(record=_record_dict(res.record), metrics=metrics)
        t0 = time.perf_counter()
        res = self._simulate(dyn, graph, ctx["values"], params, seed)
        seconds = time.perf_counter() - t0
        updates = res.steps * graph.n  # hk: node updates; dw: pair draws (interactions = n)
        metrics = {"steps": res.steps, "updates": updates,
                   "updates_per_s": updates / seconds if seconds > 0 else None,
                   "converged": bool(res.converged)}
        return Outcome(record=_record_dict(res.record), metrics=metrics)


# ------------------------------------------------------------------ rr


class RRAdapter:
    """RR sampling alone: ``imx.sampling.sample_rr_sets(graph, count, method=...)``, to
    compare the per-node routines (``method = "coin"``: one coin per in-arc; ``"auto"``:
    geometric skips where they pay) on identical work."""

    name = "rr"

    def _api(self) -> Callable:
        return require("imx.sampling", "sample_rr_sets")

    def _kwargs(self, params: dict, seed: int) -> dict:
        kwargs = {"model": params.get("model", "ic"), "method": params.get("method", "auto"),
                  "seed": seed}
        if "threads" in params:
            kwargs["threads"] = resolve_threads(params["threads"])
        return kwargs

    def modules(self, params: dict) -> None:
        self._api()

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        return {}

    def warmup(self, params: dict, seed: int, graph, ctx: dict, level: str) -> None:
        api = self._api()
        count = int(params.get("count", 10_000)) if level == "full" else 100
        api(graph, count, **self._kwargs(params, seed))

    def solve(self, graph, ctx: dict, params: dict, seed: int) -> Outcome:
        count = int(params.get("count", 10_000))
        t0 = time.perf_counter()
        rr = self._api()(graph, count, **self._kwargs(params, seed))
        seconds = time.perf_counter() - t0
        return Outcome(rr_sets=len(rr), metrics={"sets": len(rr), "mean_size": rr.mean_size(),
                                                 "sets_per_s": len(rr) / seconds
                                                 if seconds > 0 else None})


ADAPTERS = {"im": IMAdapter(), "cim": CIMAdapter(), "hetero": HeteroAdapter(),
            "bcm": BCMAdapter(), "rr": RRAdapter()}


def get_adapter(task: str):
    if task == "peer":
        from .peers import PeerAdapter

        return PeerAdapter()
    if task == "io":
        from .reading import ReadingAdapter

        return ReadingAdapter()
    if task == "process":
        from .process import ProcessAdapter

        return ProcessAdapter()
    return ADAPTERS[task]
