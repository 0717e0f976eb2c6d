"""What the .imxg load-time validation costs, against the load itself and a text parse.

Run from the repository root (after ``python setup.py build_ext --inplace``)::

    python bench/bench_load_validation.py [--graph FILE ...] [--generated N M] [--repeats R]

For each graph: the text parse (edge list -> Graph), the .imxg load with its
checks, the mapping alone (no checks), and the checks alone on mapped and on
in-memory arrays.  Figures are medians over ``--repeats`` runs after a warm-up
(the file is in the page cache, as on a second load).  The markdown table is
printed and written to ``bench/tables/load_validation.md`` with the load average.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from imx.io import binary  # noqa: E402
from imx.io.atomic import atomic_write_text  # noqa: E402
from imx.io.binary import load_binary_graph, save_graph  # noqa: E402
from imx.io.edgelist import load_edgelist, write_edgelist  # noqa: E402
from imx.io.npz import load_npz_members  # noqa: E402

DEFAULT_GRAPH = REPO.parent / "shared" / "graphs" / "soc-Slashdot0902.txt.gz"


def timed(func, repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time (all threads of this process) of ``func()``.

    On a shared machine the wall time stretches with the other users' load;
    the CPU time much less, so the ratios are read on it.
    """
    func()
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def measure(name: str, text: Path, imxg: Path, repeats: int) -> dict:
    graph = load_binary_graph(imxg)
    meta_n = graph.n

    def checks(mmap: bool):
        arrays = load_npz_members(imxg, mmap)
        import json
        meta = json.loads(bytes(arrays["meta"]).decode())
        return lambda: binary.check_arrays(arrays, meta_n, meta, str(imxg))

    mapped_check, memory_check = checks(True), checks(False)
    return {
        "graph": name, "n": graph.n, "m": graph.m,
        "text": timed(lambda: load_edgelist(text), max(1, repeats // 3)),
        "load": timed(lambda: load_binary_graph(imxg), repeats),
        "map": timed(lambda: load_npz_members(imxg, True), repeats),
        "check_mapped": timed(mapped_check, repeats),
        "check_memory": timed(memory_check, repeats),
    }


def table(rows: list[dict], load_before: str, load_after: str) -> str:
    ms = lambda s: f"{1000 * s:,.1f}"  # noqa: E731
    out = [
        "# .imxg load-time validation cost",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average before {load_before}, "
        f"after {load_after} (shared machine).",
        "",
        "Validation = dtype/shape checks, `check_arc_orders` (one pass: ids in [0, n), "
        "p in [0, 1], offsets monotone, in-order = out-order exactly), label uniqueness "
        "and CRC-32. Each cell: CPU ms / wall ms (medians; file in the page cache; "
        "wall times stretch with the machine's load). Ratios on CPU time.",
        "",
        "| graph | nodes | arcs | text parse | .imxg load (with checks) | mapping only | "
        "checks (mapped) | checks (in memory) | checks / text parse |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cells = " | ".join(f"{ms(r[k][1])} / {ms(r[k][0])}"
                           for k in ("text", "load", "map", "check_mapped", "check_memory"))
        out.append(f"| {r['graph']} | {r['n']:,} | {r['m']:,} | {cells} | "
                   f"{r['check_mapped'][1] / r['text'][1]:.1%} |")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, action="append")
    parser.add_argument("--generated", type=int, nargs=2, metavar=("N", "M"),
                        default=(1_000_000, 8_000_000),
                        help="also a Chung-Lu graph of N nodes, M arcs (0 0 to skip)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "tables" /
                        "load_validation.md")
    args = parser.parse_args()
    load_before = open("/proc/loadavg").read().split()[:3] if os.path.exists(
        "/proc/loadavg") else ["?"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.graph or [DEFAULT_GRAPH]:
            imxg = Path(tmp) / (path.name + ".imxg")
            save_graph(load_edgelist(path), imxg)
            rows.append(measure(path.name, path, imxg, args.repeats))
        n, m = args.generated
        if n and m:
            from imx.graph.generate import chung_lu

            g = chung_lu(n, m, seed=1)
            text, imxg = Path(tmp) / "gen.txt", Path(tmp) / "gen.imxg"
            write_edgelist(g, text)
            save_graph(g, imxg)
            del g
            rows.append(measure(f"chung-lu {n:,} / {m:,}", text, imxg, args.repeats))
    load_after = open("/proc/loadavg").read().split()[:3] if os.path.exists(
        "/proc/loadavg") else ["?"]
    report = table(rows, " ".join(load_before), " ".join(load_after))
    print(report)
    atomic_write_text(args.out, report)


if __name__ == "__main__":
    main()
