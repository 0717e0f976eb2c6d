"""Turn benchmark JSON lines into a markdown report and PNG plots.

Repetitions of one configuration are summarised by their median.  Plots (time
vs k, spread vs k, speed-up vs threads) need matplotlib, an optional extra
(``pip install imx[bench]``); without it the report says so and has tables only.
"""
from __future__ import annotations

import json
import os
import re
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from ..errors import InputError
from ..io.atomic import atomic_write_text

__all__ = ["load_results", "summarise", "render_markdown", "write_report", "plot"]

_MIB = 2 ** 20


def load_results(path: str | os.PathLike) -> list[dict]:
    """Read a JSON-lines results file; InputError naming the line of a bad record."""
    path = str(path)
    records = []
    try:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"not a JSON record ({exc.msg})", path=path,
                                     line=lineno) from None
                if not isinstance(rec, dict) or "task" not in rec:
                    raise InputError("not a benchmark run record (no 'task')", path=path,
                                     line=lineno)
                records.append(rec)
    except OSError as exc:
        raise InputError(f"cannot read results ({exc.strerror})", path=path) from None
    return records


def _median(values: Iterable[Any]) -> float | None:
    vals = [float(v) for v in values if isinstance(v, (int, float))]
    return statistics.median(vals) if vals else None


def _key(rec: dict) -> tuple:
    params = rec.get("params", {})
    return (rec.get("task"), rec.get("graph"), tuple(sorted((k, str(v)) for k, v in
                                                            params.items() if k != "seed")))


