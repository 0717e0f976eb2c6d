"""``imx datasets list|fetch|path``: the registry of SNAP / IM-literature graphs."""
from __future__ import annotations

import click

from .options import emit, json_option
from .progress import Progress, quiet_option


def _folder_options(func):
    func = click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                        help="Cache folder for downloads and converted graphs "
                             "(default: $IMX_DATA, else the user cache directory).")(func)
    func = click.option("--data-dir", type=click.Path(exists=True, file_okay=False),
                        default=None,
                        help="A local folder that already holds the raw files "
                             "(no download), e.g. ../shared/graphs.")(func)
    return func


def _status(ds, data_dir, cache_dir) -> str:
    from ..io.datasets import package_file, cache_entry, find_local

    if cache_entry(ds, cache_dir)[0].is_file():
        return "cached"
    if data_dir is not None and find_local(ds, data_dir) is not None:
        return "local"
    if package_file(ds) is not None:
        return "bundled"
    return "remote" if ds.url else "manual"


@click.group()
def datasets():
    """The registry of SNAP / IM-literature graphs: list, fetch, path.

    `fetch` downloads a graph (or takes it from --data-dir), checks its sha256
    and published counts, and converts it once to the .imxg binary form in the
    cache folder ($IMX_DATA, default the user cache directory).
    """


@datasets.command("list")
@_folder_options
@json_option
def list_(data_dir, cache_dir, as_json):
    """List the registry: counts as published, direction, and where each graph is."""
    from ..io.datasets import registry

    rows = []
    for ds in registry().values():
        row = ds.to_dict()
        row["status"] = _status(ds, data_dir, cache_dir)
        rows.append(row)
    if as_json:
        emit({"datasets": rows}, True)
        return
    click.echo(f"{'name':<18} {'nodes':>12} {'edges':>15} {'direction':<10} {'status':<8} title")
    for r in rows:
        click.echo(f"{r['name']:<18} {r['nodes']:>12,} {r['edges']:>15,} "
                   f"{'directed' if r['directed'] else 'undirected':<10} {r['status']:<8} "
                   f"{r['title']}")


@datasets.command()
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@_folder_options
@click.option("--force", is_flag=True, help="Download and convert again even if cached.")
@json_option
@quiet_option
def fetch(names, data_dir, cache_dir, force, as_json, quiet):
    """Fetch NAME (download or --data-dir), verify it, convert it to .imxg."""
    from ..io.datasets import cache_entry, fetch as fetch_dataset, get_dataset

    results = []
    for name in names:
        ds = get_dataset(name)
        with Progress(f"fetching {ds.name}", enabled=not (as_json or quiet), unit="B") \
                as progress:
            path = fetch_dataset(ds, data_dir=data_dir, cache_dir=cache_dir, progress=progress,
                                 force=force)
            progress.finish(f"{path}")
        note = cache_entry(ds, cache_dir)[1]
        import json

        info = json.loads(note.read_text("utf-8"))
        results.append({"name": ds.name, "path": str(path), **{k: info[k] for k in (
            "nodes", "arcs", "edge_lines", "sha256_verified", "source_file")}})
    if as_json:
        emit({"datasets": results}, True)
    else:
        for r in results:
            check = "sha256 ok" if r["sha256_verified"] else "sha256 unknown"
            click.echo(f"{r['name']}: {r['path']} ({r['nodes']:,} nodes, {r['arcs']:,} arcs, "
                       f"counts ok, {check})")


@datasets.command()
@click.argument("name")
@_folder_options
def path(name, data_dir, cache_dir):
    """Print the path of NAME: the converted graph if fetched, else the raw file."""
    from ..io.datasets import dataset_path

    click.echo(str(dataset_path(name, data_dir=data_dir, cache_dir=cache_dir)))
