"""Fixed overhead of imx: first run, warm process breakdown, library solve against SUBSIM.

Run from the repository root (after ``python setup.py build_ext --inplace``)::

    python bench/bench_startup.py [--graphs ../shared/graphs] [--subsim PATH] [--reps 3]

Three tables, printed and written to ``bench/tables/startup.md``:

1. **First run**: ``imx im graphs/karate.txt --undirected -k 5`` with an empty
   kernel cache (``IMX_CACHE_DIR`` a new folder): wall and CPU time, and every
   kernel numba compiled for it (numba's ``numba:compile`` events fire on
   cache misses only), with its CPU seconds.
2. **Warm process**: the same command, ``imx im NetHEPT --undirected -k 50``
   and ``imx cim`` on dnc-corecipient (AP line 1, k = 10), with a warm cache,
   broken down into interpreter start-up, imports and CLI, numba runtime
   start-up (its target context: numba imports its ``np`` and ``cpython``
   registries, scipy.linalg among them), cached-kernel loading, graph load,
   solve (with the solver's own phases) and output; and the process's baseline
   memory (before the graph) beside its peak.
3. **Library solve against SUBSIM**: ``maximize_influence(g, 50)`` (OPIM-C,
   IC, WC, eps 0.1) on every graph of ``--graphs``, warm, median of ``--reps``,
   beside SUBSIM's own ``-vanilla=1`` time on the same arcs (converted by
   ``shared/tools/to_subsim.py``, in a scratch folder).

The machine is shared: the load average is recorded with every table; read
CPU seconds where wall times are noisy.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GRAPHS = REPO.parent / "shared" / "graphs"
SUBSIM = Path("/work/ref/subsim/subsim")
TO_SUBSIM = REPO.parent / "shared" / "tools" / "to_subsim.py"
# graph file -> undirected (the IM literature's convention for it; see shared/graphs/README.md)
UNDIRECTED = {"NetHEPT.txt": True, "facebook_combined.txt.gz": True}

# ------------------------------------------------------------------ child side

_CHILD = r'''
import json, os, sys, time
T0w, T0c = time.perf_counter(), time.process_time()
out_path = sys.argv[1]
argv = sys.argv[2:]
spent = {}
active = set()

def clock(name, func, exclude=()):
    """Time ``func`` into ``spent[name]``, less what the ``exclude`` entries grew by meanwhile."""
    def inner():
        return [sum(spent.get(e, [0.0, 0.0])[i] for e in exclude) for i in (0, 1)]
    def wrapper(*args, **kwargs):
        if name in active:  # re-entered (numba's refresh recurses): time the outer call only
            return func(*args, **kwargs)
        active.add(name)
        w, c = time.perf_counter(), time.process_time()
        before = inner()
        try:
            return func(*args, **kwargs)
        finally:
            active.discard(name)
            grown = [a - b for a, b in zip(inner(), before)]
            acc = spent.setdefault(name, [0.0, 0.0])
            acc[0] += time.perf_counter() - w - grown[0]
            acc[1] += time.process_time() - c - grown[1]
    return wrapper

compiled = []
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def hwm():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024

import imx.cli.options as options
options.emit = clock("output", options.emit)
import imx.io
imx.io.load_graph = clock("graph load", imx.io.load_graph)
if os.environ.get("STARTUP_PROFILE_NUMBA", "1") == "1":
    import numba.core.base as base
    import numba.core.caching as caching
    from numba.core import event
    refresh = clock("numba runtime start-up", base.BaseContext.refresh)

    def refresh_then_measure(self):
        refresh(self)
        after_numba[0] = after_numba[0] or rss()  # numba and LLVM are loaded now
    base.BaseContext.refresh = refresh_then_measure
    caching.Cache.load_overload = clock("kernel cache loads", caching.Cache.load_overload,
                                        exclude=("numba runtime start-up",))

    class Compiles(event.Listener):
        depth = 0
        def on_start(self, ev):
            self.depth += 1
            ev.data["_c"] = time.process_time()
        def on_end(self, ev):
            self.depth -= 1
            if self.depth == 0:
                d = ev.data["dispatcher"]
                compiled.append([f"{d.py_func.__module__}.{d.__name__}",
                                 time.process_time() - ev.data["_c"]])
    event.register("numba:compile", Compiles())
record = {}
baseline = [None]
after_numba = [None]

def solver(func):
    def wrapper(*args, **kwargs):
        baseline[0] = rss()
        result = func(*args, **kwargs)
        rec = result.record
        rec = rec if isinstance(rec, dict) else rec.to_dict()
        record.update(rec.get("phases", {}))
        return result
    # numba's start-up and the kernel loads happen inside the first solve: shown apart
    return clock("solve", wrapper, exclude=("numba runtime start-up", "kernel cache loads"))

import imx.solvers.api as api
api.maximize_influence = solver(api.maximize_influence)
try:
    import imx.solvers.cim as cim_pkg
    cim_pkg.cim = solver(cim_pkg.cim)
except ImportError:
    pass
from imx.cli.main import main
code = 0
try:
    main(argv)
except SystemExit as exc:
    code = exc.code or 0
total = [time.perf_counter() - T0w, time.process_time() - T0c]
with open(out_path, "w") as fh:
    json.dump({"spent": spent, "total": total, "phases": record, "compiled": compiled,
               "baseline_rss": max(baseline[0] or 0, after_numba[0] or 0), "peak_rss": hwm(),
               "code": code}, fh)
'''


def _profile(argv: list[str], env: dict | None = None) -> dict:
    """Run the imx CLI with ``argv`` in a fresh instrumented process; wall/CPU of it all."""
    with tempfile.TemporaryDirectory(prefix="imx-startup-") as tmp:
        script = Path(tmp) / "child.py"
        script.write_text(_CHILD)
        out = Path(tmp) / "out.json"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script), str(out), *argv, "--quiet"],
                              env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})),
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0 or not out.exists():
            raise SystemExit(f"imx {' '.join(argv)} failed: {proc.stderr[-2000:]}")
        data = json.loads(out.read_text())
    data["process_wall"] = wall
    data["process_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return data


def _interpreter_start(reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------ 1. first run

def first_run(lines: list[str]) -> None:
    argv = ["im", str(REPO / "graphs" / "karate.txt"), "--undirected", "-k", "5"]
    with tempfile.TemporaryDirectory(prefix="imx-cold-") as cache:
        env = {"IMX_CACHE_DIR": cache}
        env_clean = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
        os.environ.clear()
        os.environ.update(env_clean)
        load = _load()
        cold = _profile(argv, env)
        warm = _profile(argv, env)
    lines += ["## 1. First run: `imx im graphs/karate.txt --undirected -k 5`, empty kernel cache",
              "",
              f"Load average before: {load}.",
              "",
              "| | wall s | CPU s |", "|---|---:|---:|",
              f"| first run (compiles) | {cold['process_wall']:.2f} | {cold['process_cpu']:.2f} |",
              f"| second run (cache warm) | {warm['process_wall']:.2f} | "
              f"{warm['process_cpu']:.2f} |",
              "",
              f"Kernels compiled by the first run ({len(cold['compiled'])}; CPU s each, "
              "numba's own helpers for `np.empty` and the like included in their caller):",
              "", "| kernel | CPU s |", "|---|---:|"]
    for name, cpu in sorted(cold["compiled"], key=lambda x: -x[1]):
        lines.append(f"| `{name}` | {cpu:.2f} |")
    lines.append(f"| **all** | **{sum(c for _, c in cold['compiled']):.2f}** |")
    lines.append("")


# ------------------------------------------------------------------ 2. warm process

def _dedup_dnc(tmp: Path) -> Path:
    """dnc-corecipient without its duplicate lines (as the CIM reference is run)."""
    seen, rows = set(), []
    for line in (GRAPHS / "dnc-corecipient.txt").read_text().splitlines():
        key = tuple(line.split()[:2])
        if key and key not in seen:
            seen.add(key)
            rows.append(line)
    path = tmp / "dnc-corecipient-dedup.txt"
    path.write_text("\n".join(rows) + "\n")
    return path


def warm_processes(lines: list[str], reps: int) -> None:
    interp = _interpreter_start(reps)
    with tempfile.TemporaryDirectory(prefix="imx-startup-") as tmp:
        commands = [
            ("im karate k=5", ["im", str(REPO / "graphs" / "karate.txt"), "--undirected",
                               "-k", "5"]),
            ("im NetHEPT k=50", ["im", str(GRAPHS / "NetHEPT.txt"), "--undirected",
                                 "-k", "50"]),
            ("cim dnc-corecipient k=10", ["cim", str(_dedup_dnc(Path(tmp))), "--aps",
                                          str(GRAPHS / "dnc-corecipient.ap"), "--ap-line", "1",
                                          "-k", "10"]),
        ]
        _profile(commands[0][1])  # the cache is warm for every kernel these use
        _profile(commands[2][1])
        load = _load()
        results = []
        for name, argv in commands:
            runs = [_profile(argv) for _ in range(reps)]
            plain = [_profile(argv, {"STARTUP_PROFILE_NUMBA": "0"}) for _ in range(reps)]
            results.append((name, runs, plain))
    rows = ["interpreter start-up (`python -c pass`)", "imports and CLI",
            "numba runtime start-up", "kernel cache loads", "graph load", "solve", "output"]
    lines += ["## 2. Warm process: where the time goes",
              "",
              f"Median of {reps} processes per command; load average before: {load}. "
              "Wall / CPU seconds. \"imports and CLI\" is the rest of the process: interpreter "
              "shutdown, numpy / numba / click / imx imports, argument parsing. The whole-"
              "process rows come from uninstrumented runs.",
              "",
              "| phase | " + " | ".join(name for name, _, _ in results) + " |",
              "|---|" + "---:|" * len(results)]

    def med(values):
        return statistics.median(values)

    table = {row: [] for row in rows}
    for _name, runs, _plain in results:
        table[rows[0]].append((interp, None))
        named = {}
        for row in rows[2:]:
            named[row] = (med([r["spent"].get(row, [0, 0])[0] for r in runs]),
                          med([r["spent"].get(row, [0, 0])[1] for r in runs]))
        total_w = med([r["process_wall"] for r in runs])
        total_c = med([r["process_cpu"] for r in runs])
        rest_w = total_w - interp - sum(w for w, _ in named.values())
        rest_c = total_c - sum(c for _, c in named.values())
        table[rows[1]].append((rest_w, rest_c))
        for row in rows[2:]:
            table[row].append(named[row])
    for row in rows:
        cells = [f"{w:.3f}" + ("" if c is None else f" / {c:.3f}") for w, c in table[row]]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    phase_names = []
    for _name, runs, _plain in results:
        for key in runs[0]["phases"]:
            if key not in phase_names:
                phase_names.append(key)
    for key in phase_names:
        cells = [f"{med([r['phases'].get(key, 0.0) for r in runs]):.3f}"
                 for _n, runs, _p in results]
        lines.append(f"| &nbsp;&nbsp;solve: {key} (wall) | " + " | ".join(cells) + " |")
    cells = [f"**{med([p['process_wall'] for p in plain]):.3f} / "
             f"{med([p['process_cpu'] for p in plain]):.3f}**" for _n, _r, plain in results]
    lines.append("| **whole process** | " + " | ".join(cells) + " |")
    cells = [f"{med([p['baseline_rss'] for p in runs]) / 2**20:.0f}" for _n, runs, _p in results]
    lines.append("| baseline memory: interpreter, numpy, numba and LLVM started, graph loaded, "
                 "MiB | " + " | ".join(cells) + " |")
    cells = [f"{med([p['peak_rss'] - p['baseline_rss'] for p in runs]) / 2**20:.1f}"
             for _n, runs, _p in results]
    lines.append("| solver memory above it (peak - baseline), MiB | " + " | ".join(cells) + " |")
    lines += ["", "numba's runtime start-up and the kernel loads happen inside the first solver "
              "phase that calls a kernel (\"sampling\" for im): the solver's own phase times "
              "include them, the \"solve\" row does not."]
    lines.append("")


# ------------------------------------------------------------------ 3. against SUBSIM

def _subsim(graph: Path, undirected: bool, scratch: Path, reps: int) -> tuple[float, int] | None:
    if not SUBSIM.exists() or not TO_SUBSIM.exists():
        return None
    name = re.sub(r"\W", "_", graph.name)
    folder = scratch / name
    folder.mkdir(exist_ok=True)
    subprocess.run([sys.executable, str(TO_SUBSIM), str(graph), str(folder / name)]
                   + (["--undirected"] if undirected else []), check=True,
                   capture_output=True)
    # SUBSIM writes a result/ folder into its working folder: keep it in the scratch folder
    subprocess.run([str(SUBSIM), "-func=format", f"-gname={name}", f"-dir={folder}",
                    "-pdist=wc"], check=True, capture_output=True, cwd=folder)
    times, sets = [], 0
    for _ in range(reps):
        out = subprocess.run([str(SUBSIM), "-func=im", f"-gname={name}", f"-dir={folder}",
                              "-seedsize=50", "-eps=0.1", "-vanilla=1"], check=True,
                             capture_output=True, text=True, cwd=folder).stdout
        times.append(float(re.search(r"\|Time \(sec\): ([\d.eE+-]+)", out).group(1)))
        sets = int(re.search(r"\|#RR sets: (\d+)", out).group(1))
    return statistics.median(times), sets


def against_subsim(lines: list[str], reps: int, graphs_dir: Path) -> None:
    sys.path.insert(0, str(REPO))
    from imx.io import load_graph
    from imx.solvers.api import maximize_influence

    files = sorted(p for p in graphs_dir.iterdir()
                   if p.suffix in (".txt", ".gz") and p.name != "README.md")
    load = _load()
    lines += ["## 3. Library solve against SUBSIM (OPIM-C, IC, WC, k = 50, eps = 0.1)", "",
              f"`maximize_influence(g, 50)` after one warm-up call, median of {reps}; SUBSIM "
              "`-vanilla=1`, its own timer, median of the same number. Load average before: "
              f"{load}.", "",
              "| graph | n | m | imx 2 threads s | imx 1 thread s | SUBSIM s | imx / SUBSIM "
              "(2 thr / 1 thr) | RR sets imx / SUBSIM |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="imx-subsim-") as scratch:
        for path in files:
            undirected = UNDIRECTED.get(path.name, False)
            g = load_graph(str(path), directed=not undirected, probs="wc")
            maximize_influence(g, 50, seed=99)
            figures = {}
            for threads in (None, 1):
                times = []
                for rep in range(reps):
                    t0 = time.perf_counter()
                    result = maximize_influence(g, 50, seed=rep + 1, threads=threads)
                    times.append(time.perf_counter() - t0)
                figures[threads] = (statistics.median(times), result.rr_sets)
            ref = _subsim(path, undirected, Path(scratch), reps)
            two, one = figures[None][0], figures[1][0]
            if ref is None:
                ratio, sets, ref_s = "-", f"{figures[None][1]:,} / -", "-"
            else:
                ratio = f"{two / ref[0]:.2f} / {one / ref[0]:.2f}"
                sets = f"{figures[None][1]:,} / {ref[1]:,}"
                ref_s = f"{ref[0]:.3f}"
            lines.append(f"| {path.name} | {g.n:,} | {g.m:,} | {two:.3f} | {one:.3f} | {ref_s} "
                         f"| {ratio} | {sets} |")
    lines.append("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--graphs", type=Path, default=GRAPHS)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], choices=["first", "warm", "subsim"])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "tables" / "startup.md")
    args = parser.parse_args()
    lines = ["# Fixed overhead: first run, warm process, library solve", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python "
             f"{platform.python_version()}; {datetime.datetime.now():%Y-%m-%d %H:%M}. "
             "Produced by `python bench/bench_startup.py`.", ""]
    if "first" not in args.skip:
        first_run(lines)
    if "warm" not in args.skip:
        warm_processes(lines, args.reps)
    if "subsim" not in args.skip:
        against_subsim(lines, args.reps, args.graphs)
    lines.append(f"Load average at the end: {_load()}.")
    text = "\n".join(lines) + "\n"
    print(text)
    from imx.io.atomic import atomic_write_text

    atomic_write_text(str(args.out), text)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
