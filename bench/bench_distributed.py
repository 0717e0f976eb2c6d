"""Benchmark of the Dask backend: OPIM-C locally against Dask with 1 and 2 workers.

Cases (the same call, ``maximize_influence(graph, k, eps=eps, seed=1)``):

* ``local``:  this process, all cores;
* ``dask-1``: a LocalCluster of one worker process holding all cores;
* ``dask-2``: two worker processes, the cores split between them.

Each case runs in a fresh process (a fresh cluster): one warm-up call with a
tiny budget (loads the kernels in every process), then the timed call.
Recorded: wall time, the coordinator's and each worker's peak resident
memory (VmHWM), the greedy's round trips and bytes moved, and what a dense
per-step reduce of the n counts would have moved; the seeds and bounds of
every case are checked equal.  Writes ``bench/tables/distributed.md`` and
``bench/results/distributed.json``.

    python bench/bench_distributed.py                      # Chung-Lu 1e5 / 1e6, k 50, eps 0.05
    python bench/bench_distributed.py --nodes 1000000 --arcs 10000000 --eps 0.01
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
CASES = ("local", "dask-1", "dask-2")
TIME_TARGET, TRAFFIC_TARGET = 1.5, 0.05


def _peak_rss() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def graph_path(nodes: int, arcs: int) -> Path:
    return DATA / f"chung-lu-{nodes}-{arcs}.imxg"


def make_graph(nodes: int, arcs: int) -> Path:
    sys.path.insert(0, str(ROOT))
    import imx
    from imx.graph.generate import chung_lu

    path = graph_path(nodes, arcs)
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        imx.save_graph(chung_lu(nodes, arcs, exponent=2.5, seed=1), str(path))
    return path


def run_case(case: str, path: str, k: int, eps: float) -> dict:
    """Inside a child process: one warm-up call, then the timed one."""
    sys.path.insert(0, str(ROOT))
    import imx
    from imx.distributed import Cluster

    graph = imx.load_graph(path)
    client = cluster = None
    if case != "local":
        import distributed
        from imx.distributed.cluster import _worker_env

        workers = int(case.split("-")[1])
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None,
                                           env=_worker_env(workers))
        client = distributed.Client(cluster, set_as_default=False)
    try:
        started = time.perf_counter()
        imx.maximize_influence(graph, 1, eps=0.5, seed=2, max_rr_sets=4000,
                               cluster=None if client is None else Cluster(client))
        warmup = time.perf_counter() - started
        started = time.perf_counter()
        result = imx.maximize_influence(graph, k, eps=eps, seed=1,
                                        cluster=None if client is None else Cluster(client))
        seconds = time.perf_counter() - started
        workers_peak = client.run(_peak_rss) if client is not None else {}
    finally:
        if client is not None:
            client.close()
            cluster.close()
    counters = result.record.counters
    return {"case": case, "seconds": seconds, "warmup": warmup,
            "coordinator_peak": _peak_rss(), "worker_peaks": sorted(workers_peak.values()),
            "seeds": [int(s) for s in result.seed_ids], "spread": result.spread,
            "lower": result.lower_bound, "upper": result.upper_bound,
            "ratio": result.approx_ratio, "rr_sets": result.rr_sets,
            "rounds": counters.get("rounds"), "phases": dict(result.record.phases),
            "traffic": {key: counters.get(key) for key in (
                "cluster_workers", "graph_bytes", "greedy_round_trips", "greedy_bytes",
                "greedy_count_bytes", "dense_reduce_bytes", "greedy_traffic_share",
                "coverage_round_trips")}}


def _mb(value) -> str:
    return "-" if not value else f"{value / 2**20:,.0f}"


def _count(value) -> str:
    return "-" if value is None else f"{value:,}"


def write_table(rows: list[dict], meta: dict) -> str:
    base = next(r for r in rows if r["case"] == "local")
    lines = [
        "# Dask backend: OPIM-C locally and on a LocalCluster",
        "",
        f"Graph: Chung-Lu n = {meta['nodes']:,}, m = {meta['arcs']:,} (exponent 2.5), IC + WC, "
        f"k = {meta['k']}, eps = {meta['eps']}, seed 1. Machine: {meta['cpus']} cores, "
        f"load average {meta['load_before']} before / {meta['load_after']} after "
        "(shared with other work).",
        "",
        "| case | seconds | x local | coordinator peak MiB | worker peaks MiB | greedy round "
        "trips | greedy bytes | dense-reduce bytes | share | same answer |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        t = r["traffic"]
        same = (r["seeds"], r["lower"], r["upper"], r["ratio"]) == \
            (base["seeds"], base["lower"], base["upper"], base["ratio"])
        share = t.get("greedy_traffic_share")
        lines.append(
            f"| {r['case']} | {r['seconds']:.2f} | {r['seconds'] / base['seconds']:.2f} | "
            f"{_mb(r['coordinator_peak'])} | {', '.join(_mb(p) for p in r['worker_peaks']) or '-'}"
            f" | {t.get('greedy_round_trips') or '-'} | {_count(t.get('greedy_bytes'))} | "
            f"{_count(t.get('dense_reduce_bytes'))} | "
            f"{'-' if share is None else f'{100 * share:.2f}%'} | {'yes' if same else 'NO'} |")
    two = next((r for r in rows if r["case"] == "dask-2"), None)
    if two is not None:
        share = two["traffic"].get("greedy_traffic_share") or 0.0
        lines += ["", f"Targets: dask-2 within {TIME_TARGET}x of local: "
                  f"{'met' if two['seconds'] <= TIME_TARGET * base['seconds'] else 'NOT met'} "
                  f"({two['seconds'] / base['seconds']:.2f}x); greedy traffic at most "
                  f"{TRAFFIC_TARGET:.0%} of the dense reduce: "
                  f"{'met' if share <= TRAFFIC_TARGET else 'NOT met'} ({100 * share:.2f}%)."]
    lines += ["", f"RR sets {base['rr_sets']:,} in {base['rounds']} rounds; spread "
              f"{base['spread']:,.0f}, certified ratio {base['ratio']:.4f}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--arcs", type=int, default=1_000_000)
    parser.add_argument("-k", type=int, default=50)
    parser.add_argument("--eps", type=float, default=0.05)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.path, args.k, args.eps)))
        return
    path = make_graph(args.nodes, args.arcs)
    meta = {"nodes": args.nodes, "arcs": args.arcs, "k": args.k, "eps": args.eps,
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "load_before": open("/proc/loadavg").read().split()[:3]}
    rows = []
    for case in args.cases.split(","):
        out = subprocess.run([sys.executable, __file__, "--case", case, "--path", str(path),
                              "-k", str(args.k), "--eps", str(args.eps)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{case}: {rows[-1]['seconds']:.2f} s", file=sys.stderr)
    meta["load_after"] = open("/proc/loadavg").read().split()[:3]
    table = write_table(rows, meta)
    (ROOT / "bench" / "tables").mkdir(exist_ok=True)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "tables" / "distributed.md").write_text(table)
    (ROOT / "bench" / "results" / "distributed.json").write_text(
        json.dumps({"meta": meta, "runs": rows}, indent=2) + "\n")
    print(table)


if __name__ == "__main__":
    main()
