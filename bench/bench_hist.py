"""Benchmark of HIST (sentinel-stopped RR sets) against the C++ SUBSIM with ``-hist=1``.

Cases, on the same graph files for both tools (SUBSIM's ``n m`` + ``src dst
[p]`` text format, written once into a scratch folder, one copy per
probability setting because SUBSIM keys its outputs by graph name):

* ``slashdot-u0.1``:   soc-Slashdot0902, IC, uniform p = 0.1, k = 50, eps = 0.1
* ``slashdot-tri``:    the same graph, trivalency probabilities drawn once by imx
  (seed 1) and written as the file's third column (SUBSIM ``-pdist=weights``)
* ``chung-lu-u0.05``:  Chung-Lu n = 1e6, m = 1e7 (``imx generate chung-lu -n 1000000
  -m 10000000 --seed 1``), IC, uniform p = 0.05, k = 50, eps = 0.1

imx loads the same text file once and reads it through its ``.imxg`` form
(memory-mapped; the same nodes, arcs and probabilities).  Per repetition,
interleaved: one SUBSIM run (``-func=im -hist=1``, its own
``Time (sec)``, peak RSS from ``/usr/bin/time``), then one fresh imx process
(imports and a tiny warm-up call for the kernels, baseline RSS, graph load, a
warm-up call on the graph, then the timed ``hist`` call with 2 threads and with
1).  Every seed set is scored by one evaluator: imx's RR estimator
(``rr_spread``) on the same 2,000,000 RR sets of a stream family neither
solver used (a paired comparison).  imx memory is reported whole and above the
process baseline (interpreter, numpy, numba: ~150-200 MB that SUBSIM has no
counterpart of).  ``/proc/loadavg`` is recorded with every repetition.

    python bench/bench_hist.py                        # all cases, 3 repetitions
    python bench/bench_hist.py --cases slashdot-u0.1 --reps 1

Writes ``bench/tables/hist.md`` and ``bench/results/hist.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared and ../ref beside the checkout (or two levels up, from a worktree)
_NEAR = next((p for p in (ROOT.parent, ROOT.parent.parent) if (p / "ref").is_dir()), ROOT.parent)
SHARED = Path(os.environ.get("IMX_SHARED", ROOT.parent / "shared"))
SUBSIM = Path(os.environ.get("IMX_SUBSIM", _NEAR / "ref" / "subsim" / "subsim"))
SLASHDOT = SHARED / "graphs" / "soc-Slashdot0902.txt.gz"
CASES = {
    "slashdot-u0.1": dict(source="slashdot", pdist=["-pdist=uniform", "-pedge=0.1"],
                          probs="uniform:0.1"),
    "slashdot-tri": dict(source="slashdot", pdist=["-pdist=weights"], probs=None,
                         weights="trivalency"),
    "chung-lu-u0.05": dict(source="chung-lu", pdist=["-pdist=uniform", "-pedge=0.05"],
                           probs="uniform:0.05"),
}
K, EPS, EVAL_SETS, EVAL_SEED = 50, 0.1, 2_000_000, 424_242
TIME_TARGET, MEMORY_TARGET, SPREAD_TARGET = 0.5, 1.2, 0.99


def _imx():
    sys.path.insert(0, str(ROOT))
    import imx
    return imx


def _rss(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _write_subsim(path: Path, graph, weights: bool) -> None:
    """``n m`` then one ``src dst [p]`` line per arc (internal ids = labels 0..n-1)."""
    import numpy as np

    tails, heads = graph.arcs()
    with open(path, "w") as out:
        out.write(f"{graph.n} {graph.m}\n")
        step = 1 << 20
        for lo in range(0, graph.m, step):
            hi = min(graph.m, lo + step)
            if weights:
                probs = np.asarray(graph.out_probs[lo:hi])
                rows = [f"{t} {h} {p!r}" for t, h, p in
                        zip(tails[lo:hi].tolist(), heads[lo:hi].tolist(), probs.tolist())]
            else:
                rows = [f"{t} {h}" for t, h in zip(tails[lo:hi].tolist(), heads[lo:hi].tolist())]
            out.write("\n".join(rows) + "\n")


def prepare(case: str, scratch: Path, chung_lu_file: Path) -> Path:
    """The case's SUBSIM-format text file (formatted for SUBSIM) in its own folder."""
    spec = CASES[case]
    folder = scratch / case
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case}.txt"
    if (folder / f"{case}.txt.vec.rvs.graph").exists() and binary_of(path).exists():
        return path
    if spec["source"] == "slashdot":
        plain = scratch / "slashdot.txt"
        if not plain.exists():
            subprocess.run([sys.executable, str(SHARED / "tools" / "to_subsim.py"),
                            str(SLASHDOT), str(plain)], check=True)
        if spec.get("weights"):
            imx = _imx()
            graph = imx.load_graph(str(plain), probs=spec["weights"], seed=1)
            _write_subsim(path, graph, weights=True)
        else:
            path.write_bytes(plain.read_bytes())
    else:
        imx = _imx()
        if not chung_lu_file.exists():
            subprocess.run([sys.executable, "-m", "imx", "generate", "chung-lu", "-n", "1000000",
                            "-m", "10000000", "--seed", "1", "-o", str(chung_lu_file)],
                           check=True, cwd=ROOT)
        _write_subsim(path, imx.load_graph(str(chung_lu_file)), weights=False)
    subprocess.run([str(SUBSIM), "-func=format", f"-gname={path.name}", f"-dir={folder}",
                    *spec["pdist"]], check=True, capture_output=True, cwd=folder)
    # imx reads the same file through its binary form (memory-mapped): the
    # text parser's buffers would otherwise stay in the process's RSS
    imx = _imx()
    graph = imx.load_graph(str(path), probs=spec["probs"]) if spec["probs"] \
        else imx.load_graph(str(path))
    imx.save_graph(graph, str(binary_of(path)))
    return path