def summarise(records: list[dict]) -> list[dict]:
    """One row per configuration (task, graph, params), medians over its ok repetitions."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for rec in records:
        groups[_key(rec)].append(rec)
    rows = []
    for recs in groups.values():
        ok = [r for r in recs if r.get("status") == "ok"]
        first = recs[0]
        row = {"task": first.get("task"), "graph": first.get("graph"),
               "params": first.get("params", {}), "reps": len(recs), "ok": len(ok),
               "status": "ok" if ok else first.get("status"),
               "why": None if ok else (first.get("reason") or first.get("error"))}
        if ok:
            def med(getter):
                return _median(getter(r) for r in ok)

            row.update(
                solve_s=med(lambda r: r.get("times", {}).get("solve")),
                solve_cpu_s=med(lambda r: r.get("cpu", {}).get("solve")),
                warmup_s=med(lambda r: r.get("times", {}).get("warmup")),
                startup_s=med(lambda r: r.get("startup_s")),
                imports_s=med(lambda r: r.get("times", {}).get("imports")),
                load_s=med(lambda r: r.get("times", {}).get("load")),
                evaluate_s=med(lambda r: r.get("times", {}).get("evaluate")),
                peak_rss_mib=med(lambda r: (r.get("memory") or {}).get("peak_rss_bytes", 0)
                                 / _MIB if r.get("isolated") else None),
                rr_sets=med(lambda r: r.get("rr_sets")),
                num_seeds=med(lambda r: (r.get("result") or {}).get("num_seeds")),
                r1_sets=med(lambda r: ((r.get("record") or {}).get("counters") or {})
                            .get("r1_sets")),
                spread=med(lambda r: (r.get("evaluation") or {}).get("spread")),
                solver_spread=med(lambda r: (r.get("result") or {}).get("solver_spread")),
                lower=med(lambda r: (r.get("result") or {}).get("lower_bound")),
                upper=med(lambda r: (r.get("result") or {}).get("upper_bound")),
                ratio=med(lambda r: (r.get("result") or {}).get("approx_ratio")),
                n=(ok[0].get("graph_info") or {}).get("n"),
                m=(ok[0].get("graph_info") or {}).get("m"))
            metrics: dict[str, Any] = {}
            for name in ok[0].get("metrics") or {}:
                values = [(r.get("metrics") or {}).get(name) for r in ok]
                numeric = [v for v in values if isinstance(v, (int, float))
                           and not isinstance(v, bool)]
                metrics[name] = _median(numeric) if numeric else values[0]
            row["metrics"] = metrics
            row["counters"] = dict((ok[0].get("record") or {}).get("counters") or {})
            row["chosen"] = (ok[0].get("result") or {}).get("solver")
            seeds = {json.dumps((r.get("result") or {}).get("seeds")) for r in ok}
            row["seeds_identical"] = len(seeds) == 1
            row["seeds_key"] = min(seeds)
        rows.append(row)
    return rows


# ------------------------------------------------------------------ markdown


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):  # e.g. a fitted parameter per dimension
        return "[" + ", ".join(_fmt(v, digits) for v in value) + "]"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()
                                  and abs(value) >= 1000):
        return f"{int(value):,}"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    """A pipe table; a header ending in a space is right-aligned.

    Written here rather than with tabulate: the cell formatting (``_fmt``) is
    the part that matters and stays either way; what tabulate would replace is
    these lines.
    """
    align = ["---" if i == 0 or not headers[i].endswith(" ") else "---:"
             for i in range(len(headers))]
    out = ["| " + " | ".join(h.strip() for h in headers) + " |", "|" + "|".join(align) + "|"]
    for row in rows:
        # a | inside a cell (a suite's description, a peer's error) would split the row
        out.append("| " + " | ".join(_fmt(c).replace("|", "\\|") for c in row) + " |")
    return out


def _p(row: dict, name: str, default: Any = None) -> Any:
    return row["params"].get(name, default)


def _sort_key(row: dict) -> tuple:
    p = row["params"]
    return (str(row["graph"]), str(p.get("model")), str(p.get("probs")), str(p.get("solver",
            p.get("method", p.get("peer")))), float(p.get("k", 0) or 0),
            str(p.get("threads")), str(p))


def _solver_cell(row: dict) -> str:
    """The solver asked for, and what the library chose where it was asked to choose."""
    asked = str(_p(row, "solver", "opim-c"))
    chosen = row.get("chosen")
    return f"{asked} ({chosen})" if asked == "default" and chosen else asked


def _im_section(rows: list[dict], title: str) -> list[str]:
    head = ["graph", "model", "probs", "solver", "k ", "eps ", "threads ", "reps ", "solve s ",
            "warm-up s ", "start-up s ", "peak RSS MiB ", "RR sets ", "spread (eval) ",
            "solver spread ", "lower ", "upper ", "ratio "]
    body = [[r["graph"], _p(r, "model", "ic"), _p(r, "probs", "wc"), _solver_cell(r),
             _p(r, "k"), _p(r, "eps"), _p(r, "threads", "all"), r["ok"], r["solve_s"],
             r["warmup_s"], r["startup_s"], r["peak_rss_mib"], r["rr_sets"], r["spread"],
             r["solver_spread"], r["lower"], r["upper"], r["ratio"]]
            for r in sorted(rows, key=_sort_key)]
    # the options a suite varies beyond these columns (the library's own choice, its
    # stopping rule, HIST, a Dask cluster) get a column each
    for option in ("fast", "hist", "cluster"):
        if any(_p(r, option) is not None for r in rows):
            head.insert(4, option)
            for line, r in zip(body, sorted(rows, key=_sort_key)):
                line.insert(4, _p(r, option))
    return [f"## {title}", ""] + _table(head, body) + [""]


def _distributed_section(rows: list[dict]) -> list[str]:
    """The same IM calls in this process and on Dask clusters: time, every process's peak,
    the greedy's traffic against a dense per-step reduce, and whether the answer changed."""
    local = {(r["graph"], _p(r, "k"), _p(r, "eps")): r for r in rows if _p(r, "cluster") is None}
    head = ["graph", "cluster", "k ", "eps ", "solve s ", "x local ", "coordinator peak MiB ",
            "worker peaks MiB", "greedy round trips ", "greedy bytes ", "dense-reduce bytes ",
            "same seeds"]
    body = []
    for r in sorted(rows, key=lambda r: (str(r["graph"]), str(_p(r, "cluster", "")))):
        base = local.get((r["graph"], _p(r, "k"), _p(r, "eps")))
        c = r["counters"]
        peaks = r["metrics"].get("worker_peak_rss_bytes") or []
        body.append([r["graph"], _p(r, "cluster", "this process"), _p(r, "k"), _p(r, "eps"),
                     r["solve_s"], r["solve_s"] / base["solve_s"] if base and r["solve_s"]
                     and base["solve_s"] else None, r["peak_rss_mib"],
                     ", ".join(f"{p / _MIB:,.0f}" for p in peaks) or None,
                     c.get("greedy_round_trips"), c.get("greedy_bytes"),
                     c.get("dense_reduce_bytes"),
                     None if base is None else r["seeds_key"] == base["seeds_key"]])
    return ["## Local and Dask (im, cluster)", ""] + _table(head, body) + [""]


