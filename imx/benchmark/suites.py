"""Benchmark suites: small TOML files listing graphs x solvers x parameters x repetitions.

A suite file looks like this (the shipped ones are in ``imx/benchmark/suites/``)::

    name = "smoke"
    description = "..."
    timeout_s = 120          # per run (default 600)
    isolate = "warm"         # "warm" (default): runs share one reused worker process;
                             # "fresh" (or true): a new process per run; "inline" (or false)

    [evaluator]              # ONE spread evaluator for every solver of the suite
    method = "rr"            # "rr": RR estimator to relative error eps; "mc": runs simulations
    eps = 0.01
    seed = 9001

    [graphs.karate]
    dataset = "karate"       # a registry name (see `imx datasets list`)
    [graphs.er-300]
    generate = "erdos_renyi" # erdos_renyi | barabasi_albert | chung_lu, with its arguments
    n = 300
    m = 1200
    seed = 7

    [[runs]]
    task = "im"              # im | cim | hetero | bcm | rr | io | process | peer
    graphs = ["karate", "er-300"]
    solver = ["opim-c", "degree"]   # every list is crossed with the others
    k = [1, 5]
    model = "ic"
    probs = "wc"
    eps = 0.3
    repetitions = 1
    exclude = [{ solver = "degree", k = 1 }]   # drop combinations matching all keys
                                               # (parameters, and ``graph``)

A graph may also be ``file = "path"`` (an edge list or ``.imxg``, relative to the
current folder) with ``undirected = true|false``.  ``probs_seed = N`` (default 0) seeds
a random probability scheme (``probs = "trivalency"``, ``"exp"``).

Figures measured elsewhere (a C++ reference run, a paper's table) are data of the
suite, not code: each ``[[reference]]`` entry names the runs it applies to and its
figures, and the report prints them beside the measured ones::

    [[reference]]
    source = "SUBSIM (C++), one thread, this machine"
    match = { graph = "chung-lu-1e6", k = 50, eps = 0.01 }  # graph, task or parameters
    seconds = 8.1              # any figures: seconds, peak_bytes, rr_sets, spread, ...
    peak_bytes = 0.50e9

``peer`` and ``process`` runs may name no graph (a peer builds its own inputs; a
process task's command may name its files itself).
"""
from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["Suite", "RunSpec", "load_suite", "list_suites", "TASKS", "GENERATORS"]

TASKS = ("im", "cim", "hetero", "bcm", "rr", "io", "process", "peer")
#: tasks whose runs may name no graph
_GRAPHLESS = ("peer", "process")
GENERATORS = ("erdos_renyi", "barabasi_albert", "chung_lu")
_RUN_KEYS = ("task", "graphs", "repetitions", "exclude", "timeout_s", "note")
_EVALUATOR_KEYS = {"method", "eps", "runs", "seed", "delta", "max_rr_sets"}


@dataclass(frozen=True)
class RunSpec:
    """One run: a task on a graph with fixed parameters, repetition ``rep``."""

    index: int
    task: str
    graph: str
    params: dict
    rep: int
    timeout_s: float

    def key(self) -> tuple:
        """Identity of the configuration (everything but the repetition)."""
        return (self.task, self.graph, tuple(sorted((k, str(v)) for k, v in self.params.items())))


@dataclass
class Suite:
    name: str
    description: str
    path: str
    graphs: dict[str, dict]
    evaluator: dict
    runs: list[RunSpec]
    isolate: str = "warm"
    timeout_s: float = 600.0
    raw: dict = field(default_factory=dict, repr=False)
    references: list[dict] = field(default_factory=list)

    def reference_for(self, record: dict) -> dict | None:
        """The ``[[reference]]`` entry whose ``match`` fits a run record (task, graph,
        params), or None; the first that fits wins."""
        return match_reference(self.references, record)


def match_reference(references: list[dict], record: dict) -> dict | None:
    """The first reference entry whose ``match`` keys all equal the record's (``task``,
    ``graph`` or a parameter; values compared as text, as in ``exclude``)."""
    fields = dict(record.get("params") or {}, task=record.get("task"),
                  graph=record.get("graph"))
    for ref in references:
        if _matches(fields, ref.get("match", {})):
            return ref
    return None


def _suite_text(name_or_path: str) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.is_file():
        try:
            return path.read_text("utf-8"), str(path)
        except OSError as exc:
            raise InputError(f"cannot read suite ({exc.strerror})", path=str(path)) from None
    ref = resources.files("imx") / "benchmark" / "suites" / f"{name_or_path}.toml"
    if not ref.is_file():
        raise InputError(f"unknown suite {name_or_path!r}; shipped suites: "
                         f"{', '.join(list_suites())}, or give a .toml path")
    return ref.read_text("utf-8"), f"imx/benchmark/suites/{name_or_path}.toml"


def list_suites() -> list[str]:
    """Names of the suites shipped with imx."""
    folder = resources.files("imx") / "benchmark" / "suites"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list) else [value]


def _check_graph(name: str, spec: dict, origin: str) -> dict:
    kinds = [k for k in ("dataset", "generate", "file") if k in spec]
    if len(kinds) != 1:
        raise InputError(f"graph {name!r} needs exactly one of dataset, generate, file",
                         path=origin)
    if "generate" in spec and spec["generate"] not in GENERATORS:
        raise InputError(f"graph {name!r}: unknown generator {spec['generate']!r} (expected "
                         f"{', '.join(GENERATORS)})", path=origin)
    return dict(spec)


