"""``imx bcm``: bounded-confidence value dynamics (simulate, fit, generate, evaluate)."""
from __future__ import annotations

import json
import os

import click

from .._names import (BCM_DISTANCES, BCM_FIT_METHODS, BCM_MODELS, BCM_PAIRINGS,
                      BCM_SECOND_STAGES)
from ..errors import InputError
from .options import (OutputPath, cluster_option, emit, graph_options, json_option,
                      load_cli_graph, seed_option, threads_option)
from .progress import Progress, quiet_option


def _floats(ctx, param, value):
    """A number or a comma-separated list of numbers (one per dimension)."""
    if value is None:
        return None
    try:
        items = [float(v) for v in str(value).split(",")]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number or a comma-separated list of "
                                 "numbers", ctx=ctx, param=param) from None
    return items[0] if len(items) == 1 else items


def _read_stubborn(path: str, graph) -> list[int]:
    from ..io.labels import read_label_file

    return read_label_file(path, graph, what="stubborn node").tolist()


def _dim_names(ctx, param, value):
    if value is None:
        return None
    names = tuple(n.strip() for n in value.split(","))
    for name in names:
        if not name or any(c in name for c in '"\n\r') or name in ("ego", "node", "time",
                                                                   "weight"):
            raise click.BadParameter(f"{name!r} cannot name a dimension (empty, reserved or "
                                     "holds a quote)", ctx=ctx, param=param)
    if len(set(names)) != len(names):
        raise click.BadParameter("a dimension name is given twice", ctx=ctx, param=param)
    return names


@click.group()
def bcm():
    """Bounded-confidence value dynamics (arXiv 2109.08021): simulate, fit, generate, evaluate.

    Value files (`values` writes one, `simulate` reads and writes them) are CSV
    with a header `node,dim1,...,dimd` and scores in [0, 1].  Ego-network files
    (`generate` writes them, `fit` and `evaluate` read them) are described in
    `imx.dynamics.egonets`.
    """