def _cim_section(rows: list[dict]) -> list[str]:
    head = ["graph", "solver", "APs", "k ", "model", "threads ", "reps ", "seeds ", "solve s ",
            "steady s ", "passive graph s ", "warm-up s ", "peak RSS MiB ", "RR sets ",
            "spread (eval) ", "solver spread ", "lower ", "upper ", "ratio "]
    body = [[r["graph"], _p(r, "solver"), _p(r, "aps", "sample:0.05"), _p(r, "k"),
             _p(r, "model", "ic"), _p(r, "threads", "all"), r["ok"], r["num_seeds"],
             r["solve_s"], (r.get("metrics") or {}).get("steady_solve_s"),
             (r.get("metrics") or {}).get("passive_graph_s"), r["warmup_s"],
             r["peak_rss_mib"],
             r["rr_sets"], r["spread"], r["solver_spread"], r["lower"], r["upper"], r["ratio"]]
            for r in sorted(rows, key=_sort_key)]
    return ["## Capacity-constrained IM (cim)", ""] + _table(head, body) + [""]


def _hetero_section(rows: list[dict]) -> list[str]:
    out = ["## HeteroIM / HeteroIR (hetero)", ""]
    rerank = [r for r in rows if _p(r, "mode", "rerank") == "rerank"]
    index = [r for r in rows if _p(r, "mode", "rerank") == "index"]
    if rerank:
        K = max(int(_p(r, "K", 3)) for r in rerank)
        head = ["graph", "method", "K ", "data seed ", "reps ", "solve s ", "RR sets "] + \
            [f"NSpread@{k} " for k in range(1, K + 1)] + [f"Recall@{K} ", f"NDCG@{K} "]
        body = [[r["graph"], _p(r, "method"), _p(r, "K", 3), _p(r, "data_seed", 1), r["ok"],
                 r["solve_s"], r["rr_sets"]]
                + [r["metrics"].get(f"nspread@{k}") for k in range(1, K + 1)]
                + [r["metrics"].get(f"recall@{K}"), r["metrics"].get(f"ndcg@{K}")]
                for r in sorted(rerank, key=_sort_key)]
        out += _table(head, body) + [""]
    if index:
        figures = ("build_s", "save_s", "load_s", "file_bytes", "queries", "latency_p50_us",
                   "latency_p99_us", "latency_p999_us", "latency_max_us", "cpu_p99_us",
                   "candidates_latency_p50_us", "candidates_latency_p99_us",
                   "candidates_cpu_p99_us", "rerank_many_us_per_query")
        head = ["graph", "method", "K ", "build s ", "save s ", "load s ", "file MiB ",
                "queries ", "p50 µs ", "p99 µs ", "p99.9 µs ", "max µs ", "CPU p99 µs ",
                "cand. p50 µs ", "cand. p99 µs ", "cand. CPU p99 µs ", "rerank_many µs "]
        body = [[r["graph"], _p(r, "method"), _p(r, "K", 3)]
                + [r["metrics"].get(f) / _MIB if f == "file_bytes" and r["metrics"].get(f)
                   else r["metrics"].get(f) for f in figures]
                for r in sorted(index, key=_sort_key)]
        out += _table(head, body) + [""]
    return out


def _bcm_section(rows: list[dict]) -> list[str]:
    out = ["## Value dynamics (bcm)", ""]
    sim = [r for r in rows if _p(r, "mode", "simulate") == "simulate"]
    fits = [r for r in rows if _p(r, "mode", "simulate") == "fit"]
    if sim:
        head = ["graph", "nodes ", "model", "pairing", "d ", "epsilon ", "steps ", "threads ",
                "reps ", "solve s ", "updates/s "]
        body = [[r["graph"], r["n"], _p(r, "model", "dw"), _p(r, "pairing", "arc"),
                 _p(r, "dims", 5), _p(r, "epsilon"), r["metrics"].get("steps"),
                 _p(r, "threads", "all"), r["ok"], r["solve_s"],
                 r["metrics"].get("updates_per_s")] for r in sorted(sim, key=_sort_key)]
        out += _table(head, body) + [""]
    if fits:
        head = ["graph", "egos ", "method", "per dimension", "solve s ", "evaluations ",
                "MSE ", "epsilon ", "planted ", "mu ", "planted ", "no-change MSE ",
                "mean-of-friends MSE "]
        body = [[r["graph"], r["metrics"].get("egos"), _p(r, "method", "pso"),
                 bool(_p(r, "per_dimension", False)), r["solve_s"],
                 r["metrics"].get("evaluations"), r["metrics"].get("mse"),
                 r["metrics"].get("epsilon"), r["metrics"].get("planted_epsilon"),
                 r["metrics"].get("mu"), r["metrics"].get("planted_mu"),
                 r["metrics"].get("no_change_mse"), r["metrics"].get("mean_of_friends_mse")]
                for r in sorted(fits, key=_sort_key)]
        out += _table(head, body) + [""]
    return out


