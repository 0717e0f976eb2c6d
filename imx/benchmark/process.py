"""The ``process`` task: a whole command timed from the outside, imx's or another tool's.

It measures what a library call cannot: a whole ``imx`` command as a user runs it
(interpreter, imports, numba's cache, parsing, output), with numba's on-disk
cache filled (``numba_cache = "warm"``) or empty (``"cold"``: the first run after
installing), and a reference program (a C++ build such as SUBSIM) on the same
graph, with its own figures read from its output and its seeds scored by the
suite's evaluator like imx's.

Parameters (``{name}`` in ``command`` / ``setup`` is replaced; a literal brace is
written twice, ``{{`` and ``}}``, as in :meth:`str.format`):

==================  ==============================================================
``command``         the command line (shell-like quoting; no shell runs it);
                    ``{imx}``: this Python running ``-m imx``; ``{python}``: this
                    Python; ``{program}``: the
                    ``program`` parameter; ``{graph}``: the run's graph file;
                    ``{input}``: the graph written for the program (``input``);
                    ``{scratch}``: a fresh folder, also the working folder;
                    ``{data_dir}``: ``--data-dir``; ``{k}``, ``{eps}``, ... any
                    other parameter
``program``         path of an external program; the run is skipped when it is
                    missing (e.g. ``/work/ref/subsim/subsim``)
``input``           ``"subsim"``: write the graph as ``n m`` then ``src dst p``
                    lines (internal ids) to ``{input}``, before ``setup``;
                    ``"cim"``: ``src dst`` lines (the CIM C++ reference computes
                    1/indegree itself) to ``{input}`` and the run's APs (``aps``,
                    ``ap_seed`` as for the ``cim`` task) as one comma-separated
                    line to ``{aps}``; its seeds file holds ``node ap`` pairs,
                    scored on the passive graph like imx's CIM answers
``setup``           a command run once before the timed one (not timed), e.g. the
                    program's own format conversion
``numba_cache``     ``"warm"`` (default: one untimed run first fills it and the
                    page cache), ``"cold"`` (a fresh empty numba cache for the timed
                    run) or ``"as-is"`` (no run first: for commands too long to
                    run twice)
``output``          ``"json"``: stdout ends in a JSON object (imx's
                    ``--json``); ``"json-file:NAME"``: the command writes one to
                    NAME in the scratch folder; its numbers become figures
                    (``out.KEY``, nested keys joined by dots), its ``seeds`` the seeds
``figures``         ``{ name = 'regex with one group' }`` read from stdout + stderr
                    (the first match), or ``{ name = { pattern = 'regex', take =
                    'median-after-first' } }``: the median of the later matches, for
                    a program that repeats its timed call (steady state)
``seeds``           a glob (in the scratch folder) of a file of seed ids
==================  ==============================================================

Figures recorded: the process's wall time (``process_s``, the timed ``solve``
phase too), its CPU time, its exit code and its **peak resident memory** as the
kernel counted it for that process.  That peak is read with ``wait4`` in a small
launcher (``python -S``) that starts the command: ``ru_maxrss`` of a child
counts from the address space it was started from (Linux carries the parent's
high-water mark over ``fork`` and ``execve``), so the launcher, not the
benchmark worker with numpy and numba loaded, must be that parent; the
launcher's own high-water mark, the floor of the figure (about 10 MB), is
recorded beside it.
"""
from __future__ import annotations

import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

import numpy as np

from .common import Outcome, Unavailable, resolve_aps, worker_env

__all__ = ["ProcessAdapter", "run_measured"]

# Started as ``python -S -c LAUNCHER RESULT.json CMD...``: spawns CMD, waits for it with
# wait4 and writes its wall time, rusage and exit code to RESULT.json.
_LAUNCHER = r"""
import json, os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
try:
    pid = os.posix_spawnp(argv[0], argv, os.environ)
except OSError as exc:
    json.dump({"error": f"cannot start {argv[0]}: {exc.strerror}"}, open(out, "w"))
    sys.exit(0)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
floor = 0
with open("/proc/self/status") as fh:
    for line in fh:
        if line.startswith("VmHWM:"):
            floor = int(line.split()[1]) * 1024
json.dump({"wall_s": wall, "exit": os.waitstatus_to_exitcode(status),
           "peak_rss_bytes": ru.ru_maxrss * 1024, "launcher_rss_bytes": floor,
           "user_s": ru.ru_utime, "sys_s": ru.ru_stime}, open(out, "w"))
"""


