"""``imx cim`` and ``imx cim-eval``: capacity-constrained influence maximization."""
from __future__ import annotations

import click

from .._names import CIM_SOLVERS, DIFFUSION_MODELS
from .options import (OutputPath, cluster_option, emit, graph_options, json_option,
                      load_cli_graph, max_memory_option, seed_option, threads_option)
from .progress import Progress, quiet_option

_SHOWN_APS = 30


def _ap_options(func):
    func = click.option("--ap-sample", type=click.FloatRange(0.0, 1.0, min_open=True),
                        default=None, metavar="F",
                        help="Instead of --aps: a uniform sample of a fraction F of the nodes "
                             "(drawn with --seed).")(func)
    func = click.option("--ap-line", type=click.IntRange(min=1), default=None, metavar="N",
                        help="Use the N-th list of a nested AP file (one list per line).")(func)
    func = click.option("--aps", "aps_path", type=click.Path(exists=True, dir_okay=False),
                        default=None, metavar="FILE",
                        help="Active participants: labels separated by commas or white space; "
                             "the nested .ap form holds one list per line.")(func)
    return func


def _load_aps(g, aps_path, ap_line, ap_sample, seed):
    from ..io.cim_files import load_aps
    from ..solvers.cim.problem import sample_aps

    if aps_path is not None and ap_sample is not None:
        raise click.UsageError("give either --aps FILE or --ap-sample F, not both")
    if aps_path is None and ap_sample is None:
        raise click.UsageError("give the active participants with --aps FILE or --ap-sample F")
    if ap_sample is not None:
        if ap_line is not None:
            raise click.UsageError("--ap-line applies to --aps FILE only")
        return sample_aps(g, ap_sample, seed)
    return load_aps(aps_path, g, ap_line=ap_line)


def _human(d: dict) -> str:
    times = d["record"]["phases"]
    lines = [
        f"solver      {d['solver']} ({d['model'].upper()}, k={d['k']}, eps={d['eps']:g})",
        f"APs         {d['aps']:,}"
        + (f" ({len(d['aps_without_candidates'])} without candidates: "
           f"{', '.join(map(str, d['aps_without_candidates'][:10]))}"
           f"{' ...' if len(d['aps_without_candidates']) > 10 else ''})"
           if d["aps_without_candidates"] else ""),
        f"seeds       {d['num_seeds']:,}",
        f"spread      {d['spread']:,.1f}"
        + (f"  (lower bound {d['lower_bound']:,.1f})" if d["lower_bound"] is not None else ""),
    ]
    if d["approx_ratio"] is not None:
        lines.append(f"certified   ratio {d['approx_ratio']:.3f}; optimum <= {d['upper_bound']:,.1f}")
    if d["rr_sets"]:
        lines.append(f"RR sets     {d['rr_sets']:,}")
    lines.append(f"time        {sum(times.values()):.3f} s  ("
                 + ", ".join(f"{k} {v:.3f}" for k, v in times.items()) + ")")
    rows = d["assignment"]
    if rows:
        lines.append("assignment  (AP: seeds)")
        for row in rows[:_SHOWN_APS]:
            lines.append(f"  {row['ap']}: {', '.join(map(str, row['seeds'])) or '-'}")
        if len(rows) > _SHOWN_APS:
            lines.append(f"  ... {len(rows) - _SHOWN_APS:,} more APs (use --out or --json)")
    return "\n".join(lines)


@click.command()
@graph_options
@_ap_options
@click.option("-k", "k", type=click.IntRange(min=1), required=True,
              help="Capacity: seeds each AP may choose.")
@click.option("--solver", type=click.Choice(CIM_SOLVERS), default="rr-opim+", show_default=True,
              help="rr-opim+ certifies 1/2 - eps; see `imx.solvers.cim` for the others.")
@click.option("--eps", type=click.FloatRange(0.0, 0.5, min_open=True, max_open=True), default=0.1,
              show_default=True, help="Certified ratio target 1/2 - EPS.")
@click.option("--model", type=click.Choice(DIFFUSION_MODELS), default="ic", show_default=True,
              help="Diffusion model.")
