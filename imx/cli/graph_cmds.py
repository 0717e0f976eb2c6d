"""``imx info``, ``imx convert`` and ``imx generate``."""
from __future__ import annotations


import click

from .._names import GRAPH_WRITE_FORMATS
from .main import LazyGroup
from .options import (OutputPath, emit, graph_options, json_option, load_cli_graph, seed_option,
                      threads_option)
from .progress import Progress, quiet_option


def _human_info(d: dict) -> str:
    lines = [
        f"graph        {d['source']}",
        f"nodes        {d['nodes']:,}",
        f"arcs         {d['arcs']:,}  ({'directed' if d['directed'] else 'undirected, both directions'})",
        f"edges read   {d['edges_read']:,}",
        f"probs        {d['probabilities']}  (min {d['prob_min']:.4g}, mean {d['prob_mean']:.4g}, "
        f"max {d['prob_max']:.4g})",
    ]
    for key in ("out_degree", "in_degree"):
        s = d[key]
        lines.append(f"{key.replace('_', '-'):<12} min {s['min']}, median {s['median']:g}, "
                     f"mean {s['mean']:.2f}, max {s['max']}")
    lines.append(f"isolated     {d['isolated_nodes']:,}")
    lines.append(f"memory       {d['memory_bytes'] / 2**20:.1f} MiB")
    skipped = d.get("skipped_header")
    lines.append("header       " + ("none skipped" if skipped is None else
                                   f"line {skipped['line']} skipped, {skipped['text']!r}: "
                                   f"{skipped['reason']}"))
    return "\n".join(lines)


def _indented(text: str) -> str:
    # \b keeps click from re-flowing the rules into one paragraph
    return "\b\n" + "\n".join("  " + line for line in text.splitlines())


def _info_help() -> str:
    from ..io.edgelist import HEADER_RULES, IDS_RULES

    return ("Summarise GRAPH: nodes, arcs, degrees, probability scheme, memory, and the\n"
            "header line skipped (if any).\n\n"
            "GRAPH is an .imxg file or a text edge list (plain, gzip, bz2 or xz; 'u v' or\n"
            "'u v p' lines, space, tab or comma separated, '#' comments; KONECT files with\n"
            "'%' comments), a NetworkX edge list or a Matrix Market .mtx file.\n\n"
            f"Node ids:\n\n{_indented(IDS_RULES)}\n\nHeader lines:\n\n{_indented(HEADER_RULES)}")


@click.command(help=_info_help())
@graph_options
@json_option
def info(graph, undirected, probs, keep_self_loops, as_json):
    g = load_cli_graph(graph, undirected, probs, keep_self_loops)
    d = g.info()
    d["source"] = graph
    skipped = getattr(g, "skipped_header", None)
    d["skipped_header"] = (None if skipped is None else
                           dict(zip(("line", "text", "reason"), skipped)))
    emit(d, as_json, _human_info)


@click.command()
@graph_options
@click.argument("output", type=OutputPath())
@click.option("--format", "fmt", type=click.Choice(GRAPH_WRITE_FORMATS), default=None,
              help="What to write: a text edge list 'u v p' (a .gz/.bz2/.xz suffix "
                   "compresses it), Matrix Market (read by scipy.io.mmread, MATLAB, "
                   "Julia...), or imx's binary .imxg (memory-mapped on load).  Default: from "
                   "OUTPUT's suffix (.imxg, .mtx[.gz]; anything else an edge list).")
@json_option
@quiet_option
def convert(graph, undirected, probs, keep_self_loops, output, fmt, as_json, quiet):
    """Convert GRAPH (any format imx reads) to OUTPUT: an edge list, Matrix Market or .imxg."""
    from ..io.binary import save_graph
    from ..io.edgelist import write_edgelist
    from ..io.formats import output_format, write_matrix_market

    fmt = output_format(output, fmt)
    with Progress("convert", enabled=not (as_json or quiet), unit="B") as progress:
        g = load_cli_graph(graph, undirected, probs, keep_self_loops, progress=progress)
        write = {"imxg": save_graph, "mtx": write_matrix_market, "edgelist": write_edgelist}[fmt]
        write(g, output)
        progress.finish(f"wrote {output}: {g.n:,} nodes, {g.m:,} arcs ({fmt})")
    emit({"output": output, "format": fmt, "nodes": g.n, "arcs": g.m,
          "probabilities": g.scheme}, as_json)