def binary_of(path: Path) -> Path:
    return path.with_suffix(".imxg")


def run_subsim(case: str, path: Path) -> dict:
    """One ``-hist=1`` run; SUBSIM's own sampler first (its default), and where
    that crashes (it segfaults on the 1M-node Chung-Lu graph) ``-vanilla=1``."""
    folder = path.parent
    for vanilla in ("0", "1"):
        started = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", str(SUBSIM), "-func=im",
                              f"-gname={path.name}", f"-dir={folder}", f"-seedsize={K}",
                              f"-eps={EPS}", "-hist=1", f"-vanilla={vanilla}",
                              f"-outpath={folder / 'result'}"],
                             capture_output=True, text=True, cwd=folder)
        if out.returncode == 0:
            break
    wall = time.perf_counter() - started
    text = out.stdout + out.stderr
    seconds = float(re.search(r"Time \(sec\): ([0-9.e+-]+)", text).group(1))
    rss = int(re.search(r"MAXRSS (\d+)", text).group(1)) * 1024
    ratio = float(re.search(r"Approx\.: ([0-9.e+-]+)", text).group(1))
    found = re.search(r"#RR sets: (\d+)\s*\n\s*-", text)
    seeds_file = next((folder / "result" / "seed").glob(f"seed_{path.name}_*"))
    seeds = [int(s) for s in seeds_file.read_text().split()]
    return {"seconds": seconds, "process_seconds": wall, "peak_bytes": rss, "approx_ratio": ratio,
            "rr_sets": int(found.group(1)) if found else None, "seeds": seeds,
            "vanilla": vanilla == "1"}


