"""Where a whole ``imx`` command spends its time: ``python -m imx.benchmark.profile_cli OUT ARGS``.

Runs ``imx ARGS`` in this process with timers wrapped around its parts and
writes them to the JSON file OUT; the ``process`` task runs it as a command
(``output = "json-file:OUT"``, see ``imx/benchmark/suites/startup.toml``), so
it is timed and its peak memory read like any other process.  Recorded (wall
and CPU seconds, ``wall.NAME`` / ``cpu.NAME``):

* ``graph load`` (``imx.io.load_graph``), ``solve`` (``maximize_influence`` /
  ``cim``, less what the two numba parts below took inside it), ``output``
  (the CLI's ``emit``);
* ``numba runtime start-up`` (numba's target context: it imports its ``np`` and
  ``cpython`` registries, scipy.linalg among them) and ``kernel cache loads``
  (cached kernels read from disk), unless ``IMX_PROFILE_NUMBA=0`` (then the
  process runs without those two hooks, as a plain one);
* ``total``: this process from its first line to the end of the command;
* ``phases``: the solver's own phases (its execution record);
* ``compiled``: every kernel numba compiled (a cache miss: the first run after
  installing) with its CPU seconds; ``kernels_compiled``, ``compile_cpu_s``;
* ``baseline_rss_bytes`` (interpreter, numpy, numba and LLVM started, graph
  loaded: just before the solve) and ``peak_rss_bytes`` (``VmHWM``).

Instrumentation, not measurement of record: the wrappers cost microseconds per
call, and the CLI's behaviour is unchanged (the same exit code, the same output).
"""
from __future__ import annotations

import time

_T0 = (time.perf_counter(), time.process_time())

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

__all__ = ["main"]


class _Timers:
    """Wall and CPU seconds per name; a wrapped call less what ``exclude`` grew meanwhile."""

    def __init__(self):
        self.spent: dict[str, list[float]] = {}
        self._active: set[str] = set()

    def wrap(self, name: str, func, exclude: tuple = ()):
        def inner():
            return [sum(self.spent.get(e, [0.0, 0.0])[i] for e in exclude) for i in (0, 1)]

        def wrapper(*args, **kwargs):
            if name in self._active:  # re-entered (numba's refresh recurses): the outer call
                return func(*args, **kwargs)
            self._active.add(name)
            w, c = time.perf_counter(), time.process_time()
            before = inner()
            try:
                return func(*args, **kwargs)
            finally:
                self._active.discard(name)
                grown = [a - b for a, b in zip(inner(), before)]
                acc = self.spent.setdefault(name, [0.0, 0.0])
                acc[0] += time.perf_counter() - w - grown[0]
                acc[1] += time.process_time() - c - grown[1]
        return wrapper


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _hook_numba(timers: _Timers, compiled: dict, after_numba: list) -> None:
    import numba.core.base as base
    import numba.core.caching as caching
    from numba.core import event

    refresh = timers.wrap("numba runtime start-up", base.BaseContext.refresh)

    def refresh_then_measure(self):
        refresh(self)
        after_numba[0] = after_numba[0] or _rss()  # numba and LLVM are loaded now

    base.BaseContext.refresh = refresh_then_measure
    caching.Cache.load_overload = timers.wrap("kernel cache loads", caching.Cache.load_overload,
                                              exclude=("numba runtime start-up",))

    class Compiles(event.Listener):
        depth = 0

        def on_start(self, ev):
            self.depth += 1
            ev.data["_cpu"] = time.process_time()

        def on_end(self, ev):
            self.depth -= 1
            if self.depth == 0:  # top-level kernels; numba's own helpers count in their caller
                d = ev.data["dispatcher"]
                name = f"{d.py_func.__module__}.{d.__name__}"
                compiled[name] = compiled.get(name, 0.0) + time.process_time() - ev.data["_cpu"]

    event.register("numba:compile", Compiles())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m imx.benchmark.profile_cli OUT.json IMX-ARGS...", file=sys.stderr)
        return 2
    out_path, args = argv[0], argv[1:]
    from .common import peak_rss_bytes

    timers, compiled, phases = _Timers(), {}, {}
    baseline, after_numba = [None], [None]
    import imx.cli.options as options
    import imx.io

    options.emit = timers.wrap("output", options.emit)
    imx.io.load_graph = timers.wrap("graph load", imx.io.load_graph)
    if os.environ.get("IMX_PROFILE_NUMBA", "1") == "1":
        _hook_numba(timers, compiled, after_numba)

    def solver(func):
        def wrapper(*a, **kw):
            baseline[0] = _rss()
            result = func(*a, **kw)
            rec = result.record if isinstance(result.record, dict) else result.record.to_dict()
            phases.update(rec.get("phases", {}))
            return result
        # numba's start-up and the kernel loads happen inside the first solve: shown apart
        return timers.wrap("solve", wrapper,
                           exclude=("numba runtime start-up", "kernel cache loads"))

    import imx.solvers.api as api
    import imx.solvers.cim as cim_pkg

    api.maximize_influence = solver(api.maximize_influence)
    cim_pkg.cim = solver(cim_pkg.cim)
    from imx.cli.main import main as cli

    code = 0
    try:
        cli(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    total = [time.perf_counter() - _T0[0], time.process_time() - _T0[1]]
    spent = dict(timers.spent, total=total)
    report = {"wall": {k: v[0] for k, v in spent.items()},
              "cpu": {k: v[1] for k, v in spent.items()}, "phases": phases,
              "compiled": compiled, "kernels_compiled": len(compiled),
              "compile_cpu_s": sum(compiled.values()),
              "baseline_rss_bytes": max(baseline[0] or 0, after_numba[0] or 0),
              "peak_rss_bytes": peak_rss_bytes(), "exit": code}
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(report, fh)
    return code


if __name__ == "__main__":
    sys.exit(main())
