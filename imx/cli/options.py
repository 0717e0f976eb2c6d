"""Options shared by several commands, defined once and stacked as decorators."""
from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any, Callable

import click

from .._validate import MAX_SEED
from ..errors import ParameterError
from ..graph.probs import SCHEME_HELP, parse_scheme

__all__ = ["OutputPath", "graph_options", "json_option", "seed_option", "threads_option", "max_memory_option",
           "cluster_option",
           "parse_size", "load_cli_graph", "emit", "check_scheme"]

_SIZE_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """``'512M'`` -> 536870912; plain numbers are bytes; K/M/G/T are powers of 1024."""
    raw = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = raw[-1:] if raw[-1:] in _SIZE_UNITS and raw[-1:] else ""
    try:
        number = float(raw[:-1] if unit else raw)
    except ValueError:
        raise ValueError(f"{text!r} is not a size such as 4G, 512M or 1000000") from None
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{text!r}: a memory size must be a positive number")
    size = number * _SIZE_UNITS[unit]
    if not 1 <= size < 2**63:
        raise ValueError(f"{text!r} is not a memory size (1 byte to 8 EiB)")
    return int(size)


def _size_option(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def max_memory_option(func: Callable) -> Callable:
    """--max-memory SIZE: the budget RR sampling is checked against before it starts."""
    return click.option("--max-memory", callback=_size_option, default=None, metavar="SIZE",
                        help="Memory budget for RR sets (e.g. 4G); default 80% of available "
                             "memory.")(func)


def _cluster_spec(ctx, param, value):
    if value is None:
        return None
    from .. import _validate

    # the library's own resolver: a bad spec is a ParameterError (one line, exit 2) before
    # any work, and a missing Dask names imx[dask]
    return _validate.cluster(value, "--cluster")


def cluster_option(func: Callable) -> Callable:
    """--cluster ADDRESS|local[:N]: run on a Dask cluster (the answer does not change)."""
    return click.option("--cluster", callback=_cluster_spec, default=None,
                        metavar="ADDRESS|local[:N]",
                        help="Run on a Dask cluster: a scheduler address (tcp://host:8786) or "
                             "local[:N] for N worker processes here. Same answer as without; "
                             "needs imx[dask].")(func)


def check_scheme(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_scheme(value)
    except ParameterError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


_IDS_KEY = "imx_ids"


def _remember_ids(ctx, param, value):
    # kept in the context, not passed on, so every command taking graph_options
    # gets --ids without a new parameter; load_cli_graph reads it back
    ctx.meta[_IDS_KEY] = value
    return value


def graph_options(func: Callable) -> Callable:
    """GRAPH argument plus --undirected, --probs, --keep-self-loops, --ids."""
    func = click.option("--ids", type=click.Choice(["auto", "int", "str"]), default="auto",
                        show_default=True, expose_value=False, callback=_remember_ids,
                        is_eager=True,
                        help="Node ids of an edge list: integers, strings, or decided from "
                             "the first 1000 data lines (see 'imx info --help').")(func)
    func = click.option("--keep-self-loops", is_flag=True,
                        help="Keep self loops (dropped by default).")(func)
    func = click.option("--probs", "probs", default=None, callback=check_scheme,
                        metavar="SCHEME",
                        help=f"Edge probabilities: {SCHEME_HELP}. Default: 'given' when the "
                             "file has a third column, else 'wc'.")(func)
    func = click.option("--undirected", is_flag=True,
                        help="Treat each line as an undirected edge (two arcs).")(func)
    func = click.argument("graph", type=click.Path(exists=True, dir_okay=False))(func)
    return func


class OutputPath(click.Path):
    """A path to write: its folder must exist and be writable, checked before any work.

    The file itself is written atomically later, so a failed run leaves nothing.
    """

    def __init__(self, dir_okay: bool = False):
        super().__init__(dir_okay=dir_okay)

    def convert(self, value, param, ctx):
        value = super().convert(value, param, ctx)
        folder = os.path.dirname(os.path.abspath(os.fspath(value)))
        if not os.path.isdir(folder):
            self.fail(f"the folder {folder!r} does not exist", param, ctx)
        try:  # a real write: os.access says yes to root on read-only mounts such as /proc
            fd, probe = tempfile.mkstemp(prefix=".imx-write-test.", dir=folder)
        except OSError as exc:
            self.fail(f"the folder {folder!r} is not writable ({exc.strerror})", param, ctx)
        os.close(fd)
        os.unlink(probe)
        return value


def json_option(func: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print machine-readable JSON on stdout.")(func)


def seed_option(func: Callable) -> Callable:
    return click.option("--seed", type=click.IntRange(0, MAX_SEED), default=1, show_default=True,
                        help="Random seed; the same seed gives the same answer.")(func)


def threads_option(func: Callable) -> Callable:
    return click.option("--threads", type=click.IntRange(min=1), default=None,
                        help="Worker threads (default: all cores).")(func)


def load_cli_graph(graph: str, undirected: bool, probs, keep_self_loops: bool, seed: int = 1,
                   progress=None):
    """Load GRAPH with the shared graph options (``progress``: see :func:`imx.load_graph`)."""
    from ..io import load_graph

    ctx = click.get_current_context(silent=True)
    ids = ctx.meta.get(_IDS_KEY, "auto") if ctx is not None else "auto"
    return load_graph(graph, directed=not undirected, probs=probs, seed=seed,
                      keep_self_loops=keep_self_loops, ids=ids, progress=progress)


def _jsonable(obj: Any):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def emit(data: dict, as_json: bool, human: Callable[[dict], str] | None = None) -> None:
    """Write a command's result on stdout, as JSON or as human text."""
    if as_json:
        click.echo(json.dumps(data, default=_jsonable, indent=2))
    elif human is not None:
        click.echo(human(data))
    else:
        width = max((len(k) for k in data), default=0)
        for key, value in data.items():
            click.echo(f"{key:<{width}}  {value}")
