"""Run a suite: prepare its graphs once, then every run in a worker process.

Isolation modes (suite key ``isolate``, CLI ``--isolation``):

* ``"warm"`` (default): one worker process, started once and reused, so a run
  costs its own work, not a process start-up (interpreter, numpy, numba:
  seconds on a busy machine); its peak memory is still its own on Linux (the
  worker resets the high-water mark before each run).  A run that fails
  hard or times out takes the worker with it; the next run starts a new one.
* ``"fresh"`` (``true``): a new process for every run: clean peak memory and
  JIT state, for memory tables and peers with global state.
* ``"inline"`` (``false``): everything in the calling process.

Results go to a JSON-lines file, one object per run, rewritten atomically after
each run (so an interrupted suite keeps the runs that finished, and a reader
never sees half a line).  Each line holds the suite, task, graph, parameters,
repetition, status, times and CPU times per phase, peak memory, RR sets, the
solver's answer and certificate, the independent evaluation, and the machine
and versions.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from ..io.atomic import atomic_write_text
from .common import worker_env
from .machine import machine_info, versions
from .suites import RunSpec, Suite, isolation_mode, load_suite

__all__ = ["run_suite", "prepare_graphs", "default_output"]

Log = Callable[[str], None]


def default_output(suite: Suite) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("bench-results") / f"{suite.name}-{stamp}.jsonl"


def _generated_path(name: str, spec: dict, cache_dir) -> Path:
    from ..io.datasets import data_home

    args = {k: v for k, v in sorted(spec.items()) if k != "generate"}
    key = "-".join(f"{k}{v}" for k, v in args.items())
    return data_home(cache_dir) / "generated" / f"{spec['generate']}-{key}.imxg"


def _generate(spec: dict, path: Path) -> None:
    from ..graph import generate
    from ..io.binary import save_graph

    kwargs = {k: v for k, v in spec.items() if k not in ("generate", "n", "m", "k")}
    if spec["generate"] == "barabasi_albert":
        graph = generate.barabasi_albert(int(spec["n"]), int(spec.get("k", 4)), **kwargs)
    else:
        fn = getattr(generate, spec["generate"])
        graph = fn(int(spec["n"]), int(spec["m"]), **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_graph(graph, path)


def prepare_graphs(suite: Suite, names: set[str], *, data_dir=None, cache_dir=None,
                   log: Log | None = None) -> dict[str, dict]:
    """Resolve each graph to a file the workers load; failures become skip reasons."""
    from ..errors import ImxError
    from ..io.datasets import fetch

    out: dict[str, dict] = {}
    for name in sorted(names):
        spec = suite.graphs[name]
        try:
            if "dataset" in spec:
                path = fetch(spec["dataset"], data_dir=data_dir, cache_dir=cache_dir)
                out[name] = {"name": name, "path": str(path), "directed": None,
                             "source": f"dataset:{spec['dataset']}"}
            elif "generate" in spec:
                path = _generated_path(name, spec, cache_dir)
                if not path.is_file():
                    if log:
                        log(f"generating {name} ({spec['generate']}, n={spec['n']})")
                    _generate(spec, path)
                out[name] = {"name": name, "path": str(path), "directed": None,
                             "source": f"generate:{spec['generate']}"}
            else:
                path = Path(spec["file"])
                if not path.is_file():
                    raise ImxError(f"graph file {str(path)!r} not found")
                out[name] = {"name": name, "path": str(path),
                             "directed": not bool(spec.get("undirected", False)),
                             "source": f"file:{path}"}
        except ImxError as exc:
            out[name] = {"name": name, "path": None, "skip": str(exc)}
            continue
        # the seed of a random probability scheme (trivalency, exp): the same draw each run
        out[name]["probs_seed"] = int(spec.get("probs_seed", 0))
    return out


@contextlib.contextmanager
def _terminate_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt, so that subprocess.run kills the running worker."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_isolated(spec: dict, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="imx-bench-") as tmp:
        spec_path = os.path.join(tmp, "spec.json")
        out_path = os.path.join(tmp, "out.json")
        spec = dict(spec, spawn_time=time.time())
        with open(spec_path, "w", encoding="utf-8") as fh:
            json.dump(spec, fh)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-m", "imx.benchmark.worker", spec_path,
                                   out_path], env=worker_env(), capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return {"status": "timeout", "error": f"run exceeded {timeout:g} s", "times": {},
                    "cpu": {}, "process_wall_s": time.perf_counter() - t0}
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not os.path.exists(out_path):
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            return {"status": "error", "times": {}, "cpu": {}, "process_wall_s": wall,
                    "error": f"worker exited with code {proc.returncode}: " + " | ".join(tail)}
        with open(out_path, encoding="utf-8") as fh:
            result = json.load(fh)
        result["process_wall_s"] = wall
        return result


def _tail(text: str) -> str:
    return " | ".join(text.strip().splitlines()[-3:])


class _WarmWorker:
    """One ``python -m imx.benchmark.worker --serve`` process, reused run after run."""

    def __init__(self):
        self._proc: subprocess.Popen | None = None
        self._stderr = None
        self._folder = tempfile.TemporaryDirectory(prefix="imx-bench-")
        self._count = 0

    def _start(self) -> None:
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self._proc = subprocess.Popen([sys.executable, "-m", "imx.benchmark.worker", "--serve"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self._stderr, env=worker_env(), text=True)

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return _tail(self._stderr.read())

    def run(self, spec: dict, timeout: float) -> dict:
        if self._proc is None or self._proc.poll() is not None:
            self.stop()
            self._start()
            spec = dict(spec, spawn_time=time.time())
        self._count += 1
        out_path = os.path.join(self._folder.name, f"out-{self._count}.json")
        t0 = time.perf_counter()
        try:
            self._proc.stdin.write(json.dumps({"spec": spec, "out": out_path}) + "\n")
            self._proc.stdin.flush()
            ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
            reply = self._proc.stdout.readline() if ready else None
        except (BrokenPipeError, OSError):
            reply = ""
        except BaseException:
            self.stop()  # interrupted: never leave the worker running
            raise
        wall = time.perf_counter() - t0
        if reply is None:
            self.stop()
            return {"status": "timeout", "error": f"run exceeded {timeout:g} s", "times": {},
                    "cpu": {}, "process_wall_s": wall}
        if reply.strip() != "done" or not os.path.exists(out_path):
            code = self._proc.poll()
            tail = self._stderr_tail()
            self.stop()
            return {"status": "error", "times": {}, "cpu": {}, "process_wall_s": wall,
                    "error": f"worker exited with code {code}: {tail}"}
        with open(out_path, encoding="utf-8") as fh:
            result = json.load(fh)
        os.unlink(out_path)
        result["process_wall_s"] = wall
        return result

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            for pipe in (self._proc.stdin, self._proc.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            self._proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def close(self) -> None:
        self.stop()
        self._folder.cleanup()


def _run_inline(spec: dict) -> dict:
    from .worker import execute

    t0 = time.perf_counter()
    result = execute(dict(spec, isolated=False))
    result["process_wall_s"] = time.perf_counter() - t0
    return result


#: a labelled process run is described by its label, not its (long) command lines
_SPELLED_OUT_BY_LABEL = ("command", "setup", "figures", "seeds", "input", "program", "output")


def describe(run: RunSpec) -> str:
    hidden = _SPELLED_OUT_BY_LABEL if "label" in run.params else ()
    params = " ".join(f"{k}={v}" for k, v in run.params.items() if k not in hidden)
    graph = f" {run.graph}" if run.graph else ""
    return f"{run.task}{graph} {params}" + (f" rep={run.rep}" if run.rep else "")


def run_suite(suite: Suite | str, *, data_dir=None, cache_dir=None, out=None,
              isolate: bool | str | None = None, repetitions: int | None = None,
              match: Callable[[RunSpec], bool] | None = None, log: Log | None = None,
              progress: Callable | None = None) -> list[dict]:
    """Run every run of ``suite`` and write the results as JSON lines to ``out``.

    Parameters
    ----------
    suite : a :class:`Suite`, a shipped suite name, or a ``.toml`` path.
    data_dir : folder of raw dataset files (``--data-dir``), else the cache/downloads.
    cache_dir : cache folder for converted and generated graphs (default ``$IMX_DATA``).
    out : JSON-lines output path (default ``bench-results/SUITE-TIMESTAMP.jsonl``);
        ``False`` keeps the results in memory only.
    isolate : ``"warm"``, ``"fresh"`` or ``"inline"`` (module docstring; ``True`` means
        fresh, ``False`` inline); default: the suite's ``isolate``.
    repetitions : override the repetitions of every run group.
    match : keep only the runs for which ``match(run)`` is true.
    log : called with one line per run (the CLI prints it on stderr).
    progress : ``progress(done, total, label)`` after each run.

    Returns
    -------
    The result records, in run order.
    """
    if not isinstance(suite, Suite):
        suite = load_suite(suite, repetitions=repetitions)
    runs = [r for r in suite.runs if match is None or match(r)]
    try:
        mode = isolation_mode(suite.isolate if isolate is None else isolate)
    except ValueError as exc:
        from ..errors import ParameterError

        raise ParameterError(str(exc)) from None
    out_path = None if out is False else Path(out) if out is not None else default_output(suite)
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
    graphs = prepare_graphs(suite, {r.graph for r in runs if r.graph}, data_dir=data_dir,
                            cache_dir=cache_dir, log=log)
    common = {"suite": suite.name, "machine": machine_info(), "versions": versions()}
    env = {"data_dir": None if data_dir is None else str(Path(data_dir).resolve())}
    results: list[dict] = []
    lines: list[str] = []
    worker = _WarmWorker() if mode == "warm" else None
    try:
        for i, run in enumerate(runs, start=1):
            record = _one_run(suite, run, graphs, env, mode, worker)
            record.update(common)
            results.append(record)
            if log is not None:
                log(_progress_line(i, len(runs), run, record))
            if progress is not None:
                progress(i, len(runs), describe(run))
            if out_path is not None:
                lines.append(json.dumps(record, default=str) + "\n")
                atomic_write_text(out_path, "".join(lines))
    finally:
        if worker is not None:
            worker.close()
    return results


def _one_run(suite: Suite, run: RunSpec, graphs: dict, env: dict, mode: str,
             worker: _WarmWorker | None) -> dict:
    ginfo = graphs.get(run.graph) if run.graph else None
    record = {"type": "run", "suite": suite.name, "index": run.index, "task": run.task,
              "graph": run.graph or None,
              "graph_source": ginfo.get("source") if ginfo else None,
              "params": run.params, "rep": run.rep,
              "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if ginfo is not None and ginfo.get("path") is None:
        result = {"status": "skipped", "reason": ginfo["skip"], "times": {}, "cpu": {}}
    else:
        spec = {"run": {"task": run.task, "graph": run.graph, "params": run.params,
                        "rep": run.rep}, "graph": ginfo, "evaluator": suite.evaluator,
                "env": env, "isolated": mode != "inline"}
        if mode == "inline":
            result = _run_inline(spec)
        else:
            with _terminate_as_interrupt():
                result = (worker.run(spec, run.timeout_s) if worker is not None
                          else _run_isolated(spec, run.timeout_s))
    record.update(result)
    record["isolation"] = mode
    record["evaluator"] = suite.evaluator
    return record


def _progress_line(i: int, total: int, run: RunSpec, rec: dict) -> str:
    head = f"[{i}/{total}] {describe(run)}"
    status = rec.get("status")
    if status != "ok":
        why = rec.get("reason") or rec.get("error") or ""
        return f"{head}: {status} ({why})"
    solve = rec.get("times", {}).get("solve")
    parts = [f"solve {solve:.3f} s" if solve is not None else ""]
    ev = rec.get("evaluation")
    if ev:
        parts.append(f"spread {ev['spread']:.1f}")
    ratio = (rec.get("metrics") or {}).get("ratio")
    if ratio is not None:
        parts.append(f"ratio {ratio:.2f}")
    return f"{head}: " + ", ".join(p for p in parts if p)