def _save_generated(make, output, as_json, quiet):
    """Build the graph with ``make(progress)`` and write it (.imxg: the binary form, atomically)."""
    from ..io.binary import save_graph
    from ..io.edgelist import write_edgelist

    with Progress("generate", enabled=not (as_json or quiet)) as progress:
        g = make(lambda done, total, phase: progress(done, total, f"generating: {phase:<13}"))
    if output.endswith(".imxg"):
        save_graph(g, output)
    else:
        write_edgelist(g, output)
    emit({"output": output, "nodes": g.n, "arcs": g.m, "directed": g.directed}, as_json)


_gen_common = [
    seed_option,
    threads_option,
    click.option("-o", "--out", "output", required=True, type=OutputPath(),
                 help="Output file: .imxg for the binary form, anything else for a text edge list."),
    json_option,
    quiet_option,
]


def _common(func):
    for deco in reversed(_gen_common):
        func = deco(func)
    return func


@click.group(cls=LazyGroup, lazy_commands={
    "hetero": ("imx.cli.hetero:generate_hetero",
               "Put synthetic willingness scores and observed invitations on a graph."),
})
def generate():
    """Generate synthetic graphs (and data sets for the other solvers)."""


@generate.command("er")
@click.option("-n", "--nodes", type=click.IntRange(min=2), required=True, help="Number of nodes.")
@click.option("-m", "--arcs", type=click.IntRange(min=1), required=True,
              help="Number of arcs (edges with --undirected).")
@click.option("--undirected", is_flag=True, help="Make edges (both arcs) instead of arcs.")
@_common
def gen_er(nodes, arcs, undirected, seed, threads, output, as_json, quiet):
    """Random graph with m distinct arcs (edges with --undirected), no self loops."""
    from ..graph.generate import erdos_renyi

    _save_generated(lambda progress: erdos_renyi(nodes, arcs, seed=seed, directed=not undirected,
                                                 threads=threads, progress=progress),
                    output, as_json, quiet)


@generate.command("ba")
@click.option("-n", "--nodes", type=click.IntRange(min=2), required=True, help="Number of nodes.")
@click.option("-k", "--links", type=click.IntRange(min=1), default=3, show_default=True,
              help="Edges each new node attaches with.")
@_common
def gen_ba(nodes, links, seed, threads, output, as_json, quiet):
    """Barabasi-Albert preferential attachment (undirected)."""
    from ..graph.generate import barabasi_albert

    _save_generated(lambda progress: barabasi_albert(nodes, links, seed=seed, threads=threads,
                                                     progress=progress),
                    output, as_json, quiet)


@generate.command("chung-lu")
@click.option("-n", "--nodes", type=click.IntRange(min=2), required=True, help="Number of nodes.")
@click.option("-m", "--arcs", type=click.IntRange(min=1), required=True,
              help="Number of arcs (edges with --undirected).")
@click.option("--exponent", type=click.FloatRange(min=1.0, min_open=True), default=2.5,
              show_default=True, help="Node weights are pareto(EXPONENT) + 1.")
@click.option("--undirected", is_flag=True, help="Make edges (both arcs) instead of arcs.")
@_common
def gen_chung_lu(nodes, arcs, exponent, undirected, seed, threads, output, as_json, quiet):
    """Chung-Lu graph with heavy-tailed expected degrees (LiveJournal-like at 1M/10M)."""
    from ..graph.generate import chung_lu

    _save_generated(lambda progress: chung_lu(nodes, arcs, exponent=exponent, seed=seed,
                                              directed=not undirected, threads=threads,
                                              progress=progress),
                    output, as_json, quiet)