def run_measured(argv: list[str], *, cwd: str, env: dict | None = None,
                 timeout: float | None = None) -> dict:
    """Run ``argv`` to its end; its wall and CPU seconds, exit code, peak RSS and output."""
    with tempfile.TemporaryDirectory(prefix="imx-bench-proc-") as tmp:
        result_path = os.path.join(tmp, "rusage.json")
        proc = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, result_path, *argv],
                              cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if not os.path.exists(result_path):
            raise RuntimeError(f"launcher failed: {proc.stderr.strip()[-300:]}")
        with open(result_path, encoding="utf-8") as fh:
            out = json.load(fh)
    if "error" in out:
        raise Unavailable(out["error"])
    out.update(stdout=proc.stdout, stderr=proc.stderr)
    return out


def _write_arc_lines(out, graph, probs: np.ndarray | None = None) -> None:
    """One ``src dst`` (``src dst p`` with ``probs``) line per arc, internal ids, in chunks."""
    tails, heads = graph.arcs()
    step = 1 << 20
    for lo in range(0, graph.m, step):
        hi = min(graph.m, lo + step)
        columns = [tails[lo:hi].tolist(), heads[lo:hi].tolist()]
        if probs is not None:
            columns.append([repr(p) for p in probs[lo:hi].tolist()])
        out.write("".join(" ".join(map(str, row)) + "\n" for row in zip(*columns)))


def write_subsim_input(graph, path: str) -> None:
    """``n m`` then one ``src dst p`` line per arc, internal ids (SUBSIM's text format)."""
    with open(path, "w", encoding="ascii") as out:
        out.write(f"{graph.n} {graph.m}\n")
        _write_arc_lines(out, graph, np.asarray(graph.out_probs))


def _figure(text: str, spec) -> float | None:
    """A figure read from a program's output: ``'regex'`` (its first match), or
    ``{ pattern = 'regex', take = 'first' | 'median-after-first' }`` (the median of
    every match but the first: a program that repeats its timed call prints one
    line per call, and the first is its cold one)."""
    pattern, take = (spec, "first") if isinstance(spec, str) else (spec["pattern"],
                                                                   spec.get("take", "first"))
    values = [float(v) for v in re.findall(pattern, text)]
    if take == "median-after-first":
        values = values[1:]
        return float(np.median(values)) if values else None
    return values[0] if values else None


def write_cim_input(graph, aps: np.ndarray, graph_path: str, aps_path: str) -> None:
    """``src dst`` per arc and one line of AP ids, internal ids (the CIM C++ reference's input)."""
    with open(graph_path, "w", encoding="ascii") as out:
        _write_arc_lines(out, graph)
    with open(aps_path, "w", encoding="ascii") as out:
        out.write(",".join(str(int(a)) for a in aps) + "\n")


def _last_json_object(text: str) -> dict:
    """The JSON object that ends ``text`` (one line or pretty-printed)."""
    lines = text.rstrip().splitlines()
    for start in range(len(lines) - 1, -1, -1):
        if lines[start].startswith("{"):
            try:
                obj = json.loads("\n".join(lines[start:]))
            except ValueError:
                continue
            if isinstance(obj, dict):
                return obj
    raise RuntimeError("output = 'json', but the command's output ends in no JSON object")


def _numbers(obj: dict, prefix: str = "") -> dict:
    """The numeric leaves of a JSON object, nested keys joined with '.'."""
    out = {}
    for key, value in obj.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            out[prefix + key] = value
        elif isinstance(value, dict):
            out.update(_numbers(value, f"{prefix}{key}."))
    return out


