"""Benchmark runs in a worker process, fresh or kept warm.

``python -m imx.benchmark.worker SPEC OUT`` runs one spec in a fresh process:
its own peak resident memory and its own JIT state, so warm-up is measured for
real, at the price of a process start-up (interpreter, numpy, numba: seconds
on a busy machine) per run.
``python -m imx.benchmark.worker --serve`` keeps one process warm: it reads
one JSON request per line on stdin (``{"spec": ..., "out": path}``), writes the
result to ``out`` and answers ``done`` on its stdout.  The peak memory of each
run is still its own on Linux: the high-water mark is reset before each run
(``/proc/self/clear_refs``); where it cannot be reset the record says so
(``memory.peak_scope = "process"``).
Times recorded, wall and CPU (``time.process_time``, all threads):

* ``startup``: from the runner's spawn to this module's first line (interpreter);
* ``imports``: numpy, numba, imx and the task's modules;
* ``load``: reading the graph (``.imxg`` memory-mapped) and applying ``probs``;
* ``setup``: task inputs that are not part of the solve (AP sample, scores, values);
* ``warmup``: JIT compilation (or numba cache loading) and first-call costs,
  excluded from ``solve`` (see :mod:`.adapters` for the levels tiny/cheap/full);
* ``solve``: the solver call alone; its own phases come from its execution record;
* ``evaluate``: the suite's independent spread evaluator.
"""
from __future__ import annotations

import time

_MODULE_START = time.time()

import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

__all__ = ["execute", "main"]


def _reset_peak_rss() -> bool:
    """Reset this process's peak resident memory to its current size (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _current_rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class _Clock:
    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] = time.perf_counter() - w0
            self.cpu[name] = time.process_time() - c0


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def execute(spec: dict, *, started: float | None = None) -> dict:
    """Run the benchmark described by ``spec`` (built by the runner); return its record."""
    run = spec["run"]
    params = dict(run["params"])
    seed = int(params.pop("seed", 1)) + int(run["rep"])
    warmup = str(params.pop("warmup", "cheap"))
    clock = _Clock()
    out: dict = {"status": "ok", "seed": seed, "isolated": bool(spec.get("isolated", True)),
                 "pid": os.getpid()}
    if started is not None and spec.get("spawn_time") is not None:
        out["startup_s"] = max(0.0, started - float(spec["spawn_time"]))
    try:
        with clock("imports"):
            import numpy  # noqa: F401

            from .. import io as imx_io
            from .adapters import get_adapter
            from .common import Unavailable
            from .evaluator import Evaluator

            adapter = get_adapter(run["task"])
            adapter.modules(params)
            if run["task"] in ("im", "cim"):
                from .. import sampling  # noqa: F401  (the evaluator's engine)
        # interpreter, numpy, numba and LLVM: the same in every run, reported apart
        # from what the graph and the solver add
        baseline = _current_rss_bytes()
        evaluator = Evaluator.from_config(spec.get("evaluator", {}))
        graph = None
        gspec = spec.get("graph") or {}
        if gspec.get("path"):
            with clock("load"):
                kwargs = {"probs": params.get("probs"), "seed": int(gspec.get("probs_seed", 0))}
                if gspec.get("directed") is not None:
                    kwargs["directed"] = bool(gspec["directed"])
                graph = imx_io.load_graph(gspec["path"], **kwargs)
            out["graph_info"] = {"n": graph.n, "m": graph.m, "directed": graph.directed,
                                 "probs": graph.scheme}
        with clock("setup"):
            env = dict(spec.get("env") or {}, _evaluator=evaluator)
            ctx = adapter.prepare(graph, params, seed, env)
        with clock("warmup"):
            adapter.warmup(params, seed, graph, ctx, warmup)
            if run["task"] in ("im", "cim"):
                from .common import tiny_graph

                evaluator(tiny_graph(params.get("probs", "wc"), like=graph), [0, 1],
                          params.get("model", "ic"))
        rss_before = _current_rss_bytes()
        with clock("solve"):
            outcome = adapter.solve(graph, ctx, params, seed)
        from .common import peak_rss_bytes

        peak = peak_rss_bytes()
        steady = int(params.get("steady_calls", 0))
        if steady > 0 and hasattr(adapter, "steady"):  # after the peak: it must not move it
            outcome.metrics.update(adapter.steady(graph, ctx, params, seed, steady))
        out["memory"] = {"peak_rss_bytes": peak, "rss_before_solve_bytes": rss_before,
                         "baseline_rss_bytes": baseline,
                         "solver_peak_bytes": (peak - rss_before) if rss_before else None,
                         "graph_bytes": graph.nbytes if graph is not None else None}
        if outcome.eval_graph is not None and outcome.seed_ids is not None:
            with clock("evaluate"):
                out["evaluation"] = evaluator(outcome.eval_graph, outcome.seed_ids,
                                              outcome.model)
        out["result"] = outcome.result
        out["rr_sets"] = outcome.rr_sets
        out["record"] = outcome.record
        out["metrics"] = outcome.metrics
    except Unavailable as exc:
        out["status"] = "skipped"
        out["reason"] = str(exc)
    except Exception as exc:  # a failed run is a result, not the end of the suite
        out["status"] = "error"
        out["error"] = _one_line(exc)
        out["traceback"] = traceback.format_exc(limit=8)
    out["times"] = clock.wall
    out["cpu"] = clock.cpu
    return out


def _write_result(result: dict, path: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh, default=_jsonable)
    os.replace(tmp, path)


def serve() -> int:
    """Run requests from stdin until it closes (see the module docstring)."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # whatever a solver or peer prints goes to stderr, not into the replies
    started: float | None = _MODULE_START
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        spec = dict(request["spec"], isolated=_reset_peak_rss())
        result = execute(spec, started=started)
        if "memory" in result:
            result["memory"]["peak_scope"] = "run" if spec["isolated"] else "process"
        started = None  # only the first run paid for the start-up
        _write_result(result, request["out"])
        replies.write("done\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--serve"]:
        return serve()
    if len(argv) != 2:
        print("usage: python -m imx.benchmark.worker SPEC.json OUT.json | --serve",
              file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    result = execute(spec, started=_MODULE_START)
    if "memory" in result:
        result["memory"]["peak_scope"] = "run"
    _write_result(result, argv[1])
    return 0


def _jsonable(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


if __name__ == "__main__":
    sys.exit(main())
