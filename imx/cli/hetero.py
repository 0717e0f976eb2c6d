"""``imx hetero``, ``imx hetero-eval`` and ``imx generate hetero``."""
from __future__ import annotations

import click

from .._names import HETERO_SOLVERS
from .options import (OutputPath, cluster_option, emit, graph_options, json_option,
                      load_cli_graph, seed_option, threads_option)
from .progress import Progress, quiet_option

_FILE = click.Path(exists=True, dir_okay=False)


def _human_run(d: dict) -> str:
    lines = [f"method       {d['method']}",
             f"inviters     {d['inviters']:,}  ({d['empty_lists']:,} without friends)",
             f"rows         {d['rows']:,}  (K = {d['K']})"]
    if d.get("rr_sets"):
        ratio = d.get("approx_ratio")
        lines.append(f"rr sets      {d['rr_sets']:,}" +
                     (f"  (certified ratio {ratio:.3f})" if ratio is not None else ""))
        lines.append(f"spread       {d['spread']:.1f} users reached by the {d['invitees']:,} "
                     "invitees")
    lines.append(f"time         {d['seconds']:.3f} s")
    if d.get("output"):
        lines.append(f"output       {d['output']}")
    return "\n".join(lines)


@click.command()
@graph_options
@click.option("--inviters", "inviters_file", required=True, type=_FILE,
              help="Inviter labels, one or more a line.")
@click.option("--scores", "scores_file", type=_FILE, default=None,
              help="Willingness file 'u v P_uv' joined onto the graph's arcs (absent arcs: 0). "
                   "Default: the graph's own arc probabilities.")
@click.option("--accept", "accept_file", type=_FILE, default=None,
              help="Acceptance file 'v U_v' (absent nodes: 1).")
@click.option("-K", "K", type=click.IntRange(min=1), default=3, show_default=True,
              help="List length per inviter.")
@click.option("--method", type=click.Choice(HETERO_SOLVERS), default="heteroim", show_default=True,
              help="heteroim (RR-set greedy over all inviters), heteroir (one-hop score), or "
                   "the baselines willingness and degree.")
@click.option("-c", "--top-c", "c", type=click.IntRange(min=1), default=3, show_default=True,
              help="HeteroInf's interaction capacity (heteroir).")
@click.option("--eps", type=click.FloatRange(0.0, 0.5, min_open=True, max_open=True),
              default=0.1, show_default=True, help="heteroim: target ratio 1/2 - EPS.")
@click.option("--delta", type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
              default=None, help="heteroim: failure probability (default 1/n).")
@click.option("--rr-sets", type=click.IntRange(min=1), default=None,
              help="heteroim: use exactly this many RR sets (no certificate).")
@click.option("--out", "output", type=OutputPath(), default=None,
              help="Write the ranking as TSV (inviter, invitee, score, rank); without it the "
                   "TSV goes to stdout.")
@seed_option
@threads_option
@cluster_option
@json_option
@quiet_option
def hetero(graph, undirected, probs, keep_self_loops, inviters_file, scores_file, accept_file, K,
           method, c, eps, delta, rr_sets, output, seed, threads, cluster, as_json, quiet):
    """Rerank the friends of each inviter so invitations are accepted and spread.

    Candidates of an inviter are its out-neighbours in GRAPH; an invitation
    u -> v succeeds with P_uv * U_v.  Writes at most K rows per inviter, rank 1
    first; an inviter without friends gets no rows.
    """
    from ..io.hetero_files import RANKED_HEADER, read_accept, read_inviters, read_scores, \
        write_ranking
    from ..solvers.hetero import rerank

    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    willingness = read_scores(scores_file, g) if scores_file else None
    accept = read_accept(accept_file, g) if accept_file else None
    inviters = read_inviters(inviters_file, g)
    with Progress(method, enabled=not (as_json or quiet), eta=False) as progress:
        ranking = rerank(g, inviters, K, solver=method, willingness=willingness, accept=accept,
                         c=c, eps=eps, delta=delta, rr_sets=rr_sets, seed=seed, threads=threads,
                         labels=False, progress=progress, cluster=cluster)
        progress.finish(f"ranked the friends of {len(ranking):,} inviters")
    counts = ranking.offsets[1:] - ranking.offsets[:-1]
    summary = {"method": method, "K": K, "inviters": len(ranking),
               "empty_lists": int((counts == 0).sum()), "rows": int(ranking.offsets[-1]),
               "seconds": ranking.record.total_seconds, "output": output,
               **ranking.info, "record": ranking.record.to_dict()}
    if output:
        write_ranking(ranking, output)
        emit(summary, as_json, _human_run)
    elif as_json:
        summary["rows_data"] = [dict(zip(RANKED_HEADER, row)) for row in ranking.rows()]
        emit(summary, True)
    else:
        click.echo("\t".join(RANKED_HEADER))
        for u, v, s, r in ranking.rows():
            click.echo(f"{u}\t{v}\t{s:.6g}\t{r}")


