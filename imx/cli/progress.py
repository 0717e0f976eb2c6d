"""The one progress display of the imx CLI: a click progress bar on stderr.

Library functions report through ``progress(done, total, label)`` callbacks
and never print.  A command passes a :class:`Progress` as that callback::

    with Progress("im", enabled=not (as_json or quiet)) as progress:
        result = maximize_influence(g, k, progress=progress)
        progress.finish(f"certified ratio {result.approx_ratio:.3f}")

The bar is drawn with click's own :func:`click.progressbar` (no extra
dependency), only when stderr is a terminal, only once the work has lasted
``delay`` seconds (short runs stay silent), at most ten times a second.  It
shows the percentage and ETA when the total is known and ``eta`` is on, and
the rate when counting many things (RR sets, simulations, bytes).  When the
work ends, early or not, the bar line is replaced by one final line saying
what was done, so a run that certifies at round 5 of 20 never stays drawn at
"20.8%".

:func:`compile_notice` is the first-run counterpart: it says that kernels are
being compiled and shows which one, how many so far and for how long.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Callable, TextIO

import click

__all__ = ["Progress", "quiet_option", "compile_notice", "FIRST_RUN_SECONDS"]

# Measured cold first run of ``imx im graphs/karate.txt --undirected -k 5``
# on the 2-core development machine: 6-8 s of CPU (bench/tables/startup.md).
FIRST_RUN_SECONDS = "about 10 s for `imx im` on 2 idle cores"

_REDRAW_SECONDS = 0.1
_ERASE_LINE = "\r\033[K"
_SHOW_CURSOR = "\033[?25h"
# totals above this count many small things (RR sets, bytes): a rate means something;
# at or below it they count rounds or iterations
_RATE_MIN_TOTAL = 100


def quiet_option(func: Callable) -> Callable:
    """``--quiet``: no progress display and no first-run notice on stderr."""
    return click.option("--quiet", "-q", is_flag=True,
                        help="No progress display on stderr.")(func)


def _on_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _count(value: float, unit: str | None) -> str:
    if unit == "B":
        for prefix in ("", "K", "M", "G"):
            if abs(value) < 1024 or prefix == "G":
                return f"{value:,.0f} {prefix}B" if not prefix else f"{value:,.1f} {prefix}iB"
            value /= 1024
    text = f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.2f}"
    return f"{text} {unit}" if unit else text


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.1f} s"
    minutes, secs = divmod(int(round(value)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


class Progress:
    """A ``progress(done, total, label)`` callback that draws one bar on stderr.

    Parameters
    ----------
    title : str
        What the command is doing ("im", "downloading NetHEPT"); starts the
        bar and the final line.
    enabled : bool
        False for ``--quiet`` / ``--json``; the display is also off when
        ``stream`` is not a terminal.  A disabled Progress still records the
        last ``done`` / ``total`` / ``label`` it was given.
    delay : float
        Seconds of work before the bar first appears.
    eta : bool
        Show the ETA when the total is known (off for work whose steps grow,
        such as OPIM-C's doubling rounds).
    unit : str, optional
        What ``done`` counts, for the rate ("RR sets"; "B" formats bytes);
        default: the label the library passes.
    rate : bool, optional
        Show the rate; default: when counting many things (a total above 100
        or unknown), not rounds or iterations.
    stream : file, optional
        Default ``sys.stderr``.
    """

    def __init__(self, title: str = "", *, enabled: bool = True, delay: float = 1.0,
                 eta: bool = True, unit: str | None = None, rate: bool | None = None,
                 stream: TextIO | None = None):
        self.title = title
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(enabled) and _on_terminal(self.stream)
        self.delay = delay
        self.eta = eta
        self.unit = unit
        self.rate = rate
        self.done: float = 0
        self.total: float | None = None
        self.label: str | None = None
        self.started = time.perf_counter()
        self._bar: click._termui_impl.ProgressBar | None = None
        self._drawn_at = 0.0
        self._stage_start = self.started
        self._stage_done: float = 0
        self._finished = False
        self._lock = threading.Lock()

    @property
    def shown(self) -> bool:
        """Whether the bar has been drawn."""
        return self._bar is not None

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __call__(self, done: float, total: float | None = None, label: str | None = None) -> None:
        with self._lock:
            now = time.perf_counter()
            if done < self.done or total != self.total:
                # a new stage (the library restarted its count): rate and ETA start afresh
                self._stage_start, self._stage_done = now, done
                if self._bar is not None:
                    self._restart_eta()
            self.done, self.total, self.label = done, total, label
            if not self.enabled or self._finished or now - self.started < self.delay:
                return
            if self._bar is not None and now - self._drawn_at < _REDRAW_SECONDS:
                return
            self._drawn_at = now
            self._draw()

    def _restart_eta(self) -> None:
        bar = self._bar
        bar.start = bar.last_eta = time.time()
        bar.avg = []
        bar.eta_known = False

    def _suffix(self, _item=None) -> str:
        bits = []
        label = self.label if self.label and self.label != self.title else None
        if not self._percent_known():
            unit = self.unit or label
            bits.append(_count(self.done, unit))
            if label == unit:
                label = None
        if label:
            bits.append(label)
        seconds = time.perf_counter() - self._stage_start
        if self._counts_many() and seconds > 0.5:
            rate = (self.done - self._stage_done) / seconds
            if rate > 0:
                bits.append(f"{_count(rate, self.unit)}/s")
        bits.append(_seconds(self.elapsed))
        return "  ".join(bits)

    def _counts_many(self) -> bool:
        if self.rate is not None:
            return self.rate
        return self.total is None or self.total > _RATE_MIN_TOTAL

    def _percent_known(self) -> bool:
        return bool(self.total) and self.total > 0

    def _draw(self) -> None:
        length = int(self.total) if self._percent_known() else None
        if self._bar is None:
            self._bar = click.progressbar(
                length=1, label=self.title, file=self.stream, show_eta=self.eta,
                show_percent=self.eta, width=24, item_show_func=self._suffix)
            self._restart_eta()
        bar = self._bar
        bar.length = length
        # steps of unequal size (doubling rounds) show "5/24", not a percentage
        bar.show_pos = length is not None and not self.eta
        if not bar.entered:
            bar.__enter__()
        done = int(min(self.done, length)) if length is not None else int(self.done)
        bar.update(done - bar.pos, self.label)

    def echo(self, line: str) -> None:
        """Print ``line`` on the stream (always: a log line, not progress) above the bar."""
        with self._lock:
            if self._bar is not None and not self._finished:
                self.stream.write(_ERASE_LINE)
                self._bar._last_line = None  # the next call redraws the bar under the line
                self._drawn_at = 0.0
            click.echo(line, file=self.stream)

    def finish(self, summary: str | None = None) -> None:
        """End the display; if the bar was shown, replace it by one final line.

        The line reads ``<title>: <summary> (<elapsed>)``; without a summary,
        ``done <count>`` with the last count given.
        """
        with self._lock:
            if self._finished:
                return
            self._finished = True
            if self._bar is None:
                return
            if summary is None:
                summary = "done " + _count(self.done, self.unit or self.label)
            prefix = f"{self.title}: " if self.title else ""
            self.stream.write(f"{_ERASE_LINE}{prefix}{summary} ({_seconds(self.elapsed)})\n"
                              f"{_SHOW_CURSOR}")
            self.stream.flush()

    def close(self) -> None:
        """End the display without a summary (also on errors)."""
        if self._bar is not None and not self._finished:
            with self._lock:
                self._finished = True
                self.stream.write(_ERASE_LINE + _SHOW_CURSOR)
                self.stream.flush()
        self._finished = True

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.finish()
        else:
            self.close()
        return False


def _compile_listener(progress: Progress, announce: Callable[[], None]):
    """A numba listener of ``numba:compile`` events (fired on cache misses only)."""
    from numba.core import event

    class CompileListener(event.Listener):
        count = 0
        depth = 0  # numba compiles its own helpers (np.empty, ...) inside a kernel's compile

        def on_start(self, ev) -> None:
            self.depth += 1
            if self.depth > 1:
                return
            if self.count == 0 and not progress.shown:
                announce()
            name = getattr(ev.data.get("dispatcher"), "__name__", None) or "kernel"
            progress(self.count, None, f"compiling {name}")

        def on_end(self, ev) -> None:
            self.depth -= 1
            if self.depth == 0:
                self.count += 1
                progress(self.count, None, "kernels")

    return CompileListener()


def compile_notice(*, quiet: bool = False,
                   stream: TextIO | None = None) -> Callable[[], None] | None:
    """Say so when this command compiles native kernels, and show their progress.

    That happens on the first run of a command after an install (numba caches
    the kernels in :func:`imx._cache.kernel_cache_dir`).  Listens to numba's
    ``numba:compile`` events, fired on cache misses only: at the first one it
    prints one line on ``stream`` (terminal or not), then on a terminal keeps
    a progress line of the kernels compiled so far.  Costs nothing when every
    kernel is cached.  Returns the function that stops listening and prints
    the final line (count and time), to call when the command ends; ``None``
    when ``quiet``.
    """
    if quiet:
        return None
    from numba.core import event

    from .._cache import kernel_cache_dir

    stream = stream if stream is not None else sys.stderr
    progress = Progress("compiling kernels", delay=0.0, eta=False, unit="kernels", rate=False,
                        stream=stream)

    def announce() -> None:
        click.echo(f"imx: compiling native kernels once for this installation "
                   f"({FIRST_RUN_SECONDS}); later runs load them from {kernel_cache_dir()}",
                   file=stream)

    listener = _compile_listener(progress, announce)
    event.register("numba:compile", listener)

    listening = [True]

    def stop() -> None:
        if listening[0]:
            listening[0] = False
            event.unregister("numba:compile", listener)
            try:
                progress.finish(f"{listener.count} kernels compiled and cached")
            except ValueError:  # the stream is closed already (an embedding caller's)
                pass

    return stop
