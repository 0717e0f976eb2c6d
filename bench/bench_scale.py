"""Scale on one machine: Chung-Lu graphs generated, loaded and solved, time and memory per arc.

Run from the repository root::

    python bench/bench_scale.py                      # 1e5/1e6 and 1e6/1e7 nodes/arcs
    python bench/bench_scale.py --sizes 1e7:1e8      # the 100M-arc case (about 10 GB free)
    python bench/bench_scale.py --speedup-only       # the 1 -> 2 thread speed-up on 1e6/1e7

Each phase runs in a fresh process, so its peak resident memory (``VmHWM``) is
its own:

* ``generate``: ``imx.graph.generate.chung_lu`` (pareto 2.5 + 1 weights, directed,
  weighted cascade), time per generator phase, then ``save_graph`` to ``.imxg``;
* ``load`` and ``solve``: the benchmark harness's worker (``python -m
  imx.benchmark.worker``, see bench/README.md) on the ``.imxg`` file, memory-mapped:
  OPIM-C, IC, weighted cascade, k = 50, eps = 0.1; its warm-up (the kernels
  on a tiny graph, then 2,000 RR sets on the real one) is reported apart.

Graphs go to ``--tmp`` (default /tmp/imx-scale), never into the repository.
Results are appended to ``bench/tables/scale.jsonl`` and the markdown table
``bench/tables/scale.md`` is rewritten from all of them; every run records the
load average before and after, so noisy runs can be told apart.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from imx.io.atomic import atomic_write_text  # noqa: E402

TABLES = REPO / "bench" / "tables"
RESULTS = TABLES / "scale.jsonl"

_GENERATE = r"""
import json, sys, time
t0 = time.perf_counter()
from imx.graph.generate import chung_lu
from imx.io.binary import save_graph
n, m, threads, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
phases, last = {}, [None, time.perf_counter()]
def progress(done, total, label):
    now = time.perf_counter()
    if label != last[0]:
        last[0] = label
    phases[label] = phases.get(label, 0.0) + now - last[1]
    last[1] = now
