"""Edge-list parse speed of imx against ``numpy.loadtxt``, and the .imxg reload time.

Run from the repository root (after ``python setup.py build_ext --inplace``)::

    python bench/bench_parse.py [--graph ../shared/graphs/soc-Slashdot0902.txt.gz]

Every figure is the median of several runs in this one process, after a
warm-up run, so the ratios compare like with like.  The markdown table is
printed and written to ``bench/tables/parse.md``.
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

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from imx.io.atomic import atomic_write_text  # noqa: E402
from imx.io.binary import load_binary_graph, save_graph  # noqa: E402
from imx.io.edgelist import decompressed_chunks, load_edgelist, read_edgelist  # noqa: E402

DEFAULT_GRAPH = REPO.parent / "shared" / "graphs" / "soc-Slashdot0902.txt.gz"


def timed(func, repeats: int) -> tuple[float, object]:
    """Median wall time of ``func()`` over ``repeats`` runs after one warm-up, and its result."""
    result = func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run(graph: Path, repeats: int) -> tuple[str, dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.txt"
        plain.write_bytes(b"".join(decompressed_chunks(str(graph), "gzip")))
        binary = Path(tmp) / "graph.imxg"

        t_imx, data = timed(lambda: read_edgelist(graph), repeats)
        t_np, arr = timed(lambda: np.loadtxt(graph, dtype=np.int64), max(1, repeats // 2))
        t_np_float, _ = timed(lambda: np.loadtxt(graph), max(1, repeats // 2))
        assert arr.shape[0] == data.lines, "loadtxt and imx disagree on the edge count"
        np.testing.assert_array_equal(data.labels[data.src], arr[:, 0])
        np.testing.assert_array_equal(data.labels[data.dst], arr[:, 1])
        t_zlib, _ = timed(lambda: sum(map(len, decompressed_chunks(str(graph), "gzip"))), repeats)
        t_imx_plain, _ = timed(lambda: read_edgelist(plain), repeats)
        t_np_plain, _ = timed(lambda: np.loadtxt(plain, dtype=np.int64), max(1, repeats // 2))
        t_graph, g = timed(lambda: load_edgelist(graph), max(1, repeats // 2))
        save_graph(g, binary)
        t_reload, back = timed(lambda: load_binary_graph(binary), 5 * repeats)
        t_reload_copy, _ = timed(lambda: load_binary_graph(binary, mmap=False), repeats)
        assert back.m == g.m and back.n == g.n

    def ms(t):
        return f"{1000 * t:.1f}"

    rows = [
        ("imx `read_edgelist` (gzip)", ms(t_imx), "1.0"),
        ("`numpy.loadtxt(dtype=int64)` (gzip)", ms(t_np), f"{t_np / t_imx:.1f}x"),
        ("`numpy.loadtxt()` float64 default (gzip)", ms(t_np_float), f"{t_np_float / t_imx:.1f}x"),
        ("gzip decompression alone (stdlib zlib)", ms(t_zlib), f"{t_zlib / t_imx:.2f}x"),
        ("imx `read_edgelist` (plain text)", ms(t_imx_plain), "-"),
        ("`numpy.loadtxt(dtype=int64)` (plain text)", ms(t_np_plain),
         f"{t_np_plain / t_imx_plain:.1f}x vs imx plain"),
        ("imx `load_edgelist` (parse + CSR, wc)", ms(t_graph), "-"),
        ("`.imxg` reload, memory-mapped", ms(t_reload), "target < 50 ms"),
        ("`.imxg` reload, read into memory", ms(t_reload_copy), "-"),
    ]
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        usable = cores
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        f"# Edge-list parsing: {graph.name}",
        "",
        f"{data.lines:,} edge lines, {data.n:,} nodes, {graph.stat().st_size / 2**20:.1f} MiB "
        f"compressed. Median of {repeats} runs (loadtxt: {max(1, repeats // 2)}) after a warm-up, "
        "one process.",
        "",
        "| what | ms | time / imx gzip parse |",
        "|---|---:|---:|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        f"- **imx vs numpy.loadtxt (int64, gzip): {t_np / t_imx:.1f}x faster** "
        f"(issue target: >= 10x); on plain text {t_np_plain / t_imx_plain:.1f}x.",
        f"- `.imxg` reload: {ms(t_reload)} ms (target < 50 ms).",
        f"- Machine: {platform.machine()}, {cores} cores ({usable} usable), load average "
        f"{load:.2f} at the end of the run; Python {platform.python_version()}, "
        f"numpy {np.__version__}; {stamp}.",
        "",
    ]
    return "\n".join(lines), {"imx": t_imx, "loadtxt": t_np, "reload": t_reload}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=DEFAULT_GRAPH)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "tables" / "parse.md")
    args = parser.parse_args(argv)
    if not args.graph.is_file():
        print(f"bench_parse: {args.graph} not found", file=sys.stderr)
        return 2
    table, _ = run(args.graph, args.repeats)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