def child(case: str, path: str, probs: str | None, subsim_seeds: list) -> dict:
    """Inside a fresh process: baseline, load, warm up, time HIST, score both seed sets."""
    imx = _imx()
    from imx.graph.generate import chung_lu
    from imx.solvers import maximize_influence

    maximize_influence(chung_lu(64, 256, seed=1, probs="uniform:0.5"), 2, seed=1, hist=True)
    maximize_influence(chung_lu(64, 256, seed=1, probs="uniform:0.5"), 2, seed=1, hist=False)
    baseline = _rss()
    started = time.perf_counter()
    graph = imx.load_graph(str(binary_of(Path(path))))
    load_seconds = time.perf_counter() - started
    after_load = _rss()
    maximize_influence(graph, K, eps=EPS, seed=2, threads=2, fast=True)  # warm-up on the graph
    runs, peaks = {}, {}
    # fast: the authors' stop at the first certified round, like for like with
    # SUBSIM; default: imx's own (doubling on while the seeds improve)
    for name, threads, fast in (("fast", 2, True), ("fast1", 1, True), ("default", 2, False)):
        # each run's own peak, not the loader's or an earlier run's
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        started = time.perf_counter()
        result = maximize_influence(graph, K, eps=EPS, seed=1, threads=threads, fast=fast)
        runs[name] = (time.perf_counter() - started, result)
        peaks[name] = _rss("VmHWM")
    peak = peaks["fast"]

    def score(ids):
        # the same EVAL_SETS RR sets for every seed set (eps tiny: no early stop)
        return imx.rr_spread(graph, ids, eps=0.001, delta=0.5, max_rr_sets=EVAL_SETS,
                             seed=EVAL_SEED, threads=2).mean

    result = runs["fast"][1]
    counters = result.record.counters
    forced = None
    if result.solver != "hist":  # what HIST itself would have done
        started = time.perf_counter()
        other = maximize_influence(graph, K, eps=EPS, seed=1, threads=2, hist=True, fast=True)
        forced = {"seconds": time.perf_counter() - started, "approx_ratio": other.approx_ratio,
                  "eval": score(other.seeds)}
    default = runs["default"][1]
    return {"solver": result.solver, "forced_hist": forced,
            "pilot_mean": counters.get("hist_pilot_mean"),
            "seconds_2": runs["fast"][0], "seconds_1": runs["fast1"][0],
            "seconds_default": runs["default"][0], "load_seconds": load_seconds,
            "baseline_bytes": baseline, "graph_bytes": after_load - baseline, "peak_bytes": peak,
            "peak_bytes_default": peaks["default"],
            "approx_ratio": result.approx_ratio, "spread_self": result.spread,
            "eval_imx": score(result.seeds), "eval_default": score(default.seeds),
            "eval_subsim": score(subsim_seeds),
            "default_stop": default.record.counters.get("stop"),
            "sentinels": counters.get("sentinels"), "full_rr_sets": counters.get("full_rr_sets"),
            "mean_full_rr_size": counters.get("mean_full_rr_size"),
            "mean_stopped_rr_size": counters.get("mean_stopped_rr_size"),
            "rr_sets": result.rr_sets, "phases": result.record.phases,
            "same_seeds_1_2": runs["fast1"][1].seeds == result.seeds}