def _peer_section(rows: list[dict]) -> list[str]:
    head = ["comparison", "graph", "k ", "imx threads ", "measured", "imx ", "peer ",
            "speed-up ", "imx quality ", "peer quality ", "rounds "]
    body = []
    for r in sorted(rows, key=lambda r: (str(_p(r, "peer")), str(r["graph"]),
                                         str(_p(r, "threads", 1)))):
        m = r["metrics"]
        body.append([_p(r, "peer"), r["graph"], _p(r, "k"), _p(r, "threads", 1), m.get("unit"),
                     m.get("imx_value"), m.get("peer_value"), m.get("ratio"),
                     m.get("imx_quality"), m.get("peer_quality"), m.get("rounds")])
    return ["## Peers side by side", "",
            "Both tools run in one process on identical inputs, in alternating order. "
            "Speed-up = peer time / imx time for the same work (above 1: imx is faster); "
            "medians over the rounds. Quality: the suite's evaluator on each tool's seeds "
            "(IM solvers), the tool's own Monte-Carlo mean (cynetdiff), the standard "
            "deviation of the final opinions (ndlib).", ""] + _table(head, body) + [""]


def _label(row: dict) -> str:
    """A process run's short name: its ``label`` parameter, else its command."""
    label = _p(row, "label") or str(_p(row, "command", ""))
    return label if len(label) <= 60 else label[:57] + "..."


def _rr_section(rows: list[dict]) -> list[str]:
    head = ["graph", "model", "method", "threads ", "reps ", "sets ", "mean size ", "solve s ",
            "sets/s "]
    body = [[r["graph"], _p(r, "model", "ic"), _p(r, "method", "auto"), _p(r, "threads", "all"),
             r["ok"], r["metrics"].get("sets"), r["metrics"].get("mean_size"), r["solve_s"],
             r["metrics"].get("sets_per_s")] for r in sorted(rows, key=_sort_key)]
    return ["## RR sampling (rr)", ""] + _table(head, body) + [""]


def _io_section(rows: list[dict]) -> list[str]:
    head = ["graph", "file", "MiB ", "operation", "text", "calls ", "CPU ms ", "wall ms "]
    body = [[r["graph"], r["metrics"].get("file"), (r["metrics"].get("file_bytes") or 0) / _MIB,
             " ".join(str(x) for x in (_p(r, "op"), _p(r, "dtype"),
                                       {True: "(mapped)", False: "(in memory)"}.get(_p(r, "mmap")))
                      if x),
             _p(r, "text", "as-is"), r["metrics"].get("repeats"), r["metrics"].get("cpu_ms"),
             r["metrics"].get("wall_ms")] for r in sorted(rows, key=_sort_key)]
    return ["## Reading graphs (io)", "",
            "Medians over the repetitions inside each run, after a warm-up call (the file in "
            "the page cache); CPU = all threads of the process.", ""] + _table(head, body) + [""]


_PROCESS_METRICS = ("process_s", "process_cpu_s", "process_peak_rss_bytes",
                    "launcher_rss_bytes", "numba_cache")