# ------------------------------------------------------------------- simulate
@bcm.command()
@graph_options
@click.option("--values", "values_path", required=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Initial values: CSV `node,dim1,...` with a header, scores in [0, 1].")
@click.option("--model", type=click.Choice(BCM_MODELS), default="dw", show_default=True,
              help="dw = Deffuant-Weisbuch, hk = Hegselmann-Krause, ego = ego update.")
@click.option("--epsilon", default="0.2", callback=_floats, show_default=True,
              help="Confidence bound; one value or one per dimension (comma-separated).")
@click.option("--mu", default=None, callback=_floats,
              help="Convergence rate in [0, 1]; one value or one per dimension "
                   "[default: 0.5 for dw/ego, 1 for hk].")
@click.option("--steps", type=click.IntRange(min=0), default=100, show_default=True,
              help="Steps to run (dw: one step is m pair meetings; hk/ego: one synchronous "
                   "update of every node).")
@seed_option
@click.option("--distance", type=click.Choice(BCM_DISTANCES), default="dimension",
              show_default=True, help="Per dimension, or RMS over the value vector.")
@click.option("--weighted", is_flag=True,
              help="hk/ego: weight ties by the graph's arc probabilities (see --probs).")
@click.option("--pairing", type=click.Choice(BCM_PAIRINGS), default="arc", show_default=True,
              help="dw: draw a uniform arc, or a uniform node then a uniform neighbour.")
@click.option("--stubborn", "stubborn_path", type=click.Path(exists=True, dir_okay=False),
              help="File of node ids (one per line) that never move.")
@click.option("--tol", type=click.FloatRange(min=0), default=None,
              help="Stop when the largest change of a step is below this.")
@click.option("--no-clip", is_flag=True, help="Do not clip values to [0, 1].")
@click.option("--out", type=OutputPath(),
              help="Write the final values here (same CSV format).")
@click.option("--trajectory", type=OutputPath(),
              help="Write every step here (CSV `step,node,dim1,...`).")
@threads_option
@json_option
@quiet_option
def simulate(graph, undirected, probs, keep_self_loops, values_path, model, epsilon, mu, steps,
             seed, distance, weighted, pairing, stubborn_path, tol, no_clip, out, trajectory,
             threads, as_json, quiet):
    """Simulate value dynamics on GRAPH from the values in --values."""
    from ..dynamics import read_values, simulate as run_simulation, write_trajectory, write_values

    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    _refuse_ego_file(values_path)
    table = read_values(values_path)
    stubborn = _read_stubborn(stubborn_path, g) if stubborn_path else None
    with Progress(f"bcm {model}", enabled=not (as_json or quiet)) as progress:
        result = run_simulation(g, table, model=model, epsilon=epsilon, mu=mu, steps=steps,
                                seed=seed, distance=distance,
                                weights="graph" if weighted else None, stubborn=stubborn,
                                clip=not no_clip, tol=tol,
                                record="all" if trajectory else "last", pairing=pairing,
                                threads=threads, progress=progress)
    labels = g.label_list(range(g.n))
    if out:
        write_values(out, labels, result.dims, result.state)
    if trajectory:
        write_trajectory(trajectory, labels, result.dims, result.trajectory)
    span = result.state.max(axis=0) - result.state.min(axis=0)
    data = {"graph": graph, "nodes": g.n, "arcs": g.m, "model": model,
            "epsilon": epsilon, "mu": result.params["mu"], "steps": result.steps,
            "converged": result.converged, "max_change": result.max_change,
            "mean": dict(zip(result.dims, result.state.mean(axis=0).tolist())),
            "spread": dict(zip(result.dims, span.tolist())), "out": out,
            "trajectory": trajectory, "seconds": result.record.total_seconds}
    emit(data, as_json, _human_simulate)


def _refuse_ego_file(path: str) -> None:
    """An ego-network file (what `bcm generate` writes) handed to --values gets a pointer to
    the right file, rather than its `ego` column being read as a node."""
    from ..io.text import open_text

    with open_text(path) as fh:
        first = fh.readline().lstrip("\ufeff").strip().lower()
    if first.startswith("ego,"):
        raise InputError("this is an ego-network file (as `imx bcm generate` writes, for "
                         "`bcm fit` and `bcm evaluate`); --values needs one row per node of the "
                         "graph: make one with `imx bcm values GRAPH --out values.csv`",
                         path=path)


def _human_simulate(d: dict) -> str:
    lines = [f"{d['model']} on {d['nodes']:,} nodes, {d['steps']} steps"
             + (" (converged)" if d["converged"] else "")
             + f", {d['seconds']:.3f} s"]
    for name, mean in d["mean"].items():
        lines.append(f"  {name:<22} mean {mean:.4f}  range {d['spread'][name]:.4f}")
    if d["out"]:
        lines.append(f"final values written to {d['out']}")
    if d["trajectory"]:
        lines.append(f"trajectory written to {d['trajectory']}")
    return "\n".join(lines)


# --------------------------------------------------------------------- values
@bcm.command()
@graph_options
@click.option("--out", required=True, type=OutputPath(),
              help="The value file to write: CSV `node,dim1,...` with a header.")
@click.option("--dims", default=None, callback=_dim_names,
              help="Comma-separated dimension names [default: the five Schwartz values].")
@seed_option
@json_option
def values(graph, undirected, probs, keep_self_loops, out, dims, seed, as_json):
    """Initial values for every node of GRAPH, uniform in [0, 1], for `bcm simulate --values`."""
    import numpy as np

    from ..dynamics import SCHWARTZ_VALUES, write_values

    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    names = dims or SCHWARTZ_VALUES
    state = np.random.Generator(np.random.PCG64(seed)).random((g.n, len(names)))
    write_values(out, g.label_list(range(g.n)), names, state)
    emit({"out": out, "nodes": g.n, "dims": list(names)}, as_json,
         lambda d: f"values of {d['nodes']:,} nodes in {len(d['dims'])} dimensions written to "
                   f"{d['out']}")


# ------------------------------------------------------------------- generate
@bcm.command()
@graph_options
@click.option("--out", required=True, type=OutputPath(dir_okay=True),
              help="An ego file (*.csv) or a directory (one file per ego network).")
@click.option("--count", type=click.IntRange(min=1), default=275, show_default=True,
              help="Number of ego networks.")
@click.option("--size", type=click.IntRange(min=2), default=200, show_default=True,
              help="Largest ego network (ego included).")
@click.option("--model", type=click.Choice(BCM_MODELS), default="ego", show_default=True,
              help="Planted dynamics: dw, hk or ego (see `imx bcm simulate --help`).")
@click.option("--epsilon", default="0.3", callback=_floats, show_default=True,
              help="Planted confidence bound; one value or one per dimension.")
@click.option("--mu", default="0.4", callback=_floats, show_default=True,
              help="Planted convergence rate; one value or one per dimension.")
@click.option("--steps", type=click.IntRange(min=0), default=1, show_default=True,
              help="Planted steps from t0 to t1.")
@click.option("--distance", type=click.Choice(BCM_DISTANCES), default="dimension",
              show_default=True, help="Per dimension, or RMS over the value vector.")
@click.option("--weighted", is_flag=True, help="Give ties random strengths and use them.")
@click.option("--noise", type=click.FloatRange(min=0), default=0.01, show_default=True,
              help="sd of the Gaussian noise on the planted t1 values.")
@click.option("--clusters", type=click.IntRange(min=1), default=3, show_default=True,
              help="Value clusters among each ego's friends (homophily).")
@click.option("--spread", type=click.FloatRange(min=0), default=0.07, show_default=True,
              help="sd of the friends' values around their cluster centre.")
@click.option("--dims", default=None, callback=_dim_names,
              help="Comma-separated dimension names [default: the five Schwartz values].")
@click.option("--min-friends", type=click.IntRange(min=1), default=None,
              help="Egos need this many friends [default: size/2].")
@click.option("--overwrite", is_flag=True,
              help="Replace the CSV files of an existing --out directory.")
@seed_option
@json_option
@quiet_option
def generate(graph, undirected, probs, keep_self_loops, out, count, size, model, epsilon, mu,
             steps, distance, weighted, noise, clusters, spread, dims, min_friends, overwrite,
             seed, as_json, quiet):
    """Ego networks of GRAPH with t0 values and planted dynamics, written to --out."""
    from ..dynamics import SCHWARTZ_VALUES, generate_egos, save_egos
    from ..io.atomic import atomic_write_text

    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    names = dims or SCHWARTZ_VALUES
    with Progress("bcm generate", enabled=not (as_json or quiet)) as progress:
        egos = generate_egos(g, count, size, epsilon=epsilon, mu=mu, steps=steps, model=model,
                             distance=distance, weighted=weighted, noise=noise,
                             clusters=clusters, spread=spread, dims=names,
                             min_friends=min_friends, seed=seed, progress=progress)
        progress.finish(f"{len(egos):,} ego networks")
    planted = egos.meta["planted"]
    planted_text = json.dumps(planted, indent=2) + "\n"
    if out.endswith(".csv"):
        files = save_egos(egos, out, overwrite=overwrite)
        meta_path = out[:-4] + ".planted.json"
        atomic_write_text(meta_path, planted_text)
    else:  # published with the ego files, so the folder is never without it
        files = save_egos(egos, out, overwrite=overwrite,
                          extra_files={"planted.json": planted_text})
        meta_path = os.path.join(out, "planted.json")
    data = {"out": out, "files": len(files), "egos": len(egos),
            "mean_size": float(egos.sizes.mean()), "dims": list(egos.dims),
            "planted": planted, "planted_file": meta_path}
    emit(data, as_json, lambda d: (f"{d['egos']} ego networks (mean size {d['mean_size']:.1f}) "
                                   f"written to {d['out']}; planted parameters in "
                                   f"{d['planted_file']}"))


# ------------------------------------------------------------------------ fit
@bcm.command()
@click.option("--egos", "egos_path", required=True, type=click.Path(exists=True),
              help="An ego file or a directory of ego files.")
@click.option("--model", type=click.Choice(BCM_MODELS), default="ego", show_default=True,
              help="Dynamics to fit: dw, hk or ego (see `imx bcm simulate --help`).")
@click.option("--method", type=click.Choice(BCM_FIT_METHODS), default="pso", show_default=True,
              help="Particle swarm, or scipy's differential evolution.")
@click.option("--distance", type=click.Choice(BCM_DISTANCES), default="dimension",
              show_default=True, help="Per dimension, or RMS over the value vector.")
@click.option("--weighted", is_flag=True, help="Weight friends by tie strength.")
@click.option("--per-dimension", is_flag=True, help="One epsilon and mu per dimension.")
@click.option("--steps", type=click.IntRange(min=0), default=1, show_default=True,
              help="Steps of the model (unless --fit-steps).")
@click.option("--fit-steps", is_flag=True, help="Also fit the number of steps (1..--max-steps).")
@click.option("--max-steps", type=click.IntRange(min=1), default=10, show_default=True,
              help="Largest number of steps tried with --fit-steps.")
@click.option("--particles", type=click.IntRange(min=1), default=24, show_default=True,
              help="PSO swarm size (DE: population size).")
@click.option("--iterations", type=click.IntRange(min=0), default=60, show_default=True,
              help="PSO iterations (DE: generations).")
@click.option("--inertia", type=float, default=0.7298, show_default=True,
              help="PSO inertia weight of a particle's velocity.")
@click.option("--cognitive", type=float, default=1.49618, show_default=True,
              help="PSO pull towards the particle's own best position.")
@click.option("--social", type=float, default=1.49618, show_default=True,
              help="PSO pull towards the swarm's best position.")
@click.option("--patience", type=click.IntRange(min=1), default=None,
              help="Stop after this many iterations without improvement.")
@click.option("--out", type=OutputPath(),
              help="Write the fitted parameters and history as JSON (for evaluate --params).")
@seed_option
@threads_option
@cluster_option
@json_option
@quiet_option
def fit(egos_path, model, method, distance, weighted, per_dimension, steps, fit_steps, max_steps,
        particles, iterations, inertia, cognitive, social, patience, out, seed, threads,
        cluster, as_json, quiet):
    """Fit epsilon and mu (and optionally steps) to observed ego networks."""
    from ..dynamics import evaluate, fit as run_fit, load_egos
    from ..io.atomic import atomic_write_text

    egos = load_egos(egos_path)
    with Progress(f"bcm fit ({method})", enabled=not (as_json or quiet), eta=not fit_steps) \
            as progress:
        result = run_fit(egos, model=model, method=method, distance=distance, weighted=weighted,
                         per_dimension=per_dimension, steps=steps, fit_steps=fit_steps,
                         max_steps=max_steps, particles=particles, iterations=iterations,
                         inertia=inertia, cognitive=cognitive, social=social, patience=patience,
                         seed=seed, threads=threads, progress=progress, cluster=cluster)
    ev = evaluate(egos, params=result, threads=threads)
    data = result.to_dict()
    data["egos"] = len(egos)
    data["baselines"] = {k: ev.metrics[k]["mse"] for k in ("no_change", "mean_of_friends")}
    if "planted" in egos.meta:
        data["planted"] = egos.meta["planted"]
    if out:
        atomic_write_text(out, json.dumps(data, indent=2) + "\n")
    if not as_json:
        data = {k: v for k, v in data.items() if k not in ("history", "record")}
    emit(data, as_json, _human_fit)


def _fmt(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(f"{x:.4f}" for x in v) + "]"
    return f"{v:.4f}"


def _human_fit(d: dict) -> str:
    return "\n".join([
        f"{d['method']} fit of the {d['model']} model on {d['egos']} ego networks "
        f"({d['evaluations']:,} evaluations)",
        f"  epsilon  {_fmt(d['epsilon'])}",
        f"  mu       {_fmt(d['mu'])}",
        f"  steps    {d['steps']}",
        f"  MSE      {d['mse']:.6f}   (no change {d['baselines']['no_change']:.6f}, "
        f"mean of friends {d['baselines']['mean_of_friends']:.6f})"])


# ------------------------------------------------------------------- evaluate
def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def _read_params(path: str) -> dict:
    from ..io.text import open_text

    try:
        with open_text(path) as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if not isinstance(data, dict) or "epsilon" not in data or "mu" not in data:
        raise InputError("a parameter file needs the keys epsilon and mu (as written by "
                         "`imx bcm fit --out`)", path=path)
    params = {k: data[k] for k in ("epsilon", "mu", "steps", "model", "distance", "weighted",
                                   "seed") if k in data}
    # checked here so that a bad value is blamed on the file, not on a flag
    for key, lo, hi in (("epsilon", 0.0, float("inf")), ("mu", 0.0, 1.0)):
        values = params[key] if isinstance(params[key], list) else [params[key]]
        if not values or not all(_is_number(v) and lo <= v <= hi for v in values):
            raise InputError(f"{key} must be a number in [{lo:g}, {hi:g}] or a list of them, "
                             f"got {params[key]!r}", path=path)
    checks = {"steps": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
              "seed": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
              "model": lambda v: v in BCM_MODELS, "distance": lambda v: v in BCM_DISTANCES,
              "weighted": lambda v: isinstance(v, bool)}
    for key, ok in checks.items():
        if key in params and not ok(params[key]):
            raise InputError(f"bad {key} {params[key]!r}", path=path)
    return params


@bcm.command()
@click.option("--egos", "egos_path", required=True, type=click.Path(exists=True),
              help="An ego file or a directory of ego files.")
@click.option("--params", "params_path", type=click.Path(exists=True, dir_okay=False),
              help="Parameters written by `imx bcm fit --out` (overridden by explicit flags).")
@click.option("--epsilon", default=None, callback=_floats,
              help="Confidence bound; one value or one per dimension.")
@click.option("--mu", default=None, callback=_floats,
              help="Convergence rate; one value or one per dimension.")
@click.option("--steps", type=click.IntRange(min=0), default=None,
              help="Steps from t0 to t1 [default: 1].")
@click.option("--model", type=click.Choice(BCM_MODELS), default=None,
              help="Dynamics: dw, hk or ego [default: ego].")
@click.option("--distance", type=click.Choice(BCM_DISTANCES), default=None,
              help="Per dimension, or RMS over the value vector [default: dimension].")
@click.option("--weighted/--unweighted", default=None,
              help="Weight friends by tie strength [default: as in --params, else no].")
@click.option("--second-stage", type=click.Choice(BCM_SECOND_STAGES),
              default="none", show_default=True,
              help="Cross-validated regressor on [BCM, ego t0, friends' mean].")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True,
              help="Cross-validation folds of the second stage.")
@click.option("--alpha", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Ridge penalty.")
@seed_option
@threads_option
@json_option
def evaluate(egos_path, params_path, epsilon, mu, steps, model, distance, weighted, second_stage,
             folds, alpha, seed, threads, as_json):
    """Score the BCM's prediction of the egos' t1 values beside the baselines."""
    from ..dynamics import evaluate as run_evaluate, load_egos

    params = _read_params(params_path) if params_path else {}
    explicit = {"epsilon": epsilon, "mu": mu, "steps": steps, "model": model,
                "distance": distance, "weighted": weighted or None}
    params.update({k: v for k, v in explicit.items() if v is not None})
    if "epsilon" not in params or "mu" not in params:
        raise click.UsageError("give --epsilon and --mu, or --params")
    params.setdefault("seed", seed)
    egos = load_egos(egos_path)
    ev = run_evaluate(egos, params=params, second_stage=None if second_stage == "none"
                      else second_stage, folds=folds, alpha=alpha, threads=threads)
    emit(ev.to_dict(), as_json, _human_evaluate)


def _human_evaluate(d: dict) -> str:
    lines = [f"{'predictor':<16} {'MSE':>10} {'RMSE':>9} {'MAE':>9}   ({d['egos']} egos)"]
    for name, m in d["metrics"].items():
        lines.append(f"{name:<16} {m['mse']:>10.6f} {m['rmse']:>9.5f} {m['mae']:>9.5f}")
    lines.append(f"best: {d['best']}")
    return "\n".join(lines)
