"""``imx im`` (classic influence maximization) and ``imx spread`` (evaluate seeds).

Seed files hold one node label per line, in selection order, no header;
``imx im --out`` writes them and ``imx spread --seeds`` reads them (blank
lines and lines starting with ``#`` are skipped).
"""
from __future__ import annotations

import os

import click

from .._names import CERTIFIED_IM_SOLVERS, DIFFUSION_MODELS, IM_SOLVERS
from ..solvers.quality import CAP_TEXT
from ..errors import ParameterError
from ..io.labels import read_label_file
from .options import (OutputPath, cluster_option, emit, graph_options, json_option,
                      load_cli_graph, max_memory_option, seed_option, threads_option)
from .progress import Progress, quiet_option

__all__ = ["im", "spread", "read_seeds", "write_seeds"]

_SHOWN_SEEDS = 20


def write_seeds(path: str, labels) -> None:
    """Write one label per line, atomically."""
    from ..io.atomic import atomic_write_text

    atomic_write_text(path, "".join(f"{label}\n" for label in labels))


def read_seeds(path: str, graph) -> list[int]:
    """Internal ids of the labels in a seed file; InputError with file:line if unknown."""
    return read_label_file(path, graph, what="seed").tolist()


_STOP_NOTES = {
    "certified": " (first certified round: --fast)",
    "converged": " (the last doubling improved the seeds by under 0.25%, s.e. included)",
    "quality cap": f" (one more doubling would pass the cap: {CAP_TEXT})",
}


def _fmt(value, spec=",.1f"):
    return "-" if value is None else format(value, spec)


def _im_summary(result) -> str:
    """The final progress line: what the solver did and why it stopped."""
    counters = result.record.counters
    bits = [f"{len(result.seeds)} seeds"]
    if result.rr_sets:
        bits.append(f"{result.rr_sets:,} RR sets")
    if result.approx_ratio is not None:
        bits.append(f"ratio {result.approx_ratio:.3f}")
    if counters.get("stop"):
        bits.append(f"stopped: {counters['stop']}")
    return ", ".join(bits)


def _human_im(d: dict) -> str:
    labels = d["seeds"]
    shown = " ".join(map(str, labels[:_SHOWN_SEEDS]))
    if len(labels) > _SHOWN_SEEDS:
        shown += f" ... ({len(labels) - _SHOWN_SEEDS} more; --out or --json for all)"
    lines = [f"solver      {d['solver']} ({d['model'].upper()}, k={d['k']}"
             + (f", eps={d['eps']:g}" if d.get("eps") is not None else "") + ")",
             f"seeds       {shown}",
             f"spread      {_fmt(d['spread'])}"]
    if d["approx_ratio"] is not None:
        target = d["record"]["counters"].get("target_ratio")
        met = "" if target is None else (f" (target {target:.3f} met)"
                                         if d["approx_ratio"] >= target
                                         else f" (target {target:.3f} NOT met)")
        lines.append(f"certified   ratio {d['approx_ratio']:.3f}{met}; spread >= "
                     f"{_fmt(d['lower_bound'])}, optimum <= {_fmt(d['upper_bound'])}")
        stop = d["record"]["counters"].get("stop")
        if stop is not None:
            lines.append(f"stopped     {stop} after {d['record']['counters'].get('rounds')} "
                         "rounds" + _STOP_NOTES.get(stop, ""))
    elif d["upper_bound"] is not None:
        lines.append(f"bound       optimum <= {_fmt(d['upper_bound'])}")
    if d["rr_sets"]:
        lines.append(f"RR sets     {d['rr_sets']:,}")
    phases = d["record"]["phases"]
    lines.append(f"time        {sum(phases.values()):.3f} s  ("
                 + ", ".join(f"{k} {v:.3f}" for k, v in phases.items()) + ")")
    if d.get("out"):
        lines.append(f"written     {d['out']}")
    return "\n".join(lines)


@click.command()
@graph_options
@click.option("-k", "k", type=click.IntRange(min=1), required=True, help="Number of seeds.")
@click.option("--model", type=click.Choice(DIFFUSION_MODELS), default="ic", show_default=True,
              help="Diffusion model.")
@click.option("--eps", type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
              default=0.1, show_default=True,
              help="OPIM-C stops at a certified ratio >= 1 - 1/e - EPS (IMM: its error).")
@click.option("--delta", type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
              default=None, help="Failure probability (default 1/n).")
@click.option("--solver", type=click.Choice(IM_SOLVERS), default="opim-c", show_default=True,
              help="opim-c certifies its ratio, imm guarantees it a priori; degree, pagerank, "
                   "random and celf (Monte-Carlo greedy, small graphs) are baselines.")
@click.option("--time-budget", type=click.FloatRange(0.0, min_open=True), default=None,
              metavar="S", help="OPIM-C online mode: stop after about S seconds.")