def _process_section(rows: list[dict]) -> list[str]:
    extra = sorted({k for r in rows for k in r["metrics"] if k not in _PROCESS_METRICS
                    and not k.startswith("out.")})
    head = ["command", "graph", "numba cache", "reps ", "process s ", "CPU s ",
            "peak RSS MiB ", "spread (eval) "] + [f"{k} " for k in extra]
    body = [[_label(r), r["graph"], r["metrics"].get("numba_cache"), r["ok"],
             r["metrics"].get("process_s"), r["metrics"].get("process_cpu_s"),
             (r["metrics"].get("process_peak_rss_bytes") or 0) / _MIB, r["spread"]]
            + [r["metrics"].get(k) for k in extra] for r in sorted(rows, key=_sort_key)]
    return ["## Whole processes (process)", "",
            "Each command timed from the outside, start to exit; peak RSS is the process's "
            "own (wait4), counted from a ~10 MiB launcher.", ""] + _table(head, body) + [""]


_PROFILED = ("numba runtime start-up", "kernel cache loads", "graph load", "solve", "output")


def _profile_section(rows: list[dict]) -> list[str]:
    """Processes run under :mod:`.profile_cli`: one column per command, its parts as rows
    (medians over the repetitions; wall / CPU seconds)."""
    rows = sorted(rows, key=_sort_key)
    metric = [r["metrics"] for r in rows]

    def pair(m: dict, name: str) -> str:
        return f"{_fmt(m.get(f'out.wall.{name}', 0.0))} / {_fmt(m.get(f'out.cpu.{name}', 0.0))}"

    def rest(m: dict) -> str:  # what the timers do not cover: imports, CLI, shutdown
        wall = m["out.wall.total"] - sum(m.get(f"out.wall.{n}", 0.0) for n in _PROFILED)
        cpu = m["out.cpu.total"] - sum(m.get(f"out.cpu.{n}", 0.0) for n in _PROFILED)
        return f"{_fmt(wall)} / {_fmt(cpu)}"

    phases = []
    for m in metric:
        phases += [k[len("out.phases."):] for k in m if k.startswith("out.phases.")
                   and k[len("out.phases."):] not in phases]
    body = [["imports, CLI, shutdown"] + [rest(m) for m in metric]]
    body += [[name] + [pair(m, name) for m in metric] for name in _PROFILED]
    body += [[f"  solve: {p} (wall)"] + [m.get(f"out.phases.{p}") for m in metric]
             for p in phases]
    body += [["whole process (launcher's clock)"] + [
        f"{_fmt(m.get('process_s'))} / {_fmt(m.get('process_cpu_s'))}" for m in metric]]
    body += [["kernels compiled (CPU s)"] + [
        f"{_fmt(m.get('out.kernels_compiled'))} ({_fmt(m.get('out.compile_cpu_s'))})"
        for m in metric]]
    kernels = sorted({k[len("out.compiled."):] for m in metric for k in m
                      if k.startswith("out.compiled.")})
    body += [[f"  compiled: `{name}` (CPU s)"] + [m.get(f"out.compiled.{name}") for m in metric]
             for name in kernels]
    body += [["baseline memory MiB (graph loaded)"] + [
        (m.get("out.baseline_rss_bytes") or 0) / _MIB for m in metric]]
    body += [["solver memory above it MiB"] + [
        ((m.get("out.peak_rss_bytes") or 0) - (m.get("out.baseline_rss_bytes") or 0)) / _MIB
        for m in metric]]
    head = ["part"] + [f"{_label(r)} {r['graph'] or ''} ({r['metrics'].get('numba_cache')}) "
                       for r in rows]
    return ["## Where a process's time goes (profiled)", "",
            "Wall / CPU seconds, medians over the repetitions. numba's runtime start-up and "
            "the kernel loads happen inside the first solver phase that calls a kernel: the "
            "solver's own phases include them, the solve row does not.", ""] + \
        _table(head, body) + [""]


#: a reference figure -> how to read the same figure off a summarised row
_MEASURED = {
    "seconds": lambda r: r["metrics"].get("process_s") if r["task"] == "process"
    else r["solve_s"],
    "peak_bytes": lambda r: r["metrics"].get("process_peak_rss_bytes") if r["task"] == "process"
    else None if r["peak_rss_mib"] is None else r["peak_rss_mib"] * _MIB,
    "rr_sets": lambda r: r["rr_sets"],
    "r1_sets": lambda r: r["r1_sets"],
    "seeds": lambda r: r["num_seeds"],
    "spread": lambda r: r["spread"] if r["spread"] is not None else r["solver_spread"],
    "approx_ratio": lambda r: r["ratio"],
}