def _human_eval(d: dict) -> str:
    ks = d["K"]
    head = f"{'':<14}" + "".join(f"{'@' + str(k):>10}" for k in ks)
    lines = [f"inviters evaluated {d['evaluated']:,} (skipped without observed invitations: "
             f"{d['skipped']:,})"]
    for res in d["results"]:
        lines.append(f"{res['file']}")
        lines.append(head)
        for key, name in (("recall", "Recall"), ("ndcg", "NDCG"), ("nspread", "NSpread")):
            lines.append(f"  {name:<12}" + "".join(f"{x:>10.4f}" for x in res[key]))
    return "\n".join(lines)


@click.command("hetero-eval")
@click.argument("ranked", nargs=-1, required=True, type=_FILE)
@click.option("--observed", "observed_file", required=True, type=_FILE,
              help="Observed accepted invitations, 'inviter invitee' a line.")
@click.option("--inviters", "inviters_file", type=_FILE, default=None,
              help="Inviters to evaluate (default: those of each RANKED file).")
@click.option("--max-k", type=click.IntRange(min=1), default=3, show_default=True,
              help="Report the metrics @1..@MAX_K.")
@json_option
def hetero_eval(ranked, observed_file, inviters_file, max_k, as_json):
    """Recall@K, NDCG@K and NSpread@K (K = 1..MAX_K) of RANKED files.

    RANKED files are TSV as written by `imx hetero` (inviter, invitee, score,
    rank); each is scored against the same observed invitations.
    """
    from ..solvers.hetero.evaluate import evaluate_ranking
    from ..io.hetero_files import read_label_list, read_pairs, read_ranked

    observed = read_pairs(observed_file)
    inviters = read_label_list(inviters_file) if inviters_file else None
    results = []
    for path in ranked:
        res = evaluate_ranking(read_ranked(path), observed, inviters, max_k)
        res["file"] = path
        results.append(res)
    out = {"K": list(range(1, max_k + 1)), "evaluated": results[0]["evaluated"],
           "skipped": results[0]["skipped"], "results": results}
    emit(out, as_json, _human_eval)


def _fraction_or_count(ctx, param, value):
    if value >= 1 and not float(value).is_integer():
        raise click.BadParameter(f"{value:g} is neither a fraction below 1 nor a whole count",
                                 ctx=ctx, param=param)
    return value


@click.command("hetero")
@graph_options
@click.option("-o", "--out", "prefix", required=True, type=OutputPath(),
              help="Output prefix: writes PREFIX.scores.tsv, PREFIX.accept.tsv, "
                   "PREFIX.inviters.txt and PREFIX.observed.tsv.")
@click.option("--inviters", "inviters", type=click.FloatRange(min=0, min_open=True),
              default=0.25, show_default=True, callback=_fraction_or_count,
              help="Inviters: a fraction (< 1) of eligible users, or a count.")
@click.option("--min-friends", type=click.IntRange(min=1), default=3, show_default=True,
              help="Inviters are drawn among users with at least this many friends.")
@click.option("--mean-prob", type=click.FloatRange(0.0, 2 / 3, min_open=True, max_open=True),
              default=None, help="Mean P*U over arcs (default 0.5 / mean out-degree).")
@click.option("--noise", type=click.FloatRange(min=0.0), default=0.5, show_default=True,
              help="Recommender error on the logit scale.")
@seed_option
@json_option
def generate_hetero(graph, undirected, probs, keep_self_loops, prefix, inviters, min_friends,
                    mean_prob, noise, seed, as_json):
    """Put synthetic willingness, acceptance and observed invitations on GRAPH.

    See `imx.solvers.hetero.synthetic` for the model; the same seed gives the
    same files.
    """
    from ..solvers.hetero.synthetic import synthetic_hetero, write_synthetic

    g = load_cli_graph(graph, undirected, probs, keep_self_loops, seed)
    data = synthetic_hetero(g, inviters=inviters, min_friends=min_friends, mean_prob=mean_prob,
                            noise=noise, seed=seed)
    paths = write_synthetic(data, g, prefix)
    emit({**paths, "nodes": g.n, "arcs": g.m, "inviters_count": int(data.inviters.shape[0]),
          "observed_invitations": int(data.observed_tails.shape[0]),
          "mean_prob": data.mean_prob, "seed": seed}, as_json)
