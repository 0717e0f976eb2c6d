"""``imx bench``: run a benchmark suite, and turn results into a report.

``imx bench SUITE`` is short for ``imx bench run SUITE``.
"""
from __future__ import annotations

import click

from .options import OutputPath, emit, json_option
from .progress import Progress


class _DefaultRun(click.Group):
    """A group whose first argument, if not a subcommand, is the suite of ``run``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultRun)
def bench():
    """Run a benchmark suite (`imx bench SUITE` = `imx bench run SUITE`) and report.

    Shipped suites: smoke, im, cim, hetero, bcm, scaling, peers, and the measured
    tables' suites im-ref, cim-ref, hetero-serve, bcm-ndlib, parse, load-validation,
    scale, distributed, startup, hist, quality
    (`imx bench list`).
    Results are JSON lines; `imx bench report RESULTS` writes a markdown table and
    PNG plots (plots need matplotlib).
    """


@bench.command("list")
@json_option
def list_suites(as_json):
    """List the shipped suites with their number of runs."""
    from ..benchmark.suites import list_suites as names, load_suite

    rows = []
    for name in names():
        suite = load_suite(name)
        rows.append({"name": name, "runs": len(suite.runs), "description": suite.description})
    if as_json:
        emit({"suites": rows}, True)
        return
    for r in rows:
        click.echo(f"{r['name']:<16} {r['runs']:>5} runs  {r['description']}")


@bench.command()
@click.argument("suite")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder with the raw dataset files (e.g. ../shared/graphs); default: the "
                   "cache, downloading what is missing.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Cache for converted and generated graphs (default $IMX_DATA).")
@click.option("--out", "out", type=OutputPath(), default=None,
              help="JSON-lines results file (default bench-results/SUITE-TIMESTAMP.jsonl).")
@click.option("--report", "make_report", is_flag=True,
              help="Also write the markdown report and plots next to --out.")
@click.option("--reps", type=click.IntRange(min=1), default=None,
              help="Repetitions of every configuration (overrides the suite).")
@click.option("--only", "only", multiple=True, metavar="TEXT",
              help="Run only the runs whose description contains TEXT (repeatable: all must "
                   "match), e.g. --only opim-c --only wiki-Vote.")
@click.option("--isolation", type=click.Choice(("warm", "fresh", "inline")), default=None,
              help="warm: runs share one reused worker process (the default of most suites; "
                   "per-run peak memory on Linux); fresh: a new process per run (clean JIT "
                   "state); inline: all in this process.")
@click.option("--isolate/--inline", default=None,
              help="Shorthands for --isolation fresh / --isolation inline.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@json_option
def run(suite, data_dir, cache_dir, out, make_report, reps, only, isolation, isolate, quiet,
        as_json):
    """Run SUITE (a shipped name or a .toml file) and write its results."""
    from pathlib import Path

    from ..benchmark.report import write_report
    from ..benchmark.runner import default_output, describe, run_suite
    from ..benchmark.suites import load_suite

    from ..errors import InputError
    from ..io.text import decoding_errors

    with decoding_errors(suite):
        spec = load_suite(suite, repetitions=reps)
    if not spec.runs:
        raise InputError("the suite defines no runs (no [[runs]] table)", path=suite)

    def match(r):
        text = describe(r)
        return all(t in text for t in only)

    if only and not any(match(r) for r in spec.runs):
        raise click.BadParameter(f"no run of suite {spec.name} matches {' and '.join(only)!r} "
                                 "('imx bench list' shows the suites)", param_hint="--only")
    out_path = Path(out) if out else default_output(spec)

    with Progress(f"bench {spec.name}", enabled=not (quiet or as_json), delay=0.0) as progress:
        def log(line):
            if quiet:
                return
            if progress.enabled:
                progress.echo(line)
            else:
                click.echo(line, err=True)

        results = run_suite(spec, data_dir=data_dir, cache_dir=cache_dir, out=out_path,
                            isolate=isolation or isolate, match=match if only else None,
                            log=log, progress=progress)
        progress.finish(f"{len(results)} runs")
    counts = {s: sum(1 for r in results if r["status"] == s)
              for s in ("ok", "skipped", "error", "timeout")}
    summary = {"suite": spec.name, "results": str(out_path), "runs": len(results), **counts}
    if make_report and results:
        summary["report"] = write_report(out_path)
    if as_json:
        emit(summary, True)
    else:
        click.echo(f"{spec.name}: {len(results)} runs, {counts['ok']} ok, {counts['skipped']} "
                   f"skipped, {counts['error'] + counts['timeout']} failed -> {out_path}")
        if "report" in summary:
            rep = summary["report"]
            click.echo(f"report: {rep['markdown']} ({len(rep['plots'])} plots)")
            if rep["note"]:
                click.echo(rep["note"])
    if counts["error"] or counts["timeout"]:
        click.get_current_context().exit(1)


@bench.command()
@click.argument("results", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", type=OutputPath(), default=None,
              help="Markdown file (default: RESULTS with .md); plots go beside it.")
@click.option("--no-plots", is_flag=True, help="Tables only.")
@json_option
def report(results, out, no_plots, as_json):
    """Write the markdown report and PNG plots of a RESULTS .jsonl file."""
    from ..benchmark.report import load_results, write_report
    from ..errors import InputError
    from ..io.text import decoding_errors

    with decoding_errors(results):
        if not load_results(results):
            raise InputError("no run records in the file", path=results)
        info = write_report(results, out, plots=not no_plots)
    if as_json:
        emit(info, True)
        return
    click.echo(f"report: {info['markdown']} ({len(info['plots'])} plots)")
    if info["note"]:
        click.echo(info["note"])
