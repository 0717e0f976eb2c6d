"""What every benchmark adapter shares (imx's own and the peers'): the outcome of a
solve, optional imports, thread settings and the warm-up graph."""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._proc import proc_kib_field

__all__ = ["Unavailable", "Outcome", "require", "resolve_threads", "resolve_aps", "tiny_graph",
           "peak_rss_bytes", "worker_env"]


class Unavailable(Exception):
    """A solver or peer this run needs is not installed or not built yet."""


def require(module: str, attr: str | None = None) -> Any:
    """Import ``module`` (and fetch ``attr``), or raise :class:`Unavailable`."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise Unavailable(f"{module} is not available ({exc})") from None
    if attr is None:
        return mod
    try:
        return getattr(mod, attr)
    except (AttributeError, ImportError) as exc:
        raise Unavailable(f"{module}.{attr} is not available yet ({exc})") from None


@dataclass
class Outcome:
    """What a solve produced, in a form every task shares."""

    eval_graph: Any = None              # graph the spread evaluator runs on (None: no spread)
    seed_ids: np.ndarray | None = None  # seeds as internal ids of eval_graph
    model: str = "ic"
    result: dict = field(default_factory=dict)    # seeds, solver's own estimates, certificate
    rr_sets: int | None = None
    record: dict = field(default_factory=dict)    # the solver's execution record
    metrics: dict = field(default_factory=dict)   # task-specific figures


def peak_rss_bytes() -> int:
    """Peak resident memory of this process (a benchmark worker, or a Dask worker of a run).

    Linux: ``VmHWM`` of /proc/self/status, the high-water mark of this process's
    own address space.  Not ``getrusage().ru_maxrss``: Linux carries it over
    ``execve`` from the forked copy of the parent, so every worker would report
    at least the runner's size.  Elsewhere ``ru_maxrss`` is the best there is.
    """
    peak = proc_kib_field("/proc/self/status", "VmHWM")
    if peak is not None:
        return peak
    import resource
    import sys

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss) if sys.platform == "darwin" else int(rss) * 1024


def worker_env() -> dict:
    """This environment, with the imx being benchmarked first on PYTHONPATH (for every
    process a run starts: workers, and the commands of process runs)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # the folder holding the imx package
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def resolve_threads(value: Any) -> int | None:
    """``"all"``/None -> None (all cores); an int -> that many threads."""
    if value in (None, "all", "N", 0):
        return None
    return int(value)


def _unaligned_copy(a: np.ndarray) -> np.ndarray:
    raw = np.empty(a.nbytes + 1, dtype=np.uint8)
    view = raw[1:].view(a.dtype) if a.itemsize == 1 else np.frombuffer(
        raw.data, dtype=a.dtype, count=a.size, offset=1)
    view[...] = a
    return view


def tiny_graph(probs: str = "wc", directed: bool = True, seed: int = 0, like=None):
    """The small random graph that warm-ups run on.

    With ``like`` (the benchmark graph), each array gets the same memory
    alignment as ``like``'s: numba compiles one specialisation per array type,
    and arrays memory-mapped from an ``.imxg`` file may be unaligned, so a
    warm-up on aligned arrays would leave the real compilation inside ``solve``.
    """
    from ..graph.core import Graph
    from ..graph.generate import erdos_renyi

    g = erdos_renyi(64, 256, seed=seed, directed=directed, probs=probs)
    held = like.arrays() if like is not None else {}
    if like is None or held.keys() != g.arrays().keys() or \
            all(a.flags.aligned for a in held.values()):
        return g
    arrays = {name: (a if held[name].flags.aligned else _unaligned_copy(a))
              for name, a in g.arrays().items()}
    return Graph(n=g.n, labels=g.labels, directed=g.directed, scheme=g.scheme,
                 source="warm-up", edges_read=g.edges_read, **arrays)


def _parse_aps(spec: str) -> tuple[str, Any]:
    """``sample:0.05`` -> ('sample', 0.05); ``file:NAME[:LINE]`` -> ('file', (NAME, LINE))."""
    kind, _, rest = str(spec).partition(":")
    if kind == "sample":
        return "sample", float(rest)
    if kind == "file":
        name, _, line = rest.partition(":")
        return "file", (name, int(line) if line else None)
    raise ValueError(f"aps must be 'sample:FRACTION' or 'file:NAME[:LINE]', got {spec!r}")


def resolve_aps(graph, spec: str, seed: int, env: dict) -> list:
    """The APs (labels) a run's ``aps`` parameter names: ``sample:FRACTION`` (seeded) or
    ``file:NAME[:LINE]`` (in ``--data-dir``)."""
    kind, arg = _parse_aps(spec)
    if kind == "sample":
        count = max(1, int(round(arg * graph.n)))
        rng = np.random.Generator(np.random.PCG64(seed))
        ids = rng.choice(graph.n, size=count, replace=False)
        return graph.label_list(ids)
    name, line = arg
    folder = env.get("data_dir")
    path = name if os.path.isabs(name) or folder is None else os.path.join(folder, name)
    load_aps = require("imx.io.cim_files", "load_aps")
    return graph.label_list(load_aps(path, graph, ap_line=line))