def run_imx(case: str, path: Path, subsim_seeds: list) -> dict:
    payload = json.dumps({"case": case, "path": str(path), "probs": None,
                          "subsim_seeds": subsim_seeds})
    out = subprocess.run([sys.executable, __file__, "--child", payload], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def table(results: dict, command: str) -> str:
    lines = [
        "# HIST: imx vs the C++ SUBSIM with `-hist=1`",
        "",
        f"k = {K}, eps = {EPS}, delta = 1/n, IC. imx fast = `maximize_influence(..., "
        "fast=True)`: the first certified round, the same stopping rule as SUBSIM's; imx "
        "default = doubling on while the seeds improve (`imx.solvers.quality`). "
        "Same graph files for both (SUBSIM's text "
        "format). Times are each tool's own solve timer (graph loading excluded): SUBSIM's "
        "`Time (sec)` (one thread), imx's `maximize_influence` call after a warm-up call on the same "
        "graph, in a fresh process per repetition; medians over the repetitions (runs of the "
        "two tools interleaved). Spread: every seed set scored by imx's RR estimator on "
        f"the same {EVAL_SETS:,} RR sets (seed {EVAL_SEED}: a paired comparison). imx memory: peak "
        "RSS of the process, and above its baseline (interpreter + numpy + numba + kernels, "
        "measured before loading the graph; the peak is reset before each run, so it is that "
        "run's high-water mark with the graph resident; the fast run's). SUBSIM memory: peak "
        "RSS of the whole run (its binary graph file loaded).",
        "",
        f"Targets: time <= {TIME_TARGET}x, memory <= {MEMORY_TARGET}x, spread >= "
        f"{SPREAD_TARGET}x.",
        "",
        "| case | imx solver (pilot mean RR size) | SUBSIM s | imx fast s (2 thr) | ratio | "
        "imx fast s (1 thr) | ratio | SUBSIM MB | imx MB (above baseline) | ratio (above "
        "baseline) | spread imx fast / SUBSIM | ratio | certified imx / SUBSIM | sentinels | "
        "mean RR size full -> stopped | imx default s (stop) | default spread / SUBSIM | "
        "load avg |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes = []
    for case, reps in results.items():
        med = lambda key, side: statistics.median(r[side][key] for r in reps)  # noqa: E731
        s_sec, i2, i1 = med("seconds", "subsim"), med("seconds_2", "imx"), med("seconds_1", "imx")
        s_mb = med("peak_bytes", "subsim") / 2**20
        i_mb = med("peak_bytes", "imx") / 2**20
        above = statistics.median((r["imx"]["peak_bytes"] - r["imx"]["baseline_bytes"])
                                  for r in reps) / 2**20
        e_i, e_s = med("eval_imx", "imx"), med("eval_subsim", "imx")
        last = reps[-1]["imx"]
        vanilla = " (`-vanilla=1`)" if any(r["subsim"]["vanilla"] for r in reps) else ""
        sizes = ("—" if last["sentinels"] is None else
                 f"{last['mean_full_rr_size']:,.0f} -> {last['mean_stopped_rr_size']:,.1f}")
        d_sec, e_d = med("seconds_default", "imx"), med("eval_default", "imx")
        lines.append(
            f"| {case} | {last['solver']} ({last['pilot_mean']:,.0f}) | {s_sec:.3f}{vanilla} | "
            f"{i2:.3f} | {i2 / s_sec:.2f} | {i1:.3f} | {i1 / s_sec:.2f} "
            f"| {s_mb:.0f} | {i_mb:.0f} ({above:.0f}) | {above / s_mb:.2f} | {e_i:,.0f} / "
            f"{e_s:,.0f} | {e_i / e_s:.3f} | {med('approx_ratio', 'imx'):.3f} / "
            f"{med('approx_ratio', 'subsim'):.3f} | {last['sentinels'] or '—'} | {sizes} | "
            f"{d_sec:.3f} ({last['default_stop']}) | {e_d / e_s:.3f} | "
            f"{', '.join(r['loadavg'] for r in reps)} |")
        forced = [r["imx"]["forced_hist"] for r in reps if r["imx"]["forced_hist"]]
        if forced:
            f_sec = statistics.median(f["seconds"] for f in forced)
            f_eval = statistics.median(f["eval"] for f in forced)
            notes.append(f"- {case}: the pilot chose {last['solver']}; HIST forced (`hist=True, "
                         f"fast=True`, 2 threads) takes {f_sec:.3f} s ({f_sec / s_sec:.2f}x SUBSIM) for a "
                         f"spread of {f_eval:,.0f} ({f_eval / e_s:.3f}x SUBSIM's).")
        if vanilla:
            notes.append(f"- {case}: SUBSIM's default sampler crashes (segmentation fault) with "
                         "`-hist=1` on this graph; its `-vanilla=1` sampler is timed instead.")
    if notes:
        lines += [""] + notes
    lines += ["", f"Reproduce: `{command}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scratch", default="/tmp/imx-bench-hist")
    parser.add_argument("--chung-lu", default="/tmp/cl1m.imxg",
                        help="the 1M-node Chung-Lu .imxg (generated there if missing)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(child(spec["case"], spec["path"], spec["probs"],
                               spec["subsim_seeds"])))
        return
    scratch = Path(args.scratch)
    results: dict = {}
    for case in args.cases.split(","):
        path = prepare(case, scratch, Path(args.chung_lu))
        reps = []
        for rep in range(args.reps):
            load = loadavg()
            ref = run_subsim(case, path)
            ours = run_imx(case, path, ref["seeds"])
            reps.append({"subsim": ref, "imx": ours, "loadavg": load})
            print(f"{case} rep {rep + 1}: SUBSIM {ref['seconds']:.3f} s, imx fast "
                  f"{ours['seconds_2']:.3f} s (2 thr) / {ours['seconds_1']:.3f} s (1 thr), "
                  f"default {ours['seconds_default']:.3f} s; "
                  f"spread {ours['eval_imx']:,.0f} vs {ours['eval_subsim']:,.0f}; load {load}",
                  file=sys.stderr)
        results[case] = reps
    command = "python bench/bench_hist.py " + " ".join(
        a for a in sys.argv[1:] if not a.startswith("--child"))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "hist.json").write_text(json.dumps(results, indent=1))
    (ROOT / "bench" / "tables" / "hist.md").write_text(table(results, command.strip()))
    print(table(results, command.strip()))


if __name__ == "__main__":
    main()