@click.option("--mc-runs", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Live-edge worlds of the Monte-Carlo greedy solvers.")
@click.option("--rr-sets", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Sets per collection of the *-greedy-cov solvers.")
@max_memory_option
@seed_option
@threads_option
@cluster_option
@json_option
@click.option("--out", type=OutputPath(), default=None, metavar="FILE",
              help="Write the assignment as TSV (header ap<TAB>seed).")
@quiet_option
def cim(graph, undirected, probs, keep_self_loops, aps_path, ap_line, ap_sample, k, solver, eps,
        model, mc_runs, rr_sets, max_memory, seed, threads, cluster, as_json, out, quiet):
    """Choose at most K seeds among each AP's out-neighbours to maximise the spread.

    The APs themselves neither count nor pass influence on; seeds are distinct.
    """
    from ..solvers.cim import cim as solve_cim
    from ..solvers.cim import build_problem
    from ..io.cim_files import write_assignment

    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    ap_ids = _load_aps(g, aps_path, ap_line, ap_sample, seed)
    problem = build_problem(g, ap_ids, k)
    with Progress(solver, enabled=not (as_json or quiet), eta=False) as progress:
        result = solve_cim(problem, None, solver=solver, model=model, eps=eps, seed=seed,
                           threads=threads, max_memory=max_memory, progress=progress,
                           mc_runs=mc_runs, rr_sets=rr_sets, cluster=cluster)
        progress.finish(f"{len(result.pairs):,} seed assignments over {problem.num_aps:,} APs")
    if out is not None:
        write_assignment(out, result.pairs)
    data = result.to_dict()
    data["graph"] = graph
    if out is not None:
        data["out"] = out
    emit(data, as_json, _human)


def _human_eval(d: dict) -> str:
    lines = [
        f"seeds       {d['num_seeds']:,} over {d['aps']:,} APs",
        f"spread      {d['spread']:,.1f}  [{d['low']:,.1f}, {d['high']:,.1f}]  "
        f"({d['method']}, {d['samples']:,} samples"
        + ("" if d["converged"] else ", sample cap reached") + ")",
        f"feasible    {'yes' if not d['violations'] else 'no'}",
    ]
    for v in d["violations"][:10]:
        lines.append(f"  {v}")
    if len(d["violations"]) > 10:
        lines.append(f"  ... {len(d['violations']) - 10} more")
    return "\n".join(lines)


class _Infeasible(click.ClickException):
    """An assignment that is no CIM answer: a result, not a usage error, hence exit code 1."""

    exit_code = 1


@click.command("cim-eval")
@graph_options
@_ap_options
@click.option("--assignment", "assignment_path", type=click.Path(exists=True, dir_okay=False),
              required=True, metavar="FILE", help="TSV with header ap<TAB>seed.")
@click.option("-k", "k", type=click.IntRange(min=1), default=None,
              help="Capacity to check the assignment against (default: not checked).")
@click.option("--mc", "mc_runs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Estimate by N Monte-Carlo simulations instead of RR sets.")
@click.option("--eps", type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
              default=0.01, show_default=True, help="Relative error of the RR estimate.")
@click.option("--model", type=click.Choice(DIFFUSION_MODELS), default="ic", show_default=True,
              help="Diffusion model.")
@click.option("--allow-infeasible", is_flag=True,
              help="Estimate the spread even when the assignment breaks the constraints "
                   "(otherwise such an assignment is an error, exit code 1).")
@seed_option
@threads_option
@json_option
@quiet_option
def cim_eval(graph, undirected, probs, keep_self_loops, aps_path, ap_line, ap_sample,
             assignment_path, k, mc_runs, eps, model, allow_infeasible, seed, threads, as_json,
             quiet):
    """Estimate the spread, on the passive graph, of an assignment file.

    The assignment must be feasible: every seed a candidate (out-neighbour) of
    its AP, no seed on two APs, and with -k no AP above K seeds.  Otherwise the
    violations are listed and the exit code is 1, unless --allow-infeasible.
    """
    from .._threads import numba_threads
    from ..solvers.cim import build_problem, check_assignment
    from ..solvers.cim.evaluate import describe_violations, evaluate_seeds
    from ..io.cim_files import read_assignment

    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    ap_ids = _load_aps(g, aps_path, ap_line, ap_sample, seed)
    ap_pos, seed_ids = read_assignment(assignment_path, g, ap_ids)
    problem = build_problem(g, ap_ids, k if k is not None else 1)
    if model == "lt":
        problem.passive.check_lt()
    passive_ids = problem.passive_of[seed_ids]
    violations = check_assignment(problem, ap_pos, passive_ids,
                                  capacity=k if k is not None else 1 << 62)
    if violations and not allow_infeasible:
        raise _Infeasible(f"{assignment_path}: {describe_violations(violations)}; "
                          "--allow-infeasible evaluates it anyway")
    with numba_threads(threads), Progress("cim-eval", enabled=not (as_json or quiet)) \
            as progress:
        estimate = evaluate_seeds(problem, passive_ids, method="mc" if mc_runs else "rr",
                                  eps=eps, runs=mc_runs or 1, model=model, seed=seed,
                                  threads=threads, progress=progress)
    data = estimate.to_dict()
    data.update(graph=graph, aps=int(problem.num_aps),
                num_seeds=int(len(set(passive_ids.tolist()))), violations=violations)
    emit(data, as_json, _human_eval)