t1 = time.perf_counter()
g = chung_lu(n, m, seed=1, threads=threads, progress=progress)
t2 = time.perf_counter()
phases["rest"] = (t2 - t1) - sum(phases.values())
save_graph(g, path)
t3 = time.perf_counter()
hwm = [int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(json.dumps({"imports_s": t1 - t0, "generate_s": t2 - t1, "save_s": t3 - t2,
                  "phases_s": phases, "peak_rss_bytes": hwm, "graph_bytes": g.nbytes,
                  "n": g.n, "m": g.m}))
"""


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def graph_path(tmp: Path, n: int, m: int) -> Path:
    return tmp / f"chung-lu-{n}-{m}-seed1.imxg"


def generate(n: int, m: int, threads: int, tmp: Path) -> dict:
    path = graph_path(tmp, n, m)
    before = loadavg()
    proc = subprocess.run([sys.executable, "-c", _GENERATE, str(n), str(m), str(threads),
                           str(path)], cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"generation failed: {proc.stderr.strip()[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update(phase="generate", threads=threads, load_before=before, load_after=loadavg(),
               file_bytes=path.stat().st_size)
    return out


def solve(n: int, m: int, threads: int, tmp: Path) -> dict:
    """OPIM-C through the benchmark harness's worker process."""
    spec = {"run": {"task": "im", "graph": f"chung-lu-{n}-{m}", "rep": 0,
                    "params": {"solver": "opim-c", "k": 50, "eps": 0.1, "model": "ic",
                               "probs": "wc", "threads": threads, "seed": 1}},
            "graph": {"path": str(graph_path(tmp, n, m)), "directed": True},
            "evaluator": {"method": "rr", "eps": 0.1, "seed": 9001}, "isolated": True}
    before = loadavg()
    with tempfile.TemporaryDirectory(prefix="imx-scale-") as folder:
        spec_path, out_path = Path(folder) / "spec.json", Path(folder) / "out.json"
        spec["spawn_time"] = time.time()
        spec_path.write_text(json.dumps(spec))
        proc = subprocess.run([sys.executable, "-m", "imx.benchmark.worker", str(spec_path),
                               str(out_path)], cwd=REPO, capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0 or not out_path.exists():
            raise SystemExit(f"solve failed: {proc.stderr.strip()[-2000:]}")
        rec = json.loads(out_path.read_text())
    if rec.get("status") != "ok":
        raise SystemExit(f"solve failed: {rec.get('error')}")
    return {"phase": "solve", "threads": threads, "n": n, "m": m, "times": rec["times"],
            "memory": rec["memory"], "rr_sets": rec["rr_sets"],
            "spread": rec.get("evaluation", {}).get("spread"),
            "load_before": before, "load_after": loadavg()}


def _mib(b: float | None) -> str:
    return "-" if b is None else f"{b / 2**20:,.0f}"


def table(records: list[dict]) -> str:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "# Scale: Chung-Lu graphs (pareto 2.5 + 1 weights, directed), generated, loaded, solved",
        "",
        "OPIM-C, IC, weighted cascade, k = 50, eps = 0.1. Each phase is a fresh process; peak",
        "is its VmHWM (the solve's includes the ~200 MB interpreter + numba baseline and the",
        "memory-mapped graph pages it touched). Produced by `python bench/bench_scale.py`.",
        f"Machine: {machine}; shared with other work: see the load averages (1/5/15 min).",
        "",
        "## Generation (`imx.graph.generate.chung_lu`, then `save_graph` to .imxg)",
        "",
        "| nodes | arcs | threads | generate s | save s | peak MiB | graph MiB | "
        "ns / arc | bytes / arc (peak) | phases (s) | load avg before -> after | when |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in records:
        if r["phase"] != "generate":
            continue
        phases = ", ".join(f"{k} {v:.1f}" for k, v in r["phases_s"].items())
        lines.append(
            f"| {r['n']:,} | {r['m']:,} | {r['threads']} | {r['generate_s']:.1f} | "
            f"{r['save_s']:.1f} | {_mib(r['peak_rss_bytes'])} | {_mib(r['graph_bytes'])} | "
            f"{1e9 * r['generate_s'] / r['m']:.0f} | {r['peak_rss_bytes'] / r['m']:.1f} | "
            f"{phases} | {r['load_before']} -> {r['load_after']} | {r['when']} |")
    lines += [
        "",
        "## Load and solve (harness worker, .imxg memory-mapped)",
        "",
        "| nodes | arcs | threads | load s | warm-up s | solve s | RR sets | spread (eps 0.1) | "
        "peak MiB | RSS before solve MiB | solve ns / arc | load avg before -> after | when |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in records:
        if r["phase"] != "solve":
            continue
        t, mem = r["times"], r["memory"]
        spread = "-" if r.get("spread") is None else f"{r['spread']:,.0f}"
        lines.append(
            f"| {r['n']:,} | {r['m']:,} | {r['threads']} | {t['load']:.2f} | "
            f"{t['warmup']:.1f} | {t['solve']:.2f} | {r['rr_sets']:,} | {spread} | "
            f"{_mib(mem['peak_rss_bytes'])} | {_mib(mem['rss_before_solve_bytes'])} | "
            f"{1e9 * t['solve'] / r['m']:.0f} | {r['load_before']} -> {r['load_after']} | "
            f"{r['when']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e5:1e6,1e6:1e7",
                    help="comma-separated NODES:ARCS pairs (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tmp", type=Path, default=Path("/tmp/imx-scale"))
    ap.add_argument("--speedup-only", action="store_true",
                    help="only the 1 and 2 thread solves on the 1e6/1e7 graph")
    ap.add_argument("--keep", action="store_true", help="keep the generated graphs")
    ap.add_argument("--table-only", action="store_true", help="rewrite scale.md from scale.jsonl")
    args = ap.parse_args()
    args.tmp.mkdir(parents=True, exist_ok=True)
    records = [json.loads(line) for line in RESULTS.read_text().splitlines()] \
        if RESULTS.exists() else []
    new: list[dict] = []
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")

    def keep(rec: dict) -> None:
        rec["when"] = when
        new.append(rec)
        print(json.dumps(rec), flush=True)
        atomic_write_text(RESULTS, "".join(json.dumps(r) + "\n" for r in records + new))

    if not args.table_only:
        sizes = [(1_000_000, 10_000_000)] if args.speedup_only else [
            tuple(int(float(x)) for x in pair.split(":")) for pair in args.sizes.split(",")]
        for n, m in sizes:
            path = graph_path(args.tmp, n, m)
            if not path.exists() or not args.speedup_only:
                keep(generate(n, m, args.threads, args.tmp))
            thread_counts = [1, 2] if (n, m) == (1_000_000, 10_000_000) else [args.threads]
            for threads in thread_counts:
                keep(solve(n, m, threads, args.tmp))
            if not args.keep:
                path.unlink(missing_ok=True)
    text = table(sorted(records + new, key=lambda r: (r["m"], r["threads"], r["when"])))
    atomic_write_text(TABLES / "scale.md", text)
    print(text)


if __name__ == "__main__":
    main()