class ProcessAdapter:
    name = "process"

    def modules(self, params: dict) -> None:
        pass

    def _argv(self, template: str, ctx: dict, params: dict) -> list[str]:
        fields = {k: shlex.quote(str(v)) for k, v in params.items()
                  if isinstance(v, (str, int, float))}
        fields.update({k: shlex.quote(v) for k, v in ctx["fields"].items()})
        fields["python"] = shlex.quote(sys.executable)
        fields["imx"] = f"{fields['python']} -m imx"
        try:
            return shlex.split(template.format(**fields))
        except KeyError as exc:
            raise ValueError(f"process: the command names {{{exc.args[0]}}}, which this run "
                             "does not have") from None

    def prepare(self, graph, params: dict, seed: int, env: dict) -> dict:
        if "command" not in params:
            raise ValueError("process: the run needs a 'command'")
        program = params.get("program")
        if program is not None and not os.access(str(program), os.X_OK):
            raise Unavailable(f"program {program} is not there (or not executable)")
        scratch = tempfile.TemporaryDirectory(prefix="imx-bench-run-")
        fields = {"scratch": scratch.name, "program": str(program or ""),
                  "data_dir": env.get("data_dir") or "", "graph": ""}
        if graph is not None:  # the file it was read from, else a copy in the scratch folder
            fields["graph"] = str(graph.source or "")
            if not os.path.isfile(fields["graph"]):
                from ..io.binary import save_graph

                fields["graph"] = os.path.join(scratch.name, "graph.imxg")
                save_graph(graph, fields["graph"])
        problem = None
        if params.get("input") is not None:
            if params["input"] not in ("subsim", "cim") or graph is None:
                raise ValueError("process: input is 'subsim' or 'cim' (and the run needs a graph)")
            fields["input"] = os.path.join(scratch.name, "graph.txt")
            if params["input"] == "subsim":
                write_subsim_input(graph, fields["input"])
            else:
                from ..solvers.cim import build_problem

                labels = resolve_aps(graph, params.get("aps", "sample:0.05"),
                                     int(params.get("ap_seed", 1)), env)
                aps = graph.node_ids(labels)
                fields["aps"] = os.path.join(scratch.name, "aps.ap")
                write_cim_input(graph, aps, fields["input"], fields["aps"])
                problem = build_problem(graph, aps, int(params.get("k", 10)))
        if "{data_dir}" in params["command"] and not fields["data_dir"]:
            raise Unavailable("the command reads --data-dir, which was not given")
        ctx = {"scratch": scratch, "fields": fields, "env": worker_env(), "problem": problem}
        if params.get("setup"):
            done = run_measured(self._argv(params["setup"], ctx, params), cwd=scratch.name,
                                env=ctx["env"])
            if done["exit"] != 0:
                raise RuntimeError(f"setup exited with {done['exit']}: "
                                   f"{(done['stderr'] or done['stdout']).strip()[-200:]}")
        return ctx

    def warmup(self, params: dict, seed: int, graph, ctx: dict, level: str) -> None:
        cache = params.get("numba_cache", "warm")
        if cache == "cold":
            ctx["cold"] = tempfile.TemporaryDirectory(prefix="imx-bench-numba-")
            ctx["env"]["NUMBA_CACHE_DIR"] = ctx["cold"].name
        elif cache == "warm":
            run_measured(self._argv(params["command"], ctx, params), cwd=ctx["fields"]["scratch"],
                         env=ctx["env"])
        elif cache != "as-is":
            raise ValueError(f"process: numba_cache must be 'warm', 'cold' or 'as-is', got "
                             f"{cache!r}")

    def solve(self, graph, ctx: dict, params: dict, seed: int) -> Outcome:
        done = run_measured(self._argv(params["command"], ctx, params),
                            cwd=ctx["fields"]["scratch"], env=ctx["env"])
        if done["exit"] != 0:
            raise RuntimeError(f"command exited with {done['exit']}: "
                               f"{(done['stderr'] or done['stdout']).strip()[-200:]}")
        metrics = {"process_s": done["wall_s"], "process_cpu_s": done["user_s"] + done["sys_s"],
                   "process_peak_rss_bytes": done["peak_rss_bytes"],
                   "launcher_rss_bytes": done["launcher_rss_bytes"],
                   "numba_cache": params.get("numba_cache", "warm")}
        seeds = None
        output = str(params.get("output", ""))
        if output == "json" or output.startswith("json-file:"):
            if output == "json":
                obj = _last_json_object(done["stdout"])
            else:
                with open(os.path.join(ctx["fields"]["scratch"], output.split(":", 1)[1]),
                          encoding="utf-8") as fh:
                    obj = json.load(fh)
            metrics.update(_numbers(obj, "out."))
            seeds = obj.get("seeds")
        text = done["stdout"] + done["stderr"]
        for name, spec in (params.get("figures") or {}).items():
            metrics[name] = _figure(text, spec)
        if params.get("seeds"):
            files = sorted(glob.glob(os.path.join(ctx["fields"]["scratch"], params["seeds"])))
            if not files:
                raise RuntimeError(f"no seeds file matches {params['seeds']!r}")
            with open(files[-1], encoding="utf-8") as fh:
                seeds = [int(s) for s in fh.read().split()]
            seeds = np.asarray(seeds, dtype=np.int64)  # internal ids (input = "subsim")
            if ctx.get("problem") is not None:  # input = "cim": (node, ap) pairs, scored on P
                seeds = ctx["problem"].passive_of[seeds.reshape(-1, 2)[:, 0]].astype(np.int64)
        elif seeds is not None and graph is not None:
            seeds = graph.indices_of(seeds)
        eval_graph = graph if ctx.get("problem") is None else ctx["problem"].passive
        for key in ("cold", "scratch"):
            if key in ctx:
                ctx[key].cleanup()
        rr = metrics.get("rr_sets")
        return Outcome(eval_graph=eval_graph if seeds is not None else None,
                       seed_ids=None if seeds is None else np.asarray(seeds, dtype=np.int64),
                       model=params.get("model", "ic"),
                       result={"num_seeds": None if seeds is None else len(seeds)},
                       rr_sets=None if rr is None else int(rr), metrics=metrics)