def _check_reference(index: int, ref: Any, origin: str) -> dict:
    where = f"[[reference]] #{index}"
    if not isinstance(ref, dict) or not isinstance(ref.get("match", {}), dict):
        raise InputError(f"{where}: a table with 'match = {{ ... }}' and figures", path=origin)
    figures = [k for k in ref if k not in ("match", "source", "note")]
    if not figures:
        raise InputError(f"{where}: no figures (e.g. seconds = 8.1)", path=origin)
    return dict(ref)


#: How a process figure reduces its pattern's matches (see imx.benchmark.process).
FIGURE_TAKES = ("first", "median-after-first")


def _check_figures(where: str, figures: Any, origin: str) -> None:
    """A process run's ``figures``: name -> 'regex', or { pattern = 'regex', take = ... }."""
    if not isinstance(figures, dict):
        raise InputError(f"{where}: figures must be a table of name = 'regex'", path=origin)
    for name, spec in figures.items():
        if isinstance(spec, str):
            continue
        if not (isinstance(spec, dict) and isinstance(spec.get("pattern"), str)
                and set(spec) <= {"pattern", "take"}
                and spec.get("take", "first") in FIGURE_TAKES):
            raise InputError(f"{where}: figure {name!r} must be 'regex' or {{ pattern = "
                             f"'regex', take = {' | '.join(repr(t) for t in FIGURE_TAKES)} }}, "
                             f"got {spec!r}", path=origin)


def _matches(params: dict, pattern: dict) -> bool:
    return all(str(params.get(k)) == str(v) for k, v in pattern.items())


def load_suite(name_or_path: str, *, repetitions: int | None = None) -> Suite:
    """Read a suite by shipped name or path and expand it into runs.

    ``repetitions`` overrides the repetitions of every run group.
    """
    text, origin = _suite_text(name_or_path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"bad TOML ({exc})", path=origin) from None
    graphs = {name: _check_graph(name, spec, origin)
              for name, spec in raw.get("graphs", {}).items()}
    evaluator = dict(raw.get("evaluator", {"method": "rr", "eps": 0.01}))
    unknown = set(evaluator) - _EVALUATOR_KEYS
    if unknown or evaluator.get("method", "rr") not in ("rr", "mc"):
        raise InputError("[evaluator] takes method = 'rr' | 'mc', eps, runs, seed, delta, "
                         f"max_rr_sets (got {sorted(evaluator)})", path=origin)
    references = [_check_reference(i, ref, origin)
                  for i, ref in enumerate(_as_list(raw.get("reference", [])), start=1)]
    default_timeout = float(raw.get("timeout_s", 600))
    runs: list[RunSpec] = []
    for g_index, group in enumerate(raw.get("runs", []), start=1):
        where = f"[[runs]] #{g_index}"
        task = group.get("task")
        if task not in TASKS:
            raise InputError(f"{where}: task must be one of {', '.join(TASKS)}, got {task!r}",
                             path=origin)
        names = _as_list(group.get("graphs", []))
        if task not in _GRAPHLESS or names:
            missing = [g for g in names if g not in graphs]
            if not names or missing:
                raise InputError(f"{where}: unknown or missing graphs {missing or names}",
                                 path=origin)
        reps = int(repetitions if repetitions is not None else group.get("repetitions", 1))
        if reps < 1:
            raise InputError(f"{where}: repetitions must be >= 1", path=origin)
        timeout = float(group.get("timeout_s", default_timeout))
        _check_figures(where, group.get("figures", {}), origin)
        params = {k: _as_list(v) for k, v in group.items() if k not in _RUN_KEYS}
        excludes = _as_list(group.get("exclude", []))
        keys = list(params)
        for graph in names or [""]:
            for combo in itertools.product(*(params[k] for k in keys)):
                values = dict(zip(keys, combo))
                if any(_matches(dict(values, graph=graph), pat) for pat in excludes):
                    continue
                for rep in range(reps):
                    runs.append(RunSpec(index=len(runs), task=task, graph=graph,
                                        params=values, rep=rep, timeout_s=timeout))
    return Suite(name=raw.get("name", Path(origin).stem), description=raw.get("description", ""),
                 path=origin, graphs=graphs, evaluator=evaluator, runs=runs,
                 isolate=_isolation(raw.get("isolate", "warm"), origin),
                 timeout_s=default_timeout, raw=raw, references=references)


ISOLATION_MODES = ("warm", "fresh", "inline")


def isolation_mode(value) -> str:
    """``True`` / ``False`` (the older spelling) or a mode name -> a mode name."""
    if value is True:
        return "fresh"
    if value is False:
        return "inline"
    mode = str(value).lower()
    if mode not in ISOLATION_MODES:
        raise ValueError(f"isolate must be one of {', '.join(ISOLATION_MODES)} (or true / "
                         f"false), got {value!r}")
    return mode


def _isolation(value, origin: str) -> str:
    try:
        return isolation_mode(value)
    except ValueError as exc:
        raise InputError(str(exc), path=origin) from None