def _reference_section(rows: list[dict], references: list[dict]) -> list[str]:
    from .suites import match_reference

    body = []
    for r in sorted(rows, key=_sort_key):
        ref = match_reference(references, r)
        if ref is None:
            continue
        what = _label(r) if r["task"] == "process" else " ".join(
            f"{k}={v}" for k, v in r["params"].items() if k not in ("label", "command"))
        for figure, value in ref.items():
            if figure in ("match", "source", "note"):
                continue
            get = _MEASURED.get(figure, lambda row, f=figure: row["metrics"].get(f))
            measured = get(r)
            ratio = (measured / value if isinstance(measured, (int, float))
                     and isinstance(value, (int, float)) and value else None)
            body.append([r["graph"], what, figure, value, measured, ratio,
                         ref.get("source", "")])
    if not body:
        return []
    return ["## Against the reference figures", "",
            "The suite's `[[reference]]` figures (measured elsewhere, kept as data) beside "
            "this run's; ratio = measured / reference.", ""] + _table(
        ["graph", "run", "figure", "reference ", "measured ", "ratio ", "reference source"],
        body) + [""]


def render_markdown(records: list[dict], *, plots: list[str] | None = None,
                    note: str | None = None, references: list[dict] | None = None) -> str:
    """The report as markdown: context, one table per task, failures, plots."""
    rows = summarise(records)
    first = records[0] if records else {}
    machine = first.get("machine", {})
    vers = first.get("versions", {})
    suites = sorted({str(r.get("suite")) for r in records})
    lines = [f"# imx benchmark: {', '.join(suites)}", ""]
    if machine:
        lines.append(f"Machine: {machine.get('cpu_model')}, {machine.get('usable_cores')} usable "
                     f"of {machine.get('logical_cores')} logical cores, "
                     f"{_fmt((machine.get('memory_bytes') or 0) / 2**30)} GiB; "
                     f"{machine.get('os')}; Python {machine.get('python')}.")
    if vers:
        lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()
                                              if v is not None) + ".")
    ev = first.get("evaluator")
    if ev:
        how = (f"RR estimator, eps {ev.get('eps', 0.01)}" if ev.get("method", "rr") == "rr"
               else f"{ev.get('runs', 10000):,} Monte-Carlo runs")
        lines.append(f"Spread (eval): one independent evaluator for every solver ({how}, "
                     f"seed {ev.get('seed', 9001)}).")
    lines += ["Times are medians over repetitions; `solve` excludes JIT warm-up (its own "
              "column) and process start-up; peak RSS is the worker process's high-water "
              "mark (one fresh process per run).", ""]
    by_task: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["status"] == "ok":
            by_task[row["task"]].append(row)
    if by_task.get("im"):
        lines += _im_section(by_task["im"], "Influence maximization (im)")
        if any(_p(r, "cluster") is not None for r in by_task["im"]):
            lines += _distributed_section(by_task["im"])
    if by_task.get("cim"):
        lines += _cim_section(by_task["cim"])
    if by_task.get("hetero"):
        lines += _hetero_section(by_task["hetero"])
    if by_task.get("bcm"):
        lines += _bcm_section(by_task["bcm"])
    if by_task.get("rr"):
        lines += _rr_section(by_task["rr"])
    if by_task.get("io"):
        lines += _io_section(by_task["io"])
    if by_task.get("process"):
        lines += _process_section(by_task["process"])
        profiled = [r for r in by_task["process"] if "out.wall.total" in r["metrics"]]
        if profiled:
            lines += _profile_section(profiled)
    if by_task.get("peer"):
        lines += _peer_section(by_task["peer"])
    if references:
        lines += _reference_section([r for r in rows if r["status"] == "ok"], references)
    failed = [r for r in rows if r["status"] != "ok"]
    if failed:
        lines += ["## Not run", ""]
        for r in failed:
            params = " ".join(f"{k}={v}" for k, v in r["params"].items())
            lines.append(f"- {r['task']} {r['graph'] or ''} {params}: {r['status']} — {r['why']}")
        lines.append("")
    if note:
        lines += [note, ""]
    if plots:
        lines += ["## Plots", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in plots] + [""]
    return "\n".join(lines)


# ------------------------------------------------------------------ plots


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_")