@click.option("--max-rr-sets", type=click.IntRange(min=2), default=None, metavar="N",
              help="OPIM-C online mode: draw at most N RR sets (IMM: cap, no guarantee).")
@click.option("--hist/--no-hist", "use_hist", default=None,
              help="OPIM-C: force HIST (RR sets stopped at sentinel seeds; same certificate) "
                   "or plain OPIM-C.  Default: HIST when a pilot finds large RR sets.")
@click.option("--fast", is_flag=True, default=False,
              help="OPIM-C / HIST as published: plain greedy, stop at the first round "
                   "certified at 1 - 1/e - EPS (the cheapest certified answer).  Default: "
                   "greedy by the rooted score (less noise), and keep doubling while the seeds "
                   f"still improve ({CAP_TEXT}), for IMM-quality seeds.")
@max_memory_option
@click.option("--mc-runs", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Simulations per estimate of the CELF solver.")
@seed_option
@threads_option
@cluster_option
@json_option
@click.option("--out", type=OutputPath(), default=None, metavar="FILE",
              help="Write the seed labels, one per line, in selection order.")
@quiet_option
def im(graph, undirected, probs, keep_self_loops, k, model, eps, delta, solver, time_budget,
       max_rr_sets, use_hist, fast, max_memory, mc_runs, seed, threads, cluster, as_json,
       out, quiet):
    """Choose K seeds of GRAPH that maximise the expected spread (IC or LT).

    The default solver, OPIM-C, reports a certified approximation ratio with
    probability 1 - delta.
    """
    from ..solvers.api import maximize_influence

    if out is not None and os.path.isdir(out):
        raise click.BadParameter(f"{out!r} is a directory", param_hint="--out")
    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    extra = {"mc_runs": mc_runs} if solver == "celf" else {}
    if cluster is not None:
        extra["cluster"] = cluster
    if use_hist is not None:
        extra["hist"] = use_hist
    if fast:
        extra["fast"] = True
    # OPIM-C / IMM rounds double in size: a linear ETA over rounds would mislead
    with Progress(solver, enabled=not (as_json or quiet), eta=solver in ("celf",)) as progress:
        result = maximize_influence(g, k, model=model, solver=solver, eps=eps, delta=delta,
                                    seed=seed, threads=threads, time_budget=time_budget,
                                    max_rr_sets=max_rr_sets, max_memory=max_memory,
                                    progress=progress, **extra)
        progress.finish(_im_summary(result))
    if out is not None:
        write_seeds(out, result.seeds)
    data = result.to_dict()
    data["graph"] = graph
    data["eps"] = eps if result.solver in (*CERTIFIED_IM_SOLVERS, "hist") else None
    data["out"] = out
    emit(data, as_json, _human_im)


def _human_spread(d: dict) -> str:
    unit = "simulations" if d["method"] == "mc" else "RR sets"
    return "\n".join([
        f"seeds       {d['seeds']:,}",
        f"spread      {d['mean']:,.2f}  95% CI [{d['ci_low']:,.2f}, {d['ci_high']:,.2f}]",
        f"method      {d['method']} ({d['runs']:,} {unit}, {d['model'].upper()})",
    ])


@click.command()
@graph_options
@click.option("--seeds", "seeds_path", type=click.Path(exists=True, dir_okay=False),
              required=True, metavar="FILE", help="Seed labels, one per line.")
@click.option("--mc", "runs", type=click.IntRange(min=1), default=10000, show_default=True,
              help="Monte-Carlo simulations.")
@click.option("--rr-eps", type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
              default=None, metavar="EPS",
              help="Use the RR estimator with relative error EPS instead of simulations.")
@click.option("--model", type=click.Choice(DIFFUSION_MODELS), default="ic", show_default=True,
              help="Diffusion model.")
@seed_option
@threads_option
@cluster_option
@json_option
@quiet_option
def spread(graph, undirected, probs, keep_self_loops, seeds_path, runs, rr_eps, model, seed,
           threads, cluster, as_json, quiet):
    """Estimate the expected spread of the seeds in FILE on GRAPH."""
    from ..sampling import mc_spread, rr_spread

    if cluster is not None and rr_eps is not None:
        raise ParameterError("--cluster runs Monte-Carlo spread (--mc); the RR estimator "
                             "(--rr-eps) runs on this machine only")
    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    ids = read_seeds(seeds_path, g)
    with Progress("spread", enabled=not (as_json or quiet)) as progress:
        if rr_eps is None:
            est = mc_spread(g, ids, runs, model=model, seed=seed, threads=threads,
                            labels=False, progress=progress, cluster=cluster)
        else:
            est = rr_spread(g, ids, eps=rr_eps, model=model, seed=seed, threads=threads,
                            labels=False, progress=progress)
        progress.finish(f"spread {est.mean:,.2f} from {est.runs:,} "
                        + ("simulations" if rr_eps is None else "RR sets"))
    data = est.to_dict()
    data.update({"graph": graph, "seeds": len(ids), "model": model})
    emit(data, as_json, _human_spread)