def plot(records: list[dict], out_dir: str | os.PathLike, stem: str) -> tuple[list[str], str | None]:
    """Write the PNG plots; return (paths, note).  No matplotlib: ([], a note)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], ("Plots skipped: matplotlib is not installed "
                    "(`pip install matplotlib`, or the `bench` extra).")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [r for r in summarise(records) if r["status"] == "ok"
            and r["task"] in ("im", "cim")]
    paths: list[str] = []
    # time and spread vs k: one figure per (task, graph, model, probs, threads), a line per solver
    panels: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        key = (r["task"], r["graph"], _p(r, "model", "ic"), _p(r, "probs", "wc"),
               _p(r, "threads"))
        panels[key][str(_p(r, "solver"))].append(r)
    for (task, graph, model, probs, threads), by_solver in sorted(panels.items(), key=lambda kv: str(kv[0])):
        ks = {float(_p(r, "k")) for rs in by_solver.values() for r in rs}
        if len(ks) < 2:
            continue
        for metric, label, fname in (("solve_s", "solve time (s)", "time-vs-k"),
                                     ("spread", "spread (independent evaluator)",
                                      "spread-vs-k")):
            fig, ax = plt.subplots(figsize=(5.5, 3.8))
            for solver, rs in sorted(by_solver.items()):
                pts = sorted((float(_p(r, "k")), r[metric]) for r in rs if r[metric] is not None)
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=solver)
            ax.set_xlabel("k")
            ax.set_ylabel(label)
            if metric == "solve_s":
                ax.set_yscale("log")
            where = f"{task}-{graph}-{model}-{probs}" + ("" if threads is None else f"-t{threads}")
            ax.set_title(f"{task}: {graph}, {model.upper()} {probs}"
                         + ("" if threads is None else f", {threads} threads"), fontsize=10)
            ax.legend(fontsize=8)
            fig.tight_layout()
            path = out_dir / f"{stem}-{fname}-{_slug(where)}.png"
            fig.savefig(path, dpi=110)
            plt.close(fig)
            paths.append(str(path))
    # speed-up vs threads
    sweeps: dict[tuple, dict[int, float]] = defaultdict(dict)
    for r in rows:
        threads = _p(r, "threads")
        if threads is None or r["solve_s"] is None:
            continue
        cores = (records[0].get("machine") or {}).get("usable_cores") or 1
        t = int(cores) if str(threads) in ("all", "N") else int(threads)
        key = (r["task"], r["graph"], str(_p(r, "solver")), str(_p(r, "k")))
        sweeps[key][t] = r["solve_s"]
    sweeps = {k: v for k, v in sweeps.items() if len(v) > 1 and 1 in v}
    if sweeps:
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        top = 1
        for (task, graph, solver, k), times in sorted(sweeps.items()):
            ts = sorted(times)
            top = max(top, ts[-1])
            ax.plot(ts, [times[1] / times[t] for t in ts], marker="o",
                    label=f"{graph} {solver} k={k}")
        ax.plot([1, top], [1, top], linestyle=":", color="grey", label="linear")
        ax.set_xlabel("threads")
        ax.set_ylabel("speed-up over 1 thread")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out_dir / f"{stem}-speedup-vs-threads.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(str(path))
    return paths, None


def _shipped_references(records: list[dict]) -> list[dict]:
    """The ``[[reference]]`` figures of the shipped suites the records come from."""
    from .suites import list_suites, load_suite

    shipped = set(list_suites())
    refs: list[dict] = []
    for name in sorted({str(r.get("suite")) for r in records} & shipped):
        refs += load_suite(name).references
    return refs


def write_report(results: str | os.PathLike | list[dict], out: str | os.PathLike | None = None,
                 *, plots: bool = True) -> dict:
    """Write the markdown report (and plots beside it); return their paths.

    ``results`` is a JSON-lines path or the records; ``out`` the markdown path
    (default: the results path with ``.md``).
    """
    if isinstance(results, (str, os.PathLike)):
        records = load_results(results)
        default = Path(results).with_suffix(".md")
    else:
        records = list(results)
        default = Path("bench-report.md")
    out_path = Path(out) if out is not None else default
    out_path.parent.mkdir(parents=True, exist_ok=True)
    paths, note = plot(records, out_path.parent, out_path.stem) if plots else ([], None)
    atomic_write_text(out_path, render_markdown(records, plots=paths, note=note,
                                                references=_shipped_references(records)))
    return {"markdown": str(out_path), "plots": paths, "note": note}
